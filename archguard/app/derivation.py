"""What a run derives from its scan (``scan``: import edges, dangling imports; ``check``: the
violations), behind the one wrapper that caches it: the use cases ask a :class:`Derivation` and
never build a cache key themselves.

An answer comes one of three ways (docs/scanning.md, "What a warm run re-derives"):

1. **Unchanged tree**: the whole-run result stored under a key naming every file's outcome digest
   (``adapters/cache/results_cache.py``); no facts are decoded, no symbol table is built.
2. **Incremental**: the last run's per-file results (the *state*: each file's dangling imports,
   edge targets and concept findings, and the module names its resolutions consulted, found or
   not) are kept for every file whose own outcome is unchanged and whose consulted modules did not
   change; only the rest is derived again, on a traced :class:`SymbolTable` that decodes just the
   facts it consults. A module "changes" when its file's outcome digest does, and a module name
   (with every dotted prefix of it) when a file appears, disappears, moves or turns package.
3. **Full**: no usable state (first run, other options or archguard version, a plugin contract),
   too many files to re-derive, a lookup that read the whole tree, or a re-export cycle the change
   touches (a cycle's answer depends on which name was asked first: only a run over every file in
   order reproduces it). The state is written afresh.

Both the incremental and the full path run the same per-file functions in the same file order, so
their results are identical (tests/test_incremental.py compares them after random edits).
"""

from __future__ import annotations

import hashlib
import marshal
import os
import sys
from array import array
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache, cached_property
from typing import TYPE_CHECKING, Any

from archguard.adapters.cache.results_cache import (
    ResultsCache,
    decode_binding,
    decode_dangling,
    decode_violation,
    encode_binding,
    encode_dangling,
    encode_violation,
    results_key,
)
from archguard.analysis.concepts import (
    ResolvedConcepts,
    concept_violations_in_file,
    duplicate_definitions,
    resolve_concepts,
    rival_candidates,
    validate_contracts,
)
from archguard.analysis.dangling import dangling_in_file, dangling_violations, with_writes_elsewhere
from archguard.analysis.interfaces import (
    ResolvedInterfaces,
    interface_violations_in_file,
    merged_interfaces,
    resolve_interfaces,
    validate_interfaces,
)
from archguard.analysis.symbols import CONSULTED_CYCLE, CONSULTED_EVERYTHING, SymbolTable
from archguard.domain.contracts import ConceptContract, ContractSet, InterfaceContract
from archguard.domain.facts import Binding, FileFacts
from archguard.domain.findings import Violation, assign_fingerprints
from archguard.domain.import_edges import FileEdges
from archguard.domain.ordering import dangling_order
from archguard.domain.result import DanglingImport
from archguard.domain.sources import SourceFile

if TYPE_CHECKING:
    import grimp

    from archguard.adapters.importlinter_bridge.importlinter_runner import ImportLinterConfig
    from archguard.adapters.parsing.stubs import Stub

# Re-deriving more than this share of the files costs about what a full derivation costs: then
# derive everything (the same result, without the bookkeeping).
FULL_SHARE = 0.5

_ID_SIZE = array("i").itemsize

# (path, module, loose, is_package, outcome digest): what a file contributes to the run.
Identity = tuple[str, str, bool, bool, bytes]


@dataclass(frozen=True)
class CheckOutcome:
    """What ``check`` derives: violations (fingerprinted), contracts run, notices."""

    violations: list[Violation]
    contracts_run: list[str]
    notices: list[str]


