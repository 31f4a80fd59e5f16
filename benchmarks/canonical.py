#!/usr/bin/env python3
"""Benchmark ``CanonicalContract`` under plain ``lint-imports``: the contracts of one run share one
scan, one symbol table and one concept index (archguard/importlinter.py), so N contracts cost about
what one does (issue 23's target: N contracts at most 1.2x one).

    python benchmarks/canonical.py --scale 0.1 --repeat 2     # quick
    python benchmarks/canonical.py                            # the generated tree's packages

On the clean copy of the generated tree (its packages only: what import-linter sees), the same
``lint-imports --no-cache`` run with one configuration holding 1 concept contract (the first
package's connection manager) and one holding N (one per package), beside the tree's ``protected``
contract; archguard's own cache is warm for both (one unmeasured run each first). Wall and CPU
seconds of real subprocesses, medians, in the same run; the load average beside them.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import run  # noqa: E402


def config(packages: list[str], concepts: list[str]) -> str:
    lines = ["[importlinter]", "root_packages =", *(f"    {p}" for p in packages)]
    lines += ["contract_types =", "    canonical: archguard.importlinter.CanonicalContract", ""]
    lines += [
        "[importlinter:contract:manager-impl]",
        "name = Only the core package imports the manager implementation",
        "type = protected",
        "protected_modules =",
        f"    {packages[0]}.core.impl",
        "allowed_importers =",
        f"    {packages[0]}.core",
        "",
    ]
    for package in concepts:
        lines += [
            f"[importlinter:contract:{package}-manager]",
            f"name = One path to {package}'s connection manager",
            "type = canonical",
            f"canonical = {package}.core.manager:ConnectionManager",
            "also =",
            "    Manager",
            "    UnifiedConnectionManager",
            f"allowed_importers = {package}.core.**",
            "",
        ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--contracts", type=int, default=5, help="N: concept contracts in the second run")
    ap.add_argument("--work", type=Path, default=HERE / ".work")
    args = ap.parse_args(argv)
    run.compile_archguard()
    work = args.work.resolve()
    _, clean, manifest = run.ensure_tree(work, args.scale, args.seed, regen=False)
    packages = list(manifest["packages"])
    tree = work / f"canonical-s{args.scale:g}"
    if not (tree / ".ready").exists():
        shutil.rmtree(tree, ignore_errors=True)
        shutil.copytree(clean, tree, ignore=shutil.ignore_patterns(".archguard_cache"))
        (tree / ".ready").write_text("")
    n = min(args.contracts, len(packages))
    (tree / "one.ini").write_text(config(packages, packages[:1]))
    (tree / "many.ini").write_text(config(packages, packages[:n]))
    env = dict(os.environ, PYTHONPATH=str(tree))
    label = f"s{args.scale:g}"
    rows = []
    for name, count in (("one.ini", 1), ("many.ini", n)):
        cmd = run.lint_imports_cmd() + ["--no-logo", "--no-cache", "--config", name]
        run.measure(cmd, tree, env)  # archguard's cache (ROOT/.archguard_cache) warm
        rows.append(run.run_row(run.Row(f"lint-imports, {count} concept contract(s)", label), cmd, tree, (0, 1),
                                args.repeat, env=env))
        rows[-1].note = "load %.1f" % os.getloadavg()[0]
    base = rows[0]
    print()
    print("| run | tree | wall (s) | / 1 contract | CPU s | / 1 contract | notes |\n|---|---|---|---|---|---|---|")
    for row in rows:
        cpu = statistics.median(r.cpu_s for r in row.runs if r.cpu_s is not None) if row.runs else None
        base_cpu = statistics.median(r.cpu_s for r in base.runs if r.cpu_s is not None) if base.runs else None
        ratio = f"{row.wall / base.wall:.2f}x" if row.wall and base.wall else "-"
        cpu_ratio = f"{cpu / base_cpu:.2f}x" if cpu and base_cpu else "-"
        print(f"| {row.label} | {label} | {run.fmt(row.wall)} | {ratio} | {run.fmt(cpu)} | {cpu_ratio} | "
              f"{row.error or row.note} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
