"""Outputs that cannot be written: a full disk, a destination that cannot be a file. archguard says
which file and why (exit 2, no traceback) and earlier outputs stay as they were."""

from __future__ import annotations

import resource
import signal
import subprocess
from pathlib import Path

import pytest

from tests.helpers import concept_tree, run_cli, write_tree


def _disk_full_after(limit: int) -> None:
    """A child process whose files cannot grow past LIMIT bytes: writes fail as on a full disk."""
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # fail the write with an error, not a signal
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))


def _archguard(*args: str | Path, limit: int | None = None) -> subprocess.CompletedProcess[str]:
    return run_cli(*args, "-q", preexec_fn=(lambda: _disk_full_after(limit)) if limit else None)


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    return write_tree(tmp_path / "tree", concept_tree(5))


@pytest.mark.parametrize("option", ["--json", "--baseline"])
def test_a_full_disk_is_a_clear_error_and_the_earlier_file_stays(tree: Path, tmp_path: Path, option: str) -> None:
    earlier = tmp_path / "earlier.json"
    earlier.write_text('{"earlier": true}\n')
    command = ["check", tree, "--no-cache", "--json", earlier] if option == "--json" else \
        ["baseline", tree, "--no-cache", "--baseline", earlier]
    result = _archguard(*command, limit=200)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert str(earlier) in result.stderr and "too large" in result.stderr.lower(), result.stderr
    assert earlier.read_text() == '{"earlier": true}\n'
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".earlier")] == []  # no temp left


def test_an_output_folder_that_is_a_file_is_a_clear_error(tree: Path, tmp_path: Path) -> None:
    (tmp_path / "reports").write_text("a file, not a folder")
    result = _archguard("check", tree, "--no-cache", "--json", tmp_path / "reports" / "out.json")
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert "reports/out.json" in result.stderr
