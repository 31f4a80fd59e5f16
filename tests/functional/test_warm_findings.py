"""A warm ``check`` prints, in every format, byte for byte what a check without the cache prints:
for an interface contract with hundreds of findings, some baselined, beside warnings, a concept
contract and dangling imports. The warm run takes every finding from the results cache (stored
with its recurring values shared, decoded into ``Violation`` tuples, counted in one tally), so
this is where a difference in what the cache keeps or the reporters count would show."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest

from archguard import __version__
from archguard.app import Options, record_baseline, run_check
from archguard.app.engine import Engine
from archguard.domain.options import FORMATS
from archguard.reporting import render_check_as
from tests.helpers import run_cli, write_tree


def broad_tree(importers: int, *, first: int = 0) -> dict[str, str]:
    """``core`` exports ``Api`` only; each importer (``importers`` of them, numbered from
    ``first``) reaches past it six ways (submodules, a private name, a name ``__all__`` leaves out,
    guarded and TYPE_CHECKING imports), and imports two names that ``app.canon`` does not
    provide (one guarded: a warning)."""
    tree = {
        "core/__init__.py": (
            "from core.api import Api\nfrom core.store import Store, helper\n\n__all__ = ['Api']\n_hidden = 2\n"
        ),
        "core/api.py": "class Api:\n    pass\n",
        "core/store.py": "class Store:\n    pass\n\n\ndef helper():\n    pass\n",
        "app/__init__.py": "",
        "app/canon.py": "from core.api import Api\n",
        "contracts/core.toml": (
            '[[interface]]\nname = "core face"\npackage = "core"\nreason = "ADR-3"\n\n'
            '[[concept]]\nname = "api"\ncanonical = "core:Api"\n'
        ),
    }
    for n in range(first, first + importers):
        tree[f"app/user_{n:03d}.py"] = (
            "from typing import TYPE_CHECKING\n"
            "from core.api import Api\n"
            "from core import _hidden\n"
            "from core import helper\n"
            "import core.store\n"
            "try:\n    from core.store import Store\nexcept ImportError:\n    Store = None\n"
            "try:\n    from app.canon import Maybe\nexcept ImportError:\n    Maybe = None\n"
            "from app.canon import Gone\n"
            "if TYPE_CHECKING:\n    from core.store import helper as typed_helper\n"
        )
    return tree


def every_format(result) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {
        fmt: render_check_as(result, fmt, tool_version=__version__, command="check", statistics=True)
        for fmt in FORMATS
    }


def without_timing(rendered: dict[str, str]) -> dict[str, str]:
    """The JSON's duration and cache hits, and JUnit's time, differ between equal runs (and
    nothing else may)."""
    data = json.loads(rendered["json"])
    assert data["summary"].pop("duration_s") >= 0 and data["summary"].pop("cache_hits") >= 0
    junit, timed = re.subn(r' time="[0-9.]+"', "", rendered["junit"], count=1)
    assert timed == 1
    return {**rendered, "json": json.dumps(data, indent=1), "junit": junit}


@pytest.fixture
def derivations(monkeypatch: pytest.MonkeyPatch) -> list[Engine]:
    """The engines opened, each with how many times it derived (0: all from the results cache)."""
    engines: list[Engine] = []
    real = Engine.open.__func__  # type: ignore[attr-defined]

    def opened(cls, *args, **kwargs):  # type: ignore[no-untyped-def]
        engine = real(cls, *args, **kwargs)
        engines.append(engine)
        return engine

    monkeypatch.setattr(Engine, "open", classmethod(opened))
    return engines


def test_a_warm_check_renders_every_format_as_a_check_without_the_cache(
    tmp_path: Path, derivations: list[Engine]
) -> None:
    root = write_tree(tmp_path / "tree", broad_tree(30))
    baseline = tmp_path / "baseline.json"
    record_baseline(Options(root=root, cache_dir=tmp_path / "cache", baseline=baseline))
    write_tree(root, broad_tree(30, first=30))  # as many importers again, after the baseline
    options = Options(root=root, cache_dir=tmp_path / "cache", baseline=baseline)
    run_check(options)  # fills the results cache for this tree
    derivations.clear()
    warm = run_check(options)
    assert [e.derivations for e in derivations] == [0]  # every finding came from the results cache
    cold = run_check(Options(root=root, no_cache=True, baseline=baseline))

    counts = {code: sum(v.code == code for v in warm.violations) for code in ("AG501", "AG502", "AG503")}
    assert counts == {"AG501": 60 * 4 + 1, "AG502": 60, "AG503": 60}  # app/canon.py reaches in too
    tally = Counter((v.contract, v.severity.value, v.baselined) for v in warm.violations)
    assert tally == {  # the first 30 importers' errors baselined (and app/canon.py's)
        ("core face", "error", True): 30 * 6 + 1,
        ("core face", "error", False): 30 * 6,
        ("api", "error", True): 31,
        ("api", "error", False): 30,
        ("dangling-imports", "error", True): 30,
        ("dangling-imports", "error", False): 30,
        ("dangling-imports", "warning", False): 60,
    }
    assert any(v.severity.value == "warning" for v in warm.violations)
    assert warm.violations == cold.violations
    warm_out, cold_out = without_timing(every_format(warm)), without_timing(every_format(cold))
    for fmt in FORMATS:
        assert warm_out[fmt] == cold_out[fmt], fmt
    assert "core face (public face of core): ADR-3" in warm_out["text"]
    assert "(181 baselined violations not shown)" in warm_out["text"]
    assert (
        "Found 542 violations (240 new, 242 baselined, 60 warnings) in 3 of 4 contracts." in warm_out["text"]
    )


def test_the_cli_prints_a_warm_check_as_it_prints_one_without_the_cache(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "tree", broad_tree(40))
    first = run_cli("check", root, "--statistics")
    assert first.returncode == 1, first.stderr
    warm = run_cli("check", root, "--statistics", "--json", tmp_path / "warm.json")
    cold = run_cli("check", root, "--statistics", "--json", tmp_path / "cold.json", "--no-cache")
    assert warm.stdout == cold.stdout == first.stdout
    assert warm.stdout.count(" AG50") == 40 * 6 + 1
    assert "Found 362 violations (322 new, 0 baselined, 40 warnings) in 3 of 4 contracts." in warm.stdout
    reports = [
        json.loads((tmp_path / name).read_text(encoding="utf-8")) for name in ("warm.json", "cold.json")
    ]
    for report in reports:
        assert report["summary"].pop("duration_s") >= 0 and report["summary"].pop("cache_hits") >= 0
    assert reports[0] == reports[1] and len(reports[0]["violations"]) == 362
