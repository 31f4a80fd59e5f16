"""The report's diagrams: what they show, that they stay bounded on big inputs, that hostile names are
escaped, and that the DOT text parses back (pydot) and renders (Graphviz's dot, where installed)."""

from __future__ import annotations

import shutil
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pydot
import pytest

from archguard.adapters import graphviz
from archguard.analysis.structure import dependency_matrix
from archguard.domain.discovery import AccessPath, Cycle, CycleEdge
from archguard.domain.sources import SourceFile
from archguard.reporting.diagrams.cluster import MAX_ACCESS_PATHS, MAX_IMPORTER_GROUPS, cluster_diagram
from archguard.reporting.diagrams.cycle import cycle_diagram
from archguard.reporting.diagrams.dot import to_dot
from archguard.reporting.diagrams.focus import FOCUS_NODE_BUDGET, focus_diagram
from archguard.reporting.diagrams.model import Diagram
from archguard.reporting.diagrams.overview import OVERVIEW_GROUPS, package_overview
from tests import report_fixtures as fx

pytestmark = pytest.mark.filterwarnings("ignore:.*deprecated")  # pydot's use of pyparsing


def parsed(dot_text: str) -> pydot.Dot:
    graphs = pydot.graph_from_dot_data(dot_text)
    assert graphs and len(graphs) == 1, dot_text
    return graphs[0]


def labels(graph: pydot.Dot) -> list[str]:
    """Every node label of the graph and its subgraphs, unquoted as Graphviz reads them."""
    nodes = list(graph.get_nodes())
    for subgraph in graph.get_subgraphs():
        nodes += subgraph.get_nodes()
    found = []
    for node in nodes:
        label = node.get_label()
        if label and not label.startswith("<"):
            found.append(label.strip('"').replace('\\"', '"').replace("\\n", "\n"))
    return found


def all_edges(graph: pydot.Dot) -> list[pydot.Edge]:
    edges = list(graph.get_edges())
    for subgraph in graph.get_subgraphs():
        edges += subgraph.get_edges()
    return edges


def test_cluster_diagram_shows_paths_definitions_importer_folders_and_colours_non_canonical_edges() -> None:
    diagram = cluster_diagram(fx.MANAGER, [fx.COMPAT], rank=1)
    graph = parsed(to_dot(diagram))
    text = "\n".join(labels(graph))
    assert "shopapp.realtime.manager\n:ConnectionManager (canonical)\n3 importer(s)" in text
    assert "shopapp.realtime.compat\n:LegacyManager (shim)\n3 importer(s)" in text
    assert "shopapp.realtime.impl\nclass _ManagerImpl\nshopapp/realtime/impl.py:4" in text
    assert "tests/\n6 file(s)" in text  # importers grouped by folder, with counts
    by_id = {n.id: n for n in diagram.nodes}
    colours = {(by_id[e.source].label.split("\n")[0], by_id[e.target].label.split("\n")[0]): e.kind
               for e in diagram.edges if e.kind in ("canonical", "non-canonical")}
    assert colours[("shopapp/plugins/", "shopapp.realtime.compat")] == "non-canonical"
    assert colours[("shopapp/", "shopapp.realtime.manager")] == "canonical"
    # The shim resolves to the canonical path it re-exports.
    compat = next(n.id for n in diagram.nodes if n.label.startswith("shopapp.realtime.compat"))
    manager = next(n.id for n in diagram.nodes if n.label.startswith("shopapp.realtime.manager"))
    assert any(e.source == compat and e.target == manager and e.kind == "resolves" for e in diagram.edges)
    assert any(n.get_name() == "legend" for n in graph.get_nodes())


