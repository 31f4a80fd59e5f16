"""What ``discover`` needs from disk beyond the scan's facts, for copies only: the backup files
that are not ``.py`` (``handlers.py.backup_20250917``, ``x.py.bak``; the scan never lists them)
and the text of the few candidate files the copy analysis compares."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

from archguard.adapters.discovery import list_tree_files
from archguard.adapters.parsing.source_text import UnreadableSource, decode_source
from archguard.adapters.project_files.safe_io import is_inside, read_regular

# ``x.py.<anything>`` and ``x.py~``: a Python file kept under another suffix.
_BACKUP_NAME = re.compile(r"\.py(?:\.[^/]+|~)$")


def list_backup_files(root: Path, excludes: Sequence[str]) -> list[str]:
    """Paths (relative, ``/``) of files named like copies of ``.py`` files, minus exclusions."""
    listing = list_tree_files(root, excludes, lambda name: _BACKUP_NAME.search(name) is not None)
    return sorted(
        rel
        for rel in listing.paths
        if not rel.endswith((".pyc", ".pyi", ".pyo", ".pyd", ".pyx")) and os.path.isfile(root / rel)
    )


def read_texts(root: Path, paths: Iterable[str]) -> dict[str, str | None]:
    """path -> its source text, None when it cannot be read or decoded, or resolves outside ROOT."""
    texts: dict[str, str | None] = {}
    for rel in paths:
        if not is_inside(root / rel, root):  # a link out of the tree is not the tree's content
            texts[rel] = None
            continue
        try:
            texts[rel] = decode_source(read_regular(root / rel)[0])  # never blocks on a FIFO
        except (OSError, UnreadableSource):
            texts[rel] = None
    return texts
