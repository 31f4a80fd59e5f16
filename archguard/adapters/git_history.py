"""What ``history``, ``diff`` and churn-weighted hotspots ask of git about commits: which commits a
range holds (first parent only), what kind of clone this is (shallow, how deep), which files a
commit holds at a few paths, and how often each file changed in a window (``git log --numstat``).

A commit's files themselves are read by :mod:`archguard.adapters.project_files.git_objects` (the
one blob reader). Every call goes through :func:`safe_git.run_git`: the repository's own
configuration runs nothing (docs/security.md). Revisions come from the user and may come from a
script: one that starts with ``-`` is refused, and ``--end-of-options`` keeps git from reading any
of them as an option.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from archguard.adapters.project_files.git_objects import TreeEntry, resolve_commit, tree_entries
from archguard.adapters.project_files.safe_git import run_git
from archguard.domain.errors import ConfigError

HISTORY_TIMEOUT_S = 600  # a log over a long history of a big repository
_SPLIT = re.compile(r"\.\.\.?")
_FIELD = "\x1f"  # between a commit's fields in ``git log --format`` (never in a subject: git folds)


class CommitInfo(NamedTuple):
    sha: str
    date: str  # committer date, ISO 8601 strict
    subject: str
    parents: tuple[str, ...]

    @property
    def is_merge(self) -> bool:
        return len(self.parents) > 1

    @property
    def is_root(self) -> bool:
        return not self.parents


@dataclass(frozen=True)
class Clone:
    """What kind of clone the repository is: shallow or whole, and how deep."""

    shallow: bool
    depth: int  # first-parent commits reachable from HEAD in this clone
    boundary: tuple[str, ...] = ()  # commits whose parents this clone lacks (.git/shallow)

    def describe(self) -> str:
        if not self.shallow:
            return f"a full clone ({self.depth} first-parent commits from HEAD)"
        cut = ", ".join(sha[:10] for sha in self.boundary[:3]) + (" ..." if len(self.boundary) > 3 else "")
        return (
            f"a shallow clone {self.depth} first-parent commits deep (history cut at {cut}); "
            "`git fetch --unshallow` would bring every older commit"
        )


@dataclass
class CommitRange:
    """The first-parent commits of a range, oldest first, and what is worth saying about them."""

    revs: str
    commits: list[CommitInfo]
    clone: Clone
    notes: list[str] = field(default_factory=list)


def _git(root: Path, args: list[str], timeout: float = HISTORY_TIMEOUT_S) -> bytes | None:
    completed = run_git(root, args, timeout=timeout)
    if completed is None or completed.returncode != 0:
        return None
    return completed.stdout


def check_revision(revision: str, what: str = "revision") -> str:
    """``revision`` as given, unless git could read it as an option or it holds no revision."""
    if not revision or revision.startswith("-") or any(c.isspace() or c == "\0" for c in revision):
        raise ConfigError(f"not a {what}: {revision!r}")
    return revision


def require_repository(root: Path) -> None:
    if _git(root, ["rev-parse", "--git-dir"], 60) is None:
        raise ConfigError(
            f"{root} is not in a git repository (or git is missing); history and diff read git's objects"
        )
    if _git(root, ["rev-parse", "--verify", "--quiet", "HEAD^{commit}"], 60) is None:
        raise ConfigError(f"the git repository at {root} has no commit yet")


def clone_kind(root: Path, *, count: bool = True) -> Clone:
    """``count``: count a full clone's first-parent commits too (a walk over a long history: a
    few tenths of a second; diff names only a shallow clone's depth, always counted)."""
    shallow = (_git(root, ["rev-parse", "--is-shallow-repository"], 60) or b"").strip() == b"true"
    depth = 0
    if count or shallow:
        depth = int((_git(root, ["rev-list", "--first-parent", "--count", "HEAD"]) or b"0").strip() or 0)
    boundary: tuple[str, ...] = ()
    if shallow:
        listed = _git(root, ["rev-parse", "--git-path", "shallow"], 60)
        if listed:
            path = Path(os.fsdecode(listed.strip()))
            path = path if path.is_absolute() else root / path
            try:
                boundary = tuple(path.read_text(encoding="ascii").split())
            except (OSError, UnicodeDecodeError):
                boundary = ()
    return Clone(shallow, depth, boundary)


