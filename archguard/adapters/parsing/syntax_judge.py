"""Ruff as the judge of what is a syntax error under a *target* Python version.

The interpreter that runs archguard must not decide what is valid: CPython 3.11's ``ast`` rejects
``type X = int`` although the project targets 3.12, and accepts nothing about 3.9's limits. Ruff's
parser knows every grammar from 3.7 up and reports version-related errors ("Cannot use type
parameter lists on Python 3.11 ...") as ``invalid-syntax`` diagnostics, so we ask it.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from archguard.domain.facts import SyntaxIssue

OLDEST_TARGET = (3, 7)
# The newest grammar archguard reads, and the default target: 3.15 (PEP 810 lazy imports, PEP 798
# unpacking in comprehensions), which ruff judges from 0.15.14 on and the rewrite for older
# interpreters (downlevel) reads. A newer target waits for both.
NEWEST_TARGET = (3, 15)
IO_ERROR_CODE = "E902"  # ruff could not read the file; any other E9 diagnostic is a syntax error
# Long command lines fail (Windows: 32 KiB; POSIX: ARG_MAX shared with the environment).
MAX_ARGS_CHARS = 24_000 if sys.platform == "win32" else 100_000
RUFF_TIMEOUT_S = 600

_TARGET_PATTERN = re.compile(r"^\s*(?:py|python)?\s*(\d)\.?(\d{1,2})\s*$", re.IGNORECASE)


class _RuffFailed(Exception):
    """One ruff run failed: ruff itself is broken, or one of the batch's files crashed it."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Judgement:
    """Ruff's verdicts per file, and the files that crashed ruff's parser (no verdict: a file
    with an expression of thousands of terms overflows its stack). One such file costs itself
    only: its batch neighbours are judged without it."""

    verdicts: dict[str, list[SyntaxIssue]]
    crashed: dict[str, str]  # path -> what ruff said


class JudgeUnavailable(Exception):
    """The ruff binary is missing or failed: callers fall back to CPython's own judgement."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def parse_target(text: str) -> tuple[int, int]:
    """``"3.12"`` (also ``"py312"``) -> ``(3, 12)``; ValueError for anything else or unsupported."""
    match = _TARGET_PATTERN.match(text)
    if not match:
        raise ValueError(f"not a Python version: {text!r} (expected e.g. 3.12)")
    version = (int(match.group(1)), int(match.group(2)))
    if not OLDEST_TARGET <= version <= NEWEST_TARGET:
        oldest, newest = (f"{v[0]}.{v[1]}" for v in (OLDEST_TARGET, NEWEST_TARGET))
        raise ValueError(f"unsupported target Python {text!r}: choose {oldest} to {newest}")
    return version


def find_ruff() -> str:
    try:
        from ruff.__main__ import find_ruff_bin
    except ImportError as error:
        raise JudgeUnavailable(f"the ruff package is not installed ({error})") from None
    try:
        return os.fsdecode(find_ruff_bin())
    except FileNotFoundError as error:
        raise JudgeUnavailable(f"the ruff binary was not found ({error})") from None


def judge(root: Path, paths: Sequence[str], target: tuple[int, int]) -> dict[str, SyntaxIssue | None]:
    """The first syntax error of each file under ``target``, or None when it is valid (see
    :func:`all_issues`, whose first entry per file this is)."""
    return first_issues(judge_isolated(root, paths, target))


def first_issues(judgement: Judgement) -> dict[str, SyntaxIssue | None]:
    return {path: (found[0] if found else None) for path, found in judgement.verdicts.items()}


def all_issues(root: Path, paths: Sequence[str], target: tuple[int, int]) -> dict[str, list[SyntaxIssue]]:
    """Every syntax error of each file under ``target``, in source order ([] when it is valid).

    ``paths`` are relative to ROOT. A file ruff could not read (e.g. not UTF-8), or whose parse
    crashed ruff, gets no verdict: it is absent from the result and the caller keeps its own
    judgement.
    """
    return judge_isolated(root, paths, target).verdicts


def judge_isolated(root: Path, paths: Sequence[str], target: tuple[int, int]) -> Judgement:
    """Every syntax error of each file, as :func:`all_issues`, plus the files that crashed ruff.

    A batch whose ruff run fails is split in halves and each judged again, down to the single
    files that crash it; only when ruff fails on an empty file too is ruff itself broken
    (:class:`JudgeUnavailable`)."""
    judgement = Judgement({}, {})
    if not paths:
        return judgement
    root = Path(root).resolve()
    ruff = find_ruff()
    for batch in _batches(paths):
        _judge_splitting(ruff, root, batch, target, judgement)
    return judgement


def _judge_splitting(
    ruff: str, root: Path, batch: list[str], target: tuple[int, int], judgement: Judgement
) -> None:
    try:
        judgement.verdicts.update(_judge_batch(ruff, root, batch, target))
        return
    except _RuffFailed as failure:
        if not _ruff_works(ruff, target):
            raise JudgeUnavailable(failure.message) from None
        if len(batch) == 1:
            judgement.crashed[batch[0]] = failure.message
            return
    middle = len(batch) // 2
    _judge_splitting(ruff, root, batch[:middle], target, judgement)
    _judge_splitting(ruff, root, batch[middle:], target, judgement)


@cache
def _ruff_works(ruff: str, target: tuple[int, int]) -> bool:
    """Ruff judges an empty file: a failure elsewhere was caused by the files it was given."""
    try:
        completed = subprocess.run(
            _ruff_command(ruff, target, "--stdin-filename", "empty.py", "-"),
            input=b"",
            capture_output=True,
            timeout=RUFF_TIMEOUT_S,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return completed.returncode == 0


def _ruff_command(ruff: str, target: tuple[int, int], *inputs: str) -> list[str]:
    """One ruff invocation for the judge and for its probe, so the probe checks the very flags a
    real run uses: only the parser's verdict (E9) as JSON, for the target grammar."""
    return [
        ruff,
        "check",
        "--isolated",  # ignore the project's ruff config: we only want the parser's verdict
        "--no-cache",
        "--ignore-noqa",  # a file-level noqa comment must not hide a syntax error
        "--target-version",
        f"py{target[0]}{target[1]}",
        "--select",
        "E9",
        "--output-format",
        "json",
        "--exit-zero",
        *inputs,
    ]


