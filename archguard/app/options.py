"""A run's options, typed: what the command line (or a caller such as ``archguard.testing``) gave,
over ROOT's ``[tool.archguard]``, which the caller's values win over.

The options are declared in ``archguard/domain/options.py``; this module turns each value into
what its kind means (:func:`resolve`) and holds every check of one option against another
(:func:`_check_together`). Paths a caller gives are taken as given (relative to the working
directory, anywhere); paths from ``[tool.archguard]`` are relative to ROOT and, where the option
says so, must resolve inside it (the tree is untrusted: docs/security.md).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, TypeVar

from archguard.adapters.parsing.syntax_judge import parse_target
from archguard.adapters.project_files.baseline_file import parse_expiry
from archguard.adapters.project_files.project_config import read_project_options
from archguard.adapters.project_files.safe_io import require_inside, same_file
from archguard.domain.errors import ConfigError
from archguard.domain.options import PATH_KINDS, Kind, OptionSpec, configurable, options_of

Record = TypeVar("Record")


@dataclass(frozen=True)
class Options:
    """What to analyse and how: the options the use cases read (each set by the option whose
    ``field`` names it in archguard/domain/options.py)."""

    root: Path
    packages: tuple[str, ...] = ()
    excludes: tuple[str, ...] = ()
    # folders relative to ROOT whose packages are analysed too, besides the workspace's members
    # (docs/monorepos.md); ``--source-root``, ``source_roots`` in [tool.archguard]
    source_roots: tuple[str, ...] = ()
    python: Path | None = None  # an environment whose installed distributions AG601 reads (--python)
    target: tuple[int, int] | None = None  # None: the newest grammar the syntax judge knows
    contracts_dir: Path | None = None  # None: ROOT/contracts when it exists
    importlinter_config: Path | None = None  # None: ROOT's .importlinter/setup.cfg/pyproject.toml
    cache_dir: Path | None = None  # None: ROOT/.archguard_cache
    no_cache: bool = False
    include_loose: bool = True  # False: only files of regular packages (what import-linter sees)
    jobs: int | None = None
    baseline: Path | None = None
    update_baseline: bool = False
    add_new: bool = False
    strict_baseline: bool = False  # stale baseline entries fail the run
    # ``baseline --owner/--reason/--expires``: written on entries new to the baseline
    owner: str | None = None
    reason: str | None = None
    expires: str | None = None  # an ISO date
    owner_from_codeowners: bool = False  # ``baseline --owner-from-codeowners``: see record_baseline
    entries: tuple[str, ...] = ()  # golden path entry points: module names or paths (app/golden_path.py)
    golden_only: bool = False  # report only the entry points' golden-path findings
    # where contracts/ and the import-linter configuration are found when not named (None: ROOT);
    # history --config-at-commit points it at a commit's own files (app/commit_config.py)
    config_root: Path | None = None

    @property
    def baseline_annotations(self) -> tuple[tuple[str, str], ...]:
        """What is written on baseline entries new to the file: the annotations given."""
        given = (("owner", self.owner), ("reason", self.reason), ("expires", self.expires))
        return tuple((key, value) for key, value in given if value)


@dataclass(frozen=True)
class Output:
    """How the command line shows a result (nothing here changes what is found)."""

    json: str | None = None  # also write the JSON result here ("-": stdout)
    format: str = "text"  # what goes to stdout
    quiet: bool = False  # no progress bar
    statistics: bool = False
    verbose: bool = False


@dataclass(frozen=True)
class Invocation:
    """One command's options, resolved: ``values`` holds every one by name (as converted)."""

    command: str
    options: Options
    output: Output
    values: Mapping[str, Any]

    def record(self, kind: type[Record], **extra: Any) -> Record:
        """A dataclass of KIND (``ReportOptions``, ``FixOptions``...) filled from the values of
        the same names, plus EXTRA."""
        return _filled(kind, self.values, **extra)


def _filled(kind: type[Record], values: Mapping[str, Any], **extra: Any) -> Record:
    names = {field.name for field in fields(kind)}  # type: ignore[arg-type]  # a dataclass
    return kind(**{name: value for name, value in values.items() if name in names}, **extra)


