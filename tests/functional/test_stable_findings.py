"""Same tree, same findings, every run: import-linter contracts whose dependencies have several
indirect chains through one shared import (grimp reports a sample of such chains, chosen by the
graph's internal order), checked in subprocesses under several ``PYTHONHASHSEED`` values."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import run_cli, write_tree

SEEDS = ("0", "1", "2", "3", "7", "42")

# Each contract's dependency is reached from two or three modules through one shared import
# (core.hub -> db.models, util.hub -> web.views, shared.core -> beta.api), so one pass of grimp
# finds one chain through it and leaves the others out.
TREE = {
    "app/__init__.py": "",
    # forbidden: app.ui must not reach app.db
    "app/ui/__init__.py": "",
    "app/ui/a1.py": "import app.svc.s1\n",
    "app/ui/a2.py": "import app.svc.s2\n",
    "app/ui/a3.py": "import app.svc.s1\nimport app.svc.s2\n",
    "app/svc/__init__.py": "",
    "app/svc/s1.py": "import app.core.hub\n",
    "app/svc/s2.py": "import app.core.hub\n",
    "app/core/__init__.py": "",
    "app/core/hub.py": "import app.db.models\n",
    "app/db/__init__.py": "",
    "app/db/models.py": "",
    # layers: app.web above app.domain; domain reaches web through util
    "app/web/__init__.py": "",
    "app/web/views.py": "",
    "app/domain/__init__.py": "",
    "app/domain/d1.py": "import app.util.u1\n",
    "app/domain/d2.py": "import app.util.u2\n",
    "app/util/__init__.py": "",
    "app/util/u1.py": "import app.util.hub\n",
    "app/util/u2.py": "import app.util.hub\n",
    "app/util/hub.py": "import app.web.views\n",
    # independence: app.alpha and app.beta; alpha reaches beta through shared
    "app/alpha/__init__.py": "",
    "app/alpha/x1.py": "import app.shared.s1\n",
    "app/alpha/x2.py": "import app.shared.s2\n",
    "app/beta/__init__.py": "",
    "app/beta/api.py": "",
    "app/shared/__init__.py": "",
    "app/shared/s1.py": "import app.shared.core\n",
    "app/shared/s2.py": "import app.shared.core\n",
    "app/shared/core.py": "import app.beta.api\n",
    ".importlinter": (
        "[importlinter]\nroot_packages =\n    app\n\n"
        "[importlinter:contract:no-db]\nname = ui never reaches db\ntype = forbidden\n"
        "source_modules =\n    app.ui\nforbidden_modules =\n    app.db\n\n"
        "[importlinter:contract:layers]\nname = web above domain\ntype = layers\n"
        "layers =\n    app.web\n    app.domain\n\n"
        "[importlinter:contract:apart]\nname = alpha and beta apart\ntype = independence\n"
        "modules =\n    app.alpha\n    app.beta\n"
    ),
}

# Every import that starts a broken dependency: (contract, file, imported module).
EVERY_FIRST_HOP = {
    ("ui never reaches db", "app/ui/a1.py", "app.svc.s1"),
    ("ui never reaches db", "app/ui/a2.py", "app.svc.s2"),
    ("ui never reaches db", "app/ui/a3.py", "app.svc.s1"),
    ("ui never reaches db", "app/ui/a3.py", "app.svc.s2"),
    ("web above domain", "app/domain/d1.py", "app.util.u1"),
    ("web above domain", "app/domain/d2.py", "app.util.u2"),
    ("alpha and beta apart", "app/alpha/x1.py", "app.shared.s1"),
    ("alpha and beta apart", "app/alpha/x2.py", "app.shared.s2"),
}


def run(seed: str, *args: str | Path) -> subprocess.CompletedProcess[str]:
    """archguard in a new process under the hash seed ``seed``."""
    return run_cli(*args, env={**os.environ, "PYTHONHASHSEED": seed})


def lint_imports(seed: str, root: Path) -> subprocess.CompletedProcess[str]:
    """Plain ``lint-imports`` (from this interpreter's environment) in ROOT, under ``seed``."""
    command = [str(Path(sys.executable).parent / "lint-imports"), "--no-cache"]
    env = {**os.environ, "PYTHONHASHSEED": seed}
    return subprocess.run(command, capture_output=True, text=True, env=env, cwd=root, timeout=300)


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    return write_tree(tmp_path / "repo", TREE)


def findings(tree: Path, seed: str, *extra: str) -> dict:
    done = run(seed, "check", tree, "--format", "json", *extra)
    assert done.returncode in (0, 1), done.stderr
    return json.loads(done.stdout)


def test_every_first_hop_is_reported_the_same_under_every_hash_seed(tree: Path) -> None:
    runs = {seed: findings(tree, seed, "--no-cache") for seed in SEEDS}
    shown = {
        seed: sorted((v["fingerprint"], v["path"], v["line"], v["message"]) for v in data["violations"])
        for seed, data in runs.items()
    }
    assert len({tuple(s) for s in shown.values()}) == 1, "findings differ between hash seeds"
    hops = {(v["contract"], v["path"], v["imported"]) for v in runs["0"]["violations"] if v["kind"] == "import-linter"}
    assert hops == EVERY_FIRST_HOP
    dependencies = {v["extra"]["dependency"] for v in runs["0"]["violations"] if v["kind"] == "import-linter"}
    assert dependencies == {
        "app.ui is not allowed to import app.db",
        "app.domain is not allowed to import app.web (a higher layer)",
        "app.alpha is not allowed to import app.beta",
    }


def test_lint_imports_itself_reports_a_sample_that_archguard_covers(tree: Path) -> None:
    """The fixture's trap is real: plain lint-imports leaves first hops out (grimp cuts each
    reported chain's imports, the shared one among them); archguard lists every one."""
    seen: set[tuple[str, str]] = set()
    for seed in SEEDS[:3]:
        done = lint_imports(seed, tree)
        assert done.returncode == 1, done.stdout + done.stderr
        seen |= {
            tuple(line.strip().lstrip("- ").split(" (l.")[0].split(" -> "))  # type: ignore[misc]
            for line in done.stdout.splitlines()
            if line.strip().startswith("- app.") or (" -> " in line and line.strip().startswith("app."))
        }
    first_hops = {(f"app.{p.removeprefix('app/').removesuffix('.py').replace('/', '.')}", m) for _, p, m in EVERY_FIRST_HOP}
    assert first_hops - seen, "every lint-imports run listed every first hop: the fixture no longer samples"


def test_baseline_then_check_under_other_seeds_is_clean_and_has_no_stale_entries(tree: Path) -> None:
    baseline = tree / "baseline.json"
    assert run("5", "baseline", tree, "--baseline", baseline, "--no-cache").returncode == 0
    for seed in SEEDS:
        data = findings(tree, seed, "--baseline", str(baseline), "--no-cache", "--strict-baseline")
        assert data["summary"]["new_violations"] == 0, seed
        assert data["stale_baseline_entries"] == [], seed
    entries = json.loads(baseline.read_text())["violations"]
    assert {e["dependency"] for e in entries if e["code"] == "AG301"} == {
        "app.ui is not allowed to import app.db",
        "app.domain is not allowed to import app.web (a higher layer)",
        "app.alpha is not allowed to import app.beta",
    }


def test_a_baseline_from_before_is_migrated_not_flagged(tree: Path) -> None:
    """An earlier archguard recorded a sample: one import per chain it happened to see (some twice,
    once per chain they began), with fingerprints of its own and no ``dependency``. Its entries
    still cover the tree; the sample's missing imports belong to known dependencies; the update
    rewrites them in today's form, owner kept."""
    def old(path: str, imported: str, contract: str, fingerprint: str) -> dict:
        statement = f"import {imported}"
        return {"fingerprint": fingerprint, "code": "AG301", "contract": contract, "path": path,
                "imported": imported, "statement": statement, "owner": "team-core"}

    legacy = [
        old("app/ui/a1.py", "app.svc.s1", "ui never reaches db", "0000000000000001"),
        old("app/ui/a1.py", "app.svc.s1", "ui never reaches db", "0000000000000002"),  # a second chain
        old("app/domain/d2.py", "app.util.u2", "web above domain", "0000000000000003"),
        old("app/alpha/x1.py", "app.shared.s1", "alpha and beta apart", "0000000000000004"),
        old("app/gone.py", "app.svc.s1", "ui never reaches db", "0000000000000005"),  # fixed since
    ]
    baseline = tree / "baseline.json"
    baseline.write_text(json.dumps({"schema": "archguard-baseline/1", "violations": legacy}))

    data = findings(tree, "9", "--baseline", str(baseline), "--no-cache")
    assert data["summary"]["new_violations"] == 0
    assert [e["fingerprint"] for e in data["stale_baseline_entries"]] == ["0000000000000005"]

    assert run("9", "check", tree, "--baseline", baseline, "--update-baseline", "--no-cache").returncode == 0
    entries = json.loads(baseline.read_text())["violations"]
    assert {(e["contract"], e["path"], e["imported"]) for e in entries} == EVERY_FIRST_HOP
    assert all(e["owner"] == "team-core" and e["dependency"] for e in entries)
    again = findings(tree, "11", "--baseline", str(baseline), "--no-cache", "--strict-baseline")
    assert again["summary"]["new_violations"] == 0 and again["stale_baseline_entries"] == []


def test_a_new_first_hop_into_a_known_dependency_is_new(tree: Path) -> None:
    baseline = tree / "baseline.json"
    run("1", "baseline", tree, "--baseline", baseline)
    (tree / "app" / "ui" / "a4.py").write_text("import app.svc.s2\n")
    data = findings(tree, "2", "--baseline", str(baseline))
    new = [(v["path"], v["imported"]) for v in data["violations"] if not v["baselined"]]
    assert new == [("app/ui/a4.py", "app.svc.s2")]
