"""Interface contracts (AG501-AG503): exact findings, and exact non-findings, for every shape of a
public face (``__all__`` literal, built with ``+=``/``.extend``, absent; re-exports through aliases,
star imports and a subpackage; nested packages; a file that does not parse) and every kind of
importer (packages, loose scripts and tests, guarded and TYPE_CHECKING imports, attribute chains)."""

from __future__ import annotations

import pytest

from archguard.analysis.interfaces import check_interfaces, public_face, validate_interfaces
from archguard.domain.contracts import InterfaceContract
from archguard.domain.errors import ContractError
from archguard.domain.findings import Kind, assign_fingerprints
from tests.helpers import make_table

PAYMENTS = {
    "app/__init__.py": "",
    "app/payments/__init__.py": """\
        from .core import Gateway, _helper_impl
        from .core import charge as pay
        from .models import *
        from . import errors
        from .errors import PaymentError
        from .backends import StripeBackend
        from .broken import Broken

        __all__ = ["Gateway", "pay", "Payment"]
        __all__ += ["PaymentError", "StripeBackend"]
        __all__.extend(["errors", "Broken"])

        helper = _helper_impl
        """,
    "app/payments/core.py": """\
        class _GatewayImpl:
            pass


        Gateway = _GatewayImpl


        def charge():
            pass


        def _helper_impl():
            pass


        def internal():
            pass
        """,
    "app/payments/models.py": """\
        __all__ = ["Payment"]


        class Payment:
            pass


        class Refund:
            pass
        """,
    "app/payments/errors.py": "class PaymentError(Exception):\n    pass\n",
    # a subpackage whose names the package re-exports
    "app/payments/backends/__init__.py": "from .stripe import StripeBackend\n",
    "app/payments/backends/stripe.py": """\
        from app.payments.core import internal  # inside the package: its own business


        class StripeBackend:
            pass
        """,
    "app/payments/broken.py": "class Broken(:\n",
    "app/orders/__init__.py": "",
}


def _findings(tree: dict[str, str], *contracts: InterfaceContract):
    table, files, facts = make_table(tree)
    validate_interfaces(table, contracts)
    return check_interfaces(table, files, facts, contracts)


def _by_statement(found) -> dict[str, tuple[str, bool, str | None]]:
    """statement -> (code, fixable, suggestion or reason), for files with one finding a statement."""
    out = {}
    for v in found:
        assert v.statement not in out, v.statement
        out[v.statement] = (v.code, v.fixable, v.suggestion if v.fixable else v.reason)
    return out


PAYMENTS_CONTRACT = InterfaceContract(name="payments", package="app.payments", reason="see ADR-7")


def test_every_kind_of_reach_into_a_package_with_all():
    tree = {
        **PAYMENTS,
        "app/orders/service.py": """\
            from app.payments import Gateway, pay
            from app.payments import Payment
            from app.payments import errors
            from app.payments.errors import PaymentError
            from app.payments import *
            from app.payments.core import Gateway as G
            from app.payments.core import _GatewayImpl
            from app.payments.core import charge
            from app.payments.core import internal
            from app.payments import core
            import app.payments.core
            from app.payments import helper
            from app.payments import _helper_impl
            from app.payments.backends.stripe import StripeBackend
            from app.payments.backends import StripeBackend as SB
            from app.payments.models import Refund
            from app.payments.core import *
            from app.payments.broken import Broken
            from app.payments.broken import Other


            def main():
                pass
            """,
    }
    found = _findings(tree, PAYMENTS_CONTRACT)
    assert {v.kind for v in found} == {Kind.NON_PUBLIC_IMPORT}
    assert {v.path for v in found} == {"app/orders/service.py"}
    assert _by_statement(found) == {
        # provenance: the same object through the public face, whatever it is called there
        "from app.payments.core import Gateway as G": ("AG501", True, "from app.payments import Gateway as G"),
        "from app.payments.core import _GatewayImpl": (
            "AG501", True, "from app.payments import Gateway as _GatewayImpl",
        ),
        "from app.payments.core import charge": ("AG501", True, "from app.payments import pay as charge"),
        "from app.payments.core import internal": (
            "AG501", False,
            "app.payments does not export it: export it from app.payments, or list app.payments.core in also_public",
        ),
        "from app.payments import core": (
            "AG501", False, "a module: import what you use from the package's public face instead",
        ),
        "import app.payments.core": (
            "AG501", False, "an import of a module: rewrite the code that uses it to import from the package",
        ),
        # bound by __init__, left out of __all__
        "from app.payments import helper": (
            "AG503", False, "not exported: add it to app.payments.__all__, or use what app.payments exports",
        ),
        "from app.payments import _helper_impl": (
            "AG502", False, "private to app.payments: use its public API, or make the name public",
        ),
        # a subpackage's names, re-exported by the package
        "from app.payments.backends.stripe import StripeBackend": (
            "AG501", True, "from app.payments import StripeBackend",
        ),
        "from app.payments.backends import StripeBackend as SB": (
            "AG501", True, "from app.payments import StripeBackend as SB",
        ),
        "from app.payments.models import Refund": (
            "AG501", False,
            "app.payments does not export it: export it from app.payments, or list app.payments.models in also_public",
        ),
        "from app.payments.core import *": (
            "AG501", False, "star import: name what you use, then it can be rewritten",
        ),
        # a file that does not parse: the name the package re-exports from it is still the same one
        "from app.payments.broken import Broken": ("AG501", True, "from app.payments import Broken"),
        "from app.payments.broken import Other": (
            "AG501", False,
            "app.payments does not export it: export it from app.payments, or list app.payments.broken in also_public",
        ),
    }
    messages = {v.statement: v.message for v in found}
    assert messages["from app.payments.core import Gateway as G"] == (
        "Gateway (as G) imported from app.payments.core, a non-public module of app.payments; "
        "use: from app.payments import Gateway as G"
    )
    assert messages["from app.payments import helper"] == (
        "helper imported from app.payments is not exported by app.payments.__all__"
    )
    assert {v.contract_reason for v in found} == {"see ADR-7"}
    assert {v.canonical for v in found if v.fixable} >= {"app.payments:Gateway", "app.payments:pay"}


