"""The files of a tree and what parsing each gave: the engine's input (``app/engine.py``).

A tree comes from one of three places:

* the working tree (:meth:`Tree.open`): git's listing (or a walk), the warm-start record for the
  files git vouches for (``adapters/warm_start.py``), the scanner for the rest;
* the same, with an editor's unsaved text or deletions laid over it (:meth:`Tree.apply`);
* a commit (:meth:`Tree.of_commit`): ``git ls-tree`` and the blobs, read by blob id, never
  checked out.

Each file's outcome is known by its digest at once; its facts are decoded when first asked for
(``facts``), so a run whose derived results are cached, or that re-derives a handful of files,
decodes a handful.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from archguard.adapters.cache.cache_location import check_cache_dir, default_cache_dir
from archguard.adapters.cache.facts_cache import CachedOutcome, FactsCache, FileStamp
from archguard.adapters.cache.store import DiskStore, open_store
from archguard.adapters.discovery import (
    Discovery,
    DiscoveryError,
    PathsView,
    TreeView,
    after_commit,
    glob_folders,
    lexically_inside,
    read_entry,
    reads_config,
    split_undecodable_names,
    with_paths,
)
from archguard.adapters.discovery import discover as discover_files
from archguard.adapters.parsing.syntax_judge import NEWEST_TARGET
from archguard.adapters.project_files.git_listing import GitListing, list_git_files
from archguard.adapters.project_files.safe_io import is_inside
from archguard.app import keys
from archguard.domain.errors import ConfigError
from archguard.domain.facts import FileFacts, ParseOutcome, SyntaxIssue, UnreadableFile
from archguard.domain.sources import SourceFile, folders_of

if TYPE_CHECKING:
    from archguard.adapters.parsing.scanner import ScanOutput
    from archguard.adapters.parsing.stubs import Stub
    from archguard.adapters.project_files.commit_links import LinkResolver, Surroundings
    from archguard.adapters.project_files.git_objects import TreeEntry
    from archguard.app import Options, Progress
    from archguard.app.preflight import Preflight
    from archguard.app.store import Store

_BADLY_NAMED = "file name is not valid UTF-8"


def scan_files(*args: Any, **kwargs: Any) -> ScanOutput:
    """The scanner, loaded on first use: a warm start parses nothing, and loading the parser, its
    worker pool and ruff's glue costs a tenth of such a run."""
    from archguard.adapters.parsing.scanner import scan_files as scan

    return scan(*args, **kwargs)


class FactsView(Mapping[str, FileFacts]):
    """Every parsed file's facts: the scan's (decoded on first access), with what was parsed since
    laid over them (``put``; None: the file has no facts now)."""

    def __init__(self, base: Mapping[str, FileFacts]) -> None:
        self._base = base
        self._over: dict[str, FileFacts | None] = {}

    def put(self, path: str, facts: FileFacts | None) -> None:
        self._over[path] = facts

    def __getitem__(self, path: str) -> FileFacts:
        if path in self._over:
            found = self._over[path]
            if found is None:
                raise KeyError(path)
            return found
        return self._base[path]

    def __contains__(self, path: object) -> bool:
        if path in self._over:
            return self._over[path] is not None
        return path in self._base

    def __iter__(self) -> Iterator[str]:
        over = self._over
        yield from (path for path in self._base if path not in over)
        yield from (path for path, facts in over.items() if facts is not None)

    def __len__(self) -> int:
        if not self._over:  # a commit's tree, or a tree nothing was laid over
            return len(self._base)
        return sum(1 for _ in self)

    def paths_holding(self, kind: str) -> list[str]:
        """The files whose facts may hold ``kind`` (a DynamicKind value), told without decoding
        the scan's facts where their encoded form can say (``LazyFacts.paths_holding``): a
        superset. What was parsed since is listed when its facts hold it."""
        holding = getattr(self._base, "paths_holding", None)
        over = self._over
        base = list(self._base) if holding is None else holding(kind)
        found = [path for path in base if path not in over]
        found += [
            path
            for path, facts in over.items()
            if facts is not None and any(fact.kind.value == kind for fact in facts.dynamic)
        ]
        return found

    def decoded(self) -> dict[str, FileFacts]:
        """The facts decoded so far (the others are never needed by an incremental run)."""
        found = dict(getattr(self._base, "_facts", {}))
        found.update((p, f) for p, f in self._over.items() if f is not None)
        return found


