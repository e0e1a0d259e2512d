"""Wall time of ``cimsim run configs/default.toml`` as a user meets it: the first run (numba compiles the kernels)
and warm runs (the kernels come from numba's cache), each a fresh process.

    python benchmarks/bench_cli.py [--warm 5] [-o benchmarks/results/bench_cli.md]

The first run points ``NUMBA_CACHE_DIR`` at an empty folder, so it compiles as a fresh install does; the warm runs
use that folder, now full. Target: a warm run <= 2 s.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "configs" / "default.toml"
WARM_LIMIT_S = 2.0


def _run(env: dict) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "cimsim.cli", "run", str(CONFIG)], env=env, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warm", type=int, default=5, help="warm runs (the median is reported)")
    parser.add_argument("-o", "--output", help="also write the table here (Markdown)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "NUMBA_CACHE_DIR": cache}
        first = _run(env)
        warm = sorted(_run(env) for _ in range(args.warm))
    median = warm[len(warm) // 2]
    lines = [f"- machine: {len(os.sched_getaffinity(0))} usable cores, python {platform.python_version()}, "
             f"load average {os.getloadavg()[0]:.2f}, {time.strftime('%Y-%m-%d')}",
             "", "| `cimsim run configs/default.toml` | wall time | limit |", "|---|---:|---:|",
             f"| first run (kernels compiled) | {first:.2f} s | - |",
             f"| warm run, median of {len(warm)} (kernels cached) | {median:.2f} s | {WARM_LIMIT_S:g} s "
             f"({'pass' if median <= WARM_LIMIT_S else 'FAIL'}) |",
             f"| warm runs, all | {', '.join(f'{t:.2f}' for t in warm)} s | |"]
    text = "\n".join(lines) + "\n"
    print(text, end="")
    if args.output:
        Path(args.output).write_text(text)


if __name__ == "__main__":
    main()
