"""Memory a functional simulation needs, estimated from shapes before anything is allocated.

What the functional core holds is counted as it stores it (:mod:`cimsim.numerics.layout`): a layer keeps one row per
input of every used physical column (each slice and polarity of each output, an offset encoding's reference columns
of each column tile), never the unused cells of its arrays. Figures measured with ``tracemalloc`` and the resident
size (numpy 2.4, 2026-12-03, on 1 to 64 arrays of 4 x 4096 to 4096 x 4096 cells, ideal and noisy devices, analog and
digital subtraction, plane and slice accumulation): a programmed layer holds about :data:`HELD_BYTES_PER_CELL` per
used cell (conductances, the float32 product matrix) and :data:`HELD_BYTES_PER_WEIGHT` per weight (the real weights,
their codes), each copy of a replicated layer (``mapping.replication``) apart but those of ideal cells, which
share one (:func:`check_memory`), and peaks at
:data:`PROGRAMMING_BYTES_PER_CELL` per cell and :data:`PROGRAMMING_BYTES_PER_WEIGHT` per weight while it is
programmed (:data:`PROGRAMMING_BYTES_PER_IDEAL_CELL` per cell of ideal cells; an exact IR-drop solve of an array
adds :data:`IR_DROP_BYTES_PER_CELL_BIT`). A read holds, per vector of one call, its float64 inputs and about
:data:`OUTPUT_ARRAYS` float64 arrays of its outputs (the products, their references and error terms); per
row in the core at once (the chunk's rows, at most each worker's piece: :mod:`cimsim.numerics.threads`) its input
planes and per plane and converted column its sums (float32, int32 from the int8 units, float64 with read noise or
plane accumulation); a calibration per vector its sums of every conversion group (float64). A network holds its
activations (float64) and the im2col rows of its largest layer in place of the calls' inputs and outputs (the
layers' calls check their own vectors as they come). The estimate is the largest of those at any moment
plus what is held: an upper bound that guards against running out of memory.
"""

from __future__ import annotations

import functools
import math
import os
import sys
from collections.abc import Sequence

from .argcheck import checked_types
from .cell_levels import ideal_cells
from .config.modes import AdcRange, IrDropModel, SignedEncoding
from .config.schema import Config
from .errors import ConfigError
from .mapping import Plan

__all__ = ["HELD_BYTES_PER_CELL", "HELD_BYTES_PER_WEIGHT", "PROGRAMMING_BYTES_PER_CELL", "PROGRAMMING_BYTES_PER_WEIGHT",
           "PROGRAMMING_BYTES_PER_IDEAL_CELL", "BYTES_PER_VECTOR_INPUT", "IR_DROP_BYTES_PER_CELL_BIT",
           "OUTPUT_ARRAYS", "machine_memory_bytes",
           "IMPORT_MEMORY_FRACTION", "check_process_memory",
           "estimate_bytes", "check_memory", "memory_settings", "MemoryLimitError"]

HELD_BYTES_PER_CELL = 8
"""bytes per used cell a programmed layer keeps: float32 conductances and product matrix (measured 4.0 to 7.9)"""
HELD_BYTES_PER_WEIGHT = 10
"""bytes per weight a programmed layer keeps: the float64 weights and their codes (measured 9.0 to 9.1)"""
PROGRAMMING_BYTES_PER_CELL = 72
"""peak bytes per used cell while a layer is programmed, held bytes included (measured 12 (ideal cells) to 67
(programming error, drift compensated through wire resistance); module doc)"""
PROGRAMMING_BYTES_PER_IDEAL_CELL = 24
"""peak bytes per used cell while a layer of ideal cells (no device draws, no wire resistance) is programmed
(measured 11 to 17)"""
PROGRAMMING_BYTES_PER_WEIGHT = 40
"""peak bytes per weight while a layer is programmed, held bytes included (module doc)"""
BYTES_PER_VECTOR_INPUT = 70
"""a network's bytes per sample and input-row value (its largest layer's im2col rows and their planes, measured 12
to 68)"""
IR_DROP_BYTES_PER_CELL_BIT = 320
"""bytes per cell and per bit of log2(cells) of one array's exact IR-drop solve (sparse LU factors and right-hand
sides; measured resident 202 to 286 on 64 x 64 to 512 x 512 and 32 x 1024 arrays)"""
OUTPUT_ARRAYS = 8
"""float64 arrays of a call's outputs at once (measured: 6.3 per vector of 65 536 outputs)"""
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
    """cells the core holds: per input, every slice and polarity of every output and an offset encoding's reference
    slices of every column tile (cells, or a digital array's adder levels read as columns)"""
    p = plan
    refs = p.n_slices * p.col_tiles if p.signed_encoding == SignedEncoding.OFFSET else 0
    return p.in_features * (p.out_features * p.n_slices * p.polarities + refs)


