"""The diagrams of a report, as neutral :class:`~archguard.reporting.diagram.Diagram` values.

- :func:`cluster_diagram`: one concept of ``discover``: importers grouped by folder, the access
  paths they use (canonical green, others red, shims orange), the definitions they resolve to.
- :func:`package_overview`: the whole codebase as packages (sized by modules), edges weighted by
  imports, hotspots and syntax errors marked.
- :func:`cycle_diagram`: one import cycle, each edge with its file and line, breakers in red.
- :func:`focus_diagram`: the neighbourhood of one module, ``depth`` steps both ways.

Every builder is bounded, so a 10,000-file codebase still gives a diagram a person can read and
Graphviz lays out in seconds: top-N with "+N more" nodes, packages collapsed to fit a node budget,
the strongest edges kept. What was left out is said in the diagram's title.
"""

from __future__ import annotations

import math
import posixpath
import re
from collections import Counter, defaultdict, deque
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import replace

from archguard.domain.discovery import AccessPath, Cluster, Cycle, Definition, Hotspot, Shim
from archguard.domain.sources import SourceFile
from archguard.reporting.diagram import Diagram, Edge, Node, NodeIds

MAX_ACCESS_PATHS = 12  # per cluster diagram; the rest become one "+N more" node
MAX_IMPORTER_GROUPS = 8  # folders of importing files per cluster diagram
MAX_DEFINITIONS = 8
PACKAGE_NODE_BUDGET = 40  # package overview: deepest package level that fits
PACKAGE_EDGE_BUDGET = 120
FOCUS_NODE_BUDGET = 40
MAX_CYCLE_NODES = 30

ModuleEdges = Mapping[tuple[str, str], int]  # (importer module, imported module) -> import statements
LAZY_LEGEND = ("edge", "lazy-import", "only lazy imports (PEP 810): nothing loaded at import time")


def slug(text: str, limit: int = 60) -> str:
    """A file-name-safe stem for a diagram named after analysed code (never a path separator)."""
    cleaned = re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-.") or "diagram"
    return cleaned[:limit]


# --- cluster ---------------------------------------------------------------------------------------


