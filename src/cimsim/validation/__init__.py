"""Presets of published designs checked against the figures their papers report.

:mod:`.published` holds the figures as data (value, unit, source with table / page, tolerance and why);
:mod:`.compare` computes cimsim's value of each from the presets and reports model versus published;
:mod:`.gains` prices ISAAC against the DaDianNao baseline preset next to the gains ISAAC reports;
:mod:`.macro_data` reads the published macros and chips (``published_macros.toml``), :mod:`.macro_configs` turns
each operating point into a cimsim config (:mod:`.macro_tables` its DAC and ADC tables) and prices it,
:mod:`.macro_comparison` compares (absolute figures and trends, :mod:`.macro_trends` pairing the points of a
trend), :mod:`.macro_report` sums up and renders, ``macro_expected.json`` pins each case's outcome, and
``record.json`` (:mod:`.macro_record`) holds the record by family that reports quote (:mod:`cimsim.cost.trust`).
"""

from .compare import CaseResult, markdown_table, model_value, validate
from .gains import PAPER_GAINS, DensityGains, isaac_vs_dadiannao
from .macro_comparison import MacroCase, macro_cases
from .macro_configs import macro_config, model_point
from .macro_data import load_macros
from .macro_report import summarize, validation_section
from .published import PUBLISHED, Published

__all__ = ["Published", "PUBLISHED", "CaseResult", "model_value", "validate", "markdown_table",
           "PAPER_GAINS", "DensityGains", "isaac_vs_dadiannao",
           "MacroCase", "load_macros", "macro_cases", "macro_config", "model_point", "summarize", "validation_section"]
