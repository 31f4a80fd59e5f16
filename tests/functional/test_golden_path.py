"""The golden path: what an entry point loads at import time must exist, parse and avoid cycles.

Every test builds its own tree and runs ``check`` with entry points, as a user would."""

from __future__ import annotations

import json
import shutil
import subprocess
import textwrap
from dataclasses import replace
from pathlib import Path

import pytest

from archguard.app import Options, run_check
from archguard.domain.findings import Severity
from archguard.reporting import render_check_as
from tests.helpers import REPO, run_cli, write_tree

# A loaded module imports a sibling, a package and a submodule; nothing is broken.
CLEAN = {
    "app/__init__.py": "",
    "app/main.py": "from app.api import routes\nimport app.util\n",
    "app/util.py": "def helper(): ...\n",
    "app/api/__init__.py": "",
    "app/api/routes.py": "from app.util import helper\n",
    "app/unused.py": "x = 1\n",
}


def check(tmp_path: Path, tree: dict[str, str], *entries: str, **options: object):
    root = write_tree(tmp_path / "repo", {p: textwrap.dedent(s) for p, s in tree.items()})
    return run_check(Options(root=root, entries=entries, no_cache=True, **options))  # type: ignore[arg-type]


def golden(result) -> list[tuple[str, str, str, int, tuple[str, ...]]]:
    """(code, severity, path, line, chain) of every golden-path finding."""
    return sorted(
        (v.code, v.severity.value, v.path, v.line, v.chain)
        for v in result.violations
        if v.kind.value == "golden-path"
    )


def test_a_clean_closure_has_no_findings_and_counts_what_it_loads(tmp_path: Path) -> None:
    result = check(tmp_path, CLEAN, "app.main")
    assert golden(result) == []
    assert not result.failed
    [closure] = result.golden_path
    # app.unused is never loaded; the package __init__ files are.
    assert closure.modules == ("app", "app.api", "app.api.routes", "app.main", "app.util")


@pytest.mark.parametrize(
    ("broken", "expected"),
    [
        # a syntax error two imports away
        ({"app/api/routes.py": "def f(:\n"},
         ("AG401", "error", "app/api/routes.py", 1, ("app.main", "app.api.routes"))),
        # an import of a module that was deleted
        ({"app/api/routes.py": "from app.services.old_module import X\n"},
         ("AG402", "error", "app/api/routes.py", 1, ("app.main", "app.api.routes"))),
        # an import of a name that no longer exists
        ({"app/api/routes.py": "\nfrom app.util import gone\n"},
         ("AG403", "error", "app/api/routes.py", 2, ("app.main", "app.api.routes"))),
        # a broken package __init__: importing app.api.routes runs it first
        ({"app/api/__init__.py": "class Api(:\n"},
         ("AG401", "error", "app/api/__init__.py", 1, ("app.main", "app.api"))),
        # a package __init__ importing something gone
        ({"app/__init__.py": "from app.settings import DEBUG\n"},
         ("AG402", "error", "app/__init__.py", 1, ("app.main", "app"))),
    ],
)
def test_each_way_a_closure_breaks_is_a_golden_path_finding(
    tmp_path: Path, broken: dict[str, str], expected: tuple
) -> None:
    result = check(tmp_path, {**CLEAN, **broken}, "app.main")
    assert golden(result) == [expected]
    assert result.failed


def test_a_module_level_cycle_is_reported_with_the_cycle(tmp_path: Path) -> None:
    tree = {**CLEAN, "app/util.py": "from app.api.routes import handler\n", "app/api/routes.py": "import app.util\ndef handler(): ...\n"}
    result = check(tmp_path, tree, "app.main")
    [finding] = [v for v in result.violations if v.code == "AG404"]
    assert finding.message == "import cycle at module level: app.api.routes -> app.util -> app.api.routes"
    assert (finding.path, finding.line, finding.chain) == ("app/api/routes.py", 1, ("app.main", "app.api.routes"))
    assert finding.severity is Severity.ERROR


def test_cycles_through_functions_or_type_checking_are_not_module_level(tmp_path: Path) -> None:
    tree = {
        **CLEAN,
        "app/util.py": "def helper():\n    from app.api import routes\n",
        "app/api/routes.py": """\
            from typing import TYPE_CHECKING
            if TYPE_CHECKING:
                from app.main import Anything
            from app.util import helper
            """,
    }
    assert golden(check(tmp_path, tree, "app.main")) == []


