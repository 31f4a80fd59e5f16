"""The command line: parses options, calls a use case in ``archguard.app``, prints with a reporter.

Exit codes: 0 ok; 1 violations not covered by the baseline (check); 2 bad usage or configuration.
"""

from __future__ import annotations

import functools
import sys
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from archguard import __version__, app
from archguard.adapters import gc_policy
from archguard.adapters.parsing.syntax_judge import parse_target
from archguard.adapters.project_files.baseline_file import parse_expiry
from archguard.adapters.project_files.output_files import write_output
from archguard.adapters.project_files.project_config import read_project_options
from archguard.adapters.project_files.safe_io import require_inside, same_file
from archguard.domain.errors import ArchguardError, ConfigError
from archguard.domain.result import CheckResult, ScanResult
from archguard.reporting import FORMATS, json_report, render_check_as, text

if TYPE_CHECKING:
    from archguard.domain.discovery import DiscoveryResult


def common_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """The options every command takes (docs/usage.md), in the order --help shows them."""
    decorators = [
        click.argument("root", type=click.Path(exists=True, file_okay=False, path_type=Path), default="."),
        click.option(
            "--package",
            "package",
            multiple=True,
            metavar="NAME",
            help="Top-level package to analyse as modules (repeatable). Default: auto-detected.",
        ),
        click.option(
            "--exclude",
            "exclude",
            multiple=True,
            metavar="GLOB",
            help="Gitignore-style path glob relative to ROOT to leave out (repeatable).",
        ),
        click.option(
            "--target-python",
            "target_python",
            metavar="X.Y",
            help="Grammar syntax errors are judged by (default: the newest known).",
        ),
        click.option(
            "--contracts",
            "contracts",
            type=click.Path(path_type=Path),
            help="Folder of concept contract files (default: ROOT/contracts).",
        ),
        click.option(
            "--importlinter-config",
            "importlinter_config",
            type=click.Path(path_type=Path),
            help="import-linter config whose contracts run too (default: ROOT's).",
        ),
        click.option(
            "--cache-dir",
            "cache_dir",
            type=click.Path(path_type=Path),
            help="Cache folder (default: ROOT/.archguard_cache).",
        ),
        click.option(
            "--no-cache", "no_cache", is_flag=True, default=None, help="Neither read nor write the cache."
        ),
        click.option(
            "--json", "json_out", metavar="FILE", help="Also write the JSON result to FILE ('-' for stdout)."
        ),
        click.option(
            "--jobs", type=click.IntRange(1, 256), help="Worker processes for parsing (default: CPU count)."
        ),
        click.option("--quiet", "-q", is_flag=True, help="No progress bar."),
    ]
    for decorate in reversed(decorators):
        command = decorate(command)
    return command


def check_options(command: Callable[..., Any]) -> Callable[..., Any]:
    decorators = [
        click.option(
            "--format",
            "output_format",
            type=click.Choice(FORMATS),
            help="What goes to stdout (default: text).",
        ),
        click.option(
            "--baseline",
            type=click.Path(dir_okay=False, path_type=Path),
            help="Known-violations file: its entries do not fail the run.",
        ),
        click.option(
            "--update-baseline",
            is_flag=True,
            help="Rewrite --baseline to today's violations, dropping fixed ones.",
        ),
        click.option("--add-new", is_flag=True, help="With --update-baseline: also record new violations."),
        click.option(
            "--strict-baseline",
            is_flag=True,
            default=None,
            help="Stale baseline entries (fixed violations) fail the run, so the file only shrinks.",
        ),
        click.option("--statistics", is_flag=True, help="Counts per rule code and per contract."),
    ]
    for decorate in reversed(decorators):
        command = decorate(command)
    return command


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="archguard")
def cli() -> None:
    """Import-graph architecture enforcer: one import path per concept, for the whole codebase."""


@cli.command()
@common_options
@click.option("--verbose", "-v", is_flag=True, help="List every finding, not the first 200 of each kind.")
def scan(**raw: Any) -> None:
    """Build the graph of the whole tree and print what it saw (exit 0 whatever it found)."""
    with _reported_errors():
        options, settings = _options(raw)
        with _progress(settings["quiet"]) as progress:
            result = app.run_scan(options, progress)
        _emit_json(result, "scan", settings["json"])
        if settings["json"] != "-":
            click.echo(text.render_scan(result, verbose=bool(raw.get("verbose"))), nl=False)


