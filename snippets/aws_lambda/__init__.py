"""Examples for the aws_lambda pages (see docs/contributing.md)."""
