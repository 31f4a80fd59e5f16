"""What a check reads and validates before any file of the tree is parsed.

A misspelt field in a contract file, an ``.importlinter`` option import-linter refuses, a baseline
that is not one, an entry point that names no file: each is exit 2 with one line naming the file,
and each is found before the scan, so on a cold 10,000-file tree it costs a second, not the scan.

- When the options are read (:class:`Preflight`): the concept and interface contracts, the
  baseline, where the import-linter configuration is.
- Once the files are listed, before one is parsed (:meth:`Preflight.before_parse`, called by
  ``scan_workspace``): the entry points against the listed files, and the import-linter
  configuration. That one is loaded with import-linter's own machinery only when the store does
  not already know this very text loaded (``lazy_config``): a warm check still never imports
  import-linter, and what is loaded here is what the check uses.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from archguard.adapters.project_files import baseline_file, contract_files
from archguard.adapters.project_files.safe_io import is_inside
from archguard.app.golden_path import resolve_entries
from archguard.domain.contracts import ConceptContract, ContractSet
from archguard.domain.errors import ConfigError
from archguard.domain.sources import SourceFile

if TYPE_CHECKING:
    from archguard.adapters.importlinter_bridge.lazy_config import LazyConfig
    from archguard.app import Options
    from archguard.app.store import Store


class Preflight:
    """The configuration of one check, read and validated before the scan parses a file."""

    def __init__(self, options: Options) -> None:
        from archguard.adapters.importlinter_bridge.importlinter_runner import find_config_file

        self.options = options
        self.root = options.root.resolve()
        # where the rules are read from: ROOT, or a commit's own (history --config-at-commit)
        rules_root = options.config_root or self.root
        self.config_path = find_config_file(rules_root, options.importlinter_config)
        self.contracts = load_contracts(options, rules_root)
        self.baseline: list[dict[str, Any]] | None = (
            baseline_file.read_baseline(options.baseline) if options.baseline is not None else None
        )
        self.importlinter: LazyConfig | None = None
        self.identity: Any = ("none",)  # the configuration's cache identity (None: never cached)

    @property
    def concepts(self) -> list[ConceptContract]:
        return list(self.contracts.concepts)

    def before_parse(self, store: Store, files: Sequence[SourceFile]) -> None:
        """Called once the tree is listed: entry points and the import-linter configuration."""
        if self.options.entries:
            resolve_entries(self.options.entries, self.root, files)
        self.importlinter_config(store)

    def importlinter_config(self, store: Store) -> LazyConfig | None:
        """The configuration as the check uses it (validated on first call); None without one."""
        if self.config_path is None:
            return None
        if self.importlinter is None:
            from archguard.adapters.importlinter_bridge.lazy_config import LazyConfig, package_locations
            from archguard.adapters.importlinter_bridge.versions import checker_versions
            from archguard.app import keys

            path, root = self.config_path, self.root
            libraries, locations = checker_versions(), package_locations()
            self.importlinter = LazyConfig(
                path,
                root,
                store,  # type: ignore[arg-type]
                lambda text: keys.importlinter_identity(str(path), str(root), text, libraries, locations),
            )
            self.identity = self.importlinter.cache_identity()  # loads it (validating it) unless known
        return self.importlinter


def load_contracts(options: Options, root: Path) -> ContractSet:
    """The concept and interface contracts of the contracts folder."""
    folder = options.contracts_dir
    if folder is None:
        folder = root / "contracts"
        if not folder.is_symlink() and not folder.is_dir():
            return ContractSet()
    elif not folder.is_dir():
        raise ConfigError(f"contracts folder not found: {folder}")
    # The tree's own folder (the default, or any inside ROOT) must not lead out of ROOT; a folder
    # elsewhere was given on the command line, which may point anywhere.
    inside = options.contracts_dir is None or is_inside(folder.parent, root)
    return contract_files.load_contracts(folder, display_root=root, confine_to=root if inside else None)
