#!/usr/bin/env python3
"""Benchmark archguard against grimp and import-linter on a generated drifted monorepo.

    python benchmarks/run.py                    # full size (~10,600 files, ~190 MB)
    python benchmarks/run.py --scale 0.1        # quick (~1,000 files)
    python benchmarks/run.py --write            # also write benchmarks/RESULTS.md

Every number is one (or the median of --repeat) real run of a subprocess: wall time measured
around it, peak RSS of its largest process from ``/usr/bin/time -v`` (or getrusage of a wrapper
when GNU time is missing), and peak summed PSS of its whole process tree sampled from /proc
(workers included). See benchmarks/README.md for what each row means and the targets.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
import generate_tree  # noqa: E402

GNU_TIME = "/usr/bin/time" if Path("/usr/bin/time").exists() else None

TARGETS = [  # (label, numerator row, denominator row, limit; None: reported, no target)
    ("scan cold / grimp cold", "archguard scan (cold)", "grimp.build_graph (cold)", 1.5),
    ("scan warm / grimp warm", "archguard scan (warm)", "grimp.build_graph (warm)", 1.0),
    ("check warm / lint-imports", "archguard check (warm)", "lint-imports (no cache)", 1.0),
    ("check cold / lint-imports", "archguard check (cold)", "lint-imports (no cache)", 1.5),
    # Warm with one file edited (its facts change): the facts cache spares every other file's parse,
    # and the incremental derivation re-derives only the files the edit reaches (issue 12's targets).
    ("scan warm, one file edited / grimp warm", "archguard scan (warm, 1 file edited)",
     "grimp.build_graph (warm)", 0.75),
    ("check warm, one file edited / lint-imports", "archguard check (warm, 1 file edited)",
     "lint-imports (no cache)", 0.5),
    # discover reuses the scan's caches: warm it reads its own derived results (issue 9's targets).
    ("discover warm / check warm", "archguard discover (warm)", "archguard check (warm)", 1.5),
    ("discover cold / scan cold", "archguard discover (cold)", "archguard scan (cold)", 1.2),
    ("discover warm, one file edited / check warm, one file edited",
     "archguard discover (warm, 1 file edited)", "archguard check (warm, 1 file edited)", None),
    # fix runs check, rewrites every fixable import, then checks the changed tree again.
    ("fix cold (incl. verification) / check cold", "archguard fix (cold, incl. verification)",
     "archguard check (cold)", 2.0),
    # The floor of any cold run that judges syntax: ruff's native parser alone, no name facts.
    ("ruff syntax pass alone / grimp cold", "ruff check --select E9 (cold)", "grimp.build_graph (cold)", None),
    # What the cold run costs beyond parsing every file with CPython's own parser.
    ("scan cold / CPython ast.parse alone", "archguard scan (cold)", "CPython ast.parse of every file (cold)", None),
]


# The report set may cost at most this much more than a warm check (issue: report, "Speed").
MARGINS = [  # (label, row, reference row, limit in seconds)
    ("report warm - check warm", "archguard report (warm)", "archguard check (warm)", 15.0),
]


# --------------------------------------------------------------------------- measuring
class TreeSampler(threading.Thread):
    """Samples the summed PSS (RSS when PSS is unavailable) of a process and its descendants."""

    def __init__(self, pid: int, interval: float = 0.1) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.interval = interval
        self.peak_kb = 0
        self._halt = threading.Event()

    @staticmethod
    def _children(pid: int) -> list[int]:
        out: list[int] = []
        try:
            for tid in os.listdir(f"/proc/{pid}/task"):
                with open(f"/proc/{pid}/task/{tid}/children") as fh:
                    out.extend(int(c) for c in fh.read().split())
        except OSError:
            pass
        return out

    @staticmethod
    def _mem_kb(pid: int) -> int:
        for path, key in ((f"/proc/{pid}/smaps_rollup", "Pss:"), (f"/proc/{pid}/status", "VmRSS:")):
            try:
                with open(path) as fh:
                    for line in fh:
                        if line.startswith(key):
                            return int(line.split()[1])
            except OSError:
                continue
        return 0

    def run(self) -> None:
        while not self._halt.is_set():
            total, todo, seen = 0, [self.pid], set()
            while todo:
                pid = todo.pop()
                if pid in seen:
                    continue
                seen.add(pid)
                total += self._mem_kb(pid)
                todo.extend(self._children(pid))
            self.peak_kb = max(self.peak_kb, total)
            self._halt.wait(self.interval)

    def stop(self) -> None:
        self._halt.set()
        self.join()


@dataclass
class Run:
    wall_s: float
    max_rss_mb: float
    tree_mem_mb: float
    exit_code: int
    stdout: str = ""
    stderr: str = ""
    cpu_s: float | None = None  # user + system CPU seconds of the process tree (GNU time only)


@dataclass
class Row:
    label: str
    tree: str
    runs: list[Run] = field(default_factory=list)
    error: str | None = None
    note: str = ""

    def _median(self, attr: str) -> float | None:
        if self.error or not self.runs:
            return None
        return statistics.median(getattr(r, attr) for r in self.runs)

    @property
    def wall(self) -> float | None:
        return self._median("wall_s")

    @property
    def rss(self) -> float | None:
        return self._median("max_rss_mb")

    @property
    def tree_mem(self) -> float | None:
        return self._median("tree_mem_mb")


def measure(cmd: list[str], cwd: Path, env: dict[str, str] | None = None) -> Run:
    with tempfile.NamedTemporaryFile("r", suffix=".time", delete=False) as tf:
        time_file = tf.name
    if GNU_TIME:
        full = [GNU_TIME, "-v", "-o", time_file, *cmd]
    else:  # wrapper reporting its children's peak RSS (kB on Linux)
        full = [sys.executable, "-c",
                "import resource, subprocess, sys\n"
                "rc = subprocess.call(sys.argv[2:])\n"
                "open(sys.argv[1], 'w').write('Maximum resident set size (kbytes): %d\\n'"
                " % resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
                "sys.exit(rc)", time_file, *cmd]
    start = time.perf_counter()
    proc = subprocess.Popen(full, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    sampler = TreeSampler(proc.pid)
    sampler.start()
    stdout, stderr = proc.communicate()
    wall = time.perf_counter() - start
    sampler.stop()
    rss_kb = 0
    cpu: float | None = None
    try:
        for line in Path(time_file).read_text().splitlines():
            if "Maximum resident set size" in line:
                rss_kb = int(line.rsplit(":", 1)[1])
            elif "User time (seconds)" in line or "System time (seconds)" in line:
                cpu = (cpu or 0.0) + float(line.rsplit(":", 1)[1])
    finally:
        os.unlink(time_file)
    # the sampler also counted the (small) GNU time / wrapper process; leave it in, it is ~1-10 MB
    return Run(wall, rss_kb / 1024, sampler.peak_kb / 1024, proc.returncode, stdout, stderr, cpu)


def run_row(row: Row, cmd: list[str], cwd: Path, ok_codes: tuple[int, ...], repeat: int,
            before_each=None, env: dict[str, str] | None = None, validate=None) -> Row:
    """Runs cmd `repeat` times. A run fails on an unexpected exit code, or when `validate(run)`
    returns a message (an exit 1 from a crash must not pass for "violations found")."""
    for _ in range(repeat):
        if before_each:
            before_each()
        r = measure(cmd, cwd, env)
        problem = None
        if r.exit_code not in ok_codes:
            problem = f"exit {r.exit_code}"
        elif "Traceback (most recent call last)" in r.stderr:
            problem = f"exit {r.exit_code} with a traceback"
        elif validate:
            problem = validate(r)
        if problem:
            tail = (r.stderr.strip() or r.stdout.strip()).splitlines()[-2:]
            row.error = (problem + ": " + " / ".join(t.strip() for t in tail)).replace("|", "/")[:300]
            break
        row.runs.append(r)
    status = row.error or f"{row.wall:.2f} s, {row.rss:.0f} MB"
    print(f"  {row.label:<34} {row.tree:<10} {status}", flush=True)
    return row


# --------------------------------------------------------------------------- trees
def ensure_tree(work: Path, scale: float, seed: int, regen: bool) -> tuple[Path, Path, dict]:
    tree = work / f"tree-s{scale:g}-seed{seed}"
    clean = work / f"tree-s{scale:g}-seed{seed}-clean"
    args = generate_tree.parse_args([str(tree), "--scale", str(scale), "--seed", str(seed), "--force"])
    wanted = {k: v for k, v in vars(args).items() if k not in ("out", "force")}
    manifest_path = tree / "manifest.json"
    manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else None
    if (regen or manifest is None or manifest.get("generator_version") != generate_tree.GENERATOR_VERSION
            or manifest.get("params") != wanted):
        print(f"generating {tree} (scale {scale:g}, seed {seed}) ...", flush=True)
        t0 = time.perf_counter()
        manifest = generate_tree.generate(args)
        print(f"  {manifest['files']} files, {manifest['bytes'] / 1e6:.1f} MB in {time.perf_counter() - t0:.1f} s")
        if clean.exists():
            shutil.rmtree(clean)
    else:
        print(f"reusing {tree} ({manifest['files']} files, {manifest['bytes'] / 1e6:.1f} MB)")
    marker = clean / ".clean-of"
    if not (marker.exists() and marker.read_text() == manifest["generator_version"] + repr(wanted)):
        # grimp and lint-imports abort on the first syntax error: give them a copy without the
        # broken files (as the guide did by hand) and without the excluded copies
        if clean.exists():
            shutil.rmtree(clean)
        broken = {b["path"] for b in manifest["broken_files"]}

        def ignore(directory: str, names: list[str]) -> list[str]:
            rel = os.path.relpath(directory, tree)
            out = []
            for n in names:
                p = os.path.normpath(os.path.join(rel, n))
                if p in broken or p == "backups" or ".backup_" in n:
                    out.append(n)
            return out

        shutil.copytree(tree, clean, ignore=ignore)
        marker.write_text(manifest["generator_version"] + repr(wanted))
    return tree, clean, manifest


def ensure_git_checkout(tree: Path, work: Path, manifest: dict) -> Path:
    """A copy of TREE with every file committed in a git repository of its own (made once per
    generated tree), its index refreshed: what a CI job's fresh clone looks like to archguard."""
    checkout = work / f"{tree.name}-git"
    marker = checkout / ".git" / "archguard-bench-of"
    made_of = manifest["generator_version"] + repr(manifest.get("params"))
    if not (marker.exists() and marker.read_text() == made_of):
        if checkout.exists():
            shutil.rmtree(checkout)
        shutil.copytree(tree, checkout)
        git = ["git", "-C", str(checkout), "-c", "user.name=bench", "-c", "user.email=bench@example.invalid"]
        for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "--no-verify", "-m", "generated tree"]):
            subprocess.run([*git, *args], check=True, stdout=subprocess.DEVNULL)
        marker.write_text(made_of)
    # the index's stat data current (a copy made with new inodes would make git hash every file)
    subprocess.run(["git", "-C", str(checkout), "status", "--porcelain"], check=True, stdout=subprocess.DEVNULL)
    return checkout


