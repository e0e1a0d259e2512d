"""Config problems only a layer's plan shows: arrays too narrow for one weight, a signed sum on a 1-bit converter, and
a conversion whose largest column sum float32 cannot hold exactly."""

from __future__ import annotations

from .config.schema import Config
from .mapping import plan_layer

__all__ = ["FLOAT32_EXACT_LIMIT", "plan_problems"]

FLOAT32_EXACT_LIMIT = 2**24
"""largest integer float32 holds exactly: the column sums of one conversion must stay below it"""


def plan_problems(config: Config) -> list[tuple[str, str]]:
    """Config problems only the layer's plan shows (dotted field, message; module doc)."""
    try:
        plan = plan_layer(config)
    except ValueError as exc:
        return [("array.cols", f"'array.cols' is too small: {exc}")]
    if plan.has_adc and plan.signed_sum and plan.adc_bits < 2:
        return [("adc.bits", "'adc.bits' must be at least 2 when the converted sum is signed (a differential pair "
                             "subtracted before the ADC, or signed inputs): 1 bit holds no sign; use 'mapping."
                             "subtraction' = \"digital\" for 1-bit converters")]
    if (peak := plan.rows_per_conversion * plan.max_plane_code * plan.max_level) >= FLOAT32_EXACT_LIMIT:
        rows, field = (("'array.rows_per_read'", "array.rows_per_read") if plan.groups_per_conversion == 1 else
                       ("'array.rows_per_read' x 'adc.groups_per_conversion'", "adc.groups_per_conversion"))
        return [(field, (
            f"{rows} x largest input code x largest cell level = {plan.rows_per_conversion} x "
            f"{plan.max_plane_code} x {plan.max_level} = {peak} must stay below 2**24 = {FLOAT32_EXACT_LIMIT} "
            "(the largest integer float32 holds exactly); sum fewer rows into a conversion or use fewer bits"))]
    return []
