"""Every Python example in docs/ runs as written: a page's ```python blocks in order, in one namespace (as a
reader pastes them), from the repository root. Signature listings are fenced as ```text, and the scripts that
reproduce a page's measured tables (minutes long) as ```python measurement: those are not run here."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = sorted(p for p in (ROOT / "docs").glob("*.md") if "```python\n" in p.read_text())


@pytest.mark.parametrize("page", PAGES, ids=[p.name for p in PAGES])
def test_the_python_examples_of_a_page_run(page, monkeypatch):
    monkeypatch.chdir(ROOT)
    namespace: dict = {}
    for k, block in enumerate(re.findall(r"```python\n(.*?)```", page.read_text(), re.S)):
        exec(compile(block, f"{page.name} example {k + 1}", "exec"), namespace)


def test_the_pages_hold_examples():
    assert {"models.md", "networks.md"} <= {p.name for p in PAGES}
    assert "```python measurement\n" in (ROOT / "docs" / "irdrop.md").read_text()