class Tree:
    """The files of one tree (analysis order: discovery's), their outcomes and their facts."""

    def __init__(
        self,
        options: Options,
        root: Path,
        target: tuple[int, int],
        store: Store,
        discovery: Discovery,
        files: list[SourceFile],
        badly_named: list[SourceFile],
        output: Any,
        *,
        facts_cache: FactsCache | None = None,
        stubs: dict[str, Stub] | None = None,
    ) -> None:
        self.options = options
        self.root = root
        self.target = target
        self.store = store
        self.discovery = discovery
        self.files = files
        self.badly_named = badly_named
        self.digests: dict[str, bytes] = dict(output.outcome_digests)
        self.content_hashes: dict[str, bytes] = dict(getattr(output, "content_hashes", {}))
        self.facts = FactsView(output.facts)
        self.syntax: dict[str, SyntaxIssue] = {s.path: s for s in output.syntax_errors}
        self.unreadable: dict[str, UnreadableFile] = {u.path: u for u in output.unreadable}
        self.unreadable.update((f.path, UnreadableFile(f.path, _BADLY_NAMED)) for f in badly_named)
        self.cache_hits: int = output.cache_hits
        # a commit's stubs come from its blobs (``stubs``), the working tree's from the disk
        self.stubs: dict[str, Stub] = stubs if stubs is not None else _read_stubs(root, discovery.stubs)
        self._facts_cache = facts_cache
        # path -> (outcome digest, facts) a file had before an edit made here (apply)
        self._previous: dict[str, tuple[bytes, FileFacts | None]] = {}
        self.overlaid: set[str] = set()  # files whose text is an editor's, or that it deleted
        # files whose editor text does not parse, analysed with the facts of their last text that
        # did (apply's ``hold_facts``); their syntax error is reported all the same
        self.held: set[str] = set()
        self.version = 0  # counts the edits laid over the tree
        # a commit's tree (Tree.at_commit): its id, its files (path -> entry) and each file's
        # outcome (what the next commit keeps where the blob is the same)
        self.commit: str | None = None
        self.keeps_decoded = False  # a commit's facts kept with its blobs' outcomes (at_commit)
        # git lists the tree (a checkout, or a commit): what only diff and history read of each
        # file is worth keeping (app/passes/structure.py); a plain folder never has a diff
        self.in_git = True
        self.entries: dict[str, TreeEntry] = {}  # a link's: the file it leads to (see _Links)
        self.links: _Links | None = None  # the commit's symbolic links (None: it has none)
        self.blob_outcomes: dict[str, CachedOutcome] = {}
        # the files (same as the commit before's) whose blob differs from the commit before's;
        # None: not known (the files came or went, or the tree is not a commit's)
        self.changed_files: set[str] | None = None
        self.parsed_paths: list[str] = []  # a commit's parsed files, in file order
        self.files_version = 0  # counts the edits that added or removed a file
        self._all_files: tuple[int, list[SourceFile]] | None = None

    # ---- opening -------------------------------------------------------------------------------

    @classmethod
    def open(
        cls,
        options: Options,
        progress: Progress | None = None,
        *,
        listing: GitListing | bool | None = True,
        store: Store | None = None,
        preflight: Preflight | None = None,
    ) -> Tree:
        """The working tree under ``options.root``. ``listing``: git's listing of ROOT made
        already this run (True: make it here). ``store``: where derived results are kept (None:
        the cache folder the options name; a given store has no warm-start record).
        ``preflight``: a check's configuration, validated once the files are listed and before
        any is parsed (app/preflight.py)."""
        from archguard.adapters import warm_start

        root = options.root.resolve()
        target = options.target or NEWEST_TARGET
        # docs/security.md: where a cache may live, and when it is trusted
        given_cache_dir = None if options.no_cache else options.cache_dir or default_cache_dir(root)
        if listing is True:
            listing = list_git_files(root)
        assert listing is None or isinstance(listing, GitListing)
        start = (
            None
            if store is not None
            else warm_start.begin(
                root,
                listing,
                given_cache_dir,
                packages=options.packages,
                include_loose=options.include_loose,
                key=keys.warm_start(
                    options.excludes,
                    options.source_roots,
                    options.include_loose,
                    target,
                    sys.version_info[:2],
                ),
            )
        )
        recalled = start.recall() if start is not None else None
        if recalled is not None and start is not None and recalled.discovery is not None:
            # git lists the files a recorded run saw: its discovery stands
            assert (
                given_cache_dir is not None
                and recalled.files is not None
                and recalled.badly_named is not None
            )
            discovery, files, badly_named = recalled.discovery, recalled.files, recalled.badly_named
            check_cache_dir(given_cache_dir, root, discovery.files)
            store = DiskStore(start.folder)
        elif store is not None:
            discovery = _discover(root, options, listing)
            files = discovery.files if options.include_loose else [f for f in discovery.files if not f.loose]
            files, badly_named = split_undecodable_names(files)
        else:
            discovery = _discover(root, options, listing)
            files = discovery.files if options.include_loose else [f for f in discovery.files if not f.loose]
            files, badly_named = split_undecodable_names(files)
            store = open_store(
                root,
                options.cache_dir,
                no_cache=options.no_cache,
                files=discovery.files,
                git_tracked=discovery.git_tracked,
                include_loose=options.include_loose,
                tracked=False if start is not None else None,
            )
        if preflight is not None:
            preflight.before_parse(store, files)
        cache = store.facts(target)

        def scan(chosen: list[SourceFile]) -> ScanOutput:
            return scan_files(root, chosen, target=target, cache=cache, jobs=options.jobs, progress=progress)

        output: Any
        if recalled is not None and store.enabled:
            known = {f.path: recalled.known[f.path] for f in files if f.path in recalled.known}
            cache.keep(known)
            rest = [f for f in files if f.path not in known]
            output = warm_start.WarmOutcomes(files, known, scan(rest) if rest else None, cache, scan)
        else:
            output = scan(files)
        if start is not None and store.enabled:
            start.record(discovery, files, badly_named, output, cache)
        assert store is not None
        tree = cls(options, root, target, store, discovery, files, badly_named, output, facts_cache=cache)
        tree.in_git = listing is not None
        return tree

    @classmethod
    def of_commit(
        cls,
        base: Tree,
        commit: str,
        changes: list[tuple[str, TreeEntry | None]] | None = None,
        *,
        store: Store | None = None,
    ) -> Tree:
        """The tree of ``commit`` (a commit id) under ``base``'s ROOT, from git's objects: discovery
        over the commit's file list, each file's outcome from the blob cache by its blob id, the
        blobs not seen before read in one ``git cat-file --batch`` and parsed. ``changes``: what
        differs between ``base``'s commit and this one, as :func:`changed_entries` gives it (None:
        asked of git here). ``store``: the new tree's (None: ``base``'s)."""
        return cls.at_commit(
            base.options, store or base.store, commit, target=base.target, previous=base, changes=changes
        )

    @classmethod
    def at_commit(
        cls,
        options: Options,
        store: Store,
        commit: str,
        *,
        target: tuple[int, int] | None = None,
        previous: Tree | None = None,
        changes: list[tuple[str, TreeEntry | None]] | None = None,
        keep_decoded: bool | None = None,
    ) -> Tree:
        """The tree of ``commit`` under ``options.root`` (resolved), no working tree read (see
        :meth:`of_commit`); outcomes kept in ``store``'s blob cache. ``previous``: a tree of
        another commit with the same options, whose discovery stands when the commit lists the
        same paths (most commits only change what files hold), and whose outcomes stand for every
        file the commit did not change. ``keep_decoded``: a file's facts, once decoded, are kept
        with its blob's outcome, which ``previous`` and this tree share where the blob is the same
        (``diff``'s two sides decode each such file once); not in a walk through history, whose
        commits share the outcomes of the whole range (None: as ``previous`` does, else not)."""
        if keep_decoded is None:
            keep_decoded = previous is not None and previous.keeps_decoded
        root = options.root.resolve()
        target = target or options.target or NEWEST_TARGET
        if previous is not None and (previous.options is not options or previous.target != target):
            previous = None  # other rules: nothing of it stands
        if previous is None or previous.commit is None:
            changes = None
        elif changes is None:
            from archguard.adapters.project_files.git_objects import changed_entries

            changes = changed_entries(root, previous.commit, commit)
        entries = _commit_entries(root, commit, previous, changes)
        links = _Links.of_commit(root, commit, entries, previous, changes)
        if links is not None:  # the links resolved in the commit: what a checkout reads through them
            entries, changes = links.resolve(entries, previous, changes)
        found_discovery = _discovery_after(root, options, previous, changes, entries)
        if found_discovery is not None:
            discovery = found_discovery
            if previous is not None and discovery.files is previous.discovery.files:
                files, badly_named = previous.files, previous.badly_named
            else:
                files = (
                    discovery.files if options.include_loose else [f for f in discovery.files if not f.loose]
                )
                files, badly_named = split_undecodable_names(files)
        else:
            listed = [(e.path, e.mode, e.blob) for e in entries.values()]
            view: PathsView | _LinkedView = PathsView(root, entries)
            if links is not None:  # a link is listed as the file it leads to (none to a folder)
                listed, view = links.listed(entries), links.view(entries)
            listing = GitListing.of_tree(root, listed)
            try:
                discovery = discover_files(
                    root,
                    packages=options.packages or None,
                    excludes=options.excludes,
                    listing=listing,
                    source_roots=options.source_roots,
                    view=view,
                    config=view if _config_at_commit(options) else None,
                )
            except DiscoveryError as error:
                raise ConfigError(str(error)) from None
            files = discovery.files if options.include_loose else [f for f in discovery.files if not f.loose]
            files, badly_named = split_undecodable_names(files)
        kept = previous.blob_outcomes if previous is not None else {}
        if previous is not None and files is previous.files and changes is not None:
            # the same files: only those the commit changed are looked at
            found = dict(kept)
            todo = sorted(path for path, _ in changes if path in found)
            changed: set[str] | None = set(todo)
        else:
            found, todo, changed = {}, [f.path for f in files], None
        hits = len(found) - len(todo) if changed is not None else 0
        hits += _outcomes_of(root, store, target, options.jobs, todo, entries, previous, found)
        if changed is not None:
            assert previous is not None
            output: Any = _Outcomes.after(previous, files, found, changed, hits, keep_decoded)
        else:
            output = _Outcomes(files, found, hits, keep_decoded=keep_decoded)
        stubs = _commit_stubs(root, discovery.stubs, entries, previous)
        tree = cls(options, root, target, store, discovery, files, badly_named, output, stubs=stubs)
        if previous is not None and files is previous.files and badly_named is previous.badly_named:
            tree._all_files = (
                tree.version,
                previous.all_files,
            )  # the same list: what keeps per-file state knows it
        tree.commit = commit
        tree.keeps_decoded = keep_decoded
        tree.entries = entries
        tree.links = links
        tree.blob_outcomes = found
        tree.changed_files = changed
        tree.parsed_paths = output.parsed_paths
        return tree

    # ---- what it holds -------------------------------------------------------------------------

    @property
    def all_files(self) -> list[SourceFile]:
        """Every file the scan accounts for: the analysed ones, then those whose names are unreadable."""
        if self._all_files is None or self._all_files[0] != self.version:
            self._all_files = (self.version, self.files + self.badly_named)
        return self._all_files[1]

    @property
    def fully_cached(self) -> bool:
        """Every outcome is known by its digest: what is derived from them can be keyed by them."""
        # every file has a digest, and only files have one (what leaves the tree forgets its own)
        return len(self.digests) == len(self.files) and not self.badly_named

    def previous(self, path: str) -> tuple[bytes, FileFacts | None] | None:
        """(outcome digest, facts) of what ``path`` held before its outcome last changed: before
        an edit made here, or the entry the facts cache replaced this run; None: not known."""
        if path in self._previous:
            return self._previous[path]
        previous = self._facts_cache.previous(path) if self._facts_cache is not None else None
        if previous is None:
            return None
        try:
            return previous.outcome_digest, previous.outcome().facts
        except Exception:  # noqa: BLE001 - a checksum-valid entry our decoder rejects: not known
            return None

    def settle(self) -> None:
        """The changes seen so far are derived: forget what the changed files held."""
        self._previous.clear()
        if self._facts_cache is not None:
            self._facts_cache.replaced.clear()

    # ---- changes -------------------------------------------------------------------------------

    def apply(
        self, changes: Mapping[str, bytes | None], *, on_disk: bool = False, hold_facts: bool = False
    ) -> tuple[set[str], set[str]]:
        """Lay new content over files (None: the file is deleted; ``on_disk``: the content is the
        file's on disk, not an editor's). ``hold_facts``: a file whose new content does not parse
        keeps the facts it had (its last content that parsed), so the rest of the tree is not
        judged by a keystroke; its syntax error is recorded as usual. Returns (paths whose content
        changed, paths added or removed); naming is redone when files come or go."""
        from archguard.adapters.parsing.in_memory import scan_bytes

        known = {f.path: f for f in self.files}
        added = {p for p, data in changes.items() if data is not None and p not in known}
        removed = {p for p, data in changes.items() if data is None and p in known}
        if added or removed:
            self._rename(added, removed)
            known = {f.path: f for f in self.files}
        changed = {p for p in changes if p in known or p in removed}
        for path in changed:
            self._previous.setdefault(path, (self.digests.get(path, b""), self.facts.get(path)))
        self.version += 1
        texts = {p: data for p, data in changes.items() if data is not None and p in known}
        outcomes = scan_bytes([known[p] for p in texts], texts, target=self.target, jobs=1)
        for path in removed:
            self._forget(path)
        for path, outcome in outcomes.items():
            self._set(path, outcome, hold_facts=hold_facts)
        if on_disk:
            self.overlaid -= changed
        else:
            self.overlaid |= changed
        return changed, added | removed

    def _rename(self, added: set[str], removed: set[str]) -> None:
        self.files_version += 1
        self.discovery = with_paths(
            self.root,
            self.discovery,
            added=added,
            removed=removed,
            packages=self.options.packages or None,
            excludes=self.options.excludes,
        )
        files = self.discovery.files
        if not self.options.include_loose:
            files = [f for f in files if not f.loose]
        self.files, self.badly_named = split_undecodable_names(files)
        self.unreadable = {p: u for p, u in self.unreadable.items() if u.reason != _BADLY_NAMED}
        self.unreadable.update((f.path, UnreadableFile(f.path, _BADLY_NAMED)) for f in self.badly_named)

    def _forget(self, path: str) -> None:
        self.held.discard(path)
        self.digests.pop(path, None)
        self.syntax.pop(path, None)
        self.unreadable.pop(path, None)
        self.facts.put(path, None)

    def _set(self, path: str, outcome: CachedOutcome, *, hold_facts: bool = False) -> None:
        last_good = self.facts.get(path) if hold_facts else None
        self._forget(path)
        decoded: ParseOutcome = outcome.outcome()
        self.digests[path] = outcome.outcome_digest
        self.content_hashes[path] = outcome.content_hash
        if decoded.syntax_error is not None:
            self.syntax[path] = decoded.syntax_error
        if decoded.unreadable is not None:
            self.unreadable[path] = decoded.unreadable
        if decoded.syntax_error is not None and last_good is not None:
            self.held.add(path)
            self.facts.put(path, last_good)
        else:
            self.facts.put(path, decoded.facts)

    def read_from_disk(self, paths: Iterable[str]) -> dict[str, bytes | None]:
        """What the files hold on disk now (None: gone or not a file), for :meth:`apply`."""
        from archguard.adapters.project_files.safe_io import read_regular

        found: dict[str, bytes | None] = {}
        for path in paths:
            try:
                found[path] = read_regular(os.path.join(self.root, path))[0]
            except OSError:
                found[path] = None
        return found


