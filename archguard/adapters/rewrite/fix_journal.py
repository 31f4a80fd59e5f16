"""All-or-nothing changes to a tree of source files: a journal, atomic writes, byte-exact rollback.

``archguard fix`` changes many files. An interruption at any moment (Ctrl-C, a killed process, a
full disk) must leave either the tree as it was, or a journal from which the next run (or
``archguard fix --rollback``) restores it as it was. The order of work makes that so:

1. :meth:`Journal.begin` copies every file about to change into
   ``ROOT/.archguard_fix_journal/originals.bin`` and fsyncs it, then writes ``manifest.json`` (each
   file's path, mode and place in ``originals.bin``; temporary file, fsync, rename, fsync of the
   folder). Until the manifest exists no source file has been touched;
   a journal folder without a manifest is debris and is simply removed.
2. :meth:`Journal.apply` writes each new file atomically (a temporary file in the same folder,
   fsync, the original mode, rename; each folder fsynced once at the end): a reader, or a crash,
   sees the old bytes or the new, never half a file. Deletions are plain unlinks.
3. The caller verifies the result, then :meth:`Journal.commit` (drop the journal) or
   :meth:`Journal.rollback` (write every original back, byte for byte and mode kept, remove the
   temporary files a crash may have left, then drop the journal). Rollback is itself safe to
   interrupt and repeat.

The journal lives in the analysed tree rather than the cache folder so that ``--no-cache`` never
turns the safety net off; no file in it is named ``*.py``, so no scan reads the copies.

Because it lives in the tree, a pull request can plant one (docs/security.md, "Fix writes only what
it rewrote"). A journal is obeyed only when :meth:`Journal.verify` finds it archguard's own: a
real folder, not tracked by git, its manifest signed with the per-user cache key
(``cache_key.sign``) over the entries and the originals, and every entry a relative path without
``..`` that resolves inside ROOT and outside ``.git``. Anything else is refused, never restored.
Every write goes through ``project_files.output_files`` (random temporary names, the one guard).
"""

from __future__ import annotations

import json
import os
import shutil
import stat
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from archguard.adapters.cache.cache_key import sign
from archguard.adapters.project_files.git_listing import list_git_files
from archguard.adapters.project_files.output_files import (
    fsync_folder,
    leftover_temporaries,
    write_atomically,
)
from archguard.adapters.project_files.safe_io import is_inside, kind_of, read_regular

JOURNAL_DIRNAME = ".archguard_fix_journal"
_MANIFEST = "manifest.json"
_ORIGINALS = "originals.bin"  # every original, back to back; never a .py name, so no scan reads it
_VERSION = 3  # 3: signed


class JournalError(Exception):
    """The journal could not be written or read; the message says which file and why."""


class UntrustedJournal(JournalError):
    """A journal archguard did not write for this user (planted, copied, or damaged): never obeyed."""


@dataclass(frozen=True)
class _Entry:
    path: str  # relative to ROOT, with "/"
    offset: int  # where its original bytes start in the originals file
    size: int
    mode: int


def atomic_write(path: Path, data: bytes, mode: int, *, root: Path) -> None:
    """Replace one file of the tree by ``data`` with permission bits ``mode``, durably (fsynced
    before the rename; the caller fsyncs the folder). A read-only source is rewritten like any
    other: fix keeps its mode."""
    write_atomically(path, data, root=root, mode=mode, durable=True, allow_read_only=True)


