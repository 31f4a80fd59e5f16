"""The store on disk (the adapter of the app's ``store.Store`` port): where a run's cache lives,
and each entry as one signed file in it.

Opening a store decides where the cache may live before anything is read or written there
(``cache_location.py``: the default ``ROOT/.archguard_cache`` must resolve inside ROOT, no folder
may hold ROOT or its sources, a folder git tracks came with the tree and is not used at all).

On disk, ``results-<entry>.bin`` holds only the latest value of that entry::

    magic (8) | key (16) | then :func:`codec.seal`'s length, MAC and marshal payload

The file-by-file state of an incremental run (``entries.StateEntry``: ten thousand files'
records) is kept in two layers (``layered.py``): the base file holds (base id, the whole state),
and ``results-<entry>.delta.bin`` (magic ``AGRSLTD``) holds (base id, (the names added, the records
that differ from the base's by their place, every pass's record, the number of files)). A run that
re-derived a few files writes the delta only, made of the records that are not the very objects
it loaded; a delta of another base (written since) is never applied, and the base alone is then
an older state an incremental run continues from as well.

Every file is written atomically; anything that does not match (other key, other schema, another archguard,
truncated, corrupted) is a miss, and a file whose MAC does not verify under this user's key is
ignored with a notice (docs/security.md). The per-file parse outcomes have their own format
(``facts_cache.py``).
"""

from __future__ import annotations

import hashlib
import os
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Protocol, TypeVar, cast

from archguard.adapters.cache.cache_key import cache_key
from archguard.adapters.cache.cache_location import (
    check_cache_dir,
    default_cache_dir,
    run_cache_dir,
    tracked_by_git,
)
from archguard.adapters.cache.codec import content_hash, seal
from archguard.adapters.cache.entries import EntryKind, StateEntry
from archguard.adapters.cache.facts_cache import FactsCache
from archguard.adapters.cache.layered import Fold, Layers, new_base_id, read_sealed
from archguard.adapters.project_files.output_files import write_atomically
from archguard.domain.derived import DerivedState
from archguard.domain.sources import SourceFile

T = TypeVar("T")
MAGIC = b"AGRSLT\x00\x02"
# 3: the delta is (base id, what changed), as layered.py seals every delta (2: a flat 5-tuple)
DELTA_MAGIC = b"AGRSLTD\x03"
# a new base once the records changed since the base pass an eighth of the files (64 at least)
FOLD = Fold(share=8, least=64)
_MISS_ERRORS = (TypeError, ValueError, KeyError, IndexError, AttributeError)


class DiskStore:
    """The cache folder of one run. ``DiskStore(None)`` keeps nothing (``--no-cache``)."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = Path(folder) if folder is not None else None
        self._facts: dict[tuple[str, tuple[int, int]], FactsCache] = {}
        self._loaded: dict[str, _Loaded] = {}  # per state entry: what its files hold now

    @property
    def enabled(self) -> bool:
        return self.folder is not None and not self.unwritable

    @property
    def unwritable(self) -> bool:
        """Saving the parse outcomes failed: what is derived from this run is not kept either."""
        return any(facts.unwritable for facts in self._facts.values())

    def load(self, entry: EntryKind[T], key: bytes) -> T | None:
        if isinstance(entry, StateEntry):
            return cast("T | None", self._load_state(entry, key))
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
        if isinstance(entry, StateEntry):
            self._save_state(entry, key, cast("DerivedState", value))
            return
        encoded = _encoded(entry, value)
        if encoded is not None:
            self._write(entry, key, encoded[0])

    def cached(self, entry: EntryKind[T], key: bytes | None, compute: Callable[[], T]) -> T:
        """The stored value under ``key``, else ``compute()``, saved (``key`` None: not cached)."""
        return cached_in(self, entry, key, compute)

    def facts(self, target: tuple[int, int]) -> FactsCache:
        return self._facts_cache("facts", target)

    def blob_facts(self, target: tuple[int, int]) -> FactsCache:
        return self._facts_cache("blobs", target)

    def _facts_cache(self, kind: str, target: tuple[int, int]) -> FactsCache:
        found = self._facts.get((kind, target))
        if found is None:
            found = self._facts[kind, target] = FactsCache(self.folder, target=target, kind=kind)
        return found

    # ---- the file-by-file state, in layers -------------------------------------------------------

    def _load_state(self, entry: StateEntry, key: bytes) -> DerivedState | None:
        """The base's state with the delta laid over it (when the delta is of that base)."""
        layers = self._layers(entry, key)
        if layers is None:
            return None
        base = read_sealed(layers.base, MAGIC + _keyed(entry, key))
        if not (
            isinstance(base, tuple) and len(base) == 2 and isinstance(base[1], tuple) and len(base[1]) == 3
        ):
            return None
        base_id, (names, files, passes) = base
        change = layers.read_delta(base_id)
        records: dict[int, Any] = {}
        try:
            if (
                isinstance(change, tuple)
                and len(change) == 4
                and isinstance(change[1], dict)
                and change[3] == len(files)
            ):
                added, records, passes, _ = change
                names = (*names, *added)
                merged = list(files)
                for i, record in records.items():
                    merged[i] = record
                files = merged
            state = entry.decode((names, files, passes))
        except _MISS_ERRORS:  # a payload of another shape
            return None
        self._loaded[entry.name] = _Loaded(key, base_id, len(base[1][0]), state, dict(records))
        return state

    def _save_state(self, entry: StateEntry, key: bytes, state: DerivedState) -> None:
        """A delta of the base (:func:`_change_since`) while there is one to write; else the whole
        state as a new base."""
        layers = self._layers(entry, key)
        if layers is None:
            return
        loaded = self._loaded.get(entry.name)
        change = _change_since(entry, loaded, state) if loaded is not None and loaded.key == key else None
        if loaded is not None and change is not None:
            sealed = layers.seal_delta(loaded.base_id, change)
            if _written(layers.delta, lambda: layers.write_delta(sealed)):
                self._loaded[entry.name] = _Loaded(key, loaded.base_id, loaded.base_names, state, change[1])
            return
        encoded = _encoded(entry, state)
        if encoded is None:
            return
        base_id, identity = new_base_id(), MAGIC + _keyed(entry, key)
        if _written(
            layers.base, lambda: layers.write_base(seal(identity, (base_id, encoded[0]), cache_key()))
        ):
            self._loaded[entry.name] = _Loaded(key, base_id, len(state.names), state, {})

    # ---- files ---------------------------------------------------------------------------------

    def _file(self, entry: EntryKind[Any]) -> Path | None:
        if self.folder is None:
            return None
        return self.folder / f"results-{entry.name}.bin"

    def _layers(self, entry: StateEntry, key: bytes) -> Layers | None:
        path = self._file(entry)
        return None if path is None else Layers(path, DELTA_MAGIC + _keyed(entry, key))

    def _read(self, entry: EntryKind[Any], key: bytes) -> Any:
        path = self._file(entry)
        return None if path is None else read_sealed(path, MAGIC + _keyed(entry, key))

    def _write(self, entry: EntryKind[Any], key: bytes, plain: Any) -> bool:
        path = self._file(entry)
        if path is None:
            return False
        return _written(
            path, lambda: write_atomically(path, seal(MAGIC + _keyed(entry, key), plain, cache_key()))
        )


