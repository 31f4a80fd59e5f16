"""Run the user's import-linter contracts on archguard's graph, and turn broken ones into findings.

import-linter does the configuration work: its readers parse ``.importlinter``/``setup.cfg``/
``pyproject.toml``, and its contract classes (built-in, or custom ``contract_types``) validate
their own options and check themselves (every touch of import-linter goes through
:mod:`archguard.adapters.importlinter_bridge.importlinter_compat`, which also refuses an unsupported release). What
changes is the graph: the one :mod:`archguard.adapters.importlinter_bridge.grimp_graph` builds from the whole scan, so
loose scripts and files beside broken ones are checked too, where ``lint-imports`` would not see
them (or would abort).

Concept and interface contracts declared in import-linter configuration (``type = canonical``
registered as ``archguard.importlinter.CanonicalContract``, ``InterfaceContract`` likewise) are
not run here. Any contract object offering ``to_concept_contract(source)`` (or
``to_interface_contract(source)``) is handed back as a domain :class:`ConceptContract` (or
:class:`InterfaceContract`), and the app runs it natively, loose files included. That duck-typed hook keeps this adapter from importing the
top-layer ``archguard.importlinter`` module (import-linter loads it, as it loads any plugin).
"""

from __future__ import annotations

import configparser
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

from archguard.adapters.project_files.safe_io import (
    describe_read_error,
    read_regular,
    read_regular_text,
    require_inside,
)
from archguard.domain.contracts import ConceptContract, InterfaceContract
from archguard.domain.errors import ConfigError
from archguard.domain.facts import FileFacts
from archguard.domain.findings import DEPENDENCY, Violation
from archguard.domain.import_edges import EdgeRule
from archguard.domain.sources import SourceFile

if TYPE_CHECKING:
    import grimp

    from archguard.adapters.importlinter_bridge.importlinter_compat import Contract, Offence

RULE_CODE = "AG301"
# import-linter's own search order (its INI reader tries setup.cfg before .importlinter, then the
# TOML reader), so ``archguard check`` and ``lint-imports`` pick the same file.
DEFAULT_CONFIG_NAMES = ("setup.cfg", ".importlinter", "pyproject.toml")


# --- Results ----------------------------------------------------------------------------------


@dataclass
class ImportLinterResult:
    config_path: str | None  # as shown to users (relative to ROOT); None: no configuration found
    violations: list[Violation] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # contract names
    broken: list[str] = field(default_factory=list)
    concept_contracts: list[ConceptContract] = field(default_factory=list)
    interface_contracts: list[InterfaceContract] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # import-linter's (unmatched ignores, ...)

    @property
    def contract_names(self) -> list[str]:
        """Every contract this runner checked, kept or broken (concept contracts excluded)."""
        return [*self.kept, *self.broken]


@dataclass(frozen=True)
class ImportLinterConfig:
    path: Path
    display_path: str
    session_options: dict[str, Any]
    contracts: tuple[Contract, ...]  # constructed and validated, to be checked on a graph
    concept_contracts: tuple[ConceptContract, ...]
    interface_contracts: tuple[InterfaceContract, ...] = ()
    type_modules: frozenset[str] = frozenset()  # where every contract's class comes from

    @property
    def root_packages(self) -> list[str]:
        return list(self.session_options["root_packages"])

    @property
    def include_external_packages(self) -> bool:
        return _compat().include_external_packages(self.session_options)

    @property
    def exclude_type_checking_imports(self) -> bool:
        return _compat().exclude_type_checking_imports(self.session_options)

    def cache_identity(self) -> tuple[str, bytes] | None:
        """What this configuration's results depend on besides the graph: the file and its text.
        None when a contract type is neither import-linter's nor archguard's: a plugin whose code
        can change unseen, so results checked with it must not be reused."""
        packages = {module.partition(".")[0] for module in self.type_modules}
        if not packages <= {"importlinter", "archguard"}:
            return None
        try:
            return self.display_path, read_regular(self.path)[0]
        except OSError:
            return None


# --- Public entry points ----------------------------------------------------------------------


