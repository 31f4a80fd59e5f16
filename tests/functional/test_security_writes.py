"""Every write goes through one guard (docs/security.md, "Writes replace only what archguard
owns"): the tree cannot redirect a report, a diagram, a draft or ``init``'s files through a
symbolic link out of ROOT, nor make archguard write under ``.git/``."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.helpers import run_cli, write_tree
from tests.functional.test_discover import DRIFTED

TREE = {
    "app/__init__.py": "",
    "app/a.py": "import app.b\n",
    "app/b.py": "import app.gone\n",
}
needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")




def outside_folder(tmp_path: Path) -> Path:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "victim.svg").write_text("precious\n")
    return outside


def untouched(outside: Path) -> bool:
    return sorted(p.name for p in outside.iterdir()) == ["victim.svg"] and (outside / "victim.svg").read_text() == "precious\n"


# --- 4. report and graph outputs never go through a link ------------------------------------------


@needs_dot
def test_report_never_writes_through_a_committed_graph_link(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "repo", TREE)
    outside = outside_folder(tmp_path)
    graphs = root / "reports" / "graphs"
    graphs.mkdir(parents=True)
    (graphs / "overview.svg").symlink_to(outside / "victim.svg")
    (graphs / "overview.png").symlink_to("/dev/zero")
    (graphs / "overview.dot").symlink_to("/dev/zero")
    run = run_cli("report", ".", "--no-cache", "-q", cwd=root)
    assert "Traceback" not in run.stderr and "MemoryError" not in run.stderr, run.stderr
    assert run.returncode in (0, 1), run.stderr  # the report is written; the diagram is refused
    assert "symbolic link" in run.stderr
    assert untouched(outside)
    assert (graphs / "overview.svg").is_symlink() and (graphs / "overview.dot").is_symlink()
    assert (root / "reports" / "report.json").is_file()


def test_report_folder_linked_out_of_root_is_refused(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "repo", TREE)
    outside = outside_folder(tmp_path)
    (root / "reports").symlink_to(outside)
    run = run_cli("report", ".", "--no-cache", "-q", cwd=root)
    assert run.returncode == 2, run.stdout + run.stderr
    assert "Traceback" not in run.stderr and "leads out of ROOT" in run.stderr, run.stderr
    assert untouched(outside)


@needs_dot
@pytest.mark.parametrize("name", ["out.svg", "out.png", "out.dot"])
def test_graph_never_writes_through_a_link(tmp_path: Path, name: str) -> None:
    root = write_tree(tmp_path / "repo", TREE)
    outside = outside_folder(tmp_path)
    (root / name).symlink_to(outside / "victim.svg")
    run = run_cli("graph", ".", "--no-cache", "-q", "--out", name, cwd=root)
    assert run.returncode == 2, run.stdout + run.stderr
    assert "Traceback" not in run.stderr and "symbolic link" in run.stderr, run.stderr
    assert untouched(outside)
    (root / "diagrams").symlink_to(outside)  # a folder on the way, linked out of ROOT
    run = run_cli("graph", ".", "--no-cache", "-q", "--out", f"diagrams/{name}", cwd=root)
    assert run.returncode == 2 and "leads out of ROOT" in run.stderr, run.stdout + run.stderr
    assert untouched(outside)


# --- 8. init and discover never create files through a committed link ------------------------------


@pytest.mark.parametrize("command", [["init"], ["discover", "--write-contracts", "contracts"]])
def test_drafts_never_go_through_a_contracts_link_out_of_root(tmp_path: Path, command: list[str]) -> None:
    root = write_tree(tmp_path / "repo", DRIFTED)
    outside = outside_folder(tmp_path)
    (root / "contracts").symlink_to(outside)
    run = run_cli(command[0], ".", "--no-cache", "-q", *command[1:], cwd=root)
    assert "Traceback" not in run.stderr, run.stderr
    assert run.returncode == 2, run.stdout + run.stderr
    assert "leads out of ROOT" in run.stderr or "outside ROOT" in run.stderr, run.stderr
    assert untouched(outside)


# --- 10. nothing is ever written under .git/ ----------------------------------------------------------


@pytest.mark.parametrize("setting", [
    'json = ".git/config"', 'json = ".git/HEAD"', 'json = ".git/index"',
    'baseline = ".git/hooks/pre-commit"', 'cache_dir = ".git/archguard"',
])
def test_nothing_is_written_under_dot_git(tmp_path: Path, setting: str) -> None:
    root = write_tree(tmp_path / "repo", TREE)
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    (root / ".git" / "hooks").mkdir(exist_ok=True)
    (root / "pyproject.toml").write_text(f"[tool.archguard]\n{setting}\n")
    before = {p: p.read_bytes() for p in (root / ".git").rglob("*") if p.is_file()}
    command = "baseline" if setting.startswith("baseline") else "check"
    run = run_cli(command, ".", *([] if setting.startswith("cache_dir") else ["--no-cache"]), cwd=root)
    assert "Traceback" not in run.stderr, run.stderr
    assert run.returncode == 2, run.stdout + run.stderr
    assert ".git" in run.stderr, run.stderr
    assert {p: p.read_bytes() for p in (root / ".git").rglob("*") if p.is_file()} == before


def test_command_line_output_under_dot_git_is_refused_too(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "repo", TREE)
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    config = (root / ".git" / "config").read_bytes()
    run = run_cli("scan", ".", "--no-cache", "--json", ".git/config", cwd=root)
    assert run.returncode == 2 and ".git" in run.stderr, run.stdout + run.stderr
    assert (root / ".git" / "config").read_bytes() == config
