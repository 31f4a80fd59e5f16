"""Every file archguard writes goes through here (docs/security.md, "Writes replace only what
archguard owns"): results, reports, diagrams, the baseline, the history, the caches, contract
drafts, ``init``'s files and ``fix``'s rewrites and journal.

* :func:`guard_destination` is the one check before any write: nothing under a ``.git`` folder;
  inside ROOT, no folder on the way may be a symbolic link leading out of ROOT (the tree cannot
  redirect a write, even one to a command-line path such as the default ``reports/``); and an
  existing destination must be a writable regular file (never a symlink, FIFO, device or folder).
* :func:`write_atomically` writes a temporary file made by :func:`create_temporary` (``mkstemp``
  in the same folder: ``O_CREAT | O_EXCL | O_NOFOLLOW`` under a random name, so nothing planted
  there, a symlink or a FIFO, is ever opened), then renames it over the destination: a reader (a CI
  step, a concurrent run) sees the old file or the new one, never half of one.
* :func:`create_new` makes a file that must not exist yet (drafts, ``init``): the same guard, and
  ``O_EXCL | O_NOFOLLOW``.
* :func:`move_into_place` puts a file archguard made in a private folder (Graphviz's output) at its
  destination, through the same guard.
"""

from __future__ import annotations

import contextlib
import errno
import glob
import os
import stat
import sys
import tempfile
from pathlib import Path

from archguard.adapters.project_files.safe_io import is_inside, kind_of
from archguard.domain.errors import ConfigError

TEMPORARY_SUFFIX = ".archguard.tmp"


class RefusedDestination(OSError):
    """The destination is not one archguard may write (``strerror`` says why)."""


def guard_destination(
    destination: Path, *, root: Path | None = None, allow_read_only: bool = False
) -> int | None:
    """Permission bits of the regular file at ``destination`` (None: nothing there yet), or
    :class:`RefusedDestination`. ``root``: the analysed tree, when known; a destination whose path
    lies inside it must resolve inside it too. ``allow_read_only``: ``fix`` rewrites a read-only
    source file as it rewrites any other (its mode is kept); every other write keeps the user's
    read-only file."""
    lexical = Path(os.path.abspath(destination))
    resolved = Path(os.path.realpath(lexical.parent)) / lexical.name
    if ".git" in lexical.parts or ".git" in resolved.parts:
        raise RefusedDestination(errno.EPERM, "refusing to write inside a .git folder", str(destination))
    if root is not None and _lexically_inside(lexical, root) and not is_inside(lexical.parent, root):
        raise RefusedDestination(
            errno.EPERM,
            "refusing to write through a symbolic link that leads out of ROOT",
            str(destination),
        )
    try:
        status = os.lstat(destination)
    except FileNotFoundError:
        return None
    if not stat.S_ISREG(status.st_mode):
        raise RefusedDestination(
            errno.EEXIST, f"refusing to replace {kind_of(status.st_mode)}", str(destination)
        )
    mode = stat.S_IMODE(status.st_mode)
    if not mode & 0o222 and not allow_read_only:
        raise RefusedDestination(errno.EACCES, "refusing to replace a read-only file", str(destination))
    return mode


def make_folder(folder: Path, *, root: Path | None = None) -> None:
    """Create ``folder`` (and its parents) for outputs, under the same rule as every write: not
    inside ``.git``, and inside ROOT not through a symbolic link that leads out of it."""
    guard_destination(folder / "_", root=root)  # the rule for anything written in it
    if (
        root is not None
        and _lexically_inside(Path(os.path.abspath(folder)), root)
        and not is_inside(folder, root)
    ):
        raise RefusedDestination(
            errno.EPERM, "refusing to write through a symbolic link that leads out of ROOT", str(folder)
        )
    folder.mkdir(parents=True, exist_ok=True)


def create_temporary(destination: Path) -> tuple[int, Path]:
    """A new, empty, private (0600) file beside ``destination``, open for writing: the one way
    archguard makes a temporary file. ``mkstemp`` picks a name nobody could plant in advance and
    opens it with ``O_EXCL | O_NOFOLLOW``."""
    handle, name = tempfile.mkstemp(
        dir=destination.parent, prefix=f".{destination.name}.", suffix=TEMPORARY_SUFFIX
    )
    return handle, Path(name)


