"""Concept candidates and their clusters (docs/discover.md).

Four kinds of evidence, each an edge of the *provenance graph* (nodes ``module:Name``):

- ``access-paths``: one origin imported through several ``module:Name`` paths; edges follow each
  path's resolution chain hop by hop (``re-exports`` between modules, ``aliases`` inside one);
- ``same-name``: definitions in several modules under one normalised name (``names.normalise``)
  that are *related*: some file imports both, or one's module imports the other's. Unrelated
  same-named helpers (``main`` in two scripts, ``Config`` in two packages) never connect;
- ``wrapper``: an empty-bodied subclass of a concept's origin named like the concept;
- ``factory``: a function named ``get_/create_/make_/build_<concept>`` in a module that imports
  the concept.

A cluster is a connected group of that graph (networkx), built only around origins that are
candidates: reached through two or more used paths of which one leaves the origin's own public
face (its module and the packages above it), or joined by another definition.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from archguard.analysis.discover import names
from archguard.analysis.discover.defined import Factory, FileDefinitions, names_imported
from archguard.analysis.discover.score import cluster_score
from archguard.analysis.symbols import Origin, Status, SymbolTable
from archguard.domain.discovery import AccessPath, Cluster, Definition
from archguard.domain.facts import Binding, BindingKind, FileFacts, ImportKind
from archguard.domain.shapes import Shape
from archguard.domain.sources import SourceFile, is_dotted_name

if TYPE_CHECKING:
    import networkx as nx

Path_ = tuple[str, str]  # (module, name)
_PAIR_LIMIT = 60  # same-name groups larger than this are related by co-import only (no pair scan)


@dataclass
class _Uses:
    """Who imports what: origin -> path -> importing files; file -> origins it imports."""

    by_origin: dict[Origin, dict[Path_, set[str]]] = field(default_factory=lambda: defaultdict(dict))
    by_file: dict[str, set[Origin]] = field(default_factory=lambda: defaultdict(set))
    modules_importing: dict[Origin, set[str]] = field(default_factory=lambda: defaultdict(set))
    module_of_path: dict[str, str] = field(default_factory=dict)


def find_clusters(
    table: SymbolTable,
    files: Sequence[SourceFile],
    *,
    module_imports: Mapping[str, set[str]],
    uses_by_file: Sequence[Sequence[Use]],
    definitions_by_file: Sequence[FileDefinitions | tuple[()]],
    shim_modules: frozenset[str] = frozenset(),
    canonical_overrides: Mapping[str, str] | None = None,
) -> list[Cluster]:
    """Every cluster, ranked best first. ``module_imports``: module -> modules it imports (any
    import); ``uses_by_file``, ``definitions_by_file``: :func:`uses_in_file` and
    :func:`definitions_in_file` of every file, in order (discover's engine keeps them per file,
    check for ``diff``); ``canonical_overrides``: cluster name or origin ``module:Name`` ->
    canonical path."""
    uses = _collect_uses(files, uses_by_file)
    graph = _Evidence()
    roles: dict[Origin, str] = {}

    for origin, paths in uses.by_origin.items():
        if _is_access_path_candidate(origin, paths):
            _add_chains(graph, table, origin, paths)
            roles.setdefault(origin, "origin")

    definitions, doubles, wrappers, factories = _definitions(table, files, definitions_by_file)
    _link_same_names(graph, table, definitions, uses, module_imports, roles)
    _link_wrappers(graph, table, wrappers, uses, roles)
    _link_factories(graph, table, factories, uses, roles)

    if not graph.steps:
        return []  # no evidence at all: no cluster (and networkx never loaded: diff, history)
    import networkx as nx

    whole = graph.made()
    node_origin = {_node(o): o for o in roles}
    built: list[tuple[Cluster, list[Origin], nx.Graph]] = []
    for component in nx.connected_components(whole):
        origins = [node_origin[n] for n in component if n in node_origin]
        subgraph = whole.subgraph(component)
        cluster = _build_cluster(table, origins, roles, uses, subgraph, shim_modules)
        if cluster is not None:
            built.append((cluster, origins, subgraph))
    names_given = _unique_names([c for c, _, _ in built])
    clusters = []
    for (cluster, origins, subgraph), name in zip(built, names_given, strict=False):
        wanted = (canonical_overrides or {}).get(name) or (canonical_overrides or {}).get(cluster.canonical)
        if wanted:
            module, _, attr = wanted.partition(":")
            rebuilt = _build_cluster(table, origins, roles, uses, subgraph, shim_modules, (module, attr))
            cluster = rebuilt or cluster
        cluster = replace(cluster, name=name)
        clusters.append(_with_test_doubles(cluster, origins, doubles, uses))
    return sorted(clusters, key=lambda c: (-c.score, c.name))


class _Evidence:
    """The provenance graph as its evidence is found: each node and edge added, in order, made a
    networkx graph (the same calls in the same order: the same graph) only when there is any. A
    tree with no evidence (most trees diff and history see) never loads networkx."""

    def __init__(self) -> None:
        self.steps: list[tuple[str, str | None, dict[str, str]]] = []

    def add_node(self, node: str) -> None:
        self.steps.append((node, None, {}))

    def add_edge(self, a: str, b: str, **data: str) -> None:
        self.steps.append((a, b, data))

    def made(self) -> nx.Graph:
        import networkx as nx

        graph: nx.Graph = nx.Graph()
        for a, b, data in self.steps:
            if b is None:
                graph.add_node(a)
            else:
                graph.add_edge(a, b, **data)
        return graph


# ---- uses -------------------------------------------------------------------------------------


# One name a file imports from another module, resolved: (module, name, and the origin's module,
# name, kind, path, line). Plain values: an incremental run keeps them per file.
Use = tuple[str, str, str, str, str, str, int]


def uses_in_file(table: SymbolTable, file: SourceFile, facts: FileFacts) -> tuple[Use, ...]:
    """The names ``file`` imports (``from m import Name``) that resolve to a definition in another
    module, in statement order."""
    return resolve_uses(table, file, names_imported(file, facts))


def resolve_uses(
    table: SymbolTable, file: SourceFile, imported: Iterable[tuple[str, str]]
) -> tuple[Use, ...]:
    """Those of the ``imported`` (module, name) pairs (:func:`names_imported`) that resolve to a
    definition in another module than ``file``'s."""
    found = []
    for module, name in imported:
        res = table.resolve(module, name)
        origin = res.origin
        if res.status != Status.OK or origin is None or not origin.name:
            continue
        if origin.module == file.module:
            continue
        found.append((module, name, origin.module, origin.name, origin.kind, origin.path, origin.line))
    return tuple(found)