# --------------------------------------------------------------------------- tools
def compile_archguard() -> None:
    """Write archguard's .pyc files, as a regular ``pip install`` does (grimp and import-linter,
    installed from wheels, have theirs): every archguard row then starts as an installed
    archguard starts. (PYTHONDONTWRITEBYTECODE, which some sandboxes set, would otherwise make
    every measured process compile archguard's modules again.)"""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "PYTHONPYCACHEPREFIX")}
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(REPO / "archguard")], check=True, env=env,
                   stdout=subprocess.DEVNULL)


def archguard_cmd() -> list[str]:
    script = Path(sys.executable).parent / "archguard"
    if script.exists():
        return [str(script)]
    found = shutil.which("archguard")
    return [found] if found else [sys.executable, "-m", "archguard"]


def lint_imports_cmd() -> list[str]:
    script = Path(sys.executable).parent / "lint-imports"
    return [str(script)] if script.exists() else [shutil.which("lint-imports") or "lint-imports"]


GRIMP_SNIPPET = (
    "import json, sys, time\n"
    "import grimp\n"
    "pkgs = json.load(open('manifest.json'))['packages']\n"
    "cache = sys.argv[1] if sys.argv[1] != '-' else None\n"
    "t = time.perf_counter()\n"
    "g = grimp.build_graph(*pkgs, cache_dir=cache)\n"
    "print(json.dumps({'modules': len(g.modules), 'inner_s': time.perf_counter() - t}))\n"
)


