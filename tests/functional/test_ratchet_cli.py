"""The ratchet as a user drives it: baselines with owners and expiry dates, stale entries under
--strict-baseline."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers import run_cli, write_tree
from tests.functional.test_cli import TREE


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    return write_tree(tmp_path / "repo", TREE)


def test_baseline_owner_reason_expires_go_on_new_entries_and_stay_on_old_ones(tree: Path) -> None:
    baseline = tree / "b.json"
    run = run_cli("baseline", tree, "--baseline", baseline, "--owner", "team-rt", "--reason", "ADR-12", "--expires", "2999-12-31")
    assert run.returncode == 0, run.stderr
    entries = json.loads(baseline.read_text())["violations"]
    assert entries and all((e["owner"], e["reason"], e["expires"]) == ("team-rt", "ADR-12", "2999-12-31") for e in entries)

    (tree / "app" / "late.py").write_text("from app.realtime.impl import Manager\n")
    assert run_cli("baseline", tree, "--baseline", baseline, "--owner", "newcomer").returncode == 0
    by_path = {e["path"]: e for e in json.loads(baseline.read_text())["violations"]}
    assert by_path["app/late.py"]["owner"] == "newcomer" and "expires" not in by_path["app/late.py"]
    assert by_path["app/chat.py"]["owner"] == "team-rt"  # recorded before: its annotations stay


def test_expired_entry_fails_check_and_names_its_owner(tree: Path) -> None:
    baseline = tree / "b.json"
    run_cli("baseline", tree, "--baseline", baseline)
    document = json.loads(baseline.read_text())
    for entry in document["violations"]:
        if entry["path"] == "app/chat.py":
            entry.update(owner="carol", expires="2020-01-01", reason="migrate to manager")
    baseline.write_text(json.dumps(document))

    run = run_cli("check", tree, "--baseline", baseline, "--json", tree / "r.json")
    assert run.returncode == 1
    assert "app/chat.py:1:1: AG101" in run.stdout and "(owner: carol)" in run.stdout
    assert "Expired baseline entry: app/chat.py: AG101" in run.stdout and "owner carol" in run.stdout
    data = json.loads((tree / "r.json").read_text())
    assert data["summary"]["expired_baseline_entries"] == 1 and data["summary"]["new_violations"] == 1
    assert data["expired_baseline_entries"][0]["owner"] == "carol"


def test_stale_entries_are_reported_and_fail_only_with_strict_baseline(tree: Path) -> None:
    baseline = tree / "b.json"
    run_cli("baseline", tree, "--baseline", baseline)
    (tree / "app" / "chat.py").write_text("from app.realtime.manager import ConnectionManager\n")  # fixed

    loose = run_cli("check", tree, "--baseline", baseline)
    assert loose.returncode == 0 and "1 stale baseline entry" in loose.stdout

    strict = run_cli("check", tree, "--baseline", baseline, "--strict-baseline")
    assert strict.returncode == 1
    assert "Stale baseline entry: app/chat.py: AG101 from app.realtime.compat import LegacyManager" in strict.stdout

    # dropping the stale entry is what makes the strict run pass again
    assert run_cli("check", tree, "--baseline", baseline, "--update-baseline", "--strict-baseline").returncode == 0
    assert run_cli("check", tree, "--baseline", baseline, "--strict-baseline").returncode == 0


def test_strict_baseline_may_come_from_pyproject(tree: Path) -> None:
    (tree / "pyproject.toml").write_text('[tool.archguard]\nbaseline = "b.json"\nstrict_baseline = true\n')
    run_cli("baseline", tree)
    (tree / "app" / "chat.py").write_text("from app.realtime.manager import ConnectionManager\n")
    assert run_cli("check", tree).returncode == 1


def test_a_bad_expiry_date_is_exit_2(tree: Path) -> None:
    run = run_cli("baseline", tree, "--baseline", tree / "b.json", "--expires", "soon")
    assert run.returncode == 2 and "--expires: 'expires' must be an ISO date" in run.stderr
    assert not (tree / "b.json").exists()


def test_baseline_over_a_file_that_is_not_a_baseline_rewrites_it_and_says_so(tree: Path) -> None:
    baseline = tree / "b.json"
    baseline.write_text("{not json")
    run = run_cli("baseline", tree, "--baseline", baseline, "--owner", "o")
    assert run.returncode == 0, run.stderr
    assert "Note: the earlier baseline was not read" in run.stdout and "b.json:1" in run.stdout
    assert all(e["owner"] == "o" for e in json.loads(baseline.read_text())["violations"])


def test_a_baseline_from_a_newer_archguard_says_to_upgrade(tree: Path) -> None:
    baseline = tree / "b.json"
    baseline.write_text(json.dumps({"schema": "archguard-baseline/2", "violations": []}))
    run = run_cli("check", tree, "--baseline", baseline)
    assert run.returncode == 2
    assert "written by a newer archguard (archguard-baseline/2); this one reads archguard-baseline/1" in run.stderr
    assert "upgrade archguard" in run.stderr and "Traceback" not in run.stderr
    # a file that is no baseline at all is still named as such
    baseline.write_text(json.dumps({"schema": "something-else/7"}))
    run = run_cli("check", tree, "--baseline", baseline)
    assert run.returncode == 2 and "not an archguard baseline" in run.stderr
