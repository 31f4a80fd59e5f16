"""Building frozen domain values fast, where thousands are built at once (the cache codec).

A frozen dataclass's ``__init__`` sets each field through ``object.__setattr__`` (that is how it
stays frozen). A slotted class built by ``dataclasses`` is instead made with ``object.__new__`` and
its slots filled by their own descriptors, one unrolled function per class, written from the
class's own field names as ``dataclasses`` writes ``__init__``: the same object, frozen and
hashable, in a third of the time. (The values built by the hundred thousand, facts and findings,
are NamedTuples: the codec builds those from their stored tuples in C.)
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from typing import Any


def slot_builder(cls: type, names: tuple[str, ...]) -> Callable[[Sequence[Any]], Any]:
    """A function that makes ``cls`` from its field values in the order of ``names`` (every
    field), as ``cls(*values)`` would; that call itself where the class runs code of its own when
    built (``__post_init__``, a hand-written ``__init__``) or keeps fields outside slots."""
    slots = set(getattr(cls, "__slots__", ()))
    init = getattr(vars(cls).get("__init__"), "__code__", None)
    written_by_hand = init is None or init.co_filename == getattr(
        sys.modules.get(cls.__module__), "__file__", None
    )
    if written_by_hand or hasattr(cls, "__post_init__") or not set(names) <= slots:
        return lambda values: cls(*values)
    scope: dict[str, Any] = {"new": object.__new__, "cls": cls}
    lines = ["def build(values):", "    made = new(cls)"]
    for index, name in enumerate(names):
        scope[f"set_{index}"] = getattr(cls, name).__set__
        lines.append(f"    set_{index}(made, values[{index}])")
    lines.append("    return made")
    exec("\n".join(lines), scope)  # the class's own field names, as dataclasses writes __init__
    build: Callable[[Sequence[Any]], Any] = scope["build"]
    return build
