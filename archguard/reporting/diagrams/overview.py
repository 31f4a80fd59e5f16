"""The whole codebase as packages: the package overview."""

from __future__ import annotations

import math
import posixpath
from collections import Counter
from collections.abc import Iterable, Sequence

from archguard.domain.discovery import Hotspot
from archguard.domain.sources import SourceFile
from archguard.reporting.diagrams.model import Diagram, Edge, ModuleEdges, Node, NodeIds

PACKAGE_NODE_BUDGET = 40  # package overview: deepest package level that fits
PACKAGE_EDGE_BUDGET = 120


def package_overview(
    files: Sequence[SourceFile],
    module_edges: ModuleEdges,
    *,
    hotspots: Sequence[Hotspot] = (),
    syntax_error_paths: Iterable[str] = (),
    node_budget: int = PACKAGE_NODE_BUDGET,
    edge_budget: int = PACKAGE_EDGE_BUDGET,
) -> Diagram:
    depth = _package_depth(files, node_budget)
    group_of = {f.module: _package_of(f, depth) for f in files}
    path_group = {f.path: group_of[f.module] for f in files}
    modules: Counter[str] = Counter(group_of.values())
    loose = {_package_of(f, depth) for f in files if f.loose}
    broken = Counter(path_group[p] for p in syntax_error_paths if p in path_group)
    hot = Counter(group_of[h.module] for h in hotspots[:10] if h.module in group_of)

    weights: Counter[tuple[str, str]] = Counter()
    internal: Counter[str] = Counter()
    for (importer, imported), count in module_edges.items():
        a, b = group_of.get(importer), group_of.get(imported)
        if a is None or b is None:
            continue
        if a == b:
            internal[a] += count
        else:
            weights[(a, b)] += count
    ranked = sorted(weights.items(), key=lambda kv: (-kv[1], kv[0]))
    # A few packages with every pair linked is a hairball: about three edges per node is what a
    # person can follow, and the strongest ones carry the structure.
    shown_edges = ranked[: min(edge_budget, max(20, 3 * len(modules)))]

    ids = NodeIds()
    level = "top-level packages" if depth == 1 else f"packages to depth {depth}"
    diagram = Diagram(
        name="overview",
        title=(
            f"Package overview ({level}): {len(modules)} groups, {len(files)} files, "
            f"{sum(weights.values()) + sum(internal.values())} imports"
        ),
    )
    largest = max(modules.values(), default=1)
    for group in sorted(modules):
        lines = [
            group,
            f"{modules[group]} {'file' if group in loose else 'module'}{'s' if modules[group] != 1 else ''}",
        ]
        if internal[group]:
            lines.append(f"{internal[group]} internal import{'s' if internal[group] != 1 else ''}")
        if broken[group]:
            lines.append(f"{broken[group]} syntax error(s)")
        if hot[group]:
            lines.append(f"{hot[group]} hotspot(s)")
        kind = "hotspot" if hot[group] else "loose" if group in loose else "package"
        if broken[group] and kind != "hotspot":
            kind = "loose-broken" if kind == "loose" else "broken"
        width = 1.4 + 1.6 * math.log1p(modules[group]) / math.log1p(largest)
        diagram.nodes.append(Node(ids(group), "\n".join(lines), kind, width=width, tooltip=group))
    for (a, b), count in shown_edges:
        diagram.edges.append(Edge(ids(a), ids(b), "import", label=str(count), weight=count))
    if len(ranked) > len(shown_edges):
        diagram.notes.append(f"the {len(shown_edges)} strongest of {len(ranked)} package edges shown")
    diagram.legend = [
        ("node", "package", "package (width: modules)"),
        ("node", "loose", "folder of loose files (scripts, tests)"),
        ("node", "hotspot", "holds a top-10 hotspot"),
        ("edge", "import", "imports (label: statements; width grows with count)"),
    ]
    if broken:
        diagram.legend.append(("node", "broken", "holds files that do not parse (count in the label)"))
    return diagram


def _package_of(source: SourceFile, depth: int) -> str:
    if source.loose:  # loose files group by folder: tests/, scripts/, (root)
        folder = posixpath.dirname(source.path)
        parts = folder.split("/") if folder else []
        return "/".join(parts[:depth]) + "/" if parts else "(root scripts)"
    parts = source.module.split(".")
    if not source.is_package:
        parts = parts[:-1] or parts  # a module belongs to its package
    return ".".join(parts[:depth])


def _package_depth(files: Sequence[SourceFile], budget: int) -> int:
    """The deepest package level whose number of groups fits the node budget (at least 1)."""
    depth, previous = 1, len({_package_of(f, 1) for f in files})
    while depth < 6:
        count = len({_package_of(f, depth + 1) for f in files})
        if count > budget or count == previous:
            break
        depth, previous = depth + 1, count
    return depth
