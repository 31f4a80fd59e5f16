"""``archguard check`` on released packages from PyPI: which dangling imports (AG201/AG202) remain.

    .venv/bin/python benchmarks/realworld_dangling.py                 # the default set below
    .venv/bin/python benchmarks/realworld_dangling.py --only django   # one of them
    .venv/bin/python benchmarks/realworld_dangling.py --dir /tmp/rw   # elsewhere than /work/realworld

A released, widely used package imports nothing that is missing, except on purpose: every
error-level AG201/AG202 finding left on these is either a real defect or a deliberate one (a test
that expects the ImportError, a file for another platform); docs/dangling.md lists each with its
reason. Wheels are downloaded with pip (no dependencies) and unpacked once into
``DIR/<name>-<version>/``; nothing here is committed. Exit code 0 when every package was checked
and its error-level findings are exactly the ones docs/dangling.md lists as real, 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import time
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
DOC = HERE.parent / "docs" / "dangling.md"

# (pip spec, python version whose wheel to take). Lazy loaders: scikit-image (lazy_loader
# attach_stub with .pyi stubs), transformers (sys.modules[__name__] = _LazyModule(...)).
PACKAGES = [
    ("scikit-image==0.25.2", "3.12"),
    ("transformers==4.51.3", "3.12"),
    ("django==5.2", "3.12"),
    ("sqlalchemy==2.0.40", "3.12"),
    ("pip==25.0.1", "3.12"),
    ("numpy==2.2.5", "3.12"),
    ("homeassistant==2025.4.4", "3.13"),
]
CODES = ("AG201", "AG202")


def fetch(spec: str, python_version: str, work: Path) -> Path:
    """The unpacked wheel of ``spec`` under ``work``, downloaded and unpacked on first use."""
    name, _, version = spec.partition("==")
    target = work / f"{name.lower().replace('_', '-')}-{version}"
    if target.is_dir():
        return target
    work.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--only-binary=:all:",
         "--python-version", python_version, "-d", str(work), spec],
        check=True,
    )
    stem = re.sub(r"[-_.]+", "_", name).lower()
    wheels = [w for w in work.glob("*.whl")
              if re.sub(r"[-_.]+", "_", w.name.split("-")[0]).lower() == stem
              and w.name.split("-")[1] == version]
    with zipfile.ZipFile(wheels[0]) as archive:
        archive.extractall(target)
    return target


def check(root: Path) -> tuple[dict, float]:
    started = time.perf_counter()
    run = subprocess.run(
        [sys.executable, "-m", "archguard", "check", str(root), "--no-cache", "--json", "-"],
        capture_output=True, text=True,
    )
    elapsed = time.perf_counter() - started
    if run.returncode not in (0, 1):
        sys.exit(f"archguard check {root} failed ({run.returncode}): {run.stderr[-2000:]}")
    return json.loads(run.stdout), elapsed


def listed_in_doc() -> set[tuple[str, str, int]]:
    """(package spec, path, line) of every finding docs/dangling.md explains, from its table rows
    ``| spec | `path:line` | code | ... |``."""
    rows = re.findall(r"^\|\s*([\w.=-]+)\s*\|\s*`([^`:]+):(\d+)`\s*\|", DOC.read_text(encoding="utf-8"), re.M)
    return {(spec, path, int(line)) for spec, path, line in rows}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dir", type=Path, default=Path("/work/realworld"))
    parser.add_argument("--only", action="append", default=[], help="package name (repeatable)")
    args = parser.parse_args()

    explained = listed_in_doc()
    ok = True
    for spec, python_version in PACKAGES:
        if args.only and spec.partition("==")[0] not in args.only:
            continue
        root = fetch(spec, python_version, args.dir)
        result, seconds = check(root)
        found = [v for v in result["violations"] if v.get("code") in CODES]
        errors = [v for v in found if v["severity"] == "error"]
        print(f"\n{spec}: {result['summary']['files']} files, check {seconds:.1f} s (cold), "
              f"{len(errors)} error-level and {len(found) - len(errors)} warning-level AG201/AG202")
        for v in errors:
            known = (spec, v["path"], v["line"]) in explained
            ok = ok and known
            print(f"  {'listed ' if known else 'NEW    '} {v['path']}:{v['line']} {v['code']} {v['message']}")
        warned: dict[str, int] = {}
        for v in found:
            if v["severity"] != "error":
                warned[v["message"].partition("(")[2].rstrip(")") or "guarded"] = warned.get(
                    v["message"].partition("(")[2].rstrip(")") or "guarded", 0) + 1
        for why, count in sorted(warned.items()):
            print(f"  warning x{count}: {why}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
