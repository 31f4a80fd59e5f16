"""What vouches for a configuration file between runs: a digest of its bytes. Apart from
``workspace_config`` (which reads the workspace configuration with it) so that a warm start checks
the files discovery read without loading what reads them."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path

from archguard.adapters.project_files.safe_io import read_regular


def config_unchanged(root: Path, read: Mapping[str, str]) -> bool:
    """Would :func:`~archguard.adapters.project_files.workspace_config.read_workspace` read the
    same bytes from each of these files (relative to ROOT -> :func:`digest_of` then) today?"""
    return all(digest_of(root / rel) == digest for rel, digest in read.items())


def digest_of(path: Path) -> str:
    """The digest of a file's bytes ("-" when it cannot be read)."""
    try:
        data, _ = read_regular(path)
    except OSError:
        return "-"
    return hashlib.blake2b(data, digest_size=16).hexdigest()
