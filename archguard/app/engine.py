"""The engine: one tree's facts and everything derived from them, kept up to date by re-deriving
only what a change reaches. The CLI, the editor and history all run on it:

* ``Engine.open(root, options)`` reads the tree (warm from git and the cache: ``app/tree.py``) and
  the last run's file-by-file state from the store;
* ``engine.update({path: text | None})`` lays an editor's unsaved text (or a deletion) over the
  tree; ``engine.refresh(paths)`` re-reads files from disk;
* ``engine.results()`` is the ``CheckResult`` ``archguard check`` prints, ``engine.findings(path)``
  one file's share of it, ``engine.changed_paths()`` the files whose findings changed since the
  previous ``results()``;
* ``engine.at_commit(sha)`` is the engine of a commit, read from git's objects by blob id, derived
  from this engine's state (a walk through history calls it on the engine of the commit before).

How an answer is found (docs/scanning.md, "What a warm run re-derives"):

1. **Unchanged tree**: the whole-run results stored under a key naming every file's outcome digest;
   no facts are decoded, no symbol table is built.
2. **Incremental**: the last run's file records (per file: its dangling imports, edge targets,
   findings, and the facets its lookups consulted, found or not: ``analysis/facets.py``) stand for
   every file whose outcome is unchanged and whose consulted facets did not change
   (``analysis/invalidation.py`` plans it); only the rest is derived again, on a traced
   :class:`SymbolTable` that decodes just the facts it consults. A pass whose whole-tree part
   changed (the resolved concepts) derives every file again.
3. **Full**: no usable state, too many files to re-derive, a lookup that read the whole tree, or a
   re-export cycle the change touches (a cycle's answer depends on which name was asked first: only
   a run over every file in order reproduces it).

Both the incremental and the full path run the same per-file functions in the same file order, so
their results are identical (tests/unit/test_incremental.py compares them after random edits).
"""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from archguard.adapters.cache import entries
from archguard.adapters.importlinter_bridge.versions import checker_versions
from archguard.analysis.dangling import dangling_in_file, with_writes_elsewhere
from archguard.analysis.facets import changed_facets
from archguard.analysis.invalidation import Names, order_sensitive, plan, plan_changed, unpacked
from archguard.analysis.symbols import SymbolTable
from archguard.app import keys
from archguard.app.findings_index import FindingsIndex
from archguard.app.passes import PASSES, FilePass, PiecePass, Prepared, TreePass
from archguard.app.passes.importlinter import import_digest, shape_of
from archguard.app.tree import Tree, relative_path
from archguard.domain.contracts import ConceptContract, ContractSet, InterfaceContract, merged_interfaces
from archguard.domain.derived import (
    CheckOutcome,
    DerivedState,
    FileIdentity,
    FileRecord,
    PassRecord,
    ScanTotals,
)
from archguard.domain.facts import FileFacts
from archguard.domain.findings import Findings, Violation, finding_paths
from archguard.domain.import_edges import EdgeRule, FileEdges
from archguard.domain.ordering import by_path, by_position, dangling_order
from archguard.domain.result import CheckResult, DanglingImport, ScanResult
from archguard.domain.sources import SourceFile

if TYPE_CHECKING:
    import grimp

    from archguard.adapters.project_files.git_objects import TreeEntry
    from archguard.app import Options, Progress, Workspace
    from archguard.app.preflight import Preflight
    from archguard.app.store import Store

_ID_SIZE = 4  # array("i").itemsize


def commit_store(options: Options) -> Store:
    """The store of a commit's engine under ``options``: the cache folder they name, whatever the
    working tree lists (no file of it is read)."""
    from archguard.adapters.cache.store import open_store

    return open_store(
        options.root.resolve(),
        options.cache_dir,
        no_cache=options.no_cache,
        files=[],
        git_tracked=None,
        include_loose=options.include_loose,
    )


@dataclass
class _Prior:
    """What an incremental derivation continues from."""

    names: Names
    records: list[FileRecord]
    passes: dict[str, PassRecord]

    @property
    def identities(self) -> list[FileIdentity]:
        return [r.identity for r in self.records]


