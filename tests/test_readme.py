"""The README's claims that code can check: its API example runs, its config reference is current."""

from __future__ import annotations

import os
import re
from pathlib import Path

from cimsim.config import reference_markdown

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def test_config_reference_is_in_sync():
    section = re.search(r"<!-- config-reference:start -->\n(.*)<!-- config-reference:end -->", README, re.S)
    assert section, "README lacks the config-reference markers"
    assert section.group(1).strip() == reference_markdown(level=2).strip(), \
        "README config reference is stale: run `python tests/test_readme.py` to regenerate it"


def test_python_api_example_runs(capsys):
    code = re.search(r"## Python API\n\n```python\n(.*?)```", README, re.S).group(1)
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        exec(compile(code, "README.md", "exec"), {})
    finally:
        os.chdir(cwd)
    assert re.search(r"relative error 0\.\d+, energy gain [\d.]+x", capsys.readouterr().out)


def test_quick_start_has_exactly_two_commands_and_ci_runs_the_test_one():
    block = re.search(r"## Quick start\n.*?```bash\n(.*?)```", README, re.S).group(1)
    commands = [line for line in block.splitlines() if line.strip()]
    assert len(commands) == 2 and "cimsim compare configs/default.toml" in commands[0]
    assert commands[1] in (ROOT / ".ci" / "run").read_text()


if __name__ == "__main__":  # regenerate the reference section in place
    text = re.sub(r"(<!-- config-reference:start -->\n).*(<!-- config-reference:end -->)",
                  lambda m: m.group(1) + reference_markdown(level=2).strip() + "\n" + m.group(2), README, flags=re.S)
    (ROOT / "README.md").write_text(text)
