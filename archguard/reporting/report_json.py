"""``report.json``: the check's ``archguard/1`` JSON plus what discovery found (docs/interface.md keys
``clusters``, ``shims``, ``copies``, ``cycles``, and ``hotspots``).

The Markdown audit and the HTML page are rendered from this very dictionary, so every number a
reader sees in them is the number a script reads from ``report.json`` of the same run.
"""

from __future__ import annotations

from typing import Any

from archguard.domain.discovery import DiscoveryResult
from archguard.domain.result import CheckResult
from archguard.reporting.discover_json import discovery_to_json
from archguard.reporting.json_report import to_json


def to_report_json(check: CheckResult, discovery: DiscoveryResult, *, tool_version: str) -> dict[str, Any]:
    data = to_json(check, tool_version=tool_version, command="report")
    found = discovery_to_json(discovery)
    data.update(found)
    data["summary"].update(
        {key: len(found[key]) for key in ("clusters", "shims", "copies", "cycles", "hotspots")}
    )
    data["summary"]["unused_shims"] = sum(1 for shim in found["shims"] if shim["safe_to_delete"])
    data["summary"]["duration_s"] = round(check.duration_s + discovery.duration_s, 3)
    return data