class Derivation:
    """The derived results of one scan, cached whole-run and file by file.

    ``digests``: path -> outcome digest of every file whose outcome the facts cache holds; None
    when some outcome is not cached (an unreadable file, a parser crash): then nothing derived
    is cached either, and every derivation is a full one.
    """

    def __init__(
        self,
        store: ResultsCache,
        files: Sequence[SourceFile],
        facts: Mapping[str, FileFacts],
        digests: Mapping[str, bytes] | None,
        *,
        native_modules: Sequence[SourceFile],
        stubs: Mapping[str, Stub],
        target: tuple[int, int],
        packages: Sequence[str],
        unreadable: Sequence[str],
    ) -> None:
        self.store = store
        self.files = files
        self.facts = facts
        self.native_modules = native_modules
        self.stubs = stubs
        self._cached = digests is not None and store.cache_dir is not None
        self._identities: list[Identity] = [
            (f.path, f.module, f.loose, f.is_package, (digests or {}).get(f.path, b"")) for f in files
        ]
        self._context = results_key(
            "scan-context",
            target,
            sys.version_info[:2],
            tuple(packages),
            tuple(sorted((f.path, f.module) for f in native_modules)),
            tuple(sorted((s.file.path, s.digest) for s in stubs.values())),
            tuple(unreadable),
        )
        self.scan_full_derivation = False  # how the last scan_results() was answered, for tests/docs
        self.rederived: int | None = None  # files derived again by the last incremental answer

    # ---- what the analysis runs on ---------------------------------------------------------

    @cached_property
    def key(self) -> bytes | None:
        """The whole-run key of this scan's derived results (None: not cached). Use cases that
        cache more on top of the scan (golden path, discover) build their keys from it."""
        if not self._cached:
            return None
        return results_key("scan", self._context, tuple(self._identities))

    def outcome_digest(self, path: str) -> bytes | None:
        """The digest of a file's cached outcome (None: not cached), for a pass of its own that keeps
        per-file results (app/members.py)."""
        if not self._cached:
            return None
        index = self.__dict__.get("_index_of")
        if index is None:
            index = self.__dict__["_index_of"] = {identity[0]: identity[4] for identity in self._identities}
        return index.get(path)

    @cached_property
    def table(self) -> SymbolTable:
        stubs = {module: (stub.file, stub.facts) for module, stub in self.stubs.items()}
        return SymbolTable(self.files, self.facts, self.native_modules, stubs, traced=self._cached)

    @cached_property
    def graph(self) -> grimp.ImportGraph:
        from archguard.adapters.importlinter_bridge.grimp_graph import build_import_graph

        return build_import_graph(self.files, self.facts)

    def _paths_holding(self, kind: str) -> list[str]:
        holding = getattr(self.facts, "paths_holding", None)
        return list(self.facts) if holding is None else holding(kind)

    def _fresh_table(self) -> None:
        self.__dict__.pop("table", None)

    # ---- scan ---------------------------------------------------------------------------------

    def scan_results(self) -> tuple[int, list[DanglingImport]]:
        """(import edge count, dangling imports)."""
        key = self.key
        if key is not None:
            cached = self.store.load_scan(key)
            if cached is not None:
                return cached
        prior = _ScanState.load(self.store, self._context) if self._cached else None
        state = self._derive_scan(prior)
        edges, dangling = state.totals(self.files)
        # What one module does to another (docs/dangling.md): a pass over the findings left, each
        # run, reading only the files whose facts may hold such a write.
        dangling = with_writes_elsewhere(self.table, dangling, self._paths_holding)
        if key is not None:
            self.store.save_scan(key, edges, dangling)
            self.store.save_state("scan", self._context, state.plain())
        return edges, dangling

    def _derive_scan(self, prior: _ScanState | None) -> _ScanState:
        plan = _plan(prior, self._identities)
        if plan is not None and prior is not None:
            state = self._scan_files(prior, plan)
            if not state.order_sensitive(plan, prior):
                self.rederived = len(plan)
                return state
            self._fresh_table()
        self.scan_full_derivation = True
        self.rederived = None
        return self._scan_files(None, set(range(len(self.files))))

    def _scan_files(self, prior: _ScanState | None, todo: set[int]) -> _ScanState:
        names = _Names(prior.names.names if prior else ())
        edges_of = FileEdges(self.files) if todo else None
        prior_index = prior.index if prior else {}
        state = _ScanState(names, self._identities, [], [], [], set())
        table = self.table
        for i, file in enumerate(self.files):
            if i not in todo:
                j = prior_index[file.path]
                assert prior is not None
                state.targets.append(prior.targets[j])
                state.deps.append(prior.deps[j])
                state.dangling.append(prior.dangling[j])
                continue
            file_facts = self.facts.get(file.path)
            if file_facts is None:
                state.targets.append(b"")
                state.deps.append(b"")
                state.dangling.append(())
                continue
            with table.tracing() as seen:
                found = dangling_in_file(table, file, file_facts)
            assert edges_of is not None
            targets, consulted = edges_of.targets(file, file_facts)
            seen |= consulted
            seen.add(file.module)
            state.fresh.add(i)
            state.targets.append(names.pack(sorted(targets)))
            state.deps.append(names.pack(seen))
            state.dangling.append(tuple(map(encode_dangling, found)))
        return state

    # ---- check ------------------------------------------------------------------------------

    def check_results(
        self,
        contracts: ContractSet,
        importlinter_config: ImportLinterConfig | None,
        dangling: Sequence[DanglingImport],
    ) -> CheckOutcome:
        """The concept and interface contracts, the dangling imports and the user's import-linter
        contracts."""
        identity = importlinter_config.cache_identity() if importlinter_config else ("none",)
        scan_key = self.key
        cacheable = scan_key is not None and identity is not None
        libraries = checker_versions()
        key = context = None
        if cacheable:
            key = results_key("check", scan_key, repr(contracts), identity, libraries)
            cached = self.store.load_check(key)
            if cached is not None:
                return CheckOutcome(*cached)
            context = results_key("check-context", self._context, repr(contracts), identity, libraries)
        prior = _CheckState.load(self.store, context) if context is not None else None
        outcome, state = self._derive_check(
            prior, contracts, importlinter_config, dangling, identity, libraries
        )
        if key is not None and context is not None:
            self.store.save_check(key, outcome.violations, outcome.contracts_run, outcome.notices)
            self.store.save_state("check", context, state.plain())
        return outcome

    def _derive_check(
        self,
        prior: _CheckState | None,
        contracts: ContractSet,
        importlinter_config: ImportLinterConfig | None,
        dangling: Sequence[DanglingImport],
        identity: Any,
        libraries: tuple[str, ...],
    ) -> tuple[CheckOutcome, _CheckState]:
        from archguard.adapters.importlinter_bridge.importlinter_runner import ImportLinterResult, run_config

        import_digests: list[bytes] = []
        importlinter_key = b""
        if importlinter_config is not None:
            import_digests = self._import_digests(prior)
            importlinter_key = results_key(
                "import-linter",
                identity,
                libraries,
                tuple(
                    (i[0], i[1], i[2], i[3], d) for i, d in zip(self._identities, import_digests, strict=True)
                ),
            )
        if importlinter_config is None:
            importlinter = ImportLinterResult(config_path=None)
        elif (
            prior is not None
            and prior.importlinter_key == importlinter_key
            and prior.importlinter is not None
        ):
            importlinter = prior.importlinter_result(importlinter_config)
        else:
            importlinter = run_config(importlinter_config, lambda: self.graph, self.files, self.facts)
        # A concept declared both in contracts/ and in import-linter's config (for plain lint-imports
        # users) is run once, as contracts/ declares it: one concept, one set of findings.
        declared = {c.canonical for c in contracts.concepts}
        concepts = [
            *contracts.concepts,
            *(c for c in importlinter.concept_contracts if c.canonical not in declared),
        ]
        interfaces = merged_interfaces(contracts.interfaces, importlinter.interface_contracts)

        plan = _plan(prior, self._identities)
        attempt = None
        if plan is not None:
            attempt = self._concept_pass(prior, plan, concepts, interfaces)
        if attempt is None:
            if self.rederived is not None or plan is not None:
                # A full concept pass after an incremental scan: replay the scan's pass on a fresh
                # table first, so every name is asked in the order a full run asks it (a re-export
                # cycle's answer depends on that order).
                self._replay_scan_pass()
            attempt = self._concept_pass(None, set(range(len(self.files))), concepts, interfaces)
            assert attempt is not None
        resolved, resolved_interfaces, state, per_file = attempt
        state.import_digests = import_digests
        state.importlinter_key = importlinter_key
        if importlinter_config is not None:
            state.importlinter = (
                tuple(map(encode_violation, importlinter.violations)),
                tuple(importlinter.kept),
                tuple(importlinter.broken),
                tuple(importlinter.warnings),
            )
        found = duplicate_definitions(resolved)
        for plain in per_file:
            found.extend(map(decode_violation, plain))
        violations = assign_fingerprints(
            [
                *(assign_fingerprints(found) if resolved or resolved_interfaces else found),
                *dangling_violations(dangling),
                *importlinter.violations,
            ]
        )
        contracts_run = [
            *(c.name for c in concepts),
            *(c.name for c in interfaces),
            *importlinter.contract_names,
            "dangling-imports",
        ]
        notices = [f"{importlinter.config_path}: {warning}" for warning in importlinter.warnings]
        return CheckOutcome(violations, contracts_run, notices), state

    def _concept_pass(
        self,
        prior: _CheckState | None,
        todo: set[int],
        concepts: list[ConceptContract],
        interface_contracts: list[InterfaceContract],
    ) -> tuple[ResolvedConcepts, ResolvedInterfaces, _CheckState, list[tuple]] | None:
        """Concept and interface findings per file: derived for ``todo``, the rest taken from
        ``prior``. None when that cannot give a full run's answer (the contracts' whole-tree part
        changed, a cycle is touched)."""
        validate_contracts(self.table, concepts)
        validate_interfaces(self.table, interface_contracts)
        candidates = self._rival_candidates(prior, concepts)
        table = self.table
        resolved = resolve_concepts(
            table,
            concepts,
            (
                (file.module, binding)
                for file, found in zip(self.files, candidates, strict=True)
                if found and table.file_of(file.module) is file
                for binding in found
            ),
        )
        interfaces = resolve_interfaces(table, interface_contracts)
        summary = resolved.summary + (interfaces.summary if interfaces else "")
        if prior is not None and prior.summary != summary:
            return None  # every file's findings may change
        state = _CheckState(_Names(prior.names.names if prior else ()), self._identities)
        state.summary = summary
        state.candidates = [tuple(map(encode_binding, c)) for c in candidates]
        names = state.names
        prior_index = prior.index if prior else {}
        per_file: list[tuple] = []
        for i, file in enumerate(self.files):
            if i not in todo:
                assert prior is not None
                j = prior_index[file.path]
                state.deps.append(prior.deps[j])
                per_file.append(prior.violations[j])
                continue
            file_facts = self.facts.get(file.path)
            if file_facts is None or not (resolved or interfaces):
                state.deps.append(b"")
                per_file.append(())
                continue
            with table.tracing() as seen:
                found = concept_violations_in_file(table, resolved, file, file_facts)
                found += interface_violations_in_file(table, interfaces, file, file_facts)
            seen.add(file.module)
            state.fresh.add(i)
            state.deps.append(names.pack(seen))
            per_file.append(tuple(map(encode_violation, found)))
        state.violations = per_file
        if prior is not None and state.order_sensitive(todo, prior):
            return None
        return resolved, interfaces, state, per_file

    def _replay_scan_pass(self) -> None:
        self._fresh_table()
        table = self.table
        for file in self.files:
            file_facts = self.facts.get(file.path)
            if file_facts is not None:
                dangling_in_file(table, file, file_facts)

    def _import_digests(self, prior: _CheckState | None) -> list[bytes]:
        """Per file, a digest of its import facts: the grimp graph (and so every import-linter
        contract) is a function of the files and these alone."""
        unchanged = prior.unchanged(self._identities) if prior and prior.import_digests else {}
        digests = []
        for identity in self._identities:
            j = unchanged.get(identity[0])
            if j is not None:
                assert prior is not None
                digests.append(prior.import_digests[j])
                continue
            file_facts = self.facts.get(identity[0])
            if file_facts is None:
                digests.append(b"-")
                continue
            # what the graph and import-linter's findings read of an import
            plain = [
                (f.kind.value, f.module, f.name, f.level, f.line, f.column, f.statement, f.type_checking)
                for f in file_facts.imports
            ]
            digests.append(hashlib.blake2b(marshal.dumps(plain), digest_size=16).digest())
        return digests

    def _rival_candidates(
        self, prior: _CheckState | None, concepts: list[ConceptContract]
    ) -> list[list[Binding]]:
        unchanged = prior.unchanged(self._identities) if prior else {}
        out: list[list[Binding]] = []
        for identity in self._identities:
            j = unchanged.get(identity[0])
            if j is not None:
                assert prior is not None
                out.append([decode_binding(b) for b in prior.candidates[j]])
                continue
            file_facts = self.facts.get(identity[0])
            out.append(rival_candidates(concepts, file_facts) if file_facts is not None and concepts else [])
        return out


