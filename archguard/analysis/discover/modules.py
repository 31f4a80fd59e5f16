"""The module import graph (networkx) that cycles and hotspots are computed on.

Edges follow the same rule as the grimp graph ``check`` uses (``adapters/importlinter_bridge/grimp_graph.py``):
``from a import b`` imports ``a.b`` when that is a module, else ``a``; dynamic imports and
imports of modules outside the tree are left out. Each edge keeps the file and line of every
import statement that makes it, for cycle reports. Two graphs share one pass:

- ``runtime``: module-level imports that run when the importer is imported (not inside a
  function, not under ``TYPE_CHECKING``, not a PEP 810 ``lazy`` import): the only ones that can
  make an import cycle fail;
- ``all``: every import, loose files included: fan-in as a reviewer counts it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
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
    is_module: dict[str, bool] = {}
    for file in files:
        file_facts = facts.get(file.path)
        if file_facts is None:
            continue
        for fact in file_facts.imports:
            imported = imported_module(table, file, fact, is_module)
            if imported is None or imported == file.module:
                continue
            graphs.importer_files.setdefault(imported, set()).add(file.path)
            every.add_edge(file.module, imported)
            # import time only: a ``lazy`` import (PEP 810) loads nothing then, and closes no cycle
            if not fact.in_function and not fact.type_checking and not fact.lazy and not file.loose:
                data = runtime.get_edge_data(file.module, imported)
                if data is None:
                    runtime.add_edge(file.module, imported, sites=[(file.path, fact.line)])
                elif (file.path, fact.line) not in data["sites"]:
                    data["sites"].append((file.path, fact.line))
    for _, _, data in runtime.edges(data=True):
        data["sites"].sort()
    return graphs


def imported_module(
    table: SymbolTable, file: SourceFile, fact: ImportFact, memo: dict[str, bool] | None = None
) -> str | None:
    """The module an import makes its importer depend on (grimp's rule), None when external."""
    base = fact.module if fact.kind is ImportKind.DYNAMIC else file.import_target(fact)
    if not base:
        return None
    if fact.kind is ImportKind.FROM and fact.name and fact.name != "*":
        sub = f"{base}.{fact.name}"
        if _is_module(table, sub, memo):
            return sub
    return base if _is_module(table, base, memo) else None


def _is_module(table: SymbolTable, module: str, memo: dict[str, bool] | None) -> bool:
    """A module with a file (a namespace folder imports nothing and is imported by nothing)."""
    if memo is not None and module in memo:
        return memo[module]
    origin = table.resolve_module(module).origin
    answer = origin is not None and bool(origin.path)
    if memo is not None:
        memo[module] = answer
    return answer
