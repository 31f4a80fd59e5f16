"""Every reporter renders the same hand-built result; these tests pin the promised output."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest

from archguard.analysis.broken_files import broken_file_findings
from archguard.domain.facts import FileFacts, SyntaxIssue, UnreadableFile
from archguard.domain.findings import RULES, Severity, Violation, fingerprint
from archguard.domain.result import CheckResult, DanglingImport, ScanResult
from archguard.domain.sources import SourceFile
from archguard.reporting import (
    github,
    json_report,
    junit,
    render_check_as,
    sarif,
    summary,
    text,
)
from tests.helpers import DATA

SARIF_SCHEMA = DATA / "sarif-schema-2.1.0.json"  # the published SARIF 2.1.0 schema

SUGGESTION = "from app.realtime.manager import ConnectionManager"


def make_scan(**overrides) -> ScanResult:
    files = [
        SourceFile("app/__init__.py", "app", loose=False, is_package=True),
        SourceFile(
            "app/realtime/manager.py",
            "app.realtime.manager",
            loose=False,
            is_package=False,
        ),
        SourceFile("app/broken.py", "app.broken", loose=False, is_package=False),
        SourceFile("scripts/run.py", "scripts.run", loose=True, is_package=False),
        SourceFile("scripts/blob.py", "scripts.blob", loose=True, is_package=False),
        SourceFile(
            "tests/e2e/test_chat.py",
            "tests.e2e.test_chat",
            loose=True,
            is_package=False,
        ),
    ]
    parsed = [
        "app/__init__.py",
        "app/realtime/manager.py",
        "scripts/run.py",
        "tests/e2e/test_chat.py",
    ]
    values = {
        "root": "/repo",
        "files": files,
        "facts": {path: FileFacts() for path in parsed},
        "syntax_errors": [SyntaxIssue("app/broken.py", 3, 5, "invalid syntax")],
        "unreadable": [UnreadableFile("scripts/blob.py", "binary (NUL byte)")],
        "packages": ["app"],
        "import_edges": 17,
        "dangling": [
            DanglingImport(
                "scripts/run.py",
                4,
                1,
                "scripts.run",
                "yaml_compat",
                "import yaml_compat",
                missing="module",
                guarded=True,
                type_checking=False,
            ),
            DanglingImport(
                "app/__init__.py",
                2,
                1,
                "app",
                "app.realtime.manager:Gone",
                "from app.realtime.manager import Gone",
                missing="name",
                guarded=False,
                type_checking=False,
            ),
        ],
        "duration_s": 1.23456,
        "cache_hits": 3,
    }
    values.update(overrides)
    return ScanResult(**values)


def shim_violation(**overrides) -> Violation:
    values = {
        "code": "AG101",
        "contract": "websocket-manager",
        "path": "tests/e2e/test_chat.py",
        "line": 12,
        "column": 1,
        "message": "ConnectionManager imported from app.realtime.compat (a shim)",
        "statement": "from app.realtime.compat import ConnectionManager",
        "importer": "tests.e2e.test_chat",
        "imported": "app.realtime.compat:ConnectionManager",
        "canonical": "app.realtime.manager:ConnectionManager",
        "suggestion": SUGGESTION,
        "fixable": True,
        "contract_reason": "one manager; see ADR-12",
    }
    values.update(overrides)
    return Violation(**values).with_fingerprint()


def make_check(*, broken_files: bool = False) -> CheckResult:
    """``broken_files``: with the scan's unanalysable files as findings, as ``run_check`` adds them."""
    violations = [
        shim_violation(),
        shim_violation(path="app/old.py", line=3, importer="app.old", baselined=True),
        Violation(
            code="AG202",
            contract="dangling-imports",
            path="app/__init__.py",
            line=2,
            column=1,
            message="cannot import name 'Gone' from app.realtime.manager",
            statement="from app.realtime.manager import Gone",
            importer="app",
            imported="app.realtime.manager:Gone",
            reason="nothing to import instead",
            severity=Severity.WARNING,
        ).with_fingerprint(),
    ]
    scan = make_scan()
    contracts = ["websocket-manager", "layers", "dangling-imports"]
    if broken_files:
        violations += broken_file_findings(scan.syntax_errors, scan.unreadable)
        contracts.append("analysable-files")
    return CheckResult(
        scan=scan,
        violations=violations,
        stale_baseline_entries=[
            {"fingerprint": "abc", "contract": "websocket-manager"}
        ],
        contracts_run=contracts,
        contract_types={
            "websocket-manager": "concept",
            "layers": "import-linter",
            "dangling-imports": "dangling-imports",
            "analysable-files": "analysable-files",
        },
        duration_s=2.0004,
    )


