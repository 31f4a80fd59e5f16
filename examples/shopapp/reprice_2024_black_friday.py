"""One-off script kept at the root: apply the Black Friday discount."""

from decimal import Decimal

from shopapp.catalog.products import _PRODUCTS, Product
from shopapp.utils.settings import load_settings

DISCOUNT = Decimal(str(load_settings().get("black_friday_discount", "0.2")))

for sku, product in list(_PRODUCTS.items()):
    _PRODUCTS[sku] = Product(product.sku, product.name, product.price * (1 - DISCOUNT))
