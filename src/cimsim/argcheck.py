"""Checks of API arguments, one place for all: an integer (Python or numpy, never a bool) in a range, a finite real,
a file path.

Each raises a ValueError (a TypeError for a path of the wrong type) naming the argument and what was expected; each
returns the value as a plain Python number (or the path as it came).
"""

from __future__ import annotations

import math
import numbers
import os

import numpy as np

__all__ = ["is_int", "finite_float", "check_int", "check_real", "check_path", "check_execution"]


def is_int(value) -> bool:
    """Whether ``value`` is an integer: a Python or numpy int, never a bool."""
    return isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_))


def check_int(name: str, value, minimum: int | None = 1, maximum: int | None = None) -> int:
    """``value`` as an int in [minimum, maximum] (either bound None: open)."""
    ok = is_int(value) and (
        minimum is None or value >= minimum) and (maximum is None or value <= maximum)
    if not ok:
        bounds = " and ".join(part for part in (f">= {minimum}" if minimum is not None else "",
                                                 f"<= {maximum}" if maximum is not None else "") if part)
        raise ValueError(f"{name} must be an int{' ' + bounds if bounds else ''}; got {_shown(value)}")
    return int(value)


def check_real(name: str, value, low: float | None = None, high: float | None = None, low_open: bool = False) -> float:
    """``value`` as a finite float in [low, high] (``low_open``: above low)."""
    x = finite_float(value)
    ok = x is not None and (low is None or (x > low if low_open else x >= low)) and (high is None or x <= high)
    if not ok:
        lower = "" if low is None else f"{'>' if low_open else '>='} {low:g}"
        upper = "" if high is None else f"<= {high:g}"
        bounds = " and ".join(part for part in (lower, upper) if part)
        raise ValueError(f"{name} must be a finite number{' ' + bounds if bounds else ''}; got {_shown(value)}")
    return x


def finite_float(value) -> float | None:
    """``value`` as a finite float, or None: not a real number (bools excluded), infinite, NaN or too large for a
    float (an integer of hundreds of digits)."""
    if not isinstance(value, numbers.Real) or isinstance(value, (bool, np.bool_)):
        return None
    try:
        x = float(value)
    except (OverflowError, ValueError, TypeError):
        return None
    return x if math.isfinite(x) else None


def _shown(value, limit: int = 60) -> str:
    """repr of ``value``, cut to ``limit`` characters"""
    text = repr(value)
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text)} characters)"


def check_path(name: str, value) -> str | os.PathLike:
    """``value`` when it is a file path (str or os.PathLike): an int would open that file descriptor, and closing
    it would close whatever the process had there."""
    if isinstance(value, (str, os.PathLike)):
        return value
    raise TypeError(f"{name} must be a file path (str or os.PathLike); got {type(value).__name__} {_shown(value)}")


def check_execution(progress, workers, scheduler) -> None:
    """How a run is carried out, as a script passes it: ``progress`` a callable or None, ``workers`` an int >= 1 or
    None, ``scheduler`` a Dask scheduler address (str) or None."""
    if progress is not None and not callable(progress):
        raise TypeError(f"progress must be a callable (it is called with the work done so far) or None; got "
                        f"{type(progress).__name__} {_shown(progress)}")
    if workers is not None:
        check_int("workers", workers, 1)
    if scheduler is not None and not isinstance(scheduler, str):
        raise TypeError(f"scheduler must be a Dask scheduler address (a str such as 'tcp://host:8786') or None; got "
                        f"{type(scheduler).__name__} {_shown(scheduler)}")
