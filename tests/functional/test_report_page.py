"""``index.html`` as a reviewer uses it, in headless Chromium (issue 28): facets and sorting kept in
the URL, a click on the dependency matrix listing the imports behind a cell, the explorer opening a
package in place and listing an edge's imports, search and highlight; and, at 1366 and 1920 pixels,
every section's key columns laid out inside the viewport (element boxes measured in the real
layout), one-line rows where the text fits, and a jump to a section that shows its heading.

The tree is built here: long paths, CODEOWNERS, a baseline, a warning, a kept and a broken
import-linter contract, and an import against the layering. Screenshots go to ``tmp_path``, or to
``$ARCHGUARD_SCREENSHOTS`` when set (to look at them)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.chromium import browser, chromium_or_skip, open_page
from tests.helpers import write_tree

DEEP = "app/integrations/partners_with_a_long_subsystem_name/another_quite_long_folder_name/yet_another_folder"
TREE = {
    "pyproject.toml": '[tool.archguard]\npackage = ["app"]\n',
    "app/__init__.py": "",
    "app/core/__init__.py": "",
    "app/core/manager.py": "class Manager: ...\n",
    "app/core/compat.py": "from app.core.manager import Manager\n",
    "app/core/uses_ui.py": "from app.ui import pages\n",  # the core importing the UI: against the layers
    "app/api/__init__.py": "",
    "app/api/views.py": "from app.core.compat import Manager\nfrom app.core import manager\n",
    "app/ui/__init__.py": "",
    "app/ui/pages.py": "from app.api import views\n",
    "app/integrations/__init__.py": "",
    "app/integrations/partners_with_a_long_subsystem_name/__init__.py": "",
    "app/integrations/partners_with_a_long_subsystem_name/another_quite_long_folder_name/__init__.py": "",
    f"{DEEP}/__init__.py": "",
    f"{DEEP}/adapter_module_with_a_long_name.py": (
        "from app.core.compat import Manager\ntry:\n    import app.optional_gone\nexcept ImportError:\n    pass\n"
    ),
    "tests/test_views.py": "from app.api import views\nimport app.gone\n",
    "contracts/manager.toml": '[[concept]]\nname = "manager"\ncanonical = "app.core.manager:Manager"\n',
    ".importlinter": (
        "[importlinter]\nroot_packages =\n    app\n\n"
        "[importlinter:contract:low]\nname = The core does not import the integrations\ntype = forbidden\n"
        "source_modules =\n    app.core\nforbidden_modules =\n    app.integrations\n\n"
        "[importlinter:contract:ui]\nname = The core does not import the user interface\ntype = forbidden\n"
        "source_modules =\n    app.core\nforbidden_modules =\n    app.ui\n"
    ),
    ".github/CODEOWNERS": "* @team/core\n/app/api/ @team/web\n/app/integrations/ @team/partners\n/tests/\n",
}
TEMPLATE = "https://example.test/o/r/blob/main/{path}#L{line}"


def archguard(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "archguard", *map(str, args)], capture_output=True, text=True,
                          timeout=300)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    """The report of the tree, after a baseline that knows one violation: (report folder, report.json)."""
    chromium_or_skip()
    base = tmp_path_factory.mktemp("page")
    root = write_tree(base / "tree", TREE)
    baseline = base / "baseline.json"
    run = archguard("baseline", root, "--no-cache", "--baseline", baseline, "-q")
    assert run.returncode == 0, run.stderr
    document = json.loads(baseline.read_text(encoding="utf-8"))
    document["violations"] = [e for e in document["violations"] if e["path"] == "app/api/views.py"]
    baseline.write_text(json.dumps(document), encoding="utf-8")
    out = base / "out"
    run = archguard("report", root, "--out", out, "--no-cache", "-q", "--baseline", baseline,
                    "--link-template", TEMPLATE)
    assert run.returncode == 1, run.stderr
    return out, json.loads((out / "report.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def chromium():
    with browser() as launched:
        yield launched


def shots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("ARCHGUARD_SCREENSHOTS", tmp_path))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def visible_rows(page, table: str) -> list[dict[str, str]]:
    return page.evaluate(
        """(table) => Array.from(document.querySelectorAll(`#table-${table} tbody tr`)).filter(r => !r.hidden)
             .map(r => ({cells: Array.from(r.cells).map(c => c.textContent.trim()), ...r.dataset}))""",
        table,
    )


def test_the_tree_gives_what_the_page_must_show(site) -> None:
    _, report = site
    states = {(v["path"], v["code"]): ("baselined" if v["baselined"] else v["severity"]) for v in report["violations"]}
    assert states[("app/api/views.py", "AG101")] == "baselined"
    assert states[(f"{DEEP}/adapter_module_with_a_long_name.py", "AG101")] == "error"
    assert states[(f"{DEEP}/adapter_module_with_a_long_name.py", "AG201")] == "warning"
    contracts = {c["name"]: c["state"] for c in report["contract_results"]}
    assert contracts["The core does not import the integrations"] == "kept"
    assert contracts["The core does not import the user interface"] == "broken"
    assert report["dsm"]["against"] >= 1


def test_facets_filter_the_violations_and_the_url_keeps_the_view(site, chromium) -> None:
    out, report = site
    page, console = open_page(chromium, (out / "index.html").as_uri())
    page.select_option('select.facet[data-facet="code"]', "AG101")
    rows = visible_rows(page, "violations")
    assert rows and {r["code"] for r in rows} == {"AG101"}
    assert len(rows) == sum(1 for v in report["violations"] if v["code"] == "AG101")
    page.select_option('select.facet[data-facet="owner"]', "@team/partners")
    rows = visible_rows(page, "violations")
    assert [r["cells"][0] for r in rows] == [f"{DEEP}/adapter_module_with_a_long_name.py:1"]
    assert page.text_content('[data-count-for="violations"]').startswith("1 of ")
    url = page.url
    assert "code:violations=AG101" in url and "owner:violations=%40team%2Fpartners" in url
    again, console_again = open_page(chromium, url)  # the link opens the same view
    assert [r["cells"][0] for r in visible_rows(again, "violations")] == [r["cells"][0] for r in rows]
    assert again.input_value('select.facet[data-facet="owner"]') == "@team/partners"
    assert console == console_again == []


def test_the_state_facet_and_a_sorted_column_survive_a_reload(site, chromium) -> None:
    out, report = site
    page, console = open_page(chromium, (out / "index.html").as_uri())
    page.select_option('select.facet[data-facet="state"]', "baselined")
    rows = visible_rows(page, "violations")
    assert {r["state"] for r in rows} == {"baselined"}
    assert len(rows) == report["summary"]["baselined"]
    page.select_option('select.facet[data-facet="state"]', "")
    page.click("#table-violations th:has-text('code')")
    page.click("#table-violations th:has-text('code')")  # again: descending
    codes = [r["code"] for r in visible_rows(page, "violations")]
    assert codes == sorted(codes, reverse=True) and len(codes) == len(report["violations"])
    assert "sort:violations=2-desc" in page.url and "state:" not in page.url
    again, _ = open_page(chromium, page.url)
    assert [r["code"] for r in visible_rows(again, "violations")] == codes
    assert console == []


def test_a_click_on_the_matrix_lists_the_imports_behind_the_cell(site, chromium) -> None:
    out, report = site
    dsm, graph = report["dsm"], report["import_graph"]
    importer, imported, count = next(c for c in dsm["cells"] if c[0] > c[1])  # one against the order
    expected = sorted(
        f"{graph['nodes']['paths'][a]}:{line}"
        for a, b, lines in graph["edges"]
        if dsm["node_group"][a] == importer and dsm["node_group"][b] == imported
        for line in lines
    )
    assert len(expected) == count
    page, console = open_page(chromium, (out / "index.html").as_uri())
    cell = page.locator(f'table.dsm td[data-row="{imported}"][data-col="{importer}"]')
    assert "against" in cell.get_attribute("class") and cell.text_content() == str(count)
    cell.click()
    panel = page.locator("#dsm-imports")
    assert panel.is_visible()
    heading = panel.locator("h3").text_content()
    assert heading.endswith("(against the layer order)")
    assert f"{dsm['groups'][importer]['name']} imports {dsm['groups'][imported]['name']}" in heading
    listed = sorted(page.eval_on_selector_all("#dsm-imports li > a", "links => links.map(a => a.textContent)"))
    assert listed == expected
    link = page.get_attribute("#dsm-imports li > a", "href")
    assert link.startswith("https://example.test/o/r/blob/main/app/")
    assert "select:dsm=" in page.url
    assert console == []


def explorer(page):
    page.locator("#explorer").scroll_into_view_if_needed()
    page.wait_for_selector("#explorer[data-ready]")


def node_at(page, selector: str) -> dict:
    """Where the explorer draws an element (a cytoscape selector), in page coordinates."""
    return page.evaluate(
        """(selector) => { const cy = window.archguard.explorer.cy; const e = cy.$(selector)[0];
            if (!e) { return null; }
            const p = e.isEdge() ? e.renderedMidpoint() : e.renderedPosition();
            const box = document.getElementById('explorer').getBoundingClientRect();
            return {x: box.x + p.x, y: box.y + p.y, id: e.id(), label: e.data('label')}; }""",
        selector,
    )


def labels(page) -> set[str]:
    return set(page.evaluate("window.archguard.explorer.cy.nodes().map(n => n.data('label').split('\\n')[0])"))


def test_the_explorer_opens_a_package_in_place_and_lists_an_edges_imports(site, chromium) -> None:
    out, report = site
    page, console = open_page(chromium, (out / "index.html").as_uri())
    explorer(page)
    assert labels(page) == {"app", "tests/"}
    names = report["import_graph"]["nodes"]["names"]
    app = node_at(page, f"#n{names.index('app')}")
    page.mouse.click(app["x"], app["y"])
    page.wait_for_function("window.archguard.explorer.cy.nodes().length > 2")
    assert {"api", "core", "ui", "integrations", "app itself"} <= labels(page)
    assert f"open:explorer={names.index('app')}" in page.url
    core = node_at(page, f"#n{names.index('app.core')}")  # a package inside the open one opens too
    page.mouse.click(core["x"], core["y"])
    page.wait_for_function("window.archguard.explorer.cy.nodes().some(n => n.data('label') === 'uses_ui')")
    assert {"manager", "compat", "uses_ui"} <= labels(page) and "api" in labels(page)
    assert f"open:explorer={names.index('app')}.{names.index('app.core')}" in page.url
    edge = node_at(page, f"edge[source = 'n{names.index('tests/')}'][target = 'n{names.index('app.api')}']")
    assert edge is not None and edge["label"] == "1"
    page.mouse.click(edge["x"], edge["y"])
    panel = page.locator("#explorer-info")
    assert panel.locator("h3").text_content() == "tests/ imports app.api"
    assert page.eval_on_selector_all("#explorer-info li > a", "a => a.map(x => x.textContent)") == ["tests/test_views.py:1"]
    # the link survives a reload: the package is still open
    again, _ = open_page(chromium, page.url)
    explorer(again)
    assert {"api", "core", "ui", "uses_ui"} <= labels(again)
    box = page.evaluate(  # the open package's box, in its padding: a click there closes it
        """(id) => { const b = window.archguard.explorer.cy.$(id).renderedBoundingBox({includeLabels: false});
             const c = document.getElementById('explorer').getBoundingClientRect();
             return {x: c.x + b.x1 + 5, y: c.y + b.y1 + 5}; }""",
        f"#n{names.index('app')}",
    )
    page.mouse.click(box["x"], box["y"])
    page.wait_for_function("window.archguard.explorer.cy.nodes().length === 2")
    assert console == []


def test_the_explorer_finds_a_module_and_highlights_a_concept(site, chromium) -> None:
    out, report = site
    page, console = open_page(chromium, (out / "index.html").as_uri())
    explorer(page)
    page.fill("#explorer-search", "adapter_module")
    page.click("#explorer-find")
    module = f"{DEEP.replace('/', '.')}.adapter_module_with_a_long_name"
    selected = page.evaluate("window.archguard.explorer.cy.$(':selected').map(n => n.id())")
    names = report["import_graph"]["nodes"]["names"]
    assert selected == [f"n{names.index(module)}"]
    assert "adapter_module_with_a_long_name" in labels(page)  # every package above it opened
    page.select_option("#explorer-highlight", "c:0")
    marked = page.evaluate(
        "window.archguard.explorer.cy.nodes('.hl-definition, .hl-path, .hl-importer').map(n => n.data('label'))"
    )
    assert "adapter_module_with_a_long_name" in marked  # it imports the concept through the shim
    assert "highlight:explorer=c%3A0" in page.url or "highlight:explorer=c:0" in page.url
    assert console == []


SECTIONS = {
    # section -> (table, key columns that must lie inside the viewport)
    "contracts": ("contracts", ["contract", "state", "total"]),
    "owners": ("owners", ["owner", "violations", "fixable"]),
    "violations": ("violations", ["file:line", "state", "code", "contract", "owners", "message"]),
    "clusters": ("clusters", ["concept", "canonical (suggested)", "access paths (importers)", "non-canonical"]),
    "shims": ("shims", ["module", "file", "re-exports", "importers"]),
    "syntax-errors": ("syntax-errors", ["file:line", "message"]),
    "hotspots": ("hotspots", ["module", "file", "score", "non-canonical importers"]),
}


@pytest.mark.parametrize("width", [1366, 1920])
def test_every_sections_key_columns_lie_inside_the_viewport(site, chromium, width: int, tmp_path: Path) -> None:
    out, _ = site
    page, console = open_page(chromium, (out / "index.html").as_uri(), width=width, height=900)
    folder = shots(tmp_path)
    for section, (table, columns) in SECTIONS.items():
        if page.locator(f"#{section}").count() == 0 or page.locator(f"#table-{table}").count() == 0:
            continue
        page.locator(f"#{section}").scroll_into_view_if_needed()
        headings = page.eval_on_selector_all(
            f"#table-{table} thead th",
            "ths => ths.map(th => { const b = th.getBoundingClientRect(); return {text: th.textContent, left: b.left, right: b.right, width: b.width}; })",
        )
        by_text = {h["text"]: h for h in headings}
        for column in columns:
            box = by_text[column]
            assert 0 <= box["left"] and box["right"] <= width, f"{section}: {column} lies outside at {width}px: {box}"
            assert box["width"] >= 40, f"{section}: {column} is {box['width']:.0f}px wide at {width}px"
        page.screenshot(path=str(folder / f"page-{width}-{section}.png"))
    message = page.eval_on_selector("#table-violations thead th:last-child", "th => th.getBoundingClientRect().width")
    assert message >= (420 if width == 1366 else 700)  # the message column has most of the width
    assert console == []


@pytest.mark.parametrize("width", [1366, 1920])
def test_paths_are_cut_from_the_left_and_short_rows_take_one_line(site, chromium, width: int) -> None:
    out, report = site
    page, _ = open_page(chromium, (out / "index.html").as_uri(), width=width, height=900)
    page.locator("#violations").scroll_into_view_if_needed()
    deep = f"{DEEP}/adapter_module_with_a_long_name.py:1"
    cell = page.locator("#table-violations td.path", has_text="adapter_module_with_a_long_name.py:1").first
    assert cell.get_attribute("title") == deep  # the whole path in the tooltip
    geometry = cell.evaluate(
        """td => { const span = td.querySelector('.ltr'); const t = td.getBoundingClientRect();
                   const s = span.getBoundingClientRect(); return {cell: [t.left, t.right], text: [s.left, s.right]}; }"""
    )
    # The text is wider than the cell and sticks out on the left: the file name at the right stays.
    assert geometry["text"][0] < geometry["cell"][0] and abs(geometry["text"][1] - geometry["cell"][1]) < 12
    heights = page.eval_on_selector_all(
        "#table-contracts tbody tr", "rows => rows.map(r => r.getBoundingClientRect().height)"
    )
    line = page.eval_on_selector("#table-contracts tbody td", "td => parseFloat(getComputedStyle(td).lineHeight)")
    assert heights and max(heights) < 2 * line  # one line each: every contract row fits


@pytest.mark.parametrize("width", [1366, 1920])
def test_the_matrix_and_the_explorer_fit_and_a_jump_shows_the_heading(site, chromium, width: int, tmp_path: Path) -> None:
    out, _ = site
    page, console = open_page(chromium, (out / "index.html").as_uri() + "#violations", width=width, height=900)
    nav = page.eval_on_selector("nav", "n => n.getBoundingClientRect().bottom")
    top = page.eval_on_selector("#violations h2", "h => h.getBoundingClientRect().top")
    assert nav <= top <= nav + 48, (nav, top)  # the heading right under the navigation, no blank band
    page.locator("#structure").scroll_into_view_if_needed()
    for selector in ("table.dsm", "#explorer", "#explorer-info"):
        box = page.eval_on_selector(selector, "e => { const b = e.getBoundingClientRect(); return [b.left, b.right]; }")
        assert 0 <= box[0] and box[1] <= width, (selector, box)
    page.screenshot(path=str(shots(tmp_path) / f"page-{width}-structure.png"))
    explorer(page)
    page.screenshot(path=str(shots(tmp_path) / f"page-{width}-explorer.png"))
    assert console == []


def test_names_cannot_break_out_of_the_pages_data() -> None:
    from archguard.reporting.html_report import render_html

    hostile = '</script><script>alert(1)</script>&<!--'
    report = {
        "summary": {k: 0 for k in ("files", "parsed_files", "loose_files", "syntax_errors", "new_violations",
                                   "violations", "baselined", "stale_baseline_entries", "dangling_imports",
                                   "modules", "imports")},
        "root": "r", "tool": {"version": "0"}, "violations": [], "syntax_errors": [], "unreadable_files": [],
        "contracts": [], "contract_results": [],
        "import_graph": {"nodes": {"names": [hostile], "parents": [-1], "paths": [hostile]}, "edges": [], "closures": {}},
        "dsm": {"title": hostile, "groups": [{"name": hostile, "modules": 1, "loose": True, "cycle": None}],
                "cells": [], "internal": [0], "cycles": [], "against": 0, "node_group": [0]},
    }
    page = render_html(report, script="/* the script */")
    assert page.count("<script") == 2 and page.count("</script>") == 2
    data = page.split('<script type="application/json" id="report-data">', 1)[1].split("</script>", 1)[0]
    assert json.loads(data)["import_graph"]["nodes"]["names"] == [hostile]
