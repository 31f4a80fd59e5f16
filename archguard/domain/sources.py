"""The files of a tree and the module names they carry."""

from __future__ import annotations

from dataclasses import dataclass

from archguard.domain.facts import ImportFact


@dataclass(frozen=True, slots=True)
class SourceFile:
    """One ``.py`` file found under ROOT after exclusions.

    ``module`` is the dotted name Python would import it by: for files inside a regular package
    (every folder from the top-level package down holds ``__init__.py``) the package module name;
    for loose files (scripts, test folders without ``__init__.py``, namespace folders) the module
    path relative to ROOT when every part is an identifier (``tests.e2e.test_chat``), otherwise the
    file path itself (``scripts/fix-db.py``). ``loose`` tells which.
    """

    path: str  # relative to ROOT, with "/"
    module: str
    loose: bool
    is_package: bool  # an __init__.py: relative imports resolve from the module itself

    @property
    def package(self) -> str:
        """The package relative imports in this file resolve against."""
        if self.is_package:
            return self.module
        return self.module.rpartition(".")[0]

    def import_target(self, fact: ImportFact) -> str | None:
        """The absolute module an import fact in this file names (for ``from m import x``, ``m``);
        None when relative dots climb out of the tree.

        Loose files whose module name is a path (``scripts/fix-db.py``) have no package, so every
        relative import in them fails at run time.
        """
        if fact.level == 0:
            return fact.module
        if self.module == self.path:  # a loose file named by its path: it has no package
            return None
        return resolve_relative(self.package, fact.module, fact.level)


def is_dotted_name(module: str) -> bool:
    """A module name Python could import (``a.b``), not a file path (``scripts/fix-db.py``)."""
    return all(part.isidentifier() for part in module.split("."))


def resolve_relative(package: str, module: str, level: int) -> str | None:
    """Absolute module for ``from <level dots><module> import ...`` inside ``package``.

    Returns None when the dots climb above the top-level package: Python raises "attempted
    relative import beyond top-level package" (or "with no known parent package"), whatever
    module of that name exists at the top (``from ..gone import x`` in ``app/t2.py`` never
    means a root ``gone.py``).
    """
    if level == 0:
        return module
    parts = package.split(".") if package else []
    if level > len(parts):
        return None
    base = parts[: len(parts) - (level - 1)]
    return ".".join([*base, module] if module else base)
