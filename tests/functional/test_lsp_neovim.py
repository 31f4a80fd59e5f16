"""``archguard lsp`` in a real editor: headless Neovim (Debian's ``neovim``), started by the test with
the minimal configuration of docs/editors.md (tests/data/neovim/init.lua), opens a file of a fixture
project, shows archguard's diagnostics, and applies the quick fix through its own code-action menu
(tests/data/neovim/check.lua writes what the editor shows to a JSON file)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.functional.test_lsp import FIXED_API, TREE
from tests.helpers import DATA, write_tree
from tests.lsp_client import server_command

NVIM = shutil.which("nvim")
HERE = DATA / "neovim"

pytestmark = pytest.mark.skipif(
    NVIM is None, reason="Neovim is not installed (apt-get install neovim; .ci/run installs it)"
)


def run_neovim(tree: Path, file: str, out: Path) -> subprocess.CompletedProcess[str]:
    assert NVIM is not None
    home = out.parent / "nvim-home"  # no user configuration, state or log outside the test's folder
    env = {
        **os.environ,
        "ARCHGUARD_LSP_CMD": json.dumps(server_command()),
        "ARCHGUARD_TEST_FILE": str(tree / file),
        "ARCHGUARD_TEST_OUT": str(out),
        **{f"XDG_{kind}_HOME": str(home / kind.lower()) for kind in ("CONFIG", "DATA", "STATE", "CACHE")},
    }
    command = [
        NVIM,
        "--headless",
        "-n",
        "-i",
        "NONE",
        "-u",
        str(HERE / "init.lua"),
        "-c",
        f"luafile {HERE / 'check.lua'}",
    ]
    return subprocess.run(
        command, cwd=tree, env=env, capture_output=True, text=True, timeout=240, check=False
    )


def test_neovim_shows_checks_diagnostics_and_applies_the_quick_fix(tmp_path: Path) -> None:
    tree = write_tree(tmp_path / "tree", {**TREE, "pyproject.toml": "[tool.archguard]\n"})
    out = tmp_path / "shown.json"
    done = run_neovim(tree, "app/api.py", out)
    assert out.exists(), f"Neovim wrote nothing (exit {done.returncode}): {done.stderr[-2000:]}"
    shown = json.loads(out.read_text())
    assert "error" not in shown, shown["error"]
    assert done.returncode == 0, done.stderr[-2000:]
    assert shown["attached"] == 1
    before = [(d["code"], d["source"], d["lnum"], d["end_lnum"]) for d in shown["before"]]
    # the statement's whole range (lines from 0), as `check` reports it: AG101 and the dangling AG202
    assert before == [("AG101", "archguard", 0, 2), ("AG202", "archguard", 3, 3)]
    assert all(d["severity"] == 1 for d in shown["before"])  # vim.diagnostic.severity.ERROR
    assert "use: from app.realtime.manager import ConnectionManager as LM" in shown["before"][0]["message"]
    assert "archguard: use `from app.realtime.manager import ConnectionManager as LM`" in shown["offered"]
    # the buffer holds fix's own rewrite (alias, parentheses, comment kept), unsaved; only AG202 is left
    assert "\n".join(shown["text"]) + "\n" == FIXED_API
    assert shown["modified"] is True
    assert [d["code"] for d in shown["after"]] == ["AG202"]
    assert (tree / "app/api.py").read_text() != FIXED_API  # the editor's text was analysed, not the disk
