"""``archguard fix`` on a hostile tree: a planted journal is never obeyed, a planted temporary file
never redirects a write, and fix reads and resolves exactly as ``check`` does (docs/security.md,
"Fix writes only what it rewrote")."""

from __future__ import annotations

import json
import os
import stat
import subprocess
from pathlib import Path

import pytest

from archguard.adapters.rewrite.fix_journal import JOURNAL_DIRNAME, Journal
from archguard.analysis.shim_definition import is_imported_shim
from archguard.app import scan_workspace
from archguard.domain.fix import FixStatus
from tests.functional.test_fix import TAIL, fix, make, options
from tests.functional.test_security_io import finishes
from tests.helpers import git, run_cli

IMPORTER = {"app/api/routes.py": "from app.realtime.compat import LegacyManager\n" + TAIL}
EVIL = b"[core]\n\tfsmonitor = touch /tmp/pwned-by-journal\n"




def plant_journal(root: Path, entries: list[tuple[str, bytes, int]]) -> None:
    """A journal as an attacker writes it: the manifest format archguard used, no signature."""
    folder = root / JOURNAL_DIRNAME
    folder.mkdir()
    blob, listed = b"", []
    for path, data, mode in entries:
        listed.append({"path": path, "offset": len(blob), "size": len(data), "mode": mode})
        blob += data
    (folder / "originals.bin").write_bytes(blob)
    (folder / "manifest.json").write_text(json.dumps({"version": 2, "entries": listed}))


def files_under(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


# --- 1. a committed fix journal is never obeyed ---------------------------------------------------


@pytest.mark.parametrize("command", [["fix"], ["fix", "--dry-run"], ["fix", "--rollback"]])
@pytest.mark.parametrize("committed", [True, False], ids=["tracked-by-git", "unsigned"])
def test_planted_journal_is_refused_and_writes_nothing(tmp_path: Path, command: list[str], committed: bool) -> None:
    root = make(tmp_path, IMPORTER)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "victim").write_text("precious\n")
    git(root, "init", "-q")
    git_config = (root / ".git" / "config").read_bytes()
    plant_journal(root, [
        ("../outside/victim", b"attacker bytes\n", 0o777),
        (str(outside / "made" / "new.sh"), b"#!/bin/sh\n", 0o755),
        (".git/config", EVIL, 0o644),
        ("app/api/routes.py", b"import os\n", 0o644),
    ])
    if committed:
        git(root, "add", "-A")
        git(root, "commit", "-qm", "pull request")
    tree_before = {p: b for p, b in files_under(root).items() if not p.startswith(".git/")}

    run = run_cli(*command, root, "--no-cache")
    assert run.returncode == 2, run.stdout + run.stderr
    assert "Traceback" not in run.stderr
    assert "journal" in run.stderr and ("tracked by git" if committed else "not signed") in run.stderr
    assert files_under(outside) == {"victim": b"precious\n"}
    assert (root / ".git" / "config").read_bytes() == git_config
    assert {p: b for p, b in files_under(root).items() if not p.startswith(".git/")} == tree_before


def test_journal_paths_must_stay_inside_root_even_when_signed(tmp_path: Path) -> None:
    """Signed by this user (so written by archguard), but naming a path out of ROOT or into .git:
    the journal is refused as damaged, and nothing is written (defence in depth)."""
    root = make(tmp_path, IMPORTER)
    (root / "ok.py").write_bytes(b"x = 1\n")
    for bad in ("../victim", "/tmp/victim", "sub/../../victim", ".git/config"):
        journal = Journal(root)
        journal.begin({"ok.py": b"x = 1\n"})
        manifest = json.loads((journal.folder / "manifest.json").read_text())
        manifest["entries"][0]["path"] = bad
        # re-signed as archguard would sign it: only the path rule can refuse it now
        journal._write_manifest(manifest["entries"])
        run = run_cli("fix", root, "--rollback", "--no-cache")
        assert run.returncode == 2, (bad, run.stdout, run.stderr)
        assert "outside ROOT" in run.stderr or ".git" in run.stderr, run.stderr
        assert not (tmp_path / "victim").exists() and not Path("/tmp/victim").exists()
        journal.discard()


