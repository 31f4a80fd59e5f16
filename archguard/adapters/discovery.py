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

import errno
import fnmatch
import os
import re
import stat
import time
from bisect import insort
from collections import Counter
from collections.abc import Callable, Container, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from archguard.adapters.cache.facts_cache import RACY_WINDOW_NS
from archguard.adapters.project_files.git_listing import GitListing, list_git_files
from archguard.adapters.project_files.safe_io import NotRegularFile
from archguard.adapters.project_files.tree_files import DiskFiles
from archguard.domain.sources import Member, SourceFile, SourceLayout, folders_of

if TYPE_CHECKING:  # the workspace configuration is read where a tree is discovered, never on a warm start
    import pathspec

    from archguard.adapters.project_files.git_objects import TreeEntry
    from archguard.adapters.project_files.workspace_config import ConfigFiles, PantsSettings, WorkspaceConfig

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
    # "app" -> "app" or "src/app" (a namespace package: its first portion; the rest in ``portions``)
    package_dirs: dict[str, str] = field(default_factory=dict)
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
    # (adapters/warm_start.py) reuses this discovery only while every answer is the same.
    probes: dict[str, bool | str] = field(default_factory=dict)
    # The members of a monorepo and their source roots (docs/monorepos.md); one member, ROOT's,
    # for a tree that is one project.
    layout: SourceLayout = field(default_factory=SourceLayout.single)
    # Namespace packages (PEP 420) spread over several source roots: name -> every portion's folder.
    portions: dict[str, list[str]] = field(default_factory=dict)
    # What the run should say about the layout: a package hidden by another of the same name, a
    # member's pyproject.toml that could not be read.
    notes: list[str] = field(default_factory=list)


class TreeView(DiskFiles):
    """What discovery looks up beyond the listing, asked of the disk under ROOT; a commit's files
    (``Engine.at_commit``) answer from the commit's tree instead (:class:`PathsView`)."""


class PathsView(TreeView):
    """The files of a commit's tree (path relative to ROOT, with "/" -> its entry), no link among
    them. Its files are read from their blobs (``history --config-at-commit`` reads the commit's
    workspace configuration so: ``workspace_config.ConfigFiles``)."""

    def __init__(self, root: Path, entries: Mapping[str, TreeEntry]) -> None:
        super().__init__(root)
        self._entries = entries
        self._dirs: frozenset[str] | None = None  # made when first asked (most commits never ask)
        self._projects: dict[str, bytes] | None = None  # blob -> bytes of every pyproject.toml

    def isfile(self, rel: str) -> bool:
        return rel in self._entries

    def isdir(self, rel: str) -> bool:
        return rel == "" or rel in self.folders()

    def folders(self) -> frozenset[str]:
        if self._dirs is None:
            self._dirs = folders_of(self._entries)
        return self._dirs

    def read(self, rel: str, max_bytes: int | None = None) -> bytes:
        entry = self._entries.get(rel)
        if entry is None:
            if self.isdir(rel):
                raise NotRegularFile(rel, stat.S_IFDIR)
            raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), rel)
        if max_bytes is None and entry.mode in _FILE_MODES and rel.rpartition("/")[2] == "pyproject.toml":
            if self._projects is None:  # a workspace reads every member's: one git call for all
                from archguard.adapters.project_files.git_objects import read_blobs

                self._projects = read_blobs(
                    self.root,
                    {
                        e.blob
                        for path, e in self._entries.items()
                        if e.mode in _FILE_MODES
                        and (path == "pyproject.toml" or path.endswith("/pyproject.toml"))
                    },
                )
            found = self._projects.get(entry.blob)
            if found is not None:
                return found
        return read_entry(self.root, entry, max_bytes)

    def glob_folders(self, pattern: str) -> list[str]:
        return glob_folders(self.folders(), pattern)

    def inside(self, rel: str) -> str | None:
        return lexically_inside(self.root, rel)


_FILE_MODES = ("100644", "100755")  # a file's modes in a git tree


def read_entry(root: Path, entry: TreeEntry, max_bytes: int | None = None) -> bytes:
    """The bytes of a commit's file as a checkout's ``read_regular`` reads them: a submodule is a
    folder there; a file larger than ``max_bytes`` reads empty (its size asked of git first, so it
    is never read); a blob git cannot give is an error."""
    from archguard.adapters.project_files.git_objects import blob_sizes, read_blobs

    if entry.refused:
        raise OSError(errno.EINVAL, entry.refused, entry.path)
    if entry.mode not in (*_FILE_MODES, "120000"):
        raise NotRegularFile(entry.path, stat.S_IFDIR)
    if max_bytes is not None and blob_sizes(root, [entry.blob]).get(entry.blob, 0) > max_bytes:
        return b""
    data = read_blobs(root, [entry.blob]).get(entry.blob)
    if data is None:
        raise OSError(errno.EIO, "git could not give this blob", entry.path)
    return data


def glob_folders(folders: Iterable[str], pattern: str) -> list[str]:
    """The ``folders`` (relative to ROOT, "" left out) that ``pattern`` matches as
    ``glob.glob(pattern, recursive=True, include_hidden=True)`` matches folders on disk: folder
    by folder, ``**`` alone standing for any number of folders (none included)."""
    parts = [part for part in pattern.strip("/").split("/") if part not in ("", ".")]
    return sorted(folder for folder in folders if folder and _glob_match(parts, folder.split("/")))


