"""The command line end to end, as a user runs it: exit codes, output, JSON, configuration."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.helpers import run_cli
from tests.helpers import write_tree as make_tree

TREE = {
    "app/__init__.py": "",
    "app/realtime/__init__.py": "from .manager import ConnectionManager\n",
    "app/realtime/impl.py": "class _ManagerImpl:\n    pass\n\n\nManager = _ManagerImpl\n",
    "app/realtime/manager.py": "from .impl import _ManagerImpl\n\nConnectionManager = _ManagerImpl\n",
    "app/realtime/compat.py": (
        "import warnings\n\nfrom app.realtime.manager import ConnectionManager as LegacyManager\n\n"
        "warnings.warn('use app.realtime.manager', DeprecationWarning)\n"
    ),
    "app/chat.py": "from app.realtime.compat import LegacyManager\n\nmanager = LegacyManager()\n",
    "app/good.py": "from app.realtime.manager import ConnectionManager\n",
    "tests/test_chat.py": "import app.chat\nfrom app.realtime import ConnectionManager\n",
    "tests/test_broken.py": "def test(:\n    pass\n",
    "scripts/run-it.py": "from app.services.gone import thing\n",
    "contracts/ws.toml": (
        '[[concept]]\nname = "websocket-manager"\ncanonical = "app.realtime.manager:ConnectionManager"\n'
        'allowed_importers = ["app.realtime.**"]\n'
    ),
}


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    return make_tree(tmp_path / "repo", TREE)


def test_scan_reports_broken_loose_and_dangling_and_exits_0(tree: Path) -> None:
    run = run_cli("scan", tree, "--json", tree / "out.json")
    assert run.returncode == 0, run.stderr
    assert "tests/test_broken.py:1:10: syntax error:" in run.stdout
    assert "scripts/run-it.py:1:1: AG201" in run.stdout
    data = json.loads((tree / "out.json").read_text())
    summary = data["summary"]
    assert data["schema"] == "archguard/1"
    assert summary["files"] == 10
    assert summary["files"] == summary["parsed_files"] + summary["syntax_errors"] + summary["unreadable_files"]
    assert (summary["syntax_errors"], summary["loose_files"], summary["modules"]) == (1, 2, 7)
    assert summary["dangling_imports"] == 1
    assert data["syntax_errors"] == [
        {"path": "tests/test_broken.py", "line": 1, "column": 10, "message": data["syntax_errors"][0]["message"]}
    ]


def test_check_lists_each_non_canonical_import_and_exits_1(tree: Path) -> None:
    run = run_cli("check", tree, "--json", tree / "check.json")
    assert run.returncode == 1, run.stderr
    assert (
        "app/chat.py:1:1: AG101 LegacyManager imported from app.realtime.compat (a shim); "
        "use: from app.realtime.manager import ConnectionManager as LegacyManager"
    ) in run.stdout
    assert "tests/test_chat.py:2:1: AG101 ConnectionManager imported from app.realtime" in run.stdout
    data = json.loads((tree / "check.json").read_text())
    found = {(v["code"], v["path"], v["line"]) for v in data["violations"]}
    assert found == {
        ("AG101", "app/chat.py", 1),
        ("AG101", "tests/test_chat.py", 2),
        ("AG201", "scripts/run-it.py", 1),
        ("AG001", "tests/test_broken.py", 1),  # a file that does not parse is a finding too
    }
    broken = next(v for v in data["violations"] if v["code"] == "AG001")
    assert (broken["kind"], broken["contract"], broken["column"]) == ("syntax-error", "analysable-files", 10)
    assert "tests/test_broken.py:1:10: AG001 syntax error:" in run.stdout
    # the canonical import, the implementation and the allowed re-exports are not violations
    assert not {p for _, p, _ in found} & {"app/good.py", "app/realtime/manager.py", "app/realtime/__init__.py"}
    first = next(v for v in data["violations"] if v["path"] == "app/chat.py")
    assert first["fixable"] is True and first["canonical"] == "app.realtime.manager:ConnectionManager"
    assert first["imported"] == "app.realtime.compat:LegacyManager"


def test_check_exits_0_when_everything_is_canonical(tmp_path: Path) -> None:
    clean = {
        k: v
        for k, v in TREE.items()
        if k not in {"app/chat.py", "tests/test_chat.py", "scripts/run-it.py", "tests/test_broken.py"}
    }
    root = make_tree(tmp_path / "clean", clean)
    run = run_cli("check", root)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "All contracts kept" in run.stdout or "Found 0 violations" in run.stdout


def test_baseline_makes_known_violations_pass_and_new_ones_fail(tree: Path) -> None:
    baseline = tree / "archguard-baseline.json"
    assert run_cli("baseline", tree, "--baseline", baseline).returncode == 0
    assert run_cli("check", tree, "--baseline", baseline).returncode == 0

    (tree / "app" / "late.py").write_text("\n\nfrom app.realtime.impl import Manager\n")
    run = run_cli("check", tree, "--baseline", baseline, "--json", "-")
    assert run.returncode == 1
    data = json.loads(run.stdout)
    assert [(v["path"], v["baselined"]) for v in data["violations"] if not v["baselined"]] == [("app/late.py", False)]
    assert data["summary"]["new_violations"] == 1 and data["summary"]["baselined"] == 4


def test_update_baseline_only_shrinks(tree: Path) -> None:
    baseline = tree / "b.json"
    run_cli("baseline", tree, "--baseline", baseline)
    (tree / "app" / "chat.py").write_text("from app.realtime.manager import ConnectionManager\n")  # fixed
    (tree / "app" / "late.py").write_text("from app.realtime.impl import Manager\n")  # new
    run = run_cli("check", tree, "--baseline", baseline, "--update-baseline")
    assert run.returncode == 1  # the new one still fails
    entries = json.loads(baseline.read_text())["violations"]
    assert sorted(e["path"] for e in entries) == ["scripts/run-it.py", "tests/test_broken.py", "tests/test_chat.py"]


@pytest.mark.parametrize("fmt", ["json", "sarif", "junit", "github"])
def test_machine_formats_go_to_stdout(tree: Path, fmt: str) -> None:
    run = run_cli("check", tree, "--format", fmt)
    assert run.returncode == 1
    if fmt in ("json", "sarif"):
        data = json.loads(run.stdout)
        assert ("runs" in data) if fmt == "sarif" else data["summary"]["new_violations"] == 4
    elif fmt == "junit":
        assert run.stdout.lstrip().startswith("<?xml") and "<failure" in run.stdout
    else:
        assert "::error file=app/chat.py,line=1,col=1," in run.stdout


def test_target_python_decides_what_is_a_syntax_error(tmp_path: Path) -> None:
    root = make_tree(tmp_path / "new", {
        "pkg/__init__.py": "",
        "pkg/types.py": "type UserId = int\n\nclass Box[T]:\n    item: T\n",
    })
    newest = json.loads(run_cli("scan", root, "--json", "-", "--no-cache").stdout)
    assert newest["summary"]["syntax_errors"] == 0
    old = json.loads(run_cli("scan", root, "--json", "-", "--no-cache", "--target-python", "3.11").stdout)
    assert [e["path"] for e in old["syntax_errors"]] == ["pkg/types.py"]
    assert old["syntax_errors"][0]["line"] == 1


def test_options_come_from_pyproject_and_the_command_line_wins(tree: Path) -> None:
    (tree / "pyproject.toml").write_text('[tool.archguard]\nexclude = ["scripts/**"]\n')
    data = json.loads(run_cli("scan", tree, "--json", "-").stdout)
    assert data["summary"]["files"] == 9 and data["summary"]["dangling_imports"] == 0
    data = json.loads(run_cli("scan", tree, "--json", "-", "--exclude", "tests/**").stdout)
    assert data["summary"]["files"] == 8 and data["summary"]["dangling_imports"] == 1


@pytest.mark.parametrize(
    ("args", "files", "expected"),
    [
        (["check"], {"contracts/ws.toml": '[[concept]]\nname = "x"\ncanonical = "app.x:Y"\nbogus = 1\n'},
         "contracts/ws.toml:4: unknown field 'bogus'"),
        (["check"], {"contracts/ws.toml": '[[concept]]\nname = "x"\ncanonical = "app.realtime.manager:Nope"\n'},
         "Nope"),
        (["scan", "--target-python", "2.7"], {}, "--target-python"),
        (["scan", "--package", "nosuchpkg"], {}, "nosuchpkg"),
        (["scan", "--frobnicate"], {}, "No such option"),
    ],
)
def test_bad_configuration_is_exit_2_with_one_clear_line(tree: Path, args: list[str], files: dict[str, str], expected: str) -> None:
    make_tree(tree, files)
    run = run_cli(*args, tree)
    assert run.returncode == 2, run.stdout + run.stderr
    assert expected in run.stderr
    assert "Traceback" not in run.stderr


def test_missing_root_is_exit_2(tmp_path: Path) -> None:
    run = run_cli("scan", tmp_path / "nowhere")
    assert run.returncode == 2 and "does not exist" in run.stderr and "Traceback" not in run.stderr


def test_warm_scan_reuses_the_cache(tree: Path) -> None:
    run_cli("scan", tree)
    data = json.loads(run_cli("scan", tree, "--json", "-").stdout)
    assert data["summary"]["cache_hits"] == data["summary"]["files"]
    (tree / "app" / "good.py").write_text("from app.realtime.manager import ConnectionManager as CM\n")
    data = json.loads(run_cli("scan", tree, "--json", "-").stdout)
    assert data["summary"]["cache_hits"] == data["summary"]["files"] - 1


@pytest.mark.parametrize(
    ("files", "args", "expected"),
    [
        ({"pyproject.toml": "tool = 1\n"}, ["scan"], "[tool.archguard] must be a table"),
        ({"contracts/ws.toml": "concept = [1, 2]\n"}, ["check"], "contracts/ws.toml:1: 'concept' must be an array of tables"),
        ({"b.json": '{"schema": "archguard-baseline/1", "violations": [{"fingerprint": [1]}]}'},
         ["check", "--baseline", "{root}/b.json"], "string 'fingerprint'"),
        ({}, ["scan", "--json", "{root}/app"], "cannot write"),
        ({}, ["check", "--json", "-", "--format", "sarif"], "both want stdout"),
    ],
)
def test_hostile_configuration_is_exit_2_not_a_traceback(tree: Path, files: dict[str, str], args: list[str], expected: str) -> None:
    make_tree(tree, files)
    run = run_cli(*[a.format(root=tree) for a in args], tree)
    assert run.returncode == 2, run.stdout + run.stderr
    assert expected in run.stderr and "Traceback" not in run.stderr


def test_contract_errors_point_at_the_right_concept_even_with_comments(tree: Path) -> None:
    make_tree(tree, {"contracts/ws.toml": (
        '[[concept]]  # one\nname = "a"\ncanonical = "app.realtime.manager:ConnectionManager"\n\n'
        '[[concept]]  # two\nname = "b"\ncanonical = "app.x:Y"\nbogus = 1\n'
    )})
    run = run_cli("check", tree)
    assert run.returncode == 2 and "contracts/ws.toml:8: unknown field 'bogus'" in run.stderr


def test_a_file_whose_name_is_not_utf8_is_an_unreadable_finding(tree: Path) -> None:
    (tree / "app").joinpath(os.fsdecode(b"caf\xe9.py")).write_text("x = 1\n")
    data = json.loads(run_cli("scan", tree, "--json", "-").stdout)
    assert [u["reason"] for u in data["unreadable_files"]] == ["file name is not valid UTF-8"]
    summary = data["summary"]
    assert summary["files"] == summary["parsed_files"] + summary["syntax_errors"] + summary["unreadable_files"] == 11


def test_json_path_from_pyproject_is_relative_to_root(tree: Path, tmp_path: Path) -> None:
    (tree / "pyproject.toml").write_text('[tool.archguard]\njson = "out/result.json"\n')
    assert run_cli("scan", tree, cwd=tmp_path).returncode == 0
    assert json.loads((tree / "out" / "result.json").read_text())["schema"] == "archguard/1"


def test_json_and_baseline_files_get_ordinary_permissions(tree: Path) -> None:
    old = os.umask(0o022)
    try:
        run_cli("baseline", tree, "--baseline", tree / "b.json", "--json", tree / "r.json")
    finally:
        os.umask(old)
    assert (tree / "b.json").stat().st_mode & 0o777 == 0o644
    assert (tree / "r.json").stat().st_mode & 0o777 == 0o644


def test_import_linter_warnings_are_shown_as_notices(tree: Path) -> None:
    make_tree(tree, {".importlinter": (
        "[importlinter]\nroot_packages =\n    app\n\n"
        "[importlinter:contract:x]\nname = Chat does not import good\ntype = forbidden\n"
        "source_modules =\n    app.chat\nforbidden_modules =\n    app.good\n"
        "ignore_imports =\n    app.zzz -> app.yyy\nunmatched_ignore_imports_alerting = warn\n"
    )})
    run = run_cli("check", tree, "--json", tree / "r.json")
    assert "Note: .importlinter: No matches for ignored import app.zzz -> app.yyy." in run.stdout
    assert json.loads((tree / "r.json").read_text())["notices"] == [
        ".importlinter: No matches for ignored import app.zzz -> app.yyy."
    ]


def test_compiled_extension_modules_exist_for_dangling_checks(tmp_path: Path) -> None:
    root = make_tree(tmp_path / "ext", {
        "app/__init__.py": "",
        "app/speedups/__init__.py": "",
        "app/speedups/fast.cpython-312-x86_64-linux-gnu.so": "not python",
        "app/speedups/cyfast.pyx": "def f(): pass\n",
        "app/use.py": (
            "from app.speedups.fast import anything\nfrom app.speedups.cyfast import f\n"
            "import app.speedups.fast\nfrom app.speedups.gone import x\n"
        ),
    })
    data = json.loads(run_cli("scan", root, "--json", "-", "--no-cache").stdout)
    assert [d["imported"] for d in data["dangling_imports"]] == ["app.speedups.gone"]
    assert data["summary"]["files"] == 3  # .so and .pyx are modules, not .py files


_ENDING = """\
import atexit, os, sys, threading, time
from archguard import cli

