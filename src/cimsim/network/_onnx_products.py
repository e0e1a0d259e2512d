"""ONNX matrix products, one handler each (the handler signature of :mod:`._onnx_ops`): Gemm and MatMul by a
constant matrix (Dense, on crossbars), MatMul of two activations (ActivationMatMul, digital), a constant matrix times
an activation, and Einsum (:mod:`._onnx_einsum`)."""

from __future__ import annotations

import math

import numpy as np

from ._onnx_einsum import einsum
from ._onnx_movement import per_sample_transpose, widened
from ._onnx_sharing import derived
from .layers import Dense
from .movement import Concat, Reshape, Slice
from .ops import ActivationMatMul

__all__ = ["PRODUCT_HANDLERS"]


def _gemm(g, op, attrs, names, outs, name):
    """A Dense of B (alpha folded in) with bias beta C, one row of C for every row of A (sample): C of shape (N,) or
    (1, N), a scalar, or of rows repeating one; a C that differs between rows is refused"""
    if attrs.get("transA", 0) or not g.is_data(names[0]) or g.is_data(names[1]):
        raise ValueError("Gemm needs an activation times a constant matrix (transA = 0)")
    c = g.operand(names, 2, "Gemm's C")
    if c is not None and np.ndim(c) == 2 and not np.array_equal(c, np.broadcast_to(np.asarray(c)[:1], np.shape(c))):
        raise ValueError(f"Gemm's C of shape {list(np.shape(c))} adds its own bias to each row of A, each sample: "
                         "not supported (the network computes one sample at a time); a C the same for every row "
                         "((N,), (1, N), or rows repeating one) is")

    alpha, beta, trans = attrs.get("alpha", 1.0), attrs.get("beta", 1.0), attrs.get("transB", 0)
    w = derived(g, g.consts[names[1]], (op, alpha, trans),
                lambda b: np.asarray(b if trans else b.T, dtype=np.float64) * alpha)
    row = None if c is None else np.ravel(np.asarray(c)[:1] if np.ndim(c) == 2 else c)
    if row is not None and row.size not in (1, w.shape[0]):
        raise ValueError(f"Gemm's C of shape {list(np.shape(c))} does not broadcast against the {w.shape[0]} outputs")
    bias = None if c is None else derived(g, c, ("Gemm C", beta, w.shape[0]),
                                          lambda _: np.broadcast_to(row * beta, (w.shape[0],)))
    g.append(Dense(w, bias), names[:1], outs[0], name)  # one weight array per initializer: one matrix


def _matmul(g, op, attrs, names, outs, name):
    """Two activations: ActivationMatMul; an activation times a constant matrix: Dense; a constant times an
    activation (a Perceiver's learned queries against its keys): :func:`_constant_times`; either by a constant
    vector (attention pooling's scores): :func:`_by_vector`"""
    a, b = names[:2]
    if g.is_data(a) and g.is_data(b):
        return g.append(ActivationMatMul(), names[:2], outs[0], name)
    if np.ndim(g.consts[b if g.is_data(a) else a]) == 1:
        return _by_vector(g, op, names[:2], outs[0], name)
    if g.is_data(b):
        return _constant_times(g, np.asarray(g.consts[a]), b, outs[0], name)
    if 2 <= g.full_ndim(a) < np.ndim(g.consts[b]):  # the constant's leading axes lead the product too, numpy's:
        # the activation widened to them first (they had been dropped, every axis after shifted by one: a probe; a
        # 1-d activation's product has no axis of its own: (k,) @ (k, n) is (n,), a review)
        a = widened(g, a, np.ones(np.shape(g.consts[b])[:-2] + (1, 1)), outs[0], name)
    shape = np.shape(g.consts[b])  # leading axes all 1, no more than the activation's: one matrix, broadcast
    if len(shape) != 2 and not (2 < len(shape) <= g.full_ndim(a) and math.prod(shape[:-2]) == 1):
        return _times_constants(g, a, g.consts[b], outs[0], name)
    g.append(Dense(derived(g, g.consts[b], op, lambda m: m.reshape(m.shape[-2:]).T)), [a], outs[0], name)


def _by_vector(g, op: str, names: list[str], out: str, name: str) -> None:
    """An activation X (..., k) times a constant vector v (k,), or v times X (..., k, n), as numpy multiplies them:
    v as a (k, 1) matrix (a (1, k) one) and the product's last axis (its second-to-last) dropped. A Dense of one
    output row (k MACs per output item), X's last two axes swapped first for v X, then a reshape."""
    x, v = (names[0], names[1]) if g.is_data(names[0]) else (names[1], names[0])
    full, row = g.full_shape(x), derived(g, g.consts[v], (op, "vector"), lambda c: c.reshape(1, -1))
    left = x == names[1]
    if len(full) < (3 if left else 2) or full[-2 if left else -1] != row.shape[1]:
        raise ValueError(f"MatMul of a constant vector of {row.shape[1]} values and an activation of shape "
                         f"{list(full)}: the activation needs {'(batch, ..., k, n)' if left else '(batch, ..., k)'}"
                         f" with k = {row.shape[1]}")
    if left:
        swap = list(range(len(full)))
        swap[-2:] = swap[-1], swap[-2]
        g.append(per_sample_transpose(g, swap), [x], f"{out}#transposed", name)
        x = f"{out}#transposed"
    g.append(Dense(row), [x], f"{out}#product", name)
    g.append(Reshape(g.sample_shape(full[:-2] + full[-1:] if left else full[:-1])), [f"{out}#product"], out, name)


