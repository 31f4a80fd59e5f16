"""The groups the overview and the dependency matrix draw, their layer order and the matrix
(analysis/structure.py), and the compact JSON the page draws them from (reporting/structure_json)."""

from __future__ import annotations

import pytest

from archguard.analysis.structure import dependency_matrix, layer_order, package_key, partition
from archguard.domain.sources import SourceFile
from archguard.reporting.structure_json import structure_to_json


def package(module: str) -> SourceFile:
    return SourceFile(module.replace(".", "/") + "/__init__.py", module, loose=False, is_package=True)


def module(name: str) -> SourceFile:
    return SourceFile(name.replace(".", "/") + ".py", name, loose=False, is_package=False)


def loose(path: str) -> SourceFile:
    return SourceFile(path, path.removesuffix(".py").replace("/", "."), loose=True, is_package=False)


def django_like(apps: int = 56, modules_each: int = 3) -> list[SourceFile]:
    """``src/proj/apps/<app>/...`` with many apps: at a fixed depth of 2 it is one ``proj.apps`` box."""
    files = [package("proj"), package("proj.apps"), package("proj.settings"), module("proj.urls")]
    for i in range(apps):
        files.append(package(f"proj.apps.app{i:02}"))
        files += [module(f"proj.apps.app{i:02}.m{j}") for j in range(modules_each)]
    files += [loose(f"tests/test_{i}.py") for i in range(20)]
    return files


def groups_of(files: list[SourceFile], budget: int = 40) -> set[tuple[str, ...]]:
    return set(partition({f.module: package_key(f) for f in files}, budget).values())


def test_keys_name_each_level_as_a_reader_sees_it() -> None:
    assert package_key(module("billing.core.manager")) == ("billing", "billing.core", "billing.core.manager")
    assert package_key(package("billing.core")) == ("billing", "billing.core")
    assert package_key(loose("tests/unit/test_a.py")) == ("tests/", "tests/unit/", "tests/unit/test_a.py")
    assert package_key(loose("oneoff.py")) == ("(root scripts)", "oneoff.py")


def test_the_largest_package_is_opened_into_subpackages_and_keeps_its_own_modules() -> None:
    files = [package("big"), module("big.helpers"), package("small"), module("small.x")]
    for sub in ("a", "b", "c"):
        files += [package(f"big.{sub}"), *(module(f"big.{sub}.m{i}") for i in range(5))]
    groups = {g[-1] for g in groups_of(files)}
    # big/__init__ and big.helpers stay in "big"; each subpackage is a group; small is not opened
    # into single modules (only packages are opened, not modules)
    assert groups == {"big", "big.a", "big.b", "big.c", "small"}
    mapping = partition({f.module: package_key(f) for f in files})
    assert mapping["big.helpers"] == ("big",) and mapping["big.a.m3"] == ("big", "big.a")


def test_a_chain_of_single_packages_costs_nothing_and_a_dominant_package_opens_past_the_budget() -> None:
    files = django_like()
    groups = {g[-1] for g in groups_of(files)}  # budget 40, 56 apps: opened since apps hold most code
    assert {f"proj.apps.app{i:02}" for i in range(56)} <= groups
    assert "tests/" in groups and len(groups) <= 80
    # not dominant (the tests are most of the tree): the apps package stays one box
    many_tests = django_like(apps=56, modules_each=1) + [loose(f"tests/t{i}.py") for i in range(400)]
    assert "proj.apps" in {g[-1] for g in groups_of(many_tests)}


def test_a_package_holding_only_its_init_above_one_subpackage_is_not_a_group_of_its_own() -> None:
    files = [package("app"), package("app.integrations"), package("app.integrations.partners"),
             module("app.integrations.partners.adapter"), module("app.integrations.partners.client"),
             package("app.core"), module("app.core.manager"), module("app.views")]
    groups = {g[-1] for g in groups_of(files)}
    assert groups == {"app", "app.integrations.partners", "app.core"}  # app keeps app.views: not alone
    mapping = partition({f.module: package_key(f) for f in files})
    assert mapping["app.integrations"] == ("app", "app.integrations", "app.integrations.partners")


def test_the_budget_is_never_exceeded_by_an_ordinary_package() -> None:
    files = [package("app")] + [f for i in range(30) for f in (package(f"app.p{i}"), module(f"app.p{i}.m"))]
    files += [package("other")] + [f for i in range(30) for f in (package(f"other.q{i}"), module(f"other.q{i}.m"))]
    assert len(groups_of(files, budget=40)) <= 40
    assert len(groups_of(files, budget=100)) == 62  # both opened: 60 subpackages + the two packages