def test_public_face_without_all_is_its_public_names_star_imports_included():
    tree = {
        "lib/__init__.py": "from ._impl import Thing, _hidden\nfrom .sub import *\nimport os\n",
        "lib/_impl.py": "class Thing:\n    pass\n\n\nclass Other:\n    pass\n\n\ndef _hidden():\n    pass\n",
        "lib/sub.py": "def sub_fn():\n    pass\n\n\ndef _priv():\n    pass\n",
        "main.py": """\
            from lib import Thing, sub_fn, os
            from lib import __version__
            from lib import _hidden
            from lib._impl import Other
            from lib._impl import Thing as T
            from lib.sub import sub_fn as f
            from lib import missing


            def main():
                pass
            """,
    }
    table, _, _ = make_table(tree)
    face = public_face(table, "lib")
    assert not face.listed and face.names == {"Thing", "sub_fn", "os"}
    found = _findings(tree, InterfaceContract(name="lib", package="lib"))
    assert {v.path for v in found} == {"main.py"}
    assert _by_statement(found) == {
        "from lib import _hidden": ("AG502", False, "private to lib: use its public API, or make the name public"),
        "from lib._impl import Other": (
            "AG501", False, "lib does not export it: export it from lib, or list lib._impl in also_public",
        ),
        "from lib._impl import Thing as T": ("AG501", True, "from lib import Thing as T"),
        "from lib.sub import sub_fn as f": ("AG501", True, "from lib import sub_fn as f"),
        # ``from lib import missing`` is a dangling import (AG202), not an interface finding
    }


def test_also_public_modules_and_patterns_are_part_of_the_face():
    tree = {
        **PAYMENTS,
        "app/payments/api/__init__.py": "",
        # a public module without __all__ that imports a helper for its own use: importing the
        # helper from there is allowed, but no fix sends anyone there
        "app/payments/api/v1.py": (
            "from app.payments.models import Refund\n\n\ndef endpoint():\n    return Refund\n\n\n"
            "def _private():\n    pass\n"
        ),
        "app/payments/api/v2.py": "def endpoint():\n    pass\n",  # public through the pattern only
        "app/orders/service.py": """\
            from app.payments.core import internal
            from app.payments.api.v1 import endpoint
            from app.payments.api.v2 import endpoint as endpoint2
            from app.payments.api.v1 import Refund as R
            from app.payments.api.v1 import _private
            from app.payments.models import Refund
            from app.payments.models import Payment


            def main():
                pass
            """,
    }
    contract = InterfaceContract(
        name="payments",
        package="app.payments",
        also_public=("app.payments.core", "app.payments.api.v1", "app.payments.api.**"),
    )
    found = _findings(tree, contract)
    assert _by_statement(found) == {
        "from app.payments.api.v1 import _private": (
            "AG502", False, "private to app.payments: use its public API, or make the name public",
        ),
        "from app.payments.models import Refund": (
            "AG501", False,
            "app.payments does not export it: export it from app.payments, or list app.payments.models in also_public",
        ),
        "from app.payments.models import Payment": ("AG501", True, "from app.payments import Payment"),
    }


