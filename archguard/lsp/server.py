"""The language server: LSP 3.17 over stdio on pygls 2, with lsprotocol's types (docs/editors.md).

Protocol only: what to analyse and what it means is ``archguard.app.editor``'s
(:class:`~archguard.app.editor.EditorSession`, one per workspace folder, each on one engine kept in
memory). This module turns the editor's notifications into the session's calls, and the session's
findings into diagnostics, code actions and hovers.

One thread works on the engines (a single worker: an engine is not shared between threads); the
event loop only queues work and answers. Notifications arriving while the worker is busy are
queued and handed over together: a burst of keystrokes is analysed once, on its last text.
Diagnostics are pushed (``textDocument/publishDiagnostics``) to a client that does not pull them,
and answered (``textDocument/diagnostic``, with result ids) to one that does; either way a file
whose diagnostics did not change is neither published again nor sent again. An exception in one
request is logged and answered as an error; the server lives on.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from lsprotocol import types
from pygls.exceptions import JsonRpcInvalidParams
from pygls.lsp.server import LanguageServer
from pygls.uris import from_fs_path, to_fs_path

from archguard import __version__
from archguard.adapters import gc_policy
from archguard.app.editor import EditorSession, Finding
from archguard.lsp import convert

logger = logging.getLogger("archguard.lsp")
T = TypeVar("T")

# What the server re-reads when it changes on disk (besides the tree's own .py files).
_WATCHED = ("**/*.py", "**/pyproject.toml", "**/setup.cfg", "**/.importlinter", "**/*.toml", "**/*.json")


@dataclass
class _Shown:
    """What an open document's diagnostics are, as last computed, and from which version."""

    version: int | None
    diagnostics: list[types.Diagnostic]
    result_id: str
    text: str = ""
    findings: list[Finding] = field(default_factory=list)


