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


def test_report_stays_proportionate_to_one_file_with_thousands_of_broken_imports(tmp_path: Path) -> None:
    """One file with 1,500 imports of missing modules, an entry point too: the report set lists at
    most 1,000 findings per file, rule and contract, counts the rest in ``left_out`` and a notice,
    and its summary counts them all (the memory this saves: benchmarks/hostile_memory.py)."""
    import json

    tree = write_tree(tmp_path / "repo", {
        "app/__init__.py": "",
        "app/main.py": "".join(f"import app.m{i:05d}\n" for i in range(1500)),
        "pyproject.toml": '[tool.archguard]\nentry_points = ["app.main"]\n',
    })
    out = tmp_path / "out"
    run = run_cli("report", tree, "--no-cache", "-q", "--out", out)
    assert run.returncode == 1, run.stderr
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    listed = {code: sum(1 for v in report["violations"] if v["code"] == code) for code in ("AG201", "AG402")}
    assert listed == {"AG201": 1000, "AG402": 1000}, listed
    assert len(report["dangling_imports"]) == 1000
    left = {(e["list"], e["code"]): e["count"] for e in report["left_out"]}
    assert left == {("violations", "AG201"): 500, ("violations", "AG402"): 500, ("dangling_imports", "AG201"): 500}
    assert report["summary"]["violations"] == 3000 and report["summary"]["dangling_imports"] == 1500
    assert any("left out of this report" in n for n in report["notices"])
    sarif = json.loads((out / "report.sarif").read_text(encoding="utf-8"))
    assert len(sarif["runs"][0]["results"]) == 2000
    assert "left out of this report" in (out / "index.html").read_text(encoding="utf-8")
