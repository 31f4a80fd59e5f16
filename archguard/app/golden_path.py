"""``check --entry`` (and ``entry_points`` in ``[tool.archguard]``): the golden path use case.

Resolves the entry points the user named to files of the scan, and computes their import-time
closures (``archguard.analysis.golden_path``) from what the scan already derived; the result is
cached on its own, under the scan's key plus the entries, so a warm ``check --entry`` reads one
small file and a warm ``check`` without entries is untouched.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from archguard.adapters.cache import entries as stored
from archguard.analysis.golden_path import Entry, golden_paths
from archguard.app import keys
from archguard.domain.errors import ConfigError
from archguard.domain.findings import Violation
from archguard.domain.golden_path import EntryClosure
from archguard.domain.sources import SourceFile

if TYPE_CHECKING:
    from archguard.app import Workspace


def check_entries(workspace: Workspace, labels: Sequence[str]) -> tuple[list[Violation], list[EntryClosure]]:
    """Golden-path violations (fingerprinted) and one closure per entry point."""
    scan = workspace.scan
    entries = resolve_entries(labels, Path(scan.root), scan.files)
    scan_key = workspace.scan_key
    key = keys.golden(scan_key, ((e.label, e.file.path) for e in entries)) if scan_key is not None else None
    return workspace.store.cached(
        stored.GOLDEN,
        key,
        lambda: golden_paths(
            entries,
            scan.files,
            workspace.table,
            scan.facts,
            scan.syntax_errors,
            scan.unreadable,
            scan.dangling,
        ),
    )


def resolve_entries(labels: Sequence[str], root: Path, files: Sequence[SourceFile]) -> list[Entry]:
    """Each entry point as a file of the scan: a module name (``app.main``), or a path to a .py
    file or a package folder, relative to ROOT (or else to the working directory)."""
    entries: list[Entry] = []
    for label in dict.fromkeys(labels):  # the same entry twice is one entry
        file = _by_module(label, files) if _looks_like_module(label) else None
        if file is None:
            relative = _relative_path(label, root)
            if relative:
                file = _by_path(relative, files) or _by_path(f"{relative}/__init__.py", files)
        if file is None:
            raise ConfigError(
                f"entry point {label!r}: no module or .py file of that name under {root} "
                "(after --exclude and --package)"
            )
        entries.append(Entry(label, file))
    return entries


# A few entries against thousands of files: a scan per entry costs less than building an index.
def _by_module(module: str, files: Sequence[SourceFile]) -> SourceFile | None:
    """A package module wins over a loose file of the same dotted name, as in the symbol table."""
    matches = [f for f in files if f.module == module]
    return min(matches, key=lambda f: (f.loose, f.path)) if matches else None


def _by_path(path: str, files: Sequence[SourceFile]) -> SourceFile | None:
    return next((f for f in files if f.path == path), None)


def _looks_like_module(label: str) -> bool:
    return not label.endswith(".py") and "/" not in label and "\\" not in label


def _relative_path(label: str, root: Path) -> str | None:
    """``label`` as a path relative to ROOT with ``/``, or None when it lies outside ROOT."""
    given = Path(label)
    root = root.resolve()
    candidates = [given] if given.is_absolute() else [root / given, Path.cwd() / given]
    for candidate in candidates:
        if candidate.exists():
            try:
                return candidate.resolve().relative_to(root).as_posix()
            except ValueError:
                continue
    return given.as_posix() if not given.is_absolute() else None
