"""What the scanner asks ruff (:mod:`syntax_judge`), and what it does when ruff cannot answer.

* :func:`judge`: ruff's verdict under the *target* Python for the files CPython rejected (every
  parsed file when the target is older than this interpreter); without ruff, a warning and no
  verdicts (the caller keeps CPython's judgement and caches none of it);
* :func:`too_new_constructs`: where each construct this interpreter cannot parse is, for the
  rewrite of newer syntax (``downlevel``);
* :func:`crashed_outcome`: the outcome of a file whose parse crashed ruff;
* :func:`unlocated_outcome`: the outcome of a file too new for this interpreter in which ruff
  locates no newer construct.
"""

from __future__ import annotations

import sys
import warnings
from dataclasses import dataclass, field
from pathlib import Path

from archguard.adapters.parsing import syntax_judge
from archguard.domain.facts import ParseOutcome, SyntaxIssue, UnreadableFile


@dataclass(frozen=True)
class Verdicts:
    """path -> its first syntax error under the target (None: valid), for each file ruff judged."""

    issues: dict[str, SyntaxIssue | None] = field(default_factory=dict)
    crashed: frozenset[str] = frozenset()  # files whose parse crashed ruff: no verdict
    available: bool = True  # False: ruff could not be run at all


def judge(root: Path, paths: list[str], target: tuple[int, int]) -> Verdicts:
    if not paths:
        return Verdicts()
    try:
        judgement = syntax_judge.judge_isolated(root, paths, target)
    except syntax_judge.JudgeUnavailable as error:
        warnings.warn(
            f"archguard: syntax errors judged by Python {sys.version_info[0]}.{sys.version_info[1]}"
            f" instead of the target {target[0]}.{target[1]}: {error.message}",
            RuntimeWarning,
            stacklevel=4,
        )
        return Verdicts(available=False)
    return Verdicts(syntax_judge.first_issues(judgement), frozenset(judgement.crashed))


def crashed_outcome(path: str, target: tuple[int, int]) -> ParseOutcome:
    """A file whose parse crashed ruff (an expression of thousands of terms overflows its stack):
    unreadable, with the reason. Not a syntax error: the file may well be valid, only no judge could
    read it (this interpreter's verdict, if it rejected the file, is about its own older grammar)."""
    why = "ruff's parser crashed on it (an expression too deep for its stack)"
    reason = f"could not be judged for Python {target[0]}.{target[1]}: {why}"
    return ParseOutcome(unreadable=UnreadableFile(path, reason))


def too_new_constructs(root: Path, paths: list[str]) -> dict[str, list[SyntaxIssue]]:
    """Ruff's list of what the running interpreter cannot parse, per file ({} without ruff)."""
    if not paths:
        return {}
    try:
        return syntax_judge.all_issues(root, paths, sys.version_info[:2])
    except syntax_judge.JudgeUnavailable:
        return {}


def unlocated_outcome(path: str, rejected: SyntaxIssue | None, *, listed: bool) -> ParseOutcome:
    """A file this interpreter rejects and ruff judges valid for the target, in which ruff locates
    no construct newer than this interpreter (``listed``), or could not be asked where they are:
    unreadable, with both judges' words. Not a syntax error: ruff, the judge for the target, says
    it is valid; nor facts: this interpreter's ``ast`` cannot read it."""
    running = f"{sys.version_info[0]}.{sys.version_info[1]}"
    said = f" ({rejected.message}, line {rejected.line})" if rejected is not None else ""
    why = "names no newer construct in it" if listed else "could not say where its newer syntax is"
    reason = (
        f"Python {running} rejects it{said}, yet ruff judges it valid for the target and {why};"
        " run archguard under the target Python to analyse it"
    )
    return ParseOutcome(unreadable=UnreadableFile(path, reason))
