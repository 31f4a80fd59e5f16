"""What ``check --changed`` learned about re-export chains, in the results cache.

Which findings a change is answerable for is decided by following, from each finding's module,
the modules it takes names from (``analysis.changes.ChangeReach``); each step decodes that
module's facts. On the 10,600-file benchmark tree with 2,500 findings outside a change that was
about 1 s of a `--changed` run (benchmarks/README.md, "The ratchet loop"). The steps depend only
on the facts and module names, so they are kept under the scan's results key (which names every
file's facts), and a later run of the same tree, as a pre-commit hook repeats it, decodes nothing.

Stored compactly (``ResultsCache.save_name_rows``): the module names once, a row per module
(the module, then its sources).
"""

from __future__ import annotations

from collections.abc import Mapping

from archguard.adapters.cache.results_cache import ResultsCache, results_key

Sources = dict[str, tuple[str, ...]]  # module -> the modules it takes names from


def sources_key(scan_key: bytes) -> bytes:
    return results_key("reexport-sources", scan_key)


def load_sources(cache: ResultsCache, key: bytes) -> Sources | None:
    found = cache.load_name_rows("reexports", key)
    return None if found is None else {row[0]: row[1:] for row in found[0] if row}


def save_sources(cache: ResultsCache, key: bytes, sources: Mapping[str, tuple[str, ...]]) -> None:
    cache.save_name_rows("reexports", key, ((module, *targets) for module, targets in sources.items()))
