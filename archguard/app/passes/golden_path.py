"""The golden path (AG401-AG404): each entry point's import-time closure must load cleanly
(``app/golden_path.py``; docs/golden-path.md). Cached under the scan's key and the entries."""

from __future__ import annotations

from archguard.app.passes.base import CheckRun, TreeOutcome, TreePass
from archguard.domain.derived import PassRecord


class GoldenPathPass(TreePass):
    name = "golden-path"
    separate = True  # cached under the scan's key and the entries; listed after the other findings

    def run(self, run: CheckRun, prior: PassRecord | None) -> TreeOutcome | None:
        if not run.options.entries:
            return None
        from archguard.app.golden_path import check_entries

        violations, closures = check_entries(run.workspace(), run.options.entries)
        return TreeOutcome(
            PassRecord(self.name),
            violations,
            [closure.contract for closure in closures],
            extras={"golden_path": closures},
        )
