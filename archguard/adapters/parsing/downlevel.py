"""Newer syntax rewritten, in place, into code the running interpreter's ``ast`` accepts.

Files CPython 3.11 rejects in modern codebases (651 in homeassistant 2025.4.4) do so for a few
constructs. So the scanner asks ruff where each construct is (ruff reports every one, with line and
column, when judging for the interpreter's own version) and rewrites just those spots, every line
and every column of code kept, so that :mod:`facts_ast`, the one walk, reads the file:

- a PEP 695 type-parameter list is blanked with spaces (``class Box[T]:`` -> ``class Box   :``),
  newlines kept, each of its lines but the last ending in a ``\\`` continuation (an empty line
  becomes one: it holds no code to move); PEP 696 defaults sit inside it;
- ``type X = V`` becomes ``X      = V`` (columns after the name kept), and the binding is
  recorded as the type alias it is;
- a PEP 701 f-string or PEP 750 t-string (with the literals implicitly concatenated to it) becomes
  a list display holding its fields' expressions where they were (:mod:`fstring_downlevel`);
- PEP 758's ``except A, B:`` becomes ``except A| B:``: each comma between the types a ``|``, the
  same width (also across ``\\`` continuations); :mod:`facts_ast` reads such a chain in a
  handler as the alternatives of a tuple;
- PEP 810's ``lazy import a`` / ``lazy from a import b`` (3.15) becomes ``import      a``: the
  keyword after the soft one moved to the statement's start (its indentation is code) and the
  rest blanked, and the statement's facts then marked ``lazy``, with the statement text as
  written;
- PEP 798's unpacking in a comprehension (3.15: ``[*xs for xs in rows]``, ``{**d for d in ds}``)
  loses its ``*``/``**`` to spaces: the same names are read (a dict comprehension becomes a set
  comprehension, which holds the same expressions).

Facts read from the text rather than the tree (``sys.modules[__name__] = ...``) are taken from the
source as written; dotted type-parameter bounds and defaults, blanked, are parsed apart and walked
for their attribute chains. What cannot be rewritten (a construct not listed here, such as one
ruff learns for a later Python; text the string lexer cannot follow; exception types whose
precedence a ``|`` would change, like ``except A if c else B, C:``) makes
:func:`extract_facts_downlevel` return a :class:`TooNew`: the file is reported unreadable by this
interpreter, naming the construct and the Python that reads it, never as a syntax error.
"""

from __future__ import annotations

import ast
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, replace

from archguard.adapters.parsing.facts_ast import extract_facts
from archguard.adapters.parsing.facts_builder import normalize_newlines, text_facts
from archguard.adapters.parsing.fstring_downlevel import rewrite_strings
from archguard.adapters.python_ast import parse_expression
from archguard.domain.facts import Binding, BindingKind, FileFacts, ImportFact, SyntaxIssue

TYPE_PARAMETERS = "Cannot use type parameter lists"
TYPE_ALIAS = "Cannot use `type` alias statement"
# PEP 696 defaults (3.13) sit inside a type-parameter list, which is blanked whole anyway.
TYPE_PARAMETER_DEFAULT = "Cannot set default type for a type parameter"
# PEP 758 (3.14): ``except A, B:`` without parentheses.
EXCEPT_TYPES = "Multiple exception types must be parenthesized"
# PEP 810 (3.15): ``lazy import a`` and ``lazy from a import b``.
LAZY_IMPORT = "Cannot use `lazy` import statement"
# PEP 798 (3.15): "Cannot use iterable unpacking in a list comprehension", "... in a generator
# expression", "Cannot use dictionary unpacking in a dict comprehension".
_COMPREHENSION_UNPACKING = re.compile(
    r"Cannot use (?:iterable|dictionary) unpacking in a (?:\w+ comprehension|generator expression)"
)
# Ruff's messages end "(syntax was added in Python 3.12)".
_ADDED_IN = re.compile(r"added in Python (\d+)\.(\d+)")


@dataclass(frozen=True, slots=True)
class TooNew:
    """A file valid for a newer Python that this interpreter's ``ast`` cannot be made to read:
    ``issue`` is the construct (ruff's message and position) that stopped the rewrite."""

    issue: SyntaxIssue

    @property
    def reason(self) -> str:
        """Why the file has no facts, for :class:`archguard.domain.facts.UnreadableFile`."""
        running = f"{sys.version_info[0]}.{sys.version_info[1]}"
        added = _ADDED_IN.search(self.issue.message)
        needed = f"Python {added[1]}.{added[2]}" if added else "a newer Python"
        message = self.issue.message.split(" on Python ")[0]
        return (
            f"uses {needed} syntax archguard running on Python {running} cannot read: {message}"
            f" (line {self.issue.line}); run archguard under {needed} to analyse it"
        )


