#!/usr/bin/env python
"""Throughput of ``Crossbar.mvm`` against numpy's float64 ``X @ W.T`` of the same shape, timed in the same run.

Workload (issue spec): W = clip(N(0,1), -3, 3) / 3 of n x n (numpy default_rng(0)), X uniform in [-1, 1] of
batch x n (default_rng(1)); 8-bit weights, 8-bit inputs, 8-bit ADC over the largest possible sum
(adc.range = "max", no calibration), ideal-ish device (g_min_us = 0), arrays of n x n cells with
rows_per_read = n (the whole layer's inputs in one row group). Every case is run with a parallel DAC
(signed inputs: two_phase) and a bit-serial DAC (signed inputs: twos_complement by default, 8 reads).

What is timed is the whole user call ``xbar.mvm(X)`` (quantisation, input planes, the products: int8 on the
CPU's int8 units where onnxruntime is installed and faster here, else float32, as the header says; the numba
ADC/shift-add kernel, rescaling), best of ``--repeat`` rounds with time.perf_counter, each timed call
after a 2 ms pause and an untimed call of itself; numpy's ``X @ W.T`` takes turns with it in the same process,
so both share the BLAS library and its thread count. Next to each time the accuracy of the timed runs is printed
(relative Frobenius error vs the float product and vs ``xbar.digital_reference(X)``), so speed is never
bought with a changed answer.

    python benchmarks/bench_mvm.py                      # full run (a few minutes on 2 cores)
    python benchmarks/bench_mvm.py --quick --repeat 1   # smoke run
    python benchmarks/bench_mvm.py -o benchmarks/results/bench_mvm.md

Exit status: 0 on success.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import os
import platform
import sys
import time

import cimsim.openblas  # noqa: F401  (first: caps OpenBLAS's idle spinning before numpy loads it)

import threadpoolctl  # a core dependency of cimsim

import numba
import numpy as np

from cimsim.atomic import write_atomic
from cimsim.config import Config, with_overrides
from cimsim.numerics import set_worker_threads
from cimsim.numerics.crossbar import Crossbar
from cimsim.numerics.threads import worker_threads

from bench_targets import int8_line, race  # the targets' timing and int8 report (this script's folder is on the path)

FULL_BATCH = {64: 10_000, 256: 10_000, 1024: 2_000}
"""vectors per case in a full run (1024 x 1024 uses 2 000 to keep the run quick)"""
QUICK_BATCH = {64: 1_000, 256: 1_000, 1024: 200}
DEFAULT_BATCH = 10_000
QUICK_DEFAULT_BATCH = 1_000
DACS = ("parallel", "bit_serial")


# ---- the workload -------------------------------------------------------------------------------
def make_weights(n: int) -> np.ndarray:
    return np.clip(np.random.default_rng(0).standard_normal((n, n)), -3.0, 3.0) / 3.0


def make_inputs(batch: int, n: int) -> np.ndarray:
    return np.random.default_rng(1).uniform(-1.0, 1.0, (batch, n))


def make_config(n: int, dac: str, serial_signed: str) -> Config:
    overrides = {
        "array.rows": n, "array.cols": n, "array.rows_per_read": n,
        "device.g_min_us": 0.0,
        "mapping.weight_bits": 8,
        "dac.mode": dac, "dac.input_bits": 8,
        "dac.signed_inputs": "two_phase" if dac == "parallel" else serial_signed,
        "adc.bits": 8, "adc.range": "max",
        "workload.in_features": n, "workload.out_features": n,
    }
    return with_overrides(Config(), overrides)


# ---- timing -------------------------------------------------------------------------------------
def rel_err(y: np.ndarray, ref: np.ndarray) -> float:
    norm = np.linalg.norm(ref)
    return float(np.linalg.norm(y - ref) / norm) if norm > 0 else float(np.linalg.norm(y))


def run_case(n: int, dac: str, batch: int, repeat: int, serial_signed: str) -> dict:
    w = make_weights(n)
    x = make_inputs(batch, n)
    xbar = Crossbar(make_config(n, dac, serial_signed))
    xbar.program(w)

    best, last = race({"numpy": lambda: x @ w.T, "cimsim": lambda: xbar.mvm(x)}, repeat)
    t_np, t_cim = best["numpy"], best["cimsim"]
    # the error of the last timed run (the runs are deterministic: every one gives the same answer)
    err_float = rel_err(last["cimsim"], last["numpy"])
    err_digital = rel_err(last["cimsim"], xbar.digital_reference(x))
    label = "parallel (two_phase)" if dac == "parallel" else f"bit_serial ({serial_signed})"
    return {
        "shape": f"{n}x{n}", "dac": label, "batch": batch, "cim_s": t_cim, "mvm_per_s": batch / t_cim,
        "numpy_s": t_np, "ratio": t_cim / t_np, "err_float": err_float, "err_digital": err_digital,
        "planes": xbar.plan.n_planes, "row_groups": len(xbar.plan.row_groups()), "arrays": xbar.plan.n_arrays,
    }


# ---- reporting ----------------------------------------------------------------------------------
def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown CPU"


def _cpu_ticks() -> tuple[int, int] | None:
    """(total, idle + iowait) clock ticks of all cores since boot (Linux /proc/stat), or None."""
    try:
        with open("/proc/stat") as f:
            values = [int(v) for v in f.readline().split()[1:]]
        return sum(values), values[3] + values[4]
    except (OSError, ValueError, IndexError):
        return None


def others_busy_fraction(start: tuple[int, int] | None, own_cpu_s: float) -> float | None:
    """Fraction of all cores' time used by other processes since ``start`` (this process's CPU time removed)."""
    end = _cpu_ticks()
    if start is None or end is None:
        return None
    total = max(1, end[0] - start[0])
    busy = total - (end[1] - start[1])
    own = own_cpu_s * os.sysconf("SC_CLK_TCK")
    return min(1.0, max(0.0, (busy - own) / total))


def cpu_busy_fraction(interval: float = 0.5) -> float | None:
    """Fraction of all cores' time spent outside idle/iowait over ``interval`` seconds (while this one sleeps)."""
    start, cpu0 = _cpu_ticks(), time.process_time()
    time.sleep(interval)
    return others_busy_fraction(start, time.process_time() - cpu0)


