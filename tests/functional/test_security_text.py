"""Text from the tree survives every encoder and is escaped by one rule per format (docs/security.md,
"Output cannot be spoofed"): lone surrogates, GitHub workflow commands at the start of a line,
rich markup in discover's tables, Markdown from the history file."""

from __future__ import annotations

import json
import resource
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from tests.helpers import git, run_cli, write_tree

SURROGATE_TREE = {
    "app/__init__.py": "",
    # the string literal holds a lone surrogate: valid Python, invalid UTF-8
    "app/a.py": 'import importlib\n\nimportlib.import_module("app.x\\ud800y")\nimport app.gone\n',
}




def no_crash(run: subprocess.CompletedProcess[str], *codes: int) -> None:
    assert "Traceback" not in run.stderr and "UnicodeEncodeError" not in run.stderr, run.stderr
    assert run.returncode in codes, (run.returncode, run.stdout[-2000:], run.stderr)


# --- 6. a lone surrogate survives every output ------------------------------------------------------


@pytest.fixture
def surrogate_tree(tmp_path: Path) -> Path:
    root = write_tree(tmp_path / "repo", SURROGATE_TREE)
    git(root, "init", "-q", "-b", "main")
    git(root, "commit", "-q", "--allow-empty", "-m", "0")
    return root


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "junit", "github", "gitlab"])
def test_lone_surrogate_survives_every_check_format(surrogate_tree: Path, fmt: str) -> None:
    run = run_cli("check", surrogate_tree, "--no-cache", "--format", fmt)
    no_crash(run, 1)
    assert "app.x\\ud800y" in run.stdout.replace("\\\\", "\\")  # shown as its escape (JSON doubles the \\)
    if fmt in ("json", "sarif", "gitlab"):
        json.loads(run.stdout)
    if fmt == "junit":
        ET.fromstring(run.stdout)
    changed = run_cli("check", surrogate_tree, "--no-cache", "--format", fmt, "--changed=main")
    no_crash(changed, 0, 1)


def test_lone_surrogate_survives_report_baseline_and_fix(surrogate_tree: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    report = run_cli("report", surrogate_tree, "--no-cache", "-q", "--out", out)
    no_crash(report, 1)
    data = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert any("app.x\ud800y" in v["message"] or "app.x\\ud800y" in v["message"] for v in data["violations"])
    json.loads((out / "report.sarif").read_text(encoding="utf-8"))
    ET.fromstring((out / "junit.xml").read_bytes())
    shown = MarkdownIt("commonmark").render((out / "report.md").read_text(encoding="utf-8"))
    assert "app.x\\ud800y" in shown  # as a reader sees it
    baseline = tmp_path / "baseline.json"
    no_crash(run_cli("baseline", surrogate_tree, "--no-cache", "--baseline", baseline), 0)
    # the fingerprint of a finding with a surrogate is stable: the baseline covers it next time
    no_crash(run_cli("check", surrogate_tree, "--no-cache", "--baseline", baseline), 0)
    no_crash(run_cli("fix", surrogate_tree, "--no-cache", "--dry-run", "--json", tmp_path / "fix.json"), 0)


# --- 9. a file name cannot become a GitHub Actions workflow command ---------------------------------


@pytest.mark.parametrize("name", ["::stop-commands::x.py", "::notice title=pwned::owned.py", "::error::e.py"])
def test_leading_double_colon_is_escaped_in_text_output(tmp_path: Path, name: str) -> None:
    root = write_tree(tmp_path / "repo", {"app/__init__.py": "", name: "import app.gone\n"})
    for command in ("scan", "check"):
        run = run_cli(command, root, "--no-cache")
        no_crash(run, 0, 1)
        assert name.lstrip(":") in run.stdout, run.stdout  # the finding is there ...
        assert not any(line.lstrip().startswith("::") for line in run.stdout.splitlines()), run.stdout  # ... inert
    fix = run_cli("fix", root, "--no-cache", "--dry-run")
    assert not any(line.lstrip().startswith("::") for line in fix.stdout.splitlines()), fix.stdout


# --- 12. discover's tables do not parse markup from the tree ----------------------------------------


def test_rich_markup_in_names_is_printed_not_parsed(tmp_path: Path) -> None:
    body = "".join(f"def f{i}(x):\n    return x + {i}\n\n" for i in range(30))
    root = write_tree(tmp_path / "repo", {
        "app/__init__.py": "",
        "app/handlers.py": body,
        "old[/]/handlers.py": body,  # a copy: its path lands in a table cell
        "[red]styled[/red]/handlers.py": body,
        "app/a.py": "class Engine:\n    pass\n",
        "old[/]/eng.py": "class Engine:\n    pass\n",
    })
    run = run_cli("discover", root, "--no-cache")
    no_crash(run, 0)
    assert "old[/]/handlers.py" in run.stdout, run.stdout
    assert "[red]styled[/red]/handlers.py" in run.stdout, run.stdout


# --- 11. the history file is read like every other tree file, validated and escaped -----------------


HISTORY_LINE = {
    "schema": "archguard-history/1", "date": "2026-01-01T00:00:00+00:00", "commit": "a" * 40,
    "violations": 3, "new_violations": 1, "syntax_errors": 0, "dangling_imports": 2, "shims": 0, "cycles": 0,
}


def run_report_with_history(tmp_path: Path, history: Path) -> subprocess.CompletedProcess[str]:
    root = write_tree(tmp_path / "repo", {"app/__init__.py": "", "app/a.py": "import app.gone\n"})
    # memory capped: a run that reads /dev/zero whole must fail fast, not take the machine's memory
    return run_cli("report", root, "--no-cache", "-q", "--out", tmp_path / "out", "--history", history,
                   timeout=120, preexec_fn=_two_gigabytes)


def _two_gigabytes() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))