class ArchguardServer(LanguageServer):
    """archguard's language server (module docstring)."""

    def __init__(self, given: dict[str, Any], root: Path | None = None) -> None:
        """``given``: options by name as the command line gave them; ``root``: a ROOT given on the
        command line, which wins over the editor's workspace folders."""
        super().__init__(
            "archguard", __version__, text_document_sync_kind=types.TextDocumentSyncKind.Incremental
        )
        self.given = dict(given)
        self.fixed_root = root
        self.sessions: dict[Path, EditorSession] = {}
        self.worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="archguard-engine")
        self.shown: dict[str, _Shown] = {}  # by document URI
        self.loading: set[asyncio.Future[None]] = set()  # loads of folders added to the workspace
        self.problem_uris: set[str] = set()
        self._queue: list[Callable[[], Iterable[EditorSession]]] = []
        self._versions: dict[str, int | None] = {}  # the version of the text handed to a session
        self._uris: dict[tuple[Path, str], str] = {}  # (ROOT, path) -> the URI the editor named it by
        self._draining: asyncio.Task[None] | None = None
        self._idle: asyncio.Event | None = None
        self._announced: set[str] = set()
        self.loaded = asyncio.Event()  # set once the workspace folders' first load is done

    # ---- what the client can do ------------------------------------------------------------------

    @property
    def pulls(self) -> bool:
        """The client asks for diagnostics (textDocument/diagnostic) rather than being sent them."""
        text = self.client_capabilities.text_document
        return text is not None and text.diagnostic is not None

    @property
    def encoding(self) -> str:
        return str(self.workspace.position_encoding or types.PositionEncodingKind.Utf16)

    def _can(self, *path: str) -> bool:
        node: Any = self.client_capabilities
        for name in path:
            node = getattr(node, name, None)
            if node is None:
                return False
        return bool(node)

    # ---- sessions and documents ------------------------------------------------------------------

    def roots(self) -> list[Path]:
        if self.fixed_root is not None:
            return [self.fixed_root.resolve()]
        folders = [Path(to_fs_path(f.uri) or ".") for f in self.workspace.folders.values()]
        if not folders and self.workspace.root_path:
            folders = [Path(self.workspace.root_path)]
        return [f.resolve() for f in folders] or [Path.cwd().resolve()]

    def locate(self, uri: str) -> tuple[EditorSession, str] | None:
        """The session of the workspace folder holding ``uri`` and its path there (deepest first)."""
        fs_path = to_fs_path(uri)
        if fs_path is None:
            return None
        for root in sorted(self.sessions, key=lambda r: len(r.parts), reverse=True):
            session = self.sessions[root]
            path = session.path_of(fs_path)
            if path is not None:
                self._uris.setdefault((root, path), uri)
                return session, path
        return None

    def forget(self, root: Path) -> None:
        """A folder left the workspace: its session goes, and its documents' diagnostics with it
        (the editor would otherwise keep showing what no session answers for any more)."""
        if self.sessions.pop(root, None) is None:
            return
        for (where, path), uri in list(self._uris.items()):
            if where != root:
                continue
            del self._uris[(where, path)]
            if self.shown.pop(uri, None) is not None and not self.pulls:
                self.text_document_publish_diagnostics(
                    types.PublishDiagnosticsParams(uri=uri, diagnostics=[])
                )

    def uri_of(self, session: EditorSession, path: str) -> str:
        return self._uris.get((session.root, path)) or from_fs_path(str(session.root / path)) or path

    # ---- the work queue --------------------------------------------------------------------------

    def enqueue(self, job: Callable[[], Iterable[EditorSession]]) -> None:
        """Run ``job`` on the engine thread after what is queued, then show what changed."""
        self._queue.append(job)
        if self._idle is None:
            self._idle = asyncio.Event()
        self._idle.clear()
        if self._draining is None:
            self._draining = asyncio.ensure_future(self._drain())

    async def _drain(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            while self._queue:
                batch, self._queue = self._queue, []
                outcome = await loop.run_in_executor(self.worker, self._work, batch)
                self._show(outcome)
        finally:
            self._draining = None
            if self._idle is not None:
                self._idle.set()

    async def caught_up(self) -> None:
        """Wait until every change queued so far is analysed."""
        while self._queue or self._draining is not None:
            assert self._idle is not None
            await self._idle.wait()

    async def settled(self) -> None:
        """Wait until the first load is done and every change queued so far is analysed: what a
        request answers from (a pull that came before the load would be answered empty)."""
        await self.loaded.wait()
        await self.caught_up()

    async def on_engine(self, call: Callable[[], T]) -> T:
        """Run ``call`` on the engine thread, after the first load and everything queued so far."""
        await self.settled()
        return await asyncio.get_running_loop().run_in_executor(self.worker, call)

    def _work(
        self, batch: list[Callable[[], Iterable[EditorSession]]]
    ) -> list[tuple[EditorSession, list[Any]]]:
        """On the engine thread: each job, one sync per session touched, then every open document's
        findings of those sessions (an edit in one file changes others' findings)."""
        touched: dict[Path, EditorSession] = {}
        for job in batch:
            try:
                for session in job():
                    touched[session.root] = session
            except Exception:  # one bad job must not stop the others, nor the server
                logger.exception("archguard: a change could not be applied")
        outcome = []
        for session in touched.values():
            if session.results is None and not session.problems:
                continue  # not loaded yet: its load shows them
            try:
                if session.pending:
                    session.sync()
                documents = [
                    (path, session.analysed_text(path), session.findings(path)) for path in session.open_paths
                ]
            except Exception:  # logged; the last diagnostics stay until the next change
                logger.exception("archguard: analysis failed")
                continue
            outcome.append((session, documents))
        return outcome

    def _show(self, outcome: list[tuple[EditorSession, list[Any]]]) -> None:
        """On the event loop: the diagnostics that changed, pushed or marked for the next pull."""
        changed = False
        for session, documents in outcome:
            for path, text, findings in documents:
                if text is None:
                    continue
                uri = self.uri_of(session, path)
                lines = convert.lines_of(text)
                diagnostics = [
                    d
                    for f in findings
                    if (d := convert.diagnostic(f, lines, self.encoding, session.baselined)) is not None
                ]
                version = self._versions.get(uri)
                before = self.shown.get(uri)
                rid = convert.result_id(diagnostics)
                self.shown[uri] = _Shown(version, diagnostics, rid, text, findings)
                if before is not None and before.result_id == rid:
                    continue
                changed = True
                if not self.pulls:
                    self.text_document_publish_diagnostics(
                        types.PublishDiagnosticsParams(uri=uri, diagnostics=diagnostics, version=version)
                    )
            self._show_problems(session)
        if changed and self.pulls and self._can("workspace", "diagnostics", "refresh_support"):
            self.workspace_diagnostic_refresh(None)

    def _show_problems(self, session: EditorSession) -> None:
        """Configuration problems on the files they name (pushed: they are not Python documents)."""
        by_uri: dict[str, list[types.Diagnostic]] = {}
        for problem in session.problems:
            where = session.root / problem.path if problem.path else session.root / "pyproject.toml"
            uri = from_fs_path(str(where)) or str(where)
            by_uri.setdefault(uri, []).append(convert.problem_diagnostic(problem))
            text = f"archguard: {problem.path or session.root}: {problem.message}"
            if text not in self._announced:
                self._announced.add(text)
                self.window_show_message(types.ShowMessageParams(type=types.MessageType.Error, message=text))
        mine = {u for u in self.problem_uris if u.startswith(from_fs_path(str(session.root)) or "")}
        for uri in mine - by_uri.keys():
            self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))
            self.problem_uris.discard(uri)
        for uri, diagnostics in by_uri.items():
            self.text_document_publish_diagnostics(
                types.PublishDiagnosticsParams(uri=uri, diagnostics=diagnostics)
            )
            self.problem_uris.add(uri)
        if not session.problems:
            self._announced = {a for a in self._announced if not a.startswith(f"archguard: {session.root}")}

    # ---- loading ---------------------------------------------------------------------------------

    async def load(self, roots: list[Path]) -> None:
        """Open a session per folder, reporting work-done progress while the first load runs."""
        loop = asyncio.get_running_loop()
        token: str | None = None
        if roots and self._can("window", "work_done_progress"):
            token = f"archguard-load-{uuid.uuid4()}"
            try:
                await self.work_done_progress.create_async(token)
                self.work_done_progress.begin(
                    token,
                    types.WorkDoneProgressBegin(title="archguard", message="reading the tree", percentage=0),
                )
            except Exception:  # noqa: BLE001 - a client that refuses the token gets no progress
                logger.warning("archguard: the client refused a progress token")
                token = None
        last = [0.0]

        def progress(done: int, total: int) -> None:  # on the engine thread
            now = time.monotonic()
            if token is None or now - last[0] < 0.2 or not total:
                return
            last[0] = now
            report = types.WorkDoneProgressReport(
                message=f"parsing {done}/{total} files", percentage=done * 100 // total
            )
            loop.call_soon_threadsafe(self.work_done_progress.report, token, report)

        for root in roots:
            session = self.sessions.get(root)
            if session is None:
                session = self.sessions[root] = EditorSession(root, self.given)
            elif session.engine is not None:
                continue

            def job(session: EditorSession = session) -> list[EditorSession]:
                session.load(progress)
                gc_policy.settle_long_lived()
                return [session]

            self.enqueue(job)
        await self.caught_up()
        if token is not None:
            files = sum(len(s.engine.files) for s in self.sessions.values() if s.engine is not None)
            self.work_done_progress.end(token, types.WorkDoneProgressEnd(message=f"{files} files"))

    def reload_changed_inputs(self) -> None:
        """Configuration or baseline changed on disk: load again, or derive again."""

        def job() -> list[EditorSession]:
            touched = []
            for session in list(self.sessions.values()):
                what = session.inputs_changed()
                if what is not None:
                    session.reload(what)
                    touched.append(session)
            return touched

        self.enqueue(job)


