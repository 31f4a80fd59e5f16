"""Monorepos (docs/monorepos.md): every source root of every workspace member, Python's own rules
for namespace folders, and AG601 (a member importing what its pyproject.toml does not declare).

Every tree is a workspace the test writes, as uv, Poetry, PDM, Hatch or Pants would find it."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from archguard import app
from archguard.adapters.discovery import DiscoveryError, discover
from archguard.adapters.importlinter_bridge.grimp_graph import build_import_graph
from archguard.domain.errors import ConfigError
from archguard.domain.result import CheckResult
from tests.helpers import git, run_cli, write_tree


def pyproject(name: str, *dependencies: str, extra: str = "") -> str:
    listed = ", ".join(json.dumps(d) for d in dependencies)
    return f'[project]\nname = "{name}"\ndependencies = [{listed}]\n{textwrap.dedent(extra)}'


def names(root: Path, **options) -> dict[str, tuple[str, bool]]:
    """path -> (module, loose) of every discovered file."""
    return {f.path: (f.module, f.loose) for f in discover(root, **options).files}


def check(root: Path, **options) -> CheckResult:
    return app.run_check(app.Options(root=root, no_cache=True, **options))


def findings(result: CheckResult, code: str | None = None) -> list[tuple[str, str, str]]:
    return sorted(
        (v.path, v.code, v.severity.value) for v in result.violations if code is None or v.code == code
    )


# --- a uv workspace whose members have src/ layouts ------------------------------------------------

UV_SRC = {
    "pyproject.toml": pyproject(
        "shop",
        "shop-core",
        "shop-api",
        extra="""
        [tool.uv.workspace]
        members = ["libs/*", "apps/*"]
        exclude = ["libs/legacy"]
        """,
    ),
    "libs/core/pyproject.toml": pyproject("shop-core", "pydantic", extra='[dependency-groups]\ndev = ["pytest"]\n'),
    "libs/core/src/shop_core/__init__.py": "from shop_core.models import Order\n",
    "libs/core/src/shop_core/models.py": "class Order:\n    pass\n",
    "libs/core/tests/test_models.py": "from shop_core.models import Order\n",
    "libs/api/pyproject.toml": pyproject("shop-api", "shop-core"),
    "libs/api/src/shop_api/__init__.py": "",
    "libs/api/src/shop_api/routes.py": "from shop_core import Order\nfrom shop_api import helpers\n",
    "libs/api/src/shop_api/helpers.py": "def helper():\n    pass\n",
    "libs/legacy/pyproject.toml": pyproject("legacy"),  # excluded from the workspace
    "libs/legacy/src/legacy/__init__.py": "",
    "apps/web/pyproject.toml": pyproject("web", "shop-api"),
    "apps/web/web/__init__.py": "",
    "apps/web/web/main.py": "from shop_api.routes import Order\n",
    "scripts/deploy.py": "import shop_api\n",
}


def test_src_members_are_source_roots_and_their_packages_are_modules(tmp_path: Path) -> None:
    root = write_tree(tmp_path, UV_SRC)
    found = discover(root)
    assert found.packages == ["shop_api", "shop_core", "web"]
    assert found.layout.source_roots == (".", "apps/web", "libs/api/src", "libs/core/src")
    assert [(m.path, m.name, m.found_by) for m in found.layout.members] == [
        ("", "shop", "root"),
        ("apps/web", "web", "uv"),
        ("libs/api", "shop-api", "uv"),
        ("libs/core", "shop-core", "uv"),
    ]
    named = names(root)
    assert named["libs/core/src/shop_core/models.py"] == ("shop_core.models", False)
    assert named["apps/web/web/main.py"] == ("web.main", False)
    # the member's tests beside its src/: loose, named from the member's folder
    assert named["libs/core/tests/test_models.py"] == ("tests.test_models", True)
    # an excluded member is no source root: its files are loose files of ROOT
    assert named["libs/legacy/src/legacy/__init__.py"] == ("libs.legacy.src.legacy", True)
    assert found.layout.member_of("libs/core/tests/test_models.py").name == "shop-core"
    assert found.layout.member_of("scripts/deploy.py").path == ""


def test_a_src_layout_workspace_with_a_dangling_import_fails_the_check(tmp_path: Path) -> None:
    """The silent pass: every file was loose, no module, no edge, and "All contracts kept"."""
    tree = dict(UV_SRC)
    tree["libs/api/src/shop_api/routes.py"] = "from shop_core.models import Invoice\n"
    root = write_tree(tmp_path, tree)
    run = run_cli("check", root, "--no-cache", "--json", root / "out.json")
    assert run.returncode == 1, run.stdout + run.stderr
    assert "libs/api/src/shop_api/routes.py:1:1: AG202 cannot import name 'Invoice' from shop_core.models" in run.stdout
    data = json.loads((root / "out.json").read_text())
    assert data["summary"]["modules"] == 7
    assert data["summary"]["imports"] > 0
    assert data["summary"]["source_roots"] == [".", "apps/web", "libs/api/src", "libs/core/src"]
    assert data["summary"]["members"] == 4
    members = {m["path"]: m for m in data["members"]}
    assert members["libs/core"]["packages"] == ["shop_core"]
    assert members["libs/core"]["source_roots"] == ["libs/core/src"]
    assert (members["libs/core"]["modules"], members["libs/core"]["loose_files"]) == (2, 1)
    assert members["."]["loose_files"] == 2  # scripts/deploy.py, the excluded member's file


def test_members_globs_follow_uv_folder_by_folder_with_exclusion_winning(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path,
        {
            "pyproject.toml": '[tool.uv.workspace]\nmembers = ["packages/*", "tools/**/svc-*"]\nexclude = ["packages/old*"]\n',
            "packages/a/pyproject.toml": pyproject("a"),
            "packages/a/a/__init__.py": "",
            "packages/old-b/pyproject.toml": pyproject("old-b"),
            "packages/old-b/b/__init__.py": "",
            "packages/notes/readme.py": "",  # matched, but no pyproject.toml: no member
            "packages/.hidden/pyproject.toml": pyproject("hidden"),
            "packages/.hidden/h/__init__.py": "",
            "tools/x/y/svc-mail/pyproject.toml": pyproject("svc-mail"),
            "tools/x/y/svc-mail/mail/__init__.py": "",
        },
    )
    layout = discover(root).layout
    assert [m.path for m in layout.members] == ["", "packages/.hidden", "packages/a", "tools/x/y/svc-mail"]
    assert sorted(discover(root).packages) == ["a", "h", "mail"]


def test_a_member_folder_named_like_its_package_is_not_that_package(tmp_path: Path) -> None:
    """``graphs/`` (no __init__.py) holds the member's ``graphs/graphs/`` package."""
    root = write_tree(
        tmp_path,
        {
            "pyproject.toml": pyproject("agents", "graphs", extra='[tool.uv.workspace]\nmembers = ["graphs"]\n'),
            "graphs/pyproject.toml": pyproject("graphs"),
            "graphs/graphs/__init__.py": "from .nodes import End\n",
            "graphs/graphs/nodes.py": "class End:\n    pass\n",
            "graphs/tests/test_nodes.py": "from graphs import End\n",
            "agents/__init__.py": "from graphs import End\nfrom graphs.nodes import End as E2\n",
        },
    )
    named = names(root)
    assert named["graphs/graphs/nodes.py"] == ("graphs.nodes", False)
    assert named["graphs/tests/test_nodes.py"] == ("tests.test_nodes", True)
    result = check(root)
    assert findings(result) == []
    assert result.scan.modules == 3


