"""Symbolic links in commits (docs/history.md, "Symbolic links"): a link's blob is its target path,
yet ``check`` on a checkout reads the file the link leads to, or says why it does not (a broken
link, a loop, a path through a file, a file outside ROOT, a device), and never lists a link to a
folder. ``history``, ``diff`` and ``Engine.at_commit`` read each commit as such a checkout: every
result here is compared with ``check --no-cache`` on a checkout of the same commit, made in place
(absolute links name ROOT's own path), commit by commit, walking forwards and backwards."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from archguard.app import Options
from archguard.app.engine import Engine
from tests.functional.test_engine import checkout_of, full_run, without_root
from tests.functional.test_history import commit, git
from tests.helpers import comparable_json, run_cli, write_tree

FILES = {
    "app/__init__.py": "",
    "app/hub.py": "X = 1\n",
    "app/source.py": "from app.hub import X\nimport app.gone_source\n",
    "lib/real/__init__.py": "",
    "lib/real/mod.py": "import app.gone_mod\n",
    "contracts/x.toml": '[[concept]]\nname = "x"\ncanonical = "app.hub:X"\n',
}

# what a checkout's check says of each link of the first commit (the test first checks it does)
REFUSED = {
    "app/out.py": "symbolic link leading outside ROOT",
    "app/abs_out.py": "symbolic link leading outside ROOT",
    "app/dev.py": "not a regular file (a character device)",
    "app/dangling.py": "broken symbolic link or deleted during the scan",
    "app/abs_missing.py": "broken symbolic link or deleted during the scan",
    "app/loop1.py": "symbolic link loop",
    "app/loop2.py": "symbolic link loop",
    "app/notdir.py": "cannot read: Not a directory",
    "app/slash.py": "cannot read: Not a directory",
}


def make_links(root: Path, links: dict[str, str]) -> None:
    for path, target in links.items():
        link = root / path
        link.parent.mkdir(parents=True, exist_ok=True)
        if link.is_symlink() or link.is_file():
            link.unlink()
        link.symlink_to(target)


def replace_with_file(root: Path, path: str, text: str) -> None:
    (root / path).unlink()
    (root / path).write_text(text)


@pytest.fixture
def linked(tmp_path: Path) -> tuple[Path, list[str]]:
    """Commits of every shape of link, then commits that change only what links lead to."""
    root = tmp_path / "repo"
    outside = write_tree(tmp_path / "outside", {"o.py": "import app.gone_outside\n"})
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    write_tree(root, FILES)
    make_links(
        root,
        {
            "app/b.py": "source.py",  # to a file beside it
            "app/chain.py": "b.py",  # to a link
            "app/up.py": "../app/source.py",  # out of its folder and back
            "app/abs_in.py": str(root / "app/source.py"),  # absolute, inside ROOT
            "app/pkglink": "../lib/real",  # to a folder: its files are not the tree's
            "app/dirlink.py": "../lib/real",  # a module name leading to a folder: not listed
            "app/viadir.py": "pkglink/mod.py",  # through a link to a folder
            "app/out.py": "../../outside/o.py",  # relative, out of ROOT
            "app/abs_out.py": str(outside / "o.py"),  # absolute, out of ROOT
            "app/dev.py": "/dev/null",
            "app/dangling.py": "later.py",
            "app/abs_missing.py": str(tmp_path / "nowhere.py"),
            "app/loop1.py": "loop2.py",
            "app/loop2.py": "loop1.py",
            "app/notdir.py": "source.py/x",  # a file in the middle of a path
            "app/slash.py": "source.py/",  # a trailing slash asks for a folder
        },
    )
    shas = [commit(root, "every shape of link")]
    # only the file links lead to changes (git reports source.py, not the four links to it)
    shas.append(commit(root, "the target changes", {"app/source.py": "from app.hub import X\n"}))
    make_links(root, {"app/b.py": "hub.py"})  # the link itself changes (chain.py follows it)
    shas.append(commit(root, "a link leads elsewhere"))
    replace_with_file(root, "app/loop2.py", "import app.gone_loop\n")  # loop1.py reads it now
    shas.append(commit(root, "a dangling link's file appears; a loop is broken", {"app/later.py": "Y = 2\n"}))
    shas.append(commit(root, "the folder links lead to goes", remove=("lib/real",)))
    # a file where the folder was: dirlink.py is listed and read, viadir.py goes through a file
    shas.append(commit(root, "a file where the folder was", {"lib/real": "import app.gone_real\n"}))
    replace_with_file(root, "app/b.py", "import app.gone_b\n")
    (root / "app/later.py").unlink()
    make_links(root, {"app/later.py": "hub.py"})
    shas.append(commit(root, "a link becomes a file, a file a link"))
    return root, shas


def checked_at(root: Path, sha: str) -> object:
    """``check --no-cache`` on a checkout of ``sha`` in ROOT's place (the working tree)."""
    git(root, "checkout", "-q", "--detach", sha)
    try:
        return without_root(full_run(root))
    finally:
        git(root, "checkout", "-q", "main")