def entry_option(command: Callable[..., Any]) -> Callable[..., Any]:
    """``--entry``: the golden path (docs/golden-path.md), for ``check`` and ``report``."""
    return click.option(
        "--entry",
        "entry",
        multiple=True,
        metavar="MODULE|PATH",
        help="Entry point whose import-time closure must load cleanly (repeatable; config: entry_points).",
    )(command)


@cli.command()
@common_options
@check_options
@click.option(
    "--changed",
    "changed",
    is_flag=False,
    flag_value="",
    default=None,
    metavar="[REV]",
    help="Only findings in or caused by files changed against REV (default: the merge base with the default branch). Put ROOT before it, or write --changed=REV.",
)
@click.option("--staged", is_flag=True, help="Only findings in or caused by the files staged in git's index.")
@entry_option
@click.option("--golden-only", is_flag=True, help="Report only the entry points' golden-path findings.")
def check(**raw: Any) -> None:
    """Run every contract: concept contracts, import-linter contracts, dangling imports.

    Exit 1 when there are violations the baseline does not cover."""
    with _reported_errors():
        options, settings = _options(raw)
        with _progress(settings["quiet"] or settings["format"] != "text") as progress:
            if raw.get("changed") is not None or raw.get("staged"):
                from archguard.app.changed import run_changed_check

                result = run_changed_check(
                    options, raw.get("changed"), staged=bool(raw.get("staged")), progress=progress
                )
            else:
                result = app.run_check(options, progress)
        _finish_check(result, settings, "check")


@cli.command()
@common_options
@click.option(
    "--baseline", type=click.Path(dir_okay=False, path_type=Path), help="The known-violations file to write."
)
@click.option(
    "--format", "output_format", type=click.Choice(FORMATS), help="What goes to stdout (default: text)."
)
@click.option("--owner", metavar="NAME", help="Owner written on entries new to the baseline.")
@click.option(
    "--owner-from-codeowners",
    "owner_from_codeowners",
    is_flag=True,
    help="Entries without an owner get their file's owners from CODEOWNERS (GitHub's rules).",
)
@click.option("--reason", metavar="TEXT", help="Reason written on entries new to the baseline.")
@click.option(
    "--expires", metavar="YYYY-MM-DD", help="Date from which new entries stop covering their violations."
)
def baseline(**raw: Any) -> None:
    """Record today's violations in --baseline FILE as known (exit 0)."""
    with _reported_errors():
        options, settings = _options(raw)
        with _progress(settings["quiet"]) as progress:
            result = app.record_baseline(options, progress)
        click.echo(
            f"Recorded {sum(v.baselined for v in result.violations)} violations in {options.baseline}.",
            err=True,
        )
        _finish_check(result, settings, "baseline", exit_on_failure=False)


@cli.command()
@common_options
@check_options
@click.option(
    "--out",
    "out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("reports"),
    show_default=True,
    help="Folder for report.md, report.json, report.sarif, junit.xml, index.html and graphs/.",
)
@click.option(
    "--history",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Append this run's headline figures to FILE (JSON lines) and show the trend.",
)
@click.option(
    "--link-template",
    metavar="URL",
    help="Link findings to their source, e.g. 'https://github.com/o/r/blob/main/{path}#L{line}'.",
)
@click.option(
    "--focus", metavar="MODULE", help="Also draw the neighbourhood of MODULE (a module name or a file path)."
)
@click.option(
    "--depth", type=click.IntRange(1, 10), default=1, show_default=True, help="Steps from --focus, both ways."
)
@entry_option
def report(**raw: Any) -> None:
    """Write the full report set into --out DIR: Markdown, JSON, SARIF, JUnit, HTML and diagrams.

    Exit code as check: 1 when there are violations the baseline does not cover."""
    from archguard.adapters.graphviz import INSTALL_HINT
    from archguard.app.report import ReportOptions, run_report

    with _reported_errors():
        options, settings = _options(raw)
        report_options = ReportOptions(
            out=raw["out"],
            history=raw.get("history"),
            link_template=raw.get("link_template"),
            focus=raw.get("focus"),
            depth=raw["depth"],
            tool_version=__version__,
        )
        quiet = settings["quiet"] or settings["format"] != "text"
        with _progress(quiet) as progress, _stages(quiet) as stage:
            outcome = run_report(options, report_options, progress, stage)
        if outcome.dot_missing:
            click.echo(f"archguard: {INSTALL_HINT}", err=True)
        for error in outcome.diagram_errors:
            click.echo(f"archguard: warning: {error}", err=True)
        click.echo(
            f"Wrote {len(outcome.written)} files to {report_options.out}/ (open {report_options.out / 'index.html'}).",
            err=True,
        )
        if settings["json"]:  # --json gets what report.json holds: the check and the discovery
            write_output(json_report.dumps(outcome.report), settings["json"])
        if settings["json"] != "-":  # else stdout holds the JSON document only
            click.echo(
                render_check_as(
                    outcome.check,
                    settings["format"],
                    tool_version=__version__,
                    command="report",
                    statistics=settings["statistics"],
                ),
                nl=False,
            )
        if outcome.check.failed:
            sys.exit(1)


