"""Inventory sync."""

from __future__ import annotations

import logging

log = logging.getLogger(__name__)


def sync_stock(skus: list[str]) -> dict[str, int]:
    try:
        from shopapp.services.warehouse_client import WarehouseClient
    except ImportError:
        log.warning("warehouse client not available; stock not synced")
        return {}
    client = WarehouseClient()
    return {sku: client.stock(sku) for sku in skus}
