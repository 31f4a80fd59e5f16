"""What a check pass is: one kind of finding, derived from a run (``CheckRun``: the engine's view of
the tree). Two shapes:

* :class:`FilePass`: findings that belong to one file each, derived file by file. The engine keeps
  each file's findings and re-derives them only for the files an edit reaches (the facets their
  lookups consulted, ``analysis/facets.py``), or for every file when the pass's whole-tree part
  (:meth:`FilePass.prepare`, e.g. the resolved concepts) changed.
* :class:`TreePass`: findings of the whole tree at once (import-linter's contracts on the graph,
  the golden path), each with its own rule for when its last findings still stand.

A new kind of finding is a class here (in a module of this package) plus one line in
``PASSES`` (``passes/__init__.py``); docs/DESIGN.md, "Adding things".
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from archguard.analysis.symbols import SymbolTable
from archguard.domain.contracts import ConceptContract, InterfaceContract
from archguard.domain.derived import FileIdentity, PassRecord
from archguard.domain.facts import Binding, FileFacts
from archguard.domain.findings import Violation
from archguard.domain.import_edges import EdgeRule
from archguard.domain.result import DanglingImport, ScanResult
from archguard.domain.sources import SourceFile

if TYPE_CHECKING:
    import grimp

    from archguard.app import Options, Workspace
    from archguard.app.store import Store


class CheckRun(Protocol):
    """What a pass may read of the run (the engine provides it)."""

    @property
    def options(self) -> Options: ...

    @property
    def root(self) -> Path: ...

    @property
    def files(self) -> Sequence[SourceFile]: ...

    @property
    def facts(self) -> Mapping[str, FileFacts]: ...

    @property
    def identities(self) -> Sequence[FileIdentity]: ...

    @property
    def concepts(self) -> Sequence[ConceptContract]:
        """contracts/'s and the import-linter configuration's (``type = canonical``)."""
        ...

    @property
    def interfaces(self) -> Sequence[InterfaceContract]:
        """contracts/'s and the import-linter configuration's (``type = interface``)."""
        ...

    @property
    def importlinter(self) -> Any:
        """The import-linter configuration (loaded on first use), or None."""
        ...

    @property
    def importlinter_identity(self) -> Any: ...

    @property
    def libraries(self) -> tuple[str, ...]: ...

    @property
    def store(self) -> Store: ...

    @property
    def table(self) -> SymbolTable: ...

    @property
    def graph(self) -> grimp.ImportGraph: ...

    @property
    def edge_rule(self) -> EdgeRule:
        """The one import-edge rule over the files now (``domain/import_edges.py``)."""
        ...

    @property
    def scan(self) -> ScanResult: ...

    @property
    def scan_key(self) -> bytes | None: ...

    @property
    def dangling(self) -> Sequence[DanglingImport]:
        """Every dangling import of the tree, sorted, after the whole-run step (what one module
        does to another: ``analysis/dangling.with_writes_elsewhere``)."""
        ...

    def import_digests(self) -> Sequence[bytes]: ...

    def graph_inputs_key(self) -> bytes:
        """A key of what the import graph is built from (every file's imports, the configuration)."""
        ...

    def graph_shape_key(self, *, externals: bool = False) -> bytes:
        """:meth:`graph_inputs_key` without where the imports are (lines, columns, statements): a
        key of the graph's modules and edges (``externals``: to packages outside the tree too)."""
        ...

    def workspace(self) -> Workspace: ...


@dataclass(frozen=True)
class Prepared:
    """A file pass's whole-tree part: ``summary`` (what every file's findings depend on besides
    the file and the facets it consults: when it changes, every file is derived again), the
    findings of the whole tree (``whole``) and what the per-file part needs (``context``)."""

    summary: str
    whole: list[Violation] = field(default_factory=list)
    context: Any = None


class FilePass(ABC):
    name: ClassVar[str]
    # the type ``contract_results`` gives the pass's one contract (named ``name``); "" when its
    # contracts are named by their own declarations (concepts)
    contract_type: ClassVar[str] = ""

    @abstractmethod
    def contracts(self, run: CheckRun) -> list[str]:
        """The contracts this pass checks, as ``contracts_run`` lists them."""

    def collect(self, run: CheckRun, facts: FileFacts) -> tuple[Binding, ...]:
        """What the whole-tree part needs from one file's facts (kept per file, so an unchanged
        file's facts are never decoded for it)."""
        return ()

    @abstractmethod
    def prepare(self, run: CheckRun, collected: Sequence[tuple[Binding, ...]]) -> Prepared | None:
        """The whole-tree part (``collected``: per file, in the run's file order, what
        :meth:`collect` gave); None: the pass has nothing to check."""

    @abstractmethod
    def findings(
        self,
        prepared: Prepared,
        table: SymbolTable,
        file: SourceFile,
        facts: FileFacts,
        dangling: Sequence[DanglingImport],
    ) -> list[Violation]:
        """This file's findings, fingerprinted (``dangling``: the file's dangling imports)."""


class PiecePass(FilePass):
    """A file pass of another command's analysis (``discover``'s: ``passes/discover.py``): its
    per-file results are plain values (tuples of strings, numbers, booleans) that the command's
    whole-tree steps are built from, not findings. The engine keeps them in each file's record
    (``pieces``) and derives them again only where an edit reaches, as it does a file pass's
    findings (``Engine.open(..., passes=...)``; ``Engine.pieces(name)`` reads them)."""

    # False: the pieces are the file's own business (its facts, module name and kind), never a
    # lookup in the table; the engine then notes nothing it consulted (passes/structure.py)
    reads_table: ClassVar[bool] = True
    # True: only ``diff`` and ``history`` read the pieces, so an engine of a tree git does not list
    # (no diff of it can be asked) does not run the pass at all
    git_only: ClassVar[bool] = False

    def contracts(self, run: CheckRun) -> list[str]:
        return []

    def prepare(self, run: CheckRun, collected: Sequence[tuple[Binding, ...]]) -> Prepared | None:
        return Prepared("")  # by default nothing whole-tree: a file's pieces depend on its lookups only

    def findings(
        self,
        prepared: Prepared,
        table: SymbolTable,
        file: SourceFile,
        facts: FileFacts,
        dangling: Sequence[DanglingImport],
    ) -> list[Violation]:
        return []

    @abstractmethod
    def pieces(
        self, prepared: Prepared, table: SymbolTable, file: SourceFile, facts: FileFacts
    ) -> tuple[Any, ...]:
        """This file's plain values, on the traced table (what it consults is the file's to keep)."""


@dataclass(frozen=True)
class TreeOutcome:
    record: PassRecord  # what the next run compares with (its key) and may reuse
    violations: list[Violation]  # fingerprinted
    contracts: list[str]
    notices: list[str] = field(default_factory=list)
    extras: Mapping[str, Any] = field(default_factory=dict)  # e.g. the golden path's closures


class TreePass(ABC):
    name: ClassVar[str]
    contract_type: ClassVar[str] = ""  # as for FilePass
    # True: its findings are kept apart from the others' (their own cache key, listed after them)
    separate: ClassVar[bool] = False

    @abstractmethod
    def run(self, run: CheckRun, prior: PassRecord | None) -> TreeOutcome | None:
        """This pass's findings (``prior``: what it kept last time); None: nothing to check."""


CheckPass = FilePass | TreePass
