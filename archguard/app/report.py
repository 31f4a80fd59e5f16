"""``archguard report --out DIR`` and ``archguard graph``: the use cases that write the report set.

One run of ``check`` and of ``discover`` gives one ``report.json``; the Markdown audit and the
HTML page are rendered from that dictionary, SARIF and JUnit by the reporters ``check --format``
uses. Diagrams are described by ``archguard.reporting.diagrams`` (bounded, so they stay readable),
written as DOT and drawn by Graphviz through ``archguard.adapters.graphviz``.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from archguard.adapters import graphviz
from archguard.adapters.cache.edges_cache import EdgeCounts, LazyEdges, edges_key, load_edges, save_edges
from archguard.adapters.importlinter_bridge.grimp_graph import module_edge_counts
from archguard.adapters.project_files.history_file import append_history, git_commit, read_history
from archguard.adapters.project_files.output_files import write_output
from archguard.analysis.golden_path import collapse_closure
from archguard.analysis.interfaces import interface_overview, merged_interfaces
from archguard.app import Options, Progress, Workspace, load_contracts, run_check, scan_workspace
from archguard.app.discover import run_discover
from archguard.domain.discovery import DiscoveryResult
from archguard.domain.errors import ConfigError
from archguard.domain.interfaces import InterfaceOverview
from archguard.domain.result import CheckResult
from archguard.reporting import history as history_view
from archguard.reporting import html_report, json_report, junit, sarif
from archguard.reporting.diagram import Diagram, to_dot
from archguard.reporting.diagrams import cluster_diagram, cycle_diagram, focus_diagram, package_overview
from archguard.reporting.golden_path_dot import closure_dot
from archguard.reporting.interface_diagram import interface_diagram
from archguard.reporting.markdown import render_markdown
from archguard.reporting.report_json import to_report_json

Stage = Callable[[str], None]  # told what the run is doing now ("drawing 12 diagrams")


@dataclass(frozen=True)
class ReportOptions:
    out: Path = Path("reports")
    history: Path | None = None
    link_template: str | None = None  # "https://host/o/r/blob/main/{path}#L{line}"
    focus: str | None = None  # also draw the neighbourhood of this module
    depth: int = 1
    top_clusters: int = 10  # one diagram each
    top_cycles: int = 10
    tool_version: str = ""


@dataclass
class ReportOutcome:
    check: CheckResult
    discovery: DiscoveryResult
    report: dict[str, Any]
    written: list[Path] = field(default_factory=list)
    dot_missing: bool = False
    diagram_errors: list[str] = field(default_factory=list)
    duration_s: float = 0.0


def run_report(
    options: Options,
    report_options: ReportOptions,
    progress: Progress | None = None,
    stage: Stage | None = None,
) -> ReportOutcome:
    started = time.perf_counter()
    tell = stage or (lambda _message: None)
    out = report_options.out
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ConfigError(
            f"cannot create the report folder: {error.strerror or error}", path=str(out)
        ) from None
    # One scan for the check and the discovery (their results each come from the results cache
    # when the tree is unchanged).
    workspace = _scan(options, progress)
    check = run_check(options, progress, workspace=workspace)
    tell("finding clusters, shims and cycles")
    discovery = _discover(options, workspace)
    interfaces = interface_overviews(options, workspace, check)
    report = to_report_json(check, discovery, tool_version=report_options.tool_version, interfaces=interfaces)
    now = datetime.now(UTC).isoformat(timespec="seconds")
    outcome = ReportOutcome(check=check, discovery=discovery, report=report)

    diagrams = [("interfaces", interface_diagram(i, rank=rank)) for rank, i in enumerate(interfaces, 1)]
    figures = _draw_all(workspace, check, discovery, report_options, out / "graphs", outcome, tell, diagrams)

    history: list[dict[str, Any]] = []
    if report_options.history is not None:
        history = read_history(report_options.history)
        entry = history_view.headline(report, date=now, commit=git_commit(options.root))
        history = append_history(report_options.history, history, entry)
        outcome.written.append(report_options.history)

    tell("writing the report")
    relative_root = os.path.relpath(Path(check.scan.root), out.resolve())
    links = html_report.Links(report_options.link_template, Path(relative_root).as_posix())
    titles = [(f.title, f.files[-1]) for f in figures]
    notices = (
        list(check.notices)
        + ([graphviz.INSTALL_HINT] if outcome.dot_missing else [])
        + outcome.diagram_errors
    )
    documents = {
        "report.json": json_report.dumps(report),
        "report.sarif": json_report.dumps(sarif.to_sarif(check, tool_version=report_options.tool_version)),
        "junit.xml": junit.to_junit(check),
        "report.md": render_markdown(report, diagrams=titles, history=history, generated=now),
        "index.html": html_report.render_html(
            report, figures=figures, history=history, links=links, generated=now, notices=notices
        ),
    }
    for name, text in documents.items():
        write_output(text, out / name)
        outcome.written.append(out / name)
    outcome.duration_s = time.perf_counter() - started
    return outcome


def interface_overviews(
    options: Options, workspace: Workspace, check: CheckResult
) -> list[InterfaceOverview]:
    """Each interface contract the check ran (the contracts folder's and the import-linter
    configuration's), with its findings grouped for the report."""
    from archguard.adapters.importlinter_bridge.importlinter_runner import find_config_file, load_config

    root = Path(check.scan.root)
    declared = load_contracts(options, root).interfaces
    config_path = find_config_file(root, options.importlinter_config)
    configured = load_config(config_path, root=root).interface_contracts if config_path else ()
    contracts = [c for c in merged_interfaces(declared, configured) if c.name in check.contracts_run]
    if not contracts:
        return []
    scan = check.scan
    return [
        interface_overview(workspace.table, scan.files, scan.facts, contract, check.violations)
        for contract in contracts
    ]


def concept_diagrams(discovery: DiscoveryResult, report_options: ReportOptions) -> list[tuple[str, Diagram]]:
    """(section, diagram) for the top clusters and the top cycles: from discovery alone."""
    diagrams = [
        ("clusters", cluster_diagram(c, discovery.shims, rank=rank))
        for rank, c in enumerate(discovery.clusters[: report_options.top_clusters], 1)
    ]
    diagrams += [
        ("cycles", cycle_diagram(c, rank=rank))
        for rank, c in enumerate(discovery.cycles[: report_options.top_cycles], 1)
    ]
    return diagrams


def structure_diagrams(
    check: CheckResult,
    discovery: DiscoveryResult,
    report_options: ReportOptions,
    module_edges: tuple[EdgeCounts, LazyEdges],
) -> list[tuple[str, Diagram]]:
    """(section, diagram) for the package overview and the focus view, from every module edge."""
    scan = check.scan
    edges, lazy = module_edges
    diagrams = [
        (
            "overview",
            package_overview(
                scan.files,
                edges,
                hotspots=discovery.hotspots,
                syntax_error_paths=[s.path for s in scan.syntax_errors],
                lazy_edges=lazy,
            ),
        )
    ]
    if report_options.focus:
        try:
            focus = focus_diagram(
                scan.files, edges, report_options.focus, depth=report_options.depth, lazy_edges=lazy
            )
            diagrams.append(("focus", focus))
        except ValueError as error:
            raise ConfigError(f"--focus: {error}") from None
    return diagrams


def golden_path_dots(check: CheckResult) -> list[tuple[str, str, str]]:
    """(file stem, title, DOT text) of each entry point's closure collapsed to packages, problems
    red; none when the run had no entry points."""
    return [
        (
            f"golden-path-{rank}",
            f"Golden path {rank}: {closure.entry}",
            closure_dot(collapse_closure(closure, check.violations)),
        )
        for rank, closure in enumerate(check.golden_path or (), 1)
    ]


def module_edges(workspace: Workspace) -> tuple[EdgeCounts, LazyEdges]:
    """Every module edge with its number of import statements, and those made only of ``lazy``
    imports: from the results cache when the tree is unchanged since the last report, else
    counted over every file's facts (which a warm check never needs to decode) and cached."""
    key = edges_key(workspace.results_key) if workspace.results_key is not None else None
    found = load_edges(workspace.results, key) if key is not None else None
    if found is None:
        found = module_edge_counts(workspace.scan.files, workspace.scan.facts)
        if key is not None:
            save_edges(workspace.results, key, *found)
    return found


def _draw_all(
    workspace: Workspace,
    check: CheckResult,
    discovery: DiscoveryResult,
    report_options: ReportOptions,
    folder: Path,
    outcome: ReportOutcome,
    tell: Stage,
    contract_diagrams: Sequence[tuple[str, Diagram]] = (),
) -> list[html_report.Figure]:
    """Every diagram's .dot, and its .svg and .png where Graphviz is installed. Each ``dot`` is
    its own process (one layout, both formats), as many at a time as there are cores: the concept
    diagrams are drawn while the module edges for the overview are read or counted."""

    def draw(name: str, dot_text: str) -> graphviz.Rendered:
        return graphviz.render(dot_text, folder / f"{name}.dot")

    def submit(section: str, name: str, title: str, dot_text: str) -> tuple[str, str, str, Any]:
        return section, name, title, pool.submit(draw, name, dot_text)

    with ThreadPoolExecutor(max_workers=max(os.cpu_count() or 1, 1)) as pool:
        concepts = [*contract_diagrams, *concept_diagrams(discovery, report_options)]
        golden = golden_path_dots(check)
        tell(f"drawing {len(concepts) + len(golden) + 1} diagrams")
        pending = [submit(section, d.name, d.title, to_dot(d)) for section, d in concepts]
        pending += [submit("golden-path", name, title, dot_text) for name, title, dot_text in golden]
        structure = structure_diagrams(check, discovery, report_options, module_edges(workspace))
        pending = [submit(section, d.name, d.title, to_dot(d)) for section, d in structure] + pending
        drawn = [(section, name, title, future.result()) for section, name, title, future in pending]
    figures = []
    for section, name, title, rendered in drawn:
        outcome.written += rendered.written
        outcome.dot_missing |= rendered.dot_missing
        outcome.diagram_errors += rendered.errors
        svg_file = folder / f"{name}.svg"
        svg = svg_file.read_text(encoding="utf-8") if svg_file in rendered.written else None
        files = tuple(f"graphs/{p.name}" for p in sorted(rendered.written, key=lambda p: p.suffix != ".dot"))
        figures.append(html_report.Figure(section, title, svg, files))
    return figures


def _scan(options: Options, progress: Progress | None) -> Workspace:
    """The scan ``check`` would make (its derivation and caching: app/derivation.py)."""
    return scan_workspace(options, progress)


def _discover(options: Options, workspace: Workspace) -> DiscoveryResult:
    """Discovery on the scan ``check`` used."""
    return run_discover(replace(options, baseline=None, update_baseline=False), workspace=workspace)


# --- archguard graph -------------------------------------------------------------------------------


def draw_graph(
    options: Options,
    output: Path,
    *,
    focus: str | None = None,
    depth: int = 1,
    concept: str | None = None,
    progress: Progress | None = None,
) -> graphviz.Rendered:
    """One diagram on demand: the neighbourhood of ``focus``, the cluster of ``concept``, or the
    package overview; written by OUTPUT's suffix (.svg, .png, .dot)."""
    if output.suffix.lower() not in (".svg", ".png", ".dot"):
        raise ConfigError(
            f"--out must end in .svg, .png or .dot, not {output.suffix or 'nothing'!r}", path=str(output)
        )
    workspace = scan_workspace(options, progress)
    scan = workspace.scan
    if concept is not None:
        discovery = _discover(options, workspace)
        matches = [(rank, c) for rank, c in enumerate(discovery.clusters, 1) if c.name == concept]
        if not matches:
            known = ", ".join(c.name for c in discovery.clusters[:10]) or "none found"
            raise ConfigError(f"--concept: no cluster named {concept!r} (top clusters: {known})")
        rank, cluster = matches[0]
        diagram = cluster_diagram(cluster, discovery.shims, rank=rank)
    else:
        edges, lazy = module_edges(workspace)
        if focus is not None:
            try:
                diagram = focus_diagram(scan.files, edges, focus, depth=depth, lazy_edges=lazy)
            except ValueError as error:
                raise ConfigError(f"--focus: {error}") from None
        else:
            diagram = package_overview(
                scan.files, edges, syntax_error_paths=[s.path for s in scan.syntax_errors], lazy_edges=lazy
            )
    return graphviz.render_to(to_dot(diagram), output)
