"""``diff --base REV`` from a working tree that holds HEAD's files reads HEAD from its blobs and the
results ``check`` stored for that tree, then derives the base from a commit's state (git names the
files that differ), as between two commits (docs/history.md, "archguard diff"). Every way the
working tree can differ from HEAD in what the analysis reads sends it back to the working tree,
and the answer is always the one the working tree gives."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from archguard.app import Options
from archguard.app import diff as diff_module
from archguard.app.engine import Engine
from tests.functional.test_history import commit
from tests.helpers import git, run_cli, write_tree

FILES = {
    "app/__init__.py": "",
    "app/hub.py": "X = 1\n",
    "app/compat.py": "from app.hub import X\n",
    "app/core/__init__.py": "",
    "app/core/a.py": "from app.core.b import B\nA = 1\n",
    "app/core/b.py": "B = 2\n",
    "app/user.py": "from app.compat import X\n",
    "contracts/x.toml": '[[concept]]\nname = "x"\ncanonical = "app.hub:X"\n',
}


@pytest.fixture
def repo(tmp_path: Path) -> tuple[Path, str]:
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    base = commit(root, "base", FILES)
    commit(
        root,
        "a cycle, a new violation, a dangling import, a fix",
        {
            "app/core/b.py": "from app.core.a import A\nB = 2\n",
            "app/other.py": "from app.compat import X\nimport app.gone\n",
            "app/user.py": "from app.hub import X\n",
        },
    )
    return root, base


def as_json(root: Path, tmp_path: Path, *args: str | Path) -> dict:
    ran = run_cli("diff", root, "--format", "json", "--cache-dir", tmp_path / "cache", *args)
    assert ran.returncode in (0, 1), ran.stderr
    found = json.loads(ran.stdout)
    found.pop("head")
    return found


def test_a_clean_working_tree_is_read_as_head_and_gives_the_working_trees_answer(
    repo: tuple[Path, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root, base = repo
    assert run_cli("check", root, "--cache-dir", tmp_path / "cache", "-q").returncode == 1  # stores HEAD's results
    fast = as_json(root, tmp_path, "--base", base)
    options = Options(root=root, cache_dir=tmp_path / "cache", jobs=1)
    head = diff_module._head_from_blobs(options, root.resolve(), git(root, "rev-parse", "HEAD").strip())
    assert head is not None and head.commit == git(root, "rev-parse", "HEAD").strip()  # type: ignore[attr-defined]
    head.results()
    assert head.derivations == 0  # check's stored results and state, read back

    def never(*args: object, **kwargs: object) -> Engine:
        raise AssertionError("the working tree was read")

    with monkeypatch.context() as patched:  # in process: the working tree is never opened
        patched.setattr(Engine, "open", never)
        in_process = diff_module.run_diff(options, base)
    assert in_process.head == "working tree"
    assert [v.path for v in in_process.new_violations] == [v["path"] for v in fast["new_violations"]]
    # the same as between the two commits, and as the working tree read file by file
    assert fast == as_json(root, tmp_path, "--base", base, "--head", "HEAD")
    monkeypatch.setattr(diff_module, "_head_from_blobs", lambda *args: None)
    assert fast == as_json(root, tmp_path, "--base", base)
    assert fast["new_violations"] and fast["fixed_violations"] and fast["cycles_new"]


def clean_repo(tmp_path: Path) -> tuple[Path, Options]:
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    commit(root, "one", FILES)
    options = Options(root=root, cache_dir=tmp_path / "cache", jobs=1)
    assert run_cli("check", root, "--cache-dir", tmp_path / "cache", "-q").returncode == 1
    return root, options


@pytest.mark.parametrize(
    "change",
    [
        "edited",  # a module changed, not staged
        "staged",  # a module changed and staged: the working tree is the index's, not HEAD's
        "untracked",  # a new module
        "deleted",
        "encoding",  # git converts: the file's bytes are not its blob's, yet git lists it clean
        "venv",  # a pyvenv.cfg git ignores: discovery leaves the folder's tracked files out
    ],
)
def test_a_working_tree_that_is_not_heads_is_read_as_it_is(tmp_path: Path, change: str) -> None:
    root, options = clean_repo(tmp_path)
    assert diff_module._head_from_blobs(options, root.resolve(), git(root, "rev-parse", "HEAD").strip()) is not None  # before the change
    if change == "edited":
        write_tree(root, {"app/hub.py": "X = 2\n"})
    elif change == "staged":
        write_tree(root, {"app/hub.py": "X = 2\n"})
        git(root, "add", "app/hub.py")
    elif change == "untracked":
        write_tree(root, {"app/new.py": "import app.gone\n"})
    elif change == "deleted":
        (root / "app/core/b.py").unlink()
    elif change == "encoding":
        attributes = {".gitattributes": "app/core/b.py working-tree-encoding=UTF-16\n"}
        commit(root, "b.py is UTF-16 in a checkout", {**attributes, "app/core/b.py": "B = 2\n".encode("utf-16")})
        assert git(root, "cat-file", "-p", "HEAD:app/core/b.py") == "B = 2\n"  # the blob: UTF-8
        assert not git(root, "status", "--porcelain")  # and git calls the UTF-16 file clean
        assert run_cli("check", root, "--cache-dir", tmp_path / "cache", "-q").returncode == 1
    else:
        write_tree(root, {".gitignore": "pyvenv.cfg\n", "env/lib/site.py": "import app.gone\n"})
        commit(root, "a folder that will hold a virtualenv")
        write_tree(root, {"env/pyvenv.cfg": "home = /usr\n"})
        assert run_cli("check", root, "--cache-dir", tmp_path / "cache", "-q").returncode == 1
    base = git(root, "rev-parse", "HEAD").strip()
    ran = run_cli("diff", root, "--base", base, "--format", "json", "--cache-dir", tmp_path / "cache")
    checked = run_cli("check", root, "--no-cache", "--json", tmp_path / "c.json", "-q")
    assert ran.returncode in (0, 1) and checked.returncode in (0, 1), (ran.stderr, checked.stderr)
    found, working = json.loads(ran.stdout), json.loads((tmp_path / "c.json").read_text())
    assert found["summary"]["head_violations"] == working["summary"]["violations"], change
    assert diff_module._head_from_blobs(options, root.resolve(), git(root, "rev-parse", "HEAD").strip()) is None
