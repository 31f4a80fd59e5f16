"""The baseline: known violations do not fail a run; fixed ones show up as stale entries."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from archguard.adapters.project_files.baseline_file import (
    BASELINE_SCHEMA,
    baseline_entry,
    read_baseline,
    write_baseline,
)
from archguard.analysis.baseline import apply_baseline, carry_annotations, is_expired, settle_baseline
from archguard.domain.errors import ConfigError
from archguard.domain.findings import Violation, assign_fingerprints


def violation(path: str, line: int, statement: str = "from app.compat import M") -> Violation:
    return Violation(code="AG101", contract="ws", path=path, line=line, column=1, message="m",
                     statement=statement, importer=path, imported="app.compat:M")


def test_fingerprints_survive_edits_elsewhere_in_the_file() -> None:
    before = assign_fingerprints([violation("a.py", 3)])
    after = assign_fingerprints([violation("a.py", 40)])  # lines added above it
    assert before[0].fingerprint == after[0].fingerprint


def test_identical_findings_in_one_file_get_distinct_fingerprints() -> None:
    pair = assign_fingerprints([violation("a.py", 3), violation("a.py", 9)])
    assert pair[0].fingerprint != pair[1].fingerprint


def test_baselined_entries_cover_as_many_findings_as_were_recorded(tmp_path: Path) -> None:
    known = assign_fingerprints([violation("a.py", 3), violation("b.py", 1, "from app.compat import M as N")])
    path = tmp_path / "baseline.json"
    write_baseline(path, [baseline_entry(v) for v in known])

    today = assign_fingerprints([violation("a.py", 5), violation("a.py", 8), violation("c.py", 1)])
    marked, stale = apply_baseline(today, read_baseline(path))

    assert [(v.path, v.line, v.baselined) for v in marked] == [("a.py", 5, True), ("a.py", 8, False), ("c.py", 1, False)]
    assert [e["path"] for e in stale] == ["b.py"]


def test_baseline_file_is_sorted_json_with_a_schema(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "baseline.json"
    write_baseline(path, [baseline_entry(v) for v in assign_fingerprints([violation("z.py", 1), violation("a.py", 1)])])
    document = json.loads(path.read_text())
    assert document["schema"] == BASELINE_SCHEMA
    assert [e["path"] for e in document["violations"]] == ["a.py", "z.py"]


def test_missing_baseline_is_empty_and_garbage_is_a_config_error(tmp_path: Path) -> None:
    assert read_baseline(tmp_path / "none.json") == []
    bad = tmp_path / "bad.json"
    bad.write_text("{\n  nope")
    with pytest.raises(ConfigError, match=r"bad.json:2: baseline is not valid JSON"):
        read_baseline(bad)


def test_an_expired_entry_stops_covering_and_names_its_owner() -> None:
    found = assign_fingerprints([violation("a.py", 3), violation("b.py", 1, "from app.compat import M as N")])
    entries = [
        {**baseline_entry(found[0]), "owner": "alice", "expires": "2026-01-31", "reason": "ADR-9"},
        {**baseline_entry(found[1]), "owner": "bob", "expires": "2026-02-28"},
    ]
    settled = settle_baseline(found, entries, today="2026-02-01")
    a, b = settled.violations
    assert not a.baselined and "expired on 2026-01-31 (owner: alice)" in a.message
    assert dict(a.extra)["baseline_owner"] == "alice"
    assert b.baselined and "expired" not in b.message
    assert [e["owner"] for e in settled.expired] == ["alice"] and settled.stale == []


def test_an_expired_entry_whose_violation_is_fixed_is_stale_not_failing() -> None:
    gone = assign_fingerprints([violation("a.py", 3)])[0]
    settled = settle_baseline([], [{**baseline_entry(gone), "expires": "2020-01-01"}], today="2026-02-01")
    assert settled.violations == [] and settled.expired == [] and len(settled.stale) == 1


def test_expiry_starts_on_its_date() -> None:
    entry = {"fingerprint": "f", "expires": "2026-03-01"}
    assert not is_expired(entry, "2026-02-28") and is_expired(entry, "2026-03-01")
    assert not is_expired({"fingerprint": "f"}, "2999-01-01")


def test_annotations_carry_over_and_new_entries_get_the_defaults() -> None:
    old = [{"fingerprint": "a", "owner": "alice", "reason": "legacy", "path": "x.py"}]
    new = [{"fingerprint": "a", "path": "x.py"}, {"fingerprint": "b", "path": "y.py"}]
    carried = carry_annotations(new, old, {"owner": "team-core", "expires": "2027-01-01"})
    assert carried == [
        {"fingerprint": "a", "path": "x.py", "owner": "alice", "reason": "legacy"},
        {"fingerprint": "b", "path": "y.py", "owner": "team-core", "expires": "2027-01-01"},
    ]


def test_annotated_file_keeps_a_fixed_key_order_and_sorted_entries(tmp_path: Path) -> None:
    path = tmp_path / "b.json"
    entries = [
        {"expires": "2026-05-01", "owner": "o", "fingerprint": "2", "path": "z.py", "code": "AG101"},
        {"reason": "r", "fingerprint": "1", "path": "a.py", "code": "AG201"},
    ]
    write_baseline(path, entries)
    document = json.loads(path.read_text())
    assert [list(e) for e in document["violations"]] == [
        ["fingerprint", "code", "path", "reason"], ["fingerprint", "code", "path", "owner", "expires"],
    ]
    assert read_baseline(path)[1]["expires"] == "2026-05-01"
    write_baseline(tmp_path / "again.json", read_baseline(path))
    assert (tmp_path / "again.json").read_bytes() == path.read_bytes()


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"fingerprint": "f", "expires": "next week"}, r"b.json: baseline entry f: 'expires' must be an ISO date"),
        ({"fingerprint": "f", "expires": 20260101}, r"baseline entry f: 'expires' must be an ISO date string"),
        ({"fingerprint": "f", "owner": ["a"]}, r"baseline entry f: 'owner' must be a string"),
    ],
)
def test_bad_annotations_are_config_errors_naming_the_entry(tmp_path: Path, entry: dict, message: str) -> None:
    path = tmp_path / "b.json"
    path.write_text(json.dumps({"schema": BASELINE_SCHEMA, "violations": [entry]}))
    with pytest.raises(ConfigError, match=message):
        read_baseline(path)
