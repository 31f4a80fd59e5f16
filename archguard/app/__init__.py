"""Use cases (``scan``, ``check``, ``baseline``): the composition root that wires adapters to analysis.

One module per further command sits beside this one (``archguard.app.<command>``); each builds on
:func:`scan_workspace` and :class:`Options` here.

The CLI only parses options into :class:`Options` (``app/options.py``) and renders what these
functions return.
"""

from __future__ import annotations

import datetime
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from archguard.adapters.cache.cache_location import (
    check_cache_dir,
    default_cache_dir,
    run_cache_dir,
    trusted_cache_dir,
)
from archguard.adapters.cache.facts_cache import FactsCache
from archguard.adapters.cache.results_cache import ResultsCache

# ``discover`` imported under another name: the submodule archguard.app.discover, once imported,
# becomes the package attribute ``discover`` and would shadow the function.
from archguard.adapters.discovery import DiscoveryError, split_undecodable_names
from archguard.adapters.discovery import discover as discover_files
from archguard.adapters.parsing.syntax_judge import NEWEST_TARGET
from archguard.adapters.project_files import baseline_file
from archguard.adapters.project_files.codeowners_file import read_codeowners
from archguard.adapters.project_files.git_listing import GitListing, list_git_files
from archguard.analysis.baseline import carry_annotations, migrate_entries, settle_baseline
from archguard.analysis.broken_files import CONTRACT as BROKEN_FILES
from archguard.analysis.broken_files import broken_file_findings, held_entries
from archguard.analysis.dangling import CONTRACT as DANGLING_CONTRACT
from archguard.analysis.symbols import SymbolTable
from archguard.app import warm_start
from archguard.app.derivation import Derivation
from archguard.app.golden_path import check_entries
from archguard.app.members import member_dependency_findings
from archguard.app.options import Options
from archguard.app.preflight import Preflight, load_contracts
from archguard.app.warm_start import ScannedLater
from archguard.domain.contracts import ContractSet
from archguard.domain.errors import ConfigError
from archguard.domain.facts import UnreadableFile
from archguard.domain.findings import Severity, Violation
from archguard.domain.golden_path import EntryClosure, is_golden
from archguard.domain.ordering import by_path, by_position
from archguard.domain.result import CheckResult, ScanResult
from archguard.domain.sources import SourceFile

if TYPE_CHECKING:  # imported where used: a warm scan needs neither grimp nor import-linter, and
    # importing them is a large share of such a scan (benchmarks/README.md, "Measurements behind
    # design choices")
    import grimp

    from archguard.adapters.importlinter_bridge.importlinter_runner import ImportLinterConfig
    from archguard.adapters.parsing.scanner import ScanOutput
    from archguard.adapters.parsing.stubs import Stub

Progress = Callable[[int, int], None]


class Workspace:
    """A finished scan and what the analysis derives from it, for use cases that go on from it.
    The symbol table and the graph are built on first use: a scan whose results came from the
    cache needs neither. Everything derived, and its caching, goes through ``derivation``."""

    def __init__(
        self, scan: ScanResult, derivation: Derivation, started: float, preflight: Preflight | None = None
    ) -> None:
        self.scan = scan
        self.derivation = derivation
        self.started = started  # perf_counter() when the scan began: check's duration counts from here
        self.preflight = preflight  # the check's configuration, validated before the scan (app/preflight.py)

    @property
    def table(self) -> SymbolTable:
        return self.derivation.table

    @property
    def graph(self) -> grimp.ImportGraph:
        return self.derivation.graph

    @property
    def results(self) -> ResultsCache:
        return self.derivation.store

    @property
    def results_key(self) -> bytes | None:
        """The scan's results key (None: results derived from this scan are not cached)."""
        return self.derivation.key


def run_scan(options: Options, progress: Progress | None = None) -> ScanResult:
    return scan_workspace(options, progress).scan


