"""The cache codec rebuilds stored values as the classes' own constructors would: the fast path
for frozen slotted dataclasses gives equal, hashable, still-frozen objects, and classes whose
construction runs code of their own are built through it."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from archguard.adapters.cache.codec import Codec, enum_field
from archguard.domain.findings import Severity, Violation


@dataclass(frozen=True, slots=True)
class Normalised:
    name: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "name", self.name.lower())


@dataclass(frozen=True, slots=True, init=False)
class HandMade:
    name: str

    def __init__(self, name: str) -> None:
        object.__setattr__(self, "name", f"<{name}>")


def test_a_finding_comes_back_equal_hashable_and_frozen() -> None:
    codec = Codec(Violation, {"severity": enum_field(Severity)})
    finding = Violation(
        "AG501", "face", "a/b.py", 3, 1, "reaches in", severity=Severity.WARNING, extra=(("k", "v"),)
    )
    back = codec.decode(codec.encode(finding))
    assert back == finding and hash(back) == hash(finding) and back is not finding
    assert back.severity is Severity.WARNING
    with pytest.raises(AttributeError):  # a NamedTuple: its fields cannot be set
        back.line = 4  # type: ignore[misc]


def test_classes_that_run_code_when_built_are_built_by_that_code() -> None:
    assert Codec(Normalised).decode(("MiXed",)) == Normalised("mixed")
    assert Codec(HandMade).decode(("x",)).name == "<x>"  # its own __init__ ran (the fast path would give "x")


def test_a_fingerprinted_finding_is_the_finding_with_only_its_fingerprint_filled() -> None:
    finding = Violation(
        "AG101",
        "one-manager",
        "a/b.py",
        7,
        1,
        "old path",
        statement="from  x import (\n  Y)",
        imported="x:Y",
        extra=(("k", "v"),),
        chain=("a", "b"),
    )
    done = finding.with_fingerprint(1)
    assert done._replace(fingerprint="") == finding
    assert len(done.fingerprint) == 16 and done.fingerprint != finding.with_fingerprint(0).fingerprint
    # the statement's spacing and the line are not part of it: a moved, reformatted import keeps it
    moved = finding._replace(line=40, statement="from x import ( Y)")
    assert moved.with_fingerprint(1).fingerprint == done.fingerprint
