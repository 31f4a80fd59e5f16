"""The architecture over time (``archguard history``) and between two revisions (``archguard diff``):
values only (docs/history.md). The use cases are ``app/history.py`` and ``app/diff.py``; the
reporters ``reporting/history_rows.py`` and ``reporting/diff_report.py``."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field

from archguard.domain.discovery import Cluster, Cycle, Shim
from archguard.domain.findings import Violation, fails_check
from archguard.domain.result import CheckResult

HISTORY_SCHEMA = "archguard-history/1"
DIFF_SCHEMA = "archguard-diff/1"
# The summary keys a row keeps (the JSON result's, less what says how the run went, not what it
# found: ``duration_s``, ``cache_hits``).
ROW_SUMMARY_KEYS = (
    "files",
    "parsed_files",
    "syntax_errors",
    "unreadable_files",
    "loose_files",
    "packages",
    "modules",
    "imports",
    "dangling_imports",
    "violations",
    "new_violations",
    "baselined",
    "warnings",
    "stale_baseline_entries",
    "expired_baseline_entries",
)


@dataclass(frozen=True)
class Architecture:
    """What one tree (a commit, or the working tree) holds that history and diff compare: the
    check's result, every import between two modules, the import cycles, the shims, and (diff
    only) discover's clusters."""

    check: CheckResult
    module_edges: frozenset[tuple[str, str]]  # (importer, imported): modules of the packages
    cycles: list[Cycle]
    shims: list[Shim]
    clusters: list[Cluster] | None = None


def top_package(module: str) -> str:
    return module.partition(".")[0]


def package_edges(edges: frozenset[tuple[str, str]]) -> dict[tuple[str, str], int]:
    """(importer package, imported package) -> module imports between two top-level packages."""
    counts: dict[tuple[str, str], int] = {}
    for importer, imported in edges:
        pair = (top_package(importer), top_package(imported))
        if pair[0] != pair[1]:
            counts[pair] = counts.get(pair, 0) + 1
    return counts


@dataclass(frozen=True)
class HistoryRow:
    """One first-parent commit's figures (INTERFACE.md, "History and diff")."""

    commit: str
    date: str
    subject: str
    summary: Mapping[str, int]
    by_contract: Mapping[str, int]
    cycles: int
    shims: int
    cross_package_edges: int
    merge: bool = False
    notes: tuple[str, ...] = ()
    # owner (CODEOWNERS of ROOT, GitHub's rules) -> the commit's violations in their files; a
    # violation owned by several owners counts for each; empty without a CODEOWNERS
    by_owner: Mapping[str, int] = field(default_factory=dict)


# The figures a row plots, in the text table's order: (key, heading). ``summary`` keys first.
ROW_FIGURES = (
    ("violations", "violations"),
    ("new_violations", "new"),
    ("dangling_imports", "dangling"),
    ("syntax_errors", "syntax err"),
    ("unreadable_files", "unreadable"),
    ("cycles", "cycles"),
    ("shims", "shims"),
    ("cross_package_edges", "x-pkg edges"),
    ("files", "files"),
)


def figure(row: HistoryRow, key: str) -> int:
    if key in ("cycles", "shims", "cross_package_edges"):
        return int(getattr(row, key))
    return int(row.summary.get(key, 0))


@dataclass
class HistoryResult:
    root: str
    revs: str
    rows: list[HistoryRow]  # oldest first
    clone: str  # "a full clone (...)", "a shallow clone N commits deep (...)"
    config_at_commit: bool = False
    notes: list[str] = field(default_factory=list)
    cached_rows: int = 0  # rows taken from the cache of an earlier run
    duration_s: float = 0.0


@dataclass(frozen=True)
class EdgeChange:
    importer: str  # a top-level package, or a module of a contract
    imported: str
    count: int  # module imports between them (head - base for added, base - head for removed)


@dataclass(frozen=True)
class ClusterRise:
    name: str
    before: float
    after: float


@dataclass
class DiffResult:
    base: str  # commit id
    head: str  # commit id, or "working tree"
    new_violations: list[Violation]
    fixed_violations: list[Violation]
    edges_added: list[EdgeChange]
    edges_removed: list[EdgeChange]
    contract_edges_added: list[EdgeChange]
    contract_edges_removed: list[EdgeChange]
    cycles_new: list[Cycle]
    cycles_broken: list[Cycle]
    shims_new: list[Shim]
    shims_removed: list[Shim]
    clusters_rose: list[ClusterRise]
    base_violations: int
    head_violations: int
    moved: int = 0  # findings whose file was renamed or moved: matched, neither new nor fixed
    notes: list[str] = field(default_factory=list)
    duration_s: float = 0.0
    codeowners: str | None = None  # the CODEOWNERS file read (relative to ROOT), if any
    owners: dict[str, tuple[str, ...]] = field(default_factory=dict)  # path -> its owners

    def owners_of(self, violation: Violation) -> tuple[str, ...]:
        return self.owners.get(violation.path, ())

    def new_by_owner(self) -> list[tuple[str, int]]:
        """Owner -> new violations in their files, most first (a violation counts for each owner)."""
        counts = Counter(owner for v in self.new_violations for owner in self.owners_of(v))
        return sorted(counts.items(), key=lambda item: (-item[1], item[0]))

    @property
    def failed(self) -> bool:
        """As ``check``: the head adds a violation that fails (an error the baseline does not cover)."""
        return any(map(fails_check, self.new_violations))
