"""Matching today's violations against a baseline of known ones (by fingerprint).

An entry may carry ``owner``, ``reason`` and ``expires`` (an ISO date): the debt has a name and a
deadline. From its ``expires`` date on, an entry no longer covers its violation, which fails the
run again with the owner named in its message.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from typing import Any

from archguard.domain.findings import Violation

# What a person may add to an entry; the rest of an entry is written by archguard.
ANNOTATIONS = ("owner", "reason", "expires")


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


@dataclass
class SettledBaseline:
    violations: list[Violation]
    stale: list[dict[str, Any]] = field(default_factory=list)  # entries nothing matches any more
    expired: list[dict[str, Any]] = field(default_factory=list)  # past their date, still violated


def is_expired(entry: dict[str, Any], today: str) -> bool:
    """``today`` and ``expires`` are ISO dates (YYYY-MM-DD), which compare as strings."""
    expires = entry.get("expires")
    return isinstance(expires, str) and expires <= today


def settle_baseline(
    violations: list[Violation], entries: list[dict[str, Any]], today: str
) -> SettledBaseline:
    """Apply the live entries; violations that only an expired entry covers stay new and say
    whose debt it was; an expired entry whose violation is gone is simply stale."""
    live = [e for e in entries if not is_expired(e, today)]
    overdue = [e for e in entries if is_expired(e, today)]
    marked, stale = apply_baseline(violations, live)
    waiting: dict[str, list[dict[str, Any]]] = {}
    for entry in overdue:
        waiting.setdefault(entry["fingerprint"], []).append(entry)
    settled, expired = [], []
    for violation in marked:
        entries_left = None if violation.baselined else waiting.get(violation.fingerprint)
        if entries_left:
            entry = entries_left.pop(0)
            expired.append(entry)
            violation = _overdue(violation, entry)
        settled.append(violation)
    stale += [entry for left in waiting.values() for entry in left]
    return SettledBaseline(settled, stale, expired)


def _overdue(violation: Violation, entry: dict[str, Any]) -> Violation:
    owner = entry.get("owner") or "no owner recorded"
    note = f"baseline entry expired on {entry['expires']} (owner: {owner})"
    extra = (*violation.extra, ("baseline_expired", str(entry["expires"])), ("baseline_owner", str(owner)))
    return replace(violation, message=f"{violation.message} [{note}]", extra=extra)


def carry_annotations(
    entries: list[dict[str, Any]], previous: list[dict[str, Any]], defaults: dict[str, str]
) -> list[dict[str, Any]]:
    """New baseline entries keep what people wrote on the entries they replace (same fingerprint,
    in order); entries new to the baseline get ``defaults`` (``baseline --owner ...``)."""
    written: dict[str, list[dict[str, Any]]] = {}
    for entry in previous:
        written.setdefault(entry["fingerprint"], []).append(entry)
    result = []
    for entry in entries:
        earlier = written.get(entry["fingerprint"])
        source = earlier.pop(0) if earlier else defaults
        result.append({**entry, **{k: source[k] for k in ANNOTATIONS if source.get(k) is not None}})
    return result