class Journal:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.folder = root / JOURNAL_DIRNAME

    @property
    def pending(self) -> bool:
        """An earlier run began changing files and neither committed nor rolled back (or the
        tree holds something in the journal's place: :meth:`verify` decides whether to obey it)."""
        return os.path.lexists(self.folder / _MANIFEST) or self.folder.is_symlink()

    def begin(self, originals: Mapping[str, bytes]) -> None:
        """Record the current bytes and mode of every file about to change (or be deleted)."""
        if self.pending:
            raise JournalError(
                f"{self.folder}: an unfinished run's journal is in the way; run `archguard fix --rollback`"
            )
        self.discard()
        entries = []
        try:
            self.folder.mkdir(parents=True)
            # One file holds every original (one fsync, not one per file); the manifest says where.
            offset = 0
            for relative, data in sorted(originals.items()):
                mode = os.lstat(self.root / relative).st_mode
                entries.append(
                    {"path": relative, "offset": offset, "size": len(data), "mode": stat.S_IMODE(mode)}
                )
                offset += len(data)
            blob = b"".join(data for _, data in sorted(originals.items()))
            write_atomically(self.folder / _ORIGINALS, blob, root=self.root, mode=0o600, durable=True)
            self._write_manifest(entries, blob)
        except OSError as error:
            self.discard()
            raise JournalError(
                f"cannot write the journal in {self.folder}: {error.strerror or error}"
            ) from None

    def _write_manifest(self, entries: list[dict[str, Any]], originals: bytes | None = None) -> None:
        """The manifest, signed over its entries and the originals (read back when not given)."""
        if originals is None:
            originals = read_regular(self.folder / _ORIGINALS)[0]
        listed = json.dumps(entries, sort_keys=True).encode()
        signature = sign(b"archguard fix journal", listed, originals).hex()
        manifest = {"version": _VERSION, "entries": entries, "signature": signature}
        write_atomically(
            self.folder / _MANIFEST,
            json.dumps(manifest, indent=1).encode(),
            root=self.root,
            mode=0o600,
            durable=True,
        )
        fsync_folder(self.folder)

    def apply(self, new_contents: Mapping[str, bytes | None]) -> None:
        """Write each file (None: delete it). Call only after :meth:`begin` recorded them all."""
        folders = set()
        for relative, data in sorted(new_contents.items()):
            path = self.root / relative
            if data is None:
                path.unlink()
            else:
                atomic_write(path, data, os.lstat(path).st_mode, root=self.root)
            folders.add(path.parent)
        for folder in sorted(folders):  # the renames and unlinks become durable, once per folder
            fsync_folder(folder)

    def commit(self) -> None:
        """The change is verified: forget the originals."""
        self.discard()

    def verify(self) -> tuple[list[_Entry], bytes]:
        """The entries and originals of a journal archguard wrote for this user; raises
        :class:`UntrustedJournal` (never obey it) or :class:`JournalError` (cannot be read)."""
        if self.folder.is_symlink() or not self.folder.is_dir():
            kind = kind_of(os.lstat(self.folder).st_mode)
            raise UntrustedJournal(f"{self.folder} is {kind}, not a journal archguard wrote; not obeyed")
        listing = list_git_files(self.root)
        if listing is not None and listing.tracks_under(JOURNAL_DIRNAME):
            raise UntrustedJournal(
                f"{self.folder} is tracked by git: a journal that came with the tree is never obeyed "
                f"(remove it: git rm -r {JOURNAL_DIRNAME})"
            )
        try:
            data = json.loads(read_regular(self.folder / _MANIFEST)[0])
            originals = read_regular(self.folder / _ORIGINALS)[0]
            listed = json.dumps(data["entries"], sort_keys=True).encode()
            signed = bytes.fromhex(str(data.get("signature", "")))
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise JournalError(
                f"{self.folder}: unreadable journal ({error}); restore by hand from "
                f"{_ORIGINALS} (offsets in {_MANIFEST})"
            ) from None
        if signed != sign(b"archguard fix journal", listed, originals):
            raise UntrustedJournal(
                f"{self.folder}: this journal is not signed with this user's cache key (written by "
                "another user or machine, or planted in the tree); not obeyed. If an interrupted run "
                f"of yours left it, restore by hand from {_ORIGINALS} (offsets in {_MANIFEST}), then "
                "delete the folder"
            )
        try:
            entries = [
                _Entry(e["path"], int(e["offset"]), int(e["size"]), int(e["mode"])) for e in data["entries"]
            ]
        except (KeyError, TypeError, ValueError) as error:
            raise JournalError(f"{self.folder}: unreadable journal ({error})") from None
        for entry in entries:
            self._check_path(entry.path)
        return entries, originals

    def _check_path(self, relative: object) -> None:
        parts = PurePosixPath(relative).parts if isinstance(relative, str) else ()
        if not parts or PurePosixPath(str(relative)).is_absolute() or ".." in parts or "\\" in str(relative):
            raise UntrustedJournal(
                f"{self.folder}: entry {relative!r} leads outside ROOT (not a relative path without '..'); not obeyed"
            )
        if ".git" in parts:
            raise UntrustedJournal(f"{self.folder}: entry {relative!r} is inside .git; not obeyed")
        path = self.root / str(relative)
        if not is_inside(path.parent, self.root) or (path.is_symlink() and not is_inside(path, self.root)):
            raise UntrustedJournal(f"{self.folder}: entry {relative!r} leads outside ROOT; not obeyed")

    def rollback(self) -> list[str]:
        """Restore every recorded file exactly (bytes and mode); return the paths restored. Only a
        journal :meth:`verify` trusts is obeyed."""
        if not self.pending:
            self.discard()
            return []
        entries, originals = self.verify()
        restored = []
        for entry in entries:
            path = self.root / entry.path
            original = originals[entry.offset : entry.offset + entry.size]
            for leftover in leftover_temporaries(path):  # what an interrupted write left behind
                leftover.unlink(missing_ok=True)
            try:
                current: bytes | None = read_regular(path)[0]
                current_mode: int | None = stat.S_IMODE(os.lstat(path).st_mode)
            except FileNotFoundError:
                current, current_mode = None, None
            if current != original or current_mode != entry.mode:
                atomic_write(path, original, entry.mode, root=self.root)
                fsync_folder(path.parent)
                restored.append(entry.path)
        self.discard()
        return restored

    def discard(self) -> None:
        if self.folder.is_symlink():  # not archguard's: never followed, never removed here
            return
        if self.folder.exists():
            # The manifest goes first: a crash half-way through leaves debris, never a journal
            # that claims files it no longer has copies of.
            (self.folder / _MANIFEST).unlink(missing_ok=True)
            shutil.rmtree(self.folder, ignore_errors=True)
            fsync_folder(self.root)
