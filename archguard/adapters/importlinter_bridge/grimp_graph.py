"""Build a grimp ``ImportGraph`` from archguard's own scan instead of grimp's scanner.

Why not ``grimp.build_graph``: grimp only sees regular packages on ``sys.path`` and aborts on the
first file that does not parse. The graph built here has a node for every file archguard found
(loose scripts and test folders included, broken files as nodes without edges), so import-linter
contracts run over the whole tree.

The edges are archguard's one import-edge rule (``archguard/domain/import_edges.py``, grimp's own
rule), less dynamic imports (``importlib.import_module("x")``): grimp never sees them, and the
user's contracts must mean here what they mean under ``lint-imports``. So for a tree grimp can
read, both graphs are the same. External imports are left out, or squashed to their top-level
name when ``include_external_packages`` is set.

Known differences from grimp: ``line_contents`` is the first line of the statement itself (grimp
takes the whole physical line, so ``x = 1; import a`` differs), and external imports are squashed
to their first component even where grimp's namespace-package distillation would keep more.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from copy import deepcopy
from functools import cache
from typing import TYPE_CHECKING, Any

from archguard.domain.facts import FileFacts
from archguard.domain.import_edges import EdgeRule, ImportEdge
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
    """A grimp graph with one node per file and the edges import-linter sees.

    ``facts`` maps ``SourceFile.path`` to the file's facts; files without facts (syntax errors,
    unreadable files) still become nodes. The number of edges is ``graph.count_imports()``
    (distinct importer/imported pairs, as grimp counts them).
    """
    import grimp

    graph = grimp.ImportGraph()
    rule = EdgeRule.of(files)
    # In name order: grimp breaks ties between equally short chains by the order modules were
    # added, so a set's order (PYTHONHASHSEED's) would change the chains shown from run to run.
    for module in sorted(rule.modules):
        graph.add_module(module)
    for namespace in sorted(namespace_packages(files)):  # in name order too
        graph.add_module(namespace)

    squashed: set[str] = set()
    marks_lazy = grimp_marks_lazy()
    for edge in graph_edges(
        files,
        facts,
        rule,
        include_external_packages=include_external_packages,
        exclude_type_checking_imports=exclude_type_checking_imports,
    ):
        if edge.external and edge.imported not in squashed:
            # grimp marks an external package as squashed: one node for the whole package.
            graph.add_module(edge.imported, is_squashed=True)
            squashed.add(edge.imported)
        # A PEP 810 ``lazy`` import is an edge like any other (contracts count it, as grimp's
        # own graph does), marked as grimp 3.19+ marks it (``is_lazy`` in the details).
        graph.add_import(
            importer=edge.importer,
            imported=edge.imported,
            line_number=edge.line,
            line_contents=_first_line(edge.statement),
            **({"is_lazy": edge.lazy} if marks_lazy else {}),
        )
    return graph


def graph_edges(
    files: Sequence[SourceFile],
    facts: Mapping[str, FileFacts],
    rule: EdgeRule,
    *,
    importers: set[str] | None = None,
    include_external_packages: bool = False,
    exclude_type_checking_imports: bool = False,
) -> Iterator[ImportEdge]:
    """The edges of the graph :func:`build_import_graph` builds, in the order it adds them (from
    the ``importers`` named only, where given): the one edge rule's, less dynamic imports, with the
    configuration's selections."""
    for source in files:
        if importers is not None and source.module not in importers:
            continue
        file_facts = facts.get(source.path)
        if file_facts is None:
            continue
        yield from rule.edges(
            source,
            file_facts,
            external=include_external_packages,
            dynamic=False,
            type_checking=not exclude_type_checking_imports,
        )


def import_details(
    files: Sequence[SourceFile],
    facts: Mapping[str, FileFacts],
    importers: set[str],
    *,
    rule: EdgeRule | None = None,
    include_external_packages: bool = False,
    exclude_type_checking_imports: bool = False,
) -> dict[tuple[str, str], list[dict[str, Any]]]:
    """(importer, imported) -> the import details :func:`build_import_graph`'s graph holds for
    it (``get_import_details``' ``line_number`` and ``line_contents``), for the importers named
    only: where an import's statement is, without building the graph. ``rule``:
    ``EdgeRule.of(files)`` where the caller keeps it."""
    found: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for edge in graph_edges(
        files,
        facts,
        rule or EdgeRule.of(files),
        importers=importers,
        include_external_packages=include_external_packages,
        exclude_type_checking_imports=exclude_type_checking_imports,
    ):
        found.setdefault((edge.importer, edge.imported), []).append(
            {"line_number": edge.line, "line_contents": _first_line(edge.statement)}
        )
    for details in found.values():  # grimp answers them in this order
        details.sort(key=lambda detail: (detail["line_number"], detail["line_contents"]))
    return found


