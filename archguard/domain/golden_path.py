"""The golden path: what each entry point loads at import time (docs/golden-path.md).

``check --entry`` fills one :class:`EntryClosure` per entry point; its problems are ordinary
:class:`~archguard.domain.findings.Violation` values of kind ``golden-path`` (contract
:func:`contract_name`), so baselines and every reporter treat them like any other finding. The
closures themselves are kept for the summary and for ``report``'s diagrams.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple

from archguard.domain.findings import Kind, Severity, Violation
from archguard.domain.sources import is_dotted_name

CONTRACT_PREFIX = "golden-path:"
PACKAGE_DEPTH = 2  # ``app.api.ws`` is drawn inside ``app.api``


def package_of(module: str, depth: int = PACKAGE_DEPTH) -> str:
    """``app.api.ws`` -> ``app.api``; a loose file named by its path stays itself."""
    return ".".join(module.split(".")[:depth]) if is_dotted_name(module) else module


def contract_name(entry: str) -> str:
    """The contract an entry point's findings belong to: ``golden-path:app.main``."""
    return CONTRACT_PREFIX + entry


class ClosureEdge(NamedTuple):
    """One import the closure follows: ``importer`` loads ``imported`` at ``path:line``."""

    importer: str
    imported: str
    path: str
    line: int


@dataclass(frozen=True, slots=True)
class EntryClosure:
    """The modules one entry point loads at import time."""

    entry: str  # as configured: a module name, or a file path relative to ROOT
    module: str  # the entry's module name (a loose file's dotted name or its path)
    modules: tuple[str, ...]  # every module with a file that the entry loads, itself included, sorted
    # (importer, imported) of the imports followed, each side collapsed to its package of
    # PACKAGE_DEPTH name parts, self-loops dropped: what report draws. (A big closure follows
    # hundreds of thousands of imports, and keeping them all would cost a warm run more than the
    # check itself: benchmarks/README.md, "Measurements behind design choices".)
    package_edges: tuple[tuple[str, str], ...]
    dynamic: tuple[ClosureEdge, ...] = ()  # literal dynamic imports followed (marked in reports)

    @property
    def contract(self) -> str:
        return contract_name(self.entry)

    def problems(self, violations: Iterable[Violation]) -> list[Violation]:
        """This entry's failing findings, baselined or not: a baseline keeps ``check`` green,
        it does not make a module that cannot load clean."""
        return [v for v in violations if v.contract == self.contract and v.severity is Severity.ERROR]


def is_golden(violation: Violation) -> bool:
    return violation.kind is Kind.GOLDEN_PATH


@dataclass(frozen=True, slots=True)
class PackageNode:
    """Modules of one closure collapsed into their package (the first ``depth`` name parts)."""

    name: str
    modules: int  # closure modules inside it
    problems: int  # failing golden-path findings in those modules
    entry: bool = False  # holds the entry point


@dataclass(frozen=True, slots=True)
class MissingModule:
    """A module the closure imports that has no file (AG402): drawn as a box of its own, with an
    edge from each package whose modules import it."""

    name: str
    importers: tuple[str, ...]  # the importing packages (``PackageNode.name``), sorted
    imports: int  # golden-path findings naming it
    first_site: str  # ``path:line`` of the first of them
    failing: bool  # at least one import of it is not guarded: an error, not a warning


@dataclass(frozen=True, slots=True)
class ClosureDiagram:
    """What ``report`` draws for one entry point: its closure collapsed to packages."""

    entry: str
    nodes: tuple[PackageNode, ...]
    edges: tuple[tuple[str, str], ...]  # (importing package, imported package), no self-loops
    missing: tuple[MissingModule, ...] = ()  # failing ones first, then by imports, then by name