real_exit = os._exit

def noted_exit(code):
    os.write(2, b"ended at once\\n")
    real_exit(code)

os._exit = noted_exit
atexit.register(lambda: print("atexit ran", file=sys.stderr))
done = threading.Event()
real_end = cli._end_process_now

def ending(code):
    done.set()
    return real_end(code)

def late():
    done.wait()
    time.sleep(0.2)
    print("late line", flush=True)

cli._end_process_now = ending
if sys.argv[1] == "thread":  # still working when the command is done
    threading.Thread(target=late).start()
sys.argv = ["archguard", "check", sys.argv[2], "--no-cache"]
cli.run()
"""


@pytest.mark.parametrize("case", ["plain", "thread"])
def test_the_program_ends_with_its_exit_code_and_all_its_output(tree: Path, case: str) -> None:
    """``archguard`` (cli.run) ends the process at once when the command is done (os._exit, no
    teardown), with the same exit code and output, the atexit functions run; a thread still
    working makes it end the ordinary way, after the thread."""
    import subprocess
    import sys

    ended = subprocess.run([sys.executable, "-c", _ENDING, case, str(tree)], capture_output=True, text=True, timeout=120)
    ordinary = run_cli("check", tree, "--no-cache")
    assert ended.returncode == ordinary.returncode == 1
    assert ended.stdout.replace("late line\n", "") == ordinary.stdout
    assert "atexit ran" in ended.stderr
    if case == "thread":  # the ordinary way: after the thread
        assert ended.stdout.endswith("late line\n") and "ended at once" not in ended.stderr
    else:
        assert ended.stderr.endswith("atexit ran\nended at once\n")
