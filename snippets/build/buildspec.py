"""The buildspec page's own examples: the buildspecs it runs, and the helper that runs one.

The checker and the local runner are cicd-check's (``cicd_check.buildspec`` and
``cicd_check.runner``, documented on the Tools pages); this module only holds what the
page's proofs need. ``run_example`` is shown on docs/how-examples-run.md, not on the
teaching page: it is plumbing, not part of the lesson.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from cicd_check import run_buildspec
from cicd_check.runner import BuildRun, codebuild_environment

# The CodeBuild page shows which variables the runner sets: it imports them from here.
__all__ = ["EXAMPLES", "codebuild_environment", "run_example"]

EXAMPLES = Path(__file__).with_name("examples")  # the buildspecs the page runs


# --8<-- [start:run_example]
def run_example(name: str, **kwargs: Any) -> tuple[BuildRun, list[str]]:
    """Run one example buildspec in a throwaway directory: the run, and the .txt files left."""
    with tempfile.TemporaryDirectory() as work:
        result = run_buildspec((EXAMPLES / name).read_text(), Path(work), **kwargs)
        files = sorted(p.relative_to(work).as_posix() for p in Path(work).rglob("*.txt")
                       if ".codebuild-local" not in p.parts)
        return result, files
# --8<-- [end:run_example]
