"""A warm scan of an unchanged tree takes its derived results (edges, dangling imports) from the
results cache; any change to an input derives them again."""

from __future__ import annotations

import gc
import pickle
import warnings
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

import pytest

from archguard.adapters.cache.facts_cache import FactsCache, FileStamp
from archguard.adapters.importlinter_bridge.importlinter_compat import installed_version, version_tuple
from archguard.adapters.parsing import parse_file
from archguard.app import Options, record_baseline, run_check, run_scan
from archguard.app.engine import Engine
from archguard.domain.facts import ParseOutcome
from tests.helpers import write_tree

TREE = {
    "app/__init__.py": "",
    "app/core.py": "class Engine: ...\n",
    "app/use.py": "from app.core import Engine\nfrom app.core import Gone\nimport app.removed\n",
    "tests/test_use.py": "from app.use import Engine\n",
    "app/broken.py": "def f(:\n",
}


def summary(result) -> tuple:
    return (
        result.import_edges,
        [(d.path, d.line, d.imported, d.missing) for d in result.dangling],
        [(e.path, e.line) for e in result.syntax_errors],
        len(result.facts),
        [f.path for f in result.loose_files],
    )


class Derivations:
    """The engines the runs opened; equal to the list of what they derived, in order: "scan" or
    "check" per derivation (whole or incremental), nothing for results taken from the store."""

    def __init__(self) -> None:
        self.engines: list[Engine] = []

    def kinds(self) -> list[str]:
        return [kind for e in self.engines for kind in ["check" if e.checking else "scan"] * e.derivations]

    def __eq__(self, other: object) -> bool:
        return self.kinds() == other

    def __repr__(self) -> str:
        return repr(self.kinds())


@pytest.fixture
def analysis_calls(monkeypatch: pytest.MonkeyPatch) -> Derivations:
    calls = Derivations()
    real = Engine.open.__func__  # type: ignore[attr-defined]

    def opened(cls, *args, **kwargs):  # type: ignore[no-untyped-def]
        engine = real(cls, *args, **kwargs)
        calls.engines.append(engine)
        return engine

    monkeypatch.setattr(Engine, "open", classmethod(opened))
    return calls


def test_unchanged_tree_reuses_derived_results(tmp_path: Path, analysis_calls: Derivations) -> None:
    root = write_tree(tmp_path / "tree", TREE)
    options = Options(root=root, cache_dir=tmp_path / "cache")
    cold = run_scan(options)
    assert analysis_calls == ["scan"]
    assert [(d.imported, d.missing) for d in cold.dangling] == [
        ("app.core:Gone", "name"), ("app.removed", "module"),
    ]
    warm = run_scan(options)
    assert analysis_calls == ["scan"]  # not derived again
    assert summary(warm) == summary(cold)
    assert warm.cache_hits == len(TREE)


def test_edit_that_leaves_the_facts_alone_reuses_results(
    tmp_path: Path, analysis_calls: Derivations
) -> None:
    """Results follow from the facts: a fix on one line of a function body, a reworded comment or
    string, derives nothing again; the edit is still seen (the file is read and parsed)."""
    body = "def run():\n    return 'old'  # note\n"
    root = write_tree(tmp_path / "tree", {**TREE, "app/job.py": body})
    options = Options(root=root, cache_dir=tmp_path / "cache")
    cold = run_scan(options)
    write_tree(root, {"app/job.py": body.replace("'old'  # note", "'new'  # changed")})
    warm = run_scan(options)
    assert analysis_calls == ["scan"]
    assert warm.cache_hits == len(TREE)  # every file but app/job.py
    assert summary(warm) == summary(cold)


@pytest.mark.parametrize(
    "change",
    [
        {"app/core.py": "class Engine: ...\nclass Gone: ...\n"},  # the missing name now exists
        {"app/removed.py": ""},  # the missing module now exists
        {"scripts/new_script.py": "from app.core import Nothing\n"},  # a new file
    ],
)
def test_any_changed_input_derives_results_again(
    tmp_path: Path, analysis_calls: Derivations, change: dict[str, str]
) -> None:
    root = write_tree(tmp_path / "tree", TREE)
    options = Options(root=root, cache_dir=tmp_path / "cache")
    run_scan(options)
    write_tree(root, change)
    changed = run_scan(options)
    assert analysis_calls == ["scan", "scan"]
    assert summary(changed) == summary(run_scan(Options(root=root, no_cache=True)))


def test_deleted_file_derives_results_again(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "tree", TREE)
    options = Options(root=root, cache_dir=tmp_path / "cache")
    assert len(run_scan(options).dangling) == 2
    (root / "app/use.py").unlink()
    assert [(d.path, d.imported) for d in run_scan(options).dangling] == [
        ("tests/test_use.py", "app.use"),  # its two dangling imports went with it; this one is new
    ]


