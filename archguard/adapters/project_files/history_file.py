"""The report history file (``report --history FILE``): JSON Lines, one run's headline figures a
line, appended; and the git commit of ROOT, read from ``.git`` without running git (a repository
under analysis is never trusted to run anything, hooks and config included)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from archguard.adapters.project_files.output_files import write_atomically
from archguard.domain.errors import ConfigError

_SHA = re.compile(r"^[0-9a-f]{40}([0-9a-f]{24})?$")


def read_history(path: Path) -> list[dict[str, Any]]:
    """Every entry of FILE, oldest first; a missing file is an empty history. A line that is not
    a JSON object is bad input: one error naming the file and line."""
    if not path.exists():
        return []
    try:
        content = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"cannot read history: {error}", path=str(path)) from None
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
        entries.append(entry)
    return entries


def append_history(path: Path, entries: list[dict[str, Any]], entry: dict[str, Any]) -> list[dict[str, Any]]:
    """Write the old entries plus ``entry`` atomically (a reader never sees half a line)."""
    updated = [*entries, entry]
    text = "".join(json.dumps(e, sort_keys=True, ensure_ascii=False) + "\n" for e in updated)
    try:
        write_atomically(path, text.encode("utf-8"))
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
