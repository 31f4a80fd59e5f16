"""Realtime (websocket) layer."""

from .manager import ConnectionManager
from .events import Event, OrderStatusChanged

__all__ = ["ConnectionManager", "Event", "OrderStatusChanged"]
