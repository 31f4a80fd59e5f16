"""The whole codebase as groups of modules in layer order: the package overview.

The groups and their order are the dependency matrix's (``analysis/structure.py``): the largest
packages opened while they fit, then a topological order of the import graph with each import
cycle kept together. Drawn top to bottom, so every import that follows the order points down;
one that goes against it (a layering violation, or part of a cycle) is red and points up, and the
groups of one cycle sit in one dashed box. A reader can tell at a glance which package depends on
which, and where the layering breaks.

Bounded: about three downward edges per box, the strongest first (the title says how many of how
many), and every upward edge up to :data:`MAX_AGAINST`.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence

from archguard.analysis.structure import transitive_reduction
from archguard.domain.discovery import Hotspot
from archguard.domain.sources import SourceFile
from archguard.domain.structure import DependencyMatrix
from archguard.reporting.diagrams.model import LAZY_LEGEND, Diagram, Edge, Node
from archguard.reporting.summary import plural

OVERVIEW_GROUPS = 25  # the overview's matrix is built with this budget (the page's matrix: 40)
PACKAGE_EDGE_BUDGET = 120  # downward edges drawn at most
EDGES_PER_BOX = 3
MAX_AGAINST = 16  # upward (red) edges drawn at most...
AGAINST_PER_BOX = 1  # ...and from one box (the matrix has them all)


def package_overview(
    matrix: DependencyMatrix,
    files: Sequence[SourceFile],
    *,
    hotspots: Sequence[Hotspot] = (),
    syntax_error_paths: Iterable[str] = (),
    edge_budget: int = PACKAGE_EDGE_BUDGET,
) -> Diagram:
    group_of_path = {f.path: matrix.group_of.get(f.module) for f in files}
    broken = Counter(i for i in (group_of_path.get(path) for path in syntax_error_paths) if i is not None)
    hot = Counter(i for i in (matrix.group_of.get(h.module) for h in hotspots[:10]) if i is not None)
    total = sum(matrix.imports.values()) + sum(matrix.internal)
    diagram = Diagram(
        name="overview",
        title=(
            f"Package overview ({matrix.title}) in layer order: {plural(len(matrix.groups), 'group')}, "
            f"{plural(len(files), 'file')}, {plural(matrix.module_imports, 'import')} "
            f"({plural(total, 'statement')}); "
            f"{plural(matrix.against, 'import')} against the order (red, pointing up)"
        ),
        rankdir="TB",
        groups={
            f"cycle-{i}": f"import cycle: {last - first + 1} groups import each other"
            for i, (first, last) in enumerate(matrix.cycles)
        },
    )
    largest = max((g.modules for g in matrix.groups), default=1)
    for index, group in enumerate(matrix.groups):
        noun = "file" if group.loose else "module"
        lines = [group.name, plural(group.modules, noun)]
        if matrix.internal[index]:
            lines.append(f"{plural(matrix.internal[index], 'internal import')}")
        if broken[index]:
            lines.append(f"{broken[index]} syntax error(s)")
        if hot[index]:
            lines.append(f"{hot[index]} hotspot(s)")
        kind = "hotspot" if hot[index] else "loose" if group.loose else "package"
        if broken[index] and kind != "hotspot":
            kind = "loose-broken" if kind == "loose" else "broken"
        diagram.nodes.append(
            Node(
                f"n{index}",
                "\n".join(lines),
                kind,
                group=f"cycle-{group.cycle}" if group.cycle is not None else "",
                tooltip=group.name,
                width=1.4 + 1.6 * math.log1p(group.modules) / math.log1p(largest),
            )
        )
    down = sorted(
        ((edge, count) for edge, count in matrix.imports.items() if edge[0] < edge[1]),
        key=lambda e: (-e[1], e[0]),
    )
    up = sorted(
        ((edge, count) for edge, count in matrix.imports.items() if edge[0] > edge[1]),
        key=lambda e: (-e[1], e[0]),
    )
    # An import a -> c that a longer way a -> b -> c already shows says nothing about the layering:
    # drawing only the others keeps the order readable at 60 boxes (the matrix has every import).
    essential = transitive_reduction(edge for edge, _ in down)
    budget = min(edge_budget, max(20, EDGES_PER_BOX * len(matrix.groups)))
    candidates = [(edge, count) for edge, count in down if edge in essential]
    shown: list[tuple[tuple[int, int], int]] = []
    out: Counter[int] = Counter()

    def draw(edge: tuple[int, int], count: int) -> None:
        shown.append((edge, count))
        out[edge[0]] += 1

    # What each box mostly imports, implied or not (tests/billing/ imports billing, whatever
    # longer way also leads there)...
    strongest: dict[int, tuple[tuple[int, int], int]] = {}
    for edge, count in down:
        strongest.setdefault(edge[0], (edge, count))
    for edge, count in strongest.values():
        draw(edge, count)
    # ...then every box reached, each by the importer with the fewest edges drawn so far (the
    # strongest among those), so no box is left floating and none fans out to all the others...
    reached = {edge[1] for edge, _ in shown}
    importers: dict[int, list[tuple[tuple[int, int], int]]] = {}
    for edge, count in candidates:
        if edge[1] not in reached:
            importers.setdefault(edge[1], []).append((edge, count))
    for _, choices in sorted(importers.items(), key=lambda item: -item[1][0][1]):
        draw(*min(choices, key=lambda choice: (out[choice[0][0]], -choice[1])))
    # ...then the strongest others, about EDGES_PER_BOX from one box.
    drawn = {edge for edge, _ in shown}
    for edge, count in candidates:
        if len(shown) < budget and out[edge[0]] < EDGES_PER_BOX and edge not in drawn:
            draw(edge, count)
    for (a, b), count in shown:
        kind = "lazy-import" if (a, b) in matrix.lazy else "import"
        diagram.edges.append(Edge(f"n{a}", f"n{b}", kind, label=str(count), weight=count))
    drawn_up = 0
    out.clear()
    for (a, b), count in up:
        if drawn_up < MAX_AGAINST and out[a] < AGAINST_PER_BOX:
            # drawn, but with no say in the ranks: the order stays the layer order
            diagram.edges.append(
                Edge(f"n{a}", f"n{b}", "against", label=str(count), weight=count, constraint=False)
            )
            drawn_up += 1
            out[a] += 1
    if len(shown) < len(down):
        implied = len(down) - len(essential)
        diagram.notes.append(
            f"{len(shown)} of {len(down)} downward edges shown"
            + (
                f": each box's strongest, then of the others those no longer way down implies ({implied} are)"
                if implied
                else ": the strongest"
            )
        )
    if drawn_up < len(up):
        diagram.notes.append(
            f"the {drawn_up} strongest of {len(up)} upward edges shown: the dependency matrix has them all"
        )
    kinds = {node.kind for node in diagram.nodes}
    diagram.legend = [
        ("node", "package", "package (width: modules)"),
        *(
            [("node", "loose", "folder of loose files (scripts, tests)")]
            if "loose" in kinds or "loose-broken" in kinds
            else []
        ),
        *([("node", "hotspot", "holds a top-10 hotspot")] if hot else []),
        ("edge", "import", "imports, along the layer order (label: statements)"),
        *([("edge", "against", "imports against the layer order")] if up else []),
        *([LAZY_LEGEND] if any(edge.kind == "lazy-import" for edge in diagram.edges) else []),
    ]
    if broken:
        diagram.legend.append(("node", "broken", "holds files that do not parse (count in the label)"))
    return diagram
