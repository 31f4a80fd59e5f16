"""Symbolic links of a commit, resolved as they would be in a checkout of it at ROOT's place.

git stores a link as a blob holding its target path (mode 120000). In a checkout, ``check`` reads
what the link leads to (``safe_io.stat_in_tree``): another file of the tree, or an error of the
system's (a broken link, a loop, a path through a file), or a refusal (a regular file outside ROOT;
a device); and discovery drops a link that leads to a folder (``discovery.exists_as_non_folder``;
a folder link's files are never listed: git records the link, not its files). :class:`LinkResolver`
walks a path component by component as the kernel does (``..`` from where a link led, at most
:data:`MAX_FOLLOWS` links, a trailing ``/`` asking for a folder): inside ROOT the commit's tree
answers, and in the rest of the repository when ROOT is one of its folders (:class:`Surroundings`);
outside it the machine's file system (what a checkout at ROOT's place would meet there).
It answers with the commit's file the path leads to, a folder's real path, or the very ``OSError`` that
``os.stat`` and ``stat_in_tree`` would raise, so the scanner's own words name it
(``parsing/parse_file.os_reason``).
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from archguard.adapters.project_files.safe_io import LeadsOutOfRoot, NotRegularFile
from archguard.domain.sources import folders_of

if TYPE_CHECKING:
    from archguard.adapters.project_files.git_objects import TreeEntry

LINK_MODE = "120000"
MAX_FOLLOWS = 40  # Linux's MAXSYMLINKS: one more link in a lookup is ELOOP


def _error(code: int, path: str) -> OSError:
    """The exception ``os.stat`` raises for ``code`` (its subclass: FileNotFoundError, ...)."""
    return OSError(code, os.strerror(code), path)


class LinkResolver:
    """Where paths of one commit lead. ``root``: ROOT's real path; ``entries``: the commit's files
    under ROOT by path (a link's entry is not read); ``targets``: each link's target text by path;
    ``folders``: every folder of the commit under ROOT (relative, "" excluded), asked for only when
    a path is neither a file nor a link."""

    def __init__(
        self,
        root: str,
        entries: Mapping[str, TreeEntry],
        targets: Mapping[str, str],
        folders: Callable[[], frozenset[str]],
        around: Surroundings | None = None,
    ) -> None:
        self._root = root.rstrip("/") or "/"
        self._inside = self._root + "/" if self._root != "/" else "/"
        self._entries = entries
        self._targets = targets
        self._folders = folders
        self._around = around

    def resolve(self, rel: str) -> TreeEntry | str | OSError:
        """What ``rel`` (a path of the commit, relative to ROOT) leads to, links followed: the
        commit's file under ROOT (its entry), a folder (its real path), or the error a checkout's
        ``stat_in_tree`` raises for it (a file outside ROOT: its real path in ``filename2``)."""
        full = os.path.join(self._root, rel)
        pending = rel.split("/")[::-1]  # components still to walk, the next one last
        at = self._root  # the real path walked so far: always a folder
        follows = 0
        while pending:
            name = pending.pop()
            if name in ("", "."):
                continue
            if name == "..":
                at = os.path.dirname(at)
                continue
            candidate = f"{at}/{name}" if at != "/" else f"/{name}"
            try:
                kind, found = self._lookup(candidate)
            except OSError as error:
                return _error(error.errno or errno.ENOENT, full)
            if kind == "folder":
                at = candidate
                continue
            if kind == "link":
                follows += 1
                if follows > MAX_FOLLOWS:
                    return _error(errno.ELOOP, full)
                target = str(found)
                if not target:
                    return _error(errno.ENOENT, full)
                parts = [part for part in target.split("/") if part]
                if target.endswith("/") and parts:
                    parts.append(".")  # a trailing slash: what it names must be a folder
                if target.startswith("/"):
                    at = "/"
                pending.extend(reversed(parts))
                continue
            if any(part for part in pending):  # a file in the middle of a path
                return _error(errno.ENOTDIR, full)
            if kind == "file":
                return found  # type: ignore[return-value]
            mode = int(found)  # type: ignore[call-overload]
            if stat.S_ISREG(mode):
                refused = LeadsOutOfRoot(full)
                refused.filename2 = candidate  # where it leads
                return refused
            return NotRegularFile(full, mode)
        return at

    def relative(self, path: str) -> str | None:
        """``path`` (a real path :meth:`resolve` gave) relative to ROOT; None: outside ROOT."""
        if path == self._root:
            return ""
        return path[len(self._inside) :] if path.startswith(self._inside) else None

    def _lookup(self, path: str) -> tuple[str, object]:
        """("folder" | "link" | "file" | "other", the link's target / the entry / the mode)."""
        if path.startswith(self._inside):
            rel = path[len(self._inside) :]
            target = self._targets.get(rel)
            if target is not None:
                return "link", target
            entry = self._entries.get(rel)
            if entry is not None:
                return "file", entry
            if rel in self._folders():
                return "folder", None
            raise _error(errno.ENOENT, path)
        if path == self._root:
            return "folder", None
        known = self._around.lookup(path) if self._around is not None else None
        if known is not None:
            return known
        status = os.lstat(path)  # outside ROOT: the machine's, as a checkout here would meet it
        if stat.S_ISLNK(status.st_mode):
            return "link", os.readlink(path)
        if stat.S_ISDIR(status.st_mode):
            return "folder", None
        return "other", status.st_mode


class Surroundings:
    """The rest of the repository when ROOT is one of its folders, as the commit has it (a
    checkout of the commit changes those folders too): listed once, when a link first leads there.
    Outside the repository, and in its ``.git`` folder (there in a checkout too), the machine's."""

    def __init__(self, root: Path, commit: str, top: Callable[[], str | None]) -> None:
        self._root = root
        self._commit = commit
        self._top = top  # the repository's top folder (real path; None: not known), asked when needed
        self._listed: tuple[frozenset[str], dict[str, str], frozenset[str]] | None = None
        self.consulted = False  # a walk met the repository outside ROOT (which the commit may change)

    def lookup(self, path: str) -> tuple[str, object] | None:
        """As :meth:`LinkResolver._lookup` for a path outside ROOT; None: the machine's to say."""
        top = self._top()
        if top is None or not (path + "/").startswith(top + "/"):
            return None
        self.consulted = True
        rel = path[len(top) + 1 :]
        if not rel:
            return "folder", None
        if rel == ".git" or rel.startswith(".git/"):
            return None
        files, targets, folders = self._listing()
        if rel in targets:
            return "link", targets[rel]
        if rel in files:
            return "other", stat.S_IFREG | 0o644
        if rel in folders:
            return "folder", None
        raise _error(errno.ENOENT, path)

    def _listing(self) -> tuple[frozenset[str], dict[str, str], frozenset[str]]:
        if self._listed is None:
            from archguard.adapters.project_files.git_objects import commit_tree

            top = self._top()
            assert top is not None
            entries = commit_tree(Path(top), self._commit)
            links = {e.path: e.blob for e in entries if e.mode == LINK_MODE}
            self._listed = (
                frozenset(e.path for e in entries if e.mode != LINK_MODE),
                link_targets(self._root, links),
                folders_of(e.path for e in entries),
            )
        return self._listed


def link_targets(root: Path, blobs: Mapping[str, str], texts: dict[str, str] | None = None) -> dict[str, str]:
    """path -> target of each link (path -> its blob: the target's path, as bytes), the blobs not
    in ``texts`` (blob -> target, kept from commit to commit) read in one go (and kept there)."""
    from archguard.adapters.project_files.git_objects import read_blobs

    texts = {} if texts is None else texts
    unread = {blob for blob in blobs.values() if blob not in texts}
    if unread:
        texts.update((blob, os.fsdecode(data)) for blob, data in read_blobs(root, unread).items())
    return {path: texts.get(blob, "") for path, blob in blobs.items()}


def repository_top(root: Path) -> str | None:
    """The real path of the top folder of ROOT's repository (ROOT itself when it holds ``.git``,
    without asking git); None: git cannot say."""
    from archguard.adapters.project_files.safe_git import run_git

    if os.path.lexists(os.path.join(root, ".git")):
        return os.path.realpath(root)
    completed = run_git(root, ["rev-parse", "--show-toplevel"])
    if completed is None or completed.returncode != 0 or not completed.stdout.strip():
        return None
    return os.path.realpath(os.fsdecode(completed.stdout.rstrip(b"\n")))


__all__ = ["LINK_MODE", "MAX_FOLLOWS", "LinkResolver", "Surroundings", "link_targets", "repository_top"]
