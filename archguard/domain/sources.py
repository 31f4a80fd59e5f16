"""The files of a tree and the module names they carry."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

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

    @property
    def rewrite_package(self) -> str | None:
        """What a rewrite resolves this file's relative imports against: its package, or None for a
        loose file named by its path (it has no package, so a relative import cannot work)."""
        return None if self.module == self.path else self.package

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


def folders_of(paths: Iterable[str]) -> frozenset[str]:
    """Every folder (relative, with "/") holding one of ``paths``, at any depth; ROOT ("") left out."""
    found: set[str] = set()
    for path in paths:
        folder = path.rpartition("/")[0]
        while folder and folder not in found:
            found.add(folder)
            folder = folder.rpartition("/")[0]
    return frozenset(found)


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


# --- members and source roots (docs/monorepos.md) ----------------------------------------------

MEMBER_RULE = "AG601"  # a member imports what its pyproject.toml does not declare
MEMBER_CONTRACT = "member-dependencies"  # AG601's contract (analysis/members.py)


@dataclass(frozen=True, slots=True)
class Member:
    """One project of the tree: ROOT itself, or a workspace member (a folder with its own
    ``pyproject.toml``, named by the workspace configuration), or a source root named by Pants,
    ``source_roots`` or ``--source-root`` that no member holds.

    ``roots`` are the folders its packages sit in, searched first to last: ``src`` when the member
    has a ``src/`` layout, else its top (ROOT keeps both, ROOT and ROOT/src, as always).
    ``requires`` are the distributions it declares for all of its code (dependencies, optional
    dependencies, dependency groups that are not development ones), ``dev_requires`` those of its
    development groups (its tests and scripts may use them too); names normalised as PEP 503 does.
    ``requires`` is None when the declaration cannot be read statically (``dynamic`` dependencies
    no known hook lists, or no project table at all): then nothing is judged for it.
    """

    path: str  # folder relative to ROOT, "" for ROOT itself
    roots: tuple[str, ...]  # folders relative to ROOT ("" = ROOT)
    name: str = ""  # the distribution name its pyproject.toml declares ("" when none)
    config: str = ""  # its pyproject.toml relative to ROOT ("" when it has none)
    found_by: str = ""  # "root", "uv", "poetry", "pdm", "hatch", "path-dependency", "pants", "source-root"
    requires: frozenset[str] | None = None
    dev_requires: frozenset[str] = frozenset()
    ships: tuple[str, ...] = ()  # top-level packages its build configuration names, wherever they sit

    @property
    def label(self) -> str:
        """How reports name it: its distribution name, else its folder (``.`` for ROOT)."""
        return self.name or self.path or "."


@dataclass(frozen=True)
class SourceLayout:
    """Every member of the tree and its source roots. ``members[0]`` is ROOT's (path ""); the
    others follow by path. A file belongs to the member whose folder holds it most closely."""

    members: tuple[Member, ...]
    # (folder, distributions) of each pip requirements file: the environment the scripts of that
    # folder and below run in; they may import what it lists (docs/monorepos.md)
    environments: tuple[tuple[str, frozenset[str]], ...] = ()
    # module file -> member: filled on first use, per folder (a tree has a few hundred folders)
    _by_folder: dict[str, Member] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def single(cls, roots: tuple[str, ...] = ("",)) -> SourceLayout:
        """A tree that is one project: ROOT (and ROOT/src)."""
        return cls((Member("", roots, found_by="root"),))

    def identity(self) -> tuple:
        """Everything about the members, as plain sorted values (a cache key's part)."""
        environments = tuple((folder, tuple(sorted(names))) for folder, names in self.environments)
        return environments, tuple(
            (
                m.path,
                m.roots,
                m.name,
                m.config,
                m.found_by,
                None if m.requires is None else tuple(sorted(m.requires)),
                tuple(sorted(m.dev_requires)),
                m.ships,
            )
            for m in self.members
        )

    @property
    def is_workspace(self) -> bool:
        return len(self.members) > 1

    @property
    def source_roots(self) -> tuple[str, ...]:
        """Every source root, as reports list them (``.`` for ROOT), in search order."""
        return tuple(root or "." for member in self.members for root in member.roots)

    def environment_of(self, path: str, member: Member) -> frozenset[str]:
        """What the requirements files of the file's folder and the folders above it, inside its
        member, declare."""
        found: set[str] = set()
        for folder, names in self.environments:
            inside_member = not member.path or folder == member.path or folder.startswith(member.path + "/")
            if inside_member and (not folder or path.startswith(folder + "/")):
                found |= names
        return frozenset(found)

    def member_of(self, path: str) -> Member:
        if len(self.members) == 1:  # one project: every file is ROOT's
            return self.members[0]
        folder = path.rpartition("/")[0]
        known = self._by_folder.get(folder)
        if known is None:
            known = self._by_folder[folder] = self._member_of_folder(folder)
        return known

    def _member_of_folder(self, folder: str) -> Member:
        by_path = {m.path: m for m in self.members}
        while True:
            found = by_path.get(folder)
            if found is not None:
                return found
            if not folder:
                return self.members[0]
            folder = folder.rpartition("/")[0]