class Engine:
    """One tree, its derived results, and how to keep them current (see the module docstring)."""

    def __init__(
        self,
        tree: Tree,
        *,
        checking: bool,
        started: float,
        keep: bool = False,
        preflight: Preflight | None = None,
        passes: Sequence[type[PiecePass]] = (),
        state: str = "scan",
    ) -> None:
        """``checking``: the check passes run too (else only what ``scan`` reports). ``keep``:
        the engine lives on after its first results (an editor, history), so every derivation
        records what it consulted even without a cache. ``preflight``: the check's configuration,
        read and validated before the scan (read when first needed if not given). ``passes``: for
        an engine that does not check, piece passes to run beside the scan (discover's per-file
        work, ``passes/discover.py``), its file-by-file state kept as ``state``'s."""
        self.tree = tree
        self.preflight = preflight
        self.options = tree.options
        self.root = tree.root
        self.checking = checking
        self.started = started
        self.store = tree.store
        self._keep = keep
        self._persist = True  # results and state go to the store (not for a commit's engine)
        # a commit's engine whose results are read from the store, and saved there, under this
        # tree's keys (its state never: that is kept under the context alone, the working tree's)
        self._reads_stored = False
        self._passes: list[FilePass | TreePass] = (
            [cls() for cls in PASSES if tree.in_git or not getattr(cls, "git_only", False)]
            if checking
            else [cls() for cls in passes]
        )
        self._state_entry = (
            entries.CHECK_STATE
            if checking
            else entries.derived_state(state)
            if passes
            else entries.SCAN_STATE
        )
        # derived state, current when not self._stale
        self._stale = True
        self._names = Names()
        self._records: list[FileRecord] | None = None
        self._pass_records: dict[str, PassRecord] = {}
        self._prepared: dict[str, Prepared | None] = {}
        self._prior: _Prior | None = None  # the in-memory state the next derivation continues from
        self._prior_facts: Mapping[str, tuple[bytes, FileFacts | None]] = {}
        self._table: SymbolTable | None = None
        self._identities: tuple[int, list[FileIdentity]] | None = None
        # (the identities and context it was made of, the scan key): a run asks it for the scan's
        # results and again for the check's, over every file's identity
        self._scan_key: tuple[list[FileIdentity], bytes, bytes] | None = None
        # what an engine kept in memory knows of its edits, so an edit costs what it reaches
        self._changed: set[str] | None = set()  # paths changed since the last derivation (None: not known)
        self._index: dict[str, int] = {}  # path -> its place in the run's order
        self._module_files: dict[str, list[int]] = {}
        self._files_version = -1  # the tree's files_version the index is of
        self._edges: tuple[int, FileEdges] | None = None
        self._dependents: dict[int, set[int]] | None = None  # facet id -> files that consulted it
        self._collected: dict[str, list[tuple[Any, ...]]] = {}  # per file pass, what it collected per file
        self._graph_key: bytes | None = None  # the import-linter inputs' key, while they stay the same
        # (externals, the graph's shape key: passes/importlinter.py), while it stays the same
        self._graph_shape: tuple[bool, bytes] | None = None
        self._graph_files: tuple[int, bytes] | None = None  # (files_version, keys.graph_files)
        self._shapes: tuple[list[bytes], list[bytes]] | None = None  # _shape_parts, while kept
        self._table_files: dict[str, SourceFile] = {}  # the files the table holds, and which version
        self._table_identities: dict[str, FileIdentity] = {}
        self._table_version = -1
        self._table_shared = False  # the table is another engine's too (at_commit): derive, never patch it
        self._graph: grimp.ImportGraph | None = None
        self._graph_patch: set[str] | None = None  # modules whose edges changed since the graph was built
        # (files_version, the namespace packages of the graph)
        self._namespaces: tuple[int, set[str]] | None = None
        self._totals: ScanTotals | None = None  # of the tree as it is now (None: not known yet)
        # (table, its writers generation, the dangling imports after what other modules do)
        self._adjusted: tuple[SymbolTable, int, list[DanglingImport]] | None = None
        self._rederived_paths: set[str] | None = None  # the files the last derivation derived again
        self._derived_totals: ScanTotals | None = None  # of the records (what an edit's are made from)
        self._scan: ScanResult | None = None
        self._outcome: CheckOutcome | None = None
        # the outcome last stored, and what the results cache keeps of it (``_stored_outcome``)
        self._kept_outcome: tuple[CheckOutcome, CheckOutcome] | None = None
        self._extras: dict[str, Any] = {}
        self.rederived: int | None = None  # files derived again by the last incremental answer
        self.full_derivation = False  # the last derivation was a full one (for tests and docs)
        self.derivations = 0  # how many times this engine derived results (not taken from the store)
        self._findings_by_path: Mapping[str, tuple[Violation, ...]] | None = None
        self._changed_paths: set[str] = set()
        self._findings = FindingsIndex()  # the assembled findings by file, kept across derivations
        self._assembled: CheckOutcome | None = None  # what _assemble made last
        self._noted_from_index = False  # the last results()'s findings by file were the index's
        # a results()'s findings not grouped by file yet (grouped when first asked: a run that only
        # reports them, the CLI's, never pays for grouping every finding)
        self._noted_later: Sequence[Violation] | None = None
        # the files whose file-pass findings the last derivation made (None: all); the index holds
        # every record's findings (not so after a state loaded from the store)
        self._refound: set[int] | None = None
        self._findings_whole = False
        # check inputs, read on first need
        self._check_inputs: _CheckInputs | None = None

    # ---- opening ---------------------------------------------------------------------------------

    @classmethod
    def open(
        cls,
        root: Path | str | None = None,
        options: Options | None = None,
        *,
        progress: Progress | None = None,
        listing: Any = True,
        checking: bool = True,
        keep: bool = False,
        store: Store | None = None,
        preflight: Preflight | None = None,
        passes: Sequence[type[PiecePass]] = (),
        state: str = "scan",
    ) -> Engine:
        """The engine of the working tree under ``root`` (or ``options.root``): files from git's
        listing or a walk, outcomes warm from the cache, the last run's state loaded when first
        needed. ``keep``: the engine serves an editor or a walk through history (see __init__).
        ``store``: where results are kept (None: the cache folder of ``options``). ``preflight``:
        the check's configuration (app/preflight.py), validated once the files are listed and
        before any is parsed; a checking engine reads one here when none is given. ``passes``,
        ``state``: piece passes for an engine that does not check (see __init__)."""
        from archguard.app import Options

        started = time.perf_counter()
        if options is None:
            options = Options(root=Path(root or "."))
        elif root is not None:
            options = replace(options, root=Path(root))
        if checking and preflight is None:
            from archguard.app.preflight import Preflight

            preflight = Preflight(options)  # a bad configuration is exit 2 before the scan
        tree = Tree.open(options, progress, listing=listing, store=store, preflight=preflight)
        return cls(
            tree,
            checking=checking,
            started=started,
            keep=keep,
            preflight=preflight,
            passes=passes,
            state=state,
        )

    @classmethod
    def open_at_commit(
        cls,
        options: Options,
        commit: str,
        *,
        store: Store | None = None,
        reuse_stored: bool = False,
        keep_decoded: bool = False,
    ) -> Engine:
        """The engine of ``commit`` (any revision git names) under ``options.root``, read from
        git's objects by blob id with no working tree read at all (``history``'s first commit,
        ``diff``'s head when it is a commit); walk on with :meth:`at_commit`. Its results are not
        stored (but see ``reuse_stored``); its blobs' outcomes are (the blob cache of ``store``,
        default: the cache folder of ``options``). ``reuse_stored``: results and state stored
        under this tree's keys (by a ``check`` of a working tree holding the same files, or an
        earlier ``diff``: the keys name every file's outcome) are read, not derived again, and
        results derived here are stored under them (``diff``); the state is only read.
        ``keep_decoded``: see ``Tree.at_commit`` (the commits walked on from here share the facts
        decoded)."""
        from archguard.adapters.project_files.git_objects import resolve_commit

        started = time.perf_counter()
        root = options.root.resolve()
        sha = resolve_commit(root, commit)
        if store is None:
            store = commit_store(options)
        tree = Tree.at_commit(options, store, sha, keep_decoded=keep_decoded)
        engine = cls(tree, checking=True, started=started, keep=True)
        engine._persist = False
        engine._reads_stored = reuse_stored
        engine.commit = sha  # type: ignore[attr-defined]
        return engine

    def at_commit(
        self,
        commit: str,
        *,
        changes: list[tuple[str, TreeEntry | None]] | None = None,
        reuse_stored: bool = False,
        store: Store | None = None,
    ) -> Engine:
        """The engine of ``commit`` (any revision git names), its files read from git's objects by
        blob id (no checkout; blobs parsed once, kept in the blob cache), derived from this
        engine's state: what differs between the two trees is derived again. The contracts and
        the import-linter configuration are this engine's (today's rules over that commit's code).
        Its results are not stored (but with ``reuse_stored``); calling ``at_commit`` on it walks
        on from there. This engine stays as it is (it may be asked for another commit).
        ``changes``: what differs between this engine's commit and ``commit`` (a full commit id
        then), as
        ``git_objects.changed_entries`` gives it (history reads a range's in one go).
        ``reuse_stored``: as for :meth:`open_at_commit`; when the store holds the commit's results,
        this engine derives nothing (``diff`` against a base it has seen). ``store``: the commit's
        (None: this engine's)."""
        from archguard.adapters.project_files.git_objects import resolve_commit

        started = time.perf_counter()
        sha = commit if changes is not None else resolve_commit(self.root, commit)
        tree = Tree.of_commit(self.tree, sha, changes, store=store)
        if reuse_stored:
            stored = self._child(tree, sha, started, reuse_stored=True)
            if stored._results_stored():
                return stored
        self._derive()
        child = self._child(tree, sha, started, reuse_stored=reuse_stored)
        assert self._records is not None
        if _stub_digests(child.tree) == _stub_digests(self.tree):  # else derived whole: a stub's
            # names are its module's, and no file's record says it consulted them
            child._prior = _Prior(self._names, list(self._records), dict(self._pass_records))
            facts, digests = self.tree.facts, self.tree.digests
            child._prior_facts = _Lookup(lambda path: (digests.get(path, b""), facts.get(path)))
        self._hand_over(child)
        return child

    def _child(self, tree: Tree, sha: str, started: float, *, reuse_stored: bool) -> Engine:
        """An engine of ``tree`` (commit ``sha``) judged by this engine's rules, nothing derived."""
        child = Engine(tree, checking=self.checking, started=started, keep=True, preflight=self.preflight)
        child._persist = False
        child._reads_stored = reuse_stored
        if reuse_stored and self.checking:
            self._inputs()  # read once, for both (the child's keys name them)
        child._check_inputs = self._check_inputs
        child.commit = sha  # type: ignore[attr-defined]
        return child

    def _results_stored(self) -> bool:
        """Are this tree's scan totals and check outcome in the store, under keys naming every
        file's outcome (then taken: ``results()`` derives nothing)?"""
        key = self.scan_key
        check_key = self._check_key(key) if self.checking else None
        if key is None or check_key is None:
            return False
        totals = self.store.load(entries.SCAN_TOTALS, key)
        outcome = self.store.load(entries.CHECK_OUTCOME, check_key) if totals is not None else None
        if outcome is None:
            return False
        self._totals, self._outcome = totals, outcome
        return True

    def _hand_over(self, child: Engine) -> None:
        """What a commit's engine takes over from this one (the engine of the commit before),
        so that deriving it costs what the commit changed: the symbol table (``derived`` from
        this one's, never changed in place); and when the commit has the same files, the index
        of files, who consulted which facet (copied where a change touches it), the identities,
        the edge rule, what the passes collected and the totals. Nothing of this engine changes."""
        tree, mine = child.tree, self.tree
        if (
            self._table is not None
            and self._table_version == mine.version
            and _stub_digests(tree) == _stub_digests(mine)
            and tree.discovery.native_modules == mine.discovery.native_modules
        ):
            child._table, child._table_shared = self._table, True
            child._table_files, child._table_version = self._table_files, -1
            child._table_identities = dict(self._table_identities)  # updated in place by the child
        if (
            tree.changed_files is None
            or tree.files is not mine.files
            or not self._index
            or self._files_version != mine.files_version
            or mine.version != 0
        ):
            return
        child._changed = set(tree.changed_files)
        child._index, child._module_files = self._index, self._module_files
        child._files_version = tree.files_version
        if self._identities is not None and self._identities[0] == mine.version:
            child._identities = (-1, self._identities[1])
        if self._edges is not None and self._edges[0] == mine.files_version:
            child._edges = (tree.files_version, self._edges[1])
        if self._dependents is not None:
            child._dependents = _Dependents.after(self._dependents)
        child._collected = {name: list(found) for name, found in self._collected.items()}
        child._derived_totals = self._derived_totals

    # ---- what passes read (passes/base.CheckRun) ------------------------------------------------

    @property
    def files(self) -> list[SourceFile]:
        return self.tree.all_files

    @property
    def facts(self) -> Mapping[str, FileFacts]:
        return self.tree.facts

    @property
    def identities(self) -> list[FileIdentity]:
        """Every file's identity (path, module name, kind, outcome digest), in file order."""
        cached = self._identities
        if cached is not None and cached[0] != self.tree.version and self._patchable():
            # the same files as when they were made: only those an edit changed are made again
            digests, files, patched = self.tree.digests, self.files, list(cached[1])
            for path in self._changed or ():
                i = self._index.get(path)
                if i is not None:
                    f = files[i]
                    patched[i] = FileIdentity(f.path, f.module, f.loose, f.is_package, digests.get(path, b""))
            cached = (self.tree.version, patched)
        if cached is None or cached[0] != self.tree.version:
            digests = self.tree.digests
            made = [
                FileIdentity(f.path, f.module, f.loose, f.is_package, digests.get(f.path, b""))
                for f in self.files
            ]
            cached = (self.tree.version, made)
        self._identities = cached
        return cached[1]

    def _patchable(self) -> bool:
        """Does this engine know which files changed since its index was made, none having come
        or gone?"""
        return (
            self._changed is not None and bool(self._index) and self._files_version == self.tree.files_version
        )

    @property
    def concepts(self) -> list[ConceptContract]:
        return self._inputs().concepts

    @property
    def interfaces(self) -> list[InterfaceContract]:
        return self._inputs().interfaces

    @property
    def importlinter(self) -> Any:
        return self._inputs().importlinter

    @property
    def importlinter_identity(self) -> Any:
        return self._inputs().identity

    @property
    def libraries(self) -> tuple[str, ...]:
        return checker_versions()

    @property
    def table(self) -> SymbolTable:
        """The symbol table of the tree as it is now (built on first use)."""
        if self._table is None or self._table_version != self.tree.version:
            self._table = self._new_table(traced=self._traced)
        return self._table

    @property
    def graph(self) -> grimp.ImportGraph:
        """The grimp graph of the tree as it is now: built on first use, then updated with
        ``add_import``/``remove_import`` for the modules an edit reaches."""
        from archguard.adapters.importlinter_bridge.grimp_graph import (
            build_import_graph,
            namespace_packages,
            patch_import_graph,
        )

        if self._graph is None:
            self._graph = build_import_graph(self.files, self.facts)
        elif self._graph_patch:
            if self._namespaces is None or self._namespaces[0] != self.tree.files_version:
                self._namespaces = (self.tree.files_version, namespace_packages(self.files))
            patch_import_graph(
                self._graph,
                self.files,
                self.facts,
                self._graph_patch,
                rule=self._file_edges().rule,
                namespaces=self._namespaces[1],
            )
        self._graph_patch = set()
        return self._graph

    @property
    def edge_rule(self) -> EdgeRule:
        """The one import-edge rule over the files now (kept while no file comes or goes)."""
        return self._file_edges().rule

    @property
    def scan(self) -> ScanResult:
        return self.scan_result()

    @property
    def dangling(self) -> list[DanglingImport]:
        """Every dangling import of the tree now, sorted (what one module does to another applied)."""
        return self._scan_totals().dangling

    @property
    def scan_key(self) -> bytes | None:
        """The key of this tree's derived results (None: they are not cached)."""
        if not (self._cacheable or (self._reads_stored and self._readable)):
            return None
        identities, context = self.identities, self._scan_context()
        known = self._scan_key
        if known is not None and known[0] is identities and known[1] == context:
            return known[2]  # the same list: made again whenever the tree changes (identities)
        key = keys.scan(context, identities)
        self._scan_key = (identities, context, key)
        return key

    @property
    def tree_identity(self) -> tuple[bytes, list[FileIdentity]]:
        """What :attr:`tree_key` digests, to compare with another tree's without hashing it (a
        commit's engine shares the identities of the commit before's unchanged files: comparing
        stops at the first that differs, or costs a pass over shared objects)."""
        return self._scan_context(), self.identities

    @property
    def tree_key(self) -> bytes:
        """A digest of everything this tree's results are a function of besides the rules: every
        file's identity and outcome, the packages, stubs and compiled modules. Two commits with
        the same key have the same results under the same rules."""
        return keys.scan(*self.tree_identity)

    def import_digests(self) -> list[bytes]:
        self._derive()
        assert self._records is not None
        return [r.import_digest for r in self._records]

    def module_edges(self) -> set[tuple[str, str]]:
        """The module graph's edges of the tree now, (importer module, imported module): the one
        edge rule's (``domain/import_edges.py``; the pairs ``summary.imports`` counts), read from
        each file's record, so an edit costs what it re-derives (no facts decoded, no graph)."""
        self._derive()
        assert self._records is not None
        unpack = self._names.unpack
        return {
            (file.module, target)
            for file, record in zip(self.files, self._records, strict=True)
            if record.targets
            for target in unpack(record.targets)
        }

    def graph_inputs_key(self) -> bytes:
        """A key of everything the import graph is built from: its shape (:meth:`graph_shape_key`)
        and where each file's imports are (kept while no edit changes any of them, so an edit of a
        function body does not digest ten thousand files again)."""
        if self._graph_key is None:
            self._graph_key = keys.digest(self.graph_shape_key(), b"".join(self.import_digests()))
        return self._graph_key

    def graph_shape_key(self, *, externals: bool = False) -> bytes:
        """A key of the import graph's modules and edges (``externals``: its edges to packages
        outside the tree too): each file's place, module name, kind and the shape part of its
        import digest (``passes/importlinter.shape_of``), and the import-linter configuration;
        kept while no edit changes any of them (an edit that only moves imports keeps it)."""
        if self._graph_shape is None or self._graph_shape[0] != externals:
            if self._graph_files is None or self._graph_files[0] != self.tree.files_version:
                # modules and kinds change only when files come or go (a rename)
                files = keys.graph_files([(i.path, i.module, i.loose, i.is_package) for i in self.identities])
                self._graph_files = (self.tree.files_version, files)
            shape = keys.importlinter_run(
                self.importlinter_identity,
                self.libraries,
                self._graph_files[1],
                b"".join(self._shape_parts()[externals]),
            )
            self._graph_shape = (externals, shape)
        return self._graph_shape[1]

    def _shape_parts(self) -> tuple[list[bytes], list[bytes]]:
        """Per file, in order, the shape part of its import digest: without the edges to packages
        outside the tree, and with them (kept across an engine's edits, patched for the files whose
        digests changed)."""
        if self._shapes is None:
            digests = self.import_digests()
            self._shapes = ([shape_of(d) for d in digests], [shape_of(d, externals=True) for d in digests])
        return self._shapes

    def workspace(self) -> Workspace:
        from archguard.app import Workspace

        return Workspace(self)

    # ---- results ---------------------------------------------------------------------------------

    def scan_result(self) -> ScanResult:
        """What ``scan`` reports: the files, their outcomes, the edge count and dangling imports
        (the same object until the tree changes)."""
        if self._scan is not None:
            return self._scan
        totals = self._scan_totals()
        tree = self.tree
        self._scan = ScanResult(
            root=str(self.root),
            files=self.files,
            facts=tree.facts,
            syntax_errors=sorted(tree.syntax.values(), key=by_position),
            unreadable=sorted(tree.unreadable.values(), key=by_path),
            packages=tree.discovery.packages,
            layout=tree.discovery.layout,
            layout_notes=list(tree.discovery.notes),
            import_edges=totals.import_edges,
            dangling=totals.dangling,
            duration_s=time.perf_counter() - self.started,
            cache_hits=tree.cache_hits,
        )
        return self._scan

    def results(self) -> CheckResult:
        """The ``CheckResult`` ``archguard check`` prints (the baseline of ``options`` applied)."""
        from archguard.adapters.project_files.codeowners_file import read_codeowners
        from archguard.analysis.fix_plan import settle_conflicts
        from archguard.app.baseline import apply_baseline, holder
        from archguard.domain.golden_path import is_golden

        scan = self.scan_result()
        outcome = derived = self._check_outcome()
        if self._kept_outcome is not None and self._kept_outcome[0] is outcome:
            outcome = self._kept_outcome[1]  # as just stored: the same findings with their text
        contracts_run = list(outcome.contracts_run)
        # fixable only where fix and the editor will rewrite (the results cache keeps them settled:
        # a warm run's findings stay encoded, ``Findings``, unless something reads them)
        violations = outcome.violations if outcome.settled else settle_conflicts(outcome.violations)
        added: list[Violation] = []
        golden_path = None
        notices: list[str] = []
        for checker in self._passes:
            if isinstance(checker, TreePass) and checker.separate:
                found = checker.run(self, None)
                if found is not None:
                    added += found.violations
                    contracts_run += found.contracts
                    notices += found.notices
                    golden_path = found.extras.get("golden_path", golden_path)
        if added:
            violations = settle_conflicts([*violations, *added])
        concepts = self.concepts
        entries_read = self.preflight.baseline if self.preflight is not None else None
        hold = holder(scan, concepts, self.interfaces)
        baseline = apply_baseline(violations, self.options, entries_read, hold)
        violations = baseline.violations
        if self.options.golden_only:  # after the baseline, so --update-baseline still sees every finding
            violations = [v for v in violations if is_golden(v)]
            contracts_run = [c.contract for c in golden_path or ()]
        # a commit judged by its own configuration (history --config-at-commit) has its own owners too
        codeowners, owner_notices = read_codeowners(self.options.config_root or self.root)
        result = CheckResult(
            scan=scan,
            violations=violations,
            stale_baseline_entries=baseline.stale,
            held_baseline_entries=baseline.held,
            expired_baseline_entries=baseline.expired,
            strict_baseline=baseline.strict,
            contracts_run=contracts_run,
            contract_types=self._contract_types(contracts_run, golden_path),
            notices=[*outcome.notices, *owner_notices, *notices],
            codeowners=codeowners.source if codeowners else None,
            owners=codeowners.owners_map(finding_paths(violations)) if codeowners else {},
            duration_s=time.perf_counter() - self.started,
            golden_path=golden_path,
        )
        self._note_findings(result.violations, derived)
        return result

    def _contract_types(self, names: list[str], golden_path: Sequence[Any] | None) -> dict[str, str]:
        """Where each contract run comes from (``contract_results``' type): a concept of the
        contracts folder, an entry point's golden path, the one contract of a pass that checks
        one (its ``contract_type``), else the import-linter configuration (its own types, and
        archguard's ``canonical`` there)."""
        contracts = self._inputs().contracts
        known = {c.name: "concept" for c in contracts.concepts}
        known.update({c.name: "interface" for c in contracts.interfaces})
        known.update({closure.contract: "golden-path" for closure in golden_path or ()})
        known.update({p.name: p.contract_type for p in self._passes if p.contract_type})
        return {name: known.get(name, "import-linter") for name in names}

    def findings(self, path: str | Path) -> list[Violation]:
        """The findings of one file (path relative to ROOT, or absolute) in the tree as it is now
        (``results()`` runs again first when something changed since it last ran)."""
        if (self._findings_by_path is None and self._noted_later is None) or self._stale:
            self.results()
        self._group_noted()
        assert self._findings_by_path is not None
        return list(self._findings_by_path.get(relative_path(self.root, path), ()))

    def changed_paths(self) -> set[str]:
        """The files whose findings changed between the last two ``results()`` (after the first,
        every file with findings): what an editor publishes again."""
        self._group_noted()
        return set(self._changed_paths)

    # ---- changes ---------------------------------------------------------------------------------

    # The options that shape the tree itself (which files, their names, how they parse, where the
    # cache is): an engine cannot take new values of these in place; it is opened again.
    _TREE_OPTIONS = (
        "root",
        "excludes",
        "packages",
        "source_roots",
        "include_loose",
        "target",
        "no_cache",
        "cache_dir",
        "jobs",
    )

    def reload_inputs(self, options: Options | None = None) -> None:
        """Read the check's inputs again (the contracts folder, the import-linter configuration, the
        baseline; with ``options``, the options the caller resolved again from pyproject.toml's
        ``[tool.archguard]``) and validate them as ``Engine.open`` does (ConfigError, ContractError:
        the engine is left as it was). The tree is not read again: the next ``results()`` derives
        again only what the inputs reach (the import-linter contracts when the configuration
        changed; every file's concept findings when the concepts changed; nothing but the baseline
        when only it did). ValueError when ``options`` differ in what shapes the tree
        (``_TREE_OPTIONS``): open a new engine for those."""
        from archguard.app.preflight import Preflight

        options = options or self.options
        moved = [name for name in self._TREE_OPTIONS if getattr(options, name) != getattr(self.options, name)]
        if moved:
            raise ValueError(f"options that shape the tree changed ({', '.join(moved)}): open a new engine")
        preflight = Preflight(options)
        if self.checking:
            preflight.before_parse(self.store, self.files)
        before = (repr(self.concepts), self.importlinter_identity) if self._check_inputs is not None else None
        self.options = self.tree.options = options
        self.preflight = preflight
        self._check_inputs = None
        self._graph_key = self._graph_shape = None  # their keys name the configuration's identity
        self._outcome = None
        self._stale = True
        if before is None or before[0] != repr(self.concepts):
            # what each file's record collected for the concepts (their rival candidates) is stale:
            # every file is derived again, from the store's state for these inputs if it has one
            self._records = None
            self._prior = None
            self._pass_records = {}
            self._collected = {}
            self._prepared = {}
            self._changed = None

    def update(
        self, changes: Mapping[str | Path, str | bytes | None], *, hold_facts: bool = False
    ) -> set[str]:
        """Lay an editor's unsaved text over files (``None``: the file is deleted; a new path: a new
        file), without writing anything. Returns the files whose content changed. An engine with
        unsaved text never writes its results or state to the store. ``hold_facts``: a text that
        does not parse leaves its file's last facts that did in place for the rest of the tree (an
        editor mid-keystroke), its syntax error reported all the same (``tree.held`` names them)."""
        data = {
            relative_path(self.root, path): (text.encode("utf-8") if isinstance(text, str) else text)
            for path, text in changes.items()
        }
        return self._apply(data, on_disk=False, hold_facts=hold_facts)

    def refresh(self, paths: Iterable[str | Path]) -> set[str]:
        """Read these files from disk again (an editor closed them, or saved them; an outside tool
        wrote them), dropping any unsaved text laid over them. Returns the files that changed."""
        chosen = [relative_path(self.root, p) for p in paths]
        return self._apply(self.tree.read_from_disk(chosen), on_disk=True)

    def _apply(
        self, data: Mapping[str, bytes | None], *, on_disk: bool, hold_facts: bool = False
    ) -> set[str]:
        if not data:
            return set()
        if self._prior is None:  # the state the change is derived from
            # (the stored state only while the tree is still as the store knows it: after the
            # first unsaved text its key cannot be computed any more)
            self._prior = self._stored_prior()
            if (
                self._prior is not None
                and self._changed is None
                and self._prior.identities == self.identities
            ):
                # the stored state is of this very tree: the files this change names are all
                # that differ, so what they reach is found through the index, as after an edit
                self._changed = set()
                self._index_files()
            if self._keep and self.checking:
                self._ready_for_edits()
        changed, came_or_went = self.tree.apply(data, on_disk=on_disk, hold_facts=hold_facts)
        if self._changed is not None:
            self._changed |= changed
        if came_or_went:
            self._changed = None  # the files are others: compared one by one next time
        if changed:
            self._stale = True
            self._totals = None
            self._outcome = None
            self._scan = None
        return changed

    def _ready_for_edits(self) -> None:
        """A long-lived engine (the editor's) pays at its first change what a later edit would
        otherwise pay inside a keystroke: import-linter's configuration, which a one-shot check
        whose import-linter findings stand never loads (adapters/importlinter_bridge/lazy_config.py),
        is loaded the first time an edit moves an import. A configuration that fails to load
        fails again, in the same words, where the check loads it."""
        load = getattr(self._inputs().importlinter, "loaded", None)  # a LazyConfig's
        if load is not None:
            # a failure is reported by the import-linter pass, in the same words, as without this
            with contextlib.suppress(Exception):
                load()

    # ---- the derivation ----------------------------------------------------------------------------

    @property
    def _cacheable(self) -> bool:
        return self._persist and self._readable

    @property
    def _readable(self) -> bool:
        """What is stored under this tree's keys stands for it (saved only when ``_persist``)."""
        return self.store.enabled and self.tree.fully_cached and not self.tree.overlaid

    @property
    def _traced(self) -> bool:
        return self._keep or self.store.enabled

    def _scan_context(self) -> bytes:
        tree = self.tree
        return keys.scan_context(
            tree.target,
            sys.version_info[:2],
            tree.discovery.packages,
            ((f.path, f.module) for f in tree.discovery.native_modules),
            ((s.file.path, s.digest) for s in tree.stubs.values()),
            sorted(tree.unreadable),
        )

    def _state_key(self) -> bytes | None:
        """The key the file-by-file state is kept under: the run's context, not its files (an
        engine with unsaved text continues from it too; it only never saves one)."""
        if not ((self._persist or self._reads_stored) and self.store.enabled):
            return None  # (saved by _finish only when _persist)
        context = self._scan_context()
        if not self.checking:
            return keys.pieces_context(context, [p.name for p in self._passes]) if self._passes else context
        inputs = self._inputs()
        if inputs.identity is None:
            return None
        return keys.check_context(context, inputs.contracts, inputs.identity, self.libraries)

    def _check_key(self, scan_key: bytes | None) -> bytes | None:
        if scan_key is None:
            return None
        inputs = self._inputs()
        if inputs.identity is None:
            return None
        return keys.check(scan_key, inputs.contracts, inputs.identity, self.libraries)

    def _scan_totals(self) -> ScanTotals:
        if self._totals is None:
            key = self.scan_key
            found = (
                self.store.load(entries.SCAN_TOTALS, key)
                if key is not None and self._records is None
                else None
            )
            if found is None:
                self._derive()
                found = self._totals
            self._totals = found
        assert self._totals is not None
        return self._totals

    def _check_outcome(self) -> CheckOutcome:
        if self._outcome is None:
            key = self._check_key(self.scan_key) if self._records is None else None
            found = self.store.load(entries.CHECK_OUTCOME, key) if key is not None else None
            if found is None:
                self._derive()
                found = self._outcome
            self._outcome = found
        assert self._outcome is not None
        return self._outcome

    def _derive(self) -> None:
        """Bring the file records, totals and check outcome up to date with the tree."""
        if not self._stale and self._records is not None:
            return
        identities = self.identities
        prior = self._prior if self._prior is not None else self._stored_prior()
        changed = self._changed if prior is not None and self._aligned(prior) else None
        todo = None
        if prior is not None and changed is not None:
            # an engine in memory told which files changed: what they reach is found through the
            # index of who consulted what, not by reading every file's record
            at = [self._index[p] for p in changed if p in self._index]
            todo = plan_changed(
                prior.identities,
                identities,
                at,
                prior.names,
                self._dependents_of(prior),
                self._facet_changes(prior, identities, at),
            )
        elif prior is not None:
            todo = plan(
                prior.identities,
                [r.deps for r in prior.records],
                prior.names,
                identities,
                self._facet_changes(prior, identities, range(len(identities)), aligned=False),
            )
        self.derivations += 1
        try:
            if todo is not None and prior is not None and self._incremental(prior, todo, identities):
                self.rederived = len(todo)
                self.full_derivation = False
            else:
                self.rederived = None
                self.full_derivation = True
                self._rederived_paths = None
                self._full(identities, prior)
        except BaseException:
            # a ContractError halfway: the prior state stands (the next derivation starts from it
            # again), but what the passes collected may hold files of this attempt: gathered anew
            self._collected = {}
            self._shapes = None
            raise
        # What one module does to another (docs/dangling.md): a whole-run step over the dangling
        # imports left, each derivation, reading only the files whose facts may hold such a write.
        assert self._derived_totals is not None
        self._totals = ScanTotals(
            self._derived_totals.import_edges, self._with_writes(self._derived_totals.dangling)
        )
        self._stale = False
        self._prior = None
        self._prior_facts = {}
        self._changed = set()
        self.tree.settle()
        self._finish()

    def _with_writes(self, raw: list[DanglingImport]) -> list[DanglingImport]:
        """``raw`` checked against what other modules do (``with_writes_elsewhere``): after an
        edit that left the table's writers index standing, only the re-derived files' dangling
        imports are checked again; the others' answers stand."""
        table = self.table
        kept, rederived = self._adjusted, self._rederived_paths
        if (
            kept is not None
            and rederived is not None
            and kept[0] is table
            and kept[1] == table.writers_generation
        ):
            fresh = with_writes_elsewhere(table, [d for d in raw if d.path in rederived], self._paths_holding)
            adjusted = [d for d in kept[2] if d.path not in rederived] + fresh
            adjusted.sort(key=dangling_order)
        else:
            adjusted = with_writes_elsewhere(table, raw, self._paths_holding)
        self._adjusted = (table, table.writers_generation, adjusted)
        return adjusted

    def _paths_holding(self, kind: str) -> list[str]:
        return self.tree.facts.paths_holding(kind)

    def _aligned(self, prior: _Prior) -> bool:
        """Do the prior records stand for the files of now, in the same order (no file came or
        went)? Then record ``i`` is file ``i``'s."""
        return (
            self._changed is not None
            and self._files_version == self.tree.files_version
            and len(prior.records) == len(self.files)
        )

    def _stored_prior(self) -> _Prior | None:
        if self._records is not None:  # derived in this process already, and not changed since
            return _Prior(self._names, list(self._records), dict(self._pass_records))
        key = self._state_key()
        if key is None:
            return None
        state = self.store.load(self._state_entry, key)
        if state is None or not state.files:
            return None
        self._changed = None  # a stored state: which files differ is found by comparing them all
        self._findings_whole = False  # nor does the findings index know its records' findings
        return _Prior(Names(state.names), list(state.files), {p.name: p for p in state.passes})

    def _facet_changes(
        self, prior: _Prior, identities: Sequence[FileIdentity], at: Iterable[int], *, aligned: bool = True
    ) -> dict[str, set[str] | None]:
        """For each file whose outcome changed (module and kind the same), the facets its facts
        changed in; None where the facts before or after are not known (or not facts). ``at``:
        the indexes of the files that may have changed (``aligned``: into the prior records too)."""
        if aligned:
            before_of = {identities[i].path: prior.records[i].identity for i in at}
        else:
            before_of = {r.identity.path: r.identity for r in prior.records}
        changes: dict[str, set[str] | None] = {}
        for i in at:
            identity = identities[i]
            old = before_of.get(identity.path)
            if old is None or old == identity or old[1:4] != identity[1:4]:
                continue
            before = self._facts_before(identity.path, old.outcome)
            after = self.tree.facts.get(identity.path)
            changes[identity.path] = (
                None if before is None or after is None else changed_facets(identity.module, before, after)
            )
        return changes

    def _facts_before(self, path: str, digest: bytes) -> FileFacts | None:
        """The facts ``path`` had when its outcome digest was ``digest`` (None: not known)."""
        known = self._prior_facts.get(path) or self.tree.previous(path)
        return known[1] if known is not None and known[0] == digest else None

    def _dependents_of(self, prior: _Prior) -> dict[int, set[int]]:
        """facet id -> the files (indexes) whose records consulted it: kept across an engine's
        edits, built once from the records."""
        if self._dependents is None:
            dependents: dict[int, set[int]] = {}
            for i, record in enumerate(prior.records):
                for facet in unpacked(record.deps):
                    dependents.setdefault(facet, set()).add(i)
            self._dependents = dependents
        return self._dependents

    def _new_table(self, *, traced: bool) -> SymbolTable:
        tree = self.tree
        self._table_shared = False
        stubs = {module: (stub.file, stub.facts) for module, stub in tree.stubs.items()}
        table = SymbolTable(self.files, tree.facts, tree.discovery.native_modules, stubs, traced=traced)
        self._table_files = {f.path: f for f in self.files}
        self._table_identities = {i.path: i for i in self.identities}
        self._table_version = tree.version
        return table

    def _full(self, identities: list[FileIdentity], prior: _Prior | None) -> None:
        self._names = names = Names()
        table = self._table = self._new_table(traced=self._traced)
        self._graph_patch = None
        self._graph = None
        self._graph_key = self._graph_shape = self._shapes = None
        self._dependents = None
        self._collected = {}
        files = self.files
        self._index_files()
        edges = self._file_edges()
        seen: dict[int, set[str]] = {}
        digests = self._needs_import_digests
        records = [
            self._scan_file(table, edges, names, file, identity, seen, i, digests)
            for i, (file, identity) in enumerate(zip(files, identities, strict=True))
        ]
        everything = set(range(len(files)))
        for checker in self._file_passes:
            prepared = self._prepare(checker, records, everything)
            self._findings_of(checker, prepared, table, records, everything, seen, names)
        self._refound = None
        self._records = [
            r._replace(deps=names.pack(seen[i])) if i in seen else r for i, r in enumerate(records)
        ]
        self._totals = self._derived_totals = _totals(files, self._records)
        # a tree pass's last findings stand where its own key says so (import-linter's graph inputs)
        self._pass_records = dict(prior.passes) if prior is not None else {}

    def _incremental(self, prior: _Prior, todo: set[int], identities: list[FileIdentity]) -> bool:
        """Derive ``todo`` again on the prior state; False: only a full derivation will do."""
        names = self._names = prior.names
        files = self.files
        aligned = self._aligned(prior)
        if aligned:
            records = list(prior.records)
            before = prior.records
        else:
            by_path = {r.identity.path: r for r in prior.records}
            records = [by_path.get(i.path) or FileRecord(i) for i in identities]
            before = [by_path.get(i.path) for i in identities]  # type: ignore[misc]
            self._index_files()
            self._dependents = None
            self._collected = {}
        self._rederived_paths = {files[i].path for i in todo} if aligned else None
        edited = {self._index[p] for p in self._changed or () if p in self._index}
        table = self._patched_table(identities, todo | edited if aligned else None)
        edges = self._file_edges()
        seen: dict[int, set[str]] = {}
        digests = self._needs_import_digests
        for i in todo:
            records[i] = self._scan_file(table, edges, names, files[i], identities[i], seen, i, digests)
        derived = set(todo)
        everything = set(range(len(files)))
        for checker in self._file_passes:
            prepared = self._prepare(checker, records, todo if aligned else everything)
            earlier = prior.passes.get(checker.name)
            summary = prepared.summary if prepared is not None else None
            again = todo if earlier is not None and earlier.summary == summary else everything
            derived |= again
            for i in again - todo:  # derived for this pass only: its earlier facets still count
                seen[i] = set(names.unpack(records[i].deps))
            self._findings_of(checker, prepared, table, records, again, seen, names)
        moved = [
            i
            for i in todo
            if (old := before[i]) is None
            or old.import_digest != records[i].import_digest
            or old.identity[1:4] != identities[i][1:4]
        ]
        if not aligned or moved:
            self._graph_key = None  # some file's imports, or the set of files, changed
        if not aligned:
            self._shapes = None
        elif self._shapes is not None:
            for i in moved:
                digest = records[i].import_digest
                self._shapes[0][i], self._shapes[1][i] = shape_of(digest), shape_of(digest, externals=True)
        if not aligned or any(
            (old := before[i]) is None
            or shape_of(old.import_digest, externals=True)
            != shape_of(records[i].import_digest, externals=True)
            or old.identity[1:4] != identities[i][1:4]
            for i in moved
        ):
            self._graph_shape = None  # and not only where the imports are
        deps_now = {i: names.pack(consulted) for i, consulted in seen.items()}
        deps_before = [old.deps for i in derived if (old := before[i]) is not None]
        if order_sensitive(names, {i: deps_now.get(i, records[i].deps) for i in derived}, deps_before):
            return False
        for i, packed in deps_now.items():
            if self._dependents is not None:
                old_record = before[i]
                for facet in unpacked(old_record.deps) if old_record is not None else ():
                    self._dependents.get(facet, set()).discard(i)
                for facet in unpacked(packed):
                    self._dependents.setdefault(facet, set()).add(i)
            records[i] = records[i]._replace(deps=packed)
        self._totals = self._derived_totals = (
            _totals_after(self._derived_totals, files, prior.records, records, todo, self._module_files)
            if aligned and self._derived_totals is not None
            else _totals(files, records)
        )
        self._records = records
        self._refound = derived if aligned else None
        self._pass_records = dict(prior.passes)
        if self._graph is not None:
            current = {f.path for f in files} if not aligned else None
            modules = {files[i].module for i in todo} | {
                r.identity.module
                for r in prior.records
                if current is not None and r.identity.path not in current
            }
            self._graph_patch = (self._graph_patch or set()) | modules
        return True

    def _index_files(self) -> None:
        """Where each file is in the run's order, and which files each module has."""
        self._index = {f.path: i for i, f in enumerate(self.files)}
        self._module_files = {}
        for i, f in enumerate(self.files):
            self._module_files.setdefault(f.module, []).append(i)
        self._files_version = self.tree.files_version

    def _file_edges(self) -> FileEdges:
        """The edge rule over the modules that exist now (kept while no file comes or goes)."""
        if self._edges is None or self._edges[0] != self.tree.files_version:
            self._edges = (self.tree.files_version, FileEdges(self.files))
        return self._edges[1]

    def _patched_table(self, identities: list[FileIdentity], changed: set[int] | None) -> SymbolTable:
        """The table of the tree now: the kept one with the files it holds another version of
        swapped, else a new one. ``changed``: the files that may differ (None: any). What the table
        holds is compared, not the prior records: a derivation that failed (a ContractError) may
        have swapped files the records do not know of."""
        if self._table is None or not self._traced:
            self._table = self._new_table(traced=self._traced)
            return self._table
        held = self._table_identities
        if changed is not None:
            stale = [i for i in changed if held.get(identities[i].path) != identities[i]]
            removed = [f for i in stale if (f := self._table_files.get(identities[i].path)) is not None]
            added = [self.files[i] for i in stale]
            held.update((identities[i].path, identities[i]) for i in stale)
        else:
            now = {i.path: i for i in identities}
            removed = [f for path, f in self._table_files.items() if held.get(path) != now.get(path)]
            added = [f for f in self.files if held.get(f.path) != now[f.path]]
            self._table_identities = now
            self._table_files = {f.path: f for f in self.files}
        if self._table_shared:  # the engine's of the commit before (at_commit): it stays as it is
            self._table = self._table.derived(removed, added, self.files, self.tree.facts)
            self._table_shared = False
        else:
            self._table.replace_files(removed, added, self.files, self.tree.facts)
        self._table_version = self.tree.version
        return self._table

    @cached_property  # picked out once, when first asked (a warm check never asks), not per file
    def _file_passes(self) -> list[FilePass]:
        return [p for p in self._passes if isinstance(p, FilePass)]

    def _scan_file(
        self,
        table: SymbolTable,
        edges: FileEdges,
        names: Names,
        file: SourceFile,
        identity: FileIdentity,
        seen: dict[int, set[str]],
        index: int,
        needs_digest: bool,
    ) -> FileRecord:
        """One file's dangling imports and edge targets, what the passes collect from it, and the
        facets its lookups consulted (into ``seen``); ``needs_digest``: its import digest too
        (:attr:`_needs_import_digests`, asked once per derivation, not per file)."""
        file_facts = self.tree.facts.get(file.path)
        if file_facts is None:
            return FileRecord(identity)
        with table.tracing() as consulted:
            dangling = dangling_in_file(table, file, file_facts)
        objects: list[str | None] | None = [] if needs_digest else None
        targets, by_edges = edges.targets(file, file_facts, objects)
        consulted |= by_edges
        consulted.add(file.module)
        seen[index] = consulted
        inputs = tuple(
            (checker.name, found)
            for checker in self._file_passes
            for found in [checker.collect(self, file_facts)]
            if found
        )
        digest = import_digest(file, file_facts, edges.rule, objects) if needs_digest else b""
        return FileRecord(identity, b"", names.pack(sorted(targets)), digest, tuple(dangling), (), inputs)

    @property
    def _needs_import_digests(self) -> bool:
        return self.checking and self._inputs().config_path is not None

    def _prepare(self, checker: FilePass, records: list[FileRecord], changed: set[int]) -> Prepared | None:
        """The pass's whole-tree part; ``changed``: the records made since it last ran (what it
        collected from the others is kept)."""
        collected = self._collected.get(checker.name)
        if collected is None or len(collected) != len(records):
            if type(checker).collect is FilePass.collect:  # collects nothing
                collected = [()] * len(records)
            else:
                collected = [dict(r.inputs).get(checker.name, ()) for r in records]
        else:
            for i in changed:
                collected[i] = dict(records[i].inputs).get(checker.name, ())
        self._collected[checker.name] = collected
        with self.table.tracing():  # the whole-tree part: compared by its summary, not traced per file
            prepared = checker.prepare(self, collected)
        self._prepared[checker.name] = prepared
        return prepared

    def _findings_of(
        self,
        checker: FilePass,
        prepared: Prepared | None,
        table: SymbolTable,
        records: list[FileRecord],
        todo: set[int],
        seen: dict[int, set[str]],
        names: Names,
    ) -> None:
        files, facts = self.files, self.tree.facts
        for i in sorted(todo):
            record, file = records[i], files[i]
            file_facts = facts.get(file.path)
            if isinstance(checker, PiecePass):  # plain values, kept beside the findings
                pieces: tuple[Any, ...] = ()
                if prepared is not None and file_facts is not None:
                    # a pass whose pieces read no lookup has nothing to note (PiecePass.reads_table)
                    noted = (
                        _noted(table, file, seen.setdefault(i, set()))
                        if checker.reads_table
                        else contextlib.nullcontext()
                    )
                    with noted:
                        pieces = checker.pieces(prepared, table, file, file_facts)
                held = tuple(part for part in record.pieces if part[0] != checker.name)
                records[i] = record._replace(pieces=(*held, (checker.name, pieces)) if pieces else held)
                continue
            found: tuple[Violation, ...] = ()
            if prepared is not None and file_facts is not None:
                with _noted(table, file, seen.setdefault(i, set())):
                    found = tuple(checker.findings(prepared, table, file, file_facts, record.dangling))
            kept = tuple((name, v) for name, v in record.findings if name != checker.name)
            records[i] = record._replace(findings=(*kept, (checker.name, found)) if found else kept)

    def pieces(self, name: str) -> list[tuple[Any, ...]]:
        """Piece pass ``name``'s values, per file in the run's order (derived first if needed)."""
        self._derive()
        assert self._records is not None
        return [_piece_of(r, name) for r in self._records]

    def runs_pass(self, name: str) -> bool:
        return any(p.name == name for p in self._passes)

    def kept_pieces(self, name: str) -> Mapping[str, tuple[Any, ...]] | None:
        """Piece pass ``name``'s values by path (() for a file without facts), when this engine
        runs the pass and has its results derived, or a state to derive them from (in memory, or
        stored: then only what differs from it is derived again); None when only a whole
        derivation would give them. Each is read from its file's record when asked (history asks
        for the few files a commit changed)."""
        if not self.runs_pass(name):
            return None
        if self._stale or self._records is None:
            if self._prior is None:
                self._prior = self._stored_prior()
            if self._prior is None:
                return None
        self._derive()
        records, index = self._records, self._index
        assert records is not None

        def piece(path: str) -> tuple[Any, ...] | None:
            at = index.get(path)
            return None if at is None else _piece_of(records[at], name)

        return _Lookup(piece)

    def _keep_summary(self, checker: FilePass) -> None:
        """A pass without findings (a piece pass): its record keeps only the summary of its
        whole-tree part, what the next derivation compares it with."""
        prepared = self._prepared.get(checker.name)
        summary = prepared.summary if prepared is not None else ""
        self._pass_records[checker.name] = PassRecord(checker.name, summary=summary)

    def _finish(self) -> None:
        """The check outcome from the records; the results stored when the tree is cacheable."""
        assert self._records is not None and self._totals is not None
        scan_key = self.scan_key
        if self.checking:
            self._outcome = self._assemble()
        else:  # piece passes: what the next derivation compares their whole-tree parts with
            for checker in self._file_passes:
                self._keep_summary(checker)
        if scan_key is None or not (self._cacheable or self._reads_stored):
            return
        self.store.save(entries.SCAN_TOTALS, scan_key, self._totals)
        if self.checking and self._outcome is not None:
            check_key = self._check_key(scan_key)
            if check_key is not None:
                # the working tree's outcome with its text (a commit's is never printed as text)
                stored = _stored_outcome(self._outcome, with_text=self._cacheable)
                self.store.save(entries.CHECK_OUTCOME, check_key, stored)
                self._kept_outcome = (self._outcome, stored)
        state_key = self._state_key() if self._cacheable else None  # (a commit's: results only)
        if state_key is not None:
            state = DerivedState(
                tuple(self._names.names),
                tuple(self._records),
                tuple(self._pass_records.values()),
            )
            self.store.save(self._state_entry, state_key, state)

    def _assemble(self) -> CheckOutcome:
        """Every pass's findings (but the separate ones'), sorted as files and positions go: merged
        into the findings index (``app/findings_index.py``) for the files whose findings changed."""
        assert self._records is not None
        contracts: list[str] = []
        notices: list[str] = []
        index = self._findings
        index.start(
            [
                part
                for checker in self._passes
                if not isinstance(checker, PiecePass)
                and (isinstance(checker, FilePass) or not checker.separate)
                for part in (
                    (f"{checker.name}:whole", checker.name)
                    if isinstance(checker, FilePass)
                    else (checker.name,)
                )
            ]
        )
        for checker in self._passes:
            if isinstance(checker, PiecePass):  # no findings: its whole-tree part's summary kept
                self._keep_summary(checker)
            elif isinstance(checker, FilePass):
                prepared = self._prepared.get(checker.name)
                refound = self._refound if self._findings_whole else None
                if prepared is None and checker.name not in self._prepared:
                    prepared = self._prepare(checker, self._records, set(range(len(self._records))))
                    refound = None
                if prepared is None:
                    index.set_part(f"{checker.name}:whole", [])
                    index.set_files(checker.name, {}, complete=True)
                    continue
                contracts += checker.contracts(self)
                index.set_part(f"{checker.name}:whole", prepared.whole)
                self._pass_records[checker.name] = PassRecord(checker.name, summary=prepared.summary)
                records = self._records
                index.set_files(
                    checker.name,
                    {
                        records[i].identity.path: _findings_in(records[i], checker.name)
                        for i in (range(len(records)) if refound is None else refound)
                    },
                    complete=refound is None,
                )
            elif not checker.separate:
                outcome = checker.run(self, self._pass_records.get(checker.name))
                if outcome is None:
                    index.set_part(checker.name, [])
                    continue
                self._pass_records[checker.name] = outcome.record
                index.set_part(checker.name, outcome.violations)
                contracts += outcome.contracts
                notices += outcome.notices
        self._findings_whole = True
        self._assembled = CheckOutcome(index.finish(), contracts, notices)
        return self._assembled

    def _note_findings(self, violations: Sequence[Violation], outcome: CheckOutcome) -> None:
        """Each file's findings of this ``results()``, and which files' findings differ from the
        last one's. When they are the assembled findings themselves (no baseline marked them, no
        separate pass added any), the index has them by file already and knows which files a
        derivation touched; else they are grouped when first asked (:meth:`_group_noted`)."""
        self._group_noted()  # the last results()'s, which this one's are compared with
        if outcome is self._assembled and violations == outcome.violations:
            before = self._findings_by_path or {}
            now = self._findings.groups
            touched = self._findings.take_changed()
            candidates = touched if self._noted_from_index else now.keys() | before.keys()
            self._noted_from_index = True
            self._changed_paths = {p for p in candidates if now.get(p, ()) != before.get(p, ())}
            self._findings_by_path = now
        else:
            self._noted_later = violations
            self._noted_from_index = False

    def _group_noted(self) -> None:
        """Group the findings :meth:`_note_findings` left for later by file, and find which files'
        findings differ from the results() before."""
        violations, self._noted_later = self._noted_later, None
        if violations is None:
            return
        before = self._findings_by_path or {}
        by_path: dict[str, list[Violation]] = {}
        for v in violations:
            by_path.setdefault(v.path, []).append(v)
        now = {path: tuple(found) for path, found in by_path.items()}
        self._changed_paths = {p for p in now.keys() | before.keys() if now.get(p, ()) != before.get(p, ())}
        self._findings_by_path = now

    # ---- check inputs ----------------------------------------------------------------------------

    def _inputs(self) -> _CheckInputs:
        if self._check_inputs is None:
            self._check_inputs = _CheckInputs.read(self)
        return self._check_inputs


