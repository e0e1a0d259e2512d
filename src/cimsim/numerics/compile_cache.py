"""Whether the numba kernels were compiled before: the first run compiles them (seconds), later runs load them.

numba writes each ``cache=True`` kernel's index next to its module (or in its user cache directory); a kernel
whose index is missing or stale will compile on first use. ``kernels_cached()`` reads those files without loading
or compiling anything, so the CLI can say "compiling kernels" before the wait instead of looking hung.
"""

from __future__ import annotations

import os

__all__ = ["kernels_cached"]


def kernels_cached() -> bool:
    """True when every public kernel of the crossbar (the entry points; private and inlined helpers compile inside
    them) has its numba index on disk; also True when numba's cache cannot be inspected (then nothing is said)."""
    from numba.core.registry import CPUDispatcher

    from . import _input_kernels, _kernels

    for module in (_kernels, _input_kernels):
        for name, value in vars(module).items():
            inline = isinstance(value, CPUDispatcher) and value.targetoptions.get("inline") == "always"
            if isinstance(value, CPUDispatcher) and not name.startswith("_") and not inline:  # an inlined helper
                # compiles inside the kernels that call it and keeps no index of its own
                try:
                    index = value._cache._cache_file._index_path
                except AttributeError:  # another numba version: do not guess
                    return True
                if not os.path.exists(index):
                    return False
    return True
