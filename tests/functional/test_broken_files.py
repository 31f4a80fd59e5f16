"""A file that stops parsing (or cannot be read) fails the check with a finding of its own and
hides nothing: the baseline entries it may be hiding are held, never stale, and repairing the file
brings back the state before."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers import git, write_tree
from tests.helpers import run_cli as archguard

TREE = {
    "app/__init__.py": "",
    "app/realtime/__init__.py": "from .manager import ConnectionManager\n",
    "app/realtime/impl.py": "class _ManagerImpl:\n    pass\n",
    "app/realtime/manager.py": "from .impl import _ManagerImpl\n\nConnectionManager = _ManagerImpl\n",
    "app/realtime/compat.py": "from app.realtime.manager import ConnectionManager as LegacyManager\n",
    # known debt, in the file that will break and in one that reads a name through the shim
    "app/chat.py": "from app.realtime.impl import _ManagerImpl\nfrom app.gone import thing\n",
    "app/lobby.py": "from app.realtime.compat import LegacyManager\n",
    "app/good.py": "from app.realtime.manager import ConnectionManager\n",
    "tests/test_old.py": "def test(:\n    pass\n",  # broken since before: known debt too
    "contracts/ws.toml": (
        '[[concept]]\nname = "websocket-manager"\ncanonical = "app.realtime.manager:ConnectionManager"\n'
        'allowed_importers = ["app.realtime.**"]\n'
    ),
}
CHAT = TREE["app/chat.py"]
COMPAT = TREE["app/realtime/compat.py"]


def check(root: Path, *args: str | Path) -> tuple[int, dict]:
    run = archguard("check", root, "--format", "json", *args)
    assert run.returncode in (0, 1), run.stderr
    return run.returncode, json.loads(run.stdout)


def state(data: dict) -> tuple:
    """What a user compares between two runs: every finding and the baseline's verdicts."""
    return (
        sorted((v["code"], v["path"], v["line"], v["fingerprint"], v["baselined"]) for v in data["violations"]),
        data["stale_baseline_entries"],
        data["held_baseline_entries"],
    )


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = write_tree(tmp_path / "repo", TREE)
    run = archguard("init", root)
    assert run.returncode == 0, run.stdout + run.stderr
    return root


def test_init_records_the_broken_file_then_a_newly_broken_one_fails_and_hides_nothing(tree: Path) -> None:
    baseline = json.loads((tree / "archguard-baseline.json").read_text())["violations"]
    assert {(e["code"], e["path"]) for e in baseline} >= {
        ("AG001", "tests/test_old.py"),
        ("AG101", "app/chat.py"),
        ("AG201", "app/chat.py"),
        ("AG101", "app/lobby.py"),
    }
    code, before = check(tree, "--strict-baseline")
    assert code == 0 and before["summary"]["new_violations"] == 0

    (tree / "app" / "chat.py").write_text(CHAT + "def broken(:\n")
    (tree / "app" / "realtime" / "compat.py").write_text(COMPAT + "x = (\n")
    code, broken = check(tree, "--strict-baseline")
    assert code == 1
    new = [(v["code"], v["path"], v["kind"], v["contract"]) for v in broken["violations"] if not v["baselined"]]
    assert sorted(new) == [
        ("AG001", "app/chat.py", "syntax-error", "analysable-files"),
        ("AG001", "app/realtime/compat.py", "syntax-error", "analysable-files"),
    ]
    # chat.py's own entries and lobby.py's (read through the broken shim) are held, not stale
    assert broken["stale_baseline_entries"] == []
    hidden = sorted(e["fingerprint"] for e in baseline if e["path"] in ("app/chat.py", "app/lobby.py"))
    assert sorted(e["fingerprint"] for e in broken["held_baseline_entries"]) == hidden
    assert broken["summary"]["held_baseline_entries"] == len(hidden) >= 3
    text = archguard("check", tree, "--strict-baseline").stdout
    assert "app/chat.py:3:12: AG001 syntax error:" in text and f"{len(hidden)} baseline entries held" in text

    # --update-baseline keeps what is held (and adds nothing new)
    assert archguard("check", tree, "--update-baseline").returncode == 1
    kept = json.loads((tree / "archguard-baseline.json").read_text())["violations"]
    assert sorted((e["code"], e["path"]) for e in kept) == sorted((e["code"], e["path"]) for e in baseline)

    (tree / "app" / "chat.py").write_text(CHAT)
    (tree / "app" / "realtime" / "compat.py").write_text(COMPAT)
    code, repaired = check(tree, "--strict-baseline")
    assert code == 0 and state(repaired) == state(before)


def test_baseline_keeps_what_a_broken_file_hides_and_the_broken_file_is_known_debt(tree: Path) -> None:
    (tree / "app" / "chat.py").write_text(CHAT + "def broken(:\n")
    assert archguard("baseline", tree, "--baseline", tree / "archguard-baseline.json").returncode == 0
    code, _ = check(tree, "--strict-baseline")
    assert code == 0  # the broken file is recorded now
    (tree / "app" / "chat.py").write_text(CHAT)
    code, repaired = check(tree)
    assert code == 0, [v for v in repaired["violations"] if not v["baselined"]]  # its findings were kept
    assert [(e["code"], e["path"]) for e in repaired["stale_baseline_entries"]] == [("AG001", "app/chat.py")]


def test_an_unreadable_file_is_a_finding_and_holds_its_entries(tree: Path) -> None:
    (tree / "app" / "chat.py").write_bytes(b"\x00binary\x00")
    code, data = check(tree, "--strict-baseline")
    assert code == 1
    new = [(v["code"], v["path"], v["kind"]) for v in data["violations"] if not v["baselined"]]
    assert new == [("AG002", "app/chat.py", "unreadable-file")]
    assert {e["path"] for e in data["held_baseline_entries"]} == {"app/chat.py"}


@pytest.mark.parametrize("fmt", ["sarif", "junit", "github", "gitlab"])
def test_every_output_carries_the_new_finding(tree: Path, fmt: str) -> None:
    (tree / "app" / "good.py").write_text("def broken(:\n")
    run = archguard("check", tree, "--format", fmt)
    assert run.returncode == 1
    if fmt == "sarif":
        results = json.loads(run.stdout)["runs"][0]["results"]
        new = [r for r in results if r.get("baselineState") == "new"]
        assert [(r["ruleId"], r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]) for r in new] == [
            ("AG001", "app/good.py")
        ]
    elif fmt == "junit":
        assert 'name="analysable-files"' in run.stdout and "AG001" in run.stdout
    elif fmt == "github":
        assert "::error file=app/good.py,line=1,col=12," in run.stdout and "AG001" in run.stdout
    else:
        issues = json.loads(run.stdout)
        assert [(i["check_name"], i["location"]["path"]) for i in issues] == [("AG001", "app/good.py")]


def test_report_json_and_changed_see_it(tree: Path) -> None:
    git(tree, "init", "-q", "-b", "main")
    git(tree, "add", "-A")
    git(tree, "commit", "-qm", "init")
    (tree / "app" / "good.py").write_text("def broken(:\n")
    run = archguard("check", tree, "--changed=main", "--format", "json")
    assert run.returncode == 1, run.stderr
    data = json.loads(run.stdout)
    assert [(v["code"], v["path"]) for v in data["violations"] if not v["baselined"]] == [("AG001", "app/good.py")]
    out = tree.parent / "out"
    assert archguard("report", tree, "--out", out).returncode == 1
    report = json.loads((out / "report.json").read_text())
    assert ("AG001", "app/good.py", False) in {(v["code"], v["path"], v["baselined"]) for v in report["violations"]}