def create_server(given: dict[str, Any], root: Path | None = None) -> ArchguardServer:
    server = ArchguardServer(given, root)

    @server.feature(types.INITIALIZE)
    def initialize(ls: ArchguardServer, params: types.InitializeParams) -> None:
        options = params.initialization_options
        if isinstance(options, dict) and options.get("baselined") in ("hide", "hint"):
            ls.given.setdefault("baselined", options["baselined"])
        for root in ls.roots():  # documents opened before the first load ends are kept by their session
            ls.sessions[root] = EditorSession(root, ls.given)

    @server.feature(types.INITIALIZED)
    async def initialized(ls: ArchguardServer, params: types.InitializedParams) -> None:
        if ls._can("workspace", "did_change_watched_files", "dynamic_registration"):
            watchers = [types.FileSystemWatcher(glob_pattern=g) for g in _WATCHED]
            registration = types.Registration(
                id="archguard-watched-files",
                method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
                register_options=types.DidChangeWatchedFilesRegistrationOptions(watchers=watchers),
            )
            try:
                await ls.client_register_capability_async(
                    types.RegistrationParams(registrations=[registration])
                )
            except Exception:  # noqa: BLE001 - then only saves are seen
                logger.warning("archguard: the client refused to watch files")
        try:
            await ls.load(ls.roots())
        finally:
            ls.loaded.set()

    @server.feature(types.WORKSPACE_DID_CHANGE_WORKSPACE_FOLDERS)
    def folders_changed(ls: ArchguardServer, params: types.DidChangeWorkspaceFoldersParams) -> None:
        # Not a coroutine: the sessions must exist before the next message (often the didOpen of a
        # file in the added folder) is handled, as ``initialize`` makes them before the first load.
        if ls.fixed_root is not None:
            return
        for folder in params.event.removed:
            ls.forget(Path(to_fs_path(folder.uri) or ".").resolve())
        added = [Path(to_fs_path(f.uri) or ".").resolve() for f in params.event.added]
        for root in added:
            ls.sessions.setdefault(root, EditorSession(root, ls.given))
        task = asyncio.ensure_future(ls.load(added))
        ls.loading.add(task)  # held until done: the event loop keeps only a weak reference to a task
        task.add_done_callback(ls.loading.discard)

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: ArchguardServer, params: types.DidOpenTextDocumentParams) -> None:
        _document_changed(ls, params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: ArchguardServer, params: types.DidChangeTextDocumentParams) -> None:
        _document_changed(ls, params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: ArchguardServer, params: types.DidSaveTextDocumentParams) -> None:
        ls.reload_changed_inputs()  # a saved contract or pyproject.toml, in an editor that does not watch files

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: ArchguardServer, params: types.DidCloseTextDocumentParams) -> None:
        uri = params.text_document.uri
        located = ls.locate(uri)
        ls.shown.pop(uri, None)
        ls._versions.pop(uri, None)
        if not ls.pulls:
            ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))
        if located is None:
            return
        session, path = located

        def job() -> list[EditorSession]:
            session.close(path)
            return [session]

        ls.enqueue(job)

    @server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def watched_files_changed(ls: ArchguardServer, params: types.DidChangeWatchedFilesParams) -> None:
        by_session: dict[Path, tuple[EditorSession, list[str]]] = {}
        for change in params.changes:
            located = ls.locate(change.uri)
            if located is not None:
                by_session.setdefault(located[0].root, (located[0], []))[1].append(located[1])
        for session, paths in by_session.values():

            def job(session: EditorSession = session, paths: list[str] = paths) -> list[EditorSession]:
                session.disk_changed(paths)
                return [session]

            ls.enqueue(job)
        ls.reload_changed_inputs()

    @server.feature(
        types.TEXT_DOCUMENT_DIAGNOSTIC,
        types.DiagnosticOptions(
            identifier="archguard", inter_file_dependencies=True, workspace_diagnostics=False
        ),
    )
    async def diagnostic(
        ls: ArchguardServer, params: types.DocumentDiagnosticParams
    ) -> types.DocumentDiagnosticReport:
        await ls.settled()
        shown = ls.shown.get(params.text_document.uri)
        diagnostics = shown.diagnostics if shown is not None else []
        rid = shown.result_id if shown is not None else convert.result_id([])
        if params.previous_result_id == rid:
            return types.RelatedUnchangedDocumentDiagnosticReport(result_id=rid)
        return types.RelatedFullDocumentDiagnosticReport(items=diagnostics, result_id=rid)

    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix, convert.FIX_ALL]),
    )
    async def code_action(
        ls: ArchguardServer, params: types.CodeActionParams
    ) -> list[types.CodeAction] | None:
        await ls.settled()
        uri = params.text_document.uri
        located, shown = ls.locate(uri), ls.shown.get(uri)
        document = ls.workspace.text_documents.get(uri)
        if located is None or shown is None or document is None or document.version != shown.version:
            return None  # not analysed yet, or changed since: the client asks again
        session, path = located
        lines = convert.lines_of(shown.text)
        wanted = params.context.only

        def kind_wanted(kind: str) -> bool:
            return wanted is None or any(kind == w or kind.startswith(f"{w}.") for w in wanted)

        def compute() -> list[types.CodeAction]:
            actions: list[types.CodeAction] = []
            touched = [
                f
                for f in shown.findings
                if _overlaps(convert.span_range(lines, f.span, ls.encoding), params.range)
            ]
            for finding in touched:
                v = finding.violation
                d = convert.diagnostic(finding, lines, ls.encoding, "hint")
                if kind_wanted(types.CodeActionKind.QuickFix) and v.fixable and not v.baselined:
                    new = session.fixed_text(path, [v.fingerprint])
                    if new is not None:
                        actions.append(
                            types.CodeAction(
                                title=f"archguard: use `{v.suggestion or v.canonical}`",
                                kind=types.CodeActionKind.QuickFix,
                                diagnostics=[d] if d else None,
                                is_preferred=True,
                                edit=_edit(ls, uri, shown, new),
                            )
                        )
                if (
                    kind_wanted(types.CodeActionKind.QuickFix)
                    and session.options is not None
                    and session.options.baseline is not None
                    and not v.baselined
                    and v.severity.value == "error"
                    and v.fingerprint
                ):
                    actions.append(
                        types.CodeAction(
                            title=f"archguard: add this {v.code} to the baseline",
                            kind=types.CodeActionKind.QuickFix,
                            diagnostics=[d] if d else None,
                            command=types.Command(
                                title="Add to baseline",
                                command=convert.ADD_TO_BASELINE,
                                arguments=[uri, v.fingerprint],
                            ),
                        )
                    )
            if kind_wanted(convert.FIX_ALL) and any(f.violation.fixable for f in shown.findings):
                new = session.fixed_text(path)
                if new is not None:
                    actions.append(
                        types.CodeAction(
                            title="archguard: fix every non-canonical import",
                            kind=convert.FIX_ALL,
                            edit=_edit(ls, uri, shown, new),
                        )
                    )
            return actions

        return await ls.on_engine(compute) or None

    @server.command(convert.ADD_TO_BASELINE)
    async def add_to_baseline(ls: ArchguardServer, uri: Any = None, fingerprint: Any = None) -> bool:
        if not isinstance(uri, str) or not isinstance(fingerprint, str):
            raise JsonRpcInvalidParams(f"{convert.ADD_TO_BASELINE} takes a document URI and a fingerprint")
        located = ls.locate(uri)
        if located is None:
            raise JsonRpcInvalidParams(f"not a Python file of an open workspace folder: {uri}")
        session, path = located
        done = await ls.on_engine(lambda: session.add_to_baseline(path, fingerprint))
        ls.enqueue(lambda: [session])  # show what the baseline now hides (or hints)
        await ls.caught_up()
        return done

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    async def hover(ls: ArchguardServer, params: types.HoverParams) -> types.Hover | None:
        await ls.settled()
        uri = params.text_document.uri
        located, shown = ls.locate(uri), ls.shown.get(uri)
        document = ls.workspace.text_documents.get(uri)
        if located is None or shown is None or document is None or document.version != shown.version:
            return None
        session, path = located
        lines = convert.lines_of(shown.text)
        line = params.position.line
        column = convert.from_client(
            lines[line] if line < len(lines) else "", params.position.character, ls.encoding
        )
        text = await ls.on_engine(lambda: session.hover(path, line + 1, column))
        if text is None:
            return None
        return types.Hover(contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=text))

    @server.feature(types.SHUTDOWN)
    def shutdown(ls: ArchguardServer, params: None) -> None:
        ls.worker.shutdown(wait=False, cancel_futures=True)

    return server