class _NotRewritable(Exception):
    def __init__(self, issue: SyntaxIssue) -> None:
        super().__init__(issue.message)
        self.issue = issue


def extract_facts_downlevel(source: str, issues: list[SyntaxIssue]) -> FileFacts | TooNew:
    """Facts of a file whose newer syntax ruff located in ``issues`` (at least one), or the
    construct that cannot be rewritten."""
    source = normalize_newlines(source)  # ruff counts ``\r\n`` and ``\r`` as line ends too
    bounds: list[Bound] = []
    lazy: dict[tuple[int, int], int] = {}
    try:
        text, alias_lines = _rewrite(source, issues, bounds, lazy)
    except _NotRewritable as refused:
        return TooNew(refused.issue)
    try:
        detached = bound_expressions(bounds, text.split("\n")) if bounds else []
        facts = extract_facts(text, detached=detached)
    except SyntaxError:  # something the diagnostics did not describe: the newest construct named
        return TooNew(max(issues, key=_added_in))
    if text != source:  # facts read from the text itself, from the text as written
        facts = replace(facts, **text_facts(source))
    if lazy:
        facts = replace(facts, imports=_lazy_imports(facts.imports, lazy, source.split("\n")))
    if not alias_lines:
        return facts
    bindings = tuple(
        _as_type_alias(b) if b.line in alias_lines and b.kind is not BindingKind.CLASS else b
        for b in facts.bindings
    )
    # replace(), not a field-by-field copy: every other fact (writes_globals, replaces_module, ...)
    # must survive the rewrite, including facts added to FileFacts later.
    return replace(facts, bindings=bindings)


def _added_in(issue: SyntaxIssue) -> tuple[int, int]:
    added = _ADDED_IN.search(issue.message)
    return (int(added[1]), int(added[2])) if added else (99, 0)


def _lazy_imports(
    imports: tuple[ImportFact, ...], lazy: dict[tuple[int, int], int], lines: list[str]
) -> tuple[ImportFact, ...]:
    """The facts of the statements whose ``lazy`` keyword was rewritten, marked lazy, with the
    statement text as written (the rewrite kept the statement's column and its width)."""
    marked = []
    for fact in imports:
        width = lazy.get((fact.line, fact.column))
        if width is not None:
            written = lines[fact.line - 1][fact.column - 1 : fact.column - 1 + width]
            fact = fact._replace(statement=written + fact.statement[width:], lazy=True)
        marked.append(fact)
    return tuple(marked)


def rewrite(
    source: str, issues: list[SyntaxIssue], bounds: list[Bound] | None = None
) -> tuple[str, set[int]] | None:
    """The rewritten source and the lines of former ``type`` statements; None if an issue is not
    one of the constructs above or does not sit where ruff said. Dotted type-parameter bounds and
    defaults that were blanked are added to ``bounds``."""
    try:
        return _rewrite(normalize_newlines(source), issues, [] if bounds is None else bounds, {})
    except _NotRewritable:
        return None


