"""A sweep checked without running it (``cimsim validate SPEC``): every point built as it would run; an analytic
point priced as the sweep prices it (milliseconds: :func:`.metrics.analytic_metrics`), a functional one
put through every check a run makes before it simulates (:func:`cimsim.preflight.preflight`: files, chip capacity,
memory, the cost models' limits)."""

from __future__ import annotations

from collections import Counter

from ..argcheck import checked_types
from .metrics import analytic_metrics, point_error
from .points import expand
from .spec import SweepSpec

__all__ = ["point_errors"]


@checked_types
def point_errors(spec: SweepSpec) -> tuple[int, Counter]:
    """(the sweep's points, why its points would fail -> how many: an invalid combination's config error, or the
    error a point's pricing or a functional point's checks raise, as the results CSV's error column would hold it)"""
    from ..preflight import preflight

    points, errors = expand(spec), Counter()
    for point in points:
        if point.config is None:
            errors[point.error] += 1
            continue
        try:  # (an analytic point's memory is its pricing's: a simulation's limit is no check of it, a review)
            analytic_metrics(point.config) if spec.kind == "analytic" else preflight(point.config)
        except ImportError:
            raise
        except Exception as exc:  # noqa: BLE001 -- any error of one point is that point's, as a sweep records it
            errors[point_error(exc)] += 1
    return len(points), errors
