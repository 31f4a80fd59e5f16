"""What a run derives from its files, as values: the whole-run outcomes, and the file-by-file
records an incremental run continues from (kept between runs by ``adapters/cache/entries.py``,
field by field; docs/scanning.md, "What a warm run re-derives").

Module and facet names in a record are interned as small integers (``names``), and each file's
list of them is packed as machine integers (``array('i')`` bytes): a tree's records name the same
few thousand modules hundreds of thousands of times.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from archguard.domain.facts import Binding
from archguard.domain.findings import Violation
from archguard.domain.result import DanglingImport


class FileIdentity(NamedTuple):
    """What a file contributes to a run: its place, its module name and kind, and a digest of what
    parsing it gave (its facts, or its syntax error or unreadable reason; b"" when not known)."""

    path: str
    module: str
    loose: bool
    is_package: bool
    outcome: bytes


@dataclass(frozen=True)
class ScanTotals:
    """What ``scan`` derives: the distinct module import edges, and every dangling import."""

    import_edges: int
    dangling: list[DanglingImport]


@dataclass(frozen=True)
class CheckOutcome:
    """What ``check``'s passes derive: violations (fingerprinted), contracts run, notices."""

    violations: Sequence[Violation]  # read from the results cache: ``Findings``, decoded when read
    contracts_run: list[str]
    notices: list[str]
    # the rewrites contracts disagree on are made unfixable already (``fix_plan.settle_conflicts``):
    # what the results cache keeps, so that a warm run need not walk every finding for it
    settled: bool = False


class FileRecord(NamedTuple):
    """One file's derived results, and what they depend on.

    ``deps``: the facets its lookups consulted (``analysis/facets.py``: a module's existence, one
    of its names, its star imports...), found or not; the file is derived again only when one of
    them changes. ``targets``: the modules its imports are graph edges to. ``findings``: per file
    pass (by the pass's name), its findings in this file, fingerprinted. ``inputs``: per file pass,
    what the pass collected from this file's facts for its whole-tree part (the concept pass: the
    definitions that may claim a concept). ``pieces``: per piece pass (``app/passes/base.PiecePass``:
    discover's per-file work), its plain values for this file. A NamedTuple: a warm run rebuilds
    ten thousand of them.
    """

    identity: FileIdentity
    deps: bytes = b""
    targets: bytes = b""
    import_digest: bytes = b""
    dangling: tuple[DanglingImport, ...] = ()
    findings: tuple[tuple[str, tuple[Violation, ...]], ...] = ()
    inputs: tuple[tuple[str, tuple[Binding, ...]], ...] = ()
    pieces: tuple[tuple[str, tuple[Any, ...]], ...] = ()


@dataclass(frozen=True)
class PassRecord:
    """A pass's whole-tree memory: ``summary`` (what its per-file findings depend on besides the
    files, e.g. the resolved concepts: when it changes, every file's findings are derived again),
    ``key`` and ``kept`` (a whole-tree pass's last findings and the key they stand for; ``shape``:
    the key of what they depend on besides where things are, e.g. import-linter's graph without its
    lines: app/passes/importlinter.py)."""

    name: str
    summary: str = ""
    key: bytes = b""
    shape: bytes = b""
    violations: tuple[Violation, ...] = ()
    kept: tuple[str, ...] = ()  # e.g. import-linter: the contracts kept, broken, its warnings
    broken: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class DerivedState:
    """Everything an incremental run continues from: the interned names, each file's record (in
    the run's file order) and each pass's memory."""

    names: tuple[str, ...] = ()
    files: tuple[FileRecord, ...] = ()
    passes: tuple[PassRecord, ...] = field(default=())
