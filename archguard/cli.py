"""The command line: parses options, calls a use case in ``archguard.app``, prints with a reporter.

Each command's options come from their one declaration (``archguard/domain/options.py``) and are
resolved, with ROOT's ``[tool.archguard]``, by ``archguard.app.options``.

Exit codes: 0 ok; 1 violations not covered by the baseline (check); 2 bad usage or configuration.
"""

from __future__ import annotations

import functools
import sys
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from archguard import __version__, app
from archguard.adapters import gc_policy
from archguard.adapters.project_files.git_listing import listed_ahead
from archguard.adapters.project_files.output_files import write_output
from archguard.app.options import Invocation, Output, resolve
from archguard.domain.errors import ArchguardError, ConfigError
from archguard.domain.options import Kind, OptionSpec, options_of
from archguard.domain.result import CheckResult, ScanResult
from archguard.reporting import json_report, render_check_as, text

if TYPE_CHECKING:
    from archguard.domain.discovery import DiscoveryResult

Command = TypeVar("Command", bound=Callable[..., Any])


def takes_options(command: str) -> Callable[[Command], Command]:
    """ROOT, then COMMAND's options as archguard/domain/options.py declares them, in its order."""

    def decorate(function: Command) -> Command:
        for spec in reversed(options_of(command)):
            function = _click_option(spec)(function)
        root = click.Path(exists=True, file_okay=False, path_type=Path)
        return click.argument("root", type=root, default=".")(function)

    return decorate


_PATH_TYPES = {
    Kind.PATH: click.Path(path_type=Path),
    Kind.FILE: click.Path(dir_okay=False, path_type=Path),
    Kind.DIR: click.Path(file_okay=False, path_type=Path),
}


def _click_option(spec: OptionSpec) -> Callable[[Command], Command]:
    """SPEC as a Click option. Its value is None when not given (a flag included), so that
    [tool.archguard] can fill it in (app/options.py); Click shows the defaults of the rest."""
    declared: dict[str, Any] = {
        "help": spec.help,
        "metavar": spec.metavar,
        "multiple": spec.repeatable,
        "required": spec.required,
        "default": None if spec.config is not None else spec.default,
        "show_default": spec.show_default,
    }
    if spec.kind is Kind.FLAG:
        declared.update(is_flag=True, default=None)
    elif spec.kind is Kind.REVISION:  # ``--changed`` alone is the default revision, written ""
        declared.update(is_flag=False, flag_value="")
    elif spec.kind is Kind.INT:
        declared["type"] = click.IntRange(spec.minimum, spec.maximum)
    elif spec.kind is Kind.CHOICE:
        declared["type"] = click.Choice(spec.choices)
    elif spec.kind in _PATH_TYPES:
        declared["type"] = _PATH_TYPES[spec.kind]
    names = [spec.flag, *([spec.short] if spec.short else []), spec.name]
    return click.option(*names, **declared)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="archguard")
def cli() -> None:
    """Import-graph architecture enforcer: one import path per concept, for the whole codebase."""


@cli.command()
@takes_options("scan")
def scan(**raw: Any) -> None:
    """Build the graph of the whole tree and print what it saw (exit 0 whatever it found)."""
    with _reported_errors(), listed_ahead(raw["root"]):
        run = _resolve("scan", raw)
        with _progress(run.output.quiet) as progress:
            result = app.run_scan(run.options, progress)
        _emit_json(result, "scan", run.output.json)
        if run.output.json != "-":
            click.echo(text.render_scan(result, verbose=run.output.verbose), nl=False)


@cli.command()
@takes_options("check")
def check(**raw: Any) -> None:
    """Run every contract: concept contracts, import-linter contracts, dangling imports.

    Exit 1 when there are violations the baseline does not cover."""
    with _reported_errors(), listed_ahead(raw["root"]):
        run = _resolve("check", raw)
        changed, staged = run.values["changed"], run.values["staged"]
        with _progress(run.output.quiet or run.output.format != "text") as progress:
            if changed is not None or staged:
                from archguard.app.changed import run_changed_check

                result = run_changed_check(run.options, changed, staged=staged, progress=progress)
            else:
                result = app.run_check(run.options, progress)
        _finish_check(result, run.output, "check")


