"""The compatibility seam with import-linter and grimp, tested against whatever release is installed:
CI runs this file with the lowest supported releases (ci/lowest.txt) and with the newest."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

from archguard.adapters.importlinter_bridge import importlinter_compat as compat
from archguard.adapters.importlinter_bridge.grimp_graph import build_import_graph
from archguard.adapters.importlinter_bridge.importlinter_runner import check_contracts, load_config
from archguard.cli import cli
from archguard.domain.errors import ArchguardError, UnsupportedDependencyError
from tests.helpers import REPO, scan, write_tree

APP = {
    "app/__init__.py": "",
    "app/db.py": "CONNECTION = None\n",
    "app/_secret.py": "KEY = 1\n",
    "app/repo.py": "from app.db import CONNECTION\nfrom app._secret import KEY\n",
    "app/ui/__init__.py": "",
    "app/ui/views.py": "from app import repo\nfrom app.db import CONNECTION\n",
}


def test_the_installed_releases_are_supported() -> None:
    compat.require_supported()  # raises when CI installed something outside the declared range
    for distribution, (low, high) in compat.SUPPORTED.items():
        version = compat.installed_version(distribution)
        assert version is not None and low <= compat.version_tuple(version) < high


def test_pyproject_declares_the_ranges_the_seam_supports() -> None:
    declared = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]["dependencies"]
    for distribution in compat.SUPPORTED:
        assert f"{distribution}{compat.supported_range(distribution)}" in declared


def test_ci_lowest_pins_are_the_declared_floors() -> None:
    pins = dict(
        line.split("==", 1) for line in (REPO / "ci/lowest.txt").read_text().splitlines()
        if "==" in line and not line.lstrip().startswith("#")
    )
    for distribution, (low, _) in compat.SUPPORTED.items():
        assert compat.version_tuple(pins[distribution]) == low


@pytest.mark.parametrize(
    ("version", "expected"),
    [("2.12", (2, 12)), ("3.5.1rc1", (3, 5, 1)), ("2.17.post1", (2, 17)), ("10", (10,))],
)
def test_version_tuple_reads_the_release_numbers(version: str, expected: tuple[int, ...]) -> None:
    assert compat.version_tuple(version) == expected


def test_an_unsupported_release_is_one_error_naming_it_and_the_fix() -> None:
    versions = {"import-linter": "2.9", "grimp": None}
    with pytest.raises(UnsupportedDependencyError) as caught:
        compat.require_supported(versions.get)
    message = str(caught.value)
    assert "import-linter 2.9 is installed, archguard needs import-linter" + compat.supported_range(
        "import-linter"
    ) in message
    assert "grimp is not installed" in message
    assert isinstance(caught.value, ArchguardError)  # so every command exits 2 with it


def test_check_with_an_unsupported_import_linter_exits_2_without_a_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # import-linter 2.12 made `archguard check` end in an AttributeError traceback (issue 16): it is
    # supported now (CI's lowest run covers older ones still), and a release below the floor gets this.
    write_tree(tmp_path, {**APP, ".importlinter": "[importlinter]\nroot_packages = app\n"})
    real = compat.installed_version
    monkeypatch.setattr(
        compat, "installed_version", lambda name: "2.9" if name == "import-linter" else real(name)
    )
    result = CliRunner().invoke(cli, ["check", str(tmp_path), "--no-cache"])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert result.output.count("\n") == 1 and result.output.startswith("archguard: error: ")
    assert "import-linter 2.9 is installed, archguard needs import-linter>=2.10,<3" in result.output


def test_contract_types_resolve_built_ins_and_the_configurations_own() -> None:
    types = compat.contract_types({"contract_types": ["canonical: archguard.importlinter.CanonicalContract"]})
    assert {"forbidden", "layers", "independence", "protected", "acyclic_siblings", "canonical"} <= set(types)
    assert types["canonical"].__name__ == "CanonicalContract"


@pytest.mark.parametrize(
    ("entry", "error"),
    [("no separator", ValueError), ("x: archguard.domain.errors.ConfigError", TypeError),
     ("x: archguard.nowhere.Thing", ImportError)],
)
def test_a_bad_contract_types_entry_is_an_error(entry: str, error: type[Exception]) -> None:
    with pytest.raises(error):
        compat.contract_types({"contract_types": [entry]})


@pytest.mark.parametrize(("value", "expected"), [("True", True), ("true", True), ("False", False), (None, False)])
def test_boolean_session_options_read_as_import_linter_reads_them(value: str | None, expected: bool) -> None:
    options = {} if value is None else {"include_external_packages": value, "exclude_type_checking_imports": value}
    assert compat.include_external_packages(options) is expected
    assert compat.exclude_type_checking_imports(options) is expected


# One broken contract per built-in type: each must give findings located at the offending import,
# never the "contract broken (run lint-imports)" fallback. This is what breaks first when a release
# changes the shape of its check metadata. type -> (options, extra files, expected (path, line)s).
CONTRACTS: dict[str, tuple[str, dict[str, str], set[tuple[str, int]]]] = {
    "forbidden": (
        "source_modules = app.ui\nforbidden_modules = app.db",
        {},
        {("app/ui/views.py", 1), ("app/ui/views.py", 2)},
    ),
    "layers": (
        "layers =\n    app.ui\n    app.repo\n    app.db",
        {"app/db.py": "from app.ui import views\nCONNECTION = None\n"},
        {("app/db.py", 1)},
    ),
    "independence": ("modules =\n    app.ui\n    app.repo", {}, {("app/ui/views.py", 1)}),
    "protected": (
        "protected_modules = app.db\nallowed_importers = app.repo",
        {},
        {("app/ui/views.py", 2)},
    ),
    "private_modules": (
        "",
        {"app/ui/_widgets.py": "", "app/db.py": "from app.ui import _widgets\nCONNECTION = None\n"},
        {("app/db.py", 1)},
    ),
    "acyclic_siblings": (
        "ancestors = app",
        {"app/db.py": "from app import repo\nCONNECTION = None\n"},
        set(),  # which import of the cycle is named is the release's choice
    ),
}


@pytest.mark.parametrize("type_name", list(CONTRACTS))
def test_every_built_in_contract_type_gives_located_findings(tmp_path: Path, type_name: str) -> None:
    if type_name not in compat.contract_types({}):
        pytest.skip(f"this import-linter release has no {type_name} contracts")
    options, extra, expected = CONTRACTS[type_name]
    config = (
        "[importlinter]\nroot_packages = app\n\n"
        f"[importlinter:contract:c]\nname = the contract\ntype = {type_name}\n{options}\n"
    )
    write_tree(tmp_path, {**APP, **extra, ".importlinter": config})
    files, facts = scan(tmp_path)
    loaded = load_config(tmp_path / ".importlinter", root=tmp_path)
    result = check_contracts(loaded, build_import_graph(files, facts), files, facts)
    assert result.broken == ["the contract"]
    located = {(v.path, v.line) for v in result.violations}
    assert located and all(path.startswith("app/") and line > 0 for path, line in located)
    assert not any("run lint-imports for details" in v.message for v in result.violations)
    assert located == expected or not expected
