"""archguard's own errors: the lowest layer owns them, so analysis raises them and the CLI turns
every one into exit code 2 and one line (never a traceback).

The three kinds are siblings under :class:`ArchguardError`, not subclasses of ``ConfigError``:
archguard's own concept contract (contracts/archguard.toml) counts a subclass as a second
object claiming the concept."""

from __future__ import annotations

from collections.abc import Sequence


class ArchguardError(Exception):
    """Anything that stops a command with exit code 2. ``str()`` names the file (and line)."""

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None) -> None:
        self.path = path
        self.line = line
        where = f"{path}:{line}: " if path and line else f"{path}: " if path else ""
        super().__init__(f"{where}{message}")


class ConfigError(ArchguardError):
    """Bad usage or configuration. ``str()`` names the file (and line) and what to do."""


class ContractError(ArchguardError):
    """Contracts that cannot be checked as written (a canonical path that does not resolve, a
    duplicate name). ``problems`` holds one line per problem, each naming its contract's source."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = tuple(problems)
        super().__init__("; ".join(self.problems))


class UnsupportedDependencyError(ArchguardError):
    """A library archguard drives (import-linter, grimp) is installed in a release it does not
    support: checked up front, so the user reads what to install instead of a traceback."""
