"""``archguard report --out DIR`` and ``archguard graph``: the use cases that write the report set.

One run of ``check`` and of ``discover`` gives one ``report.json``; the Markdown audit and the
HTML page are rendered from that dictionary, SARIF and JUnit by the reporters ``check --format``
uses. Diagrams are described by ``archguard.reporting.diagrams`` (bounded, so they stay readable),
written as DOT and drawn by Graphviz through ``archguard.adapters.graphviz``.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from archguard.adapters import graphviz
from archguard.adapters.cache.entries import MODULE_EDGES, EdgeCounts
from archguard.adapters.importlinter_bridge.grimp_graph import module_edge_counts
from archguard.adapters.project_files.history_file import append_history, git_commit, read_history
from archguard.adapters.project_files.output_files import write_output
from archguard.analysis.golden_path import collapse_closure
from archguard.app import Options, Progress, Workspace, keys, open_engine, run_check, scan_workspace
from archguard.app.discover import run_discover
from archguard.domain.discovery import DiscoveryResult
from archguard.domain.errors import ConfigError
from archguard.domain.result import CheckResult
from archguard.reporting import history as history_view
from archguard.reporting import html_report, json_report, junit, sarif
from archguard.reporting.diagram import Diagram, to_dot
from archguard.reporting.diagrams import cluster_diagram, cycle_diagram, focus_diagram, package_overview
from archguard.reporting.golden_path_dot import closure_dot
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
    since: str | None = "90 days ago"  # the churn window that weighs hotspots
    history_from: str | None = None  # draw the trend of this range's commits (archguard history)
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
    discovery = _discover(options, workspace, report_options.since, Counter(v.path for v in check.violations))
    report = to_report_json(check, discovery, tool_version=report_options.tool_version)
    now = datetime.now(UTC).isoformat(timespec="seconds")
    outcome = ReportOutcome(check=check, discovery=discovery, report=report)

    figures = _draw_all(workspace, check, discovery, report_options, out / "graphs", outcome, tell)

    history: list[dict[str, Any]] = []
    if report_options.history is not None:
        history = read_history(report_options.history)
        entry = history_view.headline(report, date=now, commit=git_commit(options.root))
        history = append_history(report_options.history, history, entry)
        outcome.written.append(report_options.history)
    if report_options.history_from is not None:  # the commits' trend, read from git's objects
        from archguard.app.history import HistoryOptions, run_history

        tell(f"walking the commits of {report_options.history_from}")
        walked = run_history(options, HistoryOptions(revs=report_options.history_from))
        history = history_view.entries_from_rows(walked.rows)

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
    check: CheckResult, discovery: DiscoveryResult, report_options: ReportOptions, edges: EdgeCounts
) -> list[tuple[str, Diagram]]:
    """(section, diagram) for the package overview and the focus view, from every module edge."""
    scan = check.scan
    diagrams = [
        (
            "overview",
            package_overview(
                scan.files,
                edges,
                hotspots=discovery.hotspots,
                syntax_error_paths=[s.path for s in scan.syntax_errors],
            ),
        )
    ]
    if report_options.focus:
        try:
            diagrams.append(
                ("focus", focus_diagram(scan.files, edges, report_options.focus, depth=report_options.depth))
            )
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


def module_edges(workspace: Workspace) -> EdgeCounts:
    """Every module edge with its number of import statements: from the results cache when the
    tree is unchanged since the last report, else counted over every file's facts (which a warm
    check never needs to decode) and cached."""
    scan_key = workspace.scan_key
    key = keys.module_edges(scan_key) if scan_key is not None else None
    return workspace.store.cached(
        MODULE_EDGES, key, lambda: module_edge_counts(workspace.scan.files, workspace.scan.facts)
    )


def _draw_all(
    workspace: Workspace,
    check: CheckResult,
    discovery: DiscoveryResult,
    report_options: ReportOptions,
    folder: Path,
    outcome: ReportOutcome,
    tell: Stage,
) -> list[html_report.Figure]:
    """Every diagram's .dot, and its .svg and .png where Graphviz is installed. Each ``dot`` is
    its own process (one layout, both formats), as many at a time as there are cores: the concept
    diagrams are drawn while the module edges for the overview are read or counted."""

    def draw(name: str, dot_text: str) -> graphviz.Rendered:
        return graphviz.render(dot_text, folder / f"{name}.dot")

    def submit(section: str, name: str, title: str, dot_text: str) -> tuple[str, str, str, Any]:
        return section, name, title, pool.submit(draw, name, dot_text)

    with ThreadPoolExecutor(max_workers=max(os.cpu_count() or 1, 1)) as pool:
        concepts = concept_diagrams(discovery, report_options)
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
    """The scan ``check`` would make (its derivation and caching: app/engine.py)."""
    return open_engine(options, progress).workspace()


def _discover(
    options: Options,
    workspace: Workspace,
    since: str | None = "90 days ago",
    findings: Mapping[str, int] | None = None,
) -> DiscoveryResult:
    """Discovery on the scan ``check`` used; hotspots weighed by ``findings`` (the check's
    violations per path) and the churn ``since``."""
    return run_discover(
        replace(options, baseline=None, update_baseline=False),
        workspace=workspace,
        churn_since=since,
        findings=findings,
    )


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
        edges = module_edges(workspace)
        if focus is not None:
            try:
                diagram = focus_diagram(scan.files, edges, focus, depth=depth)
            except ValueError as error:
                raise ConfigError(f"--focus: {error}") from None
        else:
            diagram = package_overview(
                scan.files, edges, syntax_error_paths=[s.path for s in scan.syntax_errors]
            )
    return graphviz.render_to(to_dot(diagram), output)
