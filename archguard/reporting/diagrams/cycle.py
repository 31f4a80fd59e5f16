"""One import cycle as a diagram: the shortest cycle of a strongly connected group, each import
labelled with its file and line, the imports whose removal breaks it in red (30 modules at most)."""

from __future__ import annotations

from archguard.domain.discovery import Cycle
from archguard.reporting.diagrams.model import Diagram, Edge, Node, NodeIds, slug

MAX_CYCLE_NODES = 30


def cycle_diagram(cycle: Cycle, *, rank: int = 1) -> Diagram:
    ids = NodeIds()
    ring = [edge.importer for edge in cycle.path][:MAX_CYCLE_NODES]
    first = cycle.modules[0] if cycle.modules else "cycle"
    diagram = Diagram(
        name=f"cycle-{rank:02d}-{slug(first)}",
        title=(
            f"Import cycle {rank}: {len(cycle.modules)} module(s) in the group; shortest cycle: "
            f"{len(cycle.path)} import(s)"
        ),
        rankdir="TB",
    )
    for module in ring:
        diagram.nodes.append(Node(ids(module), module, "module", tooltip=module))
    breakers = {(b.importer, b.imported) for b in cycle.breakers}
    drawn = set(ring)
    for edge in cycle.path:
        if edge.importer in drawn and edge.imported in drawn:
            kind = "breaker" if (edge.importer, edge.imported) in breakers else "cycle"
            diagram.edges.append(
                Edge(ids(edge.importer), ids(edge.imported), kind, label=f"{edge.path}:{edge.line}")
            )
    on_path = {(e.importer, e.imported) for e in cycle.path}
    for breaker in cycle.breakers:
        if (breaker.importer, breaker.imported) not in on_path and {
            breaker.importer,
            breaker.imported,
        } <= drawn:
            diagram.edges.append(
                Edge(
                    ids(breaker.importer),
                    ids(breaker.imported),
                    "breaker",
                    label=f"{breaker.path}:{breaker.line}",
                )
            )
    hidden = len(cycle.modules) - len(ring)
    if hidden > 0:
        diagram.notes.append(f"+{hidden} more modules in this strongly connected group (see report.json)")
    diagram.legend = [
        ("edge", "cycle", "import on the shortest cycle (file:line)"),
        ("edge", "breaker", "import whose removal breaks the cycle"),
    ]
    return diagram
