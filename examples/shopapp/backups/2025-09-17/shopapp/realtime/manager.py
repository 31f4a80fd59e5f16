"""Stale copy from before the refactor (excluded by pyproject.toml)."""

from shopapp.realtime.impl import _ManagerImpl as ConnectionManager
from shopapp.services.old_module import render_template