def cluster_diagram(cluster: Cluster, shims: Sequence[Shim] = (), *, rank: int = 1) -> Diagram:
    ids = NodeIds()
    diagram = Diagram(
        name=f"cluster-{rank:02d}-{slug(cluster.name)}",
        title=(
            f"Concept {cluster.name}: {len(cluster.definitions)} definition(s), "
            f"{len(cluster.access_paths)} access path(s), {cluster.importer_count} importing file(s), "
            f"{cluster.non_canonical_importers} through a non-canonical path"
        ),
        groups={
            "importers": "importing files, by folder",
            "paths": "access paths (module:Name)",
            "definitions": "definitions",
        },
    )
    shim_reexports = {s.module: dict(s.reexports) for s in shims}
    shim_modules = set(cluster.shims) | set(shim_reexports)

    # The analysis lists the origin first; test doubles go last (a stable sort keeps the rest).
    definitions = sorted(cluster.definitions, key=lambda d: d.test_double)
    shown_definitions = definitions[:MAX_DEFINITIONS]
    definition_ids = {f"{d.module}:{d.name}": ids(f"def:{d.module}:{d.name}") for d in shown_definitions}
    for definition in shown_definitions:
        diagram.nodes.append(
            Node(
                definition_ids[f"{definition.module}:{definition.name}"],
                f"{definition.module}\n{definition.kind} {definition.name}\n{definition.path}:{definition.line}"
                + (
                    f"\n({definition.role})"
                    if definition.role != "origin" or len(shown_definitions) > 1
                    else ""
                ),
                "test-definition" if definition.test_double else "definition",
                group="definitions",
                tooltip=f"{definition.path}:{definition.line}",
            )
        )
    if len(definitions) > len(shown_definitions):
        more = len(definitions) - len(shown_definitions)
        diagram.nodes.append(Node(ids("def:more"), f"+{more} more definitions", "more", group="definitions"))

    paths = _ranked_paths(cluster)
    # A path nothing imports is no route anyone takes: it is only counted (its definition, if it
    # is one, is drawn on the right anyway).
    used = [p for p in paths if p.importers or _is_canonical(p, cluster)]
    shown_paths = used[:MAX_ACCESS_PATHS]
    path_ids: dict[str, str] = {}
    for path in shown_paths:
        kind = (
            "canonical"
            if _is_canonical(path, cluster)
            else "shim"
            if path.module in shim_modules
            else "access-path"
        )
        note = " (canonical)" if kind == "canonical" else " (shim)" if kind == "shim" else ""
        if path.target in definition_ids:
            note += " (where it is defined)"
        path_ids[path.target] = ids(f"path:{path.target}")
        diagram.nodes.append(
            Node(
                path_ids[path.target],
                f"{path.module}\n:{path.name}{note}\n{len(path.importers)} importer(s)",
                kind,
                group="paths",
                tooltip=path.target,
            )
        )
    hidden_paths = [p for p in paths if p not in shown_paths]
    if hidden_paths:
        hidden_importers = len({i for p in hidden_paths for i in p.importers})
        path_ids["+more"] = ids("path:more")
        diagram.nodes.append(
            Node(
                path_ids["+more"],
                f"+{len(hidden_paths)} more access paths\n{hidden_importers} importer(s)",
                "more",
                group="paths",
            )
        )

    # Each shown path resolves to the next drawn node on its way to the origin: along the
    # cluster's provenance edges where the analysis gave them, else through the shim it is in,
    # else to the definition in its own module, else to the origin.
    origin_definition = next((d for d in shown_definitions if d.role == "origin"), None) or (
        shown_definitions[0] if shown_definitions else None
    )
    origin = (
        definition_ids[f"{origin_definition.module}:{origin_definition.name}"] if origin_definition else None
    )
    drawn = {**path_ids, **definition_ids}
    towards_origin = (
        _towards(cluster.edges, f"{origin_definition.module}:{origin_definition.name}")
        if origin_definition
        else {}
    )
    for path in shown_paths:
        source = path_ids[path.target]
        target, label = _next_drawn(path.target, towards_origin, drawn)
        if target is None:
            target = _resolution(path, shim_reexports, definition_ids, path_ids, shown_definitions) or origin
        if target is not None and target != source:
            diagram.edges.append(Edge(source, target, "resolves", label=label))
    for definition in shown_definitions:
        key = f"{definition.module}:{definition.name}"
        target, label = _next_drawn(key, towards_origin, drawn)
        if target is not None and target != definition_ids[key]:
            diagram.edges.append(Edge(definition_ids[key], target, "resolves", label=label))
    # Importers | access paths | definitions stay three columns: an edge within one column (a
    # path re-exporting another, a wrapper of the origin) is drawn without pushing ranks apart.
    group_of = {node.id: node.group for node in diagram.nodes}
    diagram.edges = [
        replace(e, constraint=False)
        if e.kind == "resolves" and group_of.get(e.source) == group_of.get(e.target)
        else e
        for e in diagram.edges
    ]
    if hidden_paths and origin is not None:
        diagram.edges.append(Edge(path_ids["+more"], origin, "resolves"))

    # Importing files, grouped by folder so a concept used by 500 files is still a dozen nodes.
    folder_files: Counter[str] = Counter()
    for path in paths:
        folder_files.update(_folder(importer) for importer in set(path.importers))
    folders = [folder for folder, _ in sorted(folder_files.items(), key=lambda kv: (-kv[1], kv[0]))]
    shown_folders = set(folders[:MAX_IMPORTER_GROUPS])
    other_folders = folders[MAX_IMPORTER_GROUPS:]
    counts: Counter[tuple[str, str]] = Counter()
    for path in paths:
        target = path.target if path.target in path_ids else "+more"
        for importer in path.importers:
            folder = _folder(importer)
            counts[(folder if folder in shown_folders else "+other", target)] += 1
    group_ids: dict[str, str] = {}
    for folder in folders[:MAX_IMPORTER_GROUPS]:
        group_ids[folder] = ids(f"folder:{folder}")
        diagram.nodes.append(
            Node(
                group_ids[folder], f"{folder}\n{folder_files[folder]} file(s)", "importers", group="importers"
            )
        )
    if other_folders:
        group_ids["+other"] = ids("folder:+other")
        files = sum(folder_files[f] for f in other_folders)
        diagram.nodes.append(
            Node(
                group_ids["+other"],
                f"+{len(other_folders)} more folders\n{files} file(s)",
                "more",
                group="importers",
            )
        )
    canonical_targets = {p.target for p in paths if _is_canonical(p, cluster)}
    for (folder, target), count in sorted(counts.items()):
        kind = "canonical" if target in canonical_targets else "non-canonical"
        diagram.edges.append(Edge(group_ids[folder], path_ids[target], kind, label=str(count), weight=count))

    diagram.legend = [
        ("node", "canonical", "canonical access path (import it from here)"),
        ("node", "access-path", "other access path"),
        ("node", "shim", "shim module (re-exports only)"),
        ("node", "definition", "definition"),
        ("node", "test-definition", "test double / test definition"),
        ("node", "importers", "importing files in one folder"),
        ("edge", "canonical", "imports via the canonical path (count of files)"),
        ("edge", "non-canonical", "imports via a non-canonical path (count of files)"),
        ("edge", "resolves", "resolves to (re-export, alias; or same name, subclass, factory)"),
    ]
    if hidden_paths:
        diagram.notes.append(
            f"{len(hidden_paths)} less-used access paths (or none importing them) folded into one node"
        )
    return diagram


