"""The base + delta mechanics both layered caches share (adapters/cache/layered.py), and the
file-by-file state's use of them (a delta of another base, a damaged one, one of the format before)."""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import pytest

from archguard.adapters.cache import store as store_module
from archguard.adapters.cache.cache_key import cache_key
from archguard.adapters.cache.codec import seal
from archguard.adapters.cache.entries import CHECK_STATE, Entry
from archguard.adapters.cache.layered import Fold, Layers, new_base_id
from archguard.adapters.cache.store import DiskStore
from archguard.domain.derived import DerivedState, FileIdentity, FileRecord

IDENTITY = b"TESTDLT\x01"


def layers_in(folder: Path) -> Layers:
    return Layers(folder / "thing.bin", IDENTITY)


def with_delta(folder: Path, change: object = ("what", "changed")) -> tuple[Layers, bytes]:
    layers = layers_in(folder)
    base_id = new_base_id()
    layers.write_base(b"the base, in its owner's format")
    layers.write_delta(layers.seal_delta(base_id, change))
    return layers, base_id


def test_a_delta_is_read_over_the_base_it_names_and_no_other(tmp_path: Path) -> None:
    layers, base_id = with_delta(tmp_path)
    assert layers.delta == tmp_path / "thing.delta.bin"
    assert layers.read_delta(base_id) == ("what", "changed")
    assert layers.read_delta(new_base_id()) is None  # a writer wrote a new base since


def test_writing_a_base_removes_the_delta_of_the_old_one(tmp_path: Path) -> None:
    layers, base_id = with_delta(tmp_path)
    layers.write_base(b"a new base")
    assert layers.base.read_bytes() == b"a new base"
    assert not layers.delta.exists()
    assert layers.read_delta(base_id) is None
    layers.write_base(b"and no delta to remove")  # not an error


@pytest.mark.parametrize("damage", ["flip", "truncate", "empty", "other_identity", "folder", "fifo"])
def test_a_damaged_or_foreign_delta_reads_as_nothing(tmp_path: Path, damage: str) -> None:
    layers, base_id = with_delta(tmp_path)
    data = layers.delta.read_bytes()
    if damage == "flip":
        layers.delta.write_bytes(data[:-1] + bytes([data[-1] ^ 0xFF]))
    elif damage == "truncate":
        layers.delta.write_bytes(data[:-3])
    elif damage == "empty":
        layers.delta.write_bytes(b"")
    elif damage == "other_identity":  # another format or version of the same cache
        layers.delta.write_bytes(Layers(layers.base, b"TESTDLT\x00").seal_delta(base_id, ("what", "changed")))
    elif damage == "folder":
        layers.delta.unlink()
        layers.delta.mkdir()
    else:  # never waited on: a FIFO with no writer would block a plain open
        layers.delta.unlink()
        os.mkfifo(layers.delta)
    with warnings.catch_warnings(record=True) as noticed:
        warnings.simplefilter("always")
        assert layers.read_delta(base_id) is None
    # only a MAC that does not verify is worth a notice; the rest is a plain miss
    assert [str(w.message).split(":")[1] for w in noticed] == (
        [" ignoring the cache in " + str(tmp_path)] if damage == "flip" else []
    )


def test_a_delta_is_folded_past_its_share_of_the_base_and_its_least() -> None:
    fold = Fold(share=8, least=64)
    assert not fold.due(64, 100)  # small whatever the base
    assert fold.due(65, 100)
    assert not fold.due(200, 1600)  # an eighth of the base
    assert fold.due(201, 1600)


# ---- the file-by-file state over them -------------------------------------------------------------

KEY = b"k" * 16


def record(path: str, outcome: bytes) -> FileRecord:
    return FileRecord(FileIdentity(path, path.removesuffix(".py"), False, False, outcome))


BASE_STATE = DerivedState(("a", "b"), tuple(record(f"m{i}.py", b"0") for i in range(4)), ())


