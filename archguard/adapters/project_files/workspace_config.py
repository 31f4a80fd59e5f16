"""The members of a monorepo and what each declares it needs, read from the configuration files the
workspace tools themselves read (docs/monorepos.md). Never imports or runs anything.

Who names members (every one that ROOT's configuration uses is read, and their members merged):

* uv: ``[tool.uv.workspace] members``/``exclude`` globs in ROOT/pyproject.toml. As uv does, a
  ``members`` glob is matched folder by folder (``*`` stays inside one folder, ``**`` crosses any
  number), hidden folders included; an ``exclude`` glob is matched against the whole relative path
  (there ``*`` crosses folders too); exclusion wins; a matched folder without a ``pyproject.toml``
  is not a member (uv refuses or skips it).
* PDM (2.28+): ``[tool.pdm.workspace] members`` (paths and globs).
* Hatch (1.16+): ``workspace.members`` (strings or ``{path = ...}`` tables) and ``workspace.exclude``
  of any environment, ``[tool.hatch.envs.<env>]`` in pyproject.toml or ``[envs.<env>]`` in
  hatch.toml.
* Poetry has no workspace of its own: the plugins' ``[tool.poetry.workspace] include``/``exclude``
  globs, and path dependencies (``foo = { path = "libs/foo" }`` in any dependency table).
* Path dependencies of any tool that point inside ROOT: uv's ``[tool.uv.sources] x = { path = ... }``,
  ``name @ file:///${PROJECT_ROOT}/libs/x`` (PDM), ``-e ./libs/x``. Followed from member to member.
* Pants: ``[source] root_patterns`` and ``marker_filenames`` in ROOT/pants.toml (Pants' defaults when
  the file has no ``[source]``): source roots, not members; discovery matches them against the
  folders it lists.
* ``source_roots`` in ``[tool.archguard]`` / ``--source-root DIR``: a source root each.

What a member declares (normalised as PEP 503 does): ``[project] dependencies`` and
``optional-dependencies``, PEP 735 ``[dependency-groups]``, Poetry's dependency tables and groups,
uv's and PDM's ``dev-dependencies``, Hatch environments' dependencies. Groups named as development
groups (:data:`DEVELOPMENT_GROUPS`), and every tool-specific dev table, count for the member's tests
and scripts only. ``dynamic = ["dependencies"]`` is read through a Hatch metadata hook's literal
``dependencies`` (uv-dynamic-versioning's) or setuptools' ``dynamic.dependencies = {file = ...}``
requirement files; otherwise the member's needs are unknown and nothing is judged for it.
"""

from __future__ import annotations

import fnmatch
import glob
import os
import re
import tomllib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

from archguard.adapters.project_files.config_digest import digest
from archguard.adapters.project_files.safe_io import describe_read_error
from archguard.adapters.project_files.tree_files import DiskFiles
from archguard.domain.environment import normalise
from archguard.domain.errors import ConfigError
from archguard.domain.sources import Member

PYPROJECT = "pyproject.toml"
HATCH_TOML = "hatch.toml"
PANTS_TOML = "pants.toml"
# Pants' own default ``[source] root_patterns`` (its documentation, 2.x).
PANTS_DEFAULT_ROOTS = ("/", "src", "src/python", "src/py")
# Dependency groups whose packages are for working on the member, not for running it.
DEVELOPMENT_GROUPS = frozenset(
    {
        "dev",
        "develop",
        "development",
        "test",
        "tests",
        "testing",
        "lint",
        "linting",
        "docs",
        "doc",
        "typing",
        "types",
        "mypy",
        "format",
        "ci",
        "bench",
        "benchmark",
        "benchmarks",
    }
)
_NAME = re.compile(r"\s*([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)")
_EGG = re.compile(r"#egg=([A-Za-z0-9][A-Za-z0-9._-]*)")
_PROJECT_ROOT = "${PROJECT_ROOT}"


