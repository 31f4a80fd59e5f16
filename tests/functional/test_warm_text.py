"""A warm ``check`` prints its text report from what the results cache keeps beside the findings
(each contract's block of text, the counts: ``domain/findings.Findings``), without decoding a
finding. These tests hold that text to what a check without the cache prints, byte for byte and
in every format, after each kind of change the kept text could miss: an edit that moves a
finding, a contract's reason or public face changed, the baseline recorded, shrunk or expired, a
format or ``--statistics`` asked for, ``--changed``; and the exit codes with them."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from archguard.app import Options, record_baseline, run_check
from archguard.app.engine import Engine
from archguard.domain.findings import Findings
from archguard.domain.options import FORMATS
from archguard.domain.result import CheckResult
from archguard.reporting import render_check_as
from tests.functional.test_changed import feature_branch
from tests.functional.test_warm_findings import broad_tree, derivations, every_format, without_timing
from tests.helpers import git, run_cli, write_tree

__all__ = ["derivations"]  # the fixture, shared with test_warm_findings.py


def text_of(result: CheckResult) -> str:
    return render_check_as(result, "text", tool_version="x")


def warm_and_cold(root: Path, cache: Path, **options: object) -> tuple[CheckResult, CheckResult]:
    """A check through the results cache, and one without any cache, of the same tree."""
    warm = run_check(Options(root=root, cache_dir=cache, **options))  # type: ignore[arg-type]
    cold = run_check(Options(root=root, no_cache=True, **options))  # type: ignore[arg-type]
    return warm, cold


def assert_same_output(warm: CheckResult, cold: CheckResult) -> None:
    assert text_of(warm) == text_of(cold)
    assert warm.failed == cold.failed
    warm_out, cold_out = without_timing(every_format(warm)), without_timing(every_format(cold))
    for fmt in FORMATS:
        assert warm_out[fmt] == cold_out[fmt], fmt


def test_a_warm_check_prints_its_text_and_exit_code_without_decoding_a_finding(
    tmp_path: Path, derivations: list[Engine]
) -> None:
    root = write_tree(tmp_path / "tree", broad_tree(30))
    cache = tmp_path / "cache"
    first = run_check(Options(root=root, cache_dir=cache))  # fills the results cache
    derivations.clear()
    warm, cold = warm_and_cold(root, cache)
    assert [e.derivations for e in derivations] == [0, 1]  # the warm run derived nothing

    findings = warm.violations
    assert isinstance(findings, Findings) and len(findings) == 272 and not findings.loaded
    text = text_of(warm)
    assert warm.failed
    assert not findings.loaded  # printed and judged from the kept text and counts
    assert text == text_of(cold) == text_of(first)
    assert text.count(" AG50") == 30 * 6 + 1 and "core face (public face of core): ADR-3\n" in text
    assert "Found 272 violations (242 new, 0 baselined, 30 warnings) in 3 of 4 contracts." in text
    assert_same_output(warm, cold)  # every format reads the findings themselves: the same again
    assert findings.loaded and findings == cold.violations


def test_a_warm_check_of_a_tree_with_owners_names_them_without_decoding_a_finding(tmp_path: Path) -> None:
    tree = broad_tree(6)
    tree[".github/CODEOWNERS"] = "/app/ @app-team\n/app/user_001.py @one\n"
    root = write_tree(tmp_path / "tree", tree)
    cache = tmp_path / "cache"
    run_check(Options(root=root, cache_dir=cache))
    warm, cold = warm_and_cold(root, cache)
    assert isinstance(warm.violations, Findings) and warm.codeowners == ".github/CODEOWNERS"
    assert warm.owners == cold.owners and warm.owners["app/user_001.py"] == ("@one",)
    assert list(warm.owners) == list(cold.owners)  # the same order too
    assert text_of(warm) == text_of(cold) and not warm.violations.loaded
    assert_same_output(warm, cold)
    assert '"owners": [\n        "@app-team"\n      ]' in render_check_as(warm, "json", tool_version="x")


def _move_a_finding(root: Path) -> None:
    path = root / "app" / "user_003.py"
    path.write_text("import os\n" + path.read_text())  # every finding of the file a line down


def _change_the_reason(root: Path) -> None:
    path = root / "contracts" / "core.toml"
    path.write_text(path.read_text().replace('reason = "ADR-3"', 'reason = "ADR-4: the store is private"'))


def _widen_the_face(root: Path) -> None:
    path = root / "contracts" / "core.toml"
    path.write_text(
        path.read_text().replace('reason = "ADR-3"', 'reason = "ADR-3"\nalso_public = ["core.store"]')
    )


def _export_a_name(root: Path) -> None:
    path = root / "core" / "__init__.py"
    path.write_text(path.read_text().replace("__all__ = ['Api']", "__all__ = ['Api', 'helper']"))


@pytest.mark.parametrize(
    "change",
    [_move_a_finding, _change_the_reason, _widen_the_face, _export_a_name],
    ids=["edit-moves-findings", "contract-reason", "contract-face", "package-exports"],
)
def test_the_text_a_warm_check_prints_follows_a_change(
    tmp_path: Path, change: Callable[[Path], None]
) -> None:
    root = write_tree(tmp_path / "tree", broad_tree(12))
    cache = tmp_path / "cache"
    run_check(Options(root=root, cache_dir=cache))
    before = text_of(run_check(Options(root=root, cache_dir=cache)))  # from the kept text
    change(root)
    warm, cold = warm_and_cold(root, cache)
    assert text_of(warm) != before  # the change shows in the text...
    assert_same_output(warm, cold)  # ...as a check without the cache prints it
    again = run_check(Options(root=root, cache_dir=cache))  # and from the kept text once more
    assert isinstance(again.violations, Findings) and text_of(again) == text_of(cold)
    assert not again.violations.loaded


def test_a_warm_check_with_a_baseline_prints_what_the_baseline_makes_of_the_findings(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "tree", broad_tree(10))
    cache = tmp_path / "cache"
    baseline = tmp_path / "baseline.json"
    run_check(Options(root=root, cache_dir=cache))  # the kept text: every finding shown
    record_baseline(Options(root=root, cache_dir=cache, baseline=baseline))
    write_tree(root, broad_tree(4, first=10))  # new findings beside the baselined ones
    run_check(Options(root=root, cache_dir=cache))
    warm, cold = warm_and_cold(root, cache, baseline=baseline)
    assert_same_output(warm, cold)
    text = text_of(warm)
    assert "(61 baselined violations not shown)" in text and "app/user_003.py:3:1: AG502 " not in text
    assert "app/user_012.py:3:1: AG502 " in text
    assert "Found 128 violations (32 new, 82 baselined, 14 warnings)" in text

    document = json.loads(baseline.read_text(encoding="utf-8"))
    listed = document["violations"]
    kept = [e for e in listed if not e["path"].startswith("app/user_00")]  # drop most of it
    overdue = [
        {**e, "expires": "2001-01-01", "owner": "@ops"} for e in listed if e["path"] == "app/user_003.py"
    ]
    baseline.write_text(json.dumps({**document, "violations": kept + overdue}), encoding="utf-8")
    warm, cold = warm_and_cold(root, cache, baseline=baseline)
    assert_same_output(warm, cold)
    shrunk = text_of(warm)
    assert shrunk != text and "app/user_003.py:3:1: AG502 " in shrunk
    assert "baseline entry expired on 2001-01-01 (owner: @ops)" in shrunk

    warm, cold = warm_and_cold(root, cache)  # the same cache without the baseline: every finding shown
    assert_same_output(warm, cold)
    assert "baselined violations not shown" not in text_of(warm)


def test_a_warm_check_reports_the_rewrites_contracts_disagree_on_as_unfixable(tmp_path: Path) -> None:
    # the concept's canonical path lies past the package's face: each rewrite is the other's finding
    tree = broad_tree(6)
    tree["contracts/core.toml"] = tree["contracts/core.toml"].replace('"core:Api"', '"core.api:Api"')
    tree["app/faced.py"] = "from core import Api\n\n\ndef make():\n    return Api()\n"
    root = write_tree(tmp_path / "tree", tree)
    cache = tmp_path / "cache"
    run_check(Options(root=root, cache_dir=cache))
    warm, cold = warm_and_cold(root, cache)
    assert_same_output(warm, cold)
    disagreed = [v for v in warm.violations if v.reason and "contracts disagree" in v.reason]
    assert {v.code for v in disagreed} == {"AG101", "AG501"} and not any(v.fixable for v in disagreed)


def untimed(output: str) -> str:
    """What may differ between two equal runs: the JSON's duration and cache hits, JUnit's time."""
    return re.sub(r'"duration_s": [0-9.]+|"cache_hits": [0-9]+| time="[0-9.]+"', "", output)


def test_the_cli_prints_and_exits_alike_warm_cold_and_without_the_cache(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "tree", broad_tree(8))
    baseline = tmp_path / "baseline.json"

    def both(*args: str | Path) -> tuple[int, str]:
        cold = run_cli("check", root, *args, "--no-cache")
        warm = run_cli("check", root, *args)
        assert (warm.returncode, untimed(warm.stdout)) == (cold.returncode, untimed(cold.stdout)), args
        return warm.returncode, warm.stdout

    first = run_cli("check", root)  # fills the cache
    code, text = both()
    assert code == first.returncode == 1 and text == first.stdout
    for fmt in ("json", "sarif", "junit", "github", "gitlab"):
        code, out = both("--format", fmt) if fmt != "json" else both("--json", "-")
        assert code == 1 and out != text, fmt
    code, stats = both("--statistics")
    findings_part, statistics = stats.split("Statistics per rule:\n")
    assert code == 1 and text.startswith(findings_part) and statistics.startswith(f"{8 * 4 + 1}\tAG501\t")

    written = run_cli("check", root, "--baseline", baseline, "--update-baseline", "--add-new")
    assert written.returncode == 0, written.stderr
    code, known = both("--baseline", baseline)
    assert code == 0 and "baselined violations not shown" in known and "AG50" not in known
    (root / "app" / "late.py").write_text("from core import _hidden\n")
    code, later = both("--baseline", baseline)
    assert code == 1 and "app/late.py:1:1: AG502 " in later


def test_a_warm_check_of_a_change_reports_the_changed_files_findings(tmp_path: Path) -> None:
    root = feature_branch(tmp_path / "repo", broad_tree(5))
    assert run_cli("check", root).returncode == 1  # fills the cache
    (root / "app" / "user_002.py").write_text("from core.store import Store\n")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "edit")
    assert run_cli("check", root).returncode == 1  # the edited tree's results kept
    warm = run_cli("check", root, "--changed", "main")
    cold = run_cli("check", root, "--changed", "main", "--no-cache")
    assert (warm.returncode, warm.stdout) == (cold.returncode, cold.stdout) and warm.returncode == 1
    assert "app/user_002.py:1:1: AG501 " in warm.stdout and "app/user_001.py" not in warm.stdout
    assert "Only findings in or caused by 1 changed file." in warm.stdout


def test_a_warm_report_writes_the_markdown_a_report_without_the_cache_writes(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "tree", broad_tree(5))
    assert run_cli("check", root).returncode == 1  # the results kept, with their text
    warm = run_cli("report", root, "--out", tmp_path / "warm")
    cold = run_cli("report", root, "--out", tmp_path / "cold", "--no-cache")
    assert (warm.returncode, warm.stdout) == (cold.returncode, cold.stdout) and warm.returncode == 1
    markdown, written = (
        re.sub(
            r"\d{4}-\d\d-\d\dT[0-9:]+\+00:00", "", (tmp_path / run / "report.md").read_text(encoding="utf-8")
        )
        for run in ("warm", "cold")
    )
    assert markdown == written  # but the time each was written
    assert "core face" in markdown and "AG501" in markdown
