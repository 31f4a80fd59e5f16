"""archguard fix: each rewrite shape on a real tree, the shim guarantee, scope, idempotence."""

from __future__ import annotations

import json
import os
import textwrap
from pathlib import Path

import pytest

from archguard.app import Options, run_check
from archguard.app.fix import FixOptions, run_fix
from archguard.domain.fix import FixStatus
from tests.helpers import run_cli, write_tree

CONCEPT = "websocket-manager"

BASE = {
    "app/__init__.py": "",
    "app/realtime/__init__.py": "from .manager import ConnectionManager\n",
    "app/realtime/impl.py": (
        "class _ManagerImpl:\n    pass\n\n\nManager = _ManagerImpl\nUnifiedManager = _ManagerImpl\n\n\n"
        "def helper():\n    return 1\n"
    ),
    "app/realtime/manager.py": (
        "from .impl import _ManagerImpl\n\nConnectionManager = _ManagerImpl\n\n\nclass Event:\n    pass\n"
    ),
    # a deprecation shim: never rewritten, listed as safe to delete once nothing imports it
    "app/realtime/compat.py": (
        "import warnings\n\nfrom app.realtime.impl import Manager as LegacyManager\n\n"
        "warnings.warn('use app.realtime.manager', DeprecationWarning)\n"
    ),
    "app/api/__init__.py": "",
    "contracts/ws.toml": (
        f'[[concept]]\nname = "{CONCEPT}"\ncanonical = "app.realtime.manager:ConnectionManager"\n'
    ),
}


def make(tmp_path: Path, files: dict[str, str]) -> Path:
    return write_tree(tmp_path / "repo", {**BASE, **{k: textwrap.dedent(v) for k, v in files.items()}})


def options(root: Path) -> Options:
    return Options(root=root, no_cache=True, jobs=1)


def fix(root: Path, **kwargs: object):
    return run_fix(options(root), FixOptions(**kwargs))  # type: ignore[arg-type]


def concept_violations(root: Path, code: str = "AG101", fixable: bool | None = None) -> list:
    result = run_check(options(root))
    return [
        v for v in result.violations
        if v.contract == CONCEPT and v.code == code and (fixable is None or v.fixable is fixable)
    ]


def read(root: Path, path: str) -> str:
    return (root / path).read_text(encoding="utf-8")


# A module that binds names only by importing them is a re-export shim, left alone by fix; the
# importers in these tests define something, as real modules do.
TAIL = "\n\ndef main():\n    return None\n"


def fixed_text(tmp_path: Path, source: str, path: str = "app/api/routes.py") -> str:
    """Fix one importer file (with TAIL); the run must succeed and leave no fixable violation."""
    root = make(tmp_path, {path: textwrap.dedent(source) + TAIL})
    result = fix(root)
    assert result.status is FixStatus.FIXED, (result.problems, result.not_fixed)
    assert concept_violations(root, fixable=True) == []
    text = read(root, path)
    assert text.endswith(TAIL)
    return text.removesuffix(TAIL)


def test_shim_import_becomes_canonical_keeping_the_local_name(tmp_path: Path) -> None:
    assert fixed_text(tmp_path, "from app.realtime.compat import LegacyManager\n") == (
        "from app.realtime.manager import ConnectionManager as LegacyManager\n"
    )


def test_as_name_is_kept_and_a_redundant_alias_dropped(tmp_path: Path) -> None:
    source = """\
        from app.realtime.compat import LegacyManager as LM  # keep me
        from app.realtime.impl import Manager as ConnectionManager
        """
    assert fixed_text(tmp_path, source) == (
        "from app.realtime.manager import ConnectionManager as LM  # keep me\n"
        "from app.realtime.manager import ConnectionManager\n"
    )


def test_a_differing_imported_name_keeps_working_through_as(tmp_path: Path) -> None:
    source = "from app.realtime.impl import UnifiedManager\n\nx = UnifiedManager()\n"
    assert fixed_text(tmp_path, source) == (
        "from app.realtime.manager import ConnectionManager as UnifiedManager\n\nx = UnifiedManager()\n"
    )