# CPython's parser alone over the files archguard reads, on every CPU: the floor of a cold run that
# takes its facts from ``ast`` (archguard's discovery lists the files, so both parse the same set).
AST_SNIPPET = (
    "import ast, gc, os, sys, warnings\n"
    "from multiprocessing import Pool\n"
    "from pathlib import Path\n"
    "from archguard.adapters.discovery import discover\n"
    "from archguard.adapters.project_files.project_config import read_project_options\n"
    "def parse(path):\n"
    "    gc.disable()  # as archguard's workers do: the collector alone makes ast.parse ~1.5x slower\n"
    "    warnings.simplefilter('ignore')\n"
    "    try:\n"
    "        ast.parse(open(path, 'rb').read())\n"
    "        return 1\n"
    "    except (SyntaxError, ValueError, RecursionError, MemoryError):\n"
    "        return 0\n"
    "if __name__ == '__main__':\n"
    "    root = Path(sys.argv[1]).resolve()\n"
    "    excludes = read_project_options(root).get('exclude', ())\n"
    "    paths = [str(root / f.path) for f in discover(root, excludes=excludes).files]\n"
    "    with Pool(os.cpu_count()) as pool:\n"
    "        parsed = sum(pool.imap_unordered(parse, paths, chunksize=64))\n"
    "    print(parsed, 'of', len(paths), 'parsed')\n"
)


def bench_ast_floor(tree: Path, label: str, repeat: int) -> Row:
    return run_row(Row("CPython ast.parse of every file (cold)", label,
                       note=f"{os.cpu_count()} processes, no facts"),
                   [sys.executable, "-c", AST_SNIPPET, str(tree)], REPO, (0,), repeat)


def rm(path: Path):
    return lambda: shutil.rmtree(path, ignore_errors=True)


def bench_grimp(clean: Path, label: str, work: Path, repeat: int) -> tuple[Row, Row]:
    env = dict(os.environ, PYTHONPATH=str(clean))
    cmd = [sys.executable, "-c", GRIMP_SNIPPET]
    cold = run_row(Row("grimp.build_graph (cold)", label), cmd + ["-"], clean, (0,), repeat, env=env)
    cache = work / "cache" / f"grimp-{label}"
    shutil.rmtree(cache, ignore_errors=True)
    measure(cmd + [str(cache)], clean, env)  # fill the cache
    warm = run_row(Row("grimp.build_graph (warm)", label), cmd + [str(cache)], clean, (0,), repeat, env=env)
    for row in (cold, warm):
        if row.runs:
            inner = statistics.median(json.loads(r.stdout)["inner_s"] for r in row.runs)
            row.note = f"build_graph itself {inner:.2f} s"
    return cold, warm


