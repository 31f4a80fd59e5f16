"""The canonical home of the connection manager: import it from here."""

from .impl import UnifiedManager

ConnectionManager = UnifiedManager
Manager = UnifiedManager

__all__ = ["ConnectionManager"]
