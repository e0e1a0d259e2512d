"""Presets of published designs checked against the figures their papers report.

:mod:`.published` holds the figures as data (value, unit, source with table / page, tolerance and why);
:mod:`.compare` computes cimsim's value of each from the presets and reports model versus published;
:mod:`.gains` prices ISAAC against the DaDianNao baseline preset next to the gains ISAAC reports;
:mod:`.macros` runs every usable operating point of the published macros and chips (``published_macros.toml``)
through the cost model and compares (absolute figures and trends), :mod:`.macro_expected` pins each case's outcome.
"""

from .compare import CaseResult, markdown_table, model_value, validate
from .gains import PAPER_GAINS, DensityGains, isaac_vs_dadiannao
from .macros import (MacroCase, load_macros, macro_cases, macro_config, model_point, summarize,
                     validation_section)
from .published import PUBLISHED, Published

__all__ = ["Published", "PUBLISHED", "CaseResult", "model_value", "validate", "markdown_table",
           "PAPER_GAINS", "DensityGains", "isaac_vs_dadiannao",
           "MacroCase", "load_macros", "macro_cases", "macro_config", "model_point", "summarize", "validation_section"]
