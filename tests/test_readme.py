"""The README's claims that code can check: its API example runs, the config reference it links is current."""

from __future__ import annotations

import os
import re
from pathlib import Path

from cimsim.config import reference_markdown

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()
CONFIG_REFERENCE = ROOT / "docs" / "configuration.md"
README_MAX_LINES = 250
"""a README a user reads through; reference and internals live in docs/"""


def config_reference_page() -> str:
    """docs/configuration.md: the reference generated from the schema, with the command that regenerates it"""
    return (reference_markdown(level=1).strip() + "\n\nThis page is generated: `python tests/test_readme.py` "
            "rewrites it, and `tests/test_readme.py` checks it against the schema.\n")


def test_config_reference_is_in_sync():
    assert CONFIG_REFERENCE.read_text() == config_reference_page(), \
        "docs/configuration.md is stale: run `python tests/test_readme.py` to regenerate it"
    assert "docs/configuration.md" in README


def test_user_docs_stay_inside_the_repository():
    """README and docs/ point at files in the repository (the design too) and speak without tracker words."""
    pages = {"README.md": README} | {f"docs/{p.name}": p.read_text() for p in (ROOT / "docs").glob("*.md")}
    for name, text in pages.items():
        assert "../shared" not in text, name
        assert not re.search(r"\bissues?[- ]\d", text, re.I), name
        for link in re.findall(r"\]\(([^)#]+)\)", text):
            if not link.startswith(("http://", "https://")):
                assert ((ROOT / name).parent / link).exists(), (name, link)
    assert "docs/design.md" in README


def test_readme_stays_short():
    assert len(README.splitlines()) <= README_MAX_LINES


def test_python_api_example_runs(capsys):
    code = re.search(r"## Python API\n\n```python\n(.*?)```", README, re.S).group(1)
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        exec(compile(code, "README.md", "exec"), {})
    finally:
        os.chdir(cwd)
    out = capsys.readouterr().out
    assert re.search(r"relative error 0\.\d+, energy gain [\d.]+x", out)
    assert re.search(r"analog accuracy 0\.\d+ ± 0\.\d+, worst 0\.\d+", out)


def test_quick_start_has_exactly_two_commands_and_ci_runs_the_test_one():
    block = re.search(r"## Quick start\n.*?```bash\n(.*?)```", README, re.S).group(1)
    commands = [line for line in block.splitlines() if line.strip()]
    assert len(commands) == 2 and "cimsim compare configs/default.toml" in commands[0]
    assert commands[1] in (ROOT / ".ci" / "run").read_text()


if __name__ == "__main__":  # regenerate the reference page
    CONFIG_REFERENCE.write_text(config_reference_page())
