"""``Findings`` (domain/findings.py): the findings a warm check reads from the results cache, still
encoded, with what a text report needs of them kept beside them."""

from __future__ import annotations

from collections.abc import Sequence

from archguard.adapters.cache import entries
from archguard.domain.derived import CheckOutcome
from archguard.domain.findings import Findings, Severity, Violation, any_failing, codes, finding_paths, tally
from archguard.domain.result import CheckResult, ScanResult
from archguard.reporting.text import contract_sections, render_check

FINDINGS = [
    Violation("AG501", "face", "b.py", 3, 1, "reach in", importer="b", fingerprint="f1"),
    Violation("AG202", "dangling-imports", "a.py", 2, 1, "gone", severity=Severity.WARNING, fingerprint="f2"),
    Violation("AG501", "face", "a.py", 1, 1, "reach in", importer="a", fingerprint="f3"),
    Violation("AG101", "concept", "a.py", 5, 1, "canon", suggestion="from x import Y", fingerprint="f4"),
]


def result_of(violations: Sequence[Violation]) -> CheckResult:
    scan = ScanResult(root=".", files=[], facts={}, syntax_errors=[], unreadable=[], packages=[])
    return CheckResult(
        scan=scan, violations=violations, contracts_run=["concept", "face", "dangling-imports"]
    )


def stored_and_loaded(findings: list[Violation]) -> Findings:
    """Through the results entry's codec, as a warm run reads them."""
    kept = Findings(findings, sections=contract_sections(findings))
    plain = entries.CHECK_OUTCOME.encode(CheckOutcome(kept, ["concept", "face"], [], settled=True))
    loaded = entries.CHECK_OUTCOME.decode(plain)
    assert loaded.settled and loaded.contracts_run == ["concept", "face"]
    assert isinstance(loaded.violations, Findings)
    return loaded.violations


def test_findings_read_from_the_cache_answer_counts_codes_paths_and_text_without_decoding() -> None:
    loaded = stored_and_loaded(FINDINGS)
    assert len(loaded) == 4 and not loaded.loaded
    assert tally(loaded) == tally(FINDINGS) and codes(loaded) == {"AG501", "AG202", "AG101"}
    assert finding_paths(loaded) == ("b.py", "a.py") == finding_paths(FINDINGS)
    assert any_failing(loaded) and render_check(result_of(loaded)) == render_check(result_of(FINDINGS))
    assert not loaded.loaded
    assert list(loaded) == FINDINGS and loaded == FINDINGS and loaded.loaded  # read one by one: decoded


def test_only_warnings_do_not_fail_and_no_findings_print_as_none() -> None:
    warning = [FINDINGS[1]]
    assert not any_failing(stored_and_loaded(warning))
    empty = stored_and_loaded([])
    assert len(empty) == 0 and not any_failing(empty) and list(empty) == []
    assert render_check(result_of(empty)) == render_check(result_of([]))


def test_kept_text_is_not_printed_for_findings_the_baseline_marked() -> None:
    # a baseline makes a list of its own; findings carrying text yet marked baselined are printed
    # from themselves all the same (the kept blocks show every finding)
    marked = [v._replace(baselined=True) if v.importer == "a" else v for v in FINDINGS]
    carrying = Findings(marked, sections=contract_sections(FINDINGS))
    text = render_check(result_of(carrying))
    assert text == render_check(result_of(marked)) and "(1 baselined violation not shown)" in text
    assert "a.py:1:1: AG501" not in text
