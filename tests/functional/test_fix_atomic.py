"""archguard fix is all or nothing: a failed write, a regression found by the re-check, and a
process killed half-way through all end with every file exactly as it was (bytes and mode)."""

from __future__ import annotations

import errno
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from archguard.adapters.project_files import output_files
from archguard.adapters.rewrite import fix_journal, import_rewriter
from archguard.adapters.rewrite.fix_journal import JOURNAL_DIRNAME, Journal
from archguard.app import fix as fix_module
from archguard.domain.fix import FixStatus
from tests.helpers import run_cli
from tests.functional.test_fix import TAIL, fix, make

IMPORTERS = {
    f"app/api/m{i}.py": f"from app.realtime.compat import LegacyManager\n{TAIL}" for i in range(5)
} | {
    "tests/test_a.py": "from app.realtime.impl import Manager\n",
    "scripts/run-it.py": "from app.realtime import ConnectionManager as CM\n",
}


def snapshot(root: Path) -> dict[str, tuple[bytes, int]]:
    """Every file under ROOT (journal and temporary files included), with its permission bits."""
    return {
        p.relative_to(root).as_posix(): (p.read_bytes(), p.stat().st_mode & 0o7777)
        for p in sorted(root.rglob("*")) if p.is_file()
    }


@pytest.fixture
def root(tmp_path: Path) -> Path:
    root = make(tmp_path, IMPORTERS)
    (root / "scripts/run-it.py").chmod(0o755)
    return root


