"""A :class:`~archguard.reporting.diagrams.model.Diagram` as Graphviz DOT text: the one DOT writer.

Every name that comes from the analysed code (module names, file paths, a ``module:Name``) reaches
DOT through :func:`quote` (labels, tooltips) or :func:`html_text` (the legend's HTML-like table),
and node ids are generated, so a file named ``<script>.py`` or a name with a quote, a backslash or
a newline cannot break the graph or the SVG built from it. Pure text: no Graphviz needed.
"""

from __future__ import annotations

import math

from archguard.reporting.diagrams.model import (
    BOX_COLOR,
    CELL_STYLES,
    EDGE_STYLES,
    NODE_STYLES,
    Cell,
    Diagram,
    Edge,
    Node,
)


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
        f"  graph [{'newrank=true, ' if diagram.columns else ''}rankdir={diagram.rankdir}, "
        f"label={quote(_title(diagram))}, labelloc=t, labeljust=l,"
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
        if diagram.columns:
            # A column, not a box: Graphviz routes edges around cluster boxes, which sends the
            # edges between two columns in long arcs over the picture; ranks keep the columns.
            out.extend(f"  {_node(node)}" for node in grouped[key])
            out.append("  { rank=same; " + " ".join(f"{node.id};" for node in grouped[key]) + " }")
            continue
        out.append(f"  subgraph cluster_{index} {{")
        out.append(
            f'    graph [label={quote(label)}, style="rounded,dashed", color="#bdbdbd", fontsize=12,'
            ' fontcolor="#616161"];'
        )
        out.extend(f"    {_node(node)}" for node in grouped[key])
        out.append("  }")
    out.extend(f"  {_node(node)}" for node in diagram.nodes if node.group not in grouped)
    heaviest = max((edge.weight for edge in diagram.edges), default=1)
    out.extend(f"  {_edge(edge, heaviest)}" for edge in diagram.edges)
    if diagram.table:
        out.append(f"  table [shape=plaintext, margin=0, label={_table(diagram.table)}];")
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


def _edge(edge: Edge, heaviest: int) -> str:
    values = dict(EDGE_STYLES[edge.kind])
    if edge.label:
        values["label"] = edge.label
    if edge.weight > 1:
        # Thicker with the count, relative to the diagram's heaviest edge (on a log scale, so one
        # edge of 5,000 leaves the edges of 50 visible): at most 3 points more than the style's.
        base = float(values.get("penwidth", "1"))
        share = math.log1p(edge.weight) / math.log1p(max(heaviest, 2))
        values["penwidth"] = f"{base + 3.0 * share:.1f}"
    if not edge.constraint:
        values["constraint"] = "false"
    return f"{edge.source} -> {edge.target} [{_attributes(values)}];"


def _table(rows: list[list[Cell]]) -> str:
    """An HTML-like table: each cell filled by its kind; a cycle's box drawn with thick sides."""
    out = []
    for row in rows:
        cells = []
        for cell in row:
            style = CELL_STYLES.get(cell.kind, {"fill": "#ffffff", "color": "#212121"})
            attributes = f'BGCOLOR="{style["fill"]}"'
            if cell.box:
                attributes += f' BORDER="2" COLOR="{BOX_COLOR}" SIDES="{cell.box}"'
            if cell.tooltip:
                attributes += f' TOOLTIP="{html_text(_printable(cell.tooltip))}" HREF="#"'
            text = html_text(_printable(cell.text)) or " "
            align = ' ALIGN="LEFT"' if cell.kind == "heading" and not cell.text.isdigit() else ""
            cells.append(f'<TD {attributes}{align}><FONT COLOR="{style["color"]}">{text}</FONT></TD>')
        out.append("<TR>" + "".join(cells) + "</TR>")
    return f'<<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="0" CELLPADDING="4" COLOR="#cfd8dc">{"".join(out)}</TABLE>>'


def _printable(text: str) -> str:
    return "".join(ch if ch.isprintable() else "?" for ch in text).replace("\\", "\u2216")


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