# --- other workspace tools ----------------------------------------------------------------------


def test_poetry_workspace_from_path_dependencies_and_the_plugin_table(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path,
        {
            "pyproject.toml": textwrap.dedent(
                """
                [tool.poetry]
                name = "platform"
                [tool.poetry.dependencies]
                python = "^3.11"
                billing = { path = "components/billing", develop = true }
                [tool.poetry.group.dev.dependencies]
                testkit = { path = "./components/testkit" }
                [tool.poetry.workspace]
                include = ["services/*"]
                exclude = ["services/sandbox"]
                """
            ),
            "components/billing/pyproject.toml": '[tool.poetry]\nname = "billing"\n[tool.poetry.dependencies]\npython = "^3.11"\nledger = { path = "../ledger" }\n',
            "components/billing/billing/__init__.py": "import ledger\n",
            "components/ledger/pyproject.toml": '[tool.poetry]\nname = "ledger"\n',  # a path dependency of a member
            "components/ledger/ledger/__init__.py": "",
            "components/testkit/pyproject.toml": '[tool.poetry]\nname = "testkit"\n',
            "components/testkit/testkit/__init__.py": "",
            "services/api/pyproject.toml": '[tool.poetry]\nname = "api"\n[tool.poetry.dependencies]\nbilling = "*"\n',
            "services/api/api/__init__.py": "import billing\nimport ledger\n",
            "services/sandbox/pyproject.toml": '[tool.poetry]\nname = "sandbox"\n',
            "services/sandbox/sandbox/__init__.py": "",
        },
    )
    layout = discover(root).layout
    assert [(m.path, m.found_by) for m in layout.members] == [
        ("", "root"),
        ("components/billing", "path-dependency"),
        ("components/ledger", "path-dependency"),
        ("components/testkit", "path-dependency"),
        ("services/api", "poetry"),
    ]
    result = check(root)
    # api declares billing only; ledger comes through billing's dependencies: a warning
    assert findings(result, "AG601") == [("services/api/api/__init__.py", "AG601", "warning")]
    (ledger,) = [v for v in result.violations if v.code == "AG601"]
    assert "installed today only because billing requires it" in ledger.message


