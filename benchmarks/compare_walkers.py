"""Compare the facts of the current walker with those of the walker at another git revision.

    .venv/bin/python benchmarks/compare_walkers.py TREE [TREE ...] [--rev main] [--show 5]

"Old" is the extraction code at ``--rev`` (``archguard/adapters/parsing/*.py`` from ``git show``,
loaded as a private package, so nothing is checked out); "new" is the working tree's. Every
``.py`` file under each TREE is read and decoded the way the scanner does, and the two sets of
facts compared:

- files the running interpreter's ``ast`` parses: ``extract_facts`` old vs new;
- files it rejects but ruff judges valid (newer syntax): each side's path for them, fed with
  ruff's list of the too-new constructs (the same list the scanner passes): down-levelled for
  ``ast``; what that cannot rewrite went to libcst's walker before the one walk, and is an
  unreadable file (counted) since.

It prints, per tree, the file counts, every difference (the first ``--show`` in full) and the
time of ``ast.parse`` alone and of each side's whole extraction (parse included), measured in this
one process, interleaved file by file so that load on the machine hits both alike. Exit status 1
when any file's facts differ.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import gc
import importlib
import os
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

REPO = Path(__file__).resolve().parent.parent
PARSING = "archguard/adapters/parsing"
# The modules that decide facts; the old copies import each other under the private package name.
# The last two (libcst's walker) exist only at revisions before the one walk: skipped when absent.
MODULES = ("facts_builder", "facts_ast", "fstring_downlevel", "downlevel", "cst_positions", "facts_cst")


def load_revision(rev: str, into: Path) -> dict[str, ModuleType]:
    """The extraction modules as they are at ``rev``, importable as ``archguard_at_rev.*``."""
    package = into / "archguard_at_rev"
    package.mkdir()
    (package / "__init__.py").write_text("")
    for name in MODULES:
        shown = subprocess.run(
            ["git", "show", f"{rev}:{PARSING}/{name}.py"], cwd=REPO, capture_output=True, text=True
        )
        if shown.returncode != 0:
            continue  # a module that does not exist at that revision
        text = shown.stdout.replace("archguard.adapters.parsing.", "archguard_at_rev.")
        (package / f"{name}.py").write_text(text)
    sys.path.insert(0, str(into))
    return {name: importlib.import_module(f"archguard_at_rev.{name}") for name in MODULES
            if (package / f"{name}.py").exists()}


def current() -> dict[str, ModuleType]:
    return {name: importlib.import_module(f"archguard.adapters.parsing.{name}") for name in MODULES
            if (REPO / PARSING / f"{name}.py").exists()}


def fallback(modules: dict[str, ModuleType], counts: dict[str, int]) -> Callable[[str, list], object]:
    """The scanner's path for a file ``ast`` rejects: down-levelled if possible; else, at revisions
    that have it, libcst's walker (counted in ``counts["libcst"]``), or, since the one walk, an
    unreadable file (``counts["unreadable"]``)."""
    downlevel = modules["downlevel"]
    cst = modules.get("facts_cst")

    def facts(source: str, constructs: list) -> object:
        try:
            found = downlevel.extract_facts_downlevel(source, constructs) if constructs else None
            if found is None and cst is not None:
                counts["libcst"] += 1
                found = cst.extract_facts_cst(source)
            if hasattr(found, "reason"):  # downlevel.TooNew
                counts["unreadable"] += 1
                return f"unreadable: {found.reason}"
            return found
        except SyntaxError as error:
            return f"SyntaxError: {error}"

    return facts


def python_files(tree: Path) -> list[Path]:
    return sorted(p for p in tree.rglob("*.py") if p.is_file())


def compare_tree(
    tree: Path, old: dict[str, ModuleType], new: dict[str, ModuleType], show: int, newer_only: bool = False
) -> int:
    from archguard.adapters.parsing import syntax_judge
    from archguard.adapters.parsing.source_text import UnreadableSource, decode_source

    sources: dict[str, str] = {}
    for path in python_files(tree):
        with contextlib.suppress(OSError, UnreadableSource):
            sources[str(path.relative_to(tree))] = decode_source(path.read_bytes())
    parse_s = old_s = new_s = 0.0
    differ: list[tuple[str, object, object]] = []
    rejected: list[str] = []
    old_extract, new_extract = old["facts_ast"].extract_facts, new["facts_ast"].extract_facts
    for rel, source in sources.items():
        start = time.perf_counter()
        try:
            ast.parse(source)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            rejected.append(rel)
            continue
        parse_s += time.perf_counter() - start
        if newer_only:
            continue
        start = time.perf_counter()
        before = old_extract(source)
        old_s += time.perf_counter() - start
        start = time.perf_counter()
        after = new_extract(source)
        new_s += time.perf_counter() - start
        if before != after:
            differ.append((rel, before, after))
    # Newer syntax: the files ruff judges valid for the running interpreter's own version are
    # exactly those the scanner sends to the fallback.
    newer = 0
    old_counts, new_counts = {"libcst": 0, "unreadable": 0}, {"libcst": 0, "unreadable": 0}
    if rejected:
        judged = syntax_judge.first_issues(syntax_judge.judge_isolated(tree, rejected, sys.version_info[:2]))
        # Any file ruff calls valid for a target as new as its grammar knows is "too new for us".
        valid_new = syntax_judge.first_issues(syntax_judge.judge_isolated(tree, rejected, (3, 14)))
        too_new = [p for p in rejected if valid_new.get(p, "missing") is None and judged.get(p) is not None]
        constructs = syntax_judge.all_issues(tree, too_new, sys.version_info[:2]) if too_new else {}
        old_fallback, new_fallback = fallback(old, old_counts), fallback(new, new_counts)
        for rel in too_new:
            newer += 1
            before = old_fallback(sources[rel], constructs.get(rel, []))
            after = new_fallback(sources[rel], constructs.get(rel, []))
            if before != after:
                differ.append((rel, before, after))
    print(f"{tree}: {len(sources) - len(rejected)} files parsed by ast{' (not compared)' if newer_only else ''}, {newer} with newer syntax "
          f"(fallback path; read by libcst: old {old_counts['libcst']}, new {new_counts['libcst']}; "
          f"unreadable: old {old_counts['unreadable']}, new {new_counts['unreadable']}), "
          f"{len(rejected) - newer} syntax errors; {len(differ)} differ")
    if parse_s and not newer_only:
        print(f"  ast.parse {parse_s:.2f} s; extraction (parse included): old {old_s:.2f} s "
              f"({old_s / parse_s:.2f}x parse), new {new_s:.2f} s ({new_s / parse_s:.2f}x parse)")
    for rel, before, after in differ[:show]:
        print(f"  DIFF {rel}\n    old: {before}\n    new: {after}")
    for rel, _, _ in differ[show:]:
        print(f"  DIFF {rel}")
    return len(differ)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("trees", nargs="+", type=Path)
    ap.add_argument("--rev", default="main", help="the revision whose walker is 'old' (default: main)")
    ap.add_argument("--show", type=int, default=5, help="differences printed in full")
    ap.add_argument("--newer-only", action="store_true",
                    help="compare only the files with newer syntax (the fallback path), not the ast path")
    args = ap.parse_args(argv)
    warnings.simplefilter("ignore")  # SyntaxWarnings of the analysed code
    gc.disable()  # as in the scanner's workers: ast trees have no cycles
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs; old = {args.rev}")
    with tempfile.TemporaryDirectory() as tmp:
        old = load_revision(args.rev, Path(tmp))
        new = current()
        total = sum(compare_tree(tree.resolve(), old, new, args.show, args.newer_only) for tree in args.trees)
    print(f"{total} files with different facts")
    return 1 if total else 0


if __name__ == "__main__":
    sys.exit(main())
