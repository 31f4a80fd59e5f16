"""What binds a name at a module's top level when it runs, most preferred first.

Both the symbol table (resolution follows the preferred binding) and the facets (a name's facet
records the order resolution prefers) read it, from a file's facts only.
"""

from __future__ import annotations

from archguard.domain.facts import Binding, BindingKind, FileFacts, ImportFact

Candidate = Binding | ImportFact
# A module constant: looked up on the enum class for each binding of each module, the member
# costs a sixth of candidates_of (a cold check builds the candidates of most modules).
_DELETE = BindingKind.DELETE


def is_runtime_binding(fact: ImportFact) -> bool:
    # Imports inside functions bind nothing at module level; TYPE_CHECKING imports do not run.
    return not fact.in_function and not fact.type_checking


def candidate_line(c: Candidate) -> int:
    return c.line


def candidate_rank(c: Candidate) -> int:
    """0 = unconditional, 1 = conditional import/definition, 2 = conditional plain assignment.

    ``try: from fast import X`` / ``except ImportError: X = None`` must resolve to the import:
    the fallback value is what the code hopes never to use.
    """
    if isinstance(c, ImportFact):
        return 1 if (c.guarded or c.conditional) else 0
    if not c.conditional:
        return 0
    return 2 if c.kind is BindingKind.ASSIGN else 1


def candidates_of(
    facts: FileFacts | None,
) -> tuple[dict[str, list[Candidate]], dict[str, list[Candidate]] | None]:
    """Per name, what binds it at module level at run time, most preferred first, and (when some
    name is deleted) the same before the ``del`` statements: (after ``del``, before or None)."""
    by_name: dict[str, list[Candidate]] = {}
    deleted: dict[str, int] = {}  # name -> line of its last unconditional ``del``
    if facts is not None:
        for b in facts.bindings:
            if b.kind is _DELETE:
                if not b.conditional:  # ``del X`` under if/try may not run: ignored
                    deleted[b.name] = max(b.line, deleted.get(b.name, 0))
                continue
            by_name.setdefault(b.name, []).append(b)
        for fact in facts.imports:
            if is_runtime_binding(fact):  # cheap test first: most imports sit in defs
                bound = fact.bound_name
                if bound is not None:
                    by_name.setdefault(bound, []).append(fact)
    for cands in by_name.values():
        if len(cands) > 1:  # most names are bound once: nothing to order
            # Most preferred first: unconditional before conditional, later lines first.
            cands.sort(key=lambda c: (candidate_rank(c), -candidate_line(c)))
    if not deleted:
        return by_name, None
    before_del = by_name
    by_name = dict(by_name)
    for name, line in deleted.items():
        # Only what is bound again after the ``del`` survives it.
        after = [c for c in by_name.get(name, ()) if c.line > line]
        if after:
            by_name[name] = after
        else:
            by_name.pop(name, None)
    return by_name, before_del
