"""Never block: FIFOs and devices in the tree are findings, never reads that hang; a per-file
deadline guards the parsers (docs/security.md, "Never block")."""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from pathlib import Path

import pytest

from archguard.adapters.cache.facts_cache import FactsCache
from archguard.adapters.discovery import discover
from archguard.adapters.parsing import parse_file, scanner, workers
from archguard.adapters.parsing.scanner import scan_files
from tests.helpers import run_cli, write_tree

NEWEST = (3, 14)


def finishes(work, seconds: float = 20.0):
    """Run ``work`` in a daemon thread: its result, or a failure if it blocks (the thread is left)."""
    box: dict = {}
    thread = threading.Thread(target=lambda: box.setdefault("result", work()), daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"blocked for more than {seconds} s"
    return box["result"]


def test_fifo_and_device_named_py_are_unreadable_findings(tmp_path: Path) -> None:
    tree = write_tree(tmp_path / "repo", {"app/__init__.py": "", "app/ok.py": "import os\n"})
    os.mkfifo(tree / "app" / "pipe.py")
    (tree / "app" / "zero.py").symlink_to("/dev/zero")
    out = tmp_path / "scan.json"
    run = run_cli("scan", tree, "--no-cache", "--json", out)
    assert run.returncode == 0, run.stderr
    data = json.loads(out.read_text())
    reasons = {u["path"]: u["reason"] for u in data["unreadable_files"]}
    assert reasons == {
        "app/pipe.py": "not a regular file (a FIFO)",
        "app/zero.py": "not a regular file (a character device)",
    }
    assert data["summary"]["files"] == 4 and data["summary"]["parsed_files"] == 2


def test_file_swapped_for_a_fifo_after_listing_is_not_waited_on(tmp_path: Path) -> None:
    tree = write_tree(tmp_path, {"a.py": "import os\n", "b.py": "import sys\n"})
    files = discover(tree).files
    (tree / "a.py").unlink()
    os.mkfifo(tree / "a.py")
    out = finishes(lambda: scan_files(tree, files, target=NEWEST, cache=FactsCache(None), jobs=1))
    assert out.outcomes["a.py"].unreadable.reason == "not a regular file (a FIFO)"
    assert out.outcomes["b.py"].facts is not None
    # The worker's own read, for a swap between its stat and its open: no blocking either.
    parsed = finishes(lambda: parse_file.parse_one(str(tree), "a.py", None))
    assert parsed.outcome.unreadable.reason == "not a regular file (a FIFO)"


def slow_for(name: str, real):
    def extract(source: str):
        if "SLOW" in source:
            time.sleep(30)
        return real(source)

    return extract


def test_per_file_deadline_costs_only_that_file(tmp_path: Path, monkeypatch) -> None:
    tree = write_tree(tmp_path, {"slow.py": "SLOW = 1\n", "fine.py": "import os\n"})
    monkeypatch.setattr(workers, "FILE_DEADLINE_S", 0.5)
    monkeypatch.setattr(parse_file, "extract_facts", slow_for("slow.py", parse_file.extract_facts))
    started = time.monotonic()
    # In this (main) thread: the deadline is a SIGALRM timer, which only a main thread receives.
    out = scan_files(tree, discover(tree).files, target=NEWEST, cache=FactsCache(None), jobs=1)
    assert time.monotonic() - started < 10
    assert out.outcomes["slow.py"].unreadable.reason == "took longer than 0.5 s to read and parse"
    assert out.outcomes["fine.py"].facts is not None


@pytest.mark.skipif(sys.platform != "linux", reason="relies on fork carrying the patched parser into workers")
def test_per_file_deadline_in_the_worker_pool(tmp_path: Path, monkeypatch) -> None:
    files = {f"m{i}.py": f"import os\nX{i} = 1\n" for i in range(40)}
    files["m7.py"] = "SLOW = 1\n"
    tree = write_tree(tmp_path, files)
    monkeypatch.setattr(scanner, "PARALLEL_MIN_FILES", 2)
    monkeypatch.setattr(workers, "FILE_DEADLINE_S", 0.5)
    monkeypatch.setattr(parse_file, "extract_facts", slow_for("m7.py", parse_file.extract_facts))
    started = time.monotonic()
    out = scan_files(tree, discover(tree).files, target=NEWEST, cache=FactsCache(None), jobs=2)
    assert time.monotonic() - started < 15
    assert out.outcomes["m7.py"].unreadable.reason == "took longer than 0.5 s to read and parse"
    assert sum(1 for o in out.outcomes.values() if o.facts is not None) == 39


def test_py_symlink_out_of_root_is_unreadable_not_the_trees_source(tmp_path: Path) -> None:
    """A ``.py`` link to a file outside ROOT is not the tree's source: its text never reaches the
    findings, the JSON, SARIF or the report. A link inside ROOT is read as before."""
    outside = tmp_path / "secret.py"
    outside.write_text("import app.SECRET_OUTSIDE_TEXT\n")
    (tmp_path / "secret.pyi").write_text("from app.SECRET_STUB import x\n")
    tree = write_tree(tmp_path / "repo", {"app/__init__.py": "", "app/real.py": "import app.gone_inside\n"})
    (tree / "app" / "leak.py").symlink_to(outside)
    (tree / "app" / "leak.pyi").symlink_to(tmp_path / "secret.pyi")
    (tree / "app" / "alias.py").symlink_to(tree / "app" / "real.py")
    out = tmp_path / "scan.json"
    for command in ("scan", "check"):
        run = run_cli(command, tree, "--no-cache", "--json", out, timeout=60)
        assert run.returncode in (0, 1), run.stderr
        text = out.read_text()
        assert "SECRET_OUTSIDE_TEXT" not in text and "SECRET_STUB" not in text
        data = json.loads(text)
        reasons = {u["path"]: u["reason"] for u in data["unreadable_files"]}
        assert reasons == {"app/leak.py": "symbolic link leading outside ROOT"}
        assert "gone_inside" in text  # the link inside ROOT is read


def test_a_file_swapped_for_a_link_after_listing_is_read_only_inside_root(tmp_path: Path) -> None:
    """Every read of a tree's file (``read_regular(..., confine_to=ROOT)``) refuses a link out of
    ROOT itself, not only the scan's stat before it: a file swapped for such a link between the
    two is never read. A link inside ROOT, and a plain file, are read; a link to a FIFO is refused
    by kind, never waited on."""
    from archguard.adapters.project_files.safe_io import LeadsOutOfRoot, NotRegularFile, read_regular

    outside = tmp_path / "secret.py"
    outside.write_text("SECRET = 1\n")
    tree = write_tree(tmp_path / "repo", {"app/real.py": "x = 1\n"})
    (tree / "app" / "leak.py").symlink_to(outside)
    (tree / "app" / "alias.py").symlink_to(tree / "app" / "real.py")
    os.mkfifo(tree / "app" / "pipe")
    (tree / "app" / "piped.py").symlink_to(tree / "app" / "pipe")
    assert read_regular(tree / "app" / "real.py", confine_to=tree)[0] == b"x = 1\n"
    assert read_regular(tree / "app" / "alias.py", confine_to=tree)[0] == b"x = 1\n"
    with pytest.raises(LeadsOutOfRoot):
        read_regular(tree / "app" / "leak.py", confine_to=tree)

    def read_piped() -> OSError | None:
        try:
            read_regular(tree / "app" / "piped.py", confine_to=tree)
        except OSError as error:
            return error
        return None

    assert isinstance(finishes(read_piped), NotRegularFile)
    assert read_regular(tree / "app" / "leak.py")[0] == b"SECRET = 1\n"  # not a tree's file: followed
