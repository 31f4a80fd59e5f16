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
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, NamedTuple

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
from archguard.domain.result import DanglingImport
from archguard.domain.sources import SourceFile

_NOT_FIXABLE = "the import chain has to be repaired by hand"
# module -> (the module that first loads it, whether through a dynamic import); the entry -> None
Parents = dict[str, "tuple[str, bool] | None"]


class Entry(NamedTuple):
    label: str  # as the user wrote it (module name, or path relative to ROOT)
    file: SourceFile


class _Edge(NamedTuple):
    target: str
    line: int
    column: int
    statement: str
    guarded: bool  # inside try/except ImportError: the importer survives a missing target
    dynamic: bool  # importlib.import_module("literal")
    named: bool  # the statement names this module (not only a parent package loaded on the way)


class _Node:
    """One module's imports at import time, deduplicated by target the ways the walks need them:
    a module with fifty ``from app.x import ...`` lines loads ``app`` once."""

    __slots__ = ("loads", "loads_unguarded", "named", "runs")

    def __init__(self, runs: set[tuple[int, int]], edges: list[_Edge]) -> None:
        self.runs = runs  # (line, column) of every import statement that runs at import time
        self.loads: dict[str, bool] = {}  # target -> loaded through a dynamic import (first edge)
        self.loads_unguarded: dict[str, bool] = {}  # the same, through unguarded imports only
        self.named: dict[str, _Edge] = {}  # target -> first import naming it (cycles are made of these)
        for edge in edges:
            self.loads.setdefault(edge.target, edge.dynamic)
            if not edge.guarded:
                self.loads_unguarded.setdefault(edge.target, edge.dynamic)
            if edge.named:
                self.named.setdefault(edge.target, edge)


class ImportTimeGraph:
    """Module -> the imports it runs when it is imported, built per module on first use and shared
    by every entry point."""

    def __init__(self, table: SymbolTable, facts: Mapping[str, FileFacts]) -> None:
        self.table = table
        self.facts = facts
        self._nodes: dict[str, _Node] = {}

    def node(self, module: str) -> _Node:
        found = self._nodes.get(module)
        if found is None:
            found = self._nodes[module] = self._build(module)
        return found

    def runs_at_import(self, module: str, line: int, column: int) -> bool:
        """The import statement at ``line:column`` of ``module`` runs when the module is imported."""
        return (line, column) in self.node(module).runs

    def _build(self, module: str) -> _Node:
        runs: set[tuple[int, int]] = set()
        edges: list[_Edge] = []
        file = self.table.file_of(module)
        facts = self.facts.get(file.path) if file is not None else None
        if file is None or facts is None:
            return _Node(runs, edges)
        table = self.table
        for fact in facts.imports:
            # A PEP 810 ``lazy`` import binds its name and loads nothing until the name is used:
            # not an import-time failure, nor an edge of an import-time cycle.
            if fact.type_checking or fact.in_function or fact.lazy:
                continue
            runs.add((fact.line, fact.column))
            target = file.import_target(fact)
            if target is None or not table.is_internal(target):
                continue  # climbs out of the tree (a dangling import), or stdlib / third party

            def add(imported: str, named: bool, fact: ImportFact = fact) -> None:
                if imported != module and table.file_of(imported) is not None:
                    edges.append(
                        _Edge(
                            imported,
                            fact.line,
                            fact.column,
                            fact.statement,
                            fact.guarded,
                            fact.kind is ImportKind.DYNAMIC,
                            named,
                        )
                    )

            submodules = self._submodules_named(module, target, fact.name)
            parts = target.split(".")
            for i in range(1, len(parts)):  # the package __init__ chain
                add(".".join(parts[:i]), False)
            # ``from pkg import sub`` names the submodule; pkg itself is only the way to it.
            add(target, not submodules)
            for sub in submodules:
                add(sub, True)
        return _Node(runs, edges)

    def _submodules_named(self, module: str, package: str, name: str | None) -> list[str]:
        """Submodules ``from package import name`` runs (``name`` a submodule, or ``*`` with a
        literal ``__all__`` listing submodules)."""
        if name is None:
            return []
        if name == "*":
            facts = self.table.facts_of(package)
            names: Iterable[str] = facts.all_names or () if facts is not None else ()
        else:
            names = (name,)
        found = []
        for n in names:
            sub = f"{package}.{n}"
            if self.table.file_of(sub) is None:
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
    table: SymbolTable,
    facts: Mapping[str, FileFacts],
    syntax_errors: Iterable[SyntaxIssue],
    unreadable: Iterable[UnreadableFile],
    dangling: Iterable[DanglingImport],
) -> tuple[list[Violation], list[EntryClosure]]:
    """Findings (fingerprinted) and the closure of every entry point."""
    graph = ImportTimeGraph(table, facts)
    problems = _Problems(syntax_errors, unreadable, dangling)
    walks = [_Walk(entry, graph) for entry in entries]
    # A strongly connected group is one whichever entry reaches it: found once, for every entry.
    everything = list(dict.fromkeys(m for walk in walks for m in walk.reached))
    groups = [g for g in _strongly_connected(everything, lambda m: graph.node(m).named) if len(g) > 1]
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
        self.ancestors = [] if entry.file.loose else _ancestors(self.start, graph.table)
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
            cycle = _shortest_cycle(first, set(group), self.graph)
            edge = cycle[0]
            modules = [first] + [e.target for e in cycle]
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
                    imported=edge.target,
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
            node = graph.node(module)
            importer = packages[module]
            edges.update((importer, packages[target]) for target in node.loads)
            dynamic.update(
                ClosureEdge(module, e.target, graph.table.file_of(module).path, e.line)  # type: ignore[union-attr]
                for e in node.named.values()
                if e.dynamic
            )
        return EntryClosure(
            entry=self.entry.label,
            module=self.start,
            modules=tuple(sorted(reached)),
            package_edges=tuple(sorted(e for e in edges if e[0] != e[1])),
            dynamic=tuple(sorted(dynamic)),
        )


