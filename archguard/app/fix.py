"""``archguard fix``: rewrite every fixable non-canonical import to its canonical path, atomically.

1. An unfinished earlier run (its journal is still there) is rolled back first, and the run stops.
2. ``check`` runs (no baseline: a known violation is still worth fixing); its fixable
   non-canonical-import violations in scope become edits (``analysis.fix_plan``).
3. Every file is rewritten in memory (``adapters.rewrite.import_rewriter``); if any one cannot be, nothing
   is written and the run is refused. A file libcst cannot hold at all (it does not parse it, or
   cannot give its bytes back) is the exception: its imports are listed as not fixed, with the
   reason, and the other files are still rewritten.
4. The journal records the originals, the new files are written atomically
   (``adapters.rewrite.fix_journal``), and ``check`` runs again on the changed tree. A new syntax error,
   unreadable file, dangling import or violation restores every file byte for byte.
"""

from __future__ import annotations

import difflib
import time
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path

from archguard.adapters.parsing.source_text import UnreadableSource, decode_source
from archguard.adapters.project_files.entry_points import declared_entry_points
from archguard.adapters.rewrite.fix_journal import Journal, JournalError
from archguard.adapters.rewrite.import_rewriter import RewriteError, UnsupportedFile, rewrite_imports
from archguard.analysis.fix_plan import FixPlan, plan_fix, unused_shims
from archguard.analysis.symbols import SymbolTable
from archguard.app import Options, Progress, load_contracts, run_check
from archguard.domain.errors import ConfigError
from archguard.domain.findings import Violation
from archguard.domain.fix import FileDiff, FixResult, FixStatus, ImportEdit, NotFixed, StatementChange
from archguard.domain.result import CheckResult


@dataclass(frozen=True)
class FixOptions:
    dry_run: bool = False
    rollback: bool = False  # only restore what an interrupted run left
    concept: str | None = None
    paths: tuple[str, ...] = ()  # files or folders (relative to the working directory or ROOT)
    delete_unused_shims: bool = False


def run_fix(options: Options, fix: FixOptions, progress: Progress | None = None) -> FixResult:
    started = time.perf_counter()
    root = options.root.resolve()
    result = _run(root, replace(options, baseline=None, update_baseline=False), fix, progress)
    result.duration_s = time.perf_counter() - started
    return result


def _run(root: Path, options: Options, fix: FixOptions, progress: Progress | None) -> FixResult:
    journal = Journal(root)
    if fix.rollback or journal.pending:
        interrupted = journal.pending
        restored = _rollback(journal)
        status = FixStatus.ROLLED_BACK if interrupted else FixStatus.NOTHING_TO_DO
        result = FixResult(str(root), status, restored=restored)
        if interrupted and not fix.rollback:
            result.problems.append(
                "an interrupted `archguard fix` left a journal: its files were restored "
                "as they were before it; run fix again"
            )
        return result
    scopes = _scopes(root, fix.paths)
    before = run_check(options, progress)
    contracts = load_contracts(options, root).concepts
    if fix.concept is not None and fix.concept not in before.contracts_run:
        raise ConfigError(f"--concept: no concept or interface contract named '{fix.concept}'")
    plan = plan_fix(before.violations, concept=fix.concept, scopes=scopes)
    result = FixResult(str(root), FixStatus.NOTHING_TO_DO, not_fixed=plan.not_fixed)

    originals, new_contents, left_alone = _rewrite_all(root, before, plan, result)
    plan.edits = {path: edits for path, edits in plan.edits.items() if path not in left_alone}
    if result.problems:
        result.status = FixStatus.REFUSED
        result.changes.clear()
        return result
    shims = unused_shims(
        SymbolTable(before.scan.files, before.scan.facts),
        before.scan.files,
        before.scan.facts,
        plan,
        contracts,
        declared_entry_points(root),
    )
    if fix.delete_unused_shims:
        for shim in shims:
            try:
                originals[shim.path] = (root / shim.path).read_bytes()
            except OSError as error:  # gone or changed since the scan: nothing is written
                result.problems.append(f"{shim.path}: cannot read: {error.strerror or error}")
                continue
            new_contents[shim.path] = None
            result.deleted_shims.append(shim.path)
        if result.problems:
            result.status = FixStatus.REFUSED
            result.changes.clear()
            result.deleted_shims.clear()
            return result
    else:
        result.unused_shims = [s.path for s in shims]
    if not new_contents:
        return result
    result.fixed_violations = plan.edit_count
    if fix.dry_run:
        result.status = FixStatus.DRY_RUN
        result.diffs = [_diff(path, originals[path], new_contents[path]) for path in sorted(new_contents)]
        return result

    try:
        journal.begin(originals)
    except JournalError as error:
        result.status, result.problems = FixStatus.REFUSED, [str(error)]
        return result
    try:
        journal.apply(new_contents)
    except OSError as error:
        result.problems.append(f"writing failed: {error}; every file was restored")
        return _rolled_back(result, journal)
    except BaseException:  # Ctrl-C while writing: leave the tree as it was, then stop
        journal.rollback()
        raise
    try:
        after = run_check(options)
    except BaseException:  # Ctrl-C (or a crash) before the change was verified: undo it
        journal.rollback()
        raise
    regressions = _regressions(before, after)
    # Complete or nothing: a fixable violation still there after the run is a failure too.
    leftover = plan_fix(after.violations, concept=fix.concept, scopes=scopes).edits
    regressions += [
        f"{path}:{e.line}: still not canonical after the rewrite: {e.module}:{e.name}"
        for path, edits in sorted(leftover.items())
        if path not in left_alone
        for e in edits
    ]
    if regressions:
        result.problems.extend(regressions)
        return _rolled_back(result, journal)
    journal.commit()
    result.status = FixStatus.FIXED
    return result