def _glob_match(parts: Sequence[str], names: Sequence[str]) -> bool:
    if not parts:
        return not names
    if parts[0] == "**":
        return any(_glob_match(parts[1:], names[at:]) for at in range(len(names) + 1))
    return bool(names) and fnmatch.fnmatchcase(names[0], parts[0]) and _glob_match(parts[1:], names[1:])


def lexically_inside(root: Path, rel: str) -> str | None:
    """``rel`` (relative to ROOT or absolute) relative to ROOT, "..": applied; None outside it."""
    relative = os.path.relpath(os.path.normpath(os.path.join(root, rel)), root).replace(os.sep, "/")
    if relative == ".":
        return ""
    return None if relative == ".." or relative.startswith("../") else relative


def discover(
    root: Path,
    *,
    packages: Sequence[str] | None = None,
    excludes: Sequence[str] = (),
    listing: GitListing | None = None,
    source_roots: Sequence[str] = (),
    view: TreeView | None = None,
    git_asked: bool = False,
    config: ConfigFiles | None = None,
) -> Discovery:
    """``listing``: git's listing of ROOT made already (None: discovery asks git itself, unless
    ``git_asked``: git was asked this run and lists nothing, so the tree is walked).
    ``source_roots``: folders relative to ROOT whose packages are analysed too (``--source-root``),
    besides those the workspace configuration names (docs/monorepos.md).
    ``view``: where the lookups beyond the listing are answered (None: the disk under ROOT).
    ``config``: where the workspace configuration (members, Pants' source roots) is read (None:
    the disk under ROOT, even for a commit's ``view``: today's configuration judges every commit;
    ``history --config-at-commit`` gives the commit's files)."""
    from archguard.adapters.project_files.workspace_config import (
        PYPROJECT,
        is_requirements_file,
        pants_settings,
        read_workspace,
    )

    root = Path(root)
    probes = _Probes(view or TreeView(root))
    pants = pants_settings(root, config)
    names = (*pants.marker_filenames, PYPROJECT)
    listed, tracked, found = _list_module_files(root, excludes, probes, listing, names, git_asked=git_asked)
    paths = [rel for rel in listed if rel.endswith(".py")]
    dirs_with_init = _dirs_with_init(root, paths)
    # A folder holding ``__init__.py`` is a package found on its parent's path, whatever else it
    # holds: a pyproject.toml shipped inside a package (pandas 3's wheel) makes no project of it.
    nested = [
        folder
        for rel in found
        if rel.endswith("/" + PYPROJECT) and (folder := rel.rpartition("/")[0]) not in dirs_with_init
    ]
    markers = [rel for rel in found if rel.rpartition("/")[2] in pants.marker_filenames]
    requirements = [rel for rel in found if is_requirements_file(rel.rpartition("/")[2])]
    workspace = read_workspace(
        root, source_roots, nested=nested, pants=pants, requirements=requirements, files=config
    )
    probes.answers.update({_CONFIG_PROBE + rel: digest for rel, digest in workspace.read.items()})
    layout = _layout(workspace, paths, dirs_with_init, markers, uses_src=probes.src_is_layout_root())
    tree = _PackageTree(layout, paths, dirs_with_init)
    if packages is None:
        tree.detect()
    else:
        tree.given(packages)
    files = _settle_loose_collisions([tree.name(rel) for rel in paths], layout)
    return Discovery(
        files=files,
        packages=sorted(tree.package_dirs),
        package_dirs=dict(sorted(tree.package_dirs.items())),
        native_modules=_native_modules(listed, tree, _generated(workspace, listed)),
        git_tracked=tracked,
        stubs=_stubs(listed, files, tree),
        probes=probes.answers,
        layout=layout,
        portions={name: dirs for name, dirs in sorted(tree.portions.items()) if len(dirs) > 1},
        notes=[*workspace.notes, *tree.notes],
    )


def with_paths(
    root: Path,
    discovery: Discovery,
    *,
    added: Iterable[str] = (),
    removed: Iterable[str] = (),
    packages: Sequence[str] | None = None,
    excludes: Sequence[str] = (),
) -> Discovery:
    """``discovery`` after ``.py`` files were added or removed (an editor's new or deleted buffer),
    without listing the tree again: the same filters, the same layout (members and source roots)
    and the same naming rules (a new ``__init__.py`` renames the folder below it)."""
    probes = _Probes(TreeView(root))
    spec = _ExcludeSpec(excludes)
    paths = {f.path for f in discovery.files} - set(removed)
    for rel in added:
        folder = rel.rpartition("/")[0]
        if (
            rel.endswith(".py")
            and not any(_is_excluded_dir_name(part) for part in folder.split("/") if part)
            and not spec.excludes_file(rel)
            and not probes.not_code_inside(rel)
        ):
            paths.add(rel)
    ordered = sorted(paths)
    dirs_with_init = _dirs_with_init(root, ordered)
    layout = discovery.layout
    tree = _PackageTree(layout, ordered, dirs_with_init)
    if packages:
        tree.given(packages)
    else:
        tree.detect()
    files = _settle_loose_collisions([tree.name(rel) for rel in ordered], layout)
    native = [f.path for f in discovery.native_modules]
    generated = [rel for rel in native if not rel.endswith(NATIVE_SUFFIXES)]
    return Discovery(
        files=files,
        packages=sorted(tree.package_dirs),
        package_dirs=dict(sorted(tree.package_dirs.items())),
        native_modules=_native_modules(native, tree, generated),
        git_tracked=discovery.git_tracked,
        stubs=_stubs([*native, *(f.path for f in discovery.stubs)], files, tree),
        probes={**discovery.probes, **probes.answers},
        layout=layout,
        portions={name: dirs for name, dirs in sorted(tree.portions.items()) if len(dirs) > 1},
        notes=list(discovery.notes),
    )


