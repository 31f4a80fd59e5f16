"""Hostile files: every command accounts for each one and none crashes.

One tree holds every kind of file a broken or hostile repository can contain, beside a small
healthy package. Each command runs on it through the real CLI; the JSON summary must account for
every ``.py`` file (``files == parsed_files + syntax_errors + unreadable_files``) and stderr must
hold no traceback.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from tests.helpers import run_cli, write_tree

HEALTHY = {
    "app/__init__.py": "",
    "app/core.py": "class Engine:\n    pass\n",
    "app/use.py": "from app.core import Engine\n",
    "app/compat.py": "from app.core import Engine\n",  # a shim: fix rewrites its importers
    "contracts/engine.toml": '[[concept]]\nname = "engine"\ncanonical = "app.core:Engine"\n',
}

# name -> bytes; every one of them is a .py file the scan must account for
HOSTILE_FILES: dict[str, bytes] = {
    "hostile/binary.py": bytes(range(256)) * 8,
    "hostile/nul_byte.py": b"import os\x00\n",
    "hostile/bad_utf8.py": b"x = '\xff\xfe'\n",
    "hostile/bad_utf8_cookie.py": b"# -*- coding: utf-8 -*-\nx = '\xff'\n",
    "hostile/unknown_cookie.py": b"# -*- coding: no-such-codec -*-\nx = 1\n",
    "hostile/latin1_cookie.py": b"# -*- coding: latin-1 -*-\nfrom app.compat import Engine\nname = '\xe9'\n",
    "hostile/bom.py": b"\xef\xbb\xbffrom app.compat import Engine\n",
    "hostile/crlf.py": b"import os\r\nfrom app.compat import Engine\r\n",
    "hostile/lone_cr.py": b"import os\rfrom app.compat import Engine\r",
    "hostile/mixed_tabs.py": b"if True:\n\tx = 1\n        y = 2\n",
    "hostile/form_feed.py": b"\x0cimport os\n\x0c\nfrom app.compat import Engine\n",
    "hostile/empty.py": b"",
    "hostile/deep_brackets.py": b"x = " + b"(" * 100 + b"1" + b")" * 100 + b"\n",
    "hostile/too_deep_brackets.py": b"x = " + b"[" * 1000 + b"]" * 1000 + b"\n",
    "hostile/my script.py": b"from app.core import Engine\n",
    "hostile/m\xc3\xb3dulo.py": b"from app.core import Engine\n",
    "hostile/<script>alert(1)<\\script>.py".replace("\\", "") : b"x = 1\n",
    "hostile/quote\"doc.py": b'"""A docstring with " and <b>markup</b>."""\nimport os\n',
    "hostile/one_huge_line.py": b"x = '" + b"a" * 10_000_000 + b"'\n",
    "hostile/fifty_mb.py": b"# filler\n" * (50_000_000 // 9),
    "hostile/unterminated.py": b"x = '''never closed\n",
}


def _deep_packages(depth: int) -> dict[str, bytes]:
    parts = [f"d{i}" for i in range(depth)]
    tree = {}
    for n in range(1, depth + 1):
        tree["/".join(["deep", *parts[:n], "__init__.py"])] = b""
    tree["/".join(["deep", *parts, "leaf.py"])] = b"from app.core import Engine\n"
    return tree


@pytest.fixture(scope="module")
def hostile_tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = write_tree(tmp_path_factory.mktemp("hostile"), {**HEALTHY, **HOSTILE_FILES})
    write_tree(root, {"deep/__init__.py": b"", **_deep_packages(100)})
    # a folder whose name ends in .py, with a real module inside
    write_tree(root, {"weird.py/inner.py": b"import os\n"})
    links = root / "links"
    links.mkdir()
    (links / "dangling.py").symlink_to(links / "nowhere.py")
    (links / "loop.py").symlink_to(links / "loop.py")
    (links / "a.py").symlink_to(links / "b.py")
    (links / "b.py").symlink_to(links / "a.py")
    (links / "back").symlink_to(root)  # a folder loop: must not be walked forever
    return root