def scan_workspace(
    options: Options,
    progress: Progress | None = None,
    *,
    listing: GitListing | bool | None = True,
    preflight: Preflight | None = None,
) -> Workspace:
    """``listing``: git's listing of ROOT made already this run (True: make it here).
    ``preflight``: a check's configuration, validated once the files are listed and before any is
    parsed (``check`` and ``report`` pass one; ``scan`` and ``discover`` check no contracts)."""
    started = time.perf_counter()
    root = options.root.resolve()
    target = options.target or NEWEST_TARGET
    # docs/security.md: where a cache may live, and when it is trusted
    given_cache_dir = None if options.no_cache else options.cache_dir or default_cache_dir(root)
    if listing is True:
        listing = list_git_files(root)
    assert listing is None or isinstance(listing, GitListing)
    start = warm_start.begin(options, root, target, listing, given_cache_dir)  # None: not possible
    recorded = start.recorded() if start is not None else None
    output: ScanOutput | ScannedLater
    if recorded is not None and start is not None:  # nothing changed since a recorded run
        discovery, files, badly_named = recorded.discovery, recorded.files, recorded.badly_named
        assert given_cache_dir is not None
        check_cache_dir(given_cache_dir, root, discovery.files)
        warm_dir = start.cache_dir
        if preflight is not None:
            preflight.before_parse(ResultsCache(warm_dir), files)
        output = start.output(
            recorded, lambda: scan_files(root, files, target=target, cache=FactsCache(warm_dir))
        )
        results_dir: Path | None = warm_dir
    else:
        try:
            discovery = discover_files(
                root,
                packages=options.packages or None,
                excludes=options.excludes,
                listing=listing,
                source_roots=options.source_roots,
            )
        except DiscoveryError as error:
            raise ConfigError(str(error)) from None
        files = discovery.files if options.include_loose else [f for f in discovery.files if not f.loose]
        files, badly_named = split_undecodable_names(files)
        cache_dir = given_cache_dir
        if cache_dir is not None:
            check_cache_dir(cache_dir, root, discovery.files)
            cache_dir = trusted_cache_dir(cache_dir, root, discovery.git_tracked)
        cache_dir = run_cache_dir(cache_dir, root, include_loose=options.include_loose)
        if preflight is not None:
            preflight.before_parse(ResultsCache(cache_dir), files)
        cache = FactsCache(cache_dir)
        output = scan_files(root, files, target=target, cache=cache, jobs=options.jobs, progress=progress)
        if start is not None:
            start.record(cache, discovery, files, badly_named, output)
        # A cache folder that could not be written is warned about once, by the facts cache.
        results_dir = None if cache.unwritable else cache.cache_dir

    unreadable = sorted(
        [
            *output.unreadable,
            *(UnreadableFile(f.path, "file name is not valid UTF-8") for f in badly_named),
        ],
        key=by_path,
    )
    all_files = files + badly_named
    derivation = Derivation(
        ResultsCache(results_dir),
        all_files,
        output.facts,
        output.outcome_digests if output.fully_cached else None,
        native_modules=discovery.native_modules,
        stubs=_read_stubs(root, discovery.stubs),
        target=target,
        packages=discovery.packages,
        unreadable=[u.path for u in unreadable],
    )
    import_edges, dangling = derivation.scan_results()
    scan = ScanResult(
        root=str(root),
        files=all_files,
        facts=output.facts,
        syntax_errors=sorted(output.syntax_errors, key=by_position),
        unreadable=unreadable,
        packages=discovery.packages,
        layout=discovery.layout,
        layout_notes=discovery.notes,
        import_edges=import_edges,
        dangling=dangling,
        duration_s=time.perf_counter() - started,
        cache_hits=output.cache_hits,
    )
    return Workspace(scan, derivation, started, preflight)


def scan_files(*args: Any, **kwargs: Any) -> ScanOutput:
    """The scanner, loaded on first use: a warm start (app/warm_start.py) parses nothing, and
    loading the parser, its worker pool and ruff's glue is a visible share of such a run
    (benchmarks/README.md, "Measurements behind design choices")."""
    from archguard.adapters.parsing.scanner import scan_files as scan

    return scan(*args, **kwargs)