def run_config(
    loaded: ImportLinterConfig,
    default_graph: Callable[[], grimp.ImportGraph | None],
    files: Sequence[SourceFile],
    facts: Mapping[str, FileFacts] | None = None,
) -> ImportLinterResult:
    """Check a loaded configuration on ``default_graph()``, or on a graph of its own kind built
    from ``facts`` (then the default graph is never asked for)."""
    needs_own_graph = loaded.include_external_packages or loaded.exclude_type_checking_imports
    graph = None if needs_own_graph else default_graph()
    if graph is None:
        if facts is None:
            raise ValueError("run_config needs facts to build this configuration's graph")
        from archguard.adapters.importlinter_bridge.grimp_graph import build_import_graph

        graph = build_import_graph(
            files,
            facts,
            include_external_packages=loaded.include_external_packages,
            exclude_type_checking_imports=loaded.exclude_type_checking_imports,
        )
    return check_contracts(loaded, graph, files, facts if facts is not None else {})


def find_config_file(root: Path, explicit: Path | str | None = None) -> Path | None:
    """The explicit file (which must exist), else the first of ROOT's candidates that holds an
    import-linter section, else None."""
    if explicit is not None:
        given = Path(explicit)
        # A relative name is what the user typed: relative to where they are, else to ROOT.
        candidates = [given] if given.is_absolute() else [Path.cwd() / given, root / given]
        for path in candidates:
            if path.is_file():
                return path
        raise ConfigError("import-linter configuration not found", path=str(explicit))
    for name in DEFAULT_CONFIG_NAMES:
        candidate = root / name
        if not candidate.is_file():
            continue
        # The tree is untrusted: ROOT/setup.cfg may be a symlink to /proc/self/environ.
        require_inside(candidate, root, what=name, source=name)
        if _has_importlinter_section(candidate, display=name):
            return candidate
    return None


