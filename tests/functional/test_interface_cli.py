"""Interface contracts through the commands a user runs: ``check`` (every output format, the
baseline, ``--changed``, a warm cache after an edit), ``fix`` (rewritten, verified, all or
nothing), plain ``lint-imports`` with ``InterfaceContract``, and bad contracts (exit 2)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.functional.test_changed import feature_branch
from tests.helpers import DATA, git, run_cli, write_tree

TREE = {
    "app/__init__.py": "",
    "app/payments/__init__.py": (
        "from .core import Gateway\nfrom .core import charge as pay\n\n__all__ = ['Gateway', 'pay']\n\nhelper = 1\n"
    ),
    "app/payments/core.py": "class Gateway:\n    pass\n\n\ndef charge():\n    pass\n\n\ndef internal():\n    pass\n",
    "app/orders/__init__.py": "",
    "app/orders/service.py": (
        "from app.payments.core import Gateway\n"
        "from app.payments.core import internal\n"
        "from app.payments import helper\n\n\n"
        "def main():\n    return Gateway, internal, helper\n"
    ),
    "app/orders/refunds.py": (
        "from ..payments.core import charge\nfrom app.payments import Gateway\n\n\n"
        "def refund():\n    return charge, Gateway\n"
    ),
    "scripts/settle.py": "from app.payments.core import Gateway\n\nGateway()\n",
    "tests/test_payments.py": "from app.payments.core import internal\n\n\ndef test_it():\n    internal()\n",
    "contracts/payments.toml": (
        '[[interface]]\nname = "payments"\npackage = "app.payments"\n'
        'allowed_importers = ["tests.**"]\nreason = "see ADR-7"\n'
    ),
}


def check_json(root: Path, *args: str) -> tuple[int, dict]:
    run = run_cli("check", root, "--json", "-", *args)
    assert run.returncode in (0, 1), run.stderr
    return run.returncode, json.loads(run.stdout[: run.stdout.rindex("}") + 1])


def found(data: dict) -> set[tuple[str, str, int, bool]]:
    return {(v["code"], v["path"], v["line"], v["fixable"]) for v in data["violations"] if v["code"].startswith("AG5")}


EXPECTED = {
    ("AG501", "app/orders/service.py", 1, True),
    ("AG501", "app/orders/service.py", 2, False),
    ("AG503", "app/orders/service.py", 3, False),
    ("AG501", "app/orders/refunds.py", 1, True),
    ("AG501", "scripts/settle.py", 1, True),
}


def test_check_reports_every_reach_in_with_its_fix_in_json(tmp_path: Path) -> None:
    root = write_tree(tmp_path, TREE)
    code, data = check_json(root)
    assert code == 1
    assert found(data) == EXPECTED
    assert data["contracts"][0] == "payments"
    first = next(v for v in data["violations"] if v["path"] == "app/orders/refunds.py")
    assert first["kind"] == "non-public-import"
    assert first["contract"] == "payments"
    assert first["imported"] == "app.payments.core:charge"
    assert first["canonical"] == "app.payments:pay"
    assert first["statement"] == "from ..payments.core import charge"
    unfixable = next(v for v in data["violations"] if v["line"] == 2 and v["path"] == "app/orders/service.py")
    assert unfixable["reason"].startswith("app.payments does not export it")


@pytest.mark.parametrize("output_format", ["sarif", "junit", "github", "gitlab", "text"])
def test_every_output_format_carries_the_new_codes(tmp_path: Path, output_format: str) -> None:
    root = write_tree(tmp_path, TREE)
    run = run_cli("check", root, "--format", output_format)
    assert run.returncode == 1, run.stderr
    out = run.stdout
    assert out.count("AG501") >= 4 and "AG503" in out
    if output_format == "sarif":
        jsonschema = pytest.importorskip("jsonschema")
        log = json.loads(out)
        schema = json.loads((DATA / "sarif-schema-2.1.0.json").read_text())
        jsonschema.validate(log, schema)
        rules = {r["id"]: r for r in log["runs"][0]["tool"]["driver"]["rules"]}
        assert rules["AG501"]["properties"]["kind"] == "non-public-import"
        results = [r for r in log["runs"][0]["results"] if r["ruleId"].startswith("AG5")]
        assert len(results) == len(EXPECTED)
    if output_format == "text":
        assert "payments (public face of app.payments): see ADR-7" in out
        assert (
            "app/orders/refunds.py:1:1: AG501 charge imported from app.payments.core, a non-public module of "
            "app.payments; use: from app.payments import pay as charge"
        ) in out


def test_the_baseline_takes_them_and_a_new_reach_in_fails(tmp_path: Path) -> None:
    root = write_tree(tmp_path, TREE)
    baseline = root / "baseline.json"
    assert run_cli("baseline", root, "--baseline", baseline).returncode == 0
    assert run_cli("check", root, "--baseline", baseline).returncode == 0
    write_tree(root, {"scripts/report.py": "from app.payments.core import internal\n\ninternal()\n"})
    code, data = check_json(root, "--baseline", str(baseline))
    assert code == 1
    new = [(v["code"], v["path"]) for v in data["violations"] if not v["baselined"]]
    assert new == [("AG501", "scripts/report.py")]


def test_changed_counts_an_export_removed_at_its_importers(tmp_path: Path) -> None:
    root = feature_branch(tmp_path / "repo", TREE)
    code, data = check_json(root, "--changed")
    assert code == 0 and found(data) == set()
    # The package stops exporting ``pay``: the untouched importer's fix no longer exists, and its
    # ``from app.payments import pay`` elsewhere becomes AG503; both count against this change.
    write_tree(
        root,
        {
            "app/payments/__init__.py": (
                "from .core import Gateway\nfrom .core import charge as pay\n\n__all__ = ['Gateway']\n\nhelper = 1\n"
            ),
            "app/billing.py": "from app.payments import pay\n\n\ndef bill():\n    return pay\n",
        },
    )
    git(root, "add", "-A")
    git(root, "commit", "-qm", "narrow the face")
    code, data = check_json(root, "--changed")
    assert code == 1
    assert {(v["code"], v["path"]) for v in data["violations"] if v["code"].startswith("AG5")} == {
        ("AG503", "app/billing.py"),
        ("AG503", "app/orders/service.py"),  # from app.payments import helper: its module changed
        ("AG501", "app/orders/refunds.py"),
        ("AG501", "app/orders/service.py"),
        ("AG501", "scripts/settle.py"),
    }


def test_a_warm_run_after_editing_the_face_equals_a_cold_one(tmp_path: Path) -> None:
    root = write_tree(tmp_path, TREE)
    check_json(root)
    write_tree(
        root,
        {"app/payments/__init__.py": "from .core import Gateway, internal\n\n__all__ = ['Gateway', 'internal']\nhelper = 1\n"},
    )
    warm = check_json(root)[1]
    cold = check_json(root, "--no-cache")[1]
    assert found(warm) == found(cold) == {
        ("AG501", "app/orders/service.py", 1, True),
        ("AG501", "app/orders/service.py", 2, True),  # internal is exported now
        ("AG503", "app/orders/service.py", 3, False),
        ("AG501", "app/orders/refunds.py", 1, False),  # charge is not any more
        ("AG501", "scripts/settle.py", 1, True),
    }


def test_fix_rewrites_every_fixable_reach_in_and_check_agrees(tmp_path: Path) -> None:
    root = write_tree(tmp_path, TREE)
    run = run_cli("fix", root, "--json", "-")
    assert run.returncode == 0, run.stdout + run.stderr
    result = json.loads(run.stdout[: run.stdout.rindex("}") + 1])
    assert result["status"] == "fixed"
    assert result["summary"]["fixed_violations"] == 3
    assert (root / "app/orders/refunds.py").read_text().startswith(
        "from ..payments import pay as charge\nfrom app.payments import Gateway\n"
    )
    assert (root / "scripts/settle.py").read_text() == "from app.payments import Gateway\n\nGateway()\n"
    assert (root / "app/orders/service.py").read_text().startswith(
        "from app.payments import Gateway\nfrom app.payments.core import internal\n"
    )
    assert {(n["code"], n["path"]) for n in result["not_fixed"]} == {
        ("AG501", "app/orders/service.py"),
        ("AG503", "app/orders/service.py"),
    }
    assert not (root / ".archguard_fix_journal").exists()
    _, data = check_json(root)
    assert found(data) == {("AG501", "app/orders/service.py", 2, False), ("AG503", "app/orders/service.py", 3, False)}
    again = run_cli("fix", root)
    assert again.returncode == 0 and "Nothing to fix." in again.stdout


def test_fix_of_one_contract_by_name(tmp_path: Path) -> None:
    root = write_tree(tmp_path, TREE)
    run = run_cli("fix", root, "--concept", "payments", "--dry-run")
    assert run.returncode == 0, run.stderr
    assert "+from app.payments import Gateway" in run.stdout
    assert run_cli("fix", root, "--concept", "nope").returncode == 2


def test_check_runs_an_interface_contract_of_the_importlinter_configuration_natively(tmp_path: Path) -> None:
    tree = {k: v for k, v in TREE.items() if not k.startswith("contracts/")}
    tree[".importlinter"] = IMPORTLINTER
    root = write_tree(tmp_path, tree)
    code, data = check_json(root)
    assert code == 1
    # loose scripts too, which lint-imports never sees
    assert found(data) == EXPECTED


IMPORTLINTER = """\
[importlinter]
root_packages =
    app
