"""Arguments of the wrong type or value given to the cost building blocks are named, at the call (argcheck)."""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import math
import types
import typing

import pytest

from cimsim.argcheck import checked_types, described
from cimsim.config.schema import Config, TechnologyConfig
from cimsim.analytic import analytic_counts
from cimsim.cost import cim_parameters, gates, leakage, noc, periphery, vector_unit
from cimsim.cost.cells import cell_family
from cimsim.cost.families import chain_registers
from cimsim.mapping import Plan, plan_layer

MODULES = ["adc", "baseline", "cells", "chip", "cim", "digital", "edram", "families", "gates", "leakage", "memory",
           "noc", "parameters", "periphery", "technology", "vector_unit"]


def _dataclass_parameters():
    """(function, parameter name, class) of every parameter of a public cost function typed with a cimsim
    dataclass (alone or with None)"""
    found = []
    for module in MODULES:
        mod = importlib.import_module(f"cimsim.cost.{module}")
        for name in mod.__all__:
            func = getattr(mod, name)
            if not inspect.isfunction(func):
                continue
            for parameter, hint in typing.get_type_hints(func).items():
                union = typing.get_origin(hint) in (typing.Union, types.UnionType)
                options = typing.get_args(hint) if union else (hint,)
                classes = [t for t in options if dataclasses.is_dataclass(t) and t.__module__.startswith("cimsim.")]
                if parameter != "return" and classes:
                    found.append((func, parameter, classes[0]))
    return found


CASES = _dataclass_parameters()
_CONFIG = Config()
_PLAN = plan_layer(_CONFIG)
VALID = {str(type(v)): v for v in (_CONFIG, _CONFIG.technology, _CONFIG.baseline, _PLAN, analytic_counts(_PLAN, 2),
                                    cim_parameters(_CONFIG, _PLAN), cell_family("rram")[0])}
"""a valid object of each class, for the arguments besides the one under test"""


def test_the_cases_cover_the_cost_api():
    names = {f"{func.__module__.rsplit('.', 1)[1]}.{func.__name__}" for func, _, _ in CASES}
    assert len(names) >= 60 and {"adc.adc_energy_pj", "chip.cim_breakdown", "baseline.baseline_breakdown",
                                 "families.adder_tree_energy_pj", "cells.cell_area_um2"} <= names


@pytest.mark.parametrize("func, parameter, cls", CASES, ids=[f"{f.__name__}-{p}" for f, p, _ in CASES])
def test_an_object_of_the_wrong_type_is_named(func, parameter, cls):
    """A float where a Config, Plan, TechnologyConfig ... belongs: a TypeError naming the argument and how to get
    the right object, before anything else is read (before: AttributeError from deep inside)."""
    hints = typing.get_type_hints(func)
    arguments = {name: VALID.get(str(hints.get(name)), object()) for name, p in inspect.signature(func).parameters.items()
                 if p.default is p.empty or name in hints and str(hints[name]) in VALID}
    arguments[parameter] = 0.5
    with pytest.raises(TypeError, match=rf"^{parameter} must be .*cimsim {cls.__name__}.*; got float 0.5$"):
        func(**arguments)


def test_checked_types_accepts_none_only_where_optional_and_leaves_defaults_alone():
    @checked_types
    def f(tech: TechnologyConfig, plan: Plan | None = None, *, config: Config = Config()) -> str:
        return "ran"

    tech = TechnologyConfig()
    assert f(tech) == f(tech, None) == f(tech, plan=None) == f(tech, config=Config()) == "ran"
    with pytest.raises(TypeError, match=r"^tech must be a cimsim TechnologyConfig \(config.technology"):
        f(None)
    with pytest.raises(TypeError, match="^plan must be a cimsim Plan .* got str 'p'"):
        f(tech, plan="p")
    with pytest.raises(TypeError, match="^config must be a cimsim Config .* got NoneType None"):
        f(tech, config=None)
    assert described(Plan) == "a cimsim Plan (cimsim.mapping.plan_layer(config))"
    assert f.__name__ == "f" and f.__wrapped__.__name__ == "f"


@pytest.mark.parametrize("bad", [math.nan, math.inf, -1.0])
def test_numbers_out_of_range_are_refused_by_the_building_blocks(bad):
    """Each of these had returned NaN, inf or a negative energy for such an argument."""
    calls = [
        lambda: periphery.line_capacitance_ff(8, bad if bad != -1.0 else 0.0),
        lambda: periphery.line_charge_energy_pj(bad, 0.8),
        lambda: periphery.line_charge_energy_pj(1.0, bad),
        lambda: gates.switch_energy_pj(bad, 0.8),
        lambda: gates.switch_energy_pj(1.0, bad),
        lambda: gates.capacitance_ff(bad, TechnologyConfig()),
        lambda: leakage.logic_leakage_uw(bad),
        lambda: noc.tile_hops(bad, 4),
        lambda: noc.tile_hops(3, bad),
        lambda: chain_registers(plan_layer(Config()), bad),
        lambda: vector_unit.vector_unit(TechnologyConfig(), 8, bad),
    ]
    for call in calls:
        with pytest.raises(ValueError, match="must be"):
            call()
