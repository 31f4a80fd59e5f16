"""archguard on real open-source monorepos (docs/monorepos.md), never committed here.

    .venv/bin/python benchmarks/monorepos.py                  # every monorepo below
    .venv/bin/python benchmarks/monorepos.py pydantic-ai      # one of them
    .venv/bin/python benchmarks/monorepos.py --git-dir pydantic-ai=/path/to/pydantic-ai.git
    .venv/bin/python benchmarks/monorepos.py --synthetic [--scale 1.0] [--runs 3]

Each monorepo is a public git repository at a pinned commit. Its Python files and configuration
(``*.py``, ``*.pyi``, ``*.toml``, ``.importlinter``, ``setup.cfg``, ``requirements*.txt``) are exported into
``benchmarks/.work/monorepos/<name>/workspace`` from a local git directory (``--git-dir``; by
default this machine's mirror under /work/.mirror, else a partial clone from GitHub), then:

1. ``archguard check`` on the workspace root: its members, source roots, modules, imports and
   every finding, written to ``benchmarks/.work/monorepos/<name>/check.json``;
2. the same packages copied flat (each member's source roots' packages side by side in one
   folder, namespace packages merged as Python merges them), scanned with ``--package`` for each:
   the modules and import edges of the package files must be equal, module by module;
3. the time of a cold and a warm ``check`` of the workspace and of the flat copy (one scan, one
   cache: a workspace costs what its files cost flat), with ``uptime``'s load beside them.

``--synthetic`` measures the cost of members on the same files: the generated benchmark tree
(benchmarks/generate_tree.py) once as it is, once as a uv workspace with each top-level package
moved into a member of its own (``libs/<name>/src/<name>``, a pyproject.toml declaring the other
members; the root's declaring them all), everything else in place. Both are scanned and checked cold and warm, alternately, in
the same run; the counts must be equal (modules, imports, dangling imports, syntax errors).

Exit code 0 when every comparison holds. The error-level findings are judged in docs/monorepos.md.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
WORK = HERE / ".work" / "monorepos"
KEEP = (".py", ".pyi", ".toml", ".importlinter", "setup.cfg", "SOURCE_ROOT", "BUILD")


@dataclass(frozen=True)
class Monorepo:
    name: str
    github: str  # owner/name
    commit: str
    subfolder: str = ""  # where the workspace root sits in the repository
    mirror: str = ""  # this machine's copy of the repository (a bare git directory)


MONOREPOS = [
    # uv workspace, flat members whose folder is named like their package (pydantic_graph/pydantic_graph)
    Monorepo(
        "pydantic-ai",
        "pydantic/pydantic-ai",
        "4fda38988f2939fa6ea9cdefcf120693e10ef491",
        mirror="/work/.mirror/pydantic+pydantic-ai/repo",
    ),
    # uv workspace, members = ["packages/*"] with an exclude, src/ layouts and one flat member
    Monorepo(
        "autogen",
        "microsoft/autogen",
        "027ecf0a379bcc1d09956d46d12d44a3ad9cee14",
        subfolder="python",
        mirror="/work/.mirror/microsoft+autogen/repo",
    ),
    # src/ layout with 18 integrations as uv path dependencies inside ROOT/src
    Monorepo(
        "prefect",
        "PrefectHQ/prefect",
        "",
        mirror="/work/.mirror/PrefectHQ+prefect/repo",
    ),
]


def export(repo: Monorepo, git_dir: Path | None) -> Path:
    """The repository's Python files and configuration at the pinned commit, once."""
    target = WORK / repo.name / "workspace"
    if target.is_dir():
        return target / repo.subfolder if repo.subfolder else target
    source = git_dir or (Path(repo.mirror) if repo.mirror and Path(repo.mirror).is_dir() else None)
    if source is None:
        source = WORK / repo.name / "clone.git"
        if not source.is_dir():
            subprocess.run(
                ["git", "clone", "--bare", "--filter=blob:none", f"https://github.com/{repo.github}", str(source)],
                check=True,
            )
    commit = repo.commit or _git(source, "rev-parse", "HEAD").strip()
    listing = _git(source, "ls-tree", "-r", "-z", "--format=%(objectname) %(path)", commit, "--", repo.subfolder or ".")
    wanted = [entry.split(" ", 1) for entry in listing.split("\0") if entry]
    wanted = [
        (blob, path)
        for blob, path in wanted
        if path.endswith(KEEP) or (path.rpartition("/")[2].startswith("requirements") and path.endswith(".txt"))
    ]
    batch = subprocess.run(
        ["git", "-C", str(source), "cat-file", "--batch"],
        input="".join(f"{blob}\n" for blob, _ in wanted).encode(),
        capture_output=True,
        check=True,
    ).stdout
    position, missing = 0, 0
    for blob, path in wanted:
        header_end = batch.index(b"\n", position)
        header = batch[position:header_end].split()
        position = header_end + 1
        if header[-1] == b"missing":  # a blob the snapshot left out (4 MiB and more): skipped
            missing += 1
            continue
        size = int(header[2])
        data = batch[position : position + size]
        position += size + 1
        out = target / path
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(data)
    (WORK / repo.name / "commit").write_text(f"{repo.github} {commit} ({missing} blobs missing)\n")
    return target / repo.subfolder if repo.subfolder else target


