"""Which layers' operands fit the CPU's int8 units (:mod:`.int8`): input plane codes as uint8 (with a zero point
of 128 for bipolar planes), converted column levels as int8."""

from __future__ import annotations

from ..argcheck import checked_types
from ..config.modes import SignedEncoding, SignedInputs
from ..mapping import Plan

__all__ = ["zero_point", "codes_fit", "levels_fit", "plane_code_limit"]


def zero_point(plan: Plan) -> int:
    """128 for bipolar planes (signed codes), 0 for the others (two-phase, bit-serial, sliced, unsigned: codes >= 0)."""
    return 128 if plan.signed_inputs == SignedInputs.BIPOLAR else 0


@checked_types
def codes_fit(plan: Plan) -> bool:
    """whether the plan's plane codes fit the units' uint8 planes (:func:`plane_code_limit`)"""
    return plan.max_plane_code <= plane_code_limit(plan)


def levels_fit(plan: Plan) -> bool:
    """whether a layer's converted columns can hold their levels as int8: up to the column's top level each side
    (:attr:`Plan.top_column_level`), or, an offset column less its reference in the analog domain, from -(top + 1)
    / 2 to (top - 1) / 2 (whether they do, :func:`.int8.compact` sees in the programmed levels)"""
    top = plan.top_column_level
    return top <= 127 or plan.signed_encoding == SignedEncoding.OFFSET and plan.analog_subtraction and top < 256


def plane_code_limit(plan: Plan) -> int:
    """the largest plane code the units take: 127 in magnitude for bipolar planes, 255 for the others"""
    return 127 if zero_point(plan) else 255
