"""Concept contracts: one concept, one home, one import path."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ConceptContract:
    name: str  # unique; used in reports and fingerprints
    canonical: str  # "module:Name" users must import
    also: tuple[str, ...] = ()  # other names of the same concept (bare names or module:Name)
    allowed_importers: tuple[str, ...] = ()  # module globs ("app.realtime.**") that may bypass
    ignore_imports: tuple[str, ...] = ()  # import-linter style "importer -> imported" globs
    reason: str | None = None
    source: str = ""  # "contracts/ws.toml:3": where it was declared, for messages

    @property
    def canonical_module(self) -> str:
        return self.canonical.partition(":")[0]

    @property
    def canonical_name(self) -> str:
        return self.canonical.partition(":")[2]


def split_target(target: str) -> tuple[str, str]:
    """``"a.b:C"`` -> ``("a.b", "C")``."""
    module, _, name = target.partition(":")
    return module, name


def module_matches(module: str, pattern: str) -> bool:
    """import-linter's wildcard syntax: ``*`` one segment, ``**`` any number (including none)."""
    m_parts = module.split(".")
    p_parts = pattern.split(".")

    def match(i: int, j: int) -> bool:
        if j == len(p_parts):
            return i == len(m_parts)
        if p_parts[j] == "**":
            return any(match(k, j + 1) for k in range(i, len(m_parts) + 1))
        if i == len(m_parts):
            return False
        return (p_parts[j] == "*" or p_parts[j] == m_parts[i]) and match(i + 1, j + 1)

    return match(0, 0)
