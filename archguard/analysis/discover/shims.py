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

from archguard.analysis.shim_definition import Reexports, must_stay, shim_candidate
from archguard.analysis.symbols import SymbolTable
from archguard.domain.discovery import Shim
from archguard.domain.facts import FileFacts
from archguard.domain.sources import SourceFile

# What makes ``file`` a shim, as far as the file and what it consults decide it: (its re-exports,
# a shim only if other files import it, it warns of deprecation, why it must stay or ""); () when
# it is none. Plain values: discover's engine keeps them per file.
ShimPiece = tuple[Reexports, bool, bool, str] | tuple[()]


def shim_in_file(table: SymbolTable, file: SourceFile, facts: FileFacts) -> ShimPiece:
    # A file shadowed by another of the same module name (app/x.py beside app/x/__init__.py)
    # is not what ``import app.x`` runs; the one that is gets its own turn.
    if table.file_of(file.module) != file:
        return ()
    found = shim_candidate(table, file.module)
    if found is None:
        return ()
    kept = must_stay(table, file.module, {})  # entry points: keep_entry_points, after the cache
    return found[0], found[1], facts.warns_deprecation, kept


def find_shims(
    table: SymbolTable,
    files: Sequence[SourceFile],
    facts: Mapping[str, FileFacts],
    importer_files: Mapping[str, set[str]],
    shims_by_file: Sequence[ShimPiece] | None = None,
) -> list[Shim]:
    """Shims, most-imported first (those with no importers last: safe to delete).
    ``shims_by_file``: :func:`shim_in_file` of every file, in order, when known already
    (discover's engine keeps them per file)."""
    if shims_by_file is None:
        shims_by_file = [
            shim_in_file(table, file, found) if (found := facts.get(file.path)) is not None else ()
            for file in files
        ]
    shims = []
    for file, piece in zip(files, shims_by_file, strict=True):
        if not piece:
            continue
        reexports, only_if_imported, warns, kept = piece
        importers = tuple(sorted(importer_files.get(file.module, ())))
        if only_if_imported and not importers:
            continue
        shims.append(Shim(file.module, file.path, reexports, importers, warns, kept))
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