@dataclass(frozen=True)
class WorkspaceConfig:
    members: list[Member]  # ROOT's first, then by path; their source roots are discovery's to find
    source_roots: list[str]  # explicit roots (source_roots, --source-root), relative to ROOT
    root_patterns: tuple[str, ...] = ()  # Pants' [source] root_patterns ("" when no pants.toml)
    marker_filenames: tuple[str, ...] = ()  # Pants' [source] marker_filenames
    # Every configuration file read, relative to ROOT -> a digest of its bytes ("-" when absent): a
    # warm start reuses the members only while each still reads the same (adapters/warm_start.py).
    read: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # files that could not be read, and why
    # folder -> what a requirements file there declares: the environment its scripts run in
    environments: dict[str, frozenset[str]] = field(default_factory=dict)
    generated: list[str] = field(default_factory=list)  # modules members' builds write (version files)


class ConfigFiles(Protocol):
    """Where the configuration files are read: the disk under ROOT (:class:`DiskFiles`), or a
    commit's files (``adapters/discovery.py``'s ``PathsView``, for ``history --config-at-commit``)."""

    root: Path

    def isfile(self, rel: str) -> bool: ...

    def isdir(self, rel: str) -> bool: ...

    def read(self, rel: str, max_bytes: int | None = None) -> bytes:
        """The bytes of the file at ``rel``, as :func:`read_regular` reads them: OSError (and
        FileNotFoundError) as it raises them; a larger file than ``max_bytes`` reads empty; a file
        that leads out of ROOT reads empty."""
        ...

    def glob_folders(self, pattern: str) -> list[str]:
        """Folders (relative to ROOT) a ``glob.glob(recursive=True, include_hidden=True)`` pattern
        matches (files it matches may be among them)."""
        ...

    def inside(self, rel: str) -> str | None:
        """``rel`` (relative to ROOT, or absolute) relative to ROOT, links followed; None when it
        leads out of ROOT."""
        ...


@dataclass(frozen=True)
class PantsSettings:
    """``[source]`` of ROOT/pants.toml: where Pants finds source roots (none without the file)."""

    root_patterns: tuple[str, ...] = ()
    marker_filenames: tuple[str, ...] = ()
    read: dict[str, str] = field(default_factory=dict)


def pants_settings(root: Path, files: ConfigFiles | None = None) -> PantsSettings:
    """Read before the tree is listed: the marker files are listed with the modules. ``files``:
    where ROOT's files are read (None: the disk)."""
    files = files or DiskFiles(root)
    if not files.isfile(PANTS_TOML):
        return PantsSettings()
    reader = _Reader(files)
    source = _table(reader.toml(PANTS_TOML) or {}, "source")
    patterns = (
        tuple(_strings(source.get("root_patterns"))) if "root_patterns" in source else PANTS_DEFAULT_ROOTS
    )
    return PantsSettings(patterns, tuple(_strings(source.get("marker_filenames"))), reader.read)


def read_workspace(
    root: Path,
    source_roots: Sequence[str] = (),
    *,
    nested: Sequence[str] = (),
    pants: PantsSettings | None = None,
    requirements: Sequence[str] = (),
    files: ConfigFiles | None = None,
) -> WorkspaceConfig:
    """Members and source roots named by ROOT's configuration. ``source_roots``: folders relative
    to ROOT (``--source-root`` or ``[tool.archguard] source_roots``); a missing one is an error.
    ``nested``: the folders below ROOT holding a pyproject.toml; when ROOT's configuration names no
    member, each of them that declares a project is one (a repository of projects side by side).
    ``requirements``: pip requirement files below ROOT; each declares the environment the scripts
    of its folder run in (a benchmark template's ``requirements.txt``). ``files``: where the
    configuration files are read (None: the disk under ROOT; a commit's files for ``history
    --config-at-commit``)."""
    files = files or DiskFiles(root)
    reader = _Reader(files)
    document = reader.toml(PYPROJECT) or {}
    hatch_document = reader.toml(HATCH_TOML) if files.isfile(HATCH_TOML) else None
    members: dict[str, str] = {}  # folder -> who named it
    for found_by, folders in _named_members(files, document, hatch_document):
        for folder in folders:
            members.setdefault(folder, found_by)
    if not members:
        members = {folder: "project" for folder in nested if folder}
    configs = {"": reader.member("", "root", document)}
    pending = sorted(members)
    while pending:  # path dependencies of members are members too
        folder = pending.pop(0)
        if folder in configs:
            continue
        member_document = reader.toml(f"{folder}/{PYPROJECT}")
        if member_document is None:
            continue
        config = reader.member(folder, members[folder], member_document)
        if members[folder] == "project" and not config.name:
            continue  # a tool's settings, not a project
        configs[folder] = config
        for dependency in _path_dependencies(files, folder, member_document):
            if dependency not in configs and dependency not in members:
                members[dependency] = "path-dependency"
                pending.append(dependency)
    source_roots = [_relative_folder(files, folder) for folder in source_roots]
    pants = pants or PantsSettings()
    ordered = [configs[""], *(configs[f] for f in sorted(configs) if f)]
    environments: dict[str, set[str]] = {}
    # a local path in a requirements file names a member by its folder (``/app/packages/core``)
    by_folder = {
        normalise(m.path.rpartition("/")[2]): normalise(m.name) for m in ordered if m.path and m.name
    }
    for path in requirements:
        names = reader.requirements(path)
        names |= {by_folder[name] for name in names if name in by_folder}
        environments.setdefault(path.rpartition("/")[0], set()).update(names)
    return WorkspaceConfig(
        members=_resolve_path_names(ordered, reader.path_refs),
        source_roots=list(source_roots),
        root_patterns=pants.root_patterns,
        marker_filenames=pants.marker_filenames,
        read={**pants.read, **reader.read},
        notes=reader.notes,
        environments={folder: frozenset(names) for folder, names in environments.items()},
        generated=reader.generated,
    )


