"""Public cost, model and sweep functions called with what a script may pass by mistake: each is refused with a
ValueError or TypeError naming the argument, never a raw internal error or a silently wrong number."""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from cimsim.accuracy import ErrorStats
from cimsim.analytic import analytic_counts
from cimsim.config import load_config, with_overrides
from cimsim.cost import cim_breakdown, cim_parameters, digital, pricing_table, technology
from cimsim.cost.baseline import baseline_breakdown
from cimsim.counts import Counts
from cimsim.errors import ConfigError
from cimsim.mapping import plan_layer
from cimsim.models import Decoder, get_model, price_model, price_table

ROOT = Path(__file__).resolve().parents[1]
DECODER = dict(name="t", layers=2, d_model=64, heads=4, d_ff=128, vocab=100, max_context=32)


@pytest.fixture(scope="module")
def config():
    return load_config(ROOT / "configs" / "default.toml")


def test_error_stats_refuse_nan_outputs_and_outputs_of_another_shape():
    """max(1.0, nan) is 1.0: a NaN output had passed the finiteness test (error NaN in the report); outputs of
    shape (1,) had been broadcast against 3 references, counted as 1 output"""
    with pytest.raises(ValueError, match="y or ref holds NaN: error statistics need finite outputs"):
        ErrorStats().add(np.array([np.nan, 1.0]), np.array([1.0, 1.0]))
    with pytest.raises(ValueError, match=r"y and ref must have the same shape; got \(1,\) and \(3,\)"):
        ErrorStats().add(np.array([1.0]), np.array([1.0, 2.0, 3.0]))
    assert ErrorStats().add(np.array([1.0, 2.0]), np.array([1.0, 1.0])).outputs == 2


def test_the_validation_record_cannot_be_changed_through_what_it_hands_out(config):
    """the cached dict itself had been returned: a caller's edit changed every later report, a clear() broke them"""
    from cimsim.cost import trust

    before = trust.record_line(config)
    trust.family_record(config)["record"]["energy"]["median_abs_error"] = 123.0
    trust.validation_record().clear()
    assert trust.record_line(config) == before
    assert trust.family_record(config)["absolute_tolerance"] == trust.validation_record()["absolute_tolerance"]


@pytest.mark.parametrize("call, name", [
    (lambda c: Decoder(**DECODER, tied_embeddings="False"), "tied_embeddings"),
    (lambda c: Decoder(**DECODER, gated_mlp=1), "gated_mlp"),
    (lambda c: price_model(c, get_model("resnet18", image_side=32), reload_weights="False"), "reload_weights"),
    (lambda c: baseline_breakdown(c, 10, include_weight_load="no"), "include_weight_load"),
])
def test_bool_options_refuse_what_is_not_true_or_false(config, call, name):
    """a string 'False' had been taken as True: reload_weights='False' priced 1.4e9 pJ of reloads for 1.1e7"""
    with pytest.raises(ValueError, match=f"{name} must be True or False; got"):
        call(config)


def test_pareto_and_its_markdown_check_maximize_y_and_the_columns(tmp_path):
    """front_markdown had raised a bare KeyError for a column the table lacks"""
    from cimsim import sweep

    path = tmp_path / "t.csv"
    path.write_text("point_id,adc.bits,energy_pj,area_mm2,status,error\np1,4,1.0,2.0,ok,\n")
    table = sweep.read_table(path)
    with pytest.raises(ValueError, match="maximize_y must be True or False"):
        sweep.pareto_front(table, "energy_pj", "area_mm2", maximize_y="no")
    _, front = sweep.pareto_front(table, "energy_pj", "area_mm2")
    with pytest.raises(ConfigError, match="no column 'energy_pk' for x \\(--x\\); columns: point_id, adc.bits"):
        sweep.front_markdown(table, front, 1, "energy_pk", "area_mm2", False)
    with pytest.raises(ValueError, match="maximize_y must be True or False"):
        sweep.front_markdown(table, front, 1, "energy_pj", "area_mm2", "no")


