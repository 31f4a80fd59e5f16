"""Newer syntax rewritten, in place, into code the running interpreter's ``ast`` accepts.

Files CPython 3.11 rejects in modern codebases (651 in homeassistant 2025.4.4) do so for a few
constructs. Parsing them with libcst costs about ten times CPython's parse, and would take their
facts from a second walker; so the scanner asks ruff where each construct is (ruff reports every
one, with line and column, when judging for the interpreter's own version) and rewrites just those
spots, every line and every column after them kept, so that :mod:`facts_ast` reads the file:

- a PEP 695 type-parameter list is blanked with spaces (``class Box[T]:`` -> ``class Box   :``),
  newlines kept; PEP 696 defaults sit inside it;
- ``type X = V`` becomes ``X      = V`` (columns after the name kept), and the binding is
  recorded as the type alias it is;
- a PEP 701 f-string or PEP 750 t-string (with the literals implicitly concatenated to it) becomes
  a list display holding its fields' expressions where they were (:mod:`fstring_downlevel`);
- PEP 758's ``except A, B:`` becomes ``except(A,B):`` (wider only when no code follows the ``:``).

Facts read from the text rather than the tree (``sys.modules[__name__] = ...``) are taken from the
source as written; dotted type-parameter bounds and defaults, blanked, are parsed apart and walked
for their attribute chains. What cannot be rewritten (``except A,B: code`` on one line without a
blank to spare, a type-parameter list with a blank line inside, text the string lexer cannot
follow, a construct not listed here) makes :func:`rewrite` return None, and the caller takes
libcst's path.
"""

from __future__ import annotations

import ast
from dataclasses import replace

from archguard.adapters.parsing.facts_ast import extract_facts
from archguard.adapters.parsing.facts_builder import normalize_newlines, text_facts
from archguard.adapters.parsing.fstring_downlevel import rewrite_strings
from archguard.domain.facts import Binding, BindingKind, FileFacts, SyntaxIssue

TYPE_PARAMETERS = "Cannot use type parameter lists"
TYPE_ALIAS = "Cannot use `type` alias statement"
# PEP 696 defaults (3.13) sit inside a type-parameter list, which is blanked whole anyway.
TYPE_PARAMETER_DEFAULT = "Cannot set default type for a type parameter"
# PEP 758 (3.14): ``except A, B:`` without parentheses.
EXCEPT_TYPES = "Multiple exception types must be parenthesized"


def extract_facts_downlevel(source: str, issues: list[SyntaxIssue]) -> FileFacts | None:
    """Facts of a file whose newer syntax is all of the kinds above, or None when it has another."""
    bounds: list[Bound] = []
    rewritten = rewrite(source, issues, bounds)
    if rewritten is None:
        return None
    text, alias_lines = rewritten
    try:
        text = normalize_newlines(text)
        detached = bound_expressions(bounds, text.split("\n")) if bounds else []
        facts = extract_facts(text, detached=detached)
    except SyntaxError:
        return None  # something the diagnostics did not describe: let libcst decide
    if text != source:  # facts read from the text itself, from the text as written
        facts = replace(facts, **text_facts(normalize_newlines(source)))
    if not alias_lines:
        return facts
    bindings = tuple(
        _as_type_alias(b) if b.line in alias_lines and b.kind is not BindingKind.CLASS else b
        for b in facts.bindings
    )
    # replace(), not a field-by-field copy: every other fact (writes_globals, replaces_module, ...)
    # must survive the rewrite, including facts added to FileFacts later.
    return replace(facts, bindings=bindings)


def rewrite(
    source: str, issues: list[SyntaxIssue], bounds: list[Bound] | None = None
) -> tuple[str, set[int]] | None:
    """The rewritten source and the lines of former ``type`` statements; None if an issue is not
    one of the constructs above or does not sit where ruff said. Dotted type-parameter bounds and
    defaults that were blanked are added to ``bounds``."""
    if bounds is None:
        bounds = []
    lines = source.split("\n")
    strings = [i for i in issues if _is_string_issue(i.message)]
    if strings:  # first, on the whole text: same extents, so the other issues' positions hold
        starts = [0]
        for line in lines:
            starts.append(starts[-1] + len(line) + 1)
        rewritten = rewrite_strings(source, [starts[i.line - 1] + i.column - 1 for i in strings])
        if rewritten is None:
            return None
        lines = rewritten.split("\n")
    aliases: list[tuple[int, int]] = []
    for issue in issues:
        if _is_string_issue(issue.message):
            continue
        if issue.message.startswith(EXCEPT_TYPES):
            if not _parenthesize_except(lines, issue.line - 1, issue.column - 1):
                return None
        elif issue.message.startswith(TYPE_PARAMETERS):
            if not _blank_brackets(lines, issue.line - 1, issue.column - 1, bounds):
                return None
        elif issue.message.startswith(TYPE_ALIAS):
            aliases.append((issue.line - 1, issue.column - 1))
        elif not issue.message.startswith(TYPE_PARAMETER_DEFAULT):
            return None
    for row, column in aliases:
        line = lines[row]
        if not line.startswith("type", column) or column + 4 >= len(line) or not line[column + 4].isspace():
            return None
        name_start = column + 4 + (len(line[column + 4 :]) - len(line[column + 4 :].lstrip(" \t")))
        name_end = name_start
        while name_end < len(line) and (line[name_end].isalnum() or line[name_end] == "_"):
            name_end += 1
        after = name_end + (len(line[name_end:]) - len(line[name_end:].lstrip(" \t")))
        if after < len(line) and line[after] == "[":  # `type X[T] = ...`: its parameters go too
            if not _blank_brackets(lines, row, after, bounds):
                return None
            line = lines[row]
        # `type X = V` -> `X      = V`: the name moves left, everything after it keeps its column.
        name = line[name_start:name_end]
        lines[row] = line[:column] + name + " " * (name_start - column) + line[name_end:]
    return "\n".join(lines), {row + 1 for row, _ in aliases}