def test_only_the_non_canonical_name_leaves_a_statement(tmp_path: Path) -> None:
    source = """\
        import os
        from app.realtime.impl import helper, Manager
        print(os, helper, Manager)
        """
    assert fixed_text(tmp_path, source) == (
        "import os\nfrom app.realtime.impl import helper\n"
        "from app.realtime.manager import ConnectionManager as Manager\nprint(os, helper, Manager)\n"
    )


def test_split_of_a_parenthesized_statement_keeps_its_layout(tmp_path: Path) -> None:
    source = """\
        from app.realtime.impl import (
            helper,
            Manager,
        )
        """
    assert fixed_text(tmp_path, source) == (
        "from app.realtime.impl import (\n    helper,\n)\n"
        "from app.realtime.manager import ConnectionManager as Manager\n"
    )


def test_relative_imports_stay_relative(tmp_path: Path) -> None:
    source = "from ..realtime.compat import LegacyManager\nfrom ..realtime import impl\n"
    assert fixed_text(tmp_path, source) == (
        "from ..realtime.manager import ConnectionManager as LegacyManager\nfrom ..realtime import impl\n"
    )


def test_an_existing_import_of_the_canonical_module_is_merged_into(tmp_path: Path) -> None:
    source = """\
        from app.realtime.manager import Event
        from app.realtime.compat import LegacyManager
        from app.realtime.impl import helper, UnifiedManager
        """
    assert fixed_text(tmp_path, source) == (
        "from app.realtime.manager import Event, ConnectionManager as LegacyManager, "
        "ConnectionManager as UnifiedManager\nfrom app.realtime.impl import helper\n"
    )


def test_no_merge_when_the_name_is_used_in_between(tmp_path: Path) -> None:
    # Merging would bind LegacyManager before the line that rebinds it.
    source = """\
        from app.realtime.manager import Event
        LegacyManager = None
        from app.realtime.compat import LegacyManager
        """
    assert fixed_text(tmp_path, source) == (
        "from app.realtime.manager import Event\nLegacyManager = None\n"
        "from app.realtime.manager import ConnectionManager as LegacyManager\n"
    )


def test_imports_in_functions_and_type_checking_blocks(tmp_path: Path) -> None:
    source = """\
        from typing import TYPE_CHECKING

        if TYPE_CHECKING:
            from app.realtime.impl import Manager


        def handler() -> "Manager":
            from app.realtime.compat import LegacyManager  # lazy: dodges a cycle
            return LegacyManager()
        """
    assert fixed_text(tmp_path, source) == textwrap.dedent("""\
        from typing import TYPE_CHECKING

        if TYPE_CHECKING:
            from app.realtime.manager import ConnectionManager as Manager


        def handler() -> "Manager":
            from app.realtime.manager import ConnectionManager as LegacyManager  # lazy: dodges a cycle
            return LegacyManager()
        """)


def test_a_guarded_fallback_chain_collapses_when_both_branches_agree(tmp_path: Path) -> None:
    source = """\
        try:
            from app.realtime.impl import Manager
        except ImportError:
            from app.realtime.compat import LegacyManager as Manager
        """
    assert fixed_text(tmp_path, source) == "from app.realtime.manager import ConnectionManager as Manager\n"


def test_a_guard_with_another_fallback_is_kept_and_the_reason_given(tmp_path: Path) -> None:
    source = """\
        try:
            from app.realtime.compat import LegacyManager
        except ImportError:
            LegacyManager = None
        """
    root = make(tmp_path, {"app/api/routes.py": textwrap.dedent(source) + TAIL})
    result = fix(root)
    assert result.status is FixStatus.FIXED
    assert read(root, "app/api/routes.py") == textwrap.dedent("""\
        try:
            from app.realtime.manager import ConnectionManager as LegacyManager
        except ImportError:
            LegacyManager = None
        """) + TAIL
    assert result.notes == (
        "app/api/routes.py:1: try/except ImportError guard kept: its fallback does something other "
        "than the rewritten import",
    )