def _collect_uses(files: Sequence[SourceFile], uses_by_file: Sequence[Sequence[Use]]) -> _Uses:
    uses = _Uses()
    origins: dict[tuple[str, str, str, str, int], Origin] = {}  # one object per origin
    for file, found in zip(files, uses_by_file, strict=True):
        for use in found:
            module, name, where = use[0], use[1], use[2:]
            origin = origins.get(where)
            if origin is None:
                origin = origins[where] = Origin(*where)
            uses.by_origin[origin].setdefault((module, name), set()).add(file.path)
            uses.by_file[file.path].add(origin)
            uses.modules_importing[origin].add(file.module)
            uses.module_of_path[file.path] = file.module
    return uses


def _face(origin: Origin) -> set[Path_]:
    """The origin's own public face: its module and the packages above it, under its own name."""
    parts = origin.module.split(".")
    return {(".".join(parts[:i]), origin.name) for i in range(1, len(parts) + 1)}


def _is_access_path_candidate(origin: Origin, paths: Mapping[Path_, set[str]]) -> bool:
    used = [p for p, importers in paths.items() if importers]
    face = _face(origin)
    # An alias in the origin's own module under another concept's name names one use of it
    # (``icon_index_document_types = icon_document_type`` in ``icons.py``,
    # ``removed_in_next_version_warning = RemovedInWagtail70Warning``): a vocabulary, not another
    # home. One under the concept's own name (``UnifiedEngine = Engine``, ``ManagerV2 = Manager``)
    # is a second spelling of it.
    concept = names.normalise(origin.name)
    used = [p for p in used if p[0] != origin.module or names.normalise(p[1]) == concept]
    return len(used) >= 2 and any(p not in face for p in used)


