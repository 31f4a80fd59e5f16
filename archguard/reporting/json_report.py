"""The machine-readable result (``--json``, ``--format json``): the ``archguard/1`` schema, and
``report.json`` (:func:`to_report_json`: the check's JSON plus what discovery found and what the
report's page draws).

Scripts and dashboards read these keys (docs/usage.md); add keys freely, never rename. Every list
is sorted so two runs over the same tree give byte-identical output (diffable in CI artifacts).
The Markdown audit and the HTML page are rendered from the ``report.json`` dictionary, so every
number a reader sees in them is the number a script reads from ``report.json`` of the same run.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from archguard.domain.findings import Violation
from archguard.domain.golden_path import EntryClosure, is_golden
from archguard.domain.ordering import by_path, by_position
from archguard.domain.result import SCHEMA, CheckResult, DanglingImport, ScanResult
from archguard.reporting.json_text import indented
from archguard.reporting.summary import (
    contract_results,
    members_summary,
    scan_of,
    sorted_dangling,
    sorted_violations,
    summarize,
)

if TYPE_CHECKING:  # a check never loads discover's model, the interface contracts' overviews, nor
    # what only the report set shows (the structure the page draws, what each file's cap left out)
    from archguard.analysis.structure import KeyOf
    from archguard.domain.discovery import DiscoveryResult
    from archguard.domain.interfaces import InterfaceOverview
    from archguard.domain.structure import DependencyMatrix, ModuleImports
    from archguard.reporting.proportionate import LeftOut


def to_json(
    result: ScanResult | CheckResult | DiscoveryResult, *, tool_version: str, command: str
) -> dict[str, Any]:
    scan = scan_of(result)
    check = result if isinstance(result, CheckResult) else None
    data = {
        "schema": SCHEMA,
        "tool": {"name": "archguard", "version": tool_version},
        "command": command,
        "root": scan.root,
        "summary": summarize(result),
        "packages": sorted(scan.packages),
        "members": members_summary(scan),
        "contracts": list(dict.fromkeys(check.contracts_run)) if check else [],
        "contract_results": contract_results(check) if check else [],
        "syntax_errors": [
            {"path": s.path, "line": s.line, "column": s.column, "message": s.message}
            for s in sorted(scan.syntax_errors, key=by_position)
        ],
        "unreadable_files": [
            {"path": u.path, "reason": u.reason} for u in sorted(scan.unreadable, key=by_path)
        ],
        "loose_files": sorted(f.path for f in scan.loose_files),
        "dangling_imports": [dangling_to_json(d) for d in sorted_dangling(scan.dangling)],
        "violations": [
            violation_to_json(v, check.owners.get(v.path, ()) if check else ())
            for v in sorted_violations(check.violations if check else [])
        ],
        "codeowners": check.codeowners if check else None,
        "notices": list(check.notices) if check else [],
        "stale_baseline_entries": sorted(
            check.stale_baseline_entries if check else [],
            key=lambda entry: json.dumps(entry, sort_keys=True, default=str),
        ),
        # entries a file that cannot be analysed may be hiding: kept, neither matched nor stale
        "held_baseline_entries": sorted(
            check.held_baseline_entries if check else [],
            key=lambda entry: json.dumps(entry, sort_keys=True, default=str),
        ),
        **({"changed_files": check.changed_files} if check and check.changed_files is not None else {}),
        "expired_baseline_entries": sorted(
            check.expired_baseline_entries if check else [],
            key=lambda entry: json.dumps(entry, sort_keys=True, default=str),
        ),
    }
    if check is not None and check.golden_path is not None:
        data["golden_path"] = golden_path_to_json(check.golden_path, check.violations)
    if not isinstance(result, (ScanResult, CheckResult)):  # discover's
        from archguard.reporting.discover_json import discovery_to_json

        data.update(discovery_to_json(result))
    return data


def to_report_json(
    check: CheckResult,
    discovery: DiscoveryResult,
    *,
    tool_version: str,
    counted: CheckResult | None = None,
    left_out: Sequence[LeftOut] = (),
    imports: ModuleImports | None = None,
    matrix: DependencyMatrix | None = None,
    interfaces: Sequence[InterfaceOverview] = (),
    key_of: KeyOf | None = None,
) -> dict[str, Any]:
    """``report.json``: the check's JSON plus discovery's ``clusters``, ``shims``, ``copies``,
    ``cycles`` and ``hotspots``, with their counts in ``summary``, and (given the module imports
    and the matrix) the ``import_graph`` and ``dsm`` the page draws (reporting/structure_json.py),
    its groups keyed by ``key_of`` as the matrix's are (default: by package; a monorepo: member first), and
    ``interfaces``: one entry per interface contract (its face, its reach-ins by importing
    package; docs/report.md).

    ``check``'s findings as listed; ``counted``: the whole check whose findings ``check`` shows
    capped per file (reporting/proportionate.py): the summary, the contracts' states and the golden
    path count all of them, ``left_out`` says what each file's cap left out."""
    data = to_json(check, tool_version=tool_version, command="report")
    if counted is not None and counted is not check:
        whole = summarize(counted)
        data["summary"].update({k: v for k, v in whole.items() if k not in ("duration_s", "cache_hits")})
        data["contract_results"] = contract_results(counted)
        if counted.golden_path is not None:
            data["golden_path"] = golden_path_to_json(counted.golden_path, counted.violations)
    if left_out:
        data["left_out"] = [item.to_json() for item in left_out]
        from archguard.reporting.proportionate import left_out_notices

        data["notices"] = [*data["notices"], *left_out_notices(left_out)]
    if imports is not None and matrix is not None:
        closures = {c.entry: (c.module, *c.modules) for c in check.golden_path or ()}
        from archguard.analysis.structure import package_key
        from archguard.reporting.structure_json import structure_to_json

        data.update(structure_to_json(check.scan.files, imports, matrix, closures, key_of or package_key))
    from archguard.reporting.discover_json import discovery_to_json

    found = discovery_to_json(discovery)
    data.update(found)
    data["interfaces"] = [interface_to_json(i) for i in interfaces]
    data["summary"].update(
        {key: len(found[key]) for key in ("clusters", "shims", "copies", "cycles", "hotspots")}
    )
    data["summary"]["unused_shims"] = sum(1 for shim in found["shims"] if shim["safe_to_delete"])
    data["modules"] = modules_with_members(check)
    data["summary"]["duration_s"] = round(check.duration_s + discovery.duration_s, 3)
    return data