def bench_lint_imports(clean: Path, label: str, work: Path, repeat: int) -> tuple[Row, Row]:
    env = dict(os.environ, PYTHONPATH=str(clean))
    base = lint_imports_cmd() + ["--no-logo"]

    def validate(r: Run) -> str | None:
        return None if "Contracts:" in r.stdout else "no 'Contracts:' summary in the output"

    cold = run_row(Row("lint-imports (no cache)", label), base + ["--no-cache"], clean, (0, 1), repeat,
                   env=env, validate=validate)
    cache = work / "cache" / f"lint-imports-{label}"
    shutil.rmtree(cache, ignore_errors=True)
    measure(base + ["--cache-dir", str(cache)], clean, env)
    warm = run_row(Row("lint-imports (warm cache)", label), base + ["--cache-dir", str(cache)], clean, (0, 1),
                   repeat, env=env, validate=validate)
    for row in (cold, warm):
        if row.runs:
            kept = "kept" if row.runs[0].exit_code == 0 else "broken"
            row.note = f"1 protected contract, {kept}"
    return cold, warm


def bench_archguard(tree: Path, label: str, work: Path, repeat: int, manifest: dict,
                    checks: list[str], commands: tuple[str, ...] = ("scan", "check", "discover"),
                    cold_only: bool = False, warm_only: bool = False) -> list[Row]:
    """``warm_only``: no cold row; the cache is filled by one unmeasured run when it is missing
    (--incremental: the warm rows of the full tree without paying its cold runs again)."""
    ag = archguard_cmd()
    rows = []
    for command, ok in (("scan", (0,)), ("check", (0, 1)), ("discover", (0,))):
        if command not in commands:
            continue
        cache = work / "cache" / f"archguard-{command}-{label}"
        out_json = work / f"archguard-{command}-{label}.json"
        cmd = ag + [command, str(tree), "--cache-dir", str(cache), "--json", str(out_json)]

        def validate(r: Run, out_json: Path = out_json) -> str | None:
            try:
                data = json.loads(out_json.read_text())
            except (OSError, ValueError):
                return "no valid --json output written"
            return None if data.get("schema") == "archguard/1" else "--json output without schema archguard/1"

        def fresh_cold(cache: Path = cache, out_json: Path = out_json) -> None:
            shutil.rmtree(cache, ignore_errors=True)
            out_json.unlink(missing_ok=True)

        if warm_only:
            cold = Row(f"archguard {command} (cold)", label)
            if not cache.exists():
                measure(cmd, REPO)
        else:
            cold = run_row(Row(f"archguard {command} (cold)", label), cmd, REPO, ok, repeat,
                           before_each=fresh_cold, validate=validate)
            rows.append(cold)
        if cold_only:
            continue
        if cold.error:
            rows.append(Row(f"archguard {command} (warm)", label, error="cold run failed"))
            continue
        warm = run_row(Row(f"archguard {command} (warm)", label), cmd, REPO, ok, repeat,
                       before_each=lambda out_json=out_json: out_json.unlink(missing_ok=True), validate=validate)
        rows.append(warm)
        with EditOneFile(tree) as edit:
            rows.append(run_row(Row(f"archguard {command} (warm, 1 file edited)", label, note=edit.note),
                                cmd, REPO, ok, repeat, before_each=edit.next, validate=validate))
        try:
            summary = json.loads(out_json.read_text())["summary"]
        except (OSError, ValueError, KeyError) as exc:
            checks.append(f"{label} {command}: could not read --json summary ({exc})")
            continue
        for key in ("files", "syntax_errors", "loose_files"):
            got = summary.get(key)
            verdict = "ok" if got == manifest[key] else "MISMATCH"
            checks.append(f"{label} {command}: summary.{key} = {got}, generator planted {manifest[key]} ({verdict})")
        planted = manifest["dangling_in_parsed_files"]
        want = planted["module_imports"] + planted["name_imports"]
        got = summary.get("dangling_imports")
        checks.append(f"{label} {command}: {summary.get('violations')} violations; summary.dangling_imports = "
                      f"{got}, generator planted {want} in parsed files ({planted['module_imports']} module + "
                      f"{planted['name_imports']} name imports) ({'ok' if got == want else 'MISMATCH'})")
    return rows


def golden_entry(tree: Path) -> str:
    """The entry point measured: the first one-off script at the tree's root. Scripts import the
    application heavily, and the generated tree's imports are dense: its closure holds almost every
    package module, close to the worst case for one entry."""
    return min(p.name for p in tree.glob("*.py"))


