"""The scan: parse outcomes for every file, broken ones included, cached and parallel."""

from __future__ import annotations

import dataclasses
import multiprocessing
import os
import pickle
import sys
import warnings
from pathlib import Path

import pytest

from archguard.adapters.cache.facts_cache import FactsCache, FileStamp
from archguard.adapters.discovery import discover
from archguard.adapters.parsing import parse_file, syntax_judge
from archguard.adapters.parsing.scanner import ScanOutput, scan_files
from archguard.domain.facts import ParseOutcome, SyntaxIssue, UnreadableFile
from tests.helpers import write_tree

OLD = 1_600_000_000  # seconds: files this old are trusted by stat (no racy-clock doubt)
NEWEST = (3, 14)


def scan(root: Path, *, target=NEWEST, cache: FactsCache | None = None, **kwargs) -> ScanOutput:
    files = discover(root).files
    return scan_files(root, files, target=target, cache=cache or FactsCache(None), **kwargs)


def imported_modules(outcome: ParseOutcome) -> list[str]:
    assert outcome.facts is not None, outcome
    return [fact.module for fact in outcome.facts.imports]


def test_broken_files_are_recorded_and_the_rest_parsed(tmp_path: Path) -> None:
    write_tree(tmp_path, {
        "app/__init__.py": "",
        "app/good.py": "from app import bad\nimport os\n",
        "app/bad.py": "import os\ndef f(:\n    pass\n",
        "tests/test_x.py": "x = 'unterminated\n",
        "tests/test_y.py": "if True:\nprint(1)\n",
    }, mtime=OLD)
    out = scan(tmp_path)
    assert set(out.outcomes) == {"app/__init__.py", "app/good.py", "app/bad.py", "tests/test_x.py",
                                 "tests/test_y.py"}
    assert imported_modules(out.outcomes["app/good.py"]) == ["app", "os"]
    bad = out.outcomes["app/bad.py"].syntax_error
    assert bad is not None and (bad.path, bad.line, bad.column) == ("app/bad.py", 2, 7)
    assert out.outcomes["tests/test_x.py"].syntax_error.line == 1
    assert out.outcomes["tests/test_y.py"].syntax_error.line == 2
    assert out.outcomes["app/bad.py"].facts is None


NEWER_SYNTAX = "from app.base import Base\ntype Alias = list[int]\nclass Box[T](Base):\n    pass\n"


def test_newer_syntax_is_valid_or_not_by_target(tmp_path: Path) -> None:
    write_tree(tmp_path, {"new.py": NEWER_SYNTAX,
                         "fstr.py": "import os\nname = f\"{os.environ[\"HOME\"]}\"\n"}, mtime=OLD)
    newest = scan(tmp_path, target=NEWEST)
    assert imported_modules(newest.outcomes["new.py"]) == ["app.base"]
    assert imported_modules(newest.outcomes["fstr.py"]) == ["os"]
    old = scan(tmp_path, target=(3, 11))
    issue = old.outcomes["new.py"].syntax_error
    assert issue is not None and issue.line == 2 and "3.11" in issue.message
    assert "3.11" in old.outcomes["fstr.py"].syntax_error.message


@pytest.mark.skipif(sys.version_info < (3, 10), reason="needs an interpreter that knows match")
def test_target_older_than_the_interpreter_rejects_what_it_lacked(tmp_path: Path) -> None:
    write_tree(tmp_path, {"m.py": "match x:\n    case 1:\n        pass\n", "plain.py": "import os\n"}, mtime=OLD)
    out = scan(tmp_path, target=(3, 9))
    assert out.outcomes["m.py"].syntax_error is not None
    assert out.outcomes["m.py"].syntax_error.line == 1
    assert imported_modules(out.outcomes["plain.py"]) == ["os"]


