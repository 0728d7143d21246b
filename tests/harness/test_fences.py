"""No Python fence in docs/ is silently left out of the doc tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.fences import (
    HandbookMarkdownParser,
    is_include_only,
    raw_python_fences,
    unwrap_containers,
)

DOCS = Path(__file__).resolve().parents[2] / "docs"

NESTED = '''# Page

!!! tip "Exam tip"

    ```python
    assert 1 + 1 == 2
    ```

=== "Tab one"

    ??? note "Inside a tab"

        ```python
        x = 1
        ```

```python
--8<-- "pipeline/codepipeline.py:validate"
```

/// tab | Blocks tab
```python
y = 2
```
///
'''


def collected_lines(text: str) -> list[int]:
    tokens = HandbookMarkdownParser().parse(text)
    return [
        token.map[0] + 1
        for token in tokens
        if token.type == "fence" and token.info.strip("{} .").split()[0] in ("python", "py")
    ]


def test_fences_inside_containers_are_collected_at_their_own_line() -> None:
    assert collected_lines(NESTED) == [5, 13, 22]


def test_include_only_fences_are_not_collected() -> None:
    assert is_include_only('--8<-- "a.py:section"\n')
    assert not is_include_only('--8<-- "a.py"\nprint(1)\n')
    assert not is_include_only("")


def test_unwrapping_keeps_line_numbers() -> None:
    assert len(unwrap_containers(NESTED).split("\n")) == len(NESTED.split("\n"))


@pytest.mark.parametrize("page", sorted(DOCS.rglob("*.md")), ids=lambda p: p.name)
def test_every_python_fence_on_a_page_is_collected(page: Path) -> None:
    text = page.read_text()
    raw = [fence.line for fence in raw_python_fences(text) if not fence.include_only]
    assert collected_lines(text) == raw, (
        f"{page.name}: fences at lines {raw} but the doc tests see {collected_lines(text)}"
    )
