"""The one seam between archguard and the libraries it drives: import-linter and grimp.

Everything archguard needs from import-linter beyond what its documentation promises lives here,
so a new release can break archguard in one place only, and a test per piece (run by CI against
the lowest and the newest supported versions) says which. Public API is used wherever it exists:

- options are read with ``importlinter.api.read_configuration`` (public);
- ``Contract``, ``ContractCheck``, ``fields`` and ``output`` come from ``importlinter`` itself, and
  ``InvalidContractOptions`` is the error custom contract types are documented to raise;
- contract types are resolved here, from the built-in contracts' public modules and the
  ``contract_types`` strings of the configuration, without import-linter's private registry
  helpers;
- the only undocumented thing left is the *shape* of a broken check's ``metadata``, read by
  :func:`offences` below (each built-in contract type has a test that its findings are located).

grimp is used through its public ``ImportGraph`` API only (``add_module``, ``add_import``,
``get_import_details``); nothing of it needs a seam.

Before any of that, :func:`require_supported` compares the installed versions with
:data:`SUPPORTED`: an unsupported one is one clear error (exit 2), never a traceback from deep
inside a library.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from archguard.domain.errors import UnsupportedDependencyError

# distribution -> (lowest supported release, first unsupported release). The floors are the
# oldest releases the whole suite passes with; CI installs exactly them (ci/lowest.txt), and
# pyproject.toml declares the same ranges (a test holds the three together).
SUPPORTED: dict[str, tuple[tuple[int, ...], tuple[int, ...]]] = {
    "import-linter": ((2, 10), (3,)),
    "grimp": ((3, 14), (4,)),
}


def installed_version(distribution: str) -> str | None:
    """The installed release of ``distribution`` (as pip shows it), None when it is missing."""
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None


def version_tuple(version: str) -> tuple[int, ...]:
    """``"2.12"`` -> ``(2, 12)``, ``"3.5.1rc1"`` -> ``(3, 5, 1)``: the leading release numbers."""
    numbers = []
    for part in version.split("."):
        digits = re.match(r"\d+", part)
        if digits is None:
            break
        numbers.append(int(digits.group()))
        if digits.group() != part:
            break
    return tuple(numbers)


def supported_range(distribution: str) -> str:
    """The pip specifier of a supported range, e.g. ``>=2.13,<3``."""
    low, high = SUPPORTED[distribution]
    return f">={'.'.join(map(str, low))},<{'.'.join(map(str, high))}"


def require_supported(version_of: Callable[[str], str | None] | None = None) -> None:
    """Raise :class:`UnsupportedDependencyError` naming every library installed in a release
    archguard does not support, and the pip command that fixes it."""
    version_of = version_of or installed_version
    problems = []
    for distribution, (low, high) in SUPPORTED.items():
        found = version_of(distribution)
        if found is not None and low <= version_tuple(found) < high:
            continue
        wanted = f"{distribution}{supported_range(distribution)}"
        problems.append(
            f"{distribution} is not installed" if found is None else f"{distribution} {found} is installed"
        )
        problems[-1] += f", archguard needs {wanted}"
    if problems:
        fixes = " ".join(f"'{d}{supported_range(d)}'" for d in SUPPORTED)
        raise UnsupportedDependencyError("; ".join(problems) + f". Run: pip install {fixes}")


# Checked before import-linter itself is imported: a release without the names below must end in
# the message above, not in an ImportError.
require_supported()

from importlinter import Contract, ContractCheck  # noqa: E402
from importlinter import configuration as _configuration  # noqa: E402
from importlinter.application.user_options import InvalidUserOptions  # noqa: E402
from importlinter.domain import fields as _fields  # noqa: E402
from importlinter.domain.contract import InvalidContractOptions  # noqa: E402

__all__ = [
    "SUPPORTED",
    "Contract",
    "ContractCheck",
    "InvalidContractOptions",
    "InvalidUserOptions",
    "Offence",
    "TextField",
    "chains_start_in_subpackages",
    "chains_stay_apart",
    "configure",
    "contract_types",
    "exclude_type_checking_imports",
    "include_external_packages",
    "installed_version",
    "offences",
    "read_options",
    "require_supported",
    "supported_range",
    "unrecognized_options",
    "version_tuple",
]


class _TextField(_fields.Field):
    """import-linter's own ``TextField`` (2.14 on): text that may span lines, kept as one string."""

    def parse(self, raw_data: str | list[str]) -> str:
        return "\n".join(raw_data) if isinstance(raw_data, list) else raw_data


TextField: type[_fields.Field] = getattr(_fields, "TextField", _TextField)

