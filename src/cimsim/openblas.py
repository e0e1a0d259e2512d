"""Caps OpenBLAS's idle spinning for the `cimsim` command and the benchmarks (import this before numpy).

OpenBLAS's idle threads spin for 2**28 cycles (about 0.1 s) after each multi-threaded product, taking a core from
cimsim's worker threads (2x slower MVMs on 2 cores); 2**20 cycles (about 0.4 ms) keeps back-to-back numpy products
as fast. The setting is read when numpy loads OpenBLAS, so it works only when this module is imported first; a
value the user set wins. ``import cimsim`` in a script changes no environment variable: set
``OPENBLAS_THREAD_TIMEOUT=20`` yourself, or import this module first (docs/performance.md).
"""

import os

os.environ.setdefault("OPENBLAS_THREAD_TIMEOUT", "20")
