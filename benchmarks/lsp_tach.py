#!/usr/bin/env python3
"""Benchmark ``archguard lsp`` against tach's language server (``tach server``) on the generated
tree, both driven by the same client in the same run (issue 25: "report each against tach's
server, which re-checks everything").

    python -m venv /tmp/tach-venv && /tmp/tach-venv/bin/pip install tach    # tach, kept apart
    python benchmarks/lsp_tach.py --tach /tmp/tach-venv/bin/tach --scale 0.1 --edits 10   # quick
    python benchmarks/lsp_tach.py --tach /tmp/tach-venv/bin/tach            # ~10,600 files

tach is not a dependency of archguard: without it (``--tach``, else ``tach`` beside this Python,
else on PATH) the script says how to install it and exits 0.

What tach checks is written as tach.toml into the tree's git checkout (``tach_config``), from the
tree's own contracts: its import-linter root packages are tach modules, with the dependencies
they have declared by ``tach sync``; the protected module of the tree's ``.importlinter``
(``platform_core.core.impl``, only ``platform_core.core`` may import it) is a module visible only
to its allowed importers, and no other module declares it; the concept contract's canonical path
(``platform_core.core.manager:ConnectionManager``) is the interface of the module that holds it:
it exposes the canonical path and every other name of that module except the concept's aliases,
so an alias or a re-export of the concept imported from outside is an interface error, as it is
an AG101 for archguard. The script checks that ``tach check`` reports those errors.

What tach's server does (tach 0.35, read in its source, src/lsp/server.rs, and seen here): on
``didOpen`` and ``didSave`` it runs its whole check on the files on disk and publishes the
diagnostics of that one document; it ignores ``didChange`` (unsaved text is never analysed) and
answers no pull request (it publishes instead). So both servers get the same editor actions:
each change is written to disk and saved (``didChange`` + ``didSave``); archguard's row is the
time until its pull answer, tach's until its publish. The open file is one that both report (an
import of the protected module). Rows (see benchmarks/README.md, "The language server"):

* ``initialize → first diagnostics`` of that file, opened right after ``initialize``.
* ``change + save of the open file → its diagnostics``: N edits, each a new version: edits that
  change no import (a name, a function, a body) and, every fifth, an import of the concept's
  alias (``from platform_core.core.compat import LegacyManager``: AG101 for archguard, an
  interface error for tach) added and then removed; p50/p95 of wall time and of the server's own
  CPU time. The two servers take turns on each edit, so both run under the same load.
* ``an edit saved in another module → the open file's diagnostics``: the module a dangling name
  (AG202) of another file names gets the name, saved; archguard clears the AG202 of that open
  importer; tach republishes only the document saved (and its check of a file does not depend on
  other files' contents), so the script waits for a republish of the importer that never comes.
* ``server peak memory``: VmHWM of each server process at the end.
* the CLI per change (reference): ``archguard check`` and ``tach check`` after a one-file edit.

The load average is printed beside every figure: the machine may be shared.
"""

from __future__ import annotations

import argparse
import ast
import asyncio
import configparser
import json
import random
import re
import shutil
import statistics
import subprocess
import sys
import time
import tomllib
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))
from engine import no_edge_edit  # noqa: E402
from lsp import (  # noqa: E402
    _cpu,
    _peak_kb,
    check_per_change,
    dangling_name,
    has_ag202,
    load,
    p95,
    per_change,
    warm_checkout,
)
from lsprotocol import types  # noqa: E402

from tests.lsp_client import PULL, PUSH, Editor, served  # noqa: E402

# An import of the concept under an alias: AG101 for archguard, outside tach's interface.
FLAGGED_IMPORT = "from platform_core.core.compat import LegacyManager"
INSTALL = "python -m venv /tmp/tach-venv && /tmp/tach-venv/bin/pip install tach; then --tach /tmp/tach-venv/bin/tach"