def test_problems_outside_the_closure_are_left_out_or_downgraded(tmp_path: Path) -> None:
    tree = {
        **CLEAN,
        "app/main.py": """\
            from typing import TYPE_CHECKING
            from app.api import routes
            if TYPE_CHECKING:
                from app.typing_only import Gone
            def lazy():
                from app.vanished import Thing
                import app.broken
            try:
                from app.optional import speedup
            except ImportError:
                speedup = None
            """,
        "app/never_loaded.py": "from app.deleted import X\n",
        "app/broken.py": "def f(:\n",
    }
    result = check(tmp_path, tree, "app.main")
    # Only the guarded import is a golden-path finding, and only a warning: the code expects it.
    assert golden(result) == [("AG402", "warning", "app/main.py", 9, ("app.main",))]
    assert {v.contract for v in result.new_violations} == {"dangling-imports", "analysable-files"}
    assert {v.path for v in result.violations if v.contract == "analysable-files"} == {"app/broken.py"}
    # The dangling imports are still reported by their own contract.
    assert {v.path for v in result.violations if v.contract == "dangling-imports"} == {
        "app/main.py", "app/never_loaded.py"
    }
    assert result.golden_path[0].problems(result.violations) == []


def test_what_a_guarded_import_loads_only_warns_about_import_errors(tmp_path: Path) -> None:
    tree = {
        **CLEAN,
        "app/main.py": "try:\n    import app.fast\nexcept ImportError:\n    pass\n",
        "app/fast.py": "from app.native import accelerate\nimport app.bad_syntax\n",
        "app/bad_syntax.py": "if True\n",
    }
    # The guard catches the ImportError below it, but a SyntaxError is no ImportError.
    assert golden(check(tmp_path, tree, "app.main")) == [
        ("AG401", "error", "app/bad_syntax.py", 1, ("app.main", "app.fast", "app.bad_syntax")),
        ("AG402", "warning", "app/fast.py", 1, ("app.main", "app.fast")),
    ]


def test_a_name_check_can_only_doubt_is_a_warning_on_the_golden_path_too(tmp_path: Path) -> None:
    tree = {
        **CLEAN,
        "app/main.py": "from app.state import connection\n",
        "app/state.py": "def connect():\n    global connection\n    connection = object()\n",
    }
    [finding] = [v for v in check(tmp_path, tree, "app.main").violations if v.kind.value == "golden-path"]
    assert (finding.code, finding.severity, finding.chain) == ("AG403", Severity.WARNING, ("app.main",))
    assert "global statement" in finding.message


def test_an_unguarded_way_to_a_problem_makes_it_an_error_with_that_chain(tmp_path: Path) -> None:
    tree = {
        **CLEAN,
        "app/main.py": "try:\n    import app.fast\nexcept ImportError:\n    pass\nimport app.a\n",
        "app/a.py": "import app.fast\n",
        "app/fast.py": "from app.native import accelerate\n",
    }
    assert golden(check(tmp_path, tree, "app.main")) == [
        ("AG402", "error", "app/fast.py", 1, ("app.main", "app.a", "app.fast")),
    ]


def test_the_chain_is_the_shortest_not_the_first_found(tmp_path: Path) -> None:
    tree = {
        "app/__init__.py": "",
        "app/main.py": "import app.a\nimport app.z\n",
        "app/a.py": "import app.b\n",
        "app/b.py": "import app.c\n",
        "app/c.py": "import app.broken\n",
        "app/z.py": "import app.broken\n",
        "app/broken.py": "def f(:\n",
    }
    assert golden(check(tmp_path, tree, "app.main")) == [
        ("AG401", "error", "app/broken.py", 1, ("app.main", "app.z", "app.broken")),
    ]


def test_from_package_import_submodule_loads_the_submodule(tmp_path: Path) -> None:
    tree = {
        **CLEAN,
        "app/main.py": "from app.api import routes, views\n",
        "app/api/views.py": "from app.util import nope\n",
    }
    assert golden(check(tmp_path, tree, "app.main")) == [
        ("AG403", "error", "app/api/views.py", 1, ("app.main", "app.api.views")),
    ]


