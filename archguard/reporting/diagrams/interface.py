"""One interface contract as a diagram: the package as a box holding its public face (green) and
the non-public modules code outside reaches into (red), the importing packages on the left, their
imports through the face in green and their reach-ins in red, each edge labelled with its count.

Bounded like every diagram of the report: the importing packages with the most imports and the
most reached modules are drawn, the rest summed in "+N more" nodes.
"""

from __future__ import annotations

from archguard.domain.interfaces import InterfaceOverview
from archguard.reporting.diagrams.model import Diagram, Edge, Node, NodeIds, slug

MAX_IMPORTERS = 8
MAX_REACHED = 8
MAX_EXPORTS_SHOWN = 4  # names listed on the face node
MAX_BOXED_EDGES = 12  # more edges than this: the package drawn as a column, not a box


def interface_diagram(overview: InterfaceOverview, *, rank: int = 1) -> Diagram:
    ids = NodeIds()
    package = overview.package
    diagram = Diagram(
        name=f"interface-{rank:02d}-{slug(overview.name)}",
        title=(
            f"Interface {overview.name}: {overview.violations} reach-in(s) past the public face of {package}, "
            f"{overview.fixable} fixable"
        ),
        groups={"package": f"package {package} ({overview.modules} module(s))"},
        legend=[
            ("node", "public-face", "public face: import from here"),
            ("node", "reached", "non-public module reached from outside"),
            ("node", "importers", "importing package (or folder of scripts and tests)"),
            ("edge", "canonical", "imports through the public face"),
            ("edge", "non-canonical", "reach-ins (AG501-AG503), by count"),
        ],
    )
    public = set(overview.public_modules)
    for module in overview.public_modules:
        diagram.nodes.append(
            Node(ids(module), _face_label(overview, module), "public-face", "package", module)
        )

    reached = [(m, n, f) for m, n, f in overview.reached if m not in public]
    shown_reached = reached[:MAX_REACHED]
    for module, count, fixable in shown_reached:
        label = f"{_short(module, package)}\n{count} reach-in(s)" + (
            f", {fixable} fixable" if fixable else ""
        )
        diagram.nodes.append(Node(ids(module), label, "reached", "package", module))
    hidden_reached = reached[MAX_REACHED:]
    if hidden_reached:
        diagram.nodes.append(
            Node(
                ids("+reached"),
                f"+{len(hidden_reached)} more module(s) reached\n{sum(n for _, n, _ in hidden_reached)} reach-in(s)",
                "more",
                "package",
            )
        )
    quiet = overview.modules - len(public) - len(reached)
    if quiet > 0:
        diagram.nodes.append(Node(ids("+internal"), f"{quiet} other internal module(s)", "more", "package"))

    # Importing packages: those with reach-ins first (most first), then those that only use the face.
    # One edge per importer and drawn module, the counts summed: the modules not drawn share the
    # "+N more" node, the importers not drawn share theirs (a test folder reaching into forty
    # modules would otherwise draw forty parallel edges).
    through = dict(overview.through_face)
    importers = [r.importer for r in overview.reach_ins]
    importers += [group for group, _ in overview.through_face if group not in set(importers)]
    drawn_reached = {m for m, _, _ in shown_reached} | public
    by_importer = {r.importer: r for r in overview.reach_ins}
    shown, hidden = importers[:MAX_IMPORTERS], importers[MAX_IMPORTERS:]
    for group in shown:
        reach = by_importer.get(group)
        lines = [group]
        if reach is not None:
            codes = ", ".join(f"{n} {code}" for code, n in reach.by_code)
            lines.append(f"{reach.count} reach-in(s): {codes}")
        if through.get(group):
            lines.append(f"{through[group]} through the face")
        diagram.nodes.append(
            Node(ids("importer:" + group), "\n".join(lines), "importers", "importers", group)
        )
    if hidden:
        reaching = sum(by_importer[g].count for g in hidden if g in by_importer)
        clean = sum(through.get(g, 0) for g in hidden)
        lines = [f"+{len(hidden)} more importing package(s)"]
        lines += [f"{reaching} reach-in(s)"] if reaching else []
        lines += [f"{clean} through the face"] if clean else []
        diagram.nodes.append(Node(ids("+importers"), "\n".join(lines), "more", "importers"))
    edges: dict[tuple[str, str, str], int] = {}
    for group in importers:
        source = "importer:" + group if group in shown else "+importers"
        if through.get(group):
            key = (source, package, "canonical")
            edges[key] = edges.get(key, 0) + through[group]
        reach = by_importer.get(group)
        for module, count in reach.modules if reach is not None else ():
            key = (source, module if module in drawn_reached else "+reached", "non-canonical")
            edges[key] = edges.get(key, 0) + count
    for (source, target, kind), count in edges.items():
        diagram.edges.append(Edge(ids(source), ids(target), kind, str(count), count))
    if len(diagram.edges) > MAX_BOXED_EDGES:
        # Columns, not a box around the package: Graphviz routes edges around a cluster's box,
        # which sends a busy package's reach-ins in long arcs over the picture.
        diagram.groups = {"importers": "importing packages", **diagram.groups}
        diagram.columns = True
        diagram.notes.append(
            f"left: the importing packages; right: package {package} ({overview.modules} module(s)), "
            "its public face and the modules reached past it"
        )
    return diagram


def _face_label(overview: InterfaceOverview, module: str) -> str:
    if module != overview.package:
        return f"{_short(module, overview.package)}\n(also public)"
    exports = overview.exports
    if exports is None:
        return f"{module}\npublic face (what it exports is unknown)"
    listed = "__all__" if overview.listed else "public names"
    names = ", ".join(exports[:MAX_EXPORTS_SHOWN]) + (
        f", +{len(exports) - MAX_EXPORTS_SHOWN} more" if len(exports) > MAX_EXPORTS_SHOWN else ""
    )
    return f"{module}\npublic face: {len(exports)} name(s) in {listed}\n{names}"


def _short(module: str, package: str) -> str:
    """``.core`` for ``app.payments.core`` inside ``app.payments``: the box names the package."""
    return module[len(package) :] if module.startswith(package + ".") else module
