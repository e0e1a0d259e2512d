"""Smoke test of benchmarks/bench_mvm.py: the script runs and prints its table. Not a timing test."""

import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_mvm.py"


def _run(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, timeout=timeout,
                          cwd=BENCH.parents[1])


def test_bench_mvm_quick_runs_and_prints_a_row_per_case(tmp_path):
    pytest.importorskip("threadpoolctl")
    out_file = tmp_path / "bench.md"
    proc = _run(str(BENCH), "--quick", "--repeat", "1", "--sizes", "16", "24", "--batch", "50", "-o", str(out_file))
    assert proc.returncode == 0, proc.stderr
    rows = [line for line in proc.stdout.splitlines() if line.startswith("| 16x16 |") or line.startswith("| 24x24 |")]
    assert len(rows) == 4  # two sizes x (parallel, bit-serial)
    assert sum("parallel" in r for r in rows) == 2 and sum("bit_serial" in r for r in rows) == 2
    for row in rows:
        cells = [c.strip() for c in row.strip("|").split("|")]
        assert len(cells) == 9
        assert cells[2] == "50"
        assert float(cells[3]) > 0 and float(cells[5]) > 0
    assert "internal_api=" in proc.stdout
    written = out_file.read_text()
    assert all(r in written for r in rows)