def _node(origin: Origin) -> str:
    return origin.target


def _add_chains(graph: _Evidence, table: SymbolTable, origin: Origin, paths: Iterable[Path_]) -> None:
    graph.add_node(_node(origin))
    for module, name in paths:
        # Only hops that name the origin itself: ``X = base.f`` passes through the module object
        # ``base``, a node every alias of that module would share.
        hops = [
            (m, n) for m, n in table.resolve(module, name).chain if n and table.resolve(m, n).origin == origin
        ]
        if not hops or hops[-1] != (origin.module, origin.name):
            hops.append((origin.module, origin.name))
        for (ma, na), (mb, nb) in itertools.pairwise(hops):
            if (ma, na) != (mb, nb):
                graph.add_edge(f"{ma}:{na}", f"{mb}:{nb}", kind="aliases" if ma == mb else "re-exports")


# ---- other definitions ------------------------------------------------------------------------


def _definitions(
    table: SymbolTable,
    files: Sequence[SourceFile],
    definitions_by_file: Sequence[FileDefinitions | tuple[()]],
) -> tuple[
    dict[str, list[Origin]],
    dict[str, list[Origin]],
    list[tuple[Origin, str, bool]],
    list[tuple[Origin, Factory]],
]:
    """normalised name -> class/function origins in package modules (test doubles left out),
    normalised name -> test doubles, the classes that may wrap another (origin, base expression,
    a test double) and the functions named like factories: each module's from the file it is read
    from, in the table's order of modules."""
    groups: dict[str, list[Origin]] = defaultdict(list)
    doubles: dict[str, list[Origin]] = defaultdict(list)
    wrappers: list[tuple[Origin, str, bool]] = []
    factories: list[tuple[Origin, Factory]] = []
    at = {f.path: i for i, f in enumerate(files)}
    for file in table.defining_files():
        i = at.get(file.path)
        found = definitions_by_file[i] if i is not None else ()
        if not found:
            continue  # a compiled module, a file that does not parse: nothing to read
        module, path = file.module, file.path
        defined, wrapping, making = found
        for double, concept, name, kind, line in defined:
            (doubles if double else groups)[concept].append(Origin(module, name, kind, path, line))
        wrappers += [
            (Origin(module, name, "class", path, line), base, double) for name, line, base, double in wrapping
        ]
        factories += [(Origin(module, f[0], "function", path, f[2]), f) for f in making]
    return groups, doubles, wrappers, factories


