"""ONNX matrix products, one handler each (the handler signature of :mod:`._onnx_ops`): Gemm and MatMul by a
constant matrix (Dense, on crossbars), MatMul of two activations (ActivationMatMul, digital), a constant matrix times
an activation, and Einsum matrix products."""

from __future__ import annotations

import math

import numpy as np

from ._onnx_fold import text_attr
from ._onnx_movement import per_sample_transpose, resolved_shape
from ._onnx_sharing import derived
from .layers import Dense
from .movement import Concat, Reshape, Slice, Upsample
from .ops import ActivationMatMul, Affine, Elementwise

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
    shape = np.shape(g.consts[b])  # leading axes all 1, no more than the activation's: one matrix, broadcast
    if len(shape) != 2 and not (2 < len(shape) <= g.full_ndim(a) and math.prod(shape[:-2]) == 1):
        return _times_constants(g, a, np.asarray(g.consts[b]), outs[0], name)
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


def _times_constants(g, x: str, const: np.ndarray, out: str, name: str) -> None:
    """An activation (..., heads, m, k) times one constant (k, n) matrix per head, (heads, k, n) (MViT's
    relative-position tables; a leading axis of 1 dropped): each head's slice through its own Dense, joined again"""
    full = g.full_shape(x)
    while const.ndim > 3 and const.shape[0] == 1:
        const = const[0]
    if const.ndim != 3 or len(full) < 3 or full[-3] != const.shape[0] or full[-1] != const.shape[1]:
        raise ValueError(f"MatMul needs an activation times a constant 2-d matrix, one per head ((heads, k, n) against "
                         f"(..., heads, m, k)), or two activations; got a constant of shape {const.shape} and an "
                         f"activation of {list(full)}")
    _per_head(g, x, g.sample_axis(-3, x), [Dense(w.T) for w in const], out, name)


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


def _einsum(g, op, attrs, names, outs, name):
    """Einsum of two operands that is a (batched) matrix product: each label once per operand and in the output
    unless contracted (an ellipsis: labels of its own, :func:`_without_ellipses`). The operands are transposed to
    (batch, free, contracted) and (batch, contracted, free), reshaped to matrices, multiplied (two activations:
    ActivationMatMul; an activation by a constant without batch labels: Dense), and the product reshaped and
    transposed to the output's order. With no label contracted (an outer product), the elementwise product of the
    two broadcast to the output's axes."""
    eq = text_attr(attrs, "equation", "").replace(" ", "")
    inputs, _, res = _without_ellipses(g, eq, names).partition("->")
    parts = inputs.split(",")
    if len(parts) != 2 or not res or any(len(set(p)) != len(p) for p in parts + [res]):
        raise ValueError(f"Einsum {eq!r} is not supported (two operands, an explicit output, each label once)")
    (a, b), (x, y) = (parts, names) if g.is_data(names[0]) else (parts[::-1], names[::-1])
    batch, con = [c for c in a if c in b and c in res], [c for c in a if c in b and c not in res]
    free_a, free_b = [c for c in a if c not in b], [c for c in b if c not in a]
    if sorted(res) != sorted(batch + free_a + free_b):
        raise ValueError(f"Einsum {eq!r} is not a matrix product (a label summed within one operand)")
    if not con:
        return _outer(g, (a, x), (b, y), res, outs[0], name)
    shape_y = g.full_shape(y) if g.is_data(y) else np.shape(g.consts[y])
    size = dict(zip(a, g.full_shape(x))) | dict(zip(b, shape_y))
    k = math.prod(size[c] for c in con)
    lead = tuple(size[c] for c in batch)  # a constant's product keeps x's free axes as leading (token) axes
    if g.is_data(y):
        x = _arranged(g, x, a, batch + free_a + con, lead + (math.prod(size[c] for c in free_a), k), f"{outs[0]}#a",
                      name)
        y = _arranged(g, y, b, batch + con + free_b, lead + (k, -1), f"{outs[0]}#b", name)
        g.append(ActivationMatMul(), [x, y], f"{outs[0]}#product", name)
    else:  # the constant's batch labels (MViT v2's relative positions: one table per query row) go after x's own
        x = _arranged(g, x, a, free_a + batch + con, tuple(size[c] for c in free_a) + (math.prod(lead), k),
                      f"{outs[0]}#a", name)
        w = np.transpose(np.asarray(g.consts[y], dtype=np.float64), [b.index(c) for c in batch + con + free_b])
        _per_batch_dense(g, x, w.reshape(math.prod(lead), k, -1), f"{outs[0]}#product", name)
        batch, free_a = [], free_a + batch
    done = batch + free_a + free_b
    _arranged(g, f"{outs[0]}#product", None, None, tuple(size[c] for c in done), f"{outs[0]}#split", name)
    g.append(per_sample_transpose(g, [done.index(c) for c in res]), [f"{outs[0]}#split"], outs[0], name)


