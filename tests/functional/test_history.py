"""``archguard history`` on real git repositories built here: every row equals what ``check
--no-cache`` (and ``discover --no-cache`` for cycles and shims) says on a checkout of that commit;
the working tree is never touched; bad input is named, never a traceback (docs/history.md)."""

from __future__ import annotations

import csv
import io
import json
import math
import subprocess
from pathlib import Path

import pytest

from tests.helpers import GIT_ENV, git, run_cli, write_tree


def commit(
    root: Path, message: str, files: dict[str, str | bytes] | None = None, remove: tuple[str, ...] = ()
) -> str:
    if files:
        write_tree(root, files)
    for path in remove:
        git(root, "rm", "-q", "-r", path)
    git(root, "add", "-A")
    git(root, "commit", "-q", "--allow-empty", "-m", message)
    return git(root, "rev-parse", "HEAD").strip()


BASE = {
    "app/__init__.py": "",
    "app/core/__init__.py": "",
    "app/core/manager.py": "class Manager:\n    pass\n",
    "app/core/compat.py": "from app.core.manager import Manager\n",
    "lib/__init__.py": "",
    "lib/util.py": "def helper():\n    return 1\n",
    "contracts/manager.toml": '[[concept]]\nname = "manager"\ncanonical = "app.core.manager:Manager"\n',
}


def build_history(root: Path) -> list[str]:
    """Commits with added and removed violations, a cycle, a rename, a broken file, a file that is
    not UTF-8, a deleted module and a merge; returns the first-parent commits, oldest first."""
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    shas = [commit(root, "first", BASE)]
    shas.append(
        commit(
            root,
            "a violation, a cycle and an import across packages",
            {
                "app/api/__init__.py": "",
                "app/api/routes.py": "from app.core.compat import Manager\nimport lib.util\n",
                "app/core/a.py": "import app.core.b\n",
                "app/core/b.py": "import app.core.a\n",
            },
        )
    )
    shas.append(
        commit(
            root,
            "a broken file and one that is not UTF-8",
            {"app/api/broken.py": "def broken(:\n", "app/api/latin.py": b"name = '\xe9t\xe9'\n"},
        )
    )
    git(root, "mv", "app/api/routes.py", "app/api/views.py")
    shas.append(commit(root, "rename"))
    shas.append(commit(root, "delete the shim: a dangling import", remove=("app/core/compat.py",)))
    git(root, "checkout", "-q", "-b", "topic")
    commit(root, "on a branch: break the cycle", {"app/core/b.py": "x = 1\n"})
    git(root, "checkout", "-q", "main")
    commit(root, "on main meanwhile", {"lib/more.py": "import app.core.manager\n"})
    git(root, "merge", "-q", "--no-ff", "-m", "merge topic", "topic")
    shas.append(git(root, "rev-parse", "HEAD").strip())
    # first-parent: the "on main meanwhile" commit is a row too, between the delete and the merge
    shas.insert(-1, git(root, "rev-parse", "HEAD^1").strip())
    return shas


@pytest.fixture(scope="module")
def history_repo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str], dict]:
    root = tmp_path_factory.mktemp("history") / "repo"
    shas = build_history(root)
    out = tmp_path_factory.mktemp("out")
    ran = run_cli(
        "history", root, "--json", out / "h.json", "--csv", out / "h.csv", "--cache-dir", out / "cache", "-q"
    )
    assert ran.returncode == 0, ran.stderr
    data = json.loads((out / "h.json").read_text())
    data["_text"] = ran.stdout
    data["_csv"] = (out / "h.csv").read_text()
    data["_out"] = out
    return root, shas, data


def checkout(root: Path, sha: str, where: Path) -> Path:
    subprocess.run(["git", "clone", "-q", str(root), str(where)], check=True, env=GIT_ENV, capture_output=True)
    git(where, "checkout", "-q", sha)
    return where


