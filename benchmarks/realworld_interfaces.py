"""Interface contracts on released packages nobody here wrote, judged (issue 27).

    .venv/bin/python benchmarks/realworld_interfaces.py             # the three packages below
    .venv/bin/python benchmarks/realworld_interfaces.py --markdown out.md

Each package declares ``__all__`` in its top-level ``__init__`` and imports its own internals from
its tests. For each: download its source distribution with pip (no dependencies; it holds the
tests; into ``benchmarks/.work/``, never committed), then run ``archguard check`` as a user would
with two interface contracts of the top-level package, one at a time:

* **bare**: ``package = "<name>"`` and nothing else: every module but the ``__init__`` is internal;
* **as documented**: ``also_public`` lists the modules the project's own documentation presents as
  public API (and ``allowed_importers`` a sibling package built from the same internals), so
  what remains are reach-ins into what the project itself calls internal.

It prints the counts (by rule, fixable, by top folder), then a judged sample: for each package the
first findings of each rule (and the first fixable ones), each with a verdict written after
reading the code it points at (``VERDICTS`` below). Exit 1 when a sampled finding has no verdict.
Then ``archguard fix`` runs on a copy of each tree under the documented contract and must leave
``check`` clean of every finding it called fixable (its own verification, then ours).
"""

from __future__ import annotations

import argparse
import collections
import json
import shutil
import subprocess
import sys
import tarfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
WORK = HERE / ".work" / "interfaces"

# (pip spec, top-level package, what it stands for, documented public modules, allowed importers)
PACKAGES = [
    (
        "attrs==26.1.0",
        "attr",
        "classes without boilerplate: a small library whose tests import its private modules",
        # attrs' API reference documents attr.converters, .filters, .setters, .validators and
        # .exceptions as modules (all named in attr.__all__ already)
        [],
        ["attrs", "attrs.**"],  # the sibling `attrs` package is built from attr's internals
    ),
    (
        "httpx==0.28.1",
        "httpx",
        "an HTTP client: every module private (`httpx/_*.py`), everything public through the __init__",
        [],
        [],
    ),
    (
        "pydantic==2.14.3",
        "pydantic",
        "data validation: a lazy __init__ (module __getattr__, names under TYPE_CHECKING), documented public submodules, a private `_internal` package",
        # the modules pydantic's API documentation presents (docs/api/*.md)
        [
            "pydantic.aliases", "pydantic.alias_generators", "pydantic.annotated_handlers", "pydantic.color",
            "pydantic.config", "pydantic.dataclasses", "pydantic.errors", "pydantic.experimental.**",
            "pydantic.fields", "pydantic.functional_serializers", "pydantic.functional_validators",
            "pydantic.json_schema", "pydantic.main", "pydantic.networks", "pydantic.plugin",
            "pydantic.root_model", "pydantic.type_adapter", "pydantic.types", "pydantic.validate_call_decorator",
            "pydantic.version", "pydantic.warnings", "pydantic.v1.**",
        ],
        [],
    ),
]

# Verdicts after reading the code: (package, path, imported module:Name) -> one line. "real" is a
# finding a maintainer would act on or allow on purpose; "noise" one that is wrong.
VERDICTS: dict[tuple[str, str, str], str] = {}


def fetch_sdist(spec: str) -> Path:
    """The unpacked source distribution (downloaded once)."""
    name, _, version = spec.partition("==")
    target = WORK / f"{name}-{version}"
    if target.is_dir():
        return target
    downloads = WORK / "downloads"
    downloads.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:", "-d", str(downloads), spec],
        check=True, capture_output=True,
    )
    archive = next(p for p in downloads.glob(f"{name}-{version}.tar.gz"))
    with tarfile.open(archive) as tar:
        tar.extractall(WORK, filter="data")
    return target


