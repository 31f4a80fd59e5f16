"""``archguard check`` on released packages from PyPI: which dangling imports (AG201/AG202) remain.

    .venv/bin/python benchmarks/realworld_dangling.py                 # the default set below
    .venv/bin/python benchmarks/realworld_dangling.py --only django   # one of them
    .venv/bin/python benchmarks/realworld_dangling.py --dir /tmp/rw   # elsewhere than /work/realworld
    .venv/bin/python benchmarks/realworld_dangling.py --verify        # run each error's import in a venv

A released, widely used package imports nothing that is missing, except on purpose: every
error-level AG201/AG202 finding left on these is either a real defect or a deliberate one (a test
that expects the ImportError, a file for another platform); docs/dangling.md lists each with its
reason. Wheels are downloaded with pip (no dependencies) and unpacked once into
``DIR/<name>-<version>/``; nothing here is committed. Exit code 0 when every package was checked
and its error-level findings are exactly the ones docs/dangling.md lists as real, 1 otherwise.

``--verify`` checks every error-level finding as the audit in docs/dangling.md did: it installs
the package with its declared dependencies (pip, PyPI) into a throw-away venv under
``DIR/venvs/`` (Python of the wheel's version, ``pythonX.Y`` on PATH) and runs the import
statement there as the importing module would (``__name__``/``__package__`` set): "real" when
Python fails on exactly the reported module or name, "false" when it imports. That runs the
package's own code, in that venv only; archguard itself never imports what it analyses.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import textwrap
import time
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
DOC = HERE.parent / "docs" / "dangling.md"

# (pip spec, python version whose wheel to take, the dynamic shape it is here for). The first seven
# are the lazy loaders and large frameworks the rules were first built on; the others were chosen
# for the constructs through which code archguard does not follow changes a namespace, a
# package's __path__ or sys.modules (docs/dangling.md, "Warnings, not errors").
PACKAGES = [
    ("scikit-image==0.25.2", "3.12", "lazy_loader attach_stub with .pyi stubs"),
    ("transformers==4.51.3", "3.12", "sys.modules[__name__] = _LazyModule(...)"),
    ("django==5.2", "3.12", "a large plain framework"),
    ("sqlalchemy==2.0.40", "3.12", "a large plain library"),
    ("pip==25.0.1", "3.12", "vendored six (sys.modules registrations, meta path importer)"),
    ("numpy==2.2.5", "3.12", "globals() writes; numpy.distutils absent on 3.12"),
    ("homeassistant==2025.4.4", "3.13", "a very large application"),
    ("astropy==6.1.7", "3.12", "globals() handed to def_unit; locals()[k] = v; a helper finding its caller's module"),
    ("googleapis-common-protos==1.66.0", "3.12", "generated protobuf code: globals() handed to the builder"),
    ("opentelemetry-proto==1.30.0", "3.12", "generated protobuf code in a namespace package"),
    ("eventlet==0.39.1", "3.12", "globals() handed to slurp_properties / patcher.inject"),
    ("gevent==24.11.1", "3.12", "copy_globals(..., globals()) from C-accelerated modules"),
    ("paste==3.10.1", "3.12", "locals()[name] = value at module level"),
    ("dnspython==2.0.0", "3.12", "globals().update(Enum.__members__)"),
    ("scapy==2.6.1", "3.12", "load_layer(..., globals_dict=globals())"),
    ("pytest==8.3.5", "3.12", "py.py registers py.error and py.path in sys.modules"),
    ("celery==5.4.0", "3.12", "recreate_module(__name__, ...): a lazy package replacing itself"),
    ("future==1.0.0", "3.12", "standard_library import hooks, modules registered in sys.modules"),
    ("sh==2.2.1", "3.12", "a module replacing itself with a callable object"),
    ("backports.tarfile==1.2.0", "3.12", "__path__ = pkgutil.extend_path(__path__, __name__)"),
    ("azure-common==1.1.28", "3.12", "a portion of the azure namespace package"),
]
CODES = ("AG201", "AG202")
# Pins a venv needs beside the package's own declared dependencies: astropy 6.1.7 declares
# numpy>=1.23 with no upper bound, and numpy 2.3 removed ``np.in1d``, which it calls on import.
VENV_PINS = {"astropy==6.1.7": ["numpy==2.2.5"]}


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


# Runs one import statement as the importing module would, in a venv where the package and its
# declared dependencies are installed, and says how it ended (JSON on stdout). This executes the
# package's own code: only ever in the throw-away venv, never in archguard (which never imports
# what it analyses).
_RUN_IMPORT = r"""
import json, sys, textwrap
item = json.loads(sys.stdin.read())
namespace = {"__name__": item["importer"], "__package__": item["package"]}
try:
    exec(compile("import importlib\n" + item["statement"], item["path"], "exec"), namespace)
except ModuleNotFoundError as error:
    outcome = ["ModuleNotFoundError", error.name or "", str(error)]
except ImportError as error:
    outcome = ["ImportError", error.name or "", str(error)]
except BaseException as error:
    outcome = [type(error).__name__, "", str(error)[:300]]
else:
    outcome = ["imports", "", ""]