def test_cluster_diagram_folds_access_paths_and_importer_folders_beyond_the_budget() -> None:
    paths = tuple(
        AccessPath(f"pkg.m{i:03d}", "Thing", tuple(f"folder{i % 40}/f{i}_{j}.py" for j in range(i % 5 + 1)))
        for i in range(300)
    )
    big = replace(fx.MANAGER, access_paths=(fx.MANAGER.access_paths[0], *paths), importer_count=900)
    diagram = cluster_diagram(big, rank=3)
    path_nodes = [n for n in diagram.nodes if n.group == "paths"]
    folder_nodes = [n for n in diagram.nodes if n.group == "importers"]
    assert len(path_nodes) == MAX_ACCESS_PATHS + 1  # + the "+N more access paths" node
    assert any(n.label.startswith(f"+{301 - MAX_ACCESS_PATHS} more access paths") for n in path_nodes)
    assert any("(canonical)" in n.label for n in path_nodes)  # the canonical path always survives
    assert len(folder_nodes) == MAX_IMPORTER_GROUPS + 1
    assert any(n.label.startswith("+") and "more folders" in n.label for n in folder_nodes)
    assert len(diagram.edges) <= (MAX_IMPORTER_GROUPS + 1) * (MAX_ACCESS_PATHS + 1) + MAX_ACCESS_PATHS + 1
    assert diagram.name == "cluster-03-connection-manager"


def test_hostile_names_are_escaped_in_dot_and_svg(tmp_path: Path) -> None:
    dot_text = to_dot(cluster_diagram(fx.HOSTILE))
    graph = parsed(dot_text)
    text = "\n".join(labels(graph))
    assert 'evil.<script>\n:Name"quoted\u2216N (canonical)' in text  # a backslash never reaches Graphviz
    assert "\\N" not in dot_text.replace("\\n", "")
    if shutil.which("dot") is None:
        pytest.skip("Graphviz is not installed (apt-get install graphviz); .ci/run installs it")
    rendered = graphviz.render(dot_text, tmp_path / "hostile.dot", formats=("svg",))
    assert rendered.errors == []
    svg = (tmp_path / "hostile.svg").read_text(encoding="utf-8")
    root = ET.fromstring(svg)  # well-formed: nothing from the names broke the XML
    assert not [e for e in root.iter() if e.tag.endswith("script")]
    assert "&lt;script&gt;" in svg


def _files(count_packages: int, modules_each: int) -> list[SourceFile]:
    files = []
    for p in range(count_packages):
        files.append(SourceFile(f"app/p{p}/__init__.py", f"app.p{p}", loose=False, is_package=True))
        for m in range(modules_each):
            files.append(SourceFile(f"app/p{p}/m{m}.py", f"app.p{p}.m{m}", loose=False, is_package=False))
    files.append(SourceFile("app/__init__.py", "app", loose=False, is_package=True))
    files.append(SourceFile("tests/test_x.py", "tests.test_x", loose=True, is_package=False))
    return files


def lines(edges: dict[tuple[str, str], int]) -> dict[tuple[str, str], tuple[int, ...]]:
    """Edge counts as the module imports the matrix is built from: one line per statement."""
    return {edge: tuple(range(1, count + 1)) for edge, count in edges.items()}


def overview(files: list[SourceFile], edges: dict[tuple[str, str], int], **kwargs) -> Diagram:
    imports = lines(edges)
    return package_overview(dependency_matrix(files, imports, budget=OVERVIEW_GROUPS), files, **kwargs)


