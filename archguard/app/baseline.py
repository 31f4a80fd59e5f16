"""The baseline file applied to a check's findings (``--baseline``, ``--update-baseline``): known
violations do not fail the run, and the file only ever shrinks unless ``--add-new`` is given.
Entries a broken file may be hiding are *held*: neither matched nor stale, kept by
``--update-baseline`` until the file parses again (analysis/broken_files.py)."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from archguard.adapters.project_files import baseline_file
from archguard.analysis.baseline import carry_annotations, settle_baseline
from archguard.analysis.broken_files import held_entries
from archguard.domain.contracts import ConceptContract, InterfaceContract
from archguard.domain.findings import Severity, Violation, fails_check
from archguard.domain.result import ScanResult

if TYPE_CHECKING:
    from archguard.app import Options

Holder = Callable[[list[dict[str, Any]]], tuple[list[dict[str, Any]], list[dict[str, Any]]]]


@dataclass(frozen=True)
class BaselineOutcome:
    violations: Sequence[Violation]  # as given when there is no baseline (encoded ``Findings`` stay so)
    stale: list[dict[str, Any]] = field(default_factory=list)
    expired: list[dict[str, Any]] = field(default_factory=list)
    strict: bool = False
    held: list[dict[str, Any]] = field(default_factory=list)  # kept while a broken file hides them


def holder(
    scan: ScanResult, concepts: Sequence[ConceptContract], interfaces: Sequence[InterfaceContract] = ()
) -> Holder:
    """Splits unmatched baseline entries into those a broken file may be hiding and stale ones
    (an interface contract's entries key on its package)."""
    broken = {issue.path for issue in scan.syntax_errors} | {file.path for file in scan.unreadable}
    canonical = {concept.name: concept.canonical_module for concept in concepts}
    canonical.update((interface.name, interface.package) for interface in interfaces)
    return lambda entries: held_entries(entries, broken, scan.files, scan.facts, canonical)


def apply_baseline(
    violations: Sequence[Violation],
    options: Options,
    entries: list[dict[str, Any]] | None,
    hold: Holder,
) -> BaselineOutcome:
    """Mark known violations (``entries``: the baseline file's, read before the scan; None: read
    it now); with --update-baseline rewrite the file, only ever shrinking it unless --add-new is
    given; entries a broken file may be hiding are kept, neither matched nor stale. No
    --baseline: the violations as they are."""
    if options.baseline is None:
        return BaselineOutcome(violations)
    if entries is None:
        entries = baseline_file.read_baseline(options.baseline)
    settled = settle_baseline(list(violations), entries, today=datetime.date.today().isoformat())
    held, stale = hold(settled.stale)
    violations, strict = settled.violations, options.strict_baseline
    if options.update_baseline:
        kept = [v for v in violations if v.baselined]
        if options.add_new:
            kept += [v for v in violations if fails_check(v)]
            violations = [v._replace(baselined=v.severity is Severity.ERROR) for v in violations]
        rewritten = carry_annotations(
            [baseline_file.baseline_entry(v) for v in kept],
            settled.entries,
            dict(options.baseline_annotations),
        )
        baseline_file.write_baseline(options.baseline, rewritten + held, root=options.root)
        strict = False  # the stale entries reported were dropped just now
    return BaselineOutcome(violations, stale, settled.expired, strict, held)
