"""What git knows about a tree's files, from one ``git ls-files`` call: every file git considers part
of the project (tracked, and untracked minus ``.gitignore``), and for each tracked one its index
entry (mode, blob id) and whether the working file still matches it.

Discovery lists files from it (``archguard/adapters/discovery.py``), and a warm start
(``archguard/adapters/warm_start.py``) uses it to tell, without a stat of its own per file, that nothing
changed since the run it recorded: git has just compared every tracked file with its index entry
(by stat, and by content when the stat differs), in C, faster than Python could stat them.

When is git's word taken (:attr:`GitListing.settled`)? Only when "clean" can only mean "these very
bytes": no entry git does not compare (assume-unchanged, skip-worktree), no conflict, and no
conversion between the working file and the blob (no ``.gitattributes`` anywhere, no
``core.autocrlf``, no attributes file in the repository or the user's configuration). Under such a
conversion two different working files (CRLF and LF line ends) can both be "clean" against one
blob. The tree's own settings that weaken git's stat check (``core.checkStat``,
``core.trustctime``) are overridden on the command line. Everything else is decided on disk, as
before (docs/scanning.md, "Warm start").

The command line starts the listing in a thread before it reads its options (:func:`listed_ahead`):
git works while Python loads the rest of archguard.
"""

from __future__ import annotations

import hashlib
import os
import re
import threading
import time
from collections.abc import Iterator, KeysView
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path

from archguard.adapters.project_files.safe_git import run_git

# -v tags (git ls-files): H cached, C modified (or type changed), R removed from the working tree,
# ? untracked; a lower-case tag is an assume-unchanged entry, S skip-worktree, M unmerged.
_CLEAN, _CHANGED, _REMOVED, _UNTRACKED = b"H", b"C", b"R", b"?"
# An entry of a clean plain file (mode 100644 or 100755; not a link, 120000, whose target git does
# not look at), stage 0 (no conflict); blob ids have 40 hex digits, 64 in a SHA-256 repository.
# The one description of the format: the whole listing's parse and clean_entry's look-up of one
# path both read entries with it, and entry_blob_id reads the blob id off what it matched.
_CLEAN_ENTRY = rb"H 100(?:644|755) [0-9a-f]+ 0\t"
_CLEAN_REGULAR = re.compile(_CLEAN_ENTRY)
_CLEAN_REGULAR_STARTS = (b"H 100644 ", b"H 100755 ")  # its start, told in C before any regex
_BLOB_AT = len(b"H 100644 ")
# discovery.MODULE_SUFFIXES, as git prints names
_MODULE_SUFFIXES = (b".py", b".pyi", b".so", b".pyd", b".pyx")
# git's stat check as strict as it goes, whatever the tree's own configuration says.
_STRICT_STAT = ("-c", "core.checkStat=default", "-c", "core.trustctime=true", "-c", "core.ignoreStat=false")
_ATTRIBUTES = ".gitattributes"