def find_tach(given: str | None) -> str | None:
    beside = Path(sys.executable).parent / "tach"
    for candidate in (given, str(beside) if beside.exists() else None, shutil.which("tach")):
        if candidate and Path(candidate).exists():
            return str(Path(candidate).absolute())
    return None


def toml_list(values: list[str]) -> str:
    return "[" + ", ".join(json.dumps(v) for v in values) + "]"


def tach_config(repo: Path, tach: str) -> str:
    """Write tach.toml into REPO (see the module's docstring) and return it."""
    linter = configparser.ConfigParser()
    linter.read(repo / ".importlinter")
    packages = linter["importlinter"]["root_packages"].split()
    protected: dict[str, list[str]] = {}  # protected module -> its allowed importers
    for name, section in linter.items():
        if name.startswith("importlinter:contract:") and section.get("type") == "protected":
            for module in section["protected_modules"].split():
                protected[module] = section["allowed_importers"].split()
    allowed = sorted({m for importers in protected.values() for m in importers})
    modules = packages + [m for m in allowed + sorted(protected) if m not in packages]
    exclude = tomllib.loads((repo / "pyproject.toml").read_text())["tool"]["archguard"]["exclude"]
    concepts = [
        c
        for f in sorted((repo / "contracts").glob("*.toml"))
        for c in tomllib.loads(f.read_text())["concept"]
    ]

    def render(depends_on: dict[str, list[str]]) -> str:
        lines = [
            'root_module = "allow"  # files outside the packages (tests/, scripts) are checked too, as archguard does',
            f"exclude = {toml_list([*exclude, '**/__pycache__'])}",
            "",
        ]
        if "<root>" in depends_on:
            lines += ["[[modules]]", 'path = "<root>"', f"depends_on = {toml_list(depends_on['<root>'])}", ""]
        for module in modules:
            lines += ["[[modules]]", f"path = {json.dumps(module)}"]
            if module in depends_on:
                lines.append(f"depends_on = {toml_list(depends_on[module])}")
            if module in protected:
                lines.append(f"visibility = {toml_list(protected[module])}")
            lines.append("")
        for concept in concepts:
            owner, expose = interface_of(repo, concept, modules)
            lines += [
                "[[interfaces]]",
                f"from = {toml_list([re.escape(owner)])}",
                f"expose = {toml_list(expose)}",
                "",
            ]
        return "\n".join(lines)

    config = repo / "tach.toml"
    config.write_text(render({}))
    subprocess.run([tach, "sync"], cwd=repo, check=True, capture_output=True)
    synced = {m["path"]: m.get("depends_on", []) for m in tomllib.loads(config.read_text())["modules"]}
    declared = {  # as synced, but a protected module only for its allowed importers
        module: sorted(d for d in deps if module in protected.get(d, [module]))
        for module, deps in synced.items()
    }
    text = render(declared)
    config.write_text(text)
    return text


def interface_of(repo: Path, concept: dict, modules: list[str]) -> tuple[str, list[str]]:
    """The tach module holding the concept's canonical module, and its interface: the canonical
    path and every top-level name of the module's files but the concept's own names."""
    canonical_module, name = concept["canonical"].split(":")
    owner = max(
        (m for m in modules if canonical_module == m or canonical_module.startswith(m + ".")), key=len
    )
    concept_names = {name, *concept.get("also", [])}
    folder = repo / owner.replace(".", "/")
    nested = {m for m in modules if m.startswith(owner + ".")}
    expose = [re.escape(canonical_module.removeprefix(owner + ".") + "." + name)]
    for file in sorted(folder.rglob("*.py")):
        dotted = ".".join(file.relative_to(folder).with_suffix("").parts)
        dotted = dotted.removesuffix("__init__").rstrip(".")
        if any(f"{owner}.{dotted}" == m or f"{owner}.{dotted}".startswith(m + ".") for m in nested):
            continue  # a module of its own
        names = sorted(defined_names(file) - concept_names)
        if names:
            prefix = re.escape(dotted + ".") if dotted else ""
            expose.append(prefix + "(?:" + "|".join(map(re.escape, names)) + ")")
    return owner, expose


