"""``index.html`` in a real headless Chromium: it runs without console errors, its tables hold the
findings of ``report.json``, filtering and sorting work, hostile names stay text, and a screenshot
is taken (tests/.artifacts is not kept; look at one with ``ARCHGUARD_SCREENSHOT=path``)."""

from __future__ import annotations

import json
import os
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tests.chromium import chromium_or_skip, load
from tests.helpers import REPO, run_cli

EXAMPLE = REPO / "examples" / "shopapp"
TEMPLATE = "https://github.com/o/r/blob/main/{path}#L{line}"


class Tables(HTMLParser):
    """Rows of every ``table.data`` in a DOM: each row's cell texts and whether it is hidden."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[tuple[list[str], bool]]] = {}
        self.scripts = 0
        self._table: str | None = None
        self._row: list[str] | None = None
        self._hidden = False
        self._cell: list[str] | None = None
        self._in_body = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "script":
            self.scripts += 1
        if tag == "table" and (values.get("id") or "").startswith("table-"):
            self._table = values["id"][6:]
            self.tables[self._table] = []
        elif tag == "tbody" and self._table:
            self._in_body = True
        elif tag == "tr" and self._in_body:
            self._row, self._hidden = [], "hidden" in values
        elif tag == "td" and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "td" and self._cell is not None and self._row is not None:
            self._row.append("".join(self._cell).strip())
            self._cell = None
        elif tag == "tr" and self._row is not None and self._table:
            self.tables[self._table].append((self._row, self._hidden))
            self._row = None
        elif tag == "tbody":
            self._in_body = False
        elif tag == "table":
            self._table = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def parse(dom: str) -> Tables:
    tables = Tables()
    tables.feed(dom)
    return tables


@pytest.fixture(scope="module")
def hostile_report(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    """The example plus files whose names and text must stay text: ``<script>.py`` and a broken
    test named with quotes and markup."""
    chromium_or_skip()
    base = tmp_path_factory.mktemp("html")
    root = Path(shutil.copytree(EXAMPLE, base / "shopapp", ignore=shutil.ignore_patterns(".archguard_cache")))
    (root / "shopapp" / "<script>.py").write_text(
        '"""a "quoted" docstring </script><script>alert(1)</script>"""\nfrom shopapp.realtime.impl import Manager\n')
    (root / "tests" / 'test_<b>"broken".py').write_text("def f(:\n    pass\n")
    out = base / "out"
    history = base / "history.jsonl"
    for _ in range(2):  # two runs: the trend chart has a line
        run = run_cli("report", root, "--out", out, "-q", "--cache-dir", base / "cache",
                      "--link-template", TEMPLATE, "--history", history)
        assert run.returncode == 1, run.stderr
    return out, json.loads((out / "report.json").read_text(encoding="utf-8"))


def test_page_runs_without_errors_and_tables_hold_the_findings(hostile_report, tmp_path: Path) -> None:
    out, report = hostile_report
    page = load((out / "index.html").as_uri(), tmp_path / "profile")
    assert page.console == []
    assert 'data-js-errors="0"' in page.dom
    tables = parse(page.dom)
    assert tables.scripts == 2  # the page's data and its script; nothing from the analysed names became markup
    violations = tables.tables["violations"]
    assert len(violations) == len(report["violations"])
    assert {row[0] for row, _ in violations} == {f"{v['path']}:{v['line']}" for v in report["violations"]}
    assert "shopapp/<script>.py:2" in {row[0] for row, _ in violations}
    syntax = {row[0] for row, _ in tables.tables["syntax-errors"]}
    assert 'tests/test_<b>"broken".py:1' in syntax and len(syntax) == report["summary"]["syntax_errors"]
    assert [row[1] for row, _ in tables.tables["clusters"]] == [c["name"] for c in report["clusters"]]
    assert {row[0] for row, _ in tables.tables["shims"]} == {s["module"] for s in report["shims"]}
    assert len(tables.tables["history"]) == 2
    assert 'href="https://github.com/o/r/blob/main/shopapp/plugins/giftcards.py#L3"' in page.dom
    assert "https://github.com/o/r/blob/main/shopapp/%3Cscript%3E.py#L2" in page.dom
    assert page.dom.count("<svg") >= 3  # the overview and the cluster diagrams, inline


def test_filtering_and_sorting_work_in_the_browser(hostile_report, tmp_path: Path) -> None:
    out, report = hostile_report
    url = (out / "index.html").as_uri() + "#filter:violations=giftcards&sort:hotspots=2-desc"
    page = load(url, tmp_path / "profile")
    assert page.console == []
    rows = parse(page.dom).tables["violations"]
    shown = [row for row, hidden in rows if not hidden]
    expected = [v for v in report["violations"] if "giftcards" in json.dumps(v["path"] + v["message"])]
    assert shown and len(shown) == len(expected)
    assert all("giftcards" in " ".join(row) for row in shown)
    assert f"{len(shown)} of {len(rows)} shown" in page.dom
    scores = [float(row[2]) for row, _ in parse(page.dom).tables["hotspots"]]
    assert scores == sorted(scores, reverse=True) and len(scores) == len(report["hotspots"])


def test_screenshot_of_the_page(hostile_report, tmp_path: Path) -> None:
    out, _ = hostile_report
    shot = Path(os.environ.get("ARCHGUARD_SCREENSHOT", tmp_path / "report.png"))
    page = load((out / "index.html").as_uri(), tmp_path / "profile", screenshot=shot)
    assert page.console == []
    data = shot.read_bytes()
    assert data.startswith(b"\x89PNG") and len(data) > 50_000  # a rendered page, not a blank one