def _towards(edges: Iterable[tuple[str, str, str]], origin: str) -> dict[str, tuple[str, str]]:
    """node -> (its neighbour one step nearer the origin, the kind of that edge), over the
    provenance edges taken both ways (a re-export points either way; only nearness counts)."""
    neighbours: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for a, b, kind in edges:
        neighbours[a].append((b, kind))
        neighbours[b].append((a, kind))
    step: dict[str, tuple[str, str]] = {origin: (origin, "")}
    queue: deque[str] = deque([origin])
    while queue:
        current = queue.popleft()
        for neighbour, kind in sorted(neighbours[current]):
            if neighbour not in step:
                step[neighbour] = (current, kind)
                queue.append(neighbour)
    return step


def _next_drawn(
    key: str, towards: Mapping[str, tuple[str, str]], drawn: Mapping[str, str]
) -> tuple[str | None, str]:
    """The first drawn node on the way from ``key`` to the origin, and the kind of the first step
    when it says more than a re-export (subclasses, factory, same-name)."""
    if key not in towards:
        return None, ""
    label = towards[key][1] if towards[key][1] in ("subclasses", "factory") else ""
    current, seen = key, {key}
    while True:
        parent = towards[current][0]
        if parent == current:
            return None, label  # reached the origin: it is drawn as itself
        if parent in drawn:
            return drawn[parent], label
        if parent in seen:
            return None, label
        seen.add(parent)
        current = parent


def _ranked_paths(cluster: Cluster) -> list[AccessPath]:
    """Canonical first, then by importers: the paths a reviewer must see survive the budget."""
    return sorted(
        cluster.access_paths, key=lambda p: (not _is_canonical(p, cluster), -len(p.importers), p.target)
    )


def _is_canonical(path: AccessPath, cluster: Cluster) -> bool:
    return path.canonical or path.target == cluster.canonical


def _resolution(
    path: AccessPath,
    shim_reexports: Mapping[str, Mapping[str, str]],
    definition_ids: Mapping[str, str],
    path_ids: Mapping[str, str],
    definitions: Sequence[Definition],
) -> str | None:
    """Where an access path leads: the shim's re-export target when that is drawn, else the
    definition in the path's own module, else None (the caller draws it to the origin)."""
    if path.target in definition_ids:
        return definition_ids[path.target]
    target = shim_reexports.get(path.module, {}).get(path.name)
    if target is not None:
        if target in definition_ids:
            return definition_ids[target]
        if target in path_ids:
            return path_ids[target]
    for definition in definitions:
        if definition.module == path.module:
            return definition_ids[f"{definition.module}:{definition.name}"]
    return None


def _folder(path: str) -> str:
    folder = posixpath.dirname(path)
    return f"{folder}/" if folder else "(root)"


# --- package overview ------------------------------------------------------------------------------


