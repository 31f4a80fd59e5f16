"""A neutral description of one diagram: nodes, edges, groups, a legend.

Every builder of this package fills a :class:`Diagram`; :func:`archguard.reporting.diagrams.dot.to_dot`
writes its DOT text (the only place DOT is written, and so the only place it is escaped); the
Graphviz adapter (``archguard.adapters.graphviz``) turns that text into SVG and PNG. Keeping the
description neutral lets tests assert on nodes and edges instead of on layout. Node ids are
generated (``n0``, ``n1``...): names from the analysed code are only ever labels.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

# What each node and edge kind looks like. One place, so the legend shows exactly what is drawn.
NODE_STYLES: dict[str, dict[str, str]] = {
    "definition": {"shape": "box", "style": "filled,bold", "fillcolor": "#bbdefb", "color": "#0d47a1"},
    "test-definition": {"shape": "box", "style": "filled,dashed", "fillcolor": "#eeeeee", "color": "#616161"},
    "canonical": {
        "shape": "box",
        "style": "filled,rounded,bold",
        "fillcolor": "#c8e6c9",
        "color": "#1b5e20",
        "penwidth": "2",
    },
    "access-path": {"shape": "box", "style": "filled,rounded", "fillcolor": "#ffffff", "color": "#424242"},
    "shim": {"shape": "box", "style": "filled,rounded,dashed", "fillcolor": "#ffe0b2", "color": "#e65100"},
    "importers": {"shape": "folder", "style": "filled", "fillcolor": "#f5f5f5", "color": "#757575"},
    "more": {
        "shape": "note",
        "style": "filled",
        "fillcolor": "#fafafa",
        "color": "#9e9e9e",
        "fontcolor": "#616161",
    },
    "package": {"shape": "box", "style": "filled,rounded", "fillcolor": "#e3f2fd", "color": "#1565c0"},
    "loose": {"shape": "folder", "style": "filled", "fillcolor": "#f5f5f5", "color": "#757575"},
    "broken": {
        "shape": "box",
        "style": "filled,rounded,bold",
        "fillcolor": "#e3f2fd",
        "color": "#6a1b9a",
        "penwidth": "2.5",
    },
    "loose-broken": {
        "shape": "folder",
        "style": "filled,bold",
        "fillcolor": "#f5f5f5",
        "color": "#6a1b9a",
        "penwidth": "2.5",
    },
    "hotspot": {
        "shape": "box",
        "style": "filled,rounded,bold",
        "fillcolor": "#ffcdd2",
        "color": "#b71c1c",
        "penwidth": "2",
    },
    "module": {"shape": "box", "style": "filled,rounded", "fillcolor": "#e3f2fd", "color": "#1565c0"},
    "focus": {
        "shape": "box",
        "style": "filled,rounded,bold",
        "fillcolor": "#fff59d",
        "color": "#f57f17",
        "penwidth": "2",
    },
    # the golden path: one entry point's closure collapsed to packages (diagrams/golden_path.py)
    "closure-clean": {"shape": "box", "style": "rounded,filled", "fillcolor": "#e8f4e8", "color": "#4a7f4a"},
    "closure-problem": {
        "shape": "box",
        "style": "rounded,filled",
        "fillcolor": "#f8d0d0",
        "color": "#c00000",
    },
    "closure-more": {"shape": "box", "style": "dashed,filled", "fillcolor": "#ffffff", "color": "#888888"},
    "closure-more-problem": {
        "shape": "box",
        "style": "dashed,filled",
        "fillcolor": "#f8d0d0",
        "color": "#c00000",
    },
    "missing": {
        "shape": "box",
        "style": "dashed,filled",
        "penwidth": "2",
        "fillcolor": "#fff0f0",
        "color": "#c00000",
        "fontcolor": "#8b0000",
    },
    "missing-guarded": {
        "shape": "box",
        "style": "dashed,filled",
        "penwidth": "2",
        "fillcolor": "#fff8e1",
        "color": "#b26a00",
        "fontcolor": "#6d4100",
    },
}
# the entry's own package: drawn like the others, bold
NODE_STYLES["closure-entry"] = {**NODE_STYLES["closure-clean"], "penwidth": "3"}
NODE_STYLES["closure-entry-problem"] = {**NODE_STYLES["closure-problem"], "penwidth": "3"}
EDGE_STYLES: dict[str, dict[str, str]] = {
    "canonical": {"color": "#2e7d32", "penwidth": "1.6"},
    "non-canonical": {"color": "#c62828", "penwidth": "1.6"},
    "resolves": {"color": "#616161", "style": "dashed", "arrowhead": "empty"},
    "import": {"color": "#546e7a"},
    # a PEP 810 ``lazy`` import: nothing loads at import time (import-linter's drawgraph draws
    # these with an open arrowhead too)
    "lazy-import": {"color": "#546e7a", "style": "dashed", "arrowhead": "vee"},
    "cycle": {"color": "#37474f", "penwidth": "1.4"},
    "breaker": {"color": "#c62828", "penwidth": "2.2", "style": "bold"},
    "against": {"color": "#c62828", "penwidth": "1.6"},  # an import against the layer order
    "loads": {"color": "#888888"},  # the golden path: a package loads another at import time
    "loads-problem": {"color": "#c00000"},
    "loads-more": {"color": "#bbbbbb", "style": "dashed"},
    "loads-missing": {"color": "#c00000", "style": "dashed", "penwidth": "2"},
    "loads-missing-guarded": {"color": "#b26a00", "style": "dashed", "penwidth": "2"},
}


@dataclass(frozen=True, slots=True)
class Node:
    id: str
    label: str  # plain text; lines separated by "\n"
    kind: str  # a key of NODE_STYLES
    group: str = ""  # a Diagram.groups key: nodes drawn inside one labelled box
    tooltip: str = ""
    width: float | None = None  # inches, for size-encoded nodes (package overview)


@dataclass(frozen=True, slots=True)
class Edge:
    source: str
    target: str
    kind: str  # a key of EDGE_STYLES
    label: str = ""
    weight: int = 1  # drawn thicker when larger (import counts)
    constraint: bool = True  # False: drawn, but no say in the ranks (keeps a column a column)


@dataclass(frozen=True, slots=True)
class Cell:
    """One cell of a :class:`Table` diagram (the dependency matrix)."""

    text: str
    kind: str = ""  # a key of CELL_STYLES ("" plain)
    tooltip: str = ""
    box: str = ""  # the sides drawn as a box around a run of cells: any of "T", "B", "L", "R"


@dataclass
class Diagram:
    name: str  # file stem: graphs/<name>.dot
    title: str
    nodes: list[Node] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    legend: list[tuple[str, str, str]] = field(default_factory=list)  # ("node"|"edge", kind, meaning)
    groups: dict[str, str] = field(default_factory=dict)  # group key -> label, in drawing order
    columns: bool = False  # groups drawn as columns in rank order (labels in the title), not boxes
    rankdir: str = "LR"
    notes: list[str] = field(default_factory=list)  # what was left out ("+12 more clusters")
    table: list[list[Cell]] = field(default_factory=list)  # a grid drawn instead of nodes (the matrix)

    def node_ids(self) -> set[str]:
        return {node.id for node in self.nodes}


class NodeIds:
    """Generated node ids: analysed names never become DOT identifiers."""

    def __init__(self) -> None:
        self._ids: dict[str, str] = {}

    def __call__(self, key: str) -> str:
        if key not in self._ids:
            self._ids[key] = f"n{len(self._ids)}"
        return self._ids[key]


# The cells of a table diagram (the dependency matrix): fill and text colour.
CELL_STYLES: dict[str, dict[str, str]] = {
    "heading": {"fill": "#eceff1", "color": "#212121"},
    "diagonal": {"fill": "#cfd8dc", "color": "#455a64"},
    "along": {"fill": "#e3f2fd", "color": "#0d47a1"},  # an import along the layer order
    "against": {"fill": "#ffcdd2", "color": "#b71c1c"},  # an import against it
    "cycle": {"fill": "#f3e5f5", "color": "#4a148c"},  # an empty cell inside a cycle's box
}
BOX_COLOR = "#6a1b9a"  # the box around the groups of one import cycle


LAZY_LEGEND = ("edge", "lazy-import", "only lazy imports (PEP 810): nothing loaded at import time")
ModuleEdges = Mapping[tuple[str, str], int]  # (importer module, imported module) -> import statements


def slug(text: str, limit: int = 60) -> str:
    """A file-name-safe stem for a diagram named after analysed code (never a path separator)."""
    cleaned = re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-.") or "diagram"
    return cleaned[:limit]
