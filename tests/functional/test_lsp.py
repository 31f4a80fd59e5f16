"""``archguard lsp`` end to end: pytest-lsp's client drives the server over stdio as an editor does
(open, change, diagnostics pushed and pulled, a quick fix applied, hover, watched files, baseline,
shutdown), on fixture trees the tests write. Messages and codes are compared with ``archguard check``
on the same tree."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import pytest
from lsprotocol import types
from pytest_lsp import client_capabilities

from tests.functional.test_history import WORKSPACE as HISTORY_WORKSPACE
from tests.helpers import run_cli, write_tree
from tests.lsp_client import PULL, served, workspace_folder

pytestmark = pytest.mark.asyncio

API = """from app.realtime.compat import (  # the old path
    LegacyManager as LM,
)
from app.realtime.manager import Missing


def handler():
    return LM, Missing
"""
FIXED_API = """from app.realtime.manager import (  # the old path
    ConnectionManager as LM,
)
from app.realtime.manager import Missing


def handler():
    return LM, Missing
"""
MANAGER = "class ConnectionManager:\n    pass\n\n\nclass Event:\n    pass\n"
TREE = {
    "app/__init__.py": "",
    "app/realtime/__init__.py": "",
    "app/realtime/manager.py": MANAGER,
    "app/realtime/compat.py": "from app.realtime.manager import ConnectionManager as LegacyManager\n",
    "app/api.py": API,
    "app/quiet.py": (
        "from app.realtime.manager import Event\nfrom app.util import helper\n\n\ndef make():\n    return Event(), helper\n"
    ),
    "app/util.py": "def helper():\n    return 1\n",
    "app/low.py": "import app.api\n\n\ndef low():\n    return app.api\n",
    "contracts/realtime.toml": (
        '[[concept]]\nname = "websocket-manager"\ncanonical = "app.realtime.manager:ConnectionManager"\n'
        'reason = "one manager; see ADR-12"\n'
    ),
    ".importlinter": (
        "[importlinter]\nroot_packages =\n    app\n\n"
        "[importlinter:contract:low]\nname = low never imports the api\ntype = forbidden\n"
        "source_modules =\n    app.low\nforbidden_modules =\n    app.api\n"
    ),
}


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    return write_tree(tmp_path / "tree", TREE)


def codes(diagnostics: object) -> list[str]:
    return sorted(str(d.code) for d in diagnostics)  # type: ignore[attr-defined]


def check_json(root: Path) -> dict[str, list[dict[str, object]]]:
    """``archguard check --format json`` on ROOT: the CLI's own findings, by path."""
    done = run_cli("check", root, "--no-cache", "--format", "json")
    found: dict[str, list[dict[str, object]]] = {}
    for v in json.loads(done.stdout)["violations"]:
        found.setdefault(v["path"], []).append(v)
    return found


async def test_diagnostics_of_an_opened_file_are_checks_own(tree: Path) -> None:
    cli = check_json(tree)
    async with served(tree) as editor:
        editor.open("app/api.py")
        editor.open("app/low.py")
        api = await editor.diagnostics("app/api.py")
        low = await editor.diagnostics("app/low.py")
    assert codes(api) == sorted(v["code"] for v in cli["app/api.py"]) == ["AG101", "AG202"]
    assert codes(low) == ["AG301"]  # the import-linter contract, on the import that breaks it
    for diagnostic in [*api, *low]:
        assert diagnostic.source == "archguard"
        assert diagnostic.severity == types.DiagnosticSeverity.Error
    ag101 = next(d for d in api if d.code == "AG101")
    # the whole statement, its three lines, and check's own message with the fix
    assert (ag101.range.start.line, ag101.range.start.character) == (0, 0)
    assert (ag101.range.end.line, ag101.range.end.character) == (2, 1)
    cli_ag101 = next(v for v in cli["app/api.py"] if v["code"] == "AG101")
    assert ag101.message.startswith(str(cli_ag101["message"]))
    assert "use: from app.realtime.manager import ConnectionManager as LM" in ag101.message
    ag202 = next(d for d in api if d.code == "AG202")
    assert ag202.message == "cannot import name 'Missing' from app.realtime.manager"
    assert (ag202.range.start.line, ag202.range.end.line, ag202.range.end.character) == (3, 3, 40)
    assert low[0].range.start.line == 0


