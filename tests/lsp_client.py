"""A real LSP client for the language server's tests: pytest-lsp's ``LanguageClient`` driving
``python -m archguard lsp`` over stdio, as an editor would, plus the little an editor does on top
(keep each document's text and version, apply a ``WorkspaceEdit``, wait for diagnostics)."""

from __future__ import annotations

import asyncio
import contextlib
import sys
import time
from collections.abc import AsyncIterator, Callable, Sequence
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.protocol import default_converter
from pytest_lsp import LanguageClient
from pytest_lsp.client import DEFAULT_CLIENT_FEATURES, register_lsp_features

PUSH = types.ClientCapabilities(
    window=types.WindowClientCapabilities(work_done_progress=True),
    workspace=types.WorkspaceClientCapabilities(
        did_change_watched_files=types.DidChangeWatchedFilesClientCapabilities(dynamic_registration=True),
        workspace_edit=types.WorkspaceEditClientCapabilities(document_changes=True),
    ),
    text_document=types.TextDocumentClientCapabilities(
        publish_diagnostics=types.PublishDiagnosticsClientCapabilities(version_support=True),
        code_action=types.CodeActionClientCapabilities(
            code_action_literal_support=types.ClientCodeActionLiteralOptions(
                code_action_kind=types.ClientCodeActionKindOptions(
                    value_set=[types.CodeActionKind.QuickFix, types.CodeActionKind.SourceFixAll]
                )
            )
        ),
        hover=types.HoverClientCapabilities(content_format=[types.MarkupKind.Markdown]),
    ),
)
PULL = types.ClientCapabilities(
    window=PUSH.window,
    workspace=types.WorkspaceClientCapabilities(
        did_change_watched_files=types.DidChangeWatchedFilesClientCapabilities(dynamic_registration=True),
        workspace_edit=types.WorkspaceEditClientCapabilities(document_changes=True),
        diagnostics=types.DiagnosticWorkspaceClientCapabilities(refresh_support=True),
    ),
    text_document=types.TextDocumentClientCapabilities(
        diagnostic=types.DiagnosticClientCapabilities(related_document_support=True),
        code_action=PUSH.text_document.code_action if PUSH.text_document else None,
        hover=PUSH.text_document.hover if PUSH.text_document else None,
    ),
)


def uri(path: Path) -> str:
    return path.resolve().as_uri()


class Editor:
    """The client, and the documents it holds open (text and version, as an editor keeps them)."""

    def __init__(self, client: LanguageClient, root: Path) -> None:
        self.client = client
        self.root = root
        self.texts: dict[str, str] = {}
        self.versions: dict[str, int] = {}

    @property
    def published(self) -> dict[str, int]:
        """How often each document's diagnostics were published."""
        return self.client.published  # type: ignore[attr-defined, no-any-return]

    def uri(self, path: str) -> str:
        return uri(self.root / path)

    def open(self, path: str, text: str | None = None) -> str:
        text = (self.root / path).read_text() if text is None else text
        self.texts[path], self.versions[path] = text, 1
        self.client.text_document_did_open(
            types.DidOpenTextDocumentParams(
                text_document=types.TextDocumentItem(
                    uri=self.uri(path), language_id="python", version=1, text=text
                )
            )
        )
        return self.uri(path)

    def change(self, path: str, text: str) -> None:
        self.texts[path] = text
        self.versions[path] += 1
        self.client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(
                    uri=self.uri(path), version=self.versions[path]
                ),
                content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
            )
        )

    def close(self, path: str) -> None:
        self.client.text_document_did_close(
            types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=self.uri(path)))
        )

    def files_changed(self, *changes: tuple[str, types.FileChangeType]) -> None:
        self.client.workspace_did_change_watched_files(
            types.DidChangeWatchedFilesParams(
                changes=[types.FileEvent(uri=self.uri(path), type=kind) for path, kind in changes]
            )
        )

    async def diagnostics(
        self,
        path: str,
        until: Callable[[Sequence[types.Diagnostic]], bool] | None = None,
        timeout: float = 60,
    ) -> Sequence[types.Diagnostic]:
        """The document's pushed diagnostics once ``until`` holds for them (default: once any came)."""
        deadline = time.monotonic() + timeout
        key = self.uri(path)
        while True:
            found = self.client.diagnostics.get(key)
            if found is not None and (until is None or until(found)):
                return found
            if time.monotonic() > deadline:
                raise AssertionError(f"diagnostics of {path} never became as expected; last: {found}")
            await asyncio.sleep(0.05)

    async def pull(self, path: str, previous: str | None = None) -> Any:
        return await self.client.text_document_diagnostic_async(
            types.DocumentDiagnosticParams(
                text_document=types.TextDocumentIdentifier(uri=self.uri(path)), previous_result_id=previous
            )
        )

    async def code_actions(
        self, path: str, diagnostic: types.Diagnostic, only: list[str] | None = None
    ) -> list[types.CodeAction]:
        found = await self.client.text_document_code_action_async(
            types.CodeActionParams(
                text_document=types.TextDocumentIdentifier(uri=self.uri(path)),
                range=diagnostic.range,
                context=types.CodeActionContext(diagnostics=[diagnostic], only=only),
            )
        )
        return [a for a in found or [] if isinstance(a, types.CodeAction)]

    def apply(self, edit: types.WorkspaceEdit) -> None:
        """Apply a WorkspaceEdit to the open documents, as the editor does, and tell the server."""
        changes: list[tuple[str, int | None, Sequence[Any]]] = []
        for change in edit.document_changes or []:
            assert isinstance(change, types.TextDocumentEdit)
            changes.append((change.text_document.uri, change.text_document.version, change.edits))
        for target, edits in (edit.changes or {}).items():
            changes.append((target, None, edits))
        for target, version, edits in changes:
            path = next(p for p in self.texts if self.uri(p) == target)
            if version is not None:
                assert version == self.versions[path], "an edit for another version of the document"
            text = self.texts[path]
            for text_edit in sorted(
                edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True
            ):
                start, end = offset(text, text_edit.range.start), offset(text, text_edit.range.end)
                text = text[:start] + text_edit.new_text + text[end:]
            self.change(path, text)

    async def hover(self, path: str, line: int, character: int) -> str | None:
        found = await self.client.text_document_hover_async(
            types.HoverParams(
                text_document=types.TextDocumentIdentifier(uri=self.uri(path)),
                position=types.Position(line=line, character=character),
            )
        )
        if found is None:
            return None
        assert isinstance(found.contents, types.MarkupContent)
        return found.contents.value


