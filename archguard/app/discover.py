"""``archguard discover``: fragmentation found with no configuration (docs/discover.md).

Builds on :func:`archguard.app.scan_workspace`: the facts and symbol table ``check`` uses, then
the pure analysis in ``archguard.analysis.discover``; only the copy analysis reads files again,
and only the few it names.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from archguard.adapters import git_history
from archguard.adapters.cache.entries import CHURN, DISCOVER, DiscoverDerived
from archguard.adapters.copy_sources import list_backup_files, read_texts
from archguard.adapters.project_files.entry_points import declared_entry_points
from archguard.analysis.discover.copies import CopyPair, judge_copies, merge_plans, plan_named_copies
from archguard.analysis.discover.hotspots import with_churn
from archguard.analysis.discover.shims import keep_entry_points
from archguard.analysis.members import cluster_members
from archguard.app import Options, Progress, Workspace, keys, scan_workspace
from archguard.app.passes.base import PiecePass
from archguard.app.passes.discover import (
    DISCOVER_PASSES,
    DefinitionsPass,
    EdgesPass,
    InterfaceTallyPass,
    ShimsPass,
    SignaturePass,
    UsesPass,
    pieces_of,
)
from archguard.domain.discovery import Cluster, Cycle, DiscoveryResult, Shim
from archguard.domain.errors import ConfigError

if TYPE_CHECKING:  # the whole-tree steps (networkx's graphs) load only when discover derives again
    from archguard.analysis.discover.modules import ModuleGraphs
    from archguard.app.store import Store

CHURN_SINCE = "90 days ago"  # the default churn window (--since)


def run_discover(
    options: Options,
    progress: Progress | None = None,
    *,
    canonical: Mapping[str, str] | None = None,
    workspace: Workspace | None = None,
    churn_since: str | None = CHURN_SINCE,
    findings: Mapping[str, int] | None = None,
) -> DiscoveryResult:
    """``canonical``: cluster name (or the suggested ``module:Name``) -> the canonical path to use
    instead of the most-used one. ``workspace``: a scan of ``options`` made already (``report``
    shares one with check). ``churn_since``: the window whose commits weigh hotspots (None: no
    churn; outside git: none). ``findings``: path -> findings that weigh hotspots (default: the
    dangling imports; ``report`` gives the check's violations)."""
    if workspace is None:
        workspace = discover_workspace(options, progress)
    scan = workspace.scan
    root = Path(scan.root)
    overrides = dict(canonical or {})
    scan_key = workspace.scan_key
    key = keys.discover(scan_key, overrides) if scan_key is not None else None
    derived = workspace.store.cached(DISCOVER, key, lambda: _analyse(workspace, overrides))
    clusters, shims, cycles, hotspots, content_pairs, importers_by_path, interfaces = derived
    _check_overrides(overrides, clusters)
    # after the cache: churn moves with time, not with the files, and the findings are the caller's
    if findings is None:
        findings = Counter(d.path for d in scan.dangling)
    churn = _churn(workspace.store, root, churn_since) if churn_since else None
    hotspots = with_churn(hotspots, findings, churn.commits if churn else {}, churn.lines if churn else {})
    if scan.layout.is_workspace:  # which members each concept spans (docs/monorepos.md)
        clusters = [replace(c, members=cluster_members(c, scan.layout)) for c in clusters]
    shims = keep_entry_points(shims, declared_entry_points(root))  # read each run: not in the facts
    named = plan_named_copies(scan.files, list_backup_files(root, options.excludes), importers_by_path)
    pairs = merge_plans(named, [CopyPair(*p) for p in content_pairs])
    texts = read_texts(root, sorted({p for pair in pairs for p in (pair.path, pair.live)}))
    return DiscoveryResult(
        scan=scan,
        clusters=clusters,
        shims=shims,
        copies=judge_copies(pairs, texts),
        cycles=cycles,
        hotspots=hotspots,
        interfaces=interfaces,
        duration_s=time.perf_counter() - workspace.started,
    )


def _churn(store: Store, root: Path, since: str) -> git_history.Churn | None:
    """git's churn of the window (``git_history.churn``: every change of every commit in it, a
    diff of each file's content), kept in the store under the list of the window's commits, which
    git gives without reading a file: the same commits, the same churn. Kept only when the window
    held the same commits before and after the churn was counted (a commit made meanwhile, or one
    the window's start passed, would make the kept churn another window's)."""
    window = git_history.churn_window(root, since)
    if window is None:
        return git_history.churn(root, since)
    key = keys.churn(since, window)
    found = store.load(CHURN, key)
    if found is not None:
        return git_history.Churn(since, *found)
    churn = git_history.churn(root, since)
    if churn is not None and git_history.churn_window(root, since) == window:
        store.save(CHURN, key, (churn.commits, churn.lines))
    return churn


def discover_workspace(options: Options, progress: Progress | None = None) -> Workspace:
    """The scan discover runs on: its engine keeps discover's per-file work file by file
    (``passes/discover.py``), so the next run after an edit derives only what the edit reaches."""
    return scan_workspace(options, progress, passes=DISCOVER_PASSES, state="discover")


def _check_overrides(overrides: Mapping[str, str], clusters: list[Cluster]) -> None:
    """A ``--canonical`` that names no cluster, or a path the cluster is not reached by, is a
    usage error (exit 2), not a draft that ``check`` would later reject."""
    for concept, target in overrides.items():
        # Keyed by the cluster's name, or by its suggested module:Name (then already applied).
        cluster = next(
            (c for c in clusters if c.name == concept or (":" in concept and c.canonical == target)), None
        )
        if cluster is None:
            known = ", ".join(c.name for c in clusters[:10]) or "none"
            raise ConfigError(f"--canonical {concept}={target}: no cluster named {concept!r} (top: {known})")
        if target not in {p.target for p in cluster.access_paths}:
            paths = ", ".join(p.target for p in cluster.access_paths[:8])
            raise ConfigError(
                f"--canonical {concept}={target}: not a path to this concept; its paths: {paths}"
            )


def module_structure(workspace: Workspace) -> tuple[ModuleGraphs, list[Shim], list[Cycle]]:
    """The module graphs, the shims and the import cycles of a tree (what ``history`` keeps of
    discover for every commit, without the clusters)."""
    from archguard.analysis.discover.cycles import find_cycles
    from archguard.analysis.discover.modules import build_module_graphs
    from archguard.analysis.discover.shims import find_shims

    scan, table = workspace.scan, workspace.table
    graphs = build_module_graphs(scan.files, scan.facts, _pieces(workspace, EdgesPass))
    shims = find_shims(table, scan.files, scan.facts, graphs.importer_files, _pieces(workspace, ShimsPass))
    return graphs, shims, find_cycles(graphs.runtime)


def _analyse(workspace: Workspace, canonical: Mapping[str, str]) -> DiscoverDerived:
    """Everything discover derives from the facts alone (what the results cache keeps): the
    whole-tree steps, on each file's pieces (kept per file by discover's engine)."""
    from archguard.analysis.discover.candidates import find_clusters
    from archguard.analysis.discover.copies import plan_content_copies
    from archguard.analysis.discover.hotspots import find_hotspots
    from archguard.analysis.discover.modules import module_imports
    from archguard.analysis.interfaces import candidates_from_tallies

    scan, table = workspace.scan, workspace.table
    graphs, shims, cycles = module_structure(workspace)
    clusters = find_clusters(
        table,
        scan.files,
        module_imports=module_imports(graphs),
        shim_modules=frozenset(s.module for s in shims),
        canonical_overrides=canonical,
        uses_by_file=_pieces(workspace, UsesPass),
        definitions_by_file=_pieces(workspace, DefinitionsPass),
    )
    hotspots = find_hotspots(graphs.all, graphs.paths, graphs.importer_files, clusters, shims, cycles)
    importers_by_path = {
        graphs.paths[m]: len(files) for m, files in graphs.importer_files.items() if m in graphs.paths
    }
    content_pairs = [
        (p.path, p.live, p.by_name)
        for p in plan_content_copies(
            scan.files, scan.facts, importers_by_path, _pieces(workspace, SignaturePass)
        )
    ]
    interfaces = candidates_from_tallies(table, _pieces(workspace, InterfaceTallyPass), scan.facts)
    return clusters, shims, cycles, hotspots, content_pairs, importers_by_path, interfaces


def _pieces(workspace: Workspace, checker: type[PiecePass]) -> list[Any]:
    """Every file's pieces of a discover pass: kept by the engine when it runs the pass (discover's
    own), else computed here by the same functions (``report`` runs discover on check's engine)."""
    engine = workspace.engine
    if engine.runs_pass(checker.name):
        return engine.pieces(checker.name)
    return pieces_of(checker(), engine)


def write_contract_drafts(
    result: DiscoveryResult, folder: Path, *, top: int, interfaces: bool = True
) -> list[str]:
    """One draft concept contract per top cluster and (``interfaces``) one draft interface
    contract per package that declares ``__all__`` and is reached into, into ``folder``; an
    existing file is never replaced. Returns one line per draft saying what was done."""
    from archguard.adapters.project_files.draft_files import write_new_file
    from archguard.reporting.contract_drafts import (
        draft_file_name,
        interface_draft_file_name,
        render_contract_draft,
        render_interface_draft,
    )

    drafts = [(draft_file_name(c), render_contract_draft(c)) for c in result.clusters[:top]]
    if interfaces:
        drafts += [(interface_draft_file_name(i), render_interface_draft(i)) for i in result.interfaces]
    lines = []
    for name, text in drafts:
        path = folder / name
        if write_new_file(path, text, root=Path(result.scan.root)):
            lines.append(f"wrote {path}")
        else:
            lines.append(f"kept {path} (exists)")
    return lines
