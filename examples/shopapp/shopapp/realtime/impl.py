"""Implementation of the websocket connection manager.

Do not import from here: use ``shopapp.realtime.manager.ConnectionManager``.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from shopapp.realtime.events import Event

log = logging.getLogger(__name__)


class _ManagerImpl:
    """Tracks open websocket connections per user and fans out events."""

    def __init__(self, heartbeat_s: float = 30.0) -> None:
        self.heartbeat_s = heartbeat_s
        self._connections: dict[str, set[object]] = defaultdict(set)
        self._lock = asyncio.Lock()

    async def connect(self, user_id: str, socket: object) -> None:
        async with self._lock:
            self._connections[user_id].add(socket)
        log.debug("user %s connected (%d sockets)", user_id, len(self._connections[user_id]))

    async def disconnect(self, user_id: str, socket: object) -> None:
        async with self._lock:
            self._connections[user_id].discard(socket)
            if not self._connections[user_id]:
                del self._connections[user_id]

    async def publish(self, user_id: str, event: Event) -> int:
        sent = 0
        for socket in list(self._connections.get(user_id, ())):
            await socket.send_json(event.as_dict())  # type: ignore[attr-defined]
            sent += 1
        return sent

    def online_users(self) -> list[str]:
        return sorted(self._connections)


# Names this class has had over the years. Kept "for compatibility".
UnifiedManager = _ManagerImpl
Manager = _ManagerImpl
