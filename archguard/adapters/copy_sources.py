"""What ``discover`` needs from disk beyond the scan's facts, for copies only: the backup files
that are not ``.py`` (``handlers.py.backup_20250917``, ``x.py.bak``; the scan never lists them)
and the text of the few candidate files the copy analysis compares."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

from archguard.adapters.discovery import _ExcludeSpec, _git_listing, _in_excluded_dir, _is_excluded_dir_name
from archguard.adapters.parsing.source_text import UnreadableSource, decode_source
from archguard.adapters.project_files.safe_io import is_inside

# ``x.py.<anything>`` and ``x.py~``: a Python file kept under another suffix.
_BACKUP_NAME = re.compile(r"\.py(?:\.[^/]+|~)$")


def list_backup_files(root: Path, excludes: Sequence[str]) -> list[str]:
    """Paths (relative, ``/``) of files named like copies of ``.py`` files, minus exclusions."""
    spec = _ExcludeSpec(excludes)
    listed, _tracked = _git_listing(root)  # every file git lists (tracked or not), or None
    candidates: Iterable[str] = listed if listed is not None else _walk_all(root, spec)
    return sorted(
        rel
        for rel in candidates
        if _BACKUP_NAME.search(rel)
        and not rel.endswith((".pyc", ".pyi", ".pyo", ".pyd", ".pyx"))
        and not _in_excluded_dir(rel)
        and not spec.excludes_file(rel)
        and os.path.isfile(root / rel)
    )


def read_texts(root: Path, paths: Iterable[str]) -> dict[str, str | None]:
    """path -> its source text, None when it cannot be read or decoded, or resolves outside ROOT."""
    texts: dict[str, str | None] = {}
    for rel in paths:
        if not is_inside(root / rel, root):  # a link out of the tree is not the tree's content
            texts[rel] = None
            continue
        try:
            texts[rel] = decode_source((root / rel).read_bytes())
        except (OSError, UnreadableSource):
            texts[rel] = None
    return texts


def _walk_all(root: Path, spec: _ExcludeSpec) -> Iterable[str]:
    pending = [""]
    while pending:
        rel_dir = pending.pop()
        try:
            with os.scandir(root / rel_dir if rel_dir else root) as entries:
                listed = list(entries)
        except OSError:
            continue
        for entry in listed:
            rel = f"{rel_dir}/{entry.name}" if rel_dir else entry.name
            try:
                if entry.is_dir(follow_symlinks=False):
                    if not _is_excluded_dir_name(entry.name) and not spec.prunes_dir(rel):
                        pending.append(rel)
                elif _BACKUP_NAME.search(entry.name):
                    yield rel
            except OSError:
                continue