def saved_with_delta(folder: Path) -> tuple[DerivedState, DerivedState]:
    """A base of BASE_STATE, then a delta of one record re-derived (what a one-file edit writes)."""
    DiskStore(folder).save(CHECK_STATE, KEY, BASE_STATE)
    store = DiskStore(folder)
    loaded = store.load(CHECK_STATE, KEY)
    assert loaded == BASE_STATE
    edited = DerivedState((*loaded.names, "c"), (*loaded.files[:3], record("m3.py", b"1")), ())
    store.save(CHECK_STATE, KEY, edited)
    assert (folder / "results-check-state.delta.bin").exists()
    return loaded, edited


def test_the_state_reads_its_base_and_delta_as_one(tmp_path: Path) -> None:
    _, edited = saved_with_delta(tmp_path)
    assert DiskStore(tmp_path).load(CHECK_STATE, KEY) == edited
    assert DiskStore(tmp_path).load(CHECK_STATE, b"another key.....") is None


@pytest.mark.parametrize("old", ["previous_magic", "previous_layout"])
def test_a_state_delta_of_the_format_before_is_ignored_cleanly(tmp_path: Path, old: str) -> None:
    """Before layered.py the delta was a flat (base id, names added, records, passes, files) under
    magic AGRSLTD\\x02: such a file (restored by CI, left by the archguard before) is never read as
    the new layout, nor taken as damage; the base alone is the (older) state it loads."""
    base, _ = saved_with_delta(tmp_path)
    delta = tmp_path / "results-check-state.delta.bin"
    layers = DiskStore(tmp_path)._layers(CHECK_STATE, KEY)
    assert layers is not None
    base_id, (added, records, passes, files) = _unsealed(layers)
    flat = (base_id, added, records, passes, files)
    keyed = store_module._keyed(CHECK_STATE, KEY)
    magic = b"AGRSLTD\x02" if old == "previous_magic" else store_module.DELTA_MAGIC
    delta.write_bytes(seal(magic + keyed, flat, cache_key()))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # not damage: no notice
        assert DiskStore(tmp_path).load(CHECK_STATE, KEY) == base


@pytest.mark.parametrize("damage", ["flip", "other_base", "records_out_of_place"])
def test_a_damaged_or_stale_state_delta_leaves_the_base_or_a_miss(tmp_path: Path, damage: str) -> None:
    base, _ = saved_with_delta(tmp_path)
    layers = DiskStore(tmp_path)._layers(CHECK_STATE, KEY)
    assert layers is not None
    base_id, change = _unsealed(layers)
    expected: DerivedState | None = base
    if damage == "flip":
        data = layers.delta.read_bytes()
        layers.delta.write_bytes(data[:-1] + bytes([data[-1] ^ 0xFF]))
    elif damage == "other_base":
        layers.write_delta(layers.seal_delta(new_base_id(), change))
    else:  # signed, but not what this base can hold (a bug's delta): a miss, never a crash
        layers.write_delta(layers.seal_delta(base_id, (change[0], {99: change[1][3]}, *change[2:])))
        expected = None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the damaged delta's notice
        assert DiskStore(tmp_path).load(CHECK_STATE, KEY) == expected


def _unsealed(layers: Layers) -> tuple[bytes, tuple]:
    from archguard.adapters.cache.codec import unseal

    found = unseal(
        layers.delta.read_bytes(),
        store_module.DELTA_MAGIC + store_module._keyed(CHECK_STATE, KEY),
        cache_key(),
    )
    assert isinstance(found, tuple) and len(found) == 2
    return found


def test_a_value_an_entry_cannot_hold_is_not_cached_with_a_notice(tmp_path: Path) -> None:
    """A bug's value (here, not a state at all) costs the cache, never the run."""
    store = DiskStore(tmp_path)
    plain = Entry("plain", lambda value: value.missing, lambda plain: plain, b"schema")
    for entry, value in ((CHECK_STATE, "not a state"), (plain, "no such field")):
        with pytest.warns(UserWarning, match=f"{entry.name} not cached"):
            store.save(entry, KEY, value)
    assert list(tmp_path.iterdir()) == []
    store.save(plain, KEY, Holder("kept"))
    assert DiskStore(tmp_path).load(plain, KEY) == "kept"


class Holder:
    def __init__(self, missing: str) -> None:
        self.missing = missing
