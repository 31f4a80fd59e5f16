"""Files that vanish or change while a scan runs (issue 14).

Discovery lists the files; the scanner's workers read and parse them; ruff, which reads them again
itself, then judges the ones CPython rejected (every parsed one when the target is older than this
interpreter); the newer-syntax pass reads once more the ones too new for this interpreter. Between any two of
these steps a file may be deleted, truncated, replaced by a folder, locked or rewritten (an editor,
a checkout, a build running beside the scan). Whatever happens, every command accounts for every
file (``files == parsed_files + syntax_errors + unreadable_files``), a file gone is unreadable with
a reason that says so, and a changed file's facts are those of one version of it, never cached
under another version's content.

The tests change the tree at the real seams, in process and with ``--jobs 1``: after discovery
returns (``archguard.app.tree.discover_files``), and inside the two calls to ruff that come after the
workers' read (``syntax_judge.judge_isolated``, ``syntax_judge.all_issues``).
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import traceback
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

import archguard.app.tree
from archguard.adapters.parsing import syntax_judge
from archguard.cli import cli
from tests.helpers import write_tree

OLD = 1_000_000_000.0  # an mtime long past: stat alone decides "unchanged" on a warm run

TREE = {
    "app/__init__.py": "",
    "app/core.py": "class Engine:\n    pass\n",
    "app/compat.py": "from app.core import Engine\n",  # a shim: fix rewrites its importers
    "app/use.py": "from app.compat import Engine\n\nENGINE = Engine()\n",
    "app/gone.py": "import app.missing_gone\n",
    "app/short.py": "import app.missing_short\n",
    "app/folder.py": "import app.missing_folder\n",
    "app/edited.py": "import app.missing_a\n",
    # valid Python 3.12 (PEP 695), rejected by this interpreter: ruff judges it, the
    # down-levelling pass gives its facts
    "app/newer.py": "type Alias = int\nimport app.missing_a\n",
    "contracts/engine.toml": '[[concept]]\nname = "engine"\ncanonical = "app.core:Engine"\n',
}
EDITED_B = "import app.missing_b\nimport app.missing_b2\n"
NEWER_B = "type Other = str\nimport app.missing_b\nimport app.missing_b2\n"
VERSION_A = {"app.missing_a"}
VERSION_B = {"app.missing_b", "app.missing_b2"}

COMMANDS = {
    "scan": [],
    "check": [],
    "discover": [],
    "report": ["--out", "{tmp}/report"],
    "fix": ["--dry-run"],
}

pytestmark = pytest.mark.skipif(
    sys.version_info >= (3, 12), reason="needs an interpreter that rejects PEP 695"
)


def _tree(tmp_path: Path) -> Path:
    return write_tree(tmp_path / "tree", TREE, mtime=OLD)


def _run(command: str, root: Path, tmp_path: Path, *extra: str) -> dict:
    """One command through the real CLI, in this process (so the seams patched here apply)."""
    args = [a.replace("{tmp}", str(tmp_path)) for a in COMMANDS[command]]
    out = tmp_path / f"{command}.json"
    result = CliRunner().invoke(
        cli, [command, str(root), *args, "--jobs", "1", "-q", "--json", str(out), *extra]
    )
    crashed = result.exception is not None and not isinstance(result.exception, SystemExit)
    assert not crashed, (
        "".join(traceback.format_exception(*result.exc_info)) if result.exc_info else result.output
    )
    assert result.exit_code in (0, 1), result.output
    report = json.loads(out.read_text(encoding="utf-8"))
    if command == "fix":  # its summary counts edits; its own check accounted for the files
        assert report["problems"] == [], report["problems"]
        return report
    summary = report["summary"]
    assert (
        summary["files"] == summary["parsed_files"] + summary["syntax_errors"] + summary["unreadable_files"]
    )
    return report


def _unreadable(report: dict) -> dict[str, str]:
    return {u["path"]: u["reason"] for u in report["unreadable_files"]}


def _dangling(report: dict, path: str) -> set[str]:
    return {d["imported"] for d in report.get("dangling_imports", []) if d["path"] == path}


def _vandalise(root: Path) -> None:
    """Every kind of change at once: delete, truncate, replace by a folder, rewrite."""
    (root / "app/gone.py").unlink()
    (root / "app/short.py").write_bytes(b"")
    (root / "app/folder.py").unlink()
    (root / "app/folder.py").mkdir()
    (root / "app/edited.py").write_text(EDITED_B, encoding="utf-8")
    (root / "app/newer.py").write_text(NEWER_B, encoding="utf-8")


def _after_discovery(monkeypatch: pytest.MonkeyPatch, change: Callable[[Path], None]) -> None:
    """Run CHANGE on the tree right after the first discovery (report runs a second one, which
    then sees the changed tree)."""
    real = archguard.app.tree.discover_files
    calls: list[int] = []

    def discover_then_change(root: Path, **kwargs: object):  # type: ignore[no-untyped-def]
        found = real(root, **kwargs)
        calls.append(1)
        if len(calls) == 1:
            change(root)
        return found

    monkeypatch.setattr(archguard.app.tree, "discover_files", discover_then_change)


def _before_ruff(
    monkeypatch: pytest.MonkeyPatch, name: str, change: Callable[[Path], None], times: int = 1
) -> list[int]:
    """Run CHANGE on the tree just before the first TIMES calls of ``syntax_judge.NAME`` (after the
    workers have read and parsed every file). Returns a list that counts the calls."""
    real = getattr(syntax_judge, name)
    calls: list[int] = []

    def change_then_judge(root: Path, paths, target):  # type: ignore[no-untyped-def]
        calls.append(1)
        if len(calls) <= times:
            change(Path(root))
        return real(root, paths, target)

    monkeypatch.setattr(syntax_judge, name, change_then_judge)
    return calls


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_files_changed_after_discovery_are_accounted_for(
    command: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _tree(tmp_path)
    _after_discovery(monkeypatch, _vandalise)
    report = _run(command, root, tmp_path, "--no-cache")
    if command == "fix":  # the dry run still plans the one fixable import, and writes nothing
        assert [d["path"] for d in report["diffs"]] == ["app/use.py"]
        assert (root / "app/use.py").read_text() == TREE["app/use.py"]
        return
    assert report["summary"]["files"] == len([p for p in TREE if p.endswith(".py")])
    unreadable = _unreadable(report)
    assert set(unreadable) == {"app/gone.py", "app/folder.py"}
    assert "deleted during the scan" in unreadable["app/gone.py"]
    assert "director" in unreadable["app/folder.py"] or "not a regular file" in unreadable["app/folder.py"]
    if "dangling_imports" in report:  # scan, check, report: the facts are the version read
        assert _dangling(report, "app/short.py") == set()
        assert _dangling(report, "app/edited.py") == VERSION_B
        assert _dangling(report, "app/newer.py") == VERSION_B


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads a file of mode 000")
def test_a_file_locked_after_discovery_is_unreadable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = _tree(tmp_path)
    _after_discovery(monkeypatch, lambda root: (root / "app/edited.py").chmod(0))
    try:
        report = _run("scan", root, tmp_path, "--no-cache")
    finally:
        (root / "app/edited.py").chmod(0o644)
    assert _unreadable(report) == {"app/edited.py": "permission denied"}


@pytest.mark.parametrize("target", ["3.9", "3.14"])
def test_files_changed_before_ruff_judges_them(
    target: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ruff reads the files itself after the workers did: under an older target it judges every
    parsed file (app/edited.py), under any target the ones CPython rejected (app/newer.py). A
    verdict about another version than the facts is never used: the file is scanned again."""
    root = _tree(tmp_path)
    _before_ruff(monkeypatch, "judge_isolated", _vandalise)
    report = _run("scan", root, tmp_path, "--no-cache", "--target-python", target)
    unreadable = _unreadable(report)
    if target == "3.9":  # judged, so found changed: scanned again
        assert "deleted during the scan" in unreadable["app/gone.py"]
        assert _dangling(report, "app/edited.py") == VERSION_B
    else:  # not read again after the workers' read: the facts of the version read
        assert "app/gone.py" not in unreadable
        assert _dangling(report, "app/gone.py") == {"app.missing_gone"}
        assert _dangling(report, "app/edited.py") == VERSION_A
    assert "app/newer.py" not in unreadable and "app/edited.py" not in unreadable
    errors = {e["path"] for e in report["syntax_errors"]}
    if target == "3.9":  # PEP 695 is a syntax error before 3.12: the error of the version judged
        assert "app/newer.py" in errors
    else:
        assert "app/newer.py" not in errors
        assert _dangling(report, "app/newer.py") == VERSION_B


