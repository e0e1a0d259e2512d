"""IR drop in a resistive crossbar, as an effective conductance matrix.

Electrical model. An array of R rows x C columns; cell (i, j) of conductance G_ij (µS) joins row node
(i, j) to column node (i, j). Row i is driven at its left end by an ideal source V_i through one wire
segment of resistance r (ohm) to node (i, 0); segments r join (i, j)-(i, j+1). Column j is held at
virtual ground (0 V, the sense amplifier / ADC input) at its bottom end, below node (R-1, j), through one
segment r; segments r join (i, j)-(i+1, j). Rows not driven are held at 0 V by their drivers, devices are
linear, so the network is linear and the column currents are

    I_j = sum_i V_i * Geff_ij   (µA = V x µS),

with Geff (R x C, µS) a function of G and r only: computed once per programmed array, it replaces G in the
simulator's matrix products and IR drop costs nothing per read.

Internally conductances are made dimensionless by the wire conductance 1/r: x_ij = r * G_ij * 1e-6.
"""

from __future__ import annotations

import numpy as np

from ..argcheck import check_bool, check_real, checked_types
from ..mapping import Plan

__all__ = ["effective_conductance", "effective_conductance_approx", "column_currents_ua", "layer_effective_conductance",
           "wiring_order"]

_RHS_CHUNK = 32
"""unit right-hand sides per triangular solve: bounds memory to 2·R·C·32 doubles (134 MB at 512 x 512)"""
MAX_CELL_TO_WIRE = 1e8
"""largest x = r·G·1e-6 (a cell's conductance over a wire segment's) the exact solve takes: its relative error grows
about as 1e-16·x (4e-8 at this bound on a 16 x 16 mesh, 1e-3 at 1e13, NaN beyond); a config's extremes (1e6 µS
and 1e6 ohm) stay 100x below"""
NEGLIGIBLE_DROP = 2.0 ** -53
"""largest x_max·(R + C)² at which the exact solve returns G itself: the IR drop lowers no Geff by more than
0.24 x_max·(R + C)² of its G (measured on random meshes, 16 x 16 to 128 x 128, 8 x 64 and 64 x 8), so below this
bound by less than float64's half ulp; a tiny r (5e-324) had lost x to underflow and returned 0 x inf = NaN"""


def _check_conductance(g_us) -> np.ndarray:
    """``g_us`` as a float64 R x C matrix (R, C >= 1) of finite, non-negative values, or a ValueError."""
    g = np.asarray(g_us)
    if g.dtype.kind not in "iuf":
        raise ValueError(f"g_us must hold real numbers; got dtype {g.dtype}")
    if g.ndim != 2 or 0 in g.shape:
        raise ValueError(f"g_us must be a non-empty 2-D array (rows x columns); got shape {g.shape}")
    g = g.astype(np.float64)
    if not np.all(np.isfinite(g)):
        raise ValueError("g_us must be finite; it holds NaN or inf")
    if np.any(g < 0):
        raise ValueError(f"g_us must be non-negative microsiemens; its minimum is {g.min()}")
    return g


def _check_resistance(wire_resistance_ohm) -> float:
    """``wire_resistance_ohm`` as a finite float >= 0, or a ValueError."""
    r = check_real("wire_resistance_ohm", wire_resistance_ohm, low=0.0)
    return r


def _nodal_matrix(x: np.ndarray):
    """Nodal conductance matrix of the mesh in units of 1/r: 2·R·C nodes, row nodes first, row-major.

    Wire segments weigh 1, cell (i, j) weighs x_ij; the source and ground segments add 1 to the diagonal
    of nodes (i, 0) and (R-1, j). Symmetric positive definite.
    """
    rows, cols = x.shape
    n = rows * cols
    a = np.arange(n).reshape(rows, cols)
    b = a + n
    p = np.concatenate([a[:, :-1].ravel(), b[:-1, :].ravel(), a.ravel()])
    q = np.concatenate([a[:, 1:].ravel(), b[1:, :].ravel(), b.ravel()])
    w = np.concatenate([np.ones(rows * (cols - 1) + (rows - 1) * cols), x.ravel()])
    diag = np.bincount(p, w, 2 * n) + np.bincount(q, w, 2 * n)
    diag[a[:, 0]] += 1.0
    diag[b[-1, :]] += 1.0
    ii = np.concatenate([p, q, np.arange(2 * n)])
    jj = np.concatenate([q, p, np.arange(2 * n)])
    import scipy.sparse as sp  # only the exact IR-drop solve needs scipy.sparse: imported when it runs

    return sp.csc_matrix((np.concatenate([-w, -w, diag]), (ii, jj)), shape=(2 * n, 2 * n))


