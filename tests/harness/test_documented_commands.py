"""Commands the pages tell readers to run point at things that exist."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
NODE_ID = re.compile(r'pytest "(?P<node>docs/[^"]+::\[CodeFence#\d+\]\[line:\d+\])"')


def test_the_single_block_example_names_a_real_test_id() -> None:
    page = (REPO / "docs/how-examples-run.md").read_text()
    nodes = NODE_ID.findall(page)
    assert nodes, "the page shows how to run one block"
    collected = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:randomly",
         *{node.split("::")[0] for node in nodes}],
        cwd=REPO, capture_output=True, text=True, check=False,
    ).stdout.splitlines()
    for node in nodes:
        assert node in collected, f"{node} is not a test id; collected: {collected[:5]}"


def test_paths_in_run_commands_exist() -> None:
    page = (REPO / "docs/how-examples-run.md").read_text()
    paths = re.findall(r"\.venv/bin/pytest (?:--collect-only -q )?([\w/.-]+\.(?:md|py))", page)
    assert paths
    missing = [path for path in paths if not (REPO / path).is_file()]
    assert not missing, f"the page tells readers to run files that do not exist: {missing}"
