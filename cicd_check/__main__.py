"""``python -m cicd_check`` is the ``cicd-check`` command."""

from cicd_check.cli import main

raise SystemExit(main())
