"""One concept of ``discover`` as a diagram: importers grouped by folder, the access paths they
use (canonical green, others red, shims orange), the definitions they resolve to.

Bounded so that a concept used by 500 files is still a dozen boxes: 12 access paths (canonical
first, then by importers; the rest one "+N more" node), 8 importer folders, 8 definitions.
"""

from __future__ import annotations

import posixpath
from collections import Counter, defaultdict, deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace

from archguard.domain.discovery import AccessPath, Cluster, Definition, Shim
from archguard.reporting.diagrams.model import Diagram, Edge, Node, NodeIds, slug

MAX_ACCESS_PATHS = 12  # per cluster diagram; the rest become one "+N more" node
MAX_IMPORTER_GROUPS = 8  # folders of importing files per cluster diagram
MAX_DEFINITIONS = 8


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
        columns=True,
        notes=[
            "left to right: importing files by folder, the access paths (module:Name) they use, the definitions"
        ],
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