def after_commit(
    root: Path,
    discovery: Discovery,
    *,
    added: Iterable[str],
    removed: Iterable[str],
    is_file: Callable[[str], bool],
    modules: Container[str],
    packages: Sequence[str] | None = None,
    excludes: Sequence[str] = (),
    pants: PantsSettings | None = None,
) -> Discovery | None:
    """``discovery`` (of a commit) after the paths ``added`` and ``removed`` came and went (the
    next commit of a walk through history: any file, not only ``.py``), when that provably leaves
    everything else as it was: no configuration, marker, ``__init__.py``, stub or compiled
    module among them, one source root, each new ``.py`` named as discovery names it under a top
    package that was there already, taking no name any file had (``modules``: every file's
    module name), and no file named by its path leaving (it may have yielded its name to
    another). ``is_file``: is a path a file of the new commit. ``pants``: the Pants settings
    ``discovery`` was made with (None: read from the disk under ROOT, as :func:`discover` does by
    default). None: discover the commit anew."""
    from archguard.adapters.project_files.workspace_config import (
        PYPROJECT,
        PantsSettings,
        is_requirements_file,
        pants_settings,
    )

    added, removed = list(added), list(removed)
    settings = pants if pants is not None else pants_settings(root)
    special = {PYPROJECT, VENV_MARKER, INIT, *settings.marker_filenames}
    for rel in (*added, *removed):
        name = rel.rpartition("/")[2]
        if (
            name in special
            or name.endswith((STUB_SUFFIX, *NATIVE_SUFFIXES))
            or is_requirements_file(name)
            or rel.partition("/")[0] == SRC
        ):
            return None
    added_py = [rel for rel in added if rel.endswith(".py")]
    removed_py = [rel for rel in removed if rel.endswith(".py")]
    tracked = discovery.git_tracked
    if tracked is not None:
        tracked = sorted(set(tracked).difference(removed).union(added))
    if not added_py and not removed_py:
        return replace(discovery, git_tracked=tracked)  # the same files (the same list)
    layout = discovery.layout
    if (
        settings.root_patterns != PantsSettings().root_patterns
        or layout.is_workspace
        or len(layout.members) != 1
        or discovery.stubs
        or discovery.native_modules
    ):
        return None
    probes = _Probes(_CommitView(root, is_file))
    spec = _ExcludeSpec(excludes)

    def admitted(rel: str) -> bool:
        folder = rel.rpartition("/")[0]
        return (
            not any(_is_excluded_dir_name(part) for part in folder.split("/") if part)
            and not spec.excludes_file(rel)
            and not probes.not_code_inside(rel)
        )

    wanted = set(removed_py)
    by_path = {f.path: f for f in discovery.files if f.path in wanted} if wanted else {}
    for rel in removed_py:
        gone = by_path.get(rel)
        if gone is not None and gone.module == gone.path:
            return None  # named by its path: maybe because another file had its dotted name
    tree = _PackageTree(layout, [], _CommitInits(is_file, admitted))
    chosen = [rel for rel in added_py if admitted(rel)]
    for rel in chosen:
        source_root, top = tree._place(rel)
        if source_root is None:
            return None
        if top:
            if top not in discovery.packages:
                return None  # a new top folder may make a new package
            tree._tops[source_root][top] = None
    if packages:
        tree.given([top for tops in tree._tops.values() for top in tops])
    else:
        tree.detect()
    if any(discovery.package_dirs.get(name) != folder for name, folder in tree.package_dirs.items()):
        return None
    named: list[SourceFile] = []
    for rel in chosen:
        file = tree.name(rel)
        if file.module != file.path and file.module in modules:
            return None  # a name taken: discovery names one of the two (or both) by its path
        named.append(file)
    if len({f.module for f in named if f.module != f.path}) < sum(f.module != f.path for f in named):
        return None  # two new files of one name
    leaving = {rel for rel in removed_py if rel in by_path}
    files = [f for f in discovery.files if f.path not in leaving] if leaving else list(discovery.files)
    for file in named:
        insort(files, file, key=lambda f: f.path)
    return replace(discovery, files=files, git_tracked=tracked)


class _CommitView(TreeView):
    """A commit's files, asked one path at a time (``is_file``); its folders are not known."""

    def __init__(self, root: Path, is_file: Callable[[str], bool]) -> None:
        super().__init__(root)
        self._is_file = is_file

    def isfile(self, rel: str) -> bool:
        return self._is_file(rel)

    def isdir(self, rel: str) -> bool:
        raise AssertionError("after_commit never asks whether a folder exists")


