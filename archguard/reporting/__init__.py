"""Reporters: one result model (``archguard.domain.result``) rendered every way.

- ``summary``: the counts (``summarize``) and the ordering/wording every reporter shares
- ``text``: ruff-like terminal output (``render_scan``, ``render_check``)
- ``json_report``: the ``archguard/1`` JSON (``to_json``, ``dumps``)
- ``sarif``, ``junit``, ``github``, ``gitlab``: CI formats for ``--format``

Imports only ``archguard.domain`` and the standard library.
"""

from __future__ import annotations

from archguard.domain.options import FORMATS
from archguard.domain.result import CheckResult
from archguard.reporting import json_report, text

__all__ = ["FORMATS", "render_check_as"]  # FORMATS: what --format may name (declared with the options)


def render_check_as(
    result: CheckResult,
    output_format: str,
    *,
    tool_version: str,
    command: str = "check",
    statistics: bool = False,
) -> str:
    """What ``check --format FORMAT`` prints to stdout."""
    if output_format == "text":
        return text.render_check(result, statistics=statistics)
    if output_format == "json":
        data = json_report.to_json(result, tool_version=tool_version, command=command)
        return json_report.dumps(data)
    # The CI formats are loaded when asked for: a check printing text needs none of them.
    if output_format == "sarif":
        from archguard.reporting import sarif

        return json_report.dumps(sarif.to_sarif(result, tool_version=tool_version))
    if output_format == "junit":
        from archguard.reporting import junit

        return junit.to_junit(result)
    if output_format == "github":
        from archguard.reporting import github

        return github.render_github(result)
    if output_format == "gitlab":
        from archguard.reporting import gitlab

        return json_report.dumps(gitlab.to_gitlab(result))
    raise ValueError(f"unknown format {output_format!r}; choose one of {', '.join(FORMATS)}")