# --- summary ---------------------------------------------------------------------------------

INTERFACE_SUMMARY_KEYS = {
    "files",
    "parsed_files",
    "syntax_errors",
    "unreadable_files",
    "loose_files",
    "modules",
    "imports",
    "violations",
    "new_violations",
    "baselined",
    "stale_baseline_entries",
    "dangling_imports",
    "duration_s",
}


def test_summary_of_a_scan_counts_every_file_once_and_no_violations():
    counts = summary.summarize(make_scan())
    assert INTERFACE_SUMMARY_KEYS <= counts.keys()
    assert counts["files"] == 6
    assert counts["files"] == (
        counts["parsed_files"] + counts["syntax_errors"] + counts["unreadable_files"]
    )
    assert (
        counts["parsed_files"],
        counts["syntax_errors"],
        counts["unreadable_files"],
    ) == (4, 1, 1)
    # the unreadable loose file is not a parsed loose file
    assert counts["loose_files"] == 2
    assert counts["modules"] == 3
    assert counts["imports"] == 17
    assert counts["dangling_imports"] == 2
    assert counts["duration_s"] == 1.235
    assert counts["violations"] == counts["new_violations"] == counts["baselined"] == 0


def test_summary_of_a_check_splits_violations_into_new_baselined_and_warnings():
    counts = summary.summarize(make_check())
    assert (
        counts["violations"],
        counts["new_violations"],
        counts["baselined"],
        counts["warnings"],
    ) == (3, 1, 1, 1)
    assert counts["new_violations"] + counts["baselined"] + counts["warnings"] == 3
    assert counts["stale_baseline_entries"] == 1
    assert counts["duration_s"] == 2.0  # the check's own duration, not the scan's


# --- JSON ------------------------------------------------------------------------------------


def test_json_has_every_interface_key_and_relative_paths():
    data = json_report.to_json(make_check(), tool_version="0.1.0", command="check")
    assert data["schema"] == "archguard/1"
    assert data["tool"] == {"name": "archguard", "version": "0.1.0"}
    assert data["command"] == "check"
    assert data["root"] == "/repo"
    assert INTERFACE_SUMMARY_KEYS <= data["summary"].keys()
    assert data["syntax_errors"] == [
        {"path": "app/broken.py", "line": 3, "column": 5, "message": "invalid syntax"}
    ]
    assert data["unreadable_files"] == [
        {"path": "scripts/blob.py", "reason": "binary (NUL byte)"}
    ]
    assert data["loose_files"] == ["scripts/run.py", "tests/e2e/test_chat.py"]
    assert [d["path"] for d in data["dangling_imports"]] == [
        "app/__init__.py",
        "scripts/run.py",
    ]
    assert set(data["dangling_imports"][0]) == {
        "path",
        "line",
        "column",
        "importer",
        "imported",
        "statement",
        "missing",
        "guarded",
        "type_checking",
        "maybe",
    }
    interface_violation_keys = {
        "kind",
        "contract",
        "path",
        "line",
        "statement",
        "importer",
        "imported",
        "canonical",
        "fingerprint",
        "baselined",
        "fixable",
    }
    for item in data["violations"]:
        assert interface_violation_keys <= item.keys()
        assert not item["path"].startswith("/")
    assert data["stale_baseline_entries"] == [
        {"fingerprint": "abc", "contract": "websocket-manager"}
    ]