@cli.command()
@takes_options("baseline")
def baseline(**raw: Any) -> None:
    """Record today's violations in --baseline FILE as known (exit 0)."""
    with _reported_errors(), listed_ahead(raw["root"]):
        run = _resolve("baseline", raw)
        with _progress(run.output.quiet) as progress:
            result = app.record_baseline(run.options, progress)
        click.echo(
            f"Recorded {sum(v.baselined for v in result.violations)} violations in {run.options.baseline}.",
            err=True,
        )
        _finish_check(result, run.output, "baseline", exit_on_failure=False)


@cli.command()
@takes_options("report")
def report(**raw: Any) -> None:
    """Write the full report set into --out DIR: Markdown, JSON, SARIF, JUnit, HTML and diagrams.

    Exit code as check: 1 when there are violations the baseline does not cover."""
    with _reported_errors(), listed_ahead(raw["root"]):
        from archguard.adapters.graphviz import INSTALL_HINT
        from archguard.app.report import ReportOptions, run_report

        run = _resolve("report", raw)
        output = run.output
        report_options = run.record(ReportOptions, tool_version=__version__)
        quiet = output.quiet or output.format != "text"
        with _progress(quiet) as progress, _stages(quiet) as stage:
            outcome = run_report(run.options, report_options, progress, stage)
        if outcome.dot_missing:
            click.echo(f"archguard: {INSTALL_HINT}", err=True)
        for error in outcome.diagram_errors:
            click.echo(f"archguard: warning: {error}", err=True)
        click.echo(
            f"Wrote {len(outcome.written)} files to {report_options.out}/ (open {report_options.out / 'index.html'}).",
            err=True,
        )
        if output.json:  # --json gets what report.json holds: the check and the discovery
            write_output(json_report.dumps(outcome.report), output.json, root=run.options.root)
        if output.json != "-":  # else stdout holds the JSON document only
            click.echo(
                render_check_as(
                    outcome.check,
                    output.format,
                    tool_version=__version__,
                    command="report",
                    statistics=output.statistics,
                ),
                nl=False,
            )
        if outcome.check.failed:
            sys.exit(1)


@cli.command()
@takes_options("discover")
def discover(**raw: Any) -> None:
    """Find fragmentation with no configuration: concepts reached or defined in several ways,
    shims, copies, import cycles, hotspots (exit 0)."""
    with _reported_errors(), listed_ahead(raw["root"]):
        from archguard.app.discover import run_discover, write_contract_drafts
        from archguard.reporting.discover_text import discover_sections, discover_summary

        run = _resolve("discover", raw)
        top, json_to = run.values["top"], run.output.json
        with _progress(run.output.quiet) as progress:
            result = run_discover(
                run.options, progress, canonical=run.values["canonical"], churn_since=run.values["since"]
            )
        _emit_json(result, "discover", json_to)
        if json_to != "-":
            _print_sections(discover_sections(result, top))
            click.echo(discover_summary(result))
        if run.values["write_contracts"]:
            for line in write_contract_drafts(result, run.values["write_contracts"], top=top):
                click.echo(line, err=json_to == "-")


@cli.command()
@takes_options("graph")
def graph(**raw: Any) -> None:
    """Draw one diagram: --focus MODULE's neighbourhood, --concept NAME's cluster, --dsm the dependency matrix, else the package overview (exit 0)."""
    from archguard.adapters.graphviz import INSTALL_HINT
    from archguard.app.report import draw_graph

    with _reported_errors():
        run = _resolve("graph", raw)
        with _progress(run.output.quiet) as progress:
            rendered = draw_graph(
                run.options,
                run.values["out"],
                focus=run.values["focus"],
                depth=run.values["depth"],
                concept=run.values["concept"],
                dsm=run.values["dsm"],
                progress=progress,
            )
        if rendered.errors:
            raise ConfigError("; ".join(rendered.errors))
        if rendered.dot_missing:
            click.echo(f"archguard: {INSTALL_HINT}", err=True)
        for path in rendered.written:
            click.echo(f"Wrote {path}", err=True)


@cli.command()
@takes_options("init")
def init(**raw: Any) -> None:
    """Bootstrap a repository: [tool.archguard], contracts/ drafted from discovery, a
    .importlinter if none, a first baseline. Never overwrites a file (exit 0)."""
    from archguard.app.init import run_init

    with _reported_errors():
        run = _resolve("init", raw)
        with _progress(run.output.quiet) as progress:
            for line in run_init(run.options, progress, top=run.values["top"]):
                click.echo(line)