def _discover(root: Path, options: Options, listing: GitListing | None) -> Discovery:
    try:
        return discover_files(
            root,
            packages=options.packages or None,
            excludes=options.excludes,
            listing=listing,
            source_roots=options.source_roots,
            git_asked=True,  # Tree.open's listing: None is git's answer already
        )
    except DiscoveryError as error:
        raise ConfigError(str(error)) from None


def _read_stubs(root: Path, stubs: list[SourceFile]) -> dict[str, Stub]:
    if not stubs:  # the usual case: the stub reader (and the parser it needs) is not even loaded
        return {}
    from archguard.adapters.parsing.stubs import read_stubs

    return read_stubs(root, stubs)


def _commit_stubs(
    root: Path, stubs: list[SourceFile], entries: Mapping[str, TreeEntry], previous: Tree | None
) -> dict[str, Stub]:
    """The stubs of a commit (``stubs``, of its discovery) from its blobs, as :func:`_read_stubs`
    reads a checkout's: the commit before's where the content is the same, the rest read in one go."""
    if not stubs:
        return {}
    from archguard.adapters.parsing.stubs import stub_of
    from archguard.adapters.project_files.git_objects import read_blobs

    kept = previous.stubs if previous is not None else {}
    found: dict[str, Stub | None] = {}
    wanted: dict[str, str] = {}  # stub path -> its blob
    for stub in stubs:
        entry = entries.get(stub.path)
        if entry is None or entry.refused:  # a link a checkout would not read: no stub
            continue
        old = kept.get(stub.module)
        if old is not None and old.file == stub and old.digest == bytes.fromhex(entry.blob):
            found[stub.path] = old
        else:
            wanted[stub.path] = entry.blob
    data = read_blobs(root, set(wanted.values())) if wanted else {}
    by_path = {stub.path: stub for stub in stubs} if wanted else {}
    for path, blob in wanted.items():
        found[path] = None if blob not in data else stub_of(by_path[path], data[blob])
    return {stub.module: read for stub in stubs if (read := found.get(stub.path)) is not None}


