"""Concept contracts: exact violations for every "many homes" pattern, and exact non-violations."""

from __future__ import annotations

from pathlib import Path
from textwrap import dedent

import pytest

from archguard.analysis.concepts import check_concepts, validate_contracts
from archguard.app import Options, run_check
from archguard.domain.contracts import ConceptContract
from archguard.domain.errors import ContractError
from archguard.domain.findings import Kind
from tests.helpers import MANAGER_CORE, make_table, write_tree

CANONICAL = "app.realtime.manager:ConnectionManager"

TREE = {
    **MANAGER_CORE,
    # factory modules beside it
    "app/realtime/manager_factory.py": """\
        from .impl import Manager


        def create_manager():
            return Manager()
        """,
    "app/realtime/manager_factory_compat.py": "from .manager_factory import *\n",
    "app/services/__init__.py": "",
    # a third home: ConnectionManager = Manager
    "app/services/ws.py": """\
        from app.realtime.impl import Manager

        ConnectionManager = Manager
        """,
    # a wrapper subclass: a different object claiming the concept
    "app/services/unified.py": """\
        from app.realtime.impl import _ManagerImpl


        class UnifiedManager(_ManagerImpl):
            pass
        """,
    "app/services/typed.py": """\
        from typing import TYPE_CHECKING
        if TYPE_CHECKING:
            from app.realtime.impl import Manager
        try:
            from app.realtime.compat import LegacyManager
        except ImportError:
            LegacyManager = None
        """,
    "app/api/__init__.py": "",
    "app/api/routes.py": """\
        from app.realtime.manager import ConnectionManager
        from app.realtime import ConnectionManager as CM
        from app.realtime.compat import LegacyManager
        from app.services.ws import ConnectionManager as WsManager
        from app.services.unified import UnifiedManager
        import app.realtime.compat

        def handler():
            from app.realtime.impl import Manager
            return app.realtime.compat.LegacyManager()
        """,
    # a loose test file importing through the shim, and a canonical one
    "tests/test_ws.py": """\
        from app.realtime.compat import LegacyManager as LM
        from app.realtime.manager import ConnectionManager
        import app.realtime.manager


        def test_it():
            assert app.realtime.manager.ConnectionManager is LM
        """,
    "tests/test_broken.py": "from app.realtime.compat import (LegacyManager\n",
}


def _check(contract: ConceptContract, tree=TREE):
    table, files, facts = make_table(tree)
    return check_concepts(table, files, facts, [contract])


def _summary(violations):
    return [(v.code, v.path, v.line, v.imported) for v in violations]


def test_every_non_canonical_path_is_reported_exactly() -> None:
    violations = _check(ConceptContract(name="ws-manager", canonical=CANONICAL))
    assert _summary(violations) == [
        ("AG101", "app/api/routes.py", 2, "app.realtime:ConnectionManager"),
        ("AG101", "app/api/routes.py", 3, "app.realtime.compat:LegacyManager"),
        ("AG101", "app/api/routes.py", 4, "app.services.ws:ConnectionManager"),
        ("AG102", "app/api/routes.py", 5, "app.services.unified:UnifiedManager"),
        ("AG101", "app/api/routes.py", 9, "app.realtime.impl:Manager"),
        ("AG103", "app/api/routes.py", 10, "app.realtime.compat:LegacyManager"),
        ("AG101", "app/realtime/manager_factory.py", 1, "app.realtime.impl:Manager"),
        ("AG101", "app/realtime/manager_factory_compat.py", 1, "app.realtime.manager_factory:Manager"),
        ("AG101", "app/services/typed.py", 3, "app.realtime.impl:Manager"),
        ("AG101", "app/services/typed.py", 5, "app.realtime.compat:LegacyManager"),
        ("AG101", "app/services/unified.py", 1, "app.realtime.impl:_ManagerImpl"),
        ("AG111", "app/services/unified.py", 4, "app.services.unified:UnifiedManager"),
        ("AG101", "app/services/ws.py", 1, "app.realtime.impl:Manager"),
        ("AG101", "tests/test_ws.py", 1, "app.realtime.compat:LegacyManager"),
    ]


