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
their results are identical (tests/test_incremental.py compares them after random edits).
"""

from __future__ import annotations

import hashlib
import marshal
import sys
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from archguard.adapters.cache import entries
from archguard.adapters.importlinter_bridge.grimp_graph import FileEdges
from archguard.adapters.importlinter_bridge.versions import checker_versions
from archguard.analysis.dangling import dangling_in_file
from archguard.analysis.facets import changed_facets
from archguard.analysis.invalidation import Names, order_sensitive, plan, unpacked
from archguard.analysis.symbols import SymbolTable
from archguard.app import keys
from archguard.app.passes import PASSES, FilePass, Prepared, TreePass
from archguard.app.tree import Tree, relative_path
from archguard.domain.contracts import ConceptContract
from archguard.domain.derived import (
    CheckOutcome,
    DerivedState,
    FileIdentity,
    FileRecord,
    PassRecord,
    ScanTotals,
)
from archguard.domain.facts import FileFacts
from archguard.domain.findings import Violation
from archguard.domain.ordering import by_path, by_position, dangling_order
from archguard.domain.result import CheckResult, DanglingImport, ScanResult
from archguard.domain.sources import SourceFile

if TYPE_CHECKING:
    import grimp

    from archguard.app import Options, Progress, Workspace
    from archguard.app.store import Store

_ID_SIZE = 4  # array("i").itemsize


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

    def __init__(self, tree: Tree, *, checking: bool, started: float, keep: bool = False) -> None:
        """``checking``: the check passes run too (else only what ``scan`` reports). ``keep``:
        the engine lives on after its first results (an editor, history), so every derivation
        records what it consulted even without a cache."""
        self.tree = tree
        self.options = tree.options
        self.root = tree.root
        self.checking = checking
        self.started = started
        self.store = tree.store
        self._keep = keep
        self._persist = True  # results and state go to the store (not for a commit's engine)
        self._passes: list[FilePass | TreePass] = [cls() for cls in PASSES] if checking else []
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
        self._graph_key: bytes | None = None  # the import-linter inputs' key, while they stay the same
        self._table_files: dict[str, SourceFile] = {}
        self._table_version = -1
        self._graph: grimp.ImportGraph | None = None
        self._graph_patch: set[str] | None = None  # modules whose edges changed since the graph was built
        self._totals: ScanTotals | None = None
        self._scan: ScanResult | None = None
        self._outcome: CheckOutcome | None = None
        self._extras: dict[str, Any] = {}
        self.rederived: int | None = None  # files derived again by the last incremental answer
        self.full_derivation = False  # the last derivation was a full one (for tests and docs)
        self.derivations = 0  # how many times this engine derived results (not taken from the store)
        self._findings_by_path: dict[str, tuple[Violation, ...]] | None = None
        self._changed_paths: set[str] = set()
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
    ) -> Engine:
        """The engine of the working tree under ``root`` (or ``options.root``): files from git's
        listing or a walk, outcomes warm from the cache, the last run's state loaded when first
        needed. ``keep``: the engine serves an editor or a walk through history (see __init__).
        ``store``: where results are kept (None: the cache folder of ``options``)."""
        from archguard.app import Options

        started = time.perf_counter()
        if options is None:
            options = Options(root=Path(root or "."))
        elif root is not None:
            options = replace(options, root=Path(root))
        tree = Tree.open(options, progress, listing=listing, store=store)
        return cls(tree, checking=checking, started=started, keep=keep)

    @classmethod
    def open_at_commit(cls, options: Options, commit: str, *, store: Store | None = None) -> Engine:
        """The engine of ``commit`` (any revision git names) under ``options.root``, read from
        git's objects by blob id with no working tree read at all (``history``'s first commit,
        ``diff``'s base when the head is a commit too); walk on with :meth:`at_commit`. Its results
        are not stored; its blobs' outcomes are (the blob cache of ``store``, default: the cache
        folder of ``options``)."""
        from archguard.adapters.cache.store import open_store
        from archguard.adapters.project_files.git_objects import resolve_commit

        started = time.perf_counter()
        root = options.root.resolve()
        sha = resolve_commit(root, commit)
        if store is None:
            store = open_store(
                root,
                options.cache_dir,
                no_cache=options.no_cache,
                files=[],
                git_tracked=None,
                include_loose=options.include_loose,
            )
        engine = cls(Tree.at_commit(options, store, sha), checking=True, started=started, keep=True)
        engine._persist = False
        engine.commit = sha  # type: ignore[attr-defined]
        return engine

    def at_commit(self, commit: str) -> Engine:
        """The engine of ``commit`` (any revision git names), its files read from git's objects by
        blob id (no checkout; blobs parsed once, kept in the blob cache), derived from this
        engine's state: what differs between the two trees is derived again. The contracts and
        the import-linter configuration are this engine's (today's rules over that commit's code).
        Its results are not stored; calling ``at_commit`` on it walks on from there."""
        from archguard.adapters.project_files.git_objects import resolve_commit

        started = time.perf_counter()
        sha = resolve_commit(self.root, commit)
        self._derive()
        child = Engine(Tree.of_commit(self.tree, sha), checking=self.checking, started=started, keep=True)
        child._persist = False
        child._check_inputs = self._check_inputs
        child.commit = sha  # type: ignore[attr-defined]
        assert self._records is not None
        child._prior = _Prior(self._names, list(self._records), dict(self._pass_records))
        facts, digests = self.tree.facts, self.tree.digests
        child._prior_facts = _Lookup(lambda path: (digests.get(path, b""), facts.get(path)))
        return child

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
        if self._identities is None or self._identities[0] != self.tree.version:
            digests = self.tree.digests
            self._identities = (
                self.tree.version,
                [
                    FileIdentity(f.path, f.module, f.loose, f.is_package, digests.get(f.path, b""))
                    for f in self.files
                ],
            )
        return self._identities[1]

    @property
    def concepts(self) -> list[ConceptContract]:
        return self._inputs().concepts

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
        from archguard.adapters.importlinter_bridge.grimp_graph import build_import_graph, patch_import_graph

        if self._graph is None:
            self._graph = build_import_graph(self.files, self.facts)
        elif self._graph_patch:
            patch_import_graph(self._graph, self.files, self.facts, self._graph_patch)
        self._graph_patch = set()
        return self._graph

    @property
    def scan(self) -> ScanResult:
        return self.scan_result()

    @property
    def scan_key(self) -> bytes | None:
        """The key of this tree's derived results (None: they are not cached)."""
        if not self._cacheable:
            return None
        return keys.scan(self._scan_context(), self.identities)

    @property
    def tree_key(self) -> bytes:
        """A digest of everything this tree's results are a function of besides the rules: every
        file's identity and outcome, the packages, stubs and compiled modules. Two commits with
        the same key have the same results under the same rules (history reuses the row)."""
        return keys.scan(self._scan_context(), self.identities)

    def import_digests(self) -> list[bytes]:
        self._derive()
        assert self._records is not None
        return [r.import_digest for r in self._records]

    def graph_inputs_key(self) -> bytes:
        """A key of everything the import graph is built from: each file's place, module name,
        kind and import digest, and the import-linter configuration (kept while no edit changes
        any of them, so an edit of a function body does not digest ten thousand files again)."""
        if self._graph_key is None:
            self._graph_key = keys.importlinter_run(
                self.importlinter_identity,
                self.libraries,
                [
                    (i.path, i.module, i.loose, i.is_package, digest)
                    for i, digest in zip(self.identities, self.import_digests(), strict=True)
                ],
            )
        return self._graph_key

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
            import_edges=totals.import_edges,
            dangling=totals.dangling,
            duration_s=time.perf_counter() - self.started,
            cache_hits=tree.cache_hits,
        )
        return self._scan

    def results(self) -> CheckResult:
        """The ``CheckResult`` ``archguard check`` prints (the baseline of ``options`` applied)."""
        from archguard.app.baseline import apply_baseline
        from archguard.domain.golden_path import is_golden

        scan = self.scan_result()
        outcome = self._check_outcome()
        violations, contracts_run = list(outcome.violations), list(outcome.contracts_run)
        golden_path = None
        for checker in self._passes:
            if isinstance(checker, TreePass) and checker.separate:
                found = checker.run(self, None)
                if found is not None:
                    violations += found.violations
                    contracts_run += found.contracts
                    golden_path = found.extras.get("golden_path", golden_path)
        baseline = apply_baseline(violations, self.options)
        violations = baseline.violations
        if self.options.golden_only:  # after the baseline, so --update-baseline still sees every finding
            violations = [v for v in violations if is_golden(v)]
            contracts_run = [c.contract for c in golden_path or ()]
        result = CheckResult(
            scan=scan,
            violations=violations,
            stale_baseline_entries=baseline.stale,
            expired_baseline_entries=baseline.expired,
            strict_baseline=baseline.strict,
            contracts_run=contracts_run,
            notices=list(outcome.notices),
            duration_s=time.perf_counter() - self.started,
            golden_path=golden_path,
        )
        self._note_findings(result.violations)
        return result

    def findings(self, path: str | Path) -> list[Violation]:
        """The findings of one file (path relative to ROOT, or absolute) in the tree as it is now
        (``results()`` runs again first when something changed since it last ran)."""
        if self._findings_by_path is None or self._stale:
            self.results()
        assert self._findings_by_path is not None
        return list(self._findings_by_path.get(relative_path(self.root, path), ()))

    def changed_paths(self) -> set[str]:
        """The files whose findings changed between the last two ``results()`` (after the first,
        every file with findings): what an editor publishes again."""
        return set(self._changed_paths)

    # ---- changes ---------------------------------------------------------------------------------

    def update(self, changes: Mapping[str | Path, str | bytes | None]) -> set[str]:
        """Lay an editor's unsaved text over files (``None``: the file is deleted; a new path: a new
        file), without writing anything. Returns the files whose content changed. An engine with
        unsaved text never writes its results or state to the store."""
        data = {
            relative_path(self.root, path): (text.encode("utf-8") if isinstance(text, str) else text)
            for path, text in changes.items()
        }
        return self._apply(data, on_disk=False)

    def refresh(self, paths: Iterable[str | Path]) -> set[str]:
        """Read these files from disk again (an editor closed them, or saved them; an outside tool
        wrote them), dropping any unsaved text laid over them. Returns the files that changed."""
        chosen = [relative_path(self.root, p) for p in paths]
        return self._apply(self.tree.read_from_disk(chosen), on_disk=True)

    def _apply(self, data: Mapping[str, bytes | None], *, on_disk: bool) -> set[str]:
        if not data:
            return set()
        if self._records is not None and self._prior is None:  # the state the change is derived from
            self._prior = _Prior(self._names, list(self._records), dict(self._pass_records))
        changed, _ = self.tree.apply(data, on_disk=on_disk)
        if changed:
            self._stale = True
            self._totals = None
            self._outcome = None
            self._scan = None
        return changed

    # ---- the derivation ----------------------------------------------------------------------------

    @property
    def _cacheable(self) -> bool:
        return self._persist and self.store.enabled and self.tree.fully_cached and not self.tree.overlaid

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
        if not self._cacheable:
            return None
        context = self._scan_context()
        if not self.checking:
            return context
        inputs = self._inputs()
        if inputs.identity is None:
            return None
        return keys.check_context(context, inputs.declared, inputs.identity, self.libraries)

    def _check_key(self, scan_key: bytes | None) -> bytes | None:
        if scan_key is None:
            return None
        inputs = self._inputs()
        if inputs.identity is None:
            return None
        return keys.check(scan_key, inputs.declared, inputs.identity, self.libraries)

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
        todo = None
        if prior is not None:
            todo = plan(
                prior.identities,
                [r.deps for r in prior.records],
                prior.names,
                identities,
                self._facet_changes(prior, identities),
            )
        self.derivations += 1
        self.full_derivation = todo is None
        if todo is not None and prior is not None and self._incremental(prior, todo, identities):
            self.rederived = len(todo)
        else:
            self.rederived = None
            self.full_derivation = True
            self._full(identities, prior)
        self._stale = False
        self._prior = None
        self._prior_facts = {}
        self.tree.settle()
        self._finish()

    def _stored_prior(self) -> _Prior | None:
        if self._records is not None:  # derived in this process already, and not changed since
            return _Prior(self._names, list(self._records), dict(self._pass_records))
        key = self._state_key()
        if key is None:
            return None
        state = self.store.load(entries.CHECK_STATE if self.checking else entries.SCAN_STATE, key)
        if state is None or not state.files:
            return None
        return _Prior(Names(state.names), list(state.files), {p.name: p for p in state.passes})

    def _facet_changes(self, prior: _Prior, identities: Sequence[FileIdentity]) -> dict[str, set[str] | None]:
        """For each file whose outcome changed (module and kind the same), the facets its facts
        changed in; None where the facts before or after are not known (or not facts)."""
        index = {r.identity.path: r.identity for r in prior.records}
        changes: dict[str, set[str] | None] = {}
        for identity in identities:
            old = index.get(identity.path)
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

    def _new_table(self, *, traced: bool) -> SymbolTable:
        tree = self.tree
        stubs = {module: (stub.file, stub.facts) for module, stub in tree.stubs.items()}
        table = SymbolTable(self.files, tree.facts, tree.discovery.native_modules, stubs, traced=traced)
        self._table_files = {f.path: f for f in self.files}
        self._table_version = tree.version
        return table

    def _full(self, identities: list[FileIdentity], prior: _Prior | None) -> None:
        self._names = names = Names()
        table = self._table = self._new_table(traced=self._traced)
        self._graph_patch = None
        self._graph = None
        self._graph_key = None
        files = self.files
        edges = FileEdges(files)
        seen: dict[int, set[str]] = {}
        records = [
            self._scan_file(table, edges, names, file, identity, seen, i)
            for i, (file, identity) in enumerate(zip(files, identities, strict=True))
        ]
        everything = set(range(len(files)))
        for checker in self._file_passes():
            prepared = self._prepare(checker, records)
            self._findings_of(checker, prepared, table, records, everything, seen, names)
        self._records = [
            r._replace(deps=names.pack(seen[i])) if i in seen else r for i, r in enumerate(records)
        ]
        # a tree pass's last findings stand where its own key says so (import-linter's graph inputs)
        self._pass_records = dict(prior.passes) if prior is not None else {}

    def _incremental(self, prior: _Prior, todo: set[int], identities: list[FileIdentity]) -> bool:
        """Derive ``todo`` again on the prior state; False: only a full derivation will do."""
        names = self._names = prior.names
        table = self._patched_table(prior, identities)
        files = self.files
        by_path = {r.identity.path: r for r in prior.records}
        edges = FileEdges(files) if todo else None
        seen: dict[int, set[str]] = {}
        records: list[FileRecord] = []
        for i, (file, identity) in enumerate(zip(files, identities, strict=True)):
            if i in todo:
                assert edges is not None
                records.append(self._scan_file(table, edges, names, file, identity, seen, i))
            else:
                records.append(by_path[identity.path])
        derived = set(todo)
        everything = set(range(len(files)))
        for checker in self._file_passes():
            prepared = self._prepare(checker, records)
            before = prior.passes.get(checker.name)
            summary = prepared.summary if prepared is not None else None
            again = todo if before is not None and before.summary == summary else everything
            derived |= again
            for i in again - todo:  # derived for this pass only: its earlier facets still count
                seen[i] = set(names.unpack(records[i].deps))
            self._findings_of(checker, prepared, table, records, again, seen, names)
        if len(records) != len(prior.records) or any(
            (r := by_path.get(identities[i].path)) is None
            or r.import_digest != records[i].import_digest
            or r.identity[1:4] != identities[i][1:4]
            for i in todo
        ):
            self._graph_key = None  # some file's imports, or the set of files, changed
        deps_now = [names.pack(seen[i]) if i in seen else r.deps for i, r in enumerate(records)]
        deps_before = [by_path[identities[i].path].deps for i in derived if identities[i].path in by_path]
        if order_sensitive(names, derived, deps_now, deps_before):
            return False
        self._records = [r._replace(deps=deps_now[i]) if i in seen else r for i, r in enumerate(records)]
        self._pass_records = dict(prior.passes)
        if self._graph is not None:
            current = {f.path for f in files}
            modules = {files[i].module for i in todo} | {
                r.identity.module for r in prior.records if r.identity.path not in current
            }
            self._graph_patch = (self._graph_patch or set()) | modules
        self._table_files = {f.path: f for f in files}
        return True

    def _patched_table(self, prior: _Prior, identities: list[FileIdentity]) -> SymbolTable:
        """The table of the tree now: the kept one with the changed files swapped, else a new one."""
        if self._table is None or not self._traced:
            return self._new_table(traced=self._traced)
        old = {r.identity.path: r.identity for r in prior.records}
        now = {i.path: i for i in identities}
        removed = [f for p, f in self._table_files.items() if p not in now or old.get(p) != now[p]]
        added = [f for f in self.files if old.get(f.path) != now[f.path]]
        self._table.replace_files(removed, added, self.files, self.tree.facts)
        self._table_version = self.tree.version
        return self._table

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
    ) -> FileRecord:
        """One file's dangling imports and edge targets, what the passes collect from it, and the
        facets its lookups consulted (into ``seen``)."""
        file_facts = self.tree.facts.get(file.path)
        if file_facts is None:
            return FileRecord(identity)
        with table.tracing() as consulted:
            dangling = dangling_in_file(table, file, file_facts)
        targets, by_edges = edges.targets(file, file_facts)
        consulted |= by_edges
        consulted.add(file.module)
        seen[index] = consulted
        inputs = tuple(
            (checker.name, found)
            for checker in self._file_passes()
            for found in [checker.collect(self, file_facts)]
            if found
        )
        digest = _import_digest(file_facts) if self._needs_import_digests else b""
        return FileRecord(identity, b"", names.pack(sorted(targets)), digest, tuple(dangling), (), inputs)

    @property
    def _needs_import_digests(self) -> bool:
        return self.checking and self._inputs().config_path is not None

    def _prepare(self, checker: FilePass, records: list[FileRecord]) -> Prepared | None:
        collects = type(checker).collect is not FilePass.collect
        collected = (
            [dict(r.inputs).get(checker.name, ()) for r in records] if collects else [()] * len(records)
        )
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
            record = records[i]
            found: tuple[Violation, ...] = ()
            file_facts = facts.get(files[i].path)
            if prepared is not None and file_facts is not None:
                with table.tracing() as consulted:
                    found = tuple(checker.findings(prepared, table, files[i], file_facts, record.dangling))
                consulted.add(files[i].module)
                seen.setdefault(i, set()).update(consulted)
            kept = tuple((name, v) for name, v in record.findings if name != checker.name)
            records[i] = record._replace(findings=(*kept, (checker.name, found)) if found else kept)

    def _finish(self) -> None:
        """Totals and the check outcome from the records; stored when the tree is cacheable."""
        assert self._records is not None
        self._totals = _totals(self.files, self._records)
        scan_key = self.scan_key
        if self.checking:
            self._outcome = self._assemble()
        if not self._cacheable or scan_key is None:
            return
        self.store.save(entries.SCAN_TOTALS, scan_key, self._totals)
        state_key = self._state_key()
        if self.checking and self._outcome is not None:
            check_key = self._check_key(scan_key)
            if check_key is not None:
                self.store.save(entries.CHECK_OUTCOME, check_key, self._outcome)
        if state_key is not None:
            state = DerivedState(
                tuple(self._names.names),
                tuple(self._records),
                tuple(self._pass_records.values()),
            )
            self.store.save(entries.CHECK_STATE if self.checking else entries.SCAN_STATE, state_key, state)

    def _assemble(self) -> CheckOutcome:
        """Every pass's findings (but the separate ones'), sorted as files and positions go."""
        assert self._records is not None
        found: list[Violation] = []
        contracts: list[str] = []
        notices: list[str] = []
        for checker in self._passes:
            if isinstance(checker, FilePass):
                prepared = self._prepared.get(checker.name)
                if prepared is None and checker.name not in self._prepared:
                    prepared = self._prepare(checker, self._records)
                if prepared is None:
                    continue
                contracts += checker.contracts(self)
                found += prepared.whole
                self._pass_records[checker.name] = PassRecord(checker.name, summary=prepared.summary)
                for record in self._records:
                    for name, violations in record.findings:
                        if name == checker.name:
                            found += violations
            elif not checker.separate:
                outcome = checker.run(self, self._pass_records.get(checker.name))
                if outcome is None:
                    continue
                self._pass_records[checker.name] = outcome.record
                found += outcome.violations
                contracts += outcome.contracts
                notices += outcome.notices
        found.sort(key=lambda v: (v.path, v.line, v.column, v.code))
        return CheckOutcome(found, contracts, notices)

    def _note_findings(self, violations: Sequence[Violation]) -> None:
        by_path: dict[str, list[Violation]] = {}
        for v in violations:
            by_path.setdefault(v.path, []).append(v)
        now = {path: tuple(found) for path, found in by_path.items()}
        before = self._findings_by_path or {}
        self._changed_paths = {p for p in now.keys() | before.keys() if now.get(p) != before.get(p)}
        self._findings_by_path = now

    # ---- check inputs ----------------------------------------------------------------------------

    def _inputs(self) -> _CheckInputs:
        if self._check_inputs is None:
            self._check_inputs = _CheckInputs.read(self)
        return self._check_inputs


