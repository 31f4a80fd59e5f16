"""Payments. (``Removed``, the old refund job, was deleted in 3.2.)"""

from .gateway import PaymentResult, charge, refund

__all__ = ["PaymentResult", "charge", "refund"]
