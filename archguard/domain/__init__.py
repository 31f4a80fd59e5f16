"""Pure values: what archguard knows about a codebase and what it found. No I/O here."""