def resolve(root: Path, revision: str, clone: Clone | None = None) -> str:
    """The commit REV names, or ConfigError naming it (and the shallow depth when that is why)."""
    check_revision(revision)
    try:
        return resolve_commit(root, revision)
    except ConfigError:  # say why git may not know it (a shallow clone's depth)
        raise ConfigError(_unknown(revision, clone or clone_kind(root))) from None


def _unknown(revision: str, clone: Clone) -> str:
    message = f"git does not know the revision {revision!r}"
    if clone.shallow:
        message += f" here: this is {clone.describe()}"
    return message


def first_parent_commits(
    root: Path, revs: str | None, *, since: str | None = None, max_count: int | None = None
) -> CommitRange:
    """The first-parent commits of ``revs`` (git's range syntax; None: HEAD), newest ``max_count``
    of them, oldest first. Unknown revisions, empty ranges, shallow boundaries, root commits and
    merges are named, never a traceback."""
    require_repository(root)
    clone = clone_kind(root)
    spec = revs or "HEAD"
    check_revision(spec, "revision range")
    for side in _SPLIT.split(spec.lstrip("^")):
        if side:
            resolve(root, side, clone)
    args = ["log", "--first-parent", "-z", f"--format=%H{_FIELD}%cI{_FIELD}%P{_FIELD}%s"]
    if since:
        args.append(f"--since={since}")
    if max_count is not None:
        args.append(f"--max-count={max_count}")
    out = _git(root, [*args, "--end-of-options", spec, "--"])
    if out is None:
        raise ConfigError(f"git could not list the commits of {spec!r}")
    commits = []
    for record in out.split(b"\0"):
        if not record.strip():
            continue
        sha, date, parents, subject = record.decode("utf-8", "replace").strip("\n").split(_FIELD, 3)
        commits.append(CommitInfo(sha, date, subject, tuple(parents.split())))
    commits.reverse()
    walk = CommitRange(spec, commits, clone)
    if not commits:
        walk.notes.append(f"the range {spec!r} holds no commit" + (f" since {since}" if since else ""))
        return walk
    roots = [c for c in commits if c.is_root]
    for commit in roots:
        if commit.sha in clone.boundary:
            walk.notes.append(
                f"the range reaches the edge of {clone.describe()}: {commit.sha[:10]} is the oldest commit here"
            )
        else:
            walk.notes.append(
                f"the range crosses the root commit {commit.sha[:10]} ({commit.subject[:60]!r}): "
                "its row is the repository's first state"
            )
    merges = sum(c.is_merge for c in commits)
    if merges:
        walk.notes.append(
            f"{merges} merge commit{'s' if merges != 1 else ''}: each row is the tree after the merge "
            "(first parents only; the merged branches' own commits are not rows)"
        )
    return walk


def files_at(root: Path, commit: str, paths: list[str]) -> dict[str, TreeEntry]:
    """path (relative to ROOT) -> entry (mode, blob id) of every file of ``commit`` at or under
    ``paths`` (a symbolic link too: mode 120000, its blob its target)."""
    if not paths:
        return {}
    out = _git(
        root, ["ls-tree", "-r", "-z", "--end-of-options", commit, "--", *(f":(literal){p}" for p in paths)]
    )
    return {entry.path: entry for entry in tree_entries(out or b"")}


def submodules_at(root: Path, commit: str) -> list[str]:
    """Paths of the submodules (gitlinks) ``commit`` holds under ROOT: other repositories, not read."""
    out = _git(root, ["ls-tree", "-r", "-z", "--end-of-options", commit, "--", "."])
    return [
        os.fsdecode(raw.partition(b"\t")[2])
        for raw in (out or b"").split(b"\0")
        if raw.startswith(b"160000 ")
    ]


@dataclass(frozen=True)
class Churn:
    """How often each file changed in a window: commits that touched it, lines added + deleted."""

    since: str
    commits: dict[str, int]
    lines: dict[str, int]


