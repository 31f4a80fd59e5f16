"""Background services."""
