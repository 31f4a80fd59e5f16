"""``archguard history``: one row of figures per first-parent commit of a range, each commit analysed
straight from git's objects (docs/history.md).

The walk runs on the engine (``app/engine.py``): the oldest commit is opened from its blobs
(``Engine.open_at_commit``: no checkout, the working tree never read), every later one is derived
from the one before (``engine.at_commit``): only the files a commit changed are parsed (and only
once ever: outcomes are cached by blob id), only what they reach is derived again. A row is what
``check --no-cache`` (and discover's cycles and shims) says on a checkout of that commit.

Today's contracts and configuration apply to every commit; ``--config-at-commit`` takes each
commit's own (:mod:`archguard.app.commit_config`). Rows are cached by commit id under a key naming
the rules they were judged by, so a second run over the same range reads them back.
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, replace
from itertools import pairwise
from typing import TYPE_CHECKING, Any

from archguard.adapters import git_history
from archguard.adapters.cache.entries import HISTORY_ROWS, TREE_STRUCTURE
from archguard.adapters.project_files.codeowners_file import codeowners_identity
from archguard.adapters.project_files.commit_links import LINK_MODE
from archguard.adapters.project_files.git_objects import changes_between
from archguard.adapters.project_files.safe_git import configuration_read_once
from archguard.app import Options, Progress, keys
from archguard.app.passes.structure import StructurePass
from archguard.app.tree import parse_ahead
from archguard.domain.errors import ConfigError
from archguard.domain.history import (
    ROW_SUMMARY_KEYS,
    Architecture,
    HistoryResult,
    HistoryRow,
    package_edges,
)
from archguard.reporting.summary import summarize

if TYPE_CHECKING:
    from archguard.adapters.project_files.git_objects import TreeEntry
    from archguard.analysis.discover.structure import ModuleStructure
    from archguard.app.commit_config import CommitConfigs
    from archguard.app.engine import Engine
    from archguard.domain.derived import FileIdentity
    from archguard.domain.sources import SourceLayout

DEFAULT_COMMITS = 100  # no --revs, --since or --max-count: the last 100 first-parent commits of HEAD


@dataclass(frozen=True)
class HistoryOptions:
    revs: str | None = None
    since: str | None = None
    max_count: int | None = None
    config_at_commit: bool = False


def architecture_of(
    engine: Engine,
    *,
    clusters: bool = False,
    structure: ModuleStructure | None = None,
    stored: bool = False,
) -> Architecture:
    """What history and diff compare of one tree: the check's result, the imports between modules,
    the cycles and the shims (and discover's clusters, for ``clusters``). ``structure``: the
    structure of the tree analysed before (history's previous commit, diff's other side), patched
    to this one: only the files that differ are read (a new one when None). ``stored``: what is
    found besides the check's result is read from the store under the tree's key (every file's
    outcome, its context), or kept there once found (``diff``: a pull request's two trees are
    diffed again at every push); ``structure`` is then not patched when it is read. Each file's
    share of the structure and clusters is read from what ``check`` keeps of it in the engine's
    records (``passes/structure.py``) where the engine has them or a state to derive them from
    (a warm check's); else from the file's facts."""
    check = engine.results()
    scan_key = engine.scan_key if stored else None
    key = keys.tree_structure(scan_key) if scan_key is not None else None
    if key is not None:
        kept = engine.store.load(TREE_STRUCTURE, key)
        if kept is not None and (kept[3] is not None or not clusters):
            return Architecture(check, kept[0], kept[1], kept[2], kept[3] if clusters else None)
    if structure is None:
        from archguard.analysis.discover.structure import ModuleStructure

        structure = ModuleStructure()
    # what check keeps of each file for this (passes/structure.py), where the engine has it or can
    # derive it from a state (a warm check's): then no file's facts are decoded for it
    pieces = engine.kept_pieces(StructurePass.name)
    structure.update(engine.table, engine.files, engine.facts, engine.tree.digests, pieces)
    found = None
    if clusters:
        from archguard.analysis.discover.candidates import find_clusters, resolve_uses, uses_in_file
        from archguard.analysis.discover.defined import definitions_in_file

        scan = check.scan
        table, facts = engine.table, scan.facts
        uses: list[Any] = []
        definitions: list[Any] = []
        for f in scan.files:
            # a file without a kept piece (no facts, or none kept: a check outside git) is read
            piece = pieces.get(f.path) if pieces is not None else None
            if piece:  # (passes/structure.py: import sites, may be a shim, definitions, imported names)
                _, _, defined, imported = piece
                uses.append(resolve_uses(table, f, imported))
                definitions.append(defined)
            elif (file_facts := facts.get(f.path)) is not None:
                uses.append(uses_in_file(table, f, file_facts))
                definitions.append(definitions_in_file(f, file_facts))
            else:
                uses.append(())
                definitions.append(())
        found = find_clusters(
            table,
            scan.files,
            module_imports=structure.module_imports(),
            shim_modules=frozenset(s.module for s in structure.shims),
            uses_by_file=uses,
            definitions_by_file=definitions,
        )
    if key is not None:
        engine.store.save(
            TREE_STRUCTURE, key, (structure.module_edges, structure.cycles, structure.shims, found)
        )
    return Architecture(check, structure.module_edges, structure.cycles, structure.shims, found)


def row_of(commit: git_history.CommitInfo, figures: HistoryRow) -> HistoryRow:
    """The row of ``commit``: ``figures`` (:func:`figures_of` its tree) with the commit's own."""
    return replace(
        figures, commit=commit.sha, date=commit.date, subject=commit.subject, merge=commit.is_merge
    )


def figures_of(architecture: Architecture) -> HistoryRow:
    """A row's figures, without its commit (the same for every commit whose tree is the same)."""
    check = architecture.check
    summary = summarize(check)
    by_contract = Counter(dict.fromkeys(check.contracts_run, 0))
    by_contract.update(v.contract for v in check.violations)
    by_owner = Counter(owner for v in check.violations for owner in check.owners.get(v.path, ()))
    return HistoryRow(
        commit="",
        date="",
        subject="",
        summary={key: int(summary[key]) for key in ROW_SUMMARY_KEYS},
        by_contract=dict(sorted(by_contract.items())),
        cycles=len(architecture.cycles),
        shims=len(architecture.shims),
        cross_package_edges=sum(package_edges(architecture.module_edges).values()),
        merge=False,
        by_owner=dict(sorted(by_owner.items())),
    )


def run_history(
    options: Options,
    history: HistoryOptions,
    progress: Progress | None = None,
    *,
    given: Mapping[str, Any] | None = None,
) -> HistoryResult:
    """``given``: the options as the caller gave them (before ``[tool.archguard]``), which win
    over each commit's own configuration under ``--config-at-commit``."""
    from archguard.app.commit_config import CommitConfigs

    started = time.perf_counter()
    root = options.root.resolve()
    max_count = history.max_count
    if max_count is None and history.revs is None and history.since is None:
        max_count = DEFAULT_COMMITS
    walk = git_history.first_parent_commits(root, history.revs, since=history.since, max_count=max_count)
    result = HistoryResult(
        root=str(root),
        revs=walk.revs,
        rows=[],
        clone=walk.clone.describe(),
        config_at_commit=history.config_at_commit,
        notes=list(walk.notes),
    )
    if not walk.commits:
        return result
    configs = CommitConfigs(options, given or {}) if history.config_at_commit else None
    try:
        with configuration_read_once():  # the repository's configuration read once, not per git call
            _walk(result, walk, options, history, configs, progress)
    finally:
        if configs is not None:
            configs.close()
    result.notes += _submodule_notes(root, walk.commits[-1].sha)
    result.duration_s = time.perf_counter() - started
    return result


def _walk(
    result: HistoryResult,
    walk: git_history.CommitRange,
    options: Options,
    history: HistoryOptions,
    configs: CommitConfigs | None,
    progress: Progress | None,
) -> None:
    from archguard.app.engine import Engine

    first = walk.commits[0].sha
    # Opened at the first commit (its files listed, nothing derived yet): the rules it reads key
    # the rows, and a walk that finds every row cached derives nothing at all.
    engine = Engine.open_at_commit(configs.options_at(first) if configs else options, first)
    derived = False  # has ``engine`` derived its results (may a later commit be derived from it)?
    # the last commit analysed: its tree (Engine.tree_identity), its figures
    previous: tuple[tuple[tuple[bytes, list[FileIdentity]], SourceLayout | None], HistoryRow] | None = None
    from archguard.analysis.discover.structure import ModuleStructure

    structure = ModuleStructure()  # its module structure, patched from commit to commit
    rows_key = _rows_key(engine, options, history.config_at_commit)
    cached: dict[str, HistoryRow] = (engine.store.load(HISTORY_ROWS, rows_key) or {}) if rows_key else {}
    changes = _read_ahead(engine, walk, cached)
    # saved now, while nothing is derived yet (the save holds the cache twice over): the walk
    # then parses nothing new, and the save at its end has nothing to write
    engine.store.blob_facts(engine.tree.target).save()
    for done, commit in enumerate(walk.commits):
        hit = cached.get(commit.sha)
        if hit is not None:
            result.rows.append(hit)
            result.cached_rows += 1
        else:
            try:
                commit_options = configs.options_at(commit.sha) if configs is not None else options
                if not derived or (configs is not None and configs.changed):
                    # nothing to continue from, or other rules: this commit afresh
                    if getattr(engine, "commit", None) != commit.sha or derived:
                        engine = Engine.open_at_commit(commit_options, commit.sha, store=engine.store)
                else:
                    # from the commit before's engine what differs is known already (_read_ahead)
                    pair = changes.get(commit.sha)
                    known = (
                        pair[1] if pair is not None and pair[0] == getattr(engine, "commit", None) else None
                    )
                    engine = engine.at_commit(commit.sha, changes=known)
                derived = True
                # with each commit's own configuration, its workspace's members (read from its
                # files, not the tree's modules) can change while the modules do not
                identity = (
                    engine.tree_identity,
                    engine.tree.discovery.layout if configs is not None else None,
                )
                if previous is None or identity != previous[0] or (configs is not None and configs.changed):
                    previous = (identity, figures_of(architecture_of(engine, structure=structure)))
                # else: the same files with the same outcomes as the commit before (a change to a
                # comment, a function body, a file that is no module): the same figures
                row = row_of(commit, previous[1])
            except ConfigError as error:
                if configs is None:
                    raise  # today's rules are broken: exit 2, as check
                # a checkout of this commit would stop at its configuration: no row, said why
                result.notes.append(f"commit {commit.sha[:10]} has no row: its configuration {error}")
                derived, previous = False, None
                continue
            result.rows.append(row)
            cached[commit.sha] = row
        if progress is not None:
            progress(done + 1, len(walk.commits))
    engine.store.blob_facts(engine.tree.target).save()
    if rows_key is not None and result.cached_rows < len(result.rows):
        engine.store.save(HISTORY_ROWS, rows_key, cached)


def _read_ahead(
    engine: Engine, walk: git_history.CommitRange, cached: Mapping[str, HistoryRow]
) -> dict[str, tuple[str, list[tuple[str, TreeEntry | None]]]]:
    """What each commit to analyse changed since the commit before it (commit -> (the commit
    before, its changes)), asked of git in one go; and the new blobs among them parsed, all at
    once, into the blob cache (when there is one): the walk then calls git for nothing but what it
    cannot know."""
    commits = walk.commits
    pairs = [
        (before.sha, commit.sha)
        for before, commit in pairwise(commits)
        if commit.sha not in cached and commit.parents[:1] == (before.sha,)
    ]
    found = {}
    wanted: list[tuple[str, str]] = []
    for (before, sha), changes in zip(pairs, changes_between(engine.root, pairs), strict=True):
        if changes is None:
            continue
        found[sha] = (before, changes)
        wanted += [  # a link's blob is its target's path, never parsed (Tree.at_commit resolves it)
            (path, entry.blob)
            for path, entry in changes
            if entry is not None and path.endswith(".py") and entry.mode != LINK_MODE
        ]
    if wanted and engine.store.enabled:  # (--no-cache keeps no outcome: each commit parses its own)
        parse_ahead(engine.options, engine.store, engine.tree.target, wanted)
    return found


def _rows_key(engine: Engine, options: Options, config_at_commit: bool) -> bytes | None:
    """What every row depends on besides its commit: the rules (today's, or "each commit's own")
    and the options that shape the analysis; None when rows must not be kept (no cache, or an
    import-linter plugin whose code can change unseen)."""
    if not engine.store.enabled:
        return None
    rules: Any = "each commit's own"
    if not config_at_commit:
        identity = engine.importlinter_identity
        if identity is None:
            return None
        baseline = b""
        if options.baseline is not None:
            try:
                baseline = options.baseline.read_bytes()
            except OSError:
                baseline = b"unreadable"
        # today's workspace configuration (members, what each declares, Pants' roots) too: read
        # from the working tree for every commit, as the first commit's discovery read it
        from archguard.adapters.discovery import config_read

        workspace = sorted(config_read(engine.tree.discovery.probes).items())
        rules = (repr(list(engine.concepts)), repr(list(engine.interfaces)), identity, baseline, workspace)
    # each row's by_owner comes from today's CODEOWNERS, or with the commit's own rules its own
    owners: Any = "each commit's own" if config_at_commit else codeowners_identity(engine.root)
    return keys.history_rows(
        (rules, owners),
        engine.libraries,
        (
            tuple(options.packages),
            tuple(options.excludes),
            tuple(options.source_roots),
            options.target,
            options.include_loose,
            tuple(options.entries),
            options.golden_only,
            options.strict_baseline,
        ),
        sys.version_info[:2],
    )


def _submodule_notes(root: Any, sha: str) -> list[str]:
    found = git_history.submodules_at(root, sha)
    if not found:
        return []
    shown = ", ".join(found[:5]) + (" ..." if len(found) > 5 else "")
    return [
        f"{len(found)} submodule{'s' if len(found) != 1 else ''} ({shown}): other repositories, "
        "not analysed (as a checkout without `git submodule update` has them)"
    ]


def history_options(values: Any) -> HistoryOptions:
    return HistoryOptions(
        revs=values.get("revs"),
        since=values.get("since"),
        max_count=values.get("max_count"),
        config_at_commit=bool(values.get("config_at_commit")),
    )


__all__ = ["HistoryOptions", "architecture_of", "row_of", "run_history"]
