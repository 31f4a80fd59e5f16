"""Building frozen domain values fast, where thousands are built at once.

A frozen dataclass's ``__init__`` sets each field through ``object.__setattr__`` (that is how it
stays frozen), and ``dataclasses.replace`` adds a walk over ``fields()`` and a keyword call on top:
for a finding's nineteen fields, most of what a warm ``check`` spends decoding the findings of a
broad contract, and of what a cold one spends fingerprinting them. A slotted class built by
``dataclasses`` is instead made with ``object.__new__`` and its slots filled by their own
descriptors, one unrolled function per class, written from the class's own field names as
``dataclasses`` writes ``__init__``: the same object, frozen and hashable, in a third of the time.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from dataclasses import MISSING, fields
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


def fast_init(cls: type) -> type:
    """A class decorator (below ``@dataclass(frozen=True, slots=True)``): the class's generated
    ``__init__``, which sets each field through ``object.__setattr__``, replaced by one with the
    same parameters and defaults that fills each slot by its own descriptor, as :func:`slot_builder`
    does (a finding's nineteen fields: a third of the time, for every finding any pass makes and
    every ``replace`` of one). The class is left as it is where its ``__init__`` does more than set
    its fields (``__post_init__``, factories, keyword-only or non-init fields)."""
    specs = fields(cls)
    slots = set(getattr(cls, "__slots__", ()))
    if (
        hasattr(cls, "__post_init__")
        or not {f.name for f in specs} <= slots
        or any(f.default_factory is not MISSING or f.kw_only or not f.init for f in specs)
    ):
        return cls
    scope: dict[str, Any] = {}
    params, body = [], []
    for index, spec in enumerate(specs):
        if spec.default is MISSING:
            params.append(spec.name)
        else:
            scope[f"default_{index}"] = spec.default
            params.append(f"{spec.name}=default_{index}")
        scope[f"set_{index}"] = getattr(cls, spec.name).__set__
        body.append(f"    set_{index}(self, {spec.name})")
    exec(f"def __init__(self, {', '.join(params)}):\n" + "\n".join(body), scope)  # the class's own fields
    init = scope["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    cls.__init__ = init  # type: ignore[misc]
    return cls
