"""Reading and locating files of an untrusted tree without blocking, and without leaving it.

* :func:`read_regular` opens with ``O_NONBLOCK`` and checks, on the open descriptor, that it is a
  regular file: a FIFO, a device or a socket (planted, or swapped in after the file was listed) is
  an error with its kind named, never a read that blocks forever or never ends (``/dev/zero``).
* :func:`require_inside` is the rule for paths that come from the tree's own configuration: they
  must resolve, symlinks followed, inside ROOT. Paths given on the command line may point anywhere.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from archguard.domain.errors import ConfigError

_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISLNK, "a symbolic link"),
)


class NotRegularFile(OSError):
    """The path is not a regular file; ``strerror`` says what it is."""

    def __init__(self, path: str | Path, mode: int) -> None:
        super().__init__(errno.EINVAL, f"not a regular file ({kind_of(mode)})", str(path))


def kind_of(mode: int) -> str:
    for test, name in _KINDS:
        if test(mode):
            return name
    return "not a regular file"


def read_regular(path: str | Path, *, max_bytes: int | None = None) -> tuple[bytes, os.stat_result]:
    """The bytes of a regular file and its stat (taken on the open descriptor). Raises
    :class:`NotRegularFile` for anything else, without blocking; OSError as ``open`` does. With
    ``max_bytes``, a larger file is not read: its bytes come back empty (the caller checks the size)."""
    descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        status = os.fstat(descriptor)
        if not stat.S_ISREG(status.st_mode):
            raise NotRegularFile(path, status.st_mode)
        if max_bytes is not None and status.st_size > max_bytes:
            return b"", status
        chunks = []
        while True:
            chunk = os.read(descriptor, max(status.st_size + 1, 65536))
            if not chunk:
                break
            chunks.append(chunk)
        return b"".join(chunks), status
    finally:
        os.close(descriptor)


def read_regular_text(path: str | Path) -> str:
    """UTF-8 text of a regular file (UnicodeDecodeError, OSError or NotRegularFile otherwise)."""
    data, _ = read_regular(path)
    return data.decode("utf-8")


def is_inside(path: Path, root: Path) -> bool:
    """Does ``path`` resolve (symlinks followed, ``..`` applied) to ROOT or below it?"""
    try:
        return Path(os.path.realpath(path)).is_relative_to(os.path.realpath(root))
    except (OSError, ValueError):
        return False


def require_inside(path: Path, root: Path, *, what: str, source: str) -> Path:
    """``path`` when it resolves inside ROOT, else exit 2 naming where the path came from. For
    paths from the tree's configuration (``source``: the config file), which is untrusted."""
    if not is_inside(path, root):
        raise ConfigError(
            f"{what} {str(path)!r} resolves outside ROOT ({os.path.realpath(path)}); paths from the "
            "analysed tree must stay inside it (give such a path on the command line instead)",
            path=source,
        )
    return path


def describe_read_error(error: OSError | UnicodeDecodeError) -> str:
    """Why a configuration file could not be read, never quoting its content."""
    if isinstance(error, UnicodeDecodeError):
        return f"not UTF-8 text (byte {error.start})"
    return error.strerror or type(error).__name__  # NotRegularFile's says what the path is instead


def same_file(first: str | Path, second: str | Path) -> bool:
    """Do two paths name one file (after symlinks and ``..``; hard links by inode)?"""
    if os.path.realpath(first) == os.path.realpath(second):
        return True
    try:
        return os.path.samefile(first, second)
    except OSError:
        return False
