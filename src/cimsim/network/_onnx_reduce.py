"""ONNX reductions of activations (the handler signature of :mod:`._onnx_ops`): the Reduce operators, and
LpNormalization (x over its norm along one axis). Intermediate tensors are named ``out#part``.

ReduceProd multiplies halves: along each axis the first half of the values times the second (an odd one carried),
until one is left: ceil(log2 n) rounds of multiplies, exact up to float64 rounding."""

from __future__ import annotations

import numpy as np

from ._onnx_fold import int_list
from ._onnx_movement import BatchAxisError
from .movement import Concat, Reshape, Slice
from .ops import Affine, Elementwise, Max, Mean, Unary

__all__ = ["REDUCTION_HANDLERS"]

_REDUCTIONS = ("ReduceMean", "ReduceMax", "ReduceMin", "ReduceSum", "ReduceL2", "ReduceL1", "ReduceSumSquare",
               "ReduceLogSum", "ReduceLogSumExp", "ReduceProd")


def _reduce(g, op: str, attrs: dict, names: list[str], out: str, name: str) -> None:
    """ReduceMean, ReduceMax; ReduceMin as -max(-x); the sums (ReduceSum, ReduceL1 of |x|, ReduceSumSquare and
    ReduceL2 of x**2, ReduceLogSum) as the mean times the number of values summed, then sqrt or log;
    ReduceLogSumExp as m + log(sum(exp(x - m))), m the maximum (no overflow). No axes: every axis (of a graph
    exported with batch 1, every axis of a sample; with a larger or symbolic batch, refused: the batch is summed),
    or with ``noop_with_empty_axes`` none (the element-wise part only: :func:`_unreduced`). An axis named twice
    counts once (as onnxruntime)."""
    x, nd = names[0], g.full_ndim(names[0])
    axes = int_list(attrs, [None, g.operand(names, 1, f"{op}'s axes")], "axes", 1)
    if not axes and attrs.get("noop_with_empty_axes", 0):
        return _unreduced(g, op, x, out, name)
    if not axes and (g.batch != 1 or g.batch_size.symbolic) and not g.batch_as_axis:
        raise BatchAxisError(f"{op} over every axis reduces the batch axis (exported with batch "
                             f"{g.batch_size.symbolic or g.batch}) too")
    axes = axes or list(range(0 if g.batch_as_axis else 1, nd))
    axes = tuple(dict.fromkeys(g.sample_axis(a, x) for a in axes))
    keep = bool(attrs.get("keepdims", 1))
    if op == "ReduceProd":
        return _product(g, x, axes, keep, out, name)
    if op in ("ReduceMean", "ReduceMax"):
        return g.append((Mean if op == "ReduceMean" else Max)(axes, keep), [x], out, name)
    if op == "ReduceMin":
        g.append(Affine(scale=-1.0), [x], f"{out}#negated", name)
        g.append(Max(axes, keep), [f"{out}#negated"], f"{out}#max", name)
        return g.append(Affine(scale=-1.0), [f"{out}#max"], out, name)
    if op == "ReduceLogSumExp":
        g.append(Max(axes, True), [x], f"{out}#peak", name)
        g.append(Elementwise("sub"), [x, f"{out}#peak"], f"{out}#centred", name)
        g.append(Unary("exp"), [f"{out}#centred"], f"{out}#exp", name)
        x = f"{out}#exp"
    elif op in ("ReduceL2", "ReduceSumSquare"):
        g.append(Elementwise("mul"), [x, x], f"{out}#squares", name)
        x = f"{out}#squares"
    elif op == "ReduceL1":
        g.append(Unary("abs"), [x], f"{out}#magnitudes", name)
        x = f"{out}#magnitudes"
    g.append(Mean(axes, keep), [x], f"{out}#mean", name)
    count = float(np.prod([g.shape[x][a] for a in axes]))
    last = op in ("ReduceSum", "ReduceL1", "ReduceSumSquare")
    g.append(Affine(scale=count), [f"{out}#mean"], out if last else f"{out}#sum", name)
    if op == "ReduceL2":
        return g.append(Unary("sqrt"), [f"{out}#sum"], out, name)
    if op != "ReduceLogSumExp":
        return None if last else g.append(Unary("log"), [f"{out}#sum"], out, name)
    g.append(Unary("log"), [f"{out}#sum"], f"{out}#log", name)
    peak = f"{out}#peak"
    if not keep:
        kept = g.shape[peak]
        g.append(Reshape(tuple(n for k, n in enumerate(kept) if k not in axes)), [peak], f"{out}#peak_dropped", name)
        peak = f"{out}#peak_dropped"
    g.append(Elementwise("add"), [f"{out}#log", peak], out, name)


def _unreduced(g, op: str, x: str, out: str, name: str) -> None:
    """A reduction over no axes (``noop_with_empty_axes``): its element-wise part, as ONNX defines it: |x| (ReduceL1,
    and ReduceL2's sqrt(x**2)), x**2 (ReduceSumSquare), log x (ReduceLogSum); the others x itself"""
    if op in ("ReduceL1", "ReduceL2"):
        return g.append(Unary("abs"), [x], out, name)
    if op == "ReduceSumSquare":
        return g.append(Elementwise("mul"), [x, x], out, name)
    if op == "ReduceLogSum":
        return g.append(Unary("log"), [x], out, name)
    g.alias(out, x)


def _product(g, x: str, axes: tuple[int, ...], keep: bool, out: str, name: str) -> None:
    """the product over per-sample ``axes`` (module docstring), kept as size-1 axes unless not ``keep``"""
    step = 0
    for axis in axes:
        while (n := g.shape[x][axis]) > 1:
            half, step = n // 2, step + 1
            low, high, product = (f"{out}#{part}{step}" for part in ("low", "high", "product"))
            g.append(Slice(axis, 0, half), [x], low, name)
            g.append(Slice(axis, half, 2 * half), [x], high, name)
            g.append(Elementwise("mul"), [low, high], product, name)
            if n % 2:  # the odd value, carried to the next round
                g.append(Slice(axis, n - 1, n), [x], f"{out}#odd{step}", name)
                g.append(Concat(axis), [product, f"{out}#odd{step}"], f"{out}#carried{step}", name)
                product = f"{out}#carried{step}"
            x = product
    g.append(Reshape(tuple(n for k, n in enumerate(g.shape[x]) if keep or k not in axes)), [x], out, name)


def _lp_normalization(g, op, attrs, names, outs, name):
    """LpNormalization: x / ||x||_p along ``axis`` (default -1), p 1 or 2 (default 2): the ReduceL1 or ReduceL2
    kept, then a division (no epsilon, as ONNX)"""
    p, out = int(attrs.get("p", 2)), outs[0]
    if p not in (1, 2):
        raise ValueError(f"LpNormalization p must be 1 or 2; got {p}")
    _reduce(g, f"ReduceL{p}", {"axes": [int(attrs.get("axis", -1))], "keepdims": 1}, names[:1], f"{out}#norm", name)
    g.append(Elementwise("div"), [names[0], f"{out}#norm"], out, name)


REDUCTION_HANDLERS = {**{op: lambda g, op, attrs, names, outs, name: _reduce(g, op, attrs, names, outs[0], name)
                         for op in _REDUCTIONS}, "LpNormalization": _lp_normalization}
"""ONNX operator -> handler, for the reductions"""
