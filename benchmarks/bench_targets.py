"""The speed targets of the functional core (issue 5), each as a ratio to a reference timed in the same run.

    python benchmarks/bench_targets.py [--quick] [-o benchmarks/results/bench_targets.md]

Prints one Markdown table: target, case, cimsim time, reference, ratio, limit, pass/fail, and the accuracy of
each timed run (relative error against the exact product of the quantised operands), so speed is never bought
with a changed answer. Timings are the best of --repeat runs of the whole user call ``Crossbar.mvm(X)``,
numpy and cimsim alternating; the machine, BLAS and load are printed first.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import cimsim  # noqa: F401  (first: caps OpenBLAS's idle spinning before numpy loads it; see its __init__)
import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits

from cimsim.config import Config, with_overrides
from cimsim.numerics import Crossbar

ROOT = Path(__file__).resolve().parents[1]


def machine() -> list[str]:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor()) if Path("/proc/cpuinfo").exists() else ""
    blas = "; ".join(f"{i['internal_api']} {i.get('version')} {i.get('architecture')} threads={i['num_threads']}"
                     for i in threadpool_info() if i["user_api"] == "blas")
    lines = [f"- machine: {cpu}, {len(os.sched_getaffinity(0))} usable cores, load average {os.getloadavg()[0]:.2f}",
             f"- python {platform.python_version()}, numpy {np.__version__}, BLAS: {blas}"]
    lines.append(f"- OPENBLAS_THREAD_TIMEOUT={os.environ.get('OPENBLAS_THREAD_TIMEOUT')} (idle BLAS threads spin "
                 "2**that cycles; numpy and cimsim alike)")
    if os.environ.get("OPENBLAS_CORETYPE"):
        lines.append(f"- WARNING: OPENBLAS_CORETYPE={os.environ['OPENBLAS_CORETYPE']} is set and slows numpy")
    return lines


def data(n_in: int, n_out: int, batch: int) -> tuple[np.ndarray, np.ndarray]:
    """W = clip(N(0,1), -3, 3) / 3 (default_rng(0)), X uniform in [-1, 1] (default_rng(1))"""
    w = np.clip(np.random.default_rng(0).standard_normal((n_out, n_in)), -3, 3) / 3
    return w, np.random.default_rng(1).uniform(-1, 1, (batch, n_in))


def design(n: int, batch: int, **overrides) -> Config:
    """8-bit weights in one 7-bit differential slice (the ADC converts the pair's difference: one signed
    product), bipolar 8-bit parallel DAC, 8-bit ADC with range max, n x n arrays read at once, ideal devices."""
    base = {"workload.in_features": n, "workload.out_features": n, "array.rows": n, "array.cols": max(2, n),
            "array.rows_per_read": n, "device.bits_per_cell": 7, "device.g_min_us": 0.0,
            "dac.signed_inputs": "bipolar", "adc.range": "max", "adc.bits": 8, "simulation.batch_size": batch}
    return with_overrides(Config(), {**base, **overrides})


def best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def timed_mvm(cfg: Config, w: np.ndarray, x: np.ndarray, repeat: int) -> tuple[float, float]:
    """(best time of Crossbar.mvm(x), relative error against the exact quantised product)"""
    xbar = Crossbar(cfg)
    xbar.program(w)
    y = xbar.mvm(x)  # compiles / warms
    ref = xbar.digital_reference(x)
    return best(lambda: xbar.mvm(x), repeat), float(np.linalg.norm(y - ref) / np.linalg.norm(ref))


def ratio_row(target: str, case: str, t: float, ref: float, ref_name: str, limit: float, err: float) -> str:
    ok = "pass" if t / ref <= limit else "FAIL"
    return (f"| {target} | {case} | {t * 1e3:.2f} ms | {ref * 1e3:.2f} ms ({ref_name}) | {t / ref:.2f} | "
            f"<= {limit} | {ok} | {err:.3g} |")


def numpy_time(x: np.ndarray, w: np.ndarray, repeat: int) -> float:
    return best(lambda: x @ w.T, repeat)


def product_time(rows: int, k: int, cols: int, repeat: int) -> float:
    """float32 BLAS time of one (rows x k) @ (k x cols) product of small integers"""
    rng = np.random.default_rng(2)
    a = rng.integers(0, 2, (rows, k)).astype(np.float32)
    b = rng.integers(-3, 4, (k, cols)).astype(np.float32)
    return best(lambda: a @ b, repeat)


def peak_rss_run(vectors: int) -> tuple[float, float]:
    """(wall s, peak RSS in GB) of a 1024 x 1024 layer streaming ``vectors`` inputs, in a fresh process"""
    code = (
        "import resource, time, numpy as np\n"
        "from benchmarks.bench_targets import design\n"
        "from cimsim.numerics import Crossbar\n"
        "from cimsim.workload import input_blocks\n"
        "from cimsim.config import with_overrides\n"
        f"cfg = with_overrides(design(1024, 2000), {{'workload.vectors': {vectors}, 'workload.inputs': 'uniform'}})\n"
        "w = np.clip(np.random.default_rng(0).standard_normal((1024, 1024)), -3, 3) / 3\n"
        "xb = Crossbar(cfg); xb.program(w); t = time.perf_counter()\n"
        "for block in input_blocks(cfg): xb.mvm(block)\n"
        "print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    wall, rss = out.stdout.split()
    return float(wall), float(rss)


def startup(cache_dir: str | None) -> float:
    env = dict(os.environ)
    if cache_dir:
        env["NUMBA_CACHE_DIR"] = cache_dir
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "cimsim.cli", "run", str(ROOT / "configs" / "default.toml")], cwd=ROOT,
                   env=env, check=True, capture_output=True)
    return time.perf_counter() - start


def resnet18_layers() -> list[tuple[int, int, int]]:
    """(in_features = in_ch x k x k, out_features, products per inference) of ResNet-18 on 224 x 224 inputs"""
    layers = [(3 * 49, 64, 112 * 112)]
    for ch, size, blocks in ((64, 56, 2), (128, 28, 2), (256, 14, 2), (512, 7, 2)):
        for b in range(blocks):
            cin = ch // 2 if (b == 0 and ch > 64) else ch
            layers += [(cin * 9, ch, size * size), (ch * 9, ch, size * size)]
            if b == 0 and ch > 64:
                layers.append((cin, ch, size * size))  # 1 x 1 downsample
    return layers + [(512, 1000, 1)]


def analytic_network() -> float:
    from cimsim.cost import cim_breakdown
    from cimsim.mapping import analytic_counts, plan_layer

    cfg = Config()
    start = time.perf_counter()
    for n_in, n_out, products in resnet18_layers():
        plan = plan_layer(cfg, n_in, n_out)
        cim_breakdown(cfg, plan, analytic_counts(plan, products))
    return time.perf_counter() - start


def analytic_points(points: int) -> float:
    from cimsim.cost import cim_breakdown
    from cimsim.mapping import analytic_counts, plan_layer

    axes = [(a, r, b) for a in (4, 5, 6, 7, 8, 9, 10, 12) for r in (16, 32, 64, 128, 256) for b in (1, 2, 4)]
    start = time.perf_counter()
    for k in range(points):
        adc_bits, rows, bits = axes[k % len(axes)]
        cfg = with_overrides(Config(), {"adc.bits": adc_bits, "array.rows_per_read": rows,
                                        "device.bits_per_cell": bits, "workload.out_features": 64 + k % 193})
        plan = plan_layer(cfg)
        cim_breakdown(cfg, plan, analytic_counts(plan, 1000))
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller batches and fewer repeats (smoke run)")
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("-o", "--output", help="also write the report here")
    args = parser.parse_args()
    scale = 10 if args.quick else 1
    repeat = 2 if args.quick else args.repeat
    rows = ["| target | case | cimsim | reference | ratio | limit | result | rel. error vs exact |",
            "|---|---|---:|---:|---:|---:|---|---:|"]

    # 1 and 4: one signed product
    t1 = None
    for target, n, batch, limit in (("1", 256, 10000, 0.8), ("4", 1024, 2000, 0.7), ("4", 64, 10000, 1.2)):
        w, x = data(n, n, batch // scale)
        cfg = design(n, batch // scale)
        t, err = timed_mvm(cfg, w, x, repeat)
        ref = numpy_time(x, w, repeat)
        rows.append(ratio_row(target, f"{n}x{n}, batch {batch // scale}, parallel", t, ref, "numpy f64 X @ W.T",
                              limit, err))
        t1 = t if n == 256 else t1
        # the encoding that converts each column of the pair: two products, against its own bound
        two = with_overrides(cfg, {"mapping.subtraction": "digital"})
        t2, err2 = timed_mvm(two, w, x, repeat)
        rows.append(ratio_row(target, f"{n}x{n}, each column of the pair converted", t2, 2 * ref,
                              "2 x numpy f64", limit, err2))
    # 2: noise
    w, x = data(256, 256, 10000 // scale)
    noisy = design(256, 10000 // scale, **{"device.program_sigma": 0.02, "device.read_noise_sigma": 0.01})
    t, err = timed_mvm(noisy, w, x, repeat)
    rows.append(ratio_row("2", "256x256 + programming (2 %) and read noise (1 %, every read)", t, t1,
                          "target 1's time", 1.3, err))
    # 3: bit-serial
    serial = with_overrides(design(256, 10000 // scale), {
        "array.rows_per_read": 128, "dac.mode": "bit_serial", "dac.signed_inputs": "twos_complement",
        "device.bits_per_cell": 2})
    t, err = timed_mvm(serial, w, x, repeat)
    xbar = Crossbar(serial)
    reads = xbar.plan.n_planes * len(xbar.plan.row_groups())
    one = product_time(x.shape[0], 128, xbar.plan.out_features * xbar.plan.converted_cols_per_output, repeat)
    rows.append(ratio_row("3", f"bit-serial, {reads} reads of 128 rows, 2-bit cells", t, reads * one,
                          f"{reads} x one read's f32 product", 1.5, err))
    # 5 memory, 6 start-up, 7 analytic
    vectors = 1_000_000 // (100 if args.quick else 1)
    wall, rss = peak_rss_run(vectors)
    rows.append(f"| 5 | {vectors} inputs through 1024x1024, streamed | {wall:.1f} s | | peak RSS {rss:.2f} GB | "
                f"<= 1.5 GB | {'pass' if rss <= 1.5 else 'FAIL'} | |")
    warm = startup(None)
    with tempfile.TemporaryDirectory() as empty:
        cold = startup(empty)
    rows.append(f"| 6 | `cimsim run configs/default.toml`, kernels cached | {warm:.2f} s | | | <= 2 s | "
                f"{'pass' if warm <= 2 else 'FAIL'} | |")
    rows.append(f"| 6 | the same with an empty kernel cache (compiles) | {cold:.2f} s | | | (reported) | | |")
    t = analytic_network()
    rows.append(f"| 7 | price every layer of ResNet-18 ({len(resnet18_layers())} layers), shapes only | "
                f"{t * 1e3:.1f} ms | | | <= 100 ms | {'pass' if t <= 0.1 else 'FAIL'} | |")
    points = 10_000 // scale
    t = analytic_points(points)
    rows.append(f"| 7 | {points} design points (validated config, plan, counts, cost) | {t:.1f} s | | | "
                f"<= {60 / scale:g} s | {'pass' if t <= 60 / scale else 'FAIL'} | |")
    # 8: thread counts
    from cimsim.numerics import USABLE_CORES, set_worker_threads

    outputs = []
    for workers in (1, 2):
        set_worker_threads(workers)
        with threadpool_limits(workers, user_api="blas"):
            xb = Crossbar(noisy)
            xb.program(w)
            outputs.append(xb.mvm(x))
    set_worker_threads(USABLE_CORES)
    same = np.array_equal(*outputs)
    rows.append(f"| 8 | 1 vs 2 worker threads and BLAS threads, with noise | {'identical' if same else 'DIFFERENT'} "
                f"| | | identical | {'pass' if same else 'FAIL'} | |")
    report = "\n".join(["# cimsim speed targets", "", *machine(),
                        f"- {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, best of {repeat}", "", *rows, ""])
    print(report)
    if args.output:
        Path(args.output).write_text(report)


if __name__ == "__main__":
    main()