def effective_conductance(g_us, wire_resistance_ohm: float) -> np.ndarray:
    """Exact effective conductances Geff (R x C, µS) of the mesh, by sparse nodal analysis.

    With A the nodal matrix in units of 1/r (:func:`_nodal_matrix`), a unit source on row i gives node
    voltages A⁻¹ e_(i,0), and the current into ground of column j is (voltage of node (R-1, j)) / r, so
    Geff_ij = (1e6 / r) · (A⁻¹)[(R-1, j), (i, 0)]. A is factorised once (SuperLU); as A is symmetric,
    min(R, C) unit right-hand sides suffice. r = 0, or a drop below :data:`NEGLIGIBLE_DROP`, returns G itself. A
    ValueError where some x exceeds :data:`MAX_CELL_TO_WIRE` (the solve would lose precision).
    """
    g = _check_conductance(g_us)
    r = _check_resistance(wire_resistance_ohm)
    with np.errstate(over="ignore"):
        x = g * (r * 1e-6)
    if x.max() * (sum(g.shape) ** 2) <= NEGLIGIBLE_DROP:
        return g
    if x.max() > MAX_CELL_TO_WIRE:
        raise ValueError(f"g_us x wire_resistance_ohm x 1e-6 (a cell's conductance over a wire segment's) must be at "
                         f"most {MAX_CELL_TO_WIRE:g} for the exact solve (beyond, it loses precision); got "
                         f"{x.max():.3g}")
    rows, cols = g.shape
    n = rows * cols
    import scipy.sparse.linalg as spla

    lu = spla.splu(_nodal_matrix(x))
    drive = np.arange(rows) * cols          # node (i, 0)
    sense = n + (rows - 1) * cols + np.arange(cols)  # node (R-1, j)
    src, dst = (drive, sense) if rows <= cols else (sense, drive)
    out = np.empty((src.size, dst.size))
    for start in range(0, src.size, _RHS_CHUNK):
        k = min(_RHS_CHUNK, src.size - start)
        rhs = np.zeros((2 * n, k))
        rhs[src[start:start + k], np.arange(k)] = 1.0
        out[start:start + k] = lu.solve(rhs)[dst].T
    geff = out if rows <= cols else out.T
    return geff * (1e6 / r)


def _ladder_attenuation(x: np.ndarray) -> np.ndarray:
    """Voltage ratio at every node of a ladder driven through one segment at index 0, open at the far end.

    x (lines x nodes): shunt conductances in units of the segment conductance. Looking away from the
    source, node k sees y_k = x_k + y_(k+1) / (1 + y_(k+1)); the voltage falls by 1 / (1 + y_k) across
    the segment feeding node k, so the ratio at node k is prod_(m <= k) 1 / (1 + y_m).
    """
    y = np.empty_like(x)
    y[:, -1] = x[:, -1]
    for k in range(x.shape[1] - 2, -1, -1):
        y[:, k] = x[:, k] + y[:, k + 1] / (1.0 + y[:, k + 1])
    return np.cumprod(1.0 / (1.0 + y), axis=1)


