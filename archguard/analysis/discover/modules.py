"""The module import graphs (networkx) that cycles, hotspots and clusters are computed on.

Their edges are archguard's one import-edge rule (``domain/import_edges.py``): ``from a import b``
imports ``a.b`` when that is a module, else ``a``; imports of modules outside the tree are left
out. Two graphs share one pass:

- ``all``: the module graph, every edge (loose files and dynamic imports included; a module
  importing itself too): what ``summary.imports`` counts, fan-in as a reviewer counts it;
- ``runtime``: the edges that run when the importer is imported (``at_import_time``: not inside
  a function, not under ``TYPE_CHECKING``, not a PEP 810 ``lazy`` import), from modules of packages to other modules: the only
  ones that can make an import cycle fail. Each keeps the file and line of every import
  statement that makes it (``sites``), for cycle reports.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from archguard.domain.facts import FileFacts
from archguard.domain.import_edges import EdgeRule, imported_object
from archguard.domain.sources import SourceFile

if TYPE_CHECKING:
    import networkx as nx


@dataclass
class ModuleGraphs:
    runtime: nx.DiGraph  # edge attribute "sites": [(path, line), ...] sorted
    all: nx.DiGraph
    paths: dict[str, str] = field(default_factory=dict)  # module -> file path
    importer_files: dict[str, set[str]] = field(default_factory=dict)  # module -> importing paths


def build_module_graphs(
    files: Sequence[SourceFile],
    facts: Mapping[str, FileFacts],
    edges_by_file: Sequence[Sequence[FileEdge]] | None = None,
) -> ModuleGraphs:
    """``edges_by_file``: :func:`file_edges` of every file, in order, when known already
    (discover's engine keeps them per file)."""
    import networkx as nx  # (not for import_sites and resolve_sites: history and diff's structure)

    runtime: nx.DiGraph = nx.DiGraph()
    every: nx.DiGraph = nx.DiGraph()
    graphs = ModuleGraphs(runtime, every)
    for file in files:
        graphs.paths.setdefault(file.module, file.path)
    if edges_by_file is None:
        rule = EdgeRule.of(files)
        edges_by_file = [
            file_edges(rule, file, found) if (found := facts.get(file.path)) is not None else ()
            for file in files
        ]
    for file, edges in zip(files, edges_by_file, strict=True):
        importer = file.module
        for imported, at_import_time, line in edges:
            every.add_edge(importer, imported)
            if imported == importer:
                continue  # a module importing itself: no importer of it, no cycle
            graphs.importer_files.setdefault(imported, set()).add(file.path)
            if at_import_time and not file.loose:
                data = runtime.get_edge_data(importer, imported)
                if data is None:
                    runtime.add_edge(importer, imported, sites=[(file.path, line)])
                elif (file.path, line) not in data["sites"]:
                    data["sites"].append((file.path, line))
    for _, _, data in runtime.edges(data=True):
        data["sites"].sort()
    return graphs


def module_imports(graphs: ModuleGraphs) -> dict[str, set[str]]:
    """Module -> the other modules it imports (the module graph without self-imports)."""
    return {m: set(graphs.all.successors(m)) - {m} for m in graphs.all}


FileEdge = tuple[str, bool, int]  # (imported module, at import time, line)


def file_edges(rule: EdgeRule, file: SourceFile, file_facts: FileFacts) -> tuple[FileEdge, ...]:
    """``file``'s edges under ``rule``, in statement order (plain values: discover's engine keeps
    them per file)."""
    return tuple((edge.imported, edge.at_import_time, edge.line) for edge in rule.edges(file, file_facts))


ImportSite = tuple[str, bool, int]  # (the dotted object an import names, at import time, line)


def import_sites(file: SourceFile, file_facts: FileFacts) -> list[ImportSite]:
    """What decides ``file``'s edges besides which names are modules, in statement order (a walk
    through history keeps these per file version and resolves them again when modules come or go:
    ``analysis/discover/structure.py``)."""
    found = []
    for fact in file_facts.imports:
        obj = imported_object(file, fact)
        if obj is not None:
            found.append((obj, fact.at_import_time, fact.line))
    return found


def resolve_sites(sites: Sequence[ImportSite], rule: EdgeRule) -> list[FileEdge]:
    """The edges the import sites make under ``rule`` (its modules): what ``rule.edges`` gives for
    the file, one per imported module and line, the first statement's."""
    seen: set[tuple[str, int]] = set()
    found = []
    for obj, at_import_time, line in sites:
        imported = rule.module_of(obj)
        if imported is not None and (imported, line) not in seen:
            seen.add((imported, line))
            found.append((imported, at_import_time, line))
    return found
