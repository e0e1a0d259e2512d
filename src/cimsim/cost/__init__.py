"""Cost models: energy per action, latency and area of the CIM side, technology-scaled.

``cim_breakdown(config, plan, counts)`` prices :class:`~cimsim.counts.Counts` into a
:class:`~cimsim.breakdown.Breakdown`; ``cim_cost_parameters(config)`` lists every per-action figure it
uses. Component models live in one module each: :mod:`.adc`, :mod:`.periphery`, :mod:`.cells`,
:mod:`.memory`, :mod:`.digital`, and node scaling in :mod:`.technology`.
"""

from .cim import CimTiming, cim_breakdown, cim_timing
from .parameters import CimParameters, cim_cost_parameters, cim_parameters

__all__ = ["cim_breakdown", "cim_timing", "CimTiming", "cim_cost_parameters", "cim_parameters", "CimParameters"]
