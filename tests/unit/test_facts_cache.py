"""The content-hash cache: hits, misses, invalidation, corruption and concurrent writers."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from archguard.adapters.cache import facts_cache
from archguard.adapters.cache.facts_cache import CachedOutcome, FactsCache, FileStamp, content_hash
from archguard.adapters.cache.layered import Fold
from archguard.domain.facts import (
    AttributeUse,
    Binding,
    BindingKind,
    FileFacts,
    ImportFact,
    ImportKind,
    ParseOutcome,
    SyntaxIssue,
    UnreadableFile,
)

OLD_NS = 1_600_000_000 * 10**9
OLD_MTIME = FileStamp(OLD_NS, OLD_NS, 1)  # long before "now": stat hits are trusted


def sample_facts(n: int = 0, imports: int = 3) -> FileFacts:
    return FileFacts(
        imports=tuple(
            ImportFact(ImportKind.FROM, f"app.mod{n}", f"Name{j}", "Alias" if j else None, 1, j + 1,
                       5, j + 2, f"from .mod{n} import Name{j}", guarded=bool(j % 2))
            for j in range(imports)
        ) + (ImportFact(ImportKind.DYNAMIC, "app.plugins", None, None, 0, 9, 1, 9, "x"),),
        bindings=(
            Binding("Manager", BindingKind.ALIAS, 10, target="_Impl"),
            Binding("Wrapper", BindingKind.CLASS, 12, bases=("Base", "mod.Mixin"), empty_body=True),
        ),
        all_names=("Manager",),
        has_getattr=True,
        attribute_uses=(AttributeUse("app.core.Thing", 4, 8),),
        warns_deprecation=True,
    )


OUTCOMES = {
    "app/a.py": ParseOutcome(facts=sample_facts()),
    "app/broken.py": ParseOutcome(syntax_error=SyntaxIssue("app/broken.py", 3, 7, "invalid syntax")),
    "app/blob.py": ParseOutcome(unreadable=UnreadableFile("app/blob.py", "binary file (NUL byte)")),
}


def outcome_of(hit: CachedOutcome | None) -> ParseOutcome | None:
    return None if hit is None else hit.outcome()


def filled(cache_dir: Path, target: tuple[int, int] = (3, 12)) -> FactsCache:
    cache = FactsCache(cache_dir, target=target)
    for i, (path, outcome) in enumerate(OUTCOMES.items()):
        cache.store(path, 100 + i, OLD_MTIME, content_hash(path.encode()), outcome)
    cache.save()
    return cache


def test_round_trip_hits_by_stat_and_by_hash(tmp_path: Path) -> None:
    filled(tmp_path)
    warm = FactsCache(tmp_path, target=(3, 12))
    for i, (path, outcome) in enumerate(OUTCOMES.items()):
        assert outcome_of(warm.find(path, 100 + i, OLD_MTIME)) == outcome
        assert outcome_of(warm.find_by_hash(path, content_hash(path.encode()))) == outcome
        assert warm.known_hash(path) == content_hash(path.encode())
    assert outcome_of(warm.find("app/a.py", 101, OLD_MTIME)) is None  # size changed
    assert outcome_of(warm.find("app/a.py", 100, OLD_MTIME._replace(mtime_ns=OLD_NS + 1))) is None
    # cp -p / rsync -t keep the mtime, not the ctime; a retargeted symlink has another inode
    assert outcome_of(warm.find("app/a.py", 100, OLD_MTIME._replace(ctime_ns=OLD_NS + 1))) is None
    assert outcome_of(warm.find("app/a.py", 100, OLD_MTIME._replace(inode=2))) is None
    assert outcome_of(warm.find_by_hash("app/a.py", content_hash(b"other"))) is None
    assert outcome_of(warm.find("app/new.py", 1, OLD_MTIME)) is None


def test_cache_is_per_target_version(tmp_path: Path) -> None:
    filled(tmp_path, target=(3, 12))
    assert FactsCache(tmp_path, target=(3, 11)).find("app/a.py", 100, OLD_MTIME) is None
    cache = FactsCache(tmp_path, target=(3, 11))
    cache.select_target((3, 12))
    assert outcome_of(cache.find("app/a.py", 100, OLD_MTIME)) == OUTCOMES["app/a.py"]


def test_extractor_version_bump_invalidates(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    filled(tmp_path)
    monkeypatch.setattr(facts_cache, "EXTRACTOR_VERSION", facts_cache.EXTRACTOR_VERSION + 1)
    assert FactsCache(tmp_path, target=(3, 12)).find("app/a.py", 100, OLD_MTIME) is None


def test_recently_modified_file_matches_only_by_content(tmp_path: Path) -> None:
    """A file written in the same clock tick as the scan may change again unnoticed by stat."""
    cache = FactsCache(tmp_path)
    now = time.time_ns()
    cache.store("a.py", 10, FileStamp(now, now, 1), content_hash(b"x"), OUTCOMES["app/a.py"])
    cache.save()
    warm = FactsCache(tmp_path)
    assert outcome_of(warm.find("a.py", 10, FileStamp(now, now, 1))) is None
    assert outcome_of(warm.find_by_hash("a.py", content_hash(b"x"))) == OUTCOMES["app/a.py"]


def test_no_cache_writes_nothing(tmp_path: Path) -> None:
    cache = FactsCache(None)
    cache.store("a.py", 1, OLD_MTIME, content_hash(b"x"), OUTCOMES["app/a.py"])
    cache.save()
    assert outcome_of(cache.find("a.py", 1, OLD_MTIME)) is None
    assert list(tmp_path.iterdir()) == []


def test_entries_of_files_not_seen_this_run_are_dropped(tmp_path: Path) -> None:
    filled(tmp_path)
    second = FactsCache(tmp_path, target=(3, 12))
    assert outcome_of(second.find("app/a.py", 100, OLD_MTIME)) is not None  # only this file still exists
    second.save()
    third = FactsCache(tmp_path, target=(3, 12))
    assert outcome_of(third.find("app/a.py", 100, OLD_MTIME)) is not None
    assert outcome_of(third.find("app/broken.py", 101, OLD_MTIME)) is None


def test_cache_folder_is_git_ignored(tmp_path: Path) -> None:
    filled(tmp_path / "cache")
    assert (tmp_path / "cache" / ".gitignore").read_text().splitlines()[-1] == "*"


@pytest.mark.parametrize(
    "damage", ["flip_payload_byte", "flip_length_byte", "flip_index_byte", "truncate", "empty", "garbage_header"]
)
def test_damaged_cache_is_ignored_and_rebuilt(tmp_path: Path, damage: str) -> None:
    cache_file = filled(tmp_path).file
    assert cache_file is not None
    data = bytearray(cache_file.read_bytes())
    # each entry's bytes are checked on their own (against the signed index): damage there costs
    # that entry only; damage to the head or the index costs the whole file
    lost = set(OUTCOMES)
    if damage == "flip_payload_byte":
        data[-20] ^= 0xFF  # in the last entry's bytes
        lost = {"app/blob.py"}
    elif damage == "flip_length_byte":  # the index's length: never a length to allocate
        data[73] ^= 0xFF
    elif damage == "flip_index_byte":
        data[100] ^= 0xFF
    elif damage == "truncate":
        data = data[: len(data) // 2]
    elif damage == "empty":
        data = bytearray()
    else:
        data[:8] = b"NOTMAGIC"
    cache_file.write_bytes(bytes(data))

    damaged = FactsCache(tmp_path, target=(3, 12))
    for i, (path, outcome) in enumerate(OUTCOMES.items()):
        found = outcome_of(damaged.find(path, 100 + i, OLD_MTIME))
        assert found == (None if path in lost else outcome), path
    damaged.store("app/blob.py", 102, OLD_MTIME, content_hash(b"app/blob.py"), OUTCOMES["app/blob.py"])
    damaged.store("app/a.py", 100, OLD_MTIME, content_hash(b"app/a.py"), OUTCOMES["app/a.py"])
    damaged.save()
    rebuilt = FactsCache(tmp_path, target=(3, 12))
    assert outcome_of(rebuilt.find("app/a.py", 100, OLD_MTIME)) == OUTCOMES["app/a.py"]
    assert outcome_of(rebuilt.find("app/blob.py", 102, OLD_MTIME)) == OUTCOMES["app/blob.py"]


def test_concurrent_writers_never_leave_a_half_written_file(tmp_path: Path) -> None:
    """Two runs saving at once: a reader always finds one complete cache, never a broken one."""
    def writer(tag: int, stop: threading.Event) -> None:
        while not stop.is_set():
            cache = FactsCache(tmp_path)
            for i in range(300):
                cache.store(f"m{tag}_{i}.py", i, OLD_MTIME, content_hash(b"%d" % i),
                            ParseOutcome(facts=sample_facts(i)))
            cache.save()

    filled_once = FactsCache(tmp_path)
    filled_once.store("seed.py", 1, OLD_MTIME, content_hash(b"s"), OUTCOMES["app/a.py"])
    filled_once.save()
    stop = threading.Event()
    threads = [threading.Thread(target=writer, args=(tag, stop)) for tag in (1, 2)]
    for thread in threads:
        thread.start()
    try:
        seen = set()
        deadline = time.monotonic() + 0.8
        while time.monotonic() < deadline:
            reader = FactsCache(tmp_path)  # reads the whole file once: one writer's complete result
            present = [tag for tag, first in (("seed", "seed.py"), ("m1", "m1_0.py"), ("m2", "m2_0.py"))
                       if reader.known_hash(first) is not None]
            assert len(present) == 1, present
            if present[0] != "seed":
                assert all(reader.known_hash(f"{present[0]}_{i}.py") is not None for i in range(300))
            seen.add(present[0])
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    assert seen & {"m1", "m2"}
    assert not [p for p in tmp_path.iterdir() if p.suffix == ".tmp"]  # no temp files left behind


def test_ten_thousand_entries_come_back_whole(tmp_path: Path) -> None:
    """A cache of a large tree's size gives every entry back, by stat and by hash, facts intact.
    (How fast it loads is measured in benchmarks/cache_load.py, not here.)"""
    cache = FactsCache(tmp_path)
    outcomes = {f"app/m{i}.py": ParseOutcome(facts=sample_facts(i, imports=8)) for i in range(10_000)}
    for i, (path, outcome) in enumerate(outcomes.items()):
        cache.store(path, 1000, OLD_MTIME, content_hash(b"%d" % i), outcome)
    cache.save()
    loaded = FactsCache(tmp_path)
    for i, (path, outcome) in enumerate(outcomes.items()):
        assert loaded.known_hash(path) == content_hash(b"%d" % i)
        if i % 100 == 0:  # decoding every entry adds nothing the codec tests do not cover
            assert outcome_of(loaded.find(path, 1000, OLD_MTIME)) == outcome
            assert outcome_of(loaded.find_by_hash(path, content_hash(b"%d" % i))) == outcome


def test_a_kind_of_dynamic_fact_is_told_from_the_encoded_facts_without_a_miss() -> None:
    """The whole-run pass of docs/dangling.md reads only the files whose encoded facts may hold
    a write into another module: the test on the bytes may say yes wrongly, never no wrongly."""
    from archguard.adapters.cache.facts_cache import encode_outcome
    from archguard.adapters.parsing.facts_ast import extract_facts
    from archguard.domain.facts import DynamicKind, ParseOutcome

    sources = {
        "writer": "import app.m\nsetattr(app.m, 'X', 1)\n",
        "registers": "import sys\nsys.modules['app.old'] = sys\n",
        "plain": "import app.m\nX = app.m.Y\n",
        "mentions": "attributes = 'registers'\n",  # the words, as data: a harmless yes
    }
    held = {}
    for name, source in sources.items():
        outcome = encode_outcome(ParseOutcome(facts=extract_facts(source)))
        cached = CachedOutcome(outcome.plain, outcome.outcome_digest)  # as read back from disk
        for kind in (DynamicKind.SETS_ATTRIBUTES, DynamicKind.REGISTERS):
            holds = any(f.kind is kind for f in extract_facts(source).dynamic)
            told = cached.may_hold(kind.value.encode())
            assert told or not holds, (name, kind)  # never a miss
            held[name, kind.value] = told
    assert held["writer", "attributes"] and held["registers", "registers"]
    assert not held["plain", "attributes"] and not held["plain", "registers"]


def test_the_words_a_worker_tells_are_those_the_parent_would_tell_from_the_bytes() -> None:
    """A parser worker tells :meth:`CachedOutcome.holding` before sending the outcome (pickled):
    the parent's warm-start record keeps that number, so it must be the one told from the bytes."""
    import pickle

    from archguard.adapters.cache.facts_cache import HELD_WORDS, encode_outcome, held_in
    from archguard.adapters.parsing.facts_ast import extract_facts
    from archguard.domain.facts import ParseOutcome

    sources = [
        "import app.m\nsetattr(app.m, 'X', 1)\n",
        "import sys\nsys.modules['app.old'] = sys\n",
        "globals().update(x=1)\n__path__ = __import__('pkgutil').extend_path(__path__, __name__)\n",
        "import app.m\nX = app.m.Y\n",
        "import app.m\napp.m.install(__name__)\n",  # calls
        "import sys\nG = sys._getframe(1).f_globals\n",  # caller
    ]
    told = set()
    for source in sources:
        outcome = ParseOutcome(facts=extract_facts(source))
        sent = pickle.loads(pickle.dumps(encode_outcome(outcome, holding=True)))
        lazy = encode_outcome(outcome)
        read_back = CachedOutcome(lazy.plain, lazy.outcome_digest)  # as from disk: told from the bytes
        expected = sum(1 << i for i, word in enumerate(HELD_WORDS) if read_back.may_hold(word))
        assert sent.holding() == lazy.holding() == read_back.holding() == expected, source
        told.add(expected)
        assert all(held_in(expected, word) == read_back.may_hold(word) for word in HELD_WORDS)
    assert len(told) == len(sources)  # each source holds other words
    held = {i for i in range(len(HELD_WORDS)) if any(bits >> i & 1 for bits in told)}
    assert held == set(range(len(HELD_WORDS)))  # and each word is held by one of them
    assert CachedOutcome(encode_outcome(ParseOutcome()).plain, b"").holding() == 0  # no facts