def bench_golden_path(tree: Path, label: str, work: Path, repeat: int) -> tuple[list[Row], list[str]]:
    """Warm ``check`` against warm ``check --entry E`` (its golden path cached), run alternately so
    load on the machine hits both alike, and ``check --entry E`` on a warm tree whose golden path is
    not cached yet (a new entry point: facts, symbol table and the closure are computed)."""
    ag = archguard_cmd()
    entry = golden_entry(tree)
    cache = work / "cache" / f"archguard-golden-{label}"  # kept between runs: only warm runs count here
    plain = ag + ["check", str(tree), "--cache-dir", str(cache), "-q"]
    with_entry = plain + ["--entry", entry]
    for cmd in (plain, with_entry):  # fill the caches
        measure(cmd, REPO)
    rows = [Row("archguard check (warm)", label), Row("archguard check --entry (warm)", label,
                                                      note=f"--entry {entry}")]
    differences, cpu_differences = [], []
    loads = [os.getloadavg()[0]]
    for _ in range(repeat):
        for row, cmd in zip(rows, (plain, with_entry)):
            run_row(row, cmd, REPO, (0, 1), 1)
        if not any(r.error for r in rows):
            plain_run, entry_run = rows[0].runs[-1], rows[1].runs[-1]
            differences.append(entry_run.wall_s - plain_run.wall_s)
            if entry_run.cpu_s is not None and plain_run.cpu_s is not None:
                # CPU time is what load on a shared machine disturbs least
                cpu_differences.append(entry_run.cpu_s - plain_run.cpu_s)
        loads.append(os.getloadavg()[0])
    uncached = run_row(Row("archguard check --entry (new entry)", label,
                           note="warm tree, golden path not cached: closure computed"),
                       with_entry, REPO, (0, 1), min(repeat, 3),
                       before_each=lambda: (cache / "results-golden.bin").unlink(missing_ok=True))
    rows.append(uncached)
    lines = []
    if differences:
        median = statistics.median(differences)
        lines.append(f"check --entry warm minus check warm (median of {len(differences)} alternating pairs): "
                     f"{median:+.3f} s; target <= +0.2 s: {'met' if median <= 0.2 else 'NOT met'}")
    if cpu_differences:
        lines.append(f"the same in CPU seconds (user + system): {statistics.median(cpu_differences):+.3f} s")
    lines.append(f"load average (1 min) during the pairs: {min(loads):.1f}-{max(loads):.1f} on {os.cpu_count()} CPUs")
    return rows, lines
def _report_command(tree: Path, label: str, work: Path):
    """``archguard report`` on the check rows' cache: (command, its validation, a fresh out dir)."""
    cache = work / "cache" / f"archguard-check-{label}"
    out = work / f"report-{label}"
    cmd = archguard_cmd() + ["report", str(tree), "--cache-dir", str(cache), "--out", str(out), "-q"]

    def validate(r: Run) -> str | None:
        try:
            data = json.loads((out / "report.json").read_text())
        except (OSError, ValueError):
            return "no valid report.json written"
        drawn = len(list((out / "graphs").glob("*.svg")))
        if shutil.which("dot") and drawn < 1:
            return "no diagram drawn"
        return None if data.get("schema") == "archguard/1" else "report.json without schema archguard/1"

    def fresh() -> None:
        shutil.rmtree(out, ignore_errors=True)

    def describe(row: Row) -> None:
        if not row.error:
            graphs = list((out / "graphs").glob("*.dot"))
            row.note = (f"{len(graphs)} diagrams ({len(list((out / 'graphs').glob('*.svg')))} drawn by dot), "
                        f"index.html {(out / 'index.html').stat().st_size / 1e6:.1f} MB")

    return cmd, validate, fresh, describe


def bench_report(tree: Path, label: str, work: Path, repeat: int) -> Row:
    """The whole report set (JSON, SARIF, JUnit, Markdown, HTML, every diagram drawn by Graphviz)
    on the check's warm cache: a first run fills what the check's runs have not (discover, the
    module edge counts), then the measured runs."""
    cmd, validate, fresh, describe = _report_command(tree, label, work)
    subprocess.run(cmd, cwd=REPO, capture_output=True, timeout=1800)  # warm-up: discover's first run
    row = run_row(Row("archguard report (warm)", label), cmd, REPO, (0, 1), repeat, before_each=fresh,
                  validate=validate)
    describe(row)
    return row


def bench_report_margin(tree: Path, label: str, work: Path, repeat: int) -> tuple[list[Row], list[str]]:
    """``--report-only``: warm ``check`` and warm ``report`` on the same cache, run alternately so
    that load on a shared machine hits both alike; the margin is the median of the pairs."""
    cache = work / "cache" / f"archguard-check-{label}"
    out_json = work / f"archguard-check-{label}.json"
    check = archguard_cmd() + ["check", str(tree), "--cache-dir", str(cache), "--json", str(out_json)]
    report, validate, fresh, describe = _report_command(tree, label, work)
    for cmd in (check, report):  # fill the caches (a cold check when there is none yet), warm-up
        subprocess.run(cmd, cwd=REPO, capture_output=True, timeout=3600)
    rows = [Row("archguard check (warm)", label), Row("archguard report (warm)", label)]
    differences, cpu_differences = [], []
    loads = [os.getloadavg()[0]]
    for _ in range(repeat):
        run_row(rows[0], check, REPO, (0, 1), 1)
        run_row(rows[1], report, REPO, (0, 1), 1, before_each=fresh, validate=validate)
        if any(r.error for r in rows):
            break
        differences.append(rows[1].runs[-1].wall_s - rows[0].runs[-1].wall_s)
        if rows[1].runs[-1].cpu_s is not None and rows[0].runs[-1].cpu_s is not None:
            cpu_differences.append(rows[1].runs[-1].cpu_s - rows[0].runs[-1].cpu_s)
        loads.append(os.getloadavg()[0])
    describe(rows[1])
    lines = []
    if differences:
        median = statistics.median(differences)
        lines.append(f"report warm minus check warm (median of {len(differences)} alternating pairs): "
                     f"{median:+.2f} s (pairs: {', '.join(f'{d:+.2f}' for d in differences)}); "
                     f"target <= +15 s: {'met' if median <= 15 else 'NOT met'}")
    if cpu_differences:
        lines.append(f"the same in CPU seconds of the process tree (user + system): "
                     f"{statistics.median(cpu_differences):+.2f} s")
    lines.append(f"load average (1 min) during the pairs: {min(loads):.1f}-{max(loads):.1f} on {os.cpu_count()} CPUs")
    return rows, lines


