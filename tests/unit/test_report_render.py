"""The report renderers on hand-built values: names that must be escaped, the history views, and
the report dictionary's discovery counts."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

from archguard.domain.result import CheckResult
from archguard.reporting import history
from archguard.reporting.html_report import Figure, Links, render_html
from archguard.reporting.json_report import to_report_json
from archguard.reporting.markdown import code, render_markdown, text
from tests import report_fixtures as fx
from tests.functional.test_reporting import make_scan


def hostile_report() -> dict:
    scan = make_scan()
    return to_report_json(CheckResult(scan=scan), fx.discovery(scan, hostile=True), tool_version="9.9")


def test_report_json_counts_what_discovery_found() -> None:
    report = hostile_report()
    s = report["summary"]
    assert (s["clusters"], s["shims"], s["copies"], s["cycles"], s["hotspots"]) == (3, 2, 1, 1, 2)
    assert s["unused_shims"] == 1  # manager_factory_compat has no importer
    assert report["command"] == "report" and report["clusters"][0]["name"] == "connection-manager"


def test_markdown_code_spans_and_text_survive_backticks_pipes_and_markup() -> None:
    assert code("a|b") == "`a\\|b`"
    assert code("x `y` z") == "``x `y` z``"
    assert code("`edge") == "`` `edge ``"
    assert text('<script>alert("x")</script>') == '\\<script\\>alert("x")\\</script\\>'
    md = render_markdown(hostile_report())
    assert "### 3. \\<script\\>alert(\"x\")\\</script\\> (score 1.0)" in md
    assert "<script>" not in re.sub(r"(`+).*?\1", "", md)  # raw markup only inside code spans
    for line in md.splitlines():
        if line.startswith("| `evil"):
            assert line.count(" | ") == 2  # the table row kept its three cells


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)


def test_html_escapes_names_and_links_with_the_template() -> None:
    page = render_html(
        hostile_report(),
        figures=[Figure("clusters", 'Concept <b>"x"</b>', '<?xml version="1.0"?><!-- c --><svg><g/></svg>',
                        ("graphs/c.dot", "graphs/c.svg"))],
        links=Links("https://git.example/o/r/-/blob/main/{path}#L{line}", ""),
    )
    parser = _Elements()
    parser.feed(page)
    assert parser.tags.count("script") == 2 and "b" not in parser.tags  # the data and the script
    assert "evil.&lt;script&gt;:Name&quot;quoted\\N" in page
    assert 'href="https://git.example/o/r/-/blob/main/evil/%3Cscript%3E.py#L1"' in page
    assert "<?xml" not in page and "<!-- c -->" not in page and "<svg><g/></svg>" in page
    relative = render_html(hostile_report(), links=Links(None, "../repo"))
    assert 'href="../repo/shopapp/realtime/compat.py"' in relative


def test_history_headline_table_and_chart() -> None:
    report = hostile_report()
    entry = history.headline(report, date="2025-02-01T10:00:00+00:00", commit="abc123")
    assert entry["shims"] == 2 and entry["cycles"] == 1 and entry["commit"] == "abc123"
    earlier = dict(entry, date="2025-01-01T10:00:00+00:00", shims=5, commit=None)
    table = history.markdown_table([earlier, entry])
    assert table[2].startswith("| 2025-01-01 10:00 | - |") and table[3].startswith("| 2025-02-01 10:00 | `abc123` |")
    svg = ET.fromstring(history.trend_svg([earlier, entry]))  # well-formed, no library
    assert len([e for e in svg.iter() if e.tag.endswith("polyline")]) == len(history.SERIES)
    titles = [e.text for e in svg.iter() if e.tag.endswith("title")]
    assert any("shims: 5 (2025-01-01" in (t or "") for t in titles)