def _py_files_on_disk(root: Path) -> int:
    """What a user would count: .py names under ROOT that are not folders (symlinks included)."""
    count = 0
    for folder, dirs, names in os.walk(root):
        dirs[:] = [d for d in dirs if not d.startswith(".") and not os.path.islink(os.path.join(folder, d))]
        count += sum(1 for n in names if n.endswith(".py"))
    return count


@pytest.mark.parametrize("command", ["scan", "check", "discover", "report", "baseline"])
def test_every_hostile_file_is_accounted_for_and_nothing_crashes(
    hostile_tree: Path, command: str, tmp_path: Path
) -> None:
    extra = {"report": ["--out", str(tmp_path / "report")], "baseline": ["--baseline", str(tmp_path / "b.json")]}
    extra = extra.get(command, [])
    result = run_cli(command, hostile_tree, *extra, "--no-cache", "--json", "-", "-q")
    assert result.returncode in (0, 1), result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    report = json.loads(result.stdout)
    summary = report["summary"]
    assert summary["files"] == summary["parsed_files"] + summary["syntax_errors"] + summary["unreadable_files"]
    assert summary["files"] == _py_files_on_disk(hostile_tree)


@pytest.mark.parametrize("command", [["graph", "--out", "{tmp}/g.svg"], ["graph", "--out", "{tmp}/g.dot"],
                                     ["init"], ["fix", "--dry-run"], ["fix"]], ids=" ".join)
def test_the_other_commands_survive_the_hostile_tree(hostile_tree: Path, command: list[str], tmp_path: Path) -> None:
    """graph, init and fix on the same tree: a result or a refusal, never a traceback or a hang."""
    tree = hostile_tree
    if command[0] in ("init", "fix"):  # they write into the tree: a copy of their own
        tree = tmp_path / "tree"
        shutil.copytree(hostile_tree, tree, symlinks=True)
    args = [part.format(tmp=tmp_path) for part in command]
    result = run_cli(args[0], tree, *args[1:], "--no-cache", "-q")
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode in (0, 1, 2), result.stdout + result.stderr
    if result.returncode == 2:  # a refusal: one line naming the file, as every configuration error
        assert result.stderr.startswith("archguard: error: ") and result.stderr.count("\n") == 1, result.stderr


def test_each_hostile_file_lands_in_the_expected_bucket(hostile_tree: Path) -> None:
    report = json.loads(run_cli("scan", hostile_tree, "--no-cache", "--json", "-", "-q").stdout)
    errors = {e["path"] for e in report["syntax_errors"]}
    unreadable = {u["path"]: u["reason"] for u in report["unreadable_files"]}
    assert {"hostile/mixed_tabs.py", "hostile/unterminated.py", "hostile/too_deep_brackets.py"} <= errors
    for name in ("binary.py", "nul_byte.py", "bad_utf8.py", "bad_utf8_cookie.py", "unknown_cookie.py",
                 "fifty_mb.py", "one_huge_line.py"):
        assert f"hostile/{name}" in unreadable, name
    assert "NUL" in unreadable["hostile/nul_byte.py"]
    assert "too large" in unreadable["hostile/fifty_mb.py"]
    assert "line 2" in unreadable["hostile/bad_utf8_cookie.py"]
    for name in ("links/dangling.py", "links/loop.py", "links/a.py", "links/b.py"):
        assert name in unreadable, name
    parsed_ok = {"hostile/latin1_cookie.py", "hostile/bom.py", "hostile/crlf.py", "hostile/lone_cr.py",
                 "hostile/form_feed.py", "hostile/empty.py", "hostile/deep_brackets.py",
                 "hostile/my script.py", "hostile/módulo.py", "weird.py/inner.py"}
    assert not parsed_ok & (errors | set(unreadable)), parsed_ok & (errors | set(unreadable))


def test_decoded_files_keep_their_imports_and_lines(hostile_tree: Path) -> None:
    """Encodings and line endings change nothing about what a file imports or where."""
    result = run_cli("check", hostile_tree, "--no-cache", "--json", "-", "-q")
    report = json.loads(result.stdout)
    assert report["summary"]["dangling_imports"] == 0, report["violations"]
    assert report["summary"]["modules"] >= 100 + 3  # the 100-deep package chain is seen whole


