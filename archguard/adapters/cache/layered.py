"""A cached value kept in two layers, so that a run that changed a little writes a little: the base,
``<name>.bin``, written whole, and beside it the delta, ``<name>.delta.bin``, of what changed since
the base was written. The facts cache (``facts_cache.py``) and the file-by-file state
(``store.py``) keep their values this way; what a base and a delta hold is theirs, the mechanics
are here, once:

* a base has a random id (:func:`new_base_id`), and its delta is sealed (:func:`codec.seal`)
  as ``(base id, what changed)``: a delta is read only over the base it names, so one written over
  an earlier base (a writer wrote a new base since) is never applied;
* every file is written to a temp file and ``os.replace``d, so a reader sees the old file or the
  new one, never half of one; writing a base then removes the delta, which is of the old base (a
  reader between the two sees a delta of another base, and ignores it);
* a file that is missing, not a regular file, truncated, damaged or of another format or version
  reads as nothing (the caller rebuilds what it covered); one whose MAC does not verify under this
  user's cache key is ignored with a notice (docs/security.md);
* :class:`Fold` says when a delta has grown enough to be written into a new base instead.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from archguard.adapters.cache.cache_key import cache_key, notice_untrusted
from archguard.adapters.cache.codec import UntrustedData, seal, unseal
from archguard.adapters.project_files.output_files import write_atomically
from archguard.adapters.project_files.safe_io import read_regular

BASE_ID_BYTES = 16


def new_base_id() -> bytes:
    """The id a new base is written under (what its deltas name)."""
    return os.urandom(BASE_ID_BYTES)


@dataclass(frozen=True)
class Fold:
    """When a delta is written into a new base instead: once it holds more than a ``share``-th of
    what the base holds and more than ``least`` (in the caller's unit: records, bytes). Below
    ``least`` a delta is small whatever the base; past the share, every load pays for two values."""

    share: int
    least: int

    def due(self, delta_size: int, base_size: int) -> bool:
        return delta_size > max(self.least, base_size // self.share)


class Layers:
    """The two files of one layered value: :attr:`base` and :attr:`delta` beside it. The caller
    writes the base's bytes (its format is the caller's); the delta is sealed here under
    ``delta_identity`` (the caller's magic and versions: a delta of another format never unseals)."""

    def __init__(self, base: Path, delta_identity: bytes) -> None:
        self.base = base
        self.delta = base.with_name(base.name.removesuffix(".bin") + ".delta.bin")
        self._delta_identity = delta_identity

    def write_base(self, data: bytes) -> None:
        """``data`` as the new base, atomically, then the delta of the old base removed. Raises
        OSError as the write does."""
        write_atomically(self.base, data)
        self.remove_delta()

    def remove_delta(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.delta)

    def seal_delta(self, base_id: bytes, change: Any) -> bytes:
        """``change`` over the base ``base_id``, as :meth:`write_delta` writes it (its size is what
        a :class:`Fold` in bytes weighs). Raises ValueError for what marshal cannot store."""
        return seal(self._delta_identity, (base_id, change), cache_key())

    def write_delta(self, sealed: bytes) -> None:
        """A :meth:`seal_delta` result as the delta, atomically. Raises OSError as the write does."""
        write_atomically(self.delta, sealed)

    def read_delta(self, base_id: bytes) -> Any:
        """What changed over the base ``base_id``; None when there is no delta, it is damaged, of
        another format or another user, or of another base."""
        found = read_sealed(self.delta, self._delta_identity)
        if type(found) is tuple and len(found) == 2 and found[0] == base_id:
            return found[1]
        return None


def read_sealed(path: Path, identity: bytes) -> Any:
    """The value :func:`codec.seal` stored in the file ``path`` under ``identity``; None when it
    cannot be read (missing, a FIFO or a device planted there) or holds something else. A file whose
    MAC does not verify is ignored with a notice."""
    try:
        data, _ = read_regular(path)
    except OSError:
        return None
    try:
        return unseal(data, identity, cache_key())
    except UntrustedData:
        notice_untrusted(path)
        return None