# ---- the per-file state -----------------------------------------------------------------------


class _Names:
    """Module names interned as small integers: a state stores each file's consulted names as
    packed integers, a few bytes a name instead of the name."""

    def __init__(self, names: Iterable[str]) -> None:
        self.names = list(names)
        self.ids = {name: i for i, name in enumerate(self.names)}

    def pack(self, names: Iterable[str]) -> bytes:
        ids = self.ids
        out = array("i")
        for name in names:
            i = ids.get(name)
            if i is None:
                i = ids[name] = len(self.names)
                self.names.append(name)
            out.append(i)
        return out.tobytes()

    def unpack(self, packed: bytes) -> list[str]:
        ids = array("i")
        ids.frombytes(packed)
        return [self.names[i] for i in ids]


class _FileState:
    """What both states share: the files of the run they describe and, per file, the consulted
    module names (packed)."""

    def __init__(self, names: _Names, identities: Sequence[Identity]) -> None:
        self.names = names
        self.identities = list(identities)
        self.deps: list[bytes] = []
        self.fresh: set[int] = set()  # files derived in this run (their traces are new)

    @cached_property
    def index(self) -> dict[str, int]:
        return {identity[0]: j for j, identity in enumerate(self.identities)}

    def unchanged(self, now: Sequence[Identity]) -> dict[str, int]:
        """path -> index here, for files of ``now`` whose identity is the same here."""
        index = self.index
        out = {}
        for identity in now:
            j = index.get(identity[0])
            if j is not None and self.identities[j] == identity:
                out[identity[0]] = j
        return out

    def ids(self, j: int) -> memoryview:
        return memoryview(self.deps[j]).cast("i")

    def order_sensitive(self, plan: set[int], prior: _FileState) -> bool:
        """A file derived again whose answers went through a re-export cycle, now or last time:
        a cycle's answer depends on which of its names was asked first, so only a pass over every
        file in order reproduces it. (A file that meets a cycle freshly, by a name an unchanged
        file had asked first in the full run, meets the cycle guard itself: its new trace says so.)"""
        cycle = self.names.ids.get(CONSULTED_CYCLE)
        if cycle is None:
            return False
        for i in plan:
            if cycle in self.ids(i):
                return True
            j = prior.index.get(self.identities[i][0])
            if j is not None and cycle in prior.ids(j):
                return True
        return False


