#!/usr/bin/env python3
"""What an interface contract adds to ``check`` on the generated tree (issue 27's targets).

    python benchmarks/interface_contracts.py                # full size (~10,600 files)
    python benchmarks/interface_contracts.py --scale 0.1    # quick
    python benchmarks/interface_contracts.py --repeat 9

Two measurements, each alternating the run without and the run with the contract, in the same
process of measuring, so a loaded machine slows both alike (``uptime``'s load is printed beside):

* **warm check** (target: at most +10%): ``archguard check TREE --contracts DIR`` as a user runs
  it, the tree unchanged since the last run, once with the tree's own ``contracts/`` and once with
  the same folder plus ``[[interface]]`` tables; each set keeps its results in a cache folder of
  its own (the results cache holds one run per folder).
* **cold analysis** (target: at most +0.2 s): what a cold ``check`` derives after parsing: a fresh
  :class:`~archguard.app.engine.Engine` over the parsed tree that keeps nothing, its whole
  derivation timed (the scan's per-file part and the check passes: the engine derives both in one
  pass over the files), without and with the interface contract.
  The facts are decoded once beforehand: parsing is the same for both and is not what is measured.

Both are timed in wall time and in CPU time (the check's process; the analysis's own process),
and the targets are read on CPU time: on a machine shared with other work the wall time of a
one-second run swings by tens of percent from run to run, its CPU time by a few.

Three contract sets, each beside the tree's own concept contract, chosen by the analysis itself
from ``discover``'s interface candidates (packages that declare ``__all__`` and are reached into):

* **typical**: one contract on the median candidate (a subpackage reached a few hundred times);
* **worst**: one contract on the candidate reached into the most (a top-level package that the
  tree's ~3,000 loose tests reach into thousands of times: every one a finding);
* **every package**: one contract per top-level package (for scale; no target).

The targets are read on the first two. What a contract costs grows with its findings: each is a
``Violation`` built, fingerprinted and kept in the results cache like any other finding; a warm
check printing text reads the contract's block of text kept beside them, not the findings
(``domain/findings.Findings``), so what is left warm is reading (and checking) a bigger entry.
"""

from __future__ import annotations

import argparse
import copy
import gc
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(REPO))

from run import archguard_cmd, compile_archguard, ensure_tree  # noqa: E402

from archguard.adapters.cache.store import DiskStore  # noqa: E402
from archguard.analysis.interfaces import interface_candidates  # noqa: E402
from archguard.app import load_contracts, scan_workspace  # noqa: E402
from archguard.app.engine import Engine  # noqa: E402
from archguard.app.options import resolve  # noqa: E402
from archguard.app.preflight import Preflight  # noqa: E402
from archguard.domain.contracts import ContractSet, InterfaceContract  # noqa: E402


def load() -> str:
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


def contracts_folder(tree: Path, work: Path, key: str, packages: list[str]) -> Path:
    """The tree's own contracts folder, plus one ``[[interface]]`` per package."""
    folder = work / f"contracts-{key}"
    if folder.exists():
        shutil.rmtree(folder)
    shutil.copytree(tree / "contracts", folder)
    if packages:
        (folder / "interface.toml").write_text("\n".join(_table(p) for p in packages), encoding="utf-8")
    return folder


def _table(package: str) -> str:
    return f'[[interface]]\nname = "{package} interface"\npackage = "{package}"\n'


