"""``CanonicalContract`` under plain ``lint-imports``, beside a standard import-linter contract."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from importlinter.domain.contract import InvalidContractOptions

from archguard.importlinter import CanonicalContract
from tests.helpers import write_tree

LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")

CONFIG = """\
[importlinter]
root_packages =
    shop
contract_types =
    canonical: archguard.importlinter.CanonicalContract

[importlinter:contract:layers]
name = UI does not import the database
type = forbidden
source_modules = shop.ui
forbidden_modules = shop.db

[importlinter:contract:manager]
name = One path to the manager
type = canonical
canonical = shop.manager:Manager
reason = one manager; see ADR-12
"""

SHOP = {
    ".importlinter": CONFIG,
    "shop/__init__.py": "from shop.manager import Manager\n",
    "shop/impl.py": "class _ManagerImpl:\n    pass\n\n\nManager = _ManagerImpl\n",
    "shop/manager.py": "from shop.impl import Manager\n",
    "shop/db.py": "",
    "shop/ui.py": "from shop.manager import Manager\n",
}


def lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PYTHONPATH": str(root),  # import-linter finds root packages on sys.path
        "COLUMNS": "250",  # rich wraps long lines at the terminal width
        "NO_COLOR": "1",
    }
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=root, env=env, capture_output=True, text=True, timeout=120, check=False,
    )


def test_lint_imports_keeps_the_contract_when_every_import_uses_the_canonical_path(
    tmp_path: Path,
) -> None:
    write_tree(tmp_path, SHOP)

    completed = lint_imports(tmp_path)

    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "One path to the manager KEPT" in completed.stdout
    assert "UI does not import the database KEPT" in completed.stdout


def test_lint_imports_fails_and_names_each_non_canonical_import(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            **SHOP,
            "shop/ui.py": "import os\nfrom shop import Manager\n",  # through the package re-export
            "shop/admin.py": "from shop.impl import Manager as M\n",  # straight to the implementation
        },
    )

    completed = lint_imports(tmp_path)

    assert completed.returncode == 1, completed.stdout + completed.stderr
    out = completed.stdout
    assert "One path to the manager BROKEN" in out
    assert "UI does not import the database KEPT" in out
    assert "shop/ui.py:2: shop.ui imports Manager from shop; use: from shop.manager import Manager" in out
    assert "shop/admin.py:1: shop.admin imports Manager from shop.impl; use: from shop.manager import Manager" in out
    assert "one manager; see ADR-12" in out


def test_a_canonical_module_missing_from_the_graph_is_an_error(tmp_path: Path) -> None:
    write_tree(tmp_path, {**SHOP, ".importlinter": CONFIG.replace("shop.manager:Manager", "shop.gone:Manager")})

    completed = lint_imports(tmp_path)

    assert completed.returncode == 1
    assert "Module 'shop.gone' does not exist." in completed.stdout + completed.stderr


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"canonical": "shop.manager"}, "canonical"),
        ({"canonical": "shop.manager:"}, "canonical"),
        ({}, "canonical"),
        ({"canonical": "a:B", "allowed_importer": "x"}, "allowed_importer"),
    ],
    ids=["no-name", "empty-name", "missing", "misspelt-option"],
)
def test_invalid_options_are_rejected_by_import_linters_validation(options: dict[str, str], field: str) -> None:
    with pytest.raises(InvalidContractOptions) as caught:
        CanonicalContract(name="c", session_options={"root_packages": ["shop"]}, contract_options=options)
    assert field in caught.value.errors


def test_fields_become_the_domain_concept_contract() -> None:
    contract = CanonicalContract(
        name="ws",
        session_options={"root_packages": ["app"]},
        contract_options={
            "canonical": "app.realtime.manager:ConnectionManager",
            "also": ["UnifiedConnectionManager", "LegacyManager"],
            "allowed_importers": ["app.realtime.**"],
            "ignore_imports": ["app.legacy.* -> app.realtime.compat"],
            "reason": "one manager",
        },
    )

    concept = contract.to_concept_contract(source=".importlinter:importlinter:contract:ws")

    assert concept.name == "ws"
    assert concept.canonical == "app.realtime.manager:ConnectionManager"
    assert concept.also == ("UnifiedConnectionManager", "LegacyManager")
    assert concept.allowed_importers == ("app.realtime.**",)
    assert concept.ignore_imports == ("app.legacy.* -> app.realtime.compat",)
    assert concept.reason == "one manager"
    assert concept.source == ".importlinter:importlinter:contract:ws"


def test_the_contracts_of_one_run_share_one_scan_and_give_what_each_gives_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each CanonicalContract of a lint-imports run sees the same root packages: they share one
    scan, one symbol table and one concept index (archguard/importlinter.py), and each contract's
    findings are what it finds checked alone over every file."""
    import grimp

    from archguard import app, importlinter
    from archguard.analysis.concepts import check_concepts
    from archguard.domain.contracts import ConceptContract

    tree = {
        **SHOP,
        "shop/other.py": "class Widget:\n    pass\n",
        "shop/widgets.py": "from shop.other import Widget\n",
        "shop/use.py": "from shop.widgets import Widget\nfrom shop import Manager\nfrom shop.impl import Manager as M\n",
        "shop/star.py": "from shop.widgets import *\n",
    }
    root = write_tree(tmp_path, tree)
    monkeypatch.syspath_prepend(str(root))
    monkeypatch.setattr(importlinter, "_SESSIONS", {})
    scans: list[Path] = []
    real = app.scan_workspace
    monkeypatch.setattr(app, "scan_workspace", lambda options, *a, **k: scans.append(options.root) or real(options, *a, **k))
    targets = {"manager": "shop.manager:Manager", "widget": "shop.other:Widget", "impl": "shop.impl:Manager"}
    graph = grimp.build_graph("shop", cache_dir=None)
    found = {}
    for name, canonical in targets.items():
        contract = CanonicalContract(
            name=name, session_options={"root_packages": ["shop"]}, contract_options={"canonical": canonical}
        )
        found[name] = contract.check(graph, verbose=False).metadata["violations"]
    assert scans == [root]  # one scan for the three contracts
    workspace = real(app.Options(root=root, packages=("shop",), include_loose=False))
    for name, canonical in targets.items():
        alone = check_concepts(
            workspace.table, workspace.scan.files, workspace.scan.facts, [ConceptContract(name, canonical)]
        )
        assert found[name] == [v for v in alone if v.severity.value == "error"], name
    assert {v.path for v in found["widget"]} == {"shop/use.py", "shop/star.py"}