def defined_names(file: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.parse(file.read_bytes()).body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names |= {t.id for t in node.targets if isinstance(t, ast.Name)}
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names |= {(a.asname or a.name).split(".")[0] for a in node.names}
    return names


def tach_check(repo: Path, tach: str) -> tuple[float, str]:
    t0 = time.perf_counter()
    done = subprocess.run([tach, "check"], cwd=repo, capture_output=True, text=True, check=False)
    return time.perf_counter() - t0, done.stdout + done.stderr


def protected_import(report: str) -> tuple[str, int]:
    """A package file (not a test) that imports the protected module, as ``tach check`` reports it."""
    for path, line in re.findall(r"\[FAIL\] (\S+\.py):(\d+): Cannot use '[\w.]+\.impl\.\w+'", report):
        if "/tests/" not in path and not path.startswith(("tests/", "scripts/")):
            return path, int(line)
    raise SystemExit("tach check reports no import of the protected module in a package file:\n" + report)


def tach_command(tach: str, log: Path) -> list[str]:
    """``tach server``, its log (a line per message on stderr) kept in a file."""
    return ["sh", "-c", 'exec "$0" server 2>>"$1"', tach, str(log)]


def save(editor: Editor, path: str) -> None:
    (editor.root / path).write_text(editor.texts[path])
    editor.client.text_document_did_save(
        types.DidSaveTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=editor.uri(path)))
    )


async def published(editor: Editor, path: str, before: int, timeout: float = 600) -> list[types.Diagnostic]:
    """The document's diagnostics once they were published again after BEFORE publications."""
    deadline = time.monotonic() + timeout
    while editor.published.get(editor.uri(path), 0) <= before:
        if time.monotonic() > deadline:
            raise TimeoutError(path)
        await asyncio.sleep(0.005)
    return list(editor.client.diagnostics[editor.uri(path)])


class Server:
    """One server under test: how a change is waited for, and what it costs."""

    def __init__(self, name: str, editor: Editor, pulls: bool) -> None:
        self.name, self.editor, self.pulls = name, editor, pulls
        self.walls: dict[str, list[float]] = {"no-import": [], "import": []}
        self.cpus: list[float] = []
        process = editor.client._server
        assert process is not None
        self.pid = process.pid

    async def diagnostics(self, path: str, act: Callable[[], None]) -> list[types.Diagnostic]:
        """ACT (a change and its save), then the new diagnostics of PATH."""
        before = self.editor.published.get(self.editor.uri(path), 0)
        act()
        if self.pulls:
            return list((await self.editor.pull(path)).items)
        return await published(self.editor, path, before)

    async def timed(self, path: str, text: str, kind: str) -> list[types.Diagnostic]:
        def act() -> None:
            self.editor.change(path, text)
            save(self.editor, path)

        t0, c0 = time.perf_counter(), _cpu(self.pid)
        found = await self.diagnostics(path, act)
        self.walls[kind].append(time.perf_counter() - t0)
        self.cpus.append(_cpu(self.pid) - c0)
        return found


def flagged(found: list[types.Diagnostic], line: int) -> bool:
    return any(d.range.start.line == line for d in found)


