"""Writing files archguard produces (JSON results, the baseline, the cache): atomically, so a
reader (a CI step, a concurrent run) sees the old file or the new one, never half of one."""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import sys
import tempfile
from pathlib import Path

from archguard.adapters.project_files.safe_io import kind_of
from archguard.domain.errors import ConfigError


class RefusedDestination(OSError):
    """The destination exists and is not a file archguard may replace (``strerror`` says why)."""


def existing_mode(destination: Path) -> int | None:
    """Permission bits of the regular file at ``destination`` (None: nothing there). Refuses what
    archguard must not replace: a symlink (it would be replaced by a file, or tempt a follow-up
    write through it), a FIFO, a device, a folder, or a read-only file (the user's choice to keep it)."""
    try:
        status = os.lstat(destination)
    except FileNotFoundError:
        return None
    if not stat.S_ISREG(status.st_mode):
        raise RefusedDestination(
            errno.EEXIST, f"refusing to replace {kind_of(status.st_mode)}", str(destination)
        )
    mode = stat.S_IMODE(status.st_mode)
    if not mode & 0o222:
        raise RefusedDestination(errno.EACCES, "refusing to replace a read-only file", str(destination))
    return mode


def write_atomically(destination: Path, data: bytes) -> None:
    """Temp file in the same folder, then ``os.replace``; the temp file is removed on failure. An
    existing file keeps its permission bits; anything but a writable regular file is refused."""
    mode = existing_mode(destination)
    destination.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(
        dir=destination.parent, prefix=f".{destination.name}-", suffix=".tmp"
    )
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        # mkstemp makes the file private (0600); results and baselines are shared like any file
        # the user writes, so give them the permissions the user's umask would.
        os.chmod(temporary, mode if mode is not None else 0o666 & ~_umask())
        os.replace(temporary, destination)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def write_output(text: str, destination: str | Path) -> None:
    """A result the user asked for: ``-`` is stdout; a path that cannot be written is bad usage
    (exit 2 naming it), not a crash."""
    if str(destination) == "-":
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    path = Path(destination)
    try:
        write_atomically(path, text.encode("utf-8"))
    except OSError as error:
        raise ConfigError(f"cannot write: {error.strerror or error}", path=str(path)) from None


def _umask() -> int:
    mask = os.umask(0)  # the only way to read it is to set it: set it straight back
    os.umask(mask)
    return mask
