"""The module structure of one tree after another (``history``'s walk, ``diff``'s two sides): the
imports between modules, the import cycles and the shims, patched file by file.

What discover computes over a whole tree (:func:`~archguard.analysis.discover.modules.build_module_graphs`,
:func:`~archguard.analysis.discover.shims.find_shims`, :func:`~archguard.analysis.discover.cycles.find_cycles`)
decodes every file's facts. Consecutive commits share almost all their files, so this keeps, per
file version, the objects its imports name (:func:`~archguard.analysis.discover.modules.import_sites`)
and whether it may be a shim at all (:func:`~archguard.analysis.shim_definition.may_be_shim`), and
for the next tree decodes only the files whose version changed, and re-resolves the files whose
imports name a module that came or went. The figures are the whole-tree functions' exactly:

- a file's edges depend on its facts, its module name and kind, and which names are modules (the
  one edge rule, ``domain/import_edges.py``: :func:`~archguard.analysis.discover.modules.resolve_sites`);
- the cycles are :func:`find_cycles` on a run-time graph rebuilt in the whole-tree order, only when
  an edge or an import site of it changed;
- a shim is :func:`shim_reexports` over the files :func:`may_be_shim` keeps (the rest of the
  definition consults the rest of the tree, so it is asked again for every tree; they are few).
"""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

from archguard.analysis.discover.modules import FileEdge, ImportSite, import_sites, resolve_sites
from archguard.analysis.shim_definition import may_be_shim, must_stay, shim_reexports
from archguard.analysis.symbols import SymbolTable
from archguard.domain.discovery import Cycle, Shim
from archguard.domain.facts import FileFacts
from archguard.domain.import_edges import EdgeRule
from archguard.domain.sources import SourceFile

if TYPE_CHECKING:
    import networkx as nx

Edge = tuple[str, str]
Site = tuple[str, int]  # (path, line)


class _Share(NamedTuple):
    """What one file version adds to the structure (a NamedTuple: a tree makes ten thousand)."""

    key: tuple[object, ...]  # (module, is_package, loose, outcome digest): the file version
    sites: tuple[ImportSite, ...]  # its imports before the tree is consulted
    edges: tuple[FileEdge, ...]  # ... resolved against the tree's modules
    shim: bool  # may be a shim (its own file says so)

    @property
    def names(self) -> set[str]:
        """The module names whose existence decided its edges (each object and its parent)."""
        return _names_of(self.sites)


