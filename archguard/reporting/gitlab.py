"""GitLab code quality report (``--format gitlab``): the Code Climate subset GitLab reads from an
``artifacts:reports:codequality`` file and shows in merge requests.

Like the GitHub annotations, only what fails or warns is listed: baselined violations are known
debt. Each finding's ``fingerprint`` is archguard's own (stable across edits elsewhere in the
file), so GitLab tells new findings from old ones by it.
"""

from __future__ import annotations

from typing import Any

from archguard.domain.result import CheckResult
from archguard.reporting.summary import display_message, is_warning, sorted_violations


def to_gitlab(result: CheckResult) -> list[dict[str, Any]]:
    return [
        {
            "description": f"{violation.code} {display_message(violation)}",
            "check_name": violation.code,
            "fingerprint": violation.fingerprint,
            "severity": "minor" if is_warning(violation) else "major",
            "location": {"path": violation.path, "lines": {"begin": violation.line}},
        }
        for violation in sorted_violations(result.violations)
        if not violation.baselined
    ]
