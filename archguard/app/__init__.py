"""Use cases (``scan``, ``check``, ``baseline``): the composition root that wires adapters to analysis.

Every use case runs on the engine (``app/engine.py``): one tree's facts and derived results, kept
current incrementally, cached through one store (``app/store.py``, keys in ``app/keys.py``). One
module per further command sits beside this one (``archguard.app.<command>``); each builds on
:func:`scan_workspace` (or :func:`open_engine`) and :class:`Options` here.

The CLI only parses options into :class:`Options` (``app/options.py``) and renders what these
functions return.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from archguard.adapters.project_files import baseline_file
from archguard.adapters.project_files.git_listing import GitListing
from archguard.analysis.baseline import carry_annotations, migrate_entries
from archguard.app.baseline import holder
from archguard.app.options import Options
from archguard.app.preflight import Preflight, load_contracts
from archguard.domain.errors import ConfigError
from archguard.domain.findings import Severity
from archguard.domain.result import CheckResult, ScanResult

if TYPE_CHECKING:  # imported where used: a warm scan needs neither grimp nor import-linter, and
    # importing them would cost a seventh of such a scan of 10,000 files
    import grimp

    from archguard.analysis.symbols import SymbolTable
    from archguard.app.engine import Engine
    from archguard.app.passes.base import PiecePass
    from archguard.app.store import Store

Progress = Callable[[int, int], None]


class Workspace:
    """A finished scan and what the analysis derives from it, for use cases that go on from it
    (``discover``, ``report``, ``fix``, the golden path): a view of the engine
    (``app/engine.py``), which builds the symbol table and the graph on first use and caches what
    is derived through its store."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.started = engine.started  # perf_counter() when the scan began: check's duration counts from here

    @cached_property
    def scan(self) -> ScanResult:
        return self.engine.scan_result()

    @property
    def table(self) -> SymbolTable:
        return self.engine.table

    @property
    def graph(self) -> grimp.ImportGraph:
        return self.engine.graph

    @property
    def store(self) -> Store:
        return self.engine.store

    @property
    def preflight(self) -> Preflight | None:
        """The check's configuration, validated before the scan (app/preflight.py)."""
        return self.engine.preflight

    @property
    def scan_key(self) -> bytes | None:
        """The scan's results key (None: results derived from this scan are not cached): use cases
        that cache more on top of the scan key their entries with it (``app/keys.py``)."""
        return self.engine.scan_key


def run_scan(options: Options, progress: Progress | None = None) -> ScanResult:
    return scan_workspace(options, progress).scan


def scan_workspace(
    options: Options,
    progress: Progress | None = None,
    *,
    listing: GitListing | bool | None = True,
    preflight: Preflight | None = None,
    passes: Sequence[type[PiecePass]] = (),
    state: str = "scan",
) -> Workspace:
    """``listing``: git's listing of ROOT made already this run (True: make it here).
    ``preflight``: a check's configuration, validated once the files are listed and before any is
    parsed (``scan`` and ``discover`` check no contracts and pass none). ``passes``, ``state``:
    another command's per-file work, kept per file by the engine (``Engine.open``)."""
    from archguard.app.engine import Engine

    return Workspace(
        Engine.open(
            None,
            options,
            progress=progress,
            listing=listing,
            checking=False,
            preflight=preflight,
            passes=passes,
            state=state,
        )
    )


def open_engine(
    options: Options,
    progress: Progress | None = None,
    *,
    listing: GitListing | bool | None = True,
    preflight: Preflight | None = None,
) -> Engine:
    """The engine a check (and what goes on from a check: ``report``) runs on; its configuration
    (``preflight``, read here when not given) is validated before any file is parsed."""
    from archguard.app.engine import Engine

    return Engine.open(
        None, options, progress=progress, listing=listing, preflight=preflight or Preflight(options)
    )


def run_check(
    options: Options, progress: Progress | None = None, *, workspace: Workspace | None = None
) -> CheckResult:
    """``workspace``: a scan of ``options`` made already (``report`` shares one with discover),
    best opened with a preflight (app/preflight.py)."""
    engine = workspace.engine if workspace is not None else open_engine(options, progress)
    assert engine.checking, "run_check on a scan's workspace: open it with open_engine"
    return engine.results()


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
    contracts = load_contracts(options, Path(result.scan.root))
    held, _ = holder(result.scan, contracts.concepts, contracts.interfaces)(unmatched)
    baseline_file.write_baseline(options.baseline, entries + held, root=options.root)
    known = [v._replace(baselined=v.severity is Severity.ERROR) for v in result.violations]
    return replace(result, violations=known, notices=notices)
