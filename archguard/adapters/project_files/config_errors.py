"""The one error type for bad configuration: the CLI turns it into exit code 2 and one line."""

from __future__ import annotations


class ConfigError(Exception):
    """Bad usage or configuration. ``str()`` names the file (and line) and what to do."""

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None) -> None:
        self.path = path
        self.line = line
        where = f"{path}:{line}: " if path and line else f"{path}: " if path else ""
        super().__init__(f"{where}{message}")
