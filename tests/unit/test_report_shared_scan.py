"""What keeps a warm ``archguard report`` close to a warm ``check`` (benchmarks/README.md): one
scan shared by the check and the discovery, and the module imports (overview, matrix, explorer,
focus view) kept in the results cache, never stale."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from archguard.app import Options
from archguard.app.report import ReportOptions, draw_graph, run_report
from tests.helpers import REPO

EXAMPLE = REPO / "examples" / "shopapp"


def copy_example(destination: Path) -> Path:
    return Path(
        shutil.copytree(EXAMPLE, destination, ignore=shutil.ignore_patterns(".archguard_cache", "reports"))
    )


def test_report_scans_the_tree_once(tmp_path: Path) -> None:
    root = copy_example(tmp_path / "shopapp")
    calls: list[tuple[int, int]] = []
    options = Options(root=root, cache_dir=tmp_path / "cache", jobs=1)
    outcome = run_report(
        options, ReportOptions(out=tmp_path / "out"), progress=lambda d, t: calls.append((d, t))
    )
    finished = [call for call in calls if call[0] == call[1]]
    assert len(finished) == 1, calls  # one parse pass (a second scan would report its end again)
    assert outcome.discovery.scan is outcome.check.scan  # discover ran on check's scan
    assert outcome.discovery.clusters and outcome.check.violations


def test_module_edges_come_from_the_cache_and_follow_an_edit(tmp_path: Path) -> None:
    root = copy_example(tmp_path / "shopapp")
    options = Options(root=root, cache_dir=tmp_path / "cache", jobs=1)
    run_report(options, ReportOptions(out=tmp_path / "cold"))
    assert (tmp_path / "cache" / "results-edges.bin").is_file()
    run_report(options, ReportOptions(out=tmp_path / "warm"))
    cold = (tmp_path / "cold" / "graphs" / "overview.dot").read_text(encoding="utf-8")
    assert (tmp_path / "warm" / "graphs" / "overview.dot").read_text(encoding="utf-8") == cold

    # A new import between two packages that did not import each other: the cached imports are not
    # served for the edited tree; the matrix and the explorer's graph have the new one.
    def plugins_to_payments(out: Path) -> list[list[int]]:
        report = json.loads((out / "report.json").read_text(encoding="utf-8"))
        names, dsm = report["import_graph"]["nodes"]["names"], report["dsm"]
        group = {g["name"]: i for i, g in enumerate(dsm["groups"])}
        edges = [e for e in report["import_graph"]["edges"]
                 if names[e[0]] == "shopapp.plugins.refunds" and names[e[1]] == "shopapp.payments.gateway"]
        cells = [c for c in dsm["cells"] if c[:2] == [group["shopapp.plugins"], group["shopapp.payments"]]]
        return edges + cells

    assert plugins_to_payments(tmp_path / "warm") == []
    (root / "shopapp" / "plugins" / "refunds.py").write_text("from shopapp.payments import gateway\n")
    run_report(options, ReportOptions(out=tmp_path / "edited"))
    assert len(plugins_to_payments(tmp_path / "edited")) == 2  # the module import, and its cell


def test_graph_focus_reads_the_edges_report_cached(tmp_path: Path) -> None:
    root = copy_example(tmp_path / "shopapp")
    options = Options(root=root, cache_dir=tmp_path / "cache", jobs=1)
    run_report(options, ReportOptions(out=tmp_path / "out"))
    cached = (tmp_path / "cache" / "results-edges.bin").stat().st_mtime_ns
    rendered = draw_graph(options, tmp_path / "focus.dot", focus="shopapp.realtime.manager")
    assert rendered.written == [tmp_path / "focus.dot"]
    assert (tmp_path / "cache" / "results-edges.bin").stat().st_mtime_ns == cached  # read, not rewritten
    text = (tmp_path / "focus.dot").read_text(encoding="utf-8")
    assert "shopapp.realtime.manager" in text