class _ScanState(_FileState):
    def __init__(
        self,
        names: _Names,
        identities: Sequence[Identity],
        targets: list[bytes],
        deps: list[bytes],
        dangling: list[tuple],
        fresh: set[int],
    ) -> None:
        super().__init__(names, identities)
        self.targets = targets
        self.deps = deps
        self.dangling = dangling
        self.fresh = fresh

    def totals(self, files: Sequence[SourceFile]) -> tuple[int, list[DanglingImport]]:
        """(distinct importer/imported module pairs, every dangling import sorted)."""
        # Each file's targets are distinct already: only modules with several files (a package
        # beside a module of its name, loose files) need their targets merged.
        by_module: dict[str, list[bytes]] = {}
        dangling: list[DanglingImport] = []
        for file, targets, found in zip(files, self.targets, self.dangling, strict=True):
            if targets:
                by_module.setdefault(file.module, []).append(targets)
            if found:
                dangling.extend(map(decode_dangling, found))
        edges = 0
        for packed in by_module.values():
            if len(packed) == 1:
                edges += len(packed[0]) // _ID_SIZE
            else:
                edges += len({i for targets in packed for i in memoryview(targets).cast("i")})
        dangling.sort(key=dangling_order)
        return edges, dangling

    def plain(self) -> tuple:
        return (
            tuple(self.names.names),
            tuple(self.identities),
            tuple(self.targets),
            tuple(self.deps),
            tuple(self.dangling),
        )

    @classmethod
    def load(cls, store: ResultsCache, context: bytes) -> _ScanState | None:
        plain = store.load_state("scan", context)
        try:
            names, identities, targets, deps, dangling = plain
            state = cls(
                _Names(names),
                [tuple(i) for i in identities],
                list(targets),
                list(deps),
                list(dangling),
                set(),
            )
            if not len(state.identities) == len(state.targets) == len(state.deps) == len(state.dangling):
                return None
            return state
        except (TypeError, ValueError):  # None (a miss), or a payload of another shape
            return None


