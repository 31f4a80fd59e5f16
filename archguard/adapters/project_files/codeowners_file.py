"""``CODEOWNERS``: who owns a file, by GitHub's rules, read like every file of the tree.

GitHub reads the first of ``.github/CODEOWNERS``, ``CODEOWNERS`` and ``docs/CODEOWNERS``; for a
path, the *last* matching pattern wins, and a pattern with no owners means "nobody". The patterns
are gitignore-like; the ``codeowners`` package (MIT, a port of the Go and Rust parsers GitHub users
rely on) turns each into a regular expression. What GitHub would skip is skipped here too, with a
notice: a line whose pattern does not compile, a file larger than GitHub's 3 MB limit. The file is
read through ``safe_io`` (a FIFO is refused, never waited on) and only when it lies inside ROOT.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from archguard.adapters.project_files.safe_io import describe_read_error, is_inside, read_regular

if TYPE_CHECKING:
    from codeowners import CodeOwners as Rules

LOCATIONS = (".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS")  # GitHub's search order
MAX_BYTES = 3 * 1024 * 1024  # GitHub ignores a larger CODEOWNERS


@dataclass
class CodeOwners:
    """The owners of paths under ROOT; ``source`` is the file read (relative to ROOT)."""

    source: str
    _rules: Rules
    _memo: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def owners_of(self, path: str) -> tuple[str, ...]:
        """``@org/team``, ``@user`` or ``email`` of the last matching line, in its order."""
        if path not in self._memo:
            self._memo[path] = tuple(owner for _, owner in self._rules.of(path))
        return self._memo[path]

    def owners_map(self, paths: Iterable[str]) -> dict[str, tuple[str, ...]]:
        return {path: self.owners_of(path) for path in dict.fromkeys(paths)}


def read_codeowners(root: Path) -> tuple[CodeOwners | None, list[str]]:
    """ROOT's CODEOWNERS (None when it has none that can be used) and notices about what was
    skipped."""
    location, data, problem = _located(root)
    if location is None:
        return None, []
    if data is None:
        return None, [f"{location}: ignored: {problem}"]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        return None, [f"{location}: ignored: {describe_read_error(error)}"]
    rules, notices = _parse(text, location)
    return CodeOwners(location, rules), notices


def codeowners_identity(root: Path) -> bytes:
    """What a result keyed on the owners must change with: the bytes of the CODEOWNERS file that
    :func:`read_codeowners` reads (empty when there is none, the reason when it is skipped)."""
    location, data, problem = _located(root)
    if location is None:
        return b""
    return location.encode() + b"\0" + (data if data is not None else problem.encode())


def _located(root: Path) -> tuple[str | None, bytes | None, str]:
    """The first of GitHub's locations that exists under ROOT, its bytes, or why they are not
    used: (None, None, "") when there is no CODEOWNERS."""
    for location in LOCATIONS:
        path = root / location
        if not path.exists():  # a FIFO or a folder of that name is named in a notice
            continue
        if not is_inside(path, root):
            return location, None, "it resolves outside ROOT"
        try:
            data, status = read_regular(path, max_bytes=MAX_BYTES)
        except OSError as error:
            return location, None, describe_read_error(error)
        if status.st_size > MAX_BYTES:
            return location, None, "larger than GitHub's 3 MB limit"
        return location, data, ""
    return None, None, ""


def _parse(text: str, location: str) -> tuple[Rules, list[str]]:
    """The parsed rules, leaving out (with a notice each) the lines GitHub would skip."""
    from codeowners import CodeOwners as Rules  # loaded only when a tree has a CODEOWNERS

    lines = text.splitlines()
    notices: list[str] = []
    try:
        return Rules(text), notices
    except ValueError:
        pass
    for number, line in enumerate(lines, 1):
        try:
            Rules(line)
        except ValueError as error:
            notices.append(f"{location}:{number}: line skipped, as GitHub does: {error}")
            lines[number - 1] = ""  # keeps the other lines' numbers
    return Rules("\n".join(lines)), notices
