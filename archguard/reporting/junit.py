"""JUnit XML for CI test tabs (GitLab, Jenkins, Azure): each contract is a test that passes or fails.

A contract fails exactly when it has new violations, the same rule as ``check``'s exit code, so
the CI tab and the job status never disagree. Baselined violations and warnings are listed in
``system-out`` so they stay visible without failing anything.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence

from archguard.domain.findings import Violation
from archguard.domain.result import CheckResult
from archguard.reporting.summary import by_contract, is_warning, plural
from archguard.reporting.text import one_line, violation_line

# Characters XML 1.0 forbids even when escaped; statements from broken files may hold them.
_XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def xml_text(text: str) -> str:
    return _XML_FORBIDDEN.sub("\ufffd", text)


def to_junit(result: CheckResult) -> str:
    groups = by_contract(result)
    failing = sum(1 for violations in groups.values() if _new(violations))
    suites = ET.Element(
        "testsuites",
        name="archguard",
        tests=str(len(groups)),
        failures=str(failing),
        errors="0",
        time=f"{result.duration_s:.3f}",
    )
    for name, violations in groups.items():
        suites.append(contract_suite(name, violations))
    ET.indent(suites)
    return ET.tostring(suites, encoding="unicode", xml_declaration=True) + "\n"


def _new(violations: Sequence[Violation]) -> list[Violation]:
    return [v for v in violations if not v.baselined and not is_warning(v)]


def contract_suite(name: str, violations: Sequence[Violation]) -> ET.Element:
    new = _new(violations)
    suite = ET.Element(
        "testsuite",
        name=xml_text(one_line(name)),
        tests="1",
        failures=str(int(bool(new))),
        errors="0",
        skipped="0",
        time="0",
    )
    case = ET.SubElement(suite, "testcase", classname="archguard", name=xml_text(one_line(name)), time="0")
    if new:
        failure = ET.SubElement(
            case,
            "failure",
            message=f"{plural(len(new), 'new violation')}",
            type=new[0].code,
        )
        failure.text = xml_text("\n".join(violation_line(v) for v in new))
    known = [v for v in violations if v.baselined or is_warning(v)]
    if known:
        out = ET.SubElement(case, "system-out")
        out.text = xml_text(
            "\n".join(("[baselined] " if v.baselined else "") + violation_line(v) for v in known)
        )
    return suite