def package_overview(
    files: Sequence[SourceFile],
    module_edges: ModuleEdges,
    *,
    hotspots: Sequence[Hotspot] = (),
    syntax_error_paths: Iterable[str] = (),
    node_budget: int = PACKAGE_NODE_BUDGET,
    edge_budget: int = PACKAGE_EDGE_BUDGET,
    lazy_edges: Collection[tuple[str, str]] = frozenset(),
) -> Diagram:
    """``lazy_edges``: module edges made only of PEP 810 ``lazy`` imports; a package edge made only
    of those is drawn dashed (nothing of the imported package loads at import time), as
    import-linter's ``drawgraph --show-lazy-imports`` draws them."""
    depth = _package_depth(files, node_budget)
    group_of = {f.module: _package_of(f, depth) for f in files}
    path_group = {f.path: group_of[f.module] for f in files}
    modules: Counter[str] = Counter(group_of.values())
    loose = {_package_of(f, depth) for f in files if f.loose}
    broken = Counter(path_group[p] for p in syntax_error_paths if p in path_group)
    hot = Counter(group_of[h.module] for h in hotspots[:10] if h.module in group_of)

    weights: Counter[tuple[str, str]] = Counter()
    internal: Counter[str] = Counter()
    eager: set[tuple[str, str]] = set()
    for (importer, imported), count in module_edges.items():
        a, b = group_of.get(importer), group_of.get(imported)
        if a is None or b is None:
            continue
        if a == b:
            internal[a] += count
        else:
            weights[(a, b)] += count
            if (importer, imported) not in lazy_edges:
                eager.add((a, b))
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
        kind = "import" if (a, b) in eager else "lazy-import"
        diagram.edges.append(Edge(ids(a), ids(b), kind, label=str(count), weight=count))
    if len(ranked) > len(shown_edges):
        diagram.notes.append(f"the {len(shown_edges)} strongest of {len(ranked)} package edges shown")
    diagram.legend = [
        ("node", "package", "package (width: modules)"),
        ("node", "loose", "folder of loose files (scripts, tests)"),
        ("node", "hotspot", "holds a top-10 hotspot"),
        ("edge", "import", "imports (label: statements; width grows with count)"),
    ]
    if any(edge.kind == "lazy-import" for edge in diagram.edges):
        diagram.legend.append(LAZY_LEGEND)
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


# --- cycle -----------------------------------------------------------------------------------------


def cycle_diagram(cycle: Cycle, *, rank: int = 1) -> Diagram:
    ids = NodeIds()
    ring = [edge.importer for edge in cycle.path][:MAX_CYCLE_NODES]
    first = cycle.modules[0] if cycle.modules else "cycle"
    diagram = Diagram(
        name=f"cycle-{rank:02d}-{slug(first)}",
        title=(
            f"Import cycle {rank}: {len(cycle.modules)} module(s) in the group; shortest cycle: "
            f"{len(cycle.path)} import(s)"
        ),
        rankdir="TB",
    )
    for module in ring:
        diagram.nodes.append(Node(ids(module), module, "module", tooltip=module))
    breakers = {(b.importer, b.imported) for b in cycle.breakers}
    drawn = set(ring)
    for edge in cycle.path:
        if edge.importer in drawn and edge.imported in drawn:
            kind = "breaker" if (edge.importer, edge.imported) in breakers else "cycle"
            diagram.edges.append(
                Edge(ids(edge.importer), ids(edge.imported), kind, label=f"{edge.path}:{edge.line}")
            )
    on_path = {(e.importer, e.imported) for e in cycle.path}
    for breaker in cycle.breakers:
        if (breaker.importer, breaker.imported) not in on_path and {
            breaker.importer,
            breaker.imported,
        } <= drawn:
            diagram.edges.append(
                Edge(
                    ids(breaker.importer),
                    ids(breaker.imported),
                    "breaker",
                    label=f"{breaker.path}:{breaker.line}",
                )
            )
    hidden = len(cycle.modules) - len(ring)
    if hidden > 0:
        diagram.notes.append(f"+{hidden} more modules in this strongly connected group (see report.json)")
    diagram.legend = [
        ("edge", "cycle", "import on the shortest cycle (file:line)"),
        ("edge", "breaker", "import whose removal breaks the cycle"),
    ]
    return diagram


