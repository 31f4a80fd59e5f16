"""Warm (or, with ``--cold``, cold) check and discover of this checkout against another archguard (a
reference checkout, e.g. a worktree at an earlier commit), in the same time window: runs alternate
A, B, B, A, ... so both sides see the same load.

Each side runs ``python -m archguard`` with its own interpreter and its own sources first on
``PYTHONPATH``, on its own copy of the generated tree (``benchmarks/generate_tree.py``), with its own
cache, as a git checkout (every file committed: the path CI takes, where the warm start asks git)
and as a plain folder (what ``run.py`` measures). Reported per row: the median CPU time (user +
system, the process and its children: git included) and wall time over ``--repeat`` runs, and
their ratio to the reference. CPU is the figure to compare on a shared machine; wall is printed
beside it with the load.

``--cold``: each run starts without a cache (its folder removed before every run, no warm-up runs):
the cold check, every file read and parsed. ``--jobs N`` is passed on (``--jobs 1``: no worker
processes, the analysis alone).

    .venv/bin/python benchmarks/warm_ab.py --reference ../before --scale 0.3 --repeat 10
    .venv/bin/python benchmarks/warm_ab.py --reference ../before --cold --commands check --trees plain --repeat 7
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from run import REPO, ensure_git_checkout, ensure_tree

HERE = Path(__file__).resolve().parent


def _side_env(sources: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "PYTHONPATH")}
    env["PYTHONPATH"] = str(sources)
    return env


def _compile(python: str, sources: Path) -> None:
    subprocess.run([python, "-m", "compileall", "-q", str(sources / "archguard")], check=True,
                   env=_side_env(sources), stdout=subprocess.DEVNULL)


def _run(python: str, sources: Path, argv: list[str]) -> tuple[float, float]:
    """(CPU seconds of the process and its children, wall seconds) of one run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run([python, "-m", "archguard", *argv], env=_side_env(sources), cwd=HERE,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode not in (0, 1):
        raise SystemExit(f"{python} -m archguard {' '.join(argv)}: exit {done.returncode}\n{done.stderr.decode()[-2000:]}")
    return after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime, wall


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--reference", type=Path, required=True, help="the archguard checkout to compare with")
    ap.add_argument("--reference-python", help="its interpreter (default: REFERENCE/.venv/bin/python)")
    ap.add_argument("--scale", type=float, default=0.3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--repeat", type=int, default=10)
    ap.add_argument("--work", type=Path, default=HERE / ".work" / "ab")
    ap.add_argument("--commands", default="check,discover")
    ap.add_argument("--trees", default="git,plain", help="git (a checkout), plain (a folder), or both")
    ap.add_argument("--cold", action="store_true", help="no cache: its folder removed before every run")
    ap.add_argument("--jobs", type=int, help="passed on to archguard (default: its own)")
    args = ap.parse_args(argv)
    warmups = 0 if args.cold else 2  # warm: the cache filled, the index settled
    mode = "cold" if args.cold else "warm"
    extra = ["--jobs", str(args.jobs)] if args.jobs is not None else []
    reference = args.reference.resolve()
    sides = {
        "this": (sys.executable, REPO),
        "reference": (args.reference_python or str(reference / ".venv" / "bin" / "python"), reference),
    }
    args.work.mkdir(parents=True, exist_ok=True)
    tree, _, manifest = ensure_tree(args.work, args.scale, args.seed, regen=False)
    for python, sources in sides.values():
        _compile(python, sources)
    print("| command | tree | side | CPU s: median (min-max) | wall s: median | CPU ratio | load |")
    print("|---|---|---|---|---|---|---|")
    for kind in args.trees.split(","):
        trees = {}
        for name in sides:
            copy = args.work / f"{tree.name}-{name}-{kind}"
            if kind == "git":
                trees[name] = ensure_git_checkout(tree, args.work / f"{name}-copies", manifest)
            else:
                if not copy.exists():
                    shutil.copytree(tree, copy)
                trees[name] = copy
        for command in args.commands.split(","):
            times: dict[str, list[tuple[float, float]]] = {name: [] for name in sides}
            loads: list[float] = []  # the 1-minute load after each run
            order = list(sides)
            for i in range(args.repeat + warmups):
                for name in order if i % 2 == 0 else order[::-1]:
                    python, sources = sides[name]
                    cache = args.work / "cache" / f"{name}-{kind}-{command}"
                    if args.cold:
                        shutil.rmtree(cache, ignore_errors=True)
                    out = args.work / f"{name}-{kind}-{command}.json"
                    measured = _run(python, sources, [command, str(trees[name]), "--cache-dir", str(cache),
                                                      "--json", str(out), "-q", *extra])
                    if i >= warmups:
                        times[name].append(measured)
                        loads.append(os.getloadavg()[0])
            load = f"{min(loads):.1f}-{max(loads):.1f}"
            base = statistics.median(c for c, _ in times["reference"])
            for name in sides:
                cpus = [c for c, _ in times[name]]
                cpu = statistics.median(cpus)
                wall = statistics.median(w for _, w in times[name])
                print(f"| {command} ({mode}{', --jobs ' + str(args.jobs) if extra else ''}) | {kind} | {name} | {cpu:.3f} ({min(cpus):.3f}-{max(cpus):.3f}) | "
                      f"{wall:.3f} | {cpu / base:.2f}x | {load} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