def _batches(paths: Sequence[str]) -> list[list[str]]:
    batches: list[list[str]] = [[]]
    size = 0
    for path in paths:
        if batches[-1] and size + len(path) + 1 > MAX_ARGS_CHARS:
            batches.append([])
            size = 0
        batches[-1].append(path)
        size += len(path) + 1
    return batches


def _judge_batch(
    ruff: str, root: Path, batch: list[str], target: tuple[int, int]
) -> dict[str, list[SyntaxIssue]]:
    command = _ruff_command(ruff, target, "--", *batch)  # "--": a file "-x.py" is a path
    try:
        completed = subprocess.run(
            command, cwd=root, capture_output=True, timeout=RUFF_TIMEOUT_S, check=False
        )
    except (OSError, subprocess.SubprocessError) as error:
        raise JudgeUnavailable(f"ruff could not run: {error}") from None
    if completed.returncode != 0:
        stderr = completed.stderr.decode("utf-8", "replace").strip()
        raise _RuffFailed(f"ruff failed (exit {completed.returncode}): {stderr[:500]}")
    try:
        diagnostics = json.loads(completed.stdout or b"[]")
    except json.JSONDecodeError as error:
        raise JudgeUnavailable(f"ruff gave output that is not JSON: {error}") from None
    return _verdicts(root, batch, diagnostics)


def _verdicts(root: Path, batch: list[str], diagnostics: list[dict]) -> dict[str, list[SyntaxIssue]]:
    # Ruff reports absolute file names; map them back to the relative paths we were given.
    by_abs = {_key(root / p): p for p in batch} | {_key(os.path.realpath(root / p)): p for p in batch}
    verdicts: dict[str, list[SyntaxIssue]] = {path: [] for path in batch}
    unread: set[str] = set()
    for item in diagnostics:
        path = by_abs.get(_key(item.get("filename") or ""))
        if path is None:
            continue
        if item.get("code") == IO_ERROR_CODE:
            unread.add(path)  # E902: ruff could not read the file, so it has no verdict
            continue
        location = item.get("location") or {}
        issue = SyntaxIssue(
            path=path,
            line=int(location.get("row", 1)),
            column=int(location.get("column", 1)),
            # Older ruffs (0.12) prefix the message with "SyntaxError: "; newer ones do not.
            message=str(item.get("message", "invalid syntax")).removeprefix("SyntaxError: "),
        )
        verdicts[path].append(issue)
    for path in unread:
        if not verdicts[path]:
            del verdicts[path]
    for found in verdicts.values():
        found.sort(key=lambda issue: (issue.line, issue.column))
    return verdicts


def _key(path: str | Path) -> str:
    return os.path.normcase(os.path.abspath(path))
