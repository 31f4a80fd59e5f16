"""Products."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

_PRODUCTS: dict[str, "Product"] = {}


@dataclass(frozen=True)
class Product:
    sku: str
    name: str
    price: Decimal


def find_product(sku: str) -> Product:
    try:
        return _PRODUCTS[sku]
    except KeyError:
        raise LookupError(f"unknown product {sku!r}") from None


def register(product: Product) -> None:
    _PRODUCTS[product.sku] = product
