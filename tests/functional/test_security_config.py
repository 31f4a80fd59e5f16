"""The tree's configuration cannot make archguard print secrets, write outside ROOT, replace what
it does not own, or crash with a traceback (docs/security.md)."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import run_cli, write_tree

SECRET = "hunter2-do-not-print"
TREE = {
    "app/__init__.py": "",
    "app/a.py": "import os\n",
    "app/b.py": "from app import a\n",
}


def archguard(*args: str | Path, cwd: Path | None = None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return run_cli(*args, cwd=cwd, env={**os.environ, "SECRET_TOKEN": SECRET, **(env or {})})


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    return write_tree(tmp_path / "repo", TREE)


def pyproject(tree: Path, body: str) -> None:
    (tree / "pyproject.toml").write_text(f"[tool.archguard]\n{body}\n")


def assert_refused(run: subprocess.CompletedProcess[str], *words: str) -> None:
    assert run.returncode == 2, (run.returncode, run.stdout, run.stderr)
    assert "Traceback" not in run.stderr, run.stderr
    assert SECRET not in run.stdout + run.stderr
    for word in words:
        assert word in run.stderr, run.stderr


# --- print secrets ------------------------------------------------------------------------------


def test_config_path_to_proc_environ_is_refused_without_echo(tree: Path) -> None:
    pyproject(tree, 'importlinter_config = "/proc/self/environ"')
    assert_refused(archguard("check", tree, "--no-cache"), "pyproject.toml", "outside ROOT")


def test_config_path_to_a_secret_file_outside_root_is_refused_without_echo(tree: Path) -> None:
    (tree.parent / "secret.cfg").write_text(f"TOKEN={SECRET}\n")
    pyproject(tree, 'importlinter_config = "../secret.cfg"')
    assert_refused(archguard("check", tree, "--no-cache"), "outside ROOT")


@pytest.mark.parametrize("name", ["setup.cfg", ".importlinter", "pyproject.toml"])
def test_config_file_symlinked_out_of_root_is_refused_without_echo(tree: Path, name: str) -> None:
    (tree / name).symlink_to("/proc/self/environ")
    assert_refused(archguard("check", tree, "--no-cache"), name, "outside ROOT")


def test_command_line_config_that_is_not_config_is_not_quoted(tree: Path) -> None:
    """The command line may point anywhere; a file that is not configuration is still never quoted."""
    secret = tree.parent / "notes.txt"
    secret.write_text(f"TOKEN={SECRET}\nmore={SECRET}\n")
    assert_refused(archguard("check", tree, "--no-cache", "--importlinter-config", secret), "notes.txt", "line 1")


def test_contracts_folder_symlinked_out_of_root_is_refused(tree: Path) -> None:
    outside = write_tree(tree.parent / "elsewhere", {"c.toml": f"# {SECRET}\n[[oops\n"})
    (tree / "contracts").symlink_to(outside)
    assert_refused(archguard("check", tree, "--no-cache"), "outside ROOT")


# --- write outside ROOT -------------------------------------------------------------------------


@pytest.mark.parametrize("key", ["json", "baseline", "cache_dir"])
def test_config_output_paths_outside_root_are_refused(tree: Path, key: str) -> None:
    outside = tree.parent / "outside"
    outside.mkdir()
    victim = outside / "victim.json"
    victim.write_text("precious\n")
    victim.chmod(0o444)
    target = "../outside" if key == "cache_dir" else "../outside/victim.json"
    pyproject(tree, f'{key} = "{target}"')
    command = "baseline" if key == "baseline" else "check"
    assert_refused(archguard(command, tree, *(["--no-cache"] if key != "cache_dir" else [])), "outside ROOT")
    assert victim.read_text() == "precious\n"
    assert sorted(p.name for p in outside.iterdir()) == ["victim.json"]


def test_cache_folder_symlinked_out_of_root_is_refused(tree: Path) -> None:
    outside = tree.parent / "outside"
    outside.mkdir()
    (tree / ".archguard_cache").symlink_to(outside)
    assert_refused(archguard("scan", tree), "outside ROOT")
    assert list(outside.iterdir()) == []


def test_command_line_paths_may_point_outside_root(tree: Path) -> None:
    out = tree.parent / "results" / "scan.json"
    run = archguard("scan", tree, "--cache-dir", tree.parent / "cache", "--json", out)
    assert run.returncode == 0, run.stderr
    assert json.loads(out.read_text())["summary"]["files"] == 3


# --- replace only what archguard owns -----------------------------------------------------------


def test_json_destination_that_is_a_symlink_is_refused(tree: Path) -> None:
    victim = tree.parent / "victim"
    victim.write_text("precious\n")
    (tree / "out.json").symlink_to(victim)
    assert_refused(archguard("scan", tree, "--no-cache", "--json", tree / "out.json"), "symbolic link")
    assert victim.read_text() == "precious\n"
    assert (tree / "out.json").is_symlink()


def test_json_destination_that_is_a_fifo_is_refused_not_waited_on(tree: Path) -> None:
    fifo = tree / "out.json"
    os.mkfifo(fifo)
    assert_refused(archguard("scan", tree, "--no-cache", "--json", fifo), "FIFO")
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_read_only_destination_is_refused_and_kept(tree: Path) -> None:
    out = tree.parent / "out.json"
    out.write_text("precious\n")
    out.chmod(0o444)
    assert_refused(archguard("scan", tree, "--no-cache", "--json", out), "read-only")
    assert out.read_text() == "precious\n"


def test_existing_destination_keeps_its_mode(tree: Path) -> None:
    out = tree.parent / "out.json"
    out.write_text("{}\n")
    out.chmod(0o640)
    run = archguard("scan", tree, "--no-cache", "--json", out)
    assert run.returncode == 0, run.stderr
    assert stat.S_IMODE(out.stat().st_mode) == 0o640
    assert json.loads(out.read_text())["schema"] == "archguard/1"


def test_json_and_baseline_naming_one_file_is_refused(tree: Path) -> None:
    baseline = tree.parent / "base.json"
    assert archguard("baseline", tree, "--no-cache", "--baseline", baseline).returncode == 0
    before = baseline.read_text()
    (tree.parent / "link.json").symlink_to(baseline)
    for json_arg in (baseline, tree.parent / "link.json"):
        assert_refused(archguard("check", tree, "--no-cache", "--baseline", baseline, "--json", json_arg), "same file")
    assert baseline.read_text() == before


@pytest.mark.parametrize("cache", [".", "app", ".."])
def test_cache_folder_that_is_root_or_holds_sources_is_refused(tree: Path, cache: str) -> None:
    assert_refused(archguard("scan", tree, "--cache-dir", tree / cache), "cache folder")
    assert not (tree / ".gitignore").exists() and not (tree / "app" / ".gitignore").exists()
    assert not list(tree.rglob("facts-*.bin"))


def test_failed_baseline_write_is_exit_2_and_keeps_the_old_file(tree: Path) -> None:
    baseline = tree.parent / "base.json"
    assert archguard("baseline", tree, "--no-cache", "--baseline", baseline).returncode == 0
    (tree / "app" / "c.py").write_text("import app.gone\n")  # one more violation to record
    before = baseline.read_text()
    baseline.chmod(0o444)
    run = archguard("check", tree, "--no-cache", "--baseline", baseline, "--update-baseline", "--add-new")
    assert_refused(run, "cannot write", "read-only")
    assert baseline.read_text() == before


# --- configuration errors are exit 2 ------------------------------------------------------------

IMPORTLINTER = """[importlinter]
root_packages = app
{extra}
[importlinter:contract:one]
name = one
type = forbidden
source_modules = app.a
forbidden_modules = app.b
"""


@pytest.mark.parametrize("contract_types", [
    "x: no_such_module.Contract",
    "x: os.path",
    "x: collections.OrderedDict",
    "x: archguard.cli.main",
    "no colon here",
])
def test_bad_contract_types_are_exit_2(tree: Path, contract_types: str) -> None:
    (tree / ".importlinter").write_text(IMPORTLINTER.format(extra=f"contract_types =\n    {contract_types}"))
    assert_refused(archguard("check", tree, "--no-cache"), ".importlinter")


def test_contract_type_from_inside_the_tree_is_never_imported(tree: Path) -> None:
    """With the tree importable (installed editable, or on PYTHONPATH, as a CI job that tests the
    pull request has it), a contract type inside it is still not imported: that would run the
    analysed code."""
    marker = tree.parent / "imported"
    write_tree(tree, {"evil_plugin.py": f"open({str(marker)!r}, 'w').close()\nclass C: pass\n"})
    (tree / ".importlinter").write_text(IMPORTLINTER.format(extra="contract_types =\n    x: evil_plugin.C"))
    run = archguard("check", ".", "--no-cache", cwd=tree, env={"PYTHONPATH": str(tree)})
    assert_refused(run, "inside the analysed tree")
    assert not marker.exists()


@pytest.mark.parametrize("toml", [
    '[tool.importlinter]\nroot_packages = 5\n[[tool.importlinter.contracts]]\nname = "a"\ntype = "forbidden"\nsource_modules = ["app.a"]\nforbidden_modules = ["app.b"]\n',
    '[tool.importlinter]\nroot_packages = ["app"]\n[[tool.importlinter.contracts]]\nname = 5\ntype = "forbidden"\nsource_modules = ["app.a"]\nforbidden_modules = ["app.b"]\n',
    '[tool.importlinter]\nroot_packages = ["app"]\ncontract_types = 5\n[[tool.importlinter.contracts]]\nname = "a"\ntype = "forbidden"\nsource_modules = ["app.a"]\nforbidden_modules = ["app.b"]\n',
])
def test_wrong_types_in_importlinter_toml_are_exit_2(tree: Path, toml: str) -> None:
    (tree / "pyproject.toml").write_text(toml)
    assert_refused(archguard("check", tree, "--no-cache"), "pyproject.toml")


def test_bad_exclude_pattern_is_exit_2(tree: Path) -> None:
    assert_refused(archguard("scan", tree, "--no-cache", "--exclude", "\\"), "--exclude")


@pytest.mark.parametrize("jobs", ["0", "300", "true", "-1"])
def test_jobs_out_of_range_in_pyproject_is_exit_2(tree: Path, jobs: str) -> None:
    pyproject(tree, f"jobs = {jobs}")
    assert_refused(archguard("scan", tree, "--no-cache"), "pyproject.toml", "jobs")


# --- the tree's exclude patterns cannot stall the run (#21 shape 5) --------------------------------


def test_backtracking_exclude_pattern_from_the_tree_does_not_stall(tree: Path) -> None:
    """Python's regular expressions take exponential time on this pattern and a long name; the
    run must finish in the time a plain run takes."""
    (tree / "app" / ("a" * 200 + ".py")).write_text("import os\n")
    pyproject(tree, 'exclude = ["*a*a*a*a*a*a*a*a*a*a*b", "*a*a*a*a*a*a*a*a*a*a*a*a*c/"]')
    try:
        run = run_cli("check", tree, "--no-cache", "-q", timeout=30)
    except subprocess.TimeoutExpired:
        pytest.fail("an exclude pattern from the tree kept check busy for 30 s")
    assert run.returncode == 0 and "All contracts kept" in run.stdout, run.stdout + run.stderr


def test_exclude_patterns_keep_gitignore_semantics(tmp_path: Path) -> None:
    """The linear-time matcher decides as pathspec's reference (Python ``re``) engine does."""
    import pathspec

    from archguard.adapters.discovery import _ExcludeSpec

    paths = ["a.py", "app/a.py", "app/sub/b.py", "backup/x.py", "backup/keep.py", "docs/old/c.py",
             "app/old_d.py", "build/e.py", "app/build/f.py", "tests/u/fixtures/g.py", "x[1].py", "#h.py"]
    for patterns in (["backup/**", "!backup/keep.py"], ["/build"], ["build/"], ["**/old_*"], ["docs/"],
                     ["app/**/b.py"], ["*.py", "!app/**"], ["tests/**/fixtures/*.py"], ["x\\[1\\].py"],
                     ["\\#h.py"], ["?.py"], ["[ab].py"], ["app/*"]):
        reference = pathspec.GitIgnoreSpec.from_lines(patterns, backend="simple")
        ours = _ExcludeSpec(patterns)
        assert [ours.excludes_file(p) for p in paths] == [reference.match_file(p) for p in paths], patterns
        assert any(ours.excludes_file(p) for p in paths), patterns  # each case excludes something