def _changed_outcome() -> ParseOutcome:
    return ParseOutcome(facts=sample_facts(7, imports=1))


def test_a_run_that_changes_a_few_entries_writes_only_what_changed(tmp_path: Path) -> None:
    """One file edited in a large tree: the base file stays as it is, the delta beside it holds the
    new entry (and the removal of a file gone); the next run reads both as one cache."""
    base = filled(tmp_path)
    assert base.file is not None and base.delta_file is not None
    written = base.file.read_bytes()
    second = FactsCache(tmp_path, target=(3, 12))
    assert second.find("app/broken.py", 101, OLD_MTIME) is not None  # seen; app/blob.py is not: gone
    second.store("app/a.py", 200, OLD_MTIME, content_hash(b"edited"), _changed_outcome())
    second.save()
    assert base.file.read_bytes() == written
    assert 0 < base.delta_file.stat().st_size < len(written)
    third = FactsCache(tmp_path, target=(3, 12))
    assert outcome_of(third.find("app/a.py", 200, OLD_MTIME)) == _changed_outcome()
    assert outcome_of(third.find("app/a.py", 100, OLD_MTIME)) is None
    assert outcome_of(third.find("app/broken.py", 101, OLD_MTIME)) == OUTCOMES["app/broken.py"]
    assert third.known_hash("app/blob.py") is None
    # and a run after it carries the delta's entries on, though it changes nothing else of them
    third.store("app/new.py", 5, OLD_MTIME, content_hash(b"new"), OUTCOMES["app/a.py"])
    third.save()
    fourth = FactsCache(tmp_path, target=(3, 12))
    assert outcome_of(fourth.find("app/a.py", 200, OLD_MTIME)) == _changed_outcome()
    assert outcome_of(fourth.find("app/new.py", 5, OLD_MTIME)) == OUTCOMES["app/a.py"]
    assert fourth.known_hash("app/blob.py") is None
    assert base.file.read_bytes() == written


