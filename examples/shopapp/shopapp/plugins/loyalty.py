"""Loyalty points."""

from shopapp.utils.money import to_money


class LoyaltyPlugin:
    points_per_euro = 1

    def on_order_paid(self, order) -> int:
        return int(to_money(order.total)) * self.points_per_euro