# --- contract_types never imports the tree, even installed editable (#21 shape 3) ------------------


def test_contract_type_of_an_editable_install_is_never_imported(tmp_path: Path) -> None:
    """setuptools' PEP 660 editable install of a flat-layout project puts a finder on
    ``sys.meta_path``, invisible to ``PathFinder``: the tree's plugin module is importable without
    PYTHONPATH. archguard refuses it by its top-level name (one of the tree's), whatever the
    finders say."""
    marker = tmp_path / "imported"
    project = write_tree(tmp_path / "proj", {
        "evil_plugin.py": f"open({str(marker)!r}, 'w').close()\nclass C: pass\n",
        "app/__init__.py": "",
        "app/a.py": "import os\n",
        "app/b.py": "from app import a\n",
        "pyproject.toml": '[build-system]\nrequires = ["setuptools>=64"]\nbuild-backend = "setuptools.build_meta"\n'
                          '[project]\nname = "evil-proj"\nversion = "0.1"\n'
                          '[tool.setuptools]\npy-modules = ["evil_plugin"]\npackages = ["app"]\n',
    })
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", venv], check=True)
    python = venv / "bin" / "python"
    site = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    # archguard and its dependencies (and setuptools, to build) from the test's own environment
    ours = subprocess.run([sys.executable, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    Path(site, "outer.pth").write_text(f"import site; site.addsitedir({ours!r})\n")  # its .pth files too
    install = subprocess.run([python, "-m", "pip", "install", "-q", "--no-deps", "-e", project],
                             capture_output=True, text=True, timeout=300)
    assert install.returncode == 0, install.stdout + install.stderr
    probe = subprocess.run([python, "-c", "import importlib.machinery, importlib.util, sys;"
                            "print(importlib.machinery.PathFinder.find_spec('evil_plugin'),"
                            " importlib.util.find_spec('evil_plugin').origin)"],
                           capture_output=True, text=True, cwd=tmp_path, check=True)
    assert probe.stdout.startswith("None ") and str(project) in probe.stdout, probe.stdout  # the meta_path finder
    (project / ".importlinter").write_text(IMPORTLINTER.format(extra="contract_types =\n    x: evil_plugin.C"))
    run = subprocess.run([python, "-m", "archguard", "check", project, "--no-cache"], capture_output=True,
                         text=True, cwd=tmp_path, timeout=120)
    assert_refused(run, "inside the analysed tree")
    assert not marker.exists()


# --- jobs from the tree are capped at the machine's CPUs (#21 shape 14) ----------------------------


def test_jobs_from_the_tree_are_capped_at_the_cpu_count(tree: Path) -> None:
    """``jobs = 256`` in the tree's pyproject.toml: at most as many worker processes as CPUs."""
    for i in range(400):  # enough files for the worker pool
        (tree / "app" / f"m{i}.py").write_text(f"import app.a\nX = {i}\n")
    pyproject(tree, "jobs = 256")
    probe = (
        "import concurrent.futures as f, json, os, sys\n"
        "seen = []\n"
        "real = f.ProcessPoolExecutor.__init__\n"
        "def spy(self, max_workers=None, *a, **k):\n"
        "    seen.append(max_workers)\n"
        "    real(self, max_workers, *a, **k)\n"
        "f.ProcessPoolExecutor.__init__ = spy\n"
        "from archguard.cli import main\n"
        "sys.argv = ['archguard', 'scan', sys.argv[1], '--no-cache', '-q']\n"
        "try:\n    main()\nfinally:\n    print(json.dumps(seen), file=sys.stderr)\n"
    )
    run = subprocess.run([sys.executable, "-c", probe, tree], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    pools = json.loads(run.stderr.strip().splitlines()[-1])
    assert pools and max(pools) <= (os.cpu_count() or 1), pools
