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
  :class:`~archguard.app.derivation.Derivation` with no results cache (its scan pass first, as a
  cold run makes it, untimed), then its check pass timed, without and with the interface contract.
  The facts are decoded once beforehand: parsing is the same for both and is not what is measured.

Three contract sets, each beside the tree's own concept contract, chosen by the analysis itself
from ``discover``'s interface candidates (packages that declare ``__all__`` and are reached into):

* **typical**: one contract on the median candidate (a subpackage reached a few hundred times);
* **worst**: one contract on the candidate reached into the most (a top-level package that the
  tree's ~3,000 loose tests reach into thousands of times: every one a finding);
* **every package**: one contract per top-level package (for scale; no target).

The targets are read on the first two. What a contract costs grows with its findings: each is a
``Violation`` built, fingerprinted and kept in the results cache like any other finding.
"""

from __future__ import annotations

import argparse
import os
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

from archguard.adapters.cache.results_cache import ResultsCache  # noqa: E402
from archguard.analysis.interfaces import interface_candidates  # noqa: E402
from archguard.app import load_contracts, scan_workspace  # noqa: E402
from archguard.app.derivation import Derivation  # noqa: E402
from archguard.app.options import resolve  # noqa: E402
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


def time_check(tree: Path, contracts: Path) -> float:
    """One ``check`` with this contracts folder and a cache folder of its own (the results cache
    keeps one run per folder: alternating contract sets in one folder would make every run cold)."""
    started = time.perf_counter()
    run = subprocess.run(
        [*archguard_cmd(), "check", str(tree), "--contracts", str(contracts), "-q",
         "--cache-dir", str(contracts.with_name(contracts.name.replace("contracts-", "cache-")))],
        capture_output=True, text=True, check=False,
    )
    elapsed = time.perf_counter() - started
    if run.returncode not in (0, 1):
        raise SystemExit(f"check failed: {run.stderr[-2000:]}")
    return elapsed


def fresh_derivation(workspace) -> Derivation:
    d = workspace.derivation
    return Derivation(
        ResultsCache(None), d.files, d.facts, None,
        native_modules=d.native_modules, stubs=d.stubs, target=(3, 15),
        packages=workspace.scan.packages, unreadable=[],
    )


def time_analysis(workspace, contracts: ContractSet) -> tuple[float, int]:
    derivation = fresh_derivation(workspace)
    _, dangling = derivation.scan_results()  # what a cold run derives first (untimed here)
    started = time.perf_counter()
    outcome = derivation.check_results(contracts, None, dangling)
    return time.perf_counter() - started, sum(1 for v in outcome.violations if v.code.startswith("AG5"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--work", type=Path, default=HERE / ".work")
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
    cold: dict[str, list[float]] = {key: [] for key in sets}
    found: dict[str, int] = {}
    for _ in range(args.repeat):
        for key, folder in folders.items():
            warm[key].append(time_check(tree, folder))
        for key, contracts in contract_sets.items():
            seconds, found[key] = time_analysis(workspace, contracts)
            cold[key].append(seconds)
    print(f"load after: {load()}")

    w0, c0 = statistics.median(warm["without"]), statistics.median(cold["without"])
    print(f"\nmedians of {args.repeat}, alternating (scale {args.scale:g}, {manifest['files']} files)")
    print(f"{'contracts':<15} {'findings':>8} {'warm check':>11} {'vs without':>10} {'cold analysis':>14} {'vs without':>10}")
    ok = True
    for key in sets:
        w, c = statistics.median(warm[key]), statistics.median(cold[key])
        print(f"{key:<15} {found[key]:>8} {w:>10.3f}s {(w / w0 - 1) * 100:>+9.1f}% {c:>13.3f}s {c - c0:>+9.3f}s")
        if key in ("typical", "worst"):
            ok &= w <= w0 * 1.10 and c - c0 <= 0.2
    print("targets (warm <= +10%, cold analysis <= +0.2 s, typical and worst):", "met" if ok else "MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
