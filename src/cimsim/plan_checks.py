"""Config problems only a layer's plan shows: arrays too narrow for one weight, or with more adder trees than outputs
(:func:`plan_problems`, limits of the hardware, refused by the config loader), and a conversion whose largest column
sum float32 cannot hold exactly (:func:`simulation_problems`, a limit of the functional simulation alone, refused by
:func:`check_simulable` and :func:`simulated_plan` where a run simulates, never where a design is only priced:
docs/robustness.md)."""

from __future__ import annotations

from .config.schema import Config
from .errors import ConfigError
from .mapping import Plan, plan_layer

__all__ = ["FLOAT32_EXACT_LIMIT", "plan_problems", "simulation_problems", "check_simulable", "simulated_plan",
           "largest_product_sum"]

FLOAT32_EXACT_LIMIT = 2**24
"""largest integer float32 holds exactly: the column sums of one conversion must stay below it"""


def plan_problems(config: Config) -> list[tuple[str, str]]:
    """Config problems only the layer's plan shows (dotted field, message; module doc)."""
    try:
        plan = plan_layer(config)
    except ValueError as exc:
        return [("array.cols", f"'array.cols' is too small: {exc}")]
    if not (plan.has_adc or plan.cell_chain) and plan.adder_trees > plan.outputs_per_array:  # only trees that sum
        return [("array.adder_trees", f"'array.adder_trees' ({plan.adder_trees}) is more than the "
                 f"{plan.outputs_per_array} outputs an array of {plan.cols} columns holds: a tree would sum none")]
    return []


def check_simulable(config: Config, plan: Plan) -> None:
    """Raise a :class:`ConfigError` naming the field when the functional simulation of ``plan`` (made from
    ``config``) cannot be exact (:func:`simulation_problems`); called before a run simulates."""
    if problems := simulation_problems(plan):
        raise ConfigError(config.source, problems)


def simulated_plan(config: Config, in_features: int | None = None, out_features: int | None = None) -> Plan:
    """The plan of a layer the functional simulation runs (:func:`cimsim.mapping.plan_layer`), refused by
    :func:`check_simulable` when its float32 products cannot be exact."""
    plan = plan_layer(config, in_features, out_features)
    check_simulable(config, plan)
    return plan


def largest_product_sum(plan: Plan) -> int:
    """largest |column sum| one float32 product of a conversion takes, in units of one input code x one level: rows
    summed x largest plane code x largest matrix entry (``Plan.top_column_level``: the slices' top levels times
    their weights where they are summed into a column, as :func:`cimsim.numerics.converters.max_sum`); planes are
    summed after the products, in float64"""
    return plan.rows_per_conversion * plan.max_plane_code * plan.top_column_level


def simulation_problems(plan: Plan) -> list[tuple[str, str]]:
    """The float32 product of a conversion must be exact (every column sum below 2**24) for ideal cells to give
    the integer product bit for bit whatever the batch: a limit of the functional simulation, not of the hardware
    (dotted field, message)."""
    if (peak := largest_product_sum(plan)) < FLOAT32_EXACT_LIMIT:
        return []
    rows, field = (("'array.rows_per_read'", "array.rows_per_read") if plan.groups_per_conversion == 1 else
                   ("'array.rows_per_read' x 'adc.groups_per_conversion'", "adc.groups_per_conversion"))
    level, fix = "largest cell level", "sum fewer rows into a conversion or use fewer bits"
    if plan.slice_accumulation:
        level = (f"largest summed level (the slices' top levels times their weights, "
                 f"{' + '.join(f'{top} x {2 ** shift}' for shift, top in plan.weight_slices)}, "
                 "'adc.accumulation' summing slices)")
        fix = "convert the slices apart ('adc.accumulation' = \"none\" or \"planes\"), " + fix
        if plan.rows_per_conversion * plan.max_plane_code * plan.max_level < FLOAT32_EXACT_LIMIT:
            field = "adc.accumulation"  # the summed slices alone take the sums past the limit
    entry = plan.top_column_level
    return [(field, (
        f"{rows} x largest input code x {level} = {plan.rows_per_conversion} x {plan.max_plane_code} x {entry} = "
        f"{peak} must stay below 2**24 = {FLOAT32_EXACT_LIMIT} (the largest integer float32 holds exactly: a limit "
        f"of the simulation, not of the hardware); {fix}"))]
