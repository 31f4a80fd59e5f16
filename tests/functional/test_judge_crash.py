"""One file that crashes ruff's parser costs itself only: its batch neighbours keep their verdicts,
it is reported as unreadable with a clear reason, and no raw warning reaches the user."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from archguard.adapters.parsing.syntax_judge import judge_isolated
from tests.helpers import run_cli, write_tree

# An expression of this many terms overflows the stack of ruff's (recursive) parser.
HUGE = "x = " + " + ".join(["1"] * 150_000) + "\n"
# A line of syntax newer than this interpreter's: it rejects such a file at once (before reaching
# the deep expression), so ruff must judge it.
NEWER_SYNTAX = "type Alias = int\n" if sys.version_info < (3, 12) else 'tpl = t"x"\n'
needs_newer_syntax = pytest.mark.skipif(
    sys.version_info >= (3, 14), reason="no syntax ruff knows is newer than this interpreter's"
)


def crash_tree(root: Path) -> Path:
    return write_tree(root, {
        "app/__init__.py": "",
        "app/huge.py": NEWER_SYNTAX + HUGE,
        "app/newer.py": NEWER_SYNTAX + "from app.gone import thing\n",  # valid for 3.14
        "app/broken.py": "def f(:\n",
    })


def test_judge_isolates_the_file_that_crashes_ruff(tmp_path: Path) -> None:
    root = crash_tree(tmp_path)
    judgement = judge_isolated(root, ["app/huge.py", "app/newer.py", "app/broken.py"], (3, 14))
    assert set(judgement.crashed) == {"app/huge.py"}
    assert judgement.verdicts["app/newer.py"] == []
    assert judgement.verdicts["app/broken.py"][0].line == 1


@needs_newer_syntax
def test_check_reports_the_crashing_file_and_judges_its_neighbours(tmp_path: Path) -> None:
    root = crash_tree(tmp_path)
    run = run_cli("scan", root, "--no-cache", "--json", "-")
    assert run.returncode == 0, run.stderr
    assert "RuntimeWarning" not in run.stderr and "overflowed" not in run.stderr
    result = json.loads(run.stdout)
    errors = {e["path"]: e["message"] for e in result["syntax_errors"]}
    assert set(errors) == {"app/broken.py"}  # not the valid 3.12 file beside the crashing one
    unreadable = {u["path"]: u["reason"] for u in result["unreadable_files"]}
    assert unreadable == {
        "app/huge.py": "could not be judged for Python 3.15: ruff's parser crashed on it "
                       "(an expression too deep for its stack)"
    }
    # The newer file was parsed (down-levelled for this interpreter), so its dangling import is seen.
    assert [d["imported"] for d in result["dangling_imports"]] == ["app.gone"]