class _CheckState(_FileState):
    def __init__(self, names: _Names, identities: Sequence[Identity]) -> None:
        super().__init__(names, identities)
        self.violations: list[tuple] = []
        self.candidates: list[tuple] = []
        self.import_digests: list[bytes] = []
        self.summary = ""
        self.importlinter_key = b""
        self.importlinter: tuple | None = None

    def importlinter_result(self, config: ImportLinterConfig) -> Any:
        from archguard.adapters.importlinter_bridge.importlinter_runner import ImportLinterResult

        assert self.importlinter is not None
        violations, kept, broken, warnings = self.importlinter
        return ImportLinterResult(
            config_path=config.display_path,
            violations=[decode_violation(v) for v in violations],
            kept=list(kept),
            broken=list(broken),
            concept_contracts=list(config.concept_contracts),
            interface_contracts=list(config.interface_contracts),
            warnings=list(warnings),
        )

    def plain(self) -> tuple:
        return (
            tuple(self.names.names),
            tuple(self.identities),
            tuple(self.deps),
            tuple(self.violations),
            tuple(self.candidates),
            tuple(self.import_digests),
            self.summary,
            self.importlinter_key,
            self.importlinter,
        )

    @classmethod
    def load(cls, store: ResultsCache, context: bytes) -> _CheckState | None:
        plain = store.load_state("check", context)
        try:
            names, identities, deps, violations, candidates, digests, summary, il_key, il = plain
            state = cls(_Names(names), [tuple(i) for i in identities])
            state.deps, state.violations, state.candidates = list(deps), list(violations), list(candidates)
            state.import_digests, state.summary, state.importlinter_key = list(digests), str(summary), il_key
            state.importlinter = il
            n = len(state.identities)
            if not n == len(state.deps) == len(state.violations) == len(state.candidates):
                return None
            if digests and len(digests) != n:
                return None
            return state
        except (TypeError, ValueError):
            return None