async def drive(
    repo: Path, cache: Path, tach: str, opened: str, target: dict[str, str | int], edits: int, seed: int
) -> list[str]:
    rows: list[str] = []
    log = cache.parent / "tach-server.log"
    start = time.perf_counter()
    async with served(repo, "--cache-dir", str(cache), capabilities=PULL) as ag_editor:
        ag_ready = time.perf_counter()
        ag_editor.open(opened)
        first = (await ag_editor.pull(opened)).items
        ag_first = time.perf_counter()
        assert first, f"archguard reports nothing on {opened}"
        start_tach = time.perf_counter()
        async with served(repo, capabilities=PUSH, command=tach_command(tach, log), cwd=repo) as tach_editor:
            tach_ready = time.perf_counter()
            tach_editor.open(opened)
            tach_first = await published(tach_editor, opened, 0)
            tach_done = time.perf_counter()
            assert tach_first, f"tach reports nothing on {opened}"
            rows.append(
                f"| initialize → first diagnostics of {opened} | {ag_first - ag_ready:.2f} s | "
                f"{tach_done - tach_ready:.2f} s | {(tach_done - tach_ready) / (ag_first - ag_ready):.1f}× | "
                f"process start → initialized: archguard {ag_ready - start:.2f} s, tach {tach_ready - start_tach:.2f} s; "
                f"{len(first)} / {len(tach_first)} diagnostics; {load()} |"
            )
            servers = [Server("archguard", ag_editor, pulls=True), Server("tach", tach_editor, pulls=False)]
            original = ag_editor.texts[opened]
            try:
                await edit_rounds(servers, opened, original, edits, seed)
                rows += change_rows(servers)
                rows.append(await cross_file_row(servers, target))
            finally:
                (repo / opened).write_text(original)
            peaks = [_peak_kb(s.pid) / 1024 for s in servers]
            rows.append(
                f"| server peak memory (VmHWM) | {peaks[0]:.0f} MB | {peaks[1]:.0f} MB | "
                f"{peaks[1] / peaks[0]:.2f}× | {load()} |"
            )
    return rows


async def edit_rounds(servers: list[Server], path: str, text: str, edits: int, seed: int) -> None:
    """N edits of the open file, each changed and saved in one server, then in the other."""
    rng = random.Random(seed)
    for n in range(edits):
        if n % 5 == 4:  # the alias imported, then removed: both servers' diagnostics change
            added = text + f"\n{FLAGGED_IMPORT}  # {n}\n"
            line = added.count("\n") - 1
            for version in (added, text):
                for server in servers:
                    found = await server.timed(path, version, "import")
                    assert flagged(found, line) == (version is added), (server.name, n, found)
            continue
        text = no_edge_edit(rng, text, n)
        for server in servers:
            await server.timed(path, text, "no-import")


def change_rows(servers: list[Server]) -> list[str]:
    every = [s.walls["no-import"] + s.walls["import"] for s in servers]
    ag, tc = every
    rows = [
        f"| change + save of the open file → its diagnostics, {len(ag)} changes: p50 | "
        f"{statistics.median(ag) * 1000:.0f} ms | {statistics.median(tc) * 1000:.0f} ms | "
        f"{statistics.median(tc) / statistics.median(ag):.0f}× | import added/removed p50: archguard "
        f"{statistics.median(servers[0].walls['import']) * 1000:.0f} ms, tach "
        f"{statistics.median(servers[1].walls['import']) * 1000:.0f} ms; {load()} |",
        f"| same, **p95** | {p95(ag) * 1000:.0f} ms | {p95(tc) * 1000:.0f} ms | {p95(tc) / p95(ag):.0f}× | {load()} |",
    ]
    cpu = [s.cpus for s in servers]
    rows.append(
        f"| same, the server's CPU per change: p50 / p95 | {statistics.median(cpu[0]) * 1000:.0f} / "
        f"{p95(cpu[0]) * 1000:.0f} ms | {statistics.median(cpu[1]) * 1000:.0f} / {p95(cpu[1]) * 1000:.0f} ms | "
        f"{statistics.median(cpu[1]) / max(statistics.median(cpu[0]), 1e-3):.0f}× / "
        f"{p95(cpu[1]) / max(p95(cpu[0]), 1e-3):.0f}× | CPU seconds of the server process (all its threads, "
        f"/proc), which a busy machine does not inflate as it does wall time; {load()} |"
    )
    return rows