@cli.command()
@common_options
@click.option(
    "--top",
    type=click.IntRange(1, None),
    default=10,
    show_default=True,
    help="Rows shown per section; the JSON has them all.",
)
@click.option(
    "--write-contracts",
    "write_contracts",
    type=click.Path(file_okay=False, path_type=Path),
    metavar="DIR",
    help="Draft a concept contract per top cluster into DIR (existing files are kept).",
)
@click.option(
    "--canonical",
    "canonical",
    multiple=True,
    metavar="CONCEPT=module:Name",
    help="Use this canonical path for a cluster instead of its most-used one (repeatable).",
)
def discover(**raw: Any) -> None:
    """Find fragmentation with no configuration: concepts reached or defined in several ways,
    shims, copies, import cycles, hotspots (exit 0)."""
    from archguard.app.discover import run_discover, write_contract_drafts
    from archguard.reporting.discover_text import discover_sections, discover_summary

    with _reported_errors():
        options, settings = _options(raw)
        canonical = _canonical_overrides(raw["canonical"])
        with _progress(settings["quiet"]) as progress:
            result = run_discover(options, progress, canonical=canonical)
        _emit_json(result, "discover", settings["json"])
        if settings["json"] != "-":
            _print_sections(discover_sections(result, raw["top"]))
            click.echo(discover_summary(result))
        if raw["write_contracts"]:
            for line in write_contract_drafts(result, raw["write_contracts"], top=raw["top"]):
                click.echo(line, err=settings["json"] == "-")


@cli.command()
@common_options
@click.option(
    "--out",
    "out",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="Diagram file: .svg, .png or .dot.",
)
@click.option(
    "--focus", metavar="MODULE", help="Draw the neighbourhood of MODULE (a module name or a file path)."
)
@click.option(
    "--depth", type=click.IntRange(1, 10), default=1, show_default=True, help="Steps from --focus, both ways."
)
@click.option("--concept", metavar="NAME", help="Draw the cluster NAME that discover found.")
@click.option(
    "--dsm",
    is_flag=True,
    help="Draw the dependency structure matrix (of the packages; with --focus PACKAGE, of its modules).",
)
def graph(**raw: Any) -> None:
    """Draw one diagram: --focus MODULE's neighbourhood, --concept NAME's cluster, --dsm the dependency matrix, else the package overview (exit 0)."""
    from archguard.adapters.graphviz import INSTALL_HINT
    from archguard.app.report import draw_graph

    with _reported_errors():
        if raw.get("concept") and (raw.get("focus") or raw.get("dsm")):
            raise ConfigError("--concept draws a cluster; --focus and --dsm draw other diagrams: give one")
        options, settings = _options(raw)
        with _progress(settings["quiet"]) as progress:
            rendered = draw_graph(
                options,
                raw["out"],
                focus=raw.get("focus"),
                depth=raw["depth"],
                concept=raw.get("concept"),
                dsm=bool(raw.get("dsm")),
                progress=progress,
            )
        if rendered.errors:
            raise ConfigError("; ".join(rendered.errors))
        if rendered.dot_missing:
            click.echo(f"archguard: {INSTALL_HINT}", err=True)
        for path in rendered.written:
            click.echo(f"Wrote {path}", err=True)


