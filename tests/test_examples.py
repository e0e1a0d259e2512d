"""The research scripts run from the README's API alone, the first three shorter than before (19, 10 and 28
lines with the old API)."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPTS = {"adc_bits_sweep.py": 19, "device_monte_carlo.py": 10, "sklearn_model.py": 28, "iv_curve_vs_dac.py": None,
           "relu_sparsity.py": None, "family_ranges.py": None}
"""script -> its lines with the old API (None: written for this API)"""


def code_lines(path: Path) -> int:
    """Lines of code: blank lines and the module docstring left out."""
    tree = ast.parse(path.read_text())
    doc = tree.body[0].end_lineno if isinstance(tree.body[0], ast.Expr) else 0
    return sum(1 for k, line in enumerate(path.read_text().splitlines(), 1) if k > doc and line.strip())


@pytest.mark.parametrize("script, before", SCRIPTS.items())
def test_research_script_runs_and_is_shorter(script, before, tmp_path):
    if script == "sklearn_model.py" and not os.environ.get("CI"):
        pytest.importorskip("sklearn", reason="scikit-learn is not installed (the test extra has it)")
    path = ROOT / "examples" / script
    assert before is None or code_lines(path) < before
    (tmp_path / "configs").symlink_to(ROOT / "configs")  # run as from the repository root, writing elsewhere
    (tmp_path / "src").symlink_to(ROOT / "src")
    out = subprocess.run([sys.executable, str(path)], cwd=tmp_path, capture_output=True, text=True, timeout=300,
                         env={**os.environ, "MPLBACKEND": "Agg"})
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip()
    if script == "adc_bits_sweep.py":
        assert (tmp_path / "adc_bits.png").stat().st_size > 1000