def _rewrite(
    source: str, issues: list[SyntaxIssue], bounds: list[Bound], lazy: dict[tuple[int, int], int]
) -> tuple[str, set[int]]:
    """``lazy`` gets, for each ``lazy`` keyword rewritten, (line, column) of the statement (1-based,
    in characters) -> the width of the text rewritten there."""
    lines = source.split("\n")
    strings = [i for i in issues if _is_string_issue(i.message)]
    if strings:  # first, on the whole text: same extents, so the other issues' positions hold
        starts = [0]
        for line in lines:
            starts.append(starts[-1] + len(line) + 1)
        rewritten = rewrite_strings(source, [starts[i.line - 1] + i.column - 1 for i in strings])
        if rewritten is None:
            raise _NotRewritable(strings[0])
        lines = rewritten.split("\n")
    aliases: list[SyntaxIssue] = []
    for issue in issues:
        if _is_string_issue(issue.message):
            continue
        if issue.message.startswith(EXCEPT_TYPES):
            done = _except_alternatives(lines, issue.line - 1, issue.column - 1)
        elif issue.message.startswith(TYPE_PARAMETERS):
            done = _blank_brackets(lines, issue.line - 1, issue.column - 1, bounds)
        elif issue.message.startswith(TYPE_ALIAS):
            aliases.append(issue)
            continue
        elif issue.message.startswith(LAZY_IMPORT):
            done = _blank_lazy(lines, issue.line - 1, issue.column - 1, lazy)
        elif _COMPREHENSION_UNPACKING.match(issue.message):
            done = _blank_stars(lines, issue.line - 1, issue.column - 1)
        else:
            done = issue.message.startswith(TYPE_PARAMETER_DEFAULT)
        if not done:
            raise _NotRewritable(issue)
    for issue in aliases:
        row, column = issue.line - 1, issue.column - 1
        line = lines[row] if row < len(lines) else ""
        if not line.startswith("type", column) or column + 4 >= len(line) or not line[column + 4].isspace():
            raise _NotRewritable(issue)
        name_start = column + 4 + (len(line[column + 4 :]) - len(line[column + 4 :].lstrip(" \t")))
        name_end = name_start
        while name_end < len(line) and (line[name_end].isalnum() or line[name_end] == "_"):
            name_end += 1
        after = name_end + (len(line[name_end:]) - len(line[name_end:].lstrip(" \t")))
        if after < len(line) and line[after] == "[":  # `type X[T] = ...`: its parameters go too
            if not _blank_brackets(lines, row, after, bounds):
                raise _NotRewritable(issue)
            line = lines[row]
        # `type X = V` -> `X      = V`: the name moves left, everything after it keeps its column.
        name = line[name_start:name_end]
        lines[row] = line[:column] + name + " " * (name_start - column) + line[name_end:]
    return "\n".join(lines), {issue.line for issue in aliases}


def _blank_lazy(lines: list[str], row: int, column: int, lazy: dict[tuple[int, int], int]) -> bool:
    """``lazy import a`` -> ``import      a`` and ``lazy from a`` -> ``from      a``: the keyword
    after the soft one takes the statement's start, spaces the rest, so the statement keeps its
    column and everything after the keywords keeps its own (blanking ``lazy`` alone would indent
    the statement). False when the text is not that, on one line."""
    line = lines[row] if row < len(lines) else ""
    if not line.startswith("lazy", column):
        return False
    after = column + 4
    start = after + len(line[after:]) - len(line[after:].lstrip(" \t"))
    keyword = next((k for k in ("import", "from") if line.startswith(k, start)), None)
    if start == after or keyword is None:
        return False
    end = start + len(keyword)
    lines[row] = line[:column] + keyword + " " * (end - column - len(keyword)) + line[end:]
    lazy[(row + 1, column + 1)] = end - column
    return True


def _blank_stars(lines: list[str], row: int, column: int) -> bool:
    """``[*xs for xs in rows]`` -> ``[ xs for xs in rows]`` (``**`` likewise): the unpacking
    stars of a comprehension's element to spaces; False when no star is there."""
    line = lines[row] if row < len(lines) else ""
    if not line.startswith("*", column):
        return False
    width = 2 if line.startswith("**", column) else 1
    lines[row] = line[:column] + " " * width + line[column + width :]
    return True


def _is_string_issue(message: str) -> bool:
    return "f-string" in message or "t-string" in message


# Exception types a ``|`` between them would regroup: the precedence of each is below ``|``'s.
_LOOSER_THAN_OR = (ast.BoolOp, ast.Compare, ast.IfExp, ast.Lambda, ast.NamedExpr, ast.Starred)


def _except_alternatives(lines: list[str], row: int, column: int) -> bool:
    """``except A, B:`` (3.14) -> ``except A| B:``: each comma between the types (from ``column``
    up to the clause's ``:``, across ``\\`` continuations) becomes a ``|``, so nothing moves.
    False when the text is not such a clause, or a type would be regrouped by the ``|``."""
    line = lines[row] if row < len(lines) else ""
    keyword = line[:column].rstrip().removesuffix("*").rstrip()  # except* A, B:
    if not keyword.endswith("except") or keyword[:-6][-1:].isidentifier():
        return False
    commas: list[tuple[int, int]] = []
    text: list[str] = []
    depth = 0
    for r, c, char, code in _chars(lines, row, column):
        if c == len(lines[r]):  # the line's end: only a continuation may carry the types on
            if depth == 0 and not lines[r].endswith("\\"):
                return False
        elif code and depth == 0 and char == ":":
            break
        elif code and char in "([{":
            depth += 1
        elif code and char in ")]}":
            depth -= 1
        elif code and depth == 0 and char == ",":
            commas.append((r, c))
        text.append(char)
    else:
        return False
    try:
        types = parse_expression("(" + "".join(text).lstrip("*") + ")")
    except (SyntaxError, ValueError):
        return False
    if type(types) is not ast.Tuple or len(types.elts) != len(commas) + 1:
        return False
    for item in types.elts:
        if isinstance(item, _LOOSER_THAN_OR) or _is_alternatives(item) or _is_not(item):
            return False
    for r, c in commas:
        lines[r] = lines[r][:c] + "|" + lines[r][c + 1 :]
    return True


