"""What the CI recipes in docs/ci.md rely on: a restored cache makes a fresh checkout warm, a cache
from another archguard version is ignored cleanly, and the GitLab code quality report."""

from __future__ import annotations

import json
import os
import shutil
import struct
from pathlib import Path

import pytest

from archguard.adapters.cache import facts_cache
from tests.helpers import run_cli, write_tree
from tests.functional.test_cli import TREE


def check_json(root: Path, *args: str | Path) -> tuple[dict, str]:
    run = run_cli("check", root, "--json", "-", *args)
    assert run.returncode in (0, 1), run.stderr
    return json.loads(run.stdout), run.stderr


def findings(data: dict) -> list[tuple]:
    return [(v["path"], v["line"], v["code"], v["fingerprint"]) for v in data["violations"]]


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    return write_tree(tmp_path / "repo", TREE)


def fresh_copy(source: Path, destination: Path) -> Path:
    """A new checkout: every file a new inode with a new mtime, as ``git clone`` plus a restored
    cache give (copied without preserving times, then dated an hour later to be sure)."""
    shutil.copytree(source, destination, copy_function=shutil.copy)
    later = os.stat(source / "app" / "chat.py").st_mtime + 3600
    for folder, _, names in os.walk(destination):
        for name in names:
            if name.endswith(".py"):
                os.utime(Path(folder) / name, (later, later))
    return destination


def test_a_fresh_copy_with_the_cache_restored_is_warm(tree: Path, tmp_path: Path) -> None:
    cold, _ = check_json(tree)
    assert cold["summary"]["cache_hits"] == 0
    copy = fresh_copy(tree, tmp_path / "checkout")
    assert os.stat(copy / "app" / "chat.py").st_ino != os.stat(tree / "app" / "chat.py").st_ino

    warm, stderr = check_json(copy)
    assert warm["summary"]["cache_hits"] == warm["summary"]["files"] == cold["summary"]["files"]
    assert findings(warm) == findings(cold) and stderr == ""


def test_the_cache_may_be_restored_into_a_cache_dir_outside_the_tree(tree: Path, tmp_path: Path) -> None:
    cache = tmp_path / "ci-cache"
    cold, _ = check_json(tree, "--cache-dir", cache)
    copy = fresh_copy(tree, tmp_path / "checkout")
    warm, _ = check_json(copy, "--cache-dir", cache)
    assert warm["summary"]["cache_hits"] == warm["summary"]["files"] and findings(warm) == findings(cold)


def test_a_cache_from_another_archguard_version_is_ignored_cleanly(tree: Path) -> None:
    cold, _ = check_json(tree)
    cache = tree / ".archguard_cache"
    facts_files = list(cache.glob("facts-*.bin"))
    results_files = list(cache.glob("results-*.bin"))
    assert facts_files and results_files
    for path in facts_files:  # what an archguard with another facts format writes
        data = bytearray(path.read_bytes())
        struct.pack_into("<I", data, len(facts_cache.MAGIC), facts_cache.FORMAT_VERSION + 1)
        path.write_bytes(bytes(data))
    for path in results_files:  # results derived by another archguard's code: another key
        data = bytearray(path.read_bytes())
        data[8:24] = bytes(16)
        path.write_bytes(bytes(data))

    again, stderr = check_json(tree)
    # cleanly: no traceback, nothing reused, the same findings (at most a one-line notice)
    assert again["summary"]["cache_hits"] == 0 and "Traceback" not in stderr and len(stderr.splitlines()) <= 2
    assert findings(again) == findings(cold)
    warm, _ = check_json(tree)  # and the cache was rewritten by this version
    assert warm["summary"]["cache_hits"] == warm["summary"]["files"]


def test_gitlab_code_quality_report_lists_what_fails_or_warns(tree: Path) -> None:
    baseline = tree / "b.json"
    run_cli("baseline", tree, "--baseline", baseline)
    (tree / "app" / "late.py").write_text("from app.realtime.impl import Manager\n")
    run = run_cli("check", tree, "--baseline", baseline, "--format", "gitlab")
    assert run.returncode == 1
    report = json.loads(run.stdout)
    assert report == [
        {
            "description": report[0]["description"],
            "check_name": "AG101",
            "fingerprint": report[0]["fingerprint"],
            "severity": "major",
            "location": {"path": "app/late.py", "lines": {"begin": 1}},
        }
    ]
    assert "use: from app.realtime.manager import ConnectionManager" in report[0]["description"]
    assert len(report[0]["fingerprint"]) == 16
