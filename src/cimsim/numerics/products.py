"""Column sums of one row group: the input plane rows times the group's rows of the layer's matrix.

Integer levels (ideal cells) read by integer codes multiply exactly, on the int8 units (:mod:`.int8`) or on float32
BLAS (every sum below 2**24, checked before a simulation: :mod:`cimsim.plan_checks`). Non-integer levels
(programming error, drift, IR drop) and planes a non-linear cell bends into currents (:mod:`cimsim.iv_curve`) round,
and a BLAS kernel sums a row's products in an order that depends on where the row sits in the call and how many rows
the call has (measured, OpenBLAS 0.3.31 Haswell kernels, one thread, 4 000 x 256 @ 256 x 256 in float32: 875 of the
first 1 000 rows' 256 000 sums differ between one call of all the rows and a call of those 1 000 alone; of 2 048
rows, 26 246 of 523 008 sums when the call starts 5 rows further on); a sum on an ADC step's edge then converts to
another code. So their products run in calls of exactly :data:`PRODUCT_ROWS` rows aligned to the vector numbers
(vectors 0 to R - 1, R to 2R - 1, ...; a block the rows cover only in part is padded with zero rows), on one BLAS
thread: a vector's sums are the same whatever the batch, chunk, piece or worker it falls in.
"""

from __future__ import annotations

import numpy as np

from ..config.modes import InputEncoding, ReadNoisePath
from ..config.schema import DeviceConfig
from ..iv_curve import read_levels
from ..mapping import Plan
from .int8 import IntegerProducts
from .int8_fit import codes_fit, plane_code_limit
from .threads import one_blas_thread, piece_rows, scratch

__all__ = ["PRODUCT_ROWS", "group_sums", "aligned_product", "uint8_planes", "plane_piece"]

PRODUCT_ROWS = 128
"""rows of each float32 product of non-integer levels (:func:`aligned_product`). Measured on the 2-core VM of the
benchmarks, one thread, against one call of all the rows: calls of 64 rows take 1.2-1.5x as long, of 128 rows
1.1x, of 256 rows 1.0-1.06x (B is packed again on every call); a block the rows cover only in part costs a whole
one, so a call of one vector costs 128 rows' product."""


def aligned_product(x: np.ndarray, w: np.ndarray, out: np.ndarray, first_vector: int) -> None:
    """``out`` = ``x`` @ ``w`` (float32), the rows of ``x`` those of vectors ``first_vector``, ``first_vector`` + 1,
    ..., in calls of :data:`PRODUCT_ROWS` rows aligned to the vector numbers, on one BLAS thread: each row's sums
    are the same bit for bit whatever rows come with it."""
    rows, block = x.shape[0], PRODUCT_ROWS
    head = min(rows, -first_vector % block)  # rows before the first block boundary
    whole = (rows - head) // block * block
    with one_blas_thread():
        if head:
            _padded_product(x[:head], w, out[:head], first_vector % block)
        if whole:
            np.matmul(x[head:head + whole].reshape(-1, block, x.shape[1]), w,
                      out=out[head:head + whole].reshape(-1, block, w.shape[1]))
        if head + whole < rows:
            _padded_product(x[head + whole:], w, out[head + whole:], 0)


def _padded_product(x: np.ndarray, w: np.ndarray, out: np.ndarray, at: int) -> None:
    """``out`` = ``x`` @ ``w`` for rows that sit at row ``at`` of a block of :data:`PRODUCT_ROWS` rows, the others
    zero"""
    block = scratch("padded rows", (PRODUCT_ROWS, x.shape[1]), np.float32)
    block[:at] = 0.0
    block[at:at + x.shape[0]] = x
    block[at + x.shape[0]:] = 0.0
    sums = scratch("padded sums", (PRODUCT_ROWS, w.shape[1]), np.float32)
    np.matmul(block, w, out=sums)
    out[:] = sums[at:at + x.shape[0]]