def test_attribute_use_through_a_module_and_star_imports_are_reported_not_guessed(tmp_path: Path) -> None:
    attribute = "import app.realtime.compat\n\nx = app.realtime.compat.LegacyManager()\n"
    star = "from app.realtime.compat import *\n"
    root = make(tmp_path, {"app/api/attr.py": attribute, "app/api/star.py": star})
    result = fix(root)
    assert result.status is FixStatus.NOTHING_TO_DO
    assert read(root, "app/api/attr.py") == attribute and read(root, "app/api/star.py") == star
    reasons = {(n.path, n.code): n.reason for n in result.not_fixed}
    assert "attribute access" in reasons[("app/api/attr.py", "AG103")]
    assert "star import" in reasons[("app/api/star.py", "AG101")]


def test_shims_and_package_inits_are_never_rewritten(tmp_path: Path) -> None:
    root = make(tmp_path, {
        "app/api/__init__.py": "from app.realtime.compat import LegacyManager\n",
        "app/api/routes.py": "from app.api import LegacyManager\n" + TAIL,
        "app/chat.py": "from app.realtime.compat import LegacyManager\n" + TAIL,
        # only re-exports (an import and an alias of it): a shim, though it warns about nothing
        "app/api/old_names.py": "from app.realtime.impl import Manager\n\nOldManager = Manager\n",
        # builds a public value from the import: an importer, rewritten
        "app/urls.py": "from app.realtime.compat import LegacyManager\n\nurlpatterns = [LegacyManager]\n",
    })
    shim_before = read(root, "app/realtime/compat.py")
    result = fix(root)
    assert result.status is FixStatus.FIXED
    assert read(root, "app/realtime/compat.py") == shim_before
    assert read(root, "app/api/__init__.py") == "from app.realtime.compat import LegacyManager\n"
    assert read(root, "app/chat.py") == "from app.realtime.manager import ConnectionManager as LegacyManager\n" + TAIL
    assert read(root, "app/api/routes.py") == "from app.realtime.manager import ConnectionManager as LegacyManager\n" + TAIL
    assert read(root, "app/urls.py") == (
        "from app.realtime.manager import ConnectionManager as LegacyManager\n\nurlpatterns = [LegacyManager]\n"
    )
    assert read(root, "app/api/old_names.py") == "from app.realtime.impl import Manager\n\nOldManager = Manager\n"
    reasons = {n.path: n.reason for n in result.not_fixed}
    assert "shim" in reasons["app/realtime/compat.py"]
    assert "shim" in reasons["app/api/old_names.py"]
    assert "package __init__" in reasons["app/api/__init__.py"]
    # check agrees: what fix left is exactly what check calls not fixable, each with its reason
    left = concept_violations(root)
    assert {v.path for v in left} == {"app/realtime/compat.py", "app/api/__init__.py", "app/api/old_names.py"}
    assert all(not v.fixable and v.reason for v in left)
    # the package still imports the shim, so the shim is not listed as unused
    assert result.unused_shims == ()


def test_unused_shims_are_listed_and_deleted_on_request(tmp_path: Path) -> None:
    files = {"app/chat.py": "from app.realtime.compat import LegacyManager\n" + TAIL,
             "tests/test_chat.py": "from app.realtime.compat import LegacyManager\n"}
    root = make(tmp_path, files)
    listed = fix(root, dry_run=True)
    assert listed.unused_shims == ("app/realtime/compat.py",)
    root2 = make(tmp_path / "second", files)
    result = fix(root2, delete_unused_shims=True)
    assert result.status is FixStatus.FIXED
    assert result.deleted_shims == ("app/realtime/compat.py",)
    assert not (root2 / "app/realtime/compat.py").exists()
    after = run_check(options(root2))
    assert [v for v in after.violations if v.code.startswith("AG2")] == []