def test_a_run_goes_on_from_the_base_it_wrote(tmp_path: Path) -> None:
    """Once a run has written a new base, its entries are read from that file (the run does not
    read back the index it wrote), and its next save writes a delta over that base."""
    cache = filled(tmp_path)
    for i, (path, outcome) in enumerate(OUTCOMES.items()):
        assert outcome_of(cache.find(path, 100 + i, OLD_MTIME)) == outcome
    assert cache.file is not None and cache.delta_file is not None
    written = cache.file.read_bytes()
    cache.store("app/c.py", 7, OLD_MTIME, content_hash(b"app/c.py"), _changed_outcome())
    cache.save()
    assert cache.file.read_bytes() == written and cache.delta_file.exists()
    reader = FactsCache(tmp_path, target=(3, 12))
    assert outcome_of(reader.find("app/c.py", 7, OLD_MTIME)) == _changed_outcome()
    for i, (path, outcome) in enumerate(OUTCOMES.items()):
        assert outcome_of(reader.find(path, 100 + i, OLD_MTIME)) == outcome


def test_a_base_another_run_wrote_right_after_this_ones_is_read_as_that_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two runs writing a base one just after the other: the first does not take the second's
    file for its own, it reads the second's entries from it."""
    other = FactsCache(tmp_path / "other", target=(3, 12))
    other.store("app/other.py", 5, OLD_MTIME, content_hash(b"other"), OUTCOMES["app/a.py"])
    other.save()
    assert other.file is not None
    others_base = other.file.read_bytes()
    write_base = facts_cache.Layers.write_base

    def then_another_run(layers: facts_cache.Layers, data: bytes) -> None:
        write_base(layers, data)
        layers.base.write_bytes(others_base)

    cache = FactsCache(tmp_path, target=(3, 12))
    cache.store("app/a.py", 100, OLD_MTIME, content_hash(b"app/a.py"), OUTCOMES["app/a.py"])
    monkeypatch.setattr(facts_cache.Layers, "write_base", then_another_run)
    cache.save()
    assert cache.known_hash("app/other.py") == content_hash(b"other")
    assert outcome_of(cache.find("app/other.py", 5, OLD_MTIME)) == OUTCOMES["app/a.py"]
    assert cache.find("app/a.py", 100, OLD_MTIME) is None


