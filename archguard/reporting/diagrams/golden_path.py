"""One entry point's closure collapsed to packages (``report``'s golden-path diagram): packages
holding problems are red, the entry's package is drawn bold, and each module the closure imports
that does not exist is a dashed box of its own (red, or amber when every import of it is guarded)
with an edge from the packages importing it.

Bounded so that a closure of thousands of modules stays readable: 25 package boxes, about three
edges per box (the shortest way from the entry to each box first), 10 missing-module boxes."""

from __future__ import annotations

from collections import Counter

from archguard.domain.golden_path import ClosureDiagram, MissingModule
from archguard.reporting.diagrams.model import Diagram, Edge, Node, NodeIds
from archguard.reporting.summary import plural

MAX_PACKAGES = 25  # beyond that a closure diagram is a hairball; the rest is one "+N more" box
EDGES_PER_BOX = 3  # edges drawn: about this many per box, as in the package overview
MAX_MISSING = 10  # missing modules drawn one by one; the rest is one "+N more missing" box
MAX_MISSING_EDGES = 3  # edges into one missing module's box; its label says how many packages import it

MORE = "+more"  # the tooltip (and key) of the "+N more packages" box
MORE_MISSING = "missing:+more"


def closure_diagram(
    diagram: ClosureDiagram,
    *,
    rank: int = 1,
    max_packages: int = MAX_PACKAGES,
    max_missing: int = MAX_MISSING,
) -> Diagram:
    """Each box's tooltip is its package (``missing:<module>`` for a missing module's box)."""
    problems = {n.name for n in diagram.nodes if n.problems}
    kept = _kept(diagram, max_packages)
    hidden = [n for n in diagram.nodes if n.name not in kept]
    drawn, left_out = _drawn_edges(diagram, kept, problems, EDGES_PER_BOX * (len(kept) + bool(hidden)))
    title, *notes = _title(diagram, problems, len(drawn), left_out).split("\n")
    out = Diagram(name=f"golden-path-{rank}", title=title, notes=notes)
    ids = NodeIds()
    for node in diagram.nodes:
        if node.name not in kept:
            continue
        label = f"{node.name}\n{plural(node.modules, 'module')}"
        if node.problems:
            label += f"\n{plural(node.problems, 'problem')}"
        kind = ("closure-entry" if node.entry else "closure") + ("-problem" if node.problems else "")
        out.nodes.append(
            Node(ids(node.name), label, "closure-clean" if kind == "closure" else kind, tooltip=node.name)
        )
    if hidden:
        hidden_problems = sum(n.problems for n in hidden)  # only when problems fill the whole budget
        label = f"+{plural(len(hidden), 'more package')}\n{plural(sum(n.modules for n in hidden), 'module')}"
        label += f"\n{plural(hidden_problems, 'problem')}" if hidden_problems else ", no problems"
        kind = "closure-more-problem" if hidden_problems else "closure-more"
        out.nodes.append(Node(ids(MORE), label, kind, tooltip=MORE))
    for importer, imported in drawn:
        kind = "loads-more" if imported == MORE else "loads-problem" if imported in problems else "loads"
        out.edges.append(Edge(ids(importer), ids(imported), kind))
    _add_missing(out, ids, diagram.missing, kept, max_missing)
    out.legend = [
        ("node", "closure-clean", "package loaded at import time (modules in it)"),
        ("node", "closure-problem", "package holding golden-path problems"),
        ("node", "missing", "a module it imports that does not exist"),
        ("node", "missing-guarded", "the same, every import guarded (a warning)"),
        ("edge", "loads", "loads at import time"),
        ("edge", "loads-problem", "loads a package with problems"),
    ]
    return out


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
        (importer if importer in kept else MORE, imported if imported in kept else MORE)
        for importer, imported in diagram.edges
    )
    # The hidden packages' own imports would tie every box to the "+N more" one.
    candidates = [(a, b) for a, b in edges if a != b and (a != MORE or b in problems)]
    successors: dict[str, list[str]] = {}
    for importer, imported in sorted(candidates):
        successors.setdefault(importer, []).append(imported)
    entry = next((n.name for n in diagram.nodes if n.entry), "")
    tree: list[tuple[str, str]] = []
    seen = {entry}
    # Breadth-first through the drawn packages; the "+N more" box is walked from only when they
    # are exhausted, else it would claim every box as the way the entry reaches it.
    for start in ([entry], [MORE]):
        queue = [p for p in start if p in seen]
        for package in queue:  # the list grows while it is walked
            for imported in successors.get(package, ()):
                if imported not in seen:
                    seen.add(imported)
                    tree.append((package, imported))
                    if imported != MORE:
                        queue.append(imported)
    in_tree = set(tree)
    drawn = list(tree)
    out = Counter(importer for importer, _ in tree)
    for importer, imported in sorted(candidates, key=lambda e: (e[1] not in problems, e)):
        if len(drawn) >= budget:
            break
        # At most EDGES_PER_BOX from one box, and none more from the "+N more" box: its
        # imports would otherwise come first (its name sorts first) and fan out to every box.
        if (importer, imported) not in in_tree and importer != MORE and out[importer] < EDGES_PER_BOX:
            drawn.append((importer, imported))
            out[importer] += 1
    return drawn, len(candidates) - len(drawn)


def _add_missing(
    out: Diagram, ids: NodeIds, missing: tuple[MissingModule, ...], kept: set[str], limit: int
) -> None:
    """The boxes of the modules that do not exist, each with edges from (at most three of) the
    packages importing it, drawn from the "+N more packages" box when that package is hidden."""
    edges: dict[tuple[str, str], bool] = {}  # (package, box key) -> failing
    for module in missing[:limit]:
        key = f"missing:{module.name}"
        label = f"{module.name}\nno such module\n{module.first_site}"
        if module.imports > 1:
            label += f" (+{plural(module.imports - 1, 'more import')})"
        importers = list(dict.fromkeys(i if i in kept else MORE for i in module.importers))
        if len(importers) > MAX_MISSING_EDGES:
            label += f"\nimported from {plural(len(module.importers), 'package')}"
        if not module.failing:
            label += "\nguarded: a warning"
        out.nodes.append(
            Node(ids(key), label, "missing" if module.failing else "missing-guarded", tooltip=key)
        )
        for importer in importers[:MAX_MISSING_EDGES]:
            edges[importer, key] = module.failing
    rest = missing[limit:]
    if rest:  # no edges: from every package, they would cross the whole diagram
        failing = sum(m.failing for m in rest)
        packages = {i for m in rest for i in m.importers}
        label = f"+{plural(len(rest), 'more missing module')}\n"
        label += f"{failing} failing, " if failing else "all guarded, "
        label += f"imported from {plural(len(packages), 'package')}"
        kind = "missing" if failing else "missing-guarded"
        out.nodes.append(Node(ids(MORE_MISSING), label, kind, tooltip=MORE_MISSING))
    for (importer, key), failing in edges.items():
        out.edges.append(
            Edge(ids(importer), ids(key), "loads-missing" if failing else "loads-missing-guarded")
        )
