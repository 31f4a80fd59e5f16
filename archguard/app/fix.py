"""``archguard fix``: rewrite every fixable non-canonical import to its canonical path, atomically.

1. An unfinished earlier run (its journal is still there) is rolled back first, and the run stops;
   only a journal this user's archguard wrote is obeyed (``Journal.verify``: docs/security.md), and
   ``--dry-run`` never rolls back.
2. ``check`` runs (no baseline: a known violation is still worth fixing) on one scan, whose symbol
   table (stubs and compiled modules included) also answers which shims the run leaves unused; its fixable
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
from dataclasses import dataclass, field, replace
from pathlib import Path

from archguard.adapters.parsing.source_text import UnreadableSource, decode_source
from archguard.adapters.project_files.entry_points import declared_entry_points
from archguard.adapters.project_files.safe_io import read_regular
from archguard.adapters.rewrite.fix_journal import Journal, JournalError
from archguard.adapters.rewrite.import_rewriter import RewriteError, UnsupportedFile, rewrite_imports
from archguard.analysis.fix_plan import FixPlan, plan_fix, unused_shims
from archguard.app import Options, Progress, open_engine, run_check
from archguard.app.preflight import load_concept_contracts
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
    return replace(result, duration_s=time.perf_counter() - started)


def _run(root: Path, options: Options, fix: FixOptions, progress: Progress | None) -> FixResult:
    journal = Journal(root)
    if fix.rollback or journal.pending:
        interrupted = journal.pending
        if interrupted and fix.dry_run:  # a dry run writes nothing, a rollback included
            _verified(journal)
            return FixResult(
                str(root),
                FixStatus.REFUSED,
                problems=(
                    "an interrupted `archguard fix` left a journal; --dry-run restores nothing: "
                    "run `archguard fix --rollback` first",
                ),
            )
        restored = tuple(_rollback(journal))
        status = FixStatus.ROLLED_BACK if interrupted else FixStatus.NOTHING_TO_DO
        problems = (
            (
                "an interrupted `archguard fix` left a journal: its files were restored "
                "as they were before it; run fix again",
            )
            if interrupted and not fix.rollback
            else ()
        )
        return FixResult(str(root), status, problems=problems, restored=restored)
    scopes = _scopes(root, fix.paths)
    workspace = open_engine(options, progress).workspace()
    before = run_check(options, progress, workspace=workspace)
    contracts = load_concept_contracts(options, root)
    if fix.concept is not None and fix.concept not in before.contracts_run:
        raise ConfigError(f"--concept: no concept contract named '{fix.concept}'")
    plan = plan_fix(before.violations, concept=fix.concept, scopes=scopes)
    rewrites = _rewrite_all(root, before, plan)
    originals, new_contents, left_alone = rewrites.originals, rewrites.new_contents, rewrites.left_alone
    plan.edits = {path: edits for path, edits in plan.edits.items() if path not in left_alone}
    result = FixResult(
        str(root),
        FixStatus.NOTHING_TO_DO,
        changes=tuple(rewrites.changes),
        notes=tuple(rewrites.notes),
        not_fixed=tuple(
            sorted([*plan.not_fixed, *rewrites.not_fixed], key=lambda n: (n.path, n.line, n.code))
        ),
    )
    if rewrites.problems:
        return replace(result, status=FixStatus.REFUSED, changes=(), problems=tuple(rewrites.problems))
    shims = unused_shims(
        workspace.table,  # check's own: the same answer to "is it a shim" as check gives
        before.scan.files,
        before.scan.facts,
        plan,
        contracts,
        declared_entry_points(root),
    )
    if fix.delete_unused_shims:
        unreadable: list[str] = []
        deleted: list[str] = []
        for shim in shims:
            try:
                originals[shim.path] = read_regular(root / shim.path, confine_to=root)[0]
            except OSError as error:  # gone or changed since the scan: nothing is written
                unreadable.append(f"{shim.path}: cannot read: {error.strerror or error}")
                continue
            new_contents[shim.path] = None
            deleted.append(shim.path)
        if unreadable:
            return replace(result, status=FixStatus.REFUSED, changes=(), problems=tuple(unreadable))
        result = replace(result, deleted_shims=tuple(deleted))
    else:
        result = replace(result, unused_shims=tuple(s.path for s in shims))
    if not new_contents:
        return result
    result = replace(result, fixed_violations=plan.edit_count)
    if fix.dry_run:
        diffs = tuple(_diff(path, originals[path], new_contents[path]) for path in sorted(new_contents))
        return replace(result, status=FixStatus.DRY_RUN, diffs=diffs)

    try:
        journal.begin(originals)
    except JournalError as error:
        return replace(result, status=FixStatus.REFUSED, problems=(str(error),))
    try:
        journal.apply(new_contents)
    except OSError as error:
        return _rolled_back(
            replace(result, problems=(f"writing failed: {error}; every file was restored",)), journal
        )
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
        return _rolled_back(replace(result, problems=tuple(regressions)), journal)
    journal.commit()
    return replace(result, status=FixStatus.FIXED)


def _rollback(journal: Journal) -> list[str]:
    try:
        return journal.rollback()
    except (JournalError, OSError) as error:
        raise ConfigError(f"rollback failed: {error}") from None


def _verified(journal: Journal) -> None:
    try:
        journal.verify()
    except (JournalError, OSError) as error:
        raise ConfigError(f"rollback refused: {error}") from None


def _rolled_back(result: FixResult, journal: Journal) -> FixResult:
    return replace(result, status=FixStatus.ROLLED_BACK, restored=tuple(_rollback(journal)))


@dataclass
class _Rewrites:
    """Every planned file rewritten in memory (``originals`` -> ``new_contents``), and what was
    learnt on the way: the files libcst cannot hold (``left_alone``, their imports ``not_fixed``)
    and the ``problems`` that refuse the run."""

    originals: dict[str, bytes] = field(default_factory=dict)
    new_contents: dict[str, bytes | None] = field(default_factory=dict)
    left_alone: set[str] = field(default_factory=set)
    changes: list[StatementChange] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    not_fixed: list[NotFixed] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def _rewrite_all(root: Path, before: CheckResult, plan: FixPlan) -> _Rewrites:
    files = {f.path: f for f in before.scan.files}
    done = _Rewrites()
    for path, edits in sorted(plan.edits.items()):
        file = files[path]
        package = None if file.module == file.path else file.package
        try:
            source = read_regular(root / path, confine_to=root)[0]
            rewrite = rewrite_imports(path, source, package, edits)
        except OSError as error:
            done.problems.append(f"{path}: cannot read: {error.strerror or error}")
            continue
        except UnsupportedFile as error:
            done.not_fixed.extend(_left_alone(before, edits, str(error)))
            done.left_alone.add(path)
            continue
        except RewriteError as error:
            done.problems.append(f"{path}: {error}")
            continue
        if rewrite.source == source:
            done.problems.append(f"{path}: the rewrite changed nothing (a bug: please report it)")
            continue
        done.changes.extend(sorted(rewrite.changes, key=lambda c: c.line))
        done.notes.extend(rewrite.notes)
        done.originals[path] = source
        done.new_contents[path] = rewrite.source
    return done


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
