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
  (:func:`worker_start`): it keeps nothing between files;
* the language server lives as long as the editor and makes garbage with every keystroke (libcst's
  trees of a quick fix hold cycles): it keeps the collector on (:func:`on_for_a_long_lived_process`),
  and what its engine holds is moved out of the collector's sight (:func:`settle_long_lived`) after
  each load and after each change that derived the tree's state anew (the first edit after a warm
  load builds the symbol table and loads the stored state; a full derivation makes every record
  again), so a collection costs what the last edits made, not the whole tree: a full collection
  over a 10,000-file tree's engine was a 0.1-0.25 s pause inside a keystroke's analysis. Each
  settle first collects what was frozen too, so nothing frozen that became garbage outlives the
  next one (none does between them: an edit's derivation drops no cycles, measured with
  ``gc.collect()`` after 200 edits).

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
    """A server process (``archguard lsp``): the collector on, as a library caller would have it."""
    gc.enable()


def settle_long_lived() -> None:
    """What exists now lives on (a loaded tree, a state derived anew): collect once, what was kept
    out of collections before included, then keep what is left out of later ones."""
    gc.unfreeze()
    gc.collect()
    gc.freeze()


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
