"""PEP 701 f-strings and PEP 750 t-strings rewritten, same extent, into code CPython 3.11's ``ast``
reads, for :mod:`downlevel`.

A string group (implicitly concatenated literals) holding such a string becomes a list display of
the same lines and columns: the first character ``[``, the second ``0``, every literal character
a space (newlines kept), each replacement field's ``{`` a ``,`` followed by its expression exactly
as written, its conversion, ``=`` and format-spec text blanked, the closing quote ``]``::

    f"{names["a"]}: {x!r:>{width}}"  ->  [0,names["a"]   ,x     ,width   ]

So every expression inside keeps its position (dynamic imports, attribute chains and walrus
targets in fields are still seen), and the value is neither a string nor a dotted name nor a list
of strings, as an f-string read natively is judged too. Literal text is blanked, so facts read from
the text itself (``sys.modules[__name__] = ...``) must come from the original source.
"""

from __future__ import annotations

_PREFIX_LETTERS = frozenset("rRbBuUfFtT")
_QUOTES = "'\""


class _Unreadable(Exception):
    """The lexer met something it does not understand: give up the rewrite."""


def rewrite_strings(source: str, positions: list[int]) -> str | None:
    """``source`` with every string group that contains one of ``positions`` (offsets) rewritten;
    None when the text cannot be lexed or a position is in no string."""
    try:
        groups = _string_groups(source)
    except (_Unreadable, IndexError):  # IndexError: text ending inside a construct
        return None
    chars = list(source)
    pending = sorted(set(positions))
    for group in groups:
        if not any(start <= p < end for p in pending for start, end, _ in group):
            continue
        for _, _, edits in group:
            for offset, char in edits.items():
                chars[offset] = char
        pending = [p for p in pending if not any(start <= p < end for start, end, _ in group)]
    return None if pending else "".join(chars)


# A string token: start, end (exclusive), and the edits that turn it into part of a list display.
_Token = tuple[int, int, dict[int, str]]


def _string_groups(source: str) -> list[list[_Token]]:
    groups: list[list[_Token]] = []
    depth = 0
    joinable = False  # only whitespace/comments since the last string (newlines inside brackets)
    i, n = 0, len(source)
    while i < n:
        c = source[i]
        if c == "#":
            i = _line_end(source, i)
            continue
        if c in " \t\f":
            i += 1
            continue
        if c == "\\" and source.startswith("\n", i + 1):
            i += 2
            continue
        if c == "\n":
            joinable = joinable and depth > 0
            i += 1
            continue
        start = i
        prefix_end = _string_start(source, i)
        if prefix_end is not None:
            end, edits = _string(source, start, prefix_end)
            _frame(source, start, end, edits)
            if joinable and groups:
                groups[-1].append((start, end, edits))
            else:
                groups.append([(start, end, edits)])
            joinable = True
            i = end
            continue
        joinable = False
        if c.isidentifier() or c.isdigit():
            i = _word_end(source, i)
            continue
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth = max(0, depth - 1)
        i += 1
    return groups


def _word_end(source: str, i: int) -> int:
    """After a name, keyword or number (whole, so its letters are never taken for a prefix)."""
    n = len(source)
    while i < n and (source[i].isalnum() or source[i] == "_"):
        i += 1
    return i


def _line_end(source: str, i: int) -> int:
    end = source.find("\n", i)
    return len(source) if end < 0 else end


def _string_start(source: str, i: int) -> int | None:
    """Index of the opening quote when a string literal (with its prefix) starts at ``i``."""
    j = i
    while j < len(source) and j - i < 2 and source[j] in _PREFIX_LETTERS:
        j += 1
    if j < len(source) and source[j] in _QUOTES:
        if j > i and i > 0 and (source[i - 1].isalnum() or source[i - 1] == "_"):
            return None  # the tail of a name, not a prefix
        return j
    return None


