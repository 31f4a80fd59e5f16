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
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from archguard.adapters import graphviz
from archguard.adapters.cache.entries import MODULE_IMPORTS
from archguard.adapters.page_assets import page_script
from archguard.adapters.project_files.history_file import append_history, git_commit, read_history
from archguard.adapters.project_files.output_files import make_folder, write_output
from archguard.analysis.golden_path import collapse_closure
from archguard.analysis.interfaces import interface_overview
from archguard.analysis.members import grouped_by_member
from archguard.analysis.structure import dependency_matrix
from archguard.app import Options, Progress, Workspace, keys, open_engine, run_check, scan_workspace
from archguard.app.discover import run_discover
from archguard.app.preflight import Preflight
from archguard.domain.discovery import DiscoveryResult
from archguard.domain.errors import ConfigError
from archguard.domain.import_edges import module_import_lines
from archguard.domain.interfaces import InterfaceOverview
from archguard.domain.result import CheckResult
from archguard.domain.sources import SourceFile
from archguard.domain.structure import DependencyMatrix, ModuleImports
from archguard.reporting import history as history_view
from archguard.reporting import html_report, json_report, junit, sarif
from archguard.reporting.diagrams.cluster import cluster_diagram
from archguard.reporting.diagrams.cycle import cycle_diagram
from archguard.reporting.diagrams.dot import to_dot
from archguard.reporting.diagrams.focus import focus_diagram
from archguard.reporting.diagrams.golden_path import closure_diagram
from archguard.reporting.diagrams.interface import interface_diagram
from archguard.reporting.diagrams.matrix import matrix_diagram
from archguard.reporting.diagrams.model import Diagram
from archguard.reporting.diagrams.overview import OVERVIEW_GROUPS, package_overview
from archguard.reporting.json_report import to_report_json
from archguard.reporting.markdown import render_markdown
from archguard.reporting.proportionate import cap_per_file

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
    root = options.root
    try:
        make_folder(out, root=root)  # never through a link out of ROOT, never inside .git
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
    now = datetime.now(UTC).isoformat(timespec="seconds")
    outcome = ReportOutcome(check=check, discovery=discovery, report={})

    interfaces = interface_overviews(options, workspace, check)
    contract_diagrams = [
        ("interfaces", interface_diagram(i, rank=rank)) for rank, i in enumerate(interfaces, 1)
    ]
    figures, imports, matrix = _draw_all(
        workspace, check, discovery, report_options, out / "graphs", outcome, tell, contract_diagrams
    )
    # Each file's findings capped in the report set (the summary still counts them all), so a file
    # with 120,000 broken imports costs megabytes, not gigabytes (reporting/proportionate.py).
    shown, left_out = cap_per_file(check)
    report = to_report_json(
        shown,
        discovery,
        tool_version=report_options.tool_version,
        counted=check,
        left_out=left_out,
        imports=imports,
        matrix=matrix,
        interfaces=interfaces,
        key_of=grouped_by_member(check.scan.layout),
    )
    outcome.report = report

    history: list[dict[str, Any]] = []
    if report_options.history is not None:
        history = read_history(
            report_options.history, counts=history_view.COUNTS, counts_per_name=history_view.COUNTS_PER_NAME
        )
        entry = history_view.headline(report, date=now, commit=git_commit(options.root))
        history = append_history(report_options.history, history, entry, root=root)
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
        list(report["notices"])
        + ([graphviz.INSTALL_HINT] if outcome.dot_missing else [])
        + outcome.diagram_errors
    )
    documents = {
        "report.json": json_report.dumps(report),
        "report.sarif": json_report.dumps(sarif.to_sarif(shown, tool_version=report_options.tool_version)),
        "junit.xml": junit.to_junit(shown),
        "report.md": render_markdown(report, diagrams=titles, history=history, generated=now),
        "index.html": html_report.render_html(
            report,
            figures=figures,
            history=history,
            links=links,
            generated=now,
            notices=notices,
            script=page_script(),
        ),
    }
    for name, text in documents.items():
        write_output(text, out / name, root=root)
        outcome.written.append(out / name)
    outcome.duration_s = time.perf_counter() - started
    return outcome


def interface_overviews(
    options: Options, workspace: Workspace, check: CheckResult
) -> list[InterfaceOverview]:
    """Each interface contract the check ran (the contracts folder's and the import-linter
    configuration's: the engine's), with its findings grouped for the report (every finding: the
    report's per-file cap applies to the listing, not to these counts)."""
    contracts = [c for c in workspace.engine.interfaces if c.name in check.contracts_run]
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
    imports: tuple[ModuleImports, frozenset[tuple[str, str]]],
    matrix: DependencyMatrix,
) -> list[tuple[str, Diagram]]:
    """(section, diagram) for the package overview, the matrix and the focus view."""
    scan = check.scan
    diagrams = [
        (
            "overview",
            package_overview(
                dependency_matrix(
                    scan.files,
                    imports[0],
                    budget=OVERVIEW_GROUPS,
                    lazy=imports[1],
                    key_of=grouped_by_member(scan.layout),
                ),
                scan.files,
                hotspots=discovery.hotspots,
                syntax_error_paths=[s.path for s in scan.syntax_errors],
            ),
        ),
        ("dsm", matrix_diagram(matrix)),
    ]
    if report_options.focus:
        diagrams.append(("focus", _focus(scan.files, imports, report_options.focus, report_options.depth)))
    return diagrams


