"""A cache that arrives with the tree is not trusted; a cache restored by CI from its own store
still makes a fresh checkout warm (docs/security.md, "Cache trust")."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

from archguard.adapters.cache.codec import content_hash
from archguard.adapters.cache.facts_cache import FactsCache, FileStamp
from archguard.domain.facts import FileFacts, ParseOutcome
from tests.helpers import git, run_cli, write_tree

TREE = {
    "app/__init__.py": "",
    "app/realtime/__init__.py": "",
    "app/realtime/impl.py": "class Impl:\n    pass\n",
    "app/realtime/manager.py": "from app.realtime.impl import Impl\n\nManager = Impl\n",
    "app/chat.py": "from app.realtime.impl import Impl\n",  # the violation a forged cache would hide
    "contracts/m.toml": '[[concept]]\nname = "manager"\ncanonical = "app.realtime.manager:Manager"\n',
}


def archguard(*args: str | Path, home: Path, key: str | None = None) -> subprocess.CompletedProcess[str]:
    """archguard as a user with their own cache-key folder (``home``) and, optionally, a CI key."""
    env = {k: v for k, v in os.environ.items() if k != "ARCHGUARD_CACHE_KEY"}
    env["XDG_CACHE_HOME"] = str(home)
    if key is not None:
        env["ARCHGUARD_CACHE_KEY"] = key
    return run_cli(*args, env=env)


def summary(tree: Path, *args: str, home: Path, key: str | None = None) -> tuple[dict, subprocess.CompletedProcess[str]]:
    out = tree.parent / "result.json"
    run = archguard("check", tree, "--json", out, *args, home=home, key=key)
    assert run.returncode in (0, 1), run.stderr
    return json.loads(out.read_text())["summary"], run


def forge_cache(tree: Path, monkeypatch) -> None:
    """What an attacker commits: entries for the real files' content hashes, holding empty facts,
    written with a key of the attacker's own (they cannot know the victim's)."""
    monkeypatch.setenv("ARCHGUARD_CACHE_KEY", "the attacker's own key")
    for target in ((3, 14), (3, 15)):
        cache = FactsCache(tree / ".archguard_cache", target=target)
        data = (tree / "app/chat.py").read_bytes()
        cache.store("app/chat.py", len(data), FileStamp(0, 0, 0), content_hash(data), ParseOutcome(facts=FileFacts()))
        cache.save()


def test_forged_cache_in_the_tree_does_not_hide_violations(tmp_path: Path, monkeypatch) -> None:
    tree = write_tree(tmp_path / "repo", TREE)
    forge_cache(tree, monkeypatch)
    counts, run = summary(tree, home=tmp_path / "victim-home")
    assert counts["violations"] == 1, run.stdout
    assert run.returncode == 1 and "All contracts kept" not in run.stdout
    assert "ignoring the cache" in run.stderr and "not written by this archguard" in run.stderr
    # Rebuilt with the victim's key: the next run is warm and still right.
    counts, run = summary(tree, home=tmp_path / "victim-home")
    assert counts["violations"] == 1 and counts["cache_hits"] == 5
    assert "ignoring the cache" not in run.stderr


@pytest.mark.skipif(shutil.which("git") is None, reason="git not installed")
def test_cache_folder_tracked_by_git_is_ignored(tmp_path: Path) -> None:
    tree = write_tree(tmp_path / "repo", TREE)
    home = tmp_path / "home"
    summary(tree, home=home)  # a genuine cache, even signed with this user's key...
    git(tree, "init", "-q")
    git(tree, "add", "-f", ".")  # ...but committed with the tree
    git(tree, "commit", "-qm", "init")
    counts, run = summary(tree, home=home)
    assert counts["cache_hits"] == 0
    assert "git tracks files in it" in run.stderr
    assert counts["violations"] == 1


def test_ci_recipe_restored_cache_with_the_shared_key_is_warm(tmp_path: Path) -> None:
    """CI: job 1 runs on a checkout and saves .archguard_cache to the CI store; job 2 gets a fresh
    checkout (new inodes, mtimes), restores the folder, and runs with the same ARCHGUARD_CACHE_KEY
    (a CI secret) on another runner (another home)."""
    first = write_tree(tmp_path / "job1" / "repo", TREE)
    summary(first, home=tmp_path / "runner1", key="ci-secret")
    fresh = write_tree(tmp_path / "job2" / "repo", TREE)
    shutil.copytree(first / ".archguard_cache", fresh / ".archguard_cache")
    counts, run = summary(fresh, home=tmp_path / "runner2", key="ci-secret")
    assert counts["cache_hits"] == counts["files"] == 5
    assert "ignoring the cache" not in run.stderr
    # Without the key (or with another), the restored cache is not trusted: notice, cold, correct.
    shutil.rmtree(fresh / ".archguard_cache")
    shutil.copytree(first / ".archguard_cache", fresh / ".archguard_cache")
    counts, run = summary(fresh, home=tmp_path / "runner3", key="another")
    assert counts["cache_hits"] == 0 and counts["violations"] == 1
    assert "ignoring the cache" in run.stderr


def test_ci_recipe_caching_the_key_file_too_is_warm(tmp_path: Path) -> None:
    """The other recipe: cache $XDG_CACHE_HOME/archguard (the key file) beside .archguard_cache."""
    first = write_tree(tmp_path / "job1" / "repo", TREE)
    summary(first, home=tmp_path / "runner1")
    key_file = tmp_path / "runner1" / "archguard" / "cache-key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600 and len(key_file.read_bytes()) == 32
    fresh = write_tree(tmp_path / "job2" / "repo", TREE)
    shutil.copytree(first / ".archguard_cache", fresh / ".archguard_cache")
    shutil.copytree(tmp_path / "runner1" / "archguard", tmp_path / "runner2" / "archguard")
    counts, _ = summary(fresh, home=tmp_path / "runner2")
    assert counts["cache_hits"] == 5


def test_planted_cache_file_that_is_a_device_or_fifo_is_a_miss_not_a_hang(tmp_path: Path) -> None:
    tree = write_tree(tmp_path / "repo", TREE)
    cache = tree / ".archguard_cache"
    cache.mkdir()
    for version in ("14", "15"):
        (cache / f"facts-py3{version}.bin").symlink_to("/dev/zero")
    os.mkfifo(cache / "results-scan.bin")
    os.mkfifo(cache / "results-check.bin")
    counts, run = summary(tree, home=tmp_path / "home")
    assert counts["violations"] == 1 and counts["cache_hits"] == 0


def test_planted_gitignore_symlink_in_the_cache_is_not_written_through(tmp_path: Path) -> None:
    tree = write_tree(tmp_path / "repo", TREE)
    victim = tmp_path / "victim"
    (tree / ".archguard_cache").mkdir()
    (tree / ".archguard_cache" / ".gitignore").symlink_to(victim)  # dangling: "does not exist"
    counts, _ = summary(tree, home=tmp_path / "home")
    assert counts["violations"] == 1
    assert not victim.exists()
    assert list((tree / ".archguard_cache").glob("facts-*.bin"))  # the cache itself was written


def test_concurrent_first_runs_agree_on_one_key(tmp_path: Path, monkeypatch) -> None:
    """Parallel jobs on a fresh runner make the key at the same moment: all must end up with the
    same complete key (a half-written one would make each run distrust the others' cache)."""
    from concurrent.futures import ThreadPoolExecutor

    from archguard.adapters.cache.cache_key import cache_key

    monkeypatch.delenv("ARCHGUARD_CACHE_KEY", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    with ThreadPoolExecutor(8) as pool:
        keys = set(pool.map(lambda _: cache_key(), range(32)))
    assert len(keys) == 1 and len(next(iter(keys))) == 32
    assert sorted(p.name for p in (tmp_path / "archguard").iterdir()) == ["cache-key"]
