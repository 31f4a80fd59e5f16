"""CODEOWNERS (issue 26, "Owners"): every violation carries the owners of its file by GitHub's rules
in the JSON result and SARIF, ``baseline --owner-from-codeowners`` writes them, and what GitHub
would not use (a bad line, a file outside ROOT, a FIFO) is skipped with a notice, never a hang."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from archguard.adapters.project_files.codeowners_file import read_codeowners
from archguard.cli import cli
from tests.helpers import write_tree

TREE = {
    "app/__init__.py": "",
    "app/core/__init__.py": "",
    "app/core/manager.py": "class Manager: ...\n",
    "app/core/compat.py": "from app.core.manager import Manager\n",
    "app/api/views.py": "from app.core.compat import Manager\n",
    "app/api/legacy/old.py": "from app.core.compat import Manager\n",
    "scripts/tool.py": "from app.core.compat import Manager\nimport app.gone\n",
    "contracts/manager.toml": '[[concept]]\nname = "manager"\ncanonical = "app.core.manager:Manager"\n',
}
CODEOWNERS = """\
# the last matching pattern wins
*                 @acme/core
/app/api/         @acme/web @dana
app/api/legacy/
scripts/*.py      ops@example.com
"""


def run(*args: str | Path) -> tuple[int, str]:
    result = CliRunner().invoke(cli, [str(a) for a in args])
    return result.exit_code, result.output


def owners_by_path(result: dict) -> dict[str, list[str]]:
    return {v["path"]: v["owners"] for v in result["violations"]}


def test_violations_carry_the_owners_of_the_last_matching_line(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "tree", {**TREE, ".github/CODEOWNERS": CODEOWNERS, "CODEOWNERS": "* @elsewhere\n"})
    code, output = run("check", root, "--no-cache", "--json", tmp_path / "result.json", "--format", "sarif")
    assert code == 1, output
    result = json.loads((tmp_path / "result.json").read_text(encoding="utf-8"))
    assert result["codeowners"] == ".github/CODEOWNERS"  # GitHub's first place wins over ROOT's
    assert owners_by_path(result) == {
        "app/api/views.py": ["@acme/web", "@dana"],
        "app/api/legacy/old.py": [],  # a pattern without owners: nobody
        "scripts/tool.py": ["ops@example.com"],
    }
    sarif = json.loads(output)
    owners = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]: r["properties"]["owners"]
              for r in sarif["runs"][0]["results"] if "owners" in r.get("properties", {})}
    assert owners["app/api/views.py"] == ["@acme/web", "@dana"] and owners["scripts/tool.py"] == ["ops@example.com"]


def test_without_codeowners_owners_are_empty_and_sarif_has_none(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "tree", TREE)
    code, output = run("check", root, "--no-cache", "--json", tmp_path / "result.json", "--format", "sarif")
    result = json.loads((tmp_path / "result.json").read_text(encoding="utf-8"))
    assert result["codeowners"] is None and set(map(tuple, owners_by_path(result).values())) == {()}
    assert all("owners" not in r["properties"] for r in json.loads(output)["runs"][0]["results"])


def test_a_line_github_would_skip_is_skipped_with_a_notice_naming_it(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "tree", {**TREE, "docs/CODEOWNERS": CODEOWNERS + "app/[unclosed @nobody\n"})
    owners, notices = read_codeowners(root)
    assert owners is not None and owners.source == "docs/CODEOWNERS"
    assert notices == ["docs/CODEOWNERS:6: line skipped, as GitHub does: unterminated character class in pattern app/[unclosed"]
    assert owners.owners_of("app/api/views.py") == ("@acme/web", "@dana")
    code, output = run("check", root, "--no-cache")
    assert "Note: docs/CODEOWNERS:6: line skipped" in output


def test_a_codeowners_outside_root_or_not_a_file_is_ignored_without_blocking(tmp_path: Path) -> None:
    secret = tmp_path / "secret"
    secret.write_text("* @leaked\n", encoding="utf-8")
    root = write_tree(tmp_path / "tree", TREE)
    (root / "CODEOWNERS").symlink_to(secret)
    assert read_codeowners(root) == (None, ["CODEOWNERS: ignored: it resolves outside ROOT"])
    (root / "CODEOWNERS").unlink()
    (root / ".github").mkdir()
    os.mkfifo(root / ".github" / "CODEOWNERS")  # a read would block forever
    owners, notices = read_codeowners(root)
    assert owners is None and notices == [".github/CODEOWNERS: ignored: not a regular file (a FIFO)"]


def test_baseline_fills_owner_from_codeowners_and_keeps_owners_people_wrote(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "tree", {**TREE, ".github/CODEOWNERS": CODEOWNERS})
    baseline = tmp_path / "baseline.json"
    code, output = run("baseline", root, "--no-cache", "--baseline", baseline, "--owner-from-codeowners")
    assert code == 0, output
    entries = json.loads(baseline.read_text(encoding="utf-8"))["violations"]
    assert {(e["path"], e.get("owner")) for e in entries} == {
        ("app/api/views.py", "@acme/web @dana"),
        ("app/api/legacy/old.py", None),  # nobody owns it: no owner written
        ("scripts/tool.py", "ops@example.com"),
    }
    # an owner written by people is kept; --owner wins for entries new to the baseline
    document = json.loads(baseline.read_text(encoding="utf-8"))
    for entry in document["violations"]:
        if entry["path"] == "scripts/tool.py":
            entry["owner"] = "@someone-else"
    baseline.write_text(json.dumps(document), encoding="utf-8")
    (root / "app/api/new.py").write_text("from app.core.compat import Manager\n", encoding="utf-8")
    code, output = run("baseline", root, "--no-cache", "--baseline", baseline, "--owner-from-codeowners",
                       "--owner", "@lead")
    entries = json.loads(baseline.read_text(encoding="utf-8"))["violations"]
    owners = {(e["path"], e.get("owner")) for e in entries}
    assert ("scripts/tool.py", "@someone-else") in owners and ("app/api/new.py", "@lead") in owners
    assert ("app/api/views.py", "@acme/web @dana") in owners


def test_owner_from_codeowners_without_a_codeowners_is_exit_2(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "tree", TREE)
    code, output = run("baseline", root, "--no-cache", "--baseline", tmp_path / "b.json", "--owner-from-codeowners")
    assert code == 2 and "--owner-from-codeowners: ROOT has no CODEOWNERS" in output
    assert not (tmp_path / "b.json").exists()


@pytest.mark.parametrize("pattern", ["app/**/views.py", "**/views.py", "views.py", "/app/api/*"])
def test_gitignore_style_patterns_match_as_on_github(tmp_path: Path, pattern: str) -> None:
    root = write_tree(tmp_path / "tree", {"CODEOWNERS": f"* @all\n{pattern} @views\n"})
    owners, _ = read_codeowners(root)
    assert owners is not None
    assert owners.owners_of("app/api/views.py") == ("@views",)
    assert owners.owners_of("app/core/manager.py") == ("@all",)