class _Outcomes:
    """Outcomes already in the cache's form (a commit's blobs), shaped as the scanner's output."""

    def __init__(
        self,
        files: list[SourceFile],
        found: dict[str, CachedOutcome],
        hits: int,
        *,
        carried: tuple[dict[str, bytes], dict[str, bytes], list[SyntaxIssue], list[UnreadableFile], list[str]]
        | None = None,
        keep_decoded: bool = False,
    ) -> None:
        from archguard.adapters.parsing.lazy_facts import LazyFacts

        self._found = found
        if carried is not None:
            (
                self.outcome_digests,
                self.content_hashes,
                self.syntax_errors,
                self.unreadable,
                self.parsed_paths,
            ) = carried
        else:
            self.outcome_digests = {path: o.outcome_digest for path, o in found.items()}
            self.content_hashes = {path: o.content_hash for path, o in found.items()}
            self.syntax_errors = [o.syntax_error for o in found.values() if o.syntax_error is not None]
            self.unreadable = [o.unreadable for o in found.values() if o.unreadable is not None]
            self.parsed_paths = [f.path for f in files if found[f.path].parsed]
        self.cache_hits = hits
        # a function of ``found`` alone, not a method: the facts must not point back at this
        # object (a reference cycle, which the command line's run, its collector off, never frees:
        # a walk through history would keep every commit's decoded facts)
        self.facts = LazyFacts(self.parsed_paths, _facts_in(found, keep_decoded))

    @classmethod
    def after(
        cls,
        previous: Tree,
        files: list[SourceFile],
        found: dict[str, CachedOutcome],
        changed: set[str],
        hits: int,
        keep_decoded: bool,
    ) -> _Outcomes:
        """The outcomes of a commit with the files of ``previous``'s, only ``changed`` differing:
        ``previous``'s, patched (no walk over every file)."""
        digests, hashes = dict(previous.digests), dict(previous.content_hashes)
        syntax = [issue for path, issue in previous.syntax.items() if path not in changed]
        unreadable = [u for path, u in previous.unreadable.items() if path not in changed]
        flipped = False
        for path in changed:
            outcome = found[path]
            digests[path], hashes[path] = outcome.outcome_digest, outcome.content_hash
            if outcome.syntax_error is not None:
                syntax.append(outcome.syntax_error)
            if outcome.unreadable is not None:
                unreadable.append(outcome.unreadable)
            flipped = flipped or (outcome.parsed != previous.blob_outcomes[path].parsed)
        parsed = [f.path for f in files if found[f.path].parsed] if flipped else previous.parsed_paths
        carried = (digests, hashes, syntax, unreadable, parsed)
        return cls(files, found, hits, carried=carried, keep_decoded=keep_decoded)


