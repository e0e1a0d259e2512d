"""Edges of pricing a model on chips: a reloaded decode's steps one after the other, K and V arrays never fetched as
weights, programming one row of every array at a time however few columns hold weights, numpy integers as
arguments, grouped matrices cut by whole blocks, and a baseline run never shorter than one of its items."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from cimsim.config import load_config, with_overrides
from cimsim.cost.cells import cell_family
from cimsim.cost.cim import cim_timing, programming_pulses, stored_cells
from cimsim.cost.memory import dram_energy_pj_per_bit
from cimsim.cost.parameters import cim_parameters
from cimsim.cost.vector_unit import vector_unit
from cimsim.mapping import plan_layer
from cimsim.models import MatrixOp, Model, chips_needed, get_model, price_model
from cimsim.models.baseline import price_baseline
from cimsim.models.placement import packed_plan, place_model
from cimsim.models.pricing import _rewrites

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = ROOT / "configs" / "default.toml"


@pytest.fixture(scope="module")
def config():
    return load_config(DEFAULT)


def test_a_reloaded_decodes_steps_add_up(config):
    # gpt2-small decode, one sequence, HBM: 4 tokens had taken 222 961 ns where one takes 61 024 (the part's chip run
    # pipelined the tokens of different steps); each step reloads every part, then runs its tokens
    hbm = with_overrides(config, {"baseline.dram": "hbm2", "baseline.dram_bandwidth_gbps": 3350.0})
    model = get_model("gpt2-small", phase="decode", seq_len=64)

    def cim(items, sequences):
        return price_model(hbm, model, items=items, sequences=sequences, reload_weights=True).cim

    one = cim(1, 1)
    for n in (4, 16):
        many = cim(n, 1)
        assert many.latency_ns == pytest.approx(n * one.latency_ns, rel=1e-9)
        assert many.item_latency_ns == pytest.approx(one.latency_ns, rel=1e-9)
        assert many.total_energy_pj == pytest.approx(n * one.total_energy_pj, rel=1e-9)
    # 5 tokens of 2 sequences: two full steps and half of one (a share of a step, as the baseline prices it)
    two, single, five = cim(2, 2), cim(1, 2), cim(5, 2)
    assert five.latency_ns == pytest.approx(2 * two.latency_ns + single.latency_ns, rel=1e-9)
    assert five.energy_pj["programming"] == pytest.approx(5 * single.energy_pj["programming"], rel=1e-9)


def test_kv_arrays_are_not_reloaded_as_weights(config):
    # bert-base with its attention on arrays and reloaded weights: K and V (made per item, never in DRAM) had been
    # fetched as 2 359 296 weights and programmed with the trained ones
    model = get_model("bert-base", seq_len=32)
    config = with_overrides(config, {"chip.tiles": 64})  # two parts (one part is not reloaded: it stays)
    digital, arrays = (price_model(config, model, reload_weights=True, activation_products=ap).cim.energy_pj
                       for ap in ("digital", "arrays"))
    weights = sum(op.parameters for op in model.of_type(MatrixOp))  # the crossbars' trained weights
    fetched = weights * config.mapping.weight_bits * dram_energy_pj_per_bit(config.baseline.dram)
    assert arrays["weight_reload"] == pytest.approx(fetched, rel=1e-12)
    assert arrays["weight_reload"] == pytest.approx(digital["weight_reload"], rel=1e-12)
    assert arrays["programming"] == pytest.approx(digital["programming"], rel=1e-12)
    assert arrays["array_rewrite"] > 0


def test_programming_writes_every_used_row_however_few_columns(config):
    # a 256 -> 10 layer fills 80 of 256 columns on 256 rows: programming had been priced 80 pulses (800 ns)
    params_of = {}
    for rows_in, out in ((256, 10), (256, 32), (100, 10), (600, 10)):
        plan = plan_layer(config, rows_in, out)
        params = params_of.setdefault(plan.rows, cim_parameters(config, plan))
        rows = min(rows_in, plan.rows)
        for passes in (1, 2):
            timing = cim_timing(plan, params, passes * stored_cells(plan))
            assert programming_pulses(plan, passes * stored_cells(plan)) == passes * rows
            assert timing.programming_ns == pytest.approx(passes * rows * params.cell_write_ns)


def test_rewritten_operands_take_a_pulse_per_used_row(config):
    # gpt2-small decode at context 100, attention on arrays: 18 000 ns of rewrites per token, where writing the rows
    # the operands fill (64 of Q K^T's, 100 of A V's, per layer) takes 19 680 ns
    model = get_model("gpt2-small", phase="decode", seq_len=100)
    names = frozenset(op.name for op in model.of_type(MatrixOp) if not op.static)
    placed_model = replace(model, ops=tuple(replace(op, weights="static") if op.name in names else op
                                            for op in model.ops))
    parts = place_model(config, placed_model, names)
    write_ns = cell_family(config.device.name)[0].write_ns
    rows = sum(min(p.plan.in_features, config.array.rows) for part in parts for p in part.placed if p.rewritten)
    assert rows == len(names) // 2 * (64 + 100)  # a Q K^T and an A V per layer
    assert sum(_rewrites(part, config)[1] for part in parts) == pytest.approx(rows * write_ns)


def test_numpy_integers_are_taken_as_ints(config):
    # items=np.int64(4) had passed the check, then failed in the baseline's sentence ('s' * numpy bool)
    model = get_model("gpt2-small", phase="decode", seq_len=32)
    chips = chips_needed(config, model)
    plain = price_model(config, model, items=4, sequences=2, chips=chips, vector_lanes=128)
    numpy = price_model(config, model, items=np.int64(4), sequences=np.int32(2), chips=np.int64(chips),
                        vector_lanes=np.int16(128))
    assert numpy.items == 4 and type(numpy.items) is int
    assert numpy.cim.total_energy_pj == plain.cim.total_energy_pj
    assert numpy.baseline.assumptions == plain.baseline.assumptions
    with pytest.raises(ValueError, match="vector_lanes must be an int >= 1"):
        price_model(config, model, vector_lanes=np.int64(0))
    # the baseline's own sentence takes a numpy count too
    cnn, unit = get_model("resnet18", image_side=32), vector_unit(config.technology, 256, config.dac.input_bits)
    args = (config, cnn, 4, "sram", unit, 0.0, 0.0, 0, 1)
    numpy_args = args[:2] + (np.int64(4),) + args[3:8] + (np.int64(1),)
    assert price_baseline(*numpy_args).assumptions == price_baseline(*args).assumptions


def _grouped(groups: int, in_features: int, out_features: int) -> Model:
    op = MatrixOp("g", in_features, out_features, 3, groups=groups)
    return Model(name="grouped", item="vector", ops=(op,), input_elements_per_item=op.input_elements_per_item,
                 output_elements_per_item=op.output_elements_per_item)


def test_a_grouped_matrix_larger_than_a_chip_is_cut_by_whole_blocks(config):
    # mobilenetv2 on a 4-tile chip had been refused: "a grouped matrix larger than one chip is not supported"
    small = with_overrides(config, {"chip.tiles": 4, "chip.arrays_per_tile": 4})
    mobilenet = get_model("mobilenetv2")
    for options in ({"chips": chips_needed(small, mobilenet)}, {"reload_weights": True}):
        price = price_model(small, mobilenet, **options)
        assert price.cim.macs == price_model(config, mobilenet).cim.macs
    # four groups of a 512 -> 64 block (4 arrays each) on chips of 2 tiles of 4 arrays: two blocks a chip
    model = _grouped(4, 512, 64)
    op = model.ops[0]
    two = with_overrides(config, {"chip.tiles": 2, "chip.arrays_per_tile": 4})
    parts = place_model(two, model)
    pieces = [p.op for part in parts for p in part.placed]
    assert [p.groups for p in pieces] == [2, 2] and len(parts) == 2
    assert sum(p.plan.n_arrays for part in parts for p in part.placed) == packed_plan(config, op)[0].n_arrays
    assert parts[0].inbound_elements_per_item == op.input_elements_per_item  # the whole input reaches the first
    assert parts[1].inbound_elements_per_item == op.input_elements_per_item // 2 + 3 * 2 * 64  # its half + outputs
    assert price_model(two, model, chips=2).cim.macs == op.macs_per_item
    one_block_too_big = with_overrides(config, {"chip.tiles": 1, "chip.arrays_per_tile": 2})
    with pytest.raises(ValueError, match=r"g: one packed block of 1 group\(s\) \(4 arrays\) does not fit one chip "
                                         r".*chip.tiles or chip.arrays_per_tile"):
        place_model(one_block_too_big, model)


def test_a_share_of_a_decode_step_costs_its_share_and_waits_for_its_batch(config):
    # gpt2-small decode of 64 sequences: a token priced alone is a share of a step the hardware runs whole, so its
    # energy per token is the steady state's (a board's power over its share of the time, not the whole step's:
    # that had charged one A100 token 64 times) while its latency is its batch's time
    model = get_model("gpt2-small", phase="decode", seq_len=256)
    for cfg in (config, with_overrides(config, {"baseline.preset": "a100", "technology.node_nm": 7.0})):
        chips = chips_needed(cfg, model)
        runs = {n: price_model(cfg, model, items=n, sequences=64, chips=chips).baseline for n in (1, 16, 64)}
        for n, base in runs.items():
            assert base.total_energy_pj / n == pytest.approx(runs[64].total_energy_pj / 64, rel=1e-9)
            assert base.interval_ns == pytest.approx(runs[64].interval_ns, rel=1e-12)  # the steady rate
            assert base.item_latency_ns == pytest.approx(runs[64].item_latency_ns, rel=1e-12)  # its batch's time
