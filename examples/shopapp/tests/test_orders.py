from decimal import Decimal

from shopapp.catalog.products import Product, register
from shopapp.orders.service import place_order


def test_place_order_offline():
    register(Product("sku-1", "Mug", Decimal("9.50")))
    order = place_order("u1", [("sku-1", 2)])
    assert order.total == Decimal("19.00")
