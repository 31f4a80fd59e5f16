"""discover's per-file work as piece passes of the engine (``base.PiecePass``): each file's share
is kept in its record and derived again only where an edit reaches (the facets its lookups
consulted), so discover after a one-file edit re-runs only its whole-tree steps (clusters,
cycles, hotspots) on the kept pieces. ``app/discover.py`` opens its engine with
:data:`DISCOVER_PASSES`; an engine without them (``report`` shares check's) computes the same
pieces file by file with the same functions (``pieces_of``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from archguard.analysis.interfaces import (
    all_binding,
    candidate_contracts,
    interface_tally_in_file,
    resolve_interfaces,
)
from archguard.analysis.symbols import SymbolTable
from archguard.app.passes.base import CheckRun, PiecePass, Prepared
from archguard.domain.facts import Binding, FileFacts
from archguard.domain.sources import SourceFile


class EdgesPass(PiecePass):
    """Each file's import edges under the one edge rule (the module graphs cycles, hotspots and
    shims are found on: ``modules.file_edges``). Which modules exist decides them: the engine
    notes the names each file's imports consulted for its own edges, so a module that comes or
    goes reaches exactly the files whose edges it may change."""

    name = "discover-edges"

    def prepare(self, run: CheckRun, collected: Sequence[tuple[Binding, ...]]) -> Prepared | None:
        return Prepared("", context=run.edge_rule)

    def pieces(
        self, prepared: Prepared, table: SymbolTable, file: SourceFile, facts: FileFacts
    ) -> tuple[Any, ...]:
        from archguard.analysis.discover.modules import file_edges

        return file_edges(prepared.context, file, facts)


class ShimsPass(PiecePass):
    """Whether each file is a shim and what it re-exports, as far as it and what it consults
    decide (``shims.shim_in_file``; who imports it is the module graph's, applied after)."""

    name = "discover-shims"

    def pieces(
        self, prepared: Prepared, table: SymbolTable, file: SourceFile, facts: FileFacts
    ) -> tuple[Any, ...]:
        from archguard.analysis.discover.shims import shim_in_file

        return shim_in_file(table, file, facts)


class UsesPass(PiecePass):
    """The names each file imports from other modules, resolved to their origins (the clusters'
    access-path evidence: ``candidates.uses_in_file``)."""

    name = "discover-uses"

    def pieces(
        self, prepared: Prepared, table: SymbolTable, file: SourceFile, facts: FileFacts
    ) -> tuple[Any, ...]:
        from archguard.analysis.discover.candidates import uses_in_file

        return uses_in_file(table, file, facts)


class DefinitionsPass(PiecePass):
    """The classes and functions each file defines that may claim a concept (the clusters'
    same-name, wrapper and factory evidence: ``defined.definitions_in_file``): the file's own
    business, derived again only when it changes."""

    name = "discover-definitions"

    def pieces(
        self, prepared: Prepared, table: SymbolTable, file: SourceFile, facts: FileFacts
    ) -> tuple[Any, ...]:
        from archguard.analysis.discover.defined import definitions_in_file

        return definitions_in_file(file, facts)


class SignaturePass(PiecePass):
    """What each file's content is compared by for copies (``copies.content_signature``): the
    file's own business."""

    name = "discover-signature"

    def pieces(
        self, prepared: Prepared, table: SymbolTable, file: SourceFile, facts: FileFacts
    ) -> tuple[Any, ...]:
        from archguard.analysis.discover.copies import content_signature

        return content_signature(file, facts)


class InterfaceTallyPass(PiecePass):
    """What an interface contract on every package declaring ``__all__`` would report in each
    file, tallied (discover's interface candidates: ``interfaces.interface_tally_in_file``). The
    whole-tree part is the packages' resolved faces: when one changes, every file is tallied
    again."""

    name = "discover-interfaces"

    def collect(self, run: CheckRun, facts: FileFacts) -> tuple[Binding, ...]:
        found = all_binding(facts)
        return (found,) if found is not None else ()

    def prepare(self, run: CheckRun, collected: Sequence[tuple[Binding, ...]]) -> Prepared | None:
        table = run.table
        contracts = candidate_contracts(
            table, [file for file, found in zip(run.files, collected, strict=True) if found]
        )
        if not contracts:
            return Prepared("")
        interfaces = resolve_interfaces(table, contracts)
        return Prepared(interfaces.summary, context=interfaces)

    def pieces(
        self, prepared: Prepared, table: SymbolTable, file: SourceFile, facts: FileFacts
    ) -> tuple[Any, ...]:
        if prepared.context is None:
            return ()
        return interface_tally_in_file(table, prepared.context, file, facts)


DISCOVER_PASSES: tuple[type[PiecePass], ...] = (
    EdgesPass,
    ShimsPass,
    UsesPass,
    DefinitionsPass,
    SignaturePass,
    InterfaceTallyPass,
)


def pieces_of(checker: PiecePass, run: CheckRun) -> list[tuple[Any, ...]]:
    """Every file's pieces of ``checker``, computed here (an engine that does not run it)."""
    files, facts, table = run.files, run.facts, run.table
    collected = [
        checker.collect(run, found) if (found := facts.get(f.path)) is not None else () for f in files
    ]
    prepared = checker.prepare(run, collected)
    if prepared is None:
        return [() for _ in files]
    return [
        checker.pieces(prepared, table, f, found) if (found := facts.get(f.path)) is not None else ()
        for f in files
    ]