def test_canonical_imports_implementation_and_reexport_chain_produce_nothing() -> None:
    violations = _check(ConceptContract(name="ws-manager", canonical=CANONICAL))
    paths = {v.path for v in violations}
    # impl defines it, manager re-exports it (on the chain), the package __init__ and compat
    # import it canonically; the canonical import and attribute use in tests are fine.
    for quiet in ["app/realtime/impl.py", "app/realtime/manager.py", "app/realtime/__init__.py",
                  "app/realtime/compat.py", "tests/test_broken.py"]:
        assert quiet not in paths
    assert [v.line for v in violations if v.path == "tests/test_ws.py"] == [1]
    assert [v.line for v in violations if v.path == "app/api/routes.py"] == [2, 3, 4, 5, 9, 10]


def test_allowed_importers_and_ignored_imports_are_exempt() -> None:
    contract = ConceptContract(
        name="ws-manager", canonical=CANONICAL,
        allowed_importers=("app.realtime.**",),
        ignore_imports=("app.services.* -> app.realtime.impl",),
    )
    violations = _check(contract)
    paths = {(v.path, v.line) for v in violations}
    assert not any(p.startswith("app/realtime/") for p, _ in paths)
    # the impl imports from services are ignored; their compat import and the wrapper are not
    assert ("app/services/ws.py", 1) not in paths
    assert ("app/services/typed.py", 3) not in paths
    assert ("app/services/unified.py", 1) not in paths
    assert ("app/services/typed.py", 5) in paths
    assert ("app/services/unified.py", 4) in paths


def test_messages_suggestions_and_fixability() -> None:
    contract = ConceptContract(name="ws-manager", canonical=CANONICAL, reason="one manager; ADR-12")
    by_line = {(v.path, v.line): v for v in _check(contract)}

    shim = by_line["app/api/routes.py", 3]
    assert shim.kind is Kind.NON_CANONICAL_IMPORT
    assert shim.message == (
        "LegacyManager imported from app.realtime.compat (a shim); "
        "use: from app.realtime.manager import ConnectionManager as LegacyManager"
    )
    assert shim.suggestion == "from app.realtime.manager import ConnectionManager as LegacyManager"
    assert (shim.fixable, shim.reason) == (True, None)
    assert (shim.contract, shim.canonical, shim.contract_reason) == ("ws-manager", CANONICAL, "one manager; ADR-12")
    assert (shim.importer, shim.statement) == ("app.api.routes", "from app.realtime.compat import LegacyManager")

    # a package __init__ re-exporting is not called a shim; a plain re-exporting module is
    assert by_line["app/api/routes.py", 2].message == (
        "ConnectionManager (as CM) imported from app.realtime; "
        "use: from app.realtime.manager import ConnectionManager as CM"
    )
    assert "app.services.ws (a shim)" in by_line["app/api/routes.py", 4].message

    # the user's alias is kept
    aliased = by_line["tests/test_ws.py", 1]
    assert aliased.suggestion == "from app.realtime.manager import ConnectionManager as LM"
    assert aliased.importer == "tests.test_ws"

    # the implementation module defines the class: not a shim
    direct = by_line["app/api/routes.py", 9]
    assert direct.message == (
        "Manager imported from app.realtime.impl; "
        "use: from app.realtime.manager import ConnectionManager as Manager"
    )
    assert direct.fixable

    star = by_line["app/realtime/manager_factory_compat.py", 1]
    assert star.fixable is False and "star import" in star.reason

    wrapper = by_line["app/api/routes.py", 5]
    assert wrapper.fixable is False and "different object" in wrapper.reason
    assert wrapper.message == (
        "UnifiedManager imported from app.services.unified is a different object claiming the "
        "concept 'ws-manager'; use: from app.realtime.manager import ConnectionManager"
    )

    definition = by_line["app/services/unified.py", 4]
    assert (definition.kind, definition.importer, definition.fixable) == (
        Kind.DUPLICATE_DEFINITION, "app.services.unified", False)

    attribute = by_line["app/api/routes.py", 10]
    assert (attribute.statement, attribute.fixable) == ("app.realtime.compat.LegacyManager", False)
    assert "attribute" in attribute.reason

    fingerprints = [v.fingerprint for v in by_line.values()]
    assert all(fingerprints) and len(set(fingerprints)) == len(fingerprints)


