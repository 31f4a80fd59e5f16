"""Groups of modules, put in layer order, and the dependency structure matrix between them.

What a reviewer should see of a 10,000-file codebase is a few dozen groups, not a fixed package
depth: at depth 2 a Django project whose 56 apps live in one ``apps`` package is one box, and
at depth 3 a monorepo is hundreds. So :func:`partition` starts from the top of the hierarchy and
opens the largest group while the picture stays within a budget (a group with one child is always
opened, so ``src/project/apps`` costs nothing; a group holding most of the code is opened past the
budget, up to 80 groups, since otherwise the picture shows one box).

The hierarchy is a key per file (:func:`package_key`: its packages, or its folders for loose
files, outermost first); another key groups by anything else a file knows, e.g. a workspace
member first (``lambda f: (member_of(f), *package_key(f))``).

:func:`layer_order` puts the groups in layer order with networkx: the condensation of the import
graph (each strongly connected set of groups, an import cycle, becomes one node), then a
topological order of it, importers first; within a cycle, the groups that import most of the others
come first, so few imports go against the order (a greedy feedback-arc-set order).
"""

from __future__ import annotations

import posixpath
from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence

from archguard.domain.sources import SourceFile
from archguard.domain.structure import DependencyMatrix, Group, ModuleImports

Key = tuple[str, ...]
KeyOf = Callable[[SourceFile], Key]
ROOT_SCRIPTS = "(root scripts)"
GROUP_BUDGET = 40  # groups shown by the matrix (the overview draws fewer: diagrams/overview.py)
DOMINANT_SHARE = 0.5  # a group holding more than this share of the modules is opened past the budget...
DOMINANT_LIMIT = 80  # ...up to this many groups (56 Django apps in one package are 56 boxes, not one)


def package_key(source: SourceFile) -> Key:
    """``billing.core.manager`` -> ``("billing", "billing.core", "billing.core.manager")``; a loose
    file by its folders: ``tests/unit/test_a.py`` -> ``("tests/", "tests/unit/", ...)``. Each
    part is the name a reader sees for that level."""
    if source.loose:
        folder = posixpath.dirname(source.path)
        if not folder:
            return (ROOT_SCRIPTS, source.path)
        parts = folder.split("/")
        return (*("/".join(parts[: i + 1]) + "/" for i in range(len(parts))), source.path)
    parts = source.module.split(".")
    return tuple(".".join(parts[: i + 1]) for i in range(len(parts)))


def partition(
    keys: Mapping[str, Key], budget: int = GROUP_BUDGET, *, within: Key = (), modules: bool = False
) -> dict[str, Key]:
    """module -> the group (a key prefix) it is drawn in, for the modules whose key starts with
    ``within``. The largest group is opened first while the number of groups stays within
    ``budget``; opening a package makes a group of each subpackage (subfolder), and its own modules
    stay in it, so the picture shows packages, not hundreds of single modules. ``modules``: its
    modules become groups too (the matrix of one package's modules)."""
    inside = {m: k for m, k in keys.items() if k[: len(within)] == within and len(k) > len(within)}
    parents = {k[:depth] for k in inside.values() for depth in range(1, len(k))}  # keys with children
    members: dict[Key, list[str]] = defaultdict(list)
    for module, key in inside.items():
        members[_step(key, len(within), parents, modules)].append(module)
    total = len(inside)
    while True:
        best: tuple[int, Key] | None = None
        for prefix, group in sorted(members.items()):
            children = Counter(_step(inside[m], len(prefix), parents, modules) for m in group)
            opened = [child for child in children if child != prefix]
            if not opened:  # nothing inside it is a group of its own
                continue
            count = len(members) - 1 + len(children)
            if len(children) == 1:  # one subpackage and nothing else: opening it costs nothing
                best = (len(group) + total, prefix)
                break
            limit = max(budget, DOMINANT_LIMIT) if len(group) > DOMINANT_SHARE * total else budget
            if count <= limit and (best is None or len(group) > best[0]):
                best = (len(group), prefix)
        if best is None:
            break
        prefix = best[1]
        for module in members.pop(prefix):
            members[_step(inside[module], len(prefix), parents, modules)].append(module)
    _fold_lone_packages(members, inside)
    return {module: prefix for prefix, group in members.items() for module in group}


def _fold_lone_packages(members: dict[Key, list[str]], keys: Mapping[str, Key]) -> None:
    """A group left holding only its package's ``__init__`` while its one subpackage is a group
    of its own (``a`` above ``a.b.c``) says nothing: the ``__init__`` joins that subpackage."""
    changed = True
    while changed:
        changed = False
        for prefix, group in list(members.items()):
            if len(group) != 1 or keys[group[0]] != prefix:
                continue
            below = [
                other for other in members if len(other) > len(prefix) and other[: len(prefix)] == prefix
            ]
            if len(below) == 1:
                members[below[0]].extend(members.pop(prefix))
                changed = True


def _step(key: Key, depth: int, parents: set[Key], modules: bool) -> Key:
    """The group one level below ``key[:depth]`` that a module with ``key`` falls in: its
    subpackage (subfolder) there, or (unless ``modules``) the package itself for its own modules."""
    child = key[: depth + 1]
    if modules or child in parents or depth == 0:
        return child
    return key[:depth]


