"""A finding names the name as imported and the local name when they differ, and its suggested
statement never reads the same as the offending one."""

from __future__ import annotations

from archguard.analysis.concepts import check_concepts
from archguard.domain.contracts import ConceptContract
from tests.helpers import make_table

TREE = {
    "app/__init__.py": "",
    "app/core/__init__.py": "",
    "app/core/impl.py": "class UnifiedManager:\n    pass\n",
    # The canonical module binds the object under two names.
    "app/core/manager.py": "from .impl import UnifiedManager\n\nManager = UnifiedManager\n",
    "app/core/rival.py": "class UnifiedManager:\n    pass\n",
    "app/ui.py": "from app.core.manager import UnifiedManager as Manager\n",
    "app/api.py": "from app.core.impl import UnifiedManager\n",
    "app/admin.py": "from app.core.impl import UnifiedManager as UnifiedManager\n",
    "app/jobs.py": "from app.core.rival import UnifiedManager as Manager\n",
}
CONTRACT = ConceptContract(name="manager", canonical="app.core.manager:Manager", also=("UnifiedManager",),
                           allowed_importers=("app.core.**",))


def _by_path():
    table, files, facts = make_table(TREE)
    return {v.path: v for v in check_concepts(table, files, facts, [CONTRACT])}


def test_imported_and_local_names_are_both_named() -> None:
    found = _by_path()
    # The local name alone ("Manager imported from app.core.manager; use: from app.core.manager
    # import Manager") would read like the very statement it asks for.
    assert found["app/ui.py"].message == (
        "UnifiedManager (as Manager) imported from app.core.manager; "
        "use: from app.core.manager import Manager"
    )
    assert found["app/api.py"].message == (
        "UnifiedManager imported from app.core.impl; use: from app.core.manager import Manager as UnifiedManager"
    )
    # ``X as X`` names it once.
    assert found["app/admin.py"].message.startswith("UnifiedManager imported from app.core.impl;")
    assert found["app/jobs.py"].message.startswith(
        "UnifiedManager (as Manager) imported from app.core.rival is a different object"
    )


def test_suggestion_never_reads_the_same_as_the_statement() -> None:
    found = _by_path()
    assert set(found) >= {"app/ui.py", "app/api.py", "app/admin.py", "app/jobs.py"}
    for violation in found.values():
        if violation.suggestion is not None:
            assert " ".join(violation.suggestion.split()) != " ".join(violation.statement.split())
