"""The neighbourhood of one module: the modules within ``depth`` imports of it, either way
(importers on the left, imported modules on the right; 40 nodes, nearest first)."""

from __future__ import annotations

from collections import Counter, defaultdict, deque
from collections.abc import Collection, Sequence

from archguard.domain.sources import SourceFile
from archguard.reporting.diagrams.model import LAZY_LEGEND, Diagram, Edge, ModuleEdges, Node, NodeIds, slug

FOCUS_NODE_BUDGET = 40


def focus_diagram(
    files: Sequence[SourceFile],
    module_edges: ModuleEdges,
    focus: str,
    *,
    depth: int = 1,
    node_budget: int = FOCUS_NODE_BUDGET,
    lazy_edges: Collection[tuple[str, str]] = frozenset(),
) -> Diagram:
    """The modules within ``depth`` imports of ``focus``, either way. ``focus`` is a module name
    or a file path; a ValueError names it when the tree has no such module. Edges in
    ``lazy_edges`` (only PEP 810 ``lazy`` imports) are drawn dashed."""
    by_path = {f.path: f.module for f in files}
    modules = {f.module for f in files}
    focus_module = focus if focus in modules else by_path.get(focus)
    if focus_module is None:
        raise ValueError(f"no module or file named {focus!r} in the tree")
    imports: dict[str, set[str]] = defaultdict(set)
    importers: dict[str, set[str]] = defaultdict(set)
    for importer, imported in module_edges:
        if importer != imported:
            imports[importer].add(imported)
            importers[imported].add(importer)

    # Breadth-first both ways: "up" is what imports the focus, "down" what it imports.
    distance: dict[str, int] = {focus_module: 0}
    side: dict[str, str] = {focus_module: "focus"}
    queue: deque[str] = deque([focus_module])
    while queue:
        current = queue.popleft()
        if distance[current] >= depth:
            continue
        for direction, neighbours in (("down", imports[current]), ("up", importers[current])):
            if side[current] not in ("focus", direction):
                continue  # keep each side a chain away from the focus, not a sideways walk
            for neighbour in sorted(neighbours):
                if neighbour not in distance:
                    distance[neighbour] = distance[current] + 1
                    side[neighbour] = direction
                    queue.append(neighbour)
    # Nearest first; at one distance importers and imported modules take turns (each side by
    # degree), so a module with 500 importers still shows what it imports.
    turn: dict[str, int] = {}
    for d in range(depth + 1):
        for direction in ("up", "down", "focus"):
            members = sorted(
                (m for m in distance if distance[m] == d and side[m] == direction),
                key=lambda m: (-(len(imports[m]) + len(importers[m])), m),
            )
            turn.update({m: i for i, m in enumerate(members)})
    ranked = sorted(distance, key=lambda m: (distance[m], turn[m], side[m] != "up", m))
    shown = set(ranked[:node_budget])
    hidden = Counter(side[m] for m in ranked[node_budget:])

    ids = NodeIds()
    diagram = Diagram(
        name=f"focus-{slug(focus_module)}",
        title=(
            f"Focus {focus_module}: {len(importers[focus_module])} importer(s), "
            f"{len(imports[focus_module])} imported; depth {depth}"
        ),
    )
    for module in sorted(shown, key=lambda m: (distance[m], m)):
        kind = "focus" if module == focus_module else "module"
        diagram.nodes.append(Node(ids(module), module, kind, tooltip=module))
    for importer, imported in sorted(module_edges):
        if importer in shown and imported in shown and importer != imported:
            kind = "lazy-import" if (importer, imported) in lazy_edges else "import"
            diagram.edges.append(
                Edge(ids(importer), ids(imported), kind, weight=module_edges[(importer, imported)])
            )
    for direction, count in sorted(hidden.items()):
        node = ids(f"+{direction}")
        if direction == "up":
            diagram.nodes.append(Node(node, f"+{count} more importers", "more"))
            diagram.edges.append(Edge(node, ids(focus_module), "import"))
        else:
            diagram.nodes.append(Node(node, f"+{count} more imported modules", "more"))
            diagram.edges.append(Edge(ids(focus_module), node, "import"))
    if hidden:
        diagram.notes.append(f"{sum(hidden.values())} modules beyond the {node_budget}-node budget folded")
    diagram.legend = [
        ("node", "focus", "the focus module"),
        ("node", "module", "module within the depth"),
        ("edge", "import", "imports"),
    ]
    if any(edge.kind == "lazy-import" for edge in diagram.edges):
        diagram.legend.append(LAZY_LEGEND)
    return diagram