def test_also_names_claim_the_concept_as_different_objects() -> None:
    tree = dict(TREE)
    tree["app/legacy/__init__.py"] = ""
    tree["app/legacy/old.py"] = "class LegacyConnectionManager:\n    pass\n\n\ndef build():\n    pass\n"
    tree["app/legacy/user.py"] = "from app.legacy.old import LegacyConnectionManager, build\n"
    # a second class carrying the canonical name claims the concept without being listed
    tree["app/legacy/second.py"] = "class ConnectionManager:\n    pass\n"
    tree["app/legacy/reexport.py"] = "from .second import ConnectionManager as CM2\n"
    contract = ConceptContract(
        name="ws-manager", canonical=CANONICAL,
        # bare names: any class/def of that name; UnifiedManager's alias in impl IS the concept
        also=("LegacyConnectionManager", "UnifiedManager", "app.legacy.old:build"),
    )
    summary = _summary(_check(contract, tree))
    assert ("AG111", "app/legacy/old.py", 1, "app.legacy.old:LegacyConnectionManager") in summary
    assert ("AG111", "app/legacy/old.py", 5, "app.legacy.old:build") in summary
    assert ("AG102", "app/legacy/user.py", 1, "app.legacy.old:LegacyConnectionManager") in summary
    assert ("AG102", "app/legacy/user.py", 1, "app.legacy.old:build") in summary
    assert ("AG102", "app/legacy/reexport.py", 1, "app.legacy.second:ConnectionManager") in summary
    assert [s for s in summary if s[0] == "AG111"] == [
        ("AG111", "app/legacy/old.py", 1, "app.legacy.old:LegacyConnectionManager"),
        ("AG111", "app/legacy/old.py", 5, "app.legacy.old:build"),
        ("AG111", "app/legacy/second.py", 1, "app.legacy.second:ConnectionManager"),
        ("AG111", "app/services/unified.py", 4, "app.services.unified:UnifiedManager"),
    ]


def test_a_check_reports_the_rival_classes_and_functions_the_concept_analysis_does(tmp_path: Path) -> None:
    """``check`` gathers each file's possible rivals as it goes (the concept pass's per-file part):
    a function named like a concept is one as much as a class is."""
    tree = dict(TREE)
    tree["app/legacy/__init__.py"] = ""
    tree["app/legacy/old.py"] = "class LegacyConnectionManager:\n    pass\n\n\ndef build():\n    pass\n"
    tree["app/legacy/second.py"] = "def ConnectionManager():\n    pass\n"
    tree["contracts/ws.toml"] = (
        '[[concept]]\nname = "ws-manager"\ncanonical = "app.realtime.manager:ConnectionManager"\n'
        'also = ["LegacyConnectionManager", "UnifiedManager", "build"]\n'
    )
    root = write_tree(tmp_path / "tree", {path: dedent(text) for path, text in tree.items()})
    checked = run_check(Options(root=root, no_cache=True, jobs=1))
    rivals = sorted((v.path, v.line, v.imported) for v in checked.violations if v.code == "AG111")
    assert rivals == [
        ("app/legacy/old.py", 1, "app.legacy.old:LegacyConnectionManager"),
        ("app/legacy/old.py", 5, "app.legacy.old:build"),
        ("app/legacy/second.py", 1, "app.legacy.second:ConnectionManager"),
        ("app/services/unified.py", 4, "app.services.unified:UnifiedManager"),
    ]


