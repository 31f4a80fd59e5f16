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
Then ``archguard fix`` runs on a copy of each tree under each contract: it verifies its own change
(``check`` again, every file restored on any regression), and the line says what it rewrote and
how many fixable findings a fresh ``check`` still sees (0 when the fix was complete).
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
_TESTS_ON_PURPOSE = "real: a unit test of {what} reaches it on purpose; `allowed_importers = [\"tests.**\"]` says so"
VERDICTS: dict[tuple[str, str, str], str] = {
    # attrs 26.1.0
    ("attr", "tests/conftest.py", "attr._compat:PY_3_10_PLUS"): _TESTS_ON_PURPOSE.format(
        what="version-dependent behaviour (a flag of the private `_compat` module)"
    ),
    ("attr", "tests/conftest.py", "attr._compat:PY_3_14_PLUS"): _TESTS_ON_PURPOSE.format(
        what="version-dependent behaviour (a flag of the private `_compat` module)"
    ),
    ("attr", "tests/test_abc.py", "attr._compat:PY_3_12_PLUS"): _TESTS_ON_PURPOSE.format(
        what="version-dependent behaviour (a flag of the private `_compat` module)"
    ),
    ("attr", "tests/test_filters.py", "attr.filters:_split_what"): (
        "real: a private helper of the public `attr.filters` module, tested directly"
    ),
    ("attr", "tests/test_validators.py", "attr.validators:_subclass_of"): (
        "real: a private helper of the public `attr.validators` module, tested directly"
    ),
    ("attr", "tests/test_packaging.py", "attr:VersionInfo"): (
        "real, on attrs' side: `VersionInfo` is documented (docs/api-attr.rst: `attr.VersionInfo`) but "
        "`attr.__all__` leaves it out; the fix is to list it there"
    ),
    ("attr", "tests/test_version_info.py", "attr:VersionInfo"): (
        "real, on attrs' side: the same documented class missing from `attr.__all__`"
    ),
    ("attr", "tests/test_cmp.py", "attr._cmp:cmp_using"): (
        "real: the public `attr.cmp_using` taken from its private home; the rewrite is the documented import"
    ),
    ("attr", "tests/test_dunders.py", "attr._make:make_class"): (
        "real: the public `attr.make_class` taken from `attr._make`; the rewrite changes no object"
    ),
    ("attr", "tests/test_dunders.py", "attr._make:fields"): (
        "real: the public `attr.fields` taken from `attr._make`; the rewrite changes no object"
    ),
    # httpx 0.28.1
    ("httpx", "tests/models/test_whatwg.py", "httpx._urlparse:urlparse"): _TESTS_ON_PURPOSE.format(
        what="the private URL parser (the WHATWG conformance suite)"
    ),
    ("httpx", "tests/test_utils.py", "httpx._utils:get_environment_proxies"): _TESTS_ON_PURPOSE.format(
        what="a private helper"
    ),
    ("httpx", "tests/test_utils.py", "httpx._utils:URLPattern"): _TESTS_ON_PURPOSE.format(what="a private helper"),
    # pydantic 2.14.3
    ("pydantic", "tests/conftest.py", "pydantic._internal._generate_schema:GenerateSchema"): (
        "real: the test suite patches the private schema generator; `_internal` is pydantic's own word for it"
    ),
    ("pydantic", "tests/test_annotation_fast_path.py", "pydantic._internal:_generate_schema"): (
        "real: `from pydantic._internal import _generate_schema`, a private module taken as a module"
    ),
    ("pydantic", "tests/test_annotation_fast_path.py", "pydantic._internal._config:ConfigWrapper"): (
        "real: a private class of `_internal`, tested directly"
    ),
    ("pydantic", "tests/test_json_schema.py", "pydantic.networks:_CoreMultiHostUrl"): (
        "real: a private base class of the documented `pydantic.networks` module"
    ),
    ("pydantic", "tests/test_pipeline.py", "pydantic.experimental.pipeline:_Pipeline"): (
        "real: the private class behind the experimental pipeline API"
    ),
    ("pydantic", "tests/test_type_adapter.py", "pydantic.type_adapter:_type_has_config"): (
        "real: a private helper of the documented `pydantic.type_adapter` module"
    ),
    ("pydantic", "tests/mypy/test_mypy.py", "pydantic.version:parse_mypy_version"): (
        "real: a helper `pydantic.version.__all__` (`VERSION`, `version_info`) leaves out; the same import "
        "twice, once under `TYPE_CHECKING` and once in `try/except ImportError`, each marked so"
    ),
    ("pydantic", "tests/test_config.py", "pydantic.config:JsonValue"): (
        "real: defined in `pydantic/config.py` but left out of its `__all__`; no fix offered, rightly "
        "(`pydantic.types` exports a different `JsonValue`, and `pydantic.json_schema` only imports this one)"
    ),
    ("pydantic", "tests/benchmarks/test_fastapi_startup_simple.py", "pydantic.functional_validators:AfterValidator"): (
        "real under the bare contract (the rewrite `from pydantic import AfterValidator` is the documented "
        "import); clean under the documented one, which lists `pydantic.functional_validators`"
    ),
    ("pydantic", "tests/test_annotated.py", "pydantic.fields:PrivateAttr"): (
        "real under the bare contract: `from pydantic import PrivateAttr` is the same object"
    ),
    ("pydantic", "tests/test_annotated.py", "pydantic.functional_validators:AfterValidator"): (
        "real under the bare contract, as above"
    ),
}


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
            "| finding (as documented, then the bare contract's first fixable ones) | rule | fixable | verdict |",
            "|---|---|---|---|",
        ]
        bare_fixable = [v for v in bare if v["fixable"] and v not in documented][:3]
        for v in sample(documented) + bare_fixable:
            key = (package, v["path"], v["imported"])
            verdict = VERDICTS.get(key)
            if verdict is None:
                missing.append(f"{key}: {v['message']}")
                verdict = "(no verdict yet)"
            contract = " (bare)" if v in bare_fixable else ""
            out.append(
                f"| `{v['path']}:{v['line']}`{contract} {v['message'].replace('|', '/')} | {v['code']} | "
                f"{'yes' if v['fixable'] else 'no'} | {verdict} |"
            )
        out.append("")
        for variant in ("bare", "documented"):
            status, fixed, left = fix_copy(root, WORK / f"contract-{package}-{variant}")
            out.append(f"`archguard fix` ({variant}): {status}, {fixed} imports rewritten, {left} fixable left.")
        out.append("")
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