def test_pdm_and_hatch_workspaces(tmp_path: Path) -> None:
    pdm = write_tree(
        tmp_path / "pdm",
        {
            "pyproject.toml": pyproject("root", extra='[tool.pdm.workspace]\nmembers = ["packages/foo", "tools/*"]\n'),
            "packages/foo/pyproject.toml": pyproject("foo"),
            "packages/foo/src/foo/__init__.py": "",
            "tools/bar/pyproject.toml": pyproject("bar"),
            "tools/bar/bar/__init__.py": "",
        },
    )
    assert [(m.path, m.roots) for m in discover(pdm).layout.members][1:] == [
        ("packages/foo", ("packages/foo/src",)),
        ("tools/bar", ("tools/bar",)),
    ]
    hatch = write_tree(
        tmp_path / "hatch",
        {
            "pyproject.toml": pyproject("root"),
            "hatch.toml": '[envs.default]\nworkspace.members = [{path = "packages/*"}]\nworkspace.exclude = ["packages/exp*"]\n',
            "packages/core/pyproject.toml": pyproject("core"),
            "packages/core/core/__init__.py": "",
            "packages/experimental/pyproject.toml": pyproject("experimental"),
            "packages/experimental/exp/__init__.py": "",
        },
    )
    assert [(m.path, m.found_by) for m in discover(hatch).layout.members] == [("", "root"), ("packages/core", "hatch")]
    assert discover(hatch).packages == ["core"]


def test_each_members_tests_are_its_own(tmp_path: Path) -> None:
    """Every member has ``tests/conftest.py`` and ``tests/helpers.py``; each runs from its own folder,
    so a test's relative import meets its own member's helpers, never another's."""
    files = {"pyproject.toml": pyproject("top", extra='[tool.uv.workspace]\nmembers = ["m/*"]\n')}
    for name, layout in (("a", "src/"), ("b", ""), ("c", "")):
        files[f"m/{name}/pyproject.toml"] = pyproject(name)
        files[f"m/{name}/{layout}{name}/__init__.py"] = ""
        files[f"m/{name}/tests/__init__.py"] = ""
        files[f"m/{name}/tests/conftest.py"] = ""
        files[f"m/{name}/tests/helpers.py"] = f"def helper_{name}():\n    pass\n"
        files[f"m/{name}/tests/test_{name}.py"] = f"from .helpers import helper_{name}\nfrom . import conftest\n"
    files["m/c/tests/test_c.py"] += "from .helpers import helper_a\n"  # c's helpers have no helper_a
    # ROOT's own tests package, with a folder without __init__.py inside, named like b's
    files["tests/__init__.py"] = ""
    files["tests/fixtures/api.py"] = "x = 1\n"
    files["tests/conftest.py"] = "from tests.fixtures.api import x\n"
    files["m/b/tests/fixtures/api.py"] = ""
    root = write_tree(tmp_path, files)
    named = names(root)
    assert named["m/b/tests/test_b.py"] == ("m/b/tests.test_b", True)
    assert named["m/a/tests/helpers.py"] == ("m/a/tests.helpers", True)
    assert named["tests/fixtures/api.py"] == ("tests.fixtures.api", True)  # ROOT's package keeps its names
    assert named["m/b/tests/fixtures/api.py"] == ("m/b/tests.fixtures.api", True)
    assert discover(root).packages == ["a", "b", "c", "tests"]  # ROOT's tests only: a member's is no package
    result = check(root)
    assert [(d.path, d.imported) for d in result.scan.dangling] == [
        ("m/c/tests/test_c.py", "m/c/tests.helpers:helper_a")
    ]


def test_pants_source_roots_by_pattern_and_marker(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path,
        {
            "pants.toml": '[source]\nroot_patterns = ["src/python", "/tests/python"]\nmarker_filenames = ["SOURCE_ROOT"]\n',
            "src/python/project/__init__.py": "",
            "src/python/project/app.py": "from project.util import helper\n",
            "src/python/project/util.py": "def helper():\n    pass\n",
            "other/src/python/tool/__init__.py": "",  # unanchored pattern: any src/python
            "tests/python/project_tests/__init__.py": "",
            "tests/python/project_tests/test_app.py": "from project.app import helper\n",
            "vendored/SOURCE_ROOT": "",
            "vendored/six_copy/__init__.py": "",
        },
    )
    found = discover(root)
    assert found.packages == ["project", "project_tests", "six_copy", "tool"]
    assert names(root)["src/python/project/app.py"] == ("project.app", False)
    assert findings(check(root)) == []


def test_given_source_roots_from_the_command_line_and_configuration(tmp_path: Path) -> None:
    tree = {
        "lib/py/engine/__init__.py": "",
        "lib/py/engine/core.py": "from engine import gone\n",
        "app.py": "import engine.core\n",
    }
    root = write_tree(tmp_path, tree)
    assert names(root)["lib/py/engine/core.py"][1] is True  # not a source root: loose
    assert names(root, source_roots=["lib/py"])["lib/py/engine/core.py"] == ("engine.core", False)
    run = run_cli("check", root, "--no-cache", "--source-root", "lib/py")
    assert run.returncode == 1 and "AG202 cannot import name 'gone' from engine" in run.stdout
    (root / "pyproject.toml").write_text('[tool.archguard]\nsource_roots = ["lib/py"]\n')
    assert "AG202" in run_cli("check", root, "--no-cache").stdout
    bad = run_cli("check", root, "--no-cache", "--source-root", "nowhere")
    assert bad.returncode == 2 and "source root 'nowhere'" in bad.stderr


# --- Python's rules: namespace packages ----------------------------------------------------------