def _is_alternatives(item: ast.expr) -> bool:
    return type(item) is ast.BinOp and type(item.op) is ast.BitOr


def _is_not(item: ast.expr) -> bool:
    return type(item) is ast.UnaryOp and type(item.op) is ast.Not


def _chars(lines: list[str], row: int, column: int) -> Iterator[tuple[int, int, str, bool]]:
    """Each character from ``lines[row][column]`` on, as (row, column, character, is code): not
    code inside a string literal or a comment. Each line's end comes as (row, len(line), "\\n",
    False)."""
    quote = ""  # the closing delimiter of the string literal being read
    for r in range(row, len(lines)):
        line = lines[r]
        c = column if r == row else 0
        comment = False
        while c < len(line):
            char = line[c]
            if comment or (quote and not line.startswith(quote, c)):
                width = 2 if quote and char == "\\" and not comment else 1  # an escape is never an end
                for k in range(c, min(c + width, len(line))):
                    yield r, k, line[k], False
                c += width
                continue
            if quote or char in "\"'":  # a string's end, or its start
                width = len(quote) if quote else (3 if line.startswith(char * 3, c) else 1)
                quote = "" if quote else line[c : c + width]
                for k in range(c, c + width):
                    yield r, k, line[k], False
                c += width
                continue
            comment = char == "#"
            yield r, c, char, not comment
            c += 1
        yield r, len(line), "\n", False


# A bound or default inside a blanked type-parameter list that holds an attribute chain: where it
# starts (row, column: 0-based, in characters) and its text.
Bound = tuple[int, int, str]


def _blank_brackets(lines: list[str], row: int, column: int, bounds: list[Bound]) -> bool:
    """Replace ``[ ... ]`` starting at lines[row][column] with spaces (across lines if need be,
    each line but the last then ending in a ``\\`` continuation: an empty one becomes just that);
    False, with ``lines`` untouched, when there is no such list. Bounds and defaults with a dot
    (``[T: mod.Base]``: an attribute use blanking would lose) are added to ``bounds``, to be parsed
    apart."""
    if row >= len(lines) or column >= len(lines[row]) or lines[row][column] != "[":
        return False
    depth = 0
    segment: list[str] | None = None  # the bound or default being read, at the list's own level
    segment_at = (row, column)
    dotted = False
    blanked: dict[int, list[str]] = {}
    for r, c, char, code in _chars(lines, row, column):
        chars = blanked.setdefault(r, list(lines[r]))
        if c == len(lines[r]):  # the list runs on past this line: the line must continue
            chars[-1:] = ["\\"]
            if segment is not None:
                segment.append("\n")
            continue
        if code and depth == 1 and segment is not None and char in ",=]":
            if dotted:
                bounds.append((*segment_at, "".join(segment)))
            segment, dotted = None, False
        if code and char in "([{":
            depth += 1
        elif code and char in ")]}":
            depth -= 1
        elif code and char == ".":
            dotted = True
        if segment is not None:
            segment.append(char)
        elif code and depth == 1 and char in ":=":
            segment, segment_at = [], (r, c + 1)
        chars[c] = " "
        if depth == 0:
            for r, chars in blanked.items():
                lines[r] = "".join(chars)
            return True
    return False


def bound_expressions(bounds: list[Bound], text_lines: list[str]) -> list[ast.expr]:
    """The bounds as expression trees placed where they were written (lines from 1, columns in
    UTF-8 bytes of the rewritten line, as ``ast`` gives them), for the attribute walk."""
    found = []
    for row, column, text in bounds:
        try:
            expression = parse_expression("(" + text + ")")
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
