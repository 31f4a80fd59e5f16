"""Concept contracts (AG101-AG103 per importing file, AG111 per rival definition): one concept,
one home, one import path (``analysis/concepts.py``); and interface contracts (AG501-AG503 per
importing file): a package used only through its public face (``analysis/interfaces.py``). One
pass, because both read the same lookups of each file: their whole-tree parts (the resolved
concepts, the resolved faces) share one summary, and each file's findings of both are derived
under one trace."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from archguard.analysis.concepts import (
    ResolvedConcepts,
    concept_violations_in_file,
    duplicate_definitions,
    resolve_concepts,
    rival_candidates,
    validate_contracts,
)
from archguard.analysis.symbols import SymbolTable
from archguard.app.passes.base import CheckRun, FilePass, Prepared
from archguard.domain.facts import Binding, FileFacts
from archguard.domain.findings import Violation, assign_fingerprints
from archguard.domain.result import DanglingImport
from archguard.domain.sources import SourceFile

if TYPE_CHECKING:  # loaded when the pass runs: a check whose results are stored never does
    from archguard.analysis.interfaces import ResolvedInterfaces


class ConceptPass(FilePass):
    name = "concepts"

    def contracts(self, run: CheckRun) -> list[str]:
        return [*(c.name for c in run.concepts), *(c.name for c in run.interfaces)]

    def collect(self, run: CheckRun, facts: FileFacts) -> tuple[Binding, ...]:
        return tuple(rival_candidates(run.concepts, facts)) if run.concepts else ()

    def prepare(self, run: CheckRun, collected: Sequence[tuple[Binding, ...]]) -> Prepared | None:
        from archguard.analysis.interfaces import resolve_interfaces, validate_interfaces

        table = run.table
        validate_contracts(table, run.concepts)  # ContractError: the run stops, naming them
        validate_interfaces(table, run.interfaces)
        resolved = resolve_concepts(
            table,
            run.concepts,
            (
                (file.module, binding)
                for file, found in zip(run.files, collected, strict=True)
                if found and table.file_of(file.module) == file
                for binding in found
            ),
        )
        interfaces = resolve_interfaces(table, run.interfaces)
        if not resolved and not interfaces:
            return Prepared("")
        # a change of any concept's origin, face or export reaches every file's findings
        summary = resolved.summary + (interfaces.summary if interfaces else "")
        return Prepared(summary, assign_fingerprints(duplicate_definitions(resolved)), (resolved, interfaces))

    def findings(
        self,
        prepared: Prepared,
        table: SymbolTable,
        file: SourceFile,
        facts: FileFacts,
        dangling: Sequence[DanglingImport],
    ) -> list[Violation]:
        if prepared.context is None:
            return []
        from archguard.analysis.interfaces import interface_violations_in_file

        resolved: ResolvedConcepts
        interfaces: ResolvedInterfaces
        resolved, interfaces = prepared.context
        found = (
            assign_fingerprints(concept_violations_in_file(table, resolved, file, facts)) if resolved else []
        )
        # fingerprinted as they are built (a concept's finding and an interface's never share an
        # identity: their codes differ), then in the order assign_fingerprints gives them
        reaching = interface_violations_in_file(table, interfaces, file, facts)
        if not found:
            return reaching
        if reaching:
            found = sorted(found + reaching, key=lambda v: (v.line, v.column, v.code))
        return found
