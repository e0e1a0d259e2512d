"""The normal draws of the read noise: counter-based streams (a splitmix64 hash of key and draw number) and an
exact N(0, 1) ziggurat. Private: the kernels of :mod:`._kernels` draw through :func:`fill_normals`.

Draw j of a stream depends only on its key and j, so a read's noise is the same whatever thread or batch draws it.
``tests/test_numerics.py`` checks the draws against the closed-form moments, tails and CDF of N(0, 1).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ._jit import CACHED, INLINE, INLINE_NUMPY, NUMPY

__all__ = ["ZIG_BLOCKS", "ZIG_R", "fill_normals", "stream"]


@njit(**CACHED)
def _mix(z):
    """splitmix64 finaliser (Steele, Lea and Flood, OOPSLA 2014): a bijective 64-bit hash"""
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


_GOLDEN = np.uint64(0x9E3779B97F4A7C15)


@njit(**CACHED)
def _uniform(state):
    """next (state, 64 random bits) of a splitmix64 stream"""
    state = state + _GOLDEN
    return state, _mix(state)


ZIG_BLOCKS = 1024
"""layers of the normal ziggurat: 1024 rather than the usual 256, so only 0.37 % of draws (not 1.5 %) miss
their rectangle and take the slow path (a wedge test with an exp, or the tail); its index takes 10 of the
11 hash bits below the 53 that make the uniform"""
ZIG_R = 4.038849846109505
"""start of the tail (the base layer's right edge) for 1024 layers"""
_ZIG_V = 0.0012263246463530852
"""area of each layer for 1024 layers: r f(r) + the tail's area, f(x) = exp(-x**2 / 2)"""


def _ziggurat_tables(blocks=ZIG_BLOCKS, r=ZIG_R, v=_ZIG_V):
    """Layer edges x[0..blocks], ratios x[i+1] / x[i] and heights f(x[i]) = exp(-x[i]**2 / 2) of the normal
    ziggurat (Marsaglia and Tsang, "The ziggurat method for generating random variables", J. Stat. Softw. 5(8),
    2000; the rejection steps as in Doornik, "An improved ziggurat method", 2005). r and v close the layers
    (the top one reaches f = 1 at x = 0; tests/test_numerics.py checks both)."""
    x = np.empty(blocks + 1)
    f = np.exp(-0.5 * r * r)
    x[0], x[1], x[blocks] = v / f, r, 0.0
    for i in range(2, blocks):
        x[i] = np.sqrt(-2.0 * np.log(v / x[i - 1] + f))
        f = np.exp(-0.5 * x[i] * x[i])
    return x, x[1:] / x[:-1], np.exp(-0.5 * x * x)


_ZIG_X, _ZIG_RATIO, _ZIG_F = _ziggurat_tables()  # read by the kernels as compile-time constants
_ZIG_MASK = np.uint64(ZIG_BLOCKS - 1)
_TO_UNIT = 1.0 / 9007199254740992.0  # 2**-53
_TO_SIGNED = 1.0 / 4503599627370496.0  # 2**-52: 53 random bits -> [-1, 1)


@njit(**INLINE_NUMPY)
def _signed(bits):
    """uniform in [-1, 1) from the top 53 bits"""
    return np.int64(bits >> np.uint64(11)) * _TO_SIGNED - 1.0


@njit(**INLINE_NUMPY)
def _open_unit(bits):
    """uniform in (0, 1] from the top 53 bits"""
    return (np.int64(bits >> np.uint64(11)) + 1) * _TO_UNIT


@njit(**NUMPY)
def _finish(u, i, state):
    """Doornik's ziggurat after a first candidate (u, block i) missed its rectangle: the wedge test or the
    tail, then (if rejected) fresh candidates from ``state`` until one is accepted (exact N(0, 1))."""
    while True:
        if i == 0:  # the tail beyond R (Marsaglia 1964)
            while True:
                state, b1 = _uniform(state)
                state, b2 = _uniform(state)
                xt = np.log(_open_unit(b1)) / ZIG_R
                yt = np.log(_open_unit(b2))
                if -2.0 * yt >= xt * xt:
                    return (xt - ZIG_R) if u < 0 else (ZIG_R - xt)
        xw = u * _ZIG_X[i]
        state, b3 = _uniform(state)
        # a point uniform in the layer's height lies under the density (Doornik's test times exp(-xw**2 / 2))
        if _ZIG_F[i + 1] + (np.int64(b3 >> np.uint64(11)) * _TO_UNIT) * (_ZIG_F[i] - _ZIG_F[i + 1]) < np.exp(
                -0.5 * xw * xw):
            return xw
        state, bits = _uniform(state)  # rejected: a fresh candidate
        u = _signed(bits)
        i = np.int64(bits & _ZIG_MASK)
        if abs(u) < _ZIG_RATIO[i]:
            return u * _ZIG_X[i]


@njit(**NUMPY)
def fill_normals(key, z, block):
    """z[j] = standard normal number j of the stream ``key`` (exact N(0, 1), a 1024-block ziggurat).

    Draw j's candidate comes from the hash of (key, j): a first loop (vectorised) hashes every j into z[j] = u
    and block[j] = its block; a second looks up the tables, and the few that miss their rectangle finish on a
    stream of their own. ``block`` is uint64 scratch space of z's length (unsigned: no negative-index wrap).
    """
    n = z.shape[0]
    for j in range(n):
        bits = _mix(key + np.uint64(j + 1) * _GOLDEN)
        z[j] = _signed(bits)
        block[j] = bits & _ZIG_MASK
    for j in range(n):
        u = z[j]
        i = block[j]
        if abs(u) < _ZIG_RATIO[i]:
            z[j] = u * _ZIG_X[i]
        else:
            z[j] = _finish(u, np.int64(i), _mix(key ^ np.uint64(j + 1) * np.uint64(0xD1B54A32D192ED03)))


@njit(**INLINE)
def stream(noise_key, vector, plane):
    """key of the random stream of one (vector, plane) read"""
    return _mix(noise_key ^ _mix(np.uint64(vector) * np.uint64(0x100000001B3) + np.uint64(plane)))
