"""A commit's files read out of git's object store, with no checkout (``Engine.at_commit``): one
``git ls-tree`` lists the commit's tree under ROOT with each file's blob id, one ``git cat-file
--batch`` process reads every blob asked for. Both go through :func:`safe_git.run_git`, like every
git call (the tree's own configuration runs nothing)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from pathlib import Path
from typing import NamedTuple

from archguard.adapters.project_files.safe_git import run_git
from archguard.domain.errors import ConfigError

_REVISION = re.compile(r"[A-Za-z0-9_./^~@{}:+-]+")
_ENTRY = re.compile(rb"(\d+) (\w+) ([0-9a-f]+)\t(.*)", re.DOTALL)


class TreeEntry(NamedTuple):
    path: str  # relative to ROOT, with "/"
    mode: str  # "100644", "100755", "120000" (a link), "160000" (a submodule)
    blob: str  # the object id (hex)


def resolve_commit(root: Path, revision: str) -> str:
    """The commit id ``revision`` names in ROOT's repository; ConfigError when it names none."""
    if not _REVISION.fullmatch(revision) or revision.startswith("-"):
        raise ConfigError(f"not a revision: {revision!r}")
    completed = run_git(
        root, ["rev-parse", "--verify", "--quiet", "--end-of-options", f"{revision}^{{commit}}"]
    )
    if completed is None or completed.returncode != 0:
        raise ConfigError(f"no commit {revision!r} in the git repository at {root}")
    return completed.stdout.decode("ascii").strip()


def commit_tree(root: Path, commit: str) -> list[TreeEntry]:
    """Every file of ``commit`` under ROOT (paths relative to ROOT), in git's order."""
    completed = run_git(root, ["ls-tree", "-r", "-z", "--end-of-options", commit, "--", "."])
    if completed is None or completed.returncode != 0:
        raise ConfigError(f"cannot list commit {commit} at {root}")
    entries = []
    for raw in completed.stdout.split(b"\0"):
        match = _ENTRY.fullmatch(raw)
        if match is None:
            continue
        mode, kind, blob, path = match.groups()
        if kind == b"blob":
            entries.append(TreeEntry(os.fsdecode(path), mode.decode("ascii"), blob.decode("ascii")))
    return entries


def read_blobs(root: Path, blobs: Iterable[str]) -> dict[str, bytes]:
    """blob id -> its bytes, read by one ``git cat-file --batch``; a blob git cannot give is left out."""
    wanted = list(dict.fromkeys(blobs))
    if not wanted:
        return {}
    completed = run_git(root, ["cat-file", "--batch"], stdin=("\n".join(wanted) + "\n").encode("ascii"))
    if completed is None or completed.returncode != 0:
        return {}
    out = completed.stdout
    found: dict[str, bytes] = {}
    at = 0
    while at < len(out):
        end = out.index(b"\n", at)
        header = out[at:end].split(b" ")
        at = end + 1
        if len(header) != 3:  # "<id> missing"
            continue
        size = int(header[2])
        found[header[0].decode("ascii")] = out[at : at + size]
        at += size + 1  # the newline after the content
    return found
