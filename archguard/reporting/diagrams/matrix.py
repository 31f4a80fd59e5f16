"""The dependency structure matrix as a diagram (``archguard graph --dsm``): a table drawn by
Graphviz, the same matrix the page shows as ``<table class="dsm">``.

Rows and columns are the groups in layer order (as in the overview, top to bottom); the number in
row R, column C counts the import statements by which C's group imports R's group. Imports along
the order fall below the diagonal (blue); those against it, above (red); the groups of one import
cycle sit in one box. The diagonal holds each group's imports within itself (grey). This is
Lattix's convention: a layered codebase leaves the upper triangle empty.
"""

from __future__ import annotations

from collections.abc import Sequence

from archguard.domain.structure import DependencyMatrix
from archguard.reporting.diagrams.model import Cell, Diagram
from archguard.reporting.summary import plural


def in_cycle(cycles: Sequence[Sequence[int]], row: int, col: int) -> bool:
    """Do the groups of ROW and COL belong to one import cycle (the same box)?"""
    return any(first <= row <= last and first <= col <= last for first, last in cycles)


def box_sides(cycles: Sequence[Sequence[int]], row: int, col: int) -> str:
    """The sides of cell (ROW, COL) that draw its cycle's box: any of "T", "B", "L", "R"."""
    for first, last in cycles:
        if first <= row <= last and first <= col <= last:
            edges = (("T", row == first), ("B", row == last), ("L", col == first), ("R", col == last))
            return "".join(side for side, edge in edges if edge)
    return ""


def matrix_diagram(matrix: DependencyMatrix, *, name: str = "dsm") -> Diagram:
    groups = matrix.groups
    count = len(groups)
    diagram = Diagram(
        name=name,
        title=f"Dependency structure matrix: {matrix.title}, in layer order",
        notes=[
            "row R, column C: the import statements by which C imports R (diagonal: within R); "
            f"{plural(matrix.against, 'statement')} against the layer order (red, above the diagonal)",
            *(["groups in a purple box import each other (a cycle)"] if matrix.cycles else []),
        ],
        rankdir="TB",
    )
    header = [
        Cell("", "heading"),
        *(Cell(str(c + 1), "heading", tooltip=groups[c].name) for c in range(count)),
    ]
    rows = [header]
    for r, group in enumerate(groups):
        row = [Cell(f"{r + 1}  {group.name} ({group.modules})", "heading", tooltip=group.name)]
        for c in range(count):
            imports = matrix.imports.get((c, r), 0) if c != r else matrix.internal[r]
            kind = "diagonal" if c == r else ("against" if r < c else "along") if imports else ""
            sides = box_sides(matrix.cycles, r, c)
            if in_cycle(matrix.cycles, r, c):
                kind = kind or "cycle"
            tooltip = (
                f"{groups[c].name} imports {group.name}: {plural(imports, 'statement')}"
                if c != r and imports
                else f"{group.name}: {plural(imports, 'import')} within it"
                if c == r
                else ""
            )
            row.append(Cell(str(imports) if imports else "", kind, tooltip=tooltip, box=sides))
        rows.append(row)
    diagram.table = rows
    return diagram