def _plan(prior: _FileState | None, now: Sequence[Identity]) -> set[int] | None:
    """Indexes of the files of ``now`` to derive again, or None: derive everything."""
    if prior is None or not prior.identities:
        return None
    index = prior.index
    changed: set[str] = set()
    moved: list[str] = []  # modules that appeared, disappeared or changed kind
    todo: set[int] = set()
    seen_paths = set()
    for i, identity in enumerate(now):
        path = identity[0]
        seen_paths.add(path)
        j = index.get(path)
        old = prior.identities[j] if j is not None else None
        if old != identity:
            todo.add(i)
            _changed_modules(old, identity, changed, moved)
    for old in prior.identities:
        if old[0] not in seen_paths:
            _changed_modules(old, None, changed, moved)
    if moved:
        changed |= _existence_changes(moved, prior.identities, now)
    ids = prior.names.ids
    changed_ids = {ids[name] for name in changed if name in ids}
    everything = ids.get(CONSULTED_EVERYTHING)
    if everything is not None:
        changed_ids.add(everything)
    if changed_ids:
        for i, identity in enumerate(now):
            if i in todo:
                continue
            j = index[identity[0]]
            if not changed_ids.isdisjoint(prior.ids(j)):
                todo.add(i)
    if len(todo) > FULL_SHARE * max(len(now), 1):
        return None
    return todo


