"""Domain values <-> plain tuples that ``marshal`` can store, sealed in a checked envelope: the
on-disk form of every cache.

Why marshal of plain tuples and not pickle: loading must stay far below the time it saves. Pickle
rebuilds frozen slotted dataclasses through ``dataclasses.fields()`` per object, an order of
magnitude slower than marshal on the same payload (benchmarks/README.md, "Measurements behind
design choices"). marshal also cannot run code, unlike a pickle planted in a repository's cache
folder.
"""

from __future__ import annotations

import hashlib
import hmac
import marshal
import struct
from collections.abc import Callable, Iterable
from dataclasses import fields
from enum import Enum
from functools import partial
from itertools import repeat
from operator import attrgetter, concat, itemgetter
from typing import Any, NamedTuple

from archguard.domain.values import slot_builder

Converter = tuple[Callable[[Any], Any], Callable[[Any], Any]]  # (to plain, from plain)


class EnumField(NamedTuple):
    """The :data:`Converter` of an enum field: the plain value is the member's ``_value_``, which
    :func:`rows` then reads in C."""

    to_plain: Callable[[Any], Any]
    from_plain: Callable[[Any], Any]


class Codec:
    """One domain value (dataclass or NamedTuple) as a tuple of its field values, in order.

    Fields are read from the class itself, so a new field is stored without touching this code;
    only enum fields and nested domain values need a converter.
    """

    def __init__(self, cls: type, converters: dict[str, Converter] | None = None) -> None:
        self.cls = cls
        self.names = tuple(cls._fields) if hasattr(cls, "_fields") else tuple(f.name for f in fields(cls))
        converters = converters or {}
        self.converters = converters
        unknown = converters.keys() - set(self.names)
        assert not unknown, f"{cls.__name__} has no field {unknown}"  # a domain rename
        self._encoders = tuple((self.names.index(n), converters[n][0]) for n in self.names if n in converters)
        self._decoders = tuple((self.names.index(n), converters[n][1]) for n in self.names if n in converters)
        # A NamedTuple is built straight from the tuple, in C: a warm run decodes half a million
        # facts, and going through the class's generated __new__ would double the cost.
        self._make: Callable[[Any], Any] = (
            partial(tuple.__new__, cls) if hasattr(cls, "_fields") else slot_builder(cls, self.names)
        )
        # The field values in order, read in C: a NamedTuple is its values already; a dataclass's
        # are read by one attrgetter (a cold scan encodes every file's facts, half a million values).
        self._values: Callable[[Any], tuple] = tuple if hasattr(cls, "_fields") else _values_of(self.names)

    def index(self, name: str) -> int:
        """Where field ``name`` sits in the plain tuple."""
        return self.names.index(name)

    def encode(self, value: Any) -> tuple:
        if not self._encoders:
            return self._values(value)
        encoded = list(self._values(value))
        for index, to_plain in self._encoders:
            encoded[index] = to_plain(encoded[index])
        return tuple(encoded)

    def decode(self, plain: tuple) -> Any:
        if not self._decoders:
            return self._make(plain)
        values = list(plain)
        for index, from_plain in self._decoders:
            values[index] = from_plain(values[index])
        return self._make(values)


def _values_of(names: tuple[str, ...]) -> Callable[[Any], tuple]:
    if len(names) > 1:
        return attrgetter(*names)  # a tuple of the values
    return lambda value: tuple(getattr(value, name) for name in names)


def enum_field(kind: type[Enum]) -> EnumField:
    members = {member.value: member for member in kind}

    def to_plain(member: Any) -> Any:
        # ``_value_`` is where Enum keeps ``value``: a plain attribute, read without the descriptor.
        return member._value_ if type(member) is kind else member.value

    return EnumField(to_plain, members.__getitem__)


def many(codec: Codec) -> Converter:
    return (lambda values: tuple(map(codec.encode, values))), (lambda plain: tuple(map(codec.decode, plain)))


