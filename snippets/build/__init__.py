"""Examples for the build pages (see docs/contributing.md)."""
