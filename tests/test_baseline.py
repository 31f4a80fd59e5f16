"""The baseline: known violations do not fail a run; fixed ones show up as stale entries."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from archguard.adapters.project_files.baseline_file import BASELINE_SCHEMA, baseline_entry, read_baseline, write_baseline
from archguard.domain.errors import ConfigError
from archguard.analysis.baseline import apply_baseline
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
