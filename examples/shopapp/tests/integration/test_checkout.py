"""End-to-end checkout (folder without __init__.py)."""

from decimal import Decimal

from shopapp.api.routes import post_order
from shopapp.catalog.products import Product, register
from shopapp.realtime.compat import LegacyManager
from shopapp.utils.settings import get_setting


def test_checkout_flow():
    register(Product("sku-2", "Tea", Decimal("4.00")))
    result = post_order("u2", [{"sku": "sku-2", "qty": 3}])
    assert result["total"] == "12.00"
    assert LegacyManager().online_users() == []
    assert get_setting("missing") is None
