"""SARIF 2.1.0 for code-scanning dashboards (GitHub code scanning, GitLab, Azure DevOps).

Baselined violations are kept as ``note`` results with ``baselineState: unchanged`` so dashboards
show the known debt without failing on it; new ones are ``baselineState: new``. Files that do not
parse or cannot be read are results too (AG001/AG002): they are findings, not silence.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

from archguard.domain.findings import RULES, Severity, Violation
from archguard.domain.result import CheckResult
from archguard.reporting.summary import display_message, sorted_violations

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
SRCROOT = "%SRCROOT%"
FINGERPRINT_KEY = "archguard/v1"

RULE_IDS = sorted(RULES)
RULE_INDEX = {rule_id: index for index, rule_id in enumerate(RULE_IDS)}


def to_sarif(result: CheckResult, *, tool_version: str) -> dict[str, Any]:
    scan = result.scan
    # CODEOWNERS: properties.owners on every result of a run that had one (docs/usage.md, Owners).
    # Files that do not parse or cannot be read are violations (AG001/AG002) like any other.
    owners = result.owners if result.codeowners else None
    results = [
        violation_result(v, None if owners is None else owners.get(v.path, ()))
        for v in sorted_violations(result.violations)
    ]
    return {
        "$schema": SARIF_SCHEMA_URI,
        "version": SARIF_VERSION,
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "archguard",
                        "version": tool_version,
                        "rules": [rule_descriptor(rule_id) for rule_id in RULE_IDS],
                    }
                },
                # Lets viewers turn the relative artifact URIs back into files on disk.
                "originalUriBaseIds": {SRCROOT: {"uri": root_uri(scan.root)}},
                "columnKind": "unicodeCodePoints",
                "results": results,
            }
        ],
    }


def root_uri(root: str) -> str:
    uri = Path(root).absolute().as_uri()
    return uri if uri.endswith("/") else uri + "/"


def rule_descriptor(rule_id: str) -> dict[str, Any]:
    kind, description = RULES[rule_id]
    return {
        "id": rule_id,
        "name": kind.value,
        "shortDescription": {"text": description},
        "properties": {"kind": kind.value},
    }


def artifact(path: str) -> dict[str, str]:
    # A URI reference: spaces and other reserved characters in file names must be escaped.
    return {"uri": quote(path), "uriBaseId": SRCROOT}


def location(path: str, line: int, column: int) -> dict[str, Any]:
    # SARIF lines and columns start at 1; clamp so a 0 from a tool never makes the file invalid.
    return {
        "physicalLocation": {
            "artifactLocation": artifact(path),
            "region": {"startLine": max(1, line), "startColumn": max(1, column)},
        }
    }


def _result(
    rule_id: str, level: str, message: str, loc: dict[str, Any], fingerprint_value: str
) -> dict[str, Any]:
    return {
        "ruleId": rule_id,
        "ruleIndex": RULE_INDEX[rule_id],
        "level": level,
        "message": {"text": message},
        "locations": [loc],
        "partialFingerprints": {FINGERPRINT_KEY: fingerprint_value},
    }


def violation_result(violation: Violation, owners: Sequence[str] | None = None) -> dict[str, Any]:
    if violation.baselined:
        level, state = "note", "unchanged"
    else:
        level = "warning" if violation.severity is Severity.WARNING else "error"
        state = "new"
    item = _result(
        violation.code,
        level,
        display_message(violation),
        location(violation.path, violation.line, violation.column),
        violation.fingerprint or violation.with_fingerprint().fingerprint,
    )
    item["baselineState"] = state
    properties = {
        "contract": violation.contract,
        "kind": violation.kind.value,
        "importer": violation.importer,
        "imported": violation.imported,
        "canonical": violation.canonical,
        "suggestion": violation.suggestion,
        "fixable": violation.fixable,
        "contractReason": violation.contract_reason,
        "owners": None if owners is None else list(owners),
    }
    item["properties"] = {key: value for key, value in properties.items() if value is not None}
    return item
