"""The module import edges, each with the lines of its import statements, that ``report`` and
``graph`` draw from (the package overview, the focus view, the dependency matrix and the page's
explorer), in the results cache.

Counting them needs every file's facts, which a warm ``check`` or ``discover`` never decodes
(their results come from the results cache): on the 10,600-file benchmark tree that decode was
the largest single cost of a warm report (benchmarks/README.md). Keyed by the scan's results key,
which names every file's facts, the options and archguard's code, so a stale edge is never served.

Stored compactly (``ResultsCache.save_name_rows``): the module names once, each edge as two
indexes, and the lines of each edge's import statements beside them.
"""

from __future__ import annotations

from archguard.adapters.cache.results_cache import ResultsCache, results_key
from archguard.domain.structure import ModuleImports

LazyEdges = frozenset[tuple[str, str]]  # the edges made only of PEP 810 ``lazy`` imports


def edges_key(scan_key: bytes) -> bytes:
    return results_key("module-imports", scan_key)


def load_edges(cache: ResultsCache, key: bytes) -> tuple[ModuleImports, LazyEdges] | None:
    found = cache.load_name_rows("edges", key)
    if found is None:
        return None
    pairs, extra = found
    if not isinstance(extra, tuple) or len(extra) != 2:
        return None
    lines, lazy = extra
    if (
        not isinstance(lines, tuple)
        or not isinstance(lazy, tuple)
        or not len(lines) == len(lazy) == len(pairs)
    ):
        return None
    if any(len(pair) != 2 for pair in pairs) or not all(isinstance(at, tuple) for at in lines):
        return None
    edges = {(importer, imported): at for (importer, imported), at in zip(pairs, lines, strict=True)}
    return edges, frozenset(pair for pair, only_lazy in zip(edges, lazy, strict=True) if only_lazy)


def save_edges(cache: ResultsCache, key: bytes, edges: ModuleImports, lazy: LazyEdges) -> None:
    flags = tuple(pair in lazy for pair in edges)
    cache.save_name_rows("edges", key, edges.keys(), (tuple(edges.values()), flags))
