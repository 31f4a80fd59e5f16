"""HTTP routes."""

from __future__ import annotations

from shopapp.api.websocket import ConnectionManager
from shopapp.catalog.products import find_product
from shopapp.orders.service import place_order
from shopapp.realtime import ConnectionManager as RealtimeManager


def get_product(product_id: str) -> dict:
    product = find_product(product_id)
    return {"id": product.sku, "name": product.name, "price": str(product.price)}


def post_order(user_id: str, lines: list[dict]) -> dict:
    order = place_order(user_id, [(line["sku"], int(line["qty"])) for line in lines])
    return {"order_id": order.order_id, "total": str(order.total)}


def online_users(manager: ConnectionManager | RealtimeManager) -> list[str]:
    return manager.online_users()