def time_check(tree: Path, contracts: Path) -> tuple[float, float]:
    """One ``check`` with this contracts folder and a cache folder of its own (the results cache
    keeps one run per folder: alternating contract sets in one folder would make every run cold).
    Returns its wall time and its CPU time (user + system): on a machine shared with other work the
    wall time of a one-second run swings by tens of percent, its CPU time by a few."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    run = subprocess.run(
        [*archguard_cmd(), "check", str(tree), "--contracts", str(contracts), "-q",
         "--cache-dir", str(contracts.with_name(contracts.name.replace("contracts-", "cache-")))],
        capture_output=True, text=True, check=False,
    )
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    # exit 1 is a check that found violations, or a Python that could not start archguard (a
    # console script of another version): only the first prints a summary
    if run.returncode not in (0, 1) or "contract" not in run.stdout:
        raise SystemExit(f"check failed: {run.stderr[-2000:]}")
    return elapsed, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def fresh_engine(workspace, contracts: ContractSet) -> Engine:
    """An engine over the scan's tree (its facts decoded already) that keeps nothing and knows no
    earlier state: its results are derived in full, with these contracts."""
    tree = copy.copy(workspace.engine.tree)
    tree.store = DiskStore(None)
    preflight = Preflight(workspace.engine.options)
    preflight.contracts = contracts
    return Engine(tree, checking=True, started=time.perf_counter(), preflight=preflight)


def time_analysis(workspace, contracts: ContractSet) -> tuple[float, float, int]:
    """The whole derivation of a check (the scan's per-file part included: the engine derives both
    in one pass over the files), compared between contract sets."""
    engine = fresh_engine(workspace, contracts)
    gc.collect()  # the previous set's engine is garbage now: not this set's cost
    gc.disable()  # as the CLI runs (adapters/gc_policy.py)
    try:
        started, cpu = time.perf_counter(), time.process_time()
        result = engine.results()
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    finally:
        gc.enable()
    return elapsed, cpu, sum(1 for v in result.violations if v.code.startswith("AG5"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--work", type=Path, default=HERE / ".work")
    parser.add_argument("--phases", action="store_true",
                        help="after the table: where a warm check's time goes, without and with each contract set")
    args = parser.parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    compile_archguard()
    tree, _, manifest = ensure_tree(args.work, args.scale, args.seed, regen=False)
    print(f"load before: {load()}")

    # One cold fill of the facts cache, copied for each contract set (its results are then derived
    # by the first check of each set, before the measured runs).
    first = args.work / "cache-without"
    options = resolve("check", tree, {"cache_dir": first}).options  # as the CLI resolves them
    workspace = scan_workspace(options)
    facts = workspace.scan.facts
    for file in workspace.scan.files:  # decode every file's facts now: parsing is not measured
        facts.get(file.path)
    candidates = interface_candidates(workspace.table, workspace.scan.files, facts)
    typical = candidates[len(candidates) // 2]
    sets = {
        "without": [],
        "typical": [typical.package],
        "worst": [candidates[0].package],
        "every package": [c.package for c in candidates if "." not in c.package],
    }
    print(
        f"{len(workspace.scan.files)} files; {len(candidates)} packages declare __all__ and are reached into; "
        f"typical: {typical.package} ({typical.breaks} reach-ins), worst: {candidates[0].package} "
        f"({candidates[0].breaks}), every package: {len(sets['every package'])} contracts"
    )
    base = load_contracts(options, tree)
    folders = {key: contracts_folder(tree, args.work, key.replace(" ", "-"), packages) for key, packages in sets.items()}
    contract_sets = {
        key: ContractSet(base.concepts, tuple(InterfaceContract(f"{p} interface", p) for p in packages))
        for key, packages in sets.items()
    }

    for key, folder in folders.items():  # warm: fill every set's results first, then alternate
        cache = folder.with_name(folder.name.replace("contracts-", "cache-"))
        if cache != first and not cache.exists():
            shutil.copytree(first, cache)
        time_check(tree, folder)
    warm: dict[str, list[float]] = {key: [] for key in sets}
    warm_cpu: dict[str, list[float]] = {key: [] for key in sets}
    cold_cpu: dict[str, list[float]] = {key: [] for key in sets}
    cold: dict[str, list[float]] = {key: [] for key in sets}
    found: dict[str, int] = {}
    keys = list(sets)
    for round_ in range(args.repeat):
        # each round starts with another set: the first run after the cold analyses is slower, and
        # a fixed order put that on "without" every time (typical read 5-10% *below* without)
        order = keys[round_ % len(keys):] + keys[: round_ % len(keys)]
        for key in order:
            wall, cpu = time_check(tree, folders[key])
            warm[key].append(wall)
            warm_cpu[key].append(cpu)
        for key in order:
            seconds, cpu, found[key] = time_analysis(workspace, contract_sets[key])
            cold[key].append(seconds)
            cold_cpu[key].append(cpu)
    print(f"load after: {load()}")

    def median(of: dict[str, list[float]], key: str) -> float:
        return statistics.median(of[key])

    print(f"\nmedians of {args.repeat}, alternating (scale {args.scale:g}, {manifest['files']} files)")
    print(f"{'contracts':<14} {'findings':>8} | {'warm wall':>9} {'':>7} {'warm CPU':>8} {'':>7}"
          f" | {'cold wall':>9} {'':>7} {'cold CPU':>8} {'':>7}")
    ok = True
    for key in sets:
        w, u = median(warm, key), median(warm_cpu, key)
        c, k = median(cold, key), median(cold_cpu, key)
        w0, u0 = median(warm, "without"), median(warm_cpu, "without")
        c0, k0 = median(cold, "without"), median(cold_cpu, "without")
        print(f"{key:<14} {found[key]:>8} | {w:>8.3f}s {(w / w0 - 1) * 100:>+6.1f}% {u:>7.3f}s {(u / u0 - 1) * 100:>+6.1f}%"
              f" | {c:>8.3f}s {c - c0:>+6.3f}s {k:>7.3f}s {k - k0:>+6.3f}s")
        if key in ("typical", "worst"):
            ok &= u <= u0 * 1.10 and k - k0 <= 0.2
    print("targets (warm CPU <= +10%, cold analysis CPU <= +0.2 s, typical and worst):", "met" if ok else "MISSED")
    print("(targets are read on CPU time, which a shared machine's load barely moves; the wall columns agree on a quiet one)")
    if args.phases:
        warm_phases(tree, folders, args.repeat)
    return 0 if ok else 1


PHASES = """
import gc, sys, time
from pathlib import Path
gc.disable()  # as the CLI runs
from archguard.app import open_engine
from archguard.app.options import resolve
from archguard.reporting import render_check_as
tree, contracts, cache = map(Path, sys.argv[1:4])
options = resolve("check", tree, {"cache_dir": cache, "contracts": contracts}).options
engine = open_engine(options)
engine.scan_result()  # the tree's own part, the same with or without a contract
clock = time.process_time
t0 = clock(); outcome = engine._check_outcome()  # the results cache read (its findings decoded when read)
t1 = clock(); result = engine.results()
t2 = clock(); text = render_check_as(result, "text", tool_version="x"); result.failed
t3 = clock(); del result, outcome, text, engine
t4 = clock()
print(t1 - t0, t2 - t1, t3 - t2, t4 - t3)
"""


def warm_phases(tree: Path, folders: dict[str, Path], repeat: int) -> None:
    """A warm check's own steps in a process of its own each (CPU, the best of ``repeat``, the
    sets alternating): the results cache read (its findings are decoded by whichever step first
    reads them one by one: none, for a text report from the kept text), ``results()``, the text
    report with its exit code, and freeing it all; what a contract adds is the difference from
    "without"."""
    names = ("cache read", "results()", "text report", "freeing")
    best: dict[str, list[float]] = {key: [float("inf")] * len(names) for key in folders}
    for _ in range(repeat):
        for key, folder in folders.items():
            cache = folder.with_name(folder.name.replace("contracts-", "cache-"))
            run = subprocess.run([sys.executable, "-c", PHASES, str(tree), str(folder), str(cache)],
                                 capture_output=True, text=True, check=True)
            best[key] = [min(b, float(x)) for b, x in zip(best[key], run.stdout.split(), strict=True)]
    print(f"\nwarm check, in process (ms CPU, best of {repeat}; load now {load()})")
    print(f"{'contracts':<14} " + " ".join(f"{n:>17}" for n in names) + f" {'sum':>7} {'vs without':>10}")
    zero = sum(best["without"])
    for key, times in best.items():
        print(f"{key:<14} " + " ".join(f"{t * 1000:>17.1f}" for t in times)
              + f" {sum(times) * 1000:>7.1f} {(sum(times) - zero) * 1000:>+10.1f}")


if __name__ == "__main__":
    raise SystemExit(main())