NAMESPACE = {
    "pyproject.toml": pyproject("acme", extra='[tool.uv.workspace]\nmembers = ["libs/*"]\n'),
    "libs/billing/pyproject.toml": pyproject("acme-billing", "acme-ledger"),
    "libs/billing/src/acme/billing/__init__.py": "from acme.ledger import post\n",
    "libs/billing/src/acme/billing/invoice.py": "from acme import ledger\nfrom acme.ledger.book import Book\n",
    "libs/ledger/pyproject.toml": pyproject("acme-ledger"),
    "libs/ledger/src/acme/ledger/__init__.py": "def post():\n    pass\n",
    "libs/ledger/src/acme/ledger/book.py": "class Book:\n    pass\n",
    ".importlinter": textwrap.dedent(
        """
        [importlinter]
        root_packages = acme
        [importlinter:contract:layers]
        name = billing above ledger
        type = layers
        containers = acme
        layers =
            billing
            ledger
        """
    ),
}


def test_a_namespace_package_split_over_two_members_is_one_package(tmp_path: Path) -> None:
    root = write_tree(tmp_path, NAMESPACE)
    found = discover(root)
    assert found.packages == ["acme"]
    assert found.portions == {"acme": ["libs/billing/src/acme", "libs/ledger/src/acme"]}
    named = names(root)
    assert named["libs/billing/src/acme/billing/invoice.py"] == ("acme.billing.invoice", False)
    assert named["libs/ledger/src/acme/ledger/book.py"] == ("acme.ledger.book", False)
    graph = build_import_graph(found.files, app.run_scan(app.Options(root=root, no_cache=True)).facts)
    assert "acme" in graph.modules and graph.find_children("acme") == {"acme.billing", "acme.ledger"}
    result = check(root)
    assert findings(result) == []  # the layers contract on the namespace package is kept
    assert "billing above ledger" in result.contracts_run


def test_a_namespace_package_contract_breaks_across_members(tmp_path: Path) -> None:
    tree = dict(NAMESPACE)
    tree["libs/ledger/src/acme/ledger/book.py"] = "from acme.billing import invoice\n"
    tree["libs/ledger/pyproject.toml"] = pyproject("acme-ledger", "acme-billing")
    result = check(write_tree(tmp_path, tree))
    assert ("libs/ledger/src/acme/ledger/book.py", "AG301", "error") in findings(result)


def test_a_missing_name_in_a_namespace_package_of_the_tree_is_reported(tmp_path: Path) -> None:
    tree = dict(NAMESPACE)
    tree["libs/billing/src/acme/billing/invoice.py"] = "from acme.ledger.book import Gone\n"
    assert findings(check(write_tree(tmp_path, tree)), "AG202") == [
        ("libs/billing/src/acme/billing/invoice.py", "AG202", "error")
    ]


def test_a_name_missing_from_a_shared_namespace_package_is_a_warning(tmp_path: Path) -> None:
    """``from acme import gone`` asks for a submodule of a namespace package: another distribution
    may install it into ``acme`` (PEP 420), as for ``import acme.gone``."""
    tree = dict(NAMESPACE)
    tree["libs/billing/src/acme/billing/invoice.py"] = "from acme import gone\nimport acme.nothing\n"
    result = check(write_tree(tmp_path, tree))
    assert findings(result, "AG202") == [("libs/billing/src/acme/billing/invoice.py", "AG202", "warning")]
    assert findings(result, "AG201") == [("libs/billing/src/acme/billing/invoice.py", "AG201", "warning")]
    (gone,) = [v for v in result.violations if v.code == "AG202"]
    assert "acme is a namespace package" in gone.message and "acme.gone" in gone.message


def test_package_option_accepts_a_top_level_namespace_package(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path,
        {
            "google/protobuf/__init__.py": "",
            "google/protobuf/message.py": "from google.protobuf import gone\n",
            "google/api/http.py": "from google.protobuf.message import x\n",  # in a namespace folder
            "google/protobuf/internal/helper.py": "",  # no __init__ inside a regular package: loose
        },
    )
    with pytest.raises(DiscoveryError):
        discover(root, packages=["googl"])
    found = discover(root, packages=["google"])
    assert found.packages == ["google"]
    named = names(root, packages=["google"])
    assert named["google/protobuf/message.py"] == ("google.protobuf.message", False)
    assert named["google/api/http.py"] == ("google.api.http", False)
    assert named["google/protobuf/internal/helper.py"][1] is True
    run = run_cli("check", root, "--no-cache", "--package", "google")
    assert run.returncode == 1, run.stderr
    assert "AG202 cannot import name 'gone' from google.protobuf" in run.stdout
    assert "AG202 cannot import name 'x' from google.protobuf.message" in run.stdout


def test_a_root_folder_without_init_never_hides_the_third_party_package(tmp_path: Path) -> None:
    """``alembic/`` of migration scripts; ``from alembic import op`` is the installed alembic."""
    root = write_tree(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/db.py": "from alembic import op\nfrom alembic.runtime import migration\n",
            "alembic/env.py": "from alembic import context\n",
            "alembic/versions/0001_init.py": "from alembic import op\nimport sqlalchemy as sa\n",
        },
    )
    result = check(root)
    assert findings(result) == []
    assert result.scan.dangling == []


