#!/usr/bin/env python3
"""Memory on one hostile file (issue 21, shape 7): a 2.4 MB module with 120,000 imports of missing
modules of its own package, also named as an entry point (``entry_points`` in its pyproject.toml).

Before the report set was capped per file (reporting/proportionate.py) ``archguard report`` took
2.35 GB and wrote a 177 MB ``report.json`` for it; the target is under 600 MB with output that
stays proportionate. Each row is one real subprocess, cold (``--no-cache``), measured like
``run.py`` does: the largest process's peak RSS (GNU time, or ``getrusage(RUSAGE_CHILDREN)``) and
the peak summed PSS of the whole process tree (workers included). grimp.build_graph and
lint-imports (one ``forbidden`` contract) run on the same tree in the same run, for scale.

Usage:
    .venv/bin/python benchmarks/hostile_memory.py [--imports 120000]
The tree lives under benchmarks/.work/hostile_memory/ (gitignored).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from run import archguard_cmd, lint_imports_cmd, measure  # noqa: E402  (benchmarks/run.py: one way to measure)

TARGET_MB = 600

IMPORTLINTER = """[importlinter]
root_packages =
    app

[importlinter:contract:one]
name = app.main does not import app.other
type = forbidden
source_modules = app.main
forbidden_modules = app.other
"""


def build_tree(folder: Path, imports: int) -> int:
    if folder.exists():
        shutil.rmtree(folder)
    (folder / "app").mkdir(parents=True)
    (folder / "app" / "__init__.py").write_text("")
    (folder / "app" / "other.py").write_text("")
    # "import app.m0000000\n" is 20 bytes: 120,000 of them make the 2.4 MB file
    text = "".join(f"import app.m{i:07d}\n" for i in range(imports))
    (folder / "app" / "main.py").write_text(text)
    (folder / "pyproject.toml").write_text('[tool.archguard]\nentry_points = ["app.main"]\n')
    (folder / ".importlinter").write_text(IMPORTLINTER)
    (folder / "manifest.json").write_text(json.dumps({"packages": ["app"]}))
    return len(text.encode())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--imports", type=int, default=120_000)
    args = parser.parse_args()
    work = HERE / ".work" / "hostile_memory"
    tree = work / "tree"
    size = build_tree(tree, args.imports)
    out = work / "report"
    grimp = [sys.executable, "-c", "import grimp; g = grimp.build_graph('app'); print(len(g.modules))"]
    rows = [
        ("archguard check", [*archguard_cmd(), "check", str(tree), "--no-cache", "-q"], (1,)),
        ("archguard report", [*archguard_cmd(), "report", str(tree), "--no-cache", "-q", "--out", str(out)], (1,)),
        ("grimp.build_graph", grimp, (0,)),
        ("lint-imports (no cache)", [*lint_imports_cmd(), "--no-cache"], (0,)),
    ]
    load = os.getloadavg()
    print(f"tree: app/main.py, {size / 1e6:.2f} MB, {args.imports:,} imports of missing modules, an entry point")
    print(f"load average before: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}\n")
    print("| run | exit | wall s | CPU s | largest process MB | all processes MB (PSS) |")
    print("|---|---|---|---|---|---|")
    failed = False
    results = {}
    for name, command, ok in rows:
        env = None if name.startswith("archguard") else {**os.environ, "PYTHONPATH": str(tree)}
        run = measure(command, cwd=tree, env=env)
        results[name] = run
        bad = run.exit_code not in ok or "Traceback" in run.stderr
        failed |= bad
        cpu = f"{run.cpu_s:.1f}" if run.cpu_s is not None else "-"
        print(f"| {name} | {run.exit_code}{' (!)' if bad else ''} | {run.wall_s:.1f} | {cpu} | "
              f"{run.max_rss_mb:.0f} | {run.tree_mem_mb:.0f} |")
    print()
    sizes = {p.name: p.stat().st_size for p in sorted(out.iterdir()) if p.is_file()}
    print("report set:", ", ".join(f"{name} {size / 1e6:.2f} MB" for name, size in sizes.items()))
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    left = sum(item["count"] for item in report.get("left_out", []))
    print(f"report.json lists {len(report['violations'])} violations and {len(report['dangling_imports'])} "
          f"dangling imports; left_out counts {left:,} more; the summary counts "
          f"{report['summary']['violations']:,} violations and {report['summary']['dangling_imports']:,} dangling imports")
    load = os.getloadavg()
    print(f"load average after: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    peak = results["archguard report"].max_rss_mb
    verdict = "met" if peak < TARGET_MB else "NOT met"
    print(f"\ntarget: archguard report under {TARGET_MB} MB (largest process): {peak:.0f} MB, {verdict}")
    if failed or peak >= TARGET_MB:
        sys.exit(1)


if __name__ == "__main__":
    main()
