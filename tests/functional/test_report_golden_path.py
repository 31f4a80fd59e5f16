"""``archguard report --entry`` (issue 13 in the report): report.json carries ``golden_path`` and
the golden-path findings, report.md and index.html list each entry (clean or N problems, closure
size) and each problem's chain with file:line, graphs/ holds one closure diagram per entry, and
the history records the closure size per entry. On a copy of the bundled example and on a tree
built here."""

from __future__ import annotations

import json
import re
import shutil
import textwrap
from pathlib import Path

import pydot
import pytest

from archguard.adapters.project_files.history_file import read_history
from archguard.domain.golden_path import ClosureDiagram, MissingModule, PackageNode
from archguard.reporting.diagrams.dot import to_dot
from archguard.reporting.diagrams.golden_path import EDGES_PER_BOX, MAX_MISSING, MAX_PACKAGES, closure_diagram
from tests.chromium import load
from tests.helpers import run_cli
from tests.functional.test_report import copy_example, load_json
from tests.functional.test_report_html import parse

pytestmark = pytest.mark.filterwarnings("ignore:.*deprecated")  # pydot's use of pyparsing

FIX_DB = "scripts/fix-db.py"
CHECKOUT = "tests/integration/test_checkout.py"


@pytest.fixture(scope="module")
def example_with_entries(tmp_path_factory: pytest.TempPathFactory):
    root = copy_example(tmp_path_factory.mktemp("gp-report") / "shopapp")
    out = root.parent / "out"
    history = root.parent / "history.jsonl"
    run = run_cli("report", root, "--out", out, "--cache-dir", root.parent / "cache", "--entry", FIX_DB,
                    "--entry", CHECKOUT, "--history", history)
    return root, out, history, run


def test_report_json_carries_the_golden_path_like_check(example_with_entries) -> None:
    root, out, _, run = example_with_entries
    assert run.returncode == 1, run.stderr
    report = load_json(out / "report.json")
    check = json.loads(run_cli("check", root, "--cache-dir", root.parent / "cache", "--entry", FIX_DB,
                                 "--entry", CHECKOUT, "--json", "-").stdout)
    assert report["golden_path"] == check["golden_path"]
    assert report["golden_path"]["entries"] == [FIX_DB, CHECKOUT]
    assert report["golden_path"]["closure_modules"] == {FIX_DB: 9, CHECKOUT: 18}
    golden = [v for v in report["violations"] if v["kind"] == "golden-path"]
    assert [(v["contract"], v["code"], v["path"], v["line"], v["chain"]) for v in golden] == [
        (f"golden-path:{FIX_DB}", "AG402", FIX_DB, 8, [FIX_DB])
    ]
    assert "Golden path scripts/fix-db.py: 1 problem in the 9 modules" in run.stdout


def test_markdown_and_html_list_each_entry_and_each_chain(example_with_entries) -> None:
    _, out, _, _ = example_with_entries
    md = (out / "report.md").read_text(encoding="utf-8")
    section = md.split("## Golden path\n", 1)[1].split("\n## ", 1)[0]
    assert section.strip().splitlines() == [
        "- `scripts/fix-db.py`: 1 problem in the 9 modules it loads at import time",
        "  - `scripts/fix-db.py` at `scripts/fix-db.py:8`: `AG402` no module named 'shopapp.services.old\\_module'",
        "- `tests/integration/test_checkout.py`: clean (18 modules loaded at import time)",
    ]
    assert "[Golden path 1: scripts/fix-db.py](graphs/golden-path-1." in md
    html = (out / "index.html").read_text(encoding="utf-8")
    assert '<section id="golden-path"><h2>Golden path</h2>' in html
    assert '<p class="golden bad"><code>scripts/fix-db.py</code>: 1 problem in the 9 modules' in html
    assert '<p class="golden ok"><code>tests/integration/test_checkout.py</code>: clean (18 modules' in html
    assert "scripts/fix-db.py:8</a> <code>AG402</code>" in html


