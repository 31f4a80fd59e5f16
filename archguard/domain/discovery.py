"""What ``archguard discover`` finds with no configuration: the result model that ``discover``
fills and that ``report`` (Markdown, HTML, diagrams, JSON) renders. JSON keys: docs/usage.md
(``clusters``, ``shims``, ``copies``, ``cycles``).

Immutable values only; the analysis that builds them lives in ``archguard.analysis``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from archguard.domain.result import ScanResult


@dataclass(frozen=True, slots=True)
class Definition:
    """One place where the concept is defined (a class, a function, a module-level object)."""

    module: str
    name: str
    kind: str  # "class" | "function" | "assign" | "type"
    path: str
    line: int
    test_double: bool = False  # defined in a test module or named like a fake/mock/stub
    # "origin" (the object most files import), "definition" (another object under the same
    # normalised name), "wrapper" (an empty subclass), "factory", "test-double"
    role: str = "origin"


@dataclass(frozen=True, slots=True)
class AccessPath:
    """``module:Name`` through which the concept is imported, and the files that import it so."""

    module: str
    name: str
    importers: tuple[str, ...] = ()  # importing file paths, sorted
    canonical: bool = False  # the path a contract would name (the suggested canonical)

    @property
    def target(self) -> str:
        return f"{self.module}:{self.name}"


@dataclass(frozen=True, slots=True)
class Cluster:
    """One concept that the codebase reaches or defines in several ways."""

    name: str  # the normalised concept name, e.g. "connection-manager"
    score: float  # ranks clusters: higher is what a reviewer should fix first (docs/discover.md)
    evidence: tuple[str, ...]  # candidate kinds: "access-paths", "same-name", "wrapper", "factory"
    canonical: str  # suggested canonical module:Name (the most-used access path of the origin)
    definitions: tuple[Definition, ...]
    access_paths: tuple[AccessPath, ...]
    importer_count: int  # distinct importing files over all access paths
    non_canonical_importers: int  # distinct importing files that use a non-canonical path
    shims: tuple[str, ...] = ()  # shim modules on the way to the origin
    # The cluster's part of the provenance graph: (node, node, kind) with nodes ``module:Name``
    # and kind "re-exports" | "aliases" | "subclasses" | "same-name" | "factory"
    edges: tuple[tuple[str, str, str], ...] = ()
    # In a monorepo, the members whose files define or import the concept (docs/monorepos.md):
    # two or more is one concept spread over several distributions. Empty for a one-project tree.
    members: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Shim:
    """A module whose public names are all re-exports (docs/usage.md)."""

    module: str
    path: str
    reexports: tuple[tuple[str, str], ...]  # (name here, module:Name where it really lives)
    importers: tuple[str, ...]  # importing file paths, sorted; empty: safe to delete, unless kept
    warns_deprecation: bool = False
    # Why the module must stay even when nothing in the tree imports it: a documented public
    # module, an entry point declared in the project's metadata. Empty: nothing keeps it.
    kept_because: str = ""

    @property
    def safe_to_delete(self) -> bool:
        return not self.importers and not self.kept_because


@dataclass(frozen=True, slots=True)
class Copy:
    """A stale duplicate of a module (``x.py.backup_2025``, ``x_old.py``, ``backups/...``)."""

    path: str
    live: str  # the path of the live file it copies
    similarity: float  # 0..1 over normalised lines; 1.0 is identical
    found_by: str = "name"  # "name" (a backup name or folder) | "content" (near-identical text)


@dataclass(frozen=True, slots=True)
class CycleEdge:
    importer: str  # module
    imported: str  # module
    path: str  # the importing file
    line: int


@dataclass(frozen=True, slots=True)
class Cycle:
    """One strongly connected group of modules of the import graph."""

    modules: tuple[str, ...]  # every module of the strongly connected component, sorted
    path: tuple[CycleEdge, ...]  # its shortest cycle, edge by edge, back to the first module
    breakers: tuple[CycleEdge, ...]  # a small set of imports whose removal breaks the component


@dataclass(frozen=True, slots=True)
class Hotspot:
    """A module ranked by how much of the fragmentation and coupling runs through it."""

    module: str
    path: str
    score: float
    fan_in: int  # modules and loose files importing it
    betweenness: float
    non_canonical_importers: int  # files that reach a cluster's concept through this module
    fan_out: int = 0  # modules it imports
    coupling: float = 0.0  # the score from the import graph alone (before findings and churn)
    findings: int = 0  # findings in its file: the check's violations (report), dangling imports (discover)
    changes: int = 0  # commits that changed its file in the churn window (git log --numstat)
    churn_lines: int = 0  # lines added and deleted in them


@dataclass(frozen=True, slots=True)
class InterfaceCandidate:
    """A package whose ``__init__`` declares ``__all__`` and that code outside it reaches into
    past that face: what an interface contract on it would report (``discover --write-contracts``
    drafts one; docs/contracts.md, "Interface contracts")."""

    package: str
    path: str  # its __init__.py
    exports: int  # names its __all__ lists; -1 when __all__ is computed
    breaks: int  # imports an interface contract on it would report today
    fixable: int  # of them, rewritten by ``archguard fix``
    by_code: tuple[tuple[str, int], ...]  # ("AG501", n), in code order
    importers: tuple[tuple[str, int], ...]  # importing package (or folder) -> findings, most first
    reached: tuple[tuple[str, int], ...]  # module reached into -> findings, most first
    from_tests: int  # findings in test files (a contract may allow them: allowed_importers)


@dataclass
class DiscoveryResult:
    scan: ScanResult
    clusters: list[Cluster] = field(default_factory=list)  # ranked, best first
    shims: list[Shim] = field(default_factory=list)
    copies: list[Copy] = field(default_factory=list)
    cycles: list[Cycle] = field(default_factory=list)  # largest / most imported first
    hotspots: list[Hotspot] = field(default_factory=list)  # ranked, best first
    # packages with an __all__ that are reached into, most findings first
    interfaces: list[InterfaceCandidate] = field(default_factory=list)
    duration_s: float = 0.0
