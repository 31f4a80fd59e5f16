"""Property tests: whatever the source text, the scan never raises, every file lands in exactly one
bucket, and results do not depend on file order, on the number of workers or on the cache.

Source comes from real code (archguard's own modules and the standard library's), mutated the way
bulk edits break files: a span deleted, a bracket or quote inserted, a line duplicated or cut.
"""

from __future__ import annotations

import dataclasses
import json
import random
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import archguard
from archguard import app
from archguard.adapters.cache.facts_cache import FactsCache
from archguard.adapters.parsing.scanner import scan_files
from archguard.adapters.parsing.syntax_judge import NEWEST_TARGET
from archguard.domain.sources import SourceFile
from tests.helpers import comparable_json, concept_tree, write_tree

REAL_SOURCES = sorted(Path(archguard.__file__).parent.rglob("*.py")) + sorted(
    Path(json.__file__).parent.parent.glob("[a-m]*.py")
)[:20]
SNIPPETS = ["(", ")", "[", "]", "{", "'", '"', '"""', ":", "\n", "\t", "    ", "\\", "import ", "from . import x\n",
            "if x:\n", "def f(:", "\x0c", "é", "\r", "async ", "lambda", "*", "@"]


def _mutate(source: str, choices: list[int]) -> str:
    """Apply a few edits, each picked by the numbers hypothesis draws (so failures shrink)."""
    text = source
    for n in choices:
        if not text:
            break
        at = n % len(text)
        match n % 4:
            case 0:  # delete a span
                text = text[:at] + text[at + 1 + n % 40:]
            case 1:  # insert a breaking snippet
                text = text[:at] + SNIPPETS[n % len(SNIPPETS)] + text[at:]
            case 2:  # duplicate the line holding ``at``
                start = text.rfind("\n", 0, at) + 1
                end = text.find("\n", at)
                end = len(text) if end < 0 else end + 1
                text = text[:end] + text[start:end] + text[end:]
            case 3:  # cut the file short
                text = text[:at]
    return text


mutations = st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=6)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(source_index=st.integers(min_value=0, max_value=len(REAL_SOURCES) - 1), choices=mutations)
def test_mutated_real_source_never_raises_and_lands_in_one_bucket(
    tmp_path: Path, source_index: int, choices: list[int]
) -> None:
    source = REAL_SOURCES[source_index].read_text(encoding="utf-8")
    folder = tmp_path / f"t{random.getrandbits(64):x}"
    write_tree(folder, {"pkg/__init__.py": "", "pkg/mutated.py": _mutate(source, choices)})
    files = [SourceFile("pkg/__init__.py", "pkg", loose=False, is_package=True),
             SourceFile("pkg/mutated.py", "pkg.mutated", loose=False, is_package=False)]
    output = scan_files(folder, files, target=NEWEST_TARGET, cache=FactsCache(None), jobs=1)
    buckets = [
        "pkg/mutated.py" in output.facts,
        any(issue.path == "pkg/mutated.py" for issue in output.syntax_errors),
        any(u.path == "pkg/mutated.py" for u in output.unreadable),
    ]
    assert sum(buckets) == 1, buckets
    shutil.rmtree(folder)


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(choices=mutations, broken=st.integers(min_value=0, max_value=229))
def test_results_do_not_depend_on_jobs_cache_or_order(tmp_path: Path, choices: list[int], broken: int) -> None:
    tree = concept_tree(230)
    tree[f"app/m{broken}.py"] = _mutate(tree[f"app/m{broken}.py"], choices)
    root = write_tree(tmp_path / f"t{random.getrandbits(64):x}", tree)
    options = app.Options(root=root, cache_dir=root / ".cache")
    cold_serial = comparable_json(app.run_check(dataclasses.replace(options, jobs=1, no_cache=True)))
    cold_parallel = comparable_json(app.run_check(dataclasses.replace(options, jobs=2)))
    warm = app.run_check(dataclasses.replace(options, jobs=2))
    assert warm.scan.cache_hits == len(warm.scan.files)  # the third run really was warm
    assert cold_serial == cold_parallel == comparable_json(warm)
    shutil.rmtree(root)


@pytest.mark.parametrize("seed", [1, 2])
def test_file_order_does_not_change_outcomes(tmp_path: Path, seed: int) -> None:
    tree = concept_tree(30)
    tree["app/m3.py"] = "def broken(:\n"
    root = write_tree(tmp_path, tree)
    files = [SourceFile(p, p[:-3].replace("/", ".").removesuffix(".__init__"), loose=p.startswith("tests/"),
                        is_package=p.endswith("__init__.py")) for p in sorted(tree) if p.endswith(".py")]
    forward = scan_files(root, files, target=NEWEST_TARGET, cache=FactsCache(None), jobs=1)
    shuffled = files[:]
    random.Random(seed).shuffle(shuffled)
    backward = scan_files(root, shuffled, target=NEWEST_TARGET, cache=FactsCache(None), jobs=1)
    assert dict(forward.facts) == dict(backward.facts)
    assert sorted(forward.syntax_errors, key=str) == sorted(backward.syntax_errors, key=str)
