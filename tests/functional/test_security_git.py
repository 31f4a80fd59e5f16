"""A hostile repository's own git configuration runs nothing when archguard calls git
(docs/security.md, "git without the tree's config").

Each test plants one setting that makes git run a program, checks with plain git that the plant is
live (the marker file appears), then runs archguard's git path and asserts the marker never does."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from archguard.adapters.discovery import discover
from archguard.adapters.project_files.safe_git import run_git
from tests.helpers import git, run_cli, write_tree

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git not installed")


def make_repo(tmp_path: Path) -> tuple[Path, Path, Path]:
    """(repo, evil program, marker it writes): a committed repository, one file then edited."""
    repo = write_tree(tmp_path / "repo", {"app/__init__.py": "", "app/a.py": "import app\n"})
    marker = tmp_path / "ran"
    evil = tmp_path / "evil.sh"
    evil.write_text(f"#!/bin/sh\necho \"$0 $*\" >> {marker}\ncat\n")
    evil.chmod(0o755)
    git(repo, "init", "-q")
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "init")
    (repo / "app/a.py").write_text("import app\nX = 1\n")  # a modified file: diffs and filters run
    return repo, evil, marker


def plant(repo: Path, *settings: tuple[str, str], attributes: str = "") -> None:
    for key, value in settings:
        subprocess.run(["git", "-C", str(repo), "config", key, value], check=True)
    if attributes:
        (repo / ".gitattributes").write_text(attributes)


# setting(s) planted, the git command that obeys it when run plainly
PLANTS = {
    "fsmonitor": (lambda evil: [("core.fsmonitor", str(evil))], "", ["ls-files", "--others"]),
    "hooks": (lambda evil: [("core.hooksPath", str(evil.parent / "hooks"))], "", ["status"]),
    "filter": (
        lambda evil: [("filter.x.clean", str(evil)), ("filter.x.smudge", str(evil)), ("filter.x.required", "true")],
        "*.py filter=x\n", ["diff", "--stat"],
    ),
    "external diff": (lambda evil: [("diff.external", str(evil))], "", ["diff"]),
    "diff driver": (lambda evil: [("diff.x.command", str(evil))], "*.py diff=x\n", ["diff"]),
    "textconv": (lambda evil: [("diff.x.textconv", str(evil))], "*.py diff=x\n", ["diff", "--text", "HEAD"]),
    "pager": (lambda evil: [("core.pager", str(evil)), ("pager.ls-files", str(evil))], "", ["ls-files"]),
    "credential helper": (lambda evil: [("credential.helper", f"!{evil}")], "", ["credential", "fill"]),
}


@pytest.mark.parametrize("name", PLANTS)
def test_planted_git_setting_runs_nothing(tmp_path: Path, name: str) -> None:
    repo, evil, marker = make_repo(tmp_path)
    settings, attributes, command = PLANTS[name]
    if name == "hooks":
        hooks = evil.parent / "hooks"
        hooks.mkdir()
        for hook in ("post-index-change", "pre-commit", "post-checkout", "reference-transaction"):
            shutil.copy(evil, hooks / hook)
        # `git status` writes the index (and so runs post-index-change) only when it refreshes a
        # stat entry: an unchanged file with a new mtime makes that certain, whatever the timing.
        init = repo / "app/__init__.py"
        os.utime(init, (init.stat().st_atime + 10, init.stat().st_mtime + 10))
    plant(repo, *settings(evil), attributes=attributes)
    stdin = "protocol=https\nhost=example.com\n\n" if name == "credential helper" else ""

    # The plant is live: plain git runs the program (the pager only runs on a terminal).
    if name != "pager":
        subprocess.run(["git", "-C", str(repo), *command], input=stdin, capture_output=True, text=True, timeout=30)
        assert marker.exists(), f"{name}: the planted setting did not run under plain git"
        marker.unlink()

    # archguard's git runs nothing: the same command through run_git, and a whole scan.
    run_git(repo, command)
    found = discover(repo)
    assert [f.path for f in found.files] == ["app/__init__.py", "app/a.py"]
    cli = run_cli("scan", repo, "--no-cache", "-q")
    assert cli.returncode == 0, cli.stderr
    assert not marker.exists(), f"{name}: archguard's git call ran {marker.read_text()}"


def test_repository_config_included_from_elsewhere_is_neutralised_too(tmp_path: Path) -> None:
    repo, evil, marker = make_repo(tmp_path)
    included = tmp_path / "extra.cfg"
    included.write_text(f"[filter \"y\"]\n\tclean = {evil}\n")
    plant(repo, ("include.path", str(included)), attributes="*.py filter=y\n")
    run_git(repo, ["diff", "--stat"])
    assert not marker.exists()


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to give the repository to another user")
def test_repository_owned_by_another_user_is_walked_not_trusted(tmp_path: Path) -> None:
    """git's safe.directory check stays on: archguard never adds an exception, so a repository
    someone else owns is listed by walking the tree, and its config is never read."""
    repo, evil, marker = make_repo(tmp_path)
    plant(repo, ("core.fsmonitor", str(evil)))
    (repo / "app/untracked.py").write_text("")
    for folder, _, names in os.walk(repo):
        for path in [folder, *(os.path.join(folder, n) for n in names)]:
            os.lchown(path, 65534, 65534)
    found = discover(repo)
    assert "app/untracked.py" in [f.path for f in found.files]
    assert not marker.exists()


def test_run_git_returns_none_when_git_is_missing(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    assert run_git(tmp_path, ["ls-files"]) is None
    write_tree(tmp_path, {"a.py": ""})
    assert [f.path for f in discover(tmp_path).files] == ["a.py"]
