"""Which ``.py`` files a tree holds, and the module name each one carries.

Two ways to list files, one result:

* inside a git checkout, ``git ls-files`` (tracked + untracked, minus ``.gitignore``): fast and
  exactly what the user's VCS considers part of the project;
* otherwise (or when git is missing or fails) an ``os.scandir`` walk.

Both then go through the same filters: the always-excluded folders (VCS metadata, virtualenvs,
build and cache folders), the user's gitignore-style ``excludes``, and "is it a file (not a
folder) named ``*.py``": a FIFO or device so named is listed, and the scan reports it unreadable.

Symlinked directories are never followed, by the walk or by git (which records them as links):
no loops, and no file is counted twice under two paths. Symlinked *files* are listed like any file.
"""

from __future__ import annotations

import os
import stat
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from archguard.adapters.project_files.git_listing import GitListing, list_git_files
from archguard.domain.sources import SourceFile

if TYPE_CHECKING:
    import pathspec

# Folder names that never hold the user's own code.
ALWAYS_EXCLUDED_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        ".venv",
        "venv",
        ".tox",
        ".nox",
        "node_modules",
        "__pycache__",
        ".eggs",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        ".archguard_cache",
        "site-packages",
    }
)
NATIVE_SUFFIXES = (".so", ".pyd", ".pyx")  # compiled extensions, and Cython sources built into them
STUB_SUFFIX = ".pyi"  # a stub beside a module declares its names (lazy_loader's attach_stub)
MODULE_SUFFIXES = (".py", STUB_SUFFIX, *NATIVE_SUFFIXES)
# Build output folders, left out unless they are packages themselves (pip has a package
# ``pip._internal.operations.build``; setuptools' ``build/`` has no ``__init__.py``).
BUILD_OUTPUT_DIRS = frozenset({"build", "dist"})
VENV_MARKER = "pyvenv.cfg"  # any folder holding it is a virtualenv, whatever its name
INIT = "__init__.py"
SRC = "src"
_LINEAR_TIME = "re2"  # pathspec's backend for exclude patterns (see _ExcludeSpec)


class DiscoveryError(Exception):
    """Bad input from the user (an unknown ``--package``): a usage error, not a finding."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class Discovery:
    files: list[SourceFile]  # sorted by path
    packages: list[str]
    package_dirs: dict[str, str] = field(default_factory=dict)  # "app" -> "app" or "src/app"
    # Modules of the packages that exist without Python source (compiled ``.so``/``.pyd``
    # extensions, Cython ``.pyx``): importable, so importing them is not dangling, but their
    # names are unknown. Not counted as files.
    native_modules: list[SourceFile] = field(default_factory=list)
    # Every path git tracks under ROOT (any file type, exclusions not applied); None when the tree
    # was walked. Tells whether a cache folder inside ROOT came with the tree (docs/security.md).
    git_tracked: list[str] | None = None
    # ``x.pyi`` beside ``x.py`` (``__init__.pyi`` beside ``__init__.py``), named as that module.
    # Not counted as files: they only tell which names the module serves.
    stubs: list[SourceFile] = field(default_factory=list)
    # What was looked up on disk besides the listing (see :func:`probes_hold`): a warm start
    # (app/warm_start.py) reuses this discovery only while every answer is the same.
    probes: dict[str, bool] = field(default_factory=dict)


def discover(
    root: Path,
    *,
    packages: Sequence[str] | None = None,
    excludes: Sequence[str] = (),
    listing: GitListing | None = None,
) -> Discovery:
    """``listing``: git's listing of ROOT made already (None: discovery asks git itself)."""
    root = Path(root)
    probes = _Probes(root)
    listed, tracked = _list_module_files(root, excludes, probes, listing)
    paths = [rel for rel in listed if rel.endswith(".py")]
    dirs_with_init = _dirs_with_init(root, paths)
    if packages is None:
        package_dirs = _detect_packages(dirs_with_init, uses_src=probes.src_is_layout_root())
    else:
        package_dirs = _given_packages(root, packages)
    files = _name_modules(paths, package_dirs, dirs_with_init, uses_src=probes.src_is_layout_root())
    return Discovery(
        files=files,
        packages=sorted(package_dirs),
        package_dirs=package_dirs,
        native_modules=_native_modules(listed, package_dirs, dirs_with_init),
        git_tracked=tracked,
        stubs=_stubs(listed, files, package_dirs, dirs_with_init),
        probes=probes.answers,
    )