def patch_import_graph(
    graph: grimp.ImportGraph,
    files: Sequence[SourceFile],
    facts: Mapping[str, FileFacts],
    modules: set[str],
    *,
    rule: EdgeRule | None = None,
    namespaces: set[str] | None = None,
) -> None:
    """``graph`` (built by :func:`build_import_graph` without externals) brought up to date for an
    edit that touched ``modules``: each one's imports removed and added again from its files' facts
    now (``remove_import``/``add_import``), a module gone removed, a new one added. The modules whose
    edges an edit can change are those of the files it re-derived (their targets depend on which
    modules exist, which they consulted). ``rule``, ``namespaces``: ``EdgeRule.of(files)`` and
    :func:`namespace_packages` of ``files`` where the caller keeps them (each reads every file)."""
    rule = rule or EdgeRule.of(files)
    files_of: dict[str, list[SourceFile]] = {}
    for source in files:
        if source.module in modules:
            files_of.setdefault(source.module, []).append(source)
    existing = graph.modules
    if namespaces is None:
        namespaces = namespace_packages(files)
    marks_lazy = grimp_marks_lazy()
    for module in sorted(modules):
        if module in existing:
            for imported in graph.find_modules_directly_imported_by(module):
                graph.remove_import(importer=module, imported=imported)
            if module not in rule.modules and module not in namespaces:
                graph.remove_module(module)
                continue
        elif module in rule.modules:
            graph.add_module(module)
        for source in files_of.get(module, ()):
            file_facts = facts.get(source.path)
            if file_facts is None:
                continue
            for edge in rule.edges(source, file_facts, dynamic=False):
                if edge.imported not in existing and edge.imported not in modules:
                    graph.add_module(edge.imported)
                graph.add_import(
                    importer=module,
                    imported=edge.imported,
                    line_number=edge.line,
                    line_contents=_first_line(edge.statement),
                    **({"is_lazy": edge.lazy} if marks_lazy else {}),
                )
    # a new file under a new namespace folder (the loop above adds and removes no namespace)
    for namespace in sorted(namespaces - existing):
        graph.add_module(namespace)


def copy_on_write(graph: grimp.ImportGraph) -> grimp.ImportGraph:
    """A graph that reads ``graph`` until something writes to it, and then writes to a copy of
    its own (grimp's ``clone``, as ``deepcopy`` of a graph makes): a contract that removes nothing
    from the graph it checks (no ``ignore_imports``, no chains popped) costs no copy of a
    75,000-edge graph. Every method of grimp's graph that changes it is one of
    :data:`_WRITES`; a graph without grimp's Rust core (another release) is copied at once."""
    if not hasattr(graph, "_rustgraph") or not hasattr(graph, "_cached_modules"):
        return deepcopy(graph)
    return _copy_on_write_class()(graph)


_WRITES = ("add_module", "remove_module", "squash_module", "add_import", "remove_import")


@cache
def _copy_on_write_class() -> type:
    import grimp

    class ReadUntilWritten(grimp.ImportGraph):
        def __init__(self, graph: grimp.ImportGraph) -> None:  # no new graph: the given one's, shared
            self._rustgraph = graph._rustgraph
            self._cached_modules = graph._cached_modules
            self._shared = True

        def _own(self) -> None:
            if self._shared:
                self._rustgraph = self._rustgraph.clone()
                self._shared = False

    def writer(name: str) -> object:
        inherited = getattr(grimp.ImportGraph, name)

        def write(self: ReadUntilWritten, *args: object, **kwargs: object) -> object:
            self._own()
            return inherited(self, *args, **kwargs)

        write.__name__ = name
        return write

    for name in _WRITES:
        setattr(ReadUntilWritten, name, writer(name))
    return ReadUntilWritten


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


def namespace_packages(files: Sequence[SourceFile]) -> set[str]:
    """The namespace packages (PEP 420) above the package modules: folders without ``__init__.py``
    that hold them, one node each however many source roots their portions sit in, as grimp 3.14+
    adds them (so ``root_packages = acme`` and ``containers = acme`` name them)."""
    modules = {f.module for f in files if not f.loose}
    found: set[str] = set()
    for module in modules:
        parent = module.rpartition(".")[0]
        while parent and parent not in modules and parent not in found:
            found.add(parent)
            parent = parent.rpartition(".")[0]
    return found


def _first_line(statement: str) -> str:
    return statement.strip().split("\n", 1)[0].strip()