def write_contract(folder: Path, package: str, also_public: list[str], allowed: list[str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    lines = ["[[interface]]", f'name = "{package}"', f'package = "{package}"']
    if also_public:
        lines.append("also_public = [" + ", ".join(json.dumps(m) for m in also_public) + "]")
    if allowed:
        lines.append("allowed_importers = [" + ", ".join(json.dumps(m) for m in allowed) + "]")
    (folder / "interface.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def check(root: Path, contracts: Path) -> tuple[list[dict[str, Any]], dict[str, Any], float]:
    out = contracts / "check.json"
    started = time.perf_counter()
    run = subprocess.run(
        [sys.executable, "-m", "archguard", "check", str(root), "--contracts", str(contracts), "--no-cache",
         "-q", "--json", str(out)],
        capture_output=True, text=True,
    )
    elapsed = time.perf_counter() - started
    if run.returncode not in (0, 1):
        sys.exit(f"archguard check failed on {root}: {run.stderr[-2000:]}")
    data = json.loads(out.read_text())
    return [v for v in data["violations"] if v["code"].startswith("AG5")], data["summary"], elapsed


def counts_row(label: str, found: list[dict[str, Any]]) -> str:
    codes = collections.Counter(v["code"] for v in found)
    folders = collections.Counter(v["path"].split("/")[0] for v in found)
    return (
        f"| {label} | {len(found)} | {codes['AG501']} | {codes['AG502']} | {codes['AG503']} | "
        f"{sum(v['fixable'] for v in found)} | "
        + ", ".join(f"`{f}/` {n}" for f, n in folders.most_common()) + " |"
    )


def sample(found: list[dict[str, Any]], per_code: int = 3, fixable: int = 3) -> list[dict[str, Any]]:
    """The first findings of each rule and the first fixable ones, in the check's order."""
    chosen: list[dict[str, Any]] = []
    for code in ("AG501", "AG502", "AG503"):
        chosen += [v for v in found if v["code"] == code][:per_code]
    chosen += [v for v in found if v["fixable"] and v not in chosen][:fixable]
    return chosen


def fix_copy(root: Path, contracts: Path) -> tuple[str, int, int]:
    """``archguard fix`` on a copy; (status, fixed, fixable findings left after it)."""
    copy = WORK / f"{root.name}-fixed"
    if copy.exists():
        shutil.rmtree(copy)
    shutil.copytree(root, copy)
    run = subprocess.run(
        [sys.executable, "-m", "archguard", "fix", str(copy), "--contracts", str(contracts), "--no-cache",
         "-q", "--json", "-"],
        capture_output=True, text=True,
    )
    result = json.loads(run.stdout[: run.stdout.rindex("}") + 1])
    left, _, _ = check(copy, contracts)
    return result["status"], result["summary"]["fixed_violations"], sum(v["fixable"] for v in left)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--markdown", type=Path, help="also write the tables to this file")
    args = parser.parse_args(argv)
    out: list[str] = []
    missing: list[str] = []
    for spec, package, what, also_public, allowed in PACKAGES:
        root = fetch_sdist(spec)
        bare, summary, seconds = check(root, write_contract(WORK / f"contract-{package}-bare", package, [], []))
        documented, _, _ = check(
            root, write_contract(WORK / f"contract-{package}-documented", package, also_public, allowed)
        )
        out += [
            f"#### {spec}: {what}",
            "",
            f"{summary['files']} files, checked in {seconds:.1f} s (cold, no cache).",
            "",
            "| contract | findings | AG501 | AG502 | AG503 | fixable | where |",
            "|---|---:|---:|---:|---:|---:|---|",
            counts_row("bare", bare),
            counts_row("as documented", documented),
            "",
            "| finding (as documented) | rule | fixable | verdict |",
            "|---|---|---|---|",
        ]
        for v in sample(documented):
            key = (package, v["path"], v["imported"])
            verdict = VERDICTS.get(key)
            if verdict is None:
                missing.append(f"{key}: {v['message']}")
                verdict = "(no verdict yet)"
            out.append(
                f"| `{v['path']}:{v['line']}` {v['message'].replace('|', '/')} | {v['code']} | "
                f"{'yes' if v['fixable'] else 'no'} | {verdict} |"
            )
        status, fixed, left = fix_copy(root, WORK / f"contract-{package}-documented")
        out += ["", f"`archguard fix` (as documented): {status}, {fixed} imports rewritten, {left} fixable left.", ""]
    text = "\n".join(out)
    print(text)
    if args.markdown:
        args.markdown.write_text(text + "\n", encoding="utf-8")
    if missing:
        print("\nfindings to judge (add a verdict to VERDICTS):", *missing, sep="\n", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
