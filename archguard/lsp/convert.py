"""archguard's findings as LSP values (lsprotocol types), and the editor's positions as characters.

Positions: the session counts columns in characters (code points); the client in the units the
two agreed on at ``initialize`` (UTF-16 unless it offered another), lines as Python and LSP both
count them (``\\n``, ``\\r\\n``, ``\\r``).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence

from lsprotocol import types

from archguard.app.editor import Finding, Problem, Span
from archguard.domain.findings import Severity
from archguard.reporting.summary import display_message

SOURCE = "archguard"
FIX_ALL = f"{types.CodeActionKind.SourceFixAll.value}.archguard"  # source.fixAll.archguard
ADD_TO_BASELINE = "archguard.addToBaseline"


def lines_of(text: str) -> list[str]:
    return re.split(r"\r\n|\r|\n", text)


def to_client(line: str, column: int, encoding: str) -> int:
    """A column in characters of ``line`` as the client counts it."""
    prefix = line[:column]
    if encoding == types.PositionEncodingKind.Utf8:
        return len(prefix.encode("utf-8"))
    if encoding == types.PositionEncodingKind.Utf32:
        return len(prefix)
    return len(prefix.encode("utf-16-le")) // 2


def from_client(line: str, units: int, encoding: str) -> int:
    """A client's column on ``line`` in characters (past the end: the end)."""
    if encoding == types.PositionEncodingKind.Utf32:
        return min(units, len(line))
    counted = 0
    for index, char in enumerate(line):
        if counted >= units:
            return index
        if encoding == types.PositionEncodingKind.Utf8:
            counted += len(char.encode("utf-8"))
        else:
            counted += 2 if ord(char) > 0xFFFF else 1
    return len(line)


def position(lines: Sequence[str], line: int, column: int, encoding: str) -> types.Position:
    """``line`` from 1 and ``column`` in characters as an LSP position (lines from 0)."""
    text = lines[line - 1] if 0 < line <= len(lines) else ""
    return types.Position(line=max(line - 1, 0), character=to_client(text, column, encoding))


def span_range(lines: Sequence[str], span: Span, encoding: str) -> types.Range:
    return types.Range(
        start=position(lines, span.line, span.column, encoding),
        end=position(lines, span.end_line, span.end_column, encoding),
    )


def diagnostic(
    finding: Finding, lines: Sequence[str], encoding: str, baselined: str
) -> types.Diagnostic | None:
    """The finding as ``check`` words it; a baselined one as a hint, or None when hidden."""
    violation = finding.violation
    if violation.baselined:
        if baselined != "hint":
            return None
        severity = types.DiagnosticSeverity.Hint
    elif violation.severity is Severity.WARNING:
        severity = types.DiagnosticSeverity.Warning
    else:
        severity = types.DiagnosticSeverity.Error
    message = display_message(violation)
    if violation.baselined:
        message = f"{message} (in the baseline)"
    return types.Diagnostic(
        range=span_range(lines, finding.span, encoding),
        message=message,
        severity=severity,
        code=violation.code,
        source=SOURCE,
        data={"fingerprint": violation.fingerprint, "fixable": violation.fixable},
    )


def problem_diagnostic(problem: Problem) -> types.Diagnostic:
    line = max((problem.line or 1) - 1, 0)
    return types.Diagnostic(
        range=types.Range(
            start=types.Position(line=line, character=0), end=types.Position(line=line + 1, character=0)
        ),
        message=problem.message,
        severity=types.DiagnosticSeverity.Error,
        source=SOURCE,
    )


def result_id(diagnostics: Sequence[types.Diagnostic]) -> str:
    """The same id for the same diagnostics (pull diagnostics: an unchanged file costs nothing)."""
    plain = [
        (
            d.range.start.line,
            d.range.start.character,
            d.range.end.line,
            d.range.end.character,
            d.code,
            d.severity,
            d.message,
        )
        for d in diagnostics
    ]
    return hashlib.blake2b(json.dumps(plain).encode("utf-8"), digest_size=12).hexdigest()


def text_edit(old: str, new: str, encoding: str) -> types.TextEdit:
    """One edit turning ``old`` into ``new``: the lines between their common first and last lines."""
    old_lines, new_lines = _with_endings(old), _with_endings(new)
    start = 0
    while start < min(len(old_lines), len(new_lines)) and old_lines[start] == new_lines[start]:
        start += 1
    end = 0
    while (
        end < min(len(old_lines), len(new_lines)) - start
        and old_lines[len(old_lines) - 1 - end] == new_lines[len(new_lines) - 1 - end]
    ):
        end += 1
    replaced = "".join(new_lines[start : len(new_lines) - end])
    # Positions by the same count of lines as the edit's (a line ending ends a line)
    return types.TextEdit(
        range=types.Range(
            start=_offset_position(old_lines, start, encoding),
            end=_offset_position(old_lines, len(old_lines) - end, encoding),
        ),
        new_text=replaced,
    )


def _with_endings(text: str) -> list[str]:
    """Lines with their endings, split where Python and LSP end a line (not at form feeds)."""
    return [line for line in re.split(r"(?<=\n)|(?<=\r)(?!\n)", text) if line]


def _offset_position(lines: Sequence[str], index: int, encoding: str) -> types.Position:
    """The position at the start of ``lines[index]`` (past the last: the end of the text)."""
    if index < len(lines):
        return types.Position(line=index, character=0)
    if not lines:
        return types.Position(line=0, character=0)
    last = lines[-1]
    body = last.rstrip("\r\n")
    if body != last:  # the text ends with a line ending: the end is the start of the next line
        return types.Position(line=len(lines), character=0)
    return types.Position(line=len(lines) - 1, character=to_client(body, len(body), encoding))