async def test_unsaved_text_of_another_module_clears_an_error_and_unchanged_files_are_not_republished(
    tree: Path,
) -> None:
    async with served(tree) as editor:
        editor.open("app/api.py")
        editor.open("app/quiet.py")
        await editor.diagnostics("app/api.py", lambda d: "AG202" in codes(d))
        await editor.diagnostics("app/quiet.py")
        quiet_before = editor.published[editor.uri("app/quiet.py")]
        editor.open("app/realtime/manager.py")
        editor.change("app/realtime/manager.py", MANAGER + "\n\nMissing = 1\n")  # never saved
        await editor.diagnostics("app/api.py", lambda d: codes(d) == ["AG101"])
        assert (tree / "app/realtime/manager.py").read_text() == MANAGER
        # renamed in the editor (unsaved): its importer's error comes back at once
        editor.change("app/realtime/manager.py", MANAGER + "\n\nMissingRenamed = 1\n")
        await editor.diagnostics("app/api.py", lambda d: codes(d) == ["AG101", "AG202"])
        assert editor.published[editor.uri("app/quiet.py")] == quiet_before


async def test_the_quick_fix_is_fixs_own_rewrite_and_applying_it_clears_the_finding(tree: Path) -> None:
    async with served(tree) as editor:
        editor.open("app/api.py")
        diagnostics = await editor.diagnostics("app/api.py")
        ag101 = next(d for d in diagnostics if d.code == "AG101")
        actions = await editor.code_actions("app/api.py", ag101)
        quick = [a for a in actions if a.kind == types.CodeActionKind.QuickFix and a.edit is not None]
        assert len(quick) == 1 and quick[0].is_preferred
        assert quick[0].title == "archguard: use `from app.realtime.manager import ConnectionManager as LM`"
        assert quick[0].edit is not None
        editor.apply(quick[0].edit)
        # alias, parentheses and comment kept, as `archguard fix` keeps them
        assert editor.texts["app/api.py"] == FIXED_API
        await editor.diagnostics("app/api.py", lambda d: codes(d) == ["AG202"])
    dry_run = run_cli("fix", tree, "--no-cache", "--dry-run")
    assert "ConnectionManager as LM," in dry_run.stdout  # the CLI proposes the same statement


async def test_fix_all_rewrites_every_fixable_import_of_the_document(tree: Path) -> None:
    text = API + "\n\nfrom app.realtime.compat import LegacyManager\n"
    async with served(tree) as editor:
        editor.open("app/api.py", text)
        diagnostics = await editor.diagnostics("app/api.py", lambda d: codes(d).count("AG101") == 2)
        actions = await editor.code_actions(
            "app/api.py", diagnostics[0], only=[types.CodeActionKind.SourceFixAll]
        )
        assert [a.kind for a in actions] == ["source.fixAll.archguard"]
        assert actions[0].edit is not None
        editor.apply(actions[0].edit)
        await editor.diagnostics("app/api.py", lambda d: codes(d) == ["AG202"])
        assert "from app.realtime.compat" not in editor.texts["app/api.py"]


async def test_hover_names_origin_concept_and_canonical_path_and_why_a_name_dangles(tree: Path) -> None:
    async with served(tree) as editor:
        editor.open("app/api.py")
        await editor.diagnostics("app/api.py")
        alias = await editor.hover("app/api.py", 1, 22)  # on LM
        assert alias is not None
        assert "`app.realtime.compat:LegacyManager`" in alias
        assert "origin `app.realtime.manager:ConnectionManager`" in alias
        assert "concept **websocket-manager**, canonical `app.realtime.manager:ConnectionManager`" in alias
        assert "one manager; see ADR-12" in alias
        dangling = await editor.hover("app/api.py", 3, 34)  # on Missing
        assert dangling is not None
        assert "does not resolve" in dangling
        assert "AG202: cannot import name 'Missing' from app.realtime.manager" in dangling
        assert await editor.hover("app/api.py", 7, 4) is None  # not an import