def _solve_bytes(plan: Plan) -> float:
    """bytes of an exact IR-drop solve of the layer's largest array (its rows x its used physical columns)"""
    p = plan
    refs = p.n_slices if p.signed_encoding == SignedEncoding.OFFSET else 0
    cells = min(p.rows, p.in_features) * (min(p.outputs_per_array, p.out_features) * p.n_slices * p.polarities + refs)
    return IR_DROP_BYTES_PER_CELL_BIT * cells * math.log2(max(2, cells))


def _converted(plan: Plan) -> int:
    """columns of the product matrix: the converted columns of every output, a digitally subtracted offset
    encoding's reference columns of every column tile, and a ones column"""
    p = plan
    refs = p.col_tiles * p.converted_slices if p.signed_encoding == SignedEncoding.OFFSET and not \
        p.analog_subtraction else 0
    return p.out_features * p.converted_cols_per_output + refs + 1


def _groups(plan: Plan) -> int:
    """conversion groups of the layer (at most: each row tile's rows in groups of rows_per_conversion)"""
    return plan.row_tiles * -(-min(plan.rows, plan.in_features) // plan.rows_per_conversion)


def _row_bytes(plan: Plan) -> tuple[int, int]:
    """bytes per row the core reads at once: (its input planes, float32 and a non-linear cell's bent copy, and their
    squared sums per group; its sums per plane and converted column: float32 or int32, and float64, plus the
    planes' float64 accumulation)"""
    p, n = plan, plan.n_planes
    return 8 * n * (p.in_features + _groups(p)), (12 * n + 8) * _converted(p)


def _calibration_bytes(plan: Plan) -> int:
    """bytes per vector a calibration reads at once: its planes, one group's sums and copies, and the float64 sums of
    every conversion group"""
    p = plan
    planes = 1 if p.plane_accumulation else p.n_planes
    return sum(_row_bytes(p)) + 8 * (p.n_planes + _groups(p) * planes) * _converted(p)


def _call_bytes(plan: Plan) -> int:
    """bytes per vector of one call: its float64 inputs, quantised codes and their float64 copy, and
    :data:`OUTPUT_ARRAYS` float64 arrays of its outputs"""
    return 24 * plan.in_features + 8 * OUTPUT_ARRAYS * plan.out_features


def _core_rows(plan: Plan, rows: int, batch: int) -> int:
    """rows the core reads at once: a call's ``rows`` in chunks of ``batch``, each worker's share in pieces of up to
    twice :func:`cimsim.numerics.threads.piece_rows` (as many as that size goes into the share, rounded, cut at
    128-vector blocks: a 128-row piece size gives 256-row pieces where a short first block counts as one)"""
    from .numerics.products import PRODUCT_ROWS
    from .numerics.threads import piece_rows, worker_threads

    piece = piece_rows(4 * plan.n_planes * (plan.in_features + _converted(plan)), PRODUCT_ROWS)
    return min(rows, batch, worker_threads() * 2 * piece)


def estimate_bytes(plans: Sequence[Plan], chunk: int, activation_values: int = 0, rows_values: int = 0,
                   batch: int | None = None, calibration: int = 0, ir_drop: bool = False,
                   ideal_cells: bool = False, shared: int = 1) -> tuple[float, float]:
    """(bytes held by the programmed layers + the largest programming transient, bytes of one call in flight) for
    layers ``plans`` given ``chunk`` vectors (samples) at a time, read ``batch`` rows at a time (default: ``chunk``),
    ``calibration`` vectors calibrated at once; ``ir_drop``: each array's IR drop solved exactly; ``ideal_cells``:
    every cell at its target (no device draws, no wire resistance); ``shared``: copies of each layer that share one
    programming (a plan's replication is its copies times a grouped matrix's packed blocks). A network's
    ``activation_values`` (its activations per sample, float64) and ``rows_values`` (its largest layer's input
    vectors x inputs per sample: at most that many vectors of each layer per sample) replace the calls' inputs and
    outputs (each crossbar's call checks the vectors it is given, :class:`cimsim.numerics.Crossbar`)."""
    batch = chunk if batch is None else batch
    weights = [p.in_features * p.out_features for p in plans]
    held = sum(max(1, p.replication // shared) * (HELD_BYTES_PER_CELL * _cells(p) + HELD_BYTES_PER_WEIGHT * w)
               for p, w in zip(plans, weights))
    per_cell = PROGRAMMING_BYTES_PER_IDEAL_CELL if ideal_cells else PROGRAMMING_BYTES_PER_CELL
    programming = max((per_cell - HELD_BYTES_PER_CELL) * _cells(p)
                      + (PROGRAMMING_BYTES_PER_WEIGHT - HELD_BYTES_PER_WEIGHT) * w
                      + (_solve_bytes(p) if ir_drop else 0) for p, w in zip(plans, weights))
    rows = [max(1, rows_values // p.in_features) for p in plans]  # vectors per sample, at most
    core = [[_core_rows(p, chunk * r, batch) * b for b in _row_bytes(p)] for p, r in zip(plans, rows)]
    reads = max(c[0] for c in core) + max(c[1] for c in core)  # work arrays: kept per thread, the largest grown to
    if activation_values or rows_values:  # a network: per sample its values and im2col rows
        values = BYTES_PER_VECTOR_INPUT * rows_values + 8 * activation_values
        return float(held + programming), float(reads + chunk * values)
    calibrating = max(calibration * _calibration_bytes(p) for p in plans)
    calls = max(chunk * _call_bytes(p) for p in plans)
    return float(held + programming), float(max(reads, calibrating) + calls)


_ESTIMATES: dict = {}
""":func:`estimate_bytes` by its arguments and the worker threads and piece size it reads: every read checks (40 us
of Python a call, most of a small call's time)"""


def _estimate(plans: Sequence[Plan], *args) -> tuple[float, float]:
    from .numerics import threads

    key = (tuple(plans), *args, threads.worker_threads(), threads.PIECE_BYTES)
    found = _ESTIMATES.get(key)  # (read once: another thread may clear the dict meanwhile)
    if found is None:
        if len(_ESTIMATES) >= 4096:  # a long sweep's many layers: start afresh
            _ESTIMATES.clear()
        found = _ESTIMATES[key] = estimate_bytes(plans, *args)
    return found


class MemoryLimitError(ConfigError):
    """A simulation refused before allocating: its estimated peak memory exceeds the limit (:func:`check_memory`).
    A failure of the run's settings and machine, not of the design: a sweep runs such a point again on a resume
    where they changed (:attr:`settings`)."""

    settings = ""
    """the settings it was refused under (:func:`memory_settings`)"""


def memory_settings(config: Config) -> str:
    """what a memory refusal of ``config`` depends on besides the design: the limit in bytes (the setting's, else
    this machine's memory) and the batch size"""
    limit = config.simulation.memory_limit_gib
    return (f"limit {round(limit * GIB) if limit is not None else machine_memory_bytes()} B, batch size "
            f"{config.simulation.batch_size}")


@checked_types
def check_memory(config: Config, plans: Sequence[Plan], shape_field: str, activation_values: int = 0,
                 rows_values: int = 0, chunk: int | None = None,
                 vectors_field: str | None = "workload.vectors") -> None:
    """A :class:`MemoryLimitError` (a ConfigError) when the estimate exceeds ``simulation.memory_limit_gib``
    (default: the machine's memory), naming the setting whose change brings the estimate within it:
    ``simulation.batch_size`` (fewer vectors read at once), ``adc.calibration_vectors`` (calibrated at once),
    ``vectors_field`` (fewer vectors in all; None where the caller's own call sets them), ``mapping.replication``
    (copies held apart: of cells that take device draws), else ``shape_field`` (what sizes the layers).
    ``chunk``: vectors of one call (a network's samples, run a batch at a time; default: the batch size)."""
    limit = config.simulation.memory_limit_gib
    limit_bytes = limit * GIB if limit is not None else machine_memory_bytes()
    if limit_bytes is None:
        return
    batch = config.simulation.batch_size
    vectors = max(1, batch if chunk is None else chunk)
    if activation_values or rows_values:  # a network runs its samples a batch at a time
        vectors = min(vectors, batch)
    calibration = config.adc.calibration_vectors if config.adc.range == AdcRange.CALIBRATED else 0
    ir_drop = config.array.wire_resistance_ohm > 0 and config.array.ir_drop == IrDropModel.EXACT
    ideal = ideal_cells(config.device) and not config.array.wire_resistance_ohm  # no draws, no IR drop
    copies = config.mapping.replication  # copies of cells that draw nothing share one programming (a grouped
    shared = copies if ideal_cells(config.device) else 1  # matrix's packed blocks, in its replication, do not)

    def fits(n: int = vectors, rows: int = batch, calibrated: int = calibration, one_copy: bool = False) -> bool:
        held, flight = _estimate(plans, n, activation_values, rows_values, rows, min(calibrated, n), ir_drop, ideal,
                                 copies if one_copy else shared)
        return held + flight <= limit_bytes

    layers, chunk_bytes = _estimate(plans, vectors, activation_values, rows_values, batch, min(calibration, vectors),
                                    ir_drop, ideal, shared)
    if layers + chunk_bytes <= limit_bytes:
        return
    # the setting whose change brings the estimate within the limit, in the order a user would try them
    network = bool(activation_values or rows_values)  # its samples run a batch at a time; no calibration counted
    field = next((f for f, ok in (("simulation.batch_size", lambda: fits(n=1 if network else vectors, rows=1)),
                                  ("adc.calibration_vectors", lambda: calibration > 1 and fits(calibrated=1)),
                                  (vectors_field, lambda: vectors_field and fits(n=1, rows=1, calibrated=1)),
                                  ("mapping.replication", lambda: shared < copies and fits(one_copy=True)))
                  if ok()), shape_field)
    where = "simulation.memory_limit_gib" if limit is not None else "this machine's memory"
    refusal = MemoryLimitError(config.source, [(field, (
        f"'{field}': the simulation would need about {(layers + chunk_bytes) / GIB:.3g} GiB (layers on crossbars "
        f"{layers / GIB:.3g} GiB, a chunk of {vectors} in flight, read {min(vectors, batch)} at a time"
        + (f", {min(calibration, vectors)} calibrated at once" if calibration and not network else "")
        + f", {chunk_bytes / GIB:.3g} GiB), more than {where} ({limit_bytes / GIB:.3g} GiB); the estimate errs high "
        f"(up to 4x with ideal cells): {_FIXES.get(field, 'use smaller layers')}, "
        + ("raise simulation.memory_limit_gib" if limit is not None else "set simulation.memory_limit_gib to the "
           "GiB cimsim may use")
        + ", or price the design from shapes alone (cimsim estimate, a sweep with kind = \"analytic\", or cimsim "
        "price-model)"))])
    refusal.settings = memory_settings(config)
    raise refusal


_FIXES = {"simulation.batch_size": "use a smaller simulation.batch_size",
          "adc.calibration_vectors": "calibrate on fewer vectors (adc.calibration_vectors; they are read at once)",
          "workload.vectors": "run fewer vectors (a dense layer's calls take up to 4096 at a time)",
          "inputs": "pass fewer vectors to one call",
          "mapping.replication": "use fewer copies (mapping.replication: each copy of cells that take device draws "
                                 "is programmed and held apart)"}
"""the advice a refusal gives for the setting named"""
