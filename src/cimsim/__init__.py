"""cimsim: a compute-in-memory crossbar emulator with sourced cost models and a von Neumann baseline."""

import os

# OpenBLAS's idle threads spin for 2**28 cycles (about 0.1 s) after each multi-threaded product, taking a core
# from cimsim's worker threads (2x slower MVMs on 2 cores). 2**20 cycles (about 0.4 ms) keeps back-to-back
# numpy products as fast. Effective only when cimsim is imported before numpy loads OpenBLAS; a value the
# user set wins. README, "Performance".
os.environ.setdefault("OPENBLAS_THREAD_TIMEOUT", "20")

__version__ = "0.1.0"

__all__ = ["simulate", "compare", "Simulation", "as_config", "__version__"]


def __getattr__(name: str):
    """The research-script API (:mod:`cimsim.api`), imported on first use: ``import cimsim`` stays light."""
    if name in ("simulate", "compare", "Simulation", "as_config"):
        from . import api

        return getattr(api, name)
    raise AttributeError(f"module 'cimsim' has no attribute {name!r}")