def bench_fix(tree: Path, label: str, work: Path, repeat: int, checks: list[str]) -> Row:
    """``archguard fix`` on a fresh copy of the tree with a cold cache, every run: the copy is made
    before the clock starts; the run includes fix's own check before and its verification after."""
    copy = work / f"fix-copy-{label}"
    cache = work / "cache" / f"archguard-fix-{label}"
    out_json = work / f"archguard-fix-{label}.json"

    def fresh_copy() -> None:
        shutil.rmtree(copy, ignore_errors=True)
        shutil.rmtree(cache, ignore_errors=True)
        out_json.unlink(missing_ok=True)
        shutil.copytree(tree, copy, symlinks=True)

    def validate(r: Run) -> str | None:
        try:
            data = json.loads(out_json.read_text())
        except (OSError, ValueError):
            return "no valid --json output written"
        if data.get("status") != "fixed":
            return f"status {data.get('status')}: {' / '.join(data.get('problems', []))[:200]}"
        return None

    cmd = archguard_cmd() + ["fix", str(copy), "--cache-dir", str(cache), "--json", str(out_json), "-q"]
    row = run_row(Row("archguard fix (cold, incl. verification)", label), cmd, REPO, (0,), repeat,
                  before_each=fresh_copy, validate=validate)
    if not row.error:
        summary = json.loads(out_json.read_text())["summary"]
        checks.append(f"{label} fix: {summary['fixed_violations']} violations fixed in "
                      f"{summary['changed_files']} files, {summary['not_fixed']} left with a reason")
        row.note = f"{summary['fixed_violations']} imports rewritten in {summary['changed_files']} files"
    shutil.rmtree(copy, ignore_errors=True)
    return row


class EditOneFile:
    """Before each run, a new module-level name at the end of one package module: the file is read
    and parsed again, and since its facts changed, the tree-wide results are derived again. (An
    edit that leaves the facts alone, a comment or one line of a function body, would reuse the
    results and cost what an unchanged tree costs.) The file is restored afterwards."""

    def __init__(self, tree: Path) -> None:
        self.path = min(p for p in tree.rglob("*.py") if (p.parent / "__init__.py").exists()
                        and p.name != "__init__.py" and "backup" not in str(p))
        self.original = self.path.read_bytes()
        self.count = 0
        self.note = f"edits {self.path.relative_to(tree)} before each run"

    def next(self) -> None:
        self.count += 1
        self.path.write_bytes(self.original + f"\nEDITED_{self.count} = {self.count}\n".encode())

    def __enter__(self) -> "EditOneFile":
        return self

    def __exit__(self, *exc: object) -> None:
        self.path.write_bytes(self.original)


def bench_ruff_floor(tree: Path, label: str, repeat: int) -> Row:
    """ruff's parser over every file, reporting syntax errors only: the least a cold run that judges
    syntax natively must pay, before any name-level fact is extracted."""
    from ruff.__main__ import find_ruff_bin

    cmd = [os.fsdecode(find_ruff_bin()), "check", "--isolated", "--no-cache", "--select", "E9",
           "--exit-zero", "--output-format", "json", "."]
    return run_row(Row("ruff check --select E9 (cold)", label, note="syntax only, no facts"),
                   cmd, tree, (0,), repeat)


# --------------------------------------------------------------------------- report
def fmt(v: float | None, spec: str = ".2f") -> str:
    return "n/a" if v is None else format(v, spec)