def _ancestors(module: str, table: SymbolTable) -> list[str]:
    parts = module.split(".")
    return [p for p in (".".join(parts[:i]) for i in range(1, len(parts))) if table.file_of(p) is not None]


def _shortest_paths(start: str, ancestors: list[str], graph: ImportTimeGraph, *, strict: bool) -> Parents:
    """Breadth-first: each reached module -> the module that first loads it (None for the entry).
    Edges are tried in statement order, so equally short chains are chosen the same way each run."""
    parents: Parents = {start: None}
    for ancestor in ancestors:
        parents.setdefault(ancestor, (start, False))
    queue = deque([start, *ancestors])
    while queue:
        module = queue.popleft()
        node = graph.node(module)
        for target, dynamic in (node.loads_unguarded if strict else node.loads).items():
            if target not in parents:
                parents[target] = (module, dynamic)
                queue.append(target)
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


def _shortest_cycle(start: str, members: set[str], graph: ImportTimeGraph) -> list[_Edge]:
    """The edges of the shortest way from ``start`` back to itself inside one component."""
    back: dict[str, tuple[str, _Edge]] = {}
    queue = deque([start])
    seen = {start}
    while queue:
        module = queue.popleft()
        for edge in graph.node(module).named.values():
            if edge.target not in members:
                continue
            if edge.target == start:
                path = [edge]
                while module != start:
                    module, previous = back[module]
                    path.append(previous)
                return list(reversed(path))
            if edge.target not in seen:
                seen.add(edge.target)
                back[edge.target] = (module, edge)
                queue.append(edge.target)
    raise AssertionError("a strongly connected component of two or more modules has a cycle")


def _strongly_connected(nodes: list[str], next_of: Callable[[str], Iterable[str]]) -> list[list[str]]:
    """Tarjan's algorithm, iterative (closures of thousands of modules would pass the recursion
    limit). networkx has it too, but importing networkx costs more than a warm check."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    components: list[list[str]] = []
    counter = 0
    for root in nodes:
        if root in index:
            continue
        work = [(root, iter(next_of(root)))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(next_of(child))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    components.append(component)
    return components


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