@cli.command()
@takes_options("fix")
@click.argument("paths", nargs=-1, type=click.Path(path_type=str))
def fix(**raw: Any) -> None:
    """Rewrite non-canonical imports to their canonical path, atomically (PATHS limit the scope).

    Exit 0 when done or nothing to do; 1 when refused or rolled back (docs/fix.md)."""
    from archguard.app.fix import FixOptions, run_fix
    from archguard.reporting.fix_report import fix_to_json, render_fix

    with _reported_errors():
        run = _resolve("fix", raw)
        fix_options = run.record(FixOptions, paths=tuple(raw.get("paths") or ()))
        with _progress(run.output.quiet) as progress:
            result = run_fix(run.options, fix_options, progress)
        if run.output.json:
            write_output(
                json_report.dumps(fix_to_json(result, tool_version=__version__)),
                run.output.json,
                root=run.options.root,
            )
        if run.output.json != "-":
            click.echo(render_fix(result), nl=False)
        # Rolled back means exit 1 (docs/interface.md), whether asked for with --rollback or
        # forced by a regression or an interrupted run; a --rollback with no journal had nothing
        # to do (0).
        if result.status.failed:
            sys.exit(1)


@cli.command()
@takes_options("lsp")
def lsp(**raw: Any) -> None:
    """Serve an editor: a language server on stdin/stdout (docs/editors.md).

    ROOT, when given, is the tree analysed; otherwise the editor's workspace folders are. Exit 0
    after the editor's shutdown."""
    from archguard.lsp import serve

    explicit = (
        click.get_current_context().get_parameter_source("root") is not click.core.ParameterSource.DEFAULT
    )
    given = {name: value for name, value in raw.items() if name != "root" and value not in (None, ())}
    sys.exit(serve(given, raw["root"] if explicit else None))


@cli.command()
@takes_options("history")
def history(**raw: Any) -> None:
    """One row of figures per first-parent commit of --revs, each read straight from git's
    objects (no checkout; the working tree untouched); exit 0."""
    from archguard.app.history import HistoryOptions, run_history
    from archguard.reporting.history_rows import history_to_csv, history_to_json, render_history

    with _reported_errors():
        run = _resolve("history", raw)
        with _progress(run.output.quiet, "commits") as progress:
            result = run_history(run.options, run.record(HistoryOptions), progress, given=raw)
        json_to, csv_to = run.output.json, run.values["csv"]
        if json_to == "-" and csv_to == "-":
            raise ConfigError("--json - and --csv - both want stdout; write one of them to a file")
        if json_to:
            write_output(json_report.dumps(history_to_json(result, tool_version=__version__)), json_to)
        if csv_to:
            write_output(history_to_csv(result), csv_to)
        if "-" not in (json_to, csv_to):
            click.echo(render_history(result), nl=False)


@cli.command()
@takes_options("diff")
def diff(**raw: Any) -> None:
    """What a change does to the architecture: new and fixed violations, imports between
    packages, cycles, shims, clusters (--head default: the working tree). Exit 1 when the head
    adds violations, as check."""
    from archguard.app.diff import run_diff
    from archguard.reporting.diff_report import diff_to_json, render_diff_markdown, render_diff_text

    with _reported_errors():
        run = _resolve("diff", raw)
        with _progress(run.output.quiet or run.output.format != "text") as progress:
            result = run_diff(run.options, run.values["base"], run.values["head"], progress)
        data = diff_to_json(result, tool_version=__version__)
        if run.output.json:
            write_output(json_report.dumps(data), run.output.json)
        if run.output.json != "-":
            fmt = run.output.format
            rendered = (
                json_report.dumps(data)
                if fmt == "json"
                else render_diff_markdown(result)
                if fmt == "markdown"
                else render_diff_text(result)
            )
            click.echo(rendered, nl=False)
        if result.failed:
            sys.exit(1)


def main() -> None:
    """The command line; ends with ``SystemExit`` (its exit code), as Click does."""
    gc_policy.off_for_this_process()  # why, and where it is turned back on: adapters/gc_policy.py
    _plain_notices()
    _survivable_streams()
    cli(prog_name="archguard")


def run() -> None:
    """The ``archguard`` program (and ``python -m archguard``): :func:`main`, then the process ends
    with its exit code at once. Python's own teardown would free every object the run made, one by
    one (a warm check of 3,000 files: a seventh of its time) and close what the OS closes anyway;
    what must happen at exit still does: the ``atexit`` functions run and stdout and stderr are
    flushed. Anything unusual (another thread still working, an exit message, a stream that
    cannot be flushed) ends the ordinary way."""
    try:
        main()
    except SystemExit as done:
        _end_process_now(done.code)
        raise