def render(rows: list[Row], mem_rows: list[tuple[dict, Row, Row | None]], manifest: dict,
           checks: list[str], args: argparse.Namespace) -> str:
    by = {(r.label, r.tree): r for r in rows}
    main = f"s{args.scale:g}"
    lines = [
        "## archguard benchmark",
        "",
        f"Tree: `generate_tree.py --scale {args.scale:g} --seed {args.seed}`: {manifest['files']} .py files, "
        f"{manifest['bytes'] / 1e6:.0f} MB, {manifest['package_modules']} modules in "
        f"{len(manifest['packages'])} packages, {manifest['loose_files']} loose files, "
        f"{manifest['syntax_errors']} broken ({manifest['broken_inside_packages']} inside packages), "
        f"{manifest['copies']} excluded copies. grimp and lint-imports run on a copy without the "
        "broken files and copies (they abort on syntax errors); archguard runs on the full tree.",
        "",
        f"Machine: {os.cpu_count()} CPUs, {platform.python_implementation()} {platform.python_version()}, "
        f"{platform.system()} {platform.release()}; grimp {pkg_version('grimp')}, import-linter "
        f"{pkg_version('import-linter')}, archguard {pkg_version('archguard')} ({git_rev()}). "
        f"Median of {args.repeat} run(s) each. Load average at start {args.load_at_start:.2f}"
        + (" (other work was running: numbers are pessimistic)" if args.load_at_start > 0.5 * (os.cpu_count() or 1) else "")
        + ".",
        "",
        "| work | tree | wall s | peak RSS MB (largest process) | peak PSS MB (process tree) | notes |",
        "|---|---|---:|---:|---:|---|",
    ]
    for r in rows:
        note = r.error if r.error else r.note
        lines.append(f"| {r.label} | {r.tree} | {fmt(r.wall)} | {fmt(r.rss, '.0f')} | {fmt(r.tree_mem, '.0f')} | {note} |")
    lines += ["", "| ratio | value | target | met |", "|---|---:|---:|---|"]
    for label, num, den, limit in TARGETS:
        a, b = by.get((num, main)), by.get((den, main))
        target = "none" if limit is None else f"<= {limit:g}x"
        if a and b and a.wall is not None and b.wall:
            v = a.wall / b.wall
            met = "(reported)" if limit is None else ("yes" if v <= limit else "NO")
            lines.append(f"| {label} | {v:.2f}x | {target} | {met} |")
        else:
            lines.append(f"| {label} | n/a | {target} | not measured |")
    for label, num, ref, limit in MARGINS:
        a, b = by.get((num, main)), by.get((ref, main))
        if a and b and a.wall is not None and b.wall is not None:
            margin = a.wall - b.wall
            lines.append(f"| {label} | {margin:+.2f} s | <= {limit:g} s | {'yes' if margin <= limit else 'NO'} |")
        else:
            lines.append(f"| {label} | n/a | <= {limit:g} s | not measured |")
    if mem_rows:
        lines += ["", "Memory vs size (cold runs, peak RSS of the largest process / PSS of the process tree):", "",
                  "| tree | files | MB | grimp cold RSS MB | archguard scan cold RSS MB | archguard scan cold PSS MB |",
                  "|---|---:|---:|---:|---:|---:|"]
        for man, grow, arow in mem_rows:
            lines.append(f"| s{man['params']['scale']:g} | {man['files']} | {man['bytes'] / 1e6:.0f} | "
                         f"{fmt(grow.rss, '.0f')} | {fmt(arow.rss if arow else None, '.0f')} | "
                         f"{fmt(arow.tree_mem if arow else None, '.0f')} |")
        if len(mem_rows) == 2:
            (m1, g1, a1), (m2, g2, a2) = sorted(mem_rows, key=lambda t: t[0]["files"])
            df = (m2["files"] - m1["files"]) / 1000
            for name, r1, r2 in (("grimp cold", g1, g2), ("archguard scan cold", a1, a2)):
                if r1 and r2 and r1.rss is not None and r2.rss is not None and df > 0:
                    slope = (r2.rss - r1.rss) / df
                    lines.append(f"\n{name}: {slope:.1f} MB per 1,000 files above a fixed "
                                 f"{r1.rss - slope * m1['files'] / 1000:.0f} MB "
                                 f"(files x{m2['files'] / m1['files']:.2f}, RSS x{r2.rss / r1.rss:.2f})")
    if checks:
        lines += ["", "Sanity checks (archguard's JSON summary against what the generator planted):", ""]
        lines += [f"- {c}" for c in checks]
    return "\n".join(lines) + "\n"