def _stored_outcome(outcome: CheckOutcome, *, with_text: bool) -> CheckOutcome:
    """What the results cache keeps of a check outcome: its findings with their conflicts settled,
    as ``results()`` reports them, and (``with_text``) each contract's block of the text report
    made from them (``Findings``: a warm check printing text then decodes none of them)."""
    from archguard.analysis.fix_plan import settle_conflicts
    from archguard.reporting.text import contract_sections

    settled = settle_conflicts(outcome.violations)
    findings = Findings(settled, sections=contract_sections(settled) if with_text else None)
    return CheckOutcome(findings, outcome.contracts_run, outcome.notices, settled=True)


@dataclass
class _CheckInputs:
    """What a check reads besides the tree: the contracts folder's concept and interface contracts,
    the import-linter configuration (and the archguard contracts it declares)."""

    contracts: ContractSet  # contracts/ (or --contracts)
    config_path: Path | None
    importlinter: Any  # LazyConfig, or None
    identity: Any  # the configuration's cache identity (None: a plugin type, never cached)
    # where the declared contracts are kept (not the engine: commits' engines share these inputs,
    # and the first commit's engine, every file's facts decoded, would live as long as the walk)
    store: Store
    _configured: tuple[list[ConceptContract], list[InterfaceContract]] | None = None

    @classmethod
    def read(cls, engine: Engine) -> _CheckInputs:
        from archguard.app.preflight import Preflight

        if engine.preflight is None:
            engine.preflight = Preflight(engine.options)
        preflight = engine.preflight
        config = preflight.importlinter_config(engine.store)
        identity = preflight.identity if config is not None else ("none",)
        return cls(preflight.contracts, preflight.config_path, config, identity, engine.store)

    @property
    def declared(self) -> list[ConceptContract]:
        return list(self.contracts.concepts)

    def _from_config(self) -> tuple[list[ConceptContract], list[InterfaceContract]]:
        """The archguard contracts the import-linter configuration declares (``type = canonical``,
        ``type = interface``), kept in the store by the configuration's identity: a check whose
        state is kept need not load the configuration (import-linter, grimp) to know them."""
        if self._configured is None:
            found: tuple[list[ConceptContract], list[InterfaceContract]] = ([], [])
            if self.importlinter is not None:
                config = self.importlinter
                key = (
                    None
                    if self.identity is None
                    else keys.importlinter_concepts(self.identity, checker_versions())
                )
                found = self.store.cached(
                    entries.IMPORTLINTER_CONTRACTS,
                    key,
                    lambda: (list(config.concept_contracts), list(config.interface_contracts)),
                )
            self._configured = found
        return self._configured

    @cached_property  # merged once: the concept pass asks for them for every file
    def concepts(self) -> list[ConceptContract]:
        """contracts/'s and the import-linter configuration's (``type = canonical``): a concept
        declared in both is run once, as contracts/ declares it."""
        declared = {c.canonical for c in self.contracts.concepts}
        return [*self.contracts.concepts, *(c for c in self._from_config()[0] if c.canonical not in declared)]

    @cached_property
    def interfaces(self) -> list[InterfaceContract]:
        """contracts/'s and the configuration's (``type = interface``): one package, one contract."""
        return merged_interfaces(self.contracts.interfaces, self._from_config()[1])