class GitListing:
    """One ``git ls-files`` answer. What a warm start checks (the digest, the few files that are
    not clean, :attr:`settled`) is read off at once; the full lists only when asked for."""

    def __init__(self, output: bytes, root: Path, config: dict[str, str], listed_at_ns: int) -> None:
        self._output = output
        # its entries, split once: the warm start's questions (vouches, shape_digest) and the
        # whole parse (_entries) all read them
        self._parts = output.split(b"\0")
        self.listed_at_ns = listed_at_ns  # time.time_ns() just before git looked
        self._asked = 0  # clean_entry's questions answered one by one
        self.digest = hashlib.blake2b(output, digest_size=16).digest()  # the same: same files, same blobs
        self.untracked: list[str] = []  # not ignored
        changed: dict[str, None] = {}  # tracked, and the working file differs from the index or is gone
        settled = True
        self.gitlinks = False  # some entry is another repository (a submodule)
        decode = os.fsdecode
        # Unmerged entries are tagged M, not H: a clean plain file's entry is told by its start.
        for entry in [e for e in self._parts if e and not e.startswith(_CLEAN_REGULAR_STARTS)]:
            tag = entry[:1]
            if tag == _UNTRACKED:
                self.untracked.append(decode(entry[2:]))
                continue
            meta, _, name = entry[2:].partition(b"\t")
            mode = meta.partition(b" ")[0]
            self.gitlinks = self.gitlinks or mode == b"160000"
            if tag in (_CHANGED, _REMOVED):
                changed[decode(name)] = None
            elif tag != _CLEAN or (mode != b"160000" and name.endswith(_MODULE_SUFFIXES)):
                # assume-unchanged, skip-worktree, a conflict: entries git does not compare; a link
                # named as a module: whether it leads to a file or a folder, git does not look
                # (other links, and gitlinks, other repositories, are no module files)
                settled = False
        self.changed = list(changed)
        self.settled = settled and not _conversions_possible(root, self._output, config)

    @classmethod
    def of_tree(cls, root: Path, entries: list[tuple[str, str, str]]) -> GitListing:
        """A commit's files (path, mode, blob id) as if git had listed them clean in a checkout of
        it (``Engine.at_commit``: discovery lists a commit's tree this way)."""
        output = b"".join(
            b"H %s %s 0\t%s\0" % (mode.encode("ascii"), blob.encode("ascii"), os.fsencode(path))
            for path, mode, blob in entries
        )
        return cls(output, root, {}, 0)

    def tracks_under(self, folder: str) -> bool:
        """Does git track any file in FOLDER (relative to ROOT, with "/")?"""
        return re.search(rb"\t" + re.escape(os.fsencode(folder.rstrip("/") + "/")), self._output) is not None

    @cached_property
    def _entries(self) -> tuple[list[str], list[str], dict[str, bytes]]:
        paths: dict[str, None] = {}  # ordered, each path once (a modified file is listed twice)
        tracked: dict[str, None] = {}
        clean: dict[str, bytes] = {}
        decode = os.fsdecode
        for entry in self._parts:
            if len(entry) < 3:
                continue
            if entry[:1] == _UNTRACKED:
                paths[decode(entry[2:])] = None
                continue
            tab = entry.find(b"\t")
            path = decode(entry[tab + 1 :])
            paths[path] = tracked[path] = None
            if _CLEAN_REGULAR.match(entry):
                clean[path] = entry
        for path in self.changed:
            clean.pop(path, None)
        return list(paths), list(tracked), clean

    @cached_property
    def _lines(self) -> frozenset[bytes]:
        return frozenset(self._parts)

    @cached_property
    def _changed(self) -> frozenset[str]:
        return frozenset(self.changed)

    def vouches(self, entry: bytes, path: str) -> bool:
        """Does git vouch for ``path`` with this very entry (:meth:`clean_entry` of an earlier
        listing): the same mode, blob id and path, clean, no conflict? Told without parsing the
        listing (a set of its lines, made in C), so a warm start over ten thousand files costs
        ten thousand lookups, not a parse."""
        return entry in self._lines and path not in self._changed

    def clean_entry(self, path: str) -> bytes | None:
        """git's entry (``H <mode> <blob id> 0\t<path>``) of a tracked plain file the working tree
        holds as the index has it, None for any other path. The whole listing is parsed once the
        first few files were asked for one by one."""
        if "_entries" in self.__dict__ or self._asked > 64:
            return self._entries[2].get(path)
        self._asked += 1
        if path in self._changed:
            return None
        found = re.search(
            rb"(?:^|\0)(" + _CLEAN_ENTRY + re.escape(os.fsencode(path)) + rb")(?:\0|$)", self._output
        )
        return found.group(1) if found is not None else None

    @property
    def paths(self) -> list[str]:
        """Every file git considers part of the project, relative to ROOT, each once."""
        return self._entries[0]

    @property
    def tracked(self) -> list[str]:
        return self._entries[1]

    @property
    def clean(self) -> KeysView[str]:
        """Tracked plain files the working tree still holds as the index has them."""
        return self._entries[2].keys()

    @cached_property
    def shape_digest(self) -> bytes:
        """Which paths git lists and which of them are gone from the working tree, not what they
        hold: the same shape lists the same files (what discovery names), whatever their content.
        Read off the entries' bytes (no decoding, no other field): a warm start asks it on every
        run."""
        lines = self._parts
        # an untracked file's entry is "? path"; the others' path follows the tab ending their fields
        paths = dict.fromkeys([e[2:] if e[:2] == b"? " else e[e.find(b"\t") + 1 :] for e in lines if e])
        removed = sorted(e[e.find(b"\t") + 1 :] for e in lines if e[:1] == _REMOVED)
        digest = hashlib.blake2b(b"\0".join(paths), digest_size=16)
        digest.update(b"\1" + b"\0".join(removed))
        return digest.digest()


def entry_blob_id(entry: bytes) -> str:
    """The blob id (hex) of a clean plain file's entry (:meth:`GitListing.clean_entry`)."""
    return entry[_BLOB_AT:].partition(b" ")[0].decode("ascii")


