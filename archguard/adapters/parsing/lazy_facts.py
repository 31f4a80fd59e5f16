"""A mapping of every parsed file's facts that builds them only when one is first looked up.

A warm run whose derived results are cached too needs to know which files parsed (the counts),
but never their facts: decoding a hundred thousand files' facts from the cache would be most of
its time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from functools import cached_property

from archguard.domain.facts import FileFacts


class LazyFacts(Mapping[str, FileFacts]):
    """Knows which files parsed at once; builds their facts on first access to any of them."""

    def __init__(self, paths: list[str], build: Callable[[], dict[str, FileFacts]]) -> None:
        self._paths = paths
        self._known = set(paths)
        self._build = build

    @cached_property
    def _facts(self) -> dict[str, FileFacts]:
        built = self._build()
        if built.keys() != self._known:  # a file re-parsed after its cache entry failed to decode
            self._paths = list(built)
            self._known = set(built)
        return built

    def __getitem__(self, path: str) -> FileFacts:
        if path not in self._known:
            raise KeyError(path)
        return self._facts[path]

    def __contains__(self, path: object) -> bool:
        return path in self._known

    def __reduce__(self) -> tuple:
        return dict, (dict(self.items()),)  # pickles as the plain dict it stands for

    def __iter__(self) -> Iterator[str]:
        return iter(self._paths)

    def __len__(self) -> int:
        return len(self._paths)
