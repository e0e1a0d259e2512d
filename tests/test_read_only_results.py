"""A result's figures are as read-only as the frozen result that holds them: a scratch copy taken as
``e = comp.cim.energy_pj`` and popped had rewritten the result (energy gain 3.85 -> 22.5) and its to_dict()."""

from __future__ import annotations

import copy
import json
import pickle
from pathlib import Path

import pytest

import cimsim

DEFAULT = Path(__file__).resolve().parents[1] / "configs" / "default.toml"


def test_a_results_figures_refuse_changes_and_copy_like_dicts():
    estimate = cimsim.estimate(DEFAULT)
    energy, gain = estimate.cim.energy_pj, estimate.gain
    for change in (lambda: energy.pop("dram"), lambda: energy.__setitem__("adc", 0.0), lambda: energy.clear(),
                   lambda: estimate.cim.area_um2.update(adc=0.0)):
        with pytest.raises(TypeError, match="read-only"):
            change()
    assert estimate.energy_gain_range is not None  # the default's family (rram) has published energy figures
    with pytest.raises(TypeError, match="read-only"):
        estimate.energy_gain_range["low"] = -1
    with pytest.raises(AttributeError):  # its quartiles a tuple: sorting them in place had rewritten the report
        estimate.energy_gain_range["silicon_over_model"].sort()
    assert estimate.gain == gain
    scratch = dict(energy)
    scratch.pop("dram")  # a copy is a plain dict
    assert "dram" in estimate.cim.energy_pj
    for twin in (copy.deepcopy(estimate), pickle.loads(pickle.dumps(estimate))):
        assert twin.to_dict() == estimate.to_dict()
    json.dumps(estimate.to_dict())
