"""Every decision about CPython's cyclic garbage collector, in one place, and why.

One archguard run builds millions of objects that live until it ends (every file's facts, the
symbol table, the findings) and almost no cyclic garbage: CPython's ``ast`` trees and our facts
hold no reference cycles, so reference counting frees them. The cyclic collector, started by
allocation counts, would rescan all that live data again and again: a seventh of a warm run, and
full collections while a cache of a million tuples loads. So:

* the CLI turns it off for its whole (short) run: :func:`off_for_this_process`;
* library callers of ``archguard.app`` keep theirs; the bulk builders pause it around their work
  only (cache loads, decoding every file's facts, a worker's ``ast`` pass): :func:`paused`;
* a worker process forked from a parent that turned it off starts with it on
  (:func:`worker_start`): it keeps nothing between files. What it inherits is kept out of its
  collections (:func:`forking`): a parent whose collector was off holds every object it made in
  the youngest generation, which each worker's first collection would otherwise scan whole,
  copying every page those objects lie on (copy-on-write) only to promote them;
* the language server lives as long as the editor and makes garbage with every keystroke (libcst's
  trees of a quick fix hold cycles): it keeps the collector on (:func:`on_for_a_long_lived_process`)
  but never lets it scan the same long-lived object twice. What its engine holds after a load is
  moved out of the collector's sight (:func:`settle_long_lived`), and so is whatever survives a
  full collection later (:func:`_freeze_survivors`): the first edit after a warm load builds the
  symbol table, the first import-linter check decodes every file's facts, a full derivation makes
  every record again, and each of these then costs one full collection, not one every few edits
  (a full collection over a 10,600-file tree's engine was a 0.1-0.25 s pause inside a keystroke's
  analysis). Safe while what an edit drops holds no cycles: an edit's derivation frees what it
  replaces by reference counting (a test checks that nothing frozen becomes cyclic garbage); a
  cycle alive only during a derivation (a parse's builder) and frozen by a collection that struck
  just then is reclaimed at the next settle, which collects what was frozen too.

(libcst's trees hold cycles; only ``fix`` builds them, for the few files it rewrites, in a run
that ends right after.)
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


def off_for_this_process() -> None:
    """For a command-line run: nothing it builds is garbage before the process exits."""
    gc.disable()


def on_for_a_long_lived_process() -> None:
    """A server process (``archguard lsp``): the collector on, as a library caller would have it,
    and what survives a full collection kept out of the later ones."""
    gc.enable()
    if _freeze_survivors not in gc.callbacks:
        gc.callbacks.append(_freeze_survivors)


def settle_long_lived() -> None:
    """What exists now lives on (a loaded tree): collect once, what was kept out of collections
    before included, then keep what is left out of later ones."""
    gc.unfreeze()
    gc.collect()
    gc.freeze()


def _freeze_survivors(phase: str, info: dict[str, int]) -> None:
    """After a full collection (generation 2), what survived it is long-lived: out of sight."""
    if phase == "stop" and info.get("generation") == 2:
        gc.freeze()


@contextmanager
def forking() -> Iterator[None]:
    """Around the calls that fork worker processes: what this process holds then is frozen (out
    of every collection) in the children, and as it was here once they are started. A process
    that froze objects of its own (the language server) is left as it is."""
    if gc.get_freeze_count():
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def worker_start() -> None:
    """Initialiser of every parser worker process (a fork inherits its parent's collector off)."""
    gc.enable()


@contextmanager
def paused() -> Iterator[None]:
    """Build many long-lived objects without the collector scanning them again and again (none of
    them form cycles). A caller's collector is back on afterwards, and nothing of theirs is frozen."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