def _change_since(entry: StateEntry, loaded: _Loaded, state: DerivedState) -> tuple | None:
    """What the delta over ``loaded``'s base holds for ``state``: (the names added, every record
    changed since the base by place, this run's and earlier runs', plain; every pass's record; the
    number of files). A changed record is one that is not the very object loaded (or last saved).
    None: a new base is due, because files came or went, the names were made anew, or the records
    changed since the base are due to be folded (:data:`FOLD`: past it, every load would decode
    two whole states)."""
    known = loaded.state
    if len(state.files) != len(known.files) or state.names[: len(known.names)] != known.names:
        return None
    changed = [
        i for i, (now, then) in enumerate(zip(state.files, known.files, strict=True)) if now is not then
    ]
    if FOLD.due(len(changed), len(state.files)) or any(
        state.files[i].identity.path != known.files[i].identity.path for i in changed
    ):
        return None
    records = dict(loaded.records)
    records.update((i, entry.encode_record(state.files[i])) for i in changed)
    if FOLD.due(len(records), len(state.files)):
        return None
    return state.names[loaded.base_names :], records, entry.encode_passes(state.passes), len(state.files)


def _encoded(entry: EntryKind[T], value: T) -> tuple[Any] | None:
    """``(value in plain form,)``; None, with a notice, for a value the entry cannot hold: a bug,
    never a lost run."""
    try:
        return (entry.encode(value),)
    except _MISS_ERRORS as error:
        warnings.warn(f"archguard: {entry.name} not cached: {error}", stacklevel=4)
        return None


def _written(path: Path, write: Callable[[], None]) -> bool:
    """Did ``write`` write ``path``? A result that cannot be cached costs speed next time, never
    the result of this run: a notice instead."""
    try:
        write()
    except (OSError, ValueError) as error:
        warnings.warn(f"archguard: results not cached in {path}: {error}", stacklevel=4)
        return False
    return True


class Keeps(Protocol):
    """What ``cached_in`` needs of a store."""

    def load(self, entry: EntryKind[T], key: bytes) -> T | None: ...

    def save(self, entry: EntryKind[T], key: bytes, value: T) -> None: ...


def cached_in(store: Keeps, entry: EntryKind[T], key: bytes | None, compute: Callable[[], T]) -> T:
    """``store``'s value under ``key``, else ``compute()``, saved (``key`` None: not cached): the
    ``cached`` of every store (this one, and the views of it a use case makes: app/diff.py)."""
    if key is not None:
        found = store.load(entry, key)
        if found is not None:
            return found
    value = compute()
    if key is not None:
        store.save(entry, key, value)
    return value


@dataclass(frozen=True)
class _Loaded:
    """What a state entry's two files hold (as this run last read or wrote them): under which
    key, the base's id and how many names it has, the state they make together (its records the
    very objects handed out), and the delta's records by place (plain)."""

    key: bytes
    base_id: bytes
    base_names: int
    state: DerivedState
    records: dict[int, Any]


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