def _read_stubs(root: Path, stubs: list[SourceFile]) -> dict[str, Stub]:
    if not stubs:  # the usual case: the stub reader (and the parser it needs) is not even loaded
        return {}
    from archguard.adapters.parsing.stubs import read_stubs

    return read_stubs(root, stubs)


def run_check(
    options: Options, progress: Progress | None = None, *, workspace: Workspace | None = None
) -> CheckResult:
    """``workspace``: a scan of ``options`` made already (``report`` shares one with discover),
    best with its ``preflight``; the configuration is validated before the scan parses a file."""
    if workspace is None:
        workspace = scan_workspace(options, progress, preflight=Preflight(options))
    preflight = workspace.preflight or Preflight(options)
    scan = workspace.scan
    root = Path(scan.root)
    contracts = preflight.contracts
    # Stands for the loaded configuration, and loads it only if the results are not cached.
    importlinter_config = cast("ImportLinterConfig | None", preflight.importlinter_config(workspace.results))
    derived = workspace.derivation.check_results(contracts, importlinter_config, scan.dangling)
    violations, contracts_run = derived.violations, derived.contracts_run
    # A file that cannot be analysed is a finding too (AG001/AG002: analysis/broken_files.py).
    violations = violations + broken_file_findings(scan.syntax_errors, scan.unreadable)
    contracts_run = [*contracts_run, BROKEN_FILES]
    members = member_dependency_findings(workspace, options.python)  # AG601 (app/members.py)
    violations = violations + members.violations
    contracts_run = contracts_run + members.contracts_run
    golden_path = None
    if options.entries:
        golden, golden_path = check_entries(workspace, options.entries)
        violations = violations + golden
        contracts_run = contracts_run + [closure.contract for closure in golden_path]
    baseline = _BaselineOutcome(violations)
    if options.baseline is not None:
        baseline = _apply_baseline_file(
            violations, options, preflight.baseline or [], _holder(scan, contracts)
        )
    violations = baseline.violations
    if options.golden_only:  # after the baseline, so --update-baseline still sees every finding
        violations = [v for v in violations if is_golden(v)]
        contracts_run = [c.contract for c in golden_path or ()]
    codeowners, owner_notices = read_codeowners(root)
    return CheckResult(
        scan=scan,
        violations=violations,
        stale_baseline_entries=baseline.stale,
        held_baseline_entries=baseline.held,
        expired_baseline_entries=baseline.expired,
        strict_baseline=baseline.strict,
        contracts_run=contracts_run,
        contract_types=_contract_types(contracts_run, contracts, golden_path),
        notices=[*derived.notices, *owner_notices, *members.notices],
        codeowners=codeowners.source if codeowners else None,
        owners=codeowners.owners_map(v.path for v in violations) if codeowners else {},
        duration_s=time.perf_counter() - workspace.started,
        golden_path=golden_path,
    )


def _contract_types(
    names: list[str], contracts: ContractSet, golden_path: list[EntryClosure] | None
) -> dict[str, str]:
    """Where each contract run comes from; a contract that is neither a concept or interface
    contract of the contracts folder, the dangling imports, the files that must be analysable nor
    an entry point's was declared in the import-linter configuration (its own types, and
    archguard's ``canonical`` and ``interface`` there)."""
    known = {c.name: "concept" for c in contracts.concepts}
    known.update({c.name: "interface" for c in contracts.interfaces})
    known.update({closure.contract: "golden-path" for closure in golden_path or ()})
    known[DANGLING_CONTRACT] = "dangling-imports"
    known[BROKEN_FILES] = "analysable-files"
    return {name: known.get(name, "import-linter") for name in names}


