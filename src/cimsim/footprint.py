"""Memory a functional simulation needs, estimated from shapes before anything is allocated.

Figures measured with ``tracemalloc`` on 1024 x 1024 layers (1, 4 and 7 slices per weight, differential pairs, 256 x
256 arrays; numpy 2.4, 2026-11-30, after codes became int16 and conductances float32): a programmed layer holds
about :data:`HELD_BYTES_PER_CELL` per cell of its arrays (levels, conductances, the float32 product matrix) and
peaks at :data:`PROGRAMMING_BYTES_PER_CELL` while it is programmed; one chunk of products takes at most
:data:`BYTES_PER_VECTOR_INPUT` per (vector x input) of the chunk (input planes, float32 sums and the scratch arrays
of the first call). A network also holds its activations (float64) and the im2col rows of its largest layer. The
estimate is the largest of those at any moment plus what is held; it is meant to refuse the impossible (terabytes)
with the field to change, not to budget bytes.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Sequence

from .argcheck import checked_types
from .config.schema import Config
from .errors import ConfigError
from .mapping import Plan

__all__ = ["HELD_BYTES_PER_CELL", "PROGRAMMING_BYTES_PER_CELL", "BYTES_PER_VECTOR_INPUT", "machine_memory_bytes",
           "IMPORT_MEMORY_FRACTION", "check_process_memory",
           "estimate_bytes", "check_memory"]

HELD_BYTES_PER_CELL = 8
"""bytes per cell a programmed layer keeps (measured 6.6 to 7.6, module doc)"""
PROGRAMMING_BYTES_PER_CELL = 60
"""peak bytes per cell while a layer is programmed (measured 54 to 59, module doc)"""
BYTES_PER_VECTOR_INPUT = 70
"""peak bytes per (vector x input) of one chunk of products (measured: 12 to 68, module doc)"""
GIB = 2**30


@functools.cache
def machine_memory_bytes() -> int | None:
    """Physical memory of this machine, or None where the platform does not say (asked once: every read checks)."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):
        return None


IMPORT_MEMORY_FRACTION = 0.8
"""share of the machine's memory at which a network import stops with an error (cimsim's choice: below it the
machine's out-of-memory killer ends the process without a message)"""


def _resident_bytes() -> int | None:
    """this process's resident memory now (Linux: /proc/self/statm), else its peak (getrusage), else None"""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError, AttributeError):
        pass
    try:
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * (1 if sys.platform == "darwin" else 1024)
    except (ImportError, OSError):
        return None


def check_process_memory(where: str) -> None:
    """A ValueError naming ``where`` when this process's resident memory has reached :data:`IMPORT_MEMORY_FRACTION`
    of the machine's (checked between the nodes of a network import, whose constants and layers can outgrow the
    machine); nothing where the platform does not say."""
    total, held = machine_memory_bytes(), _resident_bytes()
    if total and held and held >= IMPORT_MEMORY_FRACTION * total:
        raise ValueError(f"{where}: this process has reached {held / GIB:.3g} GiB, "
                         f"{100 * IMPORT_MEMORY_FRACTION:.0f} % of this machine's memory ({total / GIB:.3g} GiB): the "
                         "network's constants and layers are too large to import here")


def _cells(plan: Plan) -> int:
    return plan.n_arrays * plan.rows * plan.cols


def estimate_bytes(plans: Sequence[Plan], chunk: int, activation_values: int = 0,
                   rows_values: int = 0) -> tuple[float, float]:
    """(bytes held by the programmed layers + the largest programming transient, bytes of one chunk in flight)
    for layers ``plans`` run ``chunk`` vectors (samples) at a time; a network's ``activation_values`` (its
    activations per sample, float64) and ``rows_values`` (its largest layer's input vectors x inputs per sample)."""
    held = sum(HELD_BYTES_PER_CELL * _cells(p) for p in plans)
    programming = max((PROGRAMMING_BYTES_PER_CELL - HELD_BYTES_PER_CELL) * _cells(p) for p in plans)
    rows = max(rows_values, max(p.in_features for p in plans))
    return float(held + programming), float(chunk * (BYTES_PER_VECTOR_INPUT * rows + 8 * activation_values))


@checked_types
def check_memory(config: Config, plans: Sequence[Plan], shape_field: str, activation_values: int = 0,
                 rows_values: int = 0, chunk: int | None = None) -> None:
    """A ConfigError when the estimate exceeds ``simulation.memory_limit_gib`` (default: the machine's memory),
    naming ``shape_field`` (what sizes the layers) when even one vector at a time would not fit, else
    ``simulation.batch_size``. ``chunk``: vectors (samples) in flight at once (default: the batch size)."""
    limit = config.simulation.memory_limit_gib
    limit_bytes = limit * GIB if limit is not None else machine_memory_bytes()
    if limit_bytes is None:
        return
    vectors = config.simulation.batch_size if chunk is None else max(1, min(chunk, config.simulation.batch_size))
    layers, chunk_bytes = estimate_bytes(plans, vectors, activation_values, rows_values)
    if layers + chunk_bytes <= limit_bytes:
        return
    one_vector = chunk_bytes / vectors
    field = shape_field if layers + one_vector > limit_bytes else "simulation.batch_size"  # what a fix must change
    where = "simulation.memory_limit_gib" if limit is not None else "this machine's memory"
    raise ConfigError(config.source, [(field, (
        f"'{field}': the simulation would need about {(layers + chunk_bytes) / GIB:.3g} GiB (layers on crossbars "
        f"{layers / GIB:.3g} GiB, a chunk of {vectors} in flight {chunk_bytes / GIB:.3g} GiB), more "
        f"than {where} ({limit_bytes / GIB:.3g} GiB); use smaller layers or a smaller simulation.batch_size, or price "
        "the design from shapes alone (a sweep with kind = \"analytic\", or cimsim price-model)"))])
