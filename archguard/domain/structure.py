"""The codebase's structure as the report draws it: module imports with their lines, groups of
modules (packages, folders, a workspace member...) in layer order, and the dependency structure
matrix between them (``analysis/structure.py`` computes them)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

# (importer module, imported module) -> the lines of its import statements in the importer's file
ModuleImports = Mapping[tuple[str, str], tuple[int, ...]]


@dataclass(frozen=True)
class Group:
    """A row (and column) of the matrix, a box of the overview."""

    name: str  # "billing", "billing.core", "tests/", "(root scripts)"; what the reader sees
    key: tuple[str, ...]  # its place in the hierarchy, outermost first (analysis/structure.py)
    modules: int  # modules (or loose files) in it
    loose: bool  # a folder of files outside packages (scripts, tests)
    cycle: int | None = None  # index into DependencyMatrix.cycles when the group is in one


@dataclass(frozen=True)
class DependencyMatrix:
    """Groups in layer order (importers before what they import; the groups of one import cycle
    next to each other) and the import statements between them. An import from a group to one
    listed *before* it goes against the order: a layering violation, or part of a cycle."""

    title: str  # what the groups are: "top-level packages", "modules of billing"
    groups: tuple[Group, ...]
    imports: Mapping[tuple[int, int], int]  # (importer index, imported index) -> statements, i != j
    internal: tuple[int, ...]  # per group: statements within it
    cycles: tuple[tuple[int, int], ...]  # (first, last) index of each run of groups importing each other
    group_of: Mapping[str, int]  # module -> index of its group (modules outside every group: absent)
    # (importer, imported) group pairs every import of which is a PEP 810 ``lazy`` import: nothing of
    # the imported group loads at import time (drawn dashed)
    lazy: frozenset[tuple[int, int]] = frozenset()
    # the module edges between the groups' modules: ``summary.imports`` counts the same, over the tree
    module_imports: int = 0

    @property
    def against(self) -> int:
        """Import statements against the order (an importer listed after what it imports)."""
        return sum(count for (importer, imported), count in self.imports.items() if importer > imported)