def record_baseline(options: Options, progress: Progress | None = None) -> CheckResult:
    """``archguard baseline``: today's failing violations become known ones."""
    assert options.baseline is not None, "baseline needs --baseline FILE (app/options.py checks it)"
    # The file is rewritten whatever it held (as always); what people wrote on the entries of a
    # readable earlier baseline (owner, reason, expires) is carried over.
    try:
        previous, unread = baseline_file.read_baseline(options.baseline), None
    except ConfigError as error:
        previous, unread = [], error
    result = run_check(replace(options, baseline=None), progress)
    notices = result.notices
    if unread is not None:
        notices = [
            *notices,
            f"the earlier baseline was not read, so no owner, reason or expiry was carried over: {unread}",
        ]
    entries = [baseline_file.baseline_entry(v) for v in result.violations if v.severity is Severity.ERROR]
    previous = migrate_entries(result.violations, previous)  # an earlier archguard's entries
    entries = carry_annotations(entries, previous, dict(options.baseline_annotations))
    if options.owner_from_codeowners:
        if result.codeowners is None:
            raise ConfigError(
                "--owner-from-codeowners: ROOT has no CODEOWNERS (.github/, ROOT or docs/) that could be read"
            )
        # An entry without an owner (new, or never given one) gets its file's owners; one that has
        # an owner (carried over, or --owner) keeps it.
        entries = [
            e
            if e.get("owner") or not result.owners.get(e["path"])
            else {**e, "owner": " ".join(result.owners[e["path"]])}
            for e in entries
        ]
    # Entries a broken file may be hiding stay until it parses again (analysis/broken_files.py).
    recorded = {v.fingerprint for v in result.violations}
    unmatched = [e for e in previous if e["fingerprint"] not in recorded]
    held, _ = _holder(result.scan, load_contracts(options, Path(result.scan.root)))(unmatched)
    baseline_file.write_baseline(options.baseline, entries + held, root=options.root)
    known = [replace(v, baselined=v.severity is Severity.ERROR) for v in result.violations]
    return replace(result, violations=known, notices=notices)


@dataclass(frozen=True)
class _BaselineOutcome:
    violations: list[Violation]
    stale: list[dict[str, Any]] = field(default_factory=list)
    expired: list[dict[str, Any]] = field(default_factory=list)
    strict: bool = False
    held: list[dict[str, Any]] = field(default_factory=list)  # kept while a broken file hides them


Holder = Callable[[list[dict[str, Any]]], tuple[list[dict[str, Any]], list[dict[str, Any]]]]


def _holder(scan: ScanResult, contracts: ContractSet) -> Holder:
    """Splits unmatched baseline entries into those a broken file may be hiding and stale ones."""
    broken = {issue.path for issue in scan.syntax_errors} | {file.path for file in scan.unreadable}
    canonical = {concept.name: concept.canonical_module for concept in contracts.concepts}
    canonical.update((interface.name, interface.package) for interface in contracts.interfaces)
    return lambda entries: held_entries(entries, broken, scan.files, scan.facts, canonical)


def _apply_baseline_file(
    violations: list[Violation], options: Options, entries: list[dict[str, Any]], hold: Holder
) -> _BaselineOutcome:
    """Mark known violations (``entries``: the baseline file's, read before the scan); with
    --update-baseline rewrite the file, only ever shrinking it unless --add-new is given; entries a
    broken file may be hiding are kept, neither matched nor stale."""
    assert options.baseline is not None
    settled = settle_baseline(violations, entries, today=datetime.date.today().isoformat())
    held, stale = hold(settled.stale)
    violations, strict = settled.violations, options.strict_baseline
    if options.update_baseline:
        kept = [v for v in violations if v.baselined]
        if options.add_new:
            kept += [v for v in violations if not v.baselined and v.severity is Severity.ERROR]
            violations = [replace(v, baselined=v.severity is Severity.ERROR) for v in violations]
        rewritten = carry_annotations(
            [baseline_file.baseline_entry(v) for v in kept],
            settled.entries,
            dict(options.baseline_annotations),
        )
        baseline_file.write_baseline(options.baseline, rewritten + held, root=options.root)
        strict = False  # the stale entries reported were dropped just now
    return _BaselineOutcome(violations, stale, settled.expired, strict, held)
