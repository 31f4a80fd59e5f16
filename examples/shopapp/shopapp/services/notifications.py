"""E-mail notifications."""

from __future__ import annotations

from shopapp.config.loader import load_settings
from shopapp.services.old_module import render_template  # old_module.py was deleted in 3.0


def order_confirmation(order) -> str:
    settings = load_settings()
    return render_template("order_confirmation.txt", order=order, shop=settings.get("shop_name", "Shop"))
