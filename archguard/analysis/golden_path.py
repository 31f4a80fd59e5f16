"""Golden path: does everything an entry point loads at import time exist, parse, and avoid cycles?

The import-time closure of an entry is every module reached through imports that run when the
entry is imported (docs/golden-path.md has the rules for users):

- imports at module level and in class bodies; not under ``if TYPE_CHECKING:``, not in functions,
  not PEP 810 ``lazy`` imports (they load their module when the name is first used);
- importing ``a.b.c`` runs ``a/__init__``, ``a/b/__init__`` and ``a/b/c``; ``from a.b import c``
  also runs the submodule ``a.b.c`` when there is one and ``a.b`` does not bind ``c`` itself;
  ``from a.b import *`` runs the submodules a literal ``__all__`` lists;
- imports guarded by ``try/except ImportError`` are followed, but an ImportError they would catch
  (a missing module or name reached only through them) is a warning;
- ``importlib.import_module("literal")`` at module level is followed and marked as dynamic;
- conditional imports (``if``/``else`` at module level) are followed: we cannot tell which branch
  runs.

Problems inside a closure become ``golden-path`` findings with the shortest chain of modules from
the entry. The analysis reuses what ``check`` already computed: the symbol table for modules and
names, and the dangling imports for what is missing (nothing is resolved a second time here).

The imports followed are archguard's import edges (``domain/import_edges.py``) that run at import
time, with what Python runs on the way: the packages' ``__init__`` before their modules, and the
submodules a ``from`` or star import runs. The walks, components and cycles are networkx's, on
the part of the import graph the entry points reach (read module by module on first use).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from itertools import chain
from typing import TYPE_CHECKING, Any, NamedTuple

from archguard.analysis.symbols import SymbolTable
from archguard.domain.facts import FileFacts, ImportFact, ImportKind, SyntaxIssue, UnreadableFile
from archguard.domain.findings import Severity, Violation, assign_fingerprints
from archguard.domain.golden_path import (
    ClosureDiagram,
    ClosureEdge,
    EntryClosure,
    MissingModule,
    PackageNode,
    contract_name,
    package_of,
)
from archguard.domain.import_edges import EdgeRule, ImportEdge
from archguard.domain.result import DanglingImport
from archguard.domain.sources import SourceFile

if TYPE_CHECKING:  # imported when an entry point is walked: a check without one never needs it
    import networkx as nx

_NOT_FIXABLE = "the import chain has to be repaired by hand"
# module -> (the module that first loads it, whether through a dynamic import); the entry -> None
Parents = dict[str, "tuple[str, bool] | None"]


class Entry(NamedTuple):
    label: str  # as the user wrote it (module name, or path relative to ROOT)
    file: SourceFile


class ImportTimeGraph:
    """What importing a module runs, as two networkx graphs shared by every entry point and built
    for the modules they reach (:meth:`reach`), each module's imports read once:

    - ``loads``: module -> every module its imports run, one edge however many imports do;
      ``dynamic``: the first of them is a dynamic import; ``unguarded``: one of them is not
      inside ``try/except ImportError`` (``unguarded_dynamic``: the first such one is dynamic);
    - ``named``: module -> every module one of its imports names, ``edge`` the first such import
      (an ``ImportEdge``). Cycles are made of these: a parent package loaded on the way is not
      imported by the child in any sense that can go wrong.
    """

    def __init__(
        self, files: Sequence[SourceFile], table: SymbolTable, facts: Mapping[str, FileFacts]
    ) -> None:
        import networkx as nx

        self.rule = EdgeRule.of(files)
        self.table = table
        self.facts = facts
        self.loads: nx.DiGraph = nx.DiGraph()
        self.named: nx.DiGraph = nx.DiGraph()
        self._runs: dict[str, set[tuple[int, int]]] = {}  # (line, column) of each import that runs
        self._chains: dict[str, tuple[str, ...]] = {}  # a module name -> what running it runs first
        self.unguarded: dict[str, tuple[str, ...]] = {}  # module -> what it loads through unguarded imports

    def reach(self, modules: Iterable[str]) -> None:
        """Read every module that importing ``modules`` runs, directly or not, and add what they
        load to the graphs (at once: per edge, adding to a networkx graph costs more than reading
        the import)."""
        todo = [m for m in modules if m not in self._runs]
        read: list[tuple[str, dict[str, dict[str, bool]], dict[str, dict[str, ImportEdge]]]] = []
        while todo:
            module = todo.pop()
            if module not in self._runs:
                loads, named = self._read(module)
                read.append((module, loads, named))
                self.unguarded[module] = tuple(t for t, data in loads.items() if data["unguarded"])
                todo.extend(t for t in loads if t not in self._runs)
        self.loads.add_nodes_from(module for module, _, _ in read)
        self.named.add_nodes_from(module for module, _, _ in read)
        self.loads.add_edges_from((m, t, data) for m, loads, _ in read for t, data in loads.items())
        self.named.add_edges_from((m, t, data) for m, _, named in read for t, data in named.items())

    def runs_at_import(self, module: str, line: int, column: int) -> bool:
        """The import statement at ``line:column`` of ``module`` runs when the module is imported."""
        return (line, column) in self._runs[module]

    def _read(self, module: str) -> tuple[dict[str, dict[str, bool]], dict[str, dict[str, ImportEdge]]]:
        """What importing ``module`` loads (edge data by target), and names (the first import
        naming each target)."""
        runs = self._runs[module] = set()
        loads: dict[str, dict[str, bool]] = {}
        named: dict[str, dict[str, ImportEdge]] = {}
        file = self.table.file_of(module)
        facts = self.facts.get(file.path) if file is not None else None
        if file is None or facts is None:
            return loads, named
        for fact in facts.imports:
            # not inside a function, not under TYPE_CHECKING, not a PEP 810 ``lazy`` import (which
            # binds its name and loads nothing until the name is used)
            if not fact.at_import_time:
                continue
            runs.add((fact.line, fact.column))
            base = file.import_target(fact)
            if base is None or base.partition(".")[0] not in self.rule.roots:
                continue  # climbs out of the tree, or stdlib / third party
            dynamic, unguarded = fact.kind is ImportKind.DYNAMIC, not fact.guarded
            # what the import runs, in Python's order: the packages on the way (not named), then
            # the modules it names
            names = self._named(module, base, fact)
            for loaded in (*self._on_the_way(base), *names):
                if loaded == module:
                    continue
                data = loads.get(loaded)
                if data is None:
                    data = loads[loaded] = {
                        "dynamic": dynamic,
                        "unguarded": False,
                        "unguarded_dynamic": False,
                    }
                if unguarded and not data["unguarded"]:
                    data["unguarded"], data["unguarded_dynamic"] = True, dynamic
            for loaded in names:
                if loaded != module and loaded not in named:
                    named[loaded] = {"edge": ImportEdge(module, loaded, file.path, fact)}
        return loads, named

    def _named(self, module: str, base: str, fact: ImportFact) -> list[str]:
        """The modules an import names, given the module its statement names (``base``): its
        edge's target (for ``from package import name``, the package when it binds ``name``
        itself: then the submodule is not run), and the submodules a ``from`` or star import
        runs. The packages on the way to ``base`` run too, named or not (:meth:`_on_the_way`),
        even when ``base`` itself does not exist."""
        target = self.rule.target_of(base, fact)  # None: a dangling import
        if target is None:
            return []
        if fact.kind is not ImportKind.FROM or fact.name is None:
            return [target]
        submodules = self._submodules_named(module, base, fact.name)
        named = [target]
        if target == f"{base}.{fact.name}" and target not in submodules:
            named = [base] if base in self.rule.modules else []
        return named + [sub for sub in submodules if sub not in named]

    def _on_the_way(self, base: str) -> tuple[str, ...]:
        """The packages (and the module) Python runs to import ``base``, outermost first."""
        found = self._chains.get(base)
        if found is None:
            parts = base.split(".")
            prefixes = (".".join(parts[:i]) for i in range(1, len(parts) + 1))
            found = self._chains[base] = tuple(p for p in prefixes if p in self.rule.modules)
        return found

    def _submodules_named(self, module: str, package: str, name: str) -> list[str]:
        """Submodules ``from package import name`` runs (``name`` a submodule, or ``*`` with a
        literal ``__all__`` listing submodules)."""
        if name == "*":
            facts = self.table.facts_of(package)
            names: Iterable[str] = facts.all_names or () if facts is not None else ()
        else:
            names = (name,)
        found = []
        for n in names:
            sub = f"{package}.{n}"
            if sub not in self.rule.modules:
                continue
            # A package binding the name itself (``c = ...``) shadows the submodule; its own
            # ``from . import c`` is the import that runs the submodule.
            if (
                package != module
                and self.table.binds_at_runtime(package, n)
                and not self._binds_submodule(package, n)
            ):
                continue
            found.append(sub)
        return found

    def _binds_submodule(self, package: str, name: str) -> bool:
        res = self.table.resolve(package, name)
        return res.origin is not None and res.origin.module == f"{package}.{name}" and not res.origin.name


def golden_paths(
    entries: Sequence[Entry],
    files: Sequence[SourceFile],
    table: SymbolTable,
    facts: Mapping[str, FileFacts],
    syntax_errors: Iterable[SyntaxIssue],
    unreadable: Iterable[UnreadableFile],
    dangling: Iterable[DanglingImport],
) -> tuple[list[Violation], list[EntryClosure]]:
    """Findings (fingerprinted) and the closure of every entry point."""
    import networkx as nx

    graph = ImportTimeGraph(files, table, facts)
    problems = _Problems(syntax_errors, unreadable, dangling)
    walks = [_Walk(entry, graph) for entry in entries]
    # A strongly connected group is one whichever entry reaches it: found once, for every entry.
    groups = sorted(sorted(g) for g in nx.strongly_connected_components(graph.named) if len(g) > 1)
    violations: list[Violation] = []
    closures: list[EntryClosure] = []
    for walk in walks:
        violations += walk.findings(problems) + walk.cycles(groups)
        closures.append(walk.closure())
    return assign_fingerprints(violations), closures


class _Problems:
    """What ``check`` already found, by file path."""

    def __init__(
        self,
        syntax_errors: Iterable[SyntaxIssue],
        unreadable: Iterable[UnreadableFile],
        dangling: Iterable[DanglingImport],
    ) -> None:
        self.syntax = {s.path: s for s in syntax_errors}
        self.unreadable = {u.path: u for u in unreadable}
        self.dangling: dict[str, list[DanglingImport]] = {}
        for d in dangling:
            self.dangling.setdefault(d.path, []).append(d)


class _Walk:
    """One entry point's closure: the shortest way to every module it loads."""

    def __init__(self, entry: Entry, graph: ImportTimeGraph) -> None:
        self.entry = entry
        self.graph = graph
        self.start = entry.file.module
        # Importing the entry runs its own package chain first (a loose file has none).
        self.ancestors = [] if entry.file.loose else _ancestors(self.start, graph.rule.modules)
        graph.reach([self.start, *self.ancestors])
        self.reached = _shortest_paths(self.start, self.ancestors, graph, strict=False)
        # Through imports that are not guarded only: what an ImportError really escapes from.
        self.strict = _shortest_paths(self.start, self.ancestors, graph, strict=True)
        self.contract = contract_name(entry.label)

    def _violation(self, module: str, severity: Severity, **fields: Any) -> Violation:
        parents = self.strict if severity is Severity.ERROR and module in self.strict else self.reached
        return Violation(
            contract=self.contract,
            severity=severity,
            fixable=False,
            reason=_NOT_FIXABLE,
            importer=module,
            **_chain_fields(parents, module),
            **fields,
        )

    def _unparsed(self, module: str, path: str, problems: _Problems) -> Violation | None:
        """The AG401 finding of a reached file that was not parsed: a syntax error or unreadable."""
        syntax = problems.syntax.get(path)
        unreadable = problems.unreadable.get(path)
        if syntax is not None:
            # SyntaxError is no ImportError: a guard does not catch it, so it always fails.
            severity, line, column = Severity.ERROR, syntax.line, syntax.column
            message = f"syntax error: {syntax.message}"
        elif unreadable is not None:
            severity, line, column = Severity.WARNING, 1, 1
            message = f"cannot be read ({unreadable.reason}): its imports are not checked"
        else:
            return None
        return self._violation(
            module,
            severity,
            code="AG401",
            path=path,
            line=line,
            column=column,
            message=message,
            imported=module,
        )

    def findings(self, problems: _Problems) -> list[Violation]:
        found: list[Violation] = []
        for module in self.reached:
            file = self.graph.table.file_of(module)
            assert file is not None
            unparsed = self._unparsed(module, file.path, problems)
            if unparsed is not None:
                found.append(unparsed)
                continue  # its imports are unknown: nothing more to say about it
            for d in problems.dangling.get(file.path, ()):
                if not self.graph.runs_at_import(module, d.line, d.column):
                    continue  # in a function or under TYPE_CHECKING: not loaded with the module
                # ``maybe``: check's own reason to doubt it is missing (it may exist at run time)
                fails = module in self.strict and not d.guarded and not d.maybe
                found.append(
                    self._violation(
                        module,
                        Severity.ERROR if fails else Severity.WARNING,
                        code="AG403" if d.missing == "name" else "AG402",
                        path=d.path,
                        line=d.line,
                        column=d.column,
                        message=d.message,
                        statement=d.statement,
                        imported=d.imported,
                    )
                )
        return found

    def cycles(self, groups: list[list[str]]) -> list[Violation]:
        """One finding per group of modules that import each other at module level (a strongly
        connected component) inside this closure, at the first import of its shortest cycle from
        the member nearest the entry. Only imports naming a module count: a parent package loaded
        on the way is not imported by the child in any sense that can go wrong."""
        order = {module: i for i, module in enumerate(self.reached)}  # breadth-first: nearest first
        found = []
        for group in groups:
            if group[0] not in order:
                continue  # a group is reached whole or not at all
            first = min(group, key=order.__getitem__)
            cycle = _shortest_cycle(first, set(group), self.graph.named)
            edge = cycle[0]
            modules = [first] + [e.imported for e in cycle]
            fails = first in self.strict and not any(e.guarded for e in cycle)
            found.append(
                self._violation(
                    first,
                    Severity.ERROR if fails else Severity.WARNING,
                    code="AG404",
                    path=self.graph.table.file_of(first).path,  # type: ignore[union-attr]
                    line=edge.line,
                    column=edge.column,
                    message=f"import cycle at module level: {' -> '.join(modules)}",
                    statement=edge.statement,
                    imported=edge.imported,
                )
            )
        return found

    def closure(self) -> EntryClosure:
        graph, reached = self.graph, self.reached
        packages: dict[str, str] = {}
        for module in reached:
            packages[module] = package_of(module)
        entry_package = packages[self.start]
        edges = {(entry_package, packages[a]) for a in self.ancestors}
        dynamic: set[ClosureEdge] = set()
        for module in reached:
            importer = packages[module]
            edges.update((importer, packages[target]) for target in graph.loads.succ[module])
            dynamic.update(
                ClosureEdge(module, e.imported, e.path, e.line)
                for e in (data["edge"] for data in graph.named.succ[module].values())
                if e.dynamic
            )
        return EntryClosure(
            entry=self.entry.label,
            module=self.start,
            modules=tuple(sorted(reached)),
            package_edges=tuple(sorted(e for e in edges if e[0] != e[1])),
            dynamic=tuple(sorted(dynamic)),
        )