def group_sums(planes2d: np.ndarray, live: list[bool], group: int, start: int, stop: int, matrix: np.ndarray,
               integer: IntegerProducts | None, first_vector: int, exact_sums: bool) -> np.ndarray:
    """Column sums of row group ``group`` (rows ``start:stop`` of ``matrix``) for every plane row of ``planes2d``
    (float32 codes, or uint8 for the int8 units; plane by plane, each plane's rows those of vectors
    ``first_vector`` on), one product per run of live planes where the sums are exact (all at once when every
    plane is live), else per live plane (:func:`_spans`); a plane whose codes are all zero in these rows (``live``
    False: the negative phase of ReLU outputs) sums to exactly 0 unmultiplied. Sums that round (``exact_sums``
    False: non-integer levels, or planes a non-linear cell bent into currents) multiply in aligned blocks
    (:func:`aligned_product`). The int8 units' int32 sums come back as they are when every plane is live; else the
    sums are float32 (this thread's work array)."""
    n_planes = len(live)
    batch = planes2d.shape[0] // n_planes
    sums = scratch("sums", (planes2d.shape[0], matrix.shape[1]), np.float32)
    for rows, alive in _spans(live, batch, exact_sums):
        exact = integer.products(planes2d[rows], group) if planes2d.dtype == np.uint8 and alive else None
        if exact is not None and rows == slice(0, planes2d.shape[0]):
            return exact
        if exact is not None:
            sums[rows] = exact
        elif alive:
            rows_in = planes2d[rows, start:stop]
            if rows_in.dtype == np.uint8:  # a product too small for the int8 units, from their planes
                rows_in = rows_in.astype(np.float32) - integer.zero_point
            w = matrix[start:stop] if integer is None else integer.float_rows(group)
            if exact_sums:
                np.matmul(rows_in, w, out=sums[rows])
            else:
                aligned_product(rows_in, w, sums[rows], first_vector)
        else:
            sums[rows] = 0.0
    return sums


def _spans(live: list[bool], batch: int, exact_sums: bool) -> list[tuple[slice, bool]]:
    """The plane rows multiplied together and whether they are live: each run of planes alike where the sums are
    exact (the live planes of ReLU outputs side by side reach the int8 units' size where one plane does not), each
    plane alone where they round (:func:`aligned_product` numbers every plane's rows from ``first_vector``)."""
    spans: list[tuple[slice, bool]] = []
    for k, alive in enumerate(live):
        if exact_sums and spans and spans[-1][1] == alive:
            spans[-1] = (slice(spans[-1][0].start, (k + 1) * batch), alive)
        else:
            spans.append((slice(k * batch, (k + 1) * batch), alive))
    return spans


def cell_noise(device: DeviceConfig) -> bool:
    """whether read noise is drawn cell by cell (``device.read_noise_path`` "cell"), not at the column's output"""
    return device.read_noise_sigma > 0 and device.read_noise_path == ReadNoisePath.CELL


def off_the_units(plan: Plan, cell_noise: bool) -> str | None:
    """why no product of a ``plan`` layer can run on the int8 units whatever its cells hold (its planes become
    float32 currents: pulse inputs, a non-linear cell, read noise drawn per cell; or its plane codes pass 8 bits),
    else None. A layer it names keeps float32 cells (a compacted one had converted its rows back on every call)."""
    if plan.dac_encoding != InputEncoding.VOLTAGE:
        return "pulse inputs, whose planes are float32 currents"
    if read_levels(plan) is not None:
        return "a non-linear I-V, which bends each plane into float32 currents"
    if cell_noise:
        return "read noise drawn cell by cell"
    if not codes_fit(plan):
        return f"input plane codes up to {plan.max_plane_code} in magnitude, past the units' {plane_code_limit(plan)}"
    return None


def uint8_planes(plan: Plan, integer: IntegerProducts | None, cell_noise: bool, rows: int) -> bool:
    """whether the input planes of ``rows`` vectors go to the int8 units as uint8: a layer whose planes may
    (:func:`off_the_units`) and a product the units take (:meth:`.int8.IntegerProducts.uses_integer`)"""
    return (integer is not None and off_the_units(plan, cell_noise) is None
            and integer.uses_integer(plan.n_planes * rows))


def plane_piece(plan: Plan, integer: IntegerProducts | None, converted: int, cell_noise: bool) -> int:
    """rows a worker reads at once (:func:`.threads.piece_rows`): per row its input planes (uint8 where they go to
    the int8 units at a float32 piece's rows, :func:`uint8_planes`, else float32) and its sums of ``converted``
    columns and a row sum per plane, 4 bytes each"""
    sums = 4 * plan.n_planes * (converted + 1)
    piece = piece_rows(4 * plan.n_planes * plan.in_features + sums, PRODUCT_ROWS)
    return (piece_rows(plan.n_planes * plan.in_features + sums, PRODUCT_ROWS)
            if uint8_planes(plan, integer, cell_noise, piece) else piece)