def test_json_violation_reason_appears_only_when_not_fixable():
    by_code = {
        v["code"]: v
        for v in json_report.to_json(make_check(), tool_version="x", command="check")[
            "violations"
        ]
    }
    assert by_code["AG101"]["fixable"] is True and "reason" not in by_code["AG101"]
    assert by_code["AG202"]["reason"] == "nothing to import instead"
    assert by_code["AG202"]["kind"] == "dangling-import"
    assert by_code["AG202"]["severity"] == "warning"


def test_json_is_deterministic_whatever_the_input_order():
    check = make_check()
    shuffled = make_check()
    shuffled.violations.reverse()
    shuffled.scan.dangling.reverse()
    first = json_report.to_json(check, tool_version="x", command="check")
    second = json_report.to_json(shuffled, tool_version="x", command="check")
    assert json_report.dumps(first) == json_report.dumps(second)
    assert [v["path"] for v in first["violations"]] == [
        "app/__init__.py",
        "app/old.py",
        "tests/e2e/test_chat.py",
    ]


def test_json_of_a_scan_has_empty_violation_lists():
    data = json_report.to_json(make_scan(), tool_version="x", command="scan")
    assert data["violations"] == [] and data["stale_baseline_entries"] == []
    assert data["summary"]["files"] == 6


# --- text ------------------------------------------------------------------------------------


def test_render_scan_lists_findings_ruff_style_then_the_summary():
    output = text.render_scan(make_scan())
    assert output.splitlines() == [
        "app/broken.py:3:5: syntax error: invalid syntax",
        "scripts/blob.py: unreadable: binary (NUL byte)",
        "app/__init__.py:2:1: AG202 cannot import name 'Gone' from app.realtime.manager",
        "scripts/run.py:4:1: AG201 no module named 'yaml_compat' (guarded: the code expects the ImportError)",
        "",
        "Scanned /repo in 1.235s",
        "  files found:       6",
        "  parsed:            4",
        "  syntax errors:     1",
        "  unreadable:        1",
        "  packages:          1 (app)",
        "  modules:           3",
        "  loose files:       2",
        "  import edges:     17",
        "  dangling imports:  2 (1 guarded)",
        "  cache hits:        3",
    ]


def test_render_scan_caps_long_lists_unless_verbose():
    errors = [
        SyntaxIssue(f"pkg/m{i:04}.py", 1, 1, "invalid syntax") for i in range(250)
    ]
    scan = make_scan(syntax_errors=errors, dangling=[], unreadable=[])
    capped = text.render_scan(scan).splitlines()
    assert (
        sum(": syntax error:" in line for line in capped) == text.MAX_LINES_PER_SECTION
    )
    assert (
        "... and 50 more syntax errors (use --verbose to list them all, or --json FILE)"
        in capped
    )
    full = text.render_scan(scan, verbose=True).splitlines()
    assert sum(": syntax error:" in line for line in full) == 250


def test_render_scan_keeps_each_finding_on_one_line():
    scan = make_scan(
        syntax_errors=[SyntaxIssue("a.py", 1, 1, "bad\nthing")],
        dangling=[],
        unreadable=[],
    )
    assert text.render_scan(scan).splitlines()[0] == "a.py:1:1: syntax error: bad thing"


