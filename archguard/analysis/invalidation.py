"""Which files an edit reaches: the plan of an incremental derivation (docs/scanning.md, "What a
warm run re-derives"). Pure: it compares two runs' file identities and the facets (module parts,
``analysis/facets.py``) each file's derived results consulted.

1. A file whose identity changed (path, module name, kind, outcome digest) is derived again, and
   so is one that appeared.
2. What changed, facet by facet: for a file whose module and kind stayed, the facets its new facts
   differ in (``facets.changed_facets``: a new name nobody imports changes only that name's facet
   and the module-wide lists); for a module that appeared, disappeared, moved, changed kind or
   started or stopped parsing, every facet of it, and the existence of each dotted prefix whose
   standing changed (``pkg.extra`` when ``pkg/extra/new.py`` is the first file there, not ``pkg``).
3. Every other file whose consulted facets meet a changed one is derived again; the rest keep their
   results, their facts never decoded.

None means "derive everything": no earlier run, too large a share of the files (then the
bookkeeping costs more than it saves), or nothing but full knowledge will do.
"""

from __future__ import annotations

from array import array
from collections.abc import Collection, Iterable, Mapping, Sequence

from archguard.analysis.facets import SEPARATOR, module_of
from archguard.analysis.symbols import CONSULTED_CYCLE, CONSULTED_EVERYTHING
from archguard.domain.derived import FileIdentity

# Re-deriving more than this share of the files costs about what a full derivation costs: then
# derive everything (the same result, without the bookkeeping).
FULL_SHARE = 0.5


class Names:
    """Module and facet names interned as small integers: a record stores a file's consulted
    facets as packed integers, a few bytes a name instead of the name."""

    def __init__(self, names: Iterable[str] = ()) -> None:
        self.names = list(names)
        self.ids = _Ids(self)
        self.ids.update((name, i) for i, name in enumerate(self.names))
        self._by_module: dict[str, list[int]] | None = None

    def id(self, name: str) -> int:
        found = self.ids.get(name)
        if found is None:
            found = self.ids[name] = len(self.names)
            self.names.append(name)
            if self._by_module is not None:
                self._by_module.setdefault(module_of(name), []).append(found)
        return found

    def pack(self, names: Iterable[str]) -> bytes:
        # the dict's own lookup, mapped in C: a Python call only for a name not numbered yet
        # (``_Ids.__missing__``), not for each of the many numbered already (a cold check packs
        # every file's consulted facets: a hundred thousand names on a tree of three thousand files)
        return array("i", map(self.ids.__getitem__, names)).tobytes()

    def unpack(self, packed: bytes) -> list[str]:
        names = self.names
        return [names[i] for i in unpacked(packed)]

    def of_modules(self, modules: Collection[str]) -> set[int]:
        """The ids of every facet of these modules."""
        if not modules:
            return set()
        if self._by_module is None:
            by_module: dict[str, list[int]] = {}
            for i, name in enumerate(self.names):
                by_module.setdefault(module_of(name), []).append(i)
            self._by_module = by_module
        found: set[int] = set()
        for module in modules:
            found.update(self._by_module.get(module, ()))
        return found


class _Ids(dict[str, int]):
    """name -> id, where looking up (``ids[name]``) a name not numbered yet numbers it
    (:meth:`Names.id`); ``get`` and ``in`` number nothing."""

    __slots__ = ("_owner",)

    def __init__(self, owner: Names) -> None:
        super().__init__()
        self._owner = owner

    def __missing__(self, name: str) -> int:
        return self._owner.id(name)


def unpacked(packed: bytes) -> memoryview:
    return memoryview(packed).cast("i")


def plan(
    prior: Sequence[FileIdentity],
    prior_deps: Sequence[bytes],
    names: Names,
    now: Sequence[FileIdentity],
    facet_changes: Mapping[str, set[str] | None],
) -> set[int] | None:
    """Indexes of the files of ``now`` to derive again, or None: derive everything.

    ``facet_changes``: for a file whose outcome changed while its module and kind did not, the
    facets its facts changed in (None: not known, every facet of its module counts as changed)."""
    if not prior:
        return None
    index = {identity.path: j for j, identity in enumerate(prior)}
    modules: set[str] = set()  # every facet of these changed
    facets: set[str] = set()
    moved: list[str] = []  # modules that appeared, disappeared or changed kind
    todo: set[int] = set()
    seen: set[str] = set()
    for i, identity in enumerate(now):
        seen.add(identity.path)
        j = index.get(identity.path)
        old = prior[j] if j is not None else None
        if old == identity:
            continue
        todo.add(i)
        _note_change(old, identity, facet_changes, modules, facets, moved)
    for old in prior:
        if old.path not in seen:
            modules.add(old.module)
            moved.append(old.module)
    if not todo and not modules:
        return set()
    facets |= existence_changes(moved, prior, now)
    changed_ids = _changed_ids(names, modules, facets)
    if changed_ids:
        for i, identity in enumerate(now):
            if i in todo:
                continue
            if not changed_ids.isdisjoint(unpacked(prior_deps[index[identity.path]])):
                todo.add(i)
    if len(todo) > FULL_SHARE * max(len(now), 1):
        return None
    return todo


