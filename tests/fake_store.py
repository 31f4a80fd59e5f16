"""A store kept in memory (the app's ``store.Store`` port), for tests: it counts what each entry was
asked for, so a test sees what a run took from the store and what it derived, without patching
the engine's insides. Values go through each entry's plain form, as on disk."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from archguard.adapters.cache.store import DiskStore


class MemoryStore(DiskStore):
    """Every entry in memory; the parse outcomes in ``facts_dir`` as a ``DiskStore`` keeps them
    (None: none kept). ``cached`` and the facts caches are the real store's."""

    def __init__(self, facts_dir: Path | None = None) -> None:
        super().__init__(facts_dir)
        self.values: dict[str, tuple[bytes, Any]] = {}  # entry name -> (key, plain value)
        self.loads: Counter[str] = Counter()
        self.hits: Counter[str] = Counter()
        self.saves: Counter[str] = Counter()

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
