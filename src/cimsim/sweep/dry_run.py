"""A sweep checked without running it (``cimsim validate SPEC``): every point built as it would run, and each valid
point put through every check a run makes before it simulates (:func:`cimsim.preflight.preflight`: files, chip
capacity, memory, the cost models' limits)."""

from __future__ import annotations

from collections import Counter

from ..argcheck import checked_types
from .metrics import error_text
from .points import expand
from .spec import SweepSpec

__all__ = ["point_errors"]


@checked_types
def point_errors(spec: SweepSpec) -> tuple[int, Counter]:
    """(the sweep's points, why its points would fail -> how many: an invalid combination's config error or a valid
    config's refusal by the run's checks, as the results CSV's error column would hold it)"""
    from ..preflight import preflight

    points, errors = expand(spec), Counter()
    for point in points:
        if point.config is None:
            errors[point.error] += 1
            continue
        try:
            preflight(point.config)
        except (ValueError, OSError, MemoryError) as exc:  # (ConfigError is a ValueError)
            errors[error_text(exc)] += 1
    return len(points), errors