def test_class_bodies_star_all_and_literal_dynamic_imports_are_followed(tmp_path: Path) -> None:
    tree = {
        **CLEAN,
        "app/main.py": """\
            import importlib
            class Config:
                from app import settings
            from app.plugins import *
            handlers = importlib.import_module("app.handlers")
            def later():
                importlib.import_module("app.lazy")
            """,
        "app/settings.py": "from app.gone import X\n",
        "app/plugins/__init__.py": "__all__ = ['card']\n",
        "app/plugins/card.py": "def f(:\n",
        "app/handlers.py": "import app.missing\n",
        "app/lazy.py": "def f(:\n",
    }
    result = check(tmp_path, tree, "app.main")
    assert golden(result) == [
        ("AG401", "error", "app/plugins/card.py", 1, ("app.main", "app.plugins.card")),
        ("AG402", "error", "app/handlers.py", 1, ("app.main", "app.handlers")),
        ("AG402", "error", "app/settings.py", 1, ("app.main", "app.settings")),
    ]
    [closure] = result.golden_path
    assert [(d.importer, d.imported, d.line) for d in closure.dynamic] == [("app.main", "app.handlers", 5)]
    [through_dynamic] = [v for v in result.violations if v.path == "app/handlers.py" and v.chain]
    assert dict(through_dynamic.extra) == {"dynamic": "app.handlers"}
    assert "(import chain: app.main -> app.handlers (dynamic))" in render_check_as(
        result, "github", tool_version="test"
    )


def test_a_loose_test_file_is_an_entry_point_by_path(tmp_path: Path) -> None:
    tree = {
        **CLEAN,
        "tests/e2e/test_checkout.py": "from app.api.routes import helper\nfrom app.cart import Cart\n",
    }
    result = check(tmp_path, tree, "tests/e2e/test_checkout.py")
    assert golden(result) == [
        ("AG402", "error", "tests/e2e/test_checkout.py", 2, ("tests.e2e.test_checkout",)),
    ]
    [closure] = result.golden_path
    assert closure.entry == "tests/e2e/test_checkout.py"
    assert "app.api.routes" in closure.modules and "app.main" not in closure.modules


def test_an_entry_inside_a_package_loads_its_package_chain(tmp_path: Path) -> None:
    tree = {**CLEAN, "app/__init__.py": "import app.nothing_here\n"}
    assert golden(check(tmp_path, tree, "app/api/routes.py")) == [
        ("AG402", "error", "app/__init__.py", 1, ("app.api.routes", "app")),
    ]


def test_an_entry_may_be_a_package_folder_or_an_absolute_path(tmp_path: Path) -> None:
    tree = {**CLEAN, "app/api/__init__.py": "from app.api import routes\nimport app.gone\n"}
    root = tmp_path / "repo"
    for entry in ("app/api", str(root / "app" / "api" / "__init__.py"), "app.api"):
        result = check(tmp_path, tree, entry)
        assert golden(result) == [("AG402", "error", "app/api/__init__.py", 2, ("app.api",))], entry
        assert result.golden_path[0].module == "app.api"


def test_an_entry_that_does_not_parse_is_itself_the_problem(tmp_path: Path) -> None:
    tree = {**CLEAN, "app/main.py": "import app.util\nprint('unclosed\n"}
    assert golden(check(tmp_path, tree, "app.main")) == [("AG401", "error", "app/main.py", 2, ("app.main",))]


def test_each_entry_has_its_own_findings(tmp_path: Path) -> None:
    tree = {**CLEAN, "app/util.py": "import app.gone\ndef helper(): ...\n", "scripts/tool.py": "import app.unused\n"}
    result = check(tmp_path, tree, "app.main", "scripts/tool.py")
    problems = {c.entry: len(c.problems(result.violations)) for c in result.golden_path}
    assert problems == {"app.main": 1, "scripts/tool.py": 0}
    assert result.contracts_run[-2:] == ["golden-path:app.main", "golden-path:scripts/tool.py"]


def test_golden_only_keeps_just_the_golden_path(tmp_path: Path) -> None:
    tree = {**CLEAN, "app/unused.py": "import app.gone\n"}  # dangling, but never loaded
    result = check(tmp_path, tree, "app.main", golden_only=True)
    assert result.violations == [] and not result.failed
    result = check(tmp_path, tree, "app.main")
    assert result.failed  # the dangling import still fails a full check