async def test_a_file_that_does_not_parse_gets_a_syntax_diagnostic_and_keeps_its_facts(tree: Path) -> None:
    async with served(tree) as editor:
        editor.open("app/api.py")
        editor.open("app/quiet.py")
        await editor.diagnostics("app/api.py", lambda d: codes(d) == ["AG101", "AG202"])
        editor.open("app/realtime/manager.py")
        editor.change("app/realtime/manager.py", MANAGER + "\nclass Broken(\n")
        syntax = await editor.diagnostics("app/realtime/manager.py", lambda d: codes(d) == ["AG001"])
        assert syntax[0].message.startswith("syntax error:")
        assert syntax[0].range.start.line >= 6
        # the rest of the tree still sees the manager's last good facts: nothing new elsewhere
        assert codes(await editor.diagnostics("app/api.py")) == ["AG101", "AG202"]
        assert codes(await editor.diagnostics("app/quiet.py")) == []
        editor.change("app/realtime/manager.py", MANAGER + "\nMissing = 1\n")
        await editor.diagnostics("app/realtime/manager.py", lambda d: codes(d) == [])
        await editor.diagnostics("app/api.py", lambda d: codes(d) == ["AG101"])


async def test_a_deleted_module_raises_its_importers_errors(tree: Path) -> None:
    async with served(tree) as editor:
        editor.open("app/quiet.py")
        await editor.diagnostics("app/quiet.py", lambda d: codes(d) == [])
        (tree / "app/util.py").unlink()
        editor.files_changed(("app/util.py", types.FileChangeType.Deleted))
        found = await editor.diagnostics("app/quiet.py", lambda d: codes(d) == ["AG201"])
        assert found[0].message == check_json(tree)["app/quiet.py"][0]["message"]
        assert "app.util" in found[0].message and found[0].range.start.line == 1
        (tree / "app/util.py").write_text("def helper():\n    return 1\n")
        editor.files_changed(("app/util.py", types.FileChangeType.Created))
        await editor.diagnostics("app/quiet.py", lambda d: codes(d) == [])


async def test_deleting_a_canonical_module_is_a_problem_on_the_contract_until_it_comes_back(
    tree: Path,
) -> None:
    """``check`` stops on a concept whose canonical path no longer resolves; the server shows why on
    the contract file, keeps the last diagnostics it could derive, and recovers when the module is back."""
    async with served(tree) as editor:
        editor.open("app/api.py")
        await editor.diagnostics("app/api.py", lambda d: codes(d) == ["AG101", "AG202"])
        (tree / "app/realtime/manager.py").unlink()
        editor.files_changed(("app/realtime/manager.py", types.FileChangeType.Deleted))
        problem = await editor.diagnostics("contracts/realtime.toml", lambda d: len(d) == 1)
        assert "module app.realtime.manager does not exist" in problem[0].message
        assert codes(await editor.diagnostics("app/api.py")) == ["AG101", "AG202"]
        (tree / "app/realtime/manager.py").write_text(MANAGER + "Missing = 1\n")
        editor.files_changed(("app/realtime/manager.py", types.FileChangeType.Created))
        await editor.diagnostics("contracts/realtime.toml", lambda d: len(d) == 0)
        await editor.diagnostics("app/api.py", lambda d: codes(d) == ["AG101"])


async def test_a_broken_contract_file_is_a_diagnostic_on_it_and_the_server_lives_on(tree: Path) -> None:
    contract = tree / "contracts/realtime.toml"
    async with served(tree) as editor:
        editor.open("app/api.py")
        await editor.diagnostics("app/api.py", lambda d: codes(d) == ["AG101", "AG202"])
        contract.write_text("[[concept]\nname = 'x'\n")
        editor.files_changed(("contracts/realtime.toml", types.FileChangeType.Changed))
        problem = await editor.diagnostics("contracts/realtime.toml", lambda d: len(d) == 1)
        assert problem[0].range.start.line == 0 and problem[0].severity == types.DiagnosticSeverity.Error
        assert "TOML" in problem[0].message
        assert any("contracts/realtime.toml" in m.message for m in editor.client.messages)
        assert await editor.hover("app/api.py", 1, 22) is not None  # still serving
        # a contract naming another canonical path, reloaded: the findings follow it
        contract.write_text('[[concept]]\nname = "event"\ncanonical = "app.realtime.manager:Event"\n')
        editor.files_changed(("contracts/realtime.toml", types.FileChangeType.Changed))
        await editor.diagnostics("contracts/realtime.toml", lambda d: len(d) == 0)
        await editor.diagnostics("app/api.py", lambda d: codes(d) == ["AG202"])