def _rollback(journal: Journal) -> list[str]:
    try:
        return journal.rollback()
    except (JournalError, OSError) as error:
        raise ConfigError(f"rollback failed: {error}") from None


def _rolled_back(result: FixResult, journal: Journal) -> FixResult:
    result.restored = _rollback(journal)
    result.status = FixStatus.ROLLED_BACK
    return result


def _rewrite_all(
    root: Path, before: CheckResult, plan: FixPlan, result: FixResult
) -> tuple[dict[str, bytes], dict[str, bytes | None], set[str]]:
    """Every planned file rewritten in memory, and the files libcst cannot hold (left alone, their
    imports added to ``result.not_fixed``); problems land in ``result.problems``."""
    files = {f.path: f for f in before.scan.files}
    originals: dict[str, bytes] = {}
    new_contents: dict[str, bytes | None] = {}
    left_alone: set[str] = set()
    for path, edits in sorted(plan.edits.items()):
        file = files[path]
        package = None if file.module == file.path else file.package
        try:
            source = (root / path).read_bytes()
            rewrite = rewrite_imports(path, source, package, edits)
        except OSError as error:
            result.problems.append(f"{path}: cannot read: {error.strerror or error}")
            continue
        except UnsupportedFile as error:
            result.not_fixed.extend(_left_alone(before, edits, str(error)))
            left_alone.add(path)
            continue
        except RewriteError as error:
            result.problems.append(f"{path}: {error}")
            continue
        if rewrite.source == source:
            result.problems.append(f"{path}: the rewrite changed nothing (a bug: please report it)")
            continue
        result.changes.extend(sorted(rewrite.changes, key=lambda c: c.line))
        result.notes.extend(rewrite.notes)
        originals[path] = source
        new_contents[path] = rewrite.source
    result.not_fixed.sort(key=lambda n: (n.path, n.line, n.code))
    return originals, new_contents, left_alone


def _left_alone(before: CheckResult, edits: list[ImportEdit], reason: str) -> list[NotFixed]:
    """The planned edits of a file libcst cannot hold, as violations left to a human."""
    by_fingerprint = {v.fingerprint: v for v in before.violations}
    found = [by_fingerprint[e.fingerprint] for e in edits if e.fingerprint in by_fingerprint]
    return [NotFixed(v.path, v.line, v.code, v.contract, v.statement, reason) for v in found]


def _regressions(before: CheckResult, after: CheckResult) -> list[str]:
    """What the changed tree has that the tree before did not. Violations are compared without
    their line and statement (both change when a statement is rewritten or split)."""
    problems = []
    old_errors = {s.path for s in before.scan.syntax_errors}
    for issue in after.scan.syntax_errors:
        if issue.path not in old_errors:
            problems.append(f"{issue.path}:{issue.line}:{issue.column}: new syntax error: {issue.message}")
    old_unreadable = {u.path for u in before.scan.unreadable}
    for unreadable in after.scan.unreadable:
        if unreadable.path not in old_unreadable:
            problems.append(f"{unreadable.path}: now unreadable: {unreadable.reason}")
    remaining = Counter(_key(v) for v in before.violations)
    for v in after.violations:
        key = _key(v)
        if remaining[key] > 0:
            remaining[key] -= 1
        else:
            problems.append(f"{v.path}:{v.line}:{v.column}: new {v.code} ({v.contract}): {v.message}")
    return problems


def _key(v: Violation) -> tuple[str, ...]:
    return (v.code, v.contract, v.path, v.importer, v.imported or v.message, v.severity.value)


def _scopes(root: Path, paths: tuple[str, ...]) -> tuple[str, ...]:
    """Each path as ROOT-relative text. A relative path may be written from the working directory
    or from ROOT: the first of those that exists inside ROOT is taken."""
    scopes = []
    for given in paths:
        existing = [c.resolve() for c in (Path(given), root / given) if c.exists()]
        if not existing:
            raise ConfigError(f"path not found: {given}")
        inside = [c for c in existing if c == root or root in c.parents]
        if not inside:
            raise ConfigError(f"path is outside ROOT ({root}): {given}")
        scopes.append(inside[0].relative_to(root).as_posix())
    return tuple(scopes)


def _diff(path: str, old: bytes, new: bytes | None) -> FileDiff:
    old_text = _text(old)
    new_text = "" if new is None else _text(new)
    lines = difflib.unified_diff(
        old_text.splitlines(keepends=True),
        new_text.splitlines(keepends=True),
        fromfile=f"a/{path}",
        tofile="/dev/null" if new is None else f"b/{path}",
    )
    return FileDiff(
        path,
        "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines),
        deleted=new is None,
    )


def _text(data: bytes) -> str:
    try:
        return decode_source(data, max_bytes=len(data) + 1)
    except UnreadableSource:
        return data.decode("utf-8", "replace")


__all__ = ["FixOptions", "FixResult", "FixStatus", "StatementChange", "run_fix"]
