"""The one definition of each order findings are listed in: file order, then position, as ruff
prints. Reporters, the analysis and the app sort with these keys, so every output agrees."""

from __future__ import annotations

from collections.abc import Callable
from operator import attrgetter
from typing import Protocol

from archguard.domain.findings import Violation
from archguard.domain.result import DanglingImport


class _Located(Protocol):
    @property
    def path(self) -> str: ...
    @property
    def line(self) -> int: ...
    @property
    def column(self) -> int: ...


class _HasPath(Protocol):
    @property
    def path(self) -> str: ...


def by_path(item: _HasPath) -> str:
    """Unreadable files, and anything else with only a path."""
    return item.path


def by_position(item: _Located) -> tuple[str, int, int]:
    """Syntax errors, and anything else with a path, line and column."""
    return (item.path, item.line, item.column)


def dangling_order(dangling: DanglingImport) -> tuple[str, int, int, str]:
    return (dangling.path, dangling.line, dangling.column, dangling.imported)


# File, position, code, contract, fingerprint: read in C (a check sorts every finding by it).
violation_order: Callable[[Violation], tuple[str, int, int, str, str, str]] = attrgetter(
    "path", "line", "column", "code", "contract", "fingerprint"
)