class _Dependents(dict[int, set[int]]):
    """facet id -> the files that consulted it, for a commit's engine: its parent's index, each
    facet's files copied on first use (``get``/``setdefault``, what plan_changed and the
    incremental derivation ask), so that updating it never changes the parent's."""

    def __init__(self, base: Mapping[int, set[int]], copied: Mapping[int, set[int]]) -> None:
        super().__init__()
        self._base = base  # never changed through this
        self._copied = copied  # an ancestor's copies: never changed through this either

    @classmethod
    def after(cls, parent: dict[int, set[int]]) -> _Dependents:
        if isinstance(parent, _Dependents):  # one level deep, whatever the walk's length
            return cls(parent._base, {**parent._copied, **parent})
        return cls(parent, {})

    def get(self, facet: int, default: Any = None) -> Any:
        found = dict.get(self, facet)
        if found is None:
            inherited = self._copied.get(facet)
            if inherited is None:
                inherited = self._base.get(facet)
            if inherited is None:
                return default
            found = self[facet] = set(inherited)
        return found

    def setdefault(self, facet: int, default: Any = None) -> Any:
        found = self.get(facet)
        if found is None:
            found = self[facet] = default
        return found


def _piece_of(record: FileRecord, name: str) -> tuple[Any, ...]:
    """Piece pass ``name``'s value in a file's record (() when it kept none)."""
    for n, found in record.pieces:
        if n == name:
            return found
    return ()


