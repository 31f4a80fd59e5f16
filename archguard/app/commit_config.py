"""``history --config-at-commit``: each commit judged by its own rules: its ``[tool.archguard]``,
``contracts/``, import-linter configuration and baseline, and its violations counted by its own
``CODEOWNERS``, read from git's objects.

The commit's configuration files are written into a private temporary folder (they are small;
the tree's code never is) and the options are resolved there as ``check`` would resolve them in a
checkout of the commit: the command line wins over the commit's ``[tool.archguard]``, whose
paths are relative to the commit's ROOT and must stay inside it. The folder is kept while the
configuration stays the same (most commits leave it alone) and removed when the walk ends.
"""

from __future__ import annotations

import os
import tempfile
import tomllib
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from archguard.adapters import git_history
from archguard.adapters.project_files.codeowners_file import LOCATIONS as CODEOWNERS_LOCATIONS
from archguard.adapters.project_files.commit_links import LINK_MODE
from archguard.adapters.project_files.git_objects import TreeEntry, read_blobs
from archguard.adapters.project_files.output_files import write_atomically
from archguard.app.options import Options, resolve
from archguard.domain.errors import ConfigError
from archguard.domain.sources import folders_of

# What a checkout's configuration is made of (the contracts folder and files named by
# [tool.archguard] are added as the commit's pyproject.toml names them), and who owned what then.
CONFIG_FILES = ("pyproject.toml", "setup.cfg", ".importlinter", "contracts", *CODEOWNERS_LOCATIONS)
_NAMED = ("contracts", "importlinter_config", "baseline")


class CommitConfigs:
    """The options of each commit in turn; ``changed``: the last :meth:`options_at` gave other
    rules than the call before it."""

    def __init__(self, options: Options, given: Mapping[str, Any], command: str = "history") -> None:
        self.today = options
        self.root = options.root.resolve()
        self.given = dict(given)
        self.command = command
        self.changed = True
        self._key: tuple[tuple[str, str], ...] | None = None
        self._options: Options | None = None
        self._folders: list[tempfile.TemporaryDirectory[str]] = []

    def options_at(self, commit: str) -> Options:
        found = self._files_at(commit, list(CONFIG_FILES))
        named = self._named_paths(found)
        if named:
            found.update(self._files_at(commit, named))
        key = tuple(sorted(found.items()))
        self.changed = key != self._key
        if not self.changed and self._options is not None:
            return self._options
        self._key = key
        self._options = self._materialised(commit, found)
        return self._options

    def _files_at(self, commit: str, paths: list[str]) -> dict[str, str]:
        """path -> blob of the commit's files at or under ``paths``, a symbolic link as a checkout
        reads it (:func:`_through_links`)."""
        entries = git_history.files_at(self.root, commit, paths)
        links = [entry for entry in entries.values() if entry.mode == LINK_MODE]
        found = {path: entry.blob for path, entry in entries.items() if entry.mode != LINK_MODE}
        if links:
            found.update(_through_links(self.root, commit, links))
        return found

    def _named_paths(self, found: dict[str, str]) -> list[str]:
        """Files and folders the commit's ``[tool.archguard]`` names (relative to ROOT)."""
        blob = found.get("pyproject.toml")
        if blob is None or blob.startswith(_OUTSIDE):
            return []
        text = read_blobs(self.root, [blob]).get(blob, b"")
        try:
            table = tomllib.loads(text.decode("utf-8")).get("tool", {}).get("archguard", {})
        except (UnicodeDecodeError, tomllib.TOMLDecodeError, AttributeError):
            return []  # resolve() names the error, on the materialised file
        if not isinstance(table, dict):
            return []
        named = []
        for key in _NAMED:
            value = table.get(key)
            if (
                isinstance(value, str)
                and value
                and not Path(value).is_absolute()
                and ".." not in Path(value).parts
            ):
                named.append(Path(value).as_posix())
        return named

    def _materialised(self, commit: str, found: dict[str, str]) -> Options:
        folder = tempfile.TemporaryDirectory(prefix="archguard-config-")
        self._folders.append(folder)
        if len(self._folders) > 2:  # the one before the current is still in use until now
            self._folders.pop(0).cleanup()
        config_root = Path(folder.name)
        data = read_blobs(self.root, {blob for blob in found.values() if not blob.startswith(_OUTSIDE)})
        for path, blob in found.items():
            target = config_root / path
            target.parent.mkdir(parents=True, exist_ok=True)
            if blob.startswith(_OUTSIDE):  # a link out of ROOT: as in a checkout, resolve() refuses it
                target.symlink_to(blob[len(_OUTSIDE) :])
            else:
                write_atomically(target, data.get(blob, b""))
        if not (config_root / "contracts").is_symlink():
            (config_root / "contracts").mkdir(exist_ok=True)  # none at the commit: none, not today's
        try:
            resolved = resolve(self.command, config_root, self.given).options
        except ConfigError as error:
            raise ConfigError(f"commit {commit[:10]}: {error}") from None
        return replace(
            resolved,
            root=self.today.root,
            config_root=config_root,
            cache_dir=self.today.cache_dir,
            no_cache=self.today.no_cache,
            jobs=self.today.jobs,
        )

    def close(self) -> None:
        for folder in self._folders:
            folder.cleanup()
        self._folders.clear()


_OUTSIDE = "->"  # a found "blob" so marked is a link leading out of ROOT: the real path it leads to


def _through_links(root: Path, commit: str, links: list[TreeEntry]) -> dict[str, str]:
    """path -> blob of what each of ``links`` (configuration files that are symbolic links in
    ``commit``) leads to, as in a checkout (``adapters/project_files/commit_links.py``): a file's
    blob under the link's path; a folder's files under the link's path; a file or folder outside
    ROOT, ``_OUTSIDE`` + its real path (``check`` refuses configuration from outside ROOT); nothing
    where a checkout has nothing (a broken link, a loop)."""
    from archguard.adapters.project_files.commit_links import (
        LinkResolver,
        Surroundings,
        link_targets,
        repository_top,
    )
    from archguard.adapters.project_files.git_objects import commit_tree
    from archguard.adapters.project_files.safe_io import LeadsOutOfRoot

    entries = {entry.path: entry for entry in commit_tree(root, commit)}
    targets = link_targets(root, {path: e.blob for path, e in entries.items() if e.mode == LINK_MODE})
    folders = folders_of(entries)
    top: list[str | None] = []

    def top_of() -> str | None:
        if not top:
            top.append(repository_top(root))
        return top[0]

    resolver = LinkResolver(
        os.fspath(root), entries, targets, lambda: folders, Surroundings(root, commit, top_of)
    )
    found: dict[str, str] = {}
    for link in links:
        leads = resolver.resolve(link.path)
        if isinstance(leads, str):  # a folder: its files under the link's path
            inside = resolver.relative(leads)
            if inside is None:
                found[link.path] = _OUTSIDE + leads
                continue
            start = f"{inside}/" if inside else ""
            for path in entries:
                if path.startswith(start):
                    inner = resolver.resolve(path) if path in targets else entries[path]
                    if isinstance(inner, TreeEntry):
                        found[f"{link.path}/{path[len(start) :]}"] = inner.blob
        elif isinstance(leads, LeadsOutOfRoot):
            found[link.path] = _OUTSIDE + str(leads.filename2)
        elif not isinstance(leads, OSError):
            found[link.path] = leads.blob
    return found