def test_a_regular_package_hides_one_of_its_name_in_a_later_member(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path,
        {
            "pyproject.toml": pyproject("root", extra='[tool.uv.workspace]\nmembers = ["a", "b"]\n'),
            "a/pyproject.toml": pyproject("a"),
            "a/utils/__init__.py": "",
            "a/utils/text.py": "",
            "b/pyproject.toml": pyproject("b"),
            "b/utils/__init__.py": "",
            "b/utils/text.py": "",  # the same module name as a's: named within its member
            "b/utils/numbers.py": "from .text import x\n",  # and its relative imports meet it there
        },
    )
    found = discover(root)
    assert found.package_dirs == {"utils": "a/utils"}
    assert found.notes == [
        "package utils in b/utils/ is hidden by a/utils/ (Python imports the first on its path): "
        "its files are analysed as loose files"
    ]
    named = names(root)
    assert named["b/utils/text.py"] == ("b/utils.text", True)
    assert named["b/utils/numbers.py"] == ("b/utils.numbers", True)
    result = check(root)
    assert any("hidden by a/utils/" in n for n in result.notices)
    # the relative import meets b's own text.py (which has no x), not a's
    assert [(d.path, d.imported) for d in result.scan.dangling] == [("b/utils/numbers.py", "b/utils.text:x")]


# --- AG601: members import only what they declare --------------------------------------------------

DECLARING = {
    "pyproject.toml": pyproject(
        "suite", extra='[tool.uv.workspace]\nmembers = ["libs/*"]\n[dependency-groups]\ndev = ["pytest"]\n'
    ),
    "libs/core/pyproject.toml": pyproject("suite-core"),
    "libs/core/src/suite_core/__init__.py": "def post():\n    pass\n",
    "libs/net/pyproject.toml": pyproject("suite-net"),
    "libs/net/src/suite_net/__init__.py": "def connect():\n    pass\n\n\nclass Socket:\n    pass\n",
    "libs/api/pyproject.toml": pyproject(
        "suite-api",
        "suite-core",
        extra="""
        [project.optional-dependencies]
        web = ["suite-web"]
        [dependency-groups]
        dev = ["suite-testkit"]
        """,
    ),
    "libs/api/src/suite_api/__init__.py": "import suite_core\n",
    "libs/api/src/suite_api/client.py": "from suite_net import connect\n",  # undeclared: error
    "libs/api/src/suite_api/web.py": "import suite_web\n",  # an optional dependency: declared
    "libs/api/src/suite_api/fast.py": "try:\n    import suite_net\nexcept ImportError:\n    suite_net = None\n",
    "libs/api/src/suite_api/typed.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from suite_net import Socket\n",
    "libs/api/src/suite_api/helpers.py": "import suite_testkit\n",  # a dev group in library code: error
    "libs/api/tests/test_api.py": "import suite_testkit\nimport suite_api\n",  # dev group in tests: fine
    "libs/web/pyproject.toml": pyproject("suite-web"),
    "libs/web/src/suite_web/__init__.py": "",
    "libs/testkit/pyproject.toml": pyproject("suite-testkit"),
    "libs/testkit/src/suite_testkit/__init__.py": "",
    "libs/testkit/tests/test_kit.py": "from suite_core import post\n",  # tests may use the root's dev group, not this
}


def test_member_imports_of_undeclared_members(tmp_path: Path) -> None:
    result = check(write_tree(tmp_path, DECLARING))
    assert findings(result, "AG601") == [
        ("libs/api/src/suite_api/client.py", "AG601", "error"),
        ("libs/api/src/suite_api/fast.py", "AG601", "warning"),
        ("libs/api/src/suite_api/helpers.py", "AG601", "error"),
        ("libs/api/src/suite_api/typed.py", "AG601", "warning"),
        ("libs/testkit/tests/test_kit.py", "AG601", "error"),
    ]
    assert findings(result, "AG201") == findings(result, "AG202") == []
    client = next(v for v in result.violations if v.path.endswith("client.py"))
    assert client.message == (
        "suite-api imports suite_net from member suite-net (libs/net), which "
        "libs/api/pyproject.toml does not declare"
    )
    assert client.suggestion == 'add "suite-net" to [project] dependencies in libs/api/pyproject.toml'
    assert client.kind.value == "undeclared-dependency" and client.fingerprint
    kit = next(v for v in result.violations if v.path.endswith("test_kit.py"))
    assert kit.suggestion == 'add "suite-core" to a development dependency group in libs/testkit/pyproject.toml'
    assert "member-dependencies" in result.contracts_run
    assert result.contract_types["member-dependencies"] == "member-dependencies"


def test_a_declaration_fixes_the_finding_on_the_next_cached_run(tmp_path: Path) -> None:
    root = write_tree(tmp_path, DECLARING)
    options = app.Options(root=root, cache_dir=tmp_path / "cache")
    assert len(findings(app.run_check(options), "AG601")) == 5
    assert len(findings(app.run_check(options), "AG601")) == 5  # warm
    (root / "libs/api/pyproject.toml").write_text(
        pyproject("suite-api", "suite-core", "suite-net", "suite-testkit", extra='[project.optional-dependencies]\nweb = ["suite-web"]\n')
    )
    assert findings(app.run_check(options), "AG601") == [("libs/testkit/tests/test_kit.py", "AG601", "error")]