def test_a_large_delta_is_folded_into_a_new_base(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    base = filled(tmp_path)
    assert base.file is not None and base.delta_file is not None
    monkeypatch.setattr(facts_cache, "_FOLD", Fold(share=16, least=0))  # any delta outgrows this small base
    grown = FactsCache(tmp_path, target=(3, 12))
    grown.keep(OUTCOMES)
    for i in range(20):
        grown.store(f"app/m{i}.py", i, OLD_MTIME, content_hash(b"%d" % i), ParseOutcome(facts=sample_facts(i)))
    grown.save()
    assert not base.delta_file.exists()
    again = FactsCache(tmp_path, target=(3, 12))
    for i, (path, outcome) in enumerate(OUTCOMES.items()):  # copied over without being decoded
        assert outcome_of(again.find(path, 100 + i, OLD_MTIME)) == outcome
    assert outcome_of(again.find("app/m3.py", 3, OLD_MTIME)) == ParseOutcome(facts=sample_facts(3))


def test_a_delta_of_another_base_is_never_applied(tmp_path: Path) -> None:
    """A writer wrote a new base after this delta was written (or between writing its base and
    removing the old delta): the delta's entries, and its references into the old base, are not
    read against the new one."""
    filled(tmp_path)
    edit = FactsCache(tmp_path, target=(3, 12))
    edit.keep(OUTCOMES)
    edit.store("app/a.py", 200, OLD_MTIME, content_hash(b"edited"), _changed_outcome())
    edit.save()
    assert edit.delta_file is not None and edit.file is not None
    old_delta = edit.delta_file.read_bytes()
    filled(tmp_path / "other")  # another base, written by another run
    (tmp_path / "other" / edit.file.name).replace(edit.file)
    edit.delta_file.write_bytes(old_delta)
    reader = FactsCache(tmp_path, target=(3, 12))
    assert outcome_of(reader.find("app/a.py", 100, OLD_MTIME)) == OUTCOMES["app/a.py"]
    assert outcome_of(reader.find("app/a.py", 200, OLD_MTIME)) is None


@pytest.mark.parametrize("damage", ["flip_byte", "other_key"])
def test_a_damaged_or_foreign_delta_costs_only_what_it_held(
    tmp_path: Path, damage: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    filled(tmp_path)
    edit = FactsCache(tmp_path, target=(3, 12))
    edit.keep(OUTCOMES)
    edit.store("app/a.py", 200, OLD_MTIME, content_hash(b"edited"), _changed_outcome())
    edit.save()
    assert edit.delta_file is not None
    if damage == "flip_byte":
        data = bytearray(edit.delta_file.read_bytes())
        data[-5] ^= 0xFF
        edit.delta_file.write_bytes(bytes(data))
    else:  # written by another user: never read (marshal is not safe against crafted input)
        monkeypatch.setenv("ARCHGUARD_CACHE_KEY", "someone else's key")
        foreign = FactsCache(tmp_path / "foreign", target=(3, 12))
        foreign.store("app/a.py", 100, OLD_MTIME, content_hash(b"app/a.py"), _changed_outcome())
        foreign.save()
        assert foreign.file is not None
        filled(tmp_path / "foreign")
        foreign.store("app/a.py", 300, OLD_MTIME, content_hash(b"forged"), _changed_outcome())
        foreign.save()
        monkeypatch.delenv("ARCHGUARD_CACHE_KEY")
        edit.delta_file.write_bytes((tmp_path / "foreign" / edit.delta_file.name).read_bytes())
    reader = FactsCache(tmp_path, target=(3, 12))
    with pytest.warns(UserWarning) if damage == "other_key" else _no_warning():
        assert outcome_of(reader.find("app/a.py", 200, OLD_MTIME)) is None
    assert outcome_of(reader.find("app/a.py", 300, OLD_MTIME)) is None
    assert outcome_of(reader.find("app/broken.py", 101, OLD_MTIME)) == OUTCOMES["app/broken.py"]


def _no_warning():  # type: ignore[no-untyped-def]
    import contextlib

    return contextlib.nullcontext()


@pytest.mark.parametrize("damaged", [False, True])
def test_a_run_reading_most_entries_reads_them_at_once_and_still_checks_each(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, damaged: bool
) -> None:
    """Past a few entries read one by one, the base's entries are read at once and checked by the
    digest of them all; when that does not hold, each entry is checked on its own again."""
    monkeypatch.setattr(facts_cache, "_READS_ONE_BY_ONE", 2)
    cache = FactsCache(tmp_path)
    outcomes = {f"app/m{i}.py": ParseOutcome(facts=sample_facts(i)) for i in range(8)}
    for i, (path, outcome) in enumerate(outcomes.items()):
        cache.store(path, 1000, OLD_MTIME, content_hash(b"%d" % i), outcome)
    cache.save()
    assert cache.file is not None
    if damaged:
        data = bytearray(cache.file.read_bytes())
        data[-20] ^= 0xFF  # in the last entry's bytes
        cache.file.write_bytes(bytes(data))
    loaded = FactsCache(tmp_path)
    for i, (path, outcome) in enumerate(outcomes.items()):
        lost = damaged and path == "app/m7.py"
        assert outcome_of(loaded.find(path, 1000, OLD_MTIME)) == (None if lost else outcome), path


def test_the_shapes_come_back_from_the_cache_and_a_worker_as_the_parser_made_them(tmp_path: Path) -> None:
    """A class's members and a function's parameters, decorators and return annotation travel
    packed (``FileFacts.shapes``): the facts read back from the cache, or sent by a parser worker,
    are the very facts the parser built in this process, shapes included."""
    import pickle

    from archguard.adapters.cache.facts_cache import encode_outcome
    from archguard.adapters.parsing.facts_ast import extract_facts
    from archguard.domain.shapes import Shape

    source = (
        "import functools\nLIMIT = 3\n\n\n@functools.cache\ndef make_rule(rate, *rest) -> 'Rule':\n    pass\n\n\n"
        "class Rule(Base):\n    rate = 0\n\n    def apply(self, price):\n        pass\n\n\ndel LIMIT\n"
    )
    fresh = extract_facts(source)
    cache = FactsCache(tmp_path)
    cache.store("rules.py", 10, OLD_MTIME, content_hash(b"rules"), encode_outcome(ParseOutcome(facts=fresh)))
    cache.save()
    read_back = outcome_of(FactsCache(tmp_path).find("rules.py", 10, OLD_MTIME))
    sent = pickle.loads(pickle.dumps(encode_outcome(ParseOutcome(facts=fresh), holding=True))).outcome()
    for facts in (read_back.facts, sent.facts):
        assert facts == fresh
        assert [(b.name, facts.shape_of(b)) for b in facts.bindings] == [
            ("LIMIT", Shape()),
            ("make_rule", Shape(("rate", "*rest"), ("functools.cache",), "Rule")),
            ("Rule", Shape(("rate", "apply"))),
            ("LIMIT", Shape()),
        ]
