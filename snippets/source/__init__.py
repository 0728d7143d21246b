"""Examples for the source pages (see docs/contributing.md)."""