def list_git_files(root: Path) -> GitListing | None:
    """The listing, or None when ROOT is not in a git checkout (or git is missing, or refuses the
    repository), or git lists nothing under ROOT (ROOT is ignored, or empty). Within
    :func:`listed_ahead` of ROOT, the first call takes the listing started there."""
    ahead = _ahead.pop(os.path.realpath(root), None) if _ahead else None
    if ahead is not None:
        ahead.join()
        if ahead.error is None:
            return ahead.listing
    return _list(root)


class _Ahead(threading.Thread):
    """git's listing of ROOT, made in a thread while the command goes on."""

    def __init__(self, root: Path) -> None:
        super().__init__(name="archguard-git-listing", daemon=True)
        self.root = root
        self.listing: GitListing | None = None
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self.listing = _list(self.root)
        except BaseException as error:  # noqa: BLE001 - the caller lists again, and sees it raised
            self.error = error


_ahead: dict[str, _Ahead] = {}  # real path of ROOT -> its listing under way (listed_ahead)


@contextmanager
def listed_ahead(root: Path) -> Iterator[None]:
    """Start git's listing of ROOT now, in a thread: a command's first :func:`list_git_files` of
    ROOT inside this block takes it (git runs while Python imports and reads the configuration:
    two processes, a tenth of a warm check's time, off its critical path). A listing nobody took
    is dropped when the block ends, never handed to a later call: files may have changed since."""
    key = os.path.realpath(root)
    ahead = None if key in _ahead else _Ahead(root)
    if ahead is not None:
        _ahead[key] = ahead
        ahead.start()
    try:
        yield
    finally:
        if ahead is not None and _ahead.get(key) is ahead:
            del _ahead[key]


def _list(root: Path) -> GitListing | None:
    if not _may_be_in_checkout(root):
        return None  # git would say "not a git repository": two processes spared
    config: dict[str, str] = {}
    listed_at_ns = time.time_ns()
    completed = run_git(
        root,
        [
            *_STRICT_STAT,
            "ls-files",
            "-z",
            "-v",
            "-s",
            "--cached",
            "--others",
            "--modified",
            "--deleted",
            "--exclude-standard",
        ],
        config_out=config,
    )
    if completed is None or completed.returncode != 0 or not completed.stdout:
        return None
    return GitListing(completed.stdout, root, config, listed_at_ns)


def _may_be_in_checkout(root: Path) -> bool:
    """Could git find a repository for ROOT? Only through a ``.git`` (folder or file) in ROOT or a
    folder above it (git walks up from the real path; the path as given is walked too), or
    through the environment naming one."""
    if os.environ.keys() & {"GIT_DIR", "GIT_WORK_TREE", "GIT_COMMON_DIR"}:
        return True
    for folder in {os.path.realpath(root), os.path.abspath(root)}:
        while True:
            if os.path.lexists(os.path.join(folder, ".git")):
                return True
            parent = os.path.dirname(folder)
            if parent == folder:
                break
            folder = parent
    return False


def _conversions_possible(root: Path, output: bytes, config: dict[str, str]) -> bool:
    """Could git convert between a working file and its blob (line ends, ``ident``, encodings)?
    (An ignored, untracked ``.gitattributes`` inside ROOT is not in the listing, and not seen.)"""
    if re.search(rb"[\t /]" + re.escape(_ATTRIBUTES.encode()) + rb"(?:\0|$)", output):
        return True
    if config.get("core.autocrlf", "false").lower() not in ("false", "no", "off", "0", ""):
        return True
    if config.get("core.attributesfile"):
        return True
    home_config = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    candidates = [os.path.join(home_config, "git", "attributes"), "/etc/gitattributes"]
    git_dir = _git_dir(root, candidates)
    if git_dir is None:  # a worktree or submodule (.git is a file), or not found: do not guess
        return True
    candidates.append(os.path.join(git_dir, "info", "attributes"))
    return any(os.path.lexists(candidate) for candidate in candidates)


def _git_dir(root: Path, attribute_files: list[str]) -> str | None:
    """The ``.git`` folder of the checkout holding ROOT (None: a ``.git`` file, none found, or the
    environment names another repository); the ``.gitattributes`` of the folders above ROOT in
    that checkout, which apply to ROOT's files too, are added to ``attribute_files``."""
    if os.environ.keys() & {"GIT_DIR", "GIT_WORK_TREE", "GIT_COMMON_DIR"}:
        return None
    folder = os.path.realpath(root)
    while True:
        candidate = os.path.join(folder, ".git")
        if os.path.lexists(candidate):
            return candidate if os.path.isdir(candidate) and not os.path.islink(candidate) else None
        parent = os.path.dirname(folder)
        if parent == folder:
            return None
        folder = parent
        attribute_files.append(os.path.join(folder, _ATTRIBUTES))
