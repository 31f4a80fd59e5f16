"""Which files a change touched, asked of git (``check --changed [REV]`` / ``--staged``).

Every git call goes through :func:`archguard.adapters.project_files.safe_git.run_git`, the one
place archguard runs git, so these calls share its safeguards (the tree's own git configuration
runs nothing).
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

from archguard.adapters.project_files.git_listing import GitListing, list_git_files
from archguard.adapters.project_files.safe_git import read_configuration, run_git
from archguard.domain.errors import ConfigError


def _git(root: Path, *args: str) -> bytes | None:
    """git's stdout, or None when it failed (or is missing)."""
    completed = run_git(root, args)
    if completed is None or completed.returncode != 0:
        return None
    return completed.stdout


# Tried in order when no REV is given: the remote's default branch, then the usual local names.
_DEFAULT_BRANCHES = ("main", "master", "origin/main", "origin/master")


def changed_files(
    root: Path, rev: str | None = None, *, staged: bool = False, listing: GitListing | None = None
) -> set[str]:
    """Paths (relative to ROOT, with "/") changed against REV: in the working tree (``staged``:
    in the index) plus, for the working tree, untracked files git does not ignore. A file deleted
    or renamed away counts under its old path too. REV defaults to the merge base of HEAD with
    the default branch (``staged`` without REV: HEAD). ``listing``: git's listing of ROOT made
    already this run (it proves ROOT is in a checkout, and names the untracked files)."""
    if listing is None and _git(root, "rev-parse", "--is-inside-work-tree") is None:
        raise ConfigError(f"--changed/--staged need a git checkout; {root} is not in one (or git is missing)")
    if staged:
        base = _commit(root, rev) if rev else _commit(root, "HEAD", optional=True)
        args = ["diff", "--cached"] + ([base] if base else [])
    else:
        base = _commit(root, rev) if rev else _default_base(root)
        assert base is not None  # _commit raises unless optional=True
        args = ["diff", base]  # the working tree's side from a listing: listing_and_changes
    listed = _paths(_git(root, *args, *_NAMES))
    if not staged and listing is not None:
        listed.update(listing.untracked)
    elif not staged:
        listed |= _paths(_git(root, "ls-files", "-z", "--others", "--exclude-standard"))
    return listed


def listing_and_changes(root: Path, rev: str | None = None) -> tuple[GitListing | None, set[str]]:
    """git's listing of ROOT (:func:`list_git_files`) and the working tree's changes against REV
    (:func:`changed_files`), asked of git at once: the base revision and the index's side of the
    diff (which need no listing) are found in a second thread while git lists the working files,
    so that ``check --changed`` waits for the slower of the two, not for both. The outcome and its
    errors are :func:`changed_files`'s. Call it inside ``configuration_read_once``."""
    read_configuration(root)  # once, before the two threads' calls share it
    index_side: dict[str, object] = {}

    def find_index_side() -> None:
        try:
            base = _commit(root, rev) if rev else _default_base(root)
            assert base is not None  # _commit raises unless optional=True
            index_side["base"] = base
            index_side["staged"] = _paths(_git(root, "diff", "--cached", base, *_NAMES))
        except ConfigError as error:  # raised below, in the caller's thread, if it still matters
            index_side["error"] = error

    thread = threading.Thread(target=find_index_side, name="archguard-git-base", daemon=True)
    thread.start()
    try:
        listing = list_git_files(root)
    finally:
        thread.join()
    if listing is None or not listing.settled or listing.gitlinks or "error" in index_side:
        # not a checkout (its own error), or a listing that cannot stand in for git's diff: the
        # plain way, which raises the base's error again if there was one
        return listing, changed_files(root, rev, listing=listing)
    base, staged = index_side["base"], index_side["staged"]
    assert isinstance(base, str) and isinstance(staged, set)
    return listing, _against_worktree(root, base, listing, staged)


# --no-renames: a rename is a deletion plus an addition, so both paths count. --relative: paths
# relative to ROOT, and only files under it.
_NAMES = ("--name-only", "-z", "--no-renames", "--relative", "--")
_MAX_PATHSPECS = 1000


def _against_worktree(root: Path, base: str, listing: GitListing, staged: set[str]) -> set[str]:
    """What ``git diff BASE`` plus the untracked files list, without a second pass of git over
    every working file: the listing has just compared each with the index. A path differs from
    BASE in the working tree when its index entry differs from BASE (``diff --cached``: trees and
    the index only) and its working file matches the index, or the other way round. Where both
    differ, only the working file's content tells: git is asked about those paths alone.
    ``staged``: the ``diff --cached BASE`` paths."""
    unstaged = set(listing.changed)
    both = staged & unstaged
    if len(both) > _MAX_PATHSPECS:
        listed = _paths(_git(root, "diff", base, *_NAMES))
    else:
        listed = staged | unstaged
        if both:
            pathspecs = [":(literal)" + path for path in sorted(both)]
            listed -= both - _paths(_git(root, "diff", base, *_NAMES, *pathspecs))
    return listed | set(listing.untracked)


def _paths(output: bytes | None) -> set[str]:
    if output is None:
        raise ConfigError("git could not list the changed files")
    return {os.fsdecode(entry) for entry in output.split(b"\0") if entry}


def _commit(root: Path, rev: str, *, optional: bool = False) -> str | None:
    """REV as a commit id; a REV git does not know is a configuration error (exit 2)."""
    if rev.startswith("-"):  # never let a revision be read as a git option
        raise ConfigError(f"--changed: not a revision: {rev!r}")
    output = _git(root, "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}")
    if output is None:
        if optional:  # a repository with no commit yet: everything staged is new
            return None
        raise ConfigError(f"--changed: git does not know the revision {rev!r} in {root}")
    return output.decode("ascii").strip()


def _default_base(root: Path) -> str:
    """The merge base of HEAD with the default branch (origin/HEAD, else main/master)."""
    candidates = []
    remote_head = _git(root, "symbolic-ref", "--quiet", "refs/remotes/origin/HEAD")
    if remote_head:
        candidates.append(remote_head.decode("utf-8", "replace").strip())
    candidates += _DEFAULT_BRANCHES
    for branch in candidates:
        if _commit(root, branch, optional=True) is None:
            continue
        base = _git(root, "merge-base", "HEAD", branch)
        if base:
            return base.decode("ascii").strip()
    raise ConfigError(
        "--changed: cannot find the default branch (no origin/HEAD, main or master); name a revision: --changed REV"
    )
