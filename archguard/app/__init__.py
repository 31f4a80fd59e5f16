"""Use cases (``scan``, ``check``, ``baseline``): the composition root that wires adapters to analysis.

One module per further command sits beside this one (``archguard.app.<command>``); each builds on
:func:`scan_workspace` and :class:`Options` here.

The CLI only parses options into :class:`Options` and renders what these functions return.
"""

from __future__ import annotations

import datetime
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import cached_property
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING

from archguard.adapters.cache.cache_location import check_cache_dir, default_cache_dir, trusted_cache_dir
from archguard.adapters.cache.facts_cache import FactsCache
from archguard.adapters.cache.results_cache import ResultsCache, results_key

# ``discover`` imported under another name: the submodule archguard.app.discover, once imported,
# becomes the package attribute ``discover`` and would shadow the function.
from archguard.adapters.discovery import DiscoveryError, split_undecodable_names
from archguard.adapters.discovery import discover as discover_files
from archguard.adapters.importlinter_bridge.grimp_graph import count_import_edges
from archguard.adapters.parsing.scanner import ScanOutput, scan_files
from archguard.adapters.parsing.stubs import Stub, read_stubs
from archguard.adapters.parsing.syntax_judge import NEWEST_TARGET
from archguard.adapters.project_files import baseline_file, contract_files
from archguard.adapters.project_files.safe_io import is_inside, require_inside
from archguard.analysis.baseline import carry_annotations, settle_baseline
from archguard.analysis.concepts import check_concepts, validate_contracts
from archguard.analysis.dangling import dangling_violations, find_dangling
from archguard.analysis.symbols import SymbolTable
from archguard.app.golden_path import check_entries
from archguard.domain.contracts import ConceptContract
from archguard.domain.errors import ConfigError
from archguard.domain.facts import UnreadableFile
from archguard.domain.findings import Severity, Violation, assign_fingerprints
from archguard.domain.golden_path import is_golden
from archguard.domain.ordering import by_path, by_position
from archguard.domain.result import CheckResult, ScanResult
from archguard.domain.sources import SourceFile

if TYPE_CHECKING:  # imported where used: a warm scan needs neither grimp nor import-linter, and
    # importing them would cost a seventh of such a scan of 10,000 files
    import grimp

    from archguard.adapters.importlinter_bridge.importlinter_runner import ImportLinterConfig

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Options:
    root: Path
    packages: tuple[str, ...] = ()
    excludes: tuple[str, ...] = ()
    target: tuple[int, int] | None = None  # None: the newest grammar the syntax judge knows
    contracts_dir: Path | None = None  # None: ROOT/contracts when it exists
    importlinter_config: Path | None = None  # None: ROOT's .importlinter/setup.cfg/pyproject.toml
    cache_dir: Path | None = None  # None: ROOT/.archguard_cache
    no_cache: bool = False
    include_loose: bool = True  # False: only files of regular packages (what import-linter sees)
    jobs: int | None = None
    baseline: Path | None = None
    update_baseline: bool = False
    add_new: bool = False
    strict_baseline: bool = False  # stale baseline entries fail the run
    # ``baseline --owner/--reason/--expires``: written on entries new to the baseline
    baseline_annotations: tuple[tuple[str, str], ...] = ()
    entries: tuple[str, ...] = ()  # golden path entry points: module names or paths (app/golden_path.py)
    golden_only: bool = False  # report only the entry points' golden-path findings


class Workspace:
    """A finished scan and what the analysis derives from it, for use cases that go on from it.
    The symbol table and the graph are built on first use: a scan whose results came from the
    cache needs neither."""

    def __init__(
        self,
        scan: ScanResult,
        native_modules: Sequence[SourceFile],
        started: float,
        results: ResultsCache,
        stubs: dict[str, Stub] | None = None,
    ) -> None:
        self.scan = scan
        self.native_modules = native_modules
        self.stubs = stubs or {}  # module -> the .pyi beside it
        self.started = started  # perf_counter() when the scan began: check's duration counts from here
        self.results = results
        self.results_key: bytes | None = None  # None: results derived from this scan are not cached

    @cached_property
    def table(self) -> SymbolTable:
        stubs = {module: (stub.file, stub.facts) for module, stub in self.stubs.items()}
        return SymbolTable(self.scan.files, self.scan.facts, self.native_modules, stubs)

    @cached_property
    def graph(self) -> grimp.ImportGraph:
        from archguard.adapters.importlinter_bridge.grimp_graph import build_import_graph

        return build_import_graph(self.scan.files, self.scan.facts)


def run_scan(options: Options, progress: Progress | None = None) -> ScanResult:
    return scan_workspace(options, progress).scan


