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
"""

from __future__ import annotations

import json
import os
import shutil
import stat
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

JOURNAL_DIRNAME = ".archguard_fix_journal"
_MANIFEST = "manifest.json"
_ORIGINALS = "originals.bin"  # every original, back to back; never a .py name, so no scan reads it
_TMP_SUFFIX = ".archguard-fix.tmp"


class JournalError(Exception):
    """The journal could not be written or read; the message says which file and why."""


@dataclass(frozen=True)
class _Entry:
    path: str  # relative to ROOT, with "/"
    offset: int  # where its original bytes start in the originals file
    size: int
    mode: int


def temporary_path(path: Path) -> Path:
    """Where a new version of ``path`` is written before it replaces it (same folder: one rename)."""
    return path.with_name(f".{path.name}{_TMP_SUFFIX}")


def atomic_write(path: Path, data: bytes, mode: int, *, sync_folder: bool = True) -> None:
    """Replace ``path`` by ``data`` atomically, with permission bits ``mode``. ``sync_folder=False``:
    the caller fsyncs the folder itself, once for many files."""
    tmp = temporary_path(path)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        view = memoryview(data)
        while view:
            written = os.write(fd, view)
            view = view[written:]
        os.fchmod(fd, stat.S_IMODE(mode))
        os.fsync(fd)
    except BaseException:
        os.close(fd)
        _unlink(tmp)
        raise
    os.close(fd)
    os.replace(tmp, path)
    if sync_folder:
        fsync_folder(path.parent)


def fsync_folder(folder: Path) -> None:
    """Make a rename or unlink in ``folder`` durable (a no-op where folders cannot be opened)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


class Journal:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.folder = root / JOURNAL_DIRNAME

    @property
    def pending(self) -> bool:
        """An earlier run began changing files and neither committed nor rolled back."""
        return (self.folder / _MANIFEST).is_file()

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
            with open(self.folder / _ORIGINALS, "wb") as stream:
                offset = 0
                for relative, data in sorted(originals.items()):
                    mode = (self.root / relative).stat().st_mode
                    stream.write(data)
                    entries.append(
                        {"path": relative, "offset": offset, "size": len(data), "mode": stat.S_IMODE(mode)}
                    )
                    offset += len(data)
                stream.flush()
                os.fsync(stream.fileno())
            manifest = json.dumps({"version": 2, "entries": entries}, indent=1).encode()
            atomic_write(self.folder / _MANIFEST, manifest, 0o644)
        except OSError as error:
            self.discard()
            raise JournalError(
                f"cannot write the journal in {self.folder}: {error.strerror or error}"
            ) from None

    def apply(self, new_contents: Mapping[str, bytes | None]) -> None:
        """Write each file (None: delete it). Call only after :meth:`begin` recorded them all."""
        folders = set()
        for relative, data in sorted(new_contents.items()):
            path = self.root / relative
            if data is None:
                path.unlink()
            else:
                atomic_write(path, data, path.stat().st_mode, sync_folder=False)
            folders.add(path.parent)
        for folder in sorted(folders):  # the renames and unlinks become durable, once per folder
            fsync_folder(folder)

    def commit(self) -> None:
        """The change is verified: forget the originals."""
        self.discard()

    def rollback(self) -> list[str]:
        """Restore every recorded file exactly (bytes and mode); return the paths restored."""
        if not self.pending:
            self.discard()
            return []
        try:
            data = json.loads((self.folder / _MANIFEST).read_text(encoding="utf-8"))
            entries = [
                _Entry(e["path"], int(e["offset"]), int(e["size"]), int(e["mode"])) for e in data["entries"]
            ]
            originals = (self.folder / _ORIGINALS).read_bytes()
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise JournalError(
                f"{self.folder}: unreadable journal ({error}); restore by hand from "
                f"{_ORIGINALS} (offsets in {_MANIFEST})"
            ) from None
        restored = []
        for entry in entries:
            path = self.root / entry.path
            original = originals[entry.offset : entry.offset + entry.size]
            _unlink(temporary_path(path))  # what an interrupted atomic_write left behind
            try:
                current = path.read_bytes()
                current_mode = stat.S_IMODE(path.stat().st_mode)
            except FileNotFoundError:
                current, current_mode = None, None
            if current != original or current_mode != entry.mode:
                path.parent.mkdir(parents=True, exist_ok=True)
                atomic_write(path, original, entry.mode)
                restored.append(entry.path)
        self.discard()
        return restored

    def discard(self) -> None:
        if self.folder.exists():
            # The manifest goes first: a crash half-way through leaves debris, never a journal
            # that claims files it no longer has copies of.
            _unlink(self.folder / _MANIFEST)
            shutil.rmtree(self.folder, ignore_errors=True)
            fsync_folder(self.root)


def _unlink(path: Path) -> None:
    path.unlink(missing_ok=True)
