"""The baseline file applied to a check's findings (``--baseline``, ``--update-baseline``): known
violations do not fail the run, and the file only ever shrinks unless ``--add-new`` is given."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from archguard.adapters.project_files import baseline_file
from archguard.analysis.baseline import carry_annotations, settle_baseline
from archguard.domain.findings import Severity, Violation

if TYPE_CHECKING:
    from archguard.app import Options


@dataclass(frozen=True)
class BaselineOutcome:
    violations: list[Violation]
    stale: list[dict[str, Any]] = field(default_factory=list)
    expired: list[dict[str, Any]] = field(default_factory=list)
    strict: bool = False


def apply_baseline(violations: list[Violation], options: Options) -> BaselineOutcome:
    """Mark known violations; with --update-baseline rewrite the file, only ever shrinking it
    unless --add-new is given. No --baseline: the violations as they are."""
    if options.baseline is None:
        return BaselineOutcome(violations)
    entries = baseline_file.read_baseline(options.baseline)
    settled = settle_baseline(violations, entries, today=datetime.date.today().isoformat())
    violations, strict = settled.violations, options.strict_baseline
    if options.update_baseline:
        kept = [v for v in violations if v.baselined]
        if options.add_new:
            kept += [v for v in violations if not v.baselined and v.severity is Severity.ERROR]
            violations = [replace(v, baselined=v.severity is Severity.ERROR) for v in violations]
        rewritten = carry_annotations(
            [baseline_file.baseline_entry(v) for v in kept], entries, dict(options.baseline_annotations)
        )
        baseline_file.write_baseline(options.baseline, rewritten)
        strict = False  # the stale entries reported were dropped just now
    return BaselineOutcome(violations, settled.stale, settled.expired, strict)
