"""Files archguard cannot analyse (AG001 does not parse, AG002 cannot be read), each a finding of
the ``analysable-files`` contract (``analysis/broken_files.py``); kept while the broken files
stay the same (an editor's edits elsewhere)."""

from __future__ import annotations

from typing import Any

from archguard.analysis.broken_files import CONTRACT, broken_file_findings
from archguard.app.passes.base import CheckRun, TreeOutcome, TreePass
from archguard.domain.derived import PassRecord
from archguard.domain.findings import Violation


class BrokenFilesPass(TreePass):
    name = CONTRACT
    contract_type = "analysable-files"

    def __init__(self) -> None:
        self._kept: tuple[Any, list[Violation]] | None = None

    def run(self, run: CheckRun, prior: PassRecord | None) -> TreeOutcome | None:
        scan = run.scan
        key = (tuple(scan.syntax_errors), tuple(scan.unreadable))
        if self._kept is None or self._kept[0] != key:
            self._kept = (key, broken_file_findings(scan.syntax_errors, scan.unreadable))
        return TreeOutcome(PassRecord(self.name), list(self._kept[1]), [CONTRACT])
