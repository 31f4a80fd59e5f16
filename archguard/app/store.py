"""The one store through which the use cases cache what they derive (a port; the adapter that keeps
it on disk is ``archguard/adapters/cache/store.py``, a fake for tests is ``tests/fake_store.py``).

A use case never builds a cache folder, a file name or a key: it asks the store for an *entry*
(what kind of value, and how it is kept: ``archguard/adapters/cache/entries.py``) under a key
composed in ``archguard/app/keys.py``::

    result = store.cached(entries.GOLDEN, keys.golden(scan_key, labels), compute)

Keys are digests of everything a value depends on, so a stored value is never stale: another key
is simply a miss. A store that keeps nothing (``--no-cache``, a cache folder that came with the
tree) answers every ``load`` with None and drops every ``save``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

if TYPE_CHECKING:
    from archguard.adapters.cache.facts_cache import FactsCache

T = TypeVar("T")


class Entry(Protocol[T]):
    """One kind of stored value: its name (one file per name in the disk store) and its plain
    form. ``decode`` raises TypeError, ValueError, KeyError or IndexError on a payload of another
    shape, which the store treats as a miss."""

    @property
    def name(self) -> str: ...

    @property
    def schema(self) -> bytes:
        """Changes whenever the stored classes do (bound into every key)."""
        ...

    def encode(self, value: T) -> Any: ...

    def decode(self, plain: Any) -> T: ...


class Store(Protocol):
    @property
    def enabled(self) -> bool:
        """False: nothing is kept (loads miss, saves are dropped)."""
        ...

    def load(self, entry: Entry[T], key: bytes) -> T | None: ...

    def save(self, entry: Entry[T], key: bytes, value: T) -> None: ...

    def cached(self, entry: Entry[T], key: bytes | None, compute: Callable[[], T]) -> T:
        """The stored value under ``key``, else ``compute()``, saved (``key`` None: not cached)."""
        ...

    def facts(self, target: tuple[int, int]) -> FactsCache:
        """The per-file parse outcomes of this store's folder (keyed by path and content)."""
        ...

    def blob_facts(self, target: tuple[int, int]) -> FactsCache:
        """Parse outcomes of files read from git's objects (``Engine.at_commit``), kept apart from
        the working tree's so a walk through history does not evict them."""
        ...