@pytest.mark.parametrize("field,value", [
    ("date", "[click me](javascript:alert(1)) <img src=x onerror=alert(1)>"),
    ("commit", "`</td><script>alert(1)</script>"),
])
def test_history_text_is_validated_not_rendered_as_markdown(tmp_path: Path, field: str, value: str) -> None:
    history = tmp_path / "history.jsonl"
    history.write_text(json.dumps({**HISTORY_LINE, field: value}) + "\n")
    run = run_report_with_history(tmp_path, history)
    no_crash(run, 2)
    assert "history.jsonl:1:" in run.stderr and field in run.stderr, run.stderr
    assert "alert" not in run.stderr


def test_history_entry_names_are_escaped_in_markdown(tmp_path: Path) -> None:
    history = tmp_path / "history.jsonl"
    evil = "app.x`|[a](javascript:alert(1))<b>"
    history.write_text(json.dumps({**HISTORY_LINE, "closure_modules": {evil: 3}, "golden_path_problems": {evil: 0}}) + "\n")
    run = run_report_with_history(tmp_path, history)
    no_crash(run, 1)
    markdown = (tmp_path / "out" / "report.md").read_text(encoding="utf-8")
    # rendered as a reader's viewer renders it (CommonMark with GFM tables): shown, not live
    html = MarkdownIt("commonmark").enable("table").render(markdown)
    assert "javascript" in html and 'href="javascript' not in html and "<b>" not in html, html


def test_history_with_a_non_numeric_count_is_exit_2(tmp_path: Path) -> None:
    history = tmp_path / "history.jsonl"
    history.write_text(json.dumps(HISTORY_LINE) + "\n" + json.dumps({**HISTORY_LINE, "violations": "many"}) + "\n")
    run = run_report_with_history(tmp_path, history)
    no_crash(run, 2)
    assert "history.jsonl:2:" in run.stderr and "violations" in run.stderr, run.stderr


def test_history_linked_to_a_device_is_refused_not_read(tmp_path: Path) -> None:
    history = tmp_path / "history.jsonl"
    history.symlink_to("/dev/zero")
    run = run_report_with_history(tmp_path, history)
    no_crash(run, 2)
    assert "MemoryError" not in run.stderr and "not a regular file" in run.stderr, run.stderr