class _CommitInits(set[str]):
    """The folders holding an ``__init__.py`` discovery lists, asked one folder at a time."""

    def __init__(self, is_file: Callable[[str], bool], admitted: Callable[[str], bool]) -> None:
        super().__init__()
        self._is_file, self._admitted = is_file, admitted

    def __contains__(self, folder: object) -> bool:
        init = f"{folder}/{INIT}" if folder else INIT
        return self._is_file(init) and self._admitted(init)


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
    root: Path,
    excludes: Sequence[str],
    name_matches: Callable[[str], bool],
    git: GitListing | None,
    *,
    folders: dict[str, bool | str] | None = None,
) -> TreeListing:
    """:func:`list_tree_files` with git's listing made already (None: walk the tree, keeping the
    stamp of every folder it reads in ``folders`` when given)."""
    spec = _ExcludeSpec(excludes)
    listing, tracked = (git.paths, git.tracked) if git is not None else (None, None)
    candidates: Iterable[str] = (
        (rel for rel in listing if name_matches(rel.rpartition("/")[2]))
        if listing is not None
        else _walk(root, spec, name_matches, folders)
    )
    excluded_folder: dict[str, bool] = {}  # per folder: a tree of 10,000 files has a few hundred

    def in_excluded_dir(rel: str) -> bool:
        return folder_excluded(rel.rpartition("/")[0])

    def folder_excluded(folder: str) -> bool:
        known = excluded_folder.get(folder)
        if known is None:  # the parent's answer and the folder's own name
            parent, _, name = folder.rpartition("/")
            known = (bool(parent) and folder_excluded(parent)) or _is_excluded_dir_name(name)
            excluded_folder[folder] = known
        return known

    paths = [rel for rel in candidates if not in_excluded_dir(rel) and not spec.excludes_file(rel)]
    return TreeListing(paths, tracked, listed_by_git=listing is not None)


def _list_module_files(
    root: Path,
    excludes: Sequence[str],
    probes: _Probes,
    git: GitListing | None,
    markers: Sequence[str] = (),
    *,
    git_asked: bool = False,
) -> tuple[list[str], list[str] | None, list[str]]:
    """``.py`` files and native module files (see NATIVE_SUFFIXES), relative to ROOT, sorted; the
    paths git tracks (None: not listed by git); and the files named like one of ``markers``
    (pyproject.toml, Pants' source root marker files), listed with them. A walk keeps each
    folder's stamp among the probes (see :func:`probes_hold`)."""
    from archguard.adapters.project_files.workspace_config import PYPROJECT, is_requirements_file

    if git is None and not git_asked:
        git = list_git_files(root)
    marker_names = frozenset(markers)

    def wanted(name: str) -> bool:
        return (
            name.endswith(MODULE_SUFFIXES)
            or name in marker_names
            or (name.startswith("requirements") and is_requirements_file(name))
        )

    listing = _tree_files(
        root,
        excludes,
        wanted if marker_names else (lambda name: name.endswith(MODULE_SUFFIXES)),
        git,
        folders=probes.answers,
    )
    # The walk has seen each entry's type already; of git's listing, the files git has just found
    # unchanged against its index are plain files on disk, the others (tracked-but-deleted files,
    # links, folders named x.py, untracked files) are checked on disk.
    clean: Container[str] = git.clean if git is not None else frozenset()
    kept = {
        rel
        for rel in listing.paths
        if not probes.not_code_inside(rel)
        and (not listing.listed_by_git or rel in clean or exists_as_non_folder(os.path.join(root, rel)))
    }
    if not marker_names:
        return sorted(kept), listing.tracked, []
    others = {rel for rel in kept if not rel.endswith(MODULE_SUFFIXES)}  # a few: pyproject.toml, ...
    found_markers = sorted(
        others.union(rel for rel in kept.difference(others) if rel.rpartition("/")[2] in marker_names)
        if marker_names.difference({PYPROJECT})
        else others
    )
    return sorted(kept.difference(others)), listing.tracked, found_markers


def _walk(
    root: Path,
    excludes: _ExcludeSpec,
    name_matches: Callable[[str], bool],
    folders: dict[str, bool | str] | None = None,
) -> Iterator[str]:
    """Paths (relative, with "/") of non-folders whose names match; symlinked folders not followed.
    ``folders``: receives each folder's stamp, taken before the folder is read (see
    :func:`folder_stamp`), under ``_FOLDER_PROBE`` + its path."""
    pending = [""]
    while pending:
        rel_dir = pending.pop()
        folder = os.path.join(root, rel_dir) if rel_dir else os.fspath(root)
        if folders is not None:
            folders[_FOLDER_PROBE + rel_dir] = folder_stamp(folder)
        try:
            with os.scandir(folder) as entries:
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


