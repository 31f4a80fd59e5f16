"""The shared view of a result that every reporter renders: counts, order, grouping, wording.

Keeping these in one place is what makes the text, JSON, SARIF, JUnit and GitHub outputs agree:
the same violation gets the same message, the same position in the list, and the same counts.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from archguard.domain.findings import Severity, Violation, tally
from archguard.domain.ordering import dangling_order, violation_order
from archguard.domain.result import CheckResult, DanglingImport, ScanResult

if TYPE_CHECKING:  # a check never loads discover's model
    from archguard.domain.discovery import DiscoveryResult


def scan_of(result: ScanResult | CheckResult | DiscoveryResult) -> ScanResult:
    return result if isinstance(result, ScanResult) else result.scan


def is_warning(violation: Violation) -> bool:
    """A warning that the baseline does not already cover: shown, never fails the run."""
    return violation.severity is Severity.WARNING and not violation.baselined


def summarize(result: ScanResult | CheckResult | DiscoveryResult) -> dict[str, Any]:
    """The ``summary`` object of the JSON result (docs/usage.md).

    ``violations`` splits exactly into ``new_violations`` (errors that fail ``check``),
    ``baselined`` and ``warnings`` (not baselined), so the three always add up to the total.
    A plain scan has run no contracts: its violation counts are 0.
    """
    scan = scan_of(result)
    check = result if isinstance(result, CheckResult) else None
    violations = check.violations if check else []
    new, baselined, warnings = _split(tally(violations).items())
    return {
        "files": len(scan.files),
        "parsed_files": len(scan.facts),
        "syntax_errors": len(scan.syntax_errors),
        "unreadable_files": len(scan.unreadable),
        "loose_files": len(scan.loose_files),
        "packages": len(scan.packages),
        "modules": scan.modules,
        "imports": scan.import_edges,
        "dangling_imports": len(scan.dangling),
        "violations": len(violations),
        "new_violations": new,
        "baselined": baselined,
        "warnings": warnings,
        "stale_baseline_entries": len(check.stale_baseline_entries) if check else 0,
        "held_baseline_entries": len(check.held_baseline_entries) if check else 0,
        "expired_baseline_entries": len(check.expired_baseline_entries) if check else 0,
        "cache_hits": scan.cache_hits,
        "source_roots": list(scan.layout.source_roots),
        "members": len(scan.layout.members),
        "duration_s": round(check.duration_s if check else getattr(result, "duration_s", scan.duration_s), 3),
    }


def members_summary(scan: ScanResult) -> list[dict[str, Any]]:
    """Each member of the tree (docs/monorepos.md), ROOT's first: its source roots, the top-level
    packages it provides and how many of the files are its."""
    counts = {member.path: [0, 0, 0] for member in scan.layout.members}  # files, modules, loose
    packages: dict[str, set[str]] = {member.path: set() for member in scan.layout.members}
    for file in scan.files:
        member = scan.layout.member_of(file.path).path
        counts[member][0] += 1
        if file.loose:
            counts[member][2] += file.path in scan.facts
        else:
            counts[member][1] += 1
            packages[member].add(file.module.partition(".")[0])
    return [
        {
            "name": member.label,
            "path": member.path or ".",
            "config": member.config,
            "found_by": member.found_by,
            "source_roots": [root or "." for root in member.roots],
            "packages": sorted(packages[member.path]),
            "files": counts[member.path][0],
            "modules": counts[member.path][1],
            "loose_files": counts[member.path][2],
        }
        for member in scan.layout.members
    ]


def sorted_violations(violations: Iterable[Violation]) -> list[Violation]:
    """File order, then position: the order ruff prints in, and stable across runs."""
    return sorted(violations, key=violation_order)


def sorted_dangling(dangling: Iterable[DanglingImport]) -> list[DanglingImport]:
    return sorted(dangling, key=dangling_order)


def by_contract(result: CheckResult) -> dict[str, list[Violation]]:
    """Violations per contract, in the order contracts ran, then any others by name.

    Contracts that ran and found nothing are kept (with an empty list): JUnit reports them as
    passing test cases, and they count as "kept" in summaries.
    """
    return _grouped(result, sorted_violations(result.violations))


def _grouped(result: CheckResult, violations: Iterable[Violation]) -> dict[str, list[Violation]]:
    """``violations`` per contract, each group in the order given; contracts as :func:`by_contract`."""
    groups: dict[str, list[Violation]] = {name: [] for name in result.contracts_run}
    for violation in violations:
        groups.setdefault(violation.contract, []).append(violation)
    return {name: groups[name] for name in contract_order(result, groups)}


def contract_order(result: CheckResult, found: Iterable[str]) -> list[str]:
    """The contracts in the order reports list them: as they ran, then any others (``found``:
    contracts of the findings) by name."""
    ran = list(dict.fromkeys(result.contracts_run))
    return [*ran, *sorted(set(found) - set(ran))]


def contract_results(result: CheckResult) -> list[dict[str, Any]]:
    """Every contract run, kept ones included, as ``lint-imports`` lists them: its type, its state
    (``broken`` when it has violations that fail the run, else ``kept``) and its violations split
    as in ``summary`` (new, baselined, warnings). Order: as :func:`by_contract`."""
    per_contract: dict[str, list[tuple[tuple[str, str, bool], int]]] = {
        name: [] for name in result.contracts_run
    }
    for counted in tally(result.violations).items():  # counts only: no finding is sorted or grouped
        per_contract.setdefault(counted[0][0], []).append(counted)
    results = []
    for name in contract_order(result, per_contract):
        new, baselined, warnings = _split(per_contract[name])
        results.append(
            {
                "name": name,
                "type": result.contract_types.get(name, "import-linter"),
                "state": "broken" if new else "kept",
                "violations": new + baselined + warnings,
                "new": new,
                "baselined": baselined,
                "warnings": warnings,
            }
        )
    return results


_ERROR = Severity.ERROR.value


def _split(counted: Iterable[tuple[tuple[str, str, bool], int]]) -> tuple[int, int, int]:
    """(new, baselined, warnings) of :func:`tally`'s counts: errors that fail the run, findings
    the baseline covers, and warnings it does not (:func:`is_warning`)."""
    new = baselined = warnings = 0
    for (_, severity, known), count in counted:
        if known:
            baselined += count
        elif severity == _ERROR:
            new += count
        else:
            warnings += count
    return new, baselined, warnings


def display_message(violation: Violation, *, with_chain: bool = True) -> str:
    """The message users read, always ending with the fix when there is one, and for a golden-path
    finding with the import chain that loads the problem (unless the reporter shows it apart)."""
    message = violation.message
    if violation.suggestion and violation.suggestion not in message:
        message = f"{message}; use: {violation.suggestion}"
    if with_chain and violation.chain:
        message = f"{message} (import chain: {chain_text(violation)})"
    return message


def chain_text(violation: Violation) -> str:
    """``app.main -> app.api -> app.api.ws``: how the entry point reaches a golden-path problem;
    a module that only a literal ``importlib.import_module()`` loads is marked ``(dynamic)``."""
    dynamic = set(dict(violation.extra).get("dynamic", "").split(","))
    return " -> ".join(f"{m} (dynamic)" if m in dynamic else m for m in violation.chain)


def golden_path_lines(result: CheckResult) -> list[str]:
    """One line per entry point: is everything it loads at import time clean?"""
    lines = []
    for closure in result.golden_path or ():
        loaded = plural(len(closure.modules), "module")
        problems = closure.problems(result.violations)
        if problems:
            lines.append(
                f"Golden path {closure.entry}: {plural(len(problems), 'problem')} in the {loaded} it loads at import time."
            )
        else:
            lines.append(f"Golden path {closure.entry}: clean ({loaded} loaded at import time).")
    return lines


def plural(count: int, noun: str, plural_noun: str | None = None) -> str:
    return f"{count} {noun if count == 1 else (plural_noun or noun + 's')}"


def baseline_entry_line(entry: dict[str, Any]) -> str:
    """One baseline entry as people read it: where, what, and whose it is."""
    text = f"{entry.get('path', '?')}: {entry.get('code', '')} {' '.join(str(entry.get('statement', '')).split())}".rstrip()
    notes = [f"{key} {entry[key]}" for key in ("owner", "expires") if entry.get(key)]
    if entry.get("reason"):
        notes.append(f"reason: {entry['reason']}")
    return f"{text} ({'; '.join(notes)})" if notes else text