class ModuleStructure:
    """The structure of the tree last given to :meth:`update` (see the module docstring)."""

    def __init__(self) -> None:
        self._shares: dict[str, _Share] = {}
        # module name -> paths whose edges it decided: made when a module first comes or goes
        # (diff's head, history's first commit never need it), then kept up to date
        self._by_name: dict[str, set[str]] | None = None
        self._modules: frozenset[str] = frozenset()
        self._files: list[SourceFile] = []
        self._importers: dict[str, Counter[str]] = {}  # module -> importing path -> imports
        self._all: Counter[Edge] = Counter()  # every import edge (loose files too) -> imports
        self._sites: dict[Edge, Counter[Site]] = {}  # run-time edge -> its import sites
        self._runtime_changed = True
        self._edges_changed = True
        self._packaged: frozenset[str] = frozenset()
        self._module_edges: frozenset[Edge] = frozenset()
        self.cycles: list[Cycle] = []
        self.shims: list[Shim] = []
        # what the last update was given (its files list, the edge rule and path -> file of those
        # files, the digests), to tell a tree with the same files at once
        self._given: Sequence[SourceFile] | None = None
        self._given_before: Sequence[SourceFile] | None = None
        self._rule: EdgeRule | None = None
        self._current: dict[str, SourceFile] = {}
        self._digests: dict[str, bytes] = {}
        self._undigested: set[str] = set()  # files without a digest: read again every time
        self._shim_paths: set[str] = set()  # files that may be shims (their own file says so)
        # files whose share the last update read again, from their facts or what check kept of
        # them (for tests)
        self.read = 0

    def update(
        self,
        table: SymbolTable,
        files: Sequence[SourceFile],
        facts: Mapping[str, FileFacts],
        digests: Mapping[str, bytes],
        kept: Mapping[str, tuple[Any, ...]] | None = None,
    ) -> None:
        """The structure of the tree of ``files`` (their ``facts``, looked up only for files whose
        outcome ``digests`` changed; a file without a digest is always read again). ``kept``:
        path -> what check keeps of the file (``passes/structure.py``: its import sites and
        whether it may be a shim first), read instead of its facts where given."""
        if files is self._given and self._rule is not None:
            # the same files as last time (a commit with no file come or gone): only those whose
            # outcome changed are looked at, found by comparing the digests (no walk over files)
            rule, current = self._rule, self._current
            came_or_went: frozenset[str] = frozenset()
            changed = {path for path, _ in digests.items() - self._digests.items()}
            changed.update(self._digests.keys() - digests.keys())
            todo: dict[str, SourceFile | None] = {
                p: current[p] for p in changed | self._undigested if p in current
            }
        else:
            rule = EdgeRule.of(files)
            came_or_went = rule.modules ^ self._modules
            self._modules = rule.modules
            self._files = list(files)
            current = {f.path: f for f in self._files}
            todo = dict.fromkeys((p for p in self._shares if p not in current), None)
            for file in self._files:
                share = self._shares.get(file.path)
                key = _key(file, digests)
                if share is None or share.key != key or key[-1] is None:
                    todo[file.path] = file
            for name in came_or_went if self._shares else ():  # (nothing kept yet: nothing to reach)
                for path in self._names_index().get(name, ()):
                    if path not in todo:
                        todo[path] = current[path]
            self._undigested = {f.path for f in self._files if f.path not in digests}
        self._given, self._rule, self._current, self._digests = files, rule, current, dict(digests)
        self.read = 0
        for path, now in todo.items():
            before = self._shares.pop(path, None)
            if before is not None:
                self._count(path, before, -1)
            if now is None:
                index = self._by_name
                if before is not None and index is not None:
                    for name in before.names:
                        index[name].discard(path)
                self._shim_paths.discard(path)
            else:
                share = self._share(now, facts, digests, rule, before, kept)
                self._shares[path] = share
                self._count(path, share, +1)
                if share.shim:
                    self._shim_paths.add(path)
                else:
                    self._shim_paths.discard(path)
        if not came_or_went and files is self._given_before:
            packaged = self._packaged  # the same files: the same modules of packages
        else:
            packaged = frozenset(f.module for f in self._files if not f.loose)
        self._given_before = files
        if self._edges_changed or packaged != self._packaged:
            self._packaged = packaged
            self._module_edges = frozenset(
                e for e in self._all if e[0] != e[1] and e[0] in packaged and e[1] in packaged
            )
            self._edges_changed = False
        if self._runtime_changed:
            if _acyclic(self._sites):
                self.cycles = []  # what find_cycles finds there, networkx never loaded
            else:
                from archguard.analysis.discover.cycles import find_cycles  # (networkx)

                self.cycles = find_cycles(self._runtime_graph())
            self._runtime_changed = False
        self.shims = self._find_shims(table, facts)

    # ---- what one tree holds ---------------------------------------------------------------------

    @property
    def module_edges(self) -> frozenset[Edge]:
        """Every import between two modules of the packages (loose files, and a module importing
        itself, left out)."""
        return self._module_edges

    def module_imports(self) -> dict[str, set[str]]:
        """:func:`~archguard.analysis.discover.modules.module_imports` of the module graph (every
        node, loose files too; a module importing itself left out)."""
        found: dict[str, set[str]] = {}
        for importer, imported in self._all:
            found.setdefault(importer, set())
            found.setdefault(imported, set())
            if importer != imported:
                found[importer].add(imported)
        return found

    # ---- patching --------------------------------------------------------------------------------

    def _share(
        self,
        file: SourceFile,
        facts: Mapping[str, FileFacts],
        digests: Mapping[str, bytes],
        rule: EdgeRule,
        before: _Share | None,
        kept: Mapping[str, tuple[Any, ...]] | None,
    ) -> _Share:
        key = _key(file, digests)
        piece = kept.get(file.path) if kept is not None else None
        if before is not None and before.key == key and key[-1] is not None:
            sites, shim = before.sites, before.shim  # the same version: only which names are modules changed
        else:
            self.read += 1
            if piece:  # (empty: a file without facts, or not kept); its facts are not decoded
                sites, shim, _, _ = piece  # (app/passes/structure.py's StructurePass.pieces)
            elif (file_facts := facts.get(file.path)) is None:
                sites, shim = (), False
            else:
                sites = tuple(
                    (sys.intern(obj), now, line) for obj, now, line in import_sites(file, file_facts)
                )
                shim = may_be_shim(file, file_facts)
            self._note_names(file.path, sites, before)
        return _Share(key, sites, tuple(resolve_sites(sites, rule)), shim)

    def _note_names(self, path: str, sites: tuple[ImportSite, ...], before: _Share | None) -> None:
        """Which module names decide ``path``'s edges now (its ``sites``'), not before."""
        if self._by_name is None:
            return
        names = _names_of(sites)
        old = before.names if before is not None else set()
        for name in names - old:
            self._by_name.setdefault(name, set()).add(path)
        for name in old - names:
            self._by_name[name].discard(path)

    def _names_index(self) -> dict[str, set[str]]:
        """``_by_name``, made from the shares on first need (what noting each share's names as it
        was made would have given)."""
        if self._by_name is None:
            index: dict[str, set[str]] = {}
            for path, share in self._shares.items():
                for name in share.names:
                    index.setdefault(name, set()).add(path)
            self._by_name = index
        return self._by_name

    def _count(self, path: str, share: _Share, step: int) -> None:
        file_module, loose = share.key[0], share.key[2]
        assert isinstance(file_module, str)
        for imported, at_import_time, line in share.edges:
            if _add(self._all, (file_module, imported), step):
                self._edges_changed = True
            if imported == file_module:
                continue  # a module importing itself: no importer of it, no cycle
            _add(self._importers.setdefault(imported, Counter()), path, step)
            if at_import_time and not loose:
                sites = self._sites.setdefault((file_module, imported), Counter())
                if _add(sites, (path, line), step):
                    self._runtime_changed = True
                if not sites:
                    del self._sites[(file_module, imported)]

    def _runtime_graph(self) -> nx.DiGraph:
        """The run-time graph as :func:`build_module_graphs` builds it: edges added in file and
        statement order (cycle reports follow the graph's order where lengths tie)."""
        import networkx as nx

        runtime: nx.DiGraph = nx.DiGraph()
        for file in self._files:
            share = self._shares.get(file.path)
            if share is None or file.loose:
                continue
            for imported, at_import_time, _line in share.edges:
                if at_import_time and imported != file.module and not runtime.has_edge(file.module, imported):
                    runtime.add_edge(
                        file.module, imported, sites=sorted(self._sites[(file.module, imported)])
                    )
        return runtime

    def _find_shims(self, table: SymbolTable, facts: Mapping[str, FileFacts]) -> list[Shim]:
        """:func:`find_shims` over the files that may be shims."""
        shims = []
        for path in self._shim_paths:
            file = self._current[path]
            if table.file_of(file.module) != file:
                continue
            importers = self._importers.get(file.module)
            reexports = shim_reexports(table, file.module, imported=bool(importers))
            if reexports is None:
                continue
            warns = facts[file.path].warns_deprecation
            kept = must_stay(table, file.module, {})  # entry points: keep_entry_points, after the cache
            shims.append(Shim(file.module, file.path, reexports, tuple(sorted(importers or ())), warns, kept))
        return sorted(shims, key=lambda s: (-len(s.importers), s.module))


