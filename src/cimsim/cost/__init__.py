"""Cost models: energy per action, latency and area of the CIM side, technology-scaled.

``cim_breakdown(config, plan, counts)`` prices one dense layer's :class:`~cimsim.counts.Counts`, and
``chip_breakdown(config, stages, items)`` a network's layers, into a :class:`~cimsim.breakdown.Breakdown`
on the chip of ``config.chip`` (:mod:`.chip`); ``cim_cost_parameters(config)`` lists every per-action
figure used. Component models live in one module each: :mod:`.adc`, :mod:`.periphery`, :mod:`.cells`,
:mod:`.memory`, :mod:`.edram`, :mod:`.noc`, :mod:`.leakage`, :mod:`.digital`, :mod:`.gates`; what a read costs
by array family in :mod:`.families`; node scaling in :mod:`.technology`; one layer's cycle model and pricing
table (energy and area) in :mod:`.cim`; the von Neumann baseline in :mod:`.baseline`.
"""

from . import baseline  # cimsim.cost.baseline.baseline_breakdown, as the README writes it
from .chip import ChipMapping, Stage, chip_breakdown, cim_breakdown, dense_stage, map_stages
from .chip_capacity import tiles_for_arrays
from .cim import Action, CimTiming, Component, cim_timing, pricing_table
from .parameters import CimParameters, adc_sampling_rate_gsps, cim_cost_parameters, cim_parameters

__all__ = [
    "baseline", "cim_breakdown", "chip_breakdown", "Stage", "ChipMapping", "dense_stage", "map_stages",
    "tiles_for_arrays",
    "cim_timing", "CimTiming", "pricing_table", "Component", "Action", "cim_cost_parameters", "cim_parameters",
    "CimParameters", "adc_sampling_rate_gsps",
]
