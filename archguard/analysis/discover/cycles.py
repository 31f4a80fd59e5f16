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

from collections.abc import Callable

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
        path = shortest_cycle(runtime, component)
        if not path:
            continue
        cycles.append(
            Cycle(
                modules=tuple(sorted(component)),
                path=tuple(_edge(runtime, a, b) for a, b in path),
                breakers=tuple(_edge(runtime, a, b) for a, b in _breakers(runtime, component)),
            )
        )
    return sorted(cycles, key=lambda c: (-len(c.modules), c.modules))


def shortest_cycle(graph: nx.DiGraph, members: set[str]) -> list[tuple[str, str]]:
    """The shortest directed cycle (as edges) among the strongly connected ``members`` of
    ``graph``, by a breadth-first search from each of their best-connected modules (all of them
    in a small component), neighbours in name order."""

    def inside(module: str) -> list[str]:
        return sorted(m for m in graph.succ[module] if m in members)

    def degree(module: str) -> int:
        return sum(m in members for m in graph.succ[module]) + sum(m in members for m in graph.pred[module])

    best: list[tuple[str, str]] = []
    for start in sorted(members, key=lambda n: (-degree(n), n))[:_START_NODES]:
        found = _cycle_through(graph, inside, start, len(best) - 1 if best else None)
        if found and (not best or len(found) < len(best)):
            best = found
            if len(best) == 2:
                break
    return best


def _cycle_through(
    graph: nx.DiGraph, inside: Callable[[str], list[str]], start: str, limit: int | None
) -> list[tuple[str, str]]:
    """The shortest cycle through ``start`` of at most ``limit`` + 1 edges (any, without a
    limit): the first module breadth-first that imports ``start`` closes it."""
    parent: dict[str, str] = {}
    for importer, imported in nx.generic_bfs_edges(graph, start, neighbors=inside, depth_limit=limit):
        parent[imported] = importer
        if graph.has_edge(imported, start):
            chain = [imported]
            while chain[-1] != start:
                chain.append(parent[chain[-1]])
            chain.reverse()
            return list(zip(chain, [*chain[1:], start], strict=True))
    return []


def _breakers(runtime: nx.DiGraph, component: set[str]) -> list[tuple[str, str]]:
    graph = nx.DiGraph()
    ordered = sorted(component)  # the same graph, so the same answers, whatever the hash seed
    graph.add_nodes_from(ordered)
    graph.add_edges_from((a, b) for a in ordered for b in sorted(runtime.succ[a]) if b in component)
    removed: list[tuple[str, str]] = []
    while len(removed) < MAX_BREAKERS:
        cyclic = [c for c in nx.strongly_connected_components(graph) if len(c) > 1]
        if not cyclic:
            break
        biggest = max(cyclic, key=lambda c: (len(c), min(c)))
        cycle = shortest_cycle(graph, biggest)
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
