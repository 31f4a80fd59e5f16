"""Every command-line option, declared once (docs/interface.md lists them for users).

Each :class:`OptionSpec` says what the option is: its spelling, the commands that take it, its
kind of value, whether it repeats, its key in ``[tool.archguard]`` (if it may be set there),
whether a path from there must stay inside ROOT, and its help. Everything else is derived:

- the Click options of each command (``archguard.cli``), in the order of :data:`OPTIONS`;
- the reading and type checks of ``[tool.archguard]`` (``adapters/project_files/project_config``);
- the typed values (``archguard.app.options``: each value converted by its kind, landing on
  ``app.Options`` under ``field``; every check of one option against another is there too);
- the keyword arguments of ``archguard.testing``.

A new option is one entry here, plus its field on ``app.Options`` when the analysis reads it
(docs/DESIGN.md, "Adding an option").
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

# What ``--format`` may name; each has a renderer in ``archguard.reporting.render_check_as``.
FORMATS = ("text", "json", "sarif", "junit", "github", "gitlab")
DIFF_FORMATS = ("text", "markdown", "json")  # ``diff --format``: reporting/diff_report.py

# The commands, in ``archguard --help``'s order.
EVERY_COMMAND = (
    "scan",
    "check",
    "baseline",
    "report",
    "discover",
    "graph",
    "init",
    "fix",
    "history",
    "diff",
    "lsp",
)
CHECKING = ("check", "report")  # commands that judge the tree against its contracts and baseline
EDITOR = ("lsp",)  # the language server: judges like check, for as long as an editor keeps it
# Commands that run once and print what they found (the language server speaks on stdout instead).
ONE_SHOT = tuple(command for command in EVERY_COMMAND if command not in EDITOR)


class Kind(Enum):
    """The kind of an option's value: how the command line parses it, which TOML type
    ``[tool.archguard]`` must give it, and what it becomes for the use cases."""

    FLAG = "flag"  # present or not; TOML boolean
    TEXT = "text"
    INT = "int"  # within ``minimum``..``maximum``
    CHOICE = "choice"  # one of ``choices``
    PATH = "path"  # a file or a folder
    FILE = "file"  # a path that is not a folder
    DIR = "dir"  # a path that is not a file
    DESTINATION = "destination"  # a file to write, or ``-`` for stdout (kept as text)
    REVISION = "revision"  # a git revision; the option alone (no value) means the default one
    PYTHON_VERSION = "python-version"  # "3.12" -> (3, 12)
    DATE = "date"  # an ISO date, YYYY-MM-DD
    CANONICAL = "canonical"  # CONCEPT=module:Name


PATH_KINDS = frozenset({Kind.PATH, Kind.FILE, Kind.DIR})


@dataclass(frozen=True)
class OptionSpec:
    flag: str  # "--target-python"; the value's name is the flag without "--", "_" for "-"
    commands: tuple[str, ...]
    help: str
    kind: Kind = Kind.TEXT
    repeatable: bool = False
    # its key in [tool.archguard]: that table may set it for every command (None: command line only)
    config: str | None = None
    config_aliases: tuple[str, ...] = ()  # other keys accepted there for it
    within_root: bool = False  # a path from [tool.archguard] must resolve inside ROOT
    field: str | None = None  # the app.Options attribute it sets (None: the command's own value)
    metavar: str | None = None
    short: str | None = None  # "-q"
    choices: tuple[str, ...] = ()
    minimum: int | None = None
    maximum: int | None = None
    default: object = None  # when given neither on the command line nor in [tool.archguard]
    show_default: bool = False
    required: bool = False

    @property
    def name(self) -> str:
        """The value's name: Click's parameter, the [tool.archguard] default key, ``testing``'s keyword."""
        return self.flag.removeprefix("--").replace("-", "_")

    def allows(self, value: object) -> bool:
        """May the option take VALUE? For a number: a whole one within its bounds (not a
        boolean); for a choice: one of its choices."""
        if self.kind is Kind.INT:
            return (
                isinstance(value, int)
                and not isinstance(value, bool)
                and (self.minimum is None or value >= self.minimum)
                and (self.maximum is None or value <= self.maximum)
            )
        return not self.choices or value in self.choices

    @property
    def allowed(self) -> str:
        """What ``allows`` accepts, in words: "a number from 1 to 256", "one of text, json"."""
        if self.choices:
            return f"one of {', '.join(self.choices)}"
        if self.maximum is None:
            return f"a number of at least {self.minimum}"
        return f"a number from {self.minimum} to {self.maximum}"

    @property
    def unset_value(self) -> object:
        """Its value when nobody gave one."""
        if self.default is not None:
            return self.default
        return () if self.repeatable else False if self.kind is Kind.FLAG else None


