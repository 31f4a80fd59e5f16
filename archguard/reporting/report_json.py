"""``report.json``: the check's ``archguard/1`` JSON plus what discovery found (INTERFACE.md keys
``clusters``, ``shims``, ``copies``, ``cycles``, and ``hotspots``), and ``interfaces``: one entry
per interface contract (its face, its reach-ins by importing package).

The Markdown audit and the HTML page are rendered from this very dictionary, so every number a
reader sees in them is the number a script reads from ``report.json`` of the same run.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from archguard.domain.discovery import DiscoveryResult
from archguard.domain.interfaces import InterfaceOverview
from archguard.domain.result import CheckResult
from archguard.reporting.discover_json import discovery_to_json
from archguard.reporting.json_report import to_json


def to_report_json(
    check: CheckResult,
    discovery: DiscoveryResult,
    *,
    tool_version: str,
    interfaces: Sequence[InterfaceOverview] = (),
) -> dict[str, Any]:
    data = to_json(check, tool_version=tool_version, command="report")
    found = discovery_to_json(discovery)
    data.update(found)
    data["interfaces"] = [interface_to_json(i) for i in interfaces]
    data["summary"].update(
        {key: len(found[key]) for key in ("clusters", "shims", "copies", "cycles", "hotspots")}
    )
    data["summary"]["unused_shims"] = sum(1 for shim in found["shims"] if shim["safe_to_delete"])
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
