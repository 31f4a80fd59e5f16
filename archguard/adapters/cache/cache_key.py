"""The secret that signs every cache entry, so a cache that arrives with the tree is never trusted.

A cache folder inside ROOT can be committed, or shipped in a pull request, by whoever controls the
tree: forged entries "keyed" by the real files' hashes but holding empty facts would hide every
violation. So each cache file carries a keyed BLAKE2b MAC (:func:`archguard.adapters.cache.codec.seal`)
under a key the tree cannot know:

* ``ARCHGUARD_CACHE_KEY`` (environment variable), when set: any string, for CI jobs that restore
  the cache from the CI system's own store (set it from a CI secret; every job that shares the
  cache uses the same value). Also for several machines sharing one cache.
* otherwise the per-user key file ``$XDG_CACHE_HOME/archguard/cache-key`` (default
  ``~/.cache/archguard/cache-key``): 32 random bytes made on first use, mode 0600. A CI job may
  instead cache this file alongside ``.archguard_cache`` (it must never be stored in the tree).

When no key can be read or made (a read-only home), a key for this process alone is used: the run
is correct, its cache just never warms a later run. Docs: docs/security.md.
"""

from __future__ import annotations

import hashlib
import os
import warnings
from pathlib import Path

from archguard.adapters.project_files.safe_io import open_regular

KEY_ENV = "ARCHGUARD_CACHE_KEY"
KEY_BYTES = 32
_process_key = os.urandom(KEY_BYTES)  # what secrets.token_bytes does, without loading secrets
_warned = False


def key_file() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "archguard" / "cache-key"


def cache_key() -> bytes:
    """The key that signs and checks cache entries (read each time: a few microseconds)."""
    given = os.environ.get(KEY_ENV)
    if given:
        return hashlib.blake2b(given.encode("utf-8"), digest_size=KEY_BYTES, person=b"archguard").digest()
    path = key_file()
    try:
        return _read_key(path)
    except FileNotFoundError:
        pass
    except OSError as error:
        return _fallback(path, error)
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        return _make_key(path)
    except OSError as error:
        return _fallback(path, error)


def _make_key(path: Path) -> bytes:
    """Write a new key whole, then link it into place: a concurrent run either wins the link or
    reads the winner's complete key, never a half-written file."""
    import tempfile  # only when the key file is made (once per user)

    key = os.urandom(KEY_BYTES)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".cache-key-")  # mode 0600
    try:
        with os.fdopen(descriptor, "wb") as stream:
            stream.write(key)
        try:
            os.link(temporary, path)  # atomic, and never replaces an existing key
        except FileExistsError:
            return _read_key(path)
        return key
    finally:
        os.unlink(temporary)


def _read_key(path: Path) -> bytes:
    descriptor, _ = open_regular(path)  # never waits on a FIFO planted there
    try:
        key = os.read(descriptor, KEY_BYTES + 1)
    finally:
        os.close(descriptor)
    if len(key) != KEY_BYTES:
        raise OSError(f"{path} does not hold a {KEY_BYTES}-byte key")
    return key


def _fallback(path: Path, error: OSError) -> bytes:
    global _warned
    if _warned:
        return _process_key
    _warned = True
    warnings.warn(
        f"archguard: no cache key ({path}: {error}); this run's cache will not be reused. "
        f"Set {KEY_ENV} or make {path.parent} writable.",
        stacklevel=3,
    )
    return _process_key


_noticed: set[str] = set()


def notice_untrusted(path: Path) -> None:
    """Say once per cache folder that its content was ignored, and why."""
    folder = str(path.parent)
    if folder in _noticed:
        return
    _noticed.add(folder)
    warnings.warn(
        f"archguard: ignoring the cache in {folder}: it was not written by this archguard on this "
        f"machine (another user's or machine's key, a copy that came with the tree, or damaged); "
        f"rebuilding it. CI restoring a cache: give every job the same {KEY_ENV}.",
        stacklevel=3,
    )


def sign(*parts: bytes) -> bytes:
    """A keyed BLAKE2b MAC of ``parts`` under :func:`cache_key`: what archguard writes into the
    tree for itself to obey later (``fix``'s journal) carries it, so a copy planted by the tree is
    told apart. Each part is length-prefixed, so parts cannot be re-cut."""
    digest = hashlib.blake2b(digest_size=32, key=cache_key(), person=b"archguard-sign")
    for part in parts:
        digest.update(len(part).to_bytes(8, "little"))
        digest.update(part)
    return digest.digest()
