"""Stripe backend (needs the optional ``stripe`` package)."""

import stripe


class StripeClient:
    def charge(self, amount, reference):
        intent = stripe.PaymentIntent.create(amount=int(amount * 100), currency="eur", metadata={"ref": reference})
        return intent.id
