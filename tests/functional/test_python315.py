"""Python 3.15, the default target: PEP 810 ``lazy`` imports and PEP 798 unpacking in
comprehensions are valid, read on this interpreter (whose ``ast`` rejects them) through the rewrite,
and a lazy import is an import that does not run at import time."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import grimp
import pytest

from archguard.adapters.importlinter_bridge.grimp_graph import build_import_graph, grimp_marks_lazy
from archguard.app import Options, scan_workspace
from tests.helpers import run_cli as archguard
from tests.helpers import write_tree

TREE = {
    "app/__init__.py": "",
    "app/main.py": (
        "lazy import app.heavy\n"
        "lazy  from app.gone import thing  # a module that does not exist\n"
        "from app import plain\n"
        "rows = [*r for r in [[1], [2]]]\n"
        "merged = {**d for d in [{'a': 1}]}\n"
        "firsts = (*r for r in rows)\n"
    ),
    "app/heavy.py": "import app.main  # closes a cycle with main's lazy import only\n",
    "app/plain.py": "",
    "app/ring/__init__.py": "",
    "app/ring/a.py": "import app.ring.b\n",  # a real import-time cycle, for contrast
    "app/ring/b.py": "import app.ring.a\n",
    ".importlinter": (
        "[importlinter]\nroot_packages =\n    app\n\n"
        "[importlinter:contract:no-heavy]\nname = main never touches heavy\ntype = forbidden\n"
        "source_modules =\n    app.main\nforbidden_modules =\n    app.heavy\n"
    ),
}


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    return write_tree(tmp_path / "repo", TREE)


def checked(tree: Path, *args: str) -> dict:
    run = archguard("check", tree, "--no-cache", "--format", "json", *args)
    assert run.returncode in (0, 1), run.stderr
    return json.loads(run.stdout)


def test_the_315_grammar_is_the_default_and_the_lazy_imports_are_read(tree: Path) -> None:
    data = checked(tree)
    summary = data["summary"]
    assert (summary["files"], summary["parsed_files"], summary["syntax_errors"], summary["unreadable_files"]) == (
        7,
        7,
        0,
        0,
    )
    # a lazy import of a missing module is still a dangling import, reported where it is written
    dangling = [(d["path"], d["line"], d["column"], d["statement"]) for d in data["dangling_imports"]]
    assert dangling == [("app/main.py", 2, 1, "lazy  from app.gone import thing")]
    assert ("AG201", "app/main.py", 2) in {(v["code"], v["path"], v["line"]) for v in data["violations"]}
    # import-linter contracts see a lazy import as grimp does: an edge like any other
    broken = [(v["code"], v["path"], v["line"], v["statement"]) for v in data["violations"] if v["kind"] == "import-linter"]
    assert broken == [("AG301", "app/main.py", 1, "lazy import app.heavy")]


def test_target_python_315_works_and_314_calls_the_new_syntax_errors(tree: Path) -> None:
    assert checked(tree, "--target-python", "3.15")["summary"]["syntax_errors"] == 0
    old = checked(tree, "--target-python", "3.14")
    errors = [(e["line"], e["message"]) for e in old["syntax_errors"]]
    assert errors[0][0] == 1 and "Cannot use `lazy` import statement on Python 3.14" in errors[0][1]
    assert [(v["code"], v["path"]) for v in old["violations"] if v["code"] == "AG001"] == [("AG001", "app/main.py")]
    run = archguard("check", tree, "--target-python", "3.16")
    assert run.returncode == 2 and "choose 3.7 to 3.15" in run.stderr


def test_where_315_forbids_a_lazy_import_it_is_a_syntax_error(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "repo", {
        "app/__init__.py": "",
        "app/f.py": "def f():\n    lazy import json\n",
        "app/t.py": "try:\n    lazy import json\nexcept ImportError:\n    pass\n",
    })
    data = checked(root)
    assert sorted((e["path"], e["line"]) for e in data["syntax_errors"]) == [("app/f.py", 2), ("app/t.py", 2)]


def test_the_golden_path_does_not_follow_lazy_imports(tree: Path) -> None:
    data = checked(tree, "--entry", "app.main", "--entry", "app.ring.a")
    golden = [(v["contract"], v["code"]) for v in data["violations"] if v["kind"] == "golden-path"]
    # no AG402 for the missing module behind the lazy import, no AG404 for the cycle it closes;
    # the ordinary cycle is still one
    assert golden == [("golden-path:app.ring.a", "AG404")]
    assert data["golden_path"]["closure_modules"]["app.main"] == 3  # app, app.main, app.plain


def test_discover_finds_no_cycle_through_a_lazy_import(tree: Path) -> None:
    run = archguard("discover", tree, "--no-cache", "--json", "-", "-q")
    assert run.returncode == 0, run.stderr
    cycles = [sorted(c["modules"]) for c in json.loads(run.stdout)["cycles"]]
    assert cycles == [["app.ring.a", "app.ring.b"]]


@pytest.mark.skipif(not grimp_marks_lazy(), reason="grimp marks lazy imports from 3.19 on")
def test_the_graph_marks_lazy_imports_as_grimp_does(tree: Path) -> None:
    workspace = scan_workspace(Options(root=tree, no_cache=True))  # main.py read through the rewrite
    ours = build_import_graph(workspace.scan.files, workspace.scan.facts)
    sys.path.insert(0, str(tree))
    try:
        theirs = grimp.build_graph("app", cache_dir=None)
    finally:
        sys.path.remove(str(tree))
    for importer, imported in [("app.main", "app.heavy"), ("app.main", "app.plain"), ("app.heavy", "app.main")]:
        mine = [(d["line_number"], d["is_lazy"]) for d in ours.get_import_details(importer=importer, imported=imported)]
        grimps = [(d["line_number"], d["is_lazy"]) for d in theirs.get_import_details(importer=importer, imported=imported)]
        assert mine == grimps, (importer, imported)
    assert ours.get_import_details(importer="app.main", imported="app.heavy")[0]["is_lazy"] is True


def test_diagrams_draw_lazy_edges_dashed_with_a_legend(tree: Path, tmp_path: Path) -> None:
    out = tmp_path / "focus.dot"
    run = archguard("graph", tree, "--no-cache", "--focus", "app.main", "--out", out)
    assert run.returncode == 0, run.stderr
    dot = out.read_text()
    lazy = [line for line in dot.splitlines() if "->" in line and "dashed" in line]
    eager = [line for line in dot.splitlines() if "->" in line and "dashed" not in line]
    assert len(lazy) == 1 and 'arrowhead="vee"' in lazy[0]  # main -> heavy
    assert len(eager) == 2  # main -> plain, heavy -> main
    assert "only lazy imports (PEP 810)" in dot
    if shutil.which("dot"):
        png = tmp_path / "focus.png"
        subprocess.run(["dot", "-Tpng", str(out), "-o", str(png)], check=True, timeout=60)
        assert png.stat().st_size > 1000
