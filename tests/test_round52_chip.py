"""Round 52: chip.balance = "replicate" stops at a part beside the layers that bounds the interval (a network's vector
unit, ``beside_ns``), and the chip's eDRAM buffers are refused beyond the eDRAM law's range, as the baseline's bank."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from cimsim import estimate
from cimsim.config import load_config, load_preset, with_overrides
from cimsim.cost import Stage, chip_breakdown, edram, map_stages
from cimsim.analytic import analytic_counts
from cimsim.errors import ConfigError
from cimsim.mapping import plan_layer
from designs import isaac_like

CONFIGS = Path(__file__).resolve().parents[1] / "configs"


def _stages(config, items: int) -> list[Stage]:
    """three 128 -> 15 layers of 1, 2 and 4 vectors per item (test_chip's)"""
    plan = plan_layer(config, 128, 15)
    return [Stage(plan, analytic_counts(plan, items * v), v, v * 128 * 16, v * 15 * 16) for v in (1, 2, 4)]


@pytest.mark.parametrize("beside_vectors, copies", [(5.0, (1, 1, 1)), (2.5, (1, 1, 2)), (1.5, (1, 2, 3))])
def test_balancing_stops_at_a_vector_unit_beside_the_layers(beside_vectors, copies):
    """A vector unit of ``beside_vectors`` vector times per item bounds the pipelined interval: copies stop there,
    though the 9 tiles have room for more (without the bound: (1, 2, 4), 2.3x the arrays of (1, 1, 1) for no
    throughput under a unit of 5 vector times, as digits-vit.toml's 7 copies per layer under its 408 ns unit)"""
    config, items = isaac_like(arrays_per_tile=1, tiles=9, balance="replicate"), 8
    stages = _stages(config, items)
    vector_ns = chip_breakdown(isaac_like(arrays_per_tile=1, tiles=9), stages, items).stages[0].interval_ns
    beside_ns = beside_vectors * vector_ns
    assert map_stages(config, stages, items=items, beside_ns=beside_ns).copies == copies
    b = chip_breakdown(config, stages, items, beside_ns=beside_ns)
    assert tuple(s.copies for s in b.stages) == copies
    assert max(b.interval_ns, beside_ns) == pytest.approx(max(beside_vectors, 4.0 / copies[2]) * vector_ns)
    assert map_stages(config, stages, items=items).copies == (1, 2, 4)  # no part beside: as before


def test_an_unpipelined_chip_balances_past_a_vector_unit():
    """chip.pipeline = "none": the unit adds to an item's time (the caller's), bounds nothing; copies still help"""
    config, items = isaac_like(arrays_per_tile=1, tiles=9, balance="replicate", pipeline="none"), 8
    stages = _stages(config, items)
    assert (map_stages(config, stages, items=items, beside_ns=1e9).copies
            == map_stages(config, stages, items=items).copies != (1, 1, 1))


def test_beside_ns_must_be_a_non_negative_number():
    config = isaac_like(arrays_per_tile=1, tiles=9, balance="replicate")
    with pytest.raises(ValueError, match="beside_ns must be a finite number >= 0; got -1"):
        map_stages(config, _stages(config, 1), beside_ns=-1.0)


def _edram(kib: dict) -> dict:
    return {"chip.buffer_memory": "edram", **{f"chip.{k}": v for k, v in kib.items()}}


@pytest.mark.parametrize("field", ["tile_buffer_kib", "global_buffer_kib"])
@pytest.mark.parametrize("kib, pj", [(65536, 17.8), (1 << 20, 155.0)])
def test_a_chip_edram_buffer_beyond_the_law_is_refused_naming_its_field(field, kib, pj):
    """64 MiB and 1 GiB eDRAM buffers had been priced at 17.8 and 155 pJ/bit (LPDDR4: 14) while the baseline's bank
    of the same size is refused; now refused when loaded, naming the chip field"""
    base = load_config(CONFIGS / "default.toml")
    assert edram.edram_energy_pj_per_bit(kib * 1024, base.technology) == pytest.approx(pj, rel=5e-3)
    with pytest.raises(ConfigError) as caught:
        with_overrides(base, _edram({field: kib}))
    assert [name for name, _ in caught.value.errors] == [f"chip.{field}"]
    assert f"'chip.{field}' ({kib:g} KiB" in str(caught.value) and "at least the DRAM's 14" in str(caught.value)
    with pytest.raises(ConfigError, match="'baseline.sram_kib'"):  # the baseline's bank of that size, as before
        with_overrides(base, {"baseline.onchip_memory": "edram", "baseline.sram_kib": kib})
    assert with_overrides(base, {f"chip.{field}": kib}).chip.buffer_memory == "sram"  # SRAM: its law holds


def test_the_edram_bound_is_the_dram_energy_per_bit():
    """at 32 nm the law crosses LPDDR4's 14 pJ/bit between 32 MiB (10.4) and 48 MiB (14.2); ISAAC's 64 KB is fine"""
    base = load_config(CONFIGS / "default.toml")
    assert with_overrides(base, _edram({"tile_buffer_kib": 32768, "global_buffer_kib": 32768})).chip.tiles
    with pytest.raises(ConfigError, match="'chip.global_buffer_kib'"):
        with_overrides(base, _edram({"global_buffer_kib": 49152}))
    assert estimate(load_preset("isaac")).cim.area_mm2 > 0


def test_a_config_built_in_code_is_refused_when_priced():
    base = load_config(CONFIGS / "default.toml")
    config = dataclasses.replace(base, chip=dataclasses.replace(base.chip, buffer_memory="edram",
                                                                 global_buffer_kib=65536.0))
    with pytest.raises(ConfigError, match="'chip.global_buffer_kib'"):
        estimate(config)


def test_replicate_adds_no_copies_under_the_vector_unit_of_digits_vit():
    """digits-vit.toml's crossbar stages (320 ns) sit under its vector unit (408 ns); replicate had added 7 copies per
    layer (5.80 -> 13.85 mm2) for no throughput"""
    base = load_config(CONFIGS / "digits-vit.toml")
    plain, balanced = (estimate(with_overrides(base, {"chip.balance": b})).cim for b in ("none", "replicate"))
    assert max(s.interval_ns for s in plain.stages) < plain.interval_ns  # the vector unit bounds it
    assert [s.copies for s in balanced.stages] == [s.copies for s in plain.stages]
    assert balanced.area_mm2 == plain.area_mm2 and balanced.interval_ns == plain.interval_ns


def test_the_edram_limit_is_a_depth_the_same_at_every_node():
    """review probe of 2026-12-04: at 180 nm, 1.8 V with HBM2 the default 256 KiB eDRAM global buffer (4x the law's
    64 KB anchor) had been refused, the node's energy scaling compared with the DRAM's: the law's range is a depth"""
    old = {"chip.buffer_memory": "edram", "technology.node_nm": 180.0, "technology.vdd_v": 1.8, "baseline.dram": "hbm2"}
    config = with_overrides(load_config(CONFIGS / "default.toml"), old)
    assert config.chip.global_buffer_kib == 256.0 and estimate(config).cim.area_mm2 > 0
    with pytest.raises(ConfigError, match=r"'chip.global_buffer_kib' \(65536 KiB"):
        with_overrides(config, {"chip.global_buffer_kib": 65536.0})