def test_scripts_beside_a_requirements_file_run_in_the_environment_it_declares(tmp_path: Path) -> None:
    tree = dict(DECLARING)
    tree["libs/net/bench/templates/scenario.py"] = "import suite_core\nimport suite_api\n"
    tree["libs/net/bench/templates/requirements.txt"] = "pyyaml\n/work/libs/core[extra]\n-e ./../../../api  # the api\n"
    tree["libs/net/bench/other.py"] = "import suite_core\n"  # not beside it: judged
    tree["libs/net/src/suite_net/engine.py"] = "import suite_core\n"  # library code: never by requirements
    tree["libs/net/src/suite_net/requirements.txt"] = "suite-core\n"
    result = check(write_tree(tmp_path, tree))
    judged = [path for path, _, _ in findings(result, "AG601")]
    assert "libs/net/bench/templates/scenario.py" not in judged
    assert "libs/net/bench/other.py" in judged and "libs/net/src/suite_net/engine.py" in judged


def test_after_an_edit_only_the_edited_file_is_judged_again(tmp_path: Path, monkeypatch) -> None:
    from archguard.analysis import members  # the pass reads its per-file judge from here when it runs

    root = write_tree(tmp_path / "repo", DECLARING)
    options = app.Options(root=root, cache_dir=tmp_path / "cache")
    judged: list[str] = []
    real = members.undeclared_in_file

    def spy(context, file, facts):
        judged.append(file.path)
        return real(context, file, facts)

    monkeypatch.setattr(members, "undeclared_in_file", spy)
    first = findings(app.run_check(options), "AG601")
    assert len(judged) > 10
    judged.clear()
    (root / "libs/web/src/suite_web/views.py").write_text("import suite_net\n")
    second = app.run_check(options)
    assert judged == ["libs/web/src/suite_web/views.py"]
    assert findings(second, "AG601") == sorted([*first, ("libs/web/src/suite_web/views.py", "AG601", "error")])
    fresh = check(root)
    assert [v.fingerprint for v in second.violations] == [v.fingerprint for v in fresh.violations]


def test_dynamic_dependencies_are_read_from_a_hatch_hook_or_left_unjudged(tmp_path: Path) -> None:
    tree = {
        "pyproject.toml": pyproject("top", extra='[tool.uv.workspace]\nmembers = ["m/*"]\n'),
        "m/a/pyproject.toml": '[project]\nname = "a"\ndynamic = ["dependencies"]\n'
        '[tool.hatch.metadata.hooks.uv-dynamic-versioning]\ndependencies = ["b=={{ version }}"]\n',
        "m/a/a/__init__.py": "import b\nimport c\n",
        "m/b/pyproject.toml": '[project]\nname = "b"\ndynamic = ["dependencies"]\n',  # unknown: not judged
        "m/b/b/__init__.py": "import c\n",
        "m/c/pyproject.toml": pyproject("c"),
        "m/c/c/__init__.py": "",
    }
    result = check(write_tree(tmp_path, tree))
    assert findings(result, "AG601") == [("m/a/a/__init__.py", "AG601", "error")]


def test_a_tree_that_is_one_project_runs_no_member_contract(tmp_path: Path) -> None:
    root = write_tree(tmp_path, {"pyproject.toml": pyproject("one"), "one/__init__.py": "import requests\n"})
    result = check(root)
    assert "member-dependencies" not in result.contracts_run and result.violations == []


def write_distribution(site: Path, name: str, files: list[str], requires: tuple[str, ...] = ()) -> None:
    info = site / f"{name.replace('-', '_')}-1.0.dist-info"
    info.mkdir(parents=True)
    headers = ["Metadata-Version: 2.1", f"Name: {name}", "Version: 1.0", *(f"Requires-Dist: {r}" for r in requires)]
    (info / "METADATA").write_text("\n".join(headers) + "\n\nA description: with a colon.\n")
    (info / "RECORD").write_text("".join(f"{f},sha256=x,1\n" for f in [*files, f"{info.name}/METADATA,,"]))
    for file in files:
        (site / file).parent.mkdir(parents=True, exist_ok=True)
        (site / file).write_text("")


