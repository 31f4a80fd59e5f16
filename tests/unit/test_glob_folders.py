"""A commit's workspace ``members`` globs (``history --config-at-commit``) match its folders as
``glob.glob(recursive=True, include_hidden=True)`` matches a checkout's (workspace_config reads
the working tree so): the same folders for every pattern, hidden folders and ``**`` included."""

from __future__ import annotations

import glob
from pathlib import Path

import pytest

from archguard.adapters.discovery import glob_folders, lexically_inside

FOLDERS = [
    "packages",
    "packages/a",
    "packages/a/src",
    "packages/a/src/a",
    "packages/.hidden",
    "packages/b.c",
    "libs",
    "libs/x",
    "libs/x/y",
    "libs/x/y/z",
    "apps",
    "apps/web-1",
    "apps/web-2",
    ".tools",
    ".tools/lint",
]
PATTERNS = [
    "packages/*",
    "packages/*/src/*",
    "libs/**",
    "libs/**/z",
    "**/src",
    "**",
    "*",
    "apps/web-[12]",
    "apps/web-?",
    "packages/[!a]*",
    ".tools/*",
    "*/x/*",
    "packages/*.c",
    "./packages/*",
    "packages/*/",
]


@pytest.mark.parametrize("pattern", PATTERNS)
def test_globs_match_the_folders_glob_matches_on_disk(tmp_path: Path, pattern: str) -> None:
    for folder in FOLDERS:
        (tmp_path / folder).mkdir(parents=True, exist_ok=True)
    (tmp_path / "libs/x/file.txt").write_text("")  # a file glob may match: never a member
    on_disk = {
        match.rstrip("/").removeprefix("./")
        for match in glob.glob(pattern, root_dir=tmp_path, recursive=True, include_hidden=True)
        if (tmp_path / match).is_dir()
    } - {""}
    assert set(glob_folders(FOLDERS, pattern)) == on_disk


def test_paths_outside_root_are_not_inside(tmp_path: Path) -> None:
    assert lexically_inside(tmp_path, "a/../b") == "b"
    assert lexically_inside(tmp_path, ".") == ""
    assert lexically_inside(tmp_path, "../x") is None
    assert lexically_inside(tmp_path, str(tmp_path / "c")) == "c"
    assert lexically_inside(tmp_path, "/elsewhere") is None