async def test_pull_diagnostics_carry_result_ids_and_an_unchanged_file_costs_nothing(tree: Path) -> None:
    async with served(tree, capabilities=PULL) as editor:
        editor.open("app/api.py")
        first = await editor.pull("app/api.py")
        assert isinstance(first, types.RelatedFullDocumentDiagnosticReport)
        assert codes(first.items) == ["AG101", "AG202"] and first.result_id
        again = await editor.pull("app/api.py", previous=first.result_id)
        assert isinstance(again, types.RelatedUnchangedDocumentDiagnosticReport)
        assert again.result_id == first.result_id
        assert editor.client.diagnostics == {}  # a pulling client is not pushed to
        editor.open("app/realtime/manager.py")
        editor.change("app/realtime/manager.py", MANAGER + "Missing = 1\n")
        changed = await editor.pull("app/api.py", previous=first.result_id)
        assert isinstance(changed, types.RelatedFullDocumentDiagnosticReport)
        assert codes(changed.items) == ["AG101"]
        assert editor.client.diagnostic_refresh_count >= 1  # told to pull the other file again


async def test_add_to_baseline_hides_the_finding_or_shows_it_as_a_hint(tree: Path) -> None:
    (tree / "pyproject.toml").write_text('[tool.archguard]\nbaseline = "baseline.json"\n')
    async with served(tree, initialization_options={"baselined": "hint"}) as editor:
        editor.open("app/api.py")
        diagnostics = await editor.diagnostics("app/api.py", lambda d: codes(d) == ["AG101", "AG202"])
        ag202 = next(d for d in diagnostics if d.code == "AG202")
        actions = await editor.code_actions("app/api.py", ag202)
        add = [a for a in actions if a.command is not None]
        assert [a.title for a in add] == ["archguard: add this AG202 to the baseline"]
        assert add[0].command is not None
        await editor.client.workspace_execute_command_async(
            types.ExecuteCommandParams(command=add[0].command.command, arguments=add[0].command.arguments)
        )
        entries = json.loads((tree / "baseline.json").read_text())["violations"]
        assert [e["code"] for e in entries] == ["AG202"]
        hinted = await editor.diagnostics(
            "app/api.py", lambda d: any(x.severity == types.DiagnosticSeverity.Hint for x in d)
        )
        assert [(d.code, d.severity) for d in sorted(hinted, key=lambda d: str(d.code))] == [
            ("AG101", types.DiagnosticSeverity.Error),
            ("AG202", types.DiagnosticSeverity.Hint),
        ]
    assert run_cli("check", tree, "--no-cache", "--format", "json").returncode == 1  # AG101 still new
    async with served(tree) as editor:  # the default: baselined findings are hidden
        editor.open("app/api.py")
        assert codes(await editor.diagnostics("app/api.py")) == ["AG101"]


async def test_an_exception_in_one_request_is_answered_as_an_error_and_the_server_lives_on(
    tree: Path,
) -> None:
    async with served(tree) as editor:
        editor.open("app/api.py")
        await editor.diagnostics("app/api.py")
        with pytest.raises(Exception, match="takes a document URI and a fingerprint"):
            await editor.client.workspace_execute_command_async(
                types.ExecuteCommandParams(command="archguard.addToBaseline", arguments=[42, "abc"])
            )
        with pytest.raises(Exception, match="Expected 2 arguments, got 1"):  # pygls's own check
            await editor.client.workspace_execute_command_async(
                types.ExecuteCommandParams(command="archguard.addToBaseline", arguments=[42])
            )
        assert await editor.hover("app/api.py", 1, 22) is not None


async def test_first_load_reports_work_done_progress(tree: Path) -> None:
    async with served(tree) as editor:
        editor.open("app/api.py")
        await editor.diagnostics("app/api.py")
        deadline = time.monotonic() + 30  # the end follows the first diagnostics

        def kinds() -> list[str | None]:
            return [getattr(r, "kind", None) for rs in editor.client.progress_reports.values() for r in rs]

        while kinds()[-1:] != ["end"] and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        assert kinds()[0] == "begin" and kinds()[-1] == "end"
        end = [r for rs in editor.client.progress_reports.values() for r in rs][-1]
        assert end.message == f"{len(TREE) - 2} files"  # the .py files of the tree