def test_a_file_changed_before_the_newer_syntax_pass_reads_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Between ruff's verdict and the newer-syntax pass's read (``all_issues`` locates the too-new
    constructs just before): its facts would be another version's, so the file is scanned again."""
    root = _tree(tmp_path)
    _before_ruff(monkeypatch, "all_issues", _vandalise)
    report = _run("scan", root, tmp_path, "--no-cache")
    assert "app/newer.py" not in _unreadable(report)
    assert "app/newer.py" not in {e["path"] for e in report["syntax_errors"]}
    assert _dangling(report, "app/newer.py") == VERSION_B


def test_a_file_deleted_before_the_newer_syntax_pass_reads_it_is_unreadable_not_a_syntax_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _tree(tmp_path)
    _before_ruff(monkeypatch, "all_issues", lambda root: (root / "app/newer.py").unlink())
    report = _run("scan", root, tmp_path, "--no-cache")
    assert "deleted during the scan" in _unreadable(report)["app/newer.py"]
    assert "app/newer.py" not in {e["path"] for e in report["syntax_errors"]}


def test_a_file_that_keeps_changing_is_reported_not_guessed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _tree(tmp_path)
    versions = iter([NEWER_B, TREE["app/newer.py"], NEWER_B])
    calls = _before_ruff(
        monkeypatch, "all_issues", lambda root: (root / "app/newer.py").write_text(next(versions)), times=3
    )
    report = _run("scan", root, tmp_path, "--no-cache")
    assert len(calls) == 2  # the first pass and one retry, no more
    assert "kept changing" in _unreadable(report)["app/newer.py"]
    assert _dangling(report, "app/newer.py") == set()


