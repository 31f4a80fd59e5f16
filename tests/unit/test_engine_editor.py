"""What an editor asks of an engine kept in memory (the language server, #25): a ``results()`` that
raised a ContractError comes back whole once the tree is fixed; the check's inputs (contracts,
the import-linter configuration, the baseline) read again without reopening the tree; and the
first unsaved text derived from the state the store kept, not from scratch. Every answer is
compared with a ``--no-cache`` run of the same tree on disk."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from archguard.adapters.project_files import baseline_file
from archguard.app import Options, record_baseline, run_check
from archguard.app.engine import Engine
from archguard.domain.errors import ConfigError, ContractError
from archguard.domain.findings import Severity
from tests.helpers import comparable_json, write_tree

TREE = {
    "app/__init__.py": "",
    "app/core.py": "class Engine:\n    pass\n\n\nclass Other:\n    pass\n",
    "app/compat.py": "from app.core import Engine\n",
    "app/user.py": "from app.compat import Engine\n",
    **{
        f"app/mod{i}.py": f"from app.core import Other\n\n\ndef f{i}():\n    return Other\n" for i in range(8)
    },
    "contracts/engine.toml": '[[concept]]\nname = "engine"\ncanonical = "app.core:Engine"\n',
}


def full_run(root: Path) -> object:
    return comparable_json(run_check(Options(root=root, no_cache=True, jobs=1)))


def kept_engine(root: Path, **options: object) -> Engine:
    engine = Engine.open(None, Options(root=root, no_cache=True, jobs=1, **options), keep=True)  # type: ignore[arg-type]
    engine.results()
    return engine


def codes(engine: Engine) -> set[tuple[str, str]]:
    return {(v.path, v.code) for v in engine.results().violations}


def test_results_come_back_whole_after_a_contract_error(tmp_path: Path) -> None:
    root = write_tree(tmp_path, TREE)
    engine = kept_engine(root)
    assert ("app/user.py", "AG101") in codes(engine)
    engine.update({"app/core.py": "class Other:\n    pass\n"})  # the canonical name is gone
    with pytest.raises(ContractError):
        engine.results()
    with pytest.raises(ContractError):  # asked again, the same answer (nothing half-kept)
        engine.results()
    engine.update({"app/mod3.py": "from app.core import Missing\n"})  # more edits meanwhile
    engine.update({"app/core.py": TREE["app/core.py"] + "\nX = 1\n"})  # fixed
    result = engine.results()
    assert engine.changed_paths() == {"app/mod3.py"}  # against the last results that came back
    write_tree(
        root,
        {"app/mod3.py": "from app.core import Missing\n", "app/core.py": TREE["app/core.py"] + "\nX = 1\n"},
    )
    assert comparable_json(result) == full_run(root)
    assert ("app/mod3.py", "AG202") in codes(engine) and ("app/user.py", "AG101") in codes(engine)


def test_contracts_and_the_baseline_are_read_again_without_reopening(tmp_path: Path) -> None:
    root = write_tree(tmp_path, TREE)
    engine = kept_engine(root, baseline=tmp_path / "baseline.json")
    assert ("app/user.py", "AG101") in codes(engine)
    files = engine.files
    # the contract is dropped: its findings go, nothing else is read from disk again
    (root / "contracts/engine.toml").write_text('[[concept]]\nname = "other"\ncanonical = "app.core:Other"\n')
    engine.reload_inputs()
    assert engine.files is files
    assert not any(code.startswith("AG10") and path == "app/user.py" for path, code in codes(engine))
    assert (
        comparable_json(engine.results())["violations"]
        == json.loads(
            json.dumps(
                comparable_json(
                    run_check(Options(root=root, no_cache=True, jobs=1, baseline=tmp_path / "baseline.json"))
                )
            )
        )["violations"]
    )
    # a baseline that knows every finding: the same findings, all known
    findings = engine.results().violations
    entries = [baseline_file.baseline_entry(v) for v in findings if v.severity is Severity.ERROR]
    baseline_file.write_baseline(tmp_path / "baseline.json", entries, root=tmp_path)
    engine.reload_inputs()
    assert all(v.baselined for v in engine.results().violations if v.severity is Severity.ERROR)
    # an unreadable contract: the error, and the engine as it was
    known = comparable_json(engine.results())
    (root / "contracts/engine.toml").write_text("[[concept]]\nname = \n")
    with pytest.raises(ConfigError):
        engine.reload_inputs()
    assert comparable_json(engine.results()) == known
    with pytest.raises(ValueError, match="open a new engine"):
        engine.reload_inputs(Options(root=root, no_cache=True, jobs=1, excludes=("app/user.py",)))


def test_the_import_linter_configuration_is_read_again(tmp_path: Path) -> None:
    root = write_tree(tmp_path, TREE)
    engine = kept_engine(root)
    assert not any(code == "AG301" for _, code in codes(engine))
    (root / ".importlinter").write_text(
        "[importlinter]\nroot_packages =\n    app\n\n"
        "[importlinter:contract:core]\nname = nothing imports core\ntype = forbidden\n"
        "source_modules =\n    app.mod1\nforbidden_modules =\n    app.core\n"
    )
    engine.reload_inputs()
    assert ("app/mod1.py", "AG301") in codes(engine)
    assert comparable_json(engine.results()) == full_run(root)


def test_the_first_unsaved_text_is_derived_from_the_stored_state(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "tree", TREE)
    cache = tmp_path / "cache"
    run_check(Options(root=root, cache_dir=cache, jobs=1))  # a check stored its state
    engine = Engine.open(None, Options(root=root, cache_dir=cache, jobs=1), keep=True)
    engine.results()
    assert engine.derivations == 0  # the results came from the store
    engine.update({"app/mod2.py": "from app.core import Other, Missing\n"})
    result = engine.results()
    assert engine.rederived == 1  # the edited file only, found through the stored state
    write_tree(root, {"app/mod2.py": "from app.core import Other, Missing\n"})
    assert comparable_json(result) == full_run(root)


def test_what_another_module_writes_follows_the_edits(tmp_path: Path) -> None:
    """The whole-run "written from elsewhere" step (docs/dangling.md), kept in memory: a write
    into a module appears, moves and goes; an edit elsewhere keeps its answers."""
    tree = {
        "fam/__init__.py": "",
        "fam/units.py": "X = 1\n",
        "fam/user.py": "from fam.units import patched\n",
        "fam/other.py": "from fam.units import missing\n",
        "fam/plain.py": "import fam.units\n",
    }
    root = write_tree(tmp_path, tree)
    engine = kept_engine(root)
    steps = [
        {"fam/patcher.py": "import fam.units\nsetattr(fam.units, 'patched', 1)\n"},  # a writer appears
        {"fam/plain.py": "import fam.units\n\n\ndef f():\n    return 1\n"},  # unrelated: answers stand
        {"fam/patcher.py": "import fam.units\n\n\nsetattr(fam.units, 'patched', 1)\n"},  # it moves
        {"fam/units.py": "X = 2\n"},  # the written module itself
        {"fam/patcher.py": "import fam.units\n"},  # the write goes
    ]
    for n, step in enumerate(steps):
        engine.update(step)
        result = engine.results()
        write_tree(root, step)
        assert comparable_json(result) == full_run(root), n
        levels = {(v.path, v.severity.value) for v in result.violations if v.code == "AG202"}
        if n < 4:
            assert ("fam/user.py", "warning") in levels and ("fam/other.py", "error") in levels
    assert ("fam/user.py", "error") in {(v.path, v.severity.value) for v in engine.results().violations}


def test_what_an_engine_holds_once_settled_never_becomes_cyclic_garbage(tmp_path: Path) -> None:
    """The language server keeps the collector on and moves what its engine holds out of the
    collector's sight after a load or a derivation made anew (adapters/gc_policy.py): safe only
    if edits never turn what was frozen into cyclic garbage, which no collection would then
    reclaim. Edits of names, bodies, moved imports and a new import (its import-linter check
    decodes every file's facts: frozen by the full collection that follows), then: nothing frozen
    is garbage (the edits' own cycles, a parse's builders, are the collector's as usual)."""
    import gc

    from archguard.adapters import gc_policy

    root = write_tree(tmp_path / "tree", TREE)
    engine = kept_engine(root)
    core, user = TREE["app/core.py"], TREE["app/user.py"]
    engine.update({"app/core.py": core + "X = 0\n"})
    engine.results()
    was_enabled, callbacks = gc.isenabled(), list(gc.callbacks)
    try:
        gc_policy.on_for_a_long_lived_process()
        gc_policy.settle_long_lived()
        for n in range(6):
            engine.update(
                {
                    "app/core.py": core + f"X = {n}\n" + ("import app.mod0\n" if n % 3 == 2 else ""),
                    "app/user.py": "\n" * n + user,
                }
            )
            engine.results()
            engine.findings("app/user.py")
            if n % 2:
                gc.collect()  # a full collection strikes: what survives it is frozen
        gc.collect()  # the edits' own garbage, never frozen
        gc.unfreeze()
        assert gc.collect() == 0
        assert engine.findings("app/user.py")  # the engine itself is alive and well
    finally:  # the test process's collector as it was
        gc.unfreeze()
        gc.callbacks[:] = callbacks
        if not was_enabled:
            gc.disable()


@pytest.mark.parametrize("with_baseline", [False, True])
def test_findings_by_file_are_grouped_when_asked_and_compare_the_last_two_results(
    tmp_path: Path, with_baseline: bool
) -> None:
    """A run that only reports its findings never groups them by file (the CLI's); asked after
    any number of results(), findings() and changed_paths() answer for the last two, whether the
    results came from the store, the findings index, or a baseline's marking."""
    root = write_tree(tmp_path, TREE)
    options = Options(root=root, cache_dir=tmp_path / "cache", jobs=1)
    if with_baseline:  # today's findings known: marked, so they are no longer the index's own
        options = replace(options, baseline=tmp_path / "baseline.json")
        record_baseline(options)
    Engine.open(None, options).results()  # fills the store
    engine = Engine.open(None, options, keep=True)
    first = engine.results()  # from the store
    assert engine.changed_paths() == {
        v.path for v in first.violations
    }  # after the first: every file with findings
    assert engine.findings("app/user.py") == [v for v in first.violations if v.path == "app/user.py"] != []
    engine.update({"app/mod3.py": "from app.core import Missing\n"})
    engine.results()  # not asked about
    engine.update({"app/mod5.py": "from app.core import Gone\n"})
    last = engine.results()
    assert engine.changed_paths() == {"app/mod5.py"}
    assert [v.code for v in engine.findings("app/mod3.py")] == ["AG202"]
    assert engine.findings(root / "app/mod5.py") == [v for v in last.violations if v.path == "app/mod5.py"]


def test_a_kept_engine_loads_the_import_linter_configuration_at_its_first_change_not_in_a_later_edit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A one-shot check whose import-linter findings stand never loads the configuration; an
    editor's engine loads it once, at its first change, so no later keystroke pays for it."""
    from archguard.adapters.importlinter_bridge import lazy_config

    root = write_tree(tmp_path / "tree", TREE)
    (root / ".importlinter").write_text(
        "[importlinter]\nroot_packages =\n    app\n\n"
        "[importlinter:contract:core]\nname = nothing imports core\ntype = forbidden\n"
        "source_modules =\n    app.mod1\nforbidden_modules =\n    app.core\n"
    )
    cache = tmp_path / "cache"
    run_check(Options(root=root, cache_dir=cache, jobs=1))  # the configuration's identity is stored
    loads: list[Path] = []
    real = lazy_config.load_config

    def counted(path: Path, **kwargs: object) -> object:
        loads.append(path)
        return real(path, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(lazy_config, "load_config", counted)
    engine = Engine.open(None, Options(root=root, cache_dir=cache, jobs=1), keep=True)
    engine.results()
    assert loads == []  # the stored results stand: nothing loaded
    engine.update({"app/mod2.py": "from app.core import Other\n\n\ndef f2():\n    return 2\n"})
    assert len(loads) == 1  # the first change loads it
    moved = "\n\n" + (root / "app/mod1.py").read_text()  # mod1's forbidden import moves two lines
    engine.update({"app/mod1.py": moved})
    result = engine.results()
    assert len(loads) == 1  # the edit that moved an import found it loaded
    assert ("app/mod1.py", 3, "AG301") in {(v.path, v.line, v.code) for v in result.violations}
    write_tree(
        root,
        {"app/mod1.py": moved, "app/mod2.py": "from app.core import Other\n\n\ndef f2():\n    return 2\n"},
    )
    assert comparable_json(result) == full_run(root)


def test_a_kept_engine_refreshed_from_disk_keys_its_results_by_the_files_as_they_are_now(tmp_path: Path) -> None:
    """The scan key (every file's identity, digested) is made once per state of the tree: after a
    file changes on disk and is read again, the results are the new tree's, not those stored
    under the key of the tree before."""
    root = write_tree(tmp_path / "tree", TREE)
    options = Options(root=root, cache_dir=tmp_path / "cache", jobs=1)
    run_check(options)  # the unchanged tree's results are stored
    engine = Engine.open(None, options, keep=True)
    before = engine.results()
    assert engine.scan_key is not None
    write_tree(root, {"app/mod2.py": "from app.core import Other, Missing\n"})
    engine.refresh(["app/mod2.py"])
    after = engine.results()
    assert comparable_json(after) == full_run(root)
    assert comparable_json(after) != comparable_json(before)