def unreadable(result: object) -> dict[str, str]:
    return {u["path"]: u["reason"] for u in result["unreadable_files"]}  # type: ignore[index]


def test_every_history_row_equals_check_on_a_checkout_of_its_commit(
    linked: tuple[Path, list[str]], tmp_path: Path
) -> None:
    root, shas = linked
    expected = [checked_at(root, sha) for sha in shas]
    first = expected[0]
    assert unreadable(first) == REFUSED  # each shape is what the test means it to be
    assert first["summary"]["files"] == 19 and "app/dirlink.py" not in json.dumps(first)  # type: ignore[index]
    for run in ("cold", "rows cached"):
        ran = run_cli("history", root, "--json", tmp_path / "h.json", "--cache-dir", tmp_path / "cache", "-q")
        assert ran.returncode == 0, ran.stderr
        rows = json.loads((tmp_path / "h.json").read_text())["commits"]
        assert [r["commit"] for r in rows] == shas
        for i, (row, found) in enumerate(zip(rows, expected, strict=True)):
            summary = found["summary"]  # type: ignore[index]
            assert row["summary"] == {key: summary[key] for key in row["summary"]}, (run, i)
            by_contract = dict.fromkeys(found["contracts"], 0)  # type: ignore[index]
            for v in found["violations"]:  # type: ignore[index]
                by_contract[v["contract"]] += 1
            assert row["by_contract"] == by_contract, (run, i)
    # what each commit did to the links shows in the rows, as in the checkouts
    dangling = [row["summary"]["dangling_imports"] for row in rows]
    unread = [row["summary"]["unreadable_files"] for row in rows]
    assert dangling[1] == dangling[0] - 5  # source.py and the four links to it: its change is theirs
    assert unread[3] == unread[2] - 3  # dangling.py, loop1.py and loop2.py are read
    assert unread[4] == unread[3] + 2  # viadir.py leads nowhere; dirlink.py is listed, broken
    files = [row["summary"]["files"] for row in rows]
    assert files[4] == files[3] - 2 + 1  # lib/real's two files went; dirlink.py came


def test_the_engine_walks_links_forwards_and_backwards_as_checkouts(
    linked: tuple[Path, list[str]], tmp_path: Path
) -> None:
    root, shas = linked
    expected = {sha: checked_at(root, sha) for sha in shas}
    options = Options(root=root, cache_dir=tmp_path / "cache", jobs=1)
    engine = Engine.open_at_commit(options, shas[0])
    assert without_root(comparable_json(engine.results())) == expected[shas[0]]
    for n, sha in enumerate([*shas[1:], *reversed(shas[:-1])], start=1):  # as history, then as diff's base
        engine = engine.at_commit(sha)
        assert without_root(comparable_json(engine.results())) == expected[sha], n
    # a fresh walk on the blob cache the first one filled: the same answers
    again = Engine.open_at_commit(options, shas[-1])
    assert without_root(comparable_json(again.results())) == expected[shas[-1]]
    assert without_root(comparable_json(again.at_commit(shas[1]).results())) == expected[shas[1]]


def test_diff_between_commits_equals_diff_from_a_checkout(linked: tuple[Path, list[str]], tmp_path: Path) -> None:
    root, shas = linked
    for base, head in ((shas[0], shas[1]), (shas[2], shas[5]), (shas[6], shas[3])):
        between = run_cli(
            "diff", root, "--base", base, "--head", head, "--format", "json", "--cache-dir", tmp_path / "c1"
        )
        git(root, "checkout", "-q", "--detach", head)
        try:
            working = run_cli("diff", root, "--base", base, "--format", "json", "--no-cache")
        finally:
            git(root, "checkout", "-q", "main")
        assert between.returncode == working.returncode, (between.stderr, working.stderr)
        one, other = json.loads(between.stdout), json.loads(working.stdout)
        for key in ("new_violations", "fixed_violations", "summary"):
            assert one[key] == other[key], (base, head, key)
    first = json.loads(
        run_cli("diff", root, "--base", shas[0], "--head", shas[1], "--format", "json", "--no-cache").stdout
    )
    fixed = {v["path"] for v in first["fixed_violations"]}
    assert {"app/b.py", "app/chain.py", "app/up.py", "app/abs_in.py", "app/source.py"} <= fixed