class _Lookup(Mapping[str, Any]):
    """A mapping answered by a function (the facts a parent engine held, for a commit's engine;
    a piece pass's values by path)."""

    def __init__(self, get: Any) -> None:
        self._get = get

    def __getitem__(self, path: str) -> Any:
        return self._get(path)

    def get(self, path: str, default: Any = None) -> Any:
        return self._get(path)

    def __iter__(self) -> Any:
        return iter(())

    def __len__(self) -> int:
        return 0


@contextmanager
def _noted(table: SymbolTable, file: SourceFile, seen: set[str]) -> Iterator[None]:
    """A pass's work on one file, under the table's trace: what it consulted, and the file's own
    module, is noted in ``seen`` as the file's (what an edit must reach to redo the work)."""
    with table.tracing() as consulted:
        yield
    consulted.add(file.module)
    seen.update(consulted)


def _stub_digests(tree: Tree) -> dict[str, tuple[str, bytes]]:
    return {module: (stub.file.path, stub.digest) for module, stub in tree.stubs.items()}


def _totals(files: Sequence[SourceFile], records: Sequence[FileRecord]) -> ScanTotals:
    """(distinct importer/imported module pairs, every dangling import sorted)."""
    # Each file's targets are distinct already: only modules with several files (a package beside
    # a module of its name, loose files) need their targets merged.
    by_module: dict[str, list[bytes]] = {}
    dangling: list[DanglingImport] = []
    for file, record in zip(files, records, strict=True):
        if record.targets:
            by_module.setdefault(file.module, []).append(record.targets)
        if record.dangling:
            dangling.extend(record.dangling)
    edges = 0
    for packed in by_module.values():
        if len(packed) == 1:
            edges += len(packed[0]) // _ID_SIZE
        else:
            edges += len({i for targets in packed for i in unpacked(targets)})
    dangling.sort(key=dangling_order)
    return ScanTotals(edges, dangling)


