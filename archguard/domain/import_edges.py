"""The one rule for import edges: which module an import makes its importer depend on, and what
else is known about that import. Every graph archguard counts, draws or checks is a selection of
these edges by their attributes (docs/DESIGN.md, "Import edges"):

- the module graph (``summary.imports``, the report's overview and focus diagrams, discover's
  fan-in, hotspots and clusters): every edge;
- the graph import-linter contracts run on (``adapters/importlinter_bridge/grimp_graph``): not
  ``dynamic`` (grimp never sees those, so the contracts agree with ``lint-imports``), not
  ``type_checking`` under the configuration's ``exclude_type_checking_imports``, and the
  ``external`` ones under ``include_external_packages``;
- import cycles (``analysis/discover/modules``): ``at_import_time`` (so not ``lazy``), from a
  module of a package to another module;
- the golden path (``analysis/golden_path``): ``at_import_time``, plus what Python runs on the
  way (a package's ``__init__`` before its modules).

The rule is grimp's, so that the graph import-linter sees equals grimp's own on a tree grimp can
read (``tests/unit/test_grimp_graph.py``):

- the imported object: ``import a.b.c`` -> ``a.b.c``; ``from a import b`` -> ``a.b``;
  ``from a import *`` -> ``a.*``; a literal ``importlib.import_module("a.b")`` -> ``a.b``;
  relative imports made absolute first (``SourceFile.import_target``);
- the edge's target is that object when it is a module of the tree (a file archguard scanned),
  else its parent when *that* is one (``from a import Name`` -> ``a``; one level only, as grimp);
- anything else under one of the tree's top-level names is an import of a module that does not
  exist: no edge (the dangling-import analysis reports it); anything else is external: an edge to
  its top-level name only where asked for (``external=True``);
- a module importing itself keeps its edge, as in grimp; cycles leave it out.

Attributes an edge carries (its ``ImportFact``'s): ``type_checking`` (under ``if
TYPE_CHECKING:``), ``in_function`` (inside a ``def``: runs when called, not when imported),
``guarded`` (inside ``try/except ImportError``), ``dynamic`` (``importlib.import_module`` or
``__import__`` with a literal), ``lazy`` (PEP 810: loads nothing until the name is used), and
``at_import_time`` (none of in a function, under ``TYPE_CHECKING`` or lazy). A new fact about imports is a field of ``ImportFact`` (``domain/facts.py``),
readable here through ``ImportEdge.fact`` (or a property beside these); each graph above then
says whether it keeps such edges.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, NamedTuple

from archguard.domain.facts import FileFacts, ImportFact, ImportKind
from archguard.domain.sources import SourceFile

# Module constants, asked of every import of every file: on Python 3.11 an enum member looked up
# on its class goes through EnumType.__getattr__'s slot, several times a constant's cost.
_FROM, _DYNAMIC = ImportKind.FROM, ImportKind.DYNAMIC

if TYPE_CHECKING:
    from archguard.domain.structure import ModuleImports


class ImportEdge(NamedTuple):
    """One import's edge: ``importer`` depends on ``imported`` (modules); the rest is its fact's.
    (A NamedTuple, like the facts: graphs are built from hundreds of thousands of these.)"""

    importer: str
    imported: str
    path: str  # the importer's file
    fact: ImportFact
    external: bool = False  # ``imported`` is a package outside the tree (its top-level name)

    @property
    def line(self) -> int:
        return self.fact.line

    @property
    def column(self) -> int:
        return self.fact.column

    @property
    def statement(self) -> str:
        return self.fact.statement

    @property
    def type_checking(self) -> bool:
        return self.fact.type_checking

    @property
    def in_function(self) -> bool:
        return self.fact.in_function

    @property
    def guarded(self) -> bool:
        return self.fact.guarded

    @property
    def dynamic(self) -> bool:
        return self.fact.kind is _DYNAMIC

    @property
    def lazy(self) -> bool:
        return self.fact.lazy

    @property
    def at_import_time(self) -> bool:
        return self.fact.at_import_time


class EdgeRule:
    """The rule over one tree's modules (every scanned file's module)."""

    def __init__(self, modules: Iterable[str]) -> None:
        self.modules: frozenset[str] = frozenset(modules)
        # A name under one of these roots that is not a module is dangling, never external.
        self.roots: frozenset[str] = frozenset(m.split(".", 1)[0] for m in self.modules)

    @classmethod
    def of(cls, files: Iterable[SourceFile]) -> EdgeRule:
        return cls(f.module for f in files)

    def target(self, file: SourceFile, fact: ImportFact) -> str | None:
        """The module of the tree the import makes ``file`` depend on, or None."""
        return self.target_of(file.import_target(fact), fact)

    def target_of(self, base: str | None, fact: ImportFact) -> str | None:
        """:meth:`target`, given the module the import statement names (``import_target``)."""
        return self.module_of(_object(base, fact))

    def module_of(self, obj: str | None) -> str | None:
        """The module of the tree an import of the dotted object ``obj`` depends on: ``obj`` when
        it is one, else its parent when that is one (what :meth:`target` decides after the
        import statement is spelled out: ``history`` keeps the objects of a file version and asks
        this again when modules come or go)."""
        if obj is None:
            return None
        if obj in self.modules:
            return obj
        parent = obj.rpartition(".")[0]
        return parent if parent and parent in self.modules else None

    def outside_package(self, obj: str) -> str | None:
        """The top-level name of the package outside the tree that ``obj`` (an imported object
        no module of the tree holds) belongs to; None for a name under one of the tree's roots
        (a module that does not exist: no edge)."""
        top = obj.split(".", 1)[0]
        return None if top in self.roots else top

    def targets(self, file: SourceFile, facts: FileFacts) -> set[str]:
        """Every module of the tree ``file`` imports (what the module graph's edges from it are)."""
        found = set()
        for fact in facts.imports:
            imported = self.target(file, fact)
            if imported is not None:
                found.add(imported)
        return found

    def edges(
        self,
        file: SourceFile,
        facts: FileFacts,
        *,
        external: bool = False,
        dynamic: bool = True,
        type_checking: bool = True,
    ) -> Iterator[ImportEdge]:
        """``file``'s edges in statement order, one per imported module and line (grimp keeps a
        set per module: ``from a import X, Y`` on one line is one edge). ``external``: the imports
        of packages outside the tree too; ``dynamic``, ``type_checking``: those imports too."""
        seen: set[tuple[str, int]] = set()
        for fact in facts.imports:
            if (not dynamic and fact.kind is _DYNAMIC) or (not type_checking and fact.type_checking):
                continue
            obj = imported_object(file, fact)  # made once for both questions below
            imported = self.module_of(obj)
            outside = False
            if imported is None and external and obj is not None:
                imported, outside = self.outside_package(obj), True
            if imported is None or (imported, fact.line) in seen:
                continue
            seen.add((imported, fact.line))
            yield ImportEdge(file.module, imported, file.path, fact, outside)


def imported_object(file: SourceFile, fact: ImportFact) -> str | None:
    """The dotted object an import names, as grimp's parser spells it, made absolute; None when
    relative dots climb out of the tree."""
    return _object(file.import_target(fact), fact)


def _object(base: str | None, fact: ImportFact) -> str | None:
    if not base:
        return None
    if fact.kind is _FROM:
        return f"{base}.{fact.name}"
    return base


def count_import_edges(files: Sequence[SourceFile], facts: Mapping[str, FileFacts]) -> int:
    """The module graph's edges: distinct importer/imported pairs (``summary.imports``)."""
    rule = EdgeRule.of(files)
    pairs: set[tuple[str, str]] = set()
    for file in files:
        file_facts = facts.get(file.path)
        if file_facts is not None:
            pairs.update((file.module, imported) for imported in rule.targets(file, file_facts))
    return len(pairs)


def module_import_lines(
    files: Sequence[SourceFile], facts: Mapping[str, FileFacts]
) -> tuple[ModuleImports, frozenset[tuple[str, str]]]:
    """The module graph's edges, each with the lines of the import statements that make it (one
    per statement, in order), for what the report draws without grimp: the package overview, the
    focus view, the dependency matrix and the page's explorer; and the edges every statement of
    which is a PEP 810 ``lazy`` import (drawn dashed)."""
    rule = EdgeRule.of(files)
    lines: dict[tuple[str, str], list[int]] = {}
    eager: set[tuple[str, str]] = set()
    for file in files:
        file_facts = facts.get(file.path)
        if file_facts is not None:
            for edge in rule.edges(file, file_facts):
                key = (edge.importer, edge.imported)
                lines.setdefault(key, []).append(edge.line)
                if not edge.lazy:
                    eager.add(key)
    return {edge: tuple(sorted(found)) for edge, found in lines.items()}, frozenset(lines.keys() - eager)


class FileEdges:
    """One file at a time: the modules it imports (the module graph's edges) and the module names
    whose existence decided them, for an incremental scan that counts edges without every file's
    facts (:func:`count_import_edges` is the distinct ``(file.module, target)`` pairs)."""

    def __init__(self, files: Sequence[SourceFile]) -> None:
        self.rule = EdgeRule.of(files)

    def targets(
        self, source: SourceFile, file_facts: FileFacts, objects: list[str | None] | None = None
    ) -> tuple[set[str], set[str]]:
        """(imported modules, consulted module names) of one file; ``objects``, when given, gets
        each import's object (:func:`imported_object`) in ``file_facts.imports``' order, for the
        caller's other uses of them (the import-linter pass's digest)."""
        consulted: set[str] = set()
        found: set[str] = set()
        module_of = self.rule.module_of
        for fact in file_facts.imports:
            obj = imported_object(source, fact)
            if objects is not None:
                objects.append(obj)
            if obj is not None:
                # the object and its parent decide the target; the top-level name, dangling or external
                consulted.update((obj, obj.rpartition(".")[0], obj.split(".", 1)[0]))
                imported = module_of(obj)  # EdgeRule.target, over the object made once
                if imported is not None:
                    found.add(imported)
        consulted.discard("")
        return found, consulted
