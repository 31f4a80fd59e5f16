"""Files archguard cannot analyse (AG001 does not parse, AG002 cannot be read), each a finding of
the ``analysable-files`` contract (``analysis/broken_files.py``)."""

from __future__ import annotations

from archguard.analysis.broken_files import CONTRACT, broken_file_findings
from archguard.app.passes.base import CheckRun, TreeOutcome, TreePass
from archguard.domain.derived import PassRecord


class BrokenFilesPass(TreePass):
    name = CONTRACT
    contract_type = "analysable-files"

    def run(self, run: CheckRun, prior: PassRecord | None) -> TreeOutcome | None:
        scan = run.scan
        return TreeOutcome(
            PassRecord(self.name), broken_file_findings(scan.syntax_errors, scan.unreadable), [CONTRACT]
        )
