"""The cache codec rebuilds stored values as the classes' own constructors would: the fast path
for frozen slotted dataclasses gives equal, hashable, still-frozen objects, and classes whose
construction runs code of their own are built through it."""

from __future__ import annotations

import marshal
from dataclasses import dataclass

import pytest

from archguard.adapters.cache.codec import Codec, enum_field, rows
from archguard.domain.facts import (
    AttributeUse,
    Binding,
    BindingKind,
    DynamicFact,
    DynamicKind,
    ImportFact,
    ImportKind,
)
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


def test_many_named_tuples_come_back_as_columns_give_them_whatever_field_the_enum_is() -> None:
    """``rows``: an enum field first (ImportFact), inside (Binding, DynamicFact) or none
    (AttributeUse); the same classes, equal values, the enum's own members; none at all."""
    facts = (
        (
            ImportFact(
                ImportKind.FROM, "app.mod", "Name", None, 1, 3, 5, 4, "from .mod import Name", guarded=True
            ),
            ImportFact(ImportKind.DYNAMIC, "app.plugins", None, None, 0, 9, 1, 9, "x", lazy=True),
        ),
        (
            Binding("Wrapper", BindingKind.CLASS, 12, bases=("Base", "mod.Mixin"), empty_body=True),
            Binding("Manager", BindingKind.ALIAS, 10, target="_Impl", conditional=True),
        ),
        (DynamicFact(7, DynamicKind.REGISTERS, "sys.modules[...] = ...", "__name__.old"),),
        (AttributeUse("app.core.Thing", 4, 8), AttributeUse("app.x", 5, 1)),
    )
    codecs = (
        Codec(ImportFact, {"kind": enum_field(ImportKind)}),
        Codec(Binding, {"kind": enum_field(BindingKind)}),
        Codec(DynamicFact, {"kind": enum_field(DynamicKind)}),
        Codec(AttributeUse),
    )
    for values, codec in zip(facts, codecs, strict=True):
        to_plain, from_plain = rows(codec)
        plain = to_plain(values)
        assert marshal.loads(marshal.dumps(plain)) == plain  # plain values only
        back = from_plain(marshal.loads(marshal.dumps(plain)))
        assert back == values and [type(v) for v in back] == [type(v) for v in values]
        assert [getattr(v, "kind", None) for v in back] == [getattr(v, "kind", None) for v in values]
        assert all(type(kind) is not str for kind in (getattr(v, "kind", 0) for v in back))
        assert from_plain(to_plain(())) == ()
