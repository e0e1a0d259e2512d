"""The checks a baseline built in code passes before it is priced (:mod:`cimsim.cost.baseline`): the loader's rules
on its fields, its cross-field rules and the memory floor, each refusal a ConfigError naming the field."""

from __future__ import annotations

import functools
from dataclasses import fields

from ..argcheck import check_int
from ..config.checks import baseline_errors
from ..config.load import field_errors, python_scalar
from ..config.memory_checks import memory_errors
from ..config.schema import BaselineConfig, Config
from ..errors import ConfigError

__all__ = ["check_baseline", "checked_baseline"]


def check_baseline(config: Config) -> None:
    """The loader's rules on what the baseline is (configs built in code reach here): each field of the [technology]
    and [baseline] tables by its rule, ``batch`` at least 1 (a product's config counts its vectors there, past the
    field's range: :func:`cimsim.models.baseline.product_config`), then the [baseline] table's cross-field rules
    and the memory floor (:func:`cimsim.config.memory_checks.memory_errors`: a 1e-9 KiB bank had priced a bit at
    3e-10 pJ). The workload's tables are the caller's (a product's shape, a network's layer)."""
    check_int("baseline.batch", config.baseline.batch)
    errors = [] if all(map(_accepted, (config.technology, config.baseline))) else [  # the loader's words
        (name, why) for name, why in field_errors(config)
        if name.startswith(("technology.", "baseline.")) and name != "baseline.batch"]
    errors = errors or baseline_errors(config.baseline) + memory_errors(config)
    if errors:
        raise ConfigError(f"{config.source} (a Config given in memory)", errors)


def _accepted(table) -> bool:
    """whether each field of ``table`` passes its rule (a baseline's ``batch`` aside), as the loader checks it"""
    return all(f.metadata["rule"].accepts(python_scalar(getattr(table, f.name))) for f in fields(table)
               if not (isinstance(table, BaselineConfig) and f.name == "batch"))


def checked_baseline(baseline: BaselineConfig) -> None:
    """the loader's ConfigError naming each [baseline] field of a table built in code that its rule refuses (a
    negative count of MAC units had priced a negative peak); a table checked once (pricing asks per layer)"""
    try:
        _checked_table(baseline)
    except TypeError:  # a field holding what cannot be hashed (a list): checked, not held
        _check_table(baseline)


@functools.lru_cache(maxsize=64)
def _checked_table(baseline: BaselineConfig) -> None:
    _check_table(baseline)


def _check_table(baseline: BaselineConfig) -> None:
    errors = baseline_errors(baseline) if _accepted(baseline) else [  # cross-field rules once each field passes
        (name, why) for name, why in field_errors(Config(baseline=baseline)) if name.startswith("baseline.")]
    if errors:  # a wide rate above the 8-bit one had priced a 16-bit peak 390x the 8-bit one
        raise ConfigError("a BaselineConfig given in memory", errors)
