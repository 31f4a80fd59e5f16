"""import-linter contracts run on archguard's graph: loose files count, broken files don't abort,
each offending import becomes an AG301 violation at the importer's file and line."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from archguard.adapters.importlinter_bridge.grimp_graph import build_import_graph
from archguard.adapters.importlinter_bridge.importlinter_runner import (
    ImportLinterResult,
    find_config_file,
    load_config,
    run_config,
)
from archguard.app import Options, run_check
from archguard.domain.errors import ConfigError
from archguard.domain.findings import Kind
from tests.helpers import run_cli, scan, write_tree

APP = {
    "app/__init__.py": "",
    "app/db.py": "import sqlite3\nCONNECTION = None\n",
    "app/repo.py": "from app.db import CONNECTION\n",
    "app/service.py": "from app import repo\n",
    "app/ui/__init__.py": "",
    "app/ui/views.py": "import os\n\nfrom app.service import repo  # reaches db through service\n",
    "app/broken.py": "from app.db import CONNECTION\ndef f(:\n",  # does not parse
    "scripts/fix_data.py": "import app.db\nfrom app.db import (\n    CONNECTION,\n)\n",  # loose
}


def run(root: Path, config_text: str, name: str = ".importlinter", config: Path | None = None) -> ImportLinterResult:
    """What ``archguard check`` does with ROOT's import-linter configuration (or ``config``)."""
    write_tree(root, {name: textwrap.dedent(config_text)})
    files, facts = scan(root)
    found = find_config_file(root, config)
    assert found is not None
    return run_config(load_config(found, root=root), lambda: build_import_graph(files, facts), files, facts)


def by_contract(result: ImportLinterResult, contract: str) -> list[tuple[str, int, str, str]]:
    return sorted(
        (v.path, v.line, v.importer, v.imported) for v in result.violations if v.contract == contract
    )


def test_protected_contract_sees_loose_scripts_and_survives_a_broken_file(tmp_path: Path) -> None:
    write_tree(tmp_path, APP)
    result = run(
        tmp_path,
        """
        [importlinter]
        root_packages = app

        [importlinter:contract:db]
        name = Only the repository touches the database
        type = protected
        protected_modules = app.db
        allowed_importers = app.repo
        """,
    )

    assert result.broken == ["Only the repository touches the database"]
    # lint-imports would see neither the script (no __init__.py) nor anything at all (broken file).
    assert by_contract(result, "Only the repository touches the database") == [
        ("scripts/fix_data.py", 1, "scripts.fix_data", "app.db"),
        ("scripts/fix_data.py", 2, "scripts.fix_data", "app.db"),
    ]
    first = result.violations[0]
    assert first.code == "AG301" and first.kind is Kind.IMPORT_LINTER
    assert {v.statement for v in result.violations} == {"import app.db", "from app.db import ("}
    assert all("Only the repository touches the database" in v.message for v in result.violations)


def test_forbidden_chain_is_reported_at_the_first_import_with_the_whole_chain(tmp_path: Path) -> None:
    write_tree(tmp_path, APP)
    result = run(
        tmp_path,
        """
        [importlinter]
        root_packages = app

        [importlinter:contract:ui]
        name = UI does not reach the database
        type = forbidden
        source_modules = app.ui
        forbidden_modules = app.db

        [importlinter:contract:kept]
        name = Database does not import the UI
        type = forbidden
        source_modules = app.db
        forbidden_modules = app.ui
        """,
    )

    assert result.kept == ["Database does not import the UI"]
    assert result.broken == ["UI does not reach the database"]
    [violation] = result.violations
    assert (violation.path, violation.line, violation.column) == ("app/ui/views.py", 3, 1)
    assert violation.statement == "from app.service import repo"
    assert "app.ui.views -> app.service -> app.repo -> app.db" in violation.message
    assert violation.contract == "UI does not reach the database"


