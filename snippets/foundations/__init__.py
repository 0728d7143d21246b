"""Examples for the foundations pages (see docs/contributing.md)."""
