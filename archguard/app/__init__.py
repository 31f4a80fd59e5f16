"""Use cases (``scan``, ``check``, ``baseline``): the composition root that wires adapters to analysis.

Every use case runs on the engine (``app/engine.py``): one tree's facts and derived results, kept
current incrementally, cached through one store (``app/store.py``, keys in ``app/keys.py``). One
module per further command sits beside this one (``archguard.app.<command>``); each builds on
:func:`scan_workspace` (or :func:`open_engine`) and :class:`Options` here.

The CLI only parses options into :class:`Options` (``app/options.py``) and renders what these
functions return.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from archguard.adapters.project_files import baseline_file, contract_files
from archguard.adapters.project_files.git_listing import GitListing
from archguard.adapters.project_files.safe_io import is_inside
from archguard.analysis.baseline import carry_annotations
from archguard.app.options import Options
from archguard.domain.contracts import ConceptContract
from archguard.domain.errors import ConfigError
from archguard.domain.findings import Severity
from archguard.domain.result import CheckResult, ScanResult

if TYPE_CHECKING:  # imported where used: a warm scan needs neither grimp nor import-linter, and
    # importing them would cost a seventh of such a scan of 10,000 files
    import grimp

    from archguard.analysis.symbols import SymbolTable
    from archguard.app.engine import Engine
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
    def scan_key(self) -> bytes | None:
        """The scan's results key (None: results derived from this scan are not cached): use cases
        that cache more on top of the scan key their entries with it (``app/keys.py``)."""
        return self.engine.scan_key


def run_scan(options: Options, progress: Progress | None = None) -> ScanResult:
    return scan_workspace(options, progress).scan


def scan_workspace(
    options: Options, progress: Progress | None = None, *, listing: GitListing | bool | None = True
) -> Workspace:
    """``listing``: git's listing of ROOT made already this run (True: make it here)."""
    from archguard.app.engine import Engine

    return Workspace(Engine.open(None, options, progress=progress, listing=listing, checking=False))


def open_engine(
    options: Options, progress: Progress | None = None, *, listing: GitListing | bool | None = True
) -> Engine:
    """The engine a check (and what goes on from a check: ``report``) runs on."""
    from archguard.app.engine import Engine

    return Engine.open(None, options, progress=progress, listing=listing)


def run_check(
    options: Options, progress: Progress | None = None, *, workspace: Workspace | None = None
) -> CheckResult:
    """``workspace``: a scan of ``options`` made already (``report`` shares one with discover)."""
    engine = workspace.engine if workspace is not None else open_engine(options, progress)
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
    entries = carry_annotations(entries, previous, dict(options.baseline_annotations))
    baseline_file.write_baseline(options.baseline, entries)
    known = [replace(v, baselined=v.severity is Severity.ERROR) for v in result.violations]
    return replace(result, violations=known, notices=notices)


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
