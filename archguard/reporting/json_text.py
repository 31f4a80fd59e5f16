"""JSON text indented by two spaces, the very text ``json.dumps(data, indent=2, ensure_ascii=False,
default=str)`` writes, in half its time.

With ``indent``, the standard library encodes in Python, one generator per nesting level and one
``yield`` per token: a warm ``discover`` of 3,000 files spent more time writing its 3 MB ``--json``
than deriving it. Here each scalar is one call of the C encoders json itself uses
(``encode_basestring``, ``int.__repr__``, ``float.__repr__``), dispatched on its exact type, and
each item one string appended to one list. Same output, byte for byte (tests/unit/test_json_text.py
compares the two on every kind of value json encodes).
"""

from __future__ import annotations

from collections.abc import Callable
from json.encoder import INFINITY, encode_basestring
from typing import Any

_STEP = "  "


def _float(value: float) -> str:
    """As json writes a float: NaN and the infinities by JavaScript's names."""
    if value != value:
        return "NaN"
    if value == INFINITY:
        return "Infinity"
    if value == -INFINITY:
        return "-Infinity"
    return float.__repr__(value)


def _null(_: None) -> str:
    return "null"


def _bool(value: bool) -> str:
    return "true" if value else "false"


# The encoder of each scalar type by its exact type (a bool is no int here, as in json).
_SCALARS: dict[type, Callable[[Any], str]] = {
    str: encode_basestring,
    int: int.__repr__,
    float: _float,
    bool: _bool,
    type(None): _null,
}


def _subclass_scalar(value: Any) -> Callable[[Any], str] | None:
    """The encoder of a str, int or float subclass (an enum member), as json picks it; None: not a
    scalar."""
    if isinstance(value, str):
        return encode_basestring
    if isinstance(value, int):
        return int.__repr__
    if isinstance(value, float):
        return _float
    return None


def _key(key: Any) -> str:
    """A dict key as json writes it: a string, or a scalar turned into one."""
    if isinstance(key, str):
        return encode_basestring(key)
    if isinstance(key, float):
        return encode_basestring(_float(key))
    if key is True or key is False or key is None:
        return f'"{_SCALARS[type(key)](key)}"'
    if isinstance(key, int):
        return encode_basestring(int.__repr__(key))
    raise TypeError(f"keys must be str, int, float, bool or None, not {key.__class__.__name__}")


def indented(data: Any, default: Callable[[Any], Any] = str) -> str:
    """``data`` as JSON text, indented by two spaces, non-ASCII kept; ``default`` turns any other
    object into one json can write (as json's ``default``)."""
    parts: list[str] = []
    append = parts.append
    scalar_of = _SCALARS.get

    def write(value: Any, newline: str) -> None:
        encode = scalar_of(type(value)) or _subclass_scalar(value)
        if encode is not None:
            append(encode(value))
        elif isinstance(value, (list, tuple)):
            if not value:
                append("[]")
                return
            inner = newline + _STEP
            separator = "[" + inner
            for item in value:
                encode = scalar_of(type(item))
                if encode is not None:
                    append(separator + encode(item))
                else:
                    append(separator)
                    write(item, inner)
                separator = "," + inner
            append(newline + "]")
        elif isinstance(value, dict):
            if not value:
                append("{}")
                return
            inner = newline + _STEP
            separator = "{" + inner
            for key, item in value.items():
                name = encode_basestring(key) if type(key) is str else _key(key)
                encode = scalar_of(type(item))
                if encode is not None:
                    append(separator + name + ": " + encode(item))
                else:
                    append(separator + name + ": ")
                    write(item, inner)
                separator = "," + inner
            append(newline + "}")
        else:
            write(default(value), newline)

    write(data, "\n")
    return "".join(parts)
