"""ONNX Einsum (numpy semantics) as cimsim layers: any number of operands, repeated labels (a diagonal, a trace),
labels summed within one operand, an implicit output, ellipses, labels 1 long in one operand broadcast (the handler
signature of :mod:`._onnx_ops`)."""

from __future__ import annotations

import math

import numpy as np

from ._onnx_fold import text_attr
from ._onnx_movement import per_sample_transpose, resolved_shape
from .layers import Dense
from .movement import Concat, Reshape, Slice, Upsample
from .ops import ActivationMatMul, Affine, Elementwise, Mean

__all__ = ["einsum"]


def einsum(g, op, attrs, names, outs, name):
    """Einsum: each operand's repeated labels taken along their diagonal and the labels no other operand or the
    output holds summed (:func:`_reduced`), then the operands multiplied two at a time from the left
    (:func:`_product`), each product keeping the labels a later operand or the output holds; one operand alone is
    put in the output's order. Without '->' the output is the labels that appear once, in alphabetical order
    (numpy's implicit mode; with an ellipsis, refused: write the output)."""
    eq = text_attr(attrs, "equation", "").replace(" ", "")
    if "->" not in eq and "..." in eq:
        raise ValueError(f"Einsum {eq!r}: an ellipsis without an explicit output ('->') is not supported; write it")
    inputs, arrow, res = _without_ellipses(g, eq, names).partition("->")
    parts = inputs.split(",")
    if not arrow:
        res = "".join(sorted(c for c in set(inputs) - {","} if inputs.count(c) == 1))
    if len(parts) != len(names) or len(set(res)) != len(res) or not set(res) <= set(inputs):
        raise ValueError(f"Einsum {eq!r}: needs one label group per operand ({len(names)}) and an output of distinct "
                         "labels that the operands hold")
    held = [_reduced(g, labels, tensor, set(res).union(*map(set, parts[:k] + parts[k + 1:])), f"{outs[0]}#{k}", name)
            for k, (labels, tensor) in enumerate(zip(parts, names))]
    a, x = held[0]
    for k, (b, y) in enumerate(held[1:], 1):
        last = k == len(held) - 1
        later = set(res).union(*map(set, parts[k + 1:]))
        keep = res if last else "".join(c for c in dict.fromkeys(a + b) if c in later)
        a, x = keep, _product(g, eq, (a, x), (b, y), keep, outs[0] if last else f"{outs[0]}#step{k}", name)
    if len(held) == 1:
        _arranged(g, x, a, list(res), tuple(dict(zip(a, g.full_shape(x)))[c] for c in res), outs[0], name)


def _reduced(g, labels: str, tensor: str, keep: set, out: str, name: str) -> tuple[str, str]:
    """(labels, tensor) of an operand with each repeated label taken once, along its diagonal (:func:`_diagonal`),
    and the labels not in ``keep`` summed (a Mean times their size); a constant's in numpy"""
    kept = "".join(c for c in dict.fromkeys(labels) if c in keep)
    if kept == labels:  # nothing to take along a diagonal or to sum: the operand as it is
        return labels, tensor
    if not g.is_data(tensor):
        g.consts[out] = np.einsum(f"{labels}->{kept}", np.asarray(g.consts[tensor], dtype=np.float64))
        return kept, out
    for c in [c for c in dict.fromkeys(labels) if labels.count(c) > 1]:
        labels, tensor = _diagonal(g, labels, tensor, c, f"{out}#{c}", name)
    summed = [k for k, c in enumerate(labels) if c not in keep]
    if not summed:
        return labels, tensor
    full = g.full_shape(tensor)
    g.append(Mean(tuple(g.sample_axis(k, tensor) for k in summed), keepdims=False), [tensor], f"{out}#mean", name)
    g.append(Affine(scale=np.array(float(math.prod(full[k] for k in summed)))), [f"{out}#mean"], out, name)
    return "".join(c for c in labels if c in keep), out


def _diagonal(g, labels: str, x: str, c: str, out: str, name: str) -> tuple[str, str]:
    """``x`` along the diagonal of its m axes labelled ``c`` (of size n): those axes moved last and flattened, every
    (1 + n + ... + n**(m-1))-th value taken; the label once, last"""
    full, axes = g.full_shape(x), [k for k, label in enumerate(labels) if label == c]
    others = [k for k in range(len(labels)) if k not in axes]
    n, m = full[axes[0]], len(axes)
    if any(full[k] != n for k in axes):
        raise ValueError(f"Einsum: label {c!r} spans axes of sizes {[full[k] for k in axes]}")
    if others + axes != list(range(len(labels))):
        g.append(per_sample_transpose(g, others + axes), [x], f"{out}#moved", name)
        x = f"{out}#moved"
    g.append(Reshape(g.sample_shape(tuple(full[k] for k in others) + (n ** m,))), [x], f"{out}#flat", name)
    step = sum(n ** j for j in range(m))
    g.append(Slice(g.sample_axis(len(others), f"{out}#flat"), 0, n ** m, step), [f"{out}#flat"], out, name)
    return "".join(labels[k] for k in others) + c, out