def test_guarded_and_type_checking_imports_follow_the_same_rules_and_say_so():
    tree = {
        **PAYMENTS,
        "app/orders/typed.py": """\
            from typing import TYPE_CHECKING

            if TYPE_CHECKING:
                from app.payments.core import Gateway
            try:
                from app.payments.core import charge
            except ImportError:
                charge = None


            def later():
                from app.payments.core import internal
                return internal
            """,
    }
    found = _findings(tree, PAYMENTS_CONTRACT)
    assert [(v.line, v.code, v.fixable, v.message) for v in found] == [
        (
            4, "AG501", True,
            "Gateway imported from app.payments.core, a non-public module of app.payments (TYPE_CHECKING import); "
            "use: from app.payments import Gateway",
        ),
        (
            6, "AG501", True,
            "charge imported from app.payments.core, a non-public module of app.payments (guarded import); "
            "use: from app.payments import pay as charge",
        ),
        (
            12, "AG501", False,
            "internal imported from app.payments.core, a non-public module of app.payments; "
            "app.payments does not export it: export it from app.payments, or list app.payments.core in also_public",
        ),
    ]


def test_loose_files_are_importers_and_allowed_importers_take_globs():
    tree = {
        **PAYMENTS,
        "scripts/pay.py": "from app.payments.core import Gateway\n\nGateway()\n",
        "scripts/fix-db.py": "from app.payments.core import Gateway\n\nGateway()\n",
        "tests/test_pay.py": "from app.payments.core import internal\n",
        "tests/e2e/test_flow.py": "from app.payments.core import internal\n",
        "app/admin/__init__.py": "",
        "app/admin/tools.py": "from app.payments.core import internal\n",
        "app/orders/service.py": "from ..payments.core import Gateway\n\n\ndef main():\n    pass\n",
    }
    everyone = _findings(tree, PAYMENTS_CONTRACT)
    assert sorted((v.path, v.importer, v.fixable) for v in everyone) == [
        ("app/admin/tools.py", "app.admin.tools", False),
        ("app/orders/service.py", "app.orders.service", True),
        ("scripts/fix-db.py", "scripts/fix-db.py", True),
        ("scripts/pay.py", "scripts.pay", True),
        ("tests/e2e/test_flow.py", "tests.e2e.test_flow", False),
        ("tests/test_pay.py", "tests.test_pay", False),
    ]
    relative = next(v for v in everyone if v.path == "app/orders/service.py")
    assert relative.imported == "app.payments.core:Gateway"
    assert relative.suggestion == "from app.payments import Gateway"

    allowed = InterfaceContract(
        name="payments", package="app.payments", allowed_importers=("tests.**", "app.admin.*", "scripts/*-*.py")
    )
    assert sorted(v.path for v in _findings(tree, allowed)) == ["app/orders/service.py", "scripts/pay.py"]


def test_nested_packages_under_one_contract_and_a_contract_of_their_own():
    tree = {
        **PAYMENTS,
        "app/payments/backends/_wire.py": "def send():\n    pass\n",
        "app/payments/refunds.py": "from app.payments.backends._wire import send\n",
        "app/orders/service.py": "from app.payments.backends._wire import send\n",
    }
    outer = _findings(tree, PAYMENTS_CONTRACT)
    # the package's own modules, nested ones included, may use each other's internals
    assert [(v.path, v.code) for v in outer] == [("app/orders/service.py", "AG501")]

    inner = InterfaceContract(name="backends", package="app.payments.backends")
    both = _findings(tree, PAYMENTS_CONTRACT, inner)
    assert sorted((v.path, v.contract) for v in both) == [
        ("app/orders/service.py", "backends"),
        ("app/orders/service.py", "payments"),
        ("app/payments/refunds.py", "backends"),
    ]


def test_attribute_chains_through_a_plain_import_reach_in_too():
    tree = {
        **PAYMENTS,
        "app/orders/service.py": """\
            import app.payments
            import app.payments.models


            def pay():
                app.payments.Gateway()
                app.payments.core.internal()
                app.payments._helper_impl()
                return app.payments.models.Refund
            """,
    }
    found = _findings(tree, PAYMENTS_CONTRACT)
    assert [(v.line, v.code, v.statement, v.fixable) for v in found] == [
        (2, "AG501", "import app.payments.models", False),
        (7, "AG501", "app.payments.core.internal", False),
        (8, "AG502", "app.payments._helper_impl", False),
        # line 9: app.payments.models was reported at its import already
    ]
    assert found[1].message == (
        "internal imported from app.payments.core, a non-public module of app.payments "
        "(by attribute: app.payments.core.internal); app.payments does not export it: export it from "
        "app.payments, or list app.payments.core in also_public"
    )