OPTIONS: tuple[OptionSpec, ...] = (
    # --- every command: what to analyse and how ---
    OptionSpec(
        "--package",
        EVERY_COMMAND,
        "Top-level package to analyse as modules (repeatable). Default: auto-detected.",
        repeatable=True,
        config="package",
        config_aliases=("packages",),  # a forgiving plural, since the flag repeats
        field="packages",
        metavar="NAME",
    ),
    OptionSpec(
        "--exclude",
        EVERY_COMMAND,
        "Gitignore-style path glob relative to ROOT to leave out (repeatable).",
        repeatable=True,
        config="exclude",
        config_aliases=("excludes",),
        field="excludes",
        metavar="GLOB",
    ),
    OptionSpec(
        "--source-root",
        EVERY_COMMAND,
        "Folder (relative to ROOT) whose packages are analysed too, besides the workspace members (repeatable).",
        repeatable=True,
        config="source_roots",
        config_aliases=("source_root",),
        field="source_roots",
        metavar="DIR",
    ),
    OptionSpec(
        "--python",
        EVERY_COMMAND,
        "Python environment (interpreter or folder) whose installed distributions AG601 reads: "
        "undeclared third-party imports too.",
        kind=Kind.PATH,
        config="python",
        within_root=True,
        field="python",
        metavar="PATH",
    ),
    OptionSpec(
        "--target-python",
        EVERY_COMMAND,
        "Grammar syntax errors are judged by (default: the newest known).",
        kind=Kind.PYTHON_VERSION,
        config="target_python",
        field="target",
        metavar="X.Y",
    ),
    OptionSpec(
        "--contracts",
        EVERY_COMMAND,
        "Folder of contract files, concept and interface (default: ROOT/contracts).",
        kind=Kind.PATH,
        config="contracts",
        within_root=True,
        field="contracts_dir",
    ),
    OptionSpec(
        "--importlinter-config",
        EVERY_COMMAND,
        "import-linter config whose contracts run too (default: ROOT's).",
        kind=Kind.PATH,
        config="importlinter_config",
        within_root=True,
        field="importlinter_config",
    ),
    OptionSpec(
        "--cache-dir",
        EVERY_COMMAND,
        "Cache folder (default: ROOT/.archguard_cache).",
        kind=Kind.PATH,
        config="cache_dir",
        within_root=True,
        field="cache_dir",
    ),
    OptionSpec(
        "--no-cache",
        EVERY_COMMAND,
        "Neither read nor write the cache.",
        kind=Kind.FLAG,
        config="no_cache",
        field="no_cache",
    ),
    OptionSpec(
        "--json",
        ONE_SHOT,
        "Also write the JSON result to FILE ('-' for stdout).",
        kind=Kind.DESTINATION,
        config="json",
        within_root=True,
        metavar="FILE",
    ),
    OptionSpec(
        "--jobs",
        EVERY_COMMAND,
        "Worker processes for parsing (default: CPU count).",
        kind=Kind.INT,
        minimum=1,
        maximum=256,
        config="jobs",
        field="jobs",
    ),
    OptionSpec("--quiet", ONE_SHOT, "No progress bar.", kind=Kind.FLAG, short="-q"),
    # --- scan ---
    OptionSpec(
        "--verbose",
        ("scan",),
        "List every finding, not the first 200 of each kind.",
        kind=Kind.FLAG,
        short="-v",
    ),
    # --- check, report, baseline: the verdict and the baseline ---
    OptionSpec(
        "--baseline",
        ("baseline",),
        "The known-violations file to write.",
        kind=Kind.FILE,
        config="baseline",
        within_root=True,
        field="baseline",
    ),
    OptionSpec(
        "--format",
        (*CHECKING, "baseline"),
        "What goes to stdout (default: text).",
        kind=Kind.CHOICE,
        choices=FORMATS,
        config="format",
        default="text",
    ),
    OptionSpec(
        "--baseline",
        (*CHECKING, *EDITOR),
        "Known-violations file: its entries do not fail the run.",
        kind=Kind.FILE,
        config="baseline",
        within_root=True,
        field="baseline",
    ),
    OptionSpec(
        "--update-baseline",
        CHECKING,
        "Rewrite --baseline to today's violations, dropping fixed ones.",
        kind=Kind.FLAG,
        field="update_baseline",
    ),
    OptionSpec(
        "--add-new",
        CHECKING,
        "With --update-baseline: also record new violations.",
        kind=Kind.FLAG,
        field="add_new",
    ),
    OptionSpec(
        "--strict-baseline",
        CHECKING,
        "Stale baseline entries (fixed violations) fail the run, so the file only shrinks.",
        kind=Kind.FLAG,
        config="strict_baseline",
        field="strict_baseline",
    ),
    OptionSpec("--statistics", CHECKING, "Counts per rule code and per contract.", kind=Kind.FLAG),
    OptionSpec(
        "--owner",
        ("baseline",),
        "Owner written on entries new to the baseline.",
        metavar="NAME",
        field="owner",
    ),
    OptionSpec(
        "--owner-from-codeowners",
        ("baseline",),
        "Entries without an owner get their file's owners from CODEOWNERS (GitHub's rules).",
        kind=Kind.FLAG,
        field="owner_from_codeowners",
    ),
    OptionSpec(
        "--reason",
        ("baseline",),
        "Reason written on entries new to the baseline.",
        metavar="TEXT",
        field="reason",
    ),
    OptionSpec(
        "--expires",
        ("baseline",),
        "Date from which new entries stop covering their violations.",
        kind=Kind.DATE,
        metavar="YYYY-MM-DD",
        field="expires",
    ),
    # --- check: a change only ---
    OptionSpec(
        "--changed",
        ("check",),
        "Only findings in or caused by files changed against REV (default: the merge base with the "
        "default branch). Put ROOT before it, or write --changed=REV.",
        kind=Kind.REVISION,
        metavar="[REV]",
    ),
    OptionSpec(
        "--staged",
        ("check",),
        "Only findings in or caused by the files staged in git's index.",
        kind=Kind.FLAG,
    ),
    # --- report and graph: where the diagrams go and what they show ---
    OptionSpec(
        "--out",
        ("report",),
        "Folder for report.md, report.json, report.sarif, junit.xml, index.html and graphs/.",
        kind=Kind.DIR,
        default="reports",
        show_default=True,
    ),
    OptionSpec("--out", ("graph",), "Diagram file: .svg, .png or .dot.", kind=Kind.FILE, required=True),
    OptionSpec(
        "--history",
        ("report",),
        "Append this run's headline figures to FILE (JSON lines) and show the trend.",
        kind=Kind.FILE,
    ),
    OptionSpec(
        "--link-template",
        ("report",),
        "Link findings to their source, e.g. 'https://github.com/o/r/blob/main/{path}#L{line}'.",
        metavar="URL",
    ),
    OptionSpec(
        "--focus",
        ("report",),
        "Also draw the neighbourhood of MODULE (a module name or a file path).",
        metavar="MODULE",
    ),
    OptionSpec(
        "--focus",
        ("graph",),
        "Draw the neighbourhood of MODULE (a module name or a file path).",
        metavar="MODULE",
    ),
    OptionSpec(
        "--depth",
        ("report", "graph"),
        "Steps from --focus, both ways.",
        kind=Kind.INT,
        minimum=1,
        maximum=10,
        default=1,
        show_default=True,
    ),
    # --- the golden path (docs/golden-path.md) ---
    OptionSpec(
        "--entry",
        (*CHECKING, *EDITOR),
        "Entry point whose import-time closure must load cleanly (repeatable; config: entry_points).",
        repeatable=True,
        config="entry_points",
        field="entries",
        metavar="MODULE|PATH",
    ),
    OptionSpec(
        "--golden-only",
        ("check",),
        "Report only the entry points' golden-path findings.",
        kind=Kind.FLAG,
        field="golden_only",
    ),
    OptionSpec("--concept", ("graph",), "Draw the cluster NAME that discover found.", metavar="NAME"),
    OptionSpec(
        "--dsm",
        ("graph",),
        "Draw the dependency structure matrix (of the packages; with --focus PACKAGE, of its modules).",
        kind=Kind.FLAG,
    ),
    # --- discover and init ---
    OptionSpec(
        "--top",
        ("discover",),
        "Rows shown per section; the JSON has them all.",
        kind=Kind.INT,
        minimum=1,
        default=10,
        show_default=True,
    ),
    OptionSpec(
        "--write-contracts",
        ("discover",),
        "Draft a concept contract per top cluster into DIR (existing files are kept).",
        kind=Kind.DIR,
        metavar="DIR",
    ),
    OptionSpec(
        "--canonical",
        ("discover",),
        "Use this canonical path for a cluster instead of its most-used one (repeatable).",
        kind=Kind.CANONICAL,
        repeatable=True,
        metavar="CONCEPT=module:Name",
    ),
    OptionSpec(
        "--top",
        ("init",),
        "Contracts drafted from the top clusters.",
        kind=Kind.INT,
        minimum=1,
        default=5,
        show_default=True,
    ),
    # --- history and diff (docs/history.md) ---
    OptionSpec(
        "--revs",
        ("history",),
        "Commits to analyse, in git's range syntax (v1.0..HEAD). Default: the last 100 of HEAD.",
        metavar="RANGE",
    ),
    OptionSpec(
        "--since",
        ("history",),
        "Only commits after DATE (anything git reads: 2025-01-31, '6 months ago').",
        metavar="DATE",
    ),
    OptionSpec(
        "--max-count",
        ("history",),
        "At most N commits, the newest.",
        kind=Kind.INT,
        minimum=1,
        metavar="N",
    ),
    OptionSpec(
        "--config-at-commit",
        ("history",),
        "Judge each commit by its own contracts and configuration, not today's.",
        kind=Kind.FLAG,
    ),
    OptionSpec(
        "--csv",
        ("history",),
        "Also write one line per commit to FILE ('-' for stdout).",
        kind=Kind.DESTINATION,
        metavar="FILE",
    ),
    OptionSpec(
        "--base", ("diff",), "The revision the change is measured from.", metavar="REV", required=True
    ),
    OptionSpec("--head", ("diff",), "The revision measured (default: the working tree).", metavar="REV"),
    OptionSpec(
        "--format",
        ("diff",),
        "What goes to stdout (markdown: for a pull request comment or a CI job summary).",
        kind=Kind.CHOICE,
        choices=DIFF_FORMATS,
        default="text",
        show_default=True,
    ),
    OptionSpec(
        "--since",
        ("discover", "report"),
        "Churn window for hotspots: changes since DATE (anything git reads). Default: 90 days ago.",
        metavar="DATE",
        default="90 days ago",
    ),
    OptionSpec(
        "--history-from",
        ("report",),
        "Draw the trend of RANGE's commits (as archguard history --revs RANGE) in the report.",
        metavar="RANGE",
    ),
    # --- fix ---
    OptionSpec("--dry-run", ("fix",), "Print the unified diff; write nothing.", kind=Kind.FLAG),
    OptionSpec(
        "--rollback", ("fix",), "Restore the files of an interrupted run from its journal.", kind=Kind.FLAG
    ),
    OptionSpec(
        "--concept",
        ("fix",),
        "Fix only this contract's violations (a concept or an interface).",
        metavar="NAME",
    ),
    OptionSpec(
        "--delete-unused-shims",
        ("fix",),
        "Also delete shims the run leaves without importers.",
        kind=Kind.FLAG,
    ),
    # --- the language server (docs/editors.md) ---
    OptionSpec(
        "--baselined",
        EDITOR,
        "How violations the baseline knows are shown: hidden, or as hints (an editor may say so in "
        "its initializationOptions instead).",
        kind=Kind.CHOICE,
        choices=("hide", "hint"),
        config="lsp_baselined",
        default="hide",
        show_default=True,
    ),
)


def options_of(command: str) -> tuple[OptionSpec, ...]:
    """The options COMMAND takes, in ``--help``'s order."""
    return tuple(spec for spec in OPTIONS if command in spec.commands)


def configurable() -> dict[str, OptionSpec]:
    """``[tool.archguard]`` key (aliases included) -> the option it sets."""
    keys: dict[str, OptionSpec] = {}
    for spec in OPTIONS:
        if spec.config is not None:
            for key in (spec.config, *spec.config_aliases):
                keys.setdefault(key, spec)
    return keys