def flat_copy(workspace: Path, check: dict, target: Path) -> list[str]:
    """Each member's packages, side by side in ``target`` (namespace packages merged); returns
    the package names. Loose files stay behind: only package modules are compared."""
    if target.exists():
        shutil.rmtree(target)
    packages: set[str] = set()
    for member in check["members"]:
        for root in member["source_roots"]:
            base = workspace if root == "." else workspace / root
            for package in member["packages"]:
                folder = base / package
                if folder.is_dir():
                    shutil.copytree(folder, target / package, dirs_exist_ok=True)
                    packages.add(package)
    return sorted(packages)


def archguard(*args: str | Path) -> tuple[subprocess.CompletedProcess[str], float]:
    run, wall, _ = timed(*args)
    return run, wall


def timed(*args: str | Path) -> tuple[subprocess.CompletedProcess[str], float, float]:
    """A run of archguard, its wall time and its CPU time (user + system: on a shared machine the
    CPU time is what compares; the wall time waits for other people's processes too)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    run = subprocess.run(
        [sys.executable, "-m", "archguard", *map(str, args), "-q"], capture_output=True, text=True, cwd=REPO
    )
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return run, wall, after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime


def package_graph(root: Path, packages: list[str] | None) -> tuple[dict[str, str], set[tuple[str, str]]]:
    """module -> path of every package module, and the import edges between them."""
    sys.path.insert(0, str(REPO))
    from archguard.app import Options, scan_workspace

    options = Options(root=root, no_cache=True, include_loose=False, packages=tuple(packages or ()))
    workspace = scan_workspace(options)
    graph = workspace.graph
    modules = {f.module: f.path for f in workspace.scan.files if not f.loose}
    edges = {(m, i) for m in modules for i in graph.find_modules_directly_imported_by(m)}
    return modules, edges


def load() -> str:
    return " ".join(os.getloadavg().__repr__().strip("()").split(", ")[:3])


def run_one(repo: Monorepo, git_dir: Path | None) -> bool:
    workspace = export(repo, git_dir)
    out = WORK / repo.name
    cache = out / "cache"
    shutil.rmtree(cache, ignore_errors=True)
    cold_run, cold = archguard("check", workspace, "--cache-dir", cache, "--json", out / "check.json")
    if cold_run.returncode not in (0, 1):
        print(cold_run.stderr)
        return False
    _, warm = archguard("check", workspace, "--cache-dir", cache)
    check = json.loads((out / "check.json").read_text())
    packages = flat_copy(workspace, check, out / "flat")
    flat_cache = out / "flat-cache"
    shutil.rmtree(flat_cache, ignore_errors=True)
    package_args = [a for p in packages for a in ("--package", p)]
    _, flat_cold = archguard("check", out / "flat", *package_args, "--cache-dir", flat_cache)
    _, flat_warm = archguard("check", out / "flat", *package_args, "--cache-dir", flat_cache)

    ours, our_edges = package_graph(workspace, None)
    theirs, their_edges = package_graph(out / "flat", packages)
    summary = check["summary"]
    errors = [v for v in check["violations"] if v["severity"] == "error"]
    by_code: dict[str, int] = {}
    for v in errors:
        by_code[v["code"]] = by_code.get(v["code"], 0) + 1
    print(f"\n{repo.name} ({(out / 'commit').read_text().strip()})")
    print(f"  members {summary['members']}, source roots {len(summary['source_roots'])}: {', '.join(summary['source_roots'])}")
    print(
        f"  files {summary['files']}, modules {summary['modules']}, loose {summary['loose_files']}, "
        f"imports {summary['imports']}, dangling {summary['dangling_imports']}"
    )
    print(f"  error-level findings {len(errors)} {by_code}, warnings {summary['warnings']}")
    print(f"  package modules: workspace {len(ours)}, flat {len(theirs)}; package import edges: {len(our_edges)} / {len(their_edges)}")
    print(f"  check cold {cold:.2f} s, warm {warm:.2f} s; flat copy cold {flat_cold:.2f} s, warm {flat_warm:.2f} s (load {load()})")
    equal = set(ours) == set(theirs) and our_edges == their_edges
    if not equal:
        print(f"  only in the workspace: {sorted(set(ours) - set(theirs))[:5]} {sorted(our_edges - their_edges)[:5]}")
        print(f"  only flat: {sorted(set(theirs) - set(ours))[:5]} {sorted(their_edges - our_edges)[:5]}")
    print(f"  {'PASS' if equal else 'FAIL'}  the workspace's package modules and edges equal the flat copy's")
    for v in errors:
        print(f"    {v['path']}:{v['line']}: {v['code']} {v['message']}")
    return equal


def synthetic(scale: float, runs: int) -> bool:
    """The same files flat and as a workspace of one member per package: equal counts, and the
    times side by side (medians of ``runs``)."""
    base = WORK / f"synthetic-{scale}"
    flat, workspace = base / "flat", base / "workspace"
    if not flat.is_dir():
        subprocess.run([sys.executable, str(HERE / "generate_tree.py"), str(flat), "--scale", str(scale)], check=True)
    if not workspace.is_dir():
        shutil.copytree(flat, workspace)
        names = names_of(flat)
        for name in names:
            member = workspace / "libs" / name
            (member / "src").mkdir(parents=True)
            shutil.move(str(workspace / name), str(member / "src" / name))
            others = ", ".join(json.dumps(n.replace("_", "-")) for n in names if n != name)
            (member / "pyproject.toml").write_text(f'[project]\nname = "{name.replace("_", "-")}"\ndependencies = [{others}]\n')
        # the workspace root depends on its members, as a real one does (pydantic-ai's, prefect's)
        config = (workspace / "pyproject.toml").read_text()
        listed = ", ".join(json.dumps(n.replace("_", "-")) for n in names)
        config = config.replace("[project]\n", f"[project]\ndependencies = [{listed}]\n", 1)
        (workspace / "pyproject.toml").write_text(config + '\n[tool.uv.workspace]\nmembers = ["libs/*"]\n')
    times: dict[tuple[str, str], list[tuple[float, float]]] = {}  # (label, what) -> [(wall, cpu)]
    results: dict[str, dict] = {}
    edited = {"flat": flat / names_of(flat)[1] / "__init__.py", "workspace": None}
    edited["workspace"] = workspace / "libs" / names_of(flat)[1] / "src" / names_of(flat)[1] / "__init__.py"
    for run_number in range(runs):
        for label, root in (("flat", flat), ("workspace", workspace)):
            cache = base / f"cache-{label}"
            for command in ("scan", "check"):
                shutil.rmtree(cache, ignore_errors=True)
                out = base / f"{label}-{command}.json"
                _, *cold = timed(command, root, "--cache-dir", cache, "--json", out)
                _, *warm = timed(command, root, "--cache-dir", cache)
                times.setdefault((label, f"{command} cold"), []).append(tuple(cold))
                times.setdefault((label, f"{command} warm"), []).append(tuple(warm))
                results[f"{label}-{command}"] = json.loads(out.read_text())
            target = edited[label]
            assert target is not None
            with target.open("a") as source:  # one package file edited, then check (the ratchet loop)
                source.write(f"\nEDITED_{run_number} = {run_number}\n")
            _, *edit = timed("check", root, "--cache-dir", cache)
            times.setdefault((label, "check after a one-file edit"), []).append(tuple(edit))
    keys = ("files", "modules", "imports", "dangling_imports", "syntax_errors", "loose_files")
    flat_summary, workspace_summary = results["flat-check"]["summary"], results["workspace-check"]["summary"]
    equal = all(flat_summary[k] == workspace_summary[k] for k in keys)
    print(f"\nsynthetic tree, scale {scale}: {flat_summary['files']} files; workspace of {workspace_summary['members']} members")
    for key in keys:
        print(f"  {key}: flat {flat_summary[key]}, workspace {workspace_summary[key]}")
    for what in ("scan cold", "scan warm", "check cold", "check warm", "check after a one-file edit"):
        line = []
        for index, kind in ((0, "wall"), (1, "cpu")):
            a = sorted(t[index] for t in times[("flat", what)])[runs // 2]
            b = sorted(t[index] for t in times[("workspace", what)])[runs // 2]
            line.append(f"{kind} flat {a:.2f} s, workspace {b:.2f} s (x{b / a:.2f})")
        print(f"  {what}: {'; '.join(line)}")
    print(f"  load {load()}")
    print(f"  {'PASS' if equal else 'FAIL'}  the same counts flat and as a workspace")
    return equal


def names_of(flat: Path) -> list[str]:
    """The generated tree's top-level packages (its manifest)."""
    packages = json.loads((flat / "manifest.json").read_text())["packages"]
    return [p["name"] if isinstance(p, dict) else p for p in packages]


def _git(git_dir: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(git_dir), *args], capture_output=True, text=True, check=True).stdout


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("names", nargs="*", help=f"of {', '.join(m.name for m in MONOREPOS)} (default: all)")
    parser.add_argument("--git-dir", action="append", default=[], metavar="NAME=DIR", help="a local copy to export from")
    parser.add_argument("--synthetic", action="store_true", help="the generated tree flat and as a workspace")
    parser.add_argument("--scale", type=float, default=1.0, help="--synthetic: generate_tree.py's scale")
    parser.add_argument("--runs", type=int, default=3, help="--synthetic: runs per measurement (medians)")
    args = parser.parse_args()
    if args.synthetic:
        return 0 if synthetic(args.scale, args.runs) else 1
    git_dirs = dict(item.split("=", 1) for item in args.git_dir)
    chosen = [m for m in MONOREPOS if not args.names or m.name in args.names]
    results = [run_one(m, Path(git_dirs[m.name]) if m.name in git_dirs else None) for m in chosen]
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
