"""Hotspots: modules ranked by how much fragmentation and coupling runs through them, and how often
they change.

``coupling = 2 x non-canonical importers through the module + fan-in / 10 + fan-out / 20 + 10 x
betweenness`` (docs/discover.md), over the modules that host a non-canonical access path, a shim
or a cycle: a module many files reach a concept through, that much of the graph passes through, is
where a fix pays most. Then :func:`with_churn`: ``score = (coupling + findings) x (1 + log2(1 +
changes))``, where ``changes`` counts the commits that touched the module's file in the churn
window: drift is born where coupled code keeps changing (CodeScene's hotspots, at module level and
with the import graph's coupling instead of lines of code). Betweenness is networkx's, sampled (``k`` sources) and, above WHOLE_GRAPH_LIMIT modules, taken on
the candidates and their direct neighbours only, so its cost stays bounded on any tree.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from archguard.domain.discovery import Cluster, Cycle, Hotspot, Shim

if TYPE_CHECKING:  # networkx is loaded where hotspots are found: a warm discover only reweighs them
    import networkx as nx

BETWEENNESS_SAMPLES = 16
# Above this many modules, betweenness is taken on the candidates and their direct neighbours only
# (the bounded subgraph where a fix happens), so its cost does not grow with the tree.
WHOLE_GRAPH_LIMIT = 1000


def find_hotspots(
    graph: nx.DiGraph,
    paths: Mapping[str, str],
    importer_files: Mapping[str, set[str]],
    clusters: Sequence[Cluster],
    shims: Sequence[Shim],
    cycles: Sequence[Cycle],
) -> list[Hotspot]:
    import networkx as nx

    through: dict[str, set[str]] = {}
    for cluster in clusters:
        for access in cluster.access_paths:
            if not access.canonical:
                through.setdefault(access.module, set()).update(access.importers)
    candidates = set(through) | {s.module for s in shims} | {e.importer for c in cycles for e in c.path}
    candidates = {m for m in candidates if m in paths}
    if not candidates:
        return []
    if graph.number_of_nodes() > WHOLE_GRAPH_LIMIT:
        near = set(candidates)
        for module in candidates:
            if module in graph:
                near.update(graph.predecessors(module))
                near.update(graph.successors(module))
        graph = nx.DiGraph(graph.subgraph(sorted(near)[: WHOLE_GRAPH_LIMIT * 2]))
    # Exact below the sample size (sampling every node would only reorder the sums).
    nodes = graph.number_of_nodes()
    k = BETWEENNESS_SAMPLES if nodes > BETWEENNESS_SAMPLES else None
    betweenness = nx.betweenness_centrality(graph, k=k, seed=0) if nodes >= 3 else {}
    hotspots = []
    for module in candidates:
        fan_in = len(importer_files.get(module, ()))
        non_canonical = len(through.get(module, ()))
        b = betweenness.get(module, 0.0)
        fan_out = graph.out_degree(module) if module in graph else 0
        score = round(2 * non_canonical + fan_in / 10 + fan_out / 20 + 10 * b, 3)
        hotspots.append(
            Hotspot(module, paths[module], score, fan_in, round(b, 4), non_canonical, fan_out, coupling=score)
        )
    return sorted(hotspots, key=lambda h: (-h.score, h.module))


def with_churn(
    hotspots: Sequence[Hotspot],
    findings: Mapping[str, int],
    changes: Mapping[str, int],
    churn_lines: Mapping[str, int],
) -> list[Hotspot]:
    """The hotspots weighed by the findings in their files and by how often those changed (all
    keyed by path), ranked again."""
    weighed = []
    for h in hotspots:
        found, changed = findings.get(h.path, 0), changes.get(h.path, 0)
        score = round((h.coupling + found) * (1 + math.log2(1 + changed)), 3)
        weighed.append(
            replace(h, score=score, findings=found, changes=changed, churn_lines=churn_lines.get(h.path, 0))
        )
    return sorted(weighed, key=lambda h: (-h.score, h.module))