def test_one_closure_diagram_per_entry_with_the_problem_red(example_with_entries) -> None:
    _, out, _, _ = example_with_entries
    graphs = out / "graphs"
    nodes, _ = dot_graph((graphs / "golden-path-1.dot").read_text(encoding="utf-8"))
    assert set(nodes) == {FIX_DB, "shopapp", "shopapp.config", "shopapp.orders", "shopapp.services", "shopapp.utils",
                          "missing:shopapp.services.old_module"}
    assert nodes[FIX_DB].get("color") == '"#c00000"'  # the package holding the problem
    assert nodes["shopapp.orders"].get("color") != '"#c00000"'
    second = (graphs / "golden-path-2.dot").read_text(encoding="utf-8")
    assert "tests/integration/test_checkout.py: clean (18 modules" in second
    if shutil.which("dot"):
        assert (graphs / "golden-path-1.png").read_bytes().startswith(b"\x89PNG")
        html = (out / "index.html").read_text(encoding="utf-8")
        section = html.split('<section id="golden-path">', 1)[1].split("</section>", 1)[0]
        assert "<figcaption>Golden path 1: scripts/fix-db.py" in section and "<svg" in section


def test_history_records_the_closure_size_per_entry(example_with_entries, tmp_path: Path) -> None:
    root, _, history, _ = example_with_entries
    assert read_history(history)[-1]["closure_modules"] == {FIX_DB: 9, CHECKOUT: 18}
    plain = tmp_path / "plain.jsonl"
    run_cli("report", root, "--out", tmp_path / "out", "--cache-dir", root.parent / "cache", "-q",
              "--history", plain)
    assert read_history(plain)[-1]["closure_modules"] == {}
    assert "## Golden path" not in (tmp_path / "out" / "report.md").read_text(encoding="utf-8")
    assert not list((tmp_path / "out" / "graphs").glob("golden-path-*"))


def write(root: Path, files: dict[str, str]) -> None:
    for name, body in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(body), encoding="utf-8")


def test_entry_points_from_config_give_the_shortest_chain_in_the_report(tmp_path: Path) -> None:
    root = tmp_path / "tree"
    write(root, {
        "pyproject.toml": '[tool.archguard]\npackage = ["app"]\nentry_points = ["app.main"]\n',
        "app/__init__.py": "",
        "app/main.py": "import app.api\n",
        "app/api/__init__.py": "from app.api import ws\n",
        "app/api/ws.py": "import app.gone\n",
        "app/other.py": "import app.also_gone\n",  # never loaded by app.main: not on the golden path
    })
    run = run_cli("report", root, "--out", tmp_path / "out", "--no-cache", "-q")
    assert run.returncode == 1, run.stderr
    report = load_json(tmp_path / "out" / "report.json")
    assert report["golden_path"]["closure_modules"] == {"app.main": 4}
    md = (tmp_path / "out" / "report.md").read_text(encoding="utf-8")
    section = md.split("## Golden path\n", 1)[1].split("\n## ", 1)[0]
    assert section.strip().splitlines() == [
        "- `app.main`: 1 problem in the 4 modules it loads at import time",
        "  - `app.main -> app.api -> app.api.ws` at `app/api/ws.py:1`: `AG402` no module named 'app.gone'",
    ]
    dot = (tmp_path / "out" / "graphs" / "golden-path-1.dot").read_text(encoding="utf-8")
    nodes, _ = dot_graph(dot)
    assert nodes["app.api"].get("label") == '"app.api\\n2 modules\\n1 problem"'
    assert nodes["app.api"].get("fillcolor") == '"#f8d0d0"'


def test_a_large_closure_diagram_is_bounded_and_keeps_every_problem() -> None:
    nodes = [PackageNode(f"pkg{i:03}", modules=i + 1, problems=0) for i in range(100)]
    nodes[0] = PackageNode("pkg000", modules=1, problems=2)  # the smallest package holds the problems
    nodes.append(PackageNode("app.main", modules=1, problems=0, entry=True))
    edges = (*[("app.main", n.name) for n in nodes[:-1]], ("pkg001", "pkg002"))
    dot = closure_dot(ClosureDiagram("app.main", tuple(nodes), edges))
    names, edges = dot_graph(dot)
    assert len(names) == MAX_PACKAGES + 1  # the kept packages and one "+N more" box
    assert {"app.main", "pkg000", "pkg099", "+more"} <= set(names) and "pkg001" not in names
    assert "+76 more packages" in dot and "no problems" in dot
    assert ("app.main", "+more") in edges


def closure_dot(diagram: ClosureDiagram) -> str:
    return to_dot(closure_diagram(diagram))


def dot_graph(text: str) -> tuple[dict[str, pydot.Node], dict[tuple[str, str], pydot.Edge]]:
    """Nodes by package (each box's tooltip) and edges by (source, destination) package of DOT
    text, read back with pydot."""
    graph = pydot.graph_from_dot_data(text)[0]
    nodes = {n.get("tooltip").strip('"'): n for n in graph.get_nodes() if n.get("tooltip")}
    name = {n.get_name(): key for key, n in nodes.items()}
    edges = {(name[e.get_source()], name[e.get_destination()]): e for e in graph.get_edges()}
    return nodes, edges


