"""Options are declared once (archguard/domain/options.py): the command line, [tool.archguard],
the typed ``app.Options`` and ``archguard.testing``'s keywords all follow that declaration."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from archguard import testing
from archguard.app.fix import FixOptions
from archguard.app.options import Options, Output, resolve
from archguard.app.report import ReportOptions
from archguard.cli import cli
from archguard.domain.errors import ConfigError
from archguard.domain.options import EVERY_COMMAND, OPTIONS, Kind, configurable, options_of
from tests.helpers import REPO


def pyproject(root: Path, body: str) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "pyproject.toml").write_text(f"[tool.archguard]\n{body}\n")
    return root


def test_every_command_offers_exactly_its_declared_options() -> None:
    for command in EVERY_COMMAND:
        offered = [p.opts[0] for p in cli.commands[command].params if p.param_type_name == "option"]
        assert offered == [spec.flag for spec in options_of(command)], command


def test_each_option_is_declared_once_per_command() -> None:
    for command in EVERY_COMMAND:
        flags = [spec.flag for spec in options_of(command)]
        assert len(flags) == len(set(flags)), command


def test_every_analysis_field_is_set_by_an_option_and_every_option_field_exists() -> None:
    declared = {spec.field for spec in OPTIONS if spec.field}
    # root is the argument; include_loose is set by lint-imports; config_root by history --config-at-commit
    fields = {f.name for f in dataclasses.fields(Options)} - {"root", "include_loose", "config_root"}
    assert declared == fields


@pytest.mark.parametrize(("command", "record"), [("report", ReportOptions), ("fix", FixOptions)])
def test_a_commands_own_options_reach_its_record(command: str, record: type) -> None:
    """``Invocation.record`` fills a use case's record by name: a misspelt field would be dropped."""
    output = {f.name for f in dataclasses.fields(Output)}
    own = {spec.name for spec in options_of(command) if spec.field is None} - output
    assert own and own <= {f.name for f in dataclasses.fields(record)}


def test_testing_keywords_are_the_analysis_options_pyproject_may_set() -> None:
    assert testing.KEYWORDS >= {"package", "exclude", "target_python", "baseline", "strict_baseline", "jobs"}
    for name in testing.KEYWORDS:
        spec = next(s for s in options_of("check") if s.name == name)
        assert spec.config and spec.field
    assert "update_baseline" not in testing.KEYWORDS  # a test must never rewrite the baseline


def test_pyproject_fills_what_the_caller_did_not_give_and_the_caller_wins(tmp_path: Path) -> None:
    root = pyproject(
        tmp_path / "repo",
        'packages = ["app"]\nexclude = "old/**"\ntarget-python = "3.11"\njobs = 3\nno_cache = true\n'
        'contracts = "rules"\nentry_points = ["app.main"]\nformat = "sarif"\njson = "out/r.json"\n',
    )
    run = resolve("check", root, {"exclude": ("new/**",), "jobs": None})
    options = run.options
    assert options.packages == ("app",) and options.excludes == ("new/**",)
    assert options.target == (3, 11) and options.jobs == 3 and options.no_cache is True
    assert options.contracts_dir == root / "rules"  # relative to ROOT, not to the working directory
    assert options.entries == ("app.main",)
    assert run.output == Output(json=str(root / "out" / "r.json"), format="sarif")


def test_a_caller_path_is_taken_as_given_and_a_pyproject_path_must_stay_inside_root(tmp_path: Path) -> None:
    root = pyproject(tmp_path / "repo", 'cache_dir = "../elsewhere"\n')
    with pytest.raises(ConfigError, match=r"\[tool.archguard\] cache_dir .* resolves outside ROOT"):
        resolve("scan", root, {})
    given = resolve("scan", root, {"cache_dir": str(tmp_path / "elsewhere")})
    assert given.options.cache_dir == tmp_path / "elsewhere"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("jobs = 0", "[tool.archguard] jobs must be a number from 1 to 256, not 0"),
        ("jobs = true", "[tool.archguard] jobs must be a number from 1 to 256, not True"),
        ("jobs = '2'", "[tool.archguard] jobs must be int"),
        ("no-cache = 'yes'", "[tool.archguard] no-cache must be bool"),
        ("exclude = [1]", "[tool.archguard] exclude must be a list of strings"),
        ("format = 'xml'", "format must be one of text, json, sarif, junit, github, gitlab"),
        ("target_python = '2.7'", "--target-python: unsupported target Python '2.7'"),
        ("verbose = true", "unknown option 'verbose' in [tool.archguard]; known: baseline, cache_dir"),
    ],
)
def test_bad_pyproject_values_name_the_key(tmp_path: Path, body: str, message: str) -> None:
    root = pyproject(tmp_path / "repo", body)
    with pytest.raises(ConfigError) as raised:
        resolve("check", root, {})
    assert message in str(raised.value)


@pytest.mark.parametrize(
    ("command", "given", "message"),
    [
        ("check", {"update_baseline": True}, "--update-baseline needs --baseline FILE"),
        ("check", {"update_baseline": True, "baseline": "b.json", "staged": True}, "needs the whole tree"),
        ("check", {"golden_only": True}, "--golden-only needs --entry"),
        ("check", {"json": "-", "format": "junit"}, "--json - and --format junit both want stdout"),
        ("check", {"json": "b.json", "baseline": "b.json"}, "--json and --baseline name the same file"),
        ("graph", {"focus": "app", "concept": "x", "out": "g.dot"}, "--concept draws a cluster; --focus and --dsm draw other diagrams"),
        ("baseline", {}, "baseline needs --baseline FILE"),
        ("baseline", {"baseline": "b.json", "expires": "soon"}, "--expires: 'expires' must be an ISO date"),
        ("discover", {"canonical": ["x"]}, "--canonical 'x': write CONCEPT=module:Name"),
        ("scan", {"jobs": 0}, "--jobs: 0 is not a number from 1 to 256"),
    ],
)
def test_options_are_checked_together_for_every_caller(
    tmp_path: Path, command: str, given: dict[str, object], message: str
) -> None:
    with pytest.raises(ConfigError, match=message.replace("(", r"\(")):
        resolve(command, tmp_path, given)


def test_options_a_command_does_not_take_are_ignored_but_pyproject_applies_to_every_command(tmp_path: Path) -> None:
    root = pyproject(tmp_path / "repo", 'baseline = "b.json"\n')
    # ``init`` has no --baseline; it still writes the configured baseline (app/init.py)
    assert resolve("init", root, {"baseline": "x.json"}).options.baseline == root / "b.json"


def test_every_configurable_option_has_a_toml_type_a_user_can_write() -> None:
    for key, spec in configurable().items():
        assert key == key.lower() and "-" not in key
        assert spec.kind is not Kind.REVISION  # "the option alone" has no TOML spelling


def test_the_interface_page_lists_every_pyproject_key_and_command() -> None:
    """docs/interface.md is the promise to users: an option [tool.archguard] may set, or a
    command, that it does not name is a promise nobody wrote down."""
    page = (REPO / "docs" / "interface.md").read_text(encoding="utf-8")
    for key in configurable():
        assert f"`{key}`" in page, key
    for command in EVERY_COMMAND:
        assert f"`{command}" in page, command
    for spec in OPTIONS:
        assert f"`{spec.flag}" in page, spec.flag
