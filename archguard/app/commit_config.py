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

import tempfile
import tomllib
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from archguard.adapters import git_history
from archguard.adapters.project_files.codeowners_file import LOCATIONS as CODEOWNERS_LOCATIONS
from archguard.adapters.project_files.git_objects import read_blobs
from archguard.adapters.project_files.output_files import write_atomically
from archguard.app.options import Options, resolve
from archguard.domain.errors import ConfigError

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
        found = git_history.files_at(self.root, commit, list(CONFIG_FILES))
        named = self._named_paths(found)
        if named:
            found.update(git_history.files_at(self.root, commit, named))
        key = tuple(sorted(found.items()))
        self.changed = key != self._key
        if not self.changed and self._options is not None:
            return self._options
        self._key = key
        self._options = self._materialised(commit, found)
        return self._options

    def _named_paths(self, found: dict[str, str]) -> list[str]:
        """Files and folders the commit's ``[tool.archguard]`` names (relative to ROOT)."""
        blob = found.get("pyproject.toml")
        if blob is None:
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
        data = read_blobs(self.root, set(found.values()))
        for path, blob in found.items():
            target = config_root / path
            target.parent.mkdir(parents=True, exist_ok=True)
            write_atomically(target, data.get(blob, b""))
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
