"""The contracts of the contracts folder: concept contracts (one concept, one home, one import
path) and interface contracts (a package used only through its public face)."""

from __future__ import annotations

from collections.abc import Sequence
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


@dataclass(frozen=True, slots=True)
class InterfaceContract:
    """Code outside ``package`` imports only its public face: the names its ``__init__`` exports
    (its ``__all__``, else its public names), and the modules ``also_public`` names."""

    name: str  # unique among all contracts; used in reports and fingerprints
    package: str  # "app.payments"
    also_public: tuple[str, ...] = ()  # module expressions inside the package that are public too
    allowed_importers: tuple[str, ...] = ()  # module expressions (or path globs) that may reach in
    reason: str | None = None
    source: str = ""  # "contracts/payments.toml:3": where it was declared, for messages

    def contains(self, module: str) -> bool:
        """``module`` is the package or inside it."""
        return module == self.package or module.startswith(self.package + ".")


@dataclass(frozen=True, slots=True)
class ContractSet:
    """Every contract of the contracts folder, in file order."""

    concepts: tuple[ConceptContract, ...] = ()
    interfaces: tuple[InterfaceContract, ...] = ()


def duplicate_names(contracts: Sequence[ConceptContract | InterfaceContract]) -> list[str]:
    """One problem per contract whose name an earlier one already has (names key reports,
    ``fix --concept`` and fingerprints), each naming both declarations."""
    problems = []
    first_seen: dict[str, ConceptContract | InterfaceContract] = {}
    for contract in contracts:
        earlier = first_seen.setdefault(contract.name, contract)
        if earlier is not contract:
            where = f"{contract.source}: " if contract.source else ""
            problems.append(
                f"{where}duplicate contract name '{contract.name}' "
                f"(first declared at {earlier.source or 'an earlier contract'})"
            )
    return problems


def merged_interfaces(
    declared: Sequence[InterfaceContract], configured: Sequence[InterfaceContract]
) -> list[InterfaceContract]:
    """The contracts folder's, then the import-linter configuration's (``type = interface``) of
    the packages the folder does not hold a contract for: one package, one set of findings."""
    packages = {c.package for c in declared}
    return [*declared, *(c for c in configured if c.package not in packages)]


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