def test_other_target_or_packages_are_other_results(tmp_path: Path, analysis_calls: Derivations) -> None:
    root = write_tree(tmp_path / "tree", TREE)
    cache_dir = tmp_path / "cache"
    run_scan(Options(root=root, cache_dir=cache_dir))
    run_scan(Options(root=root, cache_dir=cache_dir, target=(3, 11)))
    run_scan(Options(root=root, cache_dir=cache_dir, packages=("app",)))
    assert analysis_calls == ["scan"] * 3


@pytest.mark.parametrize("damage", ["truncate", "flip", "garbage"])
def test_damaged_results_are_derived_again(
    tmp_path: Path, analysis_calls: Derivations, damage: str
) -> None:
    root = write_tree(tmp_path / "tree", TREE)
    options = Options(root=root, cache_dir=tmp_path / "cache")
    cold = run_scan(options)
    stored = tmp_path / "cache" / "results-scan.bin"
    data = stored.read_bytes()
    if damage == "truncate":
        stored.write_bytes(data[: len(data) // 2])
    elif damage == "flip":
        stored.write_bytes(data[:-1] + bytes([data[-1] ^ 0xFF]))
    else:
        stored.write_bytes(b"not a cache at all")
    again = run_scan(options)
    assert analysis_calls == ["scan", "scan"]
    assert summary(again) == summary(cold)


def test_no_cache_stores_no_results(tmp_path: Path, analysis_calls: Derivations) -> None:
    root = write_tree(tmp_path / "tree", TREE)
    run_scan(Options(root=root, no_cache=True))
    run_scan(Options(root=root, no_cache=True))
    assert analysis_calls == ["scan", "scan"]
    assert not (root / ".archguard_cache").exists()


def test_unreadable_file_keeps_results_uncached(
    tmp_path: Path, analysis_calls: Derivations, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file that could not be read is not cached (it may be readable next time), so neither is
    anything derived from the tree it is in."""
    root = write_tree(tmp_path / "tree", {**TREE, "app/huge.py": "x = 1\n" * 100})
    monkeypatch.setattr(parse_file, "DEFAULT_MAX_BYTES", 300)  # app/huge.py is "too large"
    options = Options(root=root, cache_dir=tmp_path / "cache")
    assert [u.path for u in run_scan(options).unreadable] == ["app/huge.py"]
    run_scan(options)
    assert analysis_calls == ["scan", "scan"]


# --- check ------------------------------------------------------------------------------------

CHECKED = {
    **TREE,
    "app/compat.py": "from app.core import Engine\n",
    "tests/test_compat.py": "from app.compat import Engine\n",
    "contracts/engine.toml": '[[concept]]\nname = "engine"\ncanonical = "app.core:Engine"\n',
    ".importlinter": (
        "[importlinter]\nroot_packages =\n    app\n\n"
        "[importlinter:contract:core]\nname = core stays low\ntype = forbidden\n"
        "source_modules =\n    app.core\nforbidden_modules =\n    app.use\n"
    ),
}


def findings(result) -> list[tuple[str, str, int]]:
    return [(v.code, v.path, v.line) for v in result.violations]


def test_unchanged_check_reuses_its_violations(tmp_path: Path, analysis_calls: Derivations) -> None:
    root = write_tree(tmp_path / "tree", CHECKED)
    options = Options(root=root, cache_dir=tmp_path / "cache")
    cold = run_check(options)
    warm = run_check(options)
    assert analysis_calls == ["check"]
    assert findings(warm) == findings(cold)
    assert ("AG101", "tests/test_compat.py", 1) in findings(warm)
    assert [v.fingerprint for v in warm.violations] == [v.fingerprint for v in cold.violations]
    assert warm.contracts_run == cold.contracts_run == [
        "engine",
        "core stays low",
        "dangling-imports",
        "analysable-files",
    ]


@pytest.mark.parametrize(
    ("change", "appears"),
    [
        # a new concept contract
        ({"contracts/more.toml": '[[concept]]\nname = "use"\ncanonical = "app.use:Engine"\n'}, None),
        # an import-linter contract broken by a new import
        ({".importlinter": CHECKED[".importlinter"].replace("app.use", "app.compat")}, "AG301"),
    ],
)
def test_changed_contracts_are_checked_again(
    tmp_path: Path, analysis_calls: Derivations, change: dict[str, str], appears: str | None
) -> None:
    root = write_tree(tmp_path / "tree", {**CHECKED, "app/core.py": "import app.compat\nclass Engine: ...\n"})
    options = Options(root=root, cache_dir=tmp_path / "cache")
    before = run_check(options)
    write_tree(root, change)
    after = run_check(options)
    assert analysis_calls == ["check", "check"]  # other contracts: another state, derived again
    assert after.contracts_run != before.contracts_run or findings(after) != findings(before)
    if appears:
        assert appears in {code for code, _, _ in findings(after)} - {c for c, _, _ in findings(before)}


def test_baseline_applies_to_reused_violations(tmp_path: Path, analysis_calls: Derivations) -> None:
    root = write_tree(tmp_path / "tree", CHECKED)
    baseline = tmp_path / "baseline.json"
    options = Options(root=root, cache_dir=tmp_path / "cache")
    assert run_check(options).failed
    record_baseline(Options(root=root, cache_dir=tmp_path / "cache", baseline=baseline))
    known = run_check(Options(root=root, cache_dir=tmp_path / "cache", baseline=baseline))
    assert analysis_calls == ["check"]  # the baseline run and this one reused the first
    assert not known.failed
    assert {v.fingerprint for v in known.violations if v.baselined} == {
        v.fingerprint for v in run_check(options).violations if v.severity.value == "error"
    }


PLUGINS = {
    "ordinary": (
        "from importlinter.contracts.forbidden import ForbiddenContract\nclass Mine(ForbiddenContract):\n    pass\n",
        CHECKED[".importlinter"].replace("type = forbidden", "type = mine"),
    ),
    "concept": (
        "from archguard.importlinter import CanonicalContract\nclass Mine(CanonicalContract):\n    pass\n",
        "[importlinter]\nroot_packages =\n    app\n\n"
        "[importlinter:contract:engine]\nname = engine\ntype = mine\ncanonical = app.core:Engine\n",
    ),
}


@pytest.mark.skipif(
    version_tuple(installed_version("import-linter") or "0") < (2, 16),
    reason="before 2.16 import-linter gives a subclassed contract type none of its parent's options "
    "(lint-imports alike); see docs/compatibility.md",
)
@pytest.mark.parametrize("kind", PLUGINS)
def test_plugin_contract_types_are_never_cached(
    tmp_path: Path, analysis_calls: Derivations, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    """A contract type from another package (an ordinary one, or a CanonicalContract subclass) may
    change without any file of the tree changing."""
    source, config = PLUGINS[kind]
    module = f"my_{kind}_contracts"
    monkeypatch.syspath_prepend(str(write_tree(tmp_path / "plugins", {f"{module}.py": source})))
    config = config.replace("    app\n\n", f"    app\ncontract_types =\n    mine: {module}.Mine\n\n", 1)
    root = write_tree(tmp_path / "tree", {**CHECKED, ".importlinter": config})
    options = Options(root=root, cache_dir=tmp_path / "cache")
    assert run_check(options).contracts_run == run_check(options).contracts_run
    assert analysis_calls == ["check", "check"]


# --- what the results cache must never get wrong ------------------------------------------------


def test_tree_with_compiled_modules_is_cached_too(tmp_path: Path, analysis_calls: Derivations) -> None:
    root = write_tree(tmp_path / "tree", {
        "app/__init__.py": "", "app/main.py": "from app import fast, faster\nfrom app import gone\n",
        "app/fast.cpython-312-x86_64-linux-gnu.so": b"\x7fELF", "app/faster.pyd": b"MZ",
    })
    options = Options(root=root, cache_dir=tmp_path / "cache")
    cold, warm = run_scan(options), run_scan(options)
    assert analysis_calls == ["scan"]
    assert [d.imported for d in warm.dangling] == [d.imported for d in cold.dangling] == ["app:gone"]


def test_cache_entry_that_does_not_decode_is_parsed_again(tmp_path: Path) -> None:
    """A checksum-valid entry our decoder rejects (say, a renamed enum value) must not pass for a
    file without facts: the file is parsed again, and its entry dropped."""
    root = write_tree(tmp_path / "tree", TREE)
    options = Options(root=root, cache_dir=tmp_path / "cache")
    expected = summary(run_scan(options))
    cache = FactsCache(tmp_path / "cache")
    digest = cache.known_hash("app/use.py")
    assert digest is not None
    cached = cache.find_by_hash("app/use.py", digest)
    assert cached is not None
    facts = cached.outcome().facts
    renamed = SimpleNamespace(value="no-such-kind")  # an import kind as another archguard named it
    damaged = replace(facts, imports=tuple(i._replace(kind=renamed) for i in facts.imports))
    stat = (root / "app/use.py").stat()
    cache.store("app/use.py", stat.st_size, FileStamp.of(stat), digest, ParseOutcome(facts=damaged))
    cache.save()
    for stored in (tmp_path / "cache").glob("results-scan*.bin"):  # make the scan use the facts
        stored.unlink()  # (the whole-run result and the per-file state)

    again = run_scan(options)

    assert summary(again) == expected
    assert FactsCache(tmp_path / "cache").known_hash("app/use.py") is None  # its entry dropped


def test_a_library_caller_keeps_its_collector_and_can_pickle_results(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "tree", TREE)
    options = Options(root=root, cache_dir=tmp_path / "cache")
    run_scan(options)
    warm = run_scan(options)  # facts from the cache, decoded lazily
    assert gc.isenabled()
    restored = pickle.loads(pickle.dumps(warm))
    assert dict(restored.facts) == dict(warm.facts) and len(restored.facts) == len(TREE) - 1


def test_unwritable_cache_warns_once(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "tree", TREE)
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder should be")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        run_check(Options(root=root, cache_dir=blocker))
    assert [str(w.message).split(":")[0] for w in caught] == ["archguard"]
