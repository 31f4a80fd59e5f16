"""Dangling imports (AG201 module missing, AG202 name missing): the scan derives them file by file
(``analysis/dangling.py``); this pass makes them findings."""

from __future__ import annotations

from collections.abc import Sequence

from archguard.analysis.dangling import CONTRACT, dangling_violations
from archguard.analysis.symbols import SymbolTable
from archguard.app.passes.base import CheckRun, FilePass, Prepared
from archguard.domain.facts import Binding, FileFacts
from archguard.domain.findings import Violation
from archguard.domain.result import DanglingImport
from archguard.domain.sources import SourceFile


class DanglingPass(FilePass):
    name = CONTRACT

    def contracts(self, run: CheckRun) -> list[str]:
        return [CONTRACT]

    def prepare(self, run: CheckRun, collected: Sequence[tuple[Binding, ...]]) -> Prepared | None:
        return Prepared("")

    def findings(
        self,
        prepared: Prepared,
        table: SymbolTable,
        file: SourceFile,
        facts: FileFacts,
        dangling: Sequence[DanglingImport],
    ) -> list[Violation]:
        return dangling_violations(dangling)