contract_types =
    interface: archguard.importlinter.InterfaceContract

[importlinter:contract:payments]
name = payments
type = interface
package = app.payments
allowed_importers =
    tests.**
reason = see ADR-7
"""


def lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(root), "COLUMNS": "250", "NO_COLOR": "1"}
    return subprocess.run(
        [str(Path(sys.executable).with_name("lint-imports")), "--no-cache"],
        cwd=root, env=env, capture_output=True, text=True, timeout=120, check=False,
    )


def test_lint_imports_runs_the_interface_contract(tmp_path: Path) -> None:
    tree = {k: v for k, v in TREE.items() if not k.startswith("contracts/")}
    root = write_tree(tmp_path, {**tree, ".importlinter": IMPORTLINTER})
    broken = lint_imports(root)
    assert broken.returncode == 1, broken.stdout + broken.stderr
    assert "payments BROKEN" in broken.stdout
    assert (
        "app/orders/refunds.py:1: AG501 charge imported from app.payments.core, a non-public module of app.payments; "
        "use: from app.payments import pay as charge"
    ) in broken.stdout
    assert "Reason: see ADR-7" in broken.stdout
    assert "scripts/settle.py" not in broken.stdout  # lint-imports sees the root packages only

    write_tree(
        root,
        {
            "app/orders/service.py": "from app.payments import Gateway\n",
            "app/orders/refunds.py": "from app.payments import pay\n",
        },
    )
    kept = lint_imports(root)
    assert kept.returncode == 0, kept.stdout + kept.stderr
    assert "payments KEPT" in kept.stdout


@pytest.mark.parametrize(
    ("contract", "message"),
    [
        ('[[interface]]\nname = "p"\n', "contracts/p.toml:1: interface needs a non-empty string 'package'"),
        ('[[interface]]\nname = "p"\npackage = "app.payments"\nalso_public = ["app.orders"]\n',
         "contracts/p.toml:4: also_public 'app.orders' is not inside the package app.payments"),
        ('[[interface]]\nname = "p"\npackage = "app/payments"\n',
         "contracts/p.toml:3: package 'app/payments' must be a dotted module name"),
        ('[[interface]]\nname = "p"\npackage = "app.payment"\n',
         "contracts/p.toml:1: package 'app.payment' does not exist in the analysed tree"),
        ('[[interface]]\nname = "p"\npackage = "app.payments"\nexports = []\n',
         "contracts/p.toml:4: unknown field 'exports'"),
        ('[[concept]]\nname = "p"\ncanonical = "app.payments:Gateway"\n\n[[interface]]\nname = "p"\npackage = "app.payments"\n',
         "contracts/p.toml:5: interface name 'p' is already used at contracts/p.toml:1"),
    ],
)
def test_a_bad_interface_contract_is_exit_2_naming_file_and_line(tmp_path: Path, contract: str, message: str) -> None:
    tree = {k: v for k, v in TREE.items() if not k.startswith("contracts/")}
    root = write_tree(tmp_path, {**tree, "contracts/p.toml": contract})
    run = run_cli("check", root)
    assert run.returncode == 2, run.stdout + run.stderr
    assert message in run.stderr


def test_discover_drafts_an_interface_contract_per_package_reached_past_its_all(tmp_path: Path) -> None:
    tree = {k: v for k, v in TREE.items() if not k.startswith("contracts/")}
    tree.update(
        {
            # declares __all__, reached only through it: no draft
            "app/quiet/__init__.py": "from .impl import Q\n\n__all__ = ['Q']\n",
            "app/quiet/impl.py": "class Q:\n    pass\n",
            "app/uses_quiet.py": "from app.quiet import Q\n\n\ndef q():\n    return Q\n",
            # reached into, but no __all__: no draft either
            "app/noall/__init__.py": "",
            "app/noall/impl.py": "class N:\n    pass\n",
            "app/uses_noall.py": "from app.noall.impl import N\n\n\ndef n():\n    return N\n",
        }
    )
    root = write_tree(tmp_path, tree)
    drafts = tmp_path / "drafts"
    run = run_cli("discover", root, "--write-contracts", drafts, "--json", root / "discover.json")
    assert run.returncode == 0, run.stderr
    assert sorted(p.name for p in drafts.iterdir()) == ["interface-app.payments.toml"]
    text = (drafts / "interface-app.payments.toml").read_text()
    # tests/ reaches in too (the hand-written contract above allows it; the draft does not)
    assert "# 6 imports would break today (5 AG501, 1 AG503); `archguard fix` rewrites 3 of them" in text
    assert "# Reached from: app.orders (4), scripts (1), tests (1)" in text
    assert '# 1 of them is in test files: allowed_importers = ["tests.**"] would let tests reach in.' in text
    listed = json.loads((root / "discover.json").read_text())["interface_candidates"]
    assert [(c["package"], c["breaks"], c["fixable"]) for c in listed] == [("app.payments", 6, 3)]
    assert "interface-app.payments.toml" in run.stdout
    # the draft loads as it is, and check reports exactly what it announced
    code, data = check_json(root, "--contracts", str(drafts))
    assert code == 1
    assert len([v for v in data["violations"] if v["contract"] == "app.payments-interface"]) == 6


def test_report_has_a_section_and_a_diagram_per_interface_contract(tmp_path: Path) -> None:
    root = write_tree(tmp_path, TREE)
    out = tmp_path / "out"
    run = run_cli("report", root, "--out", out, "-q")
    assert run.returncode == 1, run.stderr
    report = json.loads((out / "report.json").read_text())
    (interface,) = report["interfaces"]
    assert interface["name"] == "payments" and interface["package"] == "app.payments"
    assert interface["exports"] == ["Gateway", "pay"] and interface["exports_listed"]
    assert (interface["violations"], interface["fixable"]) == (5, 3)
    assert [(r["importer"], r["count"], r["fixable"], r["by_code"]) for r in interface["reach_ins"]] == [
        ("app.orders", 4, 2, {"AG501": 3, "AG503": 1}),
        ("scripts", 1, 1, {"AG501": 1}),
    ]
    assert interface["reached"] == [
        {"module": "app.payments.core", "count": 4, "fixable": 3},
        {"module": "app.payments", "count": 1, "fixable": 0},
    ]
    # refunds.py's ``from app.payments import Gateway`` uses the face as it should; tests/ is allowed
    assert interface["through_face"] == [{"importer": "app.orders", "count": 1}]

    markdown = (out / "report.md").read_text()
    assert "## Interface contracts" in markdown
    assert "| `app.orders` | 4 | 2 | 3 `AG501`, 1 `AG503` | `app.payments.core` (3), `app.payments` (1) |" in markdown

    dot = (out / "graphs" / "interface-01-payments.dot").read_text()
    assert 'label="app.payments\\npublic face: 2 name(s) in __all__\\nGateway, pay"' in dot
    assert 'label=".core\\n4 reach-in(s), 3 fixable"' in dot
    assert dot.count('color="#c62828"') >= 3  # the reach-ins, in red (and the reached module's border)
    html = (out / "index.html").read_text()
    assert '<section id="interfaces"><h2>Interface contracts (1)</h2>' in html
    assert "Interface payments: 5 reach-in(s) past the public face of app.payments, 3 fixable" in html


def test_fix_leaves_imports_that_a_concept_and_an_interface_contract_send_opposite_ways(tmp_path: Path) -> None:
    # The concept names a canonical path past the package's public face: each contract's rewrite
    # would be the other's finding, so fix rewrites neither and says why; check reports both, unfixable.
    tree = {k: v for k, v in TREE.items() if not k.startswith("contracts/")}
    tree["app/orders/other.py"] = "from app.payments import Gateway\n\n\ndef other():\n    return Gateway\n"
    tree["contracts/payments.toml"] = (
        '[[interface]]\nname = "payments"\npackage = "app.payments"\nallowed_importers = ["tests.**"]\n\n'
        '[[concept]]\nname = "gateway"\ncanonical = "app.payments.core:Gateway"\n'
    )
    root = write_tree(tmp_path, tree)
    _, data = check_json(root)
    assert {(v["code"], v["path"]) for v in data["violations"] if v["contract"] == "gateway"} == {
        ("AG101", "app/orders/other.py"),
        ("AG101", "app/orders/refunds.py"),
    }
    conflict = "contracts disagree on the canonical path of this object (app.payments.core:Gateway, app.payments:Gateway)"
    # check says what fix will do: the imports the two contracts send opposite ways are not fixable
    flags = {(v["code"], v["path"], v["line"]): (v["fixable"], v.get("reason")) for v in data["violations"]}
    assert flags[("AG101", "app/orders/other.py", 1)] == (False, conflict + ": settle the contracts first")
    assert flags[("AG501", "app/orders/service.py", 1)] == (False, conflict + ": settle the contracts first")
    assert flags[("AG101", "app/orders/refunds.py", 2)] == (False, conflict + ": settle the contracts first")
    assert flags[("AG501", "app/orders/refunds.py", 1)] == (True, None)  # what they agree on stays fixable
    before = {p: (root / p).read_text() for p in ("app/orders/other.py", "app/orders/service.py")}
    run = run_cli("fix", root, "--json", "-")
    assert run.returncode == 0, run.stdout + run.stderr
    result = json.loads(run.stdout[: run.stdout.rindex("}") + 1])
    reasons = {(n["code"], n["path"], n["line"]): n["reason"] for n in result["not_fixed"]}
    assert reasons[("AG101", "app/orders/other.py", 1)].startswith(conflict)
    assert reasons[("AG501", "app/orders/service.py", 1)].startswith(conflict)
    assert {p: (root / p).read_text() for p in before} == before
    # what the contracts agree on is still fixed: charge has one public path and no concept
    assert (root / "app/orders/refunds.py").read_text().startswith("from ..payments import pay as charge\n")


def test_a_package_in_a_workspace_members_source_root_has_its_contract_checked_and_fixed(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path,
        {
            "pyproject.toml": '[project]\nname = "root"\nversion = "0"\n\n[tool.uv.workspace]\nmembers = ["libs/*"]\n',
            "libs/a/pyproject.toml": '[project]\nname = "acme-a"\nversion = "0"\n',
            "libs/a/src/acme_a/__init__.py": "from ._impl import Thing\n\n__all__ = ['Thing']\n",
            "libs/a/src/acme_a/_impl.py": "class Thing:\n    pass\n",
            "libs/b/pyproject.toml": '[project]\nname = "acme-b"\nversion = "0"\ndependencies = ["acme-a"]\n',
            "libs/b/src/acme_b/__init__.py": "",
            "libs/b/src/acme_b/use.py": "from acme_a._impl import Thing\n\n\ndef use():\n    return Thing\n",
            "libs/b/tests/test_use.py": "from acme_a._impl import Thing\n\n\ndef test_it():\n    assert Thing\n",
            "contracts/a.toml": '[[interface]]\nname = "a"\npackage = "acme_a"\n',
        },
    )
    code, data = check_json(root)
    assert code == 1
    assert found(data) == {
        ("AG501", "libs/b/src/acme_b/use.py", 1, True),
        ("AG501", "libs/b/tests/test_use.py", 1, True),
    }
    assert run_cli("fix", root).returncode == 0
    assert (root / "libs/b/src/acme_b/use.py").read_text().startswith("from acme_a import Thing\n")
    assert check_json(root)[0] == 0


def test_lint_imports_reads_also_public_and_allowed_importers_as_lists(tmp_path: Path) -> None:
    tree = {k: v for k, v in TREE.items() if not k.startswith("contracts/")}
    config = IMPORTLINTER.replace(
        "allowed_importers =\n    tests.**\n",
        "also_public =\n    app.payments.core\nallowed_importers =\n    tests.**\n    app.orders.refunds\n",
    )
    root = write_tree(tmp_path, {**tree, ".importlinter": config})
    run = lint_imports(root)
    assert run.returncode == 1, run.stdout + run.stderr
    # app.payments.core is public now, refunds may reach in: only the name __all__ leaves out is left
    lines = [line for line in run.stdout.splitlines() if ": AG5" in line]
    assert lines == [
        "app/orders/service.py:3: AG503 helper imported from app.payments is not exported by app.payments.__all__"
    ]
    # archguard check runs the same contract natively, with the same answer for the packages
    code, data = check_json(root)
    assert found(data) == {("AG503", "app/orders/service.py", 3, False)}


def test_the_page_says_how_many_more_modules_an_importer_reaches_than_it_lists(tmp_path: Path) -> None:
    tree = {**TREE, **{f"app/payments/m{i}.py": f"X{i} = {i}\n" for i in range(10)}}
    tree["scripts/everything.py"] = "".join(f"from app.payments.m{i} import X{i}\n" for i in range(10))
    root = write_tree(tmp_path, tree)
    out = tmp_path / "out"
    assert run_cli("report", root, "--out", out, "-q").returncode == 1
    html = (out / "index.html").read_text()
    row = html[html.index('<td class="clip" title="scripts">') :].split("</tr>")[0]
    assert row.count("<code>app.payments.") == 8 and "+3 more" in row  # ten m-modules and core
    markdown = (out / "report.md").read_text()
    assert "| `scripts` | 11 | 1 | 11 `AG501` |" in markdown and ", +7 more |" in markdown
