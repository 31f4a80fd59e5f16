"""What vouches for a configuration file between runs: a digest of its bytes. Apart from
``workspace_config`` (which reads the workspace configuration with it) so that a warm start checks
the files discovery read without loading what reads them."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path

from archguard.adapters.project_files.safe_io import is_inside, read_regular


def config_unchanged(root: Path, read: Mapping[str, str]) -> bool:
    """Would :func:`~archguard.adapters.project_files.workspace_config.read_workspace` read the
    same bytes from each of these files (relative to ROOT -> :func:`digest` then) today?"""
    return all(_digest_now(root, rel) == recorded for rel, recorded in read.items())


def digest(data: bytes) -> str:
    """A configuration file's digest, as the reader records it."""
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def _digest_now(root: Path, relative: str) -> str:
    """The file's digest today ("-" when it cannot be read); a path outside ROOT is read as no
    bytes, as the reader reads it (nothing outside ROOT is opened)."""
    path = root / relative
    if not is_inside(path, root):
        return digest(b"")
    try:
        data, _ = read_regular(path)
    except OSError:
        return "-"
    return digest(data)
