"""The report set stays proportionate to the tree: each file shows at most
:data:`FINDINGS_PER_FILE` findings of each rule and contract (dangling imports likewise, per rule)
in ``report.json``, SARIF, JUnit, Markdown and HTML; what is left out is counted.

One 2.4 MB file with 120,000 imports of missing modules, named as an entry point too, made
``report`` write a 177 MB ``report.json`` and take 2.35 GB of memory (issue 21; the measurement is
``benchmarks/hostile_memory.py``). The summary still counts every finding, ``left_out`` in
``report.json`` lists what each file's cap left out, and ``archguard check`` (any ``--format``)
lists everything.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any, TypeVar

from archguard.domain.findings import RULES
from archguard.domain.result import CheckResult
from archguard.reporting.summary import sorted_dangling, sorted_violations

FINDINGS_PER_FILE = 1000  # per file, rule code and contract; docs/report.md

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class LeftOut:
    """How many findings of one file, rule and contract the report set leaves out."""

    listed_in: str  # "violations" or "dangling_imports": the report.json list they belong to
    path: str
    code: str
    contract: str  # "" for dangling imports
    count: int

    def to_json(self) -> dict[str, Any]:
        return {
            "list": self.listed_in,
            "path": self.path,
            "code": self.code,
            "kind": RULES[self.code][0].value,
            "contract": self.contract,
            "count": self.count,
        }


def cap_per_file(check: CheckResult, limit: int = FINDINGS_PER_FILE) -> tuple[CheckResult, list[LeftOut]]:
    """``check`` with each file's findings capped (in file order, so the first ``limit`` of each
    are shown), and what was left out. ``check`` itself when nothing is."""
    violations, left = _capped(
        sorted_violations(check.violations), lambda v: (v.path, v.code, v.contract), limit, "violations"
    )
    dangling, left_dangling = _capped(
        sorted_dangling(check.scan.dangling), lambda d: (d.path, d.code, ""), limit, "dangling_imports"
    )
    if not left and not left_dangling:
        return check, []
    shown = replace(check, violations=violations, scan=replace(check.scan, dangling=dangling))
    return shown, left + left_dangling


def left_out_notices(left_out: Sequence[LeftOut], limit: int = FINDINGS_PER_FILE) -> list[str]:
    if not left_out:
        return []
    total = sum(item.count for item in left_out)
    files = len({item.path for item in left_out})
    return [
        f"{total} findings in {files} files are left out of this report: it shows at most {limit} per "
        "file, rule and contract (report.json's left_out counts the rest; the summary counts them "
        "all; `archguard check --format json` lists every one)"
    ]


def _capped(
    items: Iterable[T], key: Callable[[T], tuple[str, str, str]], limit: int, listed_in: str
) -> tuple[list[T], list[LeftOut]]:
    shown: list[T] = []
    seen: Counter[tuple[str, str, str]] = Counter()
    for item in items:
        group = key(item)
        seen[group] += 1
        if seen[group] <= limit:
            shown.append(item)
    left = [
        LeftOut(listed_in, path, code, contract, count - limit)
        for (path, code, contract), count in sorted(seen.items())
        if count > limit
    ]
    return shown, left
