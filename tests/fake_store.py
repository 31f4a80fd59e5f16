"""A store kept in memory (the app's ``store.Store`` port), for tests: it counts what each entry was
asked for, so a test sees what a run took from the store and what it derived, without patching
the engine's insides. Values go through each entry's plain form, as on disk."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from archguard.adapters.cache.facts_cache import FactsCache

T = TypeVar("T")


class MemoryStore:
    def __init__(self, facts_dir: Path | None = None) -> None:
        self.values: dict[str, tuple[bytes, Any]] = {}  # entry name -> (key, plain value)
        self.loads: Counter[str] = Counter()
        self.hits: Counter[str] = Counter()
        self.saves: Counter[str] = Counter()
        self._facts_dir = facts_dir
        self._facts: dict[tuple[str, tuple[int, int]], FactsCache] = {}

    @property
    def enabled(self) -> bool:
        return True

    def load(self, entry: Any, key: bytes) -> Any:
        self.loads[entry.name] += 1
        found = self.values.get(entry.name)
        if found is None or found[0] != key:
            return None
        self.hits[entry.name] += 1
        return entry.decode(found[1])

    def save(self, entry: Any, key: bytes, value: Any) -> None:
        self.saves[entry.name] += 1
        self.values[entry.name] = (key, entry.encode(value))

    def cached(self, entry: Any, key: bytes | None, compute: Callable[[], T]) -> T:
        if key is not None:
            found = self.load(entry, key)
            if found is not None:
                return found  # type: ignore[no-any-return]
        value = compute()
        if key is not None:
            self.save(entry, key, value)
        return value

    def facts(self, target: tuple[int, int]) -> FactsCache:
        return self._cache("facts", target)

    def blob_facts(self, target: tuple[int, int]) -> FactsCache:
        return self._cache("blobs", target)

    def _cache(self, kind: str, target: tuple[int, int]) -> FactsCache:
        found = self._facts.get((kind, target))
        if found is None:
            found = self._facts[kind, target] = FactsCache(self._facts_dir, target=target, kind=kind)
        return found
