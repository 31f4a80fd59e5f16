"""The result model of ``archguard fix``: what was planned, changed, left alone and why.

The use case (``archguard.app.fix``) fills it; the reporters (``archguard.reporting.fix_report``)
render it as text and JSON. The rewriter adapter takes :class:`ImportEdit` values, one per
fixable violation ``check`` found, so ``fix`` never decides on its own what is wrong.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class FixStatus(str, Enum):
    FIXED = "fixed"  # every planned change written and verified
    NOTHING_TO_DO = "nothing-to-do"  # no fixable violation in scope
    DRY_RUN = "dry-run"  # planned and shown, nothing written
    REFUSED = "refused"  # a file could not be rewritten: nothing written
    ROLLED_BACK = "rolled-back"  # written, then restored byte for byte (failure, regression, --rollback)

    @property
    def failed(self) -> bool:
        """Exit code 1: refused or rolled back (docs/usage.md)."""
        return self in (FixStatus.REFUSED, FixStatus.ROLLED_BACK)


@dataclass(frozen=True, slots=True)
class ImportEdit:
    """Retarget one imported name of one ``from ... import`` statement to the canonical path,
    keeping the local name the file uses."""

    line: int  # the statement's first line
    name: str  # the imported name as written
    module: str  # the absolute module the statement imports from
    canonical_module: str
    canonical_name: str
    contract: str
    fingerprint: str  # of the violation this edit fixes


@dataclass(frozen=True, slots=True)
class StatementChange:
    """One statement as it was and as it is after the rewrite (``after`` empty: removed, its
    names merged into an existing import of the canonical module)."""

    path: str
    line: int
    before: str
    after: str
    contracts: tuple[str, ...] = ()
    note: str = ""  # "split", "merged into line 3", "guard collapsed", ...


@dataclass(frozen=True, slots=True)
class NotFixed:
    """A violation in scope that fix leaves to a human, and why."""

    path: str
    line: int
    code: str
    contract: str
    statement: str
    reason: str


@dataclass(frozen=True, slots=True)
class FileDiff:
    path: str
    diff: str  # unified diff, ``a/`` and ``b/`` prefixed paths; a deleted file diffs to nothing
    deleted: bool = False


@dataclass(frozen=True)
class FixResult:
    root: str
    status: FixStatus
    changes: tuple[StatementChange, ...] = ()
    diffs: tuple[FileDiff, ...] = ()
    not_fixed: tuple[NotFixed, ...] = ()
    notes: tuple[str, ...] = ()  # e.g. a guard that was kept, and why
    problems: tuple[str, ...] = ()  # why refused / rolled back
    unused_shims: tuple[str, ...] = ()  # paths safe to delete after the run
    deleted_shims: tuple[str, ...] = ()
    restored: tuple[str, ...] = ()  # paths a rollback restored
    fixed_violations: int = 0
    duration_s: float = 0.0

    @property
    def changed_files(self) -> list[str]:
        return sorted({c.path for c in self.changes})