def test_every_row_equals_check_and_discover_on_a_checkout_of_its_commit(
    history_repo: tuple[Path, list[str], dict], tmp_path: Path
) -> None:
    root, shas, data = history_repo
    rows = data["commits"]
    assert data["schema"] == "archguard-history/1"
    assert [r["commit"] for r in rows] == shas
    for i, (sha, row) in enumerate(zip(shas, rows, strict=True)):
        tree = checkout(root, sha, tmp_path / f"c{i}")
        checked = run_cli("check", tree, "--no-cache", "--json", tmp_path / f"c{i}.json", "-q")
        assert checked.returncode in (0, 1), checked.stderr
        found = json.loads((tmp_path / f"c{i}.json").read_text())
        for key, value in row["summary"].items():
            assert found["summary"][key] == value, (i, key)
        by_contract = dict.fromkeys(found["contracts"], 0)
        for v in found["violations"]:
            by_contract[v["contract"]] = by_contract.get(v["contract"], 0) + 1
        assert row["by_contract"] == by_contract, i
        discovered = run_cli("discover", tree, "--no-cache", "--json", tmp_path / f"d{i}.json", "-q")
        assert discovered.returncode == 0, discovered.stderr
        found = json.loads((tmp_path / f"d{i}.json").read_text())
        assert (row["cycles"], row["shims"]) == (len(found["cycles"]), len(found["shims"])), i


def test_the_rows_show_what_each_commit_did(history_repo: tuple[Path, list[str], dict]) -> None:
    _, _, data = history_repo
    rows = data["commits"]
    summary = [r["summary"] for r in rows]
    assert [s["violations"] for s in summary[:2]] == [0, 1]  # the shim import
    assert [r["cycles"] for r in rows] == [0, 1, 1, 1, 1, 1, 0]  # the merge broke the cycle
    assert [r["cross_package_edges"] for r in rows] == [0, 1, 1, 1, 1, 2, 2]  # app -> lib, lib -> app
    assert (
        summary[2]["syntax_errors"] == 1 and summary[2]["unreadable_files"] + summary[2]["parsed_files"] >= 1
    )
    assert summary[4]["dangling_imports"] >= 1  # the shim is gone, its importer dangles
    assert [r["merge"] for r in rows] == [False] * 6 + [True]
    assert rows[-1]["summary"]["files"] == rows[-2]["summary"]["files"]


def test_text_csv_and_notes(history_repo: tuple[Path, list[str], dict]) -> None:
    _, shas, data = history_repo
    text = data["_text"]
    assert "Trend, oldest to newest:" in text and "violations" in text
    assert shas[0][:10] in text and "*" in text  # the merge is marked
    assert "crosses the root commit" in text and "1 merge commit" in text
    lines = list(csv.DictReader(io.StringIO(data["_csv"])))
    assert [line["commit"] for line in lines] == shas
    for line, row in zip(lines, data["commits"], strict=True):
        assert int(line["violations"]) == row["summary"]["violations"]
        assert int(line["cycles"]) == row["cycles"]
        assert int(line["contract:manager"]) == row["by_contract"].get("manager", 0)


def test_a_second_run_reads_the_rows_back_and_the_working_tree_is_untouched(
    history_repo: tuple[Path, list[str], dict],
) -> None:
    root, _, data = history_repo
    status = git(root, "status", "--porcelain", "--ignored")
    head = git(root, "rev-parse", "HEAD")
    again = run_cli("history", root, "--json", "-", "--cache-dir", data["_out"] / "cache", "-q")
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["commits"] == data["commits"]
    text = run_cli("history", root, "--cache-dir", data["_out"] / "cache", "-q")
    assert "7 from the cache" in text.stdout
    assert git(root, "status", "--porcelain", "--ignored") == status  # nothing written in the tree
    assert git(root, "rev-parse", "HEAD") == head