def workspace_above(root: Path, levels: int = 8) -> Path | None:
    """The workspace root above ROOT whose configuration names ROOT as a member, else None
    (``init`` run inside a member says so: one [tool.archguard] belongs at the workspace root)."""
    here = root.resolve()
    for parent in list(here.parents)[:levels]:
        if not (parent / PYPROJECT).is_file():
            continue
        try:
            members = read_workspace(parent).members
        except ConfigError:
            return None
        relative = here.relative_to(parent).as_posix()
        if any(m.path == relative for m in members):
            return parent
    return None


# --- who names members -------------------------------------------------------------------------


def _named_members(
    files: ConfigFiles, document: Mapping[str, Any], hatch_document: Mapping[str, Any] | None
) -> Iterator[tuple[str, list[str]]]:
    tool = _table(document, "tool")
    uv = _table(_table(tool, "uv"), "workspace")
    if uv:
        yield "uv", _glob_members(files, _strings(uv.get("members")), _strings(uv.get("exclude")))
    pdm = _table(_table(tool, "pdm"), "workspace")
    if pdm:
        yield "pdm", _glob_members(files, _strings(pdm.get("members")), ())
    poetry = _table(_table(tool, "poetry"), "workspace")
    if poetry:
        include = _strings(poetry.get("include")) + _strings(poetry.get("members"))
        yield "poetry", _glob_members(files, include, _strings(poetry.get("exclude")))
    for environments in (_table(_table(tool, "hatch"), "envs"), _table(hatch_document or {}, "envs")):
        for environment in environments.values():
            workspace = _table(environment, "workspace") if isinstance(environment, dict) else {}
            if workspace:
                members = [
                    item.get("path", "") if isinstance(item, dict) else item
                    for item in workspace.get("members") or ()
                    if isinstance(item, (str, dict))
                ]
                yield "hatch", _glob_members(files, _strings(members), _strings(workspace.get("exclude")))
    yield "path-dependency", _path_dependencies(files, "", document)


def _glob_members(files: ConfigFiles, members: Iterable[str], excludes: Sequence[str]) -> list[str]:
    """Folders (relative to ROOT, inside it) matched by ``members`` and by no ``exclude``, holding a
    pyproject.toml."""
    found: list[str] = []
    excluded = [_clean(pattern) for pattern in excludes]
    for pattern in members:
        pattern = _clean(pattern)
        if not pattern or pattern.startswith(".."):
            continue
        matches = sorted(files.glob_folders(pattern)) if glob.has_magic(pattern) else [pattern]
        for match in matches:
            folder = _clean(match)
            if (
                folder
                and not any(fnmatch.fnmatchcase(folder, ex) for ex in excluded)
                and files.isfile(f"{folder}/{PYPROJECT}")
                and files.inside(folder) is not None
            ):
                found.append(folder)
    return found


