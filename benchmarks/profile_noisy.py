"""Where the time of a noisy MVM goes (with non-integer conductances the product stays float32; what is
left to bring down): the 256 x 256 design of bench_targets with 2 % programming error and 1 % read noise, batch
10 000, one worker thread, best of 5; each stage timed around its call. ``--ideal``: the same without noise (the
int8 products where onnxruntime is installed). The machine, BLAS and date are printed first.

    python benchmarks/profile_noisy.py [--ideal]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import cimsim.openblas  # noqa: F401  (first: caps OpenBLAS's idle spinning before numpy loads it)

sys.path.insert(0, str(Path(__file__).parent))
from bench_targets import data, design, platform_lines  # noqa: E402

from cimsim.config import with_overrides  # noqa: E402
from cimsim.numerics import Crossbar, _kernels, set_worker_threads  # noqa: E402
from cimsim.numerics import crossbar as crossbar_module  # noqa: E402

STAGES = ((crossbar_module, "prepare_planes", "quantise the inputs into planes"),
          (crossbar_module, "group_sums", "products"),
          (_kernels, "adc_accumulate", "read noise + ADC + shift-add kernel"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ideal", action="store_true", help="the same design without noise")
    noisy = not parser.parse_args().ideal
    n, batch = 256, 10_000
    w, x = data(n, n, batch)
    cfg = design(n, batch)
    if noisy:
        cfg = with_overrides(cfg, {"device.program_sigma": 0.02, "device.read_noise_sigma": 0.01})
    xbar = Crossbar(cfg)
    xbar.program(w)
    xbar.mvm(x)  # compiled and warm
    spent: dict[str, float] = {}
    for owner, name, label in STAGES:
        def timed(*args, _call=getattr(owner, name), _label=label, **kwargs):
            start = time.perf_counter()
            result = _call(*args, **kwargs)
            spent[_label] = spent.get(_label, 0.0) + time.perf_counter() - start
            return result
        setattr(owner, name, timed)
    set_worker_threads(1)
    best, parts = float("inf"), {}
    for _ in range(5):
        spent.clear()
        start = time.perf_counter()
        xbar.mvm(x)
        total = time.perf_counter() - start
        if total < best:
            best, parts = total, dict(spent)
    print("\n".join(platform_lines()))
    print(f"{'noisy' if noisy else 'ideal'} {n}x{n}, batch {batch}, one worker thread, "
          f"{'int8' if xbar._integer else 'float32'} products: {best * 1e3:.1f} ms")
    for label, seconds in parts.items():
        print(f"  {label}: {seconds * 1e3:.1f} ms ({100 * seconds / best:.0f} %)")
    print(f"  the rest: {(best - sum(parts.values())) * 1e3:.1f} ms")


if __name__ == "__main__":
    main()