def test_config_at_commit_judges_each_commit_by_its_own_contracts(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    no_contract = {k: v for k, v in BASE.items() if not k.startswith("contracts/")}
    commit(root, "no contract yet", {**no_contract, "app/use.py": "from app.core.compat import Manager\n"})
    commit(root, "the contract arrives", {"contracts/manager.toml": BASE["contracts/manager.toml"]})
    today = json.loads(run_cli("history", root, "--json", "-", "--no-cache").stdout)
    own = json.loads(run_cli("history", root, "--json", "-", "--no-cache", "--config-at-commit").stdout)
    assert [r["summary"]["violations"] for r in today["commits"]] == [1, 1]
    assert [r["summary"]["violations"] for r in own["commits"]] == [0, 1]
    assert own["config_at_commit"] is True


def test_a_commit_whose_own_configuration_is_broken_gets_no_row_and_a_note(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    commit(root, "fine", BASE)
    commit(root, "bad contract", {"contracts/bad.toml": "[[concept]\nname = \n"})
    commit(root, "fixed", remove=("contracts/bad.toml",))
    ran = run_cli("history", root, "--json", "-", "--no-cache", "--config-at-commit")
    assert ran.returncode == 0, ran.stderr
    data = json.loads(ran.stdout)
    assert len(data["commits"]) == 2
    assert any("has no row" in note and "bad.toml" in note for note in data["notes"])


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("--revs", "no-such-branch"), "does not know the revision 'no-such-branch'"),
        (("--revs", "--output=/tmp/x"), "not a revision range"),
        (("--revs", "HEAD~1..nope"), "'nope'"),
    ],
)
def test_bad_revisions_are_exit_2_naming_them(
    history_repo: tuple[Path, list[str], dict], args: tuple, words: str
) -> None:
    root, _, _ = history_repo
    ran = run_cli("history", root, *args, "--no-cache")
    assert ran.returncode == 2
    assert words in ran.stderr and "Traceback" not in ran.stderr


def test_not_a_repository_is_exit_2(tmp_path: Path) -> None:
    write_tree(tmp_path, {"app/__init__.py": ""})
    ran = run_cli(
        "history", tmp_path, "--no-cache", env={**GIT_ENV, "GIT_CEILING_DIRECTORIES": str(tmp_path.parent)}
    )
    assert ran.returncode == 2 and "not in a git repository" in ran.stderr


def test_a_shallow_clone_says_how_deep_and_what_unshallow_brings(
    history_repo: tuple[Path, list[str], dict], tmp_path: Path
) -> None:
    root, shas, _ = history_repo
    shallow = tmp_path / "shallow"
    subprocess.run(
        ["git", "clone", "-q", "--depth", "2", f"file://{root}", str(shallow)], check=True, env=GIT_ENV
    )
    ran = run_cli("history", shallow, "--json", "-", "--no-cache")
    assert ran.returncode == 0, ran.stderr
    data = json.loads(ran.stdout)
    assert "shallow clone 2 first-parent commits deep" in data["clone"]
    assert "git fetch --unshallow" in data["clone"]
    assert any("edge of a shallow clone" in note for note in data["notes"])
    far = run_cli("history", shallow, "--revs", f"{shas[0]}..HEAD", "--no-cache")
    assert far.returncode == 2 and "shallow clone" in far.stderr


def test_huge_binary_blobs_submodules_and_hostile_git_config(tmp_path: Path) -> None:
    """A 6 MB binary `.py` blob is an unreadable file as check says; a submodule is named; the
    repository's own config (fsmonitor, a filter) runs nothing."""
    sub = tmp_path / "sub"
    sub.mkdir()
    git(sub, "init", "-q", "-b", "main")
    commit(sub, "sub", {"x.py": "x = 1\n"})
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    commit(root, "first", {**BASE, "app/blob.py": b"\x00\x01" * (3 * 1024 * 1024)})
    git(root, "-c", "protocol.file.allow=always", "submodule", "add", "-q", str(sub), "vendor/sub")
    commit(root, "a submodule")
    marker = tmp_path / "ran"
    git(root, "config", "core.fsmonitor", f"touch {marker}; echo")
    git(root, "config", "filter.evil.smudge", f"touch {marker}; cat")
    write_tree(root, {".gitattributes": "*.py filter=evil\n"})
    ran = run_cli("history", root, "--json", "-", "--no-cache")
    assert ran.returncode == 0, ran.stderr
    data = json.loads(ran.stdout)
    assert data["commits"][-1]["summary"]["unreadable_files"] == 1
    assert any("submodule" in note and "vendor/sub" in note for note in data["notes"])
    diff = run_cli("diff", root, "--base", "HEAD~1", "--no-cache")
    assert diff.returncode == 0, diff.stderr
    assert not marker.exists()


