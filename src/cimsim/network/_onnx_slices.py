"""ONNX Slice and Split (the handler signature of :mod:`._onnx_ops`, with the operator's name last): constant
bounds clamped as ONNX and onnxruntime clamp them, one Slice layer per sliced axis, an empty part a constant of no
values."""

from __future__ import annotations

import numpy as np

from ._onnx_fold import int_list, split_sizes
from .movement import Slice

__all__ = ["slices"]


def slices(g, attrs: dict, names: list[str], outs: list[str], name: str, op: str) -> None:
    """Split into ``outs`` along one axis, or Slice with constant starts / ends / axes / steps."""
    nd = g.full_ndim(names[0])
    operands = [None] + [g.operand(names, k, f"{op}'s {part}") for k, part in enumerate(
        ("split sizes",) if op == "Split" else ("starts", "ends", "axes", "steps"), 1)]
    if op == "Split":
        axis = g.sample_axis(attrs.get("axis", 0), names[0])
        size = g.shape[names[0]][axis]
        sizes = split_sizes(attrs, operands, size, len(outs))
        starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
        for out, start, n in zip(outs, starts, sizes):
            if n:
                g.append(Slice(axis, int(start), int(start + n)), [names[0]], out, f"{name}/{out}")
            else:
                _empty(g, out, g.shape[names[0]], axis)
        return
    starts, ends = int_list(attrs, operands, "starts", 1), int_list(attrs, operands, "ends", 2)
    axes = int_list(attrs, operands, "axes", 3) or list(range(len(starts)))
    steps = int_list(attrs, operands, "steps", 4) or [1] * len(starts)
    if len({a % nd for a in axes}) < len(axes):  # (each had been applied in turn; onnxruntime refuses it)
        raise ValueError(f"Slice axes {list(axes)} name an axis twice: give each axis once")
    current = names[0]
    for k, (a, s, e, st) in enumerate(zip(axes, starts, ends, steps)):
        if a % nd == 0 and not g.batch_as_axis and s == 0 and st == 1 and e >= 2**31 - 1:
            continue  # the whole batch axis
        tmp = outs[0] if k == len(axes) - 1 else f"{outs[0]}#slice{k}"
        axis, shape = g.sample_axis(a, names[0]), g.shape[current]
        start, stop = _bounds(s, e, st, shape[axis])
        if not range(start, -1 if stop is None else stop, st):
            return _empty(g, outs[0], shape, axis)
        g.append(Slice(axis, start, stop, st), [current], tmp, name)
        current = tmp
    if current == names[0]:
        g.alias(outs[0], names[0])


def _empty(g, out: str, shape: tuple[int, ...], axis: int) -> None:
    """An empty part of a Slice or Split (a rotary embedding over the whole head leaves no pass-through part): a
    constant of no values (per-sample ``shape`` with none along ``axis``), which Concat drops"""
    g.consts[out] = np.zeros((1,) * (not g.batch_as_axis) + shape[:axis] + (0,) + shape[axis + 1:])


def _bounds(start: int, end: int, step: int, size: int) -> tuple[int, int | None]:
    """ONNX Slice's ``start`` and ``end`` on an axis of ``size`` values as python slice bounds (None: past the
    first value), clamped as onnxruntime clamps them: a negative one counts from the end, then start into [0, size]
    for a positive ``step``, [0, size - 1] for a negative one, end into [0, size] or [-1, size - 1]; an end of
    INT32_MAX or INT64_MAX reads to the last value in the step's direction (numpy's None)"""
    if step == 0:
        raise ValueError("Slice steps must not be 0")
    back = int(step < 0)
    start = max(min(start + size if start < 0 else start, size - back), 0)
    if end in (2**31 - 1, 2**63 - 1):
        end = -1 if back else size
    else:
        end = max(min(end + size if end < 0 else end, size - back), -back)
    return start, None if end < 0 else end
