"""What discover compares of a module-level class or function to tell one concept from two that
share a name (docs/discover.md, "same-name"; a factory's evidence), and its packed form: one
string per file, ``FileFacts.shapes``, read by ``FileFacts.shape_of``.

Apart from the bindings (and from ``domain/facts.py``) because only discover reads shapes (and
``check``, for ``diff``, a factory's in a git checkout), while every ``check`` decodes every
file's facts: packed, they cost it one string per file, and a check that parses nothing (warm)
does not even load this module.
"""

from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple


class Shape(NamedTuple):
    """A module-level class's or function's shape."""

    # CLASS: the names its body binds (methods, fields, nested classes), in order;
    # FUNCTION: its parameter names, in order (``*args``, ``**kw`` with their stars).
    members: tuple[str, ...] = ()
    decorators: tuple[str, ...] = ()  # each decorator's callable, dotted ("router.get")
    returns: str | None = None  # FUNCTION: the return annotation, dotted (or the text of a string one)


NO_SHAPE = Shape()


# The packed form (FileFacts.shapes): one line per binding, in their order (trailing empty lines
# left out), empty for a binding without a shape; a shape's line is its members, its decorators
# and its return annotation, separated by tabs, each list's names by spaces (identifiers and
# dotted names hold neither). Text rather than tuples: equal shapes are equal text however their
# strings were made, and a file's shapes are one string to copy. The parser writes it
# (``facts_builder.FactsBuilder.bind_class``/``bind_function``, ``build``: a file's lines in one
# join, no Python step per definition beyond its own line); :func:`shape_at` reads it.


@lru_cache(maxsize=64)
def _shape_lines(shapes: str) -> tuple[str, ...]:
    # a reader asks for several bindings of one file in a row (discover: each factory of a module)
    return tuple(shapes.split("\n"))


def shape_at(shapes: str, index: int) -> Shape:
    """The shape of the ``index``-th binding of facts whose ``FileFacts.shapes`` is ``shapes``."""
    lines = _shape_lines(shapes) if shapes else ()
    if index >= len(lines) or not lines[index]:
        return NO_SHAPE
    members, decorators, returns = lines[index].split("\t")
    return Shape(
        tuple(members.split(" ")) if members else (),
        tuple(decorators.split(" ")) if decorators else (),
        returns or None,
    )
