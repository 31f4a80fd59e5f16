"""Import cycles: strongly connected components of the run-time module graph.

For each component: its shortest cycle, spelled out edge by edge with the file and line of the
import, and a small set of *breakers*: imports whose removal leaves the component acyclic, found
greedily (docs/discover.md): take the shortest remaining cycle, remove its edge that imports the
importer's own package (import from the defining module instead), else its edge made of the fewest
import statements (the cheapest to move into a function), repeat. Components are large in real
code (hundreds of modules), so the greedy loop stops after :data:`MAX_BREAKERS` and says so by
returning that many.
"""

from __future__ import annotations

from collections import deque

import networkx as nx

from archguard.domain.discovery import Cycle, CycleEdge

MAX_BREAKERS = 10
_START_NODES = 30  # shortest-cycle search starts from at most this many nodes of a big component


def find_cycles(runtime: nx.DiGraph) -> list[Cycle]:
    """Every cyclic component, largest first."""
    cycles = []
    for component in nx.strongly_connected_components(runtime):
        if len(component) < 2:
            continue
        adjacency = {n: {m for m in runtime.successors(n) if m in component} for n in component}
        path = shortest_cycle(adjacency)
        if not path:
            continue
        cycles.append(
            Cycle(
                modules=tuple(sorted(component)),
                path=tuple(_edge(runtime, a, b) for a, b in path),
                breakers=tuple(_edge(runtime, a, b) for a, b in _breakers(runtime, adjacency)),
            )
        )
    return sorted(cycles, key=lambda c: (-len(c.modules), c.modules))


def shortest_cycle(adjacency: dict[str, set[str]]) -> list[tuple[str, str]]:
    """The shortest directed cycle (as edges) of a graph given as node -> successors, by a BFS
    from each of the best-connected nodes (all of them in a small component)."""
    in_degree: dict[str, int] = dict.fromkeys(adjacency, 0)
    for succs in adjacency.values():
        for m in succs:
            in_degree[m] = in_degree.get(m, 0) + 1
    nodes = sorted(adjacency, key=lambda n: (-in_degree[n] - len(adjacency[n]), n))[:_START_NODES]
    best: list[tuple[str, str]] = []
    for start in nodes:
        found = _cycle_through(adjacency, start, len(best) - 1 if best else None)
        if found and (not best or len(found) < len(best)):
            best = found
            if len(best) == 2:
                break
    return best


def _cycle_through(adjacency: dict[str, set[str]], start: str, limit: int | None) -> list[tuple[str, str]]:
    parent: dict[str, str | None] = {start: None}
    depth = {start: 0}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        if limit is not None and depth[node] >= limit:
            continue
        for succ in sorted(adjacency.get(node, ())):
            if succ == start:
                chain = [node]
                while parent[chain[-1]] is not None:
                    chain.append(parent[chain[-1]])  # type: ignore[arg-type]
                chain.reverse()
                return list(zip(chain, [*chain[1:], start], strict=False))
            if succ not in parent:
                parent[succ] = node
                depth[succ] = depth[node] + 1
                queue.append(succ)
    return []


def _breakers(runtime: nx.DiGraph, adjacency: dict[str, set[str]]) -> list[tuple[str, str]]:
    graph = nx.DiGraph([(a, b) for a, succs in adjacency.items() for b in succs])
    removed: list[tuple[str, str]] = []
    while len(removed) < MAX_BREAKERS:
        cyclic = [c for c in nx.strongly_connected_components(graph) if len(c) > 1]
        if not cyclic:
            break
        biggest = max(cyclic, key=len)
        cycle = shortest_cycle({n: {m for m in graph.succ[n] if m in biggest} for n in biggest})
        if not cycle:
            break
        cheapest = min(cycle, key=lambda e: (not _imports_own_package(*e), len(runtime.edges[e]["sites"]), e))
        graph.remove_edge(*cheapest)
        removed.append(cheapest)
    return removed


def _imports_own_package(importer: str, imported: str) -> bool:
    """``app.checks.caches`` importing ``app.checks``: the usual edge to cut (import the name from
    the module that defines it instead of from the package that re-exports it)."""
    return importer.startswith(imported + ".")


def _edge(graph: nx.DiGraph, importer: str, imported: str) -> CycleEdge:
    path, line = graph.edges[importer, imported]["sites"][0]
    return CycleEdge(importer, imported, path, line)
