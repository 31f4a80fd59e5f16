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


MAX_PACKAGES = 25  # beyond that a closure diagram is a hairball; the rest is one "+N more" box
_MORE = "+more"


def _kept(diagram: ClosureDiagram, limit: int) -> set[str]:
    """The entry's package and every package with problems first, then the largest ones."""
    ranked = sorted(diagram.nodes, key=lambda n: (not n.entry, not n.problems, -n.modules, n.name))
    return {n.name for n in ranked[:limit]}


def closure_dot(diagram: ClosureDiagram, max_packages: int = MAX_PACKAGES) -> str:
    problems = {n.name for n in diagram.nodes if n.problems}
    total = sum(n.modules for n in diagram.nodes)
    title = f"golden path of {diagram.entry}: " + (
        f"{plural(sum(n.problems for n in diagram.nodes), 'problem')}" if problems else "clean"
    )
    title += f" ({plural(total, 'module')} loaded at import time)"
    kept = _kept(diagram, max_packages)
    hidden = [n for n in diagram.nodes if n.name not in kept]
    lines = [
        "digraph golden_path {",
        f'  graph [rankdir=LR, label={_quoted(title)}, labelloc=t, fontname=Helvetica, size="26,26"];',
        '  node [shape=box, style="rounded,filled", fontname=Helvetica];',
        '  edge [color="#888888"];',
    ]
    for node in diagram.nodes:
        if node.name not in kept:
            continue
        label = f"{node.name}\n{plural(node.modules, 'module')}"
        if node.problems:
            label += f"\n{plural(node.problems, 'problem')}"
        style = _PROBLEM if node.problems else _CLEAN
        if node.entry:
            style += ", penwidth=3"
        lines.append(f"  {_quoted(node.name)} [label={_quoted(label)}, {style}];")
    if hidden:
        hidden_problems = sum(n.problems for n in hidden)  # only when problems fill the whole budget
        label = f"+{plural(len(hidden), 'more package')}\n{plural(sum(n.modules for n in hidden), 'module')}"
        label += f"\n{plural(hidden_problems, 'problem')}" if hidden_problems else ", no problems"
        style = _PROBLEM if hidden_problems else 'fillcolor="#ffffff", color="#888888"'
        lines.append(f'  {_quoted(_MORE)} [label={_quoted(label)}, style="dashed,filled", {style}];')
    drawn = dict.fromkeys(
        (importer if importer in kept else _MORE, imported if imported in kept else _MORE)
        for importer, imported in diagram.edges
    )
    for importer, imported in drawn:
        if importer == imported or (importer == _MORE and imported not in problems):
            continue  # the hidden packages' own imports would tie every box to the "+N more" one
        color = ' [color="#c00000"]' if imported in problems else ""
        color = ' [style=dashed, color="#bbbbbb"]' if imported == _MORE else color
        lines.append(f"  {_quoted(importer)} -> {_quoted(imported)}{color};")
    lines.append("}")
    return "\n".join(lines) + "\n"
