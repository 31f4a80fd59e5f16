"""What the report shows of one interface contract: the package's public face, the modules code
outside reaches into, and who reaches in (docs/report.md, "Interface contracts"). Filled by
``archguard.analysis.interfaces.interface_overview`` from ``check``'s own findings."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ReachIn:
    """The findings of one importing package (or folder of loose files)."""

    importer: str  # "app.orders", "scripts", "tests.e2e"
    count: int
    fixable: int
    by_code: tuple[tuple[str, int], ...]  # ("AG501", 3), in code order
    modules: tuple[tuple[str, int], ...]  # module of the package reached -> findings, most first


@dataclass(frozen=True, slots=True)
class InterfaceOverview:
    name: str  # the contract's
    package: str
    reason: str | None
    public_modules: tuple[str, ...]  # the package first, then also_public and listed submodules
    exports: tuple[str, ...] | None  # the package's face; None: unknown (computed __all__, broken)
    listed: bool  # ``exports`` is the package's ``__all__``
    modules: int  # modules of the package (its own files)
    violations: int
    fixable: int
    reach_ins: tuple[ReachIn, ...]  # most findings first
    reached: tuple[tuple[str, int, int], ...]  # (module, findings, fixable), most findings first
    through_face: tuple[tuple[str, int], ...]  # importing group -> clean imports of public modules