def test_third_party_imports_are_judged_with_an_environment(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path / "repo",
        {
            "pyproject.toml": pyproject("svc", "requests", "google-api-core"),
            "svc/__init__.py": "import requests\nimport yaml\nimport os\nfrom google.protobuf import message\n"
            "from google.api_core import retry\nimport svc.util\nimport idna\n",
            "svc/util.py": "",
            "tests/test_svc.py": "import pytest\n",
        },
    )
    env = tmp_path / "env"
    site = env / "lib" / "python3.11" / "site-packages"
    write_distribution(site, "requests", ["requests/__init__.py"], ("idna (>=2)", "certifi ; extra == 'x'"))
    write_distribution(site, "idna", ["idna/__init__.py"])
    write_distribution(site, "PyYAML", ["yaml/__init__.py", "_yaml/__init__.py"])
    write_distribution(site, "protobuf", ["google/protobuf/__init__.py"])
    write_distribution(site, "google-api-core", ["google/api_core/__init__.py"])
    write_distribution(site, "pytest", ["pytest/__init__.py", "_pytest/__init__.py"])
    (env / "bin").mkdir()
    (env / "bin" / "python").write_text("")  # never run: only its folder is read
    (env / "pyvenv.cfg").write_text("home = /nowhere\ninclude-system-site-packages = false\n")

    result = check(root, python=env / "bin" / "python")
    assert findings(result, "AG601") == [
        ("svc/__init__.py", "AG601", "error"),  # yaml (PyYAML)
        ("svc/__init__.py", "AG601", "error"),  # google.protobuf (protobuf)
        ("svc/__init__.py", "AG601", "warning"),  # idna: only through requests
        ("tests/test_svc.py", "AG601", "error"),  # pytest, declared nowhere
    ]
    messages = sorted(v.message for v in result.violations)
    assert any("imports yaml from the installed distribution pyyaml" in m for m in messages)
    assert any("google.protobuf from the installed distribution protobuf" in m for m in messages)
    assert any("installed today only because requests requires it" in m for m in messages)
    # given on the command line as an environment's folder; nothing there is run
    run = run_cli("check", root, "--no-cache", "--python", env)
    assert run.returncode == 1 and "AG601" in run.stdout
    missing = run_cli("check", root, "--no-cache", "--python", tmp_path / "nothing")
    assert missing.returncode == 2 and "--python" in missing.stderr


def test_a_python_environment_named_by_the_tree_must_be_inside_it(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "repo", {"pyproject.toml": '[tool.archguard]\npython = "/usr"\n', "a.py": ""})
    run = run_cli("check", root, "--no-cache")
    assert run.returncode == 2 and "resolves outside ROOT" in run.stderr


# --- everything else follows the members ---------------------------------------------------------


def test_baseline_and_changed_work_across_members(tmp_path: Path) -> None:
    tree = dict(DECLARING)
    tree["libs/core/src/suite_core/models.py"] = "from suite_core.gone import x\n"  # dangling, member core
    root = write_tree(tmp_path / "repo", tree)
    (root / ".gitignore").write_text(".archguard_cache/\nout.json\n")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "base")
    baseline = root / "baseline.json"
    assert run_cli("baseline", root, "--baseline", baseline).returncode == 0
    recorded = {e["code"] for e in json.loads(baseline.read_text())["violations"]}
    assert recorded == {"AG201", "AG601"}
    assert run_cli("check", root, "--baseline", baseline).returncode == 0
    git(root, "add", "-A")
    git(root, "commit", "-qm", "baseline")
    git(root, "checkout", "-qb", "feature")
    (root / "libs/web/src/suite_web/views.py").write_text("import suite_core\n")  # new: web declares nothing
    run = run_cli("check", root, "--baseline", baseline, "--changed", "--json", root / "out.json")
    assert run.returncode == 1, run.stderr
    data = json.loads((root / "out.json").read_text())
    assert [(v["path"], v["code"], v["baselined"]) for v in data["violations"]] == [
        ("libs/web/src/suite_web/views.py", "AG601", False)
    ]


def test_discover_notes_a_cluster_that_spans_members(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path,
        {
            "pyproject.toml": pyproject("top", extra='[tool.uv.workspace]\nmembers = ["a", "b"]\n'),
            "a/pyproject.toml": pyproject("pkg-a"),
            "a/pa/__init__.py": "",
            "a/pa/manager.py": "class ConnectionManager:\n    pass\n",
            "a/pa/use.py": "from pa.manager import ConnectionManager\n",
            "b/pyproject.toml": pyproject("pkg-b", "pkg-a"),
            "b/pb/__init__.py": "",
            "b/pb/manager.py": "class ConnectionManager:\n    pass\n",
            "b/pb/use.py": "from pb.manager import ConnectionManager\nfrom pa.manager import ConnectionManager as M\n",
        },
    )
    run = run_cli("discover", root, "--no-cache", "--json", root / "d.json")
    assert run.returncode == 0, run.stderr
    clusters = json.loads((root / "d.json").read_text())["clusters"]
    manager = next(c for c in clusters if c["name"] == "connection-manager")
    assert manager["members"] == ["pkg-a", "pkg-b"]
    assert "connection-manager (spans members pkg-a, pkg-b)" in run.stdout


def test_init_writes_one_table_at_the_workspace_root(tmp_path: Path) -> None:
    root = write_tree(tmp_path, UV_SRC)
    before = {p: (root / p).read_text() for p in UV_SRC if p.endswith("pyproject.toml") and p != "pyproject.toml"}
    run = run_cli("init", root)
    assert run.returncode == 0, run.stderr
    text = (root / "pyproject.toml").read_text()
    assert text.count("[tool.archguard]") == 1 and "its 4 members are read from the workspace" in text
    assert {p: (root / p).read_text() for p in before} == before  # members' files untouched
    importlinter = (root / ".importlinter").read_text()
    assert all(f"    {p}" in importlinter for p in ("shop_api", "shop_core", "web"))
    inside = run_cli("init", root / "libs" / "core")
    assert f"is a member of the workspace at {root}" in inside.stdout


