"""The one shim definition (docs/interface.md) that check, fix and discover share."""

from __future__ import annotations

from archguard.analysis.discover.shims import find_shims
from archguard.analysis.shim_definition import is_imported_shim, shim_reexports
from tests.helpers import make_table

TREE = {
    "app/__init__.py": "",
    "app/impl.py": "class Manager:\n    pass\n\n\ndef helper():\n    pass\n",
    # private helpers, warnings and logging do not stop a module from being a shim
    "app/compat.py": (
        "import logging\nimport warnings\nfrom app.impl import Manager\n"
        "OldManager = Manager\n_log = logging.getLogger(__name__)\n\n\ndef _helper():\n    pass\n"
    ),
    # a public assignment built from its imports is a name of its own: an ordinary module
    "app/urls.py": "from app.impl import Manager\nurlpatterns = [Manager]\n",
    # an alias of a local object is not a re-export
    "app/local_alias.py": "class _Impl:\n    pass\n\n\nPublic = _Impl\n",
    # only imports what it uses: a shim only when other files import it
    "app/script.py": "from app.impl import helper\nhelper()\n",
    # a package __init__ that re-exports is the package's public face
    "app/pkg/__init__.py": "from app.impl import Manager\n",
}


def test_public_names_all_reexported_make_a_shim_whatever_private_helpers_it_holds() -> None:
    table, _, _ = make_table(TREE)
    assert shim_reexports(table, "app.compat", imported=False) == (
        ("Manager", "app.impl:Manager"),
        ("OldManager", "app.impl:Manager"),
    )
    for module in ["app.urls", "app.local_alias", "app.pkg", "app.impl"]:
        assert shim_reexports(table, module, imported=True) is None, module
    assert shim_reexports(table, "app.script", imported=False) is None
    assert shim_reexports(table, "app.script", imported=True) == (("helper", "app.impl:helper"),)


def test_check_fix_and_discover_agree_on_which_modules_are_shims() -> None:
    table, files, facts = make_table(TREE)
    importer_files = {f.module: {"app/other.py"} for f in files}
    discovered = {s.module for s in find_shims(table, files, facts, importer_files)}
    seen_imported = {f.module for f in files if is_imported_shim(table, f.module)}
    assert discovered == seen_imported == {"app.compat", "app.script"}
    # nobody imports the script: discover does not list it; compat says it re-exports on purpose
    assert {s.module for s in find_shims(table, files, facts, {})} == {"app.compat"}