def plan_changed(
    prior: Sequence[FileIdentity],
    now: Sequence[FileIdentity],
    changed: Iterable[int],
    names: Names,
    dependents: Mapping[int, Iterable[int]],
    facet_changes: Mapping[str, set[str] | None],
) -> set[int] | None:
    """:func:`plan` when the files are the same, in the same order, and only those at ``changed``
    may differ (an engine in memory knows which it was told of): the files meeting a changed facet
    are found through ``dependents`` (facet id -> files that consulted it), not by reading every
    file's facets. The answer is :func:`plan`'s."""
    todo: set[int] = set()
    modules: set[str] = set()
    facets: set[str] = set()
    moved: list[str] = []
    for i in changed:
        old, new = prior[i], now[i]
        if old == new:
            continue
        todo.add(i)
        _note_change(old, new, facet_changes, modules, facets, moved)
    if not todo:
        return todo
    if moved:
        facets |= existence_changes(moved, prior, now)
    for facet in _changed_ids(names, modules, facets):
        todo.update(dependents.get(facet, ()))
    if len(todo) > FULL_SHARE * max(len(now), 1):
        return None
    return todo


def _note_change(
    old: FileIdentity | None,
    new: FileIdentity,
    facet_changes: Mapping[str, set[str] | None],
    modules: set[str],
    facets: set[str],
    moved: list[str],
) -> None:
    """What one changed file changes: the facets its facts changed in when its module and kind
    stayed (every facet of its module when that is not known), else its module on both sides,
    which appeared, disappeared or changed kind."""
    if old is not None and old[1:4] == new[1:4]:
        changed = facet_changes.get(new.path)
        if changed is None:
            modules.add(new.module)
        else:
            facets |= changed
        return
    for side in (old, new):
        if side is not None:
            modules.add(side.module)
            moved.append(side.module)


def _changed_ids(names: Names, modules: set[str], facets: set[str]) -> set[int]:
    """The ids of every facet that changed: all of ``modules``' facets, the ``facets`` named, and
    the one every whole-tree answer consulted."""
    ids = names.ids
    changed_ids = names.of_modules(modules)
    changed_ids.update(ids[facet] for facet in facets if facet in ids)
    everything = ids.get(CONSULTED_EVERYTHING)
    if everything is not None:
        changed_ids.add(everything)
    return changed_ids


def existence_changes(moved: list[str], old: Sequence[FileIdentity], new: Sequence[FileIdentity]) -> set[str]:
    """The dotted prefixes of moved modules whose standing changed: a name that is a module or a
    namespace folder in one run and not in the other, or a top-level name that stopped or started
    making its modules internal. (A prefix that stays a namespace, like ``pkg`` when a module is
    added under it, changes nothing: the answers that consulted it stand.)"""
    prefixes = {".".join(parts[:k]) for m in moved for parts in [m.split(".")] for k in range(1, len(parts))}
    if not prefixes:
        return set()

    def standing(identities: Sequence[FileIdentity]) -> dict[str, tuple[bool, bool, bool]]:
        # (is a module or a folder of modules, the top of a packaged module, the top of any) for
        # each prefix, by searching every module name at once (one string, NUL between names: no
        # name holds one) rather than splitting ten thousand names per commit of a walk
        every = "\0" + "\0".join(identity.module for identity in identities) + "\0"
        packaged = "\0" + "\0".join(identity.module for identity in identities if not identity.loose) + "\0"

        def under(names: str, prefix: str) -> bool:
            return f"\0{prefix}\0" in names or f"\0{prefix}." in names

        return {
            p: (under(every, p), "." not in p and under(packaged, p), "." not in p and under(every, p))
            for p in prefixes
        }

    before, after = standing(old), standing(new)
    return {p for p in prefixes if before[p] != after[p]}


def order_sensitive(names: Names, deps_now: Mapping[int, bytes], deps_before: Iterable[bytes]) -> bool:
    """Did a file derived again go through a re-export cycle, now (``deps_now``: per file derived
    again, what it consulted) or last time (``deps_before``)? A cycle's answer depends on which of
    its names was asked first, so only a
    pass over every file in order reproduces it. (A file that meets a cycle freshly, by a name an
    unchanged file had asked first in the full run, meets the cycle guard itself: its new trace
    says so.)"""
    cycle = names.ids.get(CONSULTED_CYCLE)
    if cycle is None:
        return False
    if any(cycle in unpacked(packed) for packed in deps_now.values()):
        return True
    return any(cycle in unpacked(packed) for packed in deps_before)


__all__ = [
    "FULL_SHARE",
    "SEPARATOR",
    "Names",
    "existence_changes",
    "order_sensitive",
    "plan",
    "plan_changed",
    "unpacked",
]