def test_a_missing_module_is_a_highlighted_box_of_its_own_with_the_edge_from_its_importer(
    example_with_entries,
) -> None:
    _, out, _, _ = example_with_entries
    nodes, edges = dot_graph((out / "graphs" / "golden-path-1.dot").read_text(encoding="utf-8"))
    missing = nodes["missing:shopapp.services.old_module"]
    assert missing.get("label") == '"shopapp.services.old_module\\nno such module\\nscripts/fix-db.py:8"'
    assert missing.get("color") == '"#c00000"' and "dashed" in missing.get("style")
    assert edges[FIX_DB, "missing:shopapp.services.old_module"].get("color") == '"#c00000"'
    # the importer's own box is still the package box, and nothing else points at the missing one
    assert [key for key in edges if key[1].startswith("missing:")] == [(FIX_DB, "missing:shopapp.services.old_module")]
    if shutil.which("dot"):
        svg = (out / "graphs" / "golden-path-1.svg").read_text(encoding="utf-8")
        assert "shopapp.services.old_module" in svg and "no such module" in svg


def test_a_guarded_missing_module_is_an_amber_box_and_a_failing_one_red(tmp_path: Path) -> None:
    root = tmp_path / "tree"
    write(root, {
        "pyproject.toml": '[tool.archguard]\npackage = ["app"]\n',
        "app/__init__.py": "",
        "app/main.py": """\
            try:
                import app.optional
            except ImportError:
                pass
            import app.api
        """,
        "app/api/__init__.py": "import app.gone\nfrom app.gone import thing\n",
    })
    run = run_cli("report", root, "--out", tmp_path / "out", "--no-cache", "-q", "--entry", "app.main")
    assert run.returncode == 1, run.stderr
    nodes, edges = dot_graph((tmp_path / "out" / "graphs" / "golden-path-1.dot").read_text(encoding="utf-8"))
    gone, optional = nodes["missing:app.gone"], nodes["missing:app.optional"]
    assert gone.get("color") == '"#c00000"' and "app/api/__init__.py:1 (+1 more import)" in gone.get("label")
    assert optional.get("color") == '"#b26a00"' and "guarded: a warning" in optional.get("label")
    assert edges["app.api", "missing:app.gone"].get("color") == '"#c00000"'
    assert edges["app.main", "missing:app.optional"].get("color") == '"#b26a00"'


def test_a_dense_closure_keeps_the_way_to_every_box_and_bounds_the_rest() -> None:
    packages = [f"pkg{i:02}" for i in range(20)]
    nodes = (PackageNode("app.main", 1, 0, entry=True), *(PackageNode(p, 10, 1) for p in packages))
    # every package imports every other; the entry imports only the first
    edges = (("app.main", "pkg00"), *((a, b) for a in packages for b in packages if a != b))
    missing = tuple(
        MissingModule(f"gone.m{i:02}", ("pkg05",), imports=1, first_site=f"pkg05/x.py:{i + 1}", failing=True)
        for i in range(MAX_MISSING + 3)
    )
    dot = closure_dot(ClosureDiagram("app.main", nodes, edges, missing))
    nodes_read, edges_read = dot_graph(dot)
    between = [key for key in edges_read if not key[1].startswith("missing:")]
    assert len(between) <= EDGES_PER_BOX * len(nodes)  # 21 boxes: at most 63 of 381 edges
    reached, frontier = {"app.main"}, ["app.main"]
    for box in frontier:  # every box is reached from the entry over the drawn edges
        for a, b in between:
            if a == box and b not in reached:
                reached.add(b)
                frontier.append(b)
    assert reached == {"app.main", *packages}
    assert f"of {len(edges)} imports between these boxes drawn: the shortest way from the entry" in dot
    drawn_missing = [n for n in nodes_read if n.startswith("missing:")]
    assert len(drawn_missing) == MAX_MISSING + 1  # ten boxes and one "+3 more missing modules"
    assert "+3 more missing modules" in nodes_read["missing:+more"].get("label")
    assert not [key for key in edges_read if key[1] == "missing:+more"]


