"""``check --changed [REV]`` / ``check --staged``: the findings a change is answerable for.

The whole tree is still analysed (warm from the cache, the run costs what a warm check costs): a
removed re-export breaks importers in files the change never touched, and only the whole graph
knows them. What is reported is then narrowed to the changed files and what they cause
(see :mod:`archguard.analysis.changes`).
"""

from __future__ import annotations

from dataclasses import replace

from archguard.adapters import git_changes
from archguard.adapters.cache.entries import REEXPORT_SOURCES
from archguard.adapters.project_files.git_listing import list_git_files
from archguard.adapters.project_files.safe_git import configuration_read_once
from archguard.analysis.changes import ChangeReach, module_of_path, restrict_to_change
from archguard.app import Options, Progress, keys, open_engine, run_check
from archguard.app.preflight import Preflight
from archguard.domain.result import CheckResult
from archguard.domain.sources import SourceFile


def run_changed_check(
    options: Options, rev: str | None, *, staged: bool = False, progress: Progress | None = None
) -> CheckResult:
    # --update-baseline needs the whole tree's violations: app/options.py refuses it with a change
    assert not options.update_baseline, "--update-baseline with --changed/--staged"
    root = options.root.resolve()
    preflight = Preflight(options)  # a bad configuration is exit 2 before git or the scan run
    with configuration_read_once():  # a handful of git calls, one read of its settings
        # one listing for both: what changed, and the scan
        if staged:
            listing = list_git_files(root)
            changed = git_changes.changed_files(root, rev or None, staged=True, listing=listing)
        else:
            listing, changed = git_changes.listing_and_changes(root, rev or None)
    workspace = open_engine(options, progress, listing=listing, preflight=preflight).workspace()
    result = run_check(options, progress, workspace=workspace)
    scan = result.scan
    changed_modules = set()
    if changed:
        module_by_path = {f.path: f.module for f in scan.files}
        roots = _source_roots(scan.files) | {root for member in scan.layout.members for root in member.roots}
        for path in changed:
            module = module_by_path.get(path) or module_of_path(path, roots)  # gone: by its old path
            if module:
                changed_modules.add(module)
    if not changed_modules:  # no module changed: a finding counts only by its own path
        violations = restrict_to_change(result.violations, changed, frozenset())
    else:
        # The re-export steps of earlier runs are reused for every module whose file is as it was
        # then (entries.REEXPORT_SOURCES): after an edit, only the edited modules' facts are read again.
        context, identities = workspace.engine.tree_identity
        # the file a module's facts are read from (its last, as ChangeReach takes them), as it is now
        version = {i.module: tuple(i) for i in identities}
        key = keys.reexport_sources(context) if workspace.scan_key is not None else None
        stored = workspace.store.load(REEXPORT_SOURCES, key) if key is not None else None
        known = {
            module: targets
            for module, (made_of, targets) in (stored or {}).items()
            if version.get(module, ()) == made_of
        }
        affected = ChangeReach(changed_modules, scan.files, scan.facts, known)
        violations = restrict_to_change(result.violations, changed, affected)
        if key is not None and (affected.learned or len(known) != len(stored or {})):
            workspace.store.save(
                REEXPORT_SOURCES,
                key,
                {module: (version.get(module, ()), targets) for module, targets in affected.sources.items()},
            )
    kept = {v.fingerprint for v in violations}
    return replace(
        result,
        violations=violations,
        expired_baseline_entries=[e for e in result.expired_baseline_entries if e["fingerprint"] in kept],
        stale_baseline_entries=[e for e in result.stale_baseline_entries if e.get("path") in changed],
        changed_files=sorted(changed),
    )


def _source_roots(files: list[SourceFile]) -> set[str]:
    """Folders that hold top-level packages ("" for ROOT itself, "src", ...), read off the files
    whose module names the scan already knows."""
    roots = {""}
    for source in files:
        if source.loose:
            continue
        tail = source.module.replace(".", "/") + ("/__init__.py" if source.is_package else ".py")
        if source.path.endswith(tail):
            roots.add(source.path[: -len(tail)].rstrip("/"))
    return roots


__all__ = ["run_changed_check"]
