"""Gift cards."""

from shopapp.realtime.compat import LegacyManager


class GiftcardPlugin:
    def on_order_paid(self, order) -> None:
        LegacyManager().online_users()