# --- focus -----------------------------------------------------------------------------------------


def focus_diagram(
    files: Sequence[SourceFile],
    module_edges: ModuleEdges,
    focus: str,
    *,
    depth: int = 1,
    node_budget: int = FOCUS_NODE_BUDGET,
    lazy_edges: Collection[tuple[str, str]] = frozenset(),
) -> Diagram:
    """The modules within ``depth`` imports of ``focus``, either way. ``focus`` is a module name
    or a file path; a ValueError names it when the tree has no such module. Edges in
    ``lazy_edges`` (only PEP 810 ``lazy`` imports) are drawn dashed."""
    by_path = {f.path: f.module for f in files}
    modules = {f.module for f in files}
    focus_module = focus if focus in modules else by_path.get(focus)
    if focus_module is None:
        raise ValueError(f"no module or file named {focus!r} in the tree")
    imports: dict[str, set[str]] = defaultdict(set)
    importers: dict[str, set[str]] = defaultdict(set)
    for importer, imported in module_edges:
        if importer != imported:
            imports[importer].add(imported)
            importers[imported].add(importer)

    # Breadth-first both ways: "up" is what imports the focus, "down" what it imports.
    distance: dict[str, int] = {focus_module: 0}
    side: dict[str, str] = {focus_module: "focus"}
    queue: deque[str] = deque([focus_module])
    while queue:
        current = queue.popleft()
        if distance[current] >= depth:
            continue
        for direction, neighbours in (("down", imports[current]), ("up", importers[current])):
            if side[current] not in ("focus", direction):
                continue  # keep each side a chain away from the focus, not a sideways walk
            for neighbour in sorted(neighbours):
                if neighbour not in distance:
                    distance[neighbour] = distance[current] + 1
                    side[neighbour] = direction
                    queue.append(neighbour)
    # Nearest first; at one distance importers and imported modules take turns (each side by
    # degree), so a module with 500 importers still shows what it imports.
    turn: dict[str, int] = {}
    for d in range(depth + 1):
        for direction in ("up", "down", "focus"):
            members = sorted(
                (m for m in distance if distance[m] == d and side[m] == direction),
                key=lambda m: (-(len(imports[m]) + len(importers[m])), m),
            )
            turn.update({m: i for i, m in enumerate(members)})
    ranked = sorted(distance, key=lambda m: (distance[m], turn[m], side[m] != "up", m))
    shown = set(ranked[:node_budget])
    hidden = Counter(side[m] for m in ranked[node_budget:])

    ids = NodeIds()
    diagram = Diagram(
        name=f"focus-{slug(focus_module)}",
        title=(
            f"Focus {focus_module}: {len(importers[focus_module])} importer(s), "
            f"{len(imports[focus_module])} imported; depth {depth}"
        ),
    )
    for module in sorted(shown, key=lambda m: (distance[m], m)):
        kind = "focus" if module == focus_module else "module"
        diagram.nodes.append(Node(ids(module), module, kind, tooltip=module))
    for importer, imported in sorted(module_edges):
        if importer in shown and imported in shown and importer != imported:
            kind = "lazy-import" if (importer, imported) in lazy_edges else "import"
            diagram.edges.append(
                Edge(ids(importer), ids(imported), kind, weight=module_edges[(importer, imported)])
            )
    for direction, count in sorted(hidden.items()):
        node = ids(f"+{direction}")
        if direction == "up":
            diagram.nodes.append(Node(node, f"+{count} more importers", "more"))
            diagram.edges.append(Edge(node, ids(focus_module), "import"))
        else:
            diagram.nodes.append(Node(node, f"+{count} more imported modules", "more"))
            diagram.edges.append(Edge(ids(focus_module), node, "import"))
    if hidden:
        diagram.notes.append(f"{sum(hidden.values())} modules beyond the {node_budget}-node budget folded")
    diagram.legend = [
        ("node", "focus", "the focus module"),
        ("node", "module", "module within the depth"),
        ("edge", "import", "imports"),
    ]
    if any(edge.kind == "lazy-import" for edge in diagram.edges):
        diagram.legend.append(LAZY_LEGEND)
    return diagram