def _totals_after(
    before: ScanTotals,
    files: Sequence[SourceFile],
    old: Sequence[FileRecord],
    new: Sequence[FileRecord],
    changed: set[int],
    module_files: Mapping[str, list[int]],
) -> ScanTotals:
    """:func:`_totals` of ``new`` from those of ``old`` (the same files, in the same order), when
    only the records at ``changed`` differ: what an edit costs is what it changed."""

    def edges_of(records: Sequence[FileRecord], module: str) -> int:
        packed = [records[i].targets for i in module_files.get(module, ()) if records[i].targets]
        if len(packed) <= 1:
            return len(packed[0]) // _ID_SIZE if packed else 0
        return len({i for targets in packed for i in unpacked(targets)})

    modules = {files[i].module for i in changed}
    edges = before.import_edges + sum(edges_of(new, m) - edges_of(old, m) for m in modules)
    paths = {files[i].path for i in changed}
    dangling = [d for d in before.dangling if d.path not in paths]
    for i in changed:
        dangling.extend(new[i].dangling)
    dangling.sort(key=dangling_order)
    return ScanTotals(edges, dangling)


def _findings_in(record: FileRecord, name: str) -> tuple[Violation, ...]:
    """A file pass's findings in one file's record."""
    return next((found for pass_name, found in record.findings if pass_name == name), ())
