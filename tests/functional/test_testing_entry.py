"""``archguard.testing``: a project asserts its architecture from its own test suite."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from archguard.testing import assert_architecture, check_architecture
from tests.helpers import run_cli, write_tree
from tests.functional.test_cli import TREE


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    return write_tree(tmp_path / "repo", TREE)


def test_the_assertion_lists_every_failing_finding(tree: Path) -> None:
    with pytest.raises(AssertionError) as raised:
        assert_architecture(tree, jobs=1)
    message = str(raised.value)
    assert message.startswith(f"archguard check {tree} failed:")
    assert "app/chat.py:1:1: AG101 LegacyManager imported from app.realtime.compat" in message
    assert "scripts/run-it.py:1:1: AG201 no module named 'app.services.gone'" in message
    assert "tests/test_broken.py:1:10: AG001 syntax error:" in message
    assert "Found 4 violations (4 new" in message


def test_a_baselined_tree_passes_and_returns_the_result(tree: Path) -> None:
    run_cli("baseline", tree, "--baseline", tree / "b.json")
    result = assert_architecture(tree, baseline=tree / "b.json", jobs=1)
    assert not result.failed and len(result.violations) == 4


def test_pyproject_options_apply_and_keywords_win(tree: Path) -> None:
    (tree / "pyproject.toml").write_text('[tool.archguard]\nexclude = ["app/chat.py", "scripts/**", "tests/**"]\n')
    assert assert_architecture(tree, jobs=1).violations == []
    with pytest.raises(AssertionError, match="AG101"):
        assert_architecture(tree, exclude=["scripts/**"], jobs=1)


def test_unknown_options_are_a_type_error(tree: Path) -> None:
    with pytest.raises(TypeError, match="unknown archguard option"):
        check_architecture(tree, basline="b.json")


def test_one_line_in_a_projects_own_pytest_run(tree: Path) -> None:
    (tree / "tests" / "test_architecture.py").write_text(
        "from pathlib import Path\n\nfrom archguard.testing import assert_architecture\n\n\n"
        "def test_architecture():\n    assert_architecture(Path(__file__).parents[1], jobs=1)\n"
    )
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_architecture.py"],
        cwd=tree, capture_output=True, text=True, timeout=300,
    )
    assert run.returncode == 1
    assert "AssertionError: archguard check" in run.stdout
    assert "app/chat.py:1:1: AG101" in run.stdout