def test_layers_independence_and_acyclic_contracts_give_one_violation_per_offending_import(
    tmp_path: Path,
) -> None:
    write_tree(
        tmp_path,
        {
            "shop/__init__.py": "",
            "shop/web.py": "from shop import core\n",
            "shop/core.py": "from shop.web import app  # upward\nfrom shop import extra\n",
            "shop/extra.py": "",
            "shop/billing/__init__.py": "",
            "shop/billing/a.py": "from shop.shipping import b\n",
            "shop/shipping/__init__.py": "",
            "shop/shipping/b.py": "from shop.billing import a\n",
        },
    )
    result = run(
        tmp_path,
        """
        [importlinter]
        root_packages = shop

        [importlinter:contract:layers]
        name = layers
        type = layers
        containers = shop
        layers =
            web
            core
        exhaustive = true
        exhaustive_ignores =
            billing
            shipping

        [importlinter:contract:independent]
        name = independent
        type = independence
        modules =
            shop.billing
            shop.shipping

        [importlinter:contract:acyclic]
        name = acyclic
        type = acyclic_siblings
        ancestors = shop
        """,
    )

    assert sorted(result.broken) == ["acyclic", "independent", "layers"]
    assert by_contract(result, "layers") == [
        ("shop/core.py", 1, "shop.core", "shop.web"),
        ("shop/extra.py", 1, "shop.extra", ""),  # not declared as a layer
    ]
    assert by_contract(result, "independent") == [
        ("shop/billing/a.py", 1, "shop.billing.a", "shop.shipping.b"),
        ("shop/shipping/b.py", 1, "shop.shipping.b", "shop.billing.a"),
    ]
    acyclic = by_contract(result, "acyclic")
    assert acyclic and all(path.startswith("shop/") for path, *_ in acyclic)
    undeclared = [v for v in result.violations if v.importer == "shop.extra"]
    assert "not listed as a layer" in undeclared[0].message


def test_canonical_contracts_are_handed_back_not_run(tmp_path: Path) -> None:
    write_tree(tmp_path, APP)
    result = run(
        tmp_path,
        """
        [importlinter]
        root_packages = app
        contract_types =
            canonical: archguard.importlinter.CanonicalContract

        [importlinter:contract:conn]
        name = One path to the connection
        type = canonical
        canonical = app.db:CONNECTION
        allowed_importers = app.repo
        ignore_imports = app.ui.* -> app.service

        [importlinter:contract:kept]
        name = Database does not import the UI
        type = forbidden
        source_modules = app.db
        forbidden_modules = app.ui
        """,
    )

    assert result.contract_names == ["Database does not import the UI"]
    [concept] = result.concept_contracts
    assert concept.name == "One path to the connection"
    assert concept.canonical == "app.db:CONNECTION"
    assert concept.allowed_importers == ("app.repo",)
    assert concept.ignore_imports == ("app.ui.* -> app.service",)
    assert concept.source == ".importlinter:importlinter:contract:conn"


def test_pyproject_config_with_external_packages_gets_a_graph_with_externals(tmp_path: Path) -> None:
    write_tree(tmp_path, APP)
    result = run(
        tmp_path,
        """
        [tool.importlinter]
        root_packages = ["app"]
        include_external_packages = true

        [[tool.importlinter.contracts]]
        name = "No raw SQL drivers outside the db module"
        type = "forbidden"
        source_modules = ["app.ui"]
        forbidden_modules = ["sqlite3"]
        """,
        name="pyproject.toml",
    )

    assert result.config_path == "pyproject.toml"
    assert by_contract(result, "No raw SQL drivers outside the db module") == [
        ("app/ui/views.py", 3, "app.ui.views", "app.service")
    ]


def test_config_search_prefers_what_lint_imports_would_read(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "setup.cfg": "[metadata]\nname = x\n",  # no [importlinter]: skipped
            ".importlinter": "[importlinter]\nroot_packages = app\n",
            "pyproject.toml": "[tool.importlinter]\nroot_packages = ['app']\n",
        },
    )
    assert find_config_file(tmp_path) == tmp_path / ".importlinter"
    (tmp_path / ".importlinter").unlink()
    assert find_config_file(tmp_path) == tmp_path / "pyproject.toml"
    (tmp_path / "pyproject.toml").unlink()
    assert find_config_file(tmp_path) is None


def test_no_configuration_means_nothing_to_run(tmp_path: Path) -> None:
    write_tree(tmp_path, APP)
    assert find_config_file(tmp_path) is None
    result = run_check(Options(root=tmp_path, no_cache=True))
    assert result.contracts_run == ["dangling-imports", "analysable-files"]
    assert not any(v.kind is Kind.IMPORT_LINTER for v in result.violations)