def _end_process_now(code: object) -> None:
    """``os._exit(code)`` after the atexit functions and a flush; returns when that is not safe."""
    import atexit
    import os
    import threading

    if code is not None and not isinstance(code, int):
        return  # sys.exit("message"): Python prints it
    others = [t for t in threading.enumerate() if t is not threading.current_thread() and not t.daemon]
    if any(t.is_alive() for t in others):
        return  # Python waits for them (the language server's worker, say)
    atexit._run_exitfuncs()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        return  # a closed pipe: Python reports it as it always does
    os._exit(code or 0)


def _survivable_streams() -> None:
    """Text from the tree may hold a lone surrogate (a string literal's ``"\\ud800"``), which no
    encoder writes: stdout and stderr write it as its escape, as files do (output_files.encode_text)."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="backslashreplace")


def _plain_notices() -> None:
    """archguard's own notices (an ignored cache, a cache not saved) are one line on stderr, as
    users read them, not Python's ``file:line: UserWarning:`` form with a source line."""
    default = warnings.formatwarning

    def formatted(
        message: Warning | str, category: type[Warning], filename: str, lineno: int, line: str | None = None
    ) -> str:
        if str(message).startswith("archguard: "):
            return f"{text.printable(str(message))}\n"
        return default(message, category, filename, lineno, line)

    warnings.formatwarning = formatted


# --- helpers -------------------------------------------------------------------------------------


def _resolve(command: str, raw: dict[str, Any]) -> Invocation:
    """The command's options as Click parsed them, over ROOT's [tool.archguard] (app/options.py)."""
    return resolve(command, raw["root"], raw)


def _finish_check(result: CheckResult, output: Output, command: str, *, exit_on_failure: bool = True) -> None:
    _emit_json(result, command, output.json)
    if output.json != "-":  # stdout already holds the JSON document
        rendered = render_check_as(
            result,
            output.format,
            tool_version=__version__,
            command=command,
            statistics=output.statistics,
        )
        click.echo(rendered, nl=False)
    if exit_on_failure and result.failed:
        sys.exit(1)


def _emit_json(
    result: ScanResult | CheckResult | DiscoveryResult, command: str, destination: str | None
) -> None:
    if destination:
        data = json_report.to_json(result, tool_version=__version__, command=command)
        root = result.root if isinstance(result, ScanResult) else result.scan.root
        write_output(json_report.dumps(data), destination, root=Path(root))


def _print_sections(sections: list[Any]) -> None:
    """Each section as a rich table (plain columns when stdout is not a terminal)."""
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    console = Console(width=None if sys.stdout.isatty() else 160)
    for section in sections:
        if not section.rows:
            console.print(f"[bold]{section.title}[/bold]: {escape(section.empty)}")
            continue
        table = Table(title=section.title, title_justify="left", show_lines=False)
        for header in section.headers:
            table.add_column(header, overflow="fold")
        for row in section.rows:  # cells hold the tree's names: shown as written, never markup
            table.add_row(*(escape(text.printable(str(cell))) for cell in row))
        console.print(table)
        if section.more:
            console.print(f"+{section.more} more (see --json, or raise --top)")


@contextmanager
def _reported_errors() -> Iterator[None]:
    """Configuration problems end the run with one line and exit code 2, never a traceback."""
    try:
        yield
    except ArchguardError as error:  # printable: a file name from the tree must not forge lines
        click.echo(f"archguard: error: {text.printable(str(error))}", err=True)
        sys.exit(2)


@contextmanager
def _progress(quiet: bool, what: str = "parsing") -> Iterator[Callable[[int, int], None] | None]:
    """A rich progress bar on stderr while files are parsed, or commits walked (only on a terminal,
    never in CI logs)."""
    if quiet or not sys.stderr.isatty():
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn(what),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        transient=True,
        console=_stderr_console(),
    ) as bar:
        task = bar.add_task("parse", total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update


@contextmanager
def _stages(quiet: bool) -> Iterator[Callable[[str], None] | None]:
    """A rich status line on stderr naming the report's current step (only on a terminal)."""
    if quiet or not sys.stderr.isatty():
        yield None
        return
    with _stderr_console().status("report") as status:
        yield lambda message: status.update(message)


@functools.cache
def _stderr_console() -> Any:
    from rich.console import Console

    return Console(stderr=True)
