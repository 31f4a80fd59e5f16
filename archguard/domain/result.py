"""The one result model. ``scan`` and ``check`` fill it; every reporter renders it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from archguard.domain.facts import FileFacts, SyntaxIssue, UnreadableFile
from archguard.domain.findings import Violation, any_failing, fails_check
from archguard.domain.golden_path import EntryClosure
from archguard.domain.sources import SourceFile, SourceLayout

SCHEMA = "archguard/1"


@dataclass(frozen=True)
class DanglingImport:
    path: str
    line: int
    column: int
    importer: str
    imported: str  # "module" or "module:Name"
    statement: str
    missing: str  # "module" or "name"
    guarded: bool
    type_checking: bool
    # Why the name may exist after all (only a function's ``global`` binds it, the module replaces
    # itself in sys.modules): the finding is then a warning. "" when it is plainly missing.
    maybe: str = ""

    @property
    def code(self) -> str:
        return "AG202" if self.missing == "name" else "AG201"

    @property
    def message(self) -> str:
        """Python's own ImportError wording, which users already recognise, and in brackets why
        the import may work after all, or why it never fails at run time."""
        module, _, name = self.imported.partition(":")
        notes = [note for note in (self.maybe, _TYPE_CHECKING_NOTE if self.type_checking else "") if note]
        tail = f" ({'; '.join(notes)})" if notes else ""
        if self.missing == "name":
            return f"cannot import name {name!r} from {module}{tail}"
        if module.startswith(".") and self.importer == self.path:
            return f"relative import {module} in a file that is not in a package{tail}"
        if module.startswith("."):
            return f"attempted relative import beyond top-level package: {module} climbs above it{tail}"
        return f"no module named {module!r}{tail}"


# A TYPE_CHECKING import never runs: it cannot fail at run time, yet a type checker reads it.
_TYPE_CHECKING_NOTE = "only under TYPE_CHECKING: it never runs, but a type checker fails on it"


@dataclass(frozen=True)
class ScanResult:
    """Everything the scan saw. ``facts`` maps path -> FileFacts for every parsed file."""

    root: str
    files: list[SourceFile]
    facts: Mapping[str, FileFacts]
    syntax_errors: list[SyntaxIssue]
    unreadable: list[UnreadableFile]
    packages: list[str]
    import_edges: int = 0
    dangling: list[DanglingImport] = field(default_factory=list)
    duration_s: float = 0.0
    cache_hits: int = 0
    # the members of a monorepo and their source roots (docs/monorepos.md): one member for a tree
    # that is one project
    layout: SourceLayout = field(default_factory=SourceLayout.single)
    # what discovery says about the layout: a package hidden by another of its name, a member's
    # pyproject.toml that could not be read
    layout_notes: list[str] = field(default_factory=list)

    @property
    def loose_files(self) -> list[SourceFile]:
        return [f for f in self.files if f.loose and f.path in self.facts]

    @property
    def modules(self) -> int:
        return sum(1 for f in self.files if not f.loose)


@dataclass(frozen=True)
class CheckResult:
    """What ``check`` adds to the scan: violations, and what the baseline made of them."""

    scan: ScanResult
    # a list, or ``Findings`` (domain/findings.py): those of the results cache, decoded when read
    violations: Sequence[Violation] = field(default_factory=list)
    stale_baseline_entries: list[dict[str, Any]] = field(default_factory=list)
    # entries no finding matched that a file which cannot be analysed may be hiding: neither
    # matched nor stale, kept by --update-baseline (analysis/broken_files.py)
    held_baseline_entries: list[dict[str, Any]] = field(default_factory=list)
    # entries past their ``expires`` date whose violation is still there (it fails again)
    expired_baseline_entries: list[dict[str, Any]] = field(default_factory=list)
    strict_baseline: bool = False  # stale entries fail the run too: the baseline only shrinks
    changed_files: list[str] | None = None  # check --changed/--staged: what the findings are narrowed to
    contracts_run: list[str] = field(default_factory=list)
    # contract name -> where it comes from: "concept" or "interface" (the contracts folder),
    # "import-linter" (the import-linter configuration), "dangling-imports" or "golden-path"
    contract_types: dict[str, str] = field(default_factory=dict)
    notices: list[str] = field(default_factory=list)  # about the configuration, e.g. import-linter's
    # CODEOWNERS (GitHub's rules): where it was read (relative to ROOT; None: the tree has none),
    # and the owners of the path of every violation
    codeowners: str | None = None
    owners: dict[str, tuple[str, ...]] = field(default_factory=dict)
    duration_s: float = 0.0
    # with --entry / entry_points: what each entry point loads at import time (its findings are
    # violations of kind golden-path); None when no entry point was given
    golden_path: list[EntryClosure] | None = None

    @property
    def new_violations(self) -> list[Violation]:
        return [v for v in self.violations if fails_check(v)]

    @property
    def failed(self) -> bool:
        # the first new violation is enough (a broad contract's thousands are not listed for it)
        new = any_failing(self.violations)
        return new or (self.strict_baseline and bool(self.stale_baseline_entries))