def interface_to_json(overview: InterfaceOverview) -> dict[str, Any]:
    """One interface contract's section of the report (docs/report.md)."""
    return {
        "name": overview.name,
        "package": overview.package,
        "reason": overview.reason,
        "public_modules": list(overview.public_modules),
        "exports": list(overview.exports) if overview.exports is not None else None,
        "exports_listed": overview.listed,
        "modules": overview.modules,
        "violations": overview.violations,
        "fixable": overview.fixable,
        "reach_ins": [
            {
                "importer": r.importer,
                "count": r.count,
                "fixable": r.fixable,
                "by_code": dict(r.by_code),
                "modules": [{"module": m, "count": n} for m, n in r.modules],
            }
            for r in overview.reach_ins
        ],
        "reached": [{"module": m, "count": n, "fixable": f} for m, n, f in overview.reached],
        "through_face": [{"importer": g, "count": n} for g, n in overview.through_face],
    }


def modules_with_members(check: CheckResult) -> list[dict[str, Any]]:
    """Every module and loose file with the member it belongs to (docs/monorepos.md): what the
    overview and the dependency matrix group by. ``member`` is the member's ``name`` in ``members``."""
    scan = check.scan
    return [
        {
            "module": file.module,
            "path": file.path,
            "member": scan.layout.member_of(file.path).label,
            "loose": file.loose,
        }
        for file in sorted(scan.files, key=lambda f: f.path)
    ]


def golden_path_to_json(closures: list[EntryClosure], violations: Sequence[Violation]) -> dict[str, Any]:
    """docs/interface.md's ``golden_path``: ``clean`` counts failing findings whether baselined or not
    (a baseline keeps ``check`` green; it does not make a module load)."""
    problems = {c.entry: len(c.problems(violations)) for c in closures}
    return {
        "entries": [c.entry for c in closures],
        "closure_modules": {c.entry: len(c.modules) for c in closures},
        "clean": not any(problems.values()),
        "problems": problems,
        "modules": {c.entry: c.module for c in closures},
        "dynamic_imports": [
            {"entry": c.entry, "importer": d.importer, "imported": d.imported, "path": d.path, "line": d.line}
            for c in closures
            for d in c.dynamic
        ],
    }


def dangling_to_json(dangling: DanglingImport) -> dict[str, Any]:
    return {
        "path": dangling.path,
        "line": dangling.line,
        "column": dangling.column,
        "importer": dangling.importer,
        "imported": dangling.imported,
        "statement": dangling.statement,
        "missing": dangling.missing,
        "guarded": dangling.guarded,
        "type_checking": dangling.type_checking,
        "maybe": dangling.maybe,  # why it may exist at run time after all ("" if no reason)
    }


def violation_to_json(violation: Violation, owners: Sequence[str] = ()) -> dict[str, Any]:
    """``owners``: from CODEOWNERS, for the violation's path (docs/interface.md: always a list)."""
    item: dict[str, Any] = {
        "kind": violation.kind.value,
        "code": violation.code,
        "contract": violation.contract,
        "path": violation.path,
        "line": violation.line,
        "column": violation.column,
        "statement": violation.statement,
        "importer": violation.importer,
        "imported": violation.imported,
        "canonical": violation.canonical,
        "suggestion": violation.suggestion,
        "fingerprint": violation.fingerprint,
        "baselined": violation.baselined,
        "fixable": violation.fixable,
        "contract_reason": violation.contract_reason,
        "severity": violation.severity.value,
        "message": violation.message,
        "owners": list(owners),
    }
    # docs/interface.md: ``reason`` explains why a violation cannot be fixed, so it only appears then.
    if not violation.fixable:
        item["reason"] = violation.reason or "no automatic fix for this kind of finding"
    if violation.extra:
        item["extra"] = dict(violation.extra)
    if is_golden(violation):
        item["chain"] = list(violation.chain)
    return item


def dumps(data: dict[str, Any] | list[Any]) -> str:
    """Indented, UTF-8 kept readable, newline-terminated: the one way archguard writes JSON
    (``json.dumps(data, indent=2, ensure_ascii=False, default=str)``'s text, written faster:
    json_text.py)."""
    return indented(data) + "\n"