def load_config(path: Path, *, root: Path) -> ImportLinterConfig:
    """Read one configuration file and build its contracts with import-linter's own machinery."""
    from archguard.adapters.importlinter_bridge.importlinter_compat import InvalidUserOptions
    from archguard.adapters.importlinter_bridge.importlinter_options import (
        plugin_contract_types,
        validate_contract_options,
        validate_session_options,
    )

    compat = _compat()
    display = display_path(path, root)
    compat.require_supported()
    compat.configure()
    try:
        session_options, contracts_options = compat.read_options(path)
        types = compat.contract_types({})  # built-ins; the configuration's own: vetted below
    except KeyError as error:
        if error.args == ("root_package",):  # import-linter's reader indexes the old single name
            raise _missing_root_packages(path, display) from None
        raise ConfigError(_describe(error), path=display) from None
    except (FileNotFoundError, InvalidUserOptions, ValueError, TypeError) as error:
        raise ConfigError(_describe(error), path=display) from None
    except (configparser.Error, tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ConfigError(f"does not parse: {_parse_error(error)}", path=display) from None
    except ImportError as error:
        raise ConfigError(f"cannot load a contract type: {error}", path=display) from None

    _validate_contract_list(contracts_options, display)
    validate_session_options(session_options, display)
    types.update(plugin_contract_types(session_options, root, display))
    _normalize_root_packages(session_options)
    contracts: list[Contract] = []
    concepts: list[ConceptContract] = []
    interfaces: list[InterfaceContract] = []
    type_modules: set[str] = set()
    for index, options in enumerate(contracts_options):
        section = _section_name(path, options, index)
        validate_contract_options(options, display, section)
        contract = _build_contract(options, session_options, types, display, section)
        type_modules.add(type(contract).__module__)
        to_concept = getattr(contract, "to_concept_contract", None)
        to_interface = getattr(contract, "to_interface_contract", None)
        if callable(to_concept):
            concepts.append(to_concept(source=f"{display}:{section}"))
        elif callable(to_interface):
            interfaces.append(to_interface(source=f"{display}:{section}"))
        else:
            contracts.append(contract)
    return ImportLinterConfig(
        path=path,
        display_path=display,
        session_options=session_options,
        contracts=tuple(contracts),
        concept_contracts=tuple(concepts),
        interface_contracts=tuple(interfaces),
        type_modules=frozenset(type_modules),
    )


def check_contracts(
    config: ImportLinterConfig,
    graph: grimp.ImportGraph,
    files: Sequence[SourceFile],
    facts: Mapping[str, FileFacts] | None = None,
) -> ImportLinterResult:
    """Check every (non-concept) contract on a copy of ``graph``; broken ones become violations.

    ``facts`` is optional: when given, a violation's column is the import's column.
    """
    missing = [name for name in config.root_packages if not _holds(graph, name)]
    if missing:
        raise ConfigError(
            f"root package(s) {', '.join(missing)} not found under the scanned root",
            path=config.display_path,
        )
    result = ImportLinterResult(
        config_path=config.display_path,
        concept_contracts=list(config.concept_contracts),
        interface_contracts=list(config.interface_contracts),
    )
    from archguard.adapters.importlinter_bridge.first_hops import check_completely

    locator = _ImportLocator(_details_of(graph), files, facts if facts is not None else {})
    for contract in config.contracts:
        try:
            # Every import that starts a broken dependency, not grimp's sample (first_hops.py).
            completed = check_completely(contract, graph)
        except Exception as error:  # noqa: BLE001 - import-linter reports these as config errors
            raise ConfigError(
                f"contract '{contract.name}': {_describe(error)}", path=config.display_path
            ) from None
        result.warnings.extend(completed.check.warnings)
        if completed.check.kept:
            result.kept.append(contract.name)
            continue
        if not completed.complete:
            result.warnings.append(
                f"contract '{contract.name}': still broken after {completed.passes} checks; the imports "
                "that start its chains are not all listed, and the list may change between runs"
            )
        result.broken.append(contract.name)
        offences = [*completed.hops, *completed.others]
        result.violations.extend(_violations_for(contract.name, offences, locator, config.display_path))
    return result


def _holds(graph: grimp.ImportGraph, module: str) -> bool:
    """Is ``module`` in ``graph``? Asked one module at a time: ``graph.modules`` makes a set of
    every module again after each change of the graph (milliseconds on ten thousand modules)."""
    from grimp.exceptions import ModuleNotPresent

    try:
        graph.is_module_squashed(module)
    except ModuleNotPresent:
        return False
    return True


# --- Loading helpers --------------------------------------------------------------------------


def _compat() -> ModuleType:
    """import-linter, through the one module that touches it; loaded on first use, since a check
    whose results are cached never builds, checks or even reads a configuration's contracts."""
    from archguard.adapters.importlinter_bridge import importlinter_compat

    return importlinter_compat


def _validate_contract_list(contracts_options: Sequence[Mapping[str, Any]], display: str) -> None:
    """What ``lint-imports`` refuses before checking anything: no contracts at all (almost always a
    misspelt section), and contract ids that are not unique or hold a colon."""
    if not contracts_options:
        raise ConfigError(
            "no contracts found: each goes in an 'importlinter:contract:<id>' section (INI) or a "
            "'tool.importlinter.contracts' array of tables (TOML)",
            path=display,
        )
    seen: set[str] = set()
    for options in contracts_options:
        contract_id = options.get("id")
        if contract_id is None:
            continue
        if ":" in str(contract_id):
            raise ConfigError(f"contract id '{contract_id}' may not contain a colon", path=display)
        if contract_id in seen:
            raise ConfigError(f"more than one contract has the id '{contract_id}'", path=display)
        seen.add(contract_id)


def _normalize_root_packages(session_options: dict[str, Any]) -> None:
    """``root_packages = app`` on one INI line is a string, which import-linter would iterate
    character by character; every contract expects a list."""
    if isinstance(session_options.get("root_packages"), str):
        session_options["root_packages"] = [session_options["root_packages"]]


def _missing_root_packages(path: Path, display: str) -> ConfigError:
    """Neither ``root_packages`` nor the old ``root_package``: name the option and the section's
    line, as ``lint-imports`` users would look for it."""
    header = "[tool.importlinter]" if path.suffix == ".toml" else "[importlinter]"
    line = None
    try:
        lines = read_regular_text(path).splitlines()
        line = next((n for n, text in enumerate(lines, 1) if text.strip() == header), None)
    except (OSError, UnicodeDecodeError):
        pass  # it was just read; the message stands without a line
    return ConfigError(
        f"{header} has no 'root_packages' option: list the top-level packages its contracts are "
        "about (root_packages = app)",
        path=display,
        line=line,
    )


def _has_importlinter_section(path: Path, *, display: str) -> bool:
    try:
        text = read_regular_text(path)
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"cannot read: {describe_read_error(error)}", path=display) from None
    try:
        if path.suffix == ".toml":
            tool = tomllib.loads(text).get("tool", {})
            return isinstance(tool, dict) and bool(tool.get("importlinter"))
        parser = configparser.ConfigParser()
        parser.read_string(text)
        return parser.has_section("importlinter")
    except (configparser.Error, tomllib.TOMLDecodeError) as error:
        raise ConfigError(f"does not parse: {_parse_error(error)}", path=display) from None


