#!/usr/bin/env python3
"""Benchmark ``archguard lsp`` (issue 25) as an editor drives it, on the generated tree (warm cache),
against a full ``archguard check`` per change measured in the same run.

    python benchmarks/lsp.py --scale 0.1 --edits 20     # quick
    python benchmarks/lsp.py                            # the ~10,600-file tree (the targets)

The client is the tests' (tests/lsp_client.py: pytest-lsp's LanguageClient over stdio, as in
tests/functional/test_lsp.py), declaring pull diagnostics as VS Code does: after each change it asks
``textDocument/diagnostic`` for the open file, which the server answers once that change is
analysed, so "change → new diagnostics" is the time from ``didChange`` to the answer. Rows (see
benchmarks/README.md, "The language server"):

* ``initialize → first diagnostics``: from ``initialize`` to the first diagnostics of a file with
  a dangling-name error (AG202) opened right after it (target ≤ 3 s).
* ``change of the open file → its diagnostics``: N edits of the open file, each a new version:
  edits that change no import (a name, a function, a body) and, every fifth, an import of a
  module that does not exist added (its diagnostics change) and then removed; p50 and p95
  (target p95 ≤ 150 ms).
* ``unsaved edit in another module clears a dangling name``: the module the AG202 names is opened
  and the missing name added (never saved); time until the importer's diagnostics lose the
  AG202; then removed again (target ≤ 500 ms, each).
* ``server peak memory``: the server process's VmHWM at the end (target ≤ 1.5 GB).
* ``archguard check after a one-file edit (reference)``: the CLI per change, the same warm cache,
  one file edited on disk before each run (what re-checking everything per change costs; tach's
  server, which does that, is measured against this one by benchmarks/lsp_tach.py).

The load average is printed beside every figure: the machine may be shared.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))
import ratchet  # noqa: E402
import run  # noqa: E402
from engine import no_edge_edit  # noqa: E402

from tests.lsp_client import PULL, served  # noqa: E402


def load() -> str:
    return f"load {os.getloadavg()[0]:.1f}"


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, round(0.95 * len(ordered)) - 1)]


def dangling_name(repo: Path, cache: Path) -> dict[str, str | int]:
    """An AG202 of a parsed package module on a module the tree has (the missing name can be
    added there), from ``archguard check --format json`` on the warm cache."""
    done = subprocess.run(
        [*run.archguard_cmd(), "check", str(repo), "--cache-dir", str(cache), "-q", "--format", "json"],
        capture_output=True,
        text=True,
        check=False,
    )
    found = json.loads(done.stdout)
    modules = {
        m["module"]: m["path"] for m in found.get("modules", []) if isinstance(m, dict) and "path" in m
    }
    for v in found["violations"]:
        if v["code"] != "AG202" or ":" not in (v.get("imported") or ""):
            continue
        module, name = v["imported"].split(":", 1)
        path = modules.get(module) or _module_path(repo, module)
        if path and not v["path"].startswith(("tests/", "scripts/")) and v["path"].count("/") >= 1:
            return {"importer": v["path"], "line": v["line"], "module": module, "path": path, "name": name}
    raise SystemExit("no AG202 on an existing module in the tree")


def _module_path(repo: Path, module: str) -> str | None:
    for candidate in (module.replace(".", "/") + ".py", module.replace(".", "/") + "/__init__.py"):
        if (repo / candidate).is_file():
            return candidate
    return None


def has_ag202(items: object, line: int) -> bool:
    return any(d.code == "AG202" and d.range.start.line == line - 1 for d in items)  # type: ignore[attr-defined]


async def drive(repo: Path, cache: Path, target: dict[str, str | int], edits: int, seed: int) -> list[str]:
    importer, module_path = str(target["importer"]), str(target["path"])
    line = int(target["line"])
    rows = []
    start = time.perf_counter()
    async with served(repo, "--cache-dir", str(cache), capabilities=PULL) as editor:
        initialized = time.perf_counter()
        editor.open(importer)
        first = await editor.pull(importer)
        got_first = time.perf_counter()
        assert has_ag202(first.items, line), f"no AG202 on line {line} of {importer}: {first.items}"
        rows.append(
            f"| initialize → first diagnostics of an opened file (target ≤ 3 s) | "
            f"{got_first - initialized:.2f} s | process start → initialized {initialized - start:.2f} s; {load()} |"
        )
        rng = random.Random(seed)
        top = str(target["module"]).split(".")[0]
        text = editor.texts[importer]
        times: list[float] = []
        changed: list[float] = []
        server = editor.client._server
        assert server is not None
        cpu: list[float] = []  # the server's own CPU seconds per change: what the load cannot inflate
        for n in range(edits):
            if n % 5 == 4:  # an import of a module its package does not have: its diagnostics change
                new = text + f"\nimport {top}.no_such_module_{n}\n"
                for version in (new, text):
                    t0, c0 = time.perf_counter(), _cpu(server.pid)
                    editor.change(importer, version)
                    answer = await editor.pull(importer)
                    changed.append(time.perf_counter() - t0)
                    cpu.append(_cpu(server.pid) - c0)
                    assert any(d.code == "AG201" for d in answer.items) == (version is new)
                continue
            text = no_edge_edit(rng, text, n)
            t0, c0 = time.perf_counter(), _cpu(server.pid)
            editor.change(importer, text)
            await editor.pull(importer)
            times.append(time.perf_counter() - t0)
            cpu.append(_cpu(server.pid) - c0)
        every = times + changed
        rows.append(
            f"| change of the open file → its diagnostics, {len(every)} changes: p50 | "
            f"{statistics.median(every) * 1000:.0f} ms | no-import edits p50 {statistics.median(times) * 1000:.0f} ms, "
            f"import added/removed p50 {statistics.median(changed) * 1000:.0f} ms; {load()} |"
        )
        rows.append(
            f"| same, **p95** (target ≤ 150 ms) | {p95(every) * 1000:.0f} ms | "
            f"no-import p95 {p95(times) * 1000:.0f} ms, import p95 {p95(changed) * 1000:.0f} ms; {load()} |"
        )
        rows.append(
            f"| same, the server's CPU per change: p50 / **p95** | {statistics.median(cpu) * 1000:.0f} / "
            f"{p95(cpu) * 1000:.0f} ms | CPU time of the server process (/proc), which a busy machine does not "
            f"inflate as it does wall time; {load()} |"
        )
        editor.open(module_path)
        original = editor.texts[module_path]
        await editor.pull(module_path)
        cleared: list[float] = []
        raised: list[float] = []
        for n in range(3):
            t0 = time.perf_counter()
            editor.change(module_path, original + f"\n\n{target['name']} = None  # {n}\n")
            answer = await editor.pull(importer)
            cleared.append(time.perf_counter() - t0)
            assert not has_ag202(answer.items, line), "the AG202 did not clear"
            t0 = time.perf_counter()
            editor.change(module_path, original)
            answer = await editor.pull(importer)
            raised.append(time.perf_counter() - t0)
            assert has_ag202(answer.items, line), "the AG202 did not come back"
        rows.append(
            f"| unsaved edit in {module_path} clears the AG202 of {importer} (target ≤ 500 ms), median of 3 | "
            f"{statistics.median(cleared) * 1000:.0f} ms | max {max(cleared) * 1000:.0f} ms; the name removed again: "
            f"median {statistics.median(raised) * 1000:.0f} ms; {load()} |"
        )
        process = editor.client._server
        assert process is not None
        peak_kb = _peak_kb(process.pid)
        rows.append(f"| server peak memory (VmHWM, target ≤ 1.5 GB) | {peak_kb / 1024:.0f} MB | {load()} |")
    return rows


def _cpu(pid: int) -> float:
    """User + system CPU seconds of a process so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _peak_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def check_per_change(repo: Path, cache: Path, path: str, repeat: int) -> str:
    """``archguard check`` after a one-file edit on disk, the warm cache: the reference."""
    command = [*run.archguard_cmd(), "check", str(repo), "--cache-dir", str(cache), "-q"]
    return (
        f"| archguard check after a one-file edit (reference: the CLI per change), median of {repeat} | "
        f"{per_change(command, run.REPO, repo / path, repeat) * 1000:.0f} ms | {load()} |"
    )