def effective_conductance_approx(g_us, wire_resistance_ohm: float) -> np.ndarray:
    """Decoupled-ladder approximation of :func:`effective_conductance` (R x C, µS), O(R·C), no solve.

    Each line is solved exactly on its own: row i as a ladder with its cells shunted to ideal ground gives
    the attenuation alpha_ij of the cell voltage; column j as a ladder with its cells shunted to ideal 0 V
    rows, driven from its sense end (reciprocity), gives the attenuation u_ij of the cell's share of the
    sense current. The two resistive paths are in series with the cell, so their excess resistances
    (1/alpha - 1)/G and (1/u - 1)/G add:

        Geff_ij = G_ij / (1/alpha_ij + 1/u_ij - 1) = G_ij · alpha·u / (alpha + u - alpha·u).

    Exact for a single cell and to first order in r·G; its measured error is in docs/irdrop.md.
    """
    g = _check_conductance(g_us)
    r = _check_resistance(wire_resistance_ohm)
    x = g * (r * 1e-6)
    alpha = _ladder_attenuation(x)
    u = _ladder_attenuation(x[::-1].T).T[::-1]
    den = alpha + u - alpha * u
    return np.divide(g * alpha * u, den, out=np.zeros_like(g), where=den > 0)


def column_currents_ua(g_us, v_row_v, wire_resistance_ohm: float, *, exact: bool = True) -> np.ndarray:
    """Column currents (µA) for row voltages ``v_row_v`` (R, or batch x R; volts), with IR drop.

    Returns shape (C,) or (batch, C): v_row_v @ Geff, Geff from :func:`effective_conductance` (exact) or
    :func:`effective_conductance_approx`.
    """
    g = _check_conductance(g_us)
    v = np.asarray(v_row_v)
    if v.dtype.kind not in "iuf":
        raise ValueError(f"v_row_v must hold real numbers; got dtype {v.dtype}")
    if v.ndim not in (1, 2) or v.shape[-1] != g.shape[0]:
        raise ValueError(f"v_row_v must have shape ({g.shape[0]},) or (batch, {g.shape[0]}); got {v.shape}")
    if not np.all(np.isfinite(v)):
        raise ValueError("v_row_v must be finite; it holds NaN or inf")
    solve = effective_conductance if check_bool("exact", exact) else effective_conductance_approx
    return v.astype(np.float64) @ solve(g, wire_resistance_ohm)


@checked_types
def layer_effective_conductance(g_us: np.ndarray, phys_tile: np.ndarray, plan: Plan, wire_resistance_ohm: float, *,
                                exact: bool = True) -> np.ndarray:
    """Effective conductances of every array of a layer (in x physical columns, µS).

    Array (row tile, column tile) holds that tile's rows and its physical columns (``phys_tile`` == tile) in
    wiring order (:func:`wiring_order`), the first column nearest the row drivers; rows not driven in a read are
    held at 0 V.
    """
    solve = effective_conductance if check_bool("exact", exact) else effective_conductance_approx
    seen, order = np.empty_like(g_us), wiring_order(plan, len(phys_tile))
    for tile in range(plan.col_tiles):
        cols = order[phys_tile[order] == tile]
        for start in range(0, plan.in_features, plan.rows):
            rows = slice(start, min(plan.in_features, start + plan.rows))
            seen[rows, cols] = solve(g_us[rows, cols], wire_resistance_ohm)
    return seen


def wiring_order(plan: Plan, n_cols: int) -> np.ndarray:
    """The physical columns of a layer (numbered as :mod:`.layout` numbers them: polarity, slice, output, then any
    reference columns) in the order they sit along the rows: each output's cells side by side, slice by slice, a
    differential pair's two columns next to each other; but an offset layout's cells (:mod:`.layout`'s order) slice
    by slice, before the reference columns each slice subtracts. Pairs a block apart (every G+ column before every
    G-) had lost unequal shares of their current to the wires: the differential outputs of W and -W differed by
    16 % of their size at 2.5 ohm (a numerics probe); an offset layout's slices away from their references had
    tripled its error (a review)."""
    if plan.reference_cols > 0:
        return np.arange(n_cols)
    n_out, n_s = plan.out_features, plan.n_slices
    data = np.arange(min(n_cols, plan.polarities * n_s * n_out))
    polarity, rest = np.divmod(data, n_s * n_out)
    slice_, output = np.divmod(rest, n_out)
    position = (output * n_s + slice_) * plan.polarities + polarity
    return np.concatenate([data[np.argsort(position)], np.arange(data.size, n_cols)])
