"""Build a grimp ``ImportGraph`` from archguard's own scan instead of grimp's scanner.

Why not ``grimp.build_graph``: grimp only sees regular packages on ``sys.path`` and aborts on the
first file that does not parse. The graph built here has a node for every file archguard found
(loose scripts and test folders included, broken files as nodes without edges), so import-linter
contracts run over the whole tree.

The edges follow grimp's own scanner (its Rust import scanner) so that, for a tree grimp
can read, both graphs are the same:

- ``import a.b.c`` imports the object ``a.b.c``; ``from a import b`` imports ``a.b``; a star
  import ``from a import *`` imports ``a.*``; relative imports are made absolute first.
- The object becomes the edge target when it is a module, else its parent when *that* is a module
  (``from a import Name`` -> ``a``). Only one level is trimmed, as grimp does.
- Anything else under one of our own top-level names is an import of a module that does not exist:
  dropped here (the dangling-import analysis reports it). grimp would, with externals included,
  point such an import at the top-level package; we deliberately do not invent that edge.
- Other imports are external: dropped, or squashed to their top-level name when
  ``include_external_packages`` is set.
- Dynamic imports (``importlib.import_module("x")``) are left out, as grimp never sees them.

Known differences from grimp: ``line_contents`` is the first line of the statement itself (grimp
takes the whole physical line, so ``x = 1; import a`` differs), and external imports are squashed
to their first component even where grimp's namespace-package distillation would keep more.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from functools import cache
from typing import TYPE_CHECKING

from archguard.domain.facts import FileFacts, ImportFact, ImportKind
from archguard.domain.sources import SourceFile

if TYPE_CHECKING:  # imported where a graph is built: a scan only counts edges, without grimp
    import grimp


def build_import_graph(
    files: Sequence[SourceFile],
    facts: Mapping[str, FileFacts],
    *,
    include_external_packages: bool = False,
    exclude_type_checking_imports: bool = False,
) -> grimp.ImportGraph:
    """A grimp graph with one node per file and grimp-style edges from the extracted facts.

    ``facts`` maps ``SourceFile.path`` to the file's facts; files without facts (syntax errors,
    unreadable files) still become nodes. The number of edges is ``graph.count_imports()``
    (distinct importer/imported pairs, as grimp counts them).
    """
    import grimp

    graph = grimp.ImportGraph()
    resolver = _EdgeResolver(files, include_external_packages=include_external_packages)
    # In name order: grimp breaks ties between equally short chains by the order modules were
    # added, so a set's order (PYTHONHASHSEED's) would change the chains shown from run to run.
    for module in sorted(resolver.internal_modules):
        graph.add_module(module)

    squashed: set[str] = set()
    marks_lazy = grimp_marks_lazy()
    for source in files:
        file_facts = facts.get(source.path)
        if file_facts is None:
            continue
        for imported, line, contents, lazy in resolver.edges_of(
            source, file_facts, exclude_type_checking_imports
        ):
            if imported not in resolver.internal_modules and imported not in squashed:
                # grimp marks an external package as squashed: one node for the whole package.
                graph.add_module(imported, is_squashed=True)
                squashed.add(imported)
            # A PEP 810 ``lazy`` import is an edge like any other (contracts count it, as grimp's
            # own graph does), marked as grimp 3.19+ marks it (``is_lazy`` in the details).
            graph.add_import(
                importer=source.module,
                imported=imported,
                line_number=line,
                line_contents=contents,
                **({"is_lazy": lazy} if marks_lazy else {}),
            )
    return graph


@cache
def grimp_marks_lazy() -> bool:
    """grimp 3.19 on takes ``is_lazy`` (PEP 810) on ``add_import``; older releases refuse it."""
    from importlib import metadata

    try:
        version = metadata.version("grimp")
    except metadata.PackageNotFoundError:
        return False
    numbers = tuple(int(part) for part in version.split(".")[:2] if part.isdigit())
    return numbers >= (3, 19)


def count_import_edges(files: Sequence[SourceFile], facts: Mapping[str, FileFacts]) -> int:
    """``build_import_graph(files, facts).count_imports()`` without building the graph: the
    distinct importer/imported pairs (a scan reports only this number)."""
    resolver = _EdgeResolver(files, include_external_packages=False)
    pairs: set[tuple[str, str]] = set()
    for source in files:
        file_facts = facts.get(source.path)
        if file_facts is not None:
            pairs.update(
                (source.module, imported)
                for imported, _, _, _ in resolver.edges_of(source, file_facts, exclude_type_checking=False)
            )
    return len(pairs)


class FileEdges:
    """One file at a time: the modules it imports (as the graph's edges) and the module names whose
    existence decided them, for an incremental scan that counts edges without every file's facts
    (``count_import_edges`` is the distinct ``(file.module, target)`` pairs over all files)."""

    def __init__(self, files: Sequence[SourceFile]) -> None:
        self._resolver = _EdgeResolver(files, include_external_packages=False)

    def targets(self, source: SourceFile, file_facts: FileFacts) -> tuple[set[str], set[str]]:
        """(imported modules, consulted module names) of one file."""
        consulted: set[str] = set()
        for fact in file_facts.imports:
            obj = _imported_object(source, fact)
            if obj is not None:
                # _target looks at the object, its parent and its top-level name
                consulted.update((obj, obj.rpartition(".")[0], obj.split(".", 1)[0]))
        targets = {imported for imported, _, _, _ in self._resolver.edges_of(source, file_facts, False)}
        consulted.discard("")
        return targets, consulted


def module_edge_counts(
    files: Sequence[SourceFile], facts: Mapping[str, FileFacts]
) -> tuple[dict[tuple[str, str], int], frozenset[tuple[str, str]]]:
    """``(importer module, imported module) -> import statements`` over the same edges as the
    graph, for diagrams (the report's package overview and focus views) that need no grimp; and
    the edges every statement of which is a PEP 810 ``lazy`` import (drawn dashed)."""
    resolver = _EdgeResolver(files, include_external_packages=False)
    counts: dict[tuple[str, str], int] = {}
    eager: set[tuple[str, str]] = set()
    for source in files:
        file_facts = facts.get(source.path)
        if file_facts is not None:
            for imported, _, _, lazy in resolver.edges_of(source, file_facts, exclude_type_checking=False):
                key = (source.module, imported)
                counts[key] = counts.get(key, 0) + 1
                if not lazy:
                    eager.add(key)
    return counts, frozenset(counts.keys() - eager)


class _EdgeResolver:
    """Turns one file's import facts into grimp edges, against the set of modules that exist."""

    def __init__(self, files: Sequence[SourceFile], *, include_external_packages: bool) -> None:
        self.internal_modules: frozenset[str] = frozenset(f.module for f in files)
        # A name under one of these roots that is not a module is dangling, never external.
        self._internal_roots = frozenset(m.split(".", 1)[0] for m in self.internal_modules)
        self._include_external = include_external_packages

    def edges_of(
        self, source: SourceFile, file_facts: FileFacts, exclude_type_checking: bool
    ) -> Iterator[tuple[str, int, str, bool]]:
        """``(imported module, line, line contents, lazy)`` per edge, without duplicates (grimp
        keeps a set per module, so ``from a import X, Y`` on one line gives one edge detail)."""
        seen: set[tuple[str, int]] = set()
        for fact in file_facts.imports:
            if exclude_type_checking and fact.type_checking:
                continue
            imported = self._target(source, fact)
            if imported is None or (imported, fact.line) in seen:
                continue
            seen.add((imported, fact.line))
            yield imported, fact.line, _first_line(fact.statement), fact.lazy

    def _target(self, source: SourceFile, fact: ImportFact) -> str | None:
        obj = _imported_object(source, fact)
        if obj is None:
            return None
        if obj in self.internal_modules:
            return obj
        parent = obj.rpartition(".")[0]
        if parent and parent in self.internal_modules:
            return parent
        top = obj.split(".", 1)[0]
        if top in self._internal_roots or not self._include_external:
            return None
        return top


def _imported_object(source: SourceFile, fact: ImportFact) -> str | None:
    """The dotted object an import names, as grimp's parser spells it, made absolute."""
    if fact.kind is ImportKind.DYNAMIC:
        return None
    base = source.import_target(fact)
    if not base:
        return None  # relative import climbing above the top-level package (or out of a path)
    if fact.kind is ImportKind.IMPORT:
        return base
    return f"{base}.{fact.name}"


def _first_line(statement: str) -> str:
    return statement.strip().split("\n", 1)[0].strip()