def exists_as_non_folder(path: str) -> bool:
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

    def __init__(self, view: TreeView) -> None:
        self._view = view
        # folder (relative) -> holds no code; _SRC_PROBE -> ...; _CONFIG_PROBE + file -> its digest
        self.answers: dict[str, bool | str] = {}
        self._inside: dict[str, bool] = {}  # per folder of a listed file

    def src_is_layout_root(self) -> bool:
        known = self.answers.get(_SRC_PROBE)
        if known is None:
            known = self.answers[_SRC_PROBE] = _src_is_layout_root(self._view)
        return bool(known)

    def not_code_inside(self, rel: str) -> bool:
        return self._folder_not_code(rel.rpartition("/")[0])

    def _folder_not_code(self, folder: str) -> bool:
        """Is ``folder`` or a folder above it one that holds no code? Asked top down, as far as
        the first that does (the probes it records), each folder's answer kept: its parent's is
        known already (a tree with a folder per file asks each folder once, not once per depth)."""
        known = self._inside.get(folder)
        if known is None:
            if not folder:
                known = False
            else:
                known = self._folder_not_code(folder.rpartition("/")[0]) or self._dir_is_excluded(folder)
            self._inside[folder] = known
        return known

    def _dir_is_excluded(self, rel_dir: str) -> bool:
        known = self.answers.get(rel_dir)
        if known is None:
            known = self.answers[rel_dir] = _holds_no_code(self._view, rel_dir)
        return bool(known)


_SRC_PROBE = "\0src-is-layout-root"  # no folder's name
_CONFIG_PROBE = "\0config\0"  # + a configuration file's path: the members depend on its bytes


def config_read(probes: Mapping[str, bool | str]) -> dict[str, str]:
    """The workspace configuration files a discovery read (its ``probes``): path -> digest."""
    return {k[len(_CONFIG_PROBE) :]: str(v) for k, v in probes.items() if k.startswith(_CONFIG_PROBE)}


def reads_config(discovery: Discovery, paths: Iterable[str]) -> bool:
    """Is any of ``paths`` a workspace configuration file ``discovery`` read or looked for, or one
    ROOT's configuration may be read from when it comes (pants.toml, hatch.toml)?"""
    from archguard.adapters.project_files.workspace_config import HATCH_TOML, PANTS_TOML, PYPROJECT

    probes = discovery.probes
    return any(
        _CONFIG_PROBE + path in probes or path in (PANTS_TOML, HATCH_TOML, PYPROJECT) for path in paths
    )


_FOLDER_PROBE = "\0folder\0"  # + a folder the walk read: its stamp (folder_stamp)
_UNSTAMPED = "-"  # a folder whose stamp cannot vouch for its entries (missing, or changed too lately)


def folder_stamp(folder: str) -> str:
    """What vouches that a folder holds the same entries as when it was read: its mtime, ctime and
    inode, which any file or folder created, removed or renamed in it changes (a change inside a
    file does not). A stamp taken within ``RACY_WINDOW_NS`` of the folder's last change vouches for
    nothing: another change within the same clock tick would leave it as it is."""
    try:
        found = os.stat(folder)
    except (OSError, ValueError):
        return _UNSTAMPED
    if time.time_ns() - max(found.st_mtime_ns, found.st_ctime_ns) < RACY_WINDOW_NS:
        return _UNSTAMPED
    return f"{found.st_mtime_ns}:{found.st_ctime_ns}:{found.st_ino}"


def _holds_no_code(view: TreeView, rel_dir: str) -> bool:
    return view.isfile(f"{rel_dir}/{VENV_MARKER}") or (
        rel_dir.rpartition("/")[2] in BUILD_OUTPUT_DIRS and not view.isfile(f"{rel_dir}/{INIT}")
    )


def probes_hold(root: Path, probes: dict[str, bool | str]) -> bool:
    """Would discovery look up the same answers on disk today? For a walked tree: does every folder
    the walk read still hold the same entries (its stamp), so the walk would list the same files?"""
    configs = config_read(probes)
    if configs:
        from archguard.adapters.project_files.config_digest import config_unchanged

        if not config_unchanged(root, configs):
            return False
    base = os.fspath(root)
    prefix = os.path.join(base, "")
    view = TreeView(root)
    for key, answer in probes.items():
        if key.startswith(_FOLDER_PROBE):
            rel = key[len(_FOLDER_PROBE) :]
            if answer == _UNSTAMPED or folder_stamp(prefix + rel if rel else base) != answer:
                return False
        elif key == _SRC_PROBE:
            if _src_is_layout_root(view) != answer:
                return False
        elif (
            # a folder's own stamp, when the walk read it, vouches for its pyvenv.cfg and __init__.py
            not key.startswith(_CONFIG_PROBE)
            and _FOLDER_PROBE + key not in probes
            and _holds_no_code(view, key) != answer
        ):
            return False
    return True


# --- source roots ------------------------------------------------------------------------------


def _layout(
    workspace: WorkspaceConfig,
    paths: list[str],
    dirs_with_init: set[str],
    markers: list[str],
    *,
    uses_src: bool,
) -> SourceLayout:
    """Each member with its source roots: its ``src/`` when that is a layout folder (it holds files
    and no ``__init__.py``), else its top; ROOT keeps ROOT and ROOT/src. Pants' roots and the given
    source roots join the member whose folder holds them."""
    extra = bool(workspace.root_patterns or workspace.source_roots)
    folders = folders_of(paths) if len(workspace.members) > 1 or extra else frozenset()
    members: list[Member] = []
    for member in workspace.members:
        if not member.path:
            roots: tuple[str, ...] = ("", SRC) if uses_src else ("",)
        else:
            src = f"{member.path}/{SRC}"
            roots = (src,) if src in folders and src not in dirs_with_init else (member.path,)
        members.append(replace(member, roots=roots))
    if extra:
        owners = SourceLayout(tuple(members))
        index = {member.path: i for i, member in enumerate(members)}
        for root in sorted(
            {*_pants_roots(workspace.root_patterns, folders, markers), *workspace.source_roots}
        ):
            i = index[owners.member_of(f"{root}/-" if root else "-").path]
            if root not in members[i].roots:
                members[i] = replace(members[i], roots=(*members[i].roots, root))
    return SourceLayout(tuple(members), tuple(sorted(workspace.environments.items())))