@pytest.fixture(scope="module")
def golden_history(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Two reports with --history: fix-db.py's golden path broken, then repaired. (out, history)"""
    tmp_path = tmp_path_factory.mktemp("gp-history")
    root = copy_example(tmp_path / "shopapp")
    history = tmp_path / "history.jsonl"

    def report() -> None:
        run = run_cli("report", root, "--out", tmp_path / "out", "--cache-dir", tmp_path / "cache", "-q",
                        "--history", history, "--entry", FIX_DB, "--entry", CHECKOUT)
        assert run.returncode == 1, run.stderr  # the example's other violations remain

    report()  # fix-db.py imports a module that is gone
    script = root / FIX_DB
    script.write_text(script.read_text(encoding="utf-8").replace(
        "from shopapp.services.old_module import db_session\n", "from contextlib import nullcontext as db_session\n"),
        encoding="utf-8")
    report()  # repaired: the golden path of fix-db.py is clean
    return tmp_path / "out", history


def test_history_keeps_each_entry_clean_or_broken_and_shows_the_trend(golden_history) -> None:
    out, history = golden_history
    first, second = read_history(history)
    assert first["golden_path_problems"] == {FIX_DB: 1, CHECKOUT: 0} and first["golden_path_clean"] is False
    assert second["golden_path_problems"] == {FIX_DB: 0, CHECKOUT: 0} and second["golden_path_clean"] is True
    assert first["closure_modules"][CHECKOUT] == second["closure_modules"][CHECKOUT] == 18

    md = (out / "report.md").read_text(encoding="utf-8")
    table = md.split("### Golden path\n", 1)[1].strip().splitlines()
    assert table[0] == f"| date | commit | `{FIX_DB}` | `{CHECKOUT}` |"
    assert [row.split(" | ")[2:] for row in table[2:4]] == [
        ["1 problem, 9 modules", "clean, 18 modules |"],
        [f"clean, {second['closure_modules'][FIX_DB]} modules", "clean, 18 modules |"],
    ]
    html = (out / "index.html").read_text(encoding="utf-8")
    chart = html.split('class="trend golden-trend"', 1)[1].split("</svg>", 1)[0]
    points = re.findall(r'<circle [^>]*fill="(#[0-9a-f]+)"[^>]*class="golden-point"><title>([^<]*)</title>', chart)
    assert [(fill, tip.split(" (")[0]) for fill, tip in points] == [
        ("#c62828", f"{FIX_DB}: 1 problem, 9 modules"),
        ("#2e7d32", f"{FIX_DB}: clean, {second['closure_modules'][FIX_DB]} modules"),
        ("#2e7d32", f"{CHECKOUT}: clean, 18 modules"),
        ("#2e7d32", f"{CHECKOUT}: clean, 18 modules"),
    ]
    assert '<table id="table-golden-history"' in html and "<td>1 problem, 9 modules</td>" in html


def test_the_golden_path_trend_runs_in_the_browser_and_filters(golden_history, tmp_path: Path) -> None:
    out, _ = golden_history
    page = load((out / "index.html").as_uri() + "#filter:golden-history=problem", tmp_path / "profile")
    assert page.console == [] and 'data-js-errors="0"' in page.dom
    rows = parse(page.dom).tables["golden-history"]
    assert len(rows) == 2  # newest first: repaired, then broken
    assert [row[2] for row, hidden in rows if not hidden] == ["1 problem, 9 modules"]
    assert 'class="trend golden-trend"' in page.dom


def test_a_long_golden_path_list_is_capped_and_links_to_the_filtered_table(tmp_path: Path) -> None:
    root = tmp_path / "tree"
    write(root, {
        "pyproject.toml": '[tool.archguard]\npackage = ["app"]\n',
        "app/__init__.py": "",
        "app/main.py": "".join(f"import app.gone{i:02}\n" for i in range(30)),
    })
    run = run_cli("report", root, "--out", tmp_path / "out", "--no-cache", "-q", "--entry", "app.main")
    assert run.returncode == 1, run.stderr
    html = (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
    section = html.split('<section id="golden-path">', 1)[1].split("</section>", 1)[0]
    assert section.count("<li>") == 25 and "app.gone24" in section and "app.gone25" not in section
    link = '<a href="#filter:violations=golden-path%3Aapp.main">'
    assert f'<li class="more">+5 more: {link}' in section
    page = load((tmp_path / "out" / "index.html").as_uri() + link.split('"')[1], tmp_path / "profile")
    assert page.console == [] and 'data-js-errors="0"' in page.dom
    shown = [row for row, hidden in parse(page.dom).tables["violations"] if not hidden]
    assert len(shown) == 30 and {row[3] for row in shown} == {"golden-path:app.main"}