def test_a_blob_past_the_size_limit_is_never_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Its size is asked first (``cat-file --batch-check``): the 6 MB blob is "too large", as check
    says of such a file, and its bytes never leave git; the small blobs are read."""
    from archguard.adapters.project_files import git_objects
    from archguard.app import Options
    from archguard.app.engine import Engine

    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    sha = commit(root, "first", {**BASE, "app/blob.py": b"x = 1\n" * (1024 * 1024)})
    big = git(root, "rev-parse", f"{sha}:app/blob.py").strip()
    read: list[str] = []
    real_read = git_objects.read_blobs

    def recording(r: Path, blobs: list[str]) -> dict[str, bytes]:
        read.extend(blobs)
        return real_read(r, blobs)

    monkeypatch.setattr(git_objects, "read_blobs", recording)
    engine = Engine.open_at_commit(Options(root=root, no_cache=True), sha)
    unreadable = {u.path: u.reason for u in engine.scan_result().unreadable}
    assert unreadable == {"app/blob.py": "too large (6.3 MB)"}
    small = {git(root, "rev-parse", f"{sha}:{p}").strip() for p in BASE if p.endswith(".py")}
    assert big not in read and set(read) == small
    checked = run_cli("check", root, "--no-cache", "--json", "-", "-q")
    assert [u["reason"] for u in json.loads(checked.stdout)["unreadable_files"]] == ["too large (6.3 MB)"]


# ---- diff ---------------------------------------------------------------------------------------


def test_diff_new_and_fixed_by_fingerprint_moved_lines_are_not_new(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    base = commit(
        root,
        "base",
        {
            **BASE,
            "app/old.py": "from app.core.compat import Manager\n",
            "app/keep.py": "from app.core.compat import Manager\n",
        },
    )
    # head: keep.py's violation moves down ten lines (a rebase, an edit above), old.py's is fixed,
    # new.py adds one, and a package import appears
    write_tree(
        root,
        {
            "app/keep.py": "\n" * 10 + "from app.core.compat import Manager\n",
            "app/old.py": "from app.core.manager import Manager\n",
            "app/new.py": "from app.core.compat import Manager\nimport lib.util\n",
        },
    )
    ran = run_cli("diff", root, "--base", base, "--format", "json", "--no-cache")
    assert ran.returncode == 1, ran.stderr  # the working tree adds a violation
    data = json.loads(ran.stdout)
    assert data["head"] == "working tree" and data["base"] == base
    assert [v["path"] for v in data["new_violations"]] == ["app/new.py"]
    assert [v["path"] for v in data["fixed_violations"]] == ["app/old.py"]
    assert data["edges_added"] == [{"importer_package": "app", "imported_package": "lib", "count": 1}]
    assert data["summary"]["failed"] is True
    markdown = run_cli("diff", root, "--base", base, "--format", "markdown", "--no-cache").stdout
    assert markdown.startswith("<!-- archguard-diff -->")
    assert "**New violations**" in markdown and "app/new.py" in markdown
    assert "<details><summary>Fixed violations (1)</summary>" in markdown
    assert markdown.index("New violations") < markdown.index("Fixed violations")
    git(root, "checkout", "-q", "--", ".")
    git(root, "clean", "-q", "-fd")
    clean = run_cli("diff", root, "--base", base, "--no-cache")
    assert clean.returncode == 0 and "no new violations" in clean.stdout


def test_diff_between_commits_cycles_shims_and_renames(history_repo: tuple[Path, list[str], dict]) -> None:
    root, shas, _ = history_repo
    ran = run_cli("diff", root, "--base", shas[0], "--head", shas[1], "--format", "json", "--no-cache")
    assert ran.returncode == 1, ran.stderr
    data = json.loads(ran.stdout)
    assert [c["modules"] for c in data["cycles_new"]] == [["app.core.a", "app.core.b"]]
    assert data["new_violations"][0]["path"] == "app/api/routes.py"
    renamed = json.loads(
        run_cli("diff", root, "--base", shas[2], "--head", shas[3], "--format", "json", "--no-cache").stdout
    )
    assert renamed["new_violations"] == [] and renamed["fixed_violations"] == []
    assert renamed["summary"]["moved_violations"] == 1
    merged = json.loads(
        run_cli("diff", root, "--base", shas[4], "--head", shas[6], "--format", "json", "--no-cache").stdout
    )
    assert [c["modules"] for c in merged["cycles_broken"]] == [["app.core.a", "app.core.b"]]
    gone = json.loads(
        run_cli("diff", root, "--base", shas[3], "--head", shas[4], "--format", "json", "--no-cache").stdout
    )
    assert [s["module"] for s in gone["shims_removed"]] == ["app.core.compat"]
    bad = run_cli("diff", root, "--base", "nope", "--no-cache")
    assert bad.returncode == 2 and "'nope'" in bad.stderr


# ---- churn-weighted hotspots ---------------------------------------------------------------------


def test_hotspots_weigh_churn_from_one_git_log_pass(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    commit(root, "base", {**BASE, "app/use.py": "from app.core.compat import Manager\n"})
    for n in range(3):  # the concept's home keeps changing
        commit(root, f"touch {n}", {"app/core/manager.py": f"class Manager:\n    pass\n_x = {n}\n"})
    ran = run_cli("discover", root, "--json", "-", "--no-cache")
    assert ran.returncode == 0, ran.stderr
    hot = {h["module"]: h for h in json.loads(ran.stdout)["hotspots"]}["app.core.manager"]
    assert hot["changes"] == 4 and hot["churn_lines"] == 2 + 1 + 2 + 2  # 2 lines, 1 added, 2 edits of 1
    assert hot["score"] == pytest.approx(
        (hot["coupling"] + hot["findings"]) * (1 + math.log2(1 + 4)), abs=1e-3
    )
    quiet = run_cli("discover", root, "--json", "-", "--no-cache", "--since", "2000-01-01 00:00 +0000")
    assert {h["module"]: h for h in json.loads(quiet.stdout)["hotspots"]}["app.core.manager"]["changes"] == 4
    future = run_cli("discover", root, "--json", "-", "--no-cache", "--since", "2090-01-01")
    cold = {h["module"]: h for h in json.loads(future.stdout)["hotspots"]}["app.core.manager"]
    assert cold["changes"] == 0 and cold["score"] == pytest.approx(cold["coupling"] + cold["findings"])
    assert cold["score"] < hot["score"]


def test_report_history_from_draws_each_commits_figures(
    history_repo: tuple[Path, list[str], dict], tmp_path: Path
) -> None:
    """``report --history-from RANGE``: the Markdown's History table and the HTML's Trend hold one
    row per first-parent commit with that commit's figures (the same as ``history``'s rows)."""
    root, shas, data = history_repo
    out = tmp_path / "report"
    ran = run_cli(
        "report", root, "--history-from", "HEAD", "--out", out, "--cache-dir", tmp_path / "cache", "-q"
    )
    assert ran.returncode in (0, 1), ran.stderr
    markdown = (out / "report.md").read_text()
    history = markdown.split("## History", 1)[1]
    table = [line for line in history.splitlines() if line.startswith("| ") and "`" in line]
    rows = data["commits"][-12:]
    assert len(table) == len(rows)
    for line, row in zip(table, rows, strict=True):
        cells = [c.strip() for c in line.strip("|").split("|")]
        assert cells[1] == f"`{row['commit'][:10]}`"
        summary = row["summary"]
        expected = [
            summary["new_violations"],
            summary["violations"],
            summary["syntax_errors"],
            summary["dangling_imports"],
            row["shims"],
            row["cycles"],
        ]
        assert [int(c) for c in cells[2:]] == expected, row["commit"]
    assert len({tuple(line.split("|")[3:]) for line in table}) > 1  # the figures move over the commits
    page = (out / "index.html").read_text()
    trend = page.split('id="trend"', 1)[1].split("</section>", 1)[0]
    assert 'class="trend"' in trend
    assert all(sha[:10] in trend for sha in shas)


def test_owners_on_history_rows_and_diff_items(tmp_path: Path) -> None:
    """With a CODEOWNERS in ROOT, each history row counts the commit's violations per owner, and
    each new or fixed violation of a diff names its owners; the Markdown names them without
    mentioning them."""
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    codeowners = "* @everyone\n/app/ @org/team-app\n/lib/ @org/team-lib @dana\n"
    first = commit(
        root,
        "base",
        {**BASE, "CODEOWNERS": codeowners, "app/ok.py": "from app.core.manager import Manager\n"},
    )
    second = commit(
        root,
        "two ways to the manager",
        {
            "app/user.py": "from app.core.compat import Manager\n",
            "lib/user.py": "from app.core.compat import Manager\n",
        },
    )
    out = tmp_path / "out"
    ran = run_cli("history", root, "--json", out / "h.json", "--csv", out / "h.csv", "--no-cache", "-q")
    assert ran.returncode == 0, ran.stderr
    rows = json.loads((out / "h.json").read_text())["commits"]
    assert [r["commit"] for r in rows] == [first, second]
    checked = run_cli("check", root, "--no-cache", "--json", out / "c.json", "-q")
    assert checked.returncode == 1, checked.stderr
    found = json.loads((out / "c.json").read_text())
    expected: dict[str, int] = {}
    for v in found["violations"]:
        for owner in v["owners"]:
            expected[owner] = expected.get(owner, 0) + 1
    assert expected == {"@org/team-app": 1, "@org/team-lib": 1, "@dana": 1}
    assert rows[1]["by_owner"] == expected
    assert rows[0]["by_owner"] == {}
    table = list(csv.DictReader(io.StringIO((out / "h.csv").read_text())))
    assert [int(r["owner:@dana"]) for r in table] == [0, 1]

    diffed = run_cli("diff", root, "--base", first, "--head", second, "--format", "json", "--no-cache")
    assert diffed.returncode == 1, diffed.stderr
    data = json.loads(diffed.stdout)
    assert data["codeowners"] == "CODEOWNERS"
    owners = {v["path"]: v["owners"] for v in data["new_violations"]}
    assert owners == {"app/user.py": ["@org/team-app"], "lib/user.py": ["@org/team-lib", "@dana"]}
    assert data["new_by_owner"] == expected
    markdown = run_cli("diff", root, "--base", first, "--head", second, "--format", "markdown", "--no-cache")
    assert "`@org/team-app` (1)" in markdown.stdout
    assert "@dana" in markdown.stdout and " @dana" not in markdown.stdout.replace("`@dana`", "")
    back = run_cli("diff", root, "--base", second, "--head", first, "--format", "json", "--no-cache")
    fixed = {v["path"]: v["owners"] for v in json.loads(back.stdout)["fixed_violations"]}
    assert fixed == owners


def test_cached_history_rows_follow_an_edited_codeowners(tmp_path: Path) -> None:
    """Rows come back from the cache on a second run, but each row's owners are today's: an edit
    of CODEOWNERS in the working tree gives the next run's rows the new owners."""
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    commit(
        root,
        "base",
        {**BASE, "CODEOWNERS": "/app/ @org/old\n", "app/ok.py": "from app.core.manager import Manager\n"},
    )
    commit(root, "a second way", {"app/user.py": "from app.core.compat import Manager\n"})
    cache = tmp_path / "cache"
    out = tmp_path / "out"
    first = run_cli("history", root, "--json", out / "1.json", "--cache-dir", cache, "-q")
    assert first.returncode == 0, first.stderr
    assert json.loads((out / "1.json").read_text())["commits"][1]["by_owner"] == {"@org/old": 1}
    (root / "CODEOWNERS").write_text("/app/ @org/new\n")
    second = run_cli("history", root, "--json", out / "2.json", "--cache-dir", cache, "-q")
    assert second.returncode == 0, second.stderr
    assert json.loads((out / "2.json").read_text())["commits"][1]["by_owner"] == {"@org/new": 1}