def leftover_temporaries(destination: Path) -> list[Path]:
    """Temporary files an interrupted :func:`write_atomically` of ``destination`` left (regular
    files only: anything else of that name is not archguard's)."""
    pattern = os.path.join(
        glob.escape(str(destination.parent)), f".{glob.escape(destination.name)}.*{TEMPORARY_SUFFIX}"
    )
    found = []
    for name in glob.glob(pattern):
        with contextlib.suppress(OSError):
            if stat.S_ISREG(os.lstat(name).st_mode):
                found.append(Path(name))
    return found


def write_atomically(
    destination: Path,
    data: bytes,
    *,
    root: Path | None = None,
    mode: int | None = None,
    durable: bool = False,
    allow_read_only: bool = False,
) -> None:
    """Temporary file in the same folder, then ``os.replace``; the temporary file is removed on
    failure. Permission bits: ``mode``, else the replaced file's, else what the umask gives.
    ``durable``: fsync the file before the rename (the caller fsyncs the folder: :func:`fsync_folder`)."""
    existing = guard_destination(destination, root=root, allow_read_only=allow_read_only)
    destination.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = create_temporary(destination)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            # mkstemp makes the file private (0600); results and baselines are shared like any
            # file the user writes, so give them the permissions the user's umask would.
            chosen = mode if mode is not None else existing if existing is not None else 0o666 & ~_umask()
            os.fchmod(stream.fileno(), stat.S_IMODE(chosen))
            if durable:
                stream.flush()
                os.fsync(stream.fileno())
        os.replace(temporary, destination)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def create_new(destination: Path, data: bytes, *, root: Path | None = None) -> bool:
    """Create ``destination`` with ``data`` (folders made as needed); False when something of that
    name exists already (a dangling symlink included). ``O_EXCL`` makes "does not exist" and
    "create" one step, so a file appearing meanwhile is never overwritten either."""
    try:
        guard_destination(destination, root=root)
    except RefusedDestination as error:
        if error.errno == errno.EEXIST:  # something is there: not ours to replace, and kept
            return False
        raise
    destination.parent.mkdir(parents=True, exist_ok=True)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        handle = os.open(destination, flags, 0o666)
    except FileExistsError:
        return False
    with os.fdopen(handle, "wb") as stream:
        stream.write(data)
    return True


def move_into_place(made: Path, destination: Path, *, root: Path | None = None) -> None:
    """Rename ``made`` (a file archguard wrote in a private folder on the same file system) to
    ``destination``, through the same guard as every write; the replaced file's mode is kept."""
    existing = guard_destination(destination, root=root)
    destination.parent.mkdir(parents=True, exist_ok=True)
    os.chmod(made, existing if existing is not None else 0o666 & ~_umask())
    os.replace(made, destination)


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


def write_output(text: str, destination: str | Path, *, root: Path | None = None) -> None:
    """A result the user asked for: ``-`` is stdout; a path that cannot be written is bad usage
    (exit 2 naming it), not a crash. Text from the tree survives: a lone surrogate (a string
    literal's ``"\\ud800"``) is written as its escape, ``\\ud800`` (valid in JSON, XML, HTML and
    Markdown alike), never a UnicodeEncodeError."""
    if str(destination) == "-":
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    path = Path(destination)
    try:
        write_atomically(path, encode_text(text), root=root)
    except OSError as error:
        raise ConfigError(f"cannot write: {error.strerror or error}", path=str(path)) from None


def encode_text(text: str) -> bytes:
    """UTF-8, with any lone surrogate written as its backslash escape (the one rule for every
    text archguard writes to a file; stdout gets the same, cli.main)."""
    return text.encode("utf-8", "backslashreplace")


def _lexically_inside(path: Path, root: Path) -> bool:
    """Does ``path`` (absolute) name something under ROOT as written (before symlinks)?"""
    for base in {os.path.abspath(root), os.path.realpath(root)}:
        if path == Path(base) or Path(base) in path.parents:
            return True
    return False


def _umask() -> int:
    mask = os.umask(0)  # the only way to read it is to set it: set it straight back
    os.umask(mask)
    return mask
