"""One file that crashes ruff's parser costs itself only: its batch neighbours keep their verdicts,
it is reported as a syntax error with a clear message, and no raw warning reaches the user."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from archguard.adapters.parsing.syntax_judge import judge_isolated
from tests.helpers import write_tree

# An expression of this many terms overflows the stack of ruff's (recursive) parser.
HUGE = "x = " + " + ".join(["1"] * 150_000) + "\n"


def crash_tree(root: Path) -> Path:
    return write_tree(root, {
        "app/__init__.py": "",
        "app/huge.py": HUGE,
        "app/newer.py": "type Alias = int\nfrom app.gone import thing\n",  # valid for 3.12+
        "app/broken.py": "def f(:\n",
    })


def test_judge_isolates_the_file_that_crashes_ruff(tmp_path: Path) -> None:
    root = crash_tree(tmp_path)
    judgement = judge_isolated(root, ["app/huge.py", "app/newer.py", "app/broken.py"], (3, 12))
    assert set(judgement.crashed) == {"app/huge.py"}
    assert judgement.verdicts["app/newer.py"] == []
    assert judgement.verdicts["app/broken.py"][0].line == 1


def test_check_reports_the_crashing_file_and_judges_its_neighbours(tmp_path: Path) -> None:
    root = crash_tree(tmp_path)
    run = subprocess.run(
        [sys.executable, "-m", "archguard", "scan", str(root), "--no-cache", "--json", "-"],
        capture_output=True, text=True, timeout=120,
    )
    assert run.returncode == 0, run.stderr
    assert "RuntimeWarning" not in run.stderr and "overflowed" not in run.stderr
    result = json.loads(run.stdout)
    errors = {e["path"]: e["message"] for e in result["syntax_errors"]}
    assert set(errors) == {"app/huge.py", "app/broken.py"}  # not the valid 3.12 file beside them
    assert "ruff's parser crashed on it" in errors["app/huge.py"]
    # The newer file was parsed (through libcst), so its dangling import is seen.
    assert [d["imported"] for d in result["dangling_imports"]] == ["app.gone"]
