"""What a Python environment has installed, as its metadata says (``--python PATH``; read by
``adapters/environment.py``, never by importing or running anything there)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field


def normalise(name: str) -> str:
    """A distribution name as PEP 503 compares them (``Typing_Extensions`` -> ``typing-extensions``)."""
    return re.sub(r"[-_.]+", "-", name).lower()


@dataclass(frozen=True)
class InstalledDistributions:
    """``providers``: an importable top-level module (``yaml``), or for a namespace package the
    module below it (``google.protobuf``), -> the distributions that install it, names normalised
    as PEP 503 does. ``requires``: a distribution -> the distributions it requires (any extra)."""

    location: str  # the site-packages folder(s) read, for messages
    providers: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    requires: Mapping[str, frozenset[str]] = field(default_factory=dict)

    def provided_by(self, module: str) -> tuple[str, ...]:
        """The distributions that install ``module`` (its longest known prefix), else ()."""
        parts = module.split(".")
        for end in range(min(len(parts), 2), 0, -1):
            found = self.providers.get(".".join(parts[:end]))
            if found:
                return found
        return ()