def _focus(
    files: Sequence[SourceFile],
    imports: tuple[ModuleImports, frozenset[tuple[str, str]]],
    focus: str,
    depth: int,
) -> Diagram:
    try:
        return focus_diagram(files, edge_counts(imports[0]), focus, depth=depth, lazy_edges=imports[1])
    except ValueError as error:
        raise ConfigError(f"--focus: {error}") from None


def golden_path_diagrams(check: CheckResult) -> list[tuple[str, Diagram]]:
    """(figure title, diagram) of each entry point's closure collapsed to packages, problems red;
    none when the run had no entry points."""
    return [
        (
            f"Golden path {rank}: {closure.entry}",
            closure_diagram(collapse_closure(closure, check.violations), rank=rank),
        )
        for rank, closure in enumerate(check.golden_path or (), 1)
    ]


def module_imports(workspace: Workspace) -> tuple[ModuleImports, frozenset[tuple[str, str]]]:
    """Every module edge with the lines of its import statements, and those made only of PEP 810
    ``lazy`` imports: from the store when the tree is unchanged since the last report, else found
    in every file's facts (which a warm check never needs to decode) and stored."""
    scan_key = workspace.scan_key
    key = keys.module_imports(scan_key) if scan_key is not None else None
    return workspace.store.cached(
        MODULE_IMPORTS, key, lambda: module_import_lines(workspace.scan.files, workspace.scan.facts)
    )


def edge_counts(imports: ModuleImports) -> dict[tuple[str, str], int]:
    return {edge: len(lines) for edge, lines in imports.items()}


def _draw_all(
    workspace: Workspace,
    check: CheckResult,
    discovery: DiscoveryResult,
    report_options: ReportOptions,
    folder: Path,
    outcome: ReportOutcome,
    tell: Stage,
    contract_diagrams: Sequence[tuple[str, Diagram]] = (),
) -> tuple[list[html_report.Figure], ModuleImports, DependencyMatrix]:
    """Every diagram's .dot, and its .svg and .png where Graphviz is installed, and the module
    imports and the matrix the structure diagrams were drawn from. Each ``dot`` is its own process
    (one layout, both formats), as many at a time as there are cores: the concept diagrams are
    drawn while the module imports are read or found."""

    def draw(name: str, dot_text: str) -> graphviz.Rendered:
        return graphviz.render(dot_text, folder / f"{name}.dot", root=Path(workspace.scan.root))

    def submit(section: str, name: str, title: str, dot_text: str) -> tuple[str, str, str, Any]:
        return section, name, title, pool.submit(draw, name, dot_text)

    with ThreadPoolExecutor(max_workers=max(os.cpu_count() or 1, 1)) as pool:
        concepts = [*contract_diagrams, *concept_diagrams(discovery, report_options)]
        golden = golden_path_diagrams(check)
        tell(f"drawing {len(concepts) + len(golden) + 1} diagrams")
        pending = [submit(section, d.name, d.title, to_dot(d)) for section, d in concepts]
        pending += [submit("golden-path", d.name, title, to_dot(d)) for title, d in golden]
        imports = module_imports(workspace)
        matrix = dependency_matrix(
            check.scan.files, imports[0], lazy=imports[1], key_of=grouped_by_member(check.scan.layout)
        )
        structure = structure_diagrams(check, discovery, report_options, imports, matrix)
        pending = [submit(section, d.name, d.title, to_dot(d)) for section, d in structure] + pending
        drawn = [(section, name, title, future.result()) for section, name, title, future in pending]
    figures = []
    for section, _name, title, rendered in drawn:
        outcome.written += rendered.written
        outcome.dot_missing |= rendered.dot_missing
        outcome.diagram_errors += rendered.errors
        if not rendered.written:  # refused (its error says why): no figure to show or link
            continue
        svg = rendered.svg  # as drawn, never read back from the destination (it may be a link)
        files = tuple(f"graphs/{p.name}" for p in sorted(rendered.written, key=lambda p: p.suffix != ".dot"))
        figures.append(html_report.Figure(section, title, svg, files))
    return figures, imports[0], matrix


def _scan(options: Options, progress: Progress | None) -> Workspace:
    """The scan ``check`` would make (its derivation and caching: app/engine.py), the check's
    configuration validated before any file is parsed."""
    return open_engine(options, progress, preflight=Preflight(options)).workspace()


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
    dsm: bool = False,
    progress: Progress | None = None,
) -> graphviz.Rendered:
    """One diagram on demand: the neighbourhood of ``focus``, the cluster of ``concept``, the
    dependency matrix (``dsm``: of the whole tree, or of the modules of package ``focus``), or the
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
        imports = module_imports(workspace)
        if dsm:
            try:
                diagram = matrix_diagram(
                    dependency_matrix(scan.files, imports[0], focus=focus, lazy=imports[1])
                )
            except ValueError as error:
                raise ConfigError(f"--focus: {error}") from None
        elif focus is not None:
            diagram = _focus(scan.files, imports, focus, depth)
        else:
            matrix = dependency_matrix(
                scan.files,
                imports[0],
                budget=OVERVIEW_GROUPS,
                lazy=imports[1],
                key_of=grouped_by_member(scan.layout),
            )
            diagram = package_overview(
                matrix, scan.files, syntax_error_paths=[s.path for s in scan.syntax_errors]
            )
    return graphviz.render_to(to_dot(diagram), output, root=options.root)
