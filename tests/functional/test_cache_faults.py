"""A damaged cache is detected and rebuilt, with results identical to a run without one.

Every fault is applied to the files a real run left in the cache folder, through the file system
only, as a crash, a full disk, an old archguard or a second run would leave them.
"""

from __future__ import annotations

import json
import os
import struct
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from archguard import app
from tests.helpers import cli_command, comparable_json, concept_tree, write_tree


def _flip_middle_byte(data: bytes) -> bytes:
    middle = len(data) // 2
    return data[:middle] + bytes([data[middle] ^ 0xFF]) + data[middle + 1:]


def _other_format_version(data: bytes) -> bytes:
    """What an older or newer archguard wrote: the same layout under another version number."""
    (version,) = struct.unpack_from("<I", data, 8) if len(data) >= 12 else (0,)
    return data[:8] + struct.pack("<I", version + 1) + data[12:]


FAULTS: dict[str, Callable[[bytes], bytes]] = {
    "flipped byte": _flip_middle_byte,
    "truncated to half": lambda data: data[: len(data) // 2],
    "emptied": lambda data: b"",
    "garbage": lambda data: os.urandom(len(data)),
    "other version": _other_format_version,
    "trailing bytes": lambda data: data + b"\0" * 64,
}


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    root = write_tree(tmp_path_factory.mktemp("faults"), concept_tree(40))
    result = app.run_check(app.Options(root=root, no_cache=True, jobs=1))
    return root, comparable_json(result)


@pytest.mark.parametrize("fault", FAULTS, ids=list(FAULTS))
def test_a_damaged_cache_is_rebuilt_with_identical_results(
    reference: tuple[Path, dict], tmp_path: Path, fault: str
) -> None:
    root, expected = reference
    options = app.Options(root=root, cache_dir=tmp_path / "cache", jobs=1)
    assert comparable_json(app.run_check(options)) == expected  # writes the cache
    cache_files = [p for p in (tmp_path / "cache").rglob("*") if p.is_file() and p.name != ".gitignore"]
    assert cache_files
    for path in cache_files:
        path.write_bytes(FAULTS[fault](path.read_bytes()))

    damaged = app.run_check(options)
    assert comparable_json(damaged) == expected
    if fault == "flipped byte":
        # in the facts cache's entries: each entry's bytes are checked on their own against the
        # signed index, so the damaged one is parsed again and the others still stand
        assert damaged.scan.cache_hits < len(damaged.scan.files)
    else:
        assert damaged.scan.cache_hits == 0  # nothing of the damaged cache was trusted
    rebuilt = app.run_check(options)
    assert comparable_json(rebuilt) == expected
    assert rebuilt.scan.cache_hits == len(rebuilt.scan.files)  # and it was written anew


def test_a_cache_folder_that_is_a_file_is_not_fatal(reference: tuple[Path, dict], tmp_path: Path) -> None:
    root, expected = reference
    (tmp_path / "cache").write_text("not a folder")
    result = app.run_check(app.Options(root=root, cache_dir=tmp_path / "cache", jobs=1))
    assert comparable_json(result) == expected


def test_two_runs_sharing_a_cache_folder_both_succeed(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "tree", concept_tree(260))  # big enough for worker pools
    cache = tmp_path / "shared-cache"
    command = cli_command("check", root, "--cache-dir", cache, "-q", "--jobs", "1", "--json")
    runs = [subprocess.Popen([*command, str(tmp_path / f"run{i}.json")], stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, text=True) for i in range(2)]
    for run in runs:
        _, stderr = run.communicate(timeout=300)
        assert run.returncode == 1, stderr  # the tree has violations: exit 1, not a crash (2 or more)
        assert "Traceback" not in stderr
    cold = comparable_json(app.run_check(app.Options(root=root, jobs=1, no_cache=True)))
    for i in range(2):
        assert comparable_json(json.loads((tmp_path / f"run{i}.json").read_text())) == cold
    assert comparable_json(app.run_check(app.Options(root=root, cache_dir=cache, jobs=1))) == cold