@dataclass
class _CheckInputs:
    """What a check reads besides the tree: concept contracts, the import-linter configuration."""

    declared: list[ConceptContract]  # contracts/ (or --contracts)
    config_path: Path | None
    importlinter: Any  # LazyConfig, or None
    identity: Any  # the configuration's cache identity (None: a plugin type, never cached)
    engine: Engine
    _concepts: list[ConceptContract] | None = None

    @classmethod
    def read(cls, engine: Engine) -> _CheckInputs:
        from archguard.adapters.importlinter_bridge.importlinter_runner import find_config_file
        from archguard.adapters.importlinter_bridge.lazy_config import LazyConfig, package_locations
        from archguard.app import load_concept_contracts

        options, root = engine.options, engine.root
        # where the rules are read from: ROOT, or a commit's own (history --config-at-commit)
        rules_root = options.config_root or root
        config_path = find_config_file(rules_root, options.importlinter_config)
        declared = load_concept_contracts(options, rules_root)
        config = None
        if config_path is not None:
            libraries = checker_versions()
            locations = package_locations()
            config = LazyConfig(
                config_path,
                root,
                engine.store,  # type: ignore[arg-type]
                lambda text: keys.importlinter_identity(
                    str(config_path), str(root), text, libraries, locations
                ),
            )
        identity = config.cache_identity() if config is not None else ("none",)
        return cls(declared, config_path, config, identity, engine)

    @property
    def concepts(self) -> list[ConceptContract]:
        """contracts/'s and the import-linter configuration's (``type = canonical``): a concept
        declared in both is run once, as contracts/ declares it."""
        if self._concepts is None:
            from_config: Sequence[ConceptContract] = ()
            if self.importlinter is not None:
                from_config = self.importlinter.concept_contracts
            declared = {c.canonical for c in self.declared}
            self._concepts = self.declared + [c for c in from_config if c.canonical not in declared]
        return self._concepts


class _Lookup(Mapping[str, tuple[bytes, FileFacts | None]]):
    """A mapping answered by a function (the facts a parent engine held, for a commit's engine)."""

    def __init__(self, get: Any) -> None:
        self._get = get

    def __getitem__(self, path: str) -> tuple[bytes, FileFacts | None]:
        return cast("tuple[bytes, FileFacts | None]", self._get(path))

    def get(self, path: str, default: Any = None) -> Any:
        return self._get(path)

    def __iter__(self) -> Any:
        return iter(())

    def __len__(self) -> int:
        return 0


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


def _import_digest(file_facts: FileFacts) -> bytes:
    """A digest of one file's import facts as the graph and import-linter's findings read them:
    the grimp graph (and so every import-linter contract) is a function of the files and these."""
    plain = [
        (f.kind.value, f.module, f.name, f.level, f.line, f.column, f.statement, f.type_checking)
        for f in file_facts.imports
    ]
    return hashlib.blake2b(
        marshal.dumps(plain, 0), digest_size=16
    ).digest()  # version 0: no refs, see keys.digest