def test_a_subclass_of_a_wrapper_is_a_wrapper_too() -> None:
    tree = dict(TREE)
    tree["app/services/deeper.py"] = (
        "from app.services import unified\n\n\nclass Deeper(unified.UnifiedManager):\n    pass\n"
    )
    summary = _summary(_check(ConceptContract(name="ws", canonical=CANONICAL), tree))
    assert ("AG111", "app/services/deeper.py", 4, "app.services.deeper:Deeper") in summary


def test_a_subclass_that_adds_behaviour_is_a_specialisation_not_a_rival() -> None:
    tree = dict(TREE)
    tree["app/services/retrying.py"] = (
        "from app.realtime.manager import ConnectionManager\n\n\n"
        "class RetryingManager(ConnectionManager):\n    def send(self):\n        return 1\n"
    )
    summary = _summary(_check(ConceptContract(name="ws", canonical=CANONICAL), tree))
    assert not [row for row in summary if row[1] == "app/services/retrying.py"]


def test_module_concept_imported_through_a_reexporting_package() -> None:
    tree = {
        "app/__init__.py": "",
        "app/realtime/__init__.py": "from . import manager\n",
        "app/realtime/manager.py": "class ConnectionManager: ...\n",
        "app/legacy.py": "from app.realtime import manager\n",
        "app/user.py": """\
            from app.realtime import manager
            from app.legacy import manager as old
            import app.realtime.manager as m
            """,
    }
    violations = _check(ConceptContract(name="mgr-module", canonical="app.realtime:manager"), tree)
    assert _summary(violations) == [("AG101", "app/user.py", 2, "app.legacy:manager")]
    assert violations[0].suggestion == "from app.realtime import manager as old"


def test_a_contract_that_does_not_resolve_checks_nothing_and_is_reported() -> None:
    contracts = [
        ConceptContract(name="ws", canonical="app.realtime.manager:Nope", source="contracts/ws.toml:3"),
        ConceptContract(name="ws", canonical="app.gone:X", source="contracts/ws.toml:9"),
        ConceptContract(name="ok", canonical=CANONICAL, also=("app.realtime.impl:Missing",),
                        source="contracts/ok.toml:1"),
    ]
    table, files, facts = make_table(TREE)
    with pytest.raises(ContractError) as caught:
        validate_contracts(table, contracts)
    assert caught.value.problems == (
        "contracts/ws.toml:9: duplicate contract name 'ws' (first declared at contracts/ws.toml:3)",
        "contracts/ws.toml:3: canonical 'app.realtime.manager:Nope': module app.realtime.manager has no name 'Nope'",
        "contracts/ws.toml:9: canonical 'app.gone:X': module app.gone does not exist",
        "contracts/ok.toml:1: also 'app.realtime.impl:Missing': module app.realtime.impl has no name 'Missing'",
    )
    assert check_concepts(table, files, facts, contracts[:2]) == []
    validate_contracts(table, [ConceptContract(name="fine", canonical=CANONICAL)])  # no error


def test_reexport_cycles_neither_crash_nor_count_as_the_concept() -> None:
    tree = dict(TREE)
    tree["app/loop_a.py"] = "from app.loop_b import ConnectionManager\n"
    tree["app/loop_b.py"] = "from app.loop_a import ConnectionManager\n"
    tree["app/loop_user.py"] = "from app.loop_a import ConnectionManager\n"
    table, files, facts = make_table(tree)
    violations = check_concepts(table, files, facts, [ConceptContract(name="ws", canonical=CANONICAL)])
    assert not any(v.path.startswith("app/loop") for v in violations)
    with pytest.raises(ContractError) as caught:
        validate_contracts(table, [ConceptContract(name="loop", canonical="app.loop_a:ConnectionManager")])
    [error] = caught.value.problems
    assert error.startswith(
        "canonical 'app.loop_a:ConnectionManager': re-export cycle: "
        "app.loop_a:ConnectionManager -> app.loop_b:ConnectionManager"
    )
