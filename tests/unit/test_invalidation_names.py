"""The numbering of module and facet names a derivation's records store (analysis/invalidation.py)."""

from __future__ import annotations

from archguard.analysis.invalidation import Names, unpacked


def test_packing_numbers_each_new_name_once_in_the_order_met() -> None:
    names = Names(["app", "app\0X"])
    assert list(unpacked(names.pack(["app\0X", "lib", "app", "lib\0Y", "lib"]))) == [1, 2, 0, 3, 2]
    assert names.names == ["app", "app\0X", "lib", "lib\0Y"]
    assert names.unpack(names.pack(["lib\0Y", "app"])) == ["lib\0Y", "app"]
    assert names.id("lib") == 2 and names.id("other") == 4


def test_asking_whether_a_name_is_numbered_numbers_nothing() -> None:
    names = Names(["app"])
    assert names.ids.get("lib") is None and "lib" not in names.ids
    assert names.names == ["app"]


def test_names_numbered_after_a_modules_facets_were_looked_up_are_among_them() -> None:
    names = Names(["app", "app\0X"])
    assert names.of_modules({"app"}) == {0, 1}
    names.pack(["lib\0Y", "app\0Z"])
    assert names.of_modules({"app"}) == {0, 1, 3}
    assert names.of_modules({"lib"}) == {2}


def test_a_state_read_back_numbers_as_it_was_written() -> None:
    written = Names()
    packed = written.pack(["b", "a\0x", "c"])
    read = Names(written.names)
    assert read.unpack(packed) == ["b", "a\0x", "c"]
    assert read.pack(["c", "d"]) == written.pack(["c", "d"])
