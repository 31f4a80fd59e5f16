"""Builds the process-wide connection manager."""

from __future__ import annotations

from functools import lru_cache

from shopapp.config.loader import load_settings
from shopapp.realtime.manager import ConnectionManager


@lru_cache(maxsize=1)
def get_manager() -> ConnectionManager:
    settings = load_settings()
    return ConnectionManager(heartbeat_s=float(settings.get("ws_heartbeat_s", 30)))


def create_manager(heartbeat_s: float = 30.0) -> ConnectionManager:
    return ConnectionManager(heartbeat_s=heartbeat_s)
