#!/usr/bin/env python
"""Send a maintenance message to every connected browser."""

import asyncio
import sys

from shopapp.realtime.impl import UnifiedManager
from shopapp.realtime.events import Event


async def main(message: str) -> None:
    manager = UnifiedManager()
    for user in manager.online_users():
        await manager.publish(user, Event("maintenance", {"message": message}))


if __name__ == "__main__":
    asyncio.run(main(" ".join(sys.argv[1:]) or "Back in 5 minutes"))
