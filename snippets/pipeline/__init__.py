"""Examples for the pipeline pages (see docs/contributing.md)."""
