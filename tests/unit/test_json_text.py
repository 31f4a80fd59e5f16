"""archguard's JSON text (reporting/json_text.py) is the standard library's indented text, byte for
byte, on every kind of value json encodes: the documents users diff and parse do not change."""

from __future__ import annotations

import enum
import json
import math
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from archguard.reporting.json_report import dumps
from archguard.reporting.json_text import indented


def _reference(data: object) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False, default=str)


class Level(str, enum.Enum):
    ERROR = "error"


class Count(enum.IntEnum):
    TWO = 2


class Ratio(float):
    pass


class Opaque:
    def __str__(self) -> str:
        return "opaque"


_SCALARS = st.none() | st.booleans() | st.integers() | st.floats() | st.text()
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.lists(inner, max_size=3).map(tuple)
        | st.dictionaries(st.text(max_size=5) | st.integers() | st.booleans() | st.none(), inner, max_size=4)
    ),
    max_leaves=30,
)


@settings(max_examples=300, deadline=None)
@given(_VALUES)
def test_any_json_value_is_written_as_json_writes_it(data: object) -> None:
    assert indented(data) == _reference(data)


def test_every_special_case_is_written_as_json_writes_it() -> None:
    data = {
        "floats": [0.1, -0.0, 1e16, 1e-7, math.nan, math.inf, -math.inf],
        "text": ["é", "\u2028", "\ud800", '"quoted"\\', "\x00\x1f\n\t"],
        "subclasses": [Level.ERROR, Count.TWO, Ratio(0.5), {Level.ERROR: Count.TWO}],
        "keys": {3: "a", 2.5: "b", True: "c", False: "d", None: "e", math.inf: "f"},
        "containers": [(), [], {}, ((1,),), [[[]]], {"x": {}}],
        "other": [Opaque(), Path("a/b")],
        7: None,
    }
    assert indented(data) == _reference(data)
    for scalar in ("x", 1, 1.5, None, True, Level.ERROR, [], {}):
        assert indented(scalar) == _reference(scalar)


def test_a_key_json_cannot_write_is_refused_as_json_refuses_it() -> None:
    for data in ({(1, 2): "tuple"}, {Opaque(): 1}):
        try:
            _reference(data)
        except TypeError:
            pass
        else:  # pragma: no cover - json accepts it now: then so must we
            assert indented(data) == _reference(data)
            continue
        try:
            indented(data)
        except TypeError:
            continue
        raise AssertionError(f"{data!r} was written, json refuses it")


def test_the_report_writer_ends_the_text_with_a_newline() -> None:
    document = {"schema": "archguard/1", "violations": [{"path": "a.py", "line": 3}]}
    assert dumps(document) == _reference(document) + "\n"