def test_package_overview_draws_packages_in_layer_order_with_edges_down_and_those_against_it_red() -> None:
    files = _files(5, 3)
    edges = {("app.p0.m0", "app.p1.m1"): 2, ("app.p1.m0", "app.p2.m0"): 1, ("tests.test_x", "app.p0.m1"): 4,
             ("app.p0.m0", "app.p0.m1"): 1, ("app.p2.m1", "app.p0.m2"): 1}  # p2 -> p0 closes a cycle
    diagram = overview(files, edges, syntax_error_paths=["app/p3/m1.py"])
    by_tooltip = {n.tooltip: n for n in diagram.nodes}
    assert set(by_tooltip) == {"app", "app.p0", "app.p1", "app.p2", "app.p3", "app.p4", "tests/"}
    assert "4 modules" in by_tooltip["app.p0"].label and "1 internal import" in by_tooltip["app.p0"].label
    assert by_tooltip["app.p3"].kind == "broken" and "1 syntax error(s)" in by_tooltip["app.p3"].label
    assert diagram.rankdir == "TB"
    name = {n.id: n.tooltip for n in diagram.nodes}
    drawn = {(name[e.source], name[e.target]): e for e in diagram.edges}
    assert drawn[("tests/", "app.p0")].kind == "import" and drawn[("tests/", "app.p0")].label == "4"
    # p0 -> p1 -> p2 -> p0 is one cycle, drawn in one box; the import closing it is red and has no
    # say in the ranks, so every other edge points down
    against = [key for key, e in drawn.items() if e.kind == "against"]
    assert len(against) == 1 and not drawn[against[0]].constraint
    assert {by_tooltip[p].group for p in ("app.p0", "app.p1", "app.p2")} == {"cycle-0"}
    assert diagram.groups == {"cycle-0": "import cycle: 3 groups import each other"}
    assert "1 import against the order" in diagram.title


def test_package_overview_opens_a_dominant_package_so_many_apps_are_not_one_box() -> None:
    files = [SourceFile("proj/__init__.py", "proj", loose=False, is_package=True),
             SourceFile("proj/apps/__init__.py", "proj.apps", loose=False, is_package=True)]
    for i in range(56):
        files += [SourceFile(f"proj/apps/a{i}/__init__.py", f"proj.apps.a{i}", loose=False, is_package=True),
                  SourceFile(f"proj/apps/a{i}/models.py", f"proj.apps.a{i}.models", loose=False, is_package=False)]
    edges = {(f"proj.apps.a{i}.models", f"proj.apps.a{(i + 1) % 56}.models"): 1 for i in range(0, 56, 2)}
    diagram = overview(files, edges)
    assert {f"proj.apps.a{i}" for i in range(56)} <= {n.tooltip for n in diagram.nodes}

    big = _files(600, 2)  # 600 packages that are not most of the tree... are: but beyond any budget
    diagram = overview(big, {(f"app.p{i}.m0", f"app.p{(i * 7) % 600}.m1"): 1 for i in range(600)})
    assert {n.tooltip for n in diagram.nodes} == {"app", "tests/"}


def test_package_overview_leaves_out_imports_a_longer_way_down_implies_and_says_so() -> None:
    files = _files(20, 1)
    order = [f"app.p{i}" for i in range(20)]
    # a strict layering p0 > p1 > ... > p19: every pair imported downwards, in varied strength
    edges = {(f"{order[i]}.m0", f"{order[j]}.m0"): (i + j) % 7 + 1 for i in range(20) for j in range(i + 1, 20)}
    diagram = overview(files, edges)
    name = {n.id: n.tooltip for n in diagram.nodes}
    shown = {(name[e.source], name[e.target]) for e in diagram.edges}
    chain = {(order[i], order[i + 1]) for i in range(19)}  # says who depends on whom
    strongest = {(order[i], order[max(range(i + 1, 20), key=lambda j: ((i + j) % 7, -j))]) for i in range(19)}
    assert shown == chain | strongest  # and what each box mostly imports
    assert not [e for e in diagram.edges if e.kind == "against"]
    assert f"{len(shown)} of 190 downward edges shown: each box's strongest, then of the others those no longer way down implies (171 are)" == diagram.notes[0]