def _facts_in(found: dict[str, CachedOutcome], keep: bool) -> Callable[[str], FileFacts | None]:
    def facts_of(path: str) -> FileFacts | None:
        # not kept in the outcome, which the next commits share: in this tree's facts only
        # (``keep``: in the outcome, for the other tree that shares it: Tree.at_commit)
        outcome = found[path]
        facts: FileFacts | None = (outcome.outcome() if keep else outcome.outcome_unkept()).facts
        return facts

    return facts_of


def parse_ahead(
    options: Options, store: Store, target: tuple[int, int], wanted: Iterable[tuple[str, str]]
) -> int:
    """Parse every (path, blob id) of ``wanted`` that neither the blob cache nor the working tree's
    facts cache knows, all in one go (history reads the new blobs of the commits it will walk
    before it walks them: one read, every worker busy, instead of a read per commit); the outcomes
    go into the blob cache, where :meth:`Tree.at_commit` finds them. Returns how many were parsed."""
    root = options.root.resolve()
    blobs = store.blob_facts(target)
    working = store.facts(target)
    rounds: list[dict[str, str]] = []  # path -> blob, a path once per round (scan_blobs' shape)
    for path, blob in dict.fromkeys(wanted):
        if _known_outcome(blobs, working, path, blob) is not None:
            continue
        free = next((r for r in rounds if path not in r), None)
        if free is None:
            free = {}
            rounds.append(free)
        free[path] = blob
    return sum(len(_parsed_blobs(root, blobs, target, options.jobs, blob_of)) for blob_of in rounds)


