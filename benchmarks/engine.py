#!/usr/bin/env python3
"""Benchmark the incremental engine (issue 23) on the generated tree in a git checkout, against
``lint-imports --no-cache`` measured in the same run.

    python benchmarks/engine.py --scale 0.1 --repeat 2      # quick
    python benchmarks/engine.py                             # the ~10,600-file tree (the targets)

Rows (see benchmarks/README.md, "The engine"):

* ``lint-imports (no cache)``: the denominator, on the clean copy (run.py's).
* ``check, hub edited``: ``archguard check`` after a new module-level name (nobody imports it) is
  added to the hub module ~1,300 files import (``generate_tree.py --hub-rate``), before each run.
* ``check --changed, hub edited``: the same with ``--changed``.
* ``clone + restored cache + check``: ``git clone`` of the checkout, the cache of a warm run on the
  checkout copied in, ``archguard check`` started at once (as a CI job does; the clone is not
  timed).
* in process (an ``Engine`` kept in memory, as the editor keeps it): ``update()`` + ``results()``
  after each of N random one-file edits that change no import edge (hub included), p50 and p95;
  and after edits that add, then remove, an import. The cyclic garbage collector runs as in the
  language server (on; what the engine holds after opening, and what survives a full collection,
  kept out of its sight: ``adapters/gc_policy.py``).

Wall time of real subprocesses (run.py's measurement) for the command rows; ``time.perf_counter``
around ``update`` + ``results`` for the in-process rows. The load average is printed with every row:
the machine may be shared, and only ratios measured in the same run mean anything.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import ratchet  # noqa: E402
import run  # noqa: E402


def load() -> str:
    return "load %.1f" % os.getloadavg()[0]


class HubEdit:
    """A new module-level name at the end of the hub before each run (nobody imports it)."""

    def __init__(self, repo: Path, relative: str) -> None:
        self.path = repo / relative
        self.original = self.path.read_bytes()
        self.count = 0

    def next(self) -> None:
        self.count += 1
        self.path.write_bytes(self.original + f"\nHUB_NAME_{self.count} = {self.count}\n".encode())

    def restore(self) -> None:
        self.path.write_bytes(self.original)


def command_rows(args: argparse.Namespace, repo: Path, clean: Path, hub: str, work: Path, label: str) -> list[run.Row]:
    ag = run.archguard_cmd()
    cache = work / "cache" / f"engine-{label}"
    shutil.rmtree(cache, ignore_errors=True)
    check = ag + ["check", str(repo), "--cache-dir", str(cache), "-q"]
    run.measure(check, run.REPO)  # cold: fills the cache
    run.measure(check, run.REPO)  # and the warm-start record
    rows = [run.bench_lint_imports(clean, label, work, args.repeat)[0]]
    rows[0].note = load()
    edit = HubEdit(repo, hub)
    try:
        rows.append(run.run_row(run.Row("check, hub edited", label), check, run.REPO, (0, 1), args.repeat,
                                before_each=edit.next))
        rows[-1].note = f"new name in {hub}; {load()}"
        rows.append(run.run_row(run.Row("check --changed, hub edited", label), check + ["--changed"], run.REPO,
                                (0, 1), args.repeat, before_each=edit.next))
        rows[-1].note = load()
    finally:
        edit.restore()
    run.measure(check, run.REPO)  # the cache as the default branch's run leaves it

    clone = work / f"engine-clone-{label}"
    restored = work / "cache" / f"engine-restored-{label}"

    def fresh_clone() -> None:  # a CI job: a new clone, the cache restored, then check at once
        shutil.rmtree(clone, ignore_errors=True)
        subprocess.run(["git", "clone", "-q", str(repo), str(clone)], check=True, env=ratchet.GIT_ENV)
        subprocess.run(["git", "-C", str(clone), "checkout", "-q", "feature"], check=True, env=ratchet.GIT_ENV)
        shutil.rmtree(restored, ignore_errors=True)
        shutil.copytree(cache, restored)

    rows.append(run.run_row(run.Row("clone + restored cache + check", label),
                            ag + ["check", str(clone), "--cache-dir", str(restored), "-q"], run.REPO, (0, 1),
                            args.repeat, before_each=fresh_clone))
    rows[-1].note = f"check timed right after the clone; {load()}"
    return rows


def no_edge_edit(rng: random.Random, text: str, n: int) -> str:
    """One of the edits an editor makes all day, none of which adds or removes an import: a new
    module-level name at the end, a function inserted after the imports, a function body changed."""
    lines = text.split("\n")
    kind = rng.randrange(3)
    if kind == 0:
        return text + f"\nEDITED_{n} = {n}\n"
    last_import = max((i for i, line in enumerate(lines) if line.startswith(("import ", "from "))), default=0)
    if kind == 1:
        at = last_import + 1
        lines[at:at] = ["", f"def edited_{n}(value):", f"    return value * {n}", ""]
        return "\n".join(lines)
    bodies = [i for i, line in enumerate(lines) if line.startswith("    return ")]
    if not bodies:
        return text + f"\n# edited {n}\n"
    at = rng.choice(bodies)
    lines[at] = lines[at] + f"  # edited {n}"
    return "\n".join(lines)


def in_process_rows(
    args: argparse.Namespace, repo: Path, hub: str, work: Path, label: str, lint: float, lint_cpu: float
) -> list[str]:
    sys.path.insert(0, str(run.REPO))
    from archguard.adapters import gc_policy
    from archguard.app.engine import Engine
    from archguard.app.options import resolve

    cache = work / "cache" / f"engine-{label}"
    # the options `archguard check` resolves (the tree's [tool.archguard] excludes included), so the
    # engine continues from the command rows' cache
    options = resolve("check", repo, {"cache_dir": cache}).options
    # the collector as the language server runs it (adapters/gc_policy.py): on, what the engine
    # holds after the load settled out of its sight, and so is what survives a full collection
    gc_policy.on_for_a_long_lived_process()
    engine = Engine.open(None, options, keep=True)
    t0 = time.perf_counter()
    engine.results()
    opened = time.perf_counter() - t0
    gc_policy.settle_long_lived()
    t0 = time.perf_counter()
    engine.update({hub: (repo / hub).read_bytes() + b"\nWARMUP = 1\n"})
    engine.results()  # the first derivation builds the table and loads the state
    first = time.perf_counter() - t0
    rng = random.Random(args.seed)
    parsed = [f.path for f in engine.files if f.path in engine.facts]
    texts: dict[str, bytes] = {}
    times: list[float] = []
    cpu: list[float] = []
    rederived: list[int | None] = []
    chosen = [hub if i % 10 == 0 else rng.choice(parsed) for i in range(args.edits)]  # the hub every tenth
    for n, path in enumerate(chosen):
        text = texts.get(path) or (repo / path).read_bytes()
        new = no_edge_edit(rng, text.decode("utf-8"), n).encode()
        texts[path] = new
        start, start_cpu = time.perf_counter(), time.process_time()
        engine.update({path: new})
        engine.results()
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
        rederived.append(engine.rederived)
    times_ms = sorted(t * 1000 for t in times)
    cpu_ms = sorted(t * 1000 for t in cpu)
    p95 = times_ms[max(0, round(0.95 * len(times_ms)) - 1)]
    cpu_p95 = cpu_ms[max(0, round(0.95 * len(cpu_ms)) - 1)]
    lines = [
        f"| in process: open + first results (warm cache) | {label} | {opened:.2f} | | | {load()} |",
        f"| in process: first edit (builds the table) | {label} | {first:.2f} | | | {load()} |",
        f"| in process: {args.edits} edits changing no import edge, p50 | {label} | "
        f"{statistics.median(times_ms) / 1000:.3f} | | {statistics.median(cpu_ms) / 1000:.3f} | files derived again: median "
        f"{statistics.median([r for r in rederived if r is not None] or [0])}, "
        f"{sum(r is None for r in rederived)} full; {load()} |",
        f"| in process: same, **p95** (target ≤ 0.100 s) | {label} | {p95 / 1000:.3f} | | {cpu_p95 / 1000:.3f} | {load()} |",
    ]
    # an edit that adds an import, then the one that removes it again: the graph is updated
    # with add_import/remove_import and the import-linter contracts run again
    modules = sorted({f.module for f in engine.files if not f.loose})
    edge_times, edge_cpu = [], []
    for n in range(args.repeat):
        path = rng.choice(parsed)
        text = texts.get(path) or (repo / path).read_bytes()
        added = text + f"\nimport {rng.choice(modules)}\n".encode()
        for new in (added, text):
            start, start_cpu = time.perf_counter(), time.process_time()
            engine.update({path: new})
            engine.results()
            edge_times.append(time.perf_counter() - start)
            edge_cpu.append(time.process_time() - start_cpu)
        texts[path] = text
    median = statistics.median(edge_times)
    lines.append(
        f"| in process: an import added or removed, median of {len(edge_times)} | {label} | {median:.2f} | "
        f"{median / lint:.2f}x (target ≤ 0.3x) | {statistics.median(edge_cpu):.2f} "
        f"({statistics.median(edge_cpu) / lint_cpu:.2f}x) | {load()} |"
    )
    return lines


def cpu_of(row: run.Row) -> float | None:
    """Median CPU seconds (user + system, the process and its children) of a row's runs: on a
    shared machine the least disturbed figure (a process waiting for a core uses none)."""
    found = [r.cpu_s for r in row.runs if r.cpu_s is not None]
    return statistics.median(found) if found and not row.error else None


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--edits", type=int, default=50, help="random edits for the in-process rows")
    ap.add_argument("--work", type=Path, default=HERE / ".work")
    ap.add_argument("--skip-commands", action="store_true", help="only the in-process rows (lint-imports still runs)")
    ap.add_argument("--skip-in-process", action="store_true", help="only the command rows")
    args = ap.parse_args(argv)
    run.compile_archguard()
    work = args.work.resolve()
    tree, clean, manifest = run.ensure_tree(work, args.scale, args.seed, regen=False)
    repo = ratchet.git_checkout_of(tree, work)
    label = f"s{args.scale:g}"
    hub = manifest["hub"]["path"]
    print(f"{label}: {manifest['files']} files; hub {hub} imported by {manifest['hub']['importers']} files; {load()}")
    if args.skip_commands:
        rows = [run.bench_lint_imports(clean, label, work, args.repeat)[0]]
        rows[0].note = load()
        ag = run.archguard_cmd()
        cache = work / "cache" / f"engine-{label}"
        run.measure(ag + ["check", str(repo), "--cache-dir", str(cache), "-q"], run.REPO)
    else:
        rows = command_rows(args, repo, clean, hub, work, label)
    base = rows[0].wall
    base_cpu = cpu_of(rows[0])
    print()
    print(
        "| row | tree | wall (s) | / lint-imports --no-cache | CPU s (/ lint-imports' CPU) | notes |\n"
        "|---|---|---|---|---|---|"
    )
    for row in rows:
        ratio = f"{row.wall / base:.2f}x" if row.wall and base else "-"
        cpu = cpu_of(row)
        cpu_text = f"{cpu:.2f} ({cpu / base_cpu:.2f}x)" if cpu and base_cpu else "-"
        print(f"| {row.label} | {label} | {run.fmt(row.wall)} | {ratio} | {cpu_text} | {row.error or row.note} |")
    if not args.skip_in_process:
        for line in in_process_rows(args, repo, hub, work, label, base or float("nan"), base_cpu or float("nan")):
            print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