def scan_workspace(
    options: Options, progress: Progress | None = None, *, graph_wanted: bool = False
) -> Workspace:
    """``graph_wanted``: the caller will build the grimp graph anyway (it runs import-linter
    contracts), so the scan counts edges on it rather than counting them on its own."""
    started = time.perf_counter()
    root = options.root.resolve()
    try:
        discovery = discover_files(root, packages=options.packages or None, excludes=options.excludes)
    except DiscoveryError as error:
        raise ConfigError(str(error)) from None
    files = discovery.files if options.include_loose else [f for f in discovery.files if not f.loose]
    files, badly_named = split_undecodable_names(files)
    cache_dir: Path | None = None
    if not options.no_cache:  # docs/security.md: where a cache may live, and when it is trusted
        cache_dir = options.cache_dir or default_cache_dir(root)
        check_cache_dir(cache_dir, root, discovery.files)
        cache_dir = trusted_cache_dir(cache_dir, root, discovery.git_tracked)
    if cache_dir is not None and not options.include_loose:
        # A packages-only run (CanonicalContract under lint-imports) keeps its own cache file: a
        # cache keeps only the files its last run saw, so sharing would evict the loose files.
        cache_dir = cache_dir / "packages-only"
        if is_inside(cache_dir.parent, root):  # a planted symlink there must not lead out of ROOT
            require_inside(cache_dir, root, what="cache folder", source=str(cache_dir))
    cache = FactsCache(cache_dir)
    target = options.target or NEWEST_TARGET
    output = scan_files(root, files, target=target, cache=cache, jobs=options.jobs, progress=progress)

    unreadable = [
        *output.unreadable,
        *(UnreadableFile(f.path, "file name is not valid UTF-8") for f in badly_named),
    ]
    scan = ScanResult(
        root=str(root),
        files=files + badly_named,
        facts=output.facts,
        syntax_errors=sorted(output.syntax_errors, key=by_position),
        unreadable=sorted(unreadable, key=by_path),
        packages=discovery.packages,
        cache_hits=output.cache_hits,
    )
    # A cache folder that could not be written is warned about once, by the facts cache.
    results = ResultsCache(None if cache.unwritable else cache.cache_dir)
    workspace = Workspace(scan, discovery.native_modules, started, results, read_stubs(root, discovery.stubs))
    _derive_scan_results(workspace, output, target, graph_wanted)
    scan.duration_s = time.perf_counter() - started
    return workspace


def _derive_scan_results(
    workspace: Workspace, output: ScanOutput, target: tuple[int, int], graph_wanted: bool
) -> None:
    """Import edges and dangling imports: from the results cache when no input has changed."""
    scan, results = workspace.scan, workspace.results
    key = None
    if output.fully_cached:
        key = workspace.results_key = results_key(
            "scan",
            target,
            sys.version_info[:2],
            tuple(scan.packages),
            tuple(sorted((f.path, f.module) for f in workspace.native_modules)),
            tuple(sorted((s.file.path, s.digest) for s in workspace.stubs.values())),
            tuple(
                (f.path, f.module, f.loose, f.is_package, output.outcome_digests[f.path])
                for f in scan.files
                if f.path in output.outcome_digests
            ),
            tuple(u.path for u in scan.unreadable),
        )
        cached = results.load_scan(key)
        if cached is not None:
            scan.import_edges, scan.dangling = cached
            return
    if graph_wanted:
        scan.import_edges = workspace.graph.count_imports()
    else:  # a plain scan needs no grimp graph
        scan.import_edges = count_import_edges(scan.files, scan.facts)
    scan.dangling = find_dangling(workspace.table, scan.files, scan.facts)
    if key is not None:
        results.save_scan(key, scan.import_edges, scan.dangling)


def run_check(
    options: Options, progress: Progress | None = None, *, workspace: Workspace | None = None
) -> CheckResult:
    """``workspace``: a scan of ``options`` made already (``report`` shares one with discover)."""
    from archguard.adapters.importlinter_bridge.importlinter_runner import find_config_file, load_config

    config_path = find_config_file(options.root.resolve(), options.importlinter_config)
    if workspace is None:
        workspace = scan_workspace(options, progress, graph_wanted=config_path is not None)
    scan = workspace.scan
    root = Path(scan.root)
    concepts = load_concept_contracts(options, root)
    importlinter_config = load_config(config_path, root=root) if config_path else None

    key = _check_key(workspace, concepts, importlinter_config)
    cached = workspace.results.load_check(key) if key else None
    if cached is None:
        cached = _check(workspace, concepts, importlinter_config)
        if key:
            workspace.results.save_check(key, *cached)
    violations, contracts_run, notices = cached
    result = CheckResult(scan=scan, violations=violations, contracts_run=contracts_run, notices=notices)
    if options.entries:
        golden, result.golden_path = check_entries(workspace, options.entries)
        result.violations = violations + golden
        result.contracts_run = contracts_run + [closure.contract for closure in result.golden_path]
    if options.baseline is not None:
        _apply_baseline_file(result, options)
    if options.golden_only:  # after the baseline, so --update-baseline still sees every finding
        result.violations = [v for v in result.violations if is_golden(v)]
        result.contracts_run = [c.contract for c in result.golden_path or ()]
    result.duration_s = time.perf_counter() - workspace.started
    return result


