"""Dangling imports (AG201 module missing, AG202 name missing): the engine derives them file by file
(``analysis/dangling.py``) and then checks the findings left against what *other* modules do (set
a name on a module, register a module in ``sys.modules``: ``with_writes_elsewhere``), a whole-run
step; this pass makes the result findings."""

from __future__ import annotations

from archguard.analysis.dangling import CONTRACT, dangling_violations
from archguard.app.passes.base import CheckRun, TreeOutcome, TreePass
from archguard.domain.derived import PassRecord


class DanglingPass(TreePass):
    name = CONTRACT
    contract_type = "dangling-imports"

    def run(self, run: CheckRun, prior: PassRecord | None) -> TreeOutcome | None:
        return TreeOutcome(PassRecord(self.name), dangling_violations(run.dangling), [CONTRACT])