def test_a_front_table_lists_x_then_y_when_an_axis_is_one_of_them(tmp_path):
    """an axis column chosen as y had been listed among the axes, before x (a sweeps probe)"""
    from cimsim import sweep

    path = tmp_path / "t.csv"
    path.write_text("point_id,adc.bits,technology.vdd_v,energy_pj,status,error\np1,4,0.8,1.0,ok,\np2,6,0.9,0.5,ok,\n")
    table = sweep.read_table(path)
    _, front = sweep.pareto_front(table, "energy_pj", "technology.vdd_v")
    header = sweep.front_markdown(table, front, 2, "energy_pj", "technology.vdd_v", False).splitlines()[2]
    assert header == "| point_id | adc.bits | energy_pj | technology.vdd_v |"
    # maximize_y defaults to False, as pareto_front's does (it had been required: an API probe, 2026-12-08)
    assert sweep.front_markdown(table, front, 2, "energy_pj", "technology.vdd_v") == sweep.front_markdown(
        table, front, 2, "energy_pj", "technology.vdd_v", False)


def test_point_ids_read_numpy_scalars_as_their_numbers_and_name_a_nan():
    from cimsim.sweep import point_id

    assert point_id({"adc.bits": np.int64(6), "x": np.float32(0.5)}) == point_id({"adc.bits": 6, "x": 0.5})
    with pytest.raises(ValueError, match=r"^x must be a finite number.*got nan"):
        point_id({"x": float("nan")})
    with pytest.raises(ValueError, match=r"^overrides\.adc\.bits\[1\] must be a finite number.*got inf"):
        point_id({"overrides": {"adc.bits": [4, math.inf]}})


def test_a_network_model_checks_its_sample_inputs():
    """a scalar had given 'len() of unsized object'; an empty batch a source claiming measured zeros (0 %, 0 %)"""
    from cimsim.models.from_network import model_from_network
    from cimsim.network import load_network

    net = load_network(ROOT / "src" / "cimsim" / "data" / "digits_mlp.npz")
    for inputs, shown in ((5.0, r"\(\)"), (np.array(5.0), r"\(\)"), (np.ones(64), r"\(64,\)")):
        with pytest.raises(ValueError, match=rf"inputs must have shape \(batch, 64\); got {shown}"):
            model_from_network(net, "mlp", inputs)
    with pytest.raises(ValueError, match=r"inputs must hold one sample at least; got shape \(0, 64\)"):
        model_from_network(net, "mlp", np.zeros((0, 64)))
    assert "measured" in model_from_network(net, "mlp", np.ones((2, 64))).source


@pytest.mark.parametrize("kv", [0, "2", -4, 2.0])
def test_decoder_kv_heads_is_checked_like_the_other_sizes(kv):
    """0 had been a ZeroDivisionError, -4 an error about an internal MatrixOp"""
    with pytest.raises(ValueError, match="kv_heads must be an int >= 1 and <= 1073741824; got"):
        Decoder(**DECODER, kv_heads=kv)
    with pytest.raises(ValueError, match="kv_heads must divide heads"):
        Decoder(**DECODER, kv_heads=3)
    assert Decoder(**DECODER, kv_heads=2).parameters < Decoder(**DECODER).parameters


def test_counts_are_checked_where_they_are_shared_scaled_totalled_and_priced(config):
    with pytest.raises(ValueError, match="fraction must be a finite number > 0 and <= 1; got 2"):
        Counts(macs=10).share(2)
    with pytest.raises(ValueError, match="k must be an int >= 0; got -1"):
        Counts(macs=10).scaled(-1)
    with pytest.raises(ValueError, match="Counts.mvms must be a finite number >= 0; got '56'"):
        (Counts(mvms="5") + Counts(mvms="6")).scaled(1)
    with pytest.raises(ValueError, match="records must hold one Counts at least"):
        Counts.total([])
    with pytest.raises(TypeError, match=r"records\[1\] must be cimsim Counts"):
        Counts.total([Counts(), 3])
    plan = plan_layer(config)
    counts = analytic_counts(plan, 4)
    for field, value in (("cell_writes", -1), ("macs", "5"), ("array_gv2t_fj", math.nan)):
        with pytest.raises(ValueError, match=f"Counts.{field} must be a finite number >= 0"):
            cim_breakdown(config, plan, replace(counts, **{field: value}))
    with pytest.raises(ValueError, match="copies must be an int >= 1; got -1"):
        pricing_table(plan, cim_parameters(config, plan), -1)
    with pytest.raises(TypeError, match=r"prices\[0\] must be a ModelPrice"):
        price_table(["x"])
    assert Counts.total([counts, counts]).scaled(2) == counts.scaled(4)