def _path_dependencies(files: ConfigFiles, folder: str, document: Mapping[str, Any]) -> list[str]:
    """Folders inside ROOT that a project's path dependencies point at (any tool's spelling)."""
    root = files.root
    base = root / folder if folder else root
    targets: list[str] = []
    tool = _table(document, "tool")
    poetry = _table(tool, "poetry")
    tables = [_table(poetry, "dependencies"), _table(poetry, "dev-dependencies")]
    tables += [
        _table(group, "dependencies") for group in _table(poetry, "group").values() if isinstance(group, dict)
    ]
    tables.append(_table(_table(tool, "uv"), "sources"))
    for table in tables:
        for spec in table.values():
            for one in spec if isinstance(spec, list) else [spec]:
                if isinstance(one, dict) and isinstance(one.get("path"), str):
                    targets.append(one["path"])
    for requirement in _all_requirement_strings(document):
        path = _requirement_path(requirement)
        if path is not None:
            targets.append(path)
    found = []
    for target in targets:
        target = target.replace(_PROJECT_ROOT, ".").removeprefix("file://").removeprefix("/")
        absolute = os.path.normpath(base / target) if not os.path.isabs(target) else target
        relative = os.path.relpath(absolute, root)
        if (
            not relative.startswith("..")
            and relative != "."
            and files.isfile(f"{_clean(relative)}/{PYPROJECT}")
            and files.inside(relative) is not None
        ):
            found.append(_clean(relative))
    return found


def _requirement_path(requirement: str) -> str | None:
    """The local folder a requirement string points at (``x @ file:///${PROJECT_ROOT}/libs/x``,
    ``-e ./libs/x``, ``-e file:///${PROJECT_ROOT}/libs/x#egg=x``), else None."""
    text = requirement.strip().removeprefix("-e").strip()
    if "@" in text and not text.startswith(("file:", ".", "/")):
        text = text.split("@", 1)[1].strip()
    text = text.split("#", 1)[0].strip()
    if text.startswith("file:"):
        text = text.removeprefix("file:").lstrip("/")
        return text if text.startswith(_PROJECT_ROOT) else None
    if text.startswith(("./", "../")):
        return text
    return None


# --- what a member declares ----------------------------------------------------------------------