def test_unreadable_binary_huge_and_undecodable_files(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(parse_file, "DEFAULT_MAX_BYTES", 1000)
    write_tree(tmp_path, {
        "binary.py": b"\x7fELF\x00\x00\x01",
        "huge.py": "x = 1\n" * 400,
        "latin.py": b'x = "caf\xe9"\n',  # no coding cookie: not UTF-8
        "locked.py": "import os\n",
        "ok.py": "import sys\n",
    }, mtime=OLD)
    real_read = parse_file.read_regular

    def refusing_read(file, *args, **kwargs):
        if str(file).endswith("locked.py"):
            raise PermissionError(13, "Permission denied", str(file))
        return real_read(file, *args, **kwargs)

    monkeypatch.setattr(parse_file, "read_regular", refusing_read)
    out = scan(tmp_path)
    reasons = {p: o.unreadable.reason for p, o in out.outcomes.items() if o.unreadable}
    assert set(reasons) == {"binary.py", "huge.py", "latin.py", "locked.py"}
    assert "NUL" in reasons["binary.py"]
    assert reasons["huge.py"].startswith("too large")
    assert "utf-8" in reasons["latin.py"]
    assert reasons["locked.py"] == "permission denied"
    assert imported_modules(out.outcomes["ok.py"]) == ["sys"]


def test_file_deleted_after_discovery_is_unreadable_not_fatal(tmp_path: Path) -> None:
    write_tree(tmp_path, {"a.py": "", "b.py": "import os\n"}, mtime=OLD)
    files = discover(tmp_path).files
    (tmp_path / "a.py").unlink()
    out = scan_files(tmp_path, files, target=NEWEST, cache=FactsCache(None))
    assert out.outcomes["a.py"].unreadable is not None
    assert imported_modules(out.outcomes["b.py"]) == ["os"]


def count_opens(monkeypatch) -> list[str]:
    opened: list[str] = []
    real_read = parse_file.read_regular  # every read of a source file goes through it

    def spying_read(file, *args, **kwargs):
        opened.append(str(file))
        return real_read(file, *args, **kwargs)

    monkeypatch.setattr(parse_file, "read_regular", spying_read)
    return opened


TREE = {
    "app/__init__.py": "",
    "app/a.py": "import os\n",
    "app/b.py": "from app import a\n",
    "app/broken.py": "def f(:\n",
    "new.py": NEWER_SYNTAX,
}


def test_warm_run_reads_no_unchanged_file(tmp_path: Path, monkeypatch) -> None:
    root = write_tree(tmp_path / "tree", TREE, mtime=OLD)
    cold = scan(root, cache=FactsCache(tmp_path / "cache"))
    assert cold.cache_hits == 0
    opened = count_opens(monkeypatch)
    warm = scan(root, cache=FactsCache(tmp_path / "cache"))
    assert warm.cache_hits == len(TREE)
    assert opened == []
    assert warm.outcomes == cold.outcomes


def test_changed_file_is_parsed_again_touched_file_is_not(tmp_path: Path, monkeypatch) -> None:
    root = write_tree(tmp_path / "tree", TREE, mtime=OLD)
    scan(root, cache=FactsCache(tmp_path / "cache"))
    write_tree(root, {"app/a.py": "import json\n"}, mtime=OLD)  # same size, new content
    os.utime(root / "app/a.py", (OLD + 5, OLD + 5))
    os.utime(root / "app/b.py", (OLD + 5, OLD + 5))  # touched: same content
    parsed: list[str] = []
    real_parse = parse_file.extract_facts
    monkeypatch.setattr(parse_file, "extract_facts", lambda s: parsed.append(s) or real_parse(s))
    out = scan(root, cache=FactsCache(tmp_path / "cache"))
    assert imported_modules(out.outcomes["app/a.py"]) == ["json"]
    assert parsed == ["import json\n"]  # b.py was read and hashed, never parsed
    assert out.cache_hits == len(TREE) - 1


def test_cache_does_not_mix_targets(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "tree", {"new.py": NEWER_SYNTAX}, mtime=OLD)
    cache_dir = tmp_path / "cache"
    assert scan(root, target=NEWEST, cache=FactsCache(cache_dir)).outcomes["new.py"].facts
    old = scan(root, target=(3, 11), cache=FactsCache(cache_dir))
    assert old.outcomes["new.py"].syntax_error is not None and old.cache_hits == 0


def test_missing_judge_falls_back_to_cpython_with_one_warning(tmp_path: Path, monkeypatch) -> None:
    def no_ruff() -> str:
        raise syntax_judge.JudgeUnavailable("ruff is not installed")

    monkeypatch.setattr(syntax_judge, "find_ruff", no_ruff)
    root = write_tree(tmp_path / "tree", {"a.py": "def f(:\n", "b.py": "x = (\n", "c.py": "import os\n"}, mtime=OLD)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = scan(root, cache=FactsCache(tmp_path / "cache"))
    assert len([w for w in caught if "ruff is not installed" in str(w.message)]) == 1
    assert (out.outcomes["a.py"].syntax_error.line, out.outcomes["a.py"].syntax_error.column) == (1, 7)
    assert out.outcomes["b.py"].syntax_error is not None
    monkeypatch.undo()  # with ruff back, the guesses made without it were not cached
    again = scan(root, cache=FactsCache(tmp_path / "cache"))
    assert again.cache_hits == 1


def test_parallel_scan_equals_serial_scan(tmp_path: Path) -> None:
    files: dict[str, str] = {"app/__init__.py": ""}
    for i in range(300):
        files[f"app/m{i:03}.py"] = f"from app import m{(i + 1) % 300:03}\nX{i} = {i}\n"
    files["app/broken.py"] = "def f(:\n"
    files["app/new.py"] = NEWER_SYNTAX
    root = write_tree(tmp_path, files, mtime=OLD)
    seen: list[tuple[int, int]] = []
    parallel = scan(root, jobs=2, progress=lambda done, total: seen.append((done, total)))
    serial = scan(root, jobs=1)
    assert parallel.outcomes == serial.outcomes
    assert list(parallel.outcomes) == sorted(files)
    assert parallel.outcomes["app/broken.py"].syntax_error is not None
    assert imported_modules(parallel.outcomes["app/new.py"]) == ["app.base"]
    assert seen[-1] == (len(files), len(files))
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)