# --- listing ----------------------------------------------------------------------------------


class _ExcludeSpec:
    """The user's ``--exclude`` globs, gitignore-style, relative to ROOT. The patterns may come
    from the tree (``[tool.archguard] exclude``), so they are matched by RE2 (pathspec's ``re2``
    backend): time linear in the path's length, where Python's backtracking ``re`` takes
    exponential time on ``*a*a*a*a*a*a*a*a*a*a*b`` (docs/security.md)."""

    def __init__(self, patterns: Sequence[str]) -> None:
        lines = [p.strip() for p in patterns if p.strip()]
        self._spec: pathspec.GitIgnoreSpec | None = None
        if lines:  # pathspec is loaded only when there are patterns (a warm start lists nothing)
            import pathspec

            for line in lines:  # one at a time, so the error names the bad one
                try:
                    pathspec.GitIgnoreSpec.from_lines([line], backend=_LINEAR_TIME)
                except Exception as error:  # noqa: BLE001 - pathspec's error types vary by version
                    raise DiscoveryError(
                        f"--exclude {line!r}: not a valid gitignore-style pattern ({error})"
                    ) from None
            self._spec = pathspec.GitIgnoreSpec.from_lines(lines, backend=_LINEAR_TIME)
        # With a "!re-include" pattern, a file below an excluded folder may come back, so the
        # walk must not prune folders; without one, pruning saves walking whole backup trees.
        self._can_prune = not any(line.startswith("!") for line in lines)

    def excludes_file(self, rel_path: str) -> bool:
        return self._spec is not None and self._spec.match_file(rel_path)

    def prunes_dir(self, rel_dir: str) -> bool:
        return self._spec is not None and self._can_prune and self._spec.match_file(rel_dir + "/")


@dataclass(frozen=True)
class TreeListing:
    """Files of a tree whose names match, minus the always-excluded folders and the user's
    ``excludes``; relative to ROOT with ``/``, in no particular order."""

    paths: list[str]
    tracked: list[str] | None  # every path git tracks under ROOT; None when the tree was walked
    listed_by_git: bool  # git lists what it knows, not what is there: check such paths on disk


def list_tree_files(root: Path, excludes: Sequence[str], name_matches: Callable[[str], bool]) -> TreeListing:
    """The one listing every reader of the tree uses (modules here, backup copies in
    ``copy_sources``): git's listing when ROOT is in a checkout, else a walk; NAME_MATCHES is asked
    about each file name (the last path part)."""
    return _tree_files(root, excludes, name_matches, list_git_files(root))


def _tree_files(
    root: Path, excludes: Sequence[str], name_matches: Callable[[str], bool], git: GitListing | None
) -> TreeListing:
    """:func:`list_tree_files` with git's listing made already (None: walk the tree)."""
    spec = _ExcludeSpec(excludes)
    listing, tracked = (git.paths, git.tracked) if git is not None else (None, None)
    candidates: Iterable[str] = (
        (rel for rel in listing if name_matches(rel.rpartition("/")[2]))
        if listing is not None
        else _walk(root, spec, name_matches)
    )
    excluded_folder: dict[str, bool] = {}  # per folder: a tree of 10,000 files has a few hundred

    def in_excluded_dir(rel: str) -> bool:
        folder = rel.rpartition("/")[0]
        known = excluded_folder.get(folder)
        if known is None:
            known = excluded_folder[folder] = any(_is_excluded_dir_name(part) for part in folder.split("/"))
        return known

    paths = [rel for rel in candidates if not in_excluded_dir(rel) and not spec.excludes_file(rel)]
    return TreeListing(paths, tracked, listed_by_git=listing is not None)


def _list_module_files(
    root: Path, excludes: Sequence[str], probes: _Probes, git: GitListing | None
) -> tuple[list[str], list[str] | None]:
    """``.py`` files and native module files (see NATIVE_SUFFIXES), relative to ROOT, sorted; and
    the paths git tracks (None: not listed by git)."""
    if git is None:
        git = list_git_files(root)
    listing = _tree_files(root, excludes, lambda name: name.endswith(MODULE_SUFFIXES), git)
    # The walk has seen each entry's type already; of git's listing, the files git has just found
    # unchanged against its index are plain files on disk, the others (tracked-but-deleted files,
    # links, folders named x.py, untracked files) are checked on disk.
    clean = git.clean if git is not None else frozenset()
    kept = {
        rel
        for rel in listing.paths
        if not probes.not_code_inside(rel)
        and (not listing.listed_by_git or rel in clean or _exists_as_non_folder(os.path.join(root, rel)))
    }
    return sorted(kept), listing.tracked


