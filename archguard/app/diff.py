"""``archguard diff --base REV [--head REV]``: what a change does to the architecture
(docs/history.md): both sides analysed on the engine, the base derived from the head's state
(``engine.at_commit``: only the files that differ are parsed or derived again), then compared
(``analysis/architecture_diff.py``). The head is the working tree unless ``--head`` names a commit.
Today's contracts and configuration judge both sides, as ``history`` does."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from archguard.adapters import git_history
from archguard.adapters.cache.entries import DIFF_SIDES, DiffSides
from archguard.adapters.project_files.git_objects import changed_entries
from archguard.adapters.project_files.safe_git import configuration_read_once
from archguard.analysis.architecture_diff import compare
from archguard.app import Options, Progress, keys
from archguard.app.history import architecture_of
from archguard.domain.errors import ConfigError
from archguard.domain.history import DiffResult

if TYPE_CHECKING:
    from archguard.adapters.cache.facts_cache import FactsCache
    from archguard.app.engine import Engine
    from archguard.app.store import Entry, Store

T = TypeVar("T")

WORKING_TREE = "working tree"


def run_diff(
    options: Options, base: str, head: str | None = None, progress: Progress | None = None
) -> DiffResult:
    started = time.perf_counter()
    with configuration_read_once():  # the repository's configuration read once, not per git call
        result = _diff(options, base, head, progress)
    result.duration_s = time.perf_counter() - started
    return result


def _diff(options: Options, base: str, head: str | None, progress: Progress | None) -> DiffResult:
    from archguard.analysis.discover.structure import ModuleStructure
    from archguard.app.engine import Engine, commit_store

    root = options.root.resolve()
    git_history.require_repository(root)
    clone = git_history.clone_kind(root, count=False)
    base_sha = git_history.resolve(root, base, clone)
    head_sha = git_history.resolve(root, head, clone) if head is not None else _head_commit(root)
    # git's answers wanted later (what differs between the head commit and the base, the renames)
    # are asked now, in a thread that waits on git while this one analyses the head
    with ThreadPoolExecutor(max_workers=1) as git_ahead:
        moved = git_ahead.submit(git_history.renames, root, base_sha, head_sha if head is not None else None)
        changed = git_ahead.submit(changed_entries, root, head_sha, base_sha) if head_sha else None
        # A commit's results, structure and clusters are read from the store where a check (of a
        # working tree holding its files) or an earlier diff left them under the tree's key (every
        # file's outcome), else derived and kept in diff's own entry (SidesStore); the base is
        # derived from the head's state only when they are not stored.
        sides = SidesStore(commit_store(options))
        if head is None:
            head_engine = _head_from_blobs(options, root, head_sha, sides) or Engine.open(
                None, options, progress=progress, keep=True
            )
            head_name = WORKING_TREE
        else:
            assert head_sha is not None
            head_name = head_sha
            head_engine = Engine.open_at_commit(
                options, head_name, store=sides, reuse_stored=True, keep_decoded=True
            )
        # the head's structure, then patched to the base (the files that differ): each file's
        # share read from what check keeps of it in its state (passes/structure.py)
        structure = ModuleStructure()
        head_side = architecture_of(head_engine, clusters=True, structure=structure, stored=True)
        # what differs between the trees, as Tree.at_commit would ask git (from the head's commit)
        changes = changed.result() if changed is not None and head_engine.tree.commit == head_sha else None
        base_engine = head_engine.at_commit(base_sha, changes=changes, reuse_stored=True, store=sides)
        base_side = architecture_of(base_engine, clusters=True, structure=structure, stored=True)
        head_engine.tree.store.blob_facts(head_engine.tree.target).save()
        sides.close()
        result = compare(
            base_side,
            head_side,
            base_name=base_sha,
            head_name=head_name,
            contract_modules={c.canonical.partition(":")[0] for c in head_engine.concepts},
            renames=moved.result(),
        )
    # who owns what the change adds or fixes: ROOT's CODEOWNERS (as check reads it), both sides
    result.codeowners = head_side.check.codeowners
    result.owners = {**base_side.check.owners, **head_side.check.owners}
    if clone.shallow:
        result.notes.append(f"this is {clone.describe()}")
    return result


def _head_commit(root: Path) -> str | None:
    """The commit HEAD names (None: none yet, an unborn branch)."""
    try:
        return git_history.resolve(root, "HEAD")
    except ConfigError:
        return None


def _head_from_blobs(
    options: Options, root: Path, head_sha: str | None, store: Store | None = None
) -> Engine | None:
    """HEAD's engine, read from its blobs (the working tree's facts cache knows them by blob id),
    when the working tree holds HEAD's files for all the analysis reads of them (the checkout a CI
    job diffs: ``git_history.working_tree_is_head``) and every answer discovery took from HEAD's
    tree beyond git's listing (a ``pyvenv.cfg``, an ``__init__.py`` in ``build/``, ``src/``) is
    the disk's too. The base is then derived from a commit's state, as between two commits (git
    names the files that differ; the base's discovery is patched), not from the working tree's
    (every file listed and discovered again). ``head_sha``: the commit HEAD names, resolved
    already (None: an unborn branch, no blobs). None: read the working tree."""
    from archguard.adapters.discovery import probes_hold
    from archguard.app.engine import Engine

    if head_sha is None:
        return None
    vouched = git_history.working_tree_is_head(root)
    if vouched is False:
        return None
    engine = Engine.open_at_commit(options, head_sha, store=store, reuse_stored=True, keep_decoded=True)
    if not probes_hold(root, engine.tree.discovery.probes):
        return None
    if vouched is None and not _read_as_blobs(root, engine):
        return None
    return engine


def _read_as_blobs(root: Path, engine: Engine) -> bool:
    """Does each file HEAD's engine analyses hold its blob's bytes in the working tree, where git
    cannot vouch for it (``.gitattributes`` may convert line ends)? The facts cache says so by the
    file's stat, as it does for ``check`` (the bytes it last read, and their content hash, are the
    file's while its size, times and inode are the same); a stub, never cached, is read."""
    from archguard.adapters.cache.facts_cache import FileStamp, blob_id
    from archguard.adapters.project_files.commit_links import LINK_MODE
    from archguard.adapters.project_files.safe_io import read_regular

    tree = engine.tree
    cache = tree.store.facts(tree.target)
    for file in tree.all_files:
        entry = tree.entries.get(file.path)
        if entry is None or entry.mode == LINK_MODE:
            return False
        try:
            status = os.lstat(os.path.join(root, file.path))
        except OSError:
            return False
        found = cache.find(file.path, status.st_size, FileStamp.of(status))
        if found is None or found.content_hash != bytes.fromhex(entry.blob):
            return False
    for stub in tree.discovery.stubs:
        entry = tree.entries.get(stub.path)
        try:
            data = read_regular(os.path.join(root, stub.path), confine_to=root)[0]
        except OSError:
            return False
        if entry is None or entry.mode == LINK_MODE or blob_id(data) != bytes.fromhex(entry.blob):
            return False
    return True


class SidesStore:
    """The store as diff's commit engines see it. What a commit's engine derives (its scan totals,
    check outcome, structure: one value each in the store, the working tree's, that ``check``
    reads) is kept in diff's own entry instead, for the last few trees diffed (a pull request's
    base and head are diffed again at every push); a look-up tries the store first (a check of a
    working tree holding the same files), then that entry. A value is found only under its own
    key, which names every file's outcome: never another tree's."""

    KEPT = 12  # values: a base's and a head's three, twice over

    def __init__(self, store: Store) -> None:
        self._store = store
        self._sides: DiffSides | None = None
        self._changed = False
        self._in_store: set[tuple[str, bytes]] = set()  # found in the store: never copied here

    @property
    def enabled(self) -> bool:
        return self._store.enabled

    def _kept(self) -> DiffSides:
        if self._sides is None:
            self._sides = self._store.load(DIFF_SIDES, keys.diff_sides()) or {}
        return self._sides

    def load(self, entry: Entry[T], key: bytes) -> T | None:
        found = self._store.load(entry, key)
        if found is not None:
            self._in_store.add((entry.name, key))
        if found is not None or not self.enabled:
            return found
        sides = self._kept()
        at = (entry.name, entry.schema, key)
        plain = sides.pop(at, None)
        if plain is None:
            return None
        try:
            value = entry.decode(plain)
        except (TypeError, ValueError, KeyError, IndexError):  # another shape: a miss
            self._changed = True
            return None
        sides[at] = plain  # the most recently used last
        return value

    def save(self, entry: Entry[T], key: bytes, value: T) -> None:
        if not self.enabled or (entry.name, key) in self._in_store:
            return  # (a head derived again from its state: the check's results, the same again)
        sides = self._kept()
        at = (entry.name, entry.schema, key)
        sides.pop(at, None)
        sides[at] = entry.encode(value)
        while len(sides) > self.KEPT:
            del sides[next(iter(sides))]
        self._changed = True

    def cached(self, entry: Entry[T], key: bytes | None, compute: Callable[[], T]) -> T:
        from archguard.adapters.cache.store import cached_in

        return cached_in(self, entry, key, compute)

    def facts(self, target: tuple[int, int]) -> FactsCache:
        return self._store.facts(target)

    def blob_facts(self, target: tuple[int, int]) -> FactsCache:
        return self._store.blob_facts(target)

    def close(self) -> None:
        """Keep what this diff derived (once, at its end)."""
        if self._changed and self._sides is not None:
            self._store.save(DIFF_SIDES, keys.diff_sides(), self._sides)
            self._changed = False