def layer_order(nodes: Iterable[str], weights: Mapping[tuple[str, str], int]) -> list[list[str]]:
    """``nodes`` in layer order: importers first, each import cycle (strongly connected set) one
    run, ordered inside so that the fewest import statements go against the order."""
    import networkx as nx  # here, not at the top: check and scan import this module and never call it

    graph = nx.DiGraph()
    graph.add_nodes_from(nodes)
    graph.add_weighted_edges_from((a, b, w) for (a, b), w in weights.items() if a != b)
    condensed = nx.condensation(graph)
    members = nx.get_node_attributes(condensed, "members")
    # The longest way down from each node of the condensation: an importer always stands higher
    # than what it imports, so ordering by height (then name) is a topological order, and groups
    # that import nothing and nothing imports sit with the foundations, not at the top.
    height: dict[int, int] = {}
    for node in reversed(list(nx.topological_sort(condensed))):
        height[node] = 1 + max((height[n] for n in condensed.successors(node)), default=-1)
    order = sorted(condensed, key=lambda n: (-height[n], min(members[n])))
    return [_within_cycle(sorted(members[n]), weights) for n in order]


def transitive_reduction(edges: Iterable[tuple[int, int]]) -> set[tuple[int, int]]:
    """The edges of an acyclic graph that no longer path implies: what a layered picture draws to
    show who depends on whom without a hairball (an edge a -> c is implied by a -> b -> c)."""
    import networkx as nx

    graph = nx.DiGraph(list(edges))
    return set(nx.transitive_reduction(graph).edges)


def _within_cycle(group: list[str], weights: Mapping[tuple[str, str], int]) -> list[str]:
    """Greedy: the member that imports the rest most (and is imported by them least) first."""
    remaining, ordered = list(group), []

    def balance(node: str) -> int:
        return sum(weights.get((node, o), 0) - weights.get((o, node), 0) for o in remaining if o != node)

    while remaining:
        best = min(remaining, key=lambda n: (-balance(n), n))
        ordered.append(best)
        remaining.remove(best)
    return ordered


def dependency_matrix(
    files: Sequence[SourceFile],
    imports: ModuleImports,
    *,
    focus: str | None = None,
    budget: int = GROUP_BUDGET,
    key_of: KeyOf = package_key,
    lazy: Collection[tuple[str, str]] = frozenset(),
) -> DependencyMatrix:
    """The matrix of the whole tree's groups, or of the modules within package ``focus`` (a
    ValueError names it when no module lies inside it). ``lazy``: the module edges made only of
    PEP 810 ``lazy`` imports (a group pair made only of those is marked lazy)."""
    keys = {f.module: key_of(f) for f in files}
    within: Key = ()
    if focus is not None:
        within = next((k[: k.index(focus) + 1] for k in keys.values() if focus in k), ())
        if not within:
            raise ValueError(f"no package or folder named {focus!r} in the tree")
    group_key = partition(keys, budget, within=within, modules=focus is not None)
    loose = {f.module for f in files if f.loose}
    sizes = Counter(group_key.values())
    weights: Counter[tuple[Key, Key]] = Counter()
    internal: Counter[Key] = Counter()
    eager: set[tuple[Key, Key]] = set()
    module_imports = 0
    for (importer, imported), lines in imports.items():
        a, b = group_key.get(importer), group_key.get(imported)
        if a is None or b is None:
            continue
        module_imports += 1
        if a == b:
            internal[a] += len(lines)
        else:
            weights[(a, b)] += len(lines)
            if (importer, imported) not in lazy:
                eager.add((a, b))
    names = {prefix: prefix[-1] for prefix in sizes}
    by_name = {name: prefix for prefix, name in names.items()}
    runs = layer_order(names.values(), {(names[a], names[b]): w for (a, b), w in weights.items()})
    order = [by_name[name] for run in runs for name in run]
    index = {prefix: i for i, prefix in enumerate(order)}
    cycles: list[tuple[int, int]] = []
    cycle_of: dict[Key, int] = {}
    start = 0
    for run in runs:
        if len(run) > 1:
            cycle_of.update({by_name[name]: len(cycles) for name in run})
            cycles.append((start, start + len(run) - 1))
        start += len(run)
    packaged = {prefix for module, prefix in group_key.items() if module not in loose}
    groups = tuple(
        Group(
            name=names[prefix],
            key=prefix,
            modules=sizes[prefix],
            loose=prefix not in packaged,
            cycle=cycle_of.get(prefix),
        )
        for prefix in order
    )
    title = f"modules of {focus}" if focus else _level(order)
    return DependencyMatrix(
        title=title,
        groups=groups,
        imports={(index[a], index[b]): w for (a, b), w in sorted(weights.items())},
        internal=tuple(internal[prefix] for prefix in order),
        cycles=tuple(cycles),
        group_of={module: index[prefix] for module, prefix in group_key.items()},
        lazy=frozenset((index[a], index[b]) for a, b in weights if (a, b) not in eager),
        module_imports=module_imports,
    )


def _level(order: Sequence[Key]) -> str:
    depths = {len(prefix) for prefix in order}
    if depths == {1}:
        return "top-level packages and folders"
    return "packages and folders, the largest opened into their subpackages"