def _names_of(sites: Sequence[ImportSite]) -> set[str]:
    return {name for obj, _, _ in sites for name in (obj, obj.rpartition(".")[0]) if name}


def _acyclic(edges: Iterable[Edge]) -> bool:
    """Has the directed graph of ``edges`` no cycle (no module importing itself: those are never
    run-time edges here)? Kahn's peeling: a module nothing left imports is taken off, with its
    imports, until none is left (acyclic) or every one left is imported by another (a cycle)."""
    imports: dict[str, list[str]] = {}
    importers: Counter[str] = Counter()
    for importer, imported in edges:
        imports.setdefault(importer, []).append(imported)
        importers[imported] += 1
    ready = [m for m in imports if not importers[m]]
    left = len(imports.keys() | importers.keys())
    while ready:
        module = ready.pop()
        left -= 1
        for imported in imports.get(module, ()):
            importers[imported] -= 1
            if not importers[imported]:
                ready.append(imported)
    return left == 0


def _key(file: SourceFile, digests: Mapping[str, bytes]) -> tuple[object, ...]:
    return (file.module, file.is_package, file.loose, digests.get(file.path))


def _add(counts: Counter, item: object, step: int) -> bool:
    """Count ``item`` up or down; True when it appeared or disappeared."""
    now = counts[item] + step
    if now:
        counts[item] = now
        return now == step
    del counts[item]
    return True


__all__ = ["ModuleStructure"]