def test_a_failed_write_restores_every_file(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = snapshot(root)
    real = fix_journal.atomic_write
    writes = []

    def full_disk(path: Path, data: bytes, mode: int, **kwargs: bool) -> None:
        if path.suffix == ".py":
            writes.append(path)
            if len(writes) == 3:
                raise OSError(errno.ENOSPC, "No space left on device", str(path))
        real(path, data, mode, **kwargs)

    monkeypatch.setattr(fix_journal, "atomic_write", full_disk)
    result = fix(root)
    assert result.status is FixStatus.ROLLED_BACK
    assert "No space left on device" in result.problems[0]
    assert sorted(result.restored) == sorted(p.relative_to(root).as_posix() for p in writes[:2])
    assert snapshot(root) == before


def test_a_regression_found_by_the_recheck_restores_every_file(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = snapshot(root)
    real = import_rewriter.rewrite_imports

    def breaks_one_file(path, source, package, edits):  # type: ignore[no-untyped-def]
        rewrite = real(path, source, package, edits)
        if path == "app/api/m3.py":
            rewrite.source += b"def broken(:\n    pass\n"
        return rewrite

    monkeypatch.setattr(fix_module, "rewrite_imports", breaks_one_file)
    result = fix(root)
    assert result.status is FixStatus.ROLLED_BACK
    assert any(p.startswith("app/api/m3.py:") and "new syntax error" in p for p in result.problems)
    assert len(result.restored) == len(IMPORTERS)
    assert snapshot(root) == before


def test_a_rewrite_that_leaves_a_fixable_violation_is_rolled_back(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = snapshot(root)
    real = import_rewriter.rewrite_imports

    def misses_one(path, source, package, edits):  # type: ignore[no-untyped-def]
        if path == "tests/test_a.py":  # changes the file, but not the import
            return import_rewriter.Rewrite(source + b"# touched\n")
        return real(path, source, package, edits)

    monkeypatch.setattr(fix_module, "rewrite_imports", misses_one)
    result = fix(root)
    assert result.status is FixStatus.ROLLED_BACK
    assert result.problems == (
        "tests/test_a.py:1: still not canonical after the rewrite: app.realtime.impl:Manager",
    )
    assert snapshot(root) == before


def test_a_contract_the_rewrite_would_break_rolls_it_back(root: Path) -> None:
    (root / ".importlinter").write_text(textwrap.dedent("""\
        [importlinter]
        root_packages = app

        [importlinter:contract:api-manager]
        name = the api reaches the manager only through the compatibility layer
        type = forbidden
        source_modules = app.api
        forbidden_modules = app.realtime.manager
        allow_indirect_imports = True
        """))
    before = snapshot(root)
    result = fix(root)
    assert result.status is FixStatus.ROLLED_BACK
    assert any("new AG301" in p and "app.api.m0" in p for p in result.problems)
    assert snapshot(root) == before


KILLER = """\
import os, signal, sys
from archguard.adapters.project_files import output_files
from archguard.adapters.rewrite import fix_journal

real = fix_journal.atomic_write
written = []

def dies_on_the_third_file(path, data, mode, **kwargs):
    if path.suffix == ".py":
        written.append(path)
        if len(written) == 3:
            # Half of the new file is in its temporary file when the process is killed.
            handle, _ = output_files.create_temporary(path)
            os.write(handle, data[: len(data) // 2])
            os.kill(os.getpid(), signal.SIGKILL)
    real(path, data, mode, **kwargs)

fix_journal.atomic_write = dies_on_the_third_file
from archguard.cli import main
sys.argv = ["archguard", "fix", sys.argv[1], "--no-cache", "-q"]
main()
"""


def kill_mid_run(root: Path) -> None:
    run = subprocess.run([sys.executable, "-c", KILLER, str(root)], capture_output=True, text=True, timeout=120)
    assert run.returncode == -signal.SIGKILL, run.stderr


@pytest.mark.parametrize("recovery", ["fix --rollback", "next fix"])
def test_a_process_killed_mid_write_is_rolled_back(root: Path, recovery: str) -> None:
    before = snapshot(root)
    kill_mid_run(root)
    during = snapshot(root)
    changed = [p for p in before if p in during and during[p] != before[p]]
    assert len(changed) == 2  # a half-migrated tree ...
    assert any(p.endswith(output_files.TEMPORARY_SUFFIX) for p in during)  # ... and half a file beside it
    assert Journal(root).pending

    if recovery == "fix --rollback":
        run = run_cli("fix", root, "--rollback", "--no-cache")
        assert run.returncode == 1, run.stdout + run.stderr  # rolled back (docs/interface.md)
    else:
        run = run_cli("fix", root, "--no-cache")
        assert run.returncode == 1
        assert "interrupted `archguard fix`" in run.stdout
    assert "Restored 2 files" in run.stdout
    assert snapshot(root) == before
    assert not (root / JOURNAL_DIRNAME).exists()
    # and the tree can then be fixed for real
    run = run_cli("fix", root, "--no-cache")
    assert run.returncode == 0, run.stdout + run.stderr
    assert "Fixed 7 imports in 7 files" in run.stdout


def test_rollback_with_no_journal_has_nothing_to_do(root: Path) -> None:
    run = run_cli("fix", root, "--rollback", "--no-cache")
    assert run.returncode == 0 and "Nothing to fix." in run.stdout
    # and a second --rollback after a restore finds nothing left either
    kill_mid_run(root)
    assert run_cli("fix", root, "--rollback", "--no-cache").returncode == 1
    run = run_cli("fix", root, "--rollback", "--no-cache")
    assert run.returncode == 0 and "Nothing to fix." in run.stdout


def test_journal_rollback_restores_deleted_files_and_modes(tmp_path: Path) -> None:
    root = tmp_path
    (root / "a.py").write_bytes(b"x = 1\n")
    (root / "b.py").write_bytes(b"y = 2\n")
    (root / "b.py").chmod(0o700)
    journal = Journal(root)
    journal.begin({"a.py": b"x = 1\n", "b.py": b"y = 2\n"})
    journal.apply({"a.py": None, "b.py": b"y = 3\n"})
    assert not (root / "a.py").exists() and (root / "b.py").read_bytes() == b"y = 3\n"
    assert (root / "b.py").stat().st_mode & 0o777 == 0o700
    assert sorted(journal.rollback()) == ["a.py", "b.py"]
    assert (root / "a.py").read_bytes() == b"x = 1\n" and (root / "b.py").read_bytes() == b"y = 2\n"
    assert (root / "b.py").stat().st_mode & 0o777 == 0o700
    assert not journal.pending and not (root / JOURNAL_DIRNAME).exists()