def _parse_error(error: Exception) -> str:
    """What is wrong with a configuration file, never quoting its lines: the file may not be
    configuration at all (a secret the tree's config pointed at), and errors end up in CI logs."""
    if isinstance(error, configparser.MissingSectionHeaderError):
        return f"line {error.lineno} comes before any [section] header"
    if isinstance(error, configparser.ParsingError):
        lines = ", ".join(str(number) for number, _ in error.errors[:5])
        return f"line(s) {lines} are not 'key = value' lines"
    if isinstance(error, (configparser.DuplicateSectionError, configparser.DuplicateOptionError)):
        return f"{type(error).__name__} at line {error.lineno}"
    if isinstance(error, UnicodeDecodeError):
        return describe_read_error(error)
    if isinstance(error, tomllib.TOMLDecodeError):
        return str(error)  # tomllib names the position, never the text
    return type(error).__name__


def _build_contract(
    options: dict[str, Any],
    session_options: dict[str, Any],
    types: Mapping[str, type[Contract]],
    display: str,
    section: str,
) -> Contract:
    type_name = options.get("type")
    if not type_name:
        raise ConfigError(f"[{section}] has no 'type'", path=display)
    contract_class = types.get(type_name)
    if contract_class is None:
        raise ConfigError(f"[{section}] has an unknown contract type '{type_name}'", path=display)
    if "name" not in options:
        raise ConfigError(f"[{section}] has no 'name'", path=display)
    from archguard.adapters.importlinter_bridge.importlinter_compat import InvalidContractOptions

    compat = _compat()
    try:
        unrecognized = compat.unrecognized_options(contract_class, options)
        if unrecognized:
            raise InvalidContractOptions(unrecognized)
        return contract_class(name=options["name"], session_options=session_options, contract_options=options)
    except InvalidContractOptions as error:
        details = "; ".join(f"{key}: {message}" for key, message in error.errors.items())
        raise ConfigError(f"[{section}] invalid options: {details}", path=display) from None
    except Exception as error:  # noqa: BLE001 - a plugin's own validation may raise anything
        raise ConfigError(f"[{section}] {_describe(error)}", path=display) from None


def _section_name(path: Path, options: Mapping[str, Any], index: int) -> str:
    if path.suffix == ".toml":
        return f"tool.importlinter.contracts[{index}]"
    return f"importlinter:contract:{options.get('id', index)}"


def display_path(path: Path, root: Path) -> str:
    """``path`` as findings and messages name it: relative to ROOT where it is inside."""
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path)


def _describe(error: BaseException) -> str:
    text = str(error).strip()
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


# --- From broken contracts to violations ------------------------------------------------------