def test_a_plan_of_another_design_is_refused(config):
    """a plan of 6-bit ADCs had been priced with the config's 8-bit ones, at the same energy"""
    other = plan_layer(with_overrides(config, {"adc.bits": config.adc.bits - 2}))
    with pytest.raises(ValueError, match=f"its adc.bits is {config.adc.bits - 2}, the config's {config.adc.bits}"):
        cim_breakdown(config, other, analytic_counts(other, 4))
    wider = plan_layer(with_overrides(config, {"array.cols": 2 * config.array.cols}))
    with pytest.raises(ValueError, match="the plan was made for another design: its array.cols"):
        cim_parameters(config, wider)


@pytest.mark.parametrize("option, message", [
    ({"kv_cache": "dram"}, "kv_cache='dram' does not apply to resnet18: it has no KV cache"),
    ({"sequences": 2}, "sequences=2 does not apply to resnet18: it is for decoding"),
    ({"activation_products": "arrays"}, "resnet18 has no activation x activation product"),
])
def test_price_model_refuses_an_option_a_cnn_would_ignore(config, option, message):
    """as the CLI does: these had been accepted and ignored"""
    with pytest.raises(ValueError, match=message):
        price_model(config, get_model("resnet18", image_side=32), **option)


def test_price_model_refuses_sequences_for_a_prefill(config):
    """a prefill's sequences had been accepted and ignored by the API (the CLI refused them)"""
    with pytest.raises(ValueError, match="sequences=4 does not apply to gpt2-small: it is for decoding"):
        price_model(config, get_model("gpt2-small", phase="prefill", seq_len=16), chips=2, sequences=4)


def test_baseline_dram_activation_bits_are_a_count(config):
    """-1e9 bits had given -1.4e10 pJ"""
    for bits in (-1, 1.5, -10**9):
        with pytest.raises(ValueError, match="dram_activation_bits must be an int >= 0; got"):
            baseline_breakdown(config, 10, include_weight_load=False, dram_activation_bits=bits)
    assert baseline_breakdown(config, 10, include_weight_load=False, dram_activation_bits=np.int64(0)).mvms == 10


def test_plots_refuse_no_sides_a_breakdown_without_items_and_a_name_not_a_str(config, tmp_path):
    pytest.importorskip("matplotlib")
    from cimsim import plots

    plan = plan_layer(config)
    empty = cim_breakdown(config, plan, Counts(dac_bits=plan.dac_bits, adc_bits=plan.adc_bits))
    with pytest.raises(ValueError, match="sides must hold one"):
        plots.write_breakdown_plots([], tmp_path, "vector")
    with pytest.raises(ValueError, match=r"sides\[0\] \('cim'\) has 0 MVMs"):
        plots.write_breakdown_plots([("cim", empty)], tmp_path, "vector")
    with pytest.raises(TypeError, match=r"sides\[0\]\[1\] must be a cimsim Breakdown"):
        plots.write_breakdown_plots([("cim", 3)], tmp_path, "vector")
    with pytest.raises(TypeError, match="name must be a component name"):
        plots.component_style(5)


@pytest.mark.parametrize("call, name", [
    (lambda t: technology.energy_scale("32", 0.9, 7, 0.7), "from_node_nm"),
    (lambda t: technology.energy_scale(32, 0.9, 7, "0.7"), "to_vdd_v"),
    (lambda t: technology.delay_scale(32, math.nan, 7, 0.7), "from_vdd_v"),
    (lambda t: technology.area_scale(32, "7"), "to_node_nm"),
    (lambda t: digital.mac_energy_pj("8", 8, t), "weight_bits"),
    (lambda t: digital.mac_energy_pj(8, 8, t, 0), "accumulator_bits"),
])
def test_technology_and_digital_helpers_name_a_value_of_the_wrong_type(config, call, name):
    """a str node or bit count had reached the arithmetic: "'<=' not supported" naming nothing"""
    with pytest.raises(ValueError, match=rf"^{name}\b"):
        call(config.technology)