def _link_same_names(
    graph: _Evidence,
    table: SymbolTable,
    definitions: Mapping[str, list[Origin]],
    uses: _Uses,
    module_imports: Mapping[str, set[str]],
    roles: dict[Origin, str],
) -> None:
    for concept, origins in definitions.items():
        if len(origins) < 2 or names.is_generic(concept) or len({o.module for o in origins}) < 2:
            continue
        # Co-imported: one file imports both definitions.
        co_imported: set[frozenset[Origin]] = set()
        by_file: dict[str, list[Origin]] = defaultdict(list)
        for o in origins:
            for importers in uses.by_origin.get(o, {}).values():
                for path in importers:
                    by_file[path].append(o)
        for together in by_file.values():
            for a, b in itertools.pairwise(together):
                if a.module != b.module:
                    co_imported.add(frozenset((a, b)))
        # One's module imports the other's: for classes only (a function calling its namesake
        # in another module is delegation, not a second home).
        linked: set[frozenset[Origin]] = set()
        classes = [o for o in origins if o.kind == "class"]
        if len(classes) <= _PAIR_LIMIT:
            for i, a in enumerate(classes):
                for b in classes[i + 1 :]:
                    if a.module != b.module and (
                        b.module in module_imports.get(a.module, ())
                        or a.module in module_imports.get(b.module, ())
                    ):
                        linked.add(frozenset((a, b)))
        # A one-word concept (Field, Engine, Row) is a common noun every subsystem may define for
        # itself (django's model Field and form Field): it needs both kinds of evidence.
        one_word = "-" not in concept
        pairs = (co_imported & linked) if one_word else (co_imported | linked)
        if not pairs:
            continue  # (networkx not loaded for nothing)
        import networkx as nx

        related = nx.Graph()
        related.add_edges_from(tuple(pair) for pair in pairs if len(pair) == 2)
        for a, b in related.edges:
            if a.kind != b.kind:
                continue  # the function select() building a Select: a constructor, not a rival
            if _specialises(table, a, b) or _specialises(table, b, a):
                continue  # a dialect's Insert(sql.Insert) with its own body: a specialisation
            if not same_concept(table, a, b):
                continue  # a model and the API type named after it: two roles, one name
            graph.add_edge(_node(a), _node(b), kind="same-name")
            for o in (a, b):
                roles.setdefault(o, "definition")


MIN_MEMBER_OVERLAP = 0.5  # Jaccard of two classes' member names for "the same concept"


def same_concept(table: SymbolTable, a: Origin, b: Origin) -> bool:
    """Two related definitions of one normalised name are one concept only when their shape says
    so, never by the name alone (docs/discover.md, "same-name"):

    - both public or both private: a private helper is its module's own business;
    - classes: the same base classes (a model's ``models.Model`` and an API type's
      ``DjangoObjectType`` are two roles) and near-identical member sets (at least
      :data:`MIN_MEMBER_OVERLAP` of their non-dunder names shared, or both empty);
    - functions: the same parameters, or one's a prefix of the other's (a copy that grew an
      option), and no two different return annotations.
    """
    if a.name.startswith("_") != b.name.startswith("_"):
        return False
    found, other = _binding_of(table, a), _binding_of(table, b)
    if found is None or other is None:
        return False
    (first, first_shape), (second, second_shape) = found, other
    if a.kind == "class":
        if _base_keys(table, a.module, first) != _base_keys(table, b.module, second):
            return False
        return member_overlap(first_shape.members, second_shape.members) >= MIN_MEMBER_OVERLAP
    if a.kind == "function":
        p, q = first_shape.members, second_shape.members
        shorter, longer = (p, q) if len(p) <= len(q) else (q, p)
        if longer[: len(shorter)] != shorter:
            return False
        returns = first_shape.returns, second_shape.returns
        return not (returns[0] and returns[1] and returns[0] != returns[1])
    return False


def member_overlap(a: Sequence[str], b: Sequence[str]) -> float:
    """Jaccard similarity of two member lists, dunder names left out (every class has them)."""
    x = {m for m in a if not m.startswith("__")}
    y = {m for m in b if not m.startswith("__")}
    if not x and not y:
        return 1.0
    return len(x & y) / len(x | y)


def _binding_of(table: SymbolTable, origin: Origin) -> tuple[Binding, Shape] | None:
    """The binding that defines ``origin``, and its shape."""
    facts = table.facts_of(origin.module)
    if facts is None:
        return None
    found = next((b for b in facts.bindings if b.name == origin.name and b.line == origin.line), None)
    return None if found is None else (found, facts.shape_of(found))


