"""``archguard discover`` and ``archguard init`` on trees the tests build, and on the bundled example.

The drifted tree plants one of each thing discover must find (a concept with many homes, a
wrapper, a factory, a related same-named definition, shims, copies, an import cycle) beside the
ordinary same-named helpers that must never make a cluster.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import networkx as nx
import pytest

from archguard.analysis.discover import names
from archguard.analysis.discover.score import cluster_score
from archguard.app import Options
from archguard.app.discover import run_discover
from archguard.domain.discovery import DiscoveryResult
from tests.helpers import REPO, run_cli, write_tree

EXAMPLE = REPO / "examples" / "shopapp"

DRIFTED = {
    "app/__init__.py": "",
    # The planted concept: one class, many homes.
    "app/core/__init__.py": "from .engine import Engine\n",
    "app/core/engine.py": (
        "class _EngineImpl:\n    def run(self):\n        return 1\n\n\nEngine = _EngineImpl\n"
        "UnifiedEngine = _EngineImpl\n"
    ),
    "app/compat.py": (
        "import warnings\n\nfrom app.core.engine import Engine\n\n"
        "warnings.warn('use app.core', DeprecationWarning, stacklevel=2)\n\n"
        "LegacyEngine = Engine\n__all__ = ['LegacyEngine']\n"
    ),
    "app/unused_shim.py": "from app.core import Engine\n\n__all__ = ['Engine']\n",
    "app/wrappers.py": "from app.core.engine import _EngineImpl\n\n\nclass IsolatedEngine(_EngineImpl):\n    pass\n",
    "app/factory.py": "from app.core import Engine\n\n\ndef create_engine():\n    return Engine()\n",
    "app/users/__init__.py": "",
    "app/users/a.py": "from app.core import Engine\n",
    "app/users/b.py": "from app.core import Engine\n",
    "app/users/c.py": "from app.core.engine import _EngineImpl\n",
    "app/users/d.py": "from app.compat import LegacyEngine\n",
    "app/users/e.py": "from app.core.engine import UnifiedEngine\n",
    "app/users/f.py": "from app.wrappers import IsolatedEngine\n",
    "app/users/g.py": "from app.core.engine import Engine\n",
    # A second, smaller concept: two related definitions of one function.
    "app/util/__init__.py": "",
    "app/util/dates.py": "def parse_date(text):\n    return text\n\n\ndef fmt(d):\n    return d\n\n\ndef today():\n    return 0\n",
    "app/legacy/__init__.py": "",
    "app/legacy/dates.py": "def parse_date(text, fmt=None):\n    return text.strip()\n",
    "app/report.py": (
        "from app.util.dates import parse_date\nfrom app.legacy.dates import parse_date as old_parse\n"
    ),
    "app/report2.py": "from app.legacy.dates import parse_date\n",
    # Ordinary same-named helpers: never a cluster.
    "app/a/__init__.py": "",
    "app/a/config.py": "class Config:\n    debug = False\n\n\ndef setup():\n    pass\n",
    "app/b/__init__.py": "",
    "app/b/config.py": "class Config:\n    debug = True\n\n\ndef setup():\n    pass\n",
    "app/a/models.py": "class UserProfile:\n    pass\n",
    "app/b/models.py": "class UserProfile:\n    pass\n",
    "app/a/use.py": "from app.a.config import Config, setup\nfrom app.a.models import UserProfile\n",
    "app/b/use.py": "from app.b.config import Config, setup\nfrom app.b.models import UserProfile\n",
    "scripts/one.py": "def main():\n    pass\n",
    "scripts/two.py": "def main():\n    pass\n",
    "tests/test_engine.py": (
        "from app.core import Engine\n\n\nclass TestEngine:\n    def test_run(self):\n        assert Engine().run()\n\n\n"
        "class FakeEngine:\n    pass\n"
    ),
    "tests/test_other.py": "class TestEngine:\n    def test_x(self):\n        pass\n",
    # An import cycle at import time, and one dodged by a function-level import (not a cycle).
    "app/cyc/__init__.py": "",
    "app/cyc/a.py": "from app.cyc import b\n",
    "app/cyc/b.py": "from app.cyc.c import X\n",
    "app/cyc/c.py": "import app.cyc.a\n\nX = 1\n",
    "app/lazy/__init__.py": "",
    "app/lazy/p.py": "from app.lazy.q import Q\n",
    "app/lazy/q.py": "Q = 1\n\n\ndef f():\n    from app.lazy.p import Q\n    return Q\n",
    # Copies: a backup suffix, an _old file, a backup folder, and a same-content duplicate.
    "app/users/a.py.bak": "from app.core import Engine  # before the refactor\n",
    "app/util/dates_old.py": "def parse_date(text):\n    return text\n",
    "backup/app/core/engine.py": "class _EngineImpl:\n    def run(self):\n        return 1\n\n\nEngine = _EngineImpl\n",
    "app/tools/__init__.py": "",
    "app/tools/text.py": "def slug(x):\n    return x\n\n\ndef title(x):\n    return x\n\n\ndef strip(x):\n    return x\n",
    "app/text_helpers.py": (
        "# copied from tools/text.py\ndef slug(x):\n    return x\n\n\ndef title(x):\n    return x\n\n\n"
        "def strip(x):\n    return x\n"
    ),
}


def discover_tree(tmp_path: Path, tree: dict[str, str] = DRIFTED, **options) -> DiscoveryResult:
    root = write_tree(tmp_path / "tree", tree)
    return run_discover(Options(root=root, no_cache=True, jobs=1, **options))


@pytest.fixture(scope="module")
def drifted(tmp_path_factory) -> DiscoveryResult:
    return discover_tree(tmp_path_factory.mktemp("drifted"))


# ---- clusters ---------------------------------------------------------------------------------


def test_planted_fragmentation_ranks_first_with_its_evidence(drifted: DiscoveryResult) -> None:
    top = drifted.clusters[0]
    assert top.name == "engine"
    assert top.canonical == "app.core:Engine"  # the most-used path
    assert set(top.evidence) == {"access-paths", "wrapper", "factory"}
    roles = {(d.module, d.name): d.role for d in top.definitions}
    assert roles[("app.core.engine", "_EngineImpl")] == "origin"
    assert roles[("app.wrappers", "IsolatedEngine")] == "wrapper"
    assert roles[("app.factory", "create_engine")] == "factory"
    assert roles[("tests.test_engine", "FakeEngine")] == "test-double"
    paths = {p.target: len(p.importers) for p in top.access_paths}
    assert paths["app.core:Engine"] == 5  # users a and b, the factory, the unused shim, the test
    assert paths["app.compat:LegacyEngine"] == 1
    assert paths["app.core.engine:UnifiedEngine"] == 1
    # c (implementation), d (shim), e (old alias), f (wrapper), g (module path), and the shim and
    # the wrapper module themselves: 7 files to change
    assert top.non_canonical_importers == 7
    assert "app.compat" in top.shims


def test_related_same_named_definitions_cluster(drifted: DiscoveryResult) -> None:
    cluster = next(c for c in drifted.clusters if c.name == "parse-date")
    assert cluster.evidence == ("same-name",)
    assert {(d.module, d.role) for d in cluster.definitions} == {
        ("app.util.dates", "definition"), ("app.legacy.dates", "definition"),
    }
    assert drifted.clusters.index(cluster) == 1  # ranked after the planted concept


def test_ordinary_same_named_helpers_make_no_cluster(drifted: DiscoveryResult) -> None:
    clustered = {(d.module, d.name) for c in drifted.clusters for d in c.definitions if not d.test_double}
    for module, name in [("app.a.config", "Config"), ("app.b.config", "Config"), ("app.a.config", "setup"),
                         ("app.a.models", "UserProfile"), ("app.b.models", "UserProfile"),
                         ("scripts.one", "main"), ("tests.test_other", "TestEngine"),
                         ("tests.test_engine", "TestEngine")]:
        assert (module, name) not in clustered
    assert {c.name for c in drifted.clusters} == {"engine", "parse-date"}


def test_score_is_the_documented_formula(drifted: DiscoveryResult) -> None:
    assert cluster_score(non_canonical_importers=5, extra_paths=2, extra_definitions=1, factories=1, shims=1) == 14
    for cluster in drifted.clusters:
        used = sum(1 for p in cluster.access_paths if p.importers)
        rivals = sum(1 for d in cluster.definitions if d.role in ("origin", "definition", "wrapper")) - 1
        expected = cluster_score(
            non_canonical_importers=cluster.non_canonical_importers, extra_paths=used - 1,
            extra_definitions=rivals, factories=sum(d.role == "factory" for d in cluster.definitions),
            shims=len(cluster.shims),
        )
        assert cluster.score == expected


def test_canonical_can_be_overridden(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "tree", DRIFTED)
    result = run_discover(Options(root=root, no_cache=True, jobs=1), canonical={"engine": "app.core.engine:Engine"})
    top = next(c for c in result.clusters if c.name == "engine")
    assert top.canonical == "app.core.engine:Engine"
    assert [p.target for p in top.access_paths if p.canonical] == ["app.core.engine:Engine"]


@pytest.mark.parametrize("name, concept", [
    ("_ManagerImpl", "manager"), ("UnifiedConnectionManager", "connection-manager"),
    ("LegacyManager", "manager"), ("ManagerV2", "manager"), ("IsolatedEngineFactory", "engine"),
    ("HTTPServer", "http-server"), ("load_settings", "load-settings"), ("Base", "base"),
])
def test_name_normalisation_rule(name: str, concept: str) -> None:
    assert names.normalise(name) == concept


def test_test_doubles_are_told_apart() -> None:
    assert names.is_test_double("FakeEngine", "app/x.py", "app.x")
    assert names.is_test_double("EngineMock", "app/x.py", "app.x")
    assert names.is_test_double("Engine", "tests/helpers.py", "tests.helpers")
    assert not names.is_test_double("Engine", "app/x.py", "app.x")


# ---- shims, copies, cycles, hotspots ----------------------------------------------------------


def test_every_planted_shim_is_found(drifted: DiscoveryResult) -> None:
    shims = {s.module: s for s in drifted.shims}
    assert shims["app.compat"].warns_deprecation
    assert shims["app.compat"].reexports == (("LegacyEngine", "app.core.engine:_EngineImpl"),)
    assert shims["app.compat"].importers == ("app/users/d.py",)
    assert shims["app.unused_shim"].importers == ()  # safe to delete
    assert "app.users.a" not in shims and "app.core" not in shims  # a package's public face


def test_every_planted_copy_is_found_with_its_live_file(drifted: DiscoveryResult) -> None:
    copies = {c.path: c for c in drifted.copies}
    assert copies["app/users/a.py.bak"].live == "app/users/a.py"
    assert copies["app/util/dates_old.py"].live == "app/util/dates.py"
    assert copies["backup/app/core/engine.py"].live == "app/core/engine.py"
    assert copies["backup/app/core/engine.py"].similarity > 0.8
    assert copies["app/text_helpers.py"].live == "app/tools/text.py"  # found by content
    assert copies["app/text_helpers.py"].similarity == 1.0  # identical once comments are dropped
    assert set(copies) == {"app/users/a.py.bak", "app/util/dates_old.py", "backup/app/core/engine.py",
                           "app/text_helpers.py"}


def test_excluded_copies_are_not_reported(tmp_path: Path) -> None:
    result = discover_tree(tmp_path, excludes=("backup/**", "**/*.bak"))
    assert {c.path for c in result.copies} == {"app/util/dates_old.py", "app/text_helpers.py"}


def test_import_cycle_is_spelled_out_with_breakers(drifted: DiscoveryResult) -> None:
    assert len(drifted.cycles) == 1  # app.lazy's function-level import makes no cycle
    cycle = drifted.cycles[0]
    assert cycle.modules == ("app.cyc.a", "app.cyc.b", "app.cyc.c")
    hops = [(e.importer, e.imported, e.path, e.line) for e in cycle.path]
    assert len(hops) == 3 and hops[0][0] == hops[-1][1]
    assert ("app.cyc.c", "app.cyc.a", "app/cyc/c.py", 1) in hops
    graph = nx.DiGraph((e.importer, e.imported) for e in cycle.path)
    graph.remove_edges_from((e.importer, e.imported) for e in cycle.breakers)
    assert nx.is_directed_acyclic_graph(graph) and 1 <= len(cycle.breakers) <= 3


def test_hotspots_rank_the_module_most_reach_the_concept_through(drifted: DiscoveryResult) -> None:
    assert drifted.hotspots[0].module == "app.core.engine"
    assert drifted.hotspots[0].non_canonical_importers >= 3


# ---- the bundled example ----------------------------------------------------------------------


def test_example_ranks_its_planted_concepts_first() -> None:
    result = run_discover(Options(root=EXAMPLE, no_cache=True, jobs=1, excludes=("nothing-excluded",)))
    assert [c.name for c in result.clusters[:2]] == ["connection-manager", "load-settings"]
    top = result.clusters[0]
    assert top.canonical == "shopapp.realtime.manager:ConnectionManager"  # what contracts/ says too
    assert {"shopapp.realtime.compat", "shopapp.realtime.manager_factory_compat"} <= {s.module for s in result.shims}
    assert {d.name for d in top.definitions if d.role == "wrapper"} == {"UnifiedConnectionManager"}
    copies = {c.path: c.live for c in result.copies}
    assert copies["shopapp/handlers.py.backup_20250917"] == "shopapp/handlers.py"
    assert copies["backups/2025-09-17/shopapp/realtime/manager.py"] == "shopapp/realtime/manager.py"
    assert copies["backups/2025-09-17/shopapp/services/notifications.py"] == "shopapp/services/notifications.py"
    assert result.cycles == []  # its one cycle is dodged by a function-level import


# ---- CLI, drafts, init ------------------------------------------------------------------------


def test_cli_json_table_and_drafts_that_check_loads(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "tree", DRIFTED)
    out = tmp_path / "d.json"
    done = run_cli("discover", root, "--no-cache", "--top", "1", "--json", out,
                     "--write-contracts", tmp_path / "drafts")
    assert done.returncode == 0, done.stderr
    assert "engine" in done.stdout and "+1 more" in done.stdout
    data = json.loads(out.read_text())
    assert data["command"] == "discover"
    assert {"clusters", "shims", "copies", "cycles", "hotspots"} <= set(data)
    cluster = data["clusters"][0]
    assert {"name", "score", "definitions", "access_paths", "importer_count"} <= set(cluster)
    assert {"module", "name", "kind", "path", "line"} <= set(cluster["definitions"][0])
    assert {"module", "name", "importers"} <= set(cluster["access_paths"][0])
    assert {"module", "path", "reexports", "importers"} <= set(data["shims"][0])
    assert {"path", "live", "similarity"} <= set(data["copies"][0])
    assert {"modules", "path", "breakers"} <= set(data["cycles"][0])
    assert sorted(p.name for p in (tmp_path / "drafts").iterdir()) == ["engine.toml"]

    checked = run_cli("check", root, "--no-cache", "--contracts", tmp_path / "drafts",
                        "--json", tmp_path / "c.json")
    assert checked.returncode == 1, checked.stderr  # the drafts load, and find the drift
    violations = json.loads((tmp_path / "c.json").read_text())["violations"]
    engine = {(v["path"], v["code"]) for v in violations if v["contract"] == "engine"}
    assert ("app/users/d.py", "AG101") in engine and ("app/wrappers.py", "AG111") in engine

    again = run_cli("discover", root, "--no-cache", "--write-contracts", tmp_path / "drafts", "--top", "1")
    assert again.returncode == 0 and "kept" in again.stdout  # never overwritten


def test_init_on_a_fresh_tree(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "tree", DRIFTED)
    done = run_cli("init", root, "--no-cache", "-q")
    assert done.returncode == 0, done.stderr
    assert "[tool.archguard]" in (root / "pyproject.toml").read_text()
    assert 'exclude = ["app/util/dates_old.py", "backup/**"]  # stale copies' in (root / "pyproject.toml").read_text()
    assert sorted(p.name for p in (root / "contracts").iterdir()) == ["engine.toml", "parse-date.toml"]
    assert "type = canonical" in (root / ".importlinter").read_text()
    baseline = json.loads((root / "archguard-baseline.json").read_text())
    assert baseline  # today's violations, recorded
    checked = run_cli("check", root, "--no-cache")
    assert checked.returncode == 0, checked.stdout + checked.stderr  # everything known, nothing stale
    assert "stale" not in checked.stdout
    before = {p: p.read_bytes() for p in root.rglob("*") if p.is_file() and ".archguard_cache" not in p.parts}
    again = run_cli("init", root, "--no-cache", "-q")
    assert again.returncode == 0 and again.stdout.count("kept") >= 4
    assert {p: p.read_bytes() for p in before} == before


def test_init_keeps_existing_configuration(tmp_path: Path) -> None:
    tree = dict(DRIFTED)
    tree["pyproject.toml"] = '[project]\nname = "app"\n\n[tool.archguard]\nexclude = ["backup/**"]\n'
    tree[".importlinter"] = "[importlinter]\nroot_packages = app\n\n[importlinter:contract:x]\nname = x\ntype = independence\nmodules =\n    app.a\n    app.b\n"
    root = write_tree(tmp_path / "tree", tree)
    done = run_cli("init", root, "--no-cache", "-q")
    assert done.returncode == 0, done.stderr
    assert (root / "pyproject.toml").read_text() == tree["pyproject.toml"]
    assert (root / ".importlinter").read_text() == tree[".importlinter"]
    assert (root / "contracts" / "engine.toml").is_file() and (root / "archguard-baseline.json").is_file()


def test_init_adds_the_table_to_a_pyproject_without_one(tmp_path: Path) -> None:
    tree = dict(DRIFTED)
    tree["pyproject.toml"] = '[project]\nname = "app"\n'
    root = write_tree(tmp_path / "tree", tree)
    assert run_cli("init", root, "--no-cache", "-q").returncode == 0
    text = (root / "pyproject.toml").read_text()
    assert text.startswith('[project]\nname = "app"\n') and "[tool.archguard]" in text


# ---- noise seen on real packages (docs/discover.md, "Tried on real packages") ------------------

LIBRARY_SHAPES = {
    "lib/__init__.py": "",
    # SQLAlchemy: generic and ALL-CAPS SQL types, a dialect subclass with a body, a dialect type
    # of the same name with an empty body, the select() constructor beside the Select class.
    "lib/types.py": (
        "class Text:\n    pass\n\n\nclass TEXT(Text):\n    __visit_name__ = 'TEXT'\n\n\n"
        "class JSON:\n    x = 1\n\n\nclass Select:\n    x = 1\n"
    ),
    "lib/sql.py": "from lib.types import Select\n\n\ndef select(*cols):\n    return Select()\n",
    "lib/dialect/__init__.py": "",
    "lib/dialect/base.py": (
        "from lib import types\n\n\nclass Text(types.Text):\n    def render(self):\n        return 'T'\n\n\n"
        "class JSON(types.JSON):\n    '''the dialect's JSON'''\n"
    ),
    "lib/use.py": (
        "from lib.types import Text, TEXT, JSON\nfrom lib.dialect.base import Text as DText, JSON as DJSON\n"
        "from lib.sql import select\nfrom lib.types import Select\n"
    ),
    # Django: one-word concepts of two subsystems, co-imported; a mixin wrapper; Form(BaseForm).
    "lib/models/__init__.py": "",
    "lib/models/fields.py": "class Field:\n    x = 1\n\n\nclass Exact:\n    x = 1\n",
    "lib/forms/__init__.py": "",
    "lib/forms/fields.py": "class Field:\n    y = 2\n",
    "lib/forms/forms.py": "class BaseForm:\n    x = 1\n\n\nclass Form(BaseForm):\n    '''public form'''\n",
    "lib/lookups.py": (
        "from lib.models.fields import Exact\n\n\nclass Mixin:\n    x = 1\n\n\n"
        "class RelatedExact(Mixin, Exact):\n    pass\n"
    ),
    "lib/modelforms.py": (
        "from lib.models.fields import Field\nfrom lib.forms.fields import Field as FormField\n"
        "from lib.forms.forms import Form, BaseForm\nfrom lib.lookups import RelatedExact\n"
    ),
    # One file per locale: alike by design, not copies.
    **{f"lib/locale/{lang}/__init__.py": "" for lang in ("de", "fr", "it", "es", "nl")},
    **{f"lib/locale/{lang}/formats.py": "DATE = 'd'\nTIME = 't'\nFIRST_DAY = 1\n"
       for lang in ("de", "fr", "it", "es", "nl")},
    "lib/locale/__init__.py": "",
}


def test_library_idioms_make_no_cluster_and_no_copy(tmp_path: Path) -> None:
    result = discover_tree(tmp_path, LIBRARY_SHAPES)
    assert result.clusters == [], [(c.name, c.evidence) for c in result.clusters]
    assert result.copies == []


def test_a_warm_run_reads_the_same_result_from_the_cache(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "tree", DRIFTED)
    options = Options(root=root, cache_dir=tmp_path / "cache", jobs=1)
    cold = run_discover(options)
    assert (tmp_path / "cache" / "results-discover.bin").is_file()
    warm = run_discover(options)
    assert warm.scan.cache_hits == len(warm.scan.facts)
    for key in ("clusters", "shims", "copies", "cycles", "hotspots", "interfaces"):
        assert getattr(warm, key) == getattr(cold, key)
    overridden = run_discover(options, canonical={"engine": "app.core.engine:Engine"})
    assert overridden.clusters[0].canonical == "app.core.engine:Engine"  # another key, not a stale hit


def test_a_warm_discover_loads_no_graph_library_and_writes_what_a_fresh_run_writes(tmp_path: Path) -> None:
    """An unchanged tree's discover takes its derived results from the cache: the whole-tree steps
    (networkx's graphs) are not even loaded, and its --json is a --no-cache run's."""
    interface = {  # a package declaring __all__ that others reach into: an interface candidate
        "lib/__init__.py": "from lib._impl import api\n\n__all__ = ['api']\n",
        "lib/_impl.py": "def api():\n    pass\n\n\ndef hidden():\n    pass\n",
        "app/uses_lib.py": "from lib._impl import hidden\n",
    }
    root = write_tree(tmp_path / "tree", {**DRIFTED, **interface})
    probe = (
        "import sys\n"
        "from archguard.adapters import discovery\n"
        "from archguard.adapters.cache import facts_cache\n"
        "discovery.RACY_WINDOW_NS = facts_cache.RACY_WINDOW_NS = 0  # the files were written just now\n"
        "from archguard.cli import main\n"
        "sys.argv = ['archguard', 'discover', *sys.argv[1:]]\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print('networkx' in sys.modules)\n"
    )

    def discover(*args: object) -> tuple[str, dict]:
        out = tmp_path / "out.json"
        done = subprocess.run(
            [sys.executable, "-c", probe, str(root), *map(str, args), "--json", str(out), "-q"],
            capture_output=True, text=True, timeout=120,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout.split()[-1], json.loads(out.read_text())

    cache = tmp_path / "cache"
    assert discover("--cache-dir", cache)[0] == "True"  # cold: derived, with the graphs
    loaded, warm = discover("--cache-dir", cache)
    assert loaded == "False"
    fresh = discover("--no-cache")[1]
    for key in ("clusters", "shims", "copies", "cycles", "hotspots", "interface_candidates"):
        assert warm[key] == fresh[key], key
    assert warm["interface_candidates"] and warm["clusters"]


def test_a_canonical_override_that_fits_no_cluster_is_a_usage_error(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "tree", DRIFTED)
    done = run_cli("discover", root, "--no-cache", "--canonical", "engine=app.users.a:Nothing")
    assert done.returncode == 2 and "not a path to this concept" in done.stderr
    done = run_cli("discover", root, "--no-cache", "--canonical", "nosuch=app.core:Engine")
    assert done.returncode == 2 and "no cluster named 'nosuch'" in done.stderr


def test_the_results_key_covers_all_of_archguards_code() -> None:
    """An edit to the analysis must never serve results an older analysis derived."""
    from archguard.adapters.cache import store

    package = Path(store.__file__).resolve().parents[2]
    assert (package / "analysis" / "discover" / "candidates.py").is_file()
    assert (package / "cli.py").is_file()


def test_init_leaves_archguard_check_and_lint_imports_green_and_in_step(tmp_path: Path) -> None:
    """Day one: both checkers pass on a drifted tree (the written .importlinter reads the same
    baseline); from then on they fail and pass together."""
    root = write_tree(tmp_path / "tree", {**DRIFTED, "tests/test_broken.py": "def test(:\n    pass\n"})
    assert run_cli("init", root, "-q").returncode == 0
    written = (root / ".importlinter").read_text()
    assert "baseline = archguard-baseline.json" in written and "known, not a" in written

    def both() -> tuple[int, int]:
        checked = run_cli("check", root)
        linted = subprocess.run([str(Path(sys.executable).parent / "lint-imports")], cwd=root,
                                capture_output=True, text=True, timeout=300)
        assert checked.returncode in (0, 1) and linted.returncode in (0, 1), checked.stderr + linted.stdout
        return checked.returncode, linted.returncode

    assert both() == (0, 0)

    (root / "app" / "users" / "h.py").write_text("from app.compat import LegacyEngine\n")  # new drift
    assert both() == (1, 1)
    (root / "app" / "users" / "h.py").unlink()
    assert both() == (0, 0)

    # The debt shrinks for both at once: fix a known import, drop its entry, bring it back.
    (root / "app" / "users" / "d.py").write_text("from app.core import Engine as LegacyEngine\n")
    assert run_cli("check", root, "--update-baseline").returncode == 0
    (root / "app" / "users" / "d.py").write_text(DRIFTED["app/users/d.py"])
    assert both() == (1, 1)


def test_init_beside_an_existing_contract_of_a_drafted_name_keeps_both_checkers_on_one_contract(
    tmp_path: Path,
) -> None:
    """A contracts/ file already names the concept a draft would: init keeps it, and the written
    .importlinter carries that contract (not the draft it did not write), so its own baseline run,
    archguard check and lint-imports all accept the tree."""
    root = write_tree(
        tmp_path / "tree",
        {
            "app/__init__.py": "",
            "app/core.py": "class Engine:\n    pass\n",
            "app/compat.py": "from app.core import Engine\n",
            **{f"app/u{i}.py": "from app.compat import Engine\n" for i in range(3)},
            "contracts/engine.toml": '[[concept]]\nname = "engine"\ncanonical = "app.core:Engine"\n',
        },
    )
    done = run_cli("init", root)
    assert done.returncode == 0, done.stderr
    assert "kept" in done.stdout and "engine.toml" in done.stdout
    written = (root / ".importlinter").read_text()
    assert "canonical = app.core:Engine" in written and "app.compat:Engine" not in written
    assert run_cli("check", root).returncode == 0
    linted = subprocess.run([str(Path(sys.executable).parent / "lint-imports")], cwd=root,
                            capture_output=True, text=True, timeout=300)
    assert linted.returncode == 0, linted.stdout


def test_discover_after_edits_writes_what_a_no_cache_run_writes(tmp_path: Path) -> None:
    """A warm ``discover`` after each edit (its per-file work kept per file, derived again only
    where the edit reaches: app/passes/discover.py) writes the --json of a --no-cache run, byte
    for byte but for its timing."""
    root = write_tree(tmp_path / "tree", DRIFTED)
    cache = tmp_path / "cache"

    def written(*flags: str) -> str:
        out = tmp_path / "out.json"
        run = run_cli("discover", root, "--json", out, *flags)
        assert run.returncode == 0, run.stderr
        return re.sub(r'"(duration_s|cache_hits)": [0-9.]+', r'"\1": 0', out.read_text(encoding="utf-8"))

    assert written("--cache-dir", cache) == written("--no-cache")
    edits = [
        ("app/users/a.py", "from app.core import Engine\nEDITED_1 = 1\n"),  # a new name (run.py's edit)
        ("app/core/__init__.py", "from .engine import Engine\n__all__ = ['Engine']\n"),  # a public face
        ("app/users/h.py", "from app.core.engine import _EngineImpl\n"),  # a new importer
        ("app/unused_shim.py", None),  # a shim deleted
        ("app/cyc/a.py", "X = 0\n"),  # a cycle broken
    ]
    for path, text in edits:
        if text is None:
            (root / path).unlink()
        else:
            (root / path).write_text(text, encoding="utf-8")
        assert written("--cache-dir", cache) == written("--no-cache"), path


def test_churn_is_counted_again_only_when_the_window_holds_other_commits(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Hotspots weigh each module's churn (git's numstat over the window's commits): a warm run
    keeps it under the window's commit ids, so it reads it back while the window holds the same
    commits, and counts again after a commit, which the hotspots then show."""
    from dataclasses import replace

    from archguard.adapters import git_history
    from tests.helpers import GIT_ENV, git

    for name in ("GIT_CONFIG_GLOBAL", "GIT_CONFIG_NOSYSTEM"):
        monkeypatch.setenv(name, GIT_ENV[name])
    root = write_tree(tmp_path / "repo", DRIFTED)
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "base")
    counted: list[str] = []
    real = git_history.churn

    def counting(where: Path, since: str) -> git_history.Churn | None:
        counted.append(since)
        return real(where, since)

    monkeypatch.setattr(git_history, "churn", counting)
    options = Options(root=root, cache_dir=tmp_path / "cache", jobs=1)
    first = run_discover(options)
    second = run_discover(options)
    assert len(counted) == 1 and second.hotspots == first.hotspots
    hot = first.hotspots[0]
    assert hot.changes == 1
    path = root / hot.path
    path.write_text(path.read_text() + "\n_touched = 1\n")
    git(root, "commit", "-qam", "touch the hotspot")
    third = run_discover(options)
    assert len(counted) == 2
    assert {h.path: h.changes for h in third.hotspots}[hot.path] == 2
    fresh = run_discover(replace(options, no_cache=True))
    assert [(h.path, h.changes, h.churn_lines) for h in third.hotspots] == [
        (h.path, h.changes, h.churn_lines) for h in fresh.hotspots
    ]
