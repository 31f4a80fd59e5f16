#!/usr/bin/env python3
"""The report's page on the generated 10,000-file tree: its size, and how soon it is interactive in
Chromium; and how soon a bad contract field ends a cold run.

    python benchmarks/report_page.py                  # full size (~10,600 files)
    python benchmarks/report_page.py --scale 0.1      # quick
    python benchmarks/report_page.py --loads 9        # more page loads (the median is reported)

Targets (issue 28):
- ``index.html`` at most 5 MB on the seed-sized tree (one self-contained file: tables, the
  dependency matrix, the explorer's data and script, the diagrams);
- interactive within 2 s of opening in Chromium: ``navigationStart`` to ``<body data-ready>``,
  which the page's script sets once the tables, their filters and the matrix answer clicks; the
  explorer is built when the reader comes near it, and its own time (scrolled to, until
  ``#explorer[data-ready]``) is reported beside it;
- a misspelt field in a contract file is exit 2 within a second on a cold tree (no scan: the
  configuration is checked before any file is parsed), shown beside a cold ``archguard check``
  and ``lint-imports`` on the same tree in the same run; its CPU seconds are printed too, since a
  loaded machine inflates the wall time of even Python's start-up.

Chromium is Debian's (``apt-get install chromium``), driven through Playwright (the test extra).
Print ``uptime``'s load average with the figures: page loads are wall-clock times.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from run import archguard_cmd, compile_archguard, ensure_tree, lint_imports_cmd  # noqa: E402

SIZE_LIMIT = 5 * 1024 * 1024
READY_LIMIT_S = 2.0
BAD_FIELD_LIMIT_S = 1.0


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def timed(
    cmd: list[str], cwd: Path, ok: tuple[int, ...]
) -> tuple[float, float, subprocess.CompletedProcess[str]]:
    """Wall seconds of one run, its CPU seconds (what a loaded machine does not inflate), the run."""
    started, before = time.perf_counter(), os.times()
    run = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=1800)
    elapsed, after = time.perf_counter() - started, os.times()
    cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
    if run.returncode not in ok:
        raise SystemExit(f"{' '.join(cmd)} exited {run.returncode}: {run.stderr[-2000:]}")
    return elapsed, cpu, run


def page_loads(index: Path, loads: int) -> list[tuple[float, float]]:
    """(seconds to <body data-ready>, seconds to build the explorer once scrolled to) per load,
    each in a fresh page of one headless Chromium."""
    from playwright.sync_api import sync_playwright

    program = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if program is None:
        raise SystemExit("Chromium is not installed (apt-get install chromium)")
    results = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=program, args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
        )
        for _ in range(loads):
            page = browser.new_page(viewport={"width": 1366, "height": 900})
            page.goto(index.as_uri())
            page.wait_for_selector("body[data-ready]", timeout=120_000)
            ready = float(page.get_attribute("body", "data-ready")) / 1000  # ms since navigation start
            started = page.evaluate("performance.now()")
            page.locator("#explorer").scroll_into_view_if_needed()
            page.wait_for_selector("#explorer[data-ready]", timeout=120_000)
            explorer = (float(page.get_attribute("#explorer", "data-ready")) - started) / 1000
            results.append((ready, explorer))
            page.close()
        browser.close()
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--loads", type=int, default=5, help="page loads (median reported)")
    parser.add_argument("--work", type=Path, default=HERE / ".work")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    tree, clean, _ = ensure_tree(args.work, args.scale, args.seed, regen=False)
    compile_archguard()
    archguard = archguard_cmd()
    out = args.work / "report-page"
    cache = args.work / "report-page-cache"
    print(f"tree: {tree}; load average {load_average()}")

    # The report (twice: from no cache, then warm, as in CI with a restored cache).
    if cache.exists():
        shutil.rmtree(cache)
    for attempt in ("cold", "warm"):
        elapsed, _, _ = timed(
            [*archguard, "report", str(tree), "--out", str(out), "--cache-dir", str(cache), "-q"],
            tree,
            (0, 1),
        )
        print(f"archguard report ({attempt}): {elapsed:.2f} s (load {load_average()})")
    index = out / "index.html"
    size = index.stat().st_size
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    print(
        f"index.html: {size / 1e6:.2f} MB ({size} bytes; limit {SIZE_LIMIT / 1e6:.2f} MB); "
        f"{report['summary']['files']} files, {len(report['violations'])} violations, "
        f"{len(report['clusters'])} clusters, {len(report['import_graph']['edges'])} module imports, "
        f"{len(report['dsm']['groups'])} matrix groups"
    )

    loads = page_loads(index, args.loads)
    ready = statistics.median(r for r, _ in loads)
    explorer = statistics.median(e for _, e in loads)
    print(
        f"interactive (body[data-ready]): median {ready:.2f} s, min {min(r for r, _ in loads):.2f} s "
        f"of {args.loads} loads (limit {READY_LIMIT_S:.1f} s); explorer built when scrolled to: median "
        f"{explorer:.2f} s (load {load_average()})"
    )

    # A misspelt contract field on the cold tree: exit 2, no scan.
    broken = args.work / "report-page-bad-contract"
    if broken.exists():
        shutil.rmtree(broken)
    shutil.copytree(tree / "contracts", broken)
    first = next(broken.glob("*.toml"))
    first.write_text(
        first.read_text(encoding="utf-8").replace("canonical =", "canonicl =", 1), encoding="utf-8"
    )
    bad, bad_cpu, run = timed(
        [*archguard, "check", str(tree), "--contracts", str(broken), "--no-cache", "-q"], tree, (2,)
    )
    cold, cold_cpu, _ = timed([*archguard, "check", str(tree), "--no-cache", "-q"], tree, (0, 1))
    lint, _, _ = timed([*lint_imports_cmd(), "--no-cache"], clean, (0, 1))
    print(
        f"bad contract field: exit 2 after {bad:.2f} s, {bad_cpu:.2f} s CPU (limit {BAD_FIELD_LIMIT_S:.1f} s): "
        f"{run.stderr.strip()[:120]}"
    )
    print(
        f"  beside: archguard check cold {cold:.2f} s ({cold_cpu:.1f} s CPU), lint-imports --no-cache "
        f"{lint:.2f} s (load {load_average()})"
    )

    failures = []
    if size > SIZE_LIMIT:
        failures.append(f"index.html is {size / 1e6:.2f} MB")
    if ready > READY_LIMIT_S:
        failures.append(f"interactive after {ready:.2f} s")
    if bad > BAD_FIELD_LIMIT_S:
        failures.append(f"a bad field took {bad:.2f} s ({bad_cpu:.2f} s CPU)")
    print("targets: " + ("all met" if not failures else "NOT met: " + "; ".join(failures)))
    return 0 if not failures else 1


if __name__ == "__main__":
    sys.exit(main())
