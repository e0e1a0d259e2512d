"""ONNX's Pow, the handler of :mod:`._onnx_ops`: a constant base raised to an activation (``2 ** x``,
``torch.pow(10000., x)``) as exp(x ln b), as torch's exp2 is rewritten (a Mul by the constant ln b, then an Exp);
an activation raised to a constant exponent, by :mod:`._onnx_same_shape`."""

from __future__ import annotations

import numpy as np

from ._onnx_same_shape import SAME_SHAPE_HANDLERS

__all__ = ["POWER_HANDLERS"]


def _pow(g, op, attrs, names, outs, name):
    """Pow: of a constant base whose every value is finite and positive, exp(x ln b); of an activation, by
    constant exponents (``_onnx_same_shape``); refused: both computed from the activations, a base <= 0 or not
    finite (no real logarithm: b ** x is NaN or alternates its sign)"""
    base, exponent = names[:2]
    if g.is_data(base) and g.is_data(exponent):
        raise ValueError("Pow of an activation raised to an activation is not supported (a constant exponent, or "
                         "a constant positive base, is)")
    if base not in g.consts:
        return SAME_SHAPE_HANDLERS["Pow"](g, op, attrs, names, outs, name)
    b = np.asarray(g.consts[base], dtype=np.float64)
    if not (np.isfinite(b) & (b > 0)).all():
        bad = b[~(np.isfinite(b) & (b > 0))]
        raise ValueError(f"Pow of a constant base raised to an activation needs finite positive bases (it is "
                         f"exp(x ln b)); this base holds {bad.ravel()[0]:g}, which has no real logarithm")
    log_base, scaled = f"{outs[0]}#ln_base", f"{outs[0]}#x_ln_base"
    g.consts[log_base] = np.log(b)
    SAME_SHAPE_HANDLERS["Mul"](g, "Mul", {}, [exponent, log_base], [scaled], name)
    SAME_SHAPE_HANDLERS["Exp"](g, "Exp", {}, [scaled], outs[:1], name)


POWER_HANDLERS = {"Pow": _pow}
"""ONNX operator -> handler, for Pow"""