def _product(g, eq: str, first: tuple[str, str], second: tuple[str, str], res: str, out: str, name: str) -> str:
    """The product of two operands (labels, tensor), each label in one of them or in ``res``, as the tensor ``out``
    of labels ``res``: the operands transposed to (batch, free, contracted) and (batch, contracted, free), reshaped to
    matrices, multiplied (two activations: ActivationMatMul; an activation by a constant without batch labels:
    Dense), the product reshaped and transposed to ``res``'s order; with no label contracted (an outer product), the
    elementwise product of the two broadcast to the output's axes; of two constants, numpy's"""
    (a, x), (b, y) = first, second
    if not g.is_data(x) and not g.is_data(y):
        g.consts[out] = np.einsum(f"{a},{b}->{res}", *(np.asarray(g.consts[t], dtype=np.float64) for t in (x, y)))
        return out
    if not g.is_data(x):
        (a, x), (b, y) = second, first
    (a, x), (b, y) = _unbroadcast(g, eq, (a, x), (b, y), res, out, name)
    batch, con = [c for c in a if c in b and c in res], [c for c in a if c in b and c not in res]
    free_a, free_b = [c for c in a if c not in b], [c for c in b if c not in a]
    if sorted(res) != sorted(batch + free_a + free_b):
        raise ValueError(f"Einsum {eq!r}: {a},{b}->{res} is no product of the two")
    if not con:
        _outer(g, (a, x), (b, y), res, out, name)
        return out
    size = dict(zip(a, g.full_shape(x))) | dict(zip(b, _shape(g, y)))
    k = math.prod(size[c] for c in con)
    lead = tuple(size[c] for c in batch)  # a constant's product keeps x's free axes as leading (token) axes
    if g.is_data(y):
        x = _arranged(g, x, a, batch + free_a + con, lead + (math.prod(size[c] for c in free_a), k), f"{out}#a",
                      name)
        y = _arranged(g, y, b, batch + con + free_b, lead + (k, -1), f"{out}#b", name)
        g.append(ActivationMatMul(), [x, y], f"{out}#product", name)
    else:  # the constant's batch labels (MViT v2's relative positions: one table per query row) go after x's own
        x = _arranged(g, x, a, free_a + batch + con, tuple(size[c] for c in free_a) + (math.prod(lead), k),
                      f"{out}#a", name)
        w = np.transpose(np.asarray(g.consts[y], dtype=np.float64), [b.index(c) for c in batch + con + free_b])
        _per_batch_dense(g, x, w.reshape(math.prod(lead), k, -1), f"{out}#product", name)
        batch, free_a = [], free_a + batch
    done = batch + free_a + free_b
    _arranged(g, f"{out}#product", None, None, tuple(size[c] for c in done), f"{out}#split", name)
    g.append(per_sample_transpose(g, [done.index(c) for c in res]), [f"{out}#split"], out, name)
    return out


def _unbroadcast(g, eq: str, first: tuple[str, str], second: tuple[str, str], res: str, out: str, name: str
                 ) -> tuple[tuple[str, str], tuple[str, str]]:
    """The two operands (labels, tensor; ``first`` an activation) with each label 1 long in one and n long in the
    other, which numpy and onnxruntime broadcast (multi-query attention's one key head), dropped from the one and, where
    the output ``res`` does not hold it, summed in the other; a ValueError where two sizes differ otherwise, or the
    activation's sample axis would be broadcast"""
    ops = [first, second]
    for c in [c for c in first[0] if c in second[0]]:
        sizes = [dict(zip(labels, _shape(g, t)))[c] for labels, t in ops]
        if sizes[0] == sizes[1]:
            continue
        if 1 not in sizes:
            raise ValueError(f"Einsum {eq!r}: label {c!r} is {sizes[0]} long in one operand and {sizes[1]} in the "
                             "other")
        k = sizes.index(1)
        labels, t = ops[k]
        if g.is_data(t) and labels.index(c) == 0:
            raise ValueError(f"Einsum {eq!r}: label {c!r} broadcasts the sample axis of an activation; not supported")
        kept = labels.replace(c, "")
        shape = tuple(n for label, n in zip(labels, _shape(g, t)) if label != c)
        if g.is_data(t):
            ops[k] = kept, _arranged(g, t, None, None, shape, f"{out}#{k}without{c}", name)
        else:
            g.consts[f"{out}#{k}without{c}"] = np.asarray(g.consts[t], dtype=np.float64).reshape(shape)
            ops[k] = kept, f"{out}#{k}without{c}"
        if c not in res:
            other = ops[1 - k]
            ops[1 - k] = _reduced(g, other[0], other[1], set(other[0]) - {c}, f"{out}#{1 - k}sum{c}", name)
    return ops[0], ops[1]


def _shape(g, tensor: str) -> tuple[int, ...]:
    """an operand's ONNX shape, an activation's or a constant's"""
    return tuple(g.full_shape(tensor)) if g.is_data(tensor) else np.shape(g.consts[tensor])


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
        shape = _shape(g, tensor)
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
    for k, (labels, tensor) in enumerate((first, second)):
        order = [c for c in res if c in labels]
        if g.is_data(tensor):  # each its own name (two operands of one label string had both been the second)
            full = g.full_shape(tensor)
            shape = [full[labels.index(c)] if c in labels else 1 for c in res]
            placed.append(_arranged(g, tensor, labels, order, tuple(shape), f"{out}#{k}{labels}", name))
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


