"""GitHub Actions workflow commands: annotations on the pull request's changed lines.

Only what fails or warns is annotated; baselined violations are known debt and would drown the
diff view. Escaping follows the runner's rules (actions/toolkit ``command.ts``).
"""

from __future__ import annotations

from archguard.domain.result import CheckResult
from archguard.reporting.summary import display_message, is_warning, sorted_violations


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render_github(result: CheckResult) -> str:
    lines = []
    for violation in sorted_violations(result.violations):
        if violation.baselined:
            continue
        command = "warning" if is_warning(violation) else "error"
        properties = ",".join(
            f"{key}={escape_property(value)}"
            for key, value in (
                ("file", violation.path),
                ("line", str(violation.line)),
                ("col", str(violation.column)),
                ("title", f"{violation.code} {violation.contract}"),
            )
        )
        lines.append(f"::{command} {properties}::{escape_data(display_message(violation))}")
    return "".join(line + "\n" for line in lines)
