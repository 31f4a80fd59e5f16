"""Use cases (``scan``, ``check``, ``baseline``): the composition root that wires adapters to analysis.

The CLI only parses options into :class:`Options` and renders what these functions return.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import grimp

from archguard.adapters import baseline_file, contract_files
from archguard.adapters.config_errors import ConfigError
from archguard.adapters.discovery import DiscoveryError, discover, split_undecodable_names
from archguard.adapters.facts_cache import FactsCache
from archguard.adapters.grimp_graph import build_import_graph
from archguard.adapters.importlinter_runner import run_importlinter_contracts
from archguard.adapters.scanner import scan_files
from archguard.adapters.syntax_judge import NEWEST_TARGET
from archguard.analysis.baseline import apply_baseline
from archguard.analysis.concepts import check_concepts, validate_contracts
from archguard.analysis.dangling import dangling_violations, find_dangling
from archguard.analysis.symbols import SymbolTable
from archguard.domain.contracts import ConceptContract
from archguard.domain.facts import UnreadableFile
from archguard.domain.findings import Severity, assign_fingerprints
from archguard.domain.result import CheckResult, ScanResult

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


@dataclass
class Workspace:
    """A finished scan and what the analysis derives from it, for use cases that go on from it."""

    scan: ScanResult
    table: SymbolTable
    graph: grimp.ImportGraph
    started: float  # perf_counter() when the scan began: check's duration counts from here


def run_scan(options: Options, progress: Progress | None = None) -> ScanResult:
    return scan_workspace(options, progress).scan


def scan_workspace(options: Options, progress: Progress | None = None) -> Workspace:
    started = time.perf_counter()
    root = options.root.resolve()
    try:
        discovery = discover(root, packages=options.packages or None, excludes=options.excludes)
    except DiscoveryError as error:
        raise ConfigError(str(error)) from None
    files = discovery.files if options.include_loose else [f for f in discovery.files if not f.loose]
    files, badly_named = split_undecodable_names(files)
    cache_dir = options.cache_dir or root / ".archguard_cache"
    if not options.include_loose:
        # A packages-only run (CanonicalContract under lint-imports) keeps its own cache file: a
        # cache keeps only the files its last run saw, so sharing would evict the loose files.
        cache_dir = cache_dir / "packages-only"
    cache = FactsCache(None if options.no_cache else cache_dir)
    output = scan_files(
        root, files, target=options.target or NEWEST_TARGET, cache=cache, jobs=options.jobs,
        progress=progress,
    )

    # Hundreds of thousands of facts live until the process ends and form no cycles: move them out
    # of the cyclic collector's sight, so the analysis does not pay for rescanning them.
    gc.freeze()
    facts = {path: o.facts for path, o in output.outcomes.items() if o.facts is not None}
    syntax_errors = sorted(
        (o.syntax_error for o in output.outcomes.values() if o.syntax_error is not None),
        key=lambda issue: issue.path,
    )
    unreadable = sorted(
        [
            *(o.unreadable for o in output.outcomes.values() if o.unreadable is not None),
            *(UnreadableFile(f.path, "file name is not valid UTF-8") for f in badly_named),
        ],
        key=lambda u: u.path,
    )
    table = SymbolTable(files, facts, discovery.native_modules)
    graph = build_import_graph(files, facts)
    scan = ScanResult(
        root=str(root),
        files=files + badly_named,
        facts=facts,
        syntax_errors=syntax_errors,
        unreadable=unreadable,
        packages=discovery.packages,
        import_edges=graph.count_imports(),
        dangling=find_dangling(table, files, facts),
        cache_hits=output.cache_hits,
    )
    scan.duration_s = time.perf_counter() - started
    return Workspace(scan=scan, table=table, graph=graph, started=started)


def run_check(options: Options, progress: Progress | None = None) -> CheckResult:
    workspace = scan_workspace(options, progress)
    scan, table = workspace.scan, workspace.table
    root = Path(scan.root)

    concepts = load_concept_contracts(options, root)
    importlinter = run_importlinter_contracts(
        root, workspace.graph, scan.files, config=options.importlinter_config, facts=scan.facts
    )
    # A concept declared both in contracts/ and in import-linter's config (for plain lint-imports
    # users) is run once, as contracts/ declares it: one concept, one set of findings.
    declared = {c.canonical for c in concepts}
    concepts += [c for c in importlinter.concept_contracts if c.canonical not in declared]
    problems = validate_contracts(table, concepts)
    if problems:
        raise ConfigError("; ".join(problems))

    violations = assign_fingerprints(
        [
            *check_concepts(table, scan.files, scan.facts, concepts),
            *dangling_violations(scan.dangling),
            *importlinter.violations,
        ]
    )
    result = CheckResult(
        scan=scan,
        violations=violations,
        contracts_run=[c.name for c in concepts] + importlinter.contract_names + ["dangling-imports"],
        notices=[f"{importlinter.config_path}: {warning}" for warning in importlinter.warnings],
    )
    if options.baseline is not None:
        _apply_baseline_file(result, options)
    result.duration_s = time.perf_counter() - workspace.started
    return result


def record_baseline(options: Options, progress: Progress | None = None) -> CheckResult:
    """``archguard baseline``: today's failing violations become known ones."""
    if options.baseline is None:
        raise ConfigError("baseline needs --baseline FILE")
    result = run_check(replace(options, baseline=None), progress)
    entries = [
        baseline_file.baseline_entry(v) for v in result.violations if v.severity is Severity.ERROR
    ]
    baseline_file.write_baseline(options.baseline, entries)
    result.violations = [replace(v, baselined=v.severity is Severity.ERROR) for v in result.violations]
    return result


def load_concept_contracts(options: Options, root: Path) -> list[ConceptContract]:
    folder = options.contracts_dir
    if folder is None:
        folder = root / "contracts"
        if not folder.is_dir():
            return []
    elif not folder.is_dir():
        raise ConfigError(f"contracts folder not found: {folder}")
    return contract_files.load_contracts(folder, display_root=root)


def _apply_baseline_file(result: CheckResult, options: Options) -> None:
    """Mark known violations; with --update-baseline rewrite the file, only ever shrinking it
    unless --add-new is given."""
    assert options.baseline is not None
    entries = baseline_file.read_baseline(options.baseline)
    result.violations, result.stale_baseline_entries = apply_baseline(result.violations, entries)
    if options.update_baseline:
        kept = [v for v in result.violations if v.baselined]
        if options.add_new:
            kept += [v for v in result.violations if not v.baselined and v.severity is Severity.ERROR]
            result.violations = [replace(v, baselined=v.severity is Severity.ERROR) for v in result.violations]
        baseline_file.write_baseline(options.baseline, [baseline_file.baseline_entry(v) for v in kept])