def _base_keys(table: SymbolTable, module: str, binding: Binding) -> frozenset[str]:
    """What each base class denotes: the origin in the tree, else the imported dotted name
    (``models.Model`` after ``from django.db import models`` -> ``django.db.models.Model``)."""
    keys = set()
    for expression in binding.bases:
        origin = table.resolve_expression(module, expression, before_line=binding.line).origin
        keys.add(origin.target if origin is not None else _imported_name(table, module, expression))
    return frozenset(keys - {"object"})


def _imported_name(table: SymbolTable, module: str, expression: str) -> str:
    head, _, rest = expression.partition(".")
    facts = table.facts_of(module)
    for fact in facts.imports if facts else ():
        if fact.bound_name != head:
            continue
        if fact.kind is ImportKind.FROM:
            full = f"{fact.module}.{fact.name}"
        else:
            full = fact.module if fact.asname else head
        return f"{full}.{rest}" if rest else full
    return expression


def _specialises(table: SymbolTable, sub: Origin, base: Origin, depth: int = 6) -> bool:
    """``sub`` is a class that inherits from ``base`` (through at most ``depth`` levels)."""
    if sub.kind != "class" or depth == 0:
        return False
    facts = table.facts_of(sub.module)
    if facts is None:
        return False
    for binding in facts.bindings:
        if binding.name == sub.name and binding.line == sub.line:
            for expression in binding.bases:
                parent = table.resolve_expression(sub.module, expression, before_line=binding.line).origin
                if parent is not None and (parent == base or _specialises(table, parent, base, depth - 1)):
                    return True
    return False


def _link_wrappers(
    graph: _Evidence,
    table: SymbolTable,
    wrappers: Sequence[tuple[Origin, str, bool]],
    uses: _Uses,
    roles: dict[Origin, str],
) -> None:
    """Empty-bodied subclasses named like their base's concept, transitively."""
    for origin, base, double in wrappers:
        if double:
            continue
        module, name = origin.module, origin.name
        concept = names.normalise(name)
        base_origin = table.resolve_expression(module, base, before_line=origin.line).origin
        if base_origin is None or not base_origin.name or base_origin == origin:
            continue
        if base_origin.name in (name, f"Base{name}", f"Abstract{name}"):
            # Form(BaseForm): the public class over its abstract base, one concept.
            # JSON(sqltypes.JSON) in a dialect module: the same name in its own namespace is
            # a type to dispatch on, not another name for the concept.
            continue
        # Another name for the concept, never a kind of it: SnippetListingButton(ListingButton)
        # or FilterField(BaseField) is a type of its own that code dispatches on.
        if concept in _concept_names(base_origin, uses):
            graph.add_edge(_node(origin), _node(base_origin), kind="subclasses")
            roles[origin] = "wrapper"
            roles.setdefault(base_origin, "origin")


def _link_factories(
    graph: _Evidence,
    table: SymbolTable,
    factories: Sequence[tuple[Origin, Factory]],
    uses: _Uses,
    roles: dict[Origin, str],
) -> None:
    """Functions named like a factory of a clustered concept, in a module that imports it (private
    helpers, django's _get_foreign_key, are nobody's way to the concept: left out already)."""
    by_concept: dict[str, list[Origin]] = defaultdict(list)
    for origin in list(roles):
        for concept in _concept_names(origin, uses):
            by_concept[concept].append(origin)
    for factory, (_, made, line, double, first, decorators, returns) in factories:
        if made not in by_concept:
            continue
        module = factory.module
        if factory in roles or double:
            continue
        if _handles_requests(table, module, line, first, decorators):
            continue
        for target in by_concept[made]:
            if not _may_return(table, module, line, returns, target, uses):
                continue
            if module == target.module or module in uses.modules_importing.get(target, ()):
                graph.add_edge(_node(factory), _node(target), kind="factory")
                roles[factory] = "factory"
                break