def relocate_violations(
    config: ImportLinterConfig,
    violations: Sequence[Violation],
    broken: Sequence[str],
    files: Sequence[SourceFile],
    facts: Mapping[str, FileFacts],
    importers: set[str] | None,
    *,
    rule: EdgeRule | None = None,
) -> list[Violation] | None:
    """What :func:`check_contracts` gives (``violations``, unfingerprinted, in its order) on a graph
    of the same shape as the one ``violations`` were found on (the same modules and edges under the
    same configuration, so the same offences) whose imports may sit on other lines now: an edit
    that moved an import statement. Each offence of an importer named in ``importers`` (None:
    every one) is located again from its files' facts now (its lines, statement and column, as the
    graph's import details would give them); the others stand. None when the offences cannot be
    told apart again (two broken contracts of one name, an edge no longer there): check again.
    ``rule``: ``EdgeRule.of(files)`` where the caller keeps it."""
    if len(set(broken)) != len(broken) or any(v.contract not in broken for v in violations):
        return None
    moved = {v.importer for v in violations if v.statement and (importers is None or v.importer in importers)}
    from archguard.adapters.importlinter_bridge.grimp_graph import import_details

    details = import_details(
        files,
        facts,
        moved,
        rule=rule,
        include_external_packages=config.include_external_packages,
        exclude_type_checking_imports=config.exclude_type_checking_imports,
    )
    locator = _ImportLocator(lambda importer, imported: details.get((importer, imported), []), files, facts)
    found: list[Violation] = []
    for name in broken:
        kept: list[Violation] = []
        offences: dict[tuple[str, str, str, str], Offence] = {}
        for v in violations:
            if v.contract != name:
                continue
            if not (v.statement and v.importer in moved):
                kept.append(v._replace(fingerprint=""))
                continue
            lines = tuple(detail["line_number"] for detail in details.get((v.importer, v.imported), ()))
            if not lines:
                return None
            heading = dict(v.extra).get(DEPENDENCY, "")
            explanation = v.message.removeprefix(f"{name}: ")
            offences.setdefault(
                (v.importer, v.imported, explanation, heading),
                _compat().Offence(v.importer, v.imported, lines, explanation, heading=heading),
            )
        if offences:
            kept += _violations_for(name, list(offences.values()), locator, config.display_path)
        found += sorted(kept, key=_in_contract_order)
    return found


def _violations_for(
    name: str, offences: list[Offence], locator: _ImportLocator, display: str
) -> list[Violation]:
    if not offences:
        # A contract type whose metadata we cannot read: still one finding, at the config file.
        return [
            Violation(
                code=RULE_CODE,
                contract=name,
                path=display,
                line=1,
                column=1,
                message=f"{name}: contract broken (run lint-imports for details)",
            )
        ]
    violations: dict[tuple[str, int, str, str, str], Violation] = {}
    for offence in offences:
        for line in offence.line_numbers or (None,):
            violation = locator.violation(name, offence, line)
            key = (violation.path, violation.line, offence.importer, offence.imported, violation.message)
            violations.setdefault(key, violation)
    # Metadata may come from sets (layers): sort so reports are stable run to run.
    return sorted(violations.values(), key=_in_contract_order)


def _in_contract_order(v: Violation) -> tuple[str, int, str, str, str]:
    return (v.path, v.line, v.importer, v.imported, v.message)


Details = Callable[[str, str], Sequence[Mapping[str, Any]]]


def _details_of(graph: grimp.ImportGraph) -> Details:
    """The graph's import details of an (importer, imported) pair (none for a module it lacks)."""
    modules = graph.modules

    def details(importer: str, imported: str) -> Sequence[Mapping[str, Any]]:
        if importer not in modules:
            return []
        return graph.get_import_details(importer=importer, imported=imported)

    return details


class _ImportLocator:
    """Where an offending import is: the importer's file, and the statement from the graph's
    import details (of the unmutated graph: contracts may have removed imports from copies)."""

    def __init__(self, details: Details, files: Sequence[SourceFile], facts: Mapping[str, FileFacts]) -> None:
        self._details = details
        self._path_of: dict[str, str] = {}
        for source in files:
            self._path_of.setdefault(source.module, source.path)
        self._facts = facts

    def violation(self, contract: str, offence: Offence, line: int | None) -> Violation:
        path = self._path_of.get(offence.importer, "")
        statement = self._statement(offence, line) if line is not None else ""
        return Violation(
            code=RULE_CODE,
            contract=contract,
            path=path,
            line=line or 1,
            column=self._column(path, line),
            message=f"{contract}: {offence.explanation}",
            statement=statement,
            importer=offence.importer,
            imported=offence.imported,
            # which broken dependency this import starts: the baseline reads it (analysis/baseline.py)
            extra=((DEPENDENCY, offence.heading),) if offence.heading else (),
        )

    def _statement(self, offence: Offence, line: int) -> str:
        for detail in self._details(offence.importer, offence.imported):
            if detail["line_number"] == line:
                return str(detail["line_contents"])
        return ""

    def _column(self, path: str, line: int | None) -> int:
        file_facts = self._facts.get(path)
        if file_facts is None or line is None:
            return 1
        columns = [fact.column for fact in file_facts.imports if fact.line == line]
        return min(columns, default=1)
