"""Where the read noise of a crossbar comes from: its counter-based streams and the kT/C noise of charge arrays.

Read noise proper (σ per cell, a fraction of g_max - g_min) is a device parameter; the kT/C sampling noise of a
charge-sharing column follows from its capacitance and the temperature.
"""

from __future__ import annotations

import functools

import numpy as np

from ..argcheck import checked_types
from ..config.modes import ArrayFamily
from ..mapping import Plan

__all__ = ["BOLTZMANN_J_PER_K", "KTC_TEMPERATURE_K", "ktc_noise_std", "noise_key", "output_noise_std", "add_cell_noise",
           "cell_rng"]

BOLTZMANN_J_PER_K = 1.380649e-23
"""Boltzmann constant, J/K (SI, exact since 2019)"""
KTC_TEMPERATURE_K = 300.0
"""temperature of the kT/C sampling noise of charge-domain arrays, K (room temperature)"""


@checked_types
def ktc_noise_std(plan: Plan, cell_capacitance_ff: float) -> np.ndarray:
    """kT/C noise of each conversion group's column sum (charge family; zeros otherwise), level units.

    A column of N cells of capacitance C shares its charge: V_col = V_DD S / (N c_max l_max) for the sum S
    (input code x level; a cell's capacitor swings the supply, as its energy C V_DD**2 says: ``Plan.read_voltage_v``
    of a charge array), and the sampled voltage has variance kT / (N b C): a cell of b = ``Plan.bits_per_cell`` bits
    is b bit cells holding b C in all (C = ``array.cell_capacitance_ff`` per bit cell; their charges
    binary-weighted onto the column, as a C-2C ladder's share does: a modelling assumption), as its energy counts
    them. Hence sigma_S = sqrt(kT / (N b C)) x N c_max l_max / V_DD, per converted column (x sqrt(2) for an analog
    difference of two columns is applied with the cells per conversion). N is the array's rows per conversion
    (``Plan.rows_per_conversion``), every cell of the column, whether the layer uses its row or not (as the ADC's
    range, :func:`.max_sum`).
    """
    p = plan
    rows = np.full(len(p.conversion_groups()), float(p.rows_per_conversion))  # a column's cells, used or not
    if p.family != ArrayFamily.CHARGE:
        return np.zeros(rows.size)
    cap_f = rows * p.bits_per_cell * cell_capacitance_ff * 1e-15  # a cell of b bits: b bit cells, a capacitor each
    sigma_v = np.sqrt(BOLTZMANN_J_PER_K * KTC_TEMPERATURE_K / cap_f)
    return sigma_v * rows * p.max_plane_code * p.max_level / p.read_voltage_v


@functools.lru_cache(maxsize=4096)
def noise_key(seed: int, key: tuple[int, ...], group: int, purpose: int) -> np.uint64:
    """key of the read-noise streams of one row group of the crossbar ``key`` (purpose 0: products, 1: calibration);
    kept once made (a SeedSequence costs about 20 us, paid on every piece of rows otherwise)"""
    return np.random.SeedSequence([seed, 3, *key, group, purpose]).generate_state(1, np.uint64)[0]


def output_noise_std(sigma_level: float, noise_weight: float, row_sq: np.ndarray, ktc_std: float) -> np.ndarray:
    """Output-referred noise std of each plane row, level units: read noise sigma sqrt(w x sum_i x_i**2) and kT/C
    noise sqrt(w) ktc in quadrature, w the cells and squared slice weights summed into a converted column

    (sum_i x_i n_i of independent N(0, sigma**2) cells is N(0, sigma**2 sum_i x_i**2), per cell of the column)
    """
    if ktc_std == 0.0:
        return sigma_level * np.sqrt(noise_weight * row_sq)
    return np.sqrt(noise_weight * (sigma_level ** 2 * row_sq + ktc_std ** 2))


def cell_rng(key: np.uint64, vector: int) -> np.random.Generator:
    """the generator of one vector's cell-by-cell read noise in a row group, its planes drawn in turn: Philox keyed
    by the group's ``key`` (:func:`noise_key`) and 4, its counter starting at (0, 0, 0, vector), as the
    output-referred streams are keyed, so draws follow neither the chunking nor the threads nor an earlier refused
    read or calibration (one generator of the crossbar, drawn in turn, had followed all four: a probe).
    :func:`add_cell_noise` sets one generator's state vector by vector to the same (a fresh one costs 9 us, more
    than 1024 draws)."""
    return np.random.Generator(np.random.Philox(key=np.array([key, 4], dtype=np.uint64),
                                                counter=np.array([0, 0, 0, vector], dtype=np.uint64)))


def add_cell_noise(sums: np.ndarray, x: np.ndarray, sigma_level: float, cells_per_conversion: int, n_cols: int,
                   combine: np.ndarray | None, streams: tuple[np.uint64, int, int],
                   shared: np.ndarray | None = None) -> None:
    """Add read noise drawn cell by cell on every read (the slow, obvious path, for checks) to the first ``n_cols``
    sums of each row of ``sums``: a pair's two cells subtract, summed slice columns add with ``combine``'s weights.
    ``x``'s rows are plane rows, plane-major: row p x batch + b is vector first + b's plane p, its draws those of
    :func:`cell_rng` (key, first + b) after the planes before p, ``streams`` = (key, first, batch). ``shared`` (per
    slice column, from 0): the pair's second cells are those of a reference column shared by every slice column
    naming it (one draw per cell and read), not a column of their own."""
    per_slice = n_cols if combine is None else combine.shape[0]
    n_shared = 0 if shared is None else int(shared.max()) + 1
    key, first, batch = streams
    rng = cell_rng(key, 0)
    bits = rng.bit_generator
    state = bits.state
    for b in range(batch):
        state["state"]["counter"] = np.array([0, 0, 0, first + b], dtype=np.uint64)
        bits.state = {**state, "buffer_pos": 4, "has_uint32": 0}  # as fresh: cell_rng(key, first + b)
        for row in range(b, x.shape[0], batch):  # the vector's planes in turn
            if shared is None:
                cells = rng.standard_normal((cells_per_conversion, x.shape[1], per_slice))
                noise = cells[0] - cells[1] if cells_per_conversion == 2 else cells[0]
            else:
                cells = rng.standard_normal((x.shape[1], per_slice + n_shared))
                noise = cells[:, :per_slice] - cells[:, per_slice + shared]
            if combine is not None:  # each slice column's cells, summed with its weight
                noise = noise @ combine
            sums[row, :n_cols] += sigma_level * (x[row].astype(np.float64) @ noise)