def test_links_leaving_a_root_inside_the_repository_read_the_commits_folders_not_the_working_tree(
    tmp_path: Path,
) -> None:
    """ROOT is one folder of the repository: a link that leaves it meets the commit's other
    folders (a checkout changes those too), even where the working tree holds something else."""
    top = tmp_path / "repo"
    top.mkdir()
    git(top, "init", "-q", "-b", "main")
    write_tree(
        top,
        {
            "sub/app/__init__.py": "",
            "sub/app/source.py": "import app.gone_source\n",
            "shared/s.py": "import app.gone_shared\n",
            "shared/folder/x.py": "",
        },
    )
    make_links(
        top,
        {
            "sub/app/up.py": "../../shared/s.py",  # a file of the repository outside ROOT
            "sub/app/back.py": "../../shared/back",  # a link there leading back into ROOT
            "shared/back": "../sub/app/source.py",
            "sub/app/later.py": "../../shared/later.py",  # nothing there in the commit
            "sub/app/folder.py": "../../shared/folder",  # a folder there
        },
    )
    shas = [commit(top, "links out of ROOT")]
    make_links(top, {"shared/back": "s.py"})  # back.py now leads out of ROOT
    shas.append(commit(top, "the link outside ROOT leads elsewhere", {"shared/later.py": "X = 1\n"}))
    # the working tree outside ROOT is not the commits': none of this may show
    (top / "shared/back").unlink()
    (top / "shared/later.py").unlink()
    write_tree(top, {"shared/folder.py/x": "", "shared/elsewhere.py": ""})
    (top / "shared/folder").rename(top / "shared/moved")
    ran = run_cli("history", top / "sub", "--json", tmp_path / "h.json", "--cache-dir", tmp_path / "cache", "-q")
    assert ran.returncode == 0, ran.stderr
    rows = json.loads((tmp_path / "h.json").read_text())["commits"]
    expected = []
    for i, sha in enumerate(shas):
        clone = checkout_of(top, sha, tmp_path / f"c{i}")
        expected.append(without_root(full_run(clone / "sub")))
        assert rows[i]["summary"] == {key: expected[i]["summary"][key] for key in rows[i]["summary"]}, i
    assert unreadable(expected[0]) == {
        "app/up.py": "symbolic link leading outside ROOT",
        "app/later.py": "broken symbolic link or deleted during the scan",
    }
    assert unreadable(expected[1]) == {
        "app/up.py": "symbolic link leading outside ROOT",
        "app/back.py": "symbolic link leading outside ROOT",
        "app/later.py": "symbolic link leading outside ROOT",
    }
    engine = Engine.open_at_commit(Options(root=top / "sub", cache_dir=tmp_path / "cache", jobs=1), shas[1])
    assert without_root(comparable_json(engine.results())) == expected[1]
    assert without_root(comparable_json(engine.at_commit(shas[0]).results())) == expected[0]


def test_config_at_commit_reads_configuration_through_links_as_a_checkout(tmp_path: Path) -> None:
    """``--config-at-commit`` reads a commit's own configuration: a contracts folder that is a link
    to another folder, a contract file that is a link, a pyproject.toml that is a link, each as a
    checkout's ``check`` reads them; a contracts link out of ROOT gets no row (check: exit 2)."""
    root = tmp_path / "repo"
    elsewhere = write_tree(tmp_path / "elsewhere", {"z.toml": CONTRACT.format(name="z")})
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    write_tree(
        root,
        {
            "app/__init__.py": "",
            "app/hub.py": "X = 1\n",
            "app/compat.py": "from app.hub import X\n",
            "app/user.py": "from app.compat import X\n",  # breaks every concept on app.hub:X
            "policy/x.toml": CONTRACT.format(name="x"),
            "rules/y.toml": CONTRACT.format(name="y"),
        },
    )
    make_links(root, {"contracts": "policy"})
    shas = [commit(root, "the contracts folder is a link to a folder")]
    make_links(root, {"policy/y.toml": "../rules/y.toml"})
    shas.append(commit(root, "a contract that is a link to a file"))
    write_tree(root, {"config/pyproject.toml": '[tool.archguard]\ncontracts = "rules"\n'})
    make_links(root, {"pyproject.toml": "config/pyproject.toml"})
    shas.append(commit(root, "pyproject.toml is a link: it names another folder"))
    (root / "pyproject.toml").unlink()
    make_links(root, {"contracts": str(elsewhere)})
    shas.append(commit(root, "the contracts folder leads out of ROOT"))
    make_links(root, {"contracts": "nowhere"})
    shas.append(commit(root, "the contracts link leads nowhere"))
    ran = run_cli("history", root, "--json", "-", "--no-cache", "--config-at-commit")
    assert ran.returncode == 0, ran.stderr
    data = json.loads(ran.stdout)
    rows = {row["commit"]: row for row in data["commits"]}
    assert list(rows) == [shas[0], shas[1], shas[2], shas[4]]
    assert any(shas[3][:10] in note and "outside ROOT" in note for note in data["notes"]), data["notes"]
    for i, sha in enumerate(shas):
        clone = checkout_of(root, sha, tmp_path / f"c{i}")
        checked = run_cli("check", clone, "--no-cache", "--json", tmp_path / f"c{i}.json", "-q")
        if sha not in rows:
            assert checked.returncode == 2 and "outside ROOT" in checked.stderr
            continue
        found = json.loads((tmp_path / f"c{i}.json").read_text())
        by_contract = dict.fromkeys(found["contracts"], 0)
        for v in found["violations"]:
            by_contract[v["contract"]] += 1
        assert rows[sha]["by_contract"] == by_contract, i
    concepts = [sorted(k for k in rows[sha]["by_contract"] if len(k) == 1) for sha in rows]
    assert concepts == [["x"], ["x", "y"], ["y"], []]


CONTRACT = '[[concept]]\nname = "{name}"\ncanonical = "app.hub:X"\n'