def test_report_json_gives_each_module_its_member(tmp_path: Path) -> None:
    root = write_tree(tmp_path, UV_SRC)
    run = run_cli("report", root, "--no-cache", "--out", root / "out")
    assert run.returncode in (0, 1), run.stderr
    report = json.loads((root / "out" / "report.json").read_text())
    by_path = {m["path"]: m for m in report["modules"]}
    assert by_path["libs/core/src/shop_core/models.py"] == {
        "module": "shop_core.models", "path": "libs/core/src/shop_core/models.py", "member": "shop-core", "loose": False
    }
    assert by_path["scripts/deploy.py"]["member"] == "shop"
    assert [m["name"] for m in report["members"]] == ["shop", "web", "shop-api", "shop-core"]


def test_the_overview_and_the_matrix_group_by_member(tmp_path: Path) -> None:
    from archguard.analysis.members import grouped_by_member
    from archguard.analysis.structure import dependency_matrix
    from archguard.app.report import module_imports

    root = write_tree(tmp_path, UV_SRC)
    workspace = app.scan_workspace(app.Options(root=root, no_cache=True))
    imports, lazy = module_imports(workspace)
    key_of = grouped_by_member(workspace.scan.layout)
    matrix = dependency_matrix(workspace.scan.files, imports, budget=4, lazy=lazy, key_of=key_of)
    # every group lies in one member (a member with one package shows as that package)
    members = [group.key[0] for group in matrix.groups]
    assert set(members) == {"[shop]", "[web]", "[shop-api]", "[shop-core]"}
    assert "[shop-core]" in [group.name for group in matrix.groups]  # its package and its tests
    # in layer order: web imports shop-api, which imports shop-core
    assert members.index("[web]") < members.index("[shop-api]") < members.index("[shop-core]")
    run = run_cli("report", root, "--no-cache", "--out", root / "out")
    assert run.returncode in (0, 1), run.stderr
    explorer = json.loads((root / "out" / "report.json").read_text())["import_graph"]["nodes"]["names"]
    assert "[shop-core]" in explorer


def test_a_workspace_scans_as_its_packages_copied_flat(tmp_path: Path) -> None:
    """One module namespace, whatever the layout: the same modules and import edges."""
    workspace = write_tree(tmp_path / "ws", {**UV_SRC, **{k: v for k, v in NAMESPACE.items() if k.startswith("libs/")}})
    flat: dict[str, str] = {}
    for path, text in {**UV_SRC, **NAMESPACE}.items():
        for source_root in ("libs/core/src/", "libs/api/src/", "apps/web/", "libs/billing/src/", "libs/ledger/src/"):
            if path.startswith(source_root):
                flat[path[len(source_root):]] = text
    flat_root = write_tree(tmp_path / "flat", flat)

    def counted(root: Path, packages: tuple[str, ...] = ()) -> tuple[int, int, list[str]]:
        scan = app.run_scan(app.Options(root=root, no_cache=True, include_loose=False, packages=packages))
        return scan.modules, scan.import_edges, sorted(f.module for f in scan.files)

    assert counted(workspace) == counted(flat_root, ("acme", "shop_api", "shop_core", "web"))


def test_a_members_pyproject_that_does_not_parse_is_a_notice(tmp_path: Path) -> None:
    tree = dict(UV_SRC)
    tree["libs/api/pyproject.toml"] = "[project\nname = 'x'\n"
    result = check(write_tree(tmp_path, tree))
    assert any(n.startswith("libs/api/pyproject.toml: not valid TOML") for n in result.notices)
    bad_root = write_tree(tmp_path / "bad", {"pyproject.toml": "[tool.uv.workspace\n", "a.py": ""})
    with pytest.raises(ConfigError):
        check(bad_root)


def test_warm_start_sees_an_edited_member_declaration(tmp_path: Path) -> None:
    """The warm start reuses a recorded discovery only while every configuration file it read
    holds the same bytes (an untracked pyproject.toml edited twice keeps git's listing the same)."""
    root = write_tree(tmp_path / "repo", DECLARING)
    (root / ".gitignore").write_text(".archguard_cache/\n")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "base")
    (root / "libs/newbie/pyproject.toml").parent.mkdir(parents=True)
    write_tree(root, {"libs/newbie/pyproject.toml": pyproject("newbie"), "libs/newbie/src/newbie/__init__.py": "import suite_core\n"})
    options = app.Options(root=root)
    assert ("libs/newbie/src/newbie/__init__.py", "AG601", "error") in findings(app.run_check(options))
    assert ("libs/newbie/src/newbie/__init__.py", "AG601", "error") in findings(app.run_check(options))
    (root / "libs/newbie/pyproject.toml").write_text(pyproject("newbie", "suite-core"))
    assert ("libs/newbie/src/newbie/__init__.py", "AG601", "error") not in findings(app.run_check(options))
