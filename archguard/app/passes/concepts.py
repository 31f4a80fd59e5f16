"""Concept contracts (AG101-AG103 per importing file, AG111 per rival definition): one concept,
one home, one import path (``analysis/concepts.py``)."""

from __future__ import annotations

from collections.abc import Sequence

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


class ConceptPass(FilePass):
    name = "concepts"

    def contracts(self, run: CheckRun) -> list[str]:
        return [c.name for c in run.concepts]

    def collect(self, run: CheckRun, facts: FileFacts) -> tuple[Binding, ...]:
        return tuple(rival_candidates(run.concepts, facts)) if run.concepts else ()

    def prepare(self, run: CheckRun, collected: Sequence[tuple[Binding, ...]]) -> Prepared | None:
        table = run.table
        validate_contracts(table, run.concepts)  # ContractError: the run stops, naming them
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
        if not resolved:
            return Prepared("")
        return Prepared(resolved.summary, assign_fingerprints(duplicate_definitions(resolved)), resolved)

    def findings(
        self,
        prepared: Prepared,
        table: SymbolTable,
        file: SourceFile,
        facts: FileFacts,
        dangling: Sequence[DanglingImport],
    ) -> list[Violation]:
        resolved: ResolvedConcepts | None = prepared.context
        if not resolved:
            return []
        return assign_fingerprints(concept_violations_in_file(table, resolved, file, facts))