@cli.command()
@common_options
@click.option(
    "--top",
    type=click.IntRange(1, None),
    default=5,
    show_default=True,
    help="Contracts drafted from the top clusters.",
)
def init(**raw: Any) -> None:
    """Bootstrap a repository: [tool.archguard], contracts/ drafted from discovery, a
    .importlinter if none, a first baseline. Never overwrites a file (exit 0)."""
    from archguard.app.init import run_init

    with _reported_errors():
        options, settings = _options(raw)
        with _progress(settings["quiet"]) as progress:
            for line in run_init(options, progress, top=raw["top"]):
                click.echo(line)


@cli.command()
@common_options
@click.argument("paths", nargs=-1, type=click.Path(path_type=str))
@click.option("--dry-run", is_flag=True, help="Print the unified diff; write nothing.")
@click.option("--rollback", is_flag=True, help="Restore the files of an interrupted run from its journal.")
@click.option("--concept", metavar="NAME", help="Fix only this concept contract's violations.")
@click.option(
    "--delete-unused-shims", is_flag=True, help="Also delete shims the run leaves without importers."
)
def fix(**raw: Any) -> None:
    """Rewrite non-canonical imports to their canonical path, atomically (PATHS limit the scope).

    Exit 0 when done or nothing to do; 1 when refused or rolled back (docs/fix.md)."""
    from archguard.app.fix import FixOptions, run_fix
    from archguard.reporting.fix_report import fix_to_json, render_fix

    with _reported_errors():
        options, settings = _options(raw)
        fix_options = FixOptions(
            dry_run=bool(raw["dry_run"]),
            rollback=bool(raw["rollback"]),
            concept=raw.get("concept"),
            paths=tuple(raw.get("paths") or ()),
            delete_unused_shims=bool(raw["delete_unused_shims"]),
        )
        with _progress(settings["quiet"]) as progress:
            result = run_fix(options, fix_options, progress)
        if settings["json"]:
            write_output(json_report.dumps(fix_to_json(result, tool_version=__version__)), settings["json"])
        if settings["json"] != "-":
            click.echo(render_fix(result), nl=False)
        # Rolled back means exit 1 (INTERFACE.md), whether asked for with --rollback or forced by
        # a regression or an interrupted run; a --rollback with no journal had nothing to do (0).
        if result.status.failed:
            sys.exit(1)


def main() -> None:
    gc_policy.off_for_this_process()  # why, and where it is turned back on: adapters/gc_policy.py
    _plain_notices()
    cli(prog_name="archguard")


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


def _options(raw: dict[str, Any]) -> tuple[app.Options, dict[str, Any]]:
    """Merge [tool.archguard] from ROOT's pyproject.toml under the command line (which wins)."""
    root: Path = raw["root"]
    project = read_project_options(root)

    def pick(name: str, config_name: str | None = None) -> Any:
        value = raw.get(name)
        if value in (None, ()):  # not given on the command line
            return project.get(config_name or name)
        return value

    def as_path(value: str | Path | None, name: str = "path") -> Path | None:
        """Command-line paths are relative to the working directory and may point anywhere;
        pyproject ones are relative to ROOT and must resolve inside it (the tree is untrusted)."""
        if value is None or isinstance(value, Path):
            return value
        path = Path(value)
        path = path if path.is_absolute() else root / path
        return require_inside(path, root, what=f"[tool.archguard] {name}", source="pyproject.toml")

    target = pick("target_python")
    try:
        parsed_target = parse_target(target) if target else None
    except ValueError as error:
        raise ConfigError(f"--target-python: {error}") from None
    baseline_value = pick("baseline")
    options = app.Options(
        root=root,
        packages=tuple(pick("package") or ()),
        excludes=tuple(pick("exclude") or ()),
        target=parsed_target,
        contracts_dir=as_path(pick("contracts"), "contracts"),
        importlinter_config=as_path(pick("importlinter_config"), "importlinter_config"),
        cache_dir=as_path(pick("cache_dir"), "cache_dir"),
        no_cache=bool(pick("no_cache")),
        jobs=pick("jobs"),
        baseline=as_path(baseline_value, "baseline"),
        update_baseline=bool(raw.get("update_baseline")),
        add_new=bool(raw.get("add_new")),
        strict_baseline=bool(pick("strict_baseline")),
        baseline_annotations=_baseline_annotations(raw),
        owner_from_codeowners=bool(raw.get("owner_from_codeowners")),
        entries=tuple(pick("entry", "entry_points") or ()),
        golden_only=bool(raw.get("golden_only")),
    )
    if options.update_baseline and options.baseline is None:
        raise ConfigError("--update-baseline needs --baseline FILE")
    if options.golden_only and not options.entries:
        raise ConfigError("--golden-only needs --entry MODULE|PATH or entry_points in [tool.archguard]")
    settings = {
        "json": _json_destination(raw.get("json_out"), project.get("json"), root),
        "format": pick("output_format", "format") or "text",
        "quiet": bool(raw.get("quiet")),
        "statistics": bool(raw.get("statistics")),
    }
    if settings["json"] == "-" and settings["format"] != "text":
        raise ConfigError(
            f"--json - and --format {settings['format']} both want stdout; write the JSON to a file"
        )
    if (
        settings["json"] not in (None, "-")
        and options.baseline is not None
        and same_file(str(settings["json"]), options.baseline)
    ):
        raise ConfigError(
            f"--json and --baseline name the same file ({options.baseline}): the result would overwrite the baseline"
        )
    if settings["format"] not in FORMATS:
        raise ConfigError(f"format must be one of {', '.join(FORMATS)}", path="pyproject.toml")
    return options, settings


