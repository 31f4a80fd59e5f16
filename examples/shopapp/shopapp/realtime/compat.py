"""Deprecated: the pre-3.0 import path of the connection manager."""

import warnings

from shopapp.realtime.manager import ConnectionManager

warnings.warn(
    "shopapp.realtime.compat is deprecated; import ConnectionManager from shopapp.realtime.manager",
    DeprecationWarning,
    stacklevel=2,
)

LegacyManager = ConnectionManager

__all__ = ["LegacyManager"]
