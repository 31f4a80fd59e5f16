"""Wrapper kept after the 2024 'unification': a different class claiming the same concept."""

from shopapp.realtime.impl import _ManagerImpl


class UnifiedConnectionManager(_ManagerImpl):
    pass
