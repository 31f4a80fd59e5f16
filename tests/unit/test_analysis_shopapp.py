"""The analysis over examples/shopapp finds exactly what its README's table promises."""

from __future__ import annotations

import pytest

from archguard.adapters.discovery import discover
from archguard.adapters.project_files.contract_files import load_contracts
from archguard.analysis import (
    SymbolTable,
    check_concepts,
    dangling_violations,
    find_dangling,
    validate_contracts,
)
from tests.helpers import REPO, make_tree

ROOT = REPO / "examples" / "shopapp"


@pytest.fixture(scope="module")
def shopapp():
    if not ROOT.is_dir():
        pytest.skip("examples/shopapp is not present")
    found = discover(ROOT, excludes=["backups/**", "**/*.backup_*"])
    _, facts = make_tree({f.path: (ROOT / f.path).read_text(encoding="utf-8") for f in found.files})
    table = SymbolTable(found.files, facts)
    return table, found.files, facts, load_contracts(ROOT / "contracts")


def test_concept_violations_match_the_readme(shopapp) -> None:
    table, files, facts, contracts = shopapp
    validate_contracts(table, contracts)  # raises ContractError if any contract cannot be checked
    found = {(v.code, v.path, v.line, v.fixable) for v in check_concepts(table, files, facts, contracts)}
    assert found == {
        ("AG101", "shopapp/api/routes.py", 8, True),  # package re-export
        ("AG101", "tests/test_manager_paths.py", 4, True),
        ("AG101", "shopapp/plugins/giftcards.py", 3, True),  # deprecated shim
        ("AG101", "tests/test_manager_paths.py", 5, True),
        ("AG101", "tests/integration/test_checkout.py", 7, True),
        ("AG101", "shopapp/api/websocket.py", 5, True),  # third home imports the impl
        ("AG101", "shopapp/api/routes.py", 5, True),  # ... and its importers
        ("AG101", "shopapp/orders/service.py", 26, True),
        ("AG101", "tests/test_manager_paths.py", 7, True),
        ("AG111", "shopapp/api/wrappers.py", 6, False),  # wrapper subclass
        ("AG101", "shopapp/api/wrappers.py", 3, True),
        ("AG102", "tests/test_wrappers.py", 1, False),
        ("AG101", "tests/test_manager_paths.py", 6, True),  # direct use of the implementation
        ("AG101", "scripts/broadcast.py", 7, True),
        ("AG111", "shopapp/utils/settings.py", 7, False),  # second concept, duplicated
        ("AG102", "shopapp/orders/service.py", 9, False),
        ("AG102", "tests/test_settings.py", 2, False),
        ("AG102", "reprice_2024_black_friday.py", 6, False),
        ("AG101", "tests/test_settings.py", 1, True),
    }


def test_dangling_imports_match_the_readme(shopapp) -> None:
    table, files, facts, _ = shopapp
    found = {(v.code, v.path, v.line, v.severity.value)
             for v in dangling_violations(find_dangling(table, files, facts))}
    assert found == {
        ("AG201", "shopapp/services/inventory.py", 12, "warning"),
        ("AG202", "shopapp/orders/service.py", 36, "warning"),
        ("AG201", "shopapp/services/notifications.py", 6, "error"),
        ("AG201", "scripts/fix-db.py", 8, "error"),
    }