def machine_lines() -> list[str]:
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        usable = os.cpu_count()
    lines = [
        f"- date: {datetime.datetime.now().astimezone().isoformat(timespec='seconds')}",
        f"- machine: {cpu_model()}, {os.cpu_count()} logical cores ({usable} usable), {platform.system()} "
        f"{platform.release()}",
        f"- python {platform.python_version()}, numpy {np.__version__}, numba {numba.__version__}, "
        f"threadpoolctl {threadpoolctl.__version__}",
    ]
    pools = threadpoolctl.threadpool_info()
    if not pools:
        lines.append("- BLAS / thread pools: none detected by threadpoolctl")
    for info in pools:
        lines.append(
            f"- {info.get('user_api')}: internal_api={info.get('internal_api')}, version={info.get('version')}, "
            f"num_threads={info.get('num_threads')}, architecture={info.get('architecture', 'n/a')}, "
            f"threading_layer={info.get('threading_layer', 'n/a')} ({os.path.basename(info.get('filepath', ''))})")
    env = {k: os.environ[k] for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OPENBLAS_NUM_THREADS",
                                      "OPENBLAS_THREAD_TIMEOUT", "OMP_NUM_THREADS", "MKL_NUM_THREADS",
                                      "NUMBA_NUM_THREADS") if k in os.environ}
    lines.append("- environment: " + (", ".join(f"{k}={v}" for k, v in env.items()) or "no BLAS/thread variables set"))
    busy = cpu_busy_fraction()
    if busy is not None:
        lines.append(f"- CPU busy just before the run (other processes, all cores, over 0.5 s): {busy:.0%}; "
                     "load average " + " ".join(f"{v:.2f}" for v in os.getloadavg()))
        if busy > 0.2:
            lines.append("- **WARNING: other processes keep the CPU busy: a BLAS thread waiting on a busy core makes "
                         "times (numpy's above all) slower and noisier; rerun on an idle machine or with "
                         "--blas-threads 1.**")
    if "OPENBLAS_CORETYPE" in os.environ:
        lines.append(f"- **WARNING: OPENBLAS_CORETYPE={os.environ['OPENBLAS_CORETYPE']} is set: OpenBLAS uses that "
                     "core's kernels instead of the ones it detects; cimsim and numpy share it, but absolute times "
                     "(and possibly the ratios) differ from an unset run.**")
    return lines


HEADER = ("| shape | DAC | batch | cimsim s | MVM/s | numpy s | ratio | rel. err vs float | rel. err vs digital |\n"
          "|---|---|---:|---:|---:|---:|---:|---:|---:|")


def table_row(r: dict) -> str:
    return (f"| {r['shape']} | {r['dac']} | {r['batch']} | {r['cim_s']:.4g} | {r['mvm_per_s']:,.0f} | "
            f"{r['numpy_s']:.4g} | {r['ratio']:,.1f} | {r['err_float']:.3e} | {r['err_digital']:.3e} |")


