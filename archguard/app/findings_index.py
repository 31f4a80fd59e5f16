"""The findings of the tree now, grouped by file and kept across an engine's derivations, so that
an edit costs what its files' findings cost, not a sort of every finding of the tree.

Each pass hands in its part (:meth:`FindingsIndex.set_part`: a whole list, told apart from the
last one at once when nothing in it changed; :meth:`FindingsIndex.set_files`: the findings of the
files a file pass derived again). :meth:`FindingsIndex.finish` merges the parts of the files that
changed, in pass order, and sorts each such file's findings as ``check`` sorts every finding (by
line, column and code; a stable sort, so equal keys keep the passes' order). The whole list is the
files' groups in path order: the same list, finding for finding, as one stable sort of every pass's
findings by (path, line, column, code).
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections.abc import Mapping, Sequence
from itertools import chain

from archguard.domain.findings import Violation

Group = tuple[Violation, ...]


def _in_file_order(v: Violation) -> tuple[int, int, str]:
    return (v.line, v.column, v.code)


class FindingsIndex:
    def __init__(self) -> None:
        self._parts: dict[str, dict[str, Group]] = {}  # part -> path -> its findings there
        self._lists: dict[str, Sequence[Violation]] = {}  # part -> the whole list it was last given
        self._order: list[str] = []  # the parts, in the order their findings are merged
        self._paths: list[str] = []  # the files with findings, sorted
        self.groups: dict[str, Group] = {}  # path -> its findings, sorted (a new dict each finish)
        self._changed: set[str] = set()  # the files whose findings changed since take_changed
        self._touched: set[str] = set()

    def start(self, order: Sequence[str]) -> None:
        """A new derivation; ``order``: its parts, in the order the passes ran."""
        if list(order) != self._order:  # another set of passes: every file merged again
            self._order = list(order)
            self._touched = {path for part in self._parts.values() for path in part} | set(self.groups)
            for gone in set(self._parts) - set(order):
                del self._parts[gone]
                self._lists.pop(gone, None)
        else:
            self._touched = set()

    def set_part(self, part: str, violations: Sequence[Violation]) -> None:
        """A part given whole (a tree pass's findings, a file pass's whole-tree findings)."""
        last = self._lists.get(part)
        if last is not None and len(last) == len(violations) and last == violations:
            return  # the same findings (compared by identity first: an unchanged part is cheap)
        self._lists[part] = list(violations)
        grouped: dict[str, list[Violation]] = {}
        for v in violations:
            grouped.setdefault(v.path, []).append(v)
        self.set_files(part, {path: tuple(found) for path, found in grouped.items()}, complete=True)

    def set_files(self, part: str, found: Mapping[str, Group], *, complete: bool) -> None:
        """The findings of ``part`` in the files named (an empty tuple: none); ``complete``: these
        are all its files (any other has none now)."""
        before = self._parts.setdefault(part, {})
        if complete:
            for path in before.keys() - found.keys():
                del before[path]
                self._touched.add(path)
        for path, group in found.items():
            if before.get(path, ()) != group:
                self._touched.add(path)
                if group:
                    before[path] = group
                else:
                    before.pop(path, None)

    def finish(self) -> list[Violation]:
        """Every finding, sorted (:attr:`groups`: by file)."""
        groups = dict(self.groups)
        changed = self._changed
        for path in self._touched:
            merged: list[Violation] = []
            for part in self._order:
                merged += self._parts.get(part, {}).get(path, ())
            merged.sort(key=_in_file_order)
            group = tuple(merged)
            if group == groups.get(path, ()):
                continue
            changed.add(path)
            if group:
                if path not in groups:
                    insort(self._paths, path)
                groups[path] = group
            else:
                del groups[path]
                del self._paths[bisect_left(self._paths, path)]
        self.groups, self._touched = groups, set()
        return list(chain.from_iterable(groups[path] for path in self._paths))

    def take_changed(self) -> set[str]:
        """The files whose findings any finish changed since this was last asked (a superset of
        those that differ now: one may have changed back)."""
        changed, self._changed = self._changed, set()
        return changed
