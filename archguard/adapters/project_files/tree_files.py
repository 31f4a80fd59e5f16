"""The files under ROOT on disk, as discovery looks them up beyond its listing and as the workspace
configuration is read (``workspace_config.ConfigFiles``); a commit's files answer the same
questions from git's objects (``adapters/discovery.py``'s ``PathsView``)."""

from __future__ import annotations

import glob
import os
from pathlib import Path

from archguard.adapters.project_files.safe_io import is_inside, read_regular


class DiskFiles:
    """The files on disk under ROOT (a working tree, a checkout)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def isfile(self, rel: str) -> bool:
        return os.path.isfile(os.path.join(self.root, rel))

    def isdir(self, rel: str) -> bool:
        return os.path.isdir(os.path.join(self.root, rel))

    def read(self, rel: str, max_bytes: int | None = None) -> bytes:
        path = self.root / rel
        return read_regular(path, max_bytes=max_bytes)[0] if is_inside(path, self.root) else b""

    def glob_folders(self, pattern: str) -> list[str]:
        return glob.glob(pattern, root_dir=self.root, recursive=True, include_hidden=True)

    def inside(self, rel: str) -> str | None:
        path = self.root / rel
        if not is_inside(path, self.root):
            return None
        return os.path.relpath(os.path.realpath(path), os.path.realpath(self.root))
