"""Parse files whose bytes are not on disk as the tree holds them: an editor's unsaved text, a blob
read out of a commit (``Engine.update``, ``Engine.at_commit``).

The bytes are written under their own paths in a private temporary folder and scanned there by the
one scanner (:func:`scanner.scan_files`), so they meet exactly what a file on disk meets: the
same reads and limits, ruff's verdict for the target version, the newer-syntax pass, the worker
pool for many files. Nothing is cached by the scanner (the caller keeps outcomes by blob id where
it wants them); every outcome comes back in the cache's form with its digest.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path

from archguard.adapters.cache.facts_cache import CachedOutcome, FactsCache, blob_id, encode_outcome
from archguard.adapters.parsing.scanner import scan_files
from archguard.domain.sources import SourceFile


def _memory_folder() -> str | None:
    """A folder in memory (``/dev/shm``, tmpfs) where there is one: writing and removing the ten
    thousand files of a commit's first read costs a tenth of what it costs on a disk under load
    (benchmarks/README.md, "History and diff"); None: the system's temporary folder."""
    folder = "/dev/shm"
    return folder if os.path.isdir(folder) and os.access(folder, os.W_OK | os.X_OK) else None


def scan_bytes(
    files: Sequence[SourceFile],
    data: Mapping[str, bytes],
    *,
    target: tuple[int, int],
    jobs: int | None = None,
) -> dict[str, CachedOutcome]:
    """path -> the outcome of ``data[path]`` as file ``path`` (its content hash: its blob id)."""
    if not files:
        return {}
    with tempfile.TemporaryDirectory(prefix="archguard-text-", dir=_memory_folder()) as folder:
        root = Path(folder)
        for file in files:
            target_path = root / file.path
            target_path.parent.mkdir(parents=True, exist_ok=True)
            target_path.write_bytes(data[file.path])
        output = scan_files(root, files, target=target, cache=FactsCache(None), jobs=jobs)
        outcomes = output.outcomes
    found = {}
    for file in files:
        encoded = encode_outcome(outcomes[file.path])
        found[file.path] = CachedOutcome(encoded.plain, encoded.outcome_digest, blob_id(data[file.path]))
    return found