class _Reader:
    """Reads configuration files of the tree, keeping a digest of each and a note of each failure."""

    def __init__(self, files: ConfigFiles) -> None:
        self.files = files
        self.read: dict[str, str] = {}
        self.notes: list[str] = []
        self.path_refs: dict[str, tuple[str, ...]] = {}  # member folder -> folders of its ``-e ./x``
        self.generated: list[str] = []

    def toml(self, relative: str) -> dict[str, Any] | None:
        try:
            data = self.files.read(relative)
        except FileNotFoundError:
            self.read[relative] = "-"
            return None
        except OSError as error:
            self.read[relative] = "-"
            self.notes.append(f"{relative}: cannot read: {describe_read_error(error)}")
            return None
        self.read[relative] = digest(data)
        try:
            document = tomllib.loads(data.decode("utf-8"))
        except UnicodeDecodeError as error:
            self.notes.append(f"{relative}: cannot read: {describe_read_error(error)}")
            return None
        except tomllib.TOMLDecodeError as error:
            if relative == PYPROJECT:  # ROOT's own: [tool.archguard] is read from it too
                raise ConfigError(f"not valid TOML: {error}", path=relative) from None
            self.notes.append(
                f"{relative}: not valid TOML ({error}): its members and dependencies are not read"
            )
            return None
        return document

    def member(self, folder: str, found_by: str, document: Mapping[str, Any]) -> Member:
        """The member at FOLDER (no source roots yet) and, kept on the reader, the folders its
        ``-e ./folder`` requirements point at and the modules its build writes."""
        project = _table(document, "project")
        poetry = _table(_table(document, "tool"), "poetry")
        name = project.get("name") if isinstance(project.get("name"), str) else poetry.get("name")
        requires, dev = self._declared(folder, document)
        self.path_refs[folder] = tuple(
            _clean(os.path.join(folder, path))
            for path in map(_requirement_path, _all_requirement_strings(document))
            if path is not None and path.startswith(("./", "../"))
        )
        self.generated += _generated(folder, document)
        return Member(
            folder,
            (),
            name=name if isinstance(name, str) else "",
            config=(f"{folder}/{PYPROJECT}" if folder else PYPROJECT) if document else "",
            found_by=found_by,
            requires=requires,
            dev_requires=dev,
            ships=_shipped(document),
        )

    def _declared(
        self, folder: str, document: Mapping[str, Any]
    ) -> tuple[frozenset[str] | None, frozenset[str]]:
        project = _table(document, "project")
        tool = _table(document, "tool")
        poetry = _table(tool, "poetry")
        runtime: set[str] = set()
        dev: set[str] = set()
        if not project and not poetry:
            return None, frozenset()
        known = True
        dynamic = _strings(project.get("dynamic"))
        if "dependencies" in dynamic:
            listed = self._dynamic_dependencies(folder, tool)
            if listed is None:
                known = False
            else:
                runtime.update(listed)
        runtime.update(_names(_strings(project.get("dependencies"))))
        for extra in _table(project, "optional-dependencies").values():
            runtime.update(_names(_strings(extra)))
        for hook in _table(_table(_table(tool, "hatch"), "metadata"), "hooks").values():
            if isinstance(hook, dict):
                for extra in _table(hook, "optional-dependencies").values():
                    runtime.update(_names(_strings(extra)))
        for group, items in _table(document, "dependency-groups").items():
            (dev if group in DEVELOPMENT_GROUPS else runtime).update(_names(_strings(items)))
        dev.update(_names(_strings(_table(tool, "uv").get("dev-dependencies"))))
        for items in _table(_table(tool, "pdm"), "dev-dependencies").values():
            dev.update(_names(_strings(items)))
        runtime.update(normalise(n) for n in _table(poetry, "dependencies") if n != "python")
        dev.update(normalise(n) for n in _table(poetry, "dev-dependencies"))
        for group, table in _table(poetry, "group").items():
            names = {normalise(n) for n in _table(table, "dependencies") if n != "python"}
            (dev if group in DEVELOPMENT_GROUPS else runtime).update(names)
        for environment in _table(_table(tool, "hatch"), "envs").values():
            if isinstance(environment, dict):
                for key in ("dependencies", "extra-dependencies"):
                    dev.update(_names(_strings(environment.get(key))))
        for requirement in _all_requirement_strings(document):
            egg = _EGG.search(requirement)
            if egg:
                dev.add(normalise(egg.group(1)))
        return (frozenset(runtime) if known else None), frozenset(dev)

    def requirements(self, relative: str) -> set[str]:
        """Distribution names a pip requirements file lists; a local path (``/src/packages/x[extra]``,
        ``-e ./x``) names the distribution by its folder's name."""
        try:
            data = self.files.read(relative, max_bytes=1 << 20)
            text = data.decode("utf-8")
        except (OSError, UnicodeDecodeError):
            self.read[relative] = "-"
            return set()
        self.read[relative] = digest(data)
        found: set[str] = set()
        for line in text.splitlines():
            line = line.split(" #", 1)[0].strip().removeprefix("-e").strip()
            if not line or line.startswith(("#", "-")):
                continue
            if line.startswith((".", "/", "file:")):
                folder = line.split("[", 1)[0].rstrip("/").rpartition("/")[2]
                found.update(_names([folder]))
            else:
                found.update(_names([line]))
        return found

    def _dynamic_dependencies(self, folder: str, tool: Mapping[str, Any]) -> set[str] | None:
        """``dynamic = ["dependencies"]`` read where the build backends read them, or None."""
        for hook in _table(_table(_table(tool, "hatch"), "metadata"), "hooks").values():
            if isinstance(hook, dict) and isinstance(hook.get("dependencies"), list):
                return _names(_strings(hook["dependencies"]))
        dynamic = _table(_table(_table(tool, "setuptools"), "dynamic"), "dependencies")
        files = _strings(dynamic.get("file"))
        if not files:
            return None
        found: set[str] = set()
        for name in files:
            relative = _clean(f"{folder}/{name}" if folder else name)
            try:
                data = self.files.read(relative)
                text = data.decode("utf-8")
            except (OSError, UnicodeDecodeError):
                self.read[relative] = "-"
                return None
            self.read[relative] = digest(data)
            lines = [line.split("#", 1)[0].strip() for line in text.splitlines()]
            found.update(_names([line for line in lines if line and not line.startswith("-")]))
        return found


def is_requirements_file(name: str) -> bool:
    """``requirements.txt``, ``requirements-dev.txt``, ...: pip's requirement files."""
    return name.startswith("requirements") and name.endswith(".txt")