def _is_string_issue(message: str) -> bool:
    return "f-string" in message or "t-string" in message


def _parenthesize_except(lines: list[str], row: int, column: int) -> bool:
    """``except A, B:`` (3.14) -> ``except(A,B):``, the same width: the types (from ``column``) up
    to the clause's ``:`` are written without blanks inside parentheses. Wider only when nothing
    but a comment follows the colon; False when code does, or the types span lines."""
    line = lines[row] if row < len(lines) else ""
    keyword = line[:column].rstrip()
    if keyword.endswith("*"):  # except* A, B:
        keyword = keyword[:-1].rstrip()
    if not keyword.endswith("except"):
        return False
    colon = _clause_colon(line, column)
    if colon is None:
        return False
    start = len(keyword)
    types = ",".join(part.strip() for part in line[column:colon].split(","))
    if line[start:column].strip() == "*":
        start = line.index("*", start) + 1
    compact = "(" + types + ")"
    width = colon - start
    if any(c.isspace() for c in types):
        return False
    if len(compact) > width:
        after = line[colon + 1 :].lstrip()
        if after and not after.startswith("#"):
            return False  # code after the colon would move: its columns must hold
        width = len(compact)  # only the colon (and a comment) move right
    lines[row] = line[:start] + compact.ljust(width) + line[colon:]
    return True


def _clause_colon(line: str, column: int) -> int | None:
    """The ``:`` ending an except clause's types, outside brackets and strings."""
    depth = 0
    for index in range(column, len(line)):
        char = line[index]
        if char in "\"'#":
            return None  # strings or a comment among exception types: not worth the risk
        if char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        elif char == ":" and depth == 0:
            return index
    return None


# A bound or default inside a blanked type-parameter list that holds an attribute chain: where it
# starts (row, column: 0-based, in characters) and its text.
Bound = tuple[int, int, str]


def _blank_brackets(lines: list[str], row: int, column: int, bounds: list[Bound]) -> bool:
    """Replace ``[ ... ]`` starting at lines[row][column] with spaces (across lines if need be);
    False, with ``lines`` unusable, when it cannot (the caller then gives up on the rewrite).
    Bounds and defaults with a dot (``[T: mod.Base]``: an attribute use blanking would lose) are
    added to ``bounds``, to be parsed apart."""
    if row >= len(lines) or column >= len(lines[row]) or lines[row][column] != "[":
        return False
    depth = 0
    quote: str | None = None
    segment: list[str] | None = None  # the bound or default being read, at the list's own level
    segment_at = (row, column)
    dotted = False
    for r in range(row, len(lines)):
        chars = list(lines[r])
        if segment is not None and r > row:
            segment.append("\n")
        for c in range(column if r == row else 0, len(chars)):
            ch = chars[c]
            ends_segment = depth == 1 and not quote and (ch in ",=" or (ch == "]"))
            if segment is not None and ends_segment:
                if dotted:
                    bounds.append((*segment_at, "".join(segment)))
                segment, dotted = None, False
            if quote:  # string literals inside bounds or defaults (``T: "Node"``)
                if ch == quote:
                    quote = None
            elif ch in "\"'":
                quote = ch
            elif ch in "([{":
                depth += 1
            elif ch in ")]}":
                depth -= 1
            elif ch == ".":
                dotted = True
            if segment is not None:
                segment.append(ch)
            elif depth == 1 and not quote and ch in ":=":
                segment, segment_at = [], (r, c + 1)
            chars[c] = " "
            if depth == 0:
                lines[r] = "".join(chars)
                return True
        if not chars:
            return False  # a blank line inside the list: no room for the continuation below
        # The list ran on past this line: without its brackets, the line must continue.
        chars[-1] = "\\"
        lines[r] = "".join(chars)
    return False


def bound_expressions(bounds: list[Bound], text_lines: list[str]) -> list[ast.expr]:
    """The bounds as expression trees placed where they were written (lines from 1, columns in
    UTF-8 bytes of the rewritten line, as ``ast`` gives them), for the attribute walk."""
    found = []
    for row, column, text in bounds:
        try:
            expression = ast.parse("(" + text + ")", mode="eval").body
        except (SyntaxError, ValueError):
            continue
        shift = len(text_lines[row][:column].encode("utf-8")) - 1  # the "(" stood in column 0
        for node in ast.walk(expression):
            if not isinstance(node, ast.expr):  # the attribute walk reads positions of these only
                continue
            if node.lineno == 1:
                node.col_offset += shift
            if node.end_lineno == 1 and node.end_col_offset is not None:
                node.end_col_offset += shift
        found.append(ast.increment_lineno(expression, row))
    return found


def _as_type_alias(binding: Binding) -> Binding:
    return Binding(binding.name, BindingKind.TYPE_ALIAS, binding.line, conditional=binding.conditional)