def parse_args(argv=None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="smaller batches (a smoke run)")
    ap.add_argument("--repeat", type=int, default=7, help="timed rounds per case, best kept (default 7)")
    ap.add_argument("--sizes", type=int, nargs="+", default=[64, 256, 1024], metavar="N",
                    help="layer sizes n (n x n weights, n x n arrays; default 64 256 1024)")
    ap.add_argument("--batch", type=int, default=None,
                    help="input vectors per case for every size (default: 10 000, 2 000 for 1024; --quick: 1 000, "
                         "200 for 1024)")
    ap.add_argument("--dac", choices=DACS, nargs="+", default=list(DACS), help="DAC modes (default both)")
    ap.add_argument("--serial-signed", choices=("twos_complement", "two_phase"), default="twos_complement",
                    help="signed inputs of the bit-serial DAC: twos_complement (8 reads) or two_phase (14 reads)")
    ap.add_argument("--blas-threads", type=int, default=None,
                    help="limit BLAS threads (threadpoolctl) and cimsim's worker threads to N, for cimsim and "
                         "numpy alike; default: untouched")
    ap.add_argument("-o", "--output", metavar="FILE", help="also write the report (Markdown) to FILE")
    args = ap.parse_args(argv)
    if args.repeat < 1:
        ap.error("--repeat must be at least 1")
    if args.batch is not None and args.batch < 1:
        ap.error("--batch must be at least 1")
    if args.blas_threads is not None and args.blas_threads < 1:
        ap.error("--blas-threads must be at least 1")
    if any(n < 8 for n in args.sizes):  # (2 to 7 had passed and failed in the config: one output's columns)
        ap.error("--sizes must be at least 8: an n x n array holds n columns, and an output of its 8-bit weights "
                 "takes 8 (a converter's 8 columns, adc.cols_per_adc)")
    return args


def batch_for(n: int, args: argparse.Namespace) -> int:
    if args.batch is not None:
        return args.batch
    if args.quick:
        return QUICK_BATCH.get(n, QUICK_DEFAULT_BATCH)
    return FULL_BATCH.get(n, DEFAULT_BATCH)


@contextlib.contextmanager
def limited_threads(n: int | None):
    """BLAS (threadpoolctl) and cimsim's worker threads (``set_worker_threads``) limited to ``n``, then back; None:
    both untouched"""
    if n is None:
        yield
        return
    workers = worker_threads()
    set_worker_threads(n)
    try:
        with threadpoolctl.threadpool_limits(n, user_api="blas"):
            yield
    finally:
        set_worker_threads(workers)


def main(argv=None) -> int:
    args = parse_args(argv)
    lines = ["# bench_mvm: Crossbar.mvm vs numpy float64 X @ W.T", ""]
    lines += machine_lines() + [int8_line()]  # the products' path: it changes the ratio (1.2 against 3.1 at 256)
    lines += [
        f"- settings: 8-bit weights (per_tensor, differential, 2 bits/cell), 8-bit inputs (per_vector), 8-bit ADC, "
        f"adc.range = max, g_min_us = 0, arrays n x n with rows_per_read = n, simulation.batch_size = "
        f"{Config().simulation.batch_size}; best of {args.repeat} rounds, each timed call after a 2 ms pause and an "
        "untimed call"
        + (f"; BLAS and cimsim's worker threads limited to {args.blas_threads}" if args.blas_threads
           else f"; cimsim worker threads {worker_threads()}, BLAS threads untouched")
        + ("; --quick" if args.quick else ""),
        "- ratio = cimsim time / numpy time (numpy: float64 `X @ W.T` of the same shape, same process, same BLAS); "
        "MVM/s = input vectors per second of cimsim",
        "",
    ]
    print("\n".join(lines), flush=True)
    print(HEADER, flush=True)
    rows = []
    ticks0, cpu0 = _cpu_ticks(), time.process_time()
    with limited_threads(args.blas_threads):
        for n in args.sizes:
            for dac in args.dac:
                r = run_case(n, dac, batch_for(n, args), args.repeat, args.serial_signed)
                rows.append(table_row(r))
                print(rows[-1], flush=True)
    footer = []
    others = others_busy_fraction(ticks0, time.process_time() - cpu0)
    if others is not None:
        footer.append(f"\nOther processes used {others:.0%} of the CPU during the run.")
        if others > 0.1:
            footer.append("**WARNING: the machine was not idle during the run; times are slower and noisier than "
                          "on an idle machine (rerun, or use --blas-threads 1).**")
        print("\n".join(footer))
    if args.output:
        write_atomic(args.output, "\n".join(lines + [HEADER, *rows, *footer]) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
