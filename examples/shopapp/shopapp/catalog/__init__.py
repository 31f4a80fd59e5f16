"""Product catalogue."""
