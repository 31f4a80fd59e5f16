"""Websocket endpoint."""

from __future__ import annotations

from shopapp.realtime.impl import Manager
from shopapp.realtime.events import Event

# Third home of the same class: people import ConnectionManager from here.
ConnectionManager = Manager

_manager = ConnectionManager()


async def websocket_endpoint(socket, user_id: str) -> None:
    await _manager.connect(user_id, socket)
    try:
        async for message in socket.iter_json():
            if message.get("type") == "ping":
                await socket.send_json(Event("pong").as_dict())
    finally:
        await _manager.disconnect(user_id, socket)