def _known_outcome(blobs: FactsCache, working: FactsCache, path: str, blob: str) -> CachedOutcome | None:
    """The outcome of ``blob`` at ``path`` the blob cache knows, else the working tree's facts
    cache (by path and content: its blob id); None: not known."""
    blob_hash = bytes.fromhex(blob)
    return blobs.find_by_hash(f"{blob}:{path}", blob_hash) or working.find_by_hash(path, blob_hash)


def _parsed_blobs(
    root: Path, blobs: FactsCache, target: tuple[int, int], jobs: int | None, blob_of: dict[str, str]
) -> dict[str, CachedOutcome]:
    """Each of ``blob_of`` (path -> blob id, a path once) read and parsed as that path (what a blob
    parses to depends on its path only), its outcome kept in the blob cache whatever it is ("too
    large" included: a blob never changes); a blob git could not give is left out."""
    from archguard.adapters.parsing.in_memory import scan_blobs

    named = [SourceFile(path, path, True, False) for path in blob_of]
    found = {}
    for path, (outcome, size) in scan_blobs(root, named, blob_of, target=target, jobs=jobs).items():
        blobs.store(
            f"{blob_of[path]}:{path}", size, FileStamp(0, 0, 0), bytes.fromhex(blob_of[path]), outcome
        )
        found[path] = outcome
    return found


def _outcomes_of(
    root: Path,
    store: Store,
    target: tuple[int, int],
    jobs: int | None,
    paths: list[str],
    entries: Mapping[str, TreeEntry],
    previous: Tree | None,
    found: dict[str, CachedOutcome],
) -> int:
    """Put the outcome of each of ``paths`` (files of a commit) into ``found``: the commit
    before's where the blob at the path is the same, else the blob cache's, else the working
    tree's facts cache's (by path and blob id), else the blob read and parsed (kept in the blob
    cache, saved by the caller once its walk is done). Returns how many were known already."""
    from archguard.adapters.parsing.in_memory import unreadable_outcome

    blobs = store.blob_facts(target)
    working = store.facts(target)  # the working tree's outcomes: by path and content (its blob id)
    kept = previous.blob_outcomes if previous is not None else {}
    before = previous.entries if previous is not None else {}
    missing: list[str] = []
    hits = 0
    for path in paths:
        entry = entries[path]
        if before.get(path) == entry and path in kept:
            found[path] = kept[path]  # the same blob at the same path as the commit before
            hits += 1
            continue
        if entry.refused:  # a link a checkout would not read through (see _Links)
            found[path] = unreadable_outcome(path, entry.refused)
            hits += 1
            continue
        cached = _known_outcome(blobs, working, path, entry.blob)
        if cached is not None:
            found[path] = cached
            hits += 1
        else:
            missing.append(path)
    if not missing:
        return hits
    found.update(_parsed_blobs(root, blobs, target, jobs, {path: entries[path].blob for path in missing}))
    for path in missing:
        if path not in found:
            found[path] = unreadable_outcome(path, "git could not give this blob")
    return hits


def _discovery_after(
    root: Path,
    options: Options,
    previous: Tree | None,
    changes: list[tuple[str, TreeEntry | None]] | None,
    entries: Mapping[str, TreeEntry],
) -> Discovery | None:
    """The discovery of a commit from the commit before's, when what came or went
    provably changes nothing but those files (``discovery.after_commit``): most commits change
    no path at all, many add a file or two; None: discover the commit anew."""
    if previous is None or changes is None:  # (changes: the commit before is a commit's tree)
        return None
    before = previous.entries
    added = [path for path, entry in changes if entry is not None and path not in before]
    removed = [path for path, entry in changes if entry is None and path in before]
    if any(
        entry is not None and path in before and before[path].mode != entry.mode for path, entry in changes
    ):
        return None  # a file became a link (or the other way): discovery lists such files apart
    pants = None
    if _config_at_commit(options):  # the members were read from the commit before's files
        if reads_config(previous.discovery, (path for path, _ in changes)):
            return None  # one of them changed: the members may have too
        if added or removed:
            from archguard.adapters.project_files.workspace_config import pants_settings

            pants = pants_settings(root, PathsView(root, entries))  # (pants.toml is as before)
    if not added and not removed:
        return previous.discovery
    modules = {f.module for f in previous.discovery.files} if any(p.endswith(".py") for p in added) else set()
    return after_commit(
        root,
        previous.discovery,
        added=added,
        removed=removed,
        is_file=entries.__contains__,
        modules=modules,
        packages=options.packages or None,
        excludes=options.excludes,
        pants=pants,
    )


def _config_at_commit(options: Options) -> bool:
    """Are these a commit's own options (``history --config-at-commit``, ``app/commit_config.py``)?
    Then its workspace configuration is read from its files too, not from the working tree."""
    return options.config_root is not None


