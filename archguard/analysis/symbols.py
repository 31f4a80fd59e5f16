"""Symbol provenance: where does ``module:Name`` really come from?

A drifted monorepo reaches one object through many names (aliases, re-exports, package
``__init__`` files, deprecation shims, star imports). :class:`SymbolTable` follows every hop
statically, from the per-file facts only, and memoises each answer so that a tree of 10,000
modules and 200,000 imports is resolved in one pass. It never imports analysed code.

Resolution mirrors what ``from module import name`` does at run time, as far as facts allow:
the module's own module-level bindings first (the last unconditional one wins), then names copied
in by star imports, then a submodule of a package, then a module-level ``__getattr__``.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from enum import Enum
from functools import lru_cache

from archguard.analysis.facets import FACTS, NAMES, ORDER, STARS, module_of, name_facet
from archguard.analysis.module_bindings import Candidate, candidates_of, is_runtime_binding
from archguard.domain.facts import (
    Binding,
    BindingKind,
    DynamicFact,
    DynamicKind,
    FileFacts,
    ImportKind,
)
from archguard.domain.sources import SourceFile, is_dotted_name


class Status(str, Enum):
    """What resolving a ``module:Name`` found (``Resolution.status``)."""

    OK = "ok"  # a definition (``origin``)
    MODULE = "module"  # a module object (``origin`` with no name)
    EXTERNAL = "external"  # outside the analysed tree: not looked into
    MISSING_MODULE = "missing-module"
    MISSING_NAME = "missing-name"
    CYCLE = "cycle"  # a re-export cycle
    DYNAMIC = "dynamic"  # may exist at run time only (``__getattr__``, a star import of the unknown)
    UNPARSED = "unparsed"  # the module did not parse: its names are unknown


# Names every module object has without binding them (``from app import __path__`` is real code in
# homeassistant); they exist, but have no definition to resolve to.
IMPLICIT_MODULE_ATTRIBUTES = frozenset(
    {
        "__name__",
        "__doc__",
        "__file__",
        "__path__",
        "__package__",
        "__spec__",
        "__loader__",
        "__cached__",
        "__builtins__",
        "__dict__",
        "__annotations__",
    }
)
# What a traced table (SymbolTable(traced=True)) notes besides the facets of modules it read
# (analysis/facets.py): a lookup that walked every module (its answer may change with any file),
# and a re-export cycle (whose answer depends on which name was asked first, so only a full
# derivation reproduces it).
CONSULTED_EVERYTHING = "*"
CONSULTED_CYCLE = "*cycle"

# A found object, a module, or a place we deliberately do not look into.
_SETTLED = frozenset({Status.OK, Status.MODULE, Status.EXTERNAL, Status.DYNAMIC, Status.UNPARSED})
# Re-export chains in real code are a handful of hops; anything this deep is a loop we did not
# catch by key (e.g. through line-bounded alias lookups) and is reported as a cycle, which also
# keeps us far from Python's recursion limit.
_MAX_DEPTH = 150


@dataclass(frozen=True, slots=True)
class Origin:
    """The definition a name finally denotes. For a module object ``name`` is ``""``."""

    module: str
    name: str
    kind: str  # "class" | "function" | "assign" | "type" | "module"
    path: str  # "" for a namespace package (a folder without __init__.py)
    line: int

    @property
    def target(self) -> str:
        return f"{self.module}:{self.name}" if self.name else self.module


@dataclass(frozen=True, slots=True)
class Resolution:
    """The answer for one ``module:Name``.

    ``chain`` lists every ``(module, name)`` hop from the asked one to the origin (or to the hop
    where resolution stopped). A failure whose chain has length one failed in the asked module
    itself; longer chains failed further down a re-export chain.
    """

    status: Status
    origin: Origin | None = None
    chain: tuple[tuple[str, str], ...] = ()

    @property
    def found(self) -> bool:
        return self.status in (Status.OK, Status.MODULE)

    @property
    def fails_here(self) -> bool:
        """The asked module itself lacks the module or the name (not some module it re-exports from)."""
        return self.status in (Status.MISSING_MODULE, Status.MISSING_NAME) and len(self.chain) == 1


# What binds a name at module level: a definition/assignment or an import.
_NOT_LOADED: FileFacts = FileFacts()


class _ModuleInfo:
    __slots__ = ("_facts", "_source", "before_del", "by_name", "file", "lazy", "stub")

    def __init__(
        self, file: SourceFile, facts: FileFacts | None, source: Mapping[str, FileFacts] | None = None
    ) -> None:
        self.file = file
        # None: the file did not parse; read from ``source`` on first use when given (a warm
        # incremental run decodes only the facts its resolutions consult)
        self._facts = _NOT_LOADED if source is not None else facts
        self._source = source
        self.lazy = source is not None  # its facts are read from a mapping (see SymbolTable.derived)
        # name -> candidates, most preferred first (filled lazily by SymbolTable._candidates); a
        # name a later unconditional ``del`` removes is absent here, present in ``before_del``
        self.by_name: dict[str, list[Candidate]] | None = None
        self.before_del: dict[str, list[Candidate]] | None = None
        self.stub: _ModuleInfo | None = None  # the ``.pyi`` beside the module: names it declares

    @property
    def facts(self) -> FileFacts | None:
        if self._facts is _NOT_LOADED:
            assert self._source is not None
            self._facts = self._source.get(self.file.path)
            self._source = None  # read: the mapping is not needed any more (nor kept alive)
        return self._facts


class SymbolTable:
    """Modules by dotted name, and memoised ``module:Name`` -> origin resolution."""

    def __init__(
        self,
        files: Sequence[SourceFile],
        facts: Mapping[str, FileFacts],
        native_modules: Sequence[SourceFile] = (),
        stubs: Mapping[str, tuple[SourceFile, FileFacts]] = {},
        *,
        traced: bool = False,
    ) -> None:
        """``native_modules``: modules without Python source (compiled extensions): they exist,
        but what names they bind is unknown, like a module whose file did not parse.
        ``stubs``: module -> its ``.pyi`` stub beside it (file, facts): the names it declares are
        the module's names too (lazy_loader's ``attach_stub`` serves exactly those).
        ``traced``: note every facet of a module a lookup consults (see :meth:`tracing`), for an
        incremental derivation that re-derives only what a changed facet can affect."""
        self._facts_source = facts
        self._stubs = dict(stubs)
        self._natives = {f.module: f for f in reversed(native_modules)}  # the first of a name wins
        self._modules: dict[str, _ModuleInfo] = {}
        for f in sorted(files, key=_precedence):
            # Two files claiming one module name: a package (app/x/__init__.py) wins over the
            # module beside it (app/x.py), as Python's finder does; a packaged file over a loose
            # one, as on sys.path order; never crash on the other.
            self._modules.setdefault(f.module, _ModuleInfo(f, None, facts))
        for module, (stub_file, stub_facts) in stubs.items():
            info = self._modules.get(module)
            if info is not None:
                info.stub = _ModuleInfo(stub_file, stub_facts)
        for f in native_modules:  # a .py beside its compiled form is what we can read: it wins
            self._modules.setdefault(f.module, _ModuleInfo(f, None))
        self._settle_names()
        # Tracing: a stack of the facets consulted so far, innermost computation last, and per
        # memoised answer what computing it consulted (a memo hit consults all of that again).
        self._traced = traced
        self._frames: list[set[str]] = [set()]
        self._forget_answers()

    def _settle_names(self) -> None:
        """What follows from the set of module names: the internal top-level names, the stubs
        with no module beside them, and the namespace folders (folders without __init__.py under
        a known module are importable)."""
        # Modules whose code archguard cannot read (compiled, or written by a build).
        self._unread: frozenset[str] = frozenset(
            module
            for module, f in self._natives.items()
            if module in self._modules and self._modules[module].file is f
        )
        # A stub with no module beside it: an extension built for another platform only.
        self._stub_only: dict[str, SourceFile] = {
            module: stub_file for module, (stub_file, _) in self._stubs.items() if module not in self._modules
        }
        self.internal_roots: frozenset[str] = frozenset(
            m.split(".")[0] for m, info in self._modules.items() if not info.file.loose
        )
        self._namespaces: frozenset[str] = frozenset(_parents(self._modules)) - self._modules.keys()

    def _forget_answers(self) -> None:
        """Drop every memoised answer (and what computing it consulted)."""
        self._memo: dict[tuple[str, str, int | None], Resolution] = {}
        self._memo_deps: dict[tuple[str, str, int | None], set[str]] = {}
        self._exported_deps: dict[str, set[str]] = {}
        self._star_deps: dict[str, set[str]] = {}
        self._in_progress: set[tuple[str, str, int | None]] = set()
        self._exported: dict[str, frozenset[str]] = {}
        self._star_exported: dict[str, frozenset[str]] = {}
        self._reverse: dict[Origin, list[tuple[str, str]]] | None = None
        self._referrer_index: (
            tuple[dict[str, list[tuple[str, str]]], dict[str, list[str]], dict[str, list[tuple[str, str]]]]
            | None
        ) = None
        self._writers: _Writers | None = None
        # what the writers index was built from: (modules its resolutions consulted, the files
        # whose facts went into it, whether a helper registers computed names); None: not known
        self._writers_inputs: tuple[set[str], set[str], bool] | None = None
        # changes whenever the writers index is dropped: answers of set_elsewhere and
        # registered_elsewhere given under one generation still stand under it
        self.writers_generation: int = getattr(self, "writers_generation", -1) + 1
        self._shared: frozenset[str] | None = None

    def replace_files(
        self,
        removed: Iterable[SourceFile],
        added: Iterable[SourceFile],
        files: Sequence[SourceFile],
        facts: Mapping[str, FileFacts],
    ) -> None:
        """The table of the tree after an edit, made from this one: ``removed`` files are gone,
        ``added`` ones new (a file whose facts changed is both), ``files`` every file now and
        ``facts`` theirs. Only the modules those files name are rebuilt; every memoised answer
        is dropped (an edit's few files cost a few lookups again, not a new table)."""
        self._facts_source = facts
        self._swap(list(removed), list(added), files, facts)

    def derived(
        self,
        removed: Iterable[SourceFile],
        added: Iterable[SourceFile],
        files: Sequence[SourceFile],
        facts: Mapping[str, FileFacts],
    ) -> SymbolTable:
        """The table of another tree made from this one, which stays as it is (``Engine.at_commit``:
        a commit from the one before; a parent may be asked for several children): ``removed``,
        ``added``, ``files`` as for :meth:`replace_files`; ``facts``: the other tree's, which must
        not change afterwards (a commit's). The two tables share the entries of the modules the
        change does not touch (their facts are the same on both sides); each such entry reads its
        facts again from ``facts`` when next needed, so neither an old tree nor what a long walk
        decoded is kept alive by the tables. When the change touches no module the two tables
        are the same table and share their answers too (what either learns holds for both).
        Costs a copy of the module index, a pass over the entries and the touched modules, not a
        table."""
        child = copy.copy(self)  # every attribute shared until replaced below
        child._modules = dict(self._modules)
        child._frames = [set()]
        child._facts_source = facts
        child._swap(list(removed), list(added), files, facts)
        for info in child._modules.values():
            if info.lazy and info._source is not facts:
                # read again from the newest tree when needed (the same facts in every table
                # holding the entry): what a walk decoded stays with the tree that decoded it
                info._facts, info._source = _NOT_LOADED, facts
                info.by_name = info.before_del = None
        return child

    def _swap(
        self,
        removed: list[SourceFile],
        added: list[SourceFile],
        files: Sequence[SourceFile],
        facts: Mapping[str, FileFacts],
    ) -> None:
        """Rebuild the entries of the modules ``removed`` and ``added`` name (in ``self._modules``,
        which this table owns; a shared entry's names and facts never change, only where it
        reads them from: :meth:`derived`) and drop every answer (none when nothing is touched)."""
        touched = {f.module for f in removed} | {f.module for f in added}
        if not touched:
            return
        named = sorted((f for f in files if f.module in touched), key=_precedence)
        before = {m: self._modules.get(m) for m in touched}
        for module in touched:
            self._modules.pop(module, None)
        for f in named:
            if f.module not in self._modules:
                self._modules[f.module] = _ModuleInfo(f, None, facts)
        for module in touched:
            info = self._modules.get(module)
            stub = self._stubs.get(module)
            if info is not None and stub is not None:
                info.stub = _ModuleInfo(stub[0], stub[1])
            native = self._natives.get(module)
            if info is None and native is not None:
                self._modules[module] = _ModuleInfo(native, None)
        after = {m: self._modules.get(m) for m in touched}
        settled = any(
            (b is None) != (a is None) or (b is not None and a is not None and b.file.loose != a.file.loose)
            for b, a in ((before[m], after[m]) for m in touched)
        )
        if settled:
            self._settle_names()
        writers = (self._writers, self._writers_inputs, self.writers_generation)
        kept = not settled and self._writers_stand(removed, added)
        self._forget_answers()
        if kept:  # what other modules do to modules is as it was: its answers stand
            self._writers, self._writers_inputs, self.writers_generation = writers

    # ---- tracing -------------------------------------------------------------------------

    @contextmanager
    def tracing(self) -> Iterator[set[str]]:
        """Collect the facets of modules (analysis/facets.py: a module's existence, one of its
        names, its star imports...; and ``CONSULTED_*`` marks) that the lookups made inside the
        ``with`` block consulted: they decided the answers, found or not. Nothing is collected
        unless the table was built with ``traced=True``."""
        seen: set[str] = set()
        self._frames.append(seen)
        try:
            yield seen
        finally:
            self._frames.pop()
            self._frames[-1] |= seen

    def _note(self, module: str) -> None:
        if self._traced:
            self._frames[-1].add(module)

    def _note_name(self, module: str, name: str) -> None:
        if self._traced:
            self._frames[-1].add(name_facet(module, name))

    def _info(self, module: str) -> _ModuleInfo | None:
        if self._traced:
            self._frames[-1].add(module)
        return self._modules.get(module)

    # ---- modules -------------------------------------------------------------------------

    def file_of(self, module: str) -> SourceFile | None:
        """The file that ``import module`` runs (None for namespace folders and unknown names)."""
        info = self._info(module)
        return info.file if info else None

    def facts_of(self, module: str) -> FileFacts | None:
        """All of ``module``'s facts (a caller reading only some should ask for those: a traced
        table notes that this caller depends on all of them)."""
        info = self._info(module)
        if info is None:
            return None
        self._note(module + FACTS)
        return info.facts

    def module_exists(self, module: str) -> bool:
        self._note(module)
        return module in self._modules or module in self._namespaces

    def is_internal(self, module: str) -> bool:
        """Inside the analysed tree: we can, and must, check imports of it."""
        root = module.split(".")[0]
        self._note(root)  # the roots change only with a module's existence under them
        return self.module_exists(module) or root in self.internal_roots

    def resolve_module(self, module: str) -> Resolution:
        """``import module``: the module object, or why there is none."""
        self._note(module)
        self._note(module.split(".")[0])
        if module in self._modules:
            file = self._modules[module].file
            return Resolution(Status.MODULE, Origin(module, "", "module", file.path, 1), ())
        if module in self._namespaces:
            return Resolution(Status.MODULE, Origin(module, "", "module", "", 0), ())
        if module.split(".")[0] in self.internal_roots:
            return Resolution(Status.MISSING_MODULE, None, ())
        return Resolution(Status.EXTERNAL, None, ())

    def split_dotted(self, dotted: str) -> tuple[str, str] | None:
        """``a.b.C.attr`` -> ``("a.b", "C")`` using the longest prefix that is a known module."""
        parts = dotted.split(".")
        for i in range(len(parts) - 1, 0, -1):
            prefix = ".".join(parts[:i])
            if self.module_exists(prefix):
                return prefix, parts[i]
        return None

    # ---- names -----------------------------------------------------------------------------

    def binds_at_runtime(self, module: str, name: str) -> bool:
        """The parsed ``module`` itself binds ``name`` (a definition, alias or run-time import).

        Then ``from module import name`` cannot fail *here*, whatever lies further down the chain:
        the cheap answer dangling-import checking needs for almost every import, without building
        a resolution."""
        info = self._info(module)
        if info is None or info.facts is None:
            return False
        self._note_name(module, name)
        return name in self._candidates(info)

    def binds_when_type_checking(self, module: str, name: str) -> bool:
        """What a type checker sees: ``module`` binds ``name`` at module level, counting imports
        under ``if TYPE_CHECKING:`` too (pydantic re-exports typing-only names that way)."""
        info = self._info(module)
        if info is None or info.facts is None:
            return False
        self._note_name(module, name)
        if any(b.name == name and b.kind is not BindingKind.DELETE for b in info.facts.bindings):
            return True
        if any(f.bound_name == name and not f.in_function for f in info.facts.imports):
            return True
        # ``if TYPE_CHECKING: from .modeling import *`` (transformers' lazy ``__init__`` files)
        self._note(module + STARS)
        for fact in info.facts.imports:
            if fact.name == "*" and not fact.in_function:
                target = info.file.import_target(fact)
                if target is not None and self._info(target) and name in self.star_exports(target):
                    return True
        return False

    # ---- what code archguard does not follow may add -------------------------------------------

    def may_bind(self, module: str, name: str) -> str:
        """Why ``name``, bound nowhere archguard can see, may still be bound in ``module`` at run
        time, from what ``module`` itself does (and the modules it star-imports or calls into at
        import time): the construct that lets code archguard does not follow change its
        namespace, with its place; "" when nothing does. What *other* modules do to it is
        :meth:`set_elsewhere`, asked once per run of the findings left."""
        info = self._info(module)
        if info is None or info.facts is None:
            return ""
        self._note(module + STARS)  # the flags and dynamic facts that let any name exist
        facts = info.facts
        if facts.replaces_module:
            return "the module replaces itself in sys.modules: it may provide any name"
        if name in facts.function_globals:
            return "bound only by a function's global statement, once that function runs"
        escaped = self._escape(module, name, set())
        if escaped:
            return escaped
        for fact in facts.dynamic:
            if fact.kind is DynamicKind.CALLS:
                helper = self._caller_namespace_helper(module, fact)
                if helper:
                    return helper
        return ""

    def may_exist(self, module: str) -> str:
        """Why ``module``, which no file provides, may still be importable at run time, from its
        own name and the packages above it: a stub for another platform's extension, a package
        above that registers it in ``sys.modules`` (six's ``moves``), a package ``__path__`` that
        grows, a namespace package other distributions share; "" when nothing does.
        Registrations by other modules are :meth:`registered_elsewhere`."""
        self._note(module)
        stub = self._stub_only.get(module)
        if stub is not None:
            return f"only the stub {stub.path} describes it: an extension built for another platform or missing from this build"
        parent = module.rpartition(".")[0]
        while parent:
            info = self._info(parent)
            if info is not None and info.facts is not None:
                self._note(parent + STARS)  # its dynamic facts
                for fact in info.facts.dynamic:
                    if fact.kind is DynamicKind.REGISTERS and fact.target != "*":
                        why = self._registers(module, _anchored(info.file, fact.target), info.file.path, fact)
                        if why:
                            return why
            parent = parent.rpartition(".")[0]
        return self._path_grows(module) or self._opaque_parent(module)

    # ---- what other modules do: asked once per run, of the findings left ----------------------

    def set_elsewhere(self, module: str, name: str, paths_holding: PathsHolding) -> str:
        """Why another module may set ``name`` on ``module`` (``setattr(m, ...)``, ``m.X = v``,
        ``m`` handed to a call); "" if none. ``paths_holding(kind)``: the files whose facts may
        hold a DynamicFact of that kind (all of them, or fewer when the caller can tell cheaply:
        only those files' facts are read)."""
        for path, fact in self._writers_index(paths_holding).attributes.get(module, ()):
            if fact.name in ("", name):
                return f"{path}:{fact.line} may set it: {fact.construct}"
        return ""

    def registered_elsewhere(self, module: str, paths_holding: PathsHolding) -> str:
        """Why another module may register ``module`` in ``sys.modules`` (a framework keeping a
        deprecated import path alive); "" if none (``paths_holding`` as for set_elsewhere)."""
        for registered, path, fact in self._writers_index(paths_holding).registered:
            why = self._registers(module, registered, path, fact)
            if why:
                return why
        return ""

    def _registers(self, module: str, registered: str, path: str, fact: DynamicFact) -> str:
        """What is registered under a name no file has (six.moves) may have submodules of its
        own; registered under an existing module's name, it replaces that module: like a module
        replacing itself, that gives names, not submodules. An importer (a name ending in ".")
        serves whatever lies under its module."""
        if (
            module == registered
            or (registered.endswith(".") and module.startswith(registered))
            or (module.startswith(registered + ".") and not self.module_exists(registered))
        ):
            return f"{path}:{fact.line} registers modules in sys.modules at run time ({fact.construct}): it may provide this one"
        return ""

    def _escape(self, module: str, name: str, seen: set[str]) -> str:
        """The first construct through which ``module``'s namespace (or that of a module it
        star-imports the name from) escapes, as a message tail; "" if none."""
        if module in seen:
            return ""
        seen.add(module)
        info = self._info(module)
        if info is None or info.facts is None:
            return ""
        self._note(module + STARS)  # its dynamic facts
        for fact in info.facts.dynamic:
            if fact.kind is DynamicKind.NAMESPACE:
                return f"its namespace escapes to code archguard does not follow: {fact.construct} at {info.file.path}:{fact.line}"
        for star in self._star_imports(info)[0]:
            facts = self.facts_of(star)
            if facts is None or (facts.all_names is not None and name not in facts.all_names):
                continue
            if facts.replaces_module:
                return f"it star-imports {star}, which replaces itself in sys.modules"
            deeper = self._escape(star, name, seen)
            if deeper:
                return f"via from {star} import *, {deeper}"
        return ""

    def _caller_namespace_helper(self, module: str, call: DynamicFact) -> str:
        """``call`` (a module-level call or decorator in ``module``) runs a function of the tree
        whose module reaches its caller's frame, or writes into a module it finds by a computed
        name (``setattr(sys.modules[cls.__module__], ...)``): the message tail saying so, else "".
        ``Helper.method`` (an attribute of a class) runs code of the class's module."""
        res, _ = self._walk_expression(module, call.target, call.line)
        origin = res.origin
        if origin is None or res.status not in (Status.OK, Status.MODULE):
            return ""
        helper = self._info(origin.module)
        if helper is None or helper.facts is None:
            return ""
        self._note(origin.module + STARS)  # its dynamic facts
        for fact in helper.facts.dynamic:
            if fact.kind is DynamicKind.CALLER_NAMESPACE:
                reaches = (
                    "writes into a module it finds by a computed name"
                    if fact.construct.startswith(("setattr(sys.modules", "sys.modules"))
                    else "reaches its caller's frame"
                )
                return (
                    f"{call.construct} at line {call.line} runs {origin.module}, which {reaches} "
                    f"({fact.construct} at {helper.file.path}:{fact.line})"
                )
        return ""

    def _path_grows(self, module: str) -> str:
        """Why the package ``module`` would be found in may hold more than archguard sees: the
        nearest existing ancestor's ``__path__`` grows, or every ancestor is a namespace folder
        and the top one is shared by distributions (it holds a package of its own)."""
        parent = module.rpartition(".")[0]
        while parent and not self.module_exists(parent):
            parent = parent.rpartition(".")[0]
        while parent:
            info = self._info(parent)
            if info is not None:
                self._note(parent + STARS)  # its dynamic facts
                for fact in info.facts.dynamic if info.facts is not None else ():
                    if fact.kind is DynamicKind.PATH:
                        return f"{parent}.__path__ may grow at run time ({fact.construct} at {info.file.path}:{fact.line})"
                return ""
            # A namespace folder: its __path__ is its parent's portions, or every sys.path entry.
            up = parent.rpartition(".")[0]
            if not up:
                # A package appearing or going under it changes the existence of names under
                # ``parent``: noting ``parent`` is enough for an incremental derivation.
                self._note(parent)
                if parent in self._shared_namespaces():
                    return f"{parent} is a namespace package (no __init__.py) that other distributions share: one may provide {module}"
                return ""
            parent = up
        return ""

    def _opaque_parent(self, module: str) -> str:
        """Python imports ``m.sub`` from ``m.__path__`` or finds it in sys.modules once ``m`` ran.
        A module that is not a package may still answer both: a compiled module's own code may
        register ``m.sub`` (PyO3 and pybind11 submodules), and a module ``__getattr__`` is asked
        for ``__path__`` (dask's ``dask.distributed`` hands on the ``distributed`` package's).
        Neither can archguard read, so it cannot prove the import fails."""
        parent = module.rpartition(".")[0]
        while parent and not self.module_exists(parent):
            parent = parent.rpartition(".")[0]
        info = self._info(parent) if parent else None
        if info is None or info.file.is_package:
            return ""
        path = info.file.path
        if parent in self._unread:
            what = "a module written by the build" if path.endswith(".py") else "a compiled module"
            return (
                f"{parent} is {what} ({path}): its code, which archguard cannot read, may register "
                "submodules in sys.modules"
            )
        if info.facts is not None and (
            info.facts.has_getattr or self.binds_at_runtime(parent, "__getattr__")
        ):
            return (
                f"{parent} defines a module __getattr__ ({path}): Python asks it for __path__, so it "
                "may have submodules archguard cannot see"
            )
        return ""

    def _shared_namespaces(self) -> frozenset[str]:
        """Top-level namespace folders that hold a package (``google/`` holding ``api/__init__.py``):
        the shape of a namespace several distributions install into."""
        if self._shared is None:
            self._shared = frozenset(
                top
                for module, info in self._modules.items()
                if info.file.is_package and (top := module.partition(".")[0]) in self._namespaces
            )
        return self._shared

    def _writers_index(self, paths_holding: PathsHolding) -> _Writers:
        """What modules do to other modules (read on first need, once per table; kept across
        ``replace_files`` while no file it read or resolved through changed)."""
        if self._writers is None:
            with self.tracing() as consulted:
                self._writers = self._build_writers(paths_holding)
            modules = {module_of(facet) for facet in consulted}
            if self._traced and CONSULTED_EVERYTHING not in modules and CONSULTED_CYCLE not in modules:
                self._writers_inputs = (modules, *self._writers_read)
        return self._writers

    def _build_writers(self, paths_holding: PathsHolding) -> _Writers:
        wanted = {
            *paths_holding(DynamicKind.SETS_ATTRIBUTES.value),
            *paths_holding(DynamicKind.REGISTERS.value),
        }
        writers = _Writers({}, [])
        computed: dict[str, tuple[str, DynamicFact]] = {}  # module -> a computed-key registration
        calls: list[tuple[str, DynamicFact]] = []
        for module, info in list(self._modules.items()):
            if info.file.path not in wanted:
                continue
            facts = info.facts
            if facts is None or not facts.dynamic:
                continue
            for fact in facts.dynamic:
                if fact.kind is DynamicKind.SETS_ATTRIBUTES:
                    res = self.resolve_expression(module, fact.target, fact.line)
                    if res.status == Status.MODULE and res.origin is not None:
                        writers.attributes.setdefault(res.origin.module, []).append((info.file.path, fact))
                elif fact.kind is DynamicKind.REGISTERS:
                    if fact.target == "*":
                        computed.setdefault(module, (info.file.path, fact))
                    else:
                        writers.registered.append((_anchored(info.file, fact.target), info.file.path, fact))
                elif fact.kind is DynamicKind.CALLS and fact.name:
                    calls.append((module, fact))
        # A helper registering computed names (``sys.modules[old] = ...``) registers the module
        # names its callers hand it: ``alias("pkg.legacy", "pkg.new")``.
        if computed:
            callers = set(paths_holding(DynamicKind.CALLS.value)) - wanted
            for module, info in list(self._modules.items()):
                if info.file.path in callers and info.facts is not None:
                    calls.extend(
                        (module, f) for f in info.facts.dynamic if f.kind is DynamicKind.CALLS and f.name
                    )
        for module, call in calls if computed else ():
            res = self.resolve_expression(module, call.target, call.line)
            helper = computed.get(res.origin.module) if res.origin is not None and res.found else None
            if helper is not None:
                file = self._modules[module].file
                for given in call.name.split("|"):
                    writers.registered.append((_anchored(file, given), *helper))
        read = {path for _, path, _ in writers.registered}
        read.update(path for found in writers.attributes.values() for path, _ in found)
        read.update(self._modules[module].file.path for module, _ in calls if computed)
        self._writers_read = (read, bool(computed))
        return writers

    def _writers_stand(self, removed: Iterable[SourceFile], added: Iterable[SourceFile]) -> bool:
        """Does the writers index still hold after these files changed (none of them went into it
        or was consulted building it, and none now holds a write into another module)?"""
        inputs = self._writers_inputs
        if self._writers is None or inputs is None:
            return False
        modules, read, computed = inputs
        kinds = {DynamicKind.SETS_ATTRIBUTES, DynamicKind.REGISTERS}
        if computed:
            kinds.add(DynamicKind.CALLS)
        for file in removed:
            if file.module in modules or file.path in read:
                return False
        for file in added:
            if file.module in modules or file.path in read:
                return False
            info = self._modules.get(file.module)
            facts = info.facts if info is not None and info.file.path == file.path else None
            if facts is not None and any(fact.kind in kinds for fact in facts.dynamic):
                return False
        return True

    def resolve(self, module: str, name: str) -> Resolution:
        """Follow ``module:name`` to its origin. Never loops, never raises on odd facts."""
        return self._resolve(module, name, None)

    def resolve_target(self, target: str) -> Resolution:
        """``"module:Name"`` (or a bare ``"module"``) -> Resolution."""
        module, _, name = target.partition(":")
        return self.resolve(module, name) if name else self.resolve_module(module)

    def resolve_expression(self, module: str, dotted: str, before_line: int | None = None) -> Resolution:
        """What a dotted expression written in ``module`` denotes (``Y``, ``mod.Y``, ``a.b.Y``).

        ``before_line`` restricts the head name to bindings made before that line, as Python's
        top-to-bottom execution does (``Manager = Manager`` rebinds an earlier import). An
        attribute of a class or value (``Impl.create``) is some other object: status "dynamic".
        """
        res, leftover = self._walk_expression(module, dotted, before_line)
        return Resolution(Status.DYNAMIC, None, res.chain) if leftover else res

    def _walk_expression(self, module: str, dotted: str, before_line: int | None) -> tuple[Resolution, bool]:
        """Resolve a dotted expression; ``leftover`` is True when parts remain after a
        non-module object (an attribute we cannot follow)."""
        head, *rest = dotted.split(".")
        res = self._resolve(module, head, before_line)
        for part in rest:
            if res.status != Status.MODULE or res.origin is None:
                return res, res.status == Status.OK
            res = _prefixed(res.chain, self._resolve(res.origin.module, part, None))
        return res, False

    def chain_modules(self, module: str, name: str) -> frozenset[str]:
        """Modules that implement the path ``module:name``: every module on its re-export chain
        and the origin's module. Their own imports of the implementation are legitimate."""
        res = self.resolve(module, name)
        mods = {m for m, _ in res.chain}
        if res.origin is not None:
            mods.add(res.origin.module)
        return frozenset(mods)

    def exported_names(self, module: str) -> frozenset[str]:
        """Every name ``module`` binds at module level, including names copied by star imports."""
        cached = self._exported.get(module)
        if cached is not None:
            if self._traced:
                deps = self._exported_deps.get(module)
                self._frames[-1].update(deps if deps is not None else (module, CONSULTED_CYCLE))
            return cached
        self._exported[module] = frozenset()  # cycle guard for star-import loops
        frame: set[str] = set()
        self._frames.append(frame)
        try:
            info = self._info(module)
            names: set[str] = set()
            if info is not None and info.facts is not None:
                self._note(module + NAMES)
                names.update(self._candidates(info))
                for star in self._star_imports(info)[0]:
                    names.update(self.star_exports(star))
        finally:
            self._frames.pop()
        self._frames[-1] |= frame
        if self._traced:
            self._exported_deps[module] = frame
        result = frozenset(names)
        self._exported[module] = result
        return result

    def star_exports(self, module: str) -> frozenset[str]:
        """Names ``from module import *`` copies: a literal ``__all__``, else public names."""
        cached = self._star_exported.get(module)
        if cached is not None:
            if self._traced:
                self._frames[-1] |= self._star_deps[module]
            return cached
        with self.tracing() as frame:
            info = self._info(module)
            facts = info.facts if info is not None else None
            if facts is not None:
                self._note(module + STARS)  # its __all__
            if facts is not None and facts.all_names is not None:
                cached = frozenset(facts.all_names)
            else:
                cached = frozenset(n for n in self.exported_names(module) if not n.startswith("_"))
        if self._traced:
            self._star_deps[module] = frame
        self._star_exported[module] = cached
        return cached

    def access_paths(self, origin: Origin) -> list[tuple[str, str]]:
        """Every ``(module, name)`` in the tree that resolves to ``origin``, sorted.

        Walks backwards from the origin over the bindings that could name it (imports and aliases
        ending in the name, star imports of a module on the way, ``import a.b as m`` for modules)
        and keeps those :meth:`resolve` confirms: the answer of resolving every name in the tree
        (see :meth:`all_access_paths`) at the cost of the few names that matter.
        """
        self._note(CONSULTED_EVERYTHING)  # the referrers index reads every module
        if self._reverse is not None:
            return sorted(self._reverse.get(origin, ()))
        by_name, star_importers, module_binders = self._referrers()
        found: set[tuple[str, str]] = set()
        frontier: list[tuple[str, str]] = []
        if origin.name:
            frontier.append((origin.module, origin.name))
        else:
            parent, _, last = origin.module.rpartition(".")
            if parent:
                frontier.append((parent, last))
                frontier.extend(by_name.get(last, ()))
            frontier.extend(module_binders.get(origin.module, ()))
        while frontier:
            key = frontier.pop()
            if key in found:
                continue
            module, name = key
            res = self.resolve(module, name)
            if res.origin != origin or not res.found or not is_dotted_name(module):
                continue
            found.add(key)
            frontier.extend(by_name.get(name, ()))
            frontier.extend((importer, name) for importer in star_importers.get(module, ()))
        return sorted(found)

    def all_access_paths(self) -> dict[Origin, list[tuple[str, str]]]:
        """Origin -> every ``(module, name)`` resolving to it, for the whole tree at once (bulk
        questions such as "which objects have several homes?"). Resolves every name once."""
        self._note(CONSULTED_EVERYTHING)
        if self._reverse is None:
            self._reverse = self._build_reverse_index()
        return {origin: sorted(paths) for origin, paths in self._reverse.items()}

    def definitions(
        self, kinds: Iterable[BindingKind] = (BindingKind.CLASS, BindingKind.FUNCTION)
    ) -> Iterable[tuple[str, Binding]]:
        """(module, binding) for every module-level binding of the given kinds."""
        wanted = frozenset(kinds)
        self._note(CONSULTED_EVERYTHING)
        for module, info in self._modules.items():
            if info.facts is None:
                continue
            for b in info.facts.bindings:
                if b.kind in wanted:
                    yield module, b

    def defining_files(self) -> Iterator[SourceFile]:
        """The file each module is read from, in the order :meth:`definitions` goes through them
        (what a caller that keeps each file's definitions assembles them by)."""
        self._note(CONSULTED_EVERYTHING)
        for info in self._modules.values():
            yield info.file

    def origin_of_binding(self, module: str, binding: Binding) -> Origin:
        info = self._modules[module]
        self._note(module)
        return Origin(module, binding.name, origin_kind(binding), info.file.path, binding.line)

    # ---- internals -------------------------------------------------------------------------

    def _resolve(self, module: str, name: str, before_line: int | None) -> Resolution:
        key = (module, name, before_line)
        cached = self._memo.get(key)
        if cached is not None:
            if self._traced:
                self._frames[-1] |= self._memo_deps[key]
            return cached
        if key in self._in_progress or len(self._in_progress) > _MAX_DEPTH:
            # ``from . import sub`` inside a package's own __init__ asks the package for the name
            # while we are resolving it: Python then imports the submodule.
            self._note(CONSULTED_CYCLE)
            sub = self._submodule(module, name)
            return sub if sub is not None else Resolution(Status.CYCLE, None, ((module, name),))
        self._in_progress.add(key)
        if not self._traced:
            try:
                result = self._resolve_uncached(module, name, before_line)
            finally:
                self._in_progress.discard(key)
            self._memo[key] = result
            return result
        frame: set[str] = set()
        self._frames.append(frame)
        try:
            result = self._resolve_uncached(module, name, before_line)
        finally:
            self._in_progress.discard(key)
            self._frames.pop()
        self._frames[-1] |= frame
        self._memo_deps[key] = frame
        self._memo[key] = result
        return result

    def _resolve_uncached(self, module: str, name: str, before_line: int | None) -> Resolution:
        hop = ((module, name),)
        info = self._info(module)
        if info is None:
            if module in self._namespaces:
                sub = self._submodule(module, name)
                if sub is not None:
                    return sub
                # Folders without __init__.py, and no package of that name in the tree: a regular
                # package of the name anywhere on the path wins over them (a root ``alembic/`` of
                # migration scripts and ``from alembic import op``), so nothing here is provable.
                internal = module.split(".")[0] in self.internal_roots
                return Resolution(Status.MISSING_NAME if internal else Status.EXTERNAL, None, hop)
            status = Status.MISSING_MODULE if self.is_internal(module) else Status.EXTERNAL
            return Resolution(status, None, hop)
        if info.facts is None:
            sub = self._submodule(module, name)
            return sub if sub is not None else Resolution(Status.UNPARSED, None, hop)

        found = self._through_candidates(info, name, before_line, hop)
        if found is not None:
            return found

        star_targets, external_star = self._star_imports(info)
        for star in star_targets:
            through = self._through_star(star, name)
            if through is None:
                continue
            if through.status == Status.DYNAMIC:
                return Resolution(Status.DYNAMIC, None, hop)
            if through.status in _SETTLED:
                return _prefixed(hop, through)

        sub = self._submodule(module, name)
        if sub is not None:
            return _prefixed(hop, sub)
        if info.stub is not None and info.stub.facts is not None:
            found = self._through_candidates(info.stub, name, None, hop)
            if found is not None:
                return found
        self._note(module + STARS)  # the flags that let any name exist
        if info.facts.has_getattr or external_star or name in IMPLICIT_MODULE_ATTRIBUTES:
            return Resolution(Status.DYNAMIC, None, hop)
        return Resolution(Status.MISSING_NAME, None, hop)

    def _through_candidates(
        self, info: _ModuleInfo, name: str, before_line: int | None, hop: tuple[tuple[str, str], ...]
    ) -> Resolution | None:
        """The name as the module's own bindings give it, or None if none binds it."""
        module = info.file.module
        first_failure: Resolution | None = None
        if self._traced:
            self._note_name(module, name)
            if before_line is not None:
                self._note(module + ORDER)
        candidates = self._candidates(info) if before_line is None else self._before_del(info)
        for cand in candidates.get(name, ()):
            if before_line is not None and cand.line >= before_line:
                continue
            if isinstance(cand, Binding) and cand.kind is not BindingKind.ALIAS:
                # The common case, kept allocation-light: a definition right here.
                return Resolution(Status.OK, self.origin_of_binding(module, cand), hop)
            res = _prefixed(hop, self._follow(info, cand))
            if res.status in _SETTLED:
                return res
            first_failure = first_failure or res
        return first_failure

    def _through_star(self, star_module: str, name: str) -> Resolution | None:
        """The name as copied by ``from star_module import *``, or None if it does not copy it."""
        if self._info(star_module) is None:
            return None  # missing (dangling, reported on its own line) or a bare namespace folder
        facts = self._modules[star_module].facts
        if facts is None:
            return Resolution(Status.DYNAMIC, None, ())  # unparsed: its names are unknown
        self._note(star_module + STARS)  # its __all__
        listed = facts.all_names is not None
        if listed and name not in facts.all_names:  # type: ignore[operator]
            return None
        if not listed and name.startswith("_"):
            return None
        res = self._resolve(star_module, name, None)
        if res.fails_here or res.status == Status.CYCLE:
            return None
        self._note_name(star_module, name)
        explicit = name in self._candidates(self._modules[star_module])
        if res.status == Status.MODULE and not listed and not explicit:
            return None  # a submodule the package never bound is not in its namespace
        return res

    def _star_imports(self, info: _ModuleInfo) -> tuple[list[str], bool]:
        """Internal modules star-imported at module level, and whether an external one is."""
        assert info.facts is not None
        self._note(info.file.module + STARS)
        targets: list[str] = []
        external = False
        for fact in info.facts.imports:
            if fact.name == "*" and is_runtime_binding(fact):
                target = info.file.import_target(fact)
                if target is None:
                    continue
                if self.is_internal(target):
                    targets.append(target)
                else:
                    external = True  # ``from os.path import *``: anything may come in
        return targets, external

    def _submodule(self, package: str, name: str) -> Resolution | None:
        if not name:
            return None
        sub = f"{package}.{name}"
        if self.module_exists(sub):
            return self.resolve_module(sub)
        return None

    def _follow(self, info: _ModuleInfo, cand: Candidate) -> Resolution:
        """Resolve one binding of a name to what it denotes (without the binding's own hop)."""
        module = info.file.module
        if isinstance(cand, Binding):
            if cand.kind is BindingKind.ALIAS and cand.target:
                res, leftover = self._walk_expression(module, cand.target, cand.line)
                if not leftover:
                    return res
                # ``X = Impl.create``: X is a new object made here, not Impl.
            return Resolution(Status.OK, self.origin_of_binding(module, cand), ())
        target = info.file.import_target(cand)
        if target is None:
            return Resolution(Status.MISSING_MODULE, None, ())
        if cand.kind is ImportKind.IMPORT:
            # ``import a.b as m`` binds a.b; ``import a.b`` binds a (and needs a.b to exist).
            bound_module = target if cand.asname else cand.bound_name
            assert bound_module is not None  # an ``import`` statement always binds a name
            res = self.resolve_module(target)
            if not res.found:
                return Resolution(res.status, None, ((target, ""),))
            return self.resolve_module(bound_module)
        assert cand.name is not None
        if cand.level and not self.module_exists(target):
            # Relative imports always stay inside the tree, even from loose test folders.
            return Resolution(Status.MISSING_MODULE, None, ((target, cand.name),))
        return self._resolve(target, cand.name, None)

    def _before_del(self, info: _ModuleInfo) -> dict[str, list[Candidate]]:
        """Candidates as a line-bounded lookup (``X = Y`` at line n) needs them: a ``del Y``
        further down does not undo what ``Y`` was when line n ran."""
        self._candidates(info)
        return info.before_del if info.before_del is not None else info.by_name  # type: ignore[return-value]

    def _candidates(self, info: _ModuleInfo) -> dict[str, list[Candidate]]:
        if info.by_name is None:
            info.by_name, info.before_del = candidates_of(info.facts)
        return info.by_name

    def _referrers(
        self,
    ) -> tuple[dict[str, list[tuple[str, str]]], dict[str, list[str]], dict[str, list[tuple[str, str]]]]:
        """Who might name what, from the facts alone (built once; resolve() confirms each):
        name -> (module, bound name) of from-imports and aliases ending in that name;
        module -> modules star-importing it; module -> (module, bound name) of ``import``."""
        if self._referrer_index is None:
            by_name: dict[str, list[tuple[str, str]]] = {}
            star_importers: dict[str, list[str]] = {}
            module_binders: dict[str, list[tuple[str, str]]] = {}
            for module, info in self._modules.items():
                if info.facts is None:
                    continue
                for b in info.facts.bindings:
                    if b.kind is BindingKind.ALIAS and b.target:
                        by_name.setdefault(b.target.rpartition(".")[2], []).append((module, b.name))
                for fact in info.facts.imports:
                    if not is_runtime_binding(fact) or fact.kind is ImportKind.DYNAMIC:
                        continue
                    target = info.file.import_target(fact)
                    if target is None:
                        continue
                    if fact.name == "*":
                        star_importers.setdefault(target, []).append(module)
                    elif fact.kind is ImportKind.FROM and fact.name:
                        by_name.setdefault(fact.name, []).append((module, fact.bound_name or fact.name))
                    elif fact.bound_name:
                        bound_module = target if fact.asname else fact.bound_name
                        module_binders.setdefault(bound_module, []).append((module, fact.bound_name))
            self._referrer_index = (by_name, star_importers, module_binders)
        return self._referrer_index

    def _build_reverse_index(self) -> dict[Origin, list[tuple[str, str]]]:
        reverse: dict[Origin, list[tuple[str, str]]] = {}
        for module in list(self._modules):
            if not is_dotted_name(module):
                continue  # ``scripts/fix-db.py``: nothing can import a name from it
            for name in self.exported_names(module):
                res = self.resolve(module, name)
                if res.origin is not None and res.found:
                    reverse.setdefault(res.origin, []).append((module, name))
        # A package reaches each submodule as an attribute, e.g. ``from app import realtime``.
        for module in list(self._modules) + list(self._namespaces):
            parent, _, last = module.rpartition(".")
            if parent and self.module_exists(parent):
                res = self.resolve(parent, last)
                if res.origin is not None and res.status == Status.MODULE and res.origin.module == module:
                    pair = (parent, last)
                    bucket = reverse.setdefault(res.origin, [])
                    if pair not in bucket:
                        bucket.append(pair)
        return reverse


def _precedence(file: SourceFile) -> tuple[bool, bool, str]:
    return (file.loose, not file.is_package, file.path)


# kind (a DynamicKind value) -> the paths whose facts may hold a DynamicFact of that kind.
PathsHolding = Callable[[str], Iterable[str]]


@dataclass(slots=True)
class _Writers:
    """What modules do to other modules: module -> (path, fact) of the writes into it (its
    attributes set, the module handed on); and (module name, path, fact) of every registration in
    sys.modules (a module registered, or served by an importer, with whatever lies under it)."""

    attributes: dict[str, list[tuple[str, DynamicFact]]]
    registered: list[tuple[str, str, DynamicFact]]


def _anchored(file: SourceFile, name: str) -> str:
    """A module name as a fact of ``file`` writes it (``__name__.moves`` in ``six`` is
    ``six.moves``; ``__package__.x`` is relative to its package), made absolute."""
    for anchor, base in (("__name__", file.module), ("__package__", file.package)):
        if name.startswith(anchor):
            return base + name[len(anchor) :]
    return name


@lru_cache(maxsize=1 << 17)
def _dotted(module: str) -> bool:
    """:func:`is_dotted_name`, remembered: a walk through history settles the names of ten
    thousand modules again for each commit that adds or removes one."""
    return is_dotted_name(module)


def _parents(modules: Iterable[str]) -> set[str]:
    """Every proper dotted prefix of the (dotted) module names; a prefix seen once has had its own
    prefixes added already, so each is visited about once."""
    parents: set[str] = set()
    for module in modules:
        if not _dotted(module):
            continue
        prefix = module
        while True:
            prefix, dot, _ = prefix.rpartition(".")
            if not dot or prefix in parents:
                break
            parents.add(prefix)
    return parents


def _prefixed(hops: tuple[tuple[str, str], ...], res: Resolution) -> Resolution:
    """Prepend hops to a resolution's chain, without repeating a hop the chain starts with."""
    chain = res.chain
    if hops and chain and chain[0] == hops[-1]:
        chain = chain[1:]
    return Resolution(res.status, res.origin, hops + chain)


_ORIGIN_KINDS = {BindingKind.CLASS: "class", BindingKind.FUNCTION: "function", BindingKind.TYPE_ALIAS: "type"}


def origin_kind(binding: Binding) -> str:
    """What an :class:`Origin` of this binding is: "class", "function", "type" or "assign"."""
    return _ORIGIN_KINDS.get(binding.kind, "assign")