async def test_with_neovim_0_7s_declared_capabilities(tree: Path) -> None:
    """The capabilities Neovim 0.7 sends (pytest-lsp's record of them): no pull diagnostics, no
    watched files, edits as plain changes: every answer stays within what it declared."""
    async with served(tree, capabilities=client_capabilities("neovim@v0.7.0")) as editor:
        editor.open("app/api.py")
        diagnostics = await editor.diagnostics("app/api.py", lambda d: codes(d) == ["AG101", "AG202"])
        ag101 = next(d for d in diagnostics if d.code == "AG101")
        actions = await editor.code_actions("app/api.py", ag101)
        fix = next(a for a in actions if a.edit is not None)
        assert fix.edit is not None
        editor.apply(fix.edit)
        assert editor.texts["app/api.py"] == FIXED_API


async def test_golden_path_findings_follow_the_editors_text(tree: Path) -> None:
    """``--entry``: what the entry point loads at import time (AG40x), as ``check --entry`` says it."""
    cli = run_cli("check", tree, "--no-cache", "--format", "json", "--entry", "app.api")
    expected = sorted(v["code"] for v in json.loads(cli.stdout)["violations"] if v["path"] == "app/api.py")
    assert "AG403" in expected
    async with served(tree, "--entry", "app.api") as editor:
        editor.open("app/api.py")
        found = await editor.diagnostics("app/api.py")
        assert codes(found) == expected
        ag403 = next(d for d in found if d.code == "AG403")
        assert ag403.range.start.line == 3 and ag403.source == "archguard"
        editor.open("app/realtime/manager.py")
        editor.change("app/realtime/manager.py", MANAGER + "Missing = 1\n")
        await editor.diagnostics("app/api.py", lambda d: "AG403" not in codes(d) and "AG202" not in codes(d))


async def test_a_module_renamed_on_disk_is_seen_by_its_importers(tree: Path) -> None:
    async with served(tree) as editor:
        editor.open("app/quiet.py")
        await editor.diagnostics("app/quiet.py", lambda d: codes(d) == [])
        (tree / "app/util.py").rename(tree / "app/helpers.py")
        editor.files_changed(
            ("app/util.py", types.FileChangeType.Deleted), ("app/helpers.py", types.FileChangeType.Created)
        )
        await editor.diagnostics("app/quiet.py", lambda d: codes(d) == ["AG201"])
        # the importer follows in the editor, unsaved: its error goes
        text = editor.texts["app/quiet.py"].replace("from app.util import", "from app.helpers import")
        editor.change("app/quiet.py", text)
        await editor.diagnostics("app/quiet.py", lambda d: codes(d) == [])


async def test_interface_contract_findings_are_checks_own_and_the_quick_fix_uses_the_public_face(
    tmp_path: Path,
) -> None:
    """AG50x: a reach past a package's public face, as ``check`` reports it, fixed to the public import."""
    tree = write_tree(
        tmp_path / "tree",
        {
            "app/__init__.py": "",
            "app/payments/__init__.py": 'from app.payments._impl import charge\n\n__all__ = ["charge"]\n',
            "app/payments/_impl.py": "def charge():\n    return 1\n",
            "app/shop.py": "from app.payments._impl import charge\n\n\ndef buy():\n    return charge()\n",
            "contracts/payments.toml": (
                '[[interface]]\nname = "payments through its face"\npackage = "app.payments"\n'
            ),
        },
    )
    cli = check_json(tree)["app/shop.py"]
    async with served(tree) as editor:
        editor.open("app/shop.py")
        found = await editor.diagnostics("app/shop.py")
        assert codes(found) == sorted(v["code"] for v in cli) == ["AG501"]
        assert found[0].message.startswith(str(cli[0]["message"]))
        actions = await editor.code_actions("app/shop.py", found[0])
        fix = next(a for a in actions if a.edit is not None)
        assert fix.edit is not None
        editor.apply(fix.edit)
        assert editor.texts["app/shop.py"].startswith("from app.payments import charge\n")
        await editor.diagnostics("app/shop.py", lambda d: codes(d) == [])


# test_history's uv workspace of src/ members, with a member file that imports an undeclared member
# and a name that does not exist
WORKSPACE = {
    **HISTORY_WORKSPACE,
    "libs/api/src/suite_api/client.py": "from suite_net import connect\nfrom suite_core import gone\n",
}


