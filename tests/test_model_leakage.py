"""price_model states the static power it charges: the assumptions' total (chips, vector units, KV SRAM) is the
leakage energy over the latency, for a CNN on one chip, a decoder over two chips and one reloaded chip."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cimsim.config import load_config
from cimsim.cost.vector_unit import vector_unit
from cimsim.models import get_model, price_model
from cimsim.models.pricing import DEFAULT_VECTOR_LANES

DEFAULT = Path(__file__).resolve().parents[1] / "configs" / "default.toml"
NUMBER = r"([0-9.]+(?:e[+-][0-9]+)?)"


@pytest.fixture(scope="module")
def config():
    return load_config(DEFAULT)


def _charged_uw(cim) -> float:
    """the static power the leakage energy stands for: pJ / ns x 1e3 = uW"""
    return cim.energy_pj["leakage"] / cim.latency_ns * 1e3


def _stated(cim) -> tuple[float, float, int, float, float]:
    """(total, chips, vector units, uW per unit, KV SRAM) in uW, as the leakage line states them"""
    lines = [a for a in cim.assumptions if a.startswith("Leakage charged:")]
    assert len(lines) == 1, [a for a in cim.assumptions if "uW" in a]
    line = lines[0]
    total = float(re.search(rf"Leakage charged: {NUMBER} uW", line).group(1))
    chips = float(re.search(rf"chips?'s? {NUMBER} uW", line).group(1))
    unit = re.search(rf"([0-9]+) vector unit\(s\) at {NUMBER} uW each", line)
    kv = re.search(rf"SRAM, {NUMBER} uW", line)
    return total, chips, int(unit.group(1)) if unit else 0, float(unit.group(2)) if unit else 0.0, \
        float(kv.group(1)) if kv else 0.0


@pytest.mark.parametrize("name, options, units, kv", [
    ("resnet18", {}, 1, False),                            # one chip and its vector unit
    ("gpt2-small", {"chips": 2}, 1, True),                 # two chips, one with vector work, KV cache in SRAM
    ("gpt2-small", {"reload_weights": True}, 1, True),     # one chip reprogrammed part by part
    ("gpt2-small", {"chips": 2, "kv_cache": "dram"}, 1, False),
])
def test_stated_static_power_is_the_charged_one(config, name, options, units, kv):
    cim = price_model(config, get_model(name), **options).cim
    charged = _charged_uw(cim)
    figures = [float(m.group(1)) for a in cim.assumptions for m in re.finditer(rf"{NUMBER} uW", a)]
    assert any(f == pytest.approx(charged, rel=1e-3) for f in figures), (charged, figures)  # some line states it
    total, chips, n_units, unit_uw, kv_uw = _stated(cim)
    assert total == pytest.approx(charged, rel=1e-3)  # stated at 4 significant digits
    assert chips + n_units * unit_uw + kv_uw == pytest.approx(total, rel=2e-3)
    assert n_units == units
    unit = vector_unit(config.technology, DEFAULT_VECTOR_LANES, config.dac.input_bits)
    assert unit_uw == pytest.approx(unit.leakage_uw, rel=1e-3)
    assert (kv_uw > 0) == kv
    assert chips < charged  # the chips alone are not all that is charged: the unit leaks too


def test_every_chip_is_counted(config):
    """two chips leak more than the first, whose figure the chip line states"""
    cim = price_model(config, get_model("gpt2-small"), chips=2).cim
    first = float(re.search(rf"^Leakage: {NUMBER} uW", next(a for a in cim.assumptions if a.startswith("Leakage: ")))
                  .group(1))
    _, chips, *_ = _stated(cim)
    assert chips > 1.3 * first


def test_the_baselines_vector_unit_leakage_is_stated_and_charged(config):
    """the baseline holds the vector unit it runs its vector work on and leaks it over the whole run; its line says
    how much (69 % of BERT-base's baseline leakage had been in no line)"""
    price = price_model(config, get_model("bert-base"), chips=8)
    unit = vector_unit(config.technology, DEFAULT_VECTOR_LANES, config.dac.input_bits)
    line = next(a for a in price.baseline.assumptions if "The vector unit leaks" in a)
    assert f"The vector unit leaks {unit.leakage_uw:.4g} uW besides the leakage above, over the whole run" in line
    parts = [float(x) for x in re.findall(r"Leakage: \(([0-9.e+]+) to ([0-9.e+]+)\) uW", " ".join(
        price.baseline.assumptions))[0]]
    assert parts[0] + unit.leakage_uw <= price.baseline.leakage_uw * (1 + 1e-9)
    assert price.baseline.leakage_uw <= parts[1] + unit.leakage_uw + 1e-6