def test_dry_run_never_rolls_back_a_pending_journal(tmp_path: Path) -> None:
    """An interrupted run's own (signed) journal: ``--dry-run`` writes nothing, says what to do."""
    root = make(tmp_path, IMPORTER)
    original = (root / "app/api/routes.py").read_bytes()
    journal = Journal(root)
    journal.begin({"app/api/routes.py": original})
    (root / "app/api/routes.py").write_bytes(b"half = 'migrated'\n")
    run = run_cli("fix", root, "--dry-run", "--no-cache")
    assert run.returncode == 1, run.stdout + run.stderr
    assert "fix --rollback" in run.stdout
    assert (root / "app/api/routes.py").read_bytes() == b"half = 'migrated'\n"
    assert journal.pending
    run = run_cli("fix", root, "--rollback", "--no-cache")  # the real rollback still works
    assert run.returncode == 1 and "Restored 1 files" in run.stdout, run.stdout + run.stderr
    assert (root / "app/api/routes.py").read_bytes() == original


# --- 2. a planted temporary file never redirects fix's write ------------------------------------


def test_planted_temporary_file_symlink_is_not_written_through(tmp_path: Path) -> None:
    root = make(tmp_path, IMPORTER)
    victim = tmp_path / "victim.py"
    victim.write_text("precious\n")
    (root / "app/api/.routes.py.archguard-fix.tmp").symlink_to(victim)
    run = run_cli("fix", root, "--no-cache")
    assert run.returncode == 0, run.stdout + run.stderr
    assert victim.read_text() == "precious\n"
    routes = root / "app/api/routes.py"
    assert stat.S_ISREG(os.lstat(routes).st_mode)
    assert "from app.realtime.manager import ConnectionManager as LegacyManager" in routes.read_text()


def test_planted_temporary_file_fifo_does_not_block_fix(tmp_path: Path) -> None:
    root = make(tmp_path, IMPORTER)
    os.mkfifo(root / "app/api/.routes.py.archguard-fix.tmp")
    try:
        run = run_cli("fix", root, "--no-cache", timeout=60)
    except subprocess.TimeoutExpired:
        pytest.fail("fix blocked on a FIFO planted where it writes its temporary file")
    assert run.returncode == 0, run.stdout + run.stderr
    assert "ConnectionManager as LegacyManager" in (root / "app/api/routes.py").read_text()


# --- fix resolves names with check's symbol table and reads like check ---------------------------

STUB_SHIM = {
    # lazy_loader serves exactly the names its .pyi stub declares: check's symbol table reads the
    # stub, so app.realtime.oldpath re-exports the concept and is a shim
    "app/realtime/lazy.py": (
        "import lazy_loader as lazy\n\n__getattr__, __dir__, __all__ = lazy.attach_stub(__name__, __file__)\n"
    ),
    "app/realtime/lazy.pyi": "from app.realtime.manager import ConnectionManager as ConnectionManager\n",
    "app/realtime/oldpath.py": "from app.realtime.lazy import ConnectionManager as ConnectionManager\n",
    "app/chat.py": "from app.realtime.oldpath import ConnectionManager\n" + TAIL,
}


def test_fix_answers_what_a_shim_is_with_checks_symbol_table(tmp_path: Path) -> None:
    root = make(tmp_path, STUB_SHIM)
    table = scan_workspace(options(root)).table  # what check resolves names with
    assert is_imported_shim(table, "app.realtime.oldpath")
    listed = fix(root, dry_run=True)
    assert listed.status is FixStatus.DRY_RUN, listed.problems
    # after the rewrite nothing imports the shim: fix lists it, as check's table calls it a shim
    assert "app/realtime/oldpath.py" in listed.unused_shims, listed.unused_shims


def test_fix_refuses_a_source_swapped_for_a_fifo_or_a_link_out_of_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """fix reads each file it rewrites again; that read goes through the same guard as the scan's:
    a FIFO is never waited on, a link out of ROOT never read (nothing is written)."""
    import archguard.app.fix as fix_use_case

    for swap in ("fifo", "link"):
        root = make(tmp_path / swap, IMPORTER)
        outside = tmp_path / f"outside-{swap}.py"
        outside.write_text("from app.realtime.compat import LegacyManager\n" + TAIL)
        real_check = fix_use_case.run_check

        def check_then_swap(*args: object, _root: Path = root, _swap: str = swap, _outside: Path = outside, **kwargs: object):
            result = real_check(*args, **kwargs)  # type: ignore[arg-type]
            target = _root / "app/api/routes.py"
            target.unlink()
            if _swap == "fifo":
                os.mkfifo(target)
            else:
                target.symlink_to(_outside)
            return result

        monkeypatch.setattr(fix_use_case, "run_check", check_then_swap)
        result = finishes(lambda _root=root: fix(_root))
        monkeypatch.undo()
        assert result.status is FixStatus.REFUSED, (swap, result)
        reason = "FIFO" if swap == "fifo" else "outside ROOT"
        assert any(p.startswith("app/api/routes.py: cannot read") and reason in p for p in result.problems), result.problems
        assert outside.read_text().startswith("from app.realtime.compat import LegacyManager")
