"""The check passes, in the order ``contracts_run`` lists their contracts: one class each, one line
here (docs/DESIGN.md, "Adding things"). A :class:`FilePass` is derived file by file and kept per
file; a :class:`TreePass` over the whole tree (``passes/base.py``)."""

from __future__ import annotations

from archguard.app.passes.base import (
    CheckPass,
    CheckRun,
    FilePass,
    PiecePass,
    Prepared,
    TreeOutcome,
    TreePass,
)
from archguard.app.passes.broken_files import BrokenFilesPass
from archguard.app.passes.concepts import ConceptPass
from archguard.app.passes.dangling import DanglingPass
from archguard.app.passes.golden_path import GoldenPathPass
from archguard.app.passes.importlinter import ImportLinterPass
from archguard.app.passes.members import MembersPass
from archguard.app.passes.structure import StructurePass

PASSES: list[type[FilePass] | type[TreePass]] = [
    ConceptPass,
    ImportLinterPass,
    DanglingPass,
    BrokenFilesPass,
    MembersPass,
    GoldenPathPass,
    StructurePass,  # no findings: what diff and history read of each file (passes/structure.py)
]

__all__ = ["PASSES", "CheckPass", "CheckRun", "FilePass", "PiecePass", "Prepared", "TreeOutcome", "TreePass"]
