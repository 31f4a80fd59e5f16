"""The module import edge counts that ``report`` and ``graph`` draw the package overview and the
focus view from, in the results cache.

Counting them needs every file's facts, which a warm ``check`` or ``discover`` never decodes
(their results come from the results cache): on the 10,600-file benchmark tree that decode was
the largest single cost of a warm report (benchmarks/README.md). Keyed by the scan's results key,
which names every file's facts, the options and archguard's code, so a stale count is never served.

Stored compactly: the module names once, then each edge as three integers (importer's index,
imported's index, import statements).
"""

from __future__ import annotations

from typing import Any

from archguard.adapters.cache.results_cache import ResultsCache, results_key

EdgeCounts = dict[tuple[str, str], int]  # (importer module, imported module) -> import statements


def edges_key(scan_key: bytes) -> bytes:
    return results_key("module-edges", scan_key)


def load_edges(cache: ResultsCache, key: bytes) -> EdgeCounts | None:
    plain: Any = cache._load("edges", key)
    try:
        modules, flat = plain
        if len(flat) % 3:
            return None
        return {(modules[flat[i]], modules[flat[i + 1]]): flat[i + 2] for i in range(0, len(flat), 3)}
    except (TypeError, ValueError, IndexError):  # a miss, or a payload of another shape
        return None


def save_edges(cache: ResultsCache, key: bytes, edges: EdgeCounts) -> None:
    index: dict[str, int] = {}
    flat: list[int] = []
    for (importer, imported), count in edges.items():
        flat += (index.setdefault(importer, len(index)), index.setdefault(imported, len(index)), count)
    cache._save("edges", key, (tuple(index), tuple(flat)))
