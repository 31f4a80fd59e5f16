"""Typed helpers written for Python 3.12+ (valid code: archguard must not flag it by default)."""

from shopapp.catalog.products import Product

type ProductId = str
type PriceMap = dict[ProductId, Product]


class Box[T]:
    def __init__(self, item: T) -> None:
        self.item = item

    def get(self) -> T:
        return self.item


def first[T](items: list[T]) -> T | None:
    return items[0] if items else None


def label(product: Product) -> str:
    names = {"sku": product.sku, "name": product.name}
    return f"{names["name"]} ({names["sku"]})"