def test_warm_check_reuses_the_golden_path_and_entries_are_part_of_its_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from archguard.app import golden_path as use_case

    calls: list[tuple[str, ...]] = []
    real = use_case.golden_paths
    monkeypatch.setattr(use_case, "golden_paths",
                        lambda entries, *a: calls.append(tuple(e.label for e in entries)) or real(entries, *a))
    root = write_tree(tmp_path / "repo", {**CLEAN, "app/util.py": "import app.gone\ndef helper(): ...\n"})
    options = Options(root=root, cache_dir=tmp_path / "cache", entries=("app.main",))
    cold, warm = run_check(options), run_check(options)
    assert calls == [("app.main",)]  # the second run read it from the cache
    assert golden(warm) == golden(cold) == [("AG402", "error", "app/util.py", 1, ("app.main", "app.util"))]
    assert warm.golden_path == cold.golden_path
    assert [v.fingerprint for v in warm.violations] == [v.fingerprint for v in cold.violations]
    other = run_check(replace(options, entries=("app/api/routes.py",)))
    assert calls[-1] == ("app/api/routes.py",)
    assert golden(other) == [("AG402", "error", "app/util.py", 1, ("app.api.routes", "app.util"))]
    plain = run_check(replace(options, entries=()))
    assert plain.golden_path is None and golden(plain) == []


# --- the command line ------------------------------------------------------------------------------


def repo(tmp_path: Path, extra: dict[str, str]) -> Path:
    return write_tree(tmp_path / "repo", {**CLEAN, **extra})


def test_cli_text_shows_the_chain_then_the_problem_and_exits_1(tmp_path: Path) -> None:
    root = repo(tmp_path, {"app/api/routes.py": "from app.api import ws\n", "app/api/ws.py": "import app.old\n"})
    run = run_cli("check", root, "--entry", "app.main", "--no-cache")
    assert run.returncode == 1, run.stderr
    lines = run.stdout.splitlines()
    at = lines.index("app.main -> app.api.routes -> app.api.ws")
    assert lines[at + 1] == "  app/api/ws.py:1:1: AG402 no module named 'app.old'"
    assert "Golden path app.main: 1 problem in the 6 modules it loads at import time." in lines


def test_cli_clean_entry_says_so_and_golden_only_exits_0(tmp_path: Path) -> None:
    root = repo(tmp_path, {"app/unused.py": "import app.gone\n"})
    run = run_cli("check", root, "--entry", "app.main", "--golden-only", "--no-cache")
    assert run.returncode == 0, run.stdout + run.stderr
    assert "Golden path app.main: clean (5 modules loaded at import time)." in run.stdout
    assert "AG201" not in run.stdout


def test_cli_json_has_the_golden_path_object_and_chains(tmp_path: Path) -> None:
    root = repo(tmp_path, {"app/util.py": "from app.api.routes import x\n", "tests/e2e/test_flow.py": "import app.util\n"})
    run = run_cli("check", root, "--entry", "app.main", "--entry", "tests/e2e/test_flow.py",
                    "--no-cache", "--format", "json")
    assert run.returncode == 1, run.stderr
    data = json.loads(run.stdout)
    assert data["golden_path"]["entries"] == ["app.main", "tests/e2e/test_flow.py"]
    assert data["golden_path"]["closure_modules"] == {"app.main": 5, "tests/e2e/test_flow.py": 5}
    assert data["golden_path"]["clean"] is False
    cycles = [v for v in data["violations"] if v["code"] == "AG404"]
    assert [(v["kind"], v["contract"], v["chain"]) for v in cycles] == [
        ("golden-path", "golden-path:app.main", ["app.main", "app.api.routes"]),
        ("golden-path", "golden-path:tests/e2e/test_flow.py", ["tests.e2e.test_flow", "app.util"]),
    ]
    run = run_cli("check", root, "--no-cache", "--format", "json")
    assert "golden_path" not in json.loads(run.stdout)  # only with entry points


def test_cli_sarif_and_github_carry_the_chain(tmp_path: Path) -> None:
    root = repo(tmp_path, {"app/util.py": "import app.gone\n"})
    run = run_cli("check", root, "--entry", "app.main", "--no-cache", "--format", "github")
    assert "::error file=app/util.py,line=1,col=1,title=AG402 golden-path%3Aapp.main::" in run.stdout
    assert "(import chain: app.main -> app.util)" in run.stdout
    run = run_cli("check", root, "--entry", "app.main", "--no-cache", "--format", "sarif")
    sarif = json.loads(run.stdout)
    assert {"AG401", "AG402", "AG403", "AG404"} <= {r["id"] for r in sarif["runs"][0]["tool"]["driver"]["rules"]}
    assert any(r["ruleId"] == "AG402" for r in sarif["runs"][0]["results"])
    run = run_cli("check", root, "--entry", "app.main", "--no-cache", "--format", "junit")
    assert 'name="golden-path:app.main"' in run.stdout and "(import chain: app.main -&gt; app.util)" in run.stdout


