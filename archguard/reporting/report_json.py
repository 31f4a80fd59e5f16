"""``report.json``: the check's ``archguard/1`` JSON plus what discovery found (docs/interface.md keys
``clusters``, ``shims``, ``copies``, ``cycles``, and ``hotspots``).

The Markdown audit and the HTML page are rendered from this very dictionary, so every number a
reader sees in them is the number a script reads from ``report.json`` of the same run.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from archguard.domain.discovery import DiscoveryResult
from archguard.domain.result import CheckResult
from archguard.reporting.discover_json import discovery_to_json
from archguard.reporting.json_report import golden_path_to_json, to_json
from archguard.reporting.proportionate import LeftOut, left_out_notices
from archguard.reporting.summary import summarize


def to_report_json(
    check: CheckResult,
    discovery: DiscoveryResult,
    *,
    tool_version: str,
    counted: CheckResult | None = None,
    left_out: Sequence[LeftOut] = (),
) -> dict[str, Any]:
    """``check``'s findings as listed; ``counted``: the whole check whose findings ``check`` shows
    capped per file (reporting/proportionate.py): the summary and the golden path count all of
    them, ``left_out`` says what each file's cap left out."""
    data = to_json(check, tool_version=tool_version, command="report")
    if counted is not None and counted is not check:
        whole = summarize(counted)
        data["summary"].update({k: v for k, v in whole.items() if k not in ("duration_s", "cache_hits")})
        if counted.golden_path is not None:
            data["golden_path"] = golden_path_to_json(counted.golden_path, counted.violations)
    if left_out:
        data["left_out"] = [item.to_json() for item in left_out]
        data["notices"] = [*data["notices"], *left_out_notices(left_out)]
    found = discovery_to_json(discovery)
    data.update(found)
    data["summary"].update(
        {key: len(found[key]) for key in ("clusters", "shims", "copies", "cycles", "hotspots")}
    )
    data["summary"]["unused_shims"] = sum(1 for shim in found["shims"] if shim["safe_to_delete"])
    data["summary"]["duration_s"] = round(check.duration_s + discovery.duration_s, 3)
    return data
