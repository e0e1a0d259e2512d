"""The cores this process may use: the default of every count of workers and threads (light: no numpy)."""

from __future__ import annotations

import os

__all__ = ["usable_cores"]


def usable_cores() -> int:
    """the cores this process may run on (its CPU affinity, as ``taskset`` or a container sets it; os.cpu_count
    counts the machine's)"""
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1))
