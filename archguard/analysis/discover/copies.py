"""Copies: stale duplicates of modules, and which file is the live one.

Two ways a copy is found, neither pairing all files with each other:

- by name: ``x.py.backup_2025``, ``x.py.bak``, ``x.py.orig``, ``x.py~``, ``x_old.py``,
  ``x_backup.py``, ``x_copy.py``, ``x_v2.py``, and any file under a folder named ``backup*`` /
  ``*_backup`` / ``old`` whose path below it (date folders skipped) is a live file's path;
- by content: files whose facts look alike (same module-level names and as many imports, at
  least :data:`MIN_NAMES` names) are grouped by that signature, and only those groups are read
  and compared by normalised text. Files a framework loads by their name (migrations, management
  commands, ``conftest.py``) are alike by design and never compared.

Reading files is the app's job: :func:`plan_copies` says which pairs to compare, the app reads
them, :func:`judge_copies` scores each pair (``similarity``: 0..1 over normalised lines).
"""

from __future__ import annotations

import difflib
import hashlib
import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from archguard.analysis.shim_definition import loaded_by_file_name
from archguard.domain.discovery import Copy
from archguard.domain.facts import FileFacts
from archguard.domain.sources import SourceFile

MIN_NAMES = 3  # smaller files (an empty __init__, a two-line config) are alike by chance
# Five or more files of one name in sibling folders (django's conf/locale/<lang>/formats.py) are
# one file per plugin or locale by design: alike, but not copies anyone should delete.
FAMILY_SIZE = 5
MIN_SIMILARITY = 0.8  # content pairs below this are different files that share a shape
_MAX_GROUP = 20  # a facts signature shared by more files than this is a template, not a copy
_BACKUP_SUFFIX = re.compile(
    r"^(?P<live>.+\.py)(?:\.(?:backup|bak|orig|old|save|copy)\w*|~|\.\d[\w-]*)$", re.I
)
_BACKUP_STEM = re.compile(r"^(?P<stem>.+?)(?:[_.-](?:old|backup|bak|copy|orig|v\d+))+\.py$", re.I)
_BACKUP_DIR = re.compile(r"^(?:backups?|bak|old|.*[_-]backups?|backup[_-].*)$", re.I)
_DATE_DIR = re.compile(r"^[\d._-]+$")


@dataclass(frozen=True)
class CopyPair:
    path: str
    live: str
    by_name: bool


def plan_copies(
    files: Sequence[SourceFile],
    facts: Mapping[str, FileFacts],
    backup_files: Sequence[str],
    importers: Mapping[str, int],
) -> list[CopyPair]:
    """Pairs (copy, live) worth reading. ``backup_files``: non-``.py`` files named like backups;
    ``importers``: path -> number of files importing it (the live one of two is the used one)."""
    named = plan_named_copies(files, backup_files, importers)
    return merge_plans(named, plan_content_copies(files, facts, importers))


def plan_named_copies(
    files: Sequence[SourceFile], backup_files: Sequence[str], importers: Mapping[str, int]
) -> list[CopyPair]:
    live = {f.path for f in files if not _in_backup_dir(f.path)}
    pairs: dict[str, CopyPair] = {}
    for path in [*backup_files, *(f.path for f in files)]:
        target = live_path_for(path, live, importers)
        if target is not None and target != path:
            pairs.setdefault(path, CopyPair(path, target, True))
    return list(pairs.values())


# What a file's content is compared by: (a digest of its module-level names, its number of
# imports); () when it is not compared. Plain values: discover's engine keeps them per file.
Signature = tuple[bytes, int] | tuple[()]


def content_signature(file: SourceFile, facts: FileFacts) -> Signature:
    if loaded_by_file_name(file.path) is not None:
        return ()  # two migrations alike are two steps of history, each loaded by its name
    names = sorted({b.name for b in facts.bindings})
    if len(names) < MIN_NAMES:
        return ()
    return hashlib.blake2b("\n".join(names).encode(), digest_size=16).digest(), len(facts.imports)


def plan_content_copies(
    files: Sequence[SourceFile],
    facts: Mapping[str, FileFacts],
    importers: Mapping[str, int],
    signatures: Sequence[Signature] | None = None,
) -> list[CopyPair]:
    """Files whose facts look alike, grouped by that signature (linear), the most-imported of
    each group as the live one. Depends on the facts only: a warm run takes it from the cache.
    ``signatures``: :func:`content_signature` of every file, in order, when known already
    (discover's engine keeps them per file)."""
    families: dict[tuple[str, str], int] = defaultdict(int)
    for f in files:
        families[_family(f.path)] += 1
    if signatures is None:
        signatures = [
            content_signature(f, found) if (found := facts.get(f.path)) is not None else () for f in files
        ]
    groups: dict[tuple, list[str]] = defaultdict(list)
    for f, signature in zip(files, signatures, strict=True):
        if signature and families[_family(f.path)] < FAMILY_SIZE:
            groups[signature].append(f.path)
    pairs = []
    for members in groups.values():
        if not 2 <= len(members) <= _MAX_GROUP:
            continue
        keeper = max(members, key=lambda p: (importers.get(p, 0), not _in_backup_dir(p), -len(p), p))
        pairs += [CopyPair(other, keeper, False) for other in members if other != keeper]
    return pairs


