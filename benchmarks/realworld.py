"""archguard against code nobody here wrote: a package downloaded from PyPI (never committed).

    .venv/bin/python benchmarks/realworld.py                       # homeassistant 2025.4.4
    .venv/bin/python benchmarks/realworld.py --spec "django==5.2" --package django
    .venv/bin/python benchmarks/realworld.py --monorepos                 # pydantic-ai, autogen, prefect

``--monorepos [NAME ...]`` runs benchmarks/monorepos.py instead: real open-source monorepos at
pinned commits, their members and source roots, their package modules and import edges compared
with the same packages copied flat (they must be equal), every error-level finding listed (and
judged in docs/monorepos.md).

Checks, on the unpacked package:
1. default target (the newest grammar): no file is a syntax error (a released package parses);
2. ``--target-python`` = the running interpreter's version: the syntax errors are exactly the
   files this interpreter's ``ast`` rejects (so archguard's verdict is CPython's, file for file);
3. the import graph of the package's modules has exactly ``grimp.build_graph``'s edges;
4. every file the interpreter rejects is read, rewritten in place for ``ast`` (none is left
   unreadable); that its facts are the earlier walker's, file for file, is
   ``benchmarks/compare_walkers.py``'s check;
and prints the times. Exit code 0 when all checks hold, 1 otherwise.
"""

from __future__ import annotations

import argparse
import ast
import json
import subprocess
import sys
import time
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
WORK = HERE / ".work" / "realworld"


def fetch(spec: str, python_version: str) -> Path:
    """Download the wheel with pip (no dependencies) and unpack it once."""
    name = spec.replace("==", "-").replace("/", "_")
    target = WORK / name
    if target.is_dir():
        return target
    downloads = WORK / "downloads"
    downloads.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
         "--python-version", python_version, "-d", str(downloads), spec],
        check=True,
    )
    wheel = max(downloads.glob("*.whl"), key=lambda p: p.stat().st_mtime)
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(target)
    return target


def archguard_scan(root: Path, *extra: str) -> tuple[dict, float]:
    started = time.perf_counter()
    run = subprocess.run(
        [sys.executable, "-m", "archguard", "scan", str(root), "--no-cache", "-q", "--json", "-", *extra],
        capture_output=True, text=True,
    )
    elapsed = time.perf_counter() - started
    if run.returncode != 0:
        sys.exit(f"archguard scan failed ({run.returncode}): {run.stderr[-2000:]}")
    return json.loads(run.stdout), elapsed


def rejected_by_this_interpreter(root: Path, package: str) -> set[str]:
    rejected = set()
    for path in sorted((root / package).rglob("*.py")):
        try:
            ast.parse(path.read_bytes())
        except SyntaxError:
            rejected.add(path.relative_to(root).as_posix())
    return rejected


def rewrite_reads(root: Path, rejected: set[str]) -> tuple[int, list[str]]:
    """How many rejected files the rewrite for ``ast`` reads, and those it cannot."""
    from archguard.adapters.parsing.downlevel import TooNew, extract_facts_downlevel
    from archguard.adapters.parsing.source_text import decode_source
    from archguard.adapters.parsing.syntax_judge import all_issues

    constructs = all_issues(root, sorted(rejected), sys.version_info[:2])
    read, unread = 0, []
    for path in sorted(rejected):
        source = decode_source((root / path).read_bytes())
        if isinstance(extract_facts_downlevel(source, constructs.get(path, [])), TooNew):
            unread.append(path)
        else:
            read += 1
    return read, unread


def edge_sets(root: Path, package: str) -> tuple[set, set, float]:
    """The package's import edges by grimp and by archguard's graph of the same files (loose
    files left out: grimp never sees them), and grimp's cold build time."""
    import grimp

    from archguard.app import Options, scan_workspace

    sys.path.insert(0, str(root))
    started = time.perf_counter()
    reference = grimp.build_graph(package, cache_dir=None)
    grimp_s = time.perf_counter() - started
    ours = scan_workspace(Options(root=root, packages=(package,), no_cache=True, include_loose=False)).graph

    def edges(graph: grimp.ImportGraph) -> set:
        return {(m, i) for m in graph.modules for i in graph.find_modules_directly_imported_by(m)}

    return edges(reference), edges(ours), grimp_s


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--spec", default="homeassistant==2025.4.4")
    parser.add_argument("--package", default="homeassistant")
    parser.add_argument("--python-version", default="3.13", help="for pip: which wheels to accept")
    parser.add_argument("--monorepos", nargs="*", metavar="NAME", help="real monorepos instead (benchmarks/monorepos.py)")
    args = parser.parse_args()
    if args.monorepos is not None:
        sys.path.insert(0, str(HERE))
        import monorepos

        chosen = [m for m in monorepos.MONOREPOS if not args.monorepos or m.name in args.monorepos]
        return 0 if all([monorepos.run_one(m, None) for m in chosen]) else 1

    root = fetch(args.spec, args.python_version)
    here = f"{sys.version_info.major}.{sys.version_info.minor}"
    newest, newest_s = archguard_scan(root, "--package", args.package)
    mine, mine_s = archguard_scan(root, "--package", args.package, "--target-python", here)
    expected = rejected_by_this_interpreter(root, args.package)
    theirs, ours, grimp_s = edge_sets(root, args.package)
    rewritten, unread = rewrite_reads(root, expected)

    reported = {e["path"] for e in mine["syntax_errors"]}
    checks = {
        "newest grammar: no syntax errors": newest["summary"]["syntax_errors"] == 0,
        f"--target-python {here}: exactly the {len(expected)} files CPython {here} rejects": reported == expected,
        f"package import edges equal grimp's ({len(theirs)})": ours == theirs,
        f"newer syntax rewritten for ast: {rewritten} of {len(expected)} files read": not unread,
    }
    print(f"\n{args.spec}: {newest['summary']['files']} files")
    print(f"  archguard scan, newest grammar, cold: {newest_s:.1f} s")
    print(f"  archguard scan, --target-python {here}, cold: {mine_s:.1f} s")
    print(f"  grimp.build_graph, cold: {grimp_s:.1f} s")
    for name, ok in checks.items():
        print(f"  {'PASS' if ok else 'FAIL'}  {name}")
    if ours != theirs:
        print(f"  edges only grimp has: {sorted(theirs - ours)[:5]}; only archguard: {sorted(ours - theirs)[:5]}")
    if unread:
        print(f"  unreadable by this interpreter: {unread[:5]}")
    if reported != expected:
        print(f"  only archguard: {sorted(reported - expected)[:5]}; only CPython: {sorted(expected - reported)[:5]}")
    return 0 if all(checks.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
