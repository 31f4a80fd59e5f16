"""A small scale smoke test (issue 14): a generated 1,000-module monorepo scanned cold, in seconds.

The full-size measurement (100,000 modules: linear time, all processes together under 2 GB) is
``benchmarks/robustness.py scale``, with its figures in ``benchmarks/README.md``. This test runs
the same generator and the same measurement (``benchmarks/run.py``'s ``measure``: peak summed PSS
of the whole process tree, workers included) on a tree small enough for CI, and checks what a
user sees: every file of the tree lands in the bucket the generator planted it in, and memory
stays within a bound far from the runner's.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import REPO, cli_command

BENCHMARKS = REPO / "benchmarks"
MODULES = 1_000
# The 25,000-module tree peaked at 292 MB (all processes), this one at about 70 MB (1,128 files,
# two workers): the interpreters and libraries plus a few MB per 1,000 files. A per-file leak, or
# workers holding every file's tree, would cross this bound.
PEAK_MB_BOUND = 250


def _measure_module():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("archguard_benchmarks_run", BENCHMARKS / "run.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    tree = tmp_path_factory.mktemp("scale") / "tree"
    subprocess.run(
        [sys.executable, str(BENCHMARKS / "generate_tree.py"), str(tree), "--modules", str(MODULES),
         "--tests", str(MODULES // 10), "--scripts", "20", "--root-scripts", "20", "--backups", "0",
         "--size-mb", str(MODULES * 0.004), "--packages", "6"],
        check=True, capture_output=True,
    )  # fmt: skip
    return tree, json.loads((tree / "manifest.json").read_text(encoding="utf-8"))


def test_a_generated_monorepo_scans_cold_every_file_accounted_and_memory_bounded(
    generated: tuple[Path, dict], tmp_path: Path
) -> None:
    tree, manifest = generated
    run = _measure_module()
    out = tmp_path / "scan.json"
    command = cli_command("scan", tree, "--no-cache", "-q", "--jobs", "2", "--json", out)
    result = run.measure(command, cwd=tmp_path)
    assert result.exit_code == 0, result.stderr
    assert "Traceback" not in result.stderr
    summary = json.loads(out.read_text(encoding="utf-8"))["summary"]
    assert summary["files"] == manifest["files"]
    assert (
        summary["files"] == summary["parsed_files"] + summary["syntax_errors"] + summary["unreadable_files"]
    )
    assert summary["syntax_errors"] == manifest["syntax_errors"]
    assert summary["unreadable_files"] == 0
    assert summary["loose_files"] == manifest["loose_files"]
    assert summary["modules"] == manifest["package_modules"]
    assert summary["cache_hits"] == 0
    assert 0 < result.tree_mem_mb < PEAK_MB_BOUND, f"peak {result.tree_mem_mb:.0f} MB of all processes"