class _Links:
    """A commit's symbolic links (mode 120000) and what each leads to in it: a checkout reads the
    file a link leads to, or refuses it, and never lists a link to a folder
    (``adapters/project_files/commit_links.py``). Each link's entry in the commit's ``entries``
    becomes the file it leads to (that file's blob, under the link's path: the blob cache's key,
    ``blob:path``, is what parsing those bytes as that path gives) or the reason a checkout reads
    nothing (``TreeEntry.refused``); a link to a folder leaves the entries. Every link is resolved
    again in every commit that has one (a commit changing only a link's target changes where the
    link leads: git reports the target, not the link); a tree without links costs nothing."""

    def __init__(
        self,
        root: Path,
        commit: str,
        targets: dict[str, str],
        texts: dict[str, str],
        before: _Links | None,
        folders: frozenset[str] | None,
    ):
        self.root = root
        self.commit = commit
        self.targets = targets  # link path -> its target (the link's blob, as a path)
        # link blob -> its target: what was read, kept from commit to commit (the first commit's
        # too: the dict link_targets filled is the one handed on)
        self.texts = texts
        # the repository's top folder (real path; None: git cannot say), asked once a walk
        self._top: list[str | None] = before._top if before is not None else []
        self._folders = folders  # every folder of the commit under ROOT (None: not made yet)
        self._paths: Iterable[str] = ()  # the commit's paths (links dropped from them are targets')
        # link -> the file (path under ROOT) its walk ended at; None: a folder, or refused
        self.reached: dict[str, str | None] = {}
        self._walked_around = False  # some walk met the repository outside ROOT
        # the commit before's links, when their walks stand for this commit (see resolve)
        self._settled: _Links | None = None
        self._around: Surroundings | None = None  # the repository outside ROOT: listed once a commit

    def top(self) -> str | None:
        """The real path of the repository's top folder: ROOT when it holds ``.git``."""
        if not self._top:
            from archguard.adapters.project_files.commit_links import repository_top

            self._top.append(repository_top(self.root))
        return self._top[0]

    def _resolver(self, entries: Mapping[str, TreeEntry]) -> LinkResolver:
        from archguard.adapters.project_files.commit_links import LinkResolver, Surroundings

        if self._around is None:  # one for the links' walks and discovery's look-ups
            self._around = Surroundings(self.root, self.commit, self.top)
        return LinkResolver(os.fspath(self.root), entries, self.targets, self.folders, self._around)

    @classmethod
    def of_commit(
        cls,
        root: Path,
        commit: str,
        entries: dict[str, TreeEntry],
        previous: Tree | None,
        changes: list[tuple[str, TreeEntry | None]] | None,
    ) -> _Links | None:
        """The links of a commit whose files are ``entries`` (as git lists them, or the commit
        before's patched with ``changes``); None: it has none."""
        from archguard.adapters.project_files.commit_links import LINK_MODE, link_targets

        before = previous.links if previous is not None else None
        texts = before.texts if before is not None else {}
        if changes is None or previous is None:  # the whole tree was listed
            blobs = {path: e.blob for path, e in entries.items() if e.mode == LINK_MODE}
            if not blobs:
                return None
            return cls(root, commit, link_targets(root, blobs, texts), texts, before, None)
        new = {path: e.blob for path, e in changes if e is not None and e.mode == LINK_MODE}
        if before is None and not new:
            return None  # no link before, none now: nothing to resolve
        targets = dict(before.targets) if before is not None else {}
        for path, entry in changes:
            if entry is None or entry.mode != LINK_MODE:
                targets.pop(path, None)
        targets.update(link_targets(root, new, texts))
        if not targets:
            return None  # the last links went: the changes git reports are the whole story
        known = previous.entries
        same_paths = before is not None and all(
            entry is not None and (path in known or path in before.targets) for path, entry in changes
        )
        links = cls(
            root,
            commit,
            targets,
            texts,
            before,
            before._folders if same_paths and before is not None else None,
        )
        if (
            before is not None
            and same_paths
            and not new
            and not before._walked_around
            and not any(path in before.targets for path, _ in changes)
        ):
            # no path came or went, no link changed, no walk left the commit's ROOT for its other
            # folders: every walk takes the same steps, only the files at their ends may hold others
            links._settled = before
        return links

    def folders(self) -> frozenset[str]:
        if self._folders is None:
            self._folders = folders_of([*self._paths, *self.targets])
        return self._folders

    def resolve(
        self,
        entries: dict[str, TreeEntry],
        previous: Tree | None,
        changes: list[tuple[str, TreeEntry | None]] | None,
    ) -> tuple[dict[str, TreeEntry], list[tuple[str, TreeEntry | None]] | None]:
        """(``entries`` with every link's entry what it leads to, what differs from ``previous``'s
        entries: ``changes`` with each link whose entry changed, however its target did)."""
        from archguard.adapters.parsing.parse_file import os_reason
        from archguard.adapters.project_files.commit_links import LINK_MODE
        from archguard.adapters.project_files.git_objects import TreeEntry

        if self._settled is not None:  # the same walks: each link takes its file's blob of now
            self.reached = reached = self._settled.reached
            for path in sorted(self.targets):
                end = reached.get(path)
                if end is not None:
                    entries[path] = TreeEntry(path, LINK_MODE, entries[end].blob)
            self._settled = None  # (no older commit kept)
        else:
            self._paths = entries.keys()
            resolver = self._resolver(entries)
            leads = {path: resolver.resolve(path) for path in sorted(self.targets)}
            came = False
            for path, found in leads.items():
                self.reached[path] = None
                if isinstance(found, str):  # a folder: a checkout lists no such file
                    entries.pop(path, None)
                    continue
                came = came or path not in entries
                if isinstance(found, OSError):
                    entries[path] = TreeEntry(path, LINK_MODE, "", os_reason(found))
                else:
                    entries[path] = TreeEntry(path, LINK_MODE, found.blob)
                    self.reached[path] = found.path
            assert self._around is not None
            self._walked_around = self._around.consulted
            if came:
                entries = dict(sorted(entries.items()))
        self._paths = entries.keys()  # with the links: every path of the commit
        if changes is None or previous is None:
            return entries, changes
        linked_before = previous.links.targets if previous.links is not None else {}
        found_changes = [(p, e) for p, e in changes if p not in self.targets and p not in linked_before]
        for path in sorted(self.targets.keys() | linked_before.keys()):
            if entries.get(path) != previous.entries.get(path):
                found_changes.append((path, entries.get(path)))
        return entries, found_changes

    def listed(self, entries: Mapping[str, TreeEntry]) -> list[tuple[str, str, str]]:
        """The commit's files as discovery lists them: a link as the plain file it leads to."""
        links = self.targets
        return [
            (e.path, "100644", e.blob or "0" * 40) if e.path in links else (e.path, e.mode, e.blob)
            for e in entries.values()
        ]

    def view(self, entries: Mapping[str, TreeEntry]) -> _LinkedView:
        """Discovery's look-ups (is there a ``pyvenv.cfg``, is ``src`` a folder), links followed."""
        return _LinkedView(self.root, self._resolver(entries), self.folders)