def pkg_version(name: str) -> str:
    from importlib import metadata
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def git_rev() -> str:
    try:
        return subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
                              capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown commit"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scale", type=float, default=1.0, help="tree size; 1.0 = ~10,600 files / ~190 MB, 0.1 = ~1,000 files")
    ap.add_argument("--mem-scale", type=float, default=None,
                    help="second tree size for the memory-vs-size line (default: half of --scale; 0 to skip)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--repeat", type=int, default=1, help="runs per measurement (the median is reported)")
    ap.add_argument("--work", type=Path, default=HERE / ".work", help="where trees and caches live")
    ap.add_argument("--regen", action="store_true", help="regenerate the trees even if they match")
    ap.add_argument("--skip-archguard", action="store_true", help="only measure grimp and lint-imports")
    ap.add_argument("--write", action="store_true", help="write the table to benchmarks/RESULTS.md")
    ap.add_argument("--golden-path", action="store_true",
                    help="only measure what --entry adds to a warm check (docs/golden-path.md)")


    ap.add_argument("--incremental", action="store_true",
                    help="only the warm rows (unchanged and one file edited) of scan and check, with grimp and "
                         "lint-imports: the incremental-analysis ratios (cache filled once if missing)")
    ap.add_argument("--report-only", action="store_true",
                    help="only archguard check (warm) and archguard report (warm), alternately: the report target")
    ap.add_argument("--fix-only", action="store_true",
                    help="only archguard check (cold) and archguard fix (cold), for the fix target")
    ap.add_argument("--git", action="store_true",
                    help="only the warm rows of check and discover, on a git checkout of the tree (the path CI "
                         "takes: the warm start asks git which files changed)")
    ap.add_argument("--floor-only", action="store_true",
                    help="only the ast.parse floor and archguard scan (cold), for the parser-floor ratio")
    args = ap.parse_args(argv)
    args.load_at_start = os.getloadavg()[0]
    if args.load_at_start > 0.5 * (os.cpu_count() or 1):
        print(f"warning: load average {args.load_at_start:.2f} on {os.cpu_count()} CPUs; timings will be noisy",
              file=sys.stderr)
    mem_scale = args.scale / 2 if args.mem_scale is None else args.mem_scale
    args.work.mkdir(parents=True, exist_ok=True)
    compile_archguard()

    tree, clean, manifest = ensure_tree(args.work, args.scale, args.seed, args.regen)
    label = f"s{args.scale:g}"
    rows: list[Row] = []
    checks: list[str] = []
    if args.golden_path:
        print(f"measuring the golden path on {label}:", flush=True)
        rows, lines = bench_golden_path(tree, label, args.work, max(args.repeat, 3))
        print("\n".join(["", *(f"{r.label}: {fmt(r.wall, '.3f')} s  {r.note}" for r in rows), *lines]))
        return 0
    if args.report_only:
        print(f"measuring the report set against a warm check on {label}:", flush=True)
        rows, lines = bench_report_margin(tree, label, args.work, max(args.repeat, 3))
        print("\n".join(["", *(f"{r.label}: {fmt(r.wall, '.2f')} s  {r.note}" for r in rows), *lines]))
        return 0
    print(f"measuring on {label}:", flush=True)
    if args.incremental:
        rows += bench_grimp(clean, label, args.work, args.repeat)
        rows += bench_lint_imports(clean, label, args.work, args.repeat)
        rows += bench_archguard(tree, label, args.work, args.repeat, manifest, checks, ("scan", "check"),
                                warm_only=True)
        print()
        print(render(rows, [], manifest, checks, args))
        return 0
    if args.fix_only:
        rows += bench_archguard(tree, label, args.work, args.repeat, manifest, checks, ("check",), cold_only=True)
        rows.append(bench_fix(tree, label, args.work, args.repeat, checks))
        print()
        print(render(rows, [], manifest, checks, args))
        return 0
    if args.git:  # the CI path: a checkout, whose warm start takes git's word for unchanged files
        git_tree = ensure_git_checkout(tree, args.work, manifest)
        rows += bench_archguard(git_tree, f"{label}-git", args.work, args.repeat, manifest, checks,
                                ("check", "discover"), warm_only=True)
        print()
        print(render(rows, [], manifest, checks, args))
        return 0
    if args.floor_only:  # the two rows of the "scan cold / CPython ast.parse alone" ratio, same run
        rows.append(bench_ast_floor(tree, label, args.repeat))
        rows += bench_archguard(tree, label, args.work, args.repeat, manifest, checks, ("scan",), cold_only=True)
        print()
        print(render(rows, [], manifest, checks, args))
        return 0
    g_cold, g_warm = bench_grimp(clean, label, args.work, args.repeat)
    rows += [g_cold, g_warm]
    rows += bench_lint_imports(clean, label, args.work, args.repeat)
    rows.append(bench_ruff_floor(tree, label, args.repeat))
    rows.append(bench_ast_floor(tree, label, args.repeat))
    a_rows: list[Row] = []
    if not args.skip_archguard:
        a_rows = bench_archguard(tree, label, args.work, args.repeat, manifest, checks)
        rows += a_rows
        rows.append(bench_report(tree, label, args.work, args.repeat))
        rows.append(bench_fix(tree, label, args.work, args.repeat, checks))
    mem_rows: list[tuple[dict, Row, Row | None]] = [
        (manifest, g_cold, next((r for r in a_rows if r.label == "archguard scan (cold)"), None))]
    if mem_scale > 0 and mem_scale != args.scale:
        tree2, clean2, manifest2 = ensure_tree(args.work, mem_scale, args.seed, args.regen)
        label2 = f"s{mem_scale:g}"
        print(f"measuring on {label2} (memory vs size):", flush=True)
        g2 = run_row(Row("grimp.build_graph (cold)", label2), [sys.executable, "-c", GRIMP_SNIPPET, "-"],
                     clean2, (0,), 1, env=dict(os.environ, PYTHONPATH=str(clean2)))
        rows.append(g2)
        a2 = None
        if not args.skip_archguard:
            cache2 = args.work / "cache" / f"archguard-scan-{label2}"
            a2 = run_row(Row("archguard scan (cold)", label2),
                         archguard_cmd() + ["scan", str(tree2), "--cache-dir", str(cache2)],
                         REPO, (0,), 1, before_each=rm(cache2))
            rows.append(a2)
        mem_rows.append((manifest2, g2, a2))

    table = render(rows, mem_rows, manifest, checks, args)
    print()
    print(table)
    if args.write:
        (HERE / "RESULTS.md").write_text(table)
        print(f"wrote {HERE / 'RESULTS.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