def _without_ellipses(g, eq: str, names: list[str]) -> str:
    """``eq`` with each operand's ellipsis as labels of its own for the axes it covers, aligned from the last as
    ONNX's Einsum broadcasts them (longT5's '...nd,...ng->...gd'), the output's as all of them; ValueError where two
    operands' axes under one such label differ in size (a broadcast)"""
    if "..." not in eq:
        return eq
    inputs, arrow, res = eq.partition("->")
    parts, sizes = inputs.split(","), {}
    fresh = [c for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ" if c not in eq]
    for k, (part, tensor) in enumerate(zip(parts, names)):
        shape = g.full_shape(tensor) if g.is_data(tensor) else np.shape(g.consts[tensor])
        start, covered = part.find("..."), len(shape) - len(part.replace("...", ""))
        own = fresh[len(fresh) - covered:] if start >= 0 and covered > 0 else []
        for label, n in zip(own, shape[start:]):
            if sizes.setdefault(label, n) != n:
                raise ValueError(f"Einsum {eq!r} broadcasts its ellipsis axes ({sizes[label]} and {n}); not supported")
        parts[k] = part.replace("...", "".join(own))
    labels = "".join(c for c in fresh if c in sizes)
    return ",".join(parts) + arrow + res.replace("...", labels)


def _outer(g, first: tuple[str, str], second: tuple[str, str], res: str, out: str, name: str) -> None:
    """The product of two operands (labels, tensor) with no label contracted: each put in the output's label order
    with size-1 axes for the labels it lacks, then multiplied elementwise (a constant: as an Affine scale)"""
    placed = []
    for labels, tensor in (first, second):
        order = [c for c in res if c in labels]
        if g.is_data(tensor):
            full = g.full_shape(tensor)
            shape = [full[labels.index(c)] if c in labels else 1 for c in res]
            placed.append(_arranged(g, tensor, labels, order, tuple(shape), f"{out}#{labels}", name))
        else:
            c = np.transpose(np.asarray(g.consts[tensor], dtype=np.float64), [labels.index(k) for k in order])
            placed.append(c.reshape([c.shape[order.index(k)] if k in order else 1 for k in res]))
    if isinstance(placed[1], str):
        return g.append(Elementwise("mul"), placed, out, name)
    x, scale = placed[0], g.sample_constant(placed[1], placed[0])
    target = np.broadcast_shapes(g.shape[x], scale.shape)
    if target != g.shape[x]:  # the constant's own labels: the activation repeated along them first
        g.append(Upsample(tuple(t // n for t, n in zip(target, g.shape[x]))), [x], f"{out}#spread", name)
        x = f"{out}#spread"
    g.append(Affine(scale=scale), [x], out, name)


def _per_batch_dense(g, x: str, w: np.ndarray, out: str, name: str) -> None:
    """(..., n, k) times one (k, m) matrix per index of the axis of size n, ``w`` (n, k, m): a Dense each (one
    programmed matrix per index), joined again; one Dense when n is 1"""
    if len(w) == 1:
        return g.append(Dense(w[0].T), [x], out, name)
    axis = g.sample_axis(g.full_ndim(x) - 2, x)
    for i, matrix in enumerate(w):
        g.append(Slice(axis, i, i + 1), [x], f"{out}#{i}", name)
        g.append(Dense(matrix.T), [f"{out}#{i}"], f"{out}#{i}product", name)
    g.append(Concat(axis), [f"{out}#{i}product" for i in range(len(w))], out, name)


def _arranged(g, x: str, labels, order, full: tuple[int, ...], out: str, name: str) -> str:
    """``x`` with its axes (``labels``) put in ``order`` (None: kept), then reshaped to the ONNX shape ``full``;
    returns the name of the result"""
    if labels is not None and list(labels) != list(order):
        g.append(per_sample_transpose(g, [labels.index(c) for c in order]), [x], f"{out}#moved", name)
        x = f"{out}#moved"
    g.append(Reshape(g.sample_shape(resolved_shape(g.full_shape(x), full))), [x], out, name)
    return out


PRODUCT_HANDLERS = {"Gemm": _gemm, "MatMul": _matmul, "Einsum": _einsum}
"""ONNX operator -> handler, for the matrix products"""