def resolve(command: str, root: Path, given: Mapping[str, Any]) -> Invocation:
    """COMMAND's options: ``given`` (by name, ``_`` for ``-``; None or empty: not given) over
    ROOT's ``[tool.archguard]``, which may set its options for every command."""
    configured = read_project_options(root)
    specs = {spec.name: spec for spec in options_of(command)}
    takes = set(specs)
    for spec in configurable().values():
        specs.setdefault(spec.name, spec)
    values: dict[str, Any] = {}
    for name, spec in specs.items():
        value = given.get(name) if name in takes else None
        if value is not None and value != () and value != []:
            values[name] = _converted(spec, _from_caller(spec, value))
        elif spec.config is not None and spec.config in configured:
            values[name] = _converted(spec, _from_config(spec, configured[spec.config], root))
        else:
            values[name] = _converted(spec, spec.unset_value)
    analysis = {spec.field: values[name] for name, spec in specs.items() if spec.field is not None}
    invocation = Invocation(command, Options(root=root, **analysis), _filled(Output, values), values)
    _check_together(invocation)
    return invocation


def _from_caller(spec: OptionSpec, value: Any) -> Any:
    """A value from the command line or a caller: tuples for repeatable options, Paths for paths;
    a number or a choice the option does not allow is refused (Click refuses them first)."""
    if spec.repeatable:
        value = (
            (value,) if isinstance(value, str) else tuple(value) if isinstance(value, Iterable) else (value,)
        )
    if spec.kind in PATH_KINDS:
        value = Path(value)
    if not spec.allows(value):
        raise ConfigError(f"{spec.flag}: {value!r} is not {spec.allowed}")
    return value


def _from_config(spec: OptionSpec, value: Any, root: Path) -> Any:
    """A value from ``[tool.archguard]`` (its type checked already): paths are relative to ROOT
    and, for options ``within_root``, must resolve inside it."""
    if spec.repeatable:
        return tuple(value)
    if spec.kind in PATH_KINDS or (spec.kind is Kind.DESTINATION and value != "-"):
        path = Path(value)
        path = path if path.is_absolute() else root / path
        if spec.within_root:
            path = require_inside(path, root, what=f"[tool.archguard] {spec.config}", source="pyproject.toml")
        return path if spec.kind in PATH_KINDS else str(path)
    return value


def _converted(spec: OptionSpec, value: Any) -> Any:
    """What the value means to the use cases, by the option's kind."""
    if value is None or value == ():
        return {} if spec.kind is Kind.CANONICAL else value
    if spec.kind is Kind.FLAG:
        return bool(value)
    if spec.kind is Kind.DESTINATION:
        return str(value)
    try:
        if spec.kind is Kind.PYTHON_VERSION:
            return parse_target(value)
        if spec.kind is Kind.DATE:
            return parse_expiry(value)
    except ValueError as error:
        raise ConfigError(f"{spec.flag}: {error}") from None
    if spec.kind is Kind.CANONICAL:
        return _canonical_overrides(value)
    return value


def _canonical_overrides(given: tuple[str, ...]) -> dict[str, str]:
    overrides = {}
    for item in given:
        concept, equals, target = item.partition("=")
        if not equals or ":" not in target:
            raise ConfigError(f"--canonical {item!r}: write CONCEPT=module:Name")
        overrides[concept.strip()] = target.strip()
    return overrides


def _check_together(invocation: Invocation) -> None:
    """Every check of one option against another, for every command and caller."""
    options, output, values = invocation.options, invocation.output, invocation.values
    if invocation.command == "baseline" and options.baseline is None:
        raise ConfigError("baseline needs --baseline FILE")
    if options.update_baseline and options.baseline is None:
        raise ConfigError("--update-baseline needs --baseline FILE")
    if options.update_baseline and (values.get("changed") is not None or values.get("staged")):
        raise ConfigError(
            "--update-baseline needs the whole tree's violations; run it without --changed/--staged"
        )
    if options.golden_only and not options.entries:
        raise ConfigError("--golden-only needs --entry MODULE|PATH or entry_points in [tool.archguard]")
    if values.get("concept") and (values.get("focus") or values.get("dsm")):
        raise ConfigError("--concept draws a cluster; --focus and --dsm draw other diagrams: give one")
    if output.json == "-" and output.format != "text":
        raise ConfigError(f"--json - and --format {output.format} both want stdout; write the JSON to a file")
    if (
        output.json not in (None, "-")
        and options.baseline is not None
        and same_file(output.json, options.baseline)
    ):
        raise ConfigError(
            f"--json and --baseline name the same file ({options.baseline}): the result would overwrite the baseline"
        )