def _times_constants(g, x: str, stored: np.ndarray, out: str, name: str) -> None:
    """An activation (..., heads, m, k) times one constant (k, n) matrix per head, (heads, k, n) (MViT's
    relative-position tables; a leading axis of 1 dropped): each head's slice through its own Dense, joined again;
    each head's matrix one array wherever the graph reads the constant (:func:`_head_matrices`)"""
    full, const = g.full_shape(x), np.asarray(stored)
    while const.ndim > 3 and const.shape[0] == 1:
        const = const[0]
    if const.ndim != 3 or len(full) < 3 or full[-3] != const.shape[0] or full[-1] != const.shape[1]:
        raise ValueError(f"MatMul needs an activation times a constant 2-d matrix, one per head ((heads, k, n) against "
                         f"(..., heads, m, k)), or two activations; got a constant of shape {const.shape} and an "
                         f"activation of {list(full)}")
    _per_head(g, x, g.sample_axis(-3, x), [Dense(w) for w in _head_matrices(g, stored)], out, name)


def _head_matrices(g, stored) -> list[np.ndarray]:
    """each head's (n, k) Dense matrix of a (1, ..., heads, k, n) constant ``stored`` (a graph's constant object),
    made once per constant: one array a head wherever the constant is read (a relative-position table read by every
    layer of a SpeechT5 encoder had been programmed at each place, a probe), heads of equal values apart (not
    :func:`.derived`, which makes equal arrays of one constant one: a zero table's heads had become one, a review)"""
    arrays = []
    for h in range(np.shape(stored)[-3]):
        if (key := (id(stored), ("head", h))) not in g.matrices:
            array = np.array(np.asarray(stored).reshape(np.shape(stored)[-3:])[h].T, dtype=np.float64)
            array.setflags(write=False)
            g.matrices[key] = (stored, array)  # the constant kept: its id stays unique while the key lives
        arrays.append(g.matrices[key][1])
    return arrays


def _per_head(g, x: str, axis: int, layers: list, out: str, name: str) -> None:
    """Head h of ``x`` (its slice h along ``axis``) through ``layers[h]``, the results joined again as ``out``"""
    for h, layer in enumerate(layers):
        g.append(Slice(axis, h, h + 1), [x], f"{out}#head{h}", name)
        g.append(layer, [f"{out}#head{h}"], f"{out}#product{h}", name)
    g.append(Concat(axis), [f"{out}#product{h}" for h in range(len(layers))], out, name)


def _constant_times(g, const: np.ndarray, x: str, out: str, name: str) -> None:
    """A constant matrix A (or one per head: (1, heads, m, k)) times an activation X (..., k, n): A X = (Xᵀ Aᵀ)ᵀ,
    a Dense of A between transposes of X's last two axes; per head, each head's slice (X's axis -3, a per-sample
    axis: (batch, ..., heads, k, n), or (heads, k, n) where a batch-1 export folds its batch into the heads, as
    nn.MultiheadAttention's learned query) through its own Dense, joined again (the queries are fixed: programmed
    matrices)"""
    full = g.full_shape(x)
    if const.ndim >= 3 and const.shape[0] == 1 and len(full) == const.ndim:
        const = const[0]  # the batch axis of an expanded parameter
    heads = const.shape[:-2]
    per_head = len(full) >= 3 and heads[:1] == full[-3:-2] and (len(full) > 3 or g.batch_as_axis)
    if const.ndim < 2 or len(full) < 3 or len(heads) > 1 or (heads and not per_head):
        raise ValueError(f"a constant times an activation is supported for a (m, k) matrix, or one per head "
                         f"(heads, m, k) against (batch, ..., heads, k, n) or, batch and heads as one axis in a "
                         f"batch-1 export, (heads, k, n); got {const.shape} and {list(full)}")
    swap = list(range(len(full)))
    swap[-2:] = swap[-1], swap[-2]
    g.append(per_sample_transpose(g, swap), [x], f"{out}#transposed", name)
    x = f"{out}#transposed"
    if not heads:
        g.append(Dense(const), [x], f"{out}#product", name)
    else:
        _per_head(g, x, g.sample_axis(-3, x), [Dense(w) for w in const], f"{out}#product", name)
    g.append(per_sample_transpose(g, swap), [f"{out}#product"], out, name)


PRODUCT_HANDLERS = {"Gemm": _gemm, "MatMul": _matmul, "Einsum": einsum}
"""ONNX operator -> handler, for the matrix products"""
