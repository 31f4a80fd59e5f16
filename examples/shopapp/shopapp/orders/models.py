"""Order models."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from shopapp.utils.money import to_money

if TYPE_CHECKING:
    from shopapp.catalog.products import Product
    from shopapp.payments.gateway import PaymentResult


@dataclass
class OrderLine:
    product: Product
    quantity: int

    @property
    def subtotal(self) -> Decimal:
        return to_money(self.product.price * self.quantity)


@dataclass
class Order:
    order_id: str
    user_id: str
    lines: list[OrderLine] = field(default_factory=list)
    status: str = "new"
    payment: PaymentResult | None = None

    @property
    def total(self) -> Decimal:
        return to_money(sum((line.subtotal for line in self.lines), Decimal(0)))