@pytest.mark.parametrize("seam", ["judge_isolated", "all_issues"])
def test_a_changed_file_is_never_cached_under_the_other_versions_content(
    seam: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rewritten A -> B while ruff or the newer-syntax pass reads it, then written back to A: the warm run must
    give A's facts, as a cold run does (not B's, filed under A's content hash)."""
    root = _tree(tmp_path)
    cache = ["--cache-dir", str(tmp_path / "cache")]
    change = _before_ruff(
        monkeypatch, seam, lambda root: (root / "app/newer.py").write_text(NEWER_B, encoding="utf-8")
    )
    changed = _run("scan", root, tmp_path, *cache)
    assert change and _dangling(changed, "app/newer.py") == VERSION_B
    monkeypatch.undo()
    (root / "app/newer.py").write_text(TREE["app/newer.py"], encoding="utf-8")  # back to A
    warm = _run("scan", root, tmp_path, *cache)
    cold = _run("scan", root, tmp_path, "--no-cache")
    assert _dangling(cold, "app/newer.py") == VERSION_A
    assert _dangling(warm, "app/newer.py") == VERSION_A


def test_a_package_folder_removed_after_discovery_is_accounted_file_by_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A folder of modules removed after discovery: each of its files is accounted for once."""
    root = _tree(tmp_path)
    write_tree(
        root, {"app/sub/__init__.py": "", "app/sub/a.py": "import os\n", "app/sub/b.py": "import os\n"}
    )
    _after_discovery(monkeypatch, lambda root: shutil.rmtree(root / "app/sub"))
    report = _run("scan", root, tmp_path, "--no-cache")
    unreadable = _unreadable(report)
    assert {p for p in unreadable if p.startswith("app/sub/")} == {
        "app/sub/__init__.py",
        "app/sub/a.py",
        "app/sub/b.py",
    }
