"""Which facets of a module an edit changes (``analysis/facets.changed_facets``): the shapes of
its classes and functions (what discover compares) are part of ``#facts`` only."""

from __future__ import annotations

import textwrap

from archguard.adapters.parsing.facts_ast import extract_facts
from archguard.analysis.facets import changed_facets
from archguard.domain.facts import FileFacts

BEFORE = """
    import app.base

    class Service(app.base.Base):
        def run(self, job):
            pass

    def make_service(config) -> Service:
        return Service()
"""


def facts(source: str) -> FileFacts:
    return extract_facts(textwrap.dedent(source))


def test_a_changed_shape_changes_the_modules_facts_and_no_name() -> None:
    before = facts(BEFORE)
    for edited in (
        BEFORE.replace("def run(self, job)", "def start(self, job)"),  # a class's members
        BEFORE.replace("make_service(config)", "make_service(config, debug)"),  # parameters
        BEFORE.replace("-> Service", "-> None"),  # a return annotation
    ):
        assert changed_facets("m", before, facts(edited)) == {"m\0#facts"}, edited


def test_definitions_moved_down_change_only_the_modules_lines() -> None:
    assert changed_facets("m", facts(BEFORE), facts("\n\n" + BEFORE)) == {"m\0#order"}