WORKSPACE = {
    "pyproject.toml": '[project]\nname = "suite"\n[tool.uv.workspace]\nmembers = ["libs/*"]\n',
    "libs/core/pyproject.toml": '[project]\nname = "suite-core"\ndependencies = []\n',
    "libs/core/src/suite_core/__init__.py": "def post():\n    pass\n",
    "libs/api/pyproject.toml": '[project]\nname = "suite-api"\ndependencies = ["suite-core"]\n',
    "libs/api/src/suite_api/__init__.py": "from suite_core import post\n",
    "libs/net/pyproject.toml": '[project]\nname = "suite-net"\ndependencies = []\n',
    "libs/net/src/suite_net/__init__.py": "def connect():\n    pass\n",
}


def test_history_and_diff_see_every_member_of_a_workspace(tmp_path: Path) -> None:
    """A uv workspace whose members have src/ layouts (#24): each row equals check on a checkout of
    its commit, an import of an undeclared member (AG601) and a dangling import inside a member
    are counted, and diff names them as new."""
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    first = commit(root, "workspace", WORKSPACE)
    second = commit(
        root,
        "api uses net undeclared, core imports a gone module",
        {
            "libs/api/src/suite_api/client.py": "from suite_net import connect\n",
            "libs/core/src/suite_core/old.py": "from suite_core.gone import thing\n",
        },
    )
    out = tmp_path / "h.json"
    ran = run_cli("history", root, "--json", out, "--no-cache", "-q")
    assert ran.returncode == 0, ran.stderr
    rows = json.loads(out.read_text())["commits"]
    assert [r["commit"] for r in rows] == [first, second]
    for i, (sha, row) in enumerate(zip([first, second], rows, strict=True)):
        tree = checkout(root, sha, tmp_path / f"c{i}")
        checked = run_cli("check", tree, "--no-cache", "--json", tmp_path / f"c{i}.json", "-q")
        found = json.loads((tmp_path / f"c{i}.json").read_text())
        for key, value in row["summary"].items():
            assert found["summary"][key] == value, (i, key)
    assert rows[0]["summary"]["loose_files"] == 0 and rows[0]["summary"]["modules"] == 3
    assert rows[1]["by_contract"].get("member-dependencies") == 1
    assert rows[1]["summary"]["dangling_imports"] == 1
    diffed = run_cli("diff", root, "--base", first, "--head", second, "--format", "json", "--no-cache")
    assert diffed.returncode == 1, diffed.stderr
    new = {(v["path"], v["code"]) for v in json.loads(diffed.stdout)["new_violations"]}
    assert {
        ("libs/api/src/suite_api/client.py", "AG601"),
        ("libs/core/src/suite_core/old.py", "AG201"),
    } <= new


