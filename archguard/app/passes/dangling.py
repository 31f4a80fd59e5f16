"""Dangling imports (AG201 module missing, AG202 name missing): the engine derives them file by file
(``analysis/dangling.py``) and then checks the findings left against what *other* modules do (set
a name on a module, register a module in ``sys.modules``: ``with_writes_elsewhere``), a whole-run
step; this pass makes the result findings. A file's findings depend only on its own dangling
imports (fingerprints count occurrences within a file), so they are kept per file while those stay
the same: an edit costs its files, not every dangling import of the tree."""

from __future__ import annotations

from archguard.analysis.dangling import CONTRACT, dangling_violations
from archguard.app.passes.base import CheckRun, TreeOutcome, TreePass
from archguard.domain.derived import PassRecord
from archguard.domain.findings import Violation
from archguard.domain.result import DanglingImport


class DanglingPass(TreePass):
    name = CONTRACT
    contract_type = "dangling-imports"

    def __init__(self) -> None:
        self._kept: dict[str, tuple[tuple[DanglingImport, ...], list[Violation]]] = {}

    def run(self, run: CheckRun, prior: PassRecord | None) -> TreeOutcome | None:
        by_path: dict[str, list[DanglingImport]] = {}
        for d in run.dangling:
            by_path.setdefault(d.path, []).append(d)
        kept: dict[str, tuple[tuple[DanglingImport, ...], list[Violation]]] = {}
        found: list[Violation] = []
        for path, dangling in by_path.items():
            key = tuple(dangling)
            known = self._kept.get(path)
            violations = known[1] if known is not None and known[0] == key else dangling_violations(dangling)
            kept[path] = (key, violations)
            found += violations
        self._kept = kept
        return TreeOutcome(PassRecord(self.name), found, [CONTRACT])
