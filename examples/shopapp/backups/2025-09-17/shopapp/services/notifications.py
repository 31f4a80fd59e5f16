"""Stale half-edited copy: does not even parse (excluded by pyproject.toml)."""

from shopapp.services.old_module import render_template


def order_confirmation(order:
    return render_template("order_confirmation.txt", order=order)