def test_layer_order_puts_importers_first_and_keeps_each_cycle_together() -> None:
    weights = {("ui", "services"): 5, ("services", "core"): 7, ("ui", "core"): 1, ("core", "db"): 2,
               ("db", "core"): 1, ("tools", "db"): 1}
    runs = layer_order(["core", "db", "services", "tools", "ui"], weights)
    order = [name for run in runs for name in run]
    assert order.index("ui") < order.index("services") < order.index("core")
    assert ["core", "db"] in runs  # one cycle, one run: core imports db more than db imports core
    assert order.index("tools") < order.index("db")


def test_the_matrix_counts_statements_marks_cycles_and_what_goes_against_the_order() -> None:
    files = [package("app"), *(package(f"app.{p}") for p in ("ui", "services", "core", "db")),
             module("app.ui.views"), module("app.services.orders"), module("app.core.models"), module("app.db.session"),
             loose("tests/test_views.py")]
    imports = {
        ("app.ui.views", "app.services.orders"): (3, 4),
        ("app.services.orders", "app.core.models"): (1,),
        ("app.core.models", "app.db.session"): (2,),
        ("app.db.session", "app.core.models"): (9,),  # a cycle between core and db
        ("app.core.models", "app.core"): (1,),  # within app.core
        ("tests.test_views", "app.ui.views"): (1, 2),
    }
    matrix = dependency_matrix(files, imports)
    names = [g.name for g in matrix.groups]
    assert names.index("tests/") < names.index("app.ui") < names.index("app.services") < names.index("app.core")
    ui, services = names.index("app.ui"), names.index("app.services")
    assert matrix.imports[(ui, services)] == 2  # statements, not module pairs
    core, db = names.index("app.core"), names.index("app.db")
    assert abs(core - db) == 1 and matrix.cycles == ((min(core, db), max(core, db)),)
    assert matrix.groups[core].cycle == matrix.groups[db].cycle == 0
    assert matrix.against == 1  # db imports core more than core imports db: core -> db is the one against
    assert matrix.internal[core] == 1
    assert matrix.group_of["app.ui.views"] == ui and matrix.groups[names.index("tests/")].loose


def test_a_focused_matrix_shows_the_modules_of_one_package() -> None:
    files = [package("app"), package("app.core"), module("app.core.a"), module("app.core.b"), module("app.other")]
    matrix = dependency_matrix(files, {("app.core.a", "app.core.b"): (1,), ("app.other", "app.core.a"): (5,)},
                               focus="app.core")
    assert [g.name for g in matrix.groups] == ["app.core.a", "app.core.b"]
    assert matrix.title == "modules of app.core" and matrix.imports == {(0, 1): 1}
    with pytest.raises(ValueError, match="no package or folder named 'nowhere'"):
        dependency_matrix(files, {}, focus="nowhere")


def test_the_json_lists_each_level_once_parents_first_with_lines_and_groups() -> None:
    files = [package("app"), package("app.core"), module("app.core.a"), loose("tests/test_a.py")]
    imports = {("tests.test_a", "app.core.a"): (1, 7), ("app.core.a", "app"): (2,)}
    data = structure_to_json(files, imports, dependency_matrix(files, imports))
    nodes = data["import_graph"]["nodes"]
    assert nodes["names"] == ["app", "app.core", "app.core.a", "tests/", "tests/test_a.py"]
    names, parents, paths = nodes["names"], nodes["parents"], nodes["paths"]
    assert all(parent < index for index, parent in enumerate(parents) if parent >= 0)
    where = {name: i for i, name in enumerate(names)}
    assert paths[where["app.core.a"]] == "app/core/a.py" and paths[where["tests/"]] == ""
    assert parents[where["app.core.a"]] == where["app.core"] and parents[where["app"]] == -1
    assert [where["tests/test_a.py"], where["app.core.a"], [1, 7]] in data["import_graph"]["edges"]
    dsm = data["dsm"]
    assert len(dsm["node_group"]) == len(names)
    assert {dsm["groups"][dsm["node_group"][where[n]]]["name"] for n in ("app.core.a", "app.core")} == {"app.core"}
    # app/__init__ alone says nothing beside its one subpackage: it joins it
    assert dsm["groups"][dsm["node_group"][where["app"]]]["name"] == "app.core"
    assert [c for c in dsm["cells"] if c[2] == 2]  # the two statements from tests/ into app
