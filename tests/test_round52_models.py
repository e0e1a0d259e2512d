"""Round 52: price_model's chip.balance = "replicate" stops at a chip's vector unit and outgoing link (as compare's
since ``beside_ns``), and an enlarged eDRAM global buffer past the eDRAM law's range is refused naming the model."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from cimsim.config import load_config, with_overrides
from cimsim.inference import load_workload_network
from cimsim.models.compose import PerItem
from cimsim.models.from_network import model_from_network
from cimsim.models.ops import MatrixOp, Model, VectorOp
from cimsim.models.pricing import price_model

CONFIGS = Path(__file__).resolve().parents[1] / "configs"


@pytest.fixture(scope="module")
def vit():
    config = load_config(CONFIGS / "digits-vit.toml")
    return config, model_from_network(load_workload_network(config)[0])


def test_replicate_adds_no_copies_under_the_vector_units_interval(vit):
    """digits-vit pipelined over 64 items: its vector unit's 368.04 ns bounds the interval (408.04 ns until its
    scalar scales were folded into the quantisation scales, 2026-12-04); replicate had added copies that buy nothing
    (area 5.796 -> 13.852 mm2 at the same interval), now none (5.803 mm2 since the survey's ENOB line, 2026-12-05)"""
    config, model = vit
    none, rep = (price_model(with_overrides(config, {"chip.pipeline": "layer", "chip.balance": b}), model,
                             items=64).cim for b in ("none", "replicate"))
    assert none.interval_ns == pytest.approx(368.04, rel=1e-4)
    assert rep.interval_ns == pytest.approx(none.interval_ns)
    assert rep.area_mm2 == pytest.approx(none.area_mm2) == pytest.approx(5.803, rel=1e-3)


def test_replicate_still_helps_one_item_at_a_time_and_reloaded_parts(vit):
    """unpipelined, or reloading a part (its vector work runs after its items), the unit is in series: copies
    still shorten the interval"""
    config, model = vit
    for pipeline, reload in (("none", False), ("layer", True)):
        parts = {"chip.tiles": 4, "chip.arrays_per_tile": 4} if reload else {}  # 3 parts (one is not reloaded)
        none, rep = (price_model(with_overrides(config, {"chip.pipeline": pipeline, "chip.balance": b, **parts}),
                                 model, items=64, reload_weights=reload).cim for b in ("none", "replicate"))
        assert rep.interval_ns < 0.9 * none.interval_ns and rep.area_mm2 > none.area_mm2


def test_a_composed_breakdown_lists_every_chip_s_stages_numbered_through_the_model(vit):
    """price_model's Breakdown had no stages (a probe of 2026-12-06): the copies chip.balance adds, which
    Breakdown.stages[i].copies reports (docs/cost_cim.md), were in an assumption line only"""
    config, model = vit
    for parts, reload in (({}, False), ({"chip.tiles": 4, "chip.arrays_per_tile": 4}, True)):  # one part, three
        cim = price_model(with_overrides(config, {"chip.pipeline": "none", "chip.balance": "replicate", **parts}),
                          model, items=64, reload_weights=reload).cim
        matrices = [op for op in model.ops if isinstance(op, MatrixOp) and op.static]
        assert [s.index for s in cim.stages] == list(range(len(cim.stages))) and cim.stages
        assert len(cim.stages) <= len(matrices) and any(s.copies > 1 for s in cim.stages)


def test_the_balancing_bound_is_the_slower_of_vector_unit_and_link_less_the_rewrites():
    """the crossbars' interval carries the rewrites, so copies stop where it plus them meets the slower of the
    vector unit and the link; reloading: no bound"""
    e = PerItem(vector_pj=1.0, vector_cycles=100.0, kv_write_bits=0, kv_read_bits=0, kv_held_bits=0,
                rewrite=(5.0, 30.0), vector_ns=100.0, out_bits=8 * 450 * 150)  # 150 ns on a 450 GB/s link
    assert e.link_ns == pytest.approx(150.0)
    assert e.beside_ns(False) == pytest.approx(120.0)
    assert replace(e, vector_ns=400.0).beside_ns(False) == pytest.approx(370.0)
    assert e.beside_ns(True) == 0.0


def _wide() -> Model:
    """two 256-wide layers over 100 000 vectors an item: 2 x 25 000 KiB between them, double-buffered"""
    return Model("wide", "image", (MatrixOp("a", 256, 256, 100_000), VectorOp("r", "relu", 25_600_000),
                                   MatrixOp("b", 256, 10, 100_000)), 256 * 100_000, 10)


def test_an_enlarged_edram_global_buffer_past_the_law_is_refused_naming_the_model():
    """50 000 KiB of eDRAM would cost 14.4 pJ/bit, at least LPDDR4's 14: it had been priced (12.5 mJ of buffer)"""
    config = with_overrides(load_config(CONFIGS / "default.toml"), {"chip.pipeline": "layer"})
    edram = with_overrides(config, {"chip.buffer_memory": "edram"})
    with pytest.raises(ValueError, match=r"model 'wide' needs a 48.83 MiB global buffer .* 14.4 pJ at the law's "
                                         r"32 nm, 0.9 V, at least the DRAM's 14: beyond .*chip.buffer_memory = "
                                         r"\"sram\"") as info:
        price_model(edram, _wide())
    assert "global_buffer_kib" not in str(info.value)  # the field's own value is fine
    assert price_model(config, _wide()).global_buffer_kib == (50000,)  # in SRAM: priced
    # one item at a time the buffer holds one boundary (25 000 KiB: 8.5 pJ/bit), within the law
    half = price_model(with_overrides(edram, {"chip.pipeline": "none"}), _wide())
    assert half.global_buffer_kib == (25000,)
