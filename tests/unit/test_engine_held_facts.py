"""An editor's text that does not parse (a keystroke in the middle of a statement) leaves the file's
last facts that did in place for the rest of the tree (``Engine.update(..., hold_facts=True)``):
importers keep their findings, a canonical module being edited does not break its contract, and
the syntax error is reported all the same. Without ``hold_facts`` (the CLI, a file read from disk)
a file that does not parse has no facts, as ``check`` has always said."""

from __future__ import annotations

from pathlib import Path

import pytest

from archguard.app import Options
from archguard.app.engine import Engine
from archguard.domain.errors import ContractError
from tests.helpers import write_tree

TREE = {
    "app/__init__.py": "",
    "app/core.py": "class Engine:\n    pass\n",
    "app/user.py": "from app.core import Engine, Missing\n\n\ndef use():\n    return Engine, Missing\n",
    "contracts/engine.toml": '[[concept]]\nname = "engine"\ncanonical = "app.core:Engine"\n',
}
BROKEN = "class Engine:\n    pass\nMissing = (\n"


def codes(engine: Engine, path: str) -> list[str]:
    return [v.code for v in engine.findings(path)]


def test_a_held_file_keeps_its_last_good_facts_for_the_rest_of_the_tree(tmp_path: Path) -> None:
    engine = Engine.open(write_tree(tmp_path, TREE), Options(root=tmp_path, no_cache=True, jobs=1), keep=True)
    assert codes(engine, "app/user.py") == ["AG202"]
    engine.update({"app/core.py": BROKEN}, hold_facts=True)
    result = engine.results()
    assert [(s.path, s.line) for s in result.scan.syntax_errors] == [("app/core.py", 4)]
    assert engine.tree.held == {"app/core.py"}
    assert codes(engine, "app/user.py") == ["AG202"]  # judged by core's last good facts
    engine.update({"app/core.py": "class Engine:\n    pass\nMissing = 1\n"}, hold_facts=True)
    assert codes(engine, "app/user.py") == []
    assert engine.tree.held == set()
    assert engine.results().scan.syntax_errors == []


def test_without_holding_a_file_that_does_not_parse_has_no_facts(tmp_path: Path) -> None:
    engine = Engine.open(write_tree(tmp_path, TREE), Options(root=tmp_path, no_cache=True, jobs=1), keep=True)
    engine.results()
    engine.update({"app/core.py": BROKEN})
    assert engine.tree.held == set()
    with pytest.raises(ContractError, match="could not be parsed"):
        engine.results()
