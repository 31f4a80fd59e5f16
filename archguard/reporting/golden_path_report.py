"""``report``'s golden-path section (docs/golden-path.md): one line per entry point (clean, or how
many problems, and the closure size), then each problem's import chain with its file and line.

Read from the ``report.json`` dictionary only, like the rest of ``report.md`` and ``index.html``;
the section is absent when the run had no entry points, so those reports do not change.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from archguard.domain.golden_path import contract_name
from archguard.reporting.summary import plural


@dataclass(frozen=True)
class EntrySummary:
    entry: str
    modules: int  # the closure's size
    errors: int  # failing findings (baselined or not): what "clean" is about
    findings: list[dict[str, Any]]  # every golden-path finding of this entry, warnings too

    @property
    def headline(self) -> str:
        loaded = plural(self.modules, "module")
        if self.errors:
            return f"{plural(self.errors, 'problem')} in the {loaded} it loads at import time"
        return f"clean ({loaded} loaded at import time)"


def entry_summaries(report: dict[str, Any]) -> list[EntrySummary]:
    """One per entry point, in the order given; empty when the run had none."""
    golden = report.get("golden_path")
    if not golden:
        return []
    summaries = []
    for entry in golden["entries"]:
        findings = [v for v in report["violations"] if v["contract"] == contract_name(entry)]
        summaries.append(
            EntrySummary(
                entry=entry,
                modules=int(golden["closure_modules"].get(entry, 0)),
                errors=int(golden.get("problems", {}).get(entry, 0)),
                findings=findings,
            )
        )
    return summaries


def chain_of(finding: dict[str, Any]) -> str:
    """``app.main -> app.api -> app.api.ws``, dynamic hops marked as in the text output."""
    dynamic = set(str(finding.get("extra", {}).get("dynamic", "")).split(","))
    return " -> ".join(f"{m} (dynamic)" if m in dynamic else m for m in finding.get("chain", []))


def location(finding: dict[str, Any]) -> str:
    return f"{finding['path']}:{finding['line']}"