def test_render_check_groups_by_contract_hides_baselined_and_marks_warnings():
    lines = text.render_check(make_check()).splitlines()
    assert lines == [
        (
            "websocket-manager (canonical: app.realtime.manager:ConnectionManager): "
            "one manager; see ADR-12"
        ),
        (
            "tests/e2e/test_chat.py:12:1: AG101 ConnectionManager imported from app.realtime.compat "
            f"(a shim); use: {SUGGESTION}"
        ),
        "(1 baselined violation not shown)",
        "",
        "dangling-imports",
        "app/__init__.py:2:1: AG202 [warning] cannot import name 'Gone' from app.realtime.manager",
        "",
        (
            "Note: 2 files could not be analysed (1 with syntax errors, 1 unreadable); "
            "run `archguard scan` to list them."
        ),
        (
            "1 stale baseline entry: fixed since the baseline was recorded; "
            "--update-baseline drops them."
        ),
        "Contracts: 2 kept, 1 broken.",
        "  BROKEN  websocket-manager (concept): 1 new, 1 baselined",
        "  KEPT    layers (import-linter)",
        "  KEPT    dangling-imports: 1 warning",
        "Found 3 violations (1 new, 1 baselined, 1 warning) in 2 of 3 contracts.",
    ]


def test_render_check_does_not_repeat_a_suggestion_already_in_the_message():
    violation = shim_violation(message=f"imported from a shim; use: {SUGGESTION}")
    check = CheckResult(
        scan=make_scan(syntax_errors=[], unreadable=[]), violations=[violation]
    )
    assert text.render_check(check).count(SUGGESTION) == 1


def test_render_check_with_no_violations_says_all_contracts_kept():
    check = CheckResult(
        scan=make_scan(syntax_errors=[], unreadable=[]), contracts_run=["a"]
    )
    assert text.render_check(check) == "Contracts: 1 kept, 0 broken.\n  KEPT    a (import-linter)\nAll contracts kept.\n"


def test_contract_results_list_every_contract_kept_or_broken_like_lint_imports():
    check = make_check()
    assert summary.contract_results(check) == [
        {"name": "websocket-manager", "type": "concept", "state": "broken", "violations": 2, "new": 1,
         "baselined": 1, "warnings": 0},
        {"name": "layers", "type": "import-linter", "state": "kept", "violations": 0, "new": 0, "baselined": 0,
         "warnings": 0},
        {"name": "dangling-imports", "type": "dangling-imports", "state": "kept", "violations": 1, "new": 0,
         "baselined": 0, "warnings": 1},
    ]
    assert json_report.to_json(check, tool_version="0", command="check")["contract_results"] == summary.contract_results(check)


def test_render_check_statistics_counts_shown_violations_per_rule_and_contract():
    output = text.render_check(make_check(), statistics=True)
    assert "Statistics per rule:\n1\tAG101\t[*] " + RULES["AG101"][1] in output
    assert "1\tAG202\t    " + RULES["AG202"][1] in output
    assert (
        "Statistics per contract:\n1\tdangling-imports\n1\twebsocket-manager\n"
        in output
    )
    assert "Statistics" not in text.render_check(make_check())


# --- SARIF -----------------------------------------------------------------------------------


def test_sarif_is_valid_against_the_2_1_0_schema():
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    log = sarif.to_sarif(make_check(), tool_version="0.1.0")
    jsonschema.validate(json.loads(json.dumps(log)), schema)


def test_sarif_results_carry_level_baseline_state_location_and_fingerprint():
    log = sarif.to_sarif(make_check(broken_files=True), tool_version="0.1.0")
    assert log["version"] == "2.1.0"
    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == sorted(RULES)
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == "file:///repo/"
    results = {
        (
            r["ruleId"],
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        ): r
        for r in run["results"]
    }
    new = results[("AG101", "tests/e2e/test_chat.py")]
    assert (new["level"], new["baselineState"]) == ("error", "new")
    assert new["message"]["text"].endswith(f"use: {SUGGESTION}")
    assert new["locations"][0]["physicalLocation"]["region"] == {
        "startLine": 12,
        "startColumn": 1,
    }
    assert (
        new["locations"][0]["physicalLocation"]["artifactLocation"]["uriBaseId"]
        == "%SRCROOT%"
    )
    assert new["partialFingerprints"] == {"archguard/v1": shim_violation().fingerprint}
    assert rules[new["ruleIndex"]]["id"] == "AG101"
    known = results[("AG101", "app/old.py")]
    assert (known["level"], known["baselineState"]) == ("note", "unchanged")
    assert results[("AG202", "app/__init__.py")]["level"] == "warning"
    assert results[("AG001", "app/broken.py")]["level"] == "error"
    assert (
        results[("AG002", "scripts/blob.py")]["message"]["text"]
        == "unreadable: binary (NUL byte)"
    )
    # each unanalysable file once: a finding like any other, by file
    assert [r["ruleId"] for r in run["results"]].count("AG001") == 1
    assert results[("AG002", "scripts/blob.py")]["partialFingerprints"] == {
        "archguard/v1": fingerprint("AG002", "scripts/blob.py")
    }


