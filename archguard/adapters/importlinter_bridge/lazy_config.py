"""An import-linter configuration that is read with import-linter's machinery only when its contracts
are needed: a check whose results are cached needs no more than the file's cache identity.

Loading a configuration imports import-linter and grimp and builds every contract, which costs a
warm ``check`` of 10,000 files a fifth of its time. Whether the file's identity may key cached
results (:meth:`ImportLinterConfig.cache_identity`: its contract types are import-linter's or
archguard's own) is remembered in the store, under a key (``app/keys.importlinter_identity``)
naming the file's path and text, the installed import-linter and grimp, where they and archguard
live (:func:`package_locations`), and archguard's code: the same inputs load the same contracts,
and anything else loads the file as before (errors included, in the same words).
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from pathlib import Path
from typing import Any

from archguard.adapters.cache.entries import IMPORTLINTER_IDENTITY
from archguard.adapters.cache.store import DiskStore
from archguard.adapters.importlinter_bridge.importlinter_runner import (
    ImportLinterConfig,
    display_path,
    load_config,
)
from archguard.adapters.project_files.safe_io import read_regular


class LazyConfig:
    """Stands for :class:`ImportLinterConfig`: ``cache_identity`` from the store when it can, every
    other attribute from the configuration, loaded on first use. ``key_of(text)``: the key the
    identity of this file with this text is remembered under."""

    def __init__(self, path: Path, root: Path, store: DiskStore, key_of: Callable[[bytes], bytes]) -> None:
        self.path = path
        self._root = root
        self._store = store
        self._key_of = key_of
        self._loaded: ImportLinterConfig | None = None

    def loaded(self) -> ImportLinterConfig:
        if self._loaded is None:
            self._loaded = load_config(self.path, root=self._root)
        return self._loaded

    @property
    def display_path(self) -> str:
        """The file's path as findings name it, known without loading it (a check whose
        import-linter findings stand, an edit of a function body, names the file all the same)."""
        return self._loaded.display_path if self._loaded is not None else display_path(self.path, self._root)

    def cache_identity(self) -> tuple[str, bytes] | None:
        if self._loaded is None and self._store.enabled:
            try:
                text = read_regular(self.path)[0]  # never blocks on a FIFO put in its place
            except OSError:
                text = None
            if text is not None:
                key = self._key_of(text)
                known = self._store.load(IMPORTLINTER_IDENTITY, key)
                if known is not None and known[1] == text:
                    return known
                identity = self.loaded().cache_identity()
                if identity is not None and identity[1] == text:
                    self._store.save(IMPORTLINTER_IDENTITY, key, identity)
                return identity
        return self.loaded().cache_identity()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.loaded(), name)


def package_locations() -> tuple[str | None, ...]:
    """Where import-linter and archguard are installed: a remembered identity stands only for
    contract types of theirs, and whether such a type may be used depends on where it lives
    (never inside ROOT: importlinter_options.plugin_contract_types)."""
    found = []
    for package in ("importlinter", "archguard"):
        spec = importlib.util.find_spec(package)
        found.append(None if spec is None else spec.origin)
    return tuple(found)
