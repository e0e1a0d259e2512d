"""Where the time of a noisy MVM goes (issue 14: with non-integer conductances the product stays float32; what is
left to bring down): the 256 x 256 design of bench_targets with 2 % programming error and 1 % read noise, batch
10 000, one worker thread, best of 5; each stage timed around its call.

    python benchmarks/profile_noisy.py
"""
import sys
import time

import cimsim.openblas  # noqa: F401  (first: caps OpenBLAS's idle spinning before numpy loads it)
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from bench_targets import design, data
from cimsim.config import with_overrides
from cimsim.numerics import Crossbar, _kernels
from cimsim.numerics import crossbar as cb
n, batch = 256, 10000
w, x = data(n, n, batch)
cfg = with_overrides(design(n, batch), {"device.program_sigma": 0.02, "device.read_noise_sigma": 0.01})
xb = Crossbar(cfg); xb.program(w); xb.mvm(x)
timers = {}
def wrap(obj, name, key):
    f = getattr(obj, name)
    def g(*a, **k):
        t = time.perf_counter(); r = f(*a, **k); timers[key] = timers.get(key, 0) + time.perf_counter() - t; return r
    setattr(obj, name, g)
wrap(cb, "prepare_planes", "prepare_planes (quantise inputs)")
wrap(Crossbar, "_products", "products (float32 BLAS)")
wrap(_kernels, "adc_accumulate", "read noise + ADC + shift-add kernel")
from cimsim.numerics import threads
threads.set_worker_threads(1)
best = 1e9
for _ in range(5):
    timers.clear(); t = time.perf_counter(); xb.mvm(x); total = time.perf_counter() - t
    if total < best: best, parts = total, dict(timers)
print(f"noisy 256x256, batch {batch}, one worker thread: {best*1e3:.1f} ms")
for k, v in parts.items(): print(f"  {k}: {v*1e3:.1f} ms ({100*v/best:.0f} %)")
print(f"  rest: {(best-sum(parts.values()))*1e3:.1f} ms")