def _handles_requests(
    table: SymbolTable, module: str, line: int, first: str, decorators: Sequence[str]
) -> bool:
    """A function a framework calls, not one code calls to get the concept: its first parameter
    is a ``request``, or a decorator registers it on an object (``@router.get("/users/{id}")``,
    ``@app.route(...)``, ``@bus.subscribe``: the head of the decorator is a value, not a module
    or a function)."""
    if first in ("request", "req"):
        return True
    for decorator in decorators:
        head = decorator.partition(".")[0]
        if "." in decorator:
            origin = table.resolve_expression(module, head, before_line=line).origin
            if origin is not None and origin.kind == "assign":
                return True
    return False


def _may_return(
    table: SymbolTable, module: str, line: int, returns: str, target: Origin, uses: _Uses
) -> bool:
    """A factory's return annotation, when it has one, names the concept."""
    if not returns:
        return True
    origin = table.resolve_expression(module, returns, before_line=line).origin
    if origin is not None:
        return origin == target
    return names.normalise(returns.rpartition(".")[2]) in _concept_names(target, uses)


def _concept_names(origin: Origin, uses: _Uses) -> set[str]:
    """Every normalised name the origin goes by: its own and those of its access paths."""
    found = {names.normalise(origin.name)}
    found.update(names.normalise(name) for _, name in uses.by_origin.get(origin, {}))
    return found


# ---- clusters ---------------------------------------------------------------------------------


