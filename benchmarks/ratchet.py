#!/usr/bin/env python3
"""Benchmark the ratchet loop on the generated tree: ``check --changed`` with one file touched, and a
fresh copy of the tree (new inodes and mtimes) with the cache restored, against
``lint-imports --no-cache``.

    python benchmarks/ratchet.py --scale 0.1     # quick
    python benchmarks/ratchet.py                 # the 10,600-file tree

Reuses run.py's tree generation and measurement (wall time of a real subprocess, median of
--repeat). See benchmarks/README.md ("The ratchet loop") for what each row means.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import run  # noqa: E402

GIT_ENV = {**os.environ, "GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "bench@example.com",
           "GIT_COMMITTER_NAME": "bench", "GIT_COMMITTER_EMAIL": "bench@example.com"}


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, env=GIT_ENV)


def git_checkout_of(tree: Path, work: Path) -> Path:
    """The generated tree as a git repository: committed on main, then a branch to change."""
    repo = work / f"ratchet-{tree.name}"
    marker = repo / ".ratchet-of"
    stamp = (tree / "manifest.json").read_text()
    if marker.exists() and marker.read_text() == stamp:
        return repo
    shutil.rmtree(repo, ignore_errors=True)
    shutil.copytree(tree, repo)
    (repo / ".gitignore").write_text(".archguard_cache/\n.ratchet-of\n")
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "generated tree")
    git(repo, "checkout", "-qb", "feature")
    marker.write_text(stamp)
    return repo


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--work", type=Path, default=HERE / ".work")
    ap.add_argument("--no-pyc", action="store_true",
                    help="archguard rows without archguard's .pyc files: every process compiles its modules")
    args = ap.parse_args(argv)
    # As an installed archguard starts (run.compile_archguard); --no-pyc removes archguard's .pyc
    # files instead and keeps them from being written, so every archguard process compiles
    # archguard's modules (the standard library's and the other packages' .pyc stay).
    env = None
    if args.no_pyc:
        for cached in (run.REPO / "archguard").rglob("__pycache__"):
            shutil.rmtree(cached)
        env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    else:
        run.compile_archguard()
    work = args.work.resolve()
    tree, clean, _ = run.ensure_tree(work, args.scale, args.seed, regen=False)
    repo = git_checkout_of(tree, work)
    label = f"s{args.scale:g}"
    ag = run.archguard_cmd()
    cache = work / "cache" / f"ratchet-{label}"
    shutil.rmtree(cache, ignore_errors=True)
    check = ag + ["check", str(repo), "--cache-dir", str(cache), "-q"]
    run.measure(check, run.REPO, env)  # cold: fills the cache

    rows = [run.bench_lint_imports(clean, label, work, args.repeat)[0]]
    rows.append(run.run_row(run.Row("archguard check (warm)", label), check, run.REPO, (0, 1), args.repeat,
                            env=env))

    edited = run.EditOneFile(repo)
    relative = edited.path.relative_to(repo)
    with edited:
        rows.append(run.run_row(
            run.Row("check --changed, 1 file touched", label, note=f"touch {relative} (facts unchanged)"),
            check + ["--changed"], run.REPO, (0, 1), args.repeat,
            before_each=lambda: os.utime(edited.path), env=env))
        rows.append(run.run_row(
            run.Row("check --changed, 1 file edited", label, note=f"new module-level name in {relative}"),
            check + ["--changed"], run.REPO, (0, 1), args.repeat, before_each=edited.next, env=env))
    run.measure(check, run.REPO, env)  # the file is restored: warm the cache again for the copy below

    fresh = work / f"ratchet-fresh-{label}"
    shutil.rmtree(fresh, ignore_errors=True)
    # a new checkout: new inodes, new mtimes (copied without preserving times)
    shutil.copytree(repo, fresh, copy_function=shutil.copy, ignore=shutil.ignore_patterns(".git"))
    restored = work / "cache" / f"ratchet-restored-{label}"

    def restore_cache() -> None:  # as CI restores it: the cache the default branch's run left
        shutil.rmtree(restored, ignore_errors=True)
        shutil.copytree(cache, restored)

    rows.append(run.run_row(
        run.Row("check, fresh copy + restored cache", label, note="new inodes and mtimes; cache copied in"),
        ag + ["check", str(fresh), "--cache-dir", str(restored), "-q"], run.REPO, (0, 1), args.repeat,
        before_each=restore_cache, env=env))

    base = rows[0].wall
    print()
    print(f"| row | tree | wall (s) | / lint-imports --no-cache | notes |\n|---|---|---|---|---|")
    for row in rows:
        ratio = f"{row.wall / base:.2f}x" if row.wall and base else "-"
        print(f"| {row.label} | {label} | {run.fmt(row.wall)} | {ratio} | {row.error or row.note} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
