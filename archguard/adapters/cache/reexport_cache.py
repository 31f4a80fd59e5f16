"""What ``check --changed`` learned about re-export chains, in the results cache.

Which findings a change is answerable for is decided by following, from each finding's module,
the modules it takes names from (``analysis.changes.ChangeReach``); each step decodes that
module's facts. On the 10,600-file benchmark tree with 2,500 findings outside a change that was
about 1 s of a `--changed` run (benchmarks/README.md, "The ratchet loop"). The steps depend only
on the facts and module names, so they are kept under the scan's results key (which names every
file's facts), and a later run of the same tree, as a pre-commit hook repeats it, decodes nothing.

Stored compactly: the module names once, then per module its sources as indexes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from archguard.adapters.cache.results_cache import ResultsCache, results_key

Sources = dict[str, tuple[str, ...]]  # module -> the modules it takes names from


def sources_key(scan_key: bytes) -> bytes:
    return results_key("reexport-sources", scan_key)


def load_sources(cache: ResultsCache, key: bytes) -> Sources | None:
    plain: Any = cache._load("reexports", key)
    try:
        modules, rows = plain
        return {modules[row[0]]: tuple(modules[i] for i in row[1:]) for row in rows}
    except (TypeError, ValueError, IndexError):  # a miss, or a payload of another shape
        return None


def save_sources(cache: ResultsCache, key: bytes, sources: Mapping[str, tuple[str, ...]]) -> None:
    index: dict[str, int] = {}
    rows = tuple(
        (index.setdefault(module, len(index)), *(index.setdefault(t, len(index)) for t in targets))
        for module, targets in sources.items()
    )
    cache._save("reexports", key, (tuple(index), rows))
