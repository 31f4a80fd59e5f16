#!/usr/bin/env python3
"""Build a synthetic, deterministic, drifted Python monorepo for benchmarks.

The tree reproduces, at scale, every drift pattern of a real audited monorepo:

* 7 top-level packages (``--packages``) with nested subpackages, ~7,000 modules at ``--scale 1``;
* one "connection manager" concept per package, reachable through many paths: implementation
  with aliases at the bottom, canonical module, package re-exports (chains up to the top-level
  ``__init__``), a ``DeprecationWarning`` shim, ``ConnectionManager = Manager`` in a third module,
  a wrapper subclass, ``manager_factory.py`` and ``manager_factory_compat.py``;
* generic re-export chains through subpackage ``__init__`` files, and ``from x import *`` shims;
* guarded imports (module level and in functions, ``X = None`` fallback), ``if TYPE_CHECKING:``
  blocks, function-level imports, ``importlib.import_module("literal")``;
* dangling imports: deleted modules and names that no longer exist (some of them guarded);
* ~3% broken test files (unmatched bracket, unterminated string, ``if`` without a body), most in
  ``tests/`` (no ``__init__.py``), some in in-package ``tests`` subpackages (which make grimp and
  lint-imports abort, as on the audited codebase);
* ``tests/`` without ``__init__.py``, ``scripts/`` (some not valid module names), one-off scripts
  at the root;
* copies: ``*.py.backup_YYYYMMDD`` files and a ``backups/`` tree (excluded through
  ``pyproject.toml``);
* ~1% of package modules use Python 3.12 syntax (``type X = ...``, ``class C[T]:``, PEP 701
  f-strings);
* a hub: ``<first package>/settings.py``, whose ``SETTINGS`` ~12.5% of all files import
  (``--hub-rate``), as a settings or logging module is in real trees: an edit there is the
  edit loop's worst case (benchmarks/engine.py).

At ``--scale 1`` the tree is ~10,600 ``.py`` files / ~190 MB outside ``backups/``, like the
audited codebase; ``--scale 0.1`` gives ~1,000 files. The same seed and parameters always give
byte-identical trees. A ``manifest.json`` at the root records what was planted (expected counts),
so a benchmark can check that a tool saw what is there.

Usage: python benchmarks/generate_tree.py OUT [--scale 0.1] [--seed 0] [--force]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import random
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

GENERATOR_VERSION = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:16]

PACKAGE_NAMES = [
    "platform_core", "billing", "catalog", "fulfilment", "identity", "messaging", "insights",
    "pricing", "search", "ledger", "shipping", "support",
]
WORDS = [
    "account", "address", "alert", "archive", "asset", "audit", "batch", "budget", "cache",
    "channel", "checkout", "claim", "client", "config", "contract", "coupon", "credit", "customer",
    "dashboard", "delivery", "device", "discount", "dispatch", "document", "draft", "event",
    "export", "feature", "feed", "filter", "forecast", "gateway", "group", "intake", "invoice",
    "item", "job", "journal", "label", "ledger", "limit", "listing", "locale", "metric", "note",
    "offer", "order", "partner", "payment", "payout", "permission", "plan", "policy", "price",
    "profile", "promo", "quota", "rate", "receipt", "refund", "region", "report", "request",
    "reserve", "review", "role", "route", "rule", "schedule", "segment", "session", "settlement",
    "shipment", "sku", "slot", "source", "stock", "store", "subscription", "supplier", "tax",
    "team", "tenant", "ticket", "token", "transfer", "usage", "user", "vendor", "voucher",
    "warehouse", "webhook", "window", "workflow", "zone",
]
SUFFIXES = ["Service", "Repository", "Client", "Handler", "Builder", "Validator", "Record",
            "Policy", "Adapter", "Serializer", "Store", "Resolver", "Mapper", "Registry"]
VERBS = ["get", "load", "build", "sync", "compute", "validate", "render", "apply", "find",
         "create", "update", "refresh", "export", "merge", "resolve", "publish"]
BACKUP_DATES = ["20240611", "20250103", "20250917"]


def camel(word: str) -> str:
    return "".join(part.capitalize() for part in word.split("_"))


@dataclass
class Module:
    name: str  # dotted module name
    path: str  # relative path
    is_package: bool = False
    kind: str = "regular"  # regular | concept | shim | test
    names: list[str] = field(default_factory=list)  # public names defined here
    reexports: list[tuple[str, str]] = field(default_factory=list)  # (source module, name)

    @property
    def parent(self) -> str:
        return self.name if self.is_package else self.name.rpartition(".")[0]


@dataclass
class Stats:
    dangling_module_imports: int = 0
    dangling_name_imports: int = 0
    guarded_dangling: int = 0
    concept_imports: dict[str, int] = field(default_factory=dict)
    guarded_imports: int = 0
    type_checking_imports: int = 0
    function_imports: int = 0
    dynamic_imports: int = 0
    star_shims: int = 0


class Generator:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.rng = random.Random(args.seed)
        s = args.scale
        self.n_packages = args.packages
        self.n_modules = max(self.n_packages * 20, round(args.modules * s))
        self.n_tests = max(10, round(args.tests * s))
        self.n_scripts = max(3, round(args.scripts * s))
        self.n_root_scripts = max(3, round(args.root_scripts * s))
        self.n_backups = round(args.backups * s)
        total = self.n_modules + self.n_tests + self.n_scripts + self.n_root_scripts
        # size factors: package modules ~1.0 (small __init__/concept files aside), tests 0.7, scripts 0.5
        weighted = args.modules * 0.95 + args.tests * 0.7 + (args.scripts + args.root_scripts) * 0.5
        self.avg_bytes = args.size_mb * 1e6 / weighted
        self.total_files_planned = total
        self.modules: dict[str, Module] = {}
        self.packages = [PACKAGE_NAMES[i] if i < len(PACKAGE_NAMES) else f"pkg{i}"
                         for i in range(self.n_packages)]
        self.stats = Stats()
        self.files: dict[str, str] = {}  # path -> text (package and loose files, no copies)
        self.broken: list[dict[str, object]] = []
        self.new_syntax: list[str] = []
        self.loose: list[str] = []
        self.snippets = self._make_snippets(400)
        self._cur = ""  # path being rendered
        self.dangling_by_file: dict[str, list[int]] = {}  # path -> [module imports, name imports]
        # the hub's importers are drawn from a generator of their own, so the rest of the tree is
        # the one the same seed gave before the hub existed (plus one import line in those files)
        self.hub_rng = random.Random(args.seed + 7)
        self.hub = f"{self.packages[0]}.settings"
        self.hub_importers = 0

    # ------------------------------------------------------------------ planning
    def plan(self) -> None:
        rng = self.rng
        weights = [rng.uniform(0.75, 1.25) for _ in self.packages]
        total_w = sum(weights)
        for pkg, w in zip(self.packages, weights):
            n = max(20, round(self.n_modules * w / total_w))
            self._add(Module(pkg, f"{pkg}/__init__.py", is_package=True))
            self._plan_concept(pkg)
            n_tests_inside = max(2, round(n * 0.03))
            self._add(Module(f"{pkg}.tests", f"{pkg}/tests/__init__.py", is_package=True, kind="test"))
            for i in range(n_tests_inside):
                stem = f"test_{rng.choice(WORDS)}_{i}"
                self._add(Module(f"{pkg}.tests.{stem}", f"{pkg}/tests/{stem}.py", kind="test"))
            remaining = n - 10 - n_tests_inside - 2
            self._plan_subtree(pkg, max(remaining, 5), depth=1)
        # assign public names
        for m in self.modules.values():
            if m.kind == "regular" and not m.is_package:
                base = m.name.rsplit(".", 1)[1].rstrip("0123456789_") or "item"
                k = rng.randint(2, 6)
                names = []
                for j in range(k):
                    if rng.random() < 0.55:
                        names.append(camel(base) + rng.choice(SUFFIXES) + ("" if j == 0 else str(j)))
                    else:
                        names.append(f"{rng.choice(VERBS)}_{base}" + ("" if j < 2 else f"_{j}"))
                m.names = list(dict.fromkeys(names))
        # shims: ~1% of regular modules become "compat" modules re-exporting another module
        regular = [m for m in self.modules.values() if m.kind == "regular" and not m.is_package]
        chosen = rng.sample(regular, max(1, len(regular) // 100))
        chosen_names = {m.name for m in chosen}
        targets = [m for m in regular if m.name not in chosen_names]
        for m in chosen:
            target = rng.choice(targets)
            m.kind = "shim"
            m.reexports = [(target.name, "*")] + [(target.name, n) for n in target.names[:2]]
            m.names = list(target.names)
        # re-export chains: subpackage __init__ re-exports names of its modules; the top-level
        # package re-exports some of those again
        children: dict[str, list[Module]] = {}
        for m in self.modules.values():
            if m.kind == "regular" and not m.is_package:
                children.setdefault(m.parent, []).append(m)
        for pkg_name, mods in children.items():
            init = self.modules[pkg_name]
            if init.kind != "regular" or pkg_name.count(".") == 0:
                continue
            for m in rng.sample(mods, min(len(mods), rng.randint(1, 4))):
                init.reexports.append((m.name, m.names[0]))
        for pkg in self.packages:
            top = self.modules[pkg]
            subs = [m for m in self.modules.values()
                    if m.is_package and m.kind == "regular" and m.name.count(".") == 1
                    and m.name.startswith(pkg + ".") and m.reexports]
            for sub in rng.sample(subs, min(len(subs), 5)):
                top.reexports.append((sub.name, sub.reexports[0][1]))

    def _add(self, m: Module) -> None:
        self.modules[m.name] = m

    def _plan_concept(self, pkg: str) -> None:
        core = f"{pkg}.core"
        self._add(Module(core, f"{pkg}/core/__init__.py", is_package=True, kind="concept"))
        for stem in ("impl", "manager", "compat", "aliases", "wrappers", "manager_factory",
                     "manager_factory_compat"):
            self._add(Module(f"{core}.{stem}", f"{pkg}/core/{stem}.py", kind="concept"))

    def _plan_subtree(self, parent: str, n: int, depth: int) -> None:
        rng = self.rng
        own = n if (n <= 40 or depth >= 3) else rng.randint(8, 20)
        used: set[str] = set()
        for i in range(own):
            word = rng.choice(WORDS)
            stem = word if word not in used else f"{word}_{i}"
            used.add(stem)
            self._add(Module(f"{parent}.{stem}", f"{parent.replace('.', '/')}/{stem}.py"))
        rest = n - own
        if rest <= 0:
            return
        k = max(2, min(12, round(math.sqrt(rest / 12))))
        sizes = [rest // k + (1 if i < rest % k else 0) for i in range(k)]
        for i, size in enumerate(sizes):
            word = rng.choice(WORDS)
            sub = f"{word}s" if f"{word}s" not in used else f"{word}s_{i}"
            used.add(sub)
            name = f"{parent}.{sub}"
            self._add(Module(name, f"{name.replace('.', '/')}/__init__.py", is_package=True))
            self._plan_subtree(name, max(size - 1, 1), depth + 1)

    # ------------------------------------------------------------------ text helpers
    def _make_snippets(self, n: int) -> list[str]:
        rng = random.Random(self.args.seed + 1)
        out = []
        for i in range(n):
            w1, w2 = rng.choice(WORDS), rng.choice(WORDS)
            verb = rng.choice(VERBS)
            if rng.random() < 0.4:
                methods = []
                for j in range(rng.randint(2, 5)):
                    mv = rng.choice(VERBS)
                    methods.append(
                        f"    def {mv}_{w2}_{j}(self, {w2}_id: str, *, limit: int = {rng.randint(5, 500)}) -> list[dict]:\n"
                        f'        """{mv.capitalize()} {w2} records for this {w1}."""\n'
                        f"        rows = [r for r in self._rows if r.get(\"{w2}_id\") == {w2}_id]\n"
                        f"        if len(rows) > limit:\n"
                        f"            rows = rows[:limit]\n"
                        f"        return [{{**r, \"{w1}\": self.name}} for r in rows]\n"
                    )
                out.append(
                    f"class {camel(w1)}{camel(w2)}Helper{{n}}:\n"
                    f'    """Keeps {w2} state for one {w1}."""\n\n'
                    f"    def __init__(self, name: str, rows: list[dict] | None = None) -> None:\n"
                    f"        self.name = name\n"
                    f"        self._rows = list(rows or [])\n\n" + "\n".join(methods) + "\n\n"
                )
            else:
                out.append(
                    f"def _{verb}_{w1}_{w2}{{n}}(items, threshold={rng.randint(1, 99)}):\n"
                    f'    """{verb.capitalize()} {w1} totals grouped by {w2}."""\n'
                    f"    totals = {{}}\n"
                    f"    for item in items:\n"
                    f"        key = item.get(\"{w2}\", \"unknown\")\n"
                    f"        totals[key] = totals.get(key, 0) + item.get(\"amount\", 0)\n"
                    f"    ranked = sorted(totals.items(), key=lambda kv: kv[1], reverse=True)\n"
                    f"    if not ranked:\n"
                    f"        return []\n"
                    f"    return [f\"{{{{key}}}}: {{{{value:.2f}}}}\" for key, value in ranked if value >= threshold]\n\n\n"
                )
        return out

    def _pad(self, parts: list[str], target: int) -> None:
        size = sum(len(p) for p in parts)
        i = 0
        while size < target:
            snippet = self.rng.choice(self.snippets).replace("{n}", str(i)).replace("{{", "{").replace("}}", "}")
            parts.append(snippet)
            size += len(snippet)
            i += 1

    def _target_size(self, factor: float = 1.0) -> int:
        # lognormal around the average; mean preserved (exp(sigma^2/2) correction)
        sigma = 0.7
        return int(self.avg_bytes * factor * self.rng.lognormvariate(-sigma * sigma / 2, sigma))

    def _importable(self, pkg: str | None = None) -> list[Module]:
        key = pkg or "*"
        cache = getattr(self, "_imp_cache", {})
        self._imp_cache = cache
        if key not in cache:
            cache[key] = [m for m in self.modules.values()
                          if m.kind in ("regular", "shim") and not m.is_package and m.names
                          and (pkg is None or m.name.split(".")[0] == pkg)]
        return cache[key]

    @staticmethod
    def _relative(importer: Module, target: str) -> str | None:
        base = importer.parent.split(".")
        tparts = target.split(".")
        common = 0
        while common < min(len(base), len(tparts) - 1) and base[common] == tparts[common]:
            common += 1
        if common == 0:
            return None
        level = len(base) - common + 1
        rest = ".".join(tparts[common:])
        if level > 3 or not rest:
            return None
        return "." * level + rest

    def _import_block(self, importer: Module, n: int, loose: bool = False) -> tuple[list[str], list[str], list[str]]:
        """Returns (module-level lines, function-level helper defs, names usable in code)."""
        rng = self.rng
        own_pkg = importer.name.split(".")[0] if not loose else rng.choice(self.packages)
        top: list[str] = []
        funcs: list[str] = []
        used: list[str] = []
        seen: set[str] = set(importer.names)

        def alias(name: str) -> str:
            a = name
            k = 2
            while a in seen:
                a = f"{name}_{k}"
                k += 1
            seen.add(a)
            return a

        def spell(target: str, name: str, a: str) -> str:
            mod = target
            if not loose and rng.random() < 0.3:
                rel = self._relative(importer, target)
                if rel:
                    mod = rel
            return f"from {mod} import {name}" + (f" as {a}" if a != name else "")

        for _ in range(n):
            pool = self._importable(own_pkg if rng.random() < 0.7 else None)
            target = rng.choice(pool)
            if target.name == importer.name:
                continue
            name = rng.choice(target.names)
            a = alias(name)
            r = rng.random()
            if r < 0.08:
                top.append(f"import {target.name}")
            elif r < 0.14:
                top.append(f"try:\n    {spell(target.name, name, a)}\nexcept ImportError:  # optional\n    {a} = None")
                self.stats.guarded_imports += 1
                used.append(a)
            elif r < 0.22:
                funcs.append(f"def _lazy_{a.lower()}():\n    # imported here to avoid an import cycle\n"
                             f"    {spell(target.name, name, a)}\n\n    return {a}\n\n\n")
                self.stats.function_imports += 1
            elif r < 0.27:
                funcs.append(f"def _load_{a.lower()}():\n    return importlib.import_module(\"{target.name}\")\n\n\n")
                self.stats.dynamic_imports += 1
            elif r < 0.33:
                top.append(f"if TYPE_CHECKING:\n    {spell(target.name, name, a)}")
                self.stats.type_checking_imports += 1
            elif r < 0.40 and not loose:
                # through a re-exporting package, when the parent package re-exports this name
                parent = self.modules.get(target.parent)
                if parent and (target.name, name) in parent.reexports:
                    top.append(f"from {parent.name} import {name}" + (f" as {a}" if a != name else ""))
                else:
                    top.append(spell(target.name, name, a))
                used.append(a)
            else:
                top.append(spell(target.name, name, a))
                used.append(a)
        # dangling imports
        if rng.random() < self.args.dangling_module_rate:
            gone = f"{own_pkg}.services.old_{rng.choice(WORDS)}"
            line = f"from {gone} import {camel(rng.choice(WORDS))}{rng.choice(SUFFIXES)}"
            if rng.random() < 0.2:
                line = "try:\n    " + line + "\nexcept ImportError:\n    pass"
                self.stats.guarded_dangling += 1
            top.append(line)
            self.stats.dangling_module_imports += 1
            self.dangling_by_file.setdefault(self._cur, [0, 0])[0] += 1
        if rng.random() < self.args.dangling_name_rate:
            target = rng.choice([m for m in self._importable(own_pkg)
                                 if m.kind == "regular" and m.name != importer.name])
            removed = camel(target.name.rsplit(".", 1)[1].rstrip("0123456789_")) + "Removed" + str(rng.randint(1, 9))
            line = f"from {target.name} import {removed}"
            if rng.random() < 0.2:
                line = "try:\n    " + line + f"\nexcept ImportError:\n    {removed} = None"
                self.stats.guarded_dangling += 1
            top.append(line)
            self.stats.dangling_name_imports += 1
            self.dangling_by_file.setdefault(self._cur, [0, 0])[1] += 1
        if self.hub_rng.random() < self.args.hub_rate and importer.name != self.hub:
            top.append(f"from {self.hub} import SETTINGS")
            self.hub_importers += 1
        # the package's concept, through one of its many paths
        if rng.random() < self.args.concept_rate:
            cpkg = own_pkg if rng.random() < 0.8 else rng.choice(self.packages)
            path = rng.choices(CONCEPT_PATHS, weights=[p[2] for p in CONCEPT_PATHS])[0]
            mod = path[0].format(pkg=cpkg)
            a = alias(path[1])
            top.append(f"from {mod} import {path[1]}" + (f" as {a}" if a != path[1] else ""))
            used.append(a)
            key = f"{path[0].format(pkg='PKG')}:{path[1]}"
            self.stats.concept_imports[key] = self.stats.concept_imports.get(key, 0) + 1
        return top, funcs, used

    # ------------------------------------------------------------------ rendering
    def add_hub(self) -> None:
        """The hub module (planned last, with no draw from the tree's generator)."""
        self._add(Module(self.hub, self.hub.replace(".", "/") + ".py", kind="hub", names=["SETTINGS"]))

    def render(self) -> None:
        for m in self.modules.values():
            self._cur = m.path
            if m.kind == "hub":
                self.files[m.path] = (
                    '"""Settings every part of the platform reads."""\n\nimport os\n\n\n'
                    "class Settings:\n    def __init__(self) -> None:\n"
                    '        self.region = os.environ.get("REGION", "eu")\n\n\n'
                    "SETTINGS = Settings()\n"
                )
            elif m.kind == "concept":
                self.files[m.path] = self._render_concept(m)
            elif m.is_package:
                self.files[m.path] = self._render_init(m)
            elif m.kind == "shim":
                self.files[m.path] = self._render_shim(m)
            elif m.kind == "test":
                self.files[m.path] = self._render_test(m, self.rng.randint(3, 9), loose=False)
            else:
                self.files[m.path] = self._render_module(m)
        # loose files
        for i in range(self.n_tests):
            pkg = self.rng.choice(self.packages)
            area = self.rng.choice(WORDS)
            path = f"tests/{pkg}/{area}/test_{self.rng.choice(WORDS)}_{i}.py"
            fake = Module(path[:-3].replace("/", "."), path, kind="test")
            self._cur = path
            self.files[path] = self._render_test(fake, self.rng.randint(3, 12), loose=True)
            self.loose.append(path)
        self.files["tests/conftest.py"] = (
            "import pytest\n\n\n@pytest.fixture\ndef rows():\n    return [{\"amount\": 1}]\n")
        self.loose.append("tests/conftest.py")
        for i in range(self.n_scripts):
            word = self.rng.choice(WORDS)
            name = f"fix-{word}-{i}.py" if self.rng.random() < 0.3 else f"{self.rng.choice(VERBS)}_{word}_{i}.py"
            path = f"scripts/{name}"
            self._cur = path
            self.files[path] = self._render_script(path)
            self.loose.append(path)
        for i in range(self.n_root_scripts):
            path = f"oneoff_{self.rng.choice(VERBS)}_{self.rng.choice(WORDS)}_{i}.py"
            self._cur = path
            self.files[path] = self._render_script(path)
            self.loose.append(path)
        self._break_tests()
        self._new_syntax()

    def _render_module(self, m: Module) -> str:
        top, funcs, used = self._import_block(m, self.rng.randint(3, 12))
        parts = [f'"""{camel(m.name.rsplit(".", 1)[1])}: part of {m.name.split(".")[0]}."""\n\n',
                 "from __future__ import annotations\n\nimport importlib\nimport logging\n"
                 "from typing import TYPE_CHECKING\n\n"]
        parts.append("\n".join(top) + "\n\nlog = logging.getLogger(__name__)\n\n\n")
        parts.extend(funcs)
        for name in m.names:
            if name[0].isupper():
                dep = self.rng.choice(used) if used else "object"
                parts.append(f"class {name}:\n    \"\"\"{name} for {m.name}.\"\"\"\n\n"
                             f"    dependency = {dep}\n\n    def __init__(self, source=None):\n"
                             f"        self.source = source\n\n    def describe(self) -> str:\n"
                             f"        return f\"{{type(self).__name__}}({{self.source!r}})\"\n\n\n")
            else:
                parts.append(f"def {name}(*args, **kwargs):\n    log.debug(\"{name} %s\", args)\n"
                             f"    return {{\"args\": args, **kwargs}}\n\n\n")
        self._pad(parts, self._target_size())
        return "".join(parts)

    def _render_init(self, m: Module) -> str:
        lines = [f'"""{m.name} package."""\n']
        for source, name in m.reexports:
            rel = self._relative(m, source)
            lines.append(f"from {rel or source} import {name}")
        if m.reexports:
            lines.append("\n__all__ = [" + ", ".join(f'"{n}"' for _, n in m.reexports) + "]")
        return "\n".join(lines) + "\n"

    def _render_shim(self, m: Module) -> str:
        target = m.reexports[0][0]
        self.stats.star_shims += 1
        names = ", ".join(n for _, n in m.reexports[1:])
        return (f'"""Deprecated: moved to {target}."""\n\nimport warnings\n\n'
                f"from {target} import *  # noqa: F403\nfrom {target} import {names}\n\n"
                f"warnings.warn(\"{m.name} is deprecated; use {target}\", DeprecationWarning, stacklevel=2)\n")

    def _render_test(self, m: Module, n: int, loose: bool) -> str:
        top, funcs, used = self._import_block(m, n, loose=loose)
        parts = ["import importlib\nfrom typing import TYPE_CHECKING\n\nimport pytest\n\n",
                 "\n".join(top) + "\n\n\n"]
        parts.extend(funcs)
        for i, name in enumerate(used or ["pytest"]):
            parts.append(f"def test_{name.lower()}_{i}():\n    assert {name} is not None\n\n\n"
                         f"@pytest.mark.parametrize(\"value\", [1, 2, 3])\n"
                         f"def test_{name.lower()}_{i}_values(value):\n    assert value * 2 > value\n\n\n")
        self._pad(parts, self._target_size(0.7))
        return "".join(parts)

    def _render_script(self, path: str) -> str:
        fake = Module(path[:-3].replace("/", ".").replace("-", "_"), path)
        top, funcs, used = self._import_block(fake, self.rng.randint(4, 14), loose=True)
        parts = ["#!/usr/bin/env python\n\"\"\"One-off maintenance script.\"\"\"\n\n"
                 "import importlib\nimport sys\nfrom typing import TYPE_CHECKING\n\n",
                 "\n".join(top) + "\n\n\n"]
        parts.extend(funcs)
        parts.append("def main(argv):\n" + "".join(f"    print({u!r}, {u})\n" for u in used[:5])
                     + "    return 0\n\n\n")
        self._pad(parts, self._target_size(0.5))
        parts.append("if __name__ == \"__main__\":\n    sys.exit(main(sys.argv[1:]))\n")
        return "".join(parts)

    def _render_concept(self, m: Module) -> str:
        pkg = m.name.split(".")[0]
        stem = m.name.rsplit(".", 1)[1]
        cap = camel(pkg)
        if m.is_package:
            return (f'"""{pkg}.core: the connection manager and friends."""\n\n'
                    "from .manager import ConnectionManager\n\n__all__ = [\"ConnectionManager\"]\n")
        if stem == "impl":
            parts = [f'"""{cap} connection manager implementation. Import it from {pkg}.core.manager."""\n\n'
                     "import asyncio\nfrom collections import defaultdict\n\n\n"
                     "class _ManagerImpl:\n    def __init__(self, heartbeat_s=30.0):\n"
                     "        self.heartbeat_s = heartbeat_s\n        self._connections = defaultdict(set)\n"
                     "        self._lock = asyncio.Lock()\n\n"
                     "    async def connect(self, user_id, socket):\n        async with self._lock:\n"
                     "            self._connections[user_id].add(socket)\n\n"
                     "    def online_users(self):\n        return sorted(self._connections)\n\n\n"]
            self._pad(parts, self._target_size())
            parts.append("\nUnifiedManager = _ManagerImpl\nManager = _ManagerImpl\n")
            return "".join(parts)
        if stem == "manager":
            return ('"""Canonical home of the connection manager."""\n\n'
                    "from .impl import UnifiedManager\n\nConnectionManager = UnifiedManager\n"
                    "Manager = UnifiedManager\n\n__all__ = [\"ConnectionManager\"]\n")
        if stem == "compat":
            return ('"""Deprecated import path."""\n\nimport warnings\n\n'
                    f"from {pkg}.core.manager import ConnectionManager\n\n"
                    f"warnings.warn(\"{pkg}.core.compat is deprecated\", DeprecationWarning, stacklevel=2)\n\n"
                    "LegacyManager = ConnectionManager\n")
        if stem == "aliases":
            return (f"from {pkg}.core.impl import Manager\n\nConnectionManager = Manager\n")
        if stem == "wrappers":
            return (f"from {pkg}.core.impl import _ManagerImpl\n\n\n"
                    "class UnifiedConnectionManager(_ManagerImpl):\n    pass\n")
        if stem == "manager_factory":
            return ("from functools import lru_cache\n\nfrom .manager import ConnectionManager\n\n\n"
                    "@lru_cache(maxsize=1)\ndef get_manager():\n    return ConnectionManager()\n\n\n"
                    "def create_manager(heartbeat_s=30.0):\n    return ConnectionManager(heartbeat_s=heartbeat_s)\n")
        if stem == "manager_factory_compat":
            return ("import warnings\n\nfrom .impl import _ManagerImpl\nfrom .manager_factory import create_manager\n\n"
                    "warnings.warn(\"use manager_factory\", DeprecationWarning, stacklevel=2)\n\n"
                    "build_manager = create_manager\n\n\ndef make_connection_manager():\n    return _ManagerImpl()\n")
        raise AssertionError(stem)

    def _break_tests(self) -> None:
        n_broken = round(self.args.broken_rate * self.total_files_planned)
        inside = sorted(p for p, m in ((m.path, m) for m in self.modules.values())
                        if m.kind == "test" and not m.is_package)
        outside = sorted(p for p in self.loose if p.startswith("tests/") and p != "tests/conftest.py")
        n_inside = min(len(inside), round(n_broken * self.args.broken_inside_share))
        chosen = self.rng.sample(inside, n_inside) + self.rng.sample(outside, min(len(outside), n_broken - n_inside))
        for path in sorted(chosen):
            text = self.files[path]
            lines = text.split("\n")
            # break somewhere in the middle, at a top-level statement boundary
            candidates = [i for i, line in enumerate(lines) if line.startswith("def ") and i > 5]
            at = candidates[len(candidates) // 2] if candidates else len(lines) - 1
            how = self.rng.choice(["bracket", "string", "if"])
            if how == "bracket":
                bad = ["result = compute(alpha, [1, 2, 3]", ""]
            elif how == "string":
                bad = ["MESSAGE = \"unterminated", ""]
            else:
                bad = ["if MESSAGE:", ""]
            lines[at:at] = bad
            self.files[path] = "\n".join(lines)
            self.broken.append({"path": path, "line": at + 1, "how": how})

    def _new_syntax(self) -> None:
        regular = sorted(m.path for m in self.modules.values()
                         if m.kind == "regular" and not m.is_package)
        for path in self.rng.sample(regular, max(1, round(len(regular) * self.args.new_syntax_rate))):
            self.files[path] += (
                "\ntype RowId = int\ntype Rows = dict[RowId, dict[str, object]]\n\n\n"
                "class Box[T]:\n    def __init__(self, item: T) -> None:\n        self.item = item\n\n\n"
                "def first[T](items: list[T]) -> T | None:\n    return items[0] if items else None\n\n\n"
                "def label(row: dict) -> str:\n    return f\"{row[\"name\"]} ({row[\"id\"]})\"\n")
            self.new_syntax.append(path)

    # ------------------------------------------------------------------ writing
    def write(self, out: Path) -> dict:
        out.mkdir(parents=True, exist_ok=True)
        total_bytes = 0
        for path, text in sorted(self.files.items()):
            p = out / path
            p.parent.mkdir(parents=True, exist_ok=True)
            data = text.encode()
            p.write_bytes(data)
            total_bytes += len(data)
        # copies: backups tree and *.py.backup_DATE files (all excluded by pyproject.toml)
        module_paths = sorted(m.path for m in self.modules.values() if m.kind == "regular" and not m.is_package)
        copies = self.rng.sample(module_paths, min(len(module_paths), self.n_backups))
        for i, path in enumerate(copies):
            date = BACKUP_DATES[i % len(BACKUP_DATES)]
            if i % 5 == 0:
                (out / f"{path}.backup_{date}").write_text(self.files[path])
            else:
                dest = out / "backups" / date / path
                dest.parent.mkdir(parents=True, exist_ok=True)
                dest.write_text(self.files[path].replace("from __future__ import annotations\n", ""))
        p0 = self.packages[0]
        (out / "pyproject.toml").write_text(
            "[project]\nname = \"bench-monorepo\"\nversion = \"0\"\n\n"
            "[tool.archguard]\nexclude = [\"backups/**\", \"**/*.backup_*\"]\n")
        (out / ".importlinter").write_text(
            "[importlinter]\nroot_packages =\n" + "".join(f"    {p}\n" for p in self.packages)
            + "\n[importlinter:contract:manager-impl]\nname = Only the core package imports the manager implementation\n"
            f"type = protected\nprotected_modules =\n    {p0}.core.impl\nallowed_importers =\n    {p0}.core\n")
        (out / "contracts").mkdir(exist_ok=True)
        (out / "contracts" / "manager.toml").write_text(
            "[[concept]]\nname = \"connection-manager\"\n"
            f"canonical = \"{p0}.core.manager:ConnectionManager\"\n"
            "also = [\"Manager\", \"UnifiedManager\", \"LegacyManager\", \"UnifiedConnectionManager\", \"_ManagerImpl\"]\n"
            f"allowed_importers = [\"{p0}.core.**\"]\n")
        broken_paths = {str(b["path"]) for b in self.broken}
        parsed_dangling = [v for p, v in self.dangling_by_file.items() if p not in broken_paths]
        manifest = {
            "generator_version": GENERATOR_VERSION,
            "params": {k: v for k, v in vars(self.args).items() if k not in ("out", "force")},
            "packages": self.packages,
            "files": len(self.files),
            "bytes": total_bytes,
            "package_modules": len(self.modules),
            # as archguard's summary counts them: parsed files outside regular packages
            "loose_files": len([p for p in self.loose if p not in broken_paths]),
            "loose_files_incl_broken": len(self.loose),
            "syntax_errors": len(self.broken),
            "broken_files": self.broken,
            "broken_inside_packages": sum(1 for b in self.broken if not str(b["path"]).startswith("tests/")),
            "new_syntax_files": sorted(self.new_syntax),
            "copies": len(copies),
            "planted": vars(self.stats),
            "hub": {"module": self.hub, "path": self.hub.replace(".", "/") + ".py", "importers": self.hub_importers},
            "dangling_in_parsed_files": {"module_imports": sum(v[0] for v in parsed_dangling),
                                         "name_imports": sum(v[1] for v in parsed_dangling)},
        }
        (out / "manifest.json").write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
        return manifest


CONCEPT_PATHS = [  # (module template, name, weight)
    ("{pkg}.core.manager", "ConnectionManager", 40),
    ("{pkg}.core", "ConnectionManager", 12),
    ("{pkg}.core.impl", "Manager", 8),
    ("{pkg}.core.impl", "UnifiedManager", 6),
    ("{pkg}.core.impl", "_ManagerImpl", 4),
    ("{pkg}.core.compat", "LegacyManager", 10),
    ("{pkg}.core.aliases", "ConnectionManager", 8),
    ("{pkg}.core.wrappers", "UnifiedConnectionManager", 6),
    ("{pkg}.core.manager_factory", "create_manager", 4),
    ("{pkg}.core.manager_factory_compat", "build_manager", 2),
]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out", type=Path, help="folder to create (must not exist unless --force)")
    ap.add_argument("--scale", type=float, default=1.0, help="1.0 = the audited tree (~10,600 files); 0.1 = ~1,000 files")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--packages", type=int, default=7)
    ap.add_argument("--modules", type=int, default=7000, help="package modules at scale 1")
    ap.add_argument("--tests", type=int, default=3000, help="loose test files at scale 1")
    ap.add_argument("--scripts", type=int, default=300, help="files in scripts/ at scale 1")
    ap.add_argument("--root-scripts", type=int, default=300, help="one-off scripts at the root at scale 1")
    ap.add_argument("--backups", type=int, default=800, help="stale copies at scale 1 (excluded)")
    ap.add_argument("--size-mb", type=float, default=190.0, help="total .py size at scale 1 (the average file size is kept at every scale)")
    ap.add_argument("--broken-rate", type=float, default=0.03, help="share of all files that are broken test files")
    ap.add_argument("--broken-inside-share", type=float, default=0.1, help="share of broken files inside package test folders")
    ap.add_argument("--new-syntax-rate", type=float, default=0.01)
    ap.add_argument("--dangling-module-rate", type=float, default=0.085)
    ap.add_argument("--dangling-name-rate", type=float, default=0.12)
    ap.add_argument("--concept-rate", type=float, default=0.05)
    ap.add_argument("--hub-rate", type=float, default=0.125, help="share of files importing the hub module")
    ap.add_argument("--force", action="store_true", help="delete OUT first if it exists")
    return ap.parse_args(argv)


def generate(args: argparse.Namespace) -> dict:
    if args.out.exists():
        if not args.force:
            raise SystemExit(f"{args.out} exists (use --force)")
        shutil.rmtree(args.out)
    gen = Generator(args)
    gen.plan()
    gen.add_hub()
    gen.render()
    return gen.write(args.out)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    manifest = generate(args)
    print(f"{args.out}: {manifest['files']} .py files ({manifest['bytes'] / 1e6:.1f} MB), "
          f"{manifest['package_modules']} package modules in {len(manifest['packages'])} packages, "
          f"{manifest['loose_files']} loose files, {manifest['syntax_errors']} broken, "
          f"{len(manifest['new_syntax_files'])} with 3.12 syntax, {manifest['copies']} copies")
    return 0


if __name__ == "__main__":
    sys.exit(main())
