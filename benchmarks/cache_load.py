#!/usr/bin/env python3
"""How long loading the facts cache of a large tree takes (moved here from a timed unit test).

A warm run begins by loading the facts cache: for a 10,000-file tree, 10,000 entries of eight
imports each. The script fills such a cache in a temporary folder, then times ``FactsCache(dir)``
plus one lookup (which loads, checks the signature and unpacks the whole file), best of N.
Target: under 0.5 s (benchmarks/README.md).

Usage:
    .venv/bin/python benchmarks/cache_load.py [--entries 10000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from archguard.adapters.cache.facts_cache import FactsCache, content_hash  # noqa: E402
from archguard.domain.facts import ParseOutcome  # noqa: E402
from tests.unit.test_facts_cache import OLD_MTIME, sample_facts  # noqa: E402  (the suite's sample facts)

TARGET_S = 0.5


def fill(cache_dir: Path, entries: int) -> None:
    cache = FactsCache(cache_dir)
    for i in range(entries):
        cache.store(
            f"app/m{i}.py",
            1000,
            OLD_MTIME,
            content_hash(b"%d" % i),
            ParseOutcome(facts=sample_facts(i, imports=8)),
        )
    cache.save()


def timed_load(cache_dir: Path, entries: int) -> float:
    start = time.perf_counter()
    cache = FactsCache(cache_dir)
    if cache.known_hash(f"app/m{entries - 1}.py") is None:
        raise SystemExit("the cache did not load")
    return time.perf_counter() - start


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--entries", type=int, default=10_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        fill(Path(folder), args.entries)
        size = sum(p.stat().st_size for p in Path(folder).iterdir())
        best = min(timed_load(Path(folder), args.entries) for _ in range(args.repeat))
    verdict = "met" if best < TARGET_S else "NOT met"
    sys.stdout.write(
        f"facts cache load, {args.entries:,} entries ({size / 1e6:.1f} MB): best of {args.repeat} "
        f"{best:.3f} s (target < {TARGET_S} s: {verdict})\n"
    )


if __name__ == "__main__":
    main()
