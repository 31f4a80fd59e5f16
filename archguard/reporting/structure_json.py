"""``report.json``'s ``import_graph`` and ``dsm``: the structure the page's explorer and dependency
matrix are drawn from (docs/report.md, "report.json").

Both are compact, since the page embeds them and must stay one file of a few MB on a 10,000-file
tree: parallel lists instead of one object per node, and indexes instead of names.

- ``import_graph.nodes``: every level of the hierarchy (packages, folders, modules, loose files),
  parents before children: ``names`` (what a reader sees), ``parents`` (index, -1 at the top) and
  ``paths`` (the file, "" for a folder or a package without an ``__init__.py`` of its own);
- ``import_graph.edges``: ``[importer node, imported node, [line, ...]]`` per module import, the
  lines of its statements in the importer's file;
- ``import_graph.closures`` (with entry points): entry -> the nodes of the modules it loads at
  import time, its own first;
- ``dsm``: the groups in layer order (``name``, ``modules``, ``loose``, ``cycle``), ``cells``
  ``[importer group, imported group, statements]``, ``internal`` statements per group, ``cycles``
  ``[first, last]``, ``against`` (statements from a group to one listed before it) and
  ``node_group`` (the group index of each node of ``import_graph``, -1 when it is above them).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from archguard.analysis.structure import Key, KeyOf, package_key
from archguard.domain.sources import SourceFile
from archguard.domain.structure import DependencyMatrix, ModuleImports


def structure_to_json(
    files: Sequence[SourceFile],
    imports: ModuleImports,
    matrix: DependencyMatrix,
    closures: Mapping[str, Sequence[str]] | None = None,
    key_of: KeyOf = package_key,
) -> dict[str, Any]:
    """``closures``: entry point -> the modules it loads at import time, its own first (with
    ``--entry``), kept as node indexes so the explorer can highlight them."""
    keys = {f.module: key_of(f) for f in files}
    paths = {keys[f.module]: f.path for f in files}
    # sorted: a parent is a prefix of its children, so it comes first
    levels = sorted({key[:depth] for key in keys.values() for depth in range(1, len(key) + 1)})
    node = {key: i for i, key in enumerate(levels)}
    module_node = {module: node[key] for module, key in keys.items()}
    edges = [
        [module_node[importer], module_node[imported], list(lines)]
        for (importer, imported), lines in sorted(imports.items())
        if importer in module_node and imported in module_node
    ]
    group_of_key = {group.key: index for index, group in enumerate(matrix.groups)}
    return {
        "import_graph": {
            "nodes": {
                "names": [key[-1] for key in levels],
                "parents": [node[key[:-1]] if len(key) > 1 else -1 for key in levels],
                "paths": [paths.get(key, "") for key in levels],
            },
            "edges": edges,
            "closures": {
                entry: [module_node[m] for m in modules if m in module_node]
                for entry, modules in (closures or {}).items()
            },
        },
        "dsm": {
            "title": matrix.title,
            "groups": [
                {"name": g.name, "modules": g.modules, "loose": g.loose, "cycle": g.cycle}
                for g in matrix.groups
            ],
            "cells": [[importer, imported, count] for (importer, imported), count in matrix.imports.items()],
            "internal": list(matrix.internal),
            "cycles": [list(cycle) for cycle in matrix.cycles],
            "against": matrix.against,
            "node_group": [_group_of(key, group_of_key) for key in levels],
        },
    }


def _group_of(key: Key, groups: dict[Key, int]) -> int:
    for depth in range(len(key), 0, -1):
        if key[:depth] in groups:
            return groups[key[:depth]]
    return -1