def _pants_roots(patterns: Sequence[str], folders: frozenset[str], markers: Sequence[str]) -> set[str]:
    """Folders Pants takes for source roots: a pattern matches a folder whose path ends with it
    (``/`` first: the whole path; ``*``: one folder name; ``/`` alone: ROOT), a marker file makes
    its folder one."""
    found = {marker.rpartition("/")[0] for marker in markers}
    for pattern in patterns:
        anchored = pattern.startswith("/")
        wanted = [part for part in pattern.strip("/").split("/") if part]
        if not wanted:
            found.add("")
            continue
        for folder in folders:
            parts = folder.split("/")
            if len(parts) < len(wanted) or (anchored and len(parts) != len(wanted)):
                continue
            if all(fnmatch.fnmatchcase(a, b) for a, b in zip(parts[-len(wanted) :], wanted, strict=True)):
                found.add(folder)
    return found


# --- packages ---------------------------------------------------------------------------------


def _dirs_with_init(root: Path, paths: Iterable[str]) -> set[str]:
    """Folders (relative) holding an ``__init__.py`` among the discovered files."""
    return {rel.rpartition("/")[0] for rel in paths if rel.rpartition("/")[2] == INIT}


def _src_is_layout_root(view: TreeView) -> bool:
    """``src/`` is a layout folder (holding packages) unless it is itself a package."""
    return view.isdir(SRC) and not view.isfile(f"{SRC}/{INIT}")


TEST_FOLDERS = frozenset({"tests", "test", "testing"})
_REGULAR = "regular"
_NAMESPACE = "namespace"


