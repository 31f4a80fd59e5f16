"""Graphviz DOT text of one entry point's closure collapsed to packages (``report``'s golden-path
diagram): packages holding problems are red, the entry's package is drawn bold, and each module
the closure imports that does not exist is a dashed box of its own (red, or amber when every
import of it is guarded) with an edge from the packages importing it. Plain text, so the
reporters stay free of pydot; the report writes it and Graphviz, where installed, renders it.

Bounded so that a closure of thousands of modules stays readable: 25 package boxes, about three
edges per box (the shortest way from the entry to each box first), 10 missing-module boxes."""

from __future__ import annotations

from collections import Counter

from archguard.domain.golden_path import ClosureDiagram, MissingModule
from archguard.reporting.summary import plural

MAX_PACKAGES = 25  # beyond that a closure diagram is a hairball; the rest is one "+N more" box
EDGES_PER_BOX = 3  # edges drawn: about this many per box, as in the package overview
MAX_MISSING = 10  # missing modules drawn one by one; the rest is one "+N more missing" box
MAX_MISSING_EDGES = 3  # edges into one missing module's box; its label says how many packages import it

_PROBLEM = 'fillcolor="#f8d0d0", color="#c00000"'
_CLEAN = 'fillcolor="#e8f4e8", color="#4a7f4a"'
_MISSING = 'style="dashed,filled", penwidth=2, fillcolor="#fff0f0", color="#c00000", fontcolor="#8b0000"'
_MISSING_GUARDED = (
    'style="dashed,filled", penwidth=2, fillcolor="#fff8e1", color="#b26a00", fontcolor="#6d4100"'
)
_MORE = "+more"
_MORE_MISSING = "missing:+more"


