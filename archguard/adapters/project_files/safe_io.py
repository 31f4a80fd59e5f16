"""Reading and locating files of an untrusted tree without blocking, and without leaving it.

* :func:`read_regular` (through :func:`open_regular`, for a reader that reads parts of a file)
  opens with ``O_NONBLOCK`` and checks, on the open descriptor, that it is a regular file: a FIFO, a device or a socket (planted, or swapped in after the file was listed) is
  an error with its kind named, never a read that blocks forever or never ends (``/dev/zero``).
  With ``confine_to=ROOT`` (every read of the tree's own files), a symbolic link that leads out of
  ROOT is refused too (:class:`LeadsOutOfRoot`): text from outside is not the tree's source.
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


class RefusedFile(OSError):
    """A file of the tree that is not read; ``strerror`` says why, as the user reads it."""


class NotRegularFile(RefusedFile):
    """The path is not a regular file; ``strerror`` says what it is."""

    def __init__(self, path: str | Path, mode: int) -> None:
        super().__init__(errno.EINVAL, f"not a regular file ({kind_of(mode)})", str(path))


class LeadsOutOfRoot(RefusedFile):
    """A symbolic link in the tree that leads to a file outside ROOT."""

    def __init__(self, path: str | Path) -> None:
        super().__init__(errno.EPERM, "symbolic link leading outside ROOT", str(path))


def kind_of(mode: int) -> str:
    for test, name in _KINDS:
        if test(mode):
            return name
    return "not a regular file"


def read_regular(
    path: str | Path, *, max_bytes: int | None = None, confine_to: str | Path | None = None
) -> tuple[bytes, os.stat_result]:
    """The bytes of a regular file and its stat (taken on the open descriptor). Raises
    :class:`NotRegularFile` for anything else, without blocking; OSError as ``open`` does. With
    ``max_bytes``, a larger file is not read: its bytes come back empty (the caller checks the size).
    ``confine_to``: ROOT, for a file of the tree (:func:`stat_in_tree`)."""
    descriptor, status = open_regular(path, confine_to=confine_to)
    try:
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


def open_regular(path: str | Path, *, confine_to: str | Path | None = None) -> tuple[int, os.stat_result]:
    """A descriptor open for reading on the regular file ``path``, and its stat (taken on the
    descriptor, so it is of the file opened). Opened without blocking: a FIFO, a device or a socket
    (planted, or swapped in after the file was listed) is :class:`NotRegularFile`, never a wait.
    The caller closes the descriptor. ``confine_to``: ROOT, for a file of the tree
    (:func:`stat_in_tree`)."""
    descriptor = os.open(path, _READ) if confine_to is None else _open_in_tree(path, confine_to)
    try:
        status = os.fstat(descriptor)
        if not stat.S_ISREG(status.st_mode):
            raise NotRegularFile(path, status.st_mode)
    except BaseException:
        os.close(descriptor)
        raise
    return descriptor, status


_READ = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


def _open_in_tree(path: str | Path, root: str | Path) -> int:
    """A descriptor on a file of the tree, never through a link out of ROOT: opened with
    ``O_NOFOLLOW``, a plain file (what a scan meets) costs one system call, and a link swapped in
    after a check cannot be followed; a link (ELOOP, EMLINK on the BSDs) is vetted by
    :func:`stat_in_tree`, then the path it resolves to is opened, again without following a
    link, and held to ROOT (a link re-pointed between the check and the open is not followed)."""
    if not _NOFOLLOW:
        stat_in_tree(path, root)
        return os.open(path, _READ)
    try:
        return os.open(path, _READ | _NOFOLLOW)
    except OSError as error:
        if error.errno not in (errno.ELOOP, errno.EMLINK):
            raise
    stat_in_tree(path, root)  # names the link that leads out of ROOT
    real = os.path.realpath(path)
    descriptor = os.open(real, _READ | _NOFOLLOW)
    # what was opened is judged, not what the link led to a moment before; a non-regular file
    # is refused by its kind by the caller (a link to /dev/zero), wherever it is
    if stat.S_ISREG(os.fstat(descriptor).st_mode) and not is_inside(Path(real), Path(root)):
        os.close(descriptor)
        raise LeadsOutOfRoot(path)
    return descriptor


def stat_in_tree(path: str | Path, root: str | Path) -> os.stat_result:
    """The stat of a file of the tree, symlinks followed, or :class:`LeadsOutOfRoot` when it is a
    symbolic link that leads out of ROOT. One ``lstat`` for a plain file (what a scan meets);
    discovery never lists a file under a symlinked folder, so only the file itself can be a link."""
    status = os.lstat(path)
    if not stat.S_ISLNK(status.st_mode):
        return status
    status = os.stat(path)  # a broken link or a loop raises here, as before
    if stat.S_ISREG(status.st_mode) and not is_inside(Path(path), Path(root)):
        raise LeadsOutOfRoot(path)
    return status  # not a regular file: the caller refuses it by its kind (a link to /dev/zero)


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
    return error.strerror or type(error).__name__  # a RefusedFile's says what the path is instead


def same_file(first: str | Path, second: str | Path) -> bool:
    """Do two paths name one file (after symlinks and ``..``; hard links by inode)?"""
    if os.path.realpath(first) == os.path.realpath(second):
        return True
    try:
        return os.path.samefile(first, second)
    except OSError:
        return False
