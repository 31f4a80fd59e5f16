"""A neutral description of one diagram, and its Graphviz DOT text.

The builders in :mod:`archguard.reporting.diagrams` fill a :class:`Diagram`; :func:`to_dot` writes
the DOT text (pure: no Graphviz needed); the Graphviz adapter (``archguard.adapters.graphviz``)
turns that text into SVG and PNG. Keeping the description neutral lets tests assert on nodes and
edges instead of on layout, and lets another renderer (the HTML tables) reuse the same selection.

Every name that comes from the analysed code (module names, file paths, docstrings in a
``module:Name``) is escaped here: node ids are generated (``n0``, ``n1``...), labels are quoted
DOT strings with ``\\`` and ``"`` escaped and no record or HTML syntax, so a file named
``<script>.py`` or a name with a quote cannot break the graph or the SVG built from it.
"""

from __future__ import annotations

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
    # interface contracts: the package's public face, and a non-public module reached from outside
    "public-face": {
        "shape": "box",
        "style": "filled,rounded,bold",
        "fillcolor": "#c8e6c9",
        "color": "#1b5e20",
        "penwidth": "2",
    },
    "reached": {
        "shape": "box",
        "style": "filled,rounded,bold",
        "fillcolor": "#ffebee",
        "color": "#c62828",
        "penwidth": "2",
    },
    "focus": {
        "shape": "box",
        "style": "filled,rounded,bold",
        "fillcolor": "#fff59d",
        "color": "#f57f17",
        "penwidth": "2",
    },
}
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


@dataclass
class Diagram:
    name: str  # file stem: graphs/<name>.dot
    title: str
    nodes: list[Node] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    legend: list[tuple[str, str, str]] = field(default_factory=list)  # ("node"|"edge", kind, meaning)
    groups: dict[str, str] = field(default_factory=dict)  # group key -> label, in drawing order
    rankdir: str = "LR"
    notes: list[str] = field(default_factory=list)  # what was left out ("+12 more clusters")

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


def quote(text: str) -> str:
    """A DOT double-quoted string; newlines become ``\\n``. A backslash from an analysed name is
    drawn as U+2216 (a look-alike): Graphviz expands escapes such as ``\\N`` even after ``\\\\``
    in some attributes (tooltips), so no backslash of the input may reach it."""
    cleaned = "".join(ch if ch.isprintable() or ch == "\n" else "?" for ch in text)
    escaped = cleaned.replace("\\", "\u2216").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def html_text(text: str) -> str:
    """Text inside a Graphviz HTML-like label (the legend)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def to_dot(diagram: Diagram) -> str:
    """The DOT text of a diagram: deterministic (same diagram, same bytes)."""
    out = [
        f"digraph {quote(diagram.name)} {{",
        f"  graph [rankdir={diagram.rankdir}, label={quote(_title(diagram))}, labelloc=t, labeljust=l,"
        ' fontname="Helvetica", fontsize=16, nodesep=0.25, ranksep=0.6, size="26,26"];',
        '  node [fontname="Helvetica", fontsize=11, margin="0.15,0.06"];',
        '  edge [fontname="Helvetica", fontsize=9, arrowsize=0.7];',
    ]
    grouped: dict[str, list[Node]] = {key: [] for key in diagram.groups}
    for node in diagram.nodes:
        if node.group in grouped:
            grouped[node.group].append(node)
    for index, (key, label) in enumerate(diagram.groups.items()):
        if not grouped[key]:
            continue
        out.append(f"  subgraph cluster_{index} {{")
        out.append(
            f'    graph [label={quote(label)}, style="rounded,dashed", color="#bdbdbd", fontsize=12,'
            ' fontcolor="#616161"];'
        )
        out.extend(f"    {_node(node)}" for node in grouped[key])
        out.append("  }")
    out.extend(f"  {_node(node)}" for node in diagram.nodes if node.group not in grouped)
    out.extend(f"  {_edge(edge)}" for edge in diagram.edges)
    if diagram.legend:
        out.append(f"  legend [shape=plaintext, margin=0, label={_legend(diagram.legend)}];")
        out.append("  { rank=sink; legend; }")
    out.append("}")
    return "\n".join(out) + "\n"


def _title(diagram: Diagram) -> str:
    return "\n".join([diagram.title, *diagram.notes])


def _attributes(values: dict[str, str]) -> str:
    return ", ".join(f"{key}={quote(value)}" for key, value in values.items())


def _node(node: Node) -> str:
    values = dict(NODE_STYLES[node.kind])
    values["label"] = node.label
    if node.tooltip:
        values["tooltip"] = node.tooltip
    if node.width is not None:
        values["width"] = f"{node.width:.2f}"
    return f"{node.id} [{_attributes(values)}];"


def _edge(edge: Edge) -> str:
    values = dict(EDGE_STYLES[edge.kind])
    if edge.label:
        values["label"] = edge.label
    if edge.weight > 1:
        base = float(values.get("penwidth", "1"))
        values["penwidth"] = f"{min(base + edge.weight.bit_length() * 0.6, 6.0):.1f}"
    if not edge.constraint:
        values["constraint"] = "false"
    return f"{edge.source} -> {edge.target} [{_attributes(values)}];"


def _legend(entries: list[tuple[str, str, str]]) -> str:
    """An HTML-like table: a swatch per node or edge kind and what it means."""
    rows = ['<TR><TD COLSPAN="2" ALIGN="LEFT"><B>Legend</B></TD></TR>']
    for what, kind, meaning in entries:
        if what == "node":
            style = NODE_STYLES[kind]
            swatch = (
                f'<TD BGCOLOR="{style["fillcolor"]}" BORDER="1" COLOR="{style["color"]}" WIDTH="28">'
                f"{'&nbsp;' * 4}</TD>"
            )
        else:
            color = EDGE_STYLES[kind]["color"]
            dashed = "- - -" if EDGE_STYLES[kind].get("style") == "dashed" else "&#8212;&#8212;&#9658;"
            swatch = f'<TD><FONT COLOR="{color}"><B>{dashed}</B></FONT></TD>'
        rows.append(f'<TR>{swatch}<TD ALIGN="LEFT">{html_text(meaning)}</TD></TR>')
    table = "".join(rows)
    return f'<<TABLE BORDER="1" CELLBORDER="0" CELLSPACING="3" COLOR="#bdbdbd">{table}</TABLE>>'