def per_change(command: list[str], cwd: Path, file: Path, repeat: int) -> float:
    """The median wall time of COMMAND, run REPEAT times, each after FILE was edited on disk."""
    original = file.read_bytes()
    walls = []
    try:
        for n in range(repeat):
            file.write_bytes(original + f"\nEDITED_FOR_CHECK_{n} = {n}\n".encode())
            walls.append(run.measure(command, cwd).wall_s)
    finally:
        file.write_bytes(original)
    return statistics.median(walls)


def warm_checkout(scale: float, seed: int, work: Path) -> tuple[Path, Path, dict, str]:
    """The generated tree's git checkout, its cache, its manifest and label; the cache filled and
    its warm-start record written by two checks."""
    run.compile_archguard()
    work = work.resolve()
    tree, _clean, manifest = run.ensure_tree(work, scale, seed, regen=False)
    repo = ratchet.git_checkout_of(tree, work)
    label = f"s{scale:g}"
    cache = work / "cache" / f"lsp-{label}"
    check = [*run.archguard_cmd(), "check", str(repo), "--cache-dir", str(cache), "-q"]
    run.measure(check, run.REPO)  # cold: fills the cache
    run.measure(check, run.REPO)  # and the warm-start record
    return repo, cache, manifest, label


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--edits", type=int, default=50, help="changes of the open file")
    ap.add_argument("--repeat", type=int, default=3, help="runs of the reference check")
    ap.add_argument("--work", type=Path, default=HERE / ".work")
    args = ap.parse_args(argv)
    repo, cache, manifest, label = warm_checkout(args.scale, args.seed, args.work)
    target = dangling_name(repo, cache)
    print(
        f"{label}: {manifest['files']} files; {target['importer']}:{target['line']} imports {target['module']}:"
        f"{target['name']}, which does not exist; {load()}"
    )
    print()
    print("| row | figure | notes |\n|---|---|---|")
    for row in asyncio.run(drive(repo, cache, target, args.edits, args.seed)):
        print(row)
    print(check_per_change(repo, cache, str(target["importer"]), args.repeat))
    return 0


if __name__ == "__main__":
    sys.exit(main())
