"""The module import graph (networkx) that cycles and hotspots are computed on.

Edges follow the same rule as the grimp graph ``check`` uses (``adapters/importlinter_bridge/grimp_graph.py``):
``from a import b`` imports ``a.b`` when that is a module, else ``a``; dynamic imports and
imports of modules outside the tree are left out. Each edge keeps the file and line of every
import statement that makes it, for cycle reports. Two graphs share one pass:

- ``runtime``: module-level imports that run when the importer is imported (not inside a
  function, not under ``TYPE_CHECKING``): the only ones that can make an import cycle fail;
- ``all``: every import, loose files included: fan-in as a reviewer counts it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import networkx as nx

from archguard.analysis.symbols import SymbolTable
from archguard.domain.facts import FileFacts, ImportFact, ImportKind
from archguard.domain.sources import SourceFile


@dataclass
class ModuleGraphs:
    runtime: nx.DiGraph  # edge attribute "sites": [(path, line), ...] sorted
    all: nx.DiGraph
    paths: dict[str, str] = field(default_factory=dict)  # module -> file path
    importer_files: dict[str, set[str]] = field(default_factory=dict)  # module -> importing paths


def build_module_graphs(
    table: SymbolTable, files: Sequence[SourceFile], facts: Mapping[str, FileFacts]
) -> ModuleGraphs:
    runtime: nx.DiGraph = nx.DiGraph()
    every: nx.DiGraph = nx.DiGraph()
    graphs = ModuleGraphs(runtime, every)
    for file in files:
        graphs.paths.setdefault(file.module, file.path)
    memo: dict[str, bool] = {}

    def is_module(module: str) -> bool:
        return _is_module(table, module, memo)

    for file in files:
        file_facts = facts.get(file.path)
        if file_facts is None:
            continue
        for imported, at_import_time, line in file_edges(file, file_facts, is_module):
            graphs.importer_files.setdefault(imported, set()).add(file.path)
            every.add_edge(file.module, imported)
            if at_import_time and not file.loose:
                data = runtime.get_edge_data(file.module, imported)
                if data is None:
                    runtime.add_edge(file.module, imported, sites=[(file.path, line)])
                elif (file.path, line) not in data["sites"]:
                    data["sites"].append((file.path, line))
    for _, _, data in runtime.edges(data=True):
        data["sites"].sort()
    return graphs


FileEdge = tuple[str, bool, int]  # (imported module, runs when the importer is imported, line)
# One import statement before the tree is consulted: (``a.b`` of ``from a import b`` or None,
# ``a``, runs when the importer is imported, line).
ImportSite = tuple[str | None, str, bool, int]


def file_edges(file: SourceFile, file_facts: FileFacts, is_module: Callable[[str], bool]) -> list[FileEdge]:
    """``file``'s imports of other modules of the tree, in statement order: the graphs' edges
    from it (``is_module``: a module name has a file in the tree)."""
    return resolve_sites(file.module, import_sites(file, file_facts), is_module)


def import_sites(file: SourceFile, file_facts: FileFacts) -> list[ImportSite]:
    """What decides ``file``'s edges besides which names are modules (a walk through history
    keeps these per file version and resolves them again when modules come or go:
    ``analysis/discover/structure.py``)."""
    found = []
    for fact in file_facts.imports:
        sub, base = import_candidates(file, fact)
        if base:
            found.append((sub, base, not fact.in_function and not fact.type_checking, fact.line))
    return found


def resolve_sites(
    module: str, sites: Sequence[ImportSite], is_module: Callable[[str], bool]
) -> list[FileEdge]:
    """The edges from ``module`` its import sites make: to ``a.b`` when that is a module, else to
    ``a`` when that is one, else none (an external or dangling import); never to itself."""
    found = []
    for sub, base, at_import_time, line in sites:
        imported = sub if sub is not None and is_module(sub) else base if is_module(base) else None
        if imported is not None and imported != module:
            found.append((imported, at_import_time, line))
    return found


def import_candidates(file: SourceFile, fact: ImportFact) -> tuple[str | None, str | None]:
    """(``a.b`` for ``from a import b``, else None; ``a``): the module names whose existence
    decides which module the import makes ``file`` depend on (grimp's rule: the first that is a
    module of the tree; neither: the import is external)."""
    base = fact.module if fact.kind is ImportKind.DYNAMIC else file.import_target(fact)
    if not base:
        return None, None
    if fact.kind is ImportKind.FROM and fact.name and fact.name != "*":
        return f"{base}.{fact.name}", base
    return None, base


def _is_module(table: SymbolTable, module: str, memo: dict[str, bool] | None) -> bool:
    """A module with a file (a namespace folder imports nothing and is imported by nothing)."""
    if memo is not None and module in memo:
        return memo[module]
    origin = table.resolve_module(module).origin
    answer = origin is not None and bool(origin.path)
    if memo is not None:
        memo[module] = answer
    return answer