class _LinkedView(TreeView):
    """A commit's files as a checkout's ``os.path.isfile``/``isdir``/``read_regular`` see them:
    through links. Globs match the commit's folders (not a link to a folder: a limit, see
    docs/history.md)."""

    def __init__(self, root: Path, resolver: LinkResolver, folders: Callable[[], frozenset[str]]) -> None:
        super().__init__(root)
        self._resolver = resolver
        self._folders = folders

    def read(self, rel: str, max_bytes: int | None = None) -> bytes:
        import stat

        from archguard.adapters.project_files.safe_io import LeadsOutOfRoot, NotRegularFile

        found = self._resolver.resolve(rel)
        if isinstance(found, LeadsOutOfRoot):
            return b""  # as DiskFiles reads a file outside ROOT: nothing
        if isinstance(found, OSError):
            raise found
        if isinstance(found, str):
            raise NotRegularFile(rel, stat.S_IFDIR)
        return read_entry(self.root, found, max_bytes)

    def glob_folders(self, pattern: str) -> list[str]:
        return glob_folders(self._folders(), pattern)

    def inside(self, rel: str) -> str | None:
        from archguard.adapters.project_files.safe_io import LeadsOutOfRoot

        found = self._resolver.resolve(rel)
        if isinstance(found, str):
            return self._resolver.relative(found)
        if isinstance(found, LeadsOutOfRoot):
            return None
        if isinstance(found, OSError):
            return lexically_inside(self.root, rel)
        return found.path

    def isfile(self, rel: str) -> bool:
        from archguard.adapters.project_files.safe_io import LeadsOutOfRoot

        found = self._resolver.resolve(rel)
        return not isinstance(found, (str, OSError)) or isinstance(found, LeadsOutOfRoot)

    def isdir(self, rel: str) -> bool:
        return isinstance(self._resolver.resolve(rel), str)


def _commit_entries(
    root: Path, commit: str, previous: Tree | None, changes: list[tuple[str, TreeEntry | None]] | None
) -> dict[str, TreeEntry]:
    """path -> entry of every file of ``commit`` under ROOT: the commit before's patched with
    ``changes`` (what differs from it), else the whole tree listed (``git ls-tree``)."""
    from archguard.adapters.project_files.git_objects import commit_tree

    if changes is None or previous is None:
        return dict(sorted((e.path, e) for e in commit_tree(root, commit)))
    entries = dict(previous.entries)
    for path, entry in changes:
        if entry is None:
            entries.pop(path, None)
        else:
            entries[path] = entry
    if entries.keys() == previous.entries.keys():
        return entries  # the same files: the same order
    return dict(sorted(entries.items()))  # by path, whichever way the entries came


def relative_path(root: Path, path: str | Path) -> str:
    """``path`` (absolute, or relative to ROOT) relative to ROOT with "/"; ConfigError outside ROOT."""
    given = Path(path)
    full = given if given.is_absolute() else root / given
    if not is_inside(full.parent, root) and full.parent != root:
        raise ConfigError(f"not inside ROOT ({root}): {path}")
    return Path(os.path.normpath(full)).relative_to(root).as_posix()


__all__ = ["FactsView", "Tree", "parse_ahead", "relative_path", "scan_files"]