def _document_changed(ls: ArchguardServer, uri: str) -> None:
    located = ls.locate(uri)
    if located is None:
        return
    session, path = located
    document = ls.workspace.get_text_document(uri)
    text, version = document.source, document.version

    def job() -> list[EditorSession]:
        session.set_text(path, text)
        ls._versions[uri] = version
        return [session]

    ls.enqueue(job)


def _edit(ls: ArchguardServer, uri: str, shown: _Shown, new: str) -> types.WorkspaceEdit:
    """The change of one document from its analysed text to ``new`` (versioned where the client
    takes versioned edits, so a stale one is refused rather than applied to other text)."""
    edit = convert.text_edit(shown.text, new, ls.encoding)
    if ls._can("workspace", "workspace_edit", "document_changes"):
        return types.WorkspaceEdit(
            document_changes=[
                types.TextDocumentEdit(
                    text_document=types.OptionalVersionedTextDocumentIdentifier(
                        uri=uri, version=shown.version
                    ),
                    edits=[edit],
                )
            ]
        )
    return types.WorkspaceEdit(changes={uri: [edit]})


def _overlaps(a: types.Range, b: types.Range) -> bool:
    def key(p: types.Position) -> tuple[int, int]:
        return (p.line, p.character)

    return key(a.start) <= key(b.end) and key(b.start) <= key(a.end)