def test_package_overview_draws_about_three_edges_per_box_the_strongest_first() -> None:
    files = _files(12, 1) + [SourceFile(f"lib{i}/__init__.py", f"lib{i}", loose=False, is_package=True)
                             for i in range(12)]
    # twelve apps each importing the twelve libraries, none of which import each other
    edges = {(f"app.p{i}.m0", f"lib{j}"): i + j + 1 for i in range(12) for j in range(12)}
    diagram = overview(files, edges)
    shown = [e for e in diagram.edges if e.kind == "import"]
    assert max(Counter(e.source for e in shown).values()) <= 3 + 1
    assert len({e.target for e in shown}) == 12  # every library is reached
    heaviest = max(edges.values())
    assert str(heaviest) in {e.label for e in shown}  # the strongest is among those drawn


def test_focus_diagram_walks_depth_steps_both_ways_and_folds_beyond_the_budget() -> None:
    files = [SourceFile(f"m{i}.py", f"m{i}", loose=False, is_package=False) for i in range(200)]
    # m0 imports m1, m1 imports m2; m3 imports m0; 150 modules import m1 (m1's importers, not m0's)
    edges = {("m0", "m1"): 1, ("m1", "m2"): 1, ("m3", "m0"): 1}
    edges.update({(f"m{i}", "m1"): 1 for i in range(10, 160)})
    one = focus_diagram(files, edges, "m0", depth=1)
    assert {n.label for n in one.nodes} == {"m0", "m1", "m3"}
    assert next(n for n in one.nodes if n.label == "m0").kind == "focus"
    two = focus_diagram(files, edges, "m0.py", depth=2)  # a file path works too
    assert {n.label for n in two.nodes} == {"m0", "m1", "m2", "m3"}  # no sideways walk to m1's importers

    hub = focus_diagram(files, edges, "m1", depth=1)
    assert len(hub.nodes) == FOCUS_NODE_BUDGET + 1
    assert any(n.label == f"+{151 - (FOCUS_NODE_BUDGET - 2)} more importers" for n in hub.nodes)
    assert {"m2", "m0"} <= {n.label for n in hub.nodes}  # the imported side is not crowded out
    parsed(to_dot(two))
    with pytest.raises(ValueError, match="no module or file named 'nope'"):
        focus_diagram(files, edges, "nope")


def test_cycle_diagram_labels_each_import_with_file_and_line_and_marks_breakers() -> None:
    diagram = cycle_diagram(fx.CYCLE, rank=2)
    graph = parsed(to_dot(diagram))
    assert diagram.name == "cycle-02-shopapp.orders.service"
    assert len(graph.get_nodes()) >= 3
    kinds = {e.label: e.kind for e in diagram.edges}
    assert kinds == {
        "shopapp/orders/service.py:14": "breaker",
        "shopapp/payments/gateway.py:3": "cycle",
        "shopapp/payments/__init__.py:2": "cycle",
    }
    ring = [CycleEdge(f"m{i}", f"m{(i + 1) % 80}", f"m{i}.py", 1) for i in range(80)]
    long_cycle = Cycle(modules=tuple(f"m{i}" for i in range(80)), path=tuple(ring), breakers=(ring[0],))
    bounded = cycle_diagram(long_cycle)
    assert len(bounded.nodes) <= 30 and any("+50 more modules" in note for note in bounded.notes)


def test_graphviz_adapter_writes_dot_svg_png_or_only_dot_without_graphviz(tmp_path: Path, monkeypatch) -> None:
    dot_text = to_dot(cycle_diagram(fx.CYCLE))
    if shutil.which("dot") is not None:
        rendered = graphviz.render(dot_text, tmp_path / "with" / "c.dot")
        assert sorted(p.suffix for p in rendered.written) == [".dot", ".png", ".svg"]
        assert (tmp_path / "with" / "c.png").read_bytes().startswith(b"\x89PNG")
        assert not rendered.dot_missing
    monkeypatch.setattr(graphviz, "dot_program", lambda: None)
    rendered = graphviz.render(dot_text, tmp_path / "without" / "c.dot")
    assert rendered.written == [tmp_path / "without" / "c.dot"] and rendered.dot_missing
    assert "apt-get install graphviz" in graphviz.INSTALL_HINT
