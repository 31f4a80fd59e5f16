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
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

from archguard.adapters.cache.facts_cache import CachedOutcome, FactsCache, blob_id, encode_outcome
from archguard.adapters.parsing.scanner import scan_files
from archguard.adapters.parsing.source_text import DEFAULT_MAX_BYTES, too_large
from archguard.adapters.project_files import git_objects
from archguard.domain.facts import ParseOutcome, UnreadableFile
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
    with _scan_folder() as root:
        for file in files:
            _write(root, file.path, data[file.path])
        outcomes = _scan(root, files, target, jobs)
    return {file.path: CachedOutcome(*outcomes[file.path], blob_id(data[file.path])) for file in files}


def scan_blobs(
    root: Path,
    files: Sequence[SourceFile],
    blob_of: Mapping[str, str],
    *,
    target: tuple[int, int],
    jobs: int | None = None,
) -> dict[str, tuple[CachedOutcome, int]]:
    """path -> (the outcome of blob ``blob_of[path]`` of ROOT's repository as file ``path``, the
    blob's size). The sizes come first (``cat-file --batch-check``): a blob past the scanner's
    limit is never read ("too large", as ``check`` says of such a file); the rest are read a batch
    at a time straight into the scan folder, so a commit's files are never all in memory at once.
    A blob git cannot give is left out."""
    if not files:
        return {}
    sizes = git_objects.blob_sizes(root, {blob_of[f.path] for f in files})
    found: dict[str, tuple[CachedOutcome, int]] = {}
    by_blob: dict[str, list[SourceFile]] = {}
    for file in files:
        size = sizes.get(blob_of[file.path])
        if size is not None and size > DEFAULT_MAX_BYTES:
            found[file.path] = (unreadable_outcome(file.path, too_large(size)), size)
        elif size is not None:
            by_blob.setdefault(blob_of[file.path], []).append(file)
    written: list[SourceFile] = []
    with _scan_folder() as folder:
        for batch in git_objects.blob_batches({blob: sizes[blob] for blob in by_blob}):
            for blob, content in git_objects.read_blobs(root, batch).items():
                for file in by_blob[blob]:
                    _write(folder, file.path, content)
                    written.append(file)
        outcomes = _scan(folder, written, target, jobs)
    for file in written:
        blob = blob_of[file.path]
        found[file.path] = (CachedOutcome(*outcomes[file.path], bytes.fromhex(blob)), sizes[blob])
    return found


def unreadable_outcome(path: str, reason: str) -> CachedOutcome:
    """The outcome of a file that was not read, in the cache's form."""
    return encode_outcome(ParseOutcome(unreadable=UnreadableFile(path, reason)))


@contextmanager
def _scan_folder() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="archguard-text-", dir=_memory_folder()) as folder:
        yield Path(folder)


def _write(folder: Path, path: str, data: bytes) -> None:
    target_path = folder / path
    target_path.parent.mkdir(parents=True, exist_ok=True)
    target_path.write_bytes(data)


def _scan(
    folder: Path, files: Sequence[SourceFile], target: tuple[int, int], jobs: int | None
) -> dict[str, tuple[tuple, bytes]]:
    """path -> (the outcome's plain form, its digest) of every file written under ``folder``."""
    if not files:
        return {}
    output = scan_files(folder, files, target=target, cache=FactsCache(None), jobs=jobs)
    found = {}
    for file in files:
        encoded = output.cached_form(file.path)
        found[file.path] = (encoded.plain, encoded.outcome_digest)
    return found
