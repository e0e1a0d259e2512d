"""Presets of published designs checked against the figures their papers report.

:mod:`.published` holds the figures as data (value, unit, source with table / page, tolerance and why);
:mod:`.compare` computes cimsim's value of each from the presets and reports model versus published;
:mod:`.gains` prices ISAAC against the DaDianNao baseline preset next to the gains ISAAC reports.
"""

from .compare import CaseResult, markdown_table, model_value, validate
from .gains import PAPER_GAINS, DensityGains, isaac_vs_dadiannao
from .published import PUBLISHED, Published

__all__ = ["Published", "PUBLISHED", "CaseResult", "model_value", "validate", "markdown_table",
           "PAPER_GAINS", "DensityGains", "isaac_vs_dadiannao"]