def options_for(root: Path, **given: Any) -> tuple[app.Options, dict[str, Any]]:
    """Options as ``archguard check ROOT`` builds them: ROOT's ``[tool.archguard]`` under ``given``
    (the command line's option names, ``_`` for ``-``). For callers such as ``archguard.testing``."""
    return _options({"root": root, **given})


def _baseline_annotations(raw: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    """``baseline --owner/--reason/--expires``, checked (a bad date is exit 2)."""
    annotations = {key: raw.get(key) for key in ("owner", "reason", "expires") if raw.get(key)}
    if "expires" in annotations:
        try:
            annotations["expires"] = parse_expiry(annotations["expires"])
        except ValueError as error:
            raise ConfigError(f"--expires: {error}") from None
    return tuple(annotations.items())  # type: ignore[arg-type]  # values are the truthy strings kept above


def _json_destination(given: str | None, configured: str | None, root: Path) -> str | None:
    """``--json`` as given (relative to the working directory); from pyproject, relative to ROOT."""
    if given:
        return given
    if configured and configured != "-":
        path = Path(configured) if Path(configured).is_absolute() else root / configured
        return str(require_inside(path, root, what="[tool.archguard] json", source="pyproject.toml"))
    return configured


def _finish_check(
    result: CheckResult, settings: dict[str, Any], command: str, *, exit_on_failure: bool = True
) -> None:
    _emit_json(result, command, settings["json"])
    if settings["json"] != "-":  # stdout already holds the JSON document
        rendered = render_check_as(
            result,
            settings["format"],
            tool_version=__version__,
            command=command,
            statistics=settings["statistics"],
        )
        click.echo(rendered, nl=False)
    if exit_on_failure and result.failed:
        sys.exit(1)


def _emit_json(
    result: ScanResult | CheckResult | DiscoveryResult, command: str, destination: str | None
) -> None:
    if destination:
        data = json_report.to_json(result, tool_version=__version__, command=command)
        write_output(json_report.dumps(data), destination)


def _canonical_overrides(given: tuple[str, ...]) -> dict[str, str]:
    overrides = {}
    for item in given:
        concept, equals, target = item.partition("=")
        if not equals or ":" not in target:
            raise ConfigError(f"--canonical {item!r}: write CONCEPT=module:Name")
        overrides[concept.strip()] = target.strip()
    return overrides


def _print_sections(sections: list[Any]) -> None:
    """Each section as a rich table (plain columns when stdout is not a terminal)."""
    from rich.console import Console
    from rich.table import Table

    console = Console(width=None if sys.stdout.isatty() else 160)
    for section in sections:
        if not section.rows:
            console.print(f"[bold]{section.title}[/bold]: {section.empty}")
            continue
        table = Table(title=section.title, title_justify="left", show_lines=False)
        for header in section.headers:
            table.add_column(header, overflow="fold")
        for row in section.rows:
            table.add_row(*row)
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
def _progress(quiet: bool) -> Iterator[Callable[[int, int], None] | None]:
    """A rich progress bar on stderr while files are parsed (only on a terminal, never in CI logs)."""
    if quiet or not sys.stderr.isatty():
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("parsing"),
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
