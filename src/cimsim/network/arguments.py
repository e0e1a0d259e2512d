"""Checks of the arguments of layer constructors, each a ValueError naming the layer and the argument: scalar
fields by their type (:func:`checked_scalar`, run for every layer by ``Layer.__post_init__``), constant arrays,
weights and biases, window sizes, strides and paddings."""

from __future__ import annotations

import functools
import math
import numbers
from dataclasses import fields

import numpy as np

from ..argcheck import check_bool, check_int, is_int, shown
from ..numerics.checks import as_array, real_numbers

__all__ = ["checked_scalar", "scalar_fields", "constant_array", "real_array", "checked_bias", "checked_groups", "ints",
           "positive_shape"]


def ints(name: str, value, count: int, minimum: int, axes: str) -> tuple[int, ...]:
    """``value`` (an int or ``count`` ints) as ``count`` ints >= ``minimum``; ``axes`` names them for the error"""
    values = (value,) * count if is_int(value) else value
    values = tuple(np.ravel(values)) if isinstance(values, (tuple, list, np.ndarray)) else (values,)
    if len(values) != count or not all(is_int(v) and v >= minimum for v in values):
        raise ValueError(f"{name} must be an int >= {minimum} or {count} of them ({axes}); got {value!r}")
    return tuple(int(v) for v in values)


def positive_shape(name: str, value, example: str = "") -> tuple[int, ...]:
    """``value`` (a tuple, list or array of positive ints) as a tuple of ints, or a ValueError naming ``name``
    (``example``: shapes to show)"""
    shape = tuple(value) if isinstance(value, (tuple, list, np.ndarray)) else ()
    if not shape or not all(is_int(s) and s > 0 for s in shape):
        raise ValueError(f"{name} must be a tuple of positive ints{example}; got {shown(value, 80)}")
    return tuple(int(s) for s in shape)


def _pair(name: str, value, minimum: int) -> tuple[int, int]:
    """``value`` (an int or two ints) as a (height, width) pair of ints >= ``minimum``."""
    return ints(name, value, 2, minimum, "height, width")


def _number(name: str, value) -> float:
    """``value`` as a float: a real number but NaN (infinities pass: a bound, a mask's value)"""
    try:
        ok = isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_)) and not math.isnan(value)
    except OverflowError:  # an int float cannot hold
        ok = False
    if not ok:
        raise ValueError(f"{name} must be a number (not NaN); got {shown(value)}")
    return float(value)


def _text(name: str, value) -> str:
    """``value`` when it is a str (a list had failed as unhashable)"""
    if not isinstance(value, str):
        raise ValueError(f"{name} must be a string; got {shown(value)}")
    return str(value)


def _axis(name: str, value) -> int:
    """``value`` as an int: a per-sample axis (its range is checked against the shapes the layer reads)"""
    if not is_int(value):
        raise ValueError(f"{name} must be an int (a per-sample axis, negative: from the end); got {shown(value)}")
    return int(value)


_SCALARS = {"bool": check_bool, "int": lambda name, value: check_int(name, value, None), "float": _number,
            "str": _text, "axis": _axis}
"""a layer's scalar field types -> the check that returns the plain Python value"""


def checked_scalar(name: str, value, kind: str):
    """``value`` of a field of type ``kind`` (bool, int, float or str, each optionally ``| None``) as the plain
    Python value (a numpy scalar as the number: JSON holds it), or a ValueError naming ``name`` (a string
    "False" had been taken as True, "0" as 0.0)."""
    base, _, none = kind.partition(" | ")
    return None if value is None and none == "None" else _SCALARS[base](name, value)


@functools.cache
def scalar_fields(cls: type) -> tuple[tuple[str, str], ...]:
    """(name, type) of each scalar field of layer class ``cls`` (:data:`_SCALARS`, optionally ``| None``; an int
    named axis: "axis")"""
    kinds = ((f.name, f.type if isinstance(f.type, str) else getattr(f.type, "__name__", "")) for f in fields(cls))
    kinds = ((name, "axis" if (name, kind) == ("axis", "int") else kind) for name, kind in kinds)
    return tuple((name, kind) for name, kind in kinds
                 if kind.partition(" | ")[0] in _SCALARS and kind.partition(" | ")[2] in ("", "None"))


def _frozen(arr: np.ndarray) -> bool:
    """whether ``arr`` is a read-only float64 array that owns its values (a layer's own, or one made so): kept as
    is, not copied, so that layers made with one array hold one object (one matrix: ``Network``, weight sharing)"""
    return type(arr) is np.ndarray and arr.dtype == np.float64 and arr.base is None and not arr.flags.writeable


def constant_array(name: str, value, minus_inf: bool = False, any_value: bool = False) -> np.ndarray | None:
    """``value`` as a read-only float64 array (None stays None), or a ValueError naming ``name``: not real numbers,
    NaN or infinities (but -inf where ``minus_inf``, an attention mask's shift; anything where ``any_value``)."""
    if value is None:
        return None
    arr = as_array(name, value)
    if arr.dtype.kind not in "biuf":
        raise ValueError(f"{name} must hold real numbers; got {shown(value)}")
    arr = arr if _frozen(arr) else np.array(arr, dtype=np.float64)
    if not any_value and not (np.isfinite(arr) | (minus_inf & (arr == -np.inf))).all():
        raise ValueError(f"{name} holds NaN or infinite values" + (" (only -inf is allowed)" if minus_inf else ""))
    arr.setflags(write=False)
    return arr


def real_array(name: str, value, ndim: int) -> np.ndarray:
    """``value`` as a read-only float64 array of ``ndim`` dimensions holding finite numbers."""
    arr = real_numbers(name, as_array(name, value))  # booleans refused, as a file of them is
    if arr.ndim != ndim or 0 in arr.shape:
        raise ValueError(f"{name} must be a non-empty {ndim}-d array; got shape {arr.shape}")
    arr = arr if _frozen(arr) else np.array(arr, dtype=np.float64)
    if not np.isfinite(arr).all():
        raise ValueError(f"{name} holds NaN or infinite values")
    arr.setflags(write=False)
    return arr


def checked_bias(value, out: int) -> np.ndarray | None:
    if value is None:
        return None
    bias = real_array("bias", value, 1)
    if bias.shape != (out,):
        raise ValueError(f"bias must have shape ({out},) to match the weight; got {bias.shape}")
    return bias


def _padding(name: str, value) -> tuple[int, int, int, int]:
    """Zero padding as (top, left, bottom, right) from an int, a (height, width) pair or four ints (ONNX order)."""
    try:
        if isinstance(value, (tuple, list, np.ndarray)) and np.size(value) == 4:
            return ints(name, value, 4, 0, "top, left, bottom, right")
        ph, pw = _pair(name, value, 0)
        return ph, pw, ph, pw
    except ValueError:
        raise ValueError(f"{name} must be an int >= 0, two of them (height, width) or four (top, left, bottom, "
                         f"right); got {shown(value)}") from None


def checked_groups(layer: str, groups, out_ch: int) -> int:
    """a convolution's channel groups: an int >= 1 dividing its ``out_ch`` output channels"""
    if not is_int(groups) or groups < 1 or out_ch % groups:
        raise ValueError(f"{layer} groups must be an int >= 1 dividing the {out_ch} output channels; got {groups!r}")
    return int(groups)