def _resolve_path_names(members: list[Member], path_refs: Mapping[str, tuple[str, ...]]) -> list[Member]:
    """``-e ./libs/x`` names no distribution: the member at that folder does. Add those names to
    what each member declares."""
    names = {m.path: normalise(m.name) for m in members if m.name}
    resolved = []
    for member in members:
        dev = {names[folder] for folder in path_refs.get(member.path, ()) if folder in names}
        if dev:
            member = replace(member, dev_requires=member.dev_requires | dev)
        resolved.append(member)
    return resolved


def _shipped(document: Mapping[str, Any]) -> tuple[str, ...]:
    """Top-level packages the build configuration names (Hatch's wheel ``packages``, Poetry's
    ``packages`` includes, setuptools' ``packages``): a member may ship a package whose files sit
    outside its folder (``packages = ["../src/app"]``), which is then its own."""
    tool = _table(document, "tool")
    named = _strings(
        _table(_table(_table(_table(tool, "hatch"), "build"), "targets"), "wheel").get("packages")
    )
    named += [
        i["include"]
        for i in _table(tool, "poetry").get("packages") or ()
        if isinstance(i, dict) and isinstance(i.get("include"), str)
    ]
    named += _strings(_table(tool, "setuptools").get("packages"))
    tops = (_clean(n).rpartition("/")[2].partition(".")[0] for n in named)
    return tuple(sorted({top for top in tops if top.isidentifier()}))


def _generated(folder: str, document: Mapping[str, Any]) -> tuple[str, ...]:
    """Modules the build writes and the tree does not hold (a version file: setuptools-scm's
    ``version_file``/``write_to``, hatch-vcs' ``version-file``, versioningit's ``write.path``),
    relative to ROOT. Importing them is not dangling."""
    tool = _table(document, "tool")
    found = [
        _table(tool, "setuptools_scm").get("version_file"),
        _table(tool, "setuptools_scm").get("write_to"),
        _table(_table(_table(_table(tool, "hatch"), "build"), "hooks"), "vcs").get("version-file"),
        _table(_table(tool, "versioningit"), "write").get("path"),
    ]
    return tuple(
        _clean(f"{folder}/{path}" if folder else path)
        for path in found
        if isinstance(path, str) and path.endswith(".py")
    )


def _all_requirement_strings(document: Mapping[str, Any]) -> list[str]:
    project = _table(document, "project")
    tool = _table(document, "tool")
    found = _strings(project.get("dependencies"))
    for extra in _table(project, "optional-dependencies").values():
        found += _strings(extra)
    for items in _table(document, "dependency-groups").values():
        found += _strings(items)
    found += _strings(_table(tool, "uv").get("dev-dependencies"))
    for items in _table(_table(tool, "pdm"), "dev-dependencies").values():
        found += _strings(items)
    return found


def _names(requirements: Iterable[str]) -> set[str]:
    """Distribution names of PEP 508 requirement strings (``-e`` paths and URLs without a name are
    left out: the folder they point at is a member, named by its own pyproject.toml)."""
    found = set()
    for requirement in requirements:
        text = requirement.strip()
        if text.startswith(("-", ".", "/", "file:")):
            continue
        match = _NAME.match(text)
        if match:
            found.add(normalise(match.group(1)))
    return found


# --- small helpers ---------------------------------------------------------------------------------


def _table(document: Mapping[str, Any], key: str) -> dict[str, Any]:
    value = document.get(key) if isinstance(document, Mapping) else None
    return value if isinstance(value, dict) else {}


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [item for item in value if isinstance(item, str)]
    return []


def _clean(path: str) -> str:
    """A relative path as discovery spells folders: ``/``, no ``./``, no trailing ``/``."""
    cleaned = os.path.normpath(path.replace("\\", "/")).replace(os.sep, "/")
    return "" if cleaned == "." else cleaned.strip("/")


def _relative_folder(files: ConfigFiles, folder: str) -> str:
    """A source root as given (relative to ROOT, or absolute inside it), relative to ROOT."""
    relative = files.inside(folder)
    if relative is None or not files.isdir(relative):
        raise ConfigError(f"source root {folder!r}: not a folder inside {files.root}")
    return _clean(relative)
