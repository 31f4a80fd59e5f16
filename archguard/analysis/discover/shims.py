"""Shims: modules whose public names are all re-exports (docs/interface.md).

What a shim is lives in one place, :mod:`archguard.analysis.shim_definition`, shared with
``check`` (the "(a shim)" in messages) and ``fix`` (which importers it leaves alone, which shims it
may delete). Discovery only adds who imports each one, which is also the definition's "other files
import it" test, and why a shim nothing imports must stay all the same (``kept_because``,
:func:`archguard.analysis.shim_definition.must_stay`): a documented public module, or an entry
point the project's metadata declares (read on every run: :func:`keep_entry_points`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

from archguard.analysis.shim_definition import must_stay, shim_reexports
from archguard.analysis.symbols import SymbolTable
from archguard.domain.discovery import Shim
from archguard.domain.facts import FileFacts
from archguard.domain.sources import SourceFile


def find_shims(
    table: SymbolTable,
    files: Sequence[SourceFile],
    facts: Mapping[str, FileFacts],
    importer_files: Mapping[str, set[str]],
) -> list[Shim]:
    """Shims, most-imported first (those with no importers last: safe to delete)."""
    shims = []
    for file in files:
        file_facts = facts.get(file.path)
        # A file shadowed by another of the same module name (app/x.py beside app/x/__init__.py)
        # is not what ``import app.x`` runs; the one that is gets its own turn.
        if file_facts is None or table.file_of(file.module) != file:
            continue
        reexports = shim_reexports(table, file.module, imported=bool(importer_files.get(file.module)))
        if reexports is None:
            continue
        importers = tuple(sorted(importer_files.get(file.module, ())))
        kept = must_stay(table, file.module, {})  # entry points: keep_entry_points, after the cache
        shims.append(Shim(file.module, file.path, reexports, importers, file_facts.warns_deprecation, kept))
    return sorted(shims, key=lambda s: (-len(s.importers), s.module))


def keep_entry_points(shims: Sequence[Shim], entry_points: Mapping[str, str]) -> list[Shim]:
    """``entry_points``: module -> where the project declares it (``[project.scripts] x``): such a
    module is loaded by name by installers, pytest and plugin hosts, never "safe to delete"."""
    return [
        replace(s, kept_because=f"an entry point: {entry_points[s.module]}")
        if s.module in entry_points and not s.kept_because
        else s
        for s in shims
    ]