def test_config_at_commit_counts_each_commits_violations_by_its_own_codeowners(tmp_path: Path) -> None:
    """With --config-at-commit each row's owners are those of the commit's own CODEOWNERS (a team
    that owned the code then, none where the commit had no CODEOWNERS); without it, today's, for
    every row. Cached rows keep the same answer."""
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    commit(root, "base", {**BASE, "app/ok.py": "from app.core.manager import Manager\n"})
    commit(
        root,
        "a second way, owned",
        {"app/user.py": "from app.core.compat import Manager\n", ".github/CODEOWNERS": "/app/ @org/then\n"},
    )
    commit(
        root,
        "another, owners moved",
        {"app/more.py": "from app.core.compat import Manager\n", ".github/CODEOWNERS": "/app/ @org/now\n"},
    )
    cache = tmp_path / "cache"
    for attempt in ("cold", "cached"):
        own = run_cli("history", root, "--json", "-", "--cache-dir", cache, "-q", "--config-at-commit")
        assert own.returncode == 0, own.stderr
        rows = json.loads(own.stdout)["commits"]
        assert [r["by_owner"] for r in rows] == [{}, {"@org/then": 1}, {"@org/now": 2}], attempt
        today = run_cli("history", root, "--json", "-", "--cache-dir", cache, "-q")
        assert [r["by_owner"] for r in json.loads(today.stdout)["commits"]] == [
            {},
            {"@org/now": 1},
            {"@org/now": 2},
        ]
