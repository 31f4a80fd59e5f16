"""A mapping of every parsed file's facts that builds them only when one is first looked up.

A warm run whose derived results are cached too needs to know which files parsed (the counts),
but never their facts: decoding a hundred thousand files' facts from the cache would be most of
its time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping

from archguard.domain.facts import FileFacts


class LazyFacts(Mapping[str, FileFacts]):
    """Knows which files parsed at once; decodes a file's facts on first access to it (an
    incremental derivation reads only the few files a change reaches)."""

    def __init__(
        self,
        paths: list[str],
        one: Callable[[str], FileFacts | None],
        may_hold: Callable[[str, bytes], bool] | None = None,
    ) -> None:
        self._paths = paths
        self._known = set(paths)
        self._one = one
        self._may_hold = may_hold
        self._facts: dict[str, FileFacts] = {}

    def paths_holding(self, text: str) -> list[str]:
        """The files whose facts may hold ``text`` (a string value stored in them, such as a
        DynamicKind), told without decoding them when the encoded form can say: a superset."""
        if self._may_hold is None:
            return list(self._paths)
        word = text.encode()
        return [path for path in self._paths if path in self._facts or self._may_hold(path, word)]

    def __getitem__(self, path: str) -> FileFacts:
        facts = self._facts.get(path)
        if facts is not None:
            return facts
        if path not in self._known:
            raise KeyError(path)
        facts = self._one(path)
        if facts is None:  # a file re-parsed after its cache entry failed to decode, and broken now
            self._known.discard(path)
            self._paths = [p for p in self._paths if p != path]
            raise KeyError(path)
        self._facts[path] = facts
        return facts

    def __contains__(self, path: object) -> bool:
        return path in self._known

    def __reduce__(self) -> tuple:
        return dict, (dict(self.items()),)  # pickles as the plain dict it stands for

    def __iter__(self) -> Iterator[str]:
        return iter(self._paths)

    def __len__(self) -> int:
        return len(self._paths)