print(json.dumps(outcome))
"""


def venv_for(spec: str, python_version: str, work: Path) -> Path:
    """A venv (Python ``python_version``) with ``spec`` and its declared dependencies installed."""
    name = spec.replace("==", "-")
    venv = work / "venvs" / name
    python = venv / "bin" / "python"
    if not (venv / ".installed").exists():
        interpreter = shutil.which(f"python{python_version}")
        if interpreter is None:
            sys.exit(f"--verify {spec}: no python{python_version} on PATH")
        subprocess.run([interpreter, "-m", "venv", "--clear", str(venv)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", spec, *VENV_PINS.get(spec, [])], check=True)
        (venv / ".installed").write_text(spec)
    return python


def check_statement(v: dict) -> str:
    """The import to run for one finding: the statement as written for a missing module (it fails
    whatever names it lists), ``from <module as written> import <name>`` for a missing name."""
    statement = textwrap.dedent(v["statement"])
    if v["code"] == "AG202":
        written = re.match(r"\s*from\s+(\.*[\w.]*)\s+import", statement)
        if written:
            return f"from {written[1]} import {v['imported'].partition(':')[2]}"
    return statement


def verdict(v: dict, outcome: list[str]) -> str:
    """"real" when Python fails on exactly what archguard reported, "false" when the import
    works, else "other: ..." (it failed for another reason, e.g. a missing optional dependency:
    judged by hand in docs/dangling.md)."""
    kind, missing_name, text = outcome
    module, _, name = v["imported"].partition(":")
    if kind == "imports":
        return "false"
    if v["code"] == "AG202" and kind == "ImportError" and f"cannot import name '{name}'" in text:
        return "real"
    if v["code"] == "AG201":
        if module.startswith(".") and kind == "ImportError" and "relative import" in text:
            return "real"
        if kind == "ModuleNotFoundError" and (module == missing_name or module.startswith(missing_name + ".")):
            return "real"
    return f"other: {kind}: {text}"


def verify(spec: str, python_version: str, work: Path, errors: list[dict]) -> dict[tuple[str, int, str], str]:
    python = venv_for(spec, python_version, work)
    verdicts = {}
    for v in errors:
        package = v["importer"] if v["path"].endswith("__init__.py") else v["importer"].rpartition(".")[0]
        item = {"importer": v["importer"], "package": package, "path": v["path"], "statement": check_statement(v)}
        run = subprocess.run([str(python), "-c", _RUN_IMPORT], input=json.dumps(item), capture_output=True,
                             text=True, cwd=str(work), timeout=300)
        try:
            outcome = json.loads(run.stdout.strip().splitlines()[-1])
        except (IndexError, ValueError):
            outcome = ["crashed", "", run.stderr[-300:]]
        verdicts[v["path"], v["line"], v["imported"]] = verdict(v, outcome)
    return verdicts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dir", type=Path, default=Path("/work/realworld"))
    parser.add_argument("--only", action="append", default=[], help="package name (repeatable)")
    parser.add_argument("--verify", action="store_true",
                        help="run every error-level finding's import in a venv of the package (pip install)")
    parser.add_argument("--verify-warnings", action="store_true",
                        help="with --verify, run the warning-level findings' imports too (how many work)")
    args = parser.parse_args()

    explained = listed_in_doc()
    ok = True
    rows = []
    for spec, python_version, _ in PACKAGES:
        if args.only and spec.partition("==")[0] not in args.only:
            continue
        root = fetch(spec, python_version, args.dir)
        result, seconds = check(root)
        found = [v for v in result["violations"] if v.get("code") in CODES]
        errors = [v for v in found if v["severity"] == "error"]
        print(f"\n{spec}: {result['summary']['files']} files, check {seconds:.1f} s (cold), "
              f"{len(errors)} error-level and {len(found) - len(errors)} warning-level AG201/AG202")
        checked = found if args.verify_warnings else errors
        verdicts = verify(spec, python_version, args.dir, checked) if args.verify and checked else {}
        for v in errors:
            known = (spec, v["path"], v["line"]) in explained
            ok = ok and known
            judged = verdicts.get((v["path"], v["line"], v["imported"]), "")
            print(f"  {'listed ' if known else 'NEW    '} {v['path']}:{v['line']} {v['code']} {v['message']}"
                  + (f"  [{judged}]" if judged else ""))
        warned: dict[str, int] = {}
        for v in found:
            if v["severity"] != "error":
                why = re.sub(r" at [\w/.-]+:\d+|:\d+ ", " ", v["message"].partition("(")[2].rstrip(")")) or "guarded"
                warned[why] = warned.get(why, 0) + 1
        for why, count in sorted(warned.items()):
            print(f"  warning x{count}: {why}")
        real = sum(1 for v in errors if verdicts.get((v["path"], v["line"], v["imported"])) == "real")
        if args.verify_warnings:
            warned_verdicts = [verdicts.get((v["path"], v["line"], v["imported"]), "") for v in found
                               if v["severity"] != "error"]
            works = sum(1 for judged in warned_verdicts if judged == "false")
            fails = sum(1 for judged in warned_verdicts if judged == "real")
            print(f"  warnings run: {works} import, {fails} fail as reported, "
                  f"{len(warned_verdicts) - works - fails} fail otherwise")
        rows.append((spec, result["summary"]["files"], len(errors), len(found) - len(errors),
                     real if args.verify else None, seconds))
    print("\n| package | files | error-level | warning-level | real (import run) | cold check |")
    print("|---|---|---|---|---|---|")
    for spec, files, errors, warnings, real, seconds in rows:
        print(f"| {spec} | {files:,} | {errors} | {warnings} | {'' if real is None else real} | {seconds:.1f} s |")
    if args.verify:
        total = sum(r[2] for r in rows)
        real = sum(r[4] or 0 for r in rows)
        print(f"\nerror-level findings: {total}, real by running the import: {real}"
              + (f", precision {real / total:.3f}" if total else ""))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