def _family(path: str) -> tuple[str, str]:
    """(grandparent folder, file name): ``conf/locale/*/formats.py`` is one family."""
    parts = path.split("/")
    return "/".join(parts[:-2]), parts[-1]


def merge_plans(named: Sequence[CopyPair], by_content: Sequence[CopyPair]) -> list[CopyPair]:
    """Named pairs win: a backup found by its name is not also reported by its content."""
    pairs = {p.path: p for p in named}
    for pair in by_content:
        pairs.setdefault(pair.path, pair)
    return sorted(pairs.values(), key=lambda p: p.path)


def live_path_for(path: str, live: set[str], importers: Mapping[str, int]) -> str | None:
    """The live file a backup-named path copies, or None."""
    folder, _, name = path.rpartition("/")
    prefix = f"{folder}/" if folder else ""
    match = _BACKUP_SUFFIX.match(name)
    if match:
        candidate = prefix + match.group("live")
        return candidate if candidate in live else None
    match = _BACKUP_STEM.match(name)
    if match:
        candidate = f"{prefix}{match.group('stem')}.py"
        if candidate in live and path in live:
            # x.py and x_v2.py both live: the one more files import is the live one.
            if importers.get(path, 0) > importers.get(candidate, 0):
                return None
            return candidate
        if candidate in live:
            return candidate
    parts = path.split("/")
    for i, part in enumerate(parts[:-1]):
        if _BACKUP_DIR.match(part):
            rest = parts[i + 1 :]
            while len(rest) > 1 and (_DATE_DIR.match(rest[0]) or _BACKUP_DIR.match(rest[0])):
                rest = rest[1:]
            for j in range(len(rest) - 1):
                candidate = "/".join(rest[j:])
                if candidate in live:
                    return candidate
    return None


def _in_backup_dir(path: str) -> bool:
    return any(_BACKUP_DIR.match(part) for part in path.split("/")[:-1])


def normalised_lines(text: str) -> list[str]:
    """Lines without comments, blank lines and indentation differences."""
    out = []
    for line in text.splitlines():
        stripped = (
            line.split("#", 1)[0].strip()
            if "#" in line and "'" not in line and '"' not in line
            else line.strip()
        )
        if stripped:
            out.append(" ".join(stripped.split()))
    return out


def judge_copies(pairs: Sequence[CopyPair], texts: Mapping[str, str | None]) -> list[Copy]:
    """Copies with their similarity; content-found pairs below MIN_SIMILARITY are dropped."""
    copies = []
    lines: dict[str, list[str]] = {}
    digests: dict[str, bytes] = {}
    for pair in pairs:
        a, b = texts.get(pair.path), texts.get(pair.live)
        if a is None or b is None:
            if pair.by_name:
                copies.append(Copy(pair.path, pair.live, 0.0, "name"))
            continue
        for path, text in ((pair.path, a), (pair.live, b)):
            if path not in lines:
                lines[path] = normalised_lines(text)
                digests[path] = hashlib.blake2b("\n".join(lines[path]).encode(), digest_size=16).digest()
        if digests[pair.path] == digests[pair.live]:
            similarity = 1.0
        else:
            similarity = _similarity(lines[pair.path], lines[pair.live])
        if pair.by_name and _versioned_sibling(pair.path) and similarity < MIN_SIBLING_SIMILARITY:
            continue  # _decorators_v1.py beside _decorators.py, sharing 5% of its lines: its own module
        if pair.by_name or similarity >= MIN_SIMILARITY:
            copies.append(
                Copy(pair.path, pair.live, round(similarity, 3), "name" if pair.by_name else "content")
            )
    return sorted(copies, key=lambda c: (-c.similarity, c.path))


# A live module named like a version or backup of another (``x_v1.py``, ``x_old.py`` beside
# ``x.py``) that shares less than this with it is a module of its own (v1 compatibility code).
MIN_SIBLING_SIMILARITY = 0.5


def _versioned_sibling(path: str) -> bool:
    """A ``.py`` file outside a backup folder: a live module, found by its name only."""
    return path.endswith(".py") and not _in_backup_dir(path)


_CHAR_LIMIT = 20_000  # character-level comparison only for files this small (it is quadratic)


def _similarity(a: list[str], b: list[str]) -> float:
    """Share of matching normalised lines; for small files, of matching characters when that is
    higher (an edit on every line of a short file keeps most of its text)."""
    ratio = difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()
    joined_a, joined_b = "\n".join(a), "\n".join(b)
    if len(joined_a) + len(joined_b) <= _CHAR_LIMIT:
        ratio = max(ratio, difflib.SequenceMatcher(None, joined_a, joined_b).ratio())
    return ratio


def backup_excludes(copies: Sequence[Copy]) -> list[str]:
    """``--exclude`` globs that leave the copies found by name out: a backup folder whole, else
    the file. Copies found by content may be imported: leaving them out is the reviewer's call."""
    globs = []
    for copy in copies:
        if copy.found_by != "name":
            continue
        parts = copy.path.split("/")
        for i, part in enumerate(parts[:-1]):
            if _BACKUP_DIR.match(part):
                globs.append("/".join(parts[: i + 1]) + "/**")
                break
        else:
            if copy.path.endswith(".py"):
                globs.append(copy.path)
    return sorted(set(globs))