class _PackageTree:
    """Which top-level packages each source root holds, and the module name of every file.

    Python's own rules decide (docs/monorepos.md):

    * the first source root holding ``NAME/__init__.py`` provides the regular package ``NAME``; the
      same name in a later root is hidden (Python imports the first on the path);
    * a folder without ``__init__.py`` is only a namespace portion: it never hides a regular package
      of the same name, and the portions of one name in several roots are one package (PEP 420);
    * a namespace package is found by itself where the layout says it is one: in the ``src/`` folders
      of two or more members, or where a member's distribution name spells its path
      (``acme-billing`` and ``acme/billing/``); ``--package NAME`` names any other.
    """

    def __init__(self, layout: SourceLayout, paths: list[str], dirs_with_init: set[str]) -> None:
        self.layout = layout
        self.dirs_with_init = dirs_with_init
        self.roots = list(dict.fromkeys(root for member in layout.members for root in member.roots))
        self._member_of_root = {root: m for m in reversed(layout.members) for root in m.roots}
        # folder -> (the innermost source root holding it, or None; the folder below that root)
        self._places: dict[str, tuple[str | None, str]] = {}
        # root -> top-level folders holding files (at any depth below)
        self._tops: dict[str, dict[str, None]] = {root: {} for root in self.roots}
        for rel in paths:
            root, top = self._place(rel)
            if root is not None and top:
                self._tops[root][top] = None
        self.package_dirs: dict[str, str] = {}
        self.portions: dict[str, list[str]] = {}  # namespace package -> every portion's folder
        self._kind_in: dict[str, dict[str, str]] = {root: {} for root in self.roots}
        self.notes: list[str] = []

    # ---- which packages ---------------------------------------------------------------------

    def detect(self) -> None:
        members = [m.path for m in self.layout.members if m.path]
        # A member's own folder (and every folder above one) is never a package of the root above it.
        not_packages = {"/".join(p.split("/")[: i + 1]) for p in members for i in range(p.count("/") + 1)}
        spread: dict[str, list[str]] = {}  # init-less top folders of members' src/ folders
        namespaces: list[tuple[str, str]] = []
        for root in self.roots:
            member = self._member_of_root[root]
            for top in self._tops[root]:
                folder = _join(root, top)
                if not top.isidentifier() or folder in not_packages:
                    continue
                if member.path and top in TEST_FOLDERS:
                    continue  # a member's tests ship with none of its distributions: loose files
                if folder in self.dirs_with_init:
                    self._claim(root, top, _REGULAR)  # every regular package before any namespace
                elif member.path and root == f"{member.path}/{SRC}":
                    spread.setdefault(top, []).append(root)
                elif _spelled_by(member.name, top, self._tops[root]):
                    namespaces.append((root, top))
        for name, roots in spread.items():
            if len(roots) > 1 or any(
                _spelled_by(self._member_of_root[r].name, name, self._tops[r]) for r in roots
            ):
                namespaces += [(root, name) for root in roots]
        for root, name in sorted(namespaces, key=lambda pair: self.roots.index(pair[0])):
            self._claim(root, name, _NAMESPACE)

    def given(self, names: Sequence[str]) -> None:
        for name in names:
            if not name.isidentifier():
                raise DiscoveryError(f"--package {name!r}: not a top-level package name")
            holding = [root for root in self.roots if name in self._tops[root]]
            regular = [root for root in holding if _join(root, name) in self.dirs_with_init]
            for root in regular or holding:
                self._claim(root, name, _REGULAR if regular else _NAMESPACE)
            if not holding:
                where = ", ".join(root or "." for root in self.roots)
                raise DiscoveryError(
                    f"--package {name!r}: no {name}/ folder holding Python files in any source root ({where})"
                )

    def _claim(self, root: str, name: str, kind: str) -> None:
        folder = _join(root, name)
        known = self.package_dirs.get(name)
        if known is not None and (name not in self.portions or kind == _REGULAR):
            self.notes.append(
                f"package {name} in {folder}/ is hidden by {known}/ (Python imports the first on its "
                "path): its files are analysed as loose files"
            )
            return
        if kind == _NAMESPACE:
            self.portions.setdefault(name, []).append(folder)
        self.package_dirs.setdefault(name, folder)
        self._kind_in[root][name] = kind

    # ---- module names -----------------------------------------------------------------------

    def name(self, rel: str) -> SourceFile:
        root, top = self._place(rel)
        if root is not None:
            kind = self._kind_in[root].get(top) if top else None
            if kind is not None:
                named = self._package_module(rel, root, kind)
                if named is not None:
                    return named
        return _loose_module(
            rel, root if root is not None else self.layout.member_of(rel).path, self.dirs_with_init
        )

    def _place(self, rel: str) -> tuple[str | None, str]:
        """The innermost source root of the file's member that holds it (None: none does, as for
        the tests beside a member's ``src/``), and the top folder of the file below it ("" for a
        file right in the root); looked up once per folder."""
        folder = rel.rpartition("/")[0]
        known = self._places.get(folder)
        if known is None:
            inside = [
                root
                for root in self.layout.member_of(rel).roots
                if not root or folder == root or folder.startswith(root + "/")
            ]
            root = max(inside, key=len) if inside else None
            below = folder[len(root) + 1 :] if root else folder
            known = self._places[folder] = (root, below.partition("/")[0] if root is not None else "")
        return known

    def _package_module(self, rel: str, root: str, kind: str) -> SourceFile | None:
        """The file's dotted name when Python can import it from its package, else None: every
        folder of a regular package holds ``__init__.py``; a namespace package's folders hold none
        until a regular package (a portion) starts, whose folders all do."""
        parts = rel.split("/")
        start = root.count("/") + 1 if root else 0
        inner = parts[start:-1]  # the package's folders, its top first
        in_portion = kind == _REGULAR
        for depth, folder_name in enumerate(inner):
            folder = "/".join(parts[: start + depth + 1])
            if not folder_name.isidentifier():
                return None
            if folder in self.dirs_with_init:
                in_portion = True
            elif in_portion:
                return None  # a folder without __init__.py inside a regular package: loose
        stem = parts[-1][: -len(".py")]
        if stem == "__init__":
            return SourceFile(path=rel, module=".".join(inner), loose=False, is_package=True)
        if "." in stem:  # ``a.b.py`` cannot be named as a module at all
            return None
        # A stem that is not an identifier (Django's ``0001_initial.py``) cannot be named in an import
        # statement, but importlib imports it as a module of its package, and grimp lists it: so do we.
        return SourceFile(path=rel, module=".".join([*inner, stem]), loose=False, is_package=False)


def _join(root: str, name: str) -> str:
    return f"{root}/{name}" if root else name


def _spelled_by(distribution: str, top: str, tops: Mapping[str, None]) -> bool:
    """Does a member's distribution name start with the name of a folder without ``__init__.py``
    (``acme-billing`` and ``acme/``, PEP 420's convention for a distribution of ``acme.billing``)?"""
    parts = [p for p in re.split(r"[-_.]+", distribution.lower()) if p]
    return len(parts) > 1 and parts[0] == top and top in tops


# --- module names -----------------------------------------------------------------------------


def _native_modules(listed: list[str], tree: _PackageTree, generated: list[str]) -> list[SourceFile]:
    """Package modules that exist only as ``processors.cpython-312-x86_64-linux-gnu.so`` or
    ``processors.pyx`` (named as the ``processors.py`` beside them would be), and those a build
    writes (``generated``, a version file): importable, their names unknown."""
    found: dict[str, SourceFile] = {}
    for rel in [*listed, *generated]:
        if rel.endswith(NATIVE_SUFFIXES):
            folder, _, filename = rel.rpartition("/")
            as_source = f"{folder}/{filename.split('.')[0]}.py" if folder else f"{filename.split('.')[0]}.py"
        elif rel in generated:
            as_source = rel
        else:
            continue
        named = tree.name(as_source)
        if named.is_package:
            continue
        if not named.loose or rel.rpartition("/")[0] in tree.dirs_with_init:
            # A loose folder holding __init__.py names its files as ``python -m`` would (a
            # namespace folder at the top, zope.interface's wheel): its compiled modules likewise.
            found.setdefault(named.module, SourceFile(rel, named.module, loose=named.loose, is_package=False))
    return sorted(found.values(), key=lambda f: f.path)


