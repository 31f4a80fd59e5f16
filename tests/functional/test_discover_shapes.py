"""``archguard discover --json`` on the code shapes that made noise on real packages (issue 22).

One tree the test builds, one shape per group of files, each beside a positive control that must
still be found. Every test reads what a user reads: the JSON ``discover --json`` writes (rank,
clusters and their definitions, shims with ``safe_to_delete`` / ``kept_because``, copies).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import run_cli, write_tree

MODEL_FIELDS = "    name = models.CharField()\n    sku = models.CharField()\n    price = models.DecimalField()\n"

TREE = {
    "pyproject.toml": (
        '[project]\nname = "shop"\nversion = "1"\n\n[project.scripts]\nshop = "shop.cli:main"\n\n'
        '[project.entry-points.pytest11]\nshop = "shop.pytest_plugin"\n'
    ),
    "shop/__init__.py": '__all__ = ["public_api"]\n',
    # -- same name, different roles: a model and the API type named after it ----------------------
    "shop/models.py": (
        "from django.db import models\n\n\nclass Product(models.Model):\n" + MODEL_FIELDS + "\n\n"
        "class Trigger(models.Model):\n    name = models.CharField()\n    created = models.DateTimeField()\n"
    ),
    "shop/api/__init__.py": "",
    "shop/api/types.py": (
        "from graphene_django import DjangoObjectType\n\nfrom shop import models\n\n\n"
        "class Product(DjangoObjectType):\n    name = None\n    sku = None\n    price = None\n\n"
        "    class Meta:\n        model = models.Product\n"
    ),
    "shop/api/schema.py": "from shop.api.types import Product\nfrom shop.models import Product as ProductModel\n",
    "shop/api/mutations.py": "from shop.api.types import Product\nfrom shop.models import Product as ProductModel\n",
    # -- two deliberately different classes sharing a name (no bases, other members) -------------
    "shop/lexer.py": "class ParseResult:\n    tokens = ()\n    position = 0\n\n    def next_token(self):\n        pass\n",
    "shop/forms.py": (
        "from shop.lexer import ParseResult as _Tokens\n\n\nclass ParseResult:\n    cleaned_data = None\n"
        "    errors = ()\n\n    def is_valid(self):\n        pass\n"
    ),
    "shop/checkout.py": "from shop.forms import ParseResult\nfrom shop.lexer import ParseResult as Lexed\n",
    # -- two different names under one normalised name: a base trigger class and an ORM model -----
    "shop/triggers.py": (
        "from shop.models import Trigger\n\n\nclass BaseTrigger:\n    def fire(self):\n        return Trigger()\n\n"
        "    def cancel(self):\n        pass\n"
    ),
    "shop/jobs.py": "from shop.models import Trigger\nfrom shop.triggers import BaseTrigger\n",
    # -- a private factory helper beside the public class of its name -----------------------------
    "shop/widgets.py": "class Widget:\n    name = ''\n\n    def render(self):\n        pass\n",
    "shop/builders.py": "from shop.widgets import Widget\n\n\nclass _WidgetFactory:\n    def build(self):\n        return Widget()\n",
    "shop/page.py": "from shop.builders import _WidgetFactory\nfrom shop.widgets import Widget\n",
    # -- the positive control: one class copied with its members, both in use ---------------------
    "shop/pricing.py": (
        "class PriceRule:\n    rate = 0\n\n    def apply(self, price):\n        return price\n\n"
        "    def matches(self, item):\n        return True\n"
    ),
    "shop/legacy/__init__.py": "",
    "shop/legacy/pricing.py": (
        "class PriceRule:\n    rate = 0\n\n    def apply(self, price):\n        return price * 1\n\n"
        "    def matches(self, item):\n        return False\n\n    def describe(self):\n        return ''\n"
    ),
    "shop/cart.py": "from shop.legacy.pricing import PriceRule as OldRule\nfrom shop.pricing import PriceRule\n",
    "shop/basket.py": "from shop.legacy.pricing import PriceRule\n",
    # -- a concept reached through several paths, with a real factory and request handlers --------
    "shop/billing/__init__.py": "from shop.billing.invoice import Invoice\n",
    "shop/billing/invoice.py": "class Invoice:\n    total = 0\n",
    "shop/billing/factory.py": (
        "from shop.billing.invoice import Invoice\n\n\ndef make_invoice(total) -> Invoice:\n"
        "    return Invoice()\n\n\ndef create_invoice_report(total) -> str:\n    return ''\n"
    ),
    "shop/api/invoices.py": (
        "from fastapi import APIRouter\n\nfrom shop.billing import Invoice\n\nrouter = APIRouter()\n\n\n"
        "@router.get('/invoices/{invoice_id}')\ndef get_invoice(invoice_id: int):\n    return Invoice()\n"
    ),
    "shop/views.py": (
        "from shop.billing import Invoice\n\n\ndef create_invoice(request):\n    return Invoice()\n"
    ),
    "shop/orders.py": "from shop.reexports import Invoice\n",
    "shop/reexports.py": "from shop.billing import Invoice\n\n__all__ = ['Invoice']\n",
    "shop/refunds.py": "from shop.billing.invoice import Invoice\n",
    "shop/ledger.py": "from shop.billing.invoice import Invoice\n",
    # -- canonical: the definition, not the legacy alias more files use ----------------------------
    "shop/money.py": "class Money:\n    amount = 0\n\n\nCash = Money  # the old name\n",
    "shop/billing/currency.py": "from shop.money import Money\n",
    "shop/m1.py": "from shop.money import Cash\n",
    "shop/m2.py": "from shop.money import Cash\n",
    "shop/m3.py": "from shop.money import Cash\n",
    "shop/m4.py": "from shop.money import Money\n",
    "shop/m5.py": "from shop.billing.currency import Money\n",
    **{f"shop/m{i}.py": "from shop.money import Cash\n" for i in (6, 7, 8)},
    # -- semantic aliases inside one module: one icon per use ------------------------------------
    "shop/icons.py": (
        "icon_document = 'doc.svg'\nicon_index_documents = icon_document\nicon_edit_document = icon_document\n"
    ),
    "shop/menu.py": "from shop.icons import icon_index_documents\n",
    "shop/editor.py": "from shop.icons import icon_edit_document\n",
    "shop/viewer.py": "from shop.icons import icon_document\n",
    # -- empty subclasses that are kinds of a field, not other names for it ----------------------
    "shop/fields.py": (
        "class BaseField:\n    def value(self):\n        pass\n\n\nclass FilterField(BaseField):\n    pass\n\n\n"
        "class SearchField(BaseField):\n    pass\n"
    ),
    "shop/search.py": "from shop.fields import BaseField, FilterField, SearchField\n",
    # -- shims: the three false-positive causes and their positive control ------------------------
    "shop/annotated.py": (
        "from __future__ import annotations\n\nfrom typing import TYPE_CHECKING, Any\n\n"
        "if TYPE_CHECKING:\n    from shop.billing.invoice import Invoice\n\n\n"
        "def _total(invoice: Invoice) -> Any:\n    return invoice.total\n"
    ),
    "shop/use_annotated.py": "from shop.annotated import _total\n",
    "shop/_engine.py": (
        "from shop.billing.invoice import Invoice\nfrom shop.money import Money\n\n\n"
        + "".join(f"def _step_{i}(x):\n    return Invoice(), Money()\n\n\n" for i in range(6))
        + "class _Runner:\n    pass\n"
    ),
    "shop/run.py": "from shop._engine import _Runner\nfrom shop.typing_helpers import _InvoiceLike\n",
    "shop/typing_helpers.py": (
        "from typing import Union\n\nfrom shop.billing.invoice import Invoice\n\n_InvoiceLike = Union[Invoice, str]\n"
    ),
    "shop/surface.py": (
        "from shop.billing.invoice import Invoice\n\n__all__ = ['Invoice']\n\n\n"
        + "".join(f"def helper_{i}():\n    return Invoice()\n\n\n" for i in range(5))
    ),
    "shop/lazy.py": (
        "from shop.money import Money\n\n__all__ = ['Money']\n\n\ndef __getattr__(name):\n    raise AttributeError(name)\n\n\n"
        "def convert(amount):\n    return Money()\n\n\nRATES = {}\n"
    ),
    "shop/use_surface.py": "from shop.surface import helper_0\nfrom shop.lazy import convert\n",
    "shop/old_billing.py": "from shop.billing.invoice import Invoice\n\n__all__ = ['Invoice']\n",
    # -- modules loaded by name: never "safe to delete" ------------------------------------------
    "shop/public_api.py": "from shop.billing.invoice import Invoice\n\n__all__ = ['Invoice']\n",
    "shop/_cli.py": "def main():\n    pass\n",
    "shop/cli.py": "from shop._cli import main\n\n__all__ = ['main']\n",
    "shop/testing.py": "def invoice_fixture():\n    pass\n",
    "shop/pytest_plugin.py": "from shop.testing import invoice_fixture\n\n__all__ = ['invoice_fixture']\n",
    "shop/management/__init__.py": "",
    "shop/management/commands/__init__.py": "",
    "shop/management/commands/createsuperuser.py": (
        "from django.contrib.auth.management.commands.createsuperuser import Command\n"
    ),
    "shop/migrations/__init__.py": "",
    # two data migrations of two apps, alike as migrations are
    **{
        f"shop/migrations/{name}.py": (
            "from django.db import migrations\n\n\ndef add_permissions(apps, schema_editor):\n"
            f"    apps.get_model('auth', 'Permission').objects.create(codename='{codename}')\n\n\n"
            "def remove_permissions(apps, schema_editor):\n    pass\n\n\n"
            "class Migration(migrations.Migration):\n"
            f"    dependencies = [('shop', '{before}')]\n"
            "    operations = [migrations.RunPython(add_permissions, remove_permissions)]\n"
        )
        for name, before, codename in [
            ("0011_add_choose_permissions", "0010_x", "choose_document"),
            ("0023_add_choose_permissions", "0022_y", "choose_image"),
        ]
    },
    "shop/tests/__init__.py": "",
    "shop/tests/conftest.py": "from shop.testing import invoice_fixture\n\n__all__ = ['invoice_fixture']\n",
}


@pytest.fixture(scope="module")
def found(tmp_path_factory) -> dict[str, Any]:
    root = write_tree(tmp_path_factory.mktemp("shapes") / "tree", TREE)
    out = root.parent / "discover.json"
    run = run_cli("discover", root, "--no-cache", "-q", "--json", out)
    assert run.returncode == 0, run.stderr
    return json.loads(out.read_text())


def _definitions(cluster: dict[str, Any]) -> set[str]:
    return {f"{d['module']}:{d['name']}" for d in cluster["definitions"] if not d["test_double"]}


def _cluster_with(found: dict[str, Any], target: str) -> dict[str, Any] | None:
    return next((c for c in found["clusters"] if target in _definitions(c)), None)


def _shims(found: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {s["module"]: s for s in found["shims"]}


# ---- clusters ---------------------------------------------------------------------------------


def test_only_the_real_concepts_are_ranked(found: dict[str, Any]) -> None:
    ranked = {c["name"]: sorted(c["evidence"]) for c in found["clusters"]}
    assert ranked == {
        "money": ["access-paths"],  # three files still use the legacy alias Cash
        "invoice": ["access-paths", "factory"],
        "price-rule": ["same-name"],  # the copied class
    }


@pytest.mark.parametrize("first, second", [
    ("shop.models:Product", "shop.api.types:Product"),  # a model and its API type: two roles
    ("shop.lexer:ParseResult", "shop.forms:ParseResult"),  # two classes that share a name only
    ("shop.models:Trigger", "shop.triggers:BaseTrigger"),  # a base trigger and an ORM model
    ("shop.widgets:Widget", "shop.builders:_WidgetFactory"),  # a private factory helper
])
def test_a_shared_name_alone_joins_nothing(found: dict[str, Any], first: str, second: str) -> None:
    for target in (first, second):
        cluster = _cluster_with(found, target)
        assert cluster is None or not ({first, second} <= _definitions(cluster)), cluster


def test_a_class_copied_with_its_members_is_one_concept(found: dict[str, Any]) -> None:
    cluster = _cluster_with(found, "shop.pricing:PriceRule")
    assert cluster is not None and cluster["evidence"] == ["same-name"]
    assert _definitions(cluster) == {"shop.pricing:PriceRule", "shop.legacy.pricing:PriceRule"}


def test_request_handlers_and_other_products_are_no_factories(found: dict[str, Any]) -> None:
    cluster = _cluster_with(found, "shop.billing.invoice:Invoice")
    assert cluster is not None
    factories = {f"{d['module']}:{d['name']}" for d in cluster["definitions"] if d["role"] == "factory"}
    # get_invoice is registered on a router, create_invoice takes a request, create_invoice_report
    # returns a str: only make_invoice (-> Invoice) builds the concept.
    assert factories == {"shop.billing.factory:make_invoice"}


def test_the_canonical_names_the_definition_not_its_legacy_alias(found: dict[str, Any]) -> None:
    cluster = _cluster_with(found, "shop.money:Money")
    assert cluster is not None
    paths = {f"{p['module']}:{p['name']}": p["importers"] for p in cluster["access_paths"]}
    assert paths["shop.money:Cash"] > paths["shop.money:Money"]  # the alias is more used...
    assert cluster["canonical"] == "shop.money:Money"  # ...and the definition is still the answer


def test_one_module_naming_a_value_once_per_use_is_no_fragmentation(found: dict[str, Any]) -> None:
    assert _cluster_with(found, "shop.icons:icon_document") is None


def test_empty_subclasses_that_are_kinds_of_a_class_are_not_wrappers(found: dict[str, Any]) -> None:
    assert _cluster_with(found, "shop.fields:BaseField") is None
    assert _cluster_with(found, "shop.fields:FilterField") is None


# ---- the shapes, however the facts were read ---------------------------------------------------


def _comparable(report: dict[str, Any]) -> dict[str, Any]:
    """A JSON report apart from what differs between two runs of one tree (time, cache hits)."""
    summary = {k: v for k, v in report["summary"].items() if k not in ("duration_s", "cache_hits")}
    return {**report, "summary": summary}


def test_the_shapes_tell_the_same_however_the_facts_were_read(tmp_path: Path) -> None:
    """The shapes discover compares (members, parameters, decorators, return annotations) travel
    packed in the facts: the same clusters from facts the parser built in this process
    (``--no-cache --jobs 1``), sent by parser workers, read back from the cache a ``check`` filled
    (discover derives from them) and from discover's own warm cache; ``check`` agrees with itself
    the same ways. Enough files that two jobs start workers."""
    fillers = {f"shop/generated/g{i}.py": f"VALUE_{i} = {i}\n" for i in range(220)}
    root = write_tree(tmp_path / "tree", {**TREE, "shop/generated/__init__.py": "", **fillers})
    cache = tmp_path / "cache"
    runs = iter(range(100))

    def report(command: str, *options: str | Path, hits: int = 0) -> dict[str, Any]:
        """The run's JSON report, comparable; ``hits``: how many files' facts the cache gave."""
        out = tmp_path / f"{command}-{next(runs)}.json"
        run = run_cli(command, root, "-q", "--json", out, *options)
        assert run.returncode in (0, 1), run.stderr
        found = json.loads(out.read_text())
        assert found["summary"]["cache_hits"] == hits
        return _comparable(found)

    fresh = report("discover", "--no-cache", "--jobs", "1")
    cluster = _cluster_with(fresh, "shop.pricing:PriceRule")  # found by the copied class's members
    assert cluster is not None and _definitions(cluster) == {"shop.pricing:PriceRule", "shop.legacy.pricing:PriceRule"}
    assert _cluster_with(fresh, "shop.lexer:ParseResult") is None  # told apart by their members
    checked = report("check", "--no-cache", "--jobs", "1")
    assert report("discover", "--no-cache", "--jobs", "2") == fresh
    assert report("check", "--cache-dir", cache, "--jobs", "2") == checked  # fills the facts cache
    files = fresh["summary"]["files"]
    assert report("discover", "--cache-dir", cache, "--jobs", "1", hits=files) == fresh  # the check's facts
    assert report("discover", "--cache-dir", cache, "--jobs", "2", hits=files) == fresh  # warm
    assert report("check", "--cache-dir", cache, "--jobs", "1", hits=files) == checked  # warm


# ---- shims ------------------------------------------------------------------------------------


def test_imports_that_offer_nothing_at_run_time_make_no_shim(found: dict[str, Any]) -> None:
    assert "shop.annotated" not in _shims(found)  # __future__, TYPE_CHECKING, typing's Any


def test_an_implementation_module_of_private_definitions_is_no_shim(found: dict[str, Any]) -> None:
    assert "shop._engine" not in _shims(found)
    assert "shop.typing_helpers" not in _shims(found)  # the home of a private type alias


def test_all_and_getattr_are_not_the_whole_surface_of_a_module(found: dict[str, Any]) -> None:
    shims = _shims(found)
    assert "shop.surface" not in shims  # __all__ lists one import; five public functions of its own
    assert "shop.lazy" not in shims  # __getattr__ and __all__, and names of its own


def test_a_shim_nothing_imports_is_safe_to_delete(found: dict[str, Any]) -> None:
    shim = _shims(found)["shop.old_billing"]
    assert shim["importers"] == 0 and shim["safe_to_delete"] is True and shim["kept_because"] is None


def test_modules_loaded_by_name_are_never_safe_to_delete(found: dict[str, Any]) -> None:
    shims = _shims(found)
    for module in ("shop.cli", "shop.pytest_plugin", "shop.public_api"):
        assert shims[module]["importers"] == 0
        assert shims[module]["safe_to_delete"] is False, module
    assert "[project.scripts] 'shop' in pyproject.toml" in shims["shop.cli"]["kept_because"]
    assert "pytest11" in shims["shop.pytest_plugin"]["kept_because"]
    assert "shop.__all__" in shims["shop.public_api"]["kept_because"]
    # Django and pytest load these by their file name: they are registrations, not shims.
    for module in ("shop.management.commands.createsuperuser", "shop.tests.conftest"):
        assert module not in shims


def test_migrations_that_repeat_each_other_are_not_copies(found: dict[str, Any]) -> None:
    assert not [c for c in found["copies"] if "migrations" in c["path"]]


def test_entry_points_of_setup_cfg_and_of_an_unpacked_wheel_keep_their_modules(tmp_path: Path) -> None:
    from archguard.app import Options
    from archguard.app.discover import run_discover

    shim = "from pkg._impl import run\n\n__all__ = ['run']\n"
    root = write_tree(tmp_path / "tree", {
        "setup.cfg": "[metadata]\nname = pkg\n\n[options.entry_points]\nconsole_scripts =\n    pkg-run = pkg.console:run\n",
        "pkg-1.0.dist-info/entry_points.txt": "[flake8.extension]\nPKG = pkg.flake8_plugin:Checker\n",
        "pkg/__init__.py": "",
        "pkg/_impl.py": "def run():\n    pass\n\n\nclass Checker:\n    pass\n",
        "pkg/console.py": shim,
        "pkg/flake8_plugin.py": "from pkg._impl import Checker\n\n__all__ = ['Checker']\n",
        "pkg/unused.py": shim,
    })
    shims = {s.module: s for s in run_discover(Options(root=root, no_cache=True, jobs=1)).shims}
    assert "console_scripts 'pkg-run' in setup.cfg" in shims["pkg.console"].kept_because
    assert "[flake8.extension] 'PKG' in pkg-1.0.dist-info/entry_points.txt" in shims["pkg.flake8_plugin"].kept_because
    assert not shims["pkg.console"].safe_to_delete and not shims["pkg.flake8_plugin"].safe_to_delete
    assert shims["pkg.unused"].safe_to_delete
