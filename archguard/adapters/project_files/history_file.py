"""The report history file (``report --history FILE``): JSON Lines, one run's headline figures a
line, appended; and the git commit of ROOT, read from ``.git`` without running git (a repository
under analysis is never trusted to run anything, hooks and config included)."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from archguard.adapters.project_files.output_files import encode_text, write_atomically
from archguard.adapters.project_files.safe_io import describe_read_error, read_regular
from archguard.domain.errors import ConfigError

_SHA = re.compile(r"^[0-9a-f]{40}([0-9a-f]{24})?$")


def read_history(
    path: Path, *, counts: Sequence[str] = (), counts_per_name: Sequence[str] = ()
) -> list[dict[str, Any]]:
    """Every entry of FILE, oldest first; a missing file is an empty history. The file may be
    committed, so it is read as every file of the tree is (never blocking, regular files only) and
    each line is validated (:func:`_check_entry`; ``counts``: keys holding whole numbers,
    ``counts_per_name``: keys holding objects of them): a bad line is one error naming the file and line."""
    if not os.path.lexists(path):
        return []
    try:
        content = read_regular(path)[0].decode("utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"cannot read history: {describe_read_error(error)}", path=str(path)) from None
    entries = []
    for number, line in enumerate(content.splitlines(), 1):
        if not line.strip():
            continue
        try:
            entry = json.loads(line)
        except json.JSONDecodeError as error:
            raise ConfigError(
                f"history line is not valid JSON: {error.msg}", path=str(path), line=number
            ) from None
        if not isinstance(entry, dict):
            raise ConfigError("history line is not a JSON object", path=str(path), line=number)
        problem = _check_entry(entry, counts, counts_per_name)
        if problem:
            raise ConfigError(f"history line: {problem}", path=str(path), line=number)
        entries.append(entry)
    return entries


_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$")
_COMMIT = re.compile(r"^[0-9a-f]{4,64}$")


def _check_entry(entry: dict[str, Any], counts: Sequence[str], counts_per_name: Sequence[str]) -> str | None:
    """What is wrong with one history line (None: nothing). Dates and commits are what archguard
    writes (an ISO date, a hex commit id); counts are whole numbers, per-name counts objects of them."""
    date = entry.get("date", "")
    if not isinstance(date, str) or (date and not _DATE.match(date)):
        return "'date' must be an ISO date (YYYY-MM-DDTHH:MM:SS+00:00)"
    commit = entry.get("commit")
    if commit is not None and not (isinstance(commit, str) and _COMMIT.match(commit)):
        return "'commit' must be a hexadecimal commit id or null"
    for key in counts:
        if key in entry and not _is_count(entry[key]):
            return f"'{key}' must be a whole number, not {type(entry[key]).__name__}"
    for key in counts_per_name:
        value = entry.get(key, {})
        if not isinstance(value, dict) or not all(
            isinstance(k, str) and _is_count(v) for k, v in value.items()
        ):
            return f"'{key}' must be an object of whole numbers"
    if entry.get("golden_path_clean") not in (None, True, False):
        return "'golden_path_clean' must be true, false or null"
    return None


def _is_count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def append_history(
    path: Path, entries: list[dict[str, Any]], entry: dict[str, Any], *, root: Path | None = None
) -> list[dict[str, Any]]:
    """Write the old entries plus ``entry`` atomically (a reader never sees half a line)."""
    updated = [*entries, entry]
    text = "".join(json.dumps(e, sort_keys=True, ensure_ascii=False) + "\n" for e in updated)
    try:
        write_atomically(path, encode_text(text), root=root)
    except OSError as error:
        raise ConfigError(f"cannot write history: {error.strerror or error}", path=str(path)) from None
    return updated


def git_commit(root: Path) -> str | None:
    """The commit ROOT's checkout is at (the nearest ``.git`` upwards), or None."""
    for folder in (root.resolve(), *root.resolve().parents):
        dot_git = folder / ".git"
        if dot_git.exists():
            return _head_of(dot_git)
    return None


def _head_of(dot_git: Path) -> str | None:
    try:
        if dot_git.is_file():  # a worktree or submodule: "gitdir: <path>"
            pointer = dot_git.read_text(encoding="utf-8").strip()
            if not pointer.startswith("gitdir:"):
                return None
            dot_git = (dot_git.parent / pointer[len("gitdir:") :].strip()).resolve()
        head = (dot_git / "HEAD").read_text(encoding="utf-8").strip()
        if _SHA.match(head):
            return head  # detached HEAD
        if not head.startswith("ref:"):
            return None
        ref = head[len("ref:") :].strip()
        common = dot_git
        commondir = dot_git / "commondir"
        if commondir.is_file():
            common = (dot_git / commondir.read_text(encoding="utf-8").strip()).resolve()
        for folder in (dot_git, common):
            ref_file = folder / ref
            if ref_file.is_file():
                value = ref_file.read_text(encoding="utf-8").strip()
                return value if _SHA.match(value) else None
        packed = common / "packed-refs"
        if packed.is_file():
            for line in packed.read_text(encoding="utf-8").splitlines():
                sha, _, name = line.partition(" ")
                if name == ref and _SHA.match(sha):
                    return sha
    except (OSError, UnicodeDecodeError):
        return None
    return None
