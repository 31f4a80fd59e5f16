"""Request handlers shared by the API and the admin scripts."""

from shopapp.realtime.manager import ConnectionManager
from shopapp.realtime.manager_factory import get_manager


def broadcast_maintenance(message: str) -> int:
    manager: ConnectionManager = get_manager()
    return len(manager.online_users())