def offset(text: str, position: types.Position) -> int:
    """A position (UTF-16 columns) as an index into ``text``."""
    lines = text.splitlines(keepends=True)
    start = sum(len(line) for line in lines[: position.line])
    line = lines[position.line] if position.line < len(lines) else ""
    units, index = 0, 0
    while index < len(line) and units < position.character:
        units += 2 if ord(line[index]) > 0xFFFF else 1
        index += 1
    return start + index


def _counted_publish(client: LanguageClient, params: types.PublishDiagnosticsParams) -> None:
    client.diagnostics[params.uri] = params.diagnostics
    client.published[params.uri] = client.published.get(params.uri, 0) + 1  # type: ignore[attr-defined]


def _register_capability(client: LanguageClient, params: types.RegistrationParams) -> None:
    client.registrations.extend(params.registrations)  # type: ignore[attr-defined]


def _converter() -> Any:
    """pygls's converter, except that a code action with a ``command`` stays a CodeAction:
    lsprotocol 2025.0.0 takes any object with a ``command`` key for a Command, though a Command's
    ``command`` is a string and a CodeAction's an object (what editors test)."""
    converter = default_converter()

    def command_or_action(value: Any, _: type) -> types.Command | types.CodeAction:
        if isinstance(value.get("command"), str):
            return converter.structure(value, types.Command)  # type: ignore[no-any-return]
        return converter.structure(value, types.CodeAction)  # type: ignore[no-any-return]

    converter.register_structure_hook(types.Command | types.CodeAction, command_or_action)
    return converter


def make_client() -> LanguageClient:
    """pytest-lsp's test client, counting the diagnostics published for each document and taking
    the server's dynamic registrations (watched files) as an editor does."""
    client = LanguageClient(converter_factory=_converter)
    client.published = {}  # type: ignore[attr-defined]
    client.registrations = []  # type: ignore[attr-defined]
    register_lsp_features(
        client,
        {
            **DEFAULT_CLIENT_FEATURES,
            types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS: _counted_publish,
            types.CLIENT_REGISTER_CAPABILITY: _register_capability,
        },
    )
    return client


def workspace_folder(path: Path) -> types.WorkspaceFolder:
    return types.WorkspaceFolder(uri=uri(path), name=path.name)


def server_command(*options: str) -> list[str]:
    return [sys.executable, "-m", "archguard", "lsp", *options]


@contextlib.asynccontextmanager
async def served(
    root: Path,
    *options: str,
    capabilities: types.ClientCapabilities = PUSH,
    initialization_options: Any = None,
    server_env: dict[str, str] | None = None,
    folders: Sequence[Path] | None = None,
    command: Sequence[str] | None = None,
    cwd: Path | None = None,
) -> AsyncIterator[Editor]:
    """A server on ROOT (the editor's workspace folder, or with ``folders`` the folders of a
    multi-root workspace, ROOT then only where the editor's paths start), initialized, shut down
    at the end; the test fails if it did not exit with 0 after shutdown. ``command`` runs another
    server instead of ``archguard lsp`` (the benchmarks drive tach's with the same client), in
    ``cwd``."""
    client = make_client()
    # What pytest-lsp's ClientServerConfig.start does, with a working directory (tach finds its
    # tach.toml there).
    await client.start_io(*(command or server_command(*options)), env=server_env, cwd=cwd)
    editor = Editor(client, root)
    await client.initialize_session(
        types.InitializeParams(
            capabilities=capabilities,
            root_uri=uri(root),
            workspace_folders=[workspace_folder(f) for f in (folders if folders is not None else [root])],
            initialization_options=initialization_options,
        )
    )
    try:
        yield editor
        await client.shutdown_session()
        process = client._server
        assert process is not None and process.returncode == 0, (
            "the server did not exit with 0 after shutdown"
        )
    finally:
        process = client._server
        if process is not None and process.returncode is None:  # the test failed before shutdown
            process.kill()
        await client.stop()
