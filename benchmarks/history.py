"""history and diff on a real repository with a long history (benchmarks/README.md, "History and diff").

Measures, in one run, on a clone of REPO (a working tree at its HEAD):

- one cold ``check`` (empty cache folder) of that commit, and grimp.build_graph for reference;
- ``history --max-count N`` over the last N first-parent commits, cold (its own empty cache);
- the same ``history`` again with that cache (the rows are read back);
- warm ``check`` (``--repeat`` times, the median counts), then ``diff --base HEAD~D --head HEAD``
  twice (the first against a base never seen: nothing of it in the check's cache; the second reads
  both sides back), then ``diff --base HEAD~D`` twice with diff's own entry removed first (the head
  is the working tree, as in the GitHub Action);
- each command's peak memory (max RSS of its process).

Targets (issue #26): history <= 3x cold check; second run <= 0.1x the first; diff <= 1.5x warm
check; history's peak memory <= 1.5x one check's.

    .venv/bin/python benchmarks/history.py --repo /path/to/a/git/repository --commits 200
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def archguard() -> list[str]:
    found = Path(sys.executable).with_name("archguard")
    return [str(found)] if found.exists() else [sys.executable, "-m", "archguard"]


def timed(argv: list[str], cwd: Path | None = None) -> tuple[float, float, int]:
    """(wall seconds, peak RSS in MB, exit code) of one process."""
    started = time.perf_counter()
    process = subprocess.Popen(argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode not in (0, 1):
        sys.stderr.write(process.stderr.read().decode(errors="replace") if process.stderr else "")
    return wall, usage.ru_maxrss / 1024, process.returncode


def load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repo", required=True, help="a git repository (bare or not) with a long history")
    parser.add_argument("--commits", type=int, default=200)
    parser.add_argument("--diff-distance", type=int, default=50)
    parser.add_argument("--work", type=Path, default=HERE / ".work" / "history")
    parser.add_argument("--jobs", type=int, default=None)
    parser.add_argument(
        "--root", default=".", help="ROOT inside the clone (spack-packages: repos/spack_repo)"
    )
    parser.add_argument(
        "--diff-only",
        action="store_true",
        help="skip grimp and history: the checks and the diffs only (diff's target, measured quickly)",
    )
    parser.add_argument("--repeat", type=int, default=3, help="warm checks to take the median of (default 3)")
    args = parser.parse_args()

    work = args.work.resolve()
    clone = work / "clone"
    if not clone.exists():
        work.mkdir(parents=True, exist_ok=True)
        subprocess.run(["git", "clone", "-q", args.repo, str(clone)], check=True)
    root = clone / args.root
    files = subprocess.run(
        ["git", "-C", str(root), "ls-files", "*.py"], capture_output=True, text=True, check=True
    )
    depth = subprocess.run(
        ["git", "-C", str(clone), "rev-list", "--first-parent", "--count", "HEAD"],
        capture_output=True,
        text=True,
    ).stdout.strip()
    head = subprocess.run(
        ["git", "-C", str(clone), "log", "-1", "--format=%H %cI"], capture_output=True, text=True
    )
    print(f"repository: {args.repo} at {head.stdout.strip()}")
    print(f"tree: {len(files.stdout.splitlines())} .py files under {args.root}; {depth} first-parent commits")
    jobs = ["--jobs", str(args.jobs)] if args.jobs else []
    ag = archguard()

    def cache(name: str) -> Path:
        folder = work / f"cache-{name}"
        shutil.rmtree(folder, ignore_errors=True)
        return folder

    rows: list[tuple[str, float, float, str]] = []

    def run(label: str, argv: list[str]) -> tuple[float, float]:
        before = load()
        wall, rss, code = timed(argv, cwd=root)
        rows.append((label, wall, rss, before))
        print(f"{label:<44} {wall:8.2f} s {rss:8.0f} MB  exit {code}  load {before}", flush=True)
        return wall, rss

    grimp_code = (
        "import grimp, sys; sys.setrecursionlimit(10000); "
        f"grimp.build_graph(*{json.dumps(_packages(root))}, cache_dir=None)"
    )
    if not args.diff_only:
        run("grimp.build_graph (reference)", [sys.executable, "-c", grimp_code])
    check_cache = cache("check")
    cold_check, check_rss = run(
        "check, cold", [*ag, "check", ".", "-q", "--cache-dir", str(check_cache), *jobs]
    )
    first = second = history_rss = 0.0
    history_cache = cache("history")
    history_argv = [
        *ag,
        "history",
        ".",
        "-q",
        "--max-count",
        str(args.commits),
        "--cache-dir",
        str(history_cache),
        *jobs,
    ]
    if not args.diff_only:
        first, history_rss = run(f"history of {args.commits} commits, cold", history_argv)
        second, _ = run(f"history of {args.commits} commits, again", history_argv)
    warm_checks = [
        run("check, warm", [*ag, "check", ".", "-q", "--cache-dir", str(check_cache), *jobs])[0]
        for _ in range(args.repeat)
    ]
    warm_check = sorted(warm_checks)[len(warm_checks) // 2]  # the median (the first is often slower)
    base = f"HEAD~{args.diff_distance}"
    diff_argv = [*ag, "diff", ".", "-q", "--base", base, "--cache-dir", str(check_cache), *jobs]
    commits_argv = [*diff_argv, "--head", "HEAD"]
    # between two commits, the form: the first diff finds neither side's structure stored
    # (a base it has never seen: a pull request's first push; what git's blobs of the base parse
    # to is not in the cache either), the next one reads both back (the pushes after)
    diff_commits, _ = run(f"diff {base}..HEAD, first (base never seen)", commits_argv)
    diff_commits_again, _ = run(f"diff {base}..HEAD, again", commits_argv)
    # the action's form: the head is the checked-out working tree (warm from check's cache);
    # diff's own entry removed first, so that the sides are not stored (the blobs' outcomes are)
    for kept in check_cache.rglob("results-diff-sides.bin"):
        kept.unlink()
    diff, _ = run(f"diff {base} (working tree head), sides not stored", diff_argv)
    diff_again, _ = run(f"diff {base} (working tree head), again", diff_argv)
    print()
    if not args.diff_only:
        print(f"history / cold check:        {first / cold_check:5.2f}  (target <= 3)")
        print(f"second history / first:      {second / first:5.3f}  (target <= 0.1)")
    print(
        f"diff / warm check (median of {len(warm_checks)}): both commits {diff_commits / warm_check:5.2f} first, "
        f"{diff_commits_again / warm_check:5.2f} again (target <= 1.5); working tree head "
        f"{diff / warm_check:5.2f} first, {diff_again / warm_check:5.2f} again"
    )
    if not args.diff_only:
        print(f"history peak RSS / check's:  {history_rss / check_rss:5.2f}  (target <= 1.5)")


def _packages(root: Path) -> list[str]:
    """Top-level packages (folders with __init__.py) of ROOT or ROOT/src, as grimp takes them."""
    found = []
    for base in (root, root / "src"):
        if base.is_dir():
            found += [p.name for p in base.iterdir() if (p / "__init__.py").is_file()]
    return sorted(set(found))


if __name__ == "__main__":
    main()
