"""The hooks of .pre-commit-hooks.yaml, run by pre-commit itself on a repository the test builds.

pre-commit would install archguard from a git URL into its own virtualenv (network, minutes); the
test declares the very same hooks (entry, types, filenames) as a ``repo: local`` with
``language: system``, so pre-commit runs them with the archguard under test.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.functional.test_changed import BASE
from tests.helpers import GIT_ENV, REPO, git, run_cli, write_tree

HOOKS_FILE = REPO / ".pre-commit-hooks.yaml"
PRE_COMMIT = shutil.which("pre-commit", path=str(Path(sys.executable).parent)) or shutil.which("pre-commit")

pytestmark = pytest.mark.skipif(PRE_COMMIT is None, reason="pre-commit is in the test extra: pip install -e '.[test]'")


def local_config(args: list[str]) -> str:
    hooks = yaml.safe_load(HOOKS_FILE.read_text())
    for hook in hooks:
        hook["language"] = "system"
        hook["args"] = args
    return yaml.safe_dump({"repos": [{"repo": "local", "hooks": hooks}]}, sort_keys=False)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = write_tree(tmp_path / "repo", BASE)
    (root / ".gitignore").write_text(".archguard_cache/\n")
    (root / ".pre-commit-config.yaml").write_text(local_config([]))
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "base")
    return root


def pre_commit(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **GIT_ENV,
        "PRE_COMMIT_HOME": str(repo.parent / "pre-commit-home"),
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    return subprocess.run([PRE_COMMIT, *args], cwd=repo, capture_output=True, text=True, env=env, timeout=300)


def test_hooks_file_declares_a_staged_hook_and_a_full_check() -> None:
    hooks = {hook["id"]: hook for hook in yaml.safe_load(HOOKS_FILE.read_text())}
    assert hooks["archguard-staged"]["entry"].startswith("archguard check --staged")
    assert "--staged" not in hooks["archguard"]["entry"]
    assert all(h["types"] == ["python"] and h["pass_filenames"] is False for h in hooks.values())


def test_staged_hook_passes_a_clean_change_beside_old_debt_and_fails_a_new_violation(repo: Path) -> None:
    (repo / "app" / "clean.py").write_text("from app import Thing\n")
    git(repo, "add", "app/clean.py")
    run = pre_commit(repo, "run", "archguard-staged")
    assert run.returncode == 0, run.stdout + run.stderr  # scripts/old.py dangles, but not by this change

    (repo / "app" / "bad.py").write_text("from app.missing import x\n")
    git(repo, "add", "app/bad.py")
    run = pre_commit(repo, "run", "archguard-staged")
    assert run.returncode == 1
    assert "app/bad.py:1:1: AG201 no module named 'app.missing'" in run.stdout
    assert "scripts/old.py" not in run.stdout


def test_full_hook_fails_on_the_debt_until_it_is_baselined(repo: Path) -> None:
    (repo / "app" / "clean.py").write_text("from app import Thing\n")
    git(repo, "add", "app/clean.py")
    run = pre_commit(repo, "run", "archguard")
    assert run.returncode == 1 and "scripts/old.py:1:1: AG201" in run.stdout

    assert run_cli("baseline", repo, "--baseline", repo / "b.json", "-q").returncode == 0
    (repo / ".pre-commit-config.yaml").write_text(local_config(["--baseline", "b.json"]))
    git(repo, "add", "-A")
    run = pre_commit(repo, "run", "archguard")
    assert run.returncode == 0, run.stdout + run.stderr


def test_installed_hook_blocks_git_commit(repo: Path) -> None:
    assert pre_commit(repo, "install").returncode == 0
    (repo / "app" / "bad.py").write_text("from app.missing import x\n")
    git(repo, "add", "app/bad.py")
    commit = subprocess.run(
        ["git", "-C", str(repo), "commit", "-qm", "bad"], capture_output=True, text=True,
        env={**GIT_ENV, "PRE_COMMIT_HOME": str(repo.parent / "pre-commit-home"),
             "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"},
    )
    assert commit.returncode != 0 and "app/bad.py:1:1: AG201" in commit.stdout + commit.stderr
    assert git(repo, "log", "--oneline").count("\n") == 1  # nothing committed