def _ancestors(module: str, modules: frozenset[str]) -> list[str]:
    parts = module.split(".")
    return [p for p in (".".join(parts[:i]) for i in range(1, len(parts))) if p in modules]


def _shortest_paths(start: str, ancestors: list[str], graph: ImportTimeGraph, *, strict: bool) -> Parents:
    """Breadth-first: each reached module -> the module that first loads it (None for the entry).
    Importing the entry runs its package chain first, so the chain comes first among what it
    loads. Edges are tried in statement order, so equally short chains are chosen the same way
    each run. ``strict``: through imports that are not guarded only."""
    import networkx as nx

    succ = graph.loads.succ
    flag = "unguarded_dynamic" if strict else "dynamic"

    def loaded_by(module: str) -> Iterable[str]:
        targets = graph.unguarded[module] if strict else succ[module]
        return chain(ancestors, targets) if module == start else targets

    parents: Parents = {start: None}
    for importer, target in nx.generic_bfs_edges(graph.loads, start, neighbors=loaded_by):
        first_of_chain = importer == start and target in ancestors
        parents[target] = (importer, False if first_of_chain else succ[importer][target][flag])
    return parents


def _chain(parents: Parents, module: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The modules from the entry to ``module``, and those of them loaded by a dynamic import."""
    chain = [module]
    dynamic = []
    step = parents[module]
    while step is not None:
        if step[1]:
            dynamic.append(chain[-1])
        chain.append(step[0])
        step = parents[step[0]]
    return tuple(reversed(chain)), tuple(reversed(dynamic))


def _chain_fields(parents: Parents, module: str) -> dict[str, Any]:
    chain, dynamic = _chain(parents, module)
    # JSON ``extra.dynamic``: the hops that only a literal importlib.import_module() makes.
    return {"chain": chain, "extra": (("dynamic", ",".join(dynamic)),) if dynamic else ()}


def _shortest_cycle(start: str, members: set[str], named: nx.DiGraph) -> list[ImportEdge]:
    """The imports of the shortest way from ``start`` back to itself inside one strongly
    connected group: the first module breadth-first (imports in statement order) that imports
    ``start`` closes it."""
    import networkx as nx

    succ = named.succ

    def inside(module: str) -> Iterator[str]:
        return (m for m in succ[module] if m in members)

    parent: dict[str, str] = {}
    for importer, imported in nx.generic_bfs_edges(named, start, neighbors=inside):
        parent[imported] = importer
        if start in succ[imported]:
            last = imported
            break
    else:
        raise AssertionError("a strongly connected group of two or more modules has a cycle")
    path = [last]
    while path[-1] != start:
        path.append(parent[path[-1]])
    path.reverse()
    return [succ[a][b]["edge"] for a, b in zip(path, [*path[1:], start], strict=True)]


def collapse_closure(closure: EntryClosure, violations: Iterable[Violation]) -> ClosureDiagram:
    """The closure as a diagram of packages (``app.api.ws`` -> ``app.api``) with the packages
    holding problems counted, for ``report``: thousands of modules stay readable."""
    violations = list(violations)  # read twice
    modules = Counter(package_of(m) for m in closure.modules)
    problems = Counter(package_of(v.importer) for v in closure.problems(violations))
    nodes = tuple(
        PackageNode(name, count, problems[name], entry=name == package_of(closure.module))
        for name, count in sorted(modules.items())
    )
    return ClosureDiagram(
        entry=closure.entry,
        nodes=nodes,
        edges=closure.package_edges,
        missing=_missing_modules(closure, violations),
    )


def _missing_modules(closure: EntryClosure, violations: Iterable[Violation]) -> tuple[MissingModule, ...]:
    """Each module without a file that the closure imports (its AG402 findings, warnings too)."""
    found: dict[str, list[Violation]] = {}
    for v in violations:
        if v.contract == closure.contract and v.code == "AG402" and v.imported:
            found.setdefault(v.imported, []).append(v)
    missing = [
        MissingModule(
            name=name,
            importers=tuple(sorted({package_of(v.importer) for v in imports})),
            imports=len(imports),
            first_site=min(f"{v.path}:{v.line}" for v in imports),
            failing=any(v.severity is Severity.ERROR for v in imports),
        )
        for name, imports in found.items()
    ]
    return tuple(sorted(missing, key=lambda m: (not m.failing, -m.imports, m.name)))