def _check(
    workspace: Workspace, concepts: list[ConceptContract], importlinter_config: ImportLinterConfig | None
) -> tuple[list[Violation], list[str], list[str]]:
    """(violations, contracts run, notices) of the concept contracts, the dangling imports and the
    user's import-linter contracts."""
    from archguard.adapters.importlinter_bridge.importlinter_runner import ImportLinterResult, run_config

    scan = workspace.scan
    if importlinter_config is None:
        importlinter = ImportLinterResult(config_path=None)
    else:
        importlinter = run_config(importlinter_config, lambda: workspace.graph, scan.files, scan.facts)
    # A concept declared both in contracts/ and in import-linter's config (for plain lint-imports
    # users) is run once, as contracts/ declares it: one concept, one set of findings.
    declared = {c.canonical for c in concepts}
    concepts = concepts + [c for c in importlinter.concept_contracts if c.canonical not in declared]
    validate_contracts(workspace.table, concepts)
    violations = assign_fingerprints(
        [
            *check_concepts(workspace.table, scan.files, scan.facts, concepts),
            *dangling_violations(scan.dangling),
            *importlinter.violations,
        ]
    )
    contracts_run = [c.name for c in concepts] + importlinter.contract_names + ["dangling-imports"]
    notices = [f"{importlinter.config_path}: {warning}" for warning in importlinter.warnings]
    return violations, contracts_run, notices


def _check_key(
    workspace: Workspace, concepts: list[ConceptContract], importlinter_config: ImportLinterConfig | None
) -> bytes | None:
    """The check's results key: the scan's, plus every contract and the versions of the libraries
    that check some of them. None: do not cache."""
    identity = importlinter_config.cache_identity() if importlinter_config else ("none",)
    if workspace.results_key is None or identity is None:
        return None
    libraries = tuple(_version(name) for name in ("import-linter", "grimp"))
    return results_key("check", workspace.results_key, repr(concepts), identity, libraries)


def _version(distribution: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "unknown"


def record_baseline(options: Options, progress: Progress | None = None) -> CheckResult:
    """``archguard baseline``: today's failing violations become known ones."""
    if options.baseline is None:
        raise ConfigError("baseline needs --baseline FILE")
    # The file is rewritten whatever it held (as always); what people wrote on the entries of a
    # readable earlier baseline (owner, reason, expires) is carried over.
    try:
        previous, unread = baseline_file.read_baseline(options.baseline), None
    except ConfigError as error:
        previous, unread = [], error
    result = run_check(replace(options, baseline=None), progress)
    if unread is not None:
        result.notices.append(
            f"the earlier baseline was not read, so no owner, reason or expiry was carried over: {unread}"
        )
    entries = [baseline_file.baseline_entry(v) for v in result.violations if v.severity is Severity.ERROR]
    entries = carry_annotations(entries, previous, dict(options.baseline_annotations))
    baseline_file.write_baseline(options.baseline, entries)
    result.violations = [replace(v, baselined=v.severity is Severity.ERROR) for v in result.violations]
    return result


def load_concept_contracts(options: Options, root: Path) -> list[ConceptContract]:
    folder = options.contracts_dir
    if folder is None:
        folder = root / "contracts"
        if not folder.is_symlink() and not folder.is_dir():
            return []
    elif not folder.is_dir():
        raise ConfigError(f"contracts folder not found: {folder}")
    # The tree's own folder (the default, or any inside ROOT) must not lead out of ROOT; a folder
    # elsewhere was given on the command line, which may point anywhere.
    inside = options.contracts_dir is None or is_inside(folder.parent, root)
    return contract_files.load_contracts(folder, display_root=root, confine_to=root if inside else None)


def _apply_baseline_file(result: CheckResult, options: Options) -> None:
    """Mark known violations; with --update-baseline rewrite the file, only ever shrinking it
    unless --add-new is given."""
    assert options.baseline is not None
    entries = baseline_file.read_baseline(options.baseline)
    settled = settle_baseline(result.violations, entries, today=datetime.date.today().isoformat())
    result.violations = settled.violations
    result.stale_baseline_entries = settled.stale
    result.expired_baseline_entries = settled.expired
    result.strict_baseline = options.strict_baseline
    if options.update_baseline:
        kept = [v for v in result.violations if v.baselined]
        if options.add_new:
            kept += [v for v in result.violations if not v.baselined and v.severity is Severity.ERROR]
            result.violations = [
                replace(v, baselined=v.severity is Severity.ERROR) for v in result.violations
            ]
        rewritten = carry_annotations(
            [baseline_file.baseline_entry(v) for v in kept], entries, dict(options.baseline_annotations)
        )
        baseline_file.write_baseline(options.baseline, rewritten)
        result.strict_baseline = False  # the stale entries reported were dropped just now
