"""What ``diff`` and ``history`` read of each file for a tree's module structure and clusters
(``analysis/discover/structure.py``, ``candidates.find_clusters``), kept by ``check`` in each
file's record (a :class:`PiecePass`): a pull request's first ``diff`` after a warm ``check`` then
builds the head's structure and clusters from the check's state, decoding no file's facts
(docs/history.md, "archguard diff").

Each piece is the file's own business (its facts, its module name and kind: what its record's
identity names), never the rest of the tree's: which names are modules, and what an imported name
resolves to, are settled when the structure is built."""

from __future__ import annotations

import sys
from functools import cache
from typing import Any

from archguard.analysis.symbols import SymbolTable
from archguard.app.passes.base import PiecePass, Prepared
from archguard.domain.facts import FileFacts
from archguard.domain.sources import SourceFile


class StructurePass(PiecePass):
    """Per file: its import sites (``modules.import_sites``), whether it may be a shim
    (``shim_definition.may_be_shim``), what it defines that clusters read
    (``defined.definitions_in_file``; () when nothing) and the names it imports from other
    modules, unresolved (``defined.names_imported``)."""

    name = "structure"
    reads_table = False
    git_only = True

    def pieces(
        self, prepared: Prepared, table: SymbolTable, file: SourceFile, facts: FileFacts
    ) -> tuple[Any, ...]:
        import_sites, may_be_shim, definitions_in_file, names_imported = _readers()
        # (names interned: the state's encoding writes a repeated name once, then refers to it)
        intern = sys.intern
        defined = definitions_in_file(file, facts)
        return (
            tuple([(intern(obj), now, line) for obj, now, line in import_sites(file, facts)]),
            may_be_shim(file, facts),
            defined if any(defined) else (),
            tuple([(intern(module), intern(name)) for module, name in names_imported(file, facts)]),
        )


@cache
def _readers() -> tuple[Any, ...]:
    """The functions that read a file's pieces, imported once (a check that derives nothing never
    loads discover's modules)."""
    from archguard.analysis.discover.defined import definitions_in_file, names_imported
    from archguard.analysis.discover.modules import import_sites
    from archguard.analysis.shim_definition import may_be_shim

    return import_sites, may_be_shim, definitions_in_file, names_imported