async def test_a_workspace_member_file_gets_checks_findings_across_members(tmp_path: Path) -> None:
    """A uv workspace with src/ members (#24): a member's file sees the other members' packages as
    modules (no loose files), its undeclared member import (AG601) and its dangling name, as check
    reports them; an unsaved edit in another member clears the dangling name."""
    root = write_tree(tmp_path / "ws", WORKSPACE)
    cli = check_json(root)
    client = "libs/api/src/suite_api/client.py"
    assert sorted(v["code"] for v in cli[client]) == ["AG202", "AG601"]
    async with served(root) as editor:
        editor.open(client)
        found = await editor.diagnostics(client, lambda d: len(d) == 2)
        assert codes(found) == ["AG202", "AG601"]
        core = "libs/core/src/suite_core/__init__.py"
        editor.open(core)
        editor.change(core, "def post():\n    pass\n\n\ngone = 1\n")  # never saved
        await editor.diagnostics(client, lambda d: codes(d) == ["AG601"])


def project(package: str, canonical_module: str, name: str = "Thing") -> dict[str, str]:
    """A small project whose package is called ``app`` in every folder (so a session that saw
    another folder's modules would answer differently) with its own concept contract."""
    return {
        "app/__init__.py": "",
        "app/core.py": "class Thing:\n    pass\n",
        "app/compat.py": "from app.core import Thing as OldThing\n",
        "app/use.py": f"from app.compat import OldThing\nfrom app.core import {package}_only\n",
        "contracts/thing.toml": f'[[concept]]\nname = "thing"\ncanonical = "{canonical_module}:{name}"\n',
    }


async def test_a_multi_root_workspace_keeps_one_session_per_folder_and_follows_folder_changes(
    tmp_path: Path,
) -> None:
    """Three folders, each its own project with a package of the same name: each file gets its own
    folder's findings, as ``check`` run in that folder reports them; a folder removed from the
    workspace answers no more, and one added is loaded and checked."""
    shop = write_tree(tmp_path / "shop", project("shop", "app.core"))
    blog = write_tree(
        tmp_path / "blog",
        {
            **project("blog", "app.compat", name="OldThing"),
            "app/core.py": "class Thing:\n    pass\n\n\nblog_only = 1\n",
        },
    )
    wiki = write_tree(tmp_path / "wiki", project("wiki", "app.core"))
    expected = {
        name: sorted(v["code"] for v in check_json(root).get("app/use.py", []))
        for name, root in [("shop", shop), ("blog", blog), ("wiki", wiki)]
    }
    # shop: the compat path is not canonical (AG101), shop_only is missing (AG202); blog's contract
    # makes the compat path the canonical one and blog_only exists: clean
    assert expected == {"shop": ["AG101", "AG202"], "blog": [], "wiki": ["AG101", "AG202"]}
    async with served(tmp_path, folders=[shop, blog]) as editor:
        editor.open("shop/app/use.py")
        editor.open("blog/app/use.py")
        shop_found = await editor.diagnostics("shop/app/use.py", lambda d: len(d) == 2)
        blog_found = await editor.diagnostics("blog/app/use.py")
        assert codes(shop_found) == expected["shop"]
        assert codes(blog_found) == expected["blog"]
        assert "cannot import name 'shop_only' from app.core" in [d.message for d in shop_found]
        # an unsaved edit in one folder changes nothing in the other, though the module names match
        editor.open("blog/app/core.py")
        editor.change("blog/app/core.py", "class Thing:\n    pass\n\n\nshop_only = 1\n")
        await editor.diagnostics("blog/app/use.py", lambda d: codes(d) == ["AG202"])
        assert codes(editor.client.diagnostics[editor.uri("shop/app/use.py")]) == expected["shop"]

        editor.client.workspace_did_change_workspace_folders(
            types.DidChangeWorkspaceFoldersParams(
                event=types.WorkspaceFoldersChangeEvent(
                    added=[workspace_folder(wiki)], removed=[workspace_folder(shop)]
                )
            )
        )
        editor.open("wiki/app/use.py")
        wiki_found = await editor.diagnostics("wiki/app/use.py", lambda d: len(d) == 2)
        assert codes(wiki_found) == expected["wiki"]
        # the removed folder's findings are taken back, and none come for it any more
        await editor.diagnostics("shop/app/use.py", lambda d: len(d) == 0)
        editor.change("shop/app/use.py", "from app.core import still_missing\n")
        assert codes((await editor.pull("shop/app/use.py")).items) == []
        assert await editor.hover("shop/app/use.py", 0, 22) is None
        assert len(editor.client.diagnostics[editor.uri("shop/app/use.py")]) == 0
