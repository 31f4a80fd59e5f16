"""The store on disk (the adapter of the app's ``store.Store`` port): where a run's cache lives,
and each entry as one signed file in it.

Opening a store decides where the cache may live before anything is read or written there
(``cache_location.py``: the default ``ROOT/.archguard_cache`` must resolve inside ROOT, no folder
may hold ROOT or its sources, a folder git tracks came with the tree and is not used at all).

On disk, ``results-<entry>.bin`` holds only the latest value of that entry::

    magic (8) | key (16) | then :func:`codec.seal`'s length, MAC and marshal payload

written atomically; anything that does not match (other key, other schema, another archguard,
truncated, corrupted) is a miss, and a file whose MAC does not verify under this user's key is
ignored with a notice (docs/security.md). The per-file parse outcomes have their own format
(``facts_cache.py``).
"""

from __future__ import annotations

import hashlib
import os
import warnings
from collections.abc import Callable, Sequence
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

from archguard.adapters.cache.cache_key import cache_key, notice_untrusted
from archguard.adapters.cache.cache_location import (
    check_cache_dir,
    default_cache_dir,
    run_cache_dir,
    tracked_by_git,
)
from archguard.adapters.cache.codec import UntrustedData, content_hash, seal, unseal
from archguard.adapters.cache.entries import EntryKind
from archguard.adapters.cache.facts_cache import FactsCache
from archguard.adapters.project_files.output_files import write_atomically
from archguard.adapters.project_files.safe_io import read_regular
from archguard.domain.sources import SourceFile

T = TypeVar("T")
MAGIC = b"AGRSLT\x00\x02"
_MISS_ERRORS = (TypeError, ValueError, KeyError, IndexError, AttributeError)


class DiskStore:
    """The cache folder of one run. ``DiskStore(None)`` keeps nothing (``--no-cache``)."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = Path(folder) if folder is not None else None
        self._facts: dict[tuple[str, tuple[int, int]], FactsCache] = {}

    @property
    def enabled(self) -> bool:
        return self.folder is not None and not self.unwritable

    @property
    def unwritable(self) -> bool:
        """Saving the parse outcomes failed: what is derived from this run is not kept either."""
        return any(facts.unwritable for facts in self._facts.values())

    def load(self, entry: EntryKind[T], key: bytes) -> T | None:
        plain = self._read(entry, key)
        if plain is None:
            return None
        try:
            return entry.decode(plain)
        except _MISS_ERRORS:  # a payload of another shape
            return None

    def save(self, entry: EntryKind[T], key: bytes, value: T) -> None:
        if not self.enabled:
            return
        try:
            plain = entry.encode(value)
        except _MISS_ERRORS as error:  # a value this entry cannot hold: a bug, never a lost run
            warnings.warn(f"archguard: {entry.name} not cached: {error}", stacklevel=2)
            return
        self._write(entry, key, plain)

    def cached(self, entry: EntryKind[T], key: bytes | None, compute: Callable[[], T]) -> T:
        """The stored value under ``key``, else ``compute()``, saved (``key`` None: not cached)."""
        if key is not None:
            found = self.load(entry, key)
            if found is not None:
                return found
        value = compute()
        if key is not None:
            self.save(entry, key, value)
        return value

    def facts(self, target: tuple[int, int]) -> FactsCache:
        return self._facts_cache("facts", target)

    def blob_facts(self, target: tuple[int, int]) -> FactsCache:
        return self._facts_cache("blobs", target)

    def _facts_cache(self, kind: str, target: tuple[int, int]) -> FactsCache:
        found = self._facts.get((kind, target))
        if found is None:
            found = self._facts[kind, target] = FactsCache(self.folder, target=target, kind=kind)
        return found

    # ---- files ---------------------------------------------------------------------------------

    def _file(self, entry: EntryKind[Any]) -> Path | None:
        return None if self.folder is None else self.folder / f"results-{entry.name}.bin"

    def _read(self, entry: EntryKind[Any], key: bytes) -> Any:
        path = self._file(entry)
        if path is None:
            return None
        try:
            data, _ = read_regular(path)  # a FIFO or a device planted here is a miss
        except OSError:
            return None
        identity = MAGIC + _keyed(entry, key)
        try:
            return unseal(data, identity, cache_key())
        except UntrustedData:
            notice_untrusted(path)
            return None

    def _write(self, entry: EntryKind[Any], key: bytes, plain: Any) -> None:
        path = self._file(entry)
        if path is None:
            return
        try:
            data = seal(MAGIC + _keyed(entry, key), plain, cache_key())
            write_atomically(path, data)
        except (OSError, ValueError) as error:
            # A result that cannot be cached costs speed next time, never the result of this run.
            warnings.warn(f"archguard: results not cached in {path}: {error}", stacklevel=3)


def open_store(
    root: Path,
    cache_dir: Path | None,
    *,
    no_cache: bool,
    files: Sequence[SourceFile],
    git_tracked: Sequence[str] | None,
    include_loose: bool,
    tracked: bool | None = None,
) -> DiskStore:
    """The store of a run over ROOT's ``files``: ``cache_dir`` (None: ROOT/.archguard_cache) unless
    ``no_cache``; no store (a notice) when git tracks files in it (``git_tracked``: git's list;
    ``tracked``: the answer already known); a packages-only run (CanonicalContract under
    lint-imports) in a folder of its own. Raises ConfigError for a folder that is ROOT, holds ROOT
    or holds ROOT's sources."""
    if no_cache:
        return DiskStore(None)
    folder = cache_dir or default_cache_dir(root)
    check_cache_dir(folder, root, files)
    if tracked is None:
        tracked = tracked_by_git(folder, root, git_tracked)
    if tracked:
        warnings.warn(
            f"archguard: ignoring the cache in {folder}: git tracks files in it, so it came with the "
            f"tree and is not trusted; running without it (untrack it: git rm -r --cached {folder})",
            stacklevel=3,
        )
        return DiskStore(None)
    return DiskStore(run_cache_dir(folder, root, include_loose=include_loose))


def _keyed(entry: EntryKind[Any], key: bytes) -> bytes:
    """The key, bound to archguard's own code and to the entry's schema: a new archguard version,
    or a local edit to it, never reads values an older one stored."""
    return content_hash(key + entry.schema + code_digest())


@cache
def code_digest() -> bytes:
    # archguard/, three levels up from archguard/adapters/cache/store.py: all of our code
    # (analysis included), not only the adapters. Listed with scandir and read with open: every
    # run pays this, and pathlib's rglob and read_bytes cost twice as much.
    package = os.fspath(Path(__file__).resolve().parents[2])
    digest = hashlib.blake2b(digest_size=16)
    try:
        sources = sorted(_python_files(package))
        for source in sources:
            digest.update(source.encode())
            with open(os.path.join(package, source), "rb") as file:
                digest.update(file.read())
    except OSError:
        sources = []
    if not sources:  # our own code cannot be read (installed without sources?): trust nothing
        return os.urandom(16)
    return digest.digest()


def _python_files(package: str) -> list[str]:
    """The ``.py`` files under ``package``, relative to it with "/"."""
    found: list[str] = []
    pending = [""]
    while pending:
        folder = pending.pop()
        with os.scandir(os.path.join(package, folder) if folder else package) as entries:
            for entry in entries:
                relative = f"{folder}/{entry.name}" if folder else entry.name
                if entry.is_dir(follow_symlinks=False):
                    if entry.name != "__pycache__":
                        pending.append(relative)
                elif entry.name.endswith(".py"):
                    found.append(relative)
    return found
