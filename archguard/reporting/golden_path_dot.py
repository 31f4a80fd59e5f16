"""Graphviz DOT text of one entry point's closure collapsed to packages (``report``'s golden-path
diagram): packages holding problems are red, the entry's package is drawn bold. Plain text, so
the reporters stay free of pydot; the report writes it and Graphviz, where installed, renders it."""

from __future__ import annotations

from archguard.domain.golden_path import ClosureDiagram
from archguard.reporting.summary import plural

_PROBLEM = 'fillcolor="#f8d0d0", color="#c00000"'
_CLEAN = 'fillcolor="#e8f4e8", color="#4a7f4a"'


def _quoted(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def closure_dot(diagram: ClosureDiagram) -> str:
    problems = {n.name for n in diagram.nodes if n.problems}
    title = f"golden path of {diagram.entry}: " + (
        f"{plural(sum(n.problems for n in diagram.nodes), 'problem')}" if problems else "clean"
    )
    lines = [
        "digraph golden_path {",
        f"  graph [rankdir=LR, label={_quoted(title)}, labelloc=t, fontname=Helvetica];",
        '  node [shape=box, style="rounded,filled", fontname=Helvetica];',
        '  edge [color="#888888"];',
    ]
    for node in diagram.nodes:
        label = f"{node.name}\n{plural(node.modules, 'module')}"
        if node.problems:
            label += f"\n{plural(node.problems, 'problem')}"
        style = _PROBLEM if node.problems else _CLEAN
        if node.entry:
            style += ", penwidth=3"
        lines.append(f"  {_quoted(node.name)} [label={_quoted(label)}, {style}];")
    for importer, imported in diagram.edges:
        color = ' [color="#c00000"]' if imported in problems else ""
        lines.append(f"  {_quoted(importer)} -> {_quoted(imported)}{color};")
    lines.append("}")
    return "\n".join(lines) + "\n"