def test_a_face_that_cannot_be_read_reports_no_unexported_names():
    tree = {
        "pkg/__init__.py": "from .impl import *\n__all__ = impl.__all__ + ['extra']\n",
        "pkg/impl.py": "__all__ = ['A']\n\n\nclass A:\n    pass\n\n\nclass B:\n    pass\n",
        "broken/__init__.py": "def (:\n",
        "broken/impl.py": "class C:\n    pass\n",
        # writes its own namespace: what it exports is anyone's guess
        "dyn/__init__.py": "for _name in ('A', 'B'):\n    globals()[_name] = _name\n",
        "dyn/impl.py": "class D:\n    pass\n",
        "use.py": (
            "from pkg import B\nfrom pkg import _x\nfrom pkg.impl import A\nfrom broken.impl import C\n"
            "from dyn import A as DA\nfrom dyn.impl import D\n\nA()\n"
        ),
    }
    found = _findings(
        tree,
        InterfaceContract(name="pkg", package="pkg"),
        InterfaceContract(name="broken", package="broken"),
        InterfaceContract(name="dyn", package="dyn"),
    )
    dyn = [v for v in found if v.contract == "dyn"]
    assert [(v.statement, v.code, v.fixable) for v in dyn] == [("from dyn.impl import D", "AG501", False)]
    assert dyn[0].reason.startswith("what dyn exports is unknown (dyn: ")
    found = [v for v in found if v.contract != "dyn"]
    assert _by_statement(found) == {
        "from pkg.impl import A": ("AG501", True, "from pkg import A"),
        "from broken.impl import C": (
            "AG501", False, "what broken exports is unknown (broken does not parse)",
        ),
    }


def test_contracts_on_missing_modules_are_configuration_errors():
    table, _, _ = make_table(PAYMENTS)
    with pytest.raises(ContractError) as caught:
        validate_interfaces(
            table,
            [
                InterfaceContract(name="a", package="app.nothing", source="contracts/x.toml:1"),
                InterfaceContract(
                    name="b", package="app.payments", also_public=("app.payments.gone",), source="contracts/x.toml:5"
                ),
            ],
        )
    assert list(caught.value.problems) == [
        "contracts/x.toml:1: package 'app.nothing' does not exist in the analysed tree",
        "contracts/x.toml:5: also_public 'app.payments.gone': module app.payments.gone does not exist",
    ]


def test_fix_leaves_an_import_two_nested_contracts_would_rewrite_two_ways():
    from archguard.analysis.fix_plan import plan_fix

    tree = {
        **PAYMENTS,
        "app/payments/backends/__init__.py": "from .stripe import StripeBackend\n\n__all__ = ['StripeBackend']\n",
        "app/orders/service.py": (
            "from app.payments.backends.stripe import StripeBackend\n\n\ndef main():\n    return StripeBackend\n"
        ),
    }
    inner = InterfaceContract(name="backends", package="app.payments.backends")
    found = _findings(tree, PAYMENTS_CONTRACT, inner)
    assert sorted((v.contract, v.suggestion) for v in found) == [
        ("backends", "from app.payments.backends import StripeBackend"),
        ("payments", "from app.payments import StripeBackend"),
    ]
    plan = plan_fix(found)
    assert plan.edits == {}
    assert {n.reason for n in plan.not_fixed} == {
        "contracts disagree on the canonical path of this object "
        "(app.payments.backends:StripeBackend, app.payments:StripeBackend): settle the contracts first"
    }


def test_findings_are_built_with_the_fingerprints_assign_fingerprints_gives_them():
    """Each finding is built once with its fingerprint (a broad contract has thousands): the same
    fingerprints, and the same order, as fingerprinting them afterwards gives, repeated statements
    in one file told apart by occurrence (an attribute chain is found after the imports: it is
    listed in line order all the same)."""
    tree = {
        **PAYMENTS,
        "app/orders/service.py": """\
            import app.payments
            from app.payments.core import internal
            from app.payments.core import internal


            def pay():
                return app.payments.models.Refund()


            from app.payments.core import internal, _GatewayImpl
            """,
        "tests/test_orders.py": "from app.payments.core import internal\nfrom app.payments.core import internal\n",
    }
    found = _findings(tree, PAYMENTS_CONTRACT)
    unfingerprinted = [v._replace(fingerprint="") for v in found]
    assert found == assign_fingerprints(unfingerprinted)
    assert len({v.fingerprint for v in found}) == len(found) == 7
    assert [(v.path, v.line) for v in found] == sorted((v.path, v.line) for v in found)
    assert [v.line for v in found if v.path == "app/orders/service.py"] == [2, 3, 7, 10, 10]