@pytest.mark.skipif(multiprocessing.get_start_method() != "fork", reason="patch reaches forked workers")
def test_a_file_that_kills_its_worker_costs_only_that_file(tmp_path: Path, monkeypatch) -> None:
    files = {f"m{i:03}.py": "import os\n" for i in range(250)}
    files["m007.py"] = "import os\nDEADLY = 1\n"
    root = write_tree(tmp_path, files, mtime=OLD)
    real_extract = parse_file.extract_facts

    def deadly(source: str):
        if "DEADLY" in source:
            os._exit(1)  # what a segfault or the OOM killer does to a worker
        return real_extract(source)

    monkeypatch.setattr(parse_file, "extract_facts", deadly)
    out = scan(root, jobs=2)
    assert "crashed" in out.outcomes["m007.py"].unreadable.reason
    assert all(imported_modules(out.outcomes[p]) == ["os"] for p in files if p != "m007.py")


def test_content_replaced_under_the_same_size_and_mtime_is_seen(tmp_path: Path) -> None:
    """``cp -p`` or ``rsync -t`` can put new content under the old size and mtime; the ctime (and,
    for a retargeted symlink, the inode) still tells, as in git's index."""
    root = write_tree(tmp_path / "tree", TREE, mtime=OLD)
    scan(root, cache=FactsCache(tmp_path / "cache"))
    (root / "app/a.py").write_text("import re\n")  # the same size as "import os\n"
    os.utime(root / "app/a.py", (OLD, OLD))  # the old mtime back, as cp -p would
    out = scan(root, cache=FactsCache(tmp_path / "cache"))
    assert imported_modules(out.outcomes["app/a.py"]) == ["re"]


def test_the_cache_a_parallel_cold_scan_writes_is_the_serial_ones_and_a_warm_scan_reads_it(
    tmp_path: Path, monkeypatch
) -> None:
    """Parser workers hand the parent each file's outcome with its digest, and the parent writes
    the cache from them without hashing them again: what it writes is what a serial scan writes,
    a warm scan reads every file from it without parsing one, and a damaged entry still costs
    only its own file (parsed again, the same outcome)."""
    files: dict[str, str] = {"app/__init__.py": ""}
    for i in range(300):
        files[f"app/m{i:03}.py"] = f"from app import m{(i + 1) % 300:03}\nclass C{i}:\n    x = {i}\n"
    files["app/broken.py"] = "def f(:\n"
    files["app/new.py"] = NEWER_SYNTAX
    root = write_tree(tmp_path / "tree", files, mtime=OLD)
    parallel = scan(root, jobs=2, cache=FactsCache(tmp_path / "parallel"))
    serial = scan(root, jobs=1, cache=FactsCache(tmp_path / "serial"))
    assert parallel.outcomes == serial.outcomes

    def entries(cache_dir: Path) -> dict[str, tuple]:
        cache = FactsCache(cache_dir, target=NEWEST)
        found = {}
        for path in files:
            content_hash = cache.known_hash(path)
            assert content_hash is not None, path
            hit = cache.find_by_hash(path, content_hash)
            assert hit is not None, path
            # not the outcome digest: a facts payload's marshal bytes may differ by process (they
            # say whether each string was interned where they were written), though they decode
            # the same
            found[path] = (content_hash, hit.outcome())
        return found

    assert entries(tmp_path / "parallel") == entries(tmp_path / "serial")

    parsed: list[str] = []
    real_parse = parse_file.extract_facts
    monkeypatch.setattr(parse_file, "extract_facts", lambda s: parsed.append(s) or real_parse(s))
    for cache_dir in ("parallel", "serial"):
        warm = scan(root, jobs=1, cache=FactsCache(tmp_path / cache_dir))
        assert (warm.cache_hits, parsed) == (len(files), [])
        assert warm.outcomes == parallel.outcomes

    base = FactsCache(tmp_path / "parallel", target=NEWEST).file
    assert base is not None
    data = bytearray(base.read_bytes())
    data[-100] ^= 0xFF  # inside the last entry's bytes
    base.write_bytes(bytes(data))
    damaged = scan(root, jobs=1, cache=FactsCache(tmp_path / "parallel"))
    assert (damaged.cache_hits, len(parsed)) == (len(files) - 1, 1)
    assert damaged.outcomes == parallel.outcomes


def test_what_a_worker_learnt_of_a_file_reaches_the_parent_whole() -> None:
    """A worker's result per file is pickled to the parent (``Parsed.__reduce__``): every field
    arrives, a field added later included (the names below must be all of them)."""
    values = {
        "path": "app/a.py",
        "size": 12,
        "stamp": FileStamp(1, 2, 3),
        "digest": b"\x01" * 20,
        "outcome": ParseOutcome(unreadable=UnreadableFile("app/a.py", "binary file (NUL byte)")),
        "unchanged": True,
        "rejected": SyntaxIssue("app/a.py", 1, 2, "invalid syntax"),
        "cacheable": False,
    }
    assert set(values) == {f.name for f in dataclasses.fields(parse_file.Parsed)}
    item = parse_file.Parsed(**values)
    assert pickle.loads(pickle.dumps(item)) == item