def _build_cluster(
    table: SymbolTable,
    origins: list[Origin],
    roles: Mapping[Origin, str],
    uses: _Uses,
    subgraph: nx.Graph,
    shim_modules: frozenset[str],
    canonical: Path_ | None = None,
) -> Cluster | None:
    objects = [o for o in origins if roles[o] != "factory"]
    if not objects:
        return None
    primary = max(
        objects,
        key=lambda o: (
            _importer_total(uses, o),
            roles[o] == "origin",
            not o.name.startswith("_"),
            -len(o.module),
            o.target,
        ),
    )
    paths = _access_paths(uses, objects)  # a factory's own import paths are not the concept's
    if canonical is None:
        canonical = _most_used_path(table, primary, uses.by_origin.get(primary, {}))
    implementers = table.chain_modules(*canonical)
    importers: set[str] = set()
    non_canonical: set[str] = set()
    for (module, name), files in paths.items():
        importers |= files
        if (module, name) != canonical:
            non_canonical |= {f for f in files if _module_of(f, uses) not in implementers}
    definitions = tuple(
        Definition(o.module, o.name, o.kind, o.path, o.line, role=roles[o])
        for o in sorted(origins, key=lambda o: (o != primary, o.path, o.line))
    )
    access = tuple(
        AccessPath(module, name, tuple(sorted(files)), canonical=(module, name) == canonical)
        for (module, name), files in sorted(paths.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    )
    shims = tuple(sorted({m for m, _ in paths if m in shim_modules}))
    evidence = sorted({d["kind"] for _, _, d in subgraph.edges(data=True)})
    kinds = tuple(sorted({_EVIDENCE[k] for k in evidence}))
    used_paths = sum(1 for files in paths.values() if files)
    # The primary is one home; every other object claiming the concept is a rival.
    rivals = sum(1 for o in objects if o != primary)
    factories = sum(1 for o in origins if roles[o] == "factory")
    score = cluster_score(
        non_canonical_importers=len(non_canonical),
        extra_paths=max(used_paths - 1, 0),
        extra_definitions=rivals,
        factories=factories,
        shims=len(shims),
    )
    # An edge's ends in name order: which end an undirected graph gives first follows the order
    # its nodes were met in, which a set of pairs (same-name evidence) makes vary run to run.
    edges = tuple(sorted((min(a, b), max(a, b), d["kind"]) for a, b, d in subgraph.edges(data=True)))
    return Cluster(
        name=names.normalise(canonical[1]) or canonical[1].lower(),
        score=score,
        evidence=kinds,
        canonical=f"{canonical[0]}:{canonical[1]}",
        definitions=definitions,
        access_paths=access,
        importer_count=len(importers),
        non_canonical_importers=len(non_canonical),
        shims=shims,
        edges=edges,
    )


_EVIDENCE = {
    "aliases": "access-paths",
    "re-exports": "access-paths",
    "same-name": "same-name",
    "subclasses": "wrapper",
    "factory": "factory",
}


def _module_of(path: str, uses: _Uses) -> str:
    return uses.module_of_path.get(path, "")


def _importer_total(uses: _Uses, origin: Origin) -> int:
    """Distinct files importing the origin, whatever the path."""
    return len(set().union(*uses.by_origin.get(origin, {}).values()))


def _access_paths(uses: _Uses, origins: Iterable[Origin]) -> dict[Path_, set[str]]:
    paths: dict[Path_, set[str]] = {}
    for o in origins:
        paths.setdefault((o.module, o.name), set())
        for path, files in uses.by_origin.get(o, {}).items():
            paths.setdefault(path, set()).update(files)
    return paths


def _most_used_path(table: SymbolTable, origin: Origin, paths: Mapping[Path_, set[str]]) -> Path_:
    """The path most files import the origin by, leaving out legacy aliases (``X = Y``: the
    definition ``Y`` is what to name, however many files still use ``X``) when the origin's own
    name is public and in use; ties: a public name, then the shorter module."""
    if not paths:
        return origin.module, origin.name
    candidates = [p for p in paths if paths[p]]
    if not origin.name.startswith("_") and any(p[1] == origin.name for p in candidates):
        candidates = [p for p in candidates if not _through_alias(table, p, origin)] or candidates
    return min(
        candidates or paths,
        key=lambda p: (-len(paths[p]), p[1].startswith("_"), not is_dotted_name(p[0]), p[0].count("."), p),
    )


def _through_alias(table: SymbolTable, path: Path_, origin: Origin) -> bool:
    """``path`` reaches the origin through an ``X = Y`` alias under another name."""
    for module, name in table.resolve(*path).chain:
        if name == origin.name:
            continue
        facts = table.facts_of(module)
        if facts is not None and any(b.name == name and b.kind is BindingKind.ALIAS for b in facts.bindings):
            return True
    return False


def _unique_names(clusters: list[Cluster]) -> list[str]:
    """Contract names must be unique: in rank order, the higher-ranked cluster keeps the plain
    name; a later one gets the first part of its canonical module that tells it apart
    (``connection-manager-billing`` beside ``connection-manager``), else a number."""
    order = sorted(range(len(clusters)), key=lambda i: (-clusters[i].score, clusters[i].canonical))
    taken: set[str] = set()
    given = [""] * len(clusters)
    for i in order:
        c = clusters[i]
        name = c.name
        if name in taken:
            parts = [p.replace("_", "-").strip("-") for p in c.canonical.partition(":")[0].split(".")]
            options = [f"{c.name}-{p}" for p in parts if p and f"{c.name}-{p}" not in taken]
            name = options[0] if options else c.name
            n = 2
            while name in taken:
                name, n = f"{c.name}-{n}", n + 1
        taken.add(name)
        given[i] = name
    return given


def _with_test_doubles(
    cluster: Cluster, origins: list[Origin], doubles: Mapping[str, list[Origin]], uses: _Uses
) -> Cluster:
    """Test doubles named like the concept whose file imports it: listed, never scored."""
    concepts = {names.normalise(p.name) for p in cluster.access_paths}
    concepts |= {names.normalise(d.name) for d in cluster.definitions}
    wanted = set(origins)
    extra = []
    for concept in sorted(concepts):
        for double in doubles.get(concept, ()):
            if uses.by_file.get(double.path, set()) & wanted:
                extra.append(
                    Definition(
                        double.module,
                        double.name,
                        double.kind,
                        double.path,
                        double.line,
                        test_double=True,
                        role="test-double",
                    )
                )
    if not extra:
        return cluster
    return replace(
        cluster, definitions=cluster.definitions + tuple(sorted(set(extra), key=lambda d: (d.path, d.line)))
    )
