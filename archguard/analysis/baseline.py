"""Matching today's violations against a baseline of known ones (by fingerprint).

An entry may carry ``owner``, ``reason`` and ``expires`` (an ISO date): the debt has a name and a
deadline. From its ``expires`` date on, an entry no longer covers its violation, which fails the
run again with the owner named in its message.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from archguard.domain.findings import DEPENDENCY, Violation

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
            marked.append(violation._replace(baselined=True))
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
    entries: list[dict[str, Any]] = field(default_factory=list)  # as matched (migrate_entries)


def migrate_entries(violations: Sequence[Violation], entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The entries, with those an earlier archguard wrote for import-linter findings (AG301
    without a ``dependency``) put onto today's findings.

    That archguard recorded the imports of a sample of each broken contract's chains (grimp's,
    which changed with the hash seed) and an import once per chain it began; today every import
    that starts a broken dependency is reported, once. So an old entry is matched by what it
    names (contract, file, imported module, statement) rather than by fingerprint, and each
    dependency one of them matched is known as a whole: its other imports, which the sample left
    out, are covered too, with the matched entry's owner, reason and expiry. Entries that match
    nothing stay as written and are reported stale. ``check --update-baseline`` (or ``baseline``)
    rewrites them all in today's form."""
    legacy = [e for e in entries if e.get("code") == "AG301" and DEPENDENCY not in e]
    if not legacy:
        return entries
    legacy_ids = {id(e) for e in legacy}
    current = [e for e in entries if id(e) not in legacy_ids]
    findings: dict[tuple[str, str, str, str], Violation] = {}
    for violation in violations:
        if violation.code == "AG301":
            findings.setdefault(_legacy_key(violation), violation)
    known = {entry["fingerprint"] for entry in current}
    migrated: dict[str, dict[str, Any]] = {}  # today's fingerprint -> the entry that covers it
    dependencies: dict[tuple[str, str], dict[str, Any]] = {}
    unmatched: list[dict[str, Any]] = []
    for entry in legacy:
        match = findings.get(_entry_key(entry))
        if match is None:
            unmatched.append(entry)
            continue
        if match.fingerprint not in known:
            migrated.setdefault(match.fingerprint, {**entry, "fingerprint": match.fingerprint})
        dependencies.setdefault((match.contract, dict(match.extra).get(DEPENDENCY, "")), entry)
    for violation in violations:
        if violation.code != "AG301" or violation.fingerprint in known or violation.fingerprint in migrated:
            continue
        covered = dependencies.get((violation.contract, dict(violation.extra).get(DEPENDENCY, "")))
        if covered is not None:
            covering = {key: covered[key] for key in ANNOTATIONS if key in covered}
            migrated[violation.fingerprint] = {
                "fingerprint": violation.fingerprint,
                "code": "AG301",
                **covering,
            }
    return [*current, *migrated.values(), *unmatched]


def _legacy_key(violation: Violation) -> tuple[str, str, str, str]:
    return violation.contract, violation.path, violation.imported, " ".join(violation.statement.split())


def _entry_key(entry: dict[str, Any]) -> tuple[str, str, str, str]:
    return tuple(str(entry.get(key, "")) for key in ("contract", "path", "imported", "statement"))  # type: ignore[return-value]


def is_expired(entry: dict[str, Any], today: str) -> bool:
    """``today`` and ``expires`` are ISO dates (YYYY-MM-DD), which compare as strings."""
    expires = entry.get("expires")
    return isinstance(expires, str) and expires <= today


def settle_baseline(
    violations: list[Violation], entries: list[dict[str, Any]], today: str
) -> SettledBaseline:
    """Apply the live entries; violations that only an expired entry covers stay new and say
    whose debt it was; an expired entry whose violation is gone is simply stale. Entries an
    earlier archguard wrote for import-linter findings are read as :func:`migrate_entries` says
    (``entries`` of the result: the entries as matched, for carrying annotations over)."""
    entries = migrate_entries(violations, entries)
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
    return SettledBaseline(settled, stale, expired, entries)


def _overdue(violation: Violation, entry: dict[str, Any]) -> Violation:
    owner = entry.get("owner") or "no owner recorded"
    note = f"baseline entry expired on {entry['expires']} (owner: {owner})"
    extra = (*violation.extra, ("baseline_expired", str(entry["expires"])), ("baseline_owner", str(owner)))
    return violation._replace(message=f"{violation.message} [{note}]", extra=extra)


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
