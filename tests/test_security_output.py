"""Output cannot be spoofed by the tree: names with newlines or terminal controls are escaped, and
``python -m archguard`` inside a tree never imports the tree's modules (docs/security.md)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from tests.helpers import run_cli, write_tree

FORGED = "All contracts kept."
EVIL_NAME = f"evil\n{FORGED}\n\x1b[2K\u202e.py"


def assert_not_forged(output: str) -> None:
    lines = output.splitlines()
    assert FORGED not in lines, output
    assert not any("\x1b" in line or "\u202e" in line for line in lines), output


def test_file_names_cannot_forge_lines_in_scan_and_check(tmp_path: Path) -> None:
    tree = write_tree(tmp_path / "repo", {
        "app/__init__.py": "",
        EVIL_NAME: "import app.gone\n",  # a dangling import: a violation at this path
        f"broken{EVIL_NAME}": "def f(:\n",  # a syntax error at this path
    })
    scan = run_cli("scan", tree, "--no-cache")
    assert scan.returncode == 0, scan.stderr
    assert_not_forged(scan.stdout)
    assert "evil\\nAll contracts kept.\\n\\x1b[2K\\u202e.py:1:1: AG201" in scan.stdout
    check = run_cli("check", tree, "--no-cache")
    assert check.returncode == 1
    assert_not_forged(check.stdout)
    junit = run_cli("check", tree, "--no-cache", "--format", "junit")
    failures = [f.text for f in ET.fromstring(junit.stdout).iter("failure")]
    assert failures and all(FORGED not in text.splitlines() for text in failures)


def test_contract_names_cannot_forge_lines(tmp_path: Path) -> None:
    tree = write_tree(tmp_path / "repo", {
        "app/__init__.py": "",
        "app/impl.py": "class Impl:\n    pass\n",
        "app/api.py": "from app.impl import Impl\n\nThing = Impl\n",
        "app/user.py": "from app.impl import Impl\n",
        "contracts/c.toml": f'[[concept]]\nname = "x\\n{FORGED}\\u001b[2K"\ncanonical = "app.api:Thing"\n',
    })
    check = run_cli("check", tree, "--no-cache", "--statistics")
    assert check.returncode == 1, check.stderr
    assert_not_forged(check.stdout)
    junit = run_cli("check", tree, "--no-cache", "--format", "junit")
    names = [suite.get("name") for suite in ET.fromstring(junit.stdout).iter("testsuite")]
    assert "x All contracts kept.\\x1b[2K" in names, names  # one line, the escape shown
    assert not any("\n" in name or "\x1b" in name for name in names)


def test_python_m_archguard_inside_a_tree_never_imports_its_modules(tmp_path: Path) -> None:
    marker = tmp_path / "imported"
    plant = f"open({str(marker)!r}, 'w').close()\n"
    tree = write_tree(tmp_path / "repo", {
        "app/__init__.py": "",
        # modules archguard imports at start-up, shadowed by the tree's own
        "click.py": plant, "json.py": plant, "tomllib.py": plant, "pathspec/__init__.py": plant,
    })
    run = run_cli("scan", ".", "--no-cache", cwd=tree)
    assert run.returncode == 0, run.stderr
    assert not marker.exists()
