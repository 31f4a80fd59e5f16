"""``history --config-at-commit`` reads each commit's workspace configuration from the commit: its
uv workspace members (their pyproject.toml, what each declares) and its Pants source roots, never
the working tree's; without ``--config-at-commit`` today's configuration, the working tree's,
judges every commit (docs/history.md, "Rules"). Every row equals ``check --no-cache`` on a
checkout of its commit (with the configuration each mode promises)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from tests.functional.test_engine import checkout_of
from tests.functional.test_history import commit, git
from tests.functional.test_history_links import make_links
from tests.helpers import run_cli, write_tree


def member(name: str, requires: tuple[str, ...] = ()) -> str:
    return f'[project]\nname = "{name}"\nversion = "1"\ndependencies = {json.dumps(list(requires))}\n'


def uv_root(*members: str) -> str:
    return f'[project]\nname = "top"\nversion = "1"\n\n[tool.uv.workspace]\nmembers = {json.dumps(list(members))}\n'


def build_workspace(root: Path) -> list[str]:
    """Commit 1: members A and B (A imports B without declaring it); commit 2: B moved to libs/,
    a member C added (it imports A, declared) and the members' globs changed; commit 3: only A's
    pyproject.toml changes (it declares B now); commit 4: only a module changes; commit 5: C's
    pyproject.toml is a symbolic link to another file of the commit. The working tree
    is left with a workspace of its own that names none of them."""
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    shas = [
        commit(
            root,
            "members a and b",
            {
                "pyproject.toml": uv_root("packages/*"),
                "packages/a/pyproject.toml": member("a"),
                "packages/a/src/a/__init__.py": "",
                "packages/a/src/a/core.py": "import b.util\n",
                "packages/b/pyproject.toml": member("b"),
                "packages/b/src/b/__init__.py": "",
                "packages/b/src/b/util.py": "X = 1\n",
            },
        )
    ]
    (root / "libs").mkdir()
    git(root, "mv", "packages/b", "libs/b")
    shas.append(
        commit(
            root,
            "b moves to libs/, member c comes",
            {
                "pyproject.toml": uv_root("packages/*", "libs/*"),
                "packages/c/pyproject.toml": member("c", ("a",)),
                "packages/c/src/c/__init__.py": "",
                "packages/c/src/c/app.py": "import a.core\nimport b.util\n",
            },
        )
    )
    shas.append(commit(root, "a declares b", {"packages/a/pyproject.toml": member("a", ("b",))}))
    shas.append(
        commit(root, "a module changes", {"packages/a/src/a/core.py": "import b.util\nimport c.app\n"})
    )
    # c's pyproject.toml becomes a link to a file elsewhere in the commit: read through it (c
    # declares b there), as a checkout reads it
    write_tree(root, {"templates/c.toml": member("c", ("a", "b"))})
    (root / "packages/c/pyproject.toml").unlink()
    make_links(root, {"packages/c/pyproject.toml": "../../templates/c.toml"})
    shas.append(commit(root, "c's pyproject.toml is a link"))
    # today's working tree: another workspace, uncommitted (a member "a" that declares nothing,
    # b and c not members)
    write_tree(root, {"pyproject.toml": uv_root("packages/a"), "packages/a/pyproject.toml": member("a")})
    return shas


def build_pants(root: Path) -> list[str]:
    """Commit 1: no pants.toml; commit 2: pants.toml makes ``services/*`` source roots; commit 3:
    its roots change to ``shared``. The working tree's pants.toml names other roots again."""
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    files = {
        "pyproject.toml": '[project]\nname = "top"\nversion = "1"\n',
        "services/api/api/__init__.py": "",
        "services/api/api/views.py": "import billing.money\nimport common.text\n",
        "services/billing/billing/__init__.py": "",
        "services/billing/billing/money.py": "import common.text\n",
        "shared/common/__init__.py": "",
        "shared/common/text.py": "X = 1\n",
    }
    shas = [commit(root, "no pants.toml", files)]
    shas.append(
        commit(
            root, "services are source roots", {"pants.toml": '[source]\nroot_patterns = ["/services/*"]\n'}
        )
    )
    shas.append(
        commit(root, "shared is the source root", {"pants.toml": '[source]\nroot_patterns = ["/shared"]\n'})
    )
    write_tree(root, {"pants.toml": '[source]\nroot_patterns = ["/services/*", "/shared"]\n'})
    return shas


def rows_of(root: Path, tmp_path: Path, *flags: str) -> dict[str, dict]:
    ran = run_cli("history", root, "--json", "-", "--cache-dir", tmp_path / "cache", "-q", *flags)
    assert ran.returncode == 0, ran.stderr
    return {row["commit"]: row for row in json.loads(ran.stdout)["commits"]}


def checked(folder: Path, tmp_path: Path) -> dict:
    out = tmp_path / f"{folder.name}.json"
    ran = run_cli("check", folder, "--no-cache", "--json", out, "-q")
    assert ran.returncode in (0, 1), ran.stderr
    return json.loads(out.read_text())


def assert_row_is(row: dict, found: dict, label: object) -> None:
    summary = found["summary"]
    assert row["summary"] == {key: summary[key] for key in row["summary"]}, label
    by_contract = dict.fromkeys(found["contracts"], 0)
    for v in found["violations"]:
        by_contract[v["contract"]] += 1
    assert row["by_contract"] == by_contract, label


def test_config_at_commit_reads_each_commits_uv_workspace(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    shas = build_workspace(root)
    expected = [checked(checkout_of(root, sha, tmp_path / f"c{i}"), tmp_path) for i, sha in enumerate(shas)]
    # each commit is what the test means it to be: its members' findings (AG601) move
    undeclared = [sum(v["code"] == "AG601" for v in found["violations"]) for found in expected]
    assert undeclared == [1, 2, 1, 2, 1], undeclared
    for run in ("cold", "cached"):
        rows = rows_of(root, tmp_path, "--config-at-commit")
        assert list(rows) == shas
        for i, (sha, found) in enumerate(zip(shas, expected, strict=True)):
            assert_row_is(rows[sha], found, (run, i))


def test_without_config_at_commit_todays_workspace_judges_every_commit(tmp_path: Path) -> None:
    """Today's workspace configuration, the working tree's, judges every commit; rows kept in the
    cache under another configuration of today's are not taken."""
    root = tmp_path / "repo"
    shas = build_workspace(root)
    rows = rows_of(root, tmp_path)
    for i, sha in enumerate(shas):
        clone = checkout_of(root, sha, tmp_path / f"c{i}")
        for name in ("pyproject.toml", "packages/a/pyproject.toml"):  # today's configuration
            shutil.copyfile(root / name, clone / name)
        assert_row_is(rows[sha], checked(clone, tmp_path), i)
    # today's members change: the rows follow (the members are those today's folders hold)
    write_tree(root, {"pyproject.toml": uv_root("packages/*", "libs/*")})
    again = rows_of(root, tmp_path)
    fresh = rows_of(root, tmp_path, "--no-cache")
    assert [row["summary"] for row in again.values()] == [row["summary"] for row in fresh.values()]
    assert [row["summary"]["violations"] for row in again.values()] != [
        row["summary"]["violations"] for row in rows.values()
    ]


def test_config_at_commit_reads_each_commits_pants_source_roots(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    shas = build_pants(root)
    expected = [checked(checkout_of(root, sha, tmp_path / f"c{i}"), tmp_path) for i, sha in enumerate(shas)]
    # each commit's source roots make other packages (and leave other files loose)
    shapes = [(found["summary"]["loose_files"], found["summary"]["modules"]) for found in expected]
    assert shapes == [(6, 0), (2, 4), (4, 2)], shapes
    rows = rows_of(root, tmp_path, "--config-at-commit")
    assert list(rows) == shas
    for i, (sha, found) in enumerate(zip(shas, expected, strict=True)):
        assert_row_is(rows[sha], found, i)
    # today's pants.toml judges every commit by default
    rows = rows_of(root, tmp_path)
    for i, sha in enumerate(shas):
        clone = tmp_path / f"c{i}"
        shutil.copyfile(root / "pants.toml", clone / "pants.toml")
        assert_row_is(rows[sha], checked(clone, tmp_path), ("today", i))