def test_a_shim_gone_before_its_deletion_refuses_the_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The shim vanishes between fix's check and its deletion: the run is refused, naming the
    shim, and no file is written."""
    import archguard.app.fix as fix_use_case

    root = make(tmp_path, {"app/chat.py": "from app.realtime.compat import LegacyManager\n" + TAIL})
    before = {p: p.read_bytes() for p in root.rglob("*.py")}
    real_check = fix_use_case.run_check

    def check_then_remove_shim(*args: object, **kwargs: object):
        result = real_check(*args, **kwargs)  # type: ignore[arg-type]
        (root / "app/realtime/compat.py").unlink()
        return result

    monkeypatch.setattr(fix_use_case, "run_check", check_then_remove_shim)
    result = fix(root, delete_unused_shims=True)
    assert result.status is FixStatus.REFUSED
    assert any(p.startswith("app/realtime/compat.py: cannot read") for p in result.problems), result.problems
    assert result.deleted_shims == () and result.changes == ()
    del before[root / "app/realtime/compat.py"]
    assert {p: p.read_bytes() for p in before} == before


def test_a_shim_the_project_declares_as_an_entry_point_is_never_deleted(tmp_path: Path) -> None:
    """Plugin hosts load an entry point by name: the last importer gone, it still must stay."""
    root = make(tmp_path, {
        "app/chat.py": "from app.realtime.compat import LegacyManager\n" + TAIL,
        "pyproject.toml": '[project]\nname = "app"\n\n[project.entry-points."app.managers"]\n'
                          'legacy = "app.realtime.compat:LegacyManager"\n',
    })
    assert fix(root, dry_run=True).unused_shims == ()
    result = fix(root, delete_unused_shims=True)
    assert result.status is FixStatus.FIXED and result.deleted_shims == ()
    assert (root / "app/realtime/compat.py").exists()


def test_a_shim_something_else_still_imports_is_not_listed(tmp_path: Path) -> None:
    root = make(tmp_path, {
        "app/chat.py": "from app.realtime.compat import LegacyManager\n" + TAIL,
        "scripts/old.py": "import app.realtime.compat\n",
    })
    result = fix(root)
    assert result.status is FixStatus.FIXED and result.unused_shims == ()


def test_second_run_changes_nothing(tmp_path: Path) -> None:
    root = make(tmp_path, {
        "app/api/routes.py": "from app.realtime.impl import helper, Manager\nfrom app.realtime import ConnectionManager\n" + TAIL,
        "tests/test_x.py": "from app.realtime.compat import LegacyManager as LM\n",
        "scripts/go-now.py": "from app.realtime.impl import UnifiedManager\n",
    })
    assert fix(root).status is FixStatus.FIXED
    snapshot = {p: p.read_bytes() for p in root.rglob("*.py")}
    again = fix(root)
    assert again.status is FixStatus.NOTHING_TO_DO and again.changes == ()
    assert {p: p.read_bytes() for p in root.rglob("*.py")} == snapshot


def test_line_endings_encoding_cookie_and_mode_are_kept(tmp_path: Path) -> None:
    root = make(tmp_path, {})
    script = root / "scripts" / "run.py"
    script.parent.mkdir()
    script.write_bytes(
        b"#!/usr/bin/env python\r\n# -*- coding: latin-1 -*-\r\n"
        b"from app.realtime.compat import LegacyManager\r\nNAME = '\xe9'\r\n"
    )
    script.chmod(0o751)
    assert fix(root).status is FixStatus.FIXED
    assert script.read_bytes() == (
        b"#!/usr/bin/env python\r\n# -*- coding: latin-1 -*-\r\n"
        b"from app.realtime.manager import ConnectionManager as LegacyManager\r\nNAME = '\xe9'\r\n"
    )
    assert script.stat().st_mode & 0o777 == 0o751


def test_scope_by_concept_and_by_path(tmp_path: Path) -> None:
    files = {"app/chat.py": "from app.realtime.compat import LegacyManager\n" + TAIL,
             "tests/test_chat.py": "from app.realtime.compat import LegacyManager\n",
             "contracts/other.toml": '[[concept]]\nname = "helper"\ncanonical = "app.realtime.impl:helper"\n',
             "app/api/uses_helper.py": "from app.realtime.impl import helper\n" + TAIL}
    root = make(tmp_path, files)
    result = fix(root, paths=(str(root / "tests"),), dry_run=True)  # from the working directory
    assert result.changed_files == ["tests/test_chat.py"]
    result = fix(root, paths=("tests",))  # from ROOT
    assert result.changed_files == ["tests/test_chat.py"]
    assert read(root, "app/chat.py") == files["app/chat.py"]
    other = fix(root, concept="helper")
    assert other.status is FixStatus.NOTHING_TO_DO  # helper is imported canonically already
    assert fix(root, concept=CONCEPT).changed_files == ["app/chat.py"]


def test_a_refused_file_means_nothing_is_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from archguard.adapters.rewrite import import_rewriter
    from archguard.app import fix as fix_module

    root = make(tmp_path, {"app/a.py": "from app.realtime.compat import LegacyManager\n" + TAIL,
                           "app/b.py": "from app.realtime.compat import LegacyManager\n" + TAIL})
    real = import_rewriter.rewrite_imports

    def failing(path, source, package, edits):  # type: ignore[no-untyped-def]
        if path == "app/b.py":
            raise import_rewriter.RewriteError("line 1: injected failure")
        return real(path, source, package, edits)

    monkeypatch.setattr(fix_module, "rewrite_imports", failing)
    result = fix(root)
    assert result.status is FixStatus.REFUSED
    assert result.problems == ("app/b.py: line 1: injected failure",)
    assert read(root, "app/a.py") == "from app.realtime.compat import LegacyManager\n" + TAIL


def test_cli_dry_run_prints_a_diff_and_writes_nothing_then_fix_and_json(tmp_path: Path) -> None:
    root = make(tmp_path, {"app/chat.py": "from app.realtime.compat import LegacyManager\n" + TAIL})
    dry = run_cli("fix", root, "--dry-run", "--no-cache")
    assert dry.returncode == 0, dry.stderr
    assert "--- a/app/chat.py\n+++ b/app/chat.py\n" in dry.stdout
    assert "-from app.realtime.compat import LegacyManager\n" in dry.stdout
    assert "+from app.realtime.manager import ConnectionManager as LegacyManager\n" in dry.stdout
    assert read(root, "app/chat.py") == "from app.realtime.compat import LegacyManager\n" + TAIL
    run = run_cli("fix", root, "--no-cache", "--json", tmp_path / "fix.json")
    assert run.returncode == 0, run.stdout + run.stderr
    data = json.loads((tmp_path / "fix.json").read_text())
    assert data["status"] == "fixed" and data["command"] == "fix"
    assert data["changes"] == [{
        "path": "app/chat.py", "line": 1, "before": "from app.realtime.compat import LegacyManager",
        "after": "from app.realtime.manager import ConnectionManager as LegacyManager",
        "contracts": [CONCEPT], "note": "",
    }]
    assert {n["path"] for n in data["not_fixed"]} == {"app/realtime/compat.py"}
    assert data["unused_shims"] == ["app/realtime/compat.py"]
    check = run_cli("check", root, "--no-cache", "--json", "-")
    kinds = {(v["code"], v["path"]) for v in json.loads(check.stdout)["violations"]}
    assert kinds == {("AG101", "app/realtime/compat.py")}


def test_cli_unknown_concept_and_missing_path_are_usage_errors(tmp_path: Path) -> None:
    root = make(tmp_path, {})
    run = run_cli("fix", root, "--no-cache", "--concept", "nope")
    assert run.returncode == 2 and "no concept contract named 'nope'" in run.stderr
    run = run_cli("fix", root, "does/not/exist", "--no-cache")
    assert run.returncode == 2 and "path not found: does/not/exist" in run.stderr
    assert "Traceback" not in run.stderr


def test_files_that_do_not_parse_are_never_touched(tmp_path: Path) -> None:
    broken = "from app.realtime.compat import (LegacyManager\n"
    root = make(tmp_path, {"tests/test_broken.py": broken, "app/chat.py": "from app.realtime.compat import LegacyManager\n" + TAIL})
    assert fix(root).status is FixStatus.FIXED
    assert read(root, "tests/test_broken.py") == broken
    assert not os.path.exists(root / ".archguard_fix_journal")


def test_a_file_with_syntax_newer_than_the_interpreter_is_rewritten_too(tmp_path: Path) -> None:
    # CPython 3.11's ast cannot parse PEP 695 syntax: the rewriter takes its lines from libcst then.
    source = """\
        type Alias = list[int]
        from app.realtime.compat import LegacyManager


        def first[T](items: list[T]) -> T:
            from app.realtime.impl import Manager
            return items[0]
        """
    assert fixed_text(tmp_path, source) == textwrap.dedent("""\
        type Alias = list[int]
        from app.realtime.manager import ConnectionManager as LegacyManager


        def first[T](items: list[T]) -> T:
            from app.realtime.manager import ConnectionManager as Manager
            return items[0]
        """)