def rows(codec: Codec) -> Converter:
    """Many NamedTuples of ``codec``'s class, whose converters are at most one :func:`enum_field`,
    as (that field's values, one per item; the other fields, one tuple per item), each made by one
    map in C, and rebuilt by maps in C: :func:`many` takes a Python call per item, and a tree's
    facts (the parser workers encode every one, the parent decodes every one) are hundreds of
    thousands of items."""
    cls, names = codec.cls, codec.names
    assert hasattr(cls, "_fields") and len(names) > 2, f"{cls.__name__}: not a NamedTuple of 3+ fields"
    new = tuple.__new__
    if not codec.converters:
        return (lambda values: tuple(map(tuple, values))), (lambda plain: tuple(map(new, repeat(cls), plain)))
    ((name, field),) = codec.converters.items()
    assert isinstance(field, EnumField), f"{cls.__name__}.{name}: only an enum field can be a column"
    at = names.index(name)
    values_of = attrgetter(f"{name}._value_")  # as EnumField.to_plain reads it
    others = itemgetter(*(i for i in range(len(names)) if i != at))
    member = field.from_plain
    head, tail = itemgetter(slice(0, at)), itemgetter(slice(at, None))

    def encode(values: Any) -> tuple:
        try:
            kinds = tuple(map(values_of, values))
        except AttributeError:  # not all the enum's members: each as the field's converter says
            kinds = tuple(map(field.to_plain, map(attrgetter(name), values)))
        return kinds, tuple(map(others, values))

    def decode(plain: tuple) -> tuple:
        kinds, rest = plain
        fields: Iterable[Any] = zip(map(member, kinds))  # (member,) of each item
        if at:  # the fields before it, then (member,), then the fields after it
            fields = map(concat, map(head, rest), fields)
            rest = map(tail, rest)
        return tuple(map(new, repeat(cls), map(concat, fields, rest)))

    return encode, decode


def optional(codec: Codec) -> Converter:
    return (lambda value: None if value is None else codec.encode(value)), (
        lambda plain: None if plain is None else codec.decode(plain)
    )


def schema_digest(*codecs: Codec, enums: tuple[type[Enum], ...] = ()) -> bytes:
    """Changes whenever one of these classes gains, loses or renames a field, or one of these
    enums a value: stored data written under another schema is then never read."""
    text = repr(
        (
            [(c.cls.__name__, c.names) for c in codecs],
            [(e.__name__, [m.value for m in e]) for e in enums],
        )
    )
    return hashlib.blake2b(text.encode(), digest_size=8).digest()


def packed(codec: Codec) -> Converter:
    """An optional value stored as marshal bytes of its own: loading the enclosing payload copies
    them without parsing them, so a value nobody asks for costs almost nothing."""
    return (lambda value: None if value is None else marshal.dumps(codec.encode(value))), (
        lambda plain: None if plain is None else codec.decode(marshal.loads(plain))
    )


def content_hash(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=16).digest()


# Envelope: identity (what is stored, fixed by the caller) | payload length (u64)
# | keyed blake2b-128 of identity + payload (16) | payload (marshal).
SEAL_HEAD = struct.Struct("<Q16s")


class UntrustedData(Exception):
    """Data in this format whose MAC does not verify under our key: written by another user, on
    another machine, by a hand that forged it, or damaged. Never read (marshal is not safe
    against crafted input either)."""


def _mac(key: bytes, identity: bytes, payload: bytes) -> bytes:
    digest = hashlib.blake2b(identity, digest_size=16, key=key)
    digest.update(payload)
    return digest.digest()


def seal(identity: bytes, value: Any, key: bytes) -> bytes:
    """``value`` as bytes to write (atomically), signed with ``key`` (:mod:`cache_key`); raises
    ValueError for what marshal cannot store."""
    payload = marshal.dumps(value)
    return identity + SEAL_HEAD.pack(len(payload), _mac(key, identity, payload)) + payload


def unseal(data: bytes, identity: bytes, key: bytes) -> Any:
    """The value :func:`seal` stored under ``identity`` and ``key``; None when ``data`` was stored
    under another identity (format, version, results key) or is truncated. Raises
    :class:`UntrustedData` when the identity matches but the MAC does not: the caller says so."""
    head = len(identity) + SEAL_HEAD.size
    if len(data) < head or data[: len(identity)] != identity:
        return None
    length, digest = SEAL_HEAD.unpack_from(data, len(identity))
    payload = data[head:]
    if length != len(payload):
        return None
    if not hmac.compare_digest(digest, _mac(key, identity, payload)):
        raise UntrustedData()
    try:
        return marshal.loads(payload)
    except (EOFError, ValueError, TypeError):
        return None
