#!/usr/bin/env python3
"""Robustness benchmarks (issue 14): no hostile file costs more than its share of time, and a very
large tree scans cold without falling over.

Two measurements, each a real ``archguard scan --no-cache`` subprocess timed and sampled like
``run.py`` does (wall time; peak summed PSS of the whole process tree, workers included):

* ``hostile``: trees holding N copies of every hostile file kind of the test suite
  (tests/functional/test_hostile_files.py: binary, NUL, bad encodings, CR/CRLF, tabs, 100-deep brackets,
  1000-deep brackets, a 10 MB line, a 50 MB file, ...) for N and 4N. Linear cost means the 4N
  tree takes about 4x the N tree (and not 16x).
* ``large``: four files of one 4.7 MB list literal (CPython's parser needs ~0.7 GB for each) among
  small ones, with two workers: peak memory of all processes stays about one such parse.
* ``scale``: a generated tree of ``--modules`` package modules (default 100,000; small files), once
  at that size and once at a quarter of it: time should grow linearly and peak memory of all
  processes together stay under 2 GB.

Usage:
    .venv/bin/python benchmarks/robustness.py hostile [--copies 4]
    .venv/bin/python benchmarks/robustness.py large [--jobs 2]
    .venv/bin/python benchmarks/robustness.py scale [--modules 100000] [--jobs 2] [--full-only]
Trees live under benchmarks/.work/ (gitignored).
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from run import archguard_cmd, measure  # noqa: E402  (benchmarks/run.py: one way to measure)


def _hostile_tree(folder: Path, copies: int) -> int:
    from tests.test_hostile_files import HOSTILE_FILES

    if folder.exists():
        shutil.rmtree(folder)
    count = 0
    for n in range(copies):
        for relative, content in HOSTILE_FILES.items():
            path = folder / f"copy{n}" / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)
            count += 1
    return count


def bench_hostile(work: Path, copies: int) -> None:
    rows = []
    for n in (copies, copies * 4):
        tree = work / f"hostile-x{n}"
        files = _hostile_tree(tree, n)
        run = measure([*archguard_cmd(), "scan", str(tree), "--no-cache", "-q", "--json", str(work / "robustness.json")], cwd=work)
        rows.append((n, files, run))
        print(f"  hostile x{n:<3} {files:>5} files  {run.wall_s:6.2f} s  {run.tree_mem_mb:6.0f} MB  exit {run.exit_code}",
              flush=True)
    (n1, _, r1), (n2, _, r2) = rows
    print(f"  time ratio for {n2 // n1}x the files: {r2.wall_s / r1.wall_s:.2f}x (linear: {n2 // n1}x)")


def bench_large(work: Path, count: int, jobs: int) -> None:
    """COUNT files of one 4.7 MB list literal each, among 300 small ones (so the worker pool runs):
    peak memory of all processes together should be about one such parse, not JOBS of them."""
    tree = work / f"large-{count}"
    if not tree.exists():
        literal = "DATA = [" + ", ".join(str(i) for i in range(600_000)) + "]\n"
        (tree / "app").mkdir(parents=True)
        (tree / "app" / "__init__.py").write_text("")
        for i in range(300):
            (tree / "app" / f"small{i}.py").write_text(f"import app.small{(i + 1) % 300}\n")
        for i in range(count):
            (tree / "app" / f"data{i}.py").write_text(literal)
    run = measure([*archguard_cmd(), "scan", str(tree), "--no-cache", "-q", "--jobs", str(jobs),
                   "--json", str(work / "robustness.json")], cwd=work)
    print(f"  large x{count} (4.7 MB list literals), --jobs {jobs}  {run.wall_s:6.1f} s"
          f"  peak {run.tree_mem_mb:6.0f} MB (all processes)  exit {run.exit_code}", flush=True)


def _scale_tree(work: Path, modules: int) -> Path:
    tree = work / f"scale-{modules}"
    if not (tree / "manifest.json").exists():
        import subprocess

        subprocess.run([sys.executable, str(HERE / "generate_tree.py"), str(tree), "--force",
                        "--modules", str(modules), "--tests", str(modules // 10), "--scripts", "100",
                        "--root-scripts", "100", "--backups", "0", "--size-mb", str(modules * 0.004),
                        "--packages", "12"], check=True)
    return tree


def bench_scale(work: Path, modules: int, jobs: int, full_only: bool = False) -> None:
    for count in (modules,) if full_only else (modules // 4, modules):
        tree = _scale_tree(work, count)
        run = measure([*archguard_cmd(), "scan", str(tree), "--no-cache", "-q", "--jobs", str(jobs),
                       "--json", str(work / f"scale-{count}.json")], cwd=work)
        # CPU seconds of the whole process tree: unlike wall time, comparable between runs on a
        # machine shared with other work (GNU time only; "n/a" without it)
        cpu = f"{run.cpu_s:7.1f} CPU s ({run.cpu_s / count * 1000:.2f} ms a module)" if run.cpu_s else "CPU n/a"
        print(f"  scale {count:>7} modules  {run.wall_s:7.1f} s  {cpu}  peak {run.tree_mem_mb:6.0f} MB (all processes)"
              f"  largest process {run.max_rss_mb:6.0f} MB  exit {run.exit_code}", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("what", choices=["hostile", "large", "scale"])
    ap.add_argument("--copies", type=int, default=4, help="hostile: copies of each file kind in the small tree")
    ap.add_argument("--modules", type=int, default=100_000, help="scale: package modules in the big tree")
    ap.add_argument("--full-only", action="store_true",
                    help="scale: only the --modules tree (the quarter-size figure is already known)")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--work", type=Path, default=HERE / ".work")
    args = ap.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    if args.what == "hostile":
        bench_hostile(args.work, args.copies)
    elif args.what == "large":
        bench_large(args.work, 4, args.jobs)
    else:
        bench_scale(args.work, args.modules, args.jobs, args.full_only)


if __name__ == "__main__":
    main()