def one_contract(*lines: str) -> str:
    return "[importlinter]\nroot_packages = app\n\n[importlinter:contract:x]\nname = x\n" + "\n".join(lines)


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        (one_contract("type = nonsense"), "unknown contract type 'nonsense'"),
        (
            one_contract("type = forbidden", "source_modules = app.ui"),
            "forbidden_modules: This is a required field.",
        ),
        (
            one_contract("type = forbidden", "source_modules = app.nowhere", "forbidden_modules = app.db"),
            "Module 'app.nowhere' does not exist",
        ),
        # The canonical type exists only where contract_types registers it.
        (one_contract("type = canonical", "canonical = app.db:X"), "unknown contract type 'canonical'"),
        ("[importlinter]\nroot_packages = app\n", "no contracts found"),
        # A typo is an error on every supported release (import-linter itself refuses it from 2.16).
        (
            one_contract("type = forbidden", "source_modules = app.ui", "forbidden_modules = app.db",
                         "allow_indirect_import = True"),
            "allow_indirect_import: Unrecognized option",
        ),
        ("[importlinter\nroot_packages = app\n", "does not parse"),
        (
            one_contract("type = forbidden", "source_modules = app.ui", "forbidden_modules = app.db")
            .replace("root_packages = app", "include_external_packages = True"),
            "lint.ini:1: [importlinter] has no 'root_packages' option",
        ),
    ],
    ids=["unknown-type", "missing-option", "missing-module", "unregistered-plugin", "no-contracts",
         "misspelt-option", "bad-ini", "no-root-packages"],
)
def test_configuration_errors_name_the_file(tmp_path: Path, config: str, expected: str) -> None:
    write_tree(tmp_path, APP)
    with pytest.raises(ConfigError) as caught:
        run(tmp_path, config, name="lint.ini", config=Path("lint.ini"))
    assert str(caught.value).startswith("lint.ini")
    assert expected in str(caught.value)


@pytest.mark.parametrize(
    ("ids", "expected"),
    [(["a", "a"], "more than one contract has the id 'a'"), (["a:b"], "may not contain a colon")],
)
def test_contract_ids_must_be_unique_and_colon_free(tmp_path: Path, ids: list[str], expected: str) -> None:
    write_tree(tmp_path, APP)
    contracts = "".join(
        f'[[tool.importlinter.contracts]]\nid = "{i}"\nname = "c{n}"\ntype = "forbidden"\n'
        f'source_modules = ["app.ui"]\nforbidden_modules = ["app.db"]\n'
        for n, i in enumerate(ids)
    )
    config = f'[tool.importlinter]\nroot_packages = ["app"]\n{contracts}'
    with pytest.raises(ConfigError, match=expected) as caught:
        run(tmp_path, config, name="lint.toml", config=Path("lint.toml"))
    assert str(caught.value).startswith("lint.toml")


def test_an_explicit_config_file_that_does_not_exist_is_a_config_error(tmp_path: Path) -> None:
    write_tree(tmp_path, APP)
    with pytest.raises(ConfigError, match="missing.ini"):
        find_config_file(tmp_path, Path("missing.ini"))


def test_check_names_a_missing_root_packages_option_not_a_key_error(tmp_path: Path) -> None:
    write_tree(tmp_path, {"app/__init__.py": "", "app/a.py": "import os\n", ".importlinter": (
        "[importlinter]\ninclude_external_packages = True\n\n[importlinter:contract:one]\n"
        "name = no os\ntype = forbidden\nsource_modules = app\nforbidden_modules = os\n")})
    run = run_cli("check", tmp_path, "--no-cache")
    assert run.returncode == 2
    assert ".importlinter:1: [importlinter] has no 'root_packages' option" in run.stderr
    assert "KeyError" not in run.stderr and "Traceback" not in run.stderr


def test_a_root_package_the_tree_does_not_have_is_a_configuration_error(tmp_path: Path) -> None:
    write_tree(tmp_path, APP)
    config = """
        [importlinter]
        root_packages =
            app
            gone

        [importlinter:contract:db]
        name = Only the repository touches the database
        type = protected
        protected_modules = app.db
        allowed_importers = app.repo
        """
    with pytest.raises(ConfigError, match=r"root package\(s\) gone not found under the scanned root"):
        run(tmp_path, config)