def _quoted(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def closure_dot(
    diagram: ClosureDiagram, max_packages: int = MAX_PACKAGES, max_missing: int = MAX_MISSING
) -> str:
    problems = {n.name for n in diagram.nodes if n.problems}
    kept = _kept(diagram, max_packages)
    hidden = [n for n in diagram.nodes if n.name not in kept]
    drawn, left_out = _drawn_edges(diagram, kept, problems, EDGES_PER_BOX * (len(kept) + bool(hidden)))
    lines = [
        "digraph golden_path {",
        f"  graph [rankdir=LR, label={_quoted(_title(diagram, problems, len(drawn), left_out))}, "
        'labelloc=t, fontname=Helvetica, size="26,26"];',
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
    for importer, imported in drawn:
        color = ' [color="#c00000"]' if imported in problems else ""
        color = ' [style=dashed, color="#bbbbbb"]' if imported == _MORE else color
        lines.append(f"  {_quoted(importer)} -> {_quoted(imported)}{color};")
    lines += _missing_lines(diagram.missing, kept, max_missing)
    lines.append("}")
    return "\n".join(lines) + "\n"


def _title(diagram: ClosureDiagram, problems: set[str], drawn: int, left_out: int) -> str:
    total = sum(n.modules for n in diagram.nodes)
    title = f"golden path of {diagram.entry}: " + (
        f"{plural(sum(n.problems for n in diagram.nodes), 'problem')}" if problems else "clean"
    )
    title += f" ({plural(total, 'module')} loaded at import time)"
    if diagram.missing:
        title += f", {plural(len(diagram.missing), 'missing module')} imported"
    if left_out:
        title += (
            f"\n{drawn} of {drawn + left_out} imports between these boxes drawn: "
            "the shortest way from the entry to each box first"
        )
    return title


def _kept(diagram: ClosureDiagram, limit: int) -> set[str]:
    """The entry's package and every package with problems first, then the largest ones."""
    ranked = sorted(diagram.nodes, key=lambda n: (not n.entry, not n.problems, -n.modules, n.name))
    return {n.name for n in ranked[:limit]}


def _drawn_edges(
    diagram: ClosureDiagram, kept: set[str], problems: set[str], budget: int
) -> tuple[list[tuple[str, str]], int]:
    """The package edges to draw (hidden packages folded into the "+N more" box) and how many are
    left out. A closure's packages may import each other densely (the generated 10,000-file tree:
    590 edges between 26 boxes, a solid hairball), so: first the breadth-first tree from the
    entry's package (how the entry reaches each box: what this diagram is about), then other
    edges, those into packages with problems first, at most EDGES_PER_BOX from one box, up to
    ``budget``."""
    edges = dict.fromkeys(
        (importer if importer in kept else _MORE, imported if imported in kept else _MORE)
        for importer, imported in diagram.edges
    )
    # The hidden packages' own imports would tie every box to the "+N more" one.
    candidates = [(a, b) for a, b in edges if a != b and (a != _MORE or b in problems)]
    successors: dict[str, list[str]] = {}
    for importer, imported in sorted(candidates):
        successors.setdefault(importer, []).append(imported)
    entry = next((n.name for n in diagram.nodes if n.entry), "")
    tree: list[tuple[str, str]] = []
    seen = {entry}
    # Breadth-first through the drawn packages; the "+N more" box is walked from only when they
    # are exhausted, else it would claim every box as the way the entry reaches it.
    for start in ([entry], [_MORE]):
        queue = [p for p in start if p in seen]
        for package in queue:  # the list grows while it is walked
            for imported in successors.get(package, ()):
                if imported not in seen:
                    seen.add(imported)
                    tree.append((package, imported))
                    if imported != _MORE:
                        queue.append(imported)
    in_tree = set(tree)
    drawn = list(tree)
    out = Counter(importer for importer, _ in tree)
    for importer, imported in sorted(candidates, key=lambda e: (e[1] not in problems, e)):
        if len(drawn) >= budget:
            break
        # At most EDGES_PER_BOX from one box, and none more from the "+N more" box: its
        # imports would otherwise come first (its name sorts first) and fan out to every box.
        if (importer, imported) not in in_tree and importer != _MORE and out[importer] < EDGES_PER_BOX:
            drawn.append((importer, imported))
            out[importer] += 1
    return drawn, len(candidates) - len(drawn)


def _missing_lines(missing: tuple[MissingModule, ...], kept: set[str], limit: int) -> list[str]:
    """The boxes of the modules that do not exist, each with edges from (at most three of) the
    packages importing it, drawn from the "+N more packages" box when that package is hidden."""
    lines = []
    edges: dict[tuple[str, str], bool] = {}  # (package, box id) -> failing
    for module in missing[:limit]:
        node = f"missing:{module.name}"
        label = f"{module.name}\nno such module\n{module.first_site}"
        if module.imports > 1:
            label += f" (+{plural(module.imports - 1, 'more import')})"
        importers = list(dict.fromkeys(i if i in kept else _MORE for i in module.importers))
        if len(importers) > MAX_MISSING_EDGES:
            label += f"\nimported from {plural(len(module.importers), 'package')}"
        if not module.failing:
            label += "\nguarded: a warning"
        lines.append(
            f"  {_quoted(node)} [label={_quoted(label)}, {_MISSING if module.failing else _MISSING_GUARDED}];"
        )
        for importer in importers[:MAX_MISSING_EDGES]:
            edges[importer, node] = module.failing
    rest = missing[limit:]
    if rest:  # no edges: from every package, they would cross the whole diagram
        failing = sum(m.failing for m in rest)
        packages = {i for m in rest for i in m.importers}
        label = f"+{plural(len(rest), 'more missing module')}\n"
        label += f"{failing} failing, " if failing else "all guarded, "
        label += f"imported from {plural(len(packages), 'package')}"
        lines.append(
            f"  {_quoted(_MORE_MISSING)} [label={_quoted(label)}, {_MISSING if failing else _MISSING_GUARDED}];"
        )
    for (importer, node), failing in edges.items():
        colour = "#c00000" if failing else "#b26a00"
        lines.append(
            f'  {_quoted(importer)} -> {_quoted(node)} [color="{colour}", style=dashed, penwidth=2];'
        )
    return lines