def _frame(source: str, start: int, end: int, edits: dict[int, str]) -> None:
    """Prefix and quotes: ``[0`` ... ``]``, the rest of them spaces."""
    quote_start = start
    while source[quote_start] not in _QUOTES:
        quote_start += 1
    width = 3 if source.startswith(source[quote_start] * 3, quote_start) else 1
    for offset in range(start, quote_start + width):
        edits[offset] = " "
    for offset in range(end - width, end):
        edits[offset] = " "
    edits[start] = "["
    if start + 1 < end - 1:
        edits[start + 1] = "0"
    edits[end - 1] = "]"


def _string(source: str, start: int, quote_at: int) -> tuple[int, dict[int, str]]:
    """End of the string literal starting at ``start`` and the edits blanking its literal text."""
    prefix = source[start:quote_at].lower()
    quote = source[quote_at]
    triple = source.startswith(quote * 3, quote_at)
    closing = quote * 3 if triple else quote
    template = "f" in prefix or "t" in prefix
    raw = "r" in prefix
    edits: dict[int, str] = {}
    i, n = quote_at + len(closing), len(source)
    while i < n:
        c = source[i]
        if source.startswith(closing, i):
            return i + len(closing), edits
        if c == "\n" and not triple:
            raise _Unreadable
        if c == "\\":
            if template and source.startswith(("{", "}"), i + 1):  # ``\{x}``: a backslash, then a field
                edits[i] = " "
                i += 1
                continue
            if not raw and template and source.startswith("N{", i + 1):  # \N{NAME}: not a field
                close = source.find("}", i)
                if close < 0:
                    raise _Unreadable
                _blank(source, i, close + 1, edits)
                i = close + 1
                continue
            _blank(source, i, min(i + 2, n), edits)
            i += 2
            continue
        if template and c in "{}":
            if source.startswith(c * 2, i):  # {{ and }}: literal braces
                _blank(source, i, i + 2, edits)
                i += 2
                continue
            if c == "}":
                raise _Unreadable
            i = _field(source, i, edits)
            continue
        if c != "\n":
            edits[i] = " "
        i += 1
    raise _Unreadable


def _blank(source: str, start: int, end: int, edits: dict[int, str]) -> None:
    for offset in range(start, end):
        if source[offset] != "\n":
            edits[offset] = " "


def _field(source: str, i: int, edits: dict[int, str]) -> int:
    """A replacement field at ``source[i] == "{"``: returns the index after its ``}``."""
    edits[i] = ","
    i += 1
    depth = 0
    n = len(source)
    while i < n:
        c = source[i]
        if c == "#":
            i = _line_end(source, i)
            continue
        quote_at = _string_start(source, i)
        if quote_at is not None:  # a string inside the expression: nested f-strings rewritten too
            end, nested = _string(source, i, quote_at)
            if any(letter in source[i:quote_at].lower() for letter in "ft"):
                _frame(source, i, end, nested)
                edits.update(nested)
            i = end
            continue
        if c.isidentifier() or c.isdigit():
            i = _word_end(source, i)
            continue
        if c in "([{":
            depth += 1
        elif c in ")]" or (c == "}" and depth > 0):
            depth -= 1
        elif c == "}":
            edits[i] = " "
            return i + 1
        elif depth == 0 and c == "!" and not source.startswith("=", i + 1):  # !r, !s, !a
            edits[i] = " "
            i += 1
            while i < n and source[i].isalpha():
                edits[i] = " "
                i += 1
            continue
        elif depth == 0 and c == "=" and source[i - 1] not in "=!<>" and not source.startswith("=", i + 1):
            edits[i] = " "  # the self-documenting ``{x=}``
        elif depth == 0 and c == ":":
            return _format_spec(source, i, edits)
        i += 1
    raise _Unreadable


def _format_spec(source: str, i: int, edits: dict[int, str]) -> int:
    """``:spec`` up to the field's ``}``: literal text blanked, nested fields kept as fields."""
    n = len(source)
    while i < n:
        c = source[i]
        if c == "{":
            i = _field(source, i, edits)
            continue
        if c == "}":
            edits[i] = " "
            return i + 1
        if c != "\n":
            edits[i] = " "
        i += 1
    raise _Unreadable