def _changed_modules(old: Identity | None, new: Identity | None, changed: set[str], moved: list[str]) -> None:
    """A changed file changes the answers for its module; one that appears, disappears or changes
    kind (loose, package) may change the existence of the names above it too (see below)."""
    kind_changed = old is None or new is None or old[1:4] != new[1:4]
    for identity in (old, new):
        if identity is not None:
            changed.add(identity[1])
            if kind_changed:
                moved.append(identity[1])


def _existence_changes(moved: list[str], old: Sequence[Identity], new: Sequence[Identity]) -> set[str]:
    """The dotted prefixes of moved modules whose standing changed: a name that is a module or a
    namespace folder in one run and not in the other, or a top-level name that stopped or started
    making its modules internal. (A prefix that stays a namespace, like ``pkg`` when a module is
    added under it, changes nothing: the answers that consulted it stand.)"""
    prefixes = {".".join(parts[:k]) for m in moved for parts in [m.split(".")] for k in range(1, len(parts))}
    if not prefixes:
        return set()

    def standing(identities: Sequence[Identity]) -> dict[str, tuple[bool, bool, bool]]:
        exists: set[str] = set()
        roots: set[str] = set()
        all_roots: set[str] = set()
        for _, module, loose, _, _ in identities:
            parts = module.split(".")
            all_roots.add(parts[0])
            if not loose:
                roots.add(parts[0])
            exists.update(".".join(parts[:k]) for k in range(1, len(parts) + 1))
        return {p: (p in exists, p in roots, p in all_roots) for p in prefixes}

    before, after = standing(old), standing(new)
    return {p for p in prefixes if before[p] != after[p]}


@cache
def checker_versions() -> tuple[str, ...]:
    """The installed import-linter and grimp: results they checked are not reused by others."""
    return _version("import-linter", "importlinter"), _version("grimp", "grimp")


def _version(distribution: str, module: str) -> str:
    """The version in the name of the ``.dist-info`` folder beside the installed module (PEP 376),
    found without importing either; else as importlib.metadata reads it, which scans every
    distribution on sys.path (a tenth of a warm check's start)."""
    import importlib.util

    spec = importlib.util.find_spec(module)
    for folder in (spec.submodule_search_locations or []) if spec is not None else []:
        site = os.path.dirname(folder)
        prefix = distribution.replace("-", "_").lower() + "-"
        try:
            found = [name for name in os.listdir(site) if name.lower().startswith(prefix)]
        except OSError:
            break
        infos = [name for name in found if name.endswith(".dist-info")]
        if len(infos) == 1:
            return infos[0][len(prefix) : -len(".dist-info")]
        break
    from importlib import metadata

    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "unknown"
