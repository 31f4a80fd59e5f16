"""archguard fix at the edge: the libcst import rewriter and the journal of atomic writes and
rollback (docs/fix.md)."""