def test_sarif_escapes_file_names_into_uri_references():
    check = CheckResult(
        scan=make_scan(), violations=[shim_violation(path="my dir/a#b.py")]
    )
    result = sarif.to_sarif(check, tool_version="x")["runs"][0]["results"][0]
    assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == (
        "my%20dir/a%23b.py"
    )


# --- JUnit -----------------------------------------------------------------------------------


def test_junit_has_one_suite_per_contract_failing_only_on_new_violations():
    root = ET.fromstring(junit.to_junit(make_check()))
    assert root.tag == "testsuites"
    assert (root.get("tests"), root.get("failures")) == ("3", "1")
    suites = {suite.get("name"): suite for suite in root.findall("testsuite")}
    assert list(suites) == ["websocket-manager", "layers", "dangling-imports"]
    failure = suites["websocket-manager"].find("testcase/failure")
    assert failure is not None and failure.get("message") == "1 new violation"
    assert failure.text.splitlines() == [text.violation_line(shim_violation())]
    assert (
        "[baselined] app/old.py:3:1: AG101"
        in suites["websocket-manager"].find("testcase/system-out").text
    )
    assert suites["layers"].find("testcase/failure") is None
    # a warning is shown but does not fail its contract
    assert suites["dangling-imports"].find("testcase/failure") is None
    assert (
        "AG202 [warning]" in suites["dangling-imports"].find("testcase/system-out").text
    )


def test_junit_survives_control_characters_in_messages():
    check = CheckResult(
        scan=make_scan(), violations=[shim_violation(message="bad \x00\x1b byte")]
    )
    failure = ET.fromstring(junit.to_junit(check)).find("testsuite/testcase/failure")
    assert "bad \\x00\\x1b byte" in failure.text  # escaped, visibly, as in the text output


# --- GitHub ----------------------------------------------------------------------------------


def test_github_annotates_new_errors_and_warnings_and_skips_baselined():
    assert github.render_github(make_check()).splitlines() == [
        (
            "::warning file=app/__init__.py,line=2,col=1,title=AG202 dangling-imports::"
            "cannot import name 'Gone' from app.realtime.manager"
        ),
        (
            "::error file=tests/e2e/test_chat.py,line=12,col=1,title=AG101 websocket-manager::"
            f"ConnectionManager imported from app.realtime.compat (a shim); use: {SUGGESTION}"
        ),
    ]


def test_github_escapes_data_and_properties():
    violation = shim_violation(
        path="a,b:c.py", contract="x,y", message="50% done\r\nnext", suggestion=None
    )
    line = github.render_github(CheckResult(scan=make_scan(), violations=[violation]))
    assert line == (
        "::error file=a%2Cb%3Ac.py,line=12,col=1,title=AG101 x%2Cy::50%25 done%0D%0Anext\n"
    )


# --- dispatch --------------------------------------------------------------------------------


@pytest.mark.parametrize("output_format", ["text", "json", "sarif", "junit", "github"])
def test_every_format_renders_a_check(output_format):
    output = render_check_as(make_check(), output_format, tool_version="0.1.0")
    assert output.endswith("\n") and output.strip()


def test_unknown_format_is_refused_with_the_choices():
    with pytest.raises(ValueError, match="text, json, sarif, junit, github"):
        render_check_as(make_check(), "xml", tool_version="0.1.0")