def test_cli_entry_points_from_pyproject_and_paths_from_the_working_directory(tmp_path: Path) -> None:
    root = repo(tmp_path, {
        "pyproject.toml": '[tool.archguard]\nentry_points = ["tests/e2e/test_flow.py"]\n',
        "tests/e2e/test_flow.py": "import app.gone\n",
    })
    run = run_cli("check", root, "--no-cache", "--golden-only")
    assert run.returncode == 1 and "Golden path tests/e2e/test_flow.py: 1 problem" in run.stdout
    # On the command line a path may also be given from where the user stands.
    run = run_cli("check", "repo", "--no-cache", "--golden-only", "--entry", "repo/tests/e2e/test_flow.py",
                    cwd=root.parent)
    assert run.returncode == 1 and "Golden path repo/tests/e2e/test_flow.py: 1 problem" in run.stdout


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--entry", "app.nowhere"], "entry point 'app.nowhere': no module or .py file of that name"),
        (["--entry", "tests/missing.py"], "entry point 'tests/missing.py'"),
        (["--golden-only"], "--golden-only needs --entry"),
    ],
)
def test_cli_bad_entry_points_are_exit_2(tmp_path: Path, args: list[str], expected: str) -> None:
    run = run_cli("check", repo(tmp_path, {}), "--no-cache", *args)
    assert run.returncode == 2
    assert expected in run.stderr and "Traceback" not in run.stderr


def test_the_closure_collapses_to_packages_for_the_report_diagram(tmp_path: Path) -> None:
    from archguard.analysis.golden_path import collapse_closure
    from archguard.reporting.diagrams.dot import to_dot
    from archguard.reporting.diagrams.golden_path import closure_diagram
    from tests.functional.test_report_golden_path import dot_graph

    tree = {**CLEAN, "app/api/routes.py": "from app.util import helper\nimport app.api.gone\n",
            "app/api/admin/__init__.py": "", "app/api/admin/views.py": "import app.util\n",
            "app/main.py": "from app.api import routes\nimport app.util\nimport app.api.admin.views\n"}
    result = check(tmp_path, tree, "app.main")
    [closure] = result.golden_path
    diagram = collapse_closure(closure, result.violations)
    assert [(n.name, n.modules, n.problems, n.entry) for n in diagram.nodes] == [
        ("app", 1, 0, False), ("app.api", 4, 1, False), ("app.main", 1, 0, True), ("app.util", 1, 0, False),
    ]
    assert diagram.edges == (("app.api", "app"), ("app.api", "app.util"), ("app.main", "app"),
                             ("app.main", "app.api"), ("app.main", "app.util"))
    dot = to_dot(closure_diagram(diagram))
    assert dot.startswith('digraph "golden-path-1" {') and "golden path of app.main: 1 problem" in dot
    nodes, edges = dot_graph(dot)
    assert nodes["app.api"].get("label") == '"app.api\\n4 modules\\n1 problem"'
    assert nodes["app.api"].get("fillcolor") == '"#f8d0d0"'
    assert edges["app.main", "app.api"].get("color") == '"#c00000"'
    if shutil.which("dot"):  # Graphviz accepts it
        run = subprocess.run(["dot", "-Tsvg"], input=dot, capture_output=True, text=True, timeout=60)
        assert run.returncode == 0 and "<svg" in run.stdout, run.stderr


def test_the_readme_example_on_shopapp_is_true() -> None:
    shopapp = REPO / "examples" / "shopapp"
    run = run_cli("check", shopapp, "--golden-only", "--entry", "tests/integration/test_checkout.py",
                    "--entry", "scripts/fix-db.py", "--no-cache")
    assert run.returncode == 1, run.stderr
    readme = (shopapp.parent.parent / "README.md").read_text(encoding="utf-8")
    shown = readme.split("--entry scripts/fix-db.py\n", 1)[1].split("```", 1)[0]
    assert run.stdout == shown


def test_an_unreadable_module_on_the_path_is_a_warning_at_its_first_line(tmp_path: Path) -> None:
    tree = {**CLEAN, "app/util.py": "def helper(): ...\x00\n"}  # a NUL byte: not read as source
    result = check(tmp_path, tree, "app.main")
    assert golden(result) == [("AG401", "warning", "app/util.py", 1, ("app.main", "app.util"))]
    (finding,) = [v for v in result.violations if v.kind.value == "golden-path"]
    assert "cannot be read" in finding.message and "its imports are not checked" in finding.message
