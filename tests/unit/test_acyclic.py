"""The module structure's cycle pre-check (``structure._acyclic``, which lets diff and history
skip networkx when there is no cycle) says what networkx says, on random graphs."""

from __future__ import annotations

import random

import networkx as nx

from archguard.analysis.discover.structure import _acyclic


def test_acyclic_agrees_with_networkx_on_random_graphs() -> None:
    rng = random.Random(26)
    seen = {True: 0, False: 0}
    for _ in range(600):
        nodes = [f"m{i}" for i in range(rng.randint(1, 12))]
        edges = {
            (a, b) for _ in range(rng.randint(0, 18)) if (a := rng.choice(nodes)) != (b := rng.choice(nodes))
        }
        graph = nx.DiGraph(list(edges))
        expected = nx.is_directed_acyclic_graph(graph)
        assert _acyclic(edges) is expected, sorted(edges)
        seen[expected] += 1
    assert seen[True] > 50 and seen[False] > 50  # both answers exercised