async def cross_file_row(servers: list[Server], target: dict[str, str | int]) -> str:
    """The missing name of an AG202 added to its module and saved: archguard clears the importer's
    AG202; tach is given as long as its save took five times over to republish the importer."""
    importer, module, line = str(target["importer"]), str(target["path"]), int(target["line"])
    ag, tc = servers
    for server in servers:
        await server.diagnostics(importer, lambda s=server: s.editor.open(importer))
        server.editor.open(module)
    original = ag.editor.texts[module]
    edited = original + f"\n\n{target['name']} = None  # added\n"
    waited = 5 * statistics.median(tc.walls["no-import"] + tc.walls["import"])
    try:
        t0 = time.perf_counter()
        found = await ag.diagnostics(
            importer, lambda: (ag.editor.change(module, edited), save(ag.editor, module))
        )
        ag_clear = time.perf_counter() - t0
        assert not has_ag202(found, line), "archguard: the AG202 did not clear"
        before = tc.editor.published.get(tc.editor.uri(importer), 0)
        await tc.diagnostics(module, lambda: (tc.editor.change(module, edited), save(tc.editor, module)))
        t0 = time.perf_counter()
        try:
            await published(tc.editor, importer, before, timeout=waited)
            tach_said = f"republished after {time.perf_counter() - t0:.1f} s"
        except TimeoutError:
            tach_said = f"not republished in {waited:.0f} s"
    finally:
        (ag.editor.root / module).write_text(original)
    return (
        f"| an edit saved in {module} → {importer}'s diagnostics (its AG202 clears) | {ag_clear * 1000:.0f} ms | "
        f"{tach_said} | — | tach publishes only the saved document's diagnostics, and a file's tach diagnostics "
        f"do not depend on other files' contents (only its own imports and tach.toml); {load()} |"
    )


def tach_per_change(repo: Path, tach: str, path: str, repeat: int) -> str:
    median = per_change([tach, "check"], repo, repo / path, repeat)
    return f"| tach check after a one-file edit (reference), median of {repeat} | {median * 1000:.0f} ms | {load()} |"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--tach", help="tach's executable (default: beside this Python, else on PATH)")
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument(
        "--edits", type=int, default=20, help="changes of the open file (tach takes seconds each)"
    )
    ap.add_argument("--repeat", type=int, default=3, help="runs of each reference check")
    ap.add_argument("--work", type=Path, default=HERE / ".work")
    args = ap.parse_args(argv)
    tach = find_tach(args.tach)
    if tach is None:
        print(
            f"skipped: tach is not installed (it is not a dependency of archguard). Install it apart: {INSTALL}"
        )
        return 0
    version = subprocess.run([tach, "--version"], capture_output=True, text=True, check=False).stdout.strip()
    repo, cache, manifest, label = warm_checkout(args.scale, args.seed, args.work)
    target = dangling_name(repo, cache)
    tach_config(repo, tach)
    took, report = tach_check(repo, tach)
    opened, line = protected_import(report)
    print(
        f"{label}: {manifest['files']} files; {version}: tach check {took:.1f} s, reports "
        f"{len(re.findall(r'The path .* is not part of the public interface', report))} interface errors and "
        f"{len(re.findall(r'cannot depend on', report))} dependency errors; the open file "
        f"{opened} imports the protected module on line {line}; {load()}"
    )
    print()
    print("| row | archguard | tach | tach / archguard | notes |\n|---|---|---|---|---|")
    for row in asyncio.run(drive(repo, cache, tach, opened, target, args.edits, args.seed)):
        print(row)
    print()
    print("| reference | figure | load |\n|---|---|---|")
    print(check_per_change(repo, cache, opened, args.repeat))
    print(tach_per_change(repo, tach, opened, args.repeat))
    return 0


if __name__ == "__main__":
    sys.exit(main())