# Options every contract takes besides its fields (import-linter's COMMON_CONTRACT_OPTIONS).
_COMMON_OPTIONS = frozenset({"id", "name", "type"})


def unrecognized_options(contract_class: type[Contract], options: Mapping[str, Any]) -> dict[str, str]:
    """An error per option that is none of the contract's fields: a misspelt optional field would
    otherwise be ignored. import-linter 2.16 on rejects these itself; for older releases archguard
    does, so a typo means the same on every supported release."""
    recognized = _COMMON_OPTIONS | {
        name for name in dir(contract_class) if isinstance(getattr(contract_class, name), _fields.Field)
    }
    return dict.fromkeys(sorted(set(options) - recognized), "Unrecognized option.")


# --- Reading a configuration --------------------------------------------------------------------


def configure() -> None:
    """import-linter wires its adapters (file system, timer) in ``configure()``, which its CLI calls;
    contracts use the timer, so a library caller must do the same. Idempotent."""
    _configuration.configure()


def read_options(path: Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """``(session_options, contracts_options)`` of one configuration file, read by import-linter's
    own readers (INI or TOML by suffix). Raises what they raise: FileNotFoundError,
    InvalidUserOptions, configparser and TOML errors."""
    from importlinter.api import read_configuration  # its import runs configure(), as we need

    options = read_configuration(str(path))
    return options["session_options"], list(options["contracts_options"])


def include_external_packages(session_options: Mapping[str, Any]) -> bool:
    """import-linter's reading of the option: only the strings ``True``/``true`` switch it on."""
    return _flag(session_options, "include_external_packages")


def exclude_type_checking_imports(session_options: Mapping[str, Any]) -> bool:
    return _flag(session_options, "exclude_type_checking_imports")


def _flag(session_options: Mapping[str, Any], name: str) -> bool:
    value = session_options.get(name, False)
    return value is True or value in ("True", "true")


# The built-in contract types, by the public module each lives in. A type a release does not have
# (private_modules is newer than some supported releases) is simply not offered.
_BUILT_IN_TYPES = {
    "forbidden": "importlinter.contracts.forbidden:ForbiddenContract",
    "layers": "importlinter.contracts.layers:LayersContract",
    "independence": "importlinter.contracts.independence:IndependenceContract",
    "protected": "importlinter.contracts.protected:ProtectedContract",
    "private_modules": "importlinter.contracts.private_modules:PrivateModulesContract",
    "acyclic_siblings": "importlinter.contracts.acyclic_siblings:AcyclicSiblingsContract",
}


def contract_types(session_options: Mapping[str, Any]) -> dict[str, type[Contract]]:
    """Every contract type a configuration may name: the built-ins, then its own
    ``contract_types`` (``name: dotted.path.Class``), which win on a clash as in import-linter.

    Custom types are imported, exactly as ``lint-imports`` does: they are the user's linting
    plugins, not the code under analysis. Raises ImportError, ValueError or TypeError."""
    types: dict[str, type[Contract]] = {}
    for name, location in _BUILT_IN_TYPES.items():
        module_name, _, class_name = location.partition(":")
        try:
            types[name] = getattr(importlib.import_module(module_name), class_name)
        except (ImportError, AttributeError):
            continue
    declared = session_options.get("contract_types") or ()
    for entry in [declared] if isinstance(declared, str) else declared:
        name, separator, dotted = str(entry).partition(":")
        module_name, _, class_name = dotted.strip().rpartition(".")
        if not separator or not name.strip() or not module_name:
            raise ValueError(f"contract_types entry '{entry}' is not 'name: dotted.path.Class'")
        cls = getattr(importlib.import_module(module_name), class_name, None)
        if cls is None:
            raise ImportError(f"module {module_name} has no class {class_name}")
        if not (isinstance(cls, type) and issubclass(cls, Contract)):
            raise TypeError(f"{dotted.strip()} is not a subclass of importlinter.Contract")
        types[name.strip()] = cls
    return types


# --- From a broken check's metadata to offending imports --------------------------------------


def chains_stay_apart(contract: Contract) -> bool:
    """Whether no import chain of one of ``contract``'s dependencies passes through a module that
    starts another dependency's chains. True of the built-in layers and independence contracts:
    grimp searches their chains with every other layer's modules excluded. A forbidden contract's
    chain may pass through another source module (and any other contract type is not known to
    keep them apart)."""
    apart = {_BUILT_IN_TYPES[name].partition(":")[::2] for name in ("layers", "independence")}
    return (type(contract).__module__, type(contract).__name__) in apart


def chains_start_in_subpackages(contract: Contract) -> bool:
    """Whether a dependency's chains may start in any module under its downstream module (false
    only for a forbidden contract with ``as_packages = False``)."""
    return str(getattr(contract, "as_packages", True)).lower() != "false"


@dataclass(frozen=True)
class Offence:
    """One import that breaks a contract, and how to explain it.

    An offence read off an import chain also says which dependency it starts (``heading``, e.g.
    ``app.ui is not allowed to import app.db``), the package whose modules start such chains
    (``downstream``) and the whole chain from ``importer`` to the forbidden module (``chain``), so
    the runner can find every other import that starts the same dependency (grimp reports a sample
    of the chains, chosen by the graph's internal order)."""

    importer: str
    imported: str
    line_numbers: tuple[int | None, ...]
    explanation: str
    heading: str = ""
    downstream: str = ""
    chain: tuple[str, ...] = ()


def offences(metadata: Mapping[str, Any]) -> Iterator[Offence]:
    """Read the offending imports out of a check's metadata. The built-in contracts store them in
    different shapes, recognised here by key, so subclasses and look-alike plugins work too.
    Nothing recognised: every ``importer``/``imported`` mapping found anywhere in it."""
    recognised = False
    if "invalid_chains" in metadata:  # forbidden, independence
        recognised = True
        for data in metadata["invalid_chains"]:
            heading = f"{data['downstream_module']} is not allowed to import {data['upstream_module']}"
            for chain in data["chains"]:
                yield from _chain_offences(chain, heading, data["downstream_module"])
    if "invalid_dependencies" in metadata:  # layers
        recognised = True
        for data in metadata["invalid_dependencies"]:
            heading = f"{data['importer']} is not allowed to import {data['imported']} (a higher layer)"
            for route in data["routes"]:
                yield from _chain_offences(route, heading, data["importer"])
    if metadata.get("undeclared_modules"):  # layers, exhaustive
        recognised = True
        for module in sorted(metadata["undeclared_modules"]):
            yield Offence(module, "", (), f"{module} is not listed as a layer (exhaustive contract)")
    if "illegal_imports" in metadata:  # protected (objects with illegal_links), private_modules
        recognised = True
        for item in metadata["illegal_imports"]:
            links = getattr(item, "illegal_links", None)
            if links is None:
                yield _link_offence(item, f"{item['importer']} imports private module {item['imported']}")
                continue
            for link in links:
                yield _link_offence(
                    link,
                    f"{link['importer']} is not allowed to import protected "
                    f"{getattr(item, 'top_level_module', link['imported'])}",
                )
    if "cycle_breakers_by_package" in metadata:  # acyclic_siblings
        recognised = True
        for package, breakers in sorted(metadata["cycle_breakers_by_package"].items()):
            for importer, imported in sorted(breakers):
                yield Offence(
                    importer,
                    imported,
                    (),
                    f"no cycles are allowed in {package}; this import closes one: {importer} -> {imported}",
                )
    if not recognised:
        yield from _any_links(metadata)


def _chain_offences(chain: Any, heading: str, downstream: str) -> Iterator[Offence]:
    """A chain is a list of links (forbidden) or a detailed chain with extra heads (independence,
    layers). Its offending imports are the first links: where the forbidden dependency starts."""
    if isinstance(chain, Mapping):
        links, heads = chain["chain"], [chain["chain"][0], *chain.get("extra_firsts", ())]
    else:
        links, heads = chain, [chain[0]]
    tail = [link["imported"] for link in links]
    for head in heads:
        modules = (head["importer"], *tail)
        yield Offence(
            head["importer"],
            head["imported"],
            tuple(head.get("line_numbers") or ()),
            f"{heading}: {' -> '.join(modules)}",
            heading=heading,
            downstream=downstream,
            chain=modules,
        )


def _link_offence(link: Mapping[str, Any], explanation: str) -> Offence:
    return Offence(link["importer"], link["imported"], tuple(link.get("line_numbers") or ()), explanation)


def _any_links(value: Any) -> Iterator[Offence]:
    """Fallback for unknown contract types: every importer/imported mapping found anywhere."""
    if isinstance(value, Mapping):
        if isinstance(value.get("importer"), str) and isinstance(value.get("imported"), str):
            yield _link_offence(value, f"{value['importer']} -> {value['imported']}")
            return
        values: Iterable[Any] = value.values()
    elif isinstance(value, (list, tuple, set, frozenset)):
        values = value
    elif hasattr(value, "__dict__"):
        values = vars(value).values()
    else:
        return
    for item in values:
        yield from _any_links(item)
