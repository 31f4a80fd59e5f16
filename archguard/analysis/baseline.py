"""Matching today's violations against a baseline of known ones (by fingerprint)."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from typing import Any

from archguard.domain.findings import Violation


def apply_baseline(
    violations: list[Violation], entries: list[dict[str, Any]]
) -> tuple[list[Violation], list[dict[str, Any]]]:
    """Mark violations the baseline knows; return them and the baseline entries nothing matched.

    A fingerprint recorded twice covers two identical findings, never more: a third copy is new.
    """
    budget = Counter(entry["fingerprint"] for entry in entries)
    marked = []
    for violation in violations:
        if budget[violation.fingerprint] > 0:
            budget[violation.fingerprint] -= 1
            marked.append(replace(violation, baselined=True))
        else:
            marked.append(violation)
    stale = []
    for entry in entries:
        if budget[entry["fingerprint"]] > 0:
            budget[entry["fingerprint"]] -= 1
            stale.append(entry)
    return marked, stale
