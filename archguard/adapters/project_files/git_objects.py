"""A commit's files read out of git's object store, with no checkout (``Engine.at_commit``): one
``git ls-tree`` lists the commit's tree under ROOT with each file's blob id, one ``git cat-file
--batch`` process reads every blob asked for. Both go through :func:`safe_git.run_git`, like every
git call (the tree's own configuration runs nothing)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import NamedTuple

from archguard.adapters.project_files.safe_git import run_git
from archguard.domain.errors import ConfigError

BATCH_BYTES = 4_000_000  # blobs read by one ``cat-file --batch`` at most (see blob_batches): the output and its slices are in memory together
_REVISION = re.compile(r"[A-Za-z0-9_./^~@{}:+-]+")
_ENTRY = re.compile(rb"(\d+) (\w+) ([0-9a-f]+)\t(.*)", re.DOTALL)


class TreeEntry(NamedTuple):
    path: str  # relative to ROOT, with "/"
    mode: str  # "100644", "100755", "120000" (a link), "160000" (a submodule)
    blob: str  # the object id (hex); of a link resolved in its commit (app/tree.py), its file's
    # why a checkout would not read the file a link leads to ("symbolic link loop", ...): a link
    # resolved in its commit only (its blob is then empty)
    refused: str = ""


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
    return tree_entries(completed.stdout)


def tree_entries(listed: bytes) -> list[TreeEntry]:
    """The files (blobs: a symbolic link's too) of what ``git ls-tree -r -z`` printed."""
    entries = []
    for raw in listed.split(b"\0"):
        match = _ENTRY.fullmatch(raw)
        if match is None:
            continue
        mode, kind, blob, path = match.groups()
        if kind == b"blob":
            entries.append(TreeEntry(os.fsdecode(path), mode.decode("ascii"), blob.decode("ascii")))
    return entries


def changed_entries(root: Path, old: str, new: str) -> list[tuple[str, TreeEntry | None]] | None:
    """What differs under ROOT between commits ``old`` and ``new``: (path, its entry in ``new``, or
    None when ``new`` has no file there), by one ``git diff-tree`` (a walk through history lists a
    commit's changes, not its ten thousand files). None: git could not say (list the whole tree)."""
    return changes_between(root, [(old, new)])[0]


def changes_between(
    root: Path, pairs: Sequence[tuple[str, str]]
) -> list[list[tuple[str, TreeEntry | None]] | None]:
    """:func:`changed_entries` of each (old, new) pair of commit ids, by one ``git diff-tree
    --stdin`` for them all (a walk through two hundred commits asks git once, not two hundred
    times). None for a pair git could not answer."""
    if not pairs:
        return []
    lines = "".join(f"{new} {old}\n" for old, new in pairs).encode("ascii")
    completed = run_git(
        root,
        ["diff-tree", "--stdin", "--always", "-r", "-z", "--no-renames", "--relative"],
        stdin=lines,
    )
    if completed is None or completed.returncode != 0:
        return [None] * len(pairs)
    answers: list[tuple[str, list[tuple[str, TreeEntry | None]]]] = []  # (commit, its changes), in order
    changes: list[tuple[str, TreeEntry | None]] | None = None
    fields = completed.stdout.split(b"\0")
    at = 0
    while at < len(fields):
        field = fields[at]
        if field.startswith(b":"):  # an entry, then its path
            header = field.split(b" ")
            if changes is None or at + 1 >= len(fields) or len(header) != 5:
                return [None] * len(pairs)
            path = os.fsdecode(fields[at + 1])
            mode, blob = header[1].decode("ascii"), header[3].decode("ascii")
            # a deletion, or what ``ls-tree`` lists as no blob (a submodule: mode 160000; a folder)
            gone = mode == "000000" or mode in ("160000", "040000")
            changes.append((path, None if gone else TreeEntry(path, mode, blob)))
            at += 2
            continue
        commit = field.strip().decode("ascii", "replace")
        if commit:  # the commit id each answer starts with (--always: also when nothing differs)
            changes = []
            answers.append((commit, changes))
        at += 1
    if [commit for commit, _ in answers] != [new for _, new in pairs]:
        return [None] * len(pairs)  # not one answer per pair, in order: ask one pair at a time
    return [found for _, found in answers]


def blob_sizes(root: Path, blobs: Iterable[str]) -> dict[str, int]:
    """blob id -> its size in bytes, by one ``git cat-file --batch-check`` (nothing is read); a
    blob git cannot give is left out."""
    out = _cat_file(root, "--batch-check", blobs)
    sizes = {}
    for line in out.splitlines():
        parts = line.split(b" ")
        if len(parts) == 3 and parts[1] == b"blob":
            sizes[parts[0].decode("ascii")] = int(parts[2])
    return sizes


def blob_batches(sizes: Mapping[str, int], budget: int = BATCH_BYTES) -> Iterator[list[str]]:
    """The blobs of ``sizes`` in groups of at most ``budget`` bytes together (one blob bigger than
    that alone), so that reading a commit's ten thousand files never holds them all at once."""
    batch: list[str] = []
    held = 0
    for blob, size in sizes.items():
        if batch and held + size > budget:
            yield batch
            batch, held = [], 0
        batch.append(blob)
        held += size
    if batch:
        yield batch


def read_blobs(root: Path, blobs: Iterable[str]) -> dict[str, bytes]:
    """blob id -> its bytes, read by one ``git cat-file --batch``; a blob git cannot give is left out."""
    out = _cat_file(root, "--batch", blobs)
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


def _cat_file(root: Path, mode: str, blobs: Iterable[str]) -> bytes:
    """What one ``git cat-file --batch`` (or ``--batch-check``) answers for these object ids (empty
    when there are none, or git cannot answer)."""
    wanted = list(dict.fromkeys(blobs))
    if not wanted:
        return b""
    completed = run_git(root, ["cat-file", mode], stdin=("\n".join(wanted) + "\n").encode("ascii"))
    if completed is None or completed.returncode != 0:
        return b""
    return completed.stdout
