"""The edges: file discovery, parsing, caching, grimp, import-linter and contract loading."""