def _generated(workspace: WorkspaceConfig, listed: list[str]) -> list[str]:
    """The modules members' builds write (version files) that the tree does not hold: importable
    once the member is built or installed, so named like compiled modules (names unknown)."""
    present = set(listed)
    return [path for path in workspace.generated if path not in present]


def _stubs(listed: list[str], files: list[SourceFile], tree: _PackageTree) -> list[SourceFile]:
    """The ``.pyi`` stubs beside modules, and those of a package that stand alone (an extension
    module built for another platform only, or missing from this build: the module may exist
    where the code runs; the symbol table tells the two apart)."""
    by_path = {f.path: f for f in files}
    native = {_without_suffixes(rel) for rel in listed if rel.endswith(NATIVE_SUFFIXES)}
    found = []
    for rel in listed:
        if rel.endswith(STUB_SUFFIX):
            module = by_path.get(rel[:-1])  # x.pyi -> x.py
            if module is None and _without_suffixes(rel) not in native:
                named = tree.name(rel[:-1])
                module = None if named.loose else named
            if module is not None:
                found.append(SourceFile(rel, module.module, module.loose, module.is_package))
    return found


def _without_suffixes(rel: str) -> str:
    """``pkg/_speedups.cpython-312-x86_64-linux-gnu.so`` -> ``pkg/_speedups``."""
    folder, slash, filename = rel.rpartition("/")
    return folder + slash + filename.partition(".")[0]


def _loose_module(rel: str, base: str, dirs_with_init: set[str]) -> SourceFile:
    """Scripts, test folders without ``__init__.py``, namespace folders: named by their path
    relative to the source root (or the member's folder) that holds them, dotted when every part
    is an identifier.

    A file whose folder holds ``__init__.py`` is a module of that folder's package, as
    ``python -m`` runs it (its relative imports resolve there), even when its own name is not an
    identifier (``tests/unit/test-x.py`` is ``tests.unit.test-x``) or a folder above is not
    (``my-tools/pkg/run.py`` is ``pkg.run``, named from the top of its ``__init__.py`` chain)."""
    parts = rel.split("/")
    if base:
        parts = parts[base.count("/") + 1 :]
    stem = parts[-1][: -len(".py")]
    is_package = stem == "__init__"
    dotted_parts = parts[:-1] if is_package else [*parts[:-1], stem]
    if dotted_parts and all(p.isidentifier() for p in dotted_parts):
        return SourceFile(path=rel, module=".".join(dotted_parts), loose=True, is_package=is_package)
    folders = parts[:-1]
    if "." not in stem and rel.rpartition("/")[0] in dirs_with_init:
        if all(p.isidentifier() for p in folders):
            top = 0  # only the file's own name is not one: named as its neighbours are
        else:
            full = rel.split("/")
            offset = len(full) - len(parts)  # the source root's folders dropped from the name
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


def _settle_loose_collisions(files: list[SourceFile], layout: SourceLayout) -> list[SourceFile]:
    """One module name must never stand for two files. A loose file whose dotted name another
    member's file also carries (each member's ``tests/conftest.py``) is named within its member:
    ``packages/b/tests.conftest``, it and every loose file beside it under the same top folder,
    so their relative imports still meet (each member's tests run from that member's folder).
    A loose file whose name is another of its own member's files' is named by its path."""
    scoped: set[tuple[str, str]] = set()  # (member, top folder) whose loose files are named within it
    if layout.is_workspace:
        members_of: dict[str, set[str]] = {}
        for f in files:
            if f.module != f.path:
                members_of.setdefault(f.module, set()).add(layout.member_of(f.path).path)
        # loose files inside a member's own package (a folder without __init__.py in it) keep the
        # package's names: the other member's files are the ones named within their member
        packaged = {(layout.member_of(f.path).path, f.module.partition(".")[0]) for f in files if not f.loose}
        for f in files:
            if f.loose and f.module != f.path and len(members_of[f.module]) > 1:
                group = _loose_group(f, layout)
                if group not in packaged:
                    scoped.add(group)
    if scoped:
        files = [_within_member(f, layout, scoped) for f in files]
    package_modules = {f.module for f in files if not f.loose}
    loose_counts = Counter(f.module for f in files if f.loose)
    settled = []
    for f in files:
        if f.loose and f.module != f.path and (f.module in package_modules or loose_counts[f.module] > 1):
            f = SourceFile(path=f.path, module=f.path, loose=True, is_package=False)
        settled.append(f)
    return settled


def _within_member(file: SourceFile, layout: SourceLayout, scoped: set[tuple[str, str]]) -> SourceFile:
    if not file.loose or file.module == file.path:
        return file
    group = _loose_group(file, layout)
    if group not in scoped:
        return file
    return SourceFile(file.path, f"{group[0] or '.'}/{file.module}", loose=True, is_package=file.is_package)


def _loose_group(file: SourceFile, layout: SourceLayout) -> tuple[str, str]:
    """(member folder, the top folder of the loose file's dotted name): the files that relative
    imports can join."""
    member = layout.member_of(file.path).path
    top = file.module.partition(".")[0] if "." in file.module or file.is_package else ""
    return member, top


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
