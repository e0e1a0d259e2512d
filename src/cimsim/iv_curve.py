"""Non-linear cell I-V curves: a resistive cell read at a fraction v of the full read voltage V_read passes
G V_read s(v) with s(v) = sinh(a v) / sinh(a), not the ohmic G V_read v.

The sinh law is the compact model of conduction through a metal-oxide RRAM filament, I = I0 exp(-g / g0)
sinh(V / V0) (Guan, Yu and Wong, "A SPICE compact model of metal oxide resistive switching memory with
variations", IEEE EDL 33(10), 2012). One figure sets the curve, as crosspoint devices are compared: the
nonlinearity NL = I(V_read) / I(V_read / 2) (Burr et al., "Access devices for 3D crosspoint memory", JVST B 32,
040802, 2014), 2 for an ohmic cell; for the sinh law NL = 2 cosh(a / 2), so a = 2 acosh(NL / 2)
(``device.iv_nonlinearity``). The scale is fixed at the full read, s(1) = 1, where the cell is characterised;
lower reads pass less current (s(v) <= v on [0, 1]), so a sum never leaves the ohmic range.

Only multi-level voltage reads bend: a read whose codes are 0 or full scale (bit-serial, 1-bit and binary inputs)
sees s(0) = 0 and s(1) = 1, and a time-domain read keeps its amplitude and varies its length. The bent planes
hold each code's current in code units, max_code s(code / max_code): float32, so their products take the float32
path (the int8 units multiply integer codes only); the read noise grows with the current (squared currents per
row group) and the array energy with V I (code x current per input).
"""

from __future__ import annotations

import math

import numpy as np

from .argcheck import check_real, checked_types, shown
from .config.modes import InputEncoding
from .mapping import Plan

__all__ = ["sinh_shape", "read_levels", "bend_planes"]


def sinh_shape(nonlinearity: float) -> float:
    """a of s(v) = sinh(a v) / sinh(a) with s(1) / s(1/2) = ``nonlinearity`` (2 to 1000; a = 0: an ohmic cell)"""
    return 2.0 * math.acosh(check_real("I-V nonlinearity I(V) / I(V/2)", nonlinearity, 2.0, 1000.0) / 2.0)


@checked_types
def read_levels(plan: Plan) -> np.ndarray | None:
    """The current of each read code 0..max_plane_code in code units, max_code s(code / max_code) (float64), or
    None where reads stay linear: an ohmic cell, reads of 0 or full scale, time-domain inputs."""
    a, top = sinh_shape(plan.iv_nonlinearity), plan.max_plane_code
    if a == 0.0 or top == 1 or plan.dac_encoding != InputEncoding.VOLTAGE or plan.binary_inputs:
        return None
    return top * np.sinh(a * np.arange(top + 1) / top) / math.sinh(a)


def bend_planes(levels, planes: np.ndarray, starts) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_bend_planes` of checked arguments, or a ValueError naming the bad one: ``levels`` a 1-d table of finite
    currents, ``planes`` a float32 (n_planes x batch x in) array of whole codes with |code| < len(levels) (bent in
    place), ``starts`` increasing group starts from 0, the input count last."""
    levels = np.asarray(levels)
    if levels.ndim != 1 or levels.dtype.kind not in "iuf" or not len(levels) or not np.isfinite(levels).all():
        raise ValueError(f"levels must be a non-empty 1-d array of finite currents; got {levels.dtype} {levels.shape}")
    if not isinstance(planes, np.ndarray) or planes.dtype != np.float32 or planes.ndim != 3:
        raise ValueError(f"planes must be a float32 array (n_planes x batch x in), bent in place; got "
                         f"{type(planes).__name__} {getattr(planes, 'dtype', '')} {np.shape(planes)}")
    if not (np.isfinite(planes).all() and (planes == np.round(planes)).all()
            and np.abs(planes).max(initial=0) < len(levels)):
        raise ValueError(f"planes must hold whole codes of magnitude below {len(levels)} (the level table's length)")
    starts = np.asarray(starts)
    if (starts.ndim != 1 or starts.dtype.kind not in "iu" or len(starts) < 2 or starts[0] != 0
            or starts[-1] != planes.shape[2] or (np.diff(starts) <= 0).any()):
        raise ValueError(f"starts must be increasing ints from 0 to the {planes.shape[2]} inputs (each group's first "
                         f"input, then the input count); got {shown(starts.tolist())}")
    return _bend_planes(levels, planes, starts)


def _bend_planes(levels: np.ndarray, planes: np.ndarray, starts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each code of ``planes`` (n_planes x batch x in, float32, signed codes keep their sign) replaced in place by
    its current ``levels[|code|]``; returns the squared currents per row group (rows starting at ``starts``, the
    last entry the input count) of every plane row, (groups, n_planes * batch), and per input the sum of code x
    current over every plane row (the array energy's V I, in code units squared)."""
    codes = planes.astype(np.int32)  # |code| < 2**16
    np.copyto(planes, np.copysign(levels[np.abs(codes)], codes), casting="same_kind")
    row_sq = np.add.reduceat(np.square(planes, dtype=np.float64), starts[:-1], axis=2)
    code_current = np.einsum("pbi,pbi->i", codes, planes, dtype=np.float64)
    return row_sq.transpose(2, 0, 1).reshape(len(starts) - 1, -1), code_current