def test_large_files_are_parsed_whole_one_at_a_time(tmp_path: Path) -> None:
    """Files past LARGE_FILE_BYTES take their own process (memory, not correctness): their facts
    are the same as any file's."""
    big_literal = "DATA = [" + ", ".join(str(i) for i in range(250_000)) + "]\n"
    root = write_tree(tmp_path, {
        **HEALTHY,
        "app/big_a.py": "from app.core import Engine\n" + big_literal,
        "app/big_b.py": "from app.core import Missing\n" + big_literal,
    })
    report = json.loads(run_cli("check", root, "--no-cache", "--json", "-", "-q").stdout)
    assert report["summary"]["parsed_files"] == report["summary"]["files"] == len(HEALTHY) - 1 + 2
    assert [(d["path"], d["imported"]) for d in report["dangling_imports"]] == [("app/big_b.py", "app.core:Missing")]


def test_fix_dry_run_and_fix_keep_encodings_and_line_endings(hostile_tree: Path, tmp_path: Path) -> None:
    """fix rewrites the shim's importers whatever their encoding, BOM or line endings, keeps those
    byte for byte, and touches no file it cannot parse or read."""
    tree = tmp_path / "tree"
    shutil.copytree(hostile_tree, tree, symlinks=True, ignore=shutil.ignore_patterns("fifty_mb.py", "one_huge_line.py"))
    before = {p: p.read_bytes() for p in tree.rglob("*.py") if p.is_file() and not p.is_symlink()}
    # libcst cannot give back a file of lone CR line endings, or one with form feeds, byte for byte:
    # fix leaves those two files alone, names them under "Not fixed" with the reason, and rewrites the rest
    dry = run_cli("fix", tree, "--dry-run", "--no-cache", "-q")
    assert dry.returncode == 0, dry.stdout + dry.stderr
    assert "Traceback" not in dry.stderr
    assert {p: p.read_bytes() for p in before} == before  # a dry run writes nothing
    for name in ("latin1_cookie.py", "bom.py", "crlf.py"):
        assert f"hostile/{name}" in dry.stdout, name
    done = run_cli("fix", tree, "--no-cache", "-q")
    assert done.returncode == 0, done.stdout + done.stderr
    after = {p: p.read_bytes() for p in before}
    assert after[tree / "hostile/latin1_cookie.py"] == before[tree / "hostile/latin1_cookie.py"].replace(
        b"app.compat", b"app.core")
    assert after[tree / "hostile/bom.py"].startswith(b"\xef\xbb\xbffrom app.core import Engine")
    assert after[tree / "hostile/crlf.py"] == b"import os\r\nfrom app.core import Engine\r\n"
    untouched = [p for p in before if "app.compat" not in before[p].decode("latin-1")]
    assert all(after[p] == before[p] for p in untouched)
    for name in ("lone_cr.py", "form_feed.py"):
        assert after[tree / "hostile" / name] == before[tree / "hostile" / name], name
        assert f"hostile/{name}" in dry.stdout and f"hostile/{name}" in done.stdout, name
    assert "does not reproduce it byte for byte" in done.stdout, done.stdout


def test_warnings_of_analysed_files_are_neither_printed_nor_raised(tmp_path: Path) -> None:
    """An invalid escape sequence makes CPython warn while compiling (DeprecationWarning on 3.11,
    SyntaxWarning on 3.12+). Those are the analysed file's warnings: under PYTHONWARNINGS=error, as
    many CI jobs run, they must not turn a valid file into a broken one, nor be printed otherwise."""
    write_tree(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/patterns.py": 'import re\nfrom pkg.gone import helper\nDIGITS = re.compile("\\d+")\n',
        "pkg/newer.py": 'NAME = "x"\nLABEL = f"{NAME!r}: {"\\d"}"\n',  # PEP 701: the down-levelled path
    })
    for warnings_setting in ("error", "default"):
        env = {**os.environ, "PYTHONWARNINGS": warnings_setting}
        done = run_cli("check", tmp_path, "--no-cache", "--format", "json", env=env)
        summary = json.loads(done.stdout)
        assert summary["unreadable_files"] == [] and summary["syntax_errors"] == [], warnings_setting
        assert [d["imported"] for d in summary["dangling_imports"]] == ["pkg.gone"], warnings_setting
        assert "escape sequence" not in done.stderr, (warnings_setting, done.stderr)
