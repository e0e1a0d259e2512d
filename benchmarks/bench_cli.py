"""Wall time of ``cimsim run configs/default.toml`` as a user meets it: the first run (numba compiles the kernels)
and warm runs (the kernels come from numba's cache), each a fresh process.

    python benchmarks/bench_cli.py [--warm 5] [-o benchmarks/results/bench_cli.md]

Measured by ``bench_targets.startup``, target 6's one definition (bench_targets.py reports the same number): the
bytecode cached as an installed package has it, the first run with an empty kernel cache, then the warm runs; the
target is their median <= 2 s. The machine, BLAS and date are printed first.
"""

from __future__ import annotations

import argparse

# this script's folder is on the path
from bench_targets import STARTUP_LIMIT_S, STARTUP_RUNS, platform_lines, startup

from cimsim.atomic import write_atomic


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warm", type=int, default=STARTUP_RUNS, help="warm runs (the median is reported)")
    parser.add_argument("-o", "--output", help="also write the table here (Markdown)")
    args = parser.parse_args()
    if args.warm < 1:
        parser.error("--warm must be at least 1")
    first, warm = startup(args.warm)
    median = warm[len(warm) // 2]
    lines = [*platform_lines(), "- target 6 as bench_targets.py measures it (bench_targets.startup): the median of "
             "the warm runs, bytecode and kernels cached", "",
             "| `cimsim run configs/default.toml` | wall time | limit |", "|---|---:|---:|",
             f"| first run (kernels compiled) | {first:.2f} s | - |",
             f"| warm run, median of {len(warm)} (kernels cached) | {median:.2f} s | {STARTUP_LIMIT_S:g} s "
             f"({'pass' if median <= STARTUP_LIMIT_S else 'FAIL'}) |",
             f"| warm runs, all | {', '.join(f'{t:.2f}' for t in warm)} s | |"]
    text = "\n".join(lines) + "\n"
    print(text, end="")
    if args.output:
        write_atomic(args.output, text)


if __name__ == "__main__":
    main()
