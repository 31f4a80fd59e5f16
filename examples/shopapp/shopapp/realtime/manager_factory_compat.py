"""Deprecated factory names, kept while the mobile backend migrates."""

import warnings

from .impl import _ManagerImpl
from .manager_factory import create_manager, get_manager

warnings.warn("use shopapp.realtime.manager_factory", DeprecationWarning, stacklevel=2)


def make_connection_manager(heartbeat_s=30.0):
    return _ManagerImpl(heartbeat_s=heartbeat_s)


build_manager = create_manager
default_manager = get_manager