def _walk(root: Path, excludes: _ExcludeSpec, name_matches: Callable[[str], bool]) -> Iterator[str]:
    """Paths (relative, with "/") of non-folders whose names match; symlinked folders not followed."""
    pending = [""]
    while pending:
        rel_dir = pending.pop()
        try:
            with os.scandir(root / rel_dir if rel_dir else root) as entries:
                listed = list(entries)
        except OSError:  # permission denied, vanished meanwhile: skip the folder, not the scan
            continue
        for entry in listed:
            rel = f"{rel_dir}/{entry.name}" if rel_dir else entry.name
            try:
                if entry.is_dir(follow_symlinks=False):
                    if not _is_excluded_dir_name(entry.name) and not excludes.prunes_dir(rel):
                        pending.append(rel)
                elif name_matches(entry.name) and not _is_folder(entry):
                    # Broken links, link loops and other non-folders named *.py are listed too:
                    # the scan reports each as unreadable, so every entry is accounted for.
                    yield rel
            except OSError:
                continue


def _is_folder(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir()
    except OSError:  # a link loop: not a folder, and reported as unreadable
        return False


def _exists_as_non_folder(path: str) -> bool:
    """A tracked file still on disk (a broken link too: it is reported, not dropped), not a folder.
    One ``lstat`` for the common case (a regular file); links are followed to see what they reach."""
    try:
        mode = os.lstat(path).st_mode
    except (OSError, ValueError):
        return False
    if stat.S_ISLNK(mode):
        return not os.path.isdir(path)
    return not stat.S_ISDIR(mode)


def _is_excluded_dir_name(name: str) -> bool:
    return name in ALWAYS_EXCLUDED_DIRS or name.endswith(".egg-info")


class _Probes:
    """What discovery looks up on disk beyond the listing, each answer kept (``answers``).

    Is a path inside a folder that holds no code of the user's: a virtualenv with an unusual name
    (its ``pyvenv.cfg``), or a ``build``/``dist`` output folder (one that is not itself a
    package)? Answers are cached per folder. And is ``src`` a layout folder?"""

    def __init__(self, root: Path) -> None:
        self._root = root
        self.answers: dict[str, bool] = {}  # folder (relative) -> holds no code; _SRC_PROBE -> ...
        self._inside: dict[str, bool] = {}  # per folder of a listed file

    def src_is_layout_root(self) -> bool:
        known = self.answers.get(_SRC_PROBE)
        if known is None:
            known = self.answers[_SRC_PROBE] = _src_is_layout_root(self._root)
        return known

    def not_code_inside(self, rel: str) -> bool:
        folder = rel.rpartition("/")[0]
        known = self._inside.get(folder)
        if known is None:
            parts = folder.split("/") if folder else []
            known = any(self._dir_is_excluded("/".join(parts[: i + 1])) for i in range(len(parts)))
            self._inside[folder] = known
        return known

    def _dir_is_excluded(self, rel_dir: str) -> bool:
        known = self.answers.get(rel_dir)
        if known is None:
            known = self.answers[rel_dir] = _holds_no_code(self._root, rel_dir)
        return known


_SRC_PROBE = "\0src-is-layout-root"  # no folder's name


def _holds_no_code(root: Path, rel_dir: str) -> bool:
    folder = os.path.join(root, rel_dir)
    return os.path.isfile(os.path.join(folder, VENV_MARKER)) or (
        rel_dir.rpartition("/")[2] in BUILD_OUTPUT_DIRS and not os.path.isfile(os.path.join(folder, INIT))
    )


def probes_hold(root: Path, probes: dict[str, bool]) -> bool:
    """Would discovery look up the same answers on disk today?"""
    for key, answer in probes.items():
        now = _src_is_layout_root(root) if key == _SRC_PROBE else _holds_no_code(root, key)
        if now != answer:
            return False
    return True


# --- packages ---------------------------------------------------------------------------------


def _dirs_with_init(root: Path, paths: Iterable[str]) -> set[str]:
    """Folders (relative) holding an ``__init__.py`` among the discovered files."""
    return {rel.rpartition("/")[0] for rel in paths if rel.rpartition("/")[2] == INIT}


def _src_is_layout_root(root: Path) -> bool:
    """``src/`` is a layout folder (holding packages) unless it is itself a package."""
    return (root / SRC).is_dir() and not (root / SRC / INIT).is_file()


def _detect_packages(dirs_with_init: set[str], *, uses_src: bool) -> dict[str, str]:
    found: dict[str, str] = {}
    for rel_dir in sorted(dirs_with_init):
        parts = rel_dir.split("/")
        if len(parts) == 1 and parts[0] and parts[0].isidentifier():
            found.setdefault(parts[0], rel_dir)
    if uses_src:
        for rel_dir in sorted(dirs_with_init):
            parts = rel_dir.split("/")
            if len(parts) == 2 and parts[0] == SRC and parts[1].isidentifier():
                found.setdefault(parts[1], rel_dir)  # a ROOT-level package of the same name wins
    return dict(sorted(found.items()))


def _given_packages(root: Path, names: Sequence[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for name in names:
        if not name.isidentifier():
            raise DiscoveryError(f"--package {name!r}: not a top-level package name")
        for rel_dir in (name, f"{SRC}/{name}"):
            if (root / rel_dir / INIT).is_file():
                found[name] = rel_dir
                break
        else:
            raise DiscoveryError(f"--package {name!r}: no {name}/{INIT} or {SRC}/{name}/{INIT} under {root}")
    return dict(sorted(found.items()))


# --- module names -----------------------------------------------------------------------------


def _name_modules(
    paths: list[str], package_dirs: dict[str, str], dirs_with_init: set[str], *, uses_src: bool
) -> list[SourceFile]:
    dir_to_package = {rel_dir: name for name, rel_dir in package_dirs.items()}
    files = [_name_one(rel, dir_to_package, dirs_with_init, uses_src) for rel in paths]
    return _settle_loose_collisions(files)


def _native_modules(
    listed: list[str], package_dirs: dict[str, str], dirs_with_init: set[str]
) -> list[SourceFile]:
    """Package modules that exist only as ``processors.cpython-312-x86_64-linux-gnu.so`` or
    ``processors.pyx``: named as the ``processors.py`` beside them would be."""
    dir_to_package = {rel_dir: name for name, rel_dir in package_dirs.items()}
    found: dict[str, SourceFile] = {}
    for rel in listed:
        if not rel.endswith(NATIVE_SUFFIXES):
            continue
        folder, _, filename = rel.rpartition("/")
        as_source = f"{folder}/{filename.split('.')[0]}.py" if folder else f"{filename.split('.')[0]}.py"
        named = _package_module(as_source, dir_to_package, dirs_with_init)
        if named is not None and not named.is_package:
            found.setdefault(named.module, SourceFile(rel, named.module, loose=False, is_package=False))
    return sorted(found.values(), key=lambda f: f.path)


def _stubs(
    listed: list[str], files: list[SourceFile], package_dirs: dict[str, str], dirs_with_init: set[str]
) -> list[SourceFile]:
    """The ``.pyi`` stubs beside modules, and those of a package that stand alone (an extension
    module built for another platform only, or missing from this build: the module may exist
    where the code runs; the symbol table tells the two apart)."""
    by_path = {f.path: f for f in files}
    dir_to_package = {rel_dir: name for name, rel_dir in package_dirs.items()}
    native = {_without_suffixes(rel) for rel in listed if rel.endswith(NATIVE_SUFFIXES)}
    found = []
    for rel in listed:
        if rel.endswith(STUB_SUFFIX):
            module = by_path.get(rel[:-1])  # x.pyi -> x.py
            if module is None and _without_suffixes(rel) not in native:
                module = _package_module(rel[:-1], dir_to_package, dirs_with_init)
            if module is not None:
                found.append(SourceFile(rel, module.module, module.loose, module.is_package))
    return found


def _without_suffixes(rel: str) -> str:
    """``pkg/_speedups.cpython-312-x86_64-linux-gnu.so`` -> ``pkg/_speedups``."""
    folder, slash, filename = rel.rpartition("/")
    return folder + slash + filename.partition(".")[0]


def _name_one(
    rel: str, dir_to_package: dict[str, str], dirs_with_init: set[str], uses_src: bool
) -> SourceFile:
    packaged = _package_module(rel, dir_to_package, dirs_with_init)
    if packaged is not None:
        return packaged
    return _loose_module(rel, uses_src, dirs_with_init)


def _package_module(rel: str, dir_to_package: dict[str, str], dirs_with_init: set[str]) -> SourceFile | None:
    """The file's dotted name when it sits inside a regular package, else None."""
    parts = rel.split("/")
    top = 2 if parts[0] == SRC and "/".join(parts[:2]) in dir_to_package else 1
    package_dir = "/".join(parts[:top])
    if package_dir not in dir_to_package or len(parts) <= top:
        return None
    inner_dirs = parts[top:-1]
    # Every folder from the package down must hold __init__.py and be a valid identifier,
    # else Python reaches the file (if at all) as a namespace package: loose.
    for depth in range(len(inner_dirs)):
        folder = "/".join(parts[: top + depth + 1])
        if not inner_dirs[depth].isidentifier() or folder not in dirs_with_init:
            return None
    stem = parts[-1][: -len(".py")]
    names = [dir_to_package[package_dir], *inner_dirs]
    if stem == "__init__":
        return SourceFile(path=rel, module=".".join(names), loose=False, is_package=True)
    if "." in stem:  # ``a.b.py`` cannot be named as a module at all
        return None
    # A stem that is not an identifier (Django's ``0001_initial.py``) cannot be named in an import
    # statement, but importlib imports it as a module of its package, and grimp lists it: so do we.
    return SourceFile(path=rel, module=".".join([*names, stem]), loose=False, is_package=False)


def _loose_module(rel: str, uses_src: bool, dirs_with_init: set[str]) -> SourceFile:
    """Scripts, test folders without ``__init__.py``, namespace folders: named by their path
    relative to ROOT (or ROOT/src), dotted when every part is an identifier.

    A file whose folder holds ``__init__.py`` is a module of that folder's package, as
    ``python -m`` runs it (its relative imports resolve there), even when its own name is not an
    identifier (``tests/unit/test-x.py`` is ``tests.unit.test-x``) or a folder above is not
    (``my-tools/pkg/run.py`` is ``pkg.run``, named from the top of its ``__init__.py`` chain)."""
    parts = rel.split("/")
    if uses_src and parts[0] == SRC and len(parts) > 1:
        parts = parts[1:]
    stem = parts[-1][: -len(".py")]
    is_package = stem == "__init__"
    dotted_parts = parts[:-1] if is_package else [*parts[:-1], stem]
    if dotted_parts and all(p.isidentifier() for p in dotted_parts):
        return SourceFile(path=rel, module=".".join(dotted_parts), loose=True, is_package=is_package)
    folders = parts[:-1]
    if "." not in stem and rel.rpartition("/")[0] in dirs_with_init:
        if all(p.isidentifier() for p in folders):
            top = 0  # only the file's own name is not one: named from ROOT, as its neighbours are
        else:
            full = rel.split("/")
            offset = len(full) - len(parts)  # ``src/`` dropped from the name
            top = len(folders)
            while (
                top > 0
                and folders[top - 1].isidentifier()
                and "/".join(full[: offset + top]) in dirs_with_init
            ):
                top -= 1
        names = folders[top:] if is_package else [*folders[top:], stem]
        if names and top < len(folders):
            return SourceFile(path=rel, module=".".join(names), loose=True, is_package=is_package)
    return SourceFile(path=rel, module=rel, loose=True, is_package=False)


def _settle_loose_collisions(files: list[SourceFile]) -> list[SourceFile]:
    """A loose file whose dotted name is also a package module's, or another loose file's, is
    named by its path: one module name must never stand for two files."""
    package_modules = {f.module for f in files if not f.loose}
    loose_counts = Counter(f.module for f in files if f.loose)
    settled = []
    for f in files:
        if f.loose and f.module != f.path and (f.module in package_modules or loose_counts[f.module] > 1):
            f = SourceFile(path=f.path, module=f.path, loose=True, is_package=False)
        settled.append(f)
    return settled


def split_undecodable_names(files: Sequence[SourceFile]) -> tuple[list[SourceFile], list[SourceFile]]:
    """Files whose names are valid UTF-8, and the others (bytes that are not UTF-8 arrive as lone
    surrogates from ``os.fsdecode``). The others cannot be named in a report, a JSON document or
    the import graph, so the scan records them as unreadable under a printable name instead."""
    readable: list[SourceFile] = []
    undecodable: list[SourceFile] = []
    for file in files:
        try:
            file.path.encode("utf-8")
        except UnicodeEncodeError:
            printable = os.fsencode(file.path).decode("utf-8", "backslashreplace")
            undecodable.append(SourceFile(printable, printable, loose=True, is_package=False))
        else:
            readable.append(file)
    return readable, undecodable