def churn(root: Path, since: str) -> Churn | None:
    """One ``git log --numstat`` pass over the commits since ``since`` (any date git reads: an ISO
    date, "90 days ago"); paths relative to ROOT. None when ROOT is not in a repository. A renamed
    file's changes count under its new path; binary files count commits, not lines."""
    out = _git(
        root,
        [
            "log",
            "--no-merges",
            f"--since={since}",
            "--numstat",
            "-z",
            "--format=%x00",
            "--relative",
            "--",
            ".",
        ],
    )
    if out is None:
        return None
    commits: dict[str, int] = {}
    lines: dict[str, int] = {}
    records = iter(out.split(b"\0"))
    for record in records:
        # numstat -z: "added\tdeleted\tpath"; a rename: "added\tdeleted\t", then old, then new
        parts = record.strip(b"\n").split(b"\t")
        if len(parts) != 3:
            continue
        name = parts[2]
        if not name:
            next(records, None)  # the old path
            name = next(records, b"")
        if not name:
            continue
        path = os.fsdecode(name)
        commits[path] = commits.get(path, 0) + 1
        if parts[0].isdigit() and parts[1].isdigit():
            lines[path] = lines.get(path, 0) + int(parts[0]) + int(parts[1])
    return Churn(since, commits, lines)


def churn_window(root: Path, since: str) -> bytes | None:
    """The ids of the commits :func:`churn` counts for ``since``, asked of git without comparing a
    file's content (the same ids: the same churn); None when ROOT is not in a repository (or it has
    no commit)."""
    return _git(root, ["rev-list", "--no-merges", f"--since={since}", "HEAD", "--", "."])


def working_tree_is_head(root: Path) -> bool | None:
    """Does the working tree under ROOT hold HEAD's files, as far as discovery lists them and the
    scan reads them? False when git lists one of them modified, deleted or untracked (a ``.py``,
    ``.pyi``, compiled module, ``pyproject.toml``, Pants marker or requirements file) or the index
    stages one; True when, besides, git compares every entry with its file (no assume-unchanged or
    skip-worktree entry, no link named as a module, no conversion between a file and its blob such
    as ``.gitattributes`` may ask for); None: git lists none, but cannot vouch that each file's
    bytes are its blob's. Other files (a report written into the tree, an edited README) change
    nothing the analysis reads from the tree's files."""
    from archguard.adapters.discovery import MODULE_SUFFIXES
    from archguard.adapters.project_files.git_listing import list_git_files
    from archguard.adapters.project_files.workspace_config import (
        PYPROJECT,
        is_requirements_file,
        pants_settings,
    )

    listing = list_git_files(root)
    if listing is None:
        return False
    staged = _git(root, ["diff-index", "--cached", "--name-only", "-z", "--relative", "HEAD", "--"], 60)
    if staged is None:
        return False
    markers = {PYPROJECT, *pants_settings(root).marker_filenames}
    differing = [*listing.changed, *listing.untracked, *(os.fsdecode(p) for p in staged.split(b"\0") if p)]
    for path in differing:
        name = path.rpartition("/")[2]
        if name.endswith(MODULE_SUFFIXES) or name in markers or is_requirements_file(name):
            return False
    return True if listing.settled else None


def renames(root: Path, base: str, head: str | None) -> dict[str, str]:
    """old path -> new path (relative to ROOT) of the files git finds renamed or moved between
    ``base`` and ``head`` (None: the working tree and index)."""
    args = ["diff", "--name-status", "-z", "-M", "--relative", "--end-of-options", base]
    out = _git(root, [*args, *([head] if head else []), "--"])
    found: dict[str, str] = {}
    tokens = iter((out or b"").split(b"\0"))
    for status in tokens:
        if status.startswith(b"R"):
            old, new = next(tokens, b""), next(tokens, b"")
            if old and new:
                found[os.fsdecode(old)] = os.fsdecode(new)
        elif status[:1] in (b"C",):
            next(tokens, None)
            next(tokens, None)
        elif status:
            next(tokens, None)
    return found
