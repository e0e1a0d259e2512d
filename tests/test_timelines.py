"""Times of a whole workload once the chip model's breakdown gains a vector unit, a KV cache or reloads: the chip's
programming time and DRAM bound are kept, a reloaded run's items finish together, and a board-power baseline's
energy is its board power over its whole latency."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import cimsim
from cimsim.comparison import price_network
from cimsim.config import load_config, with_overrides
from cimsim.cost.memory import dram_bandwidth_gbps
from cimsim.mapping import plan_layer
from cimsim.models import get_model, price_model
from cimsim.models.from_network import model_from_network
from cimsim.network import Dense, Network

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = ROOT / "configs" / "default.toml"


def _chip_alone(run, load: bool):
    """the chip model's breakdown of a simulated network, without the network's vector unit"""
    layers = [(layer.plan, layer.counts + layer.programming_counts if load else layer.counts) for layer in run.layers]
    fetched = [layer.programming_counts.dram_read_bits for layer in run.layers] if load else None
    return price_network(run.config, layers, run.samples, run.input_elements, run.output_elements,
                         include_weight_load=load, fetched_bits=fetched)[0]


def test_a_networks_latency_with_the_weight_load_keeps_the_programming_time():
    # digits-mlp, 20 samples: "with weight load" had reported the steady 449 ns, dropping the 640 ns of programming
    # the chip model had priced (and its leakage over 1088 ns)
    comp = cimsim.compare(ROOT / "configs" / "digits-mlp.toml", {"workload.vectors": 20})
    steady, loaded = _chip_alone(comp.run, False), _chip_alone(comp.run, True)
    assert loaded.latency_ns > steady.latency_ns + 100.0  # the chip model's programming time
    unit_ns = comp.cim.latency_ns - steady.latency_ns  # what the vector unit adds to the items' path
    assert unit_ns > 0.0
    assert comp.cim_with_load.latency_ns == pytest.approx(loaded.latency_ns + unit_ns, rel=1e-12)
    assert comp.cim_with_load.memory_ns <= comp.cim_with_load.latency_ns
    # the same static power over either latency: the chip's leakage is priced over the latency reported
    powers = [b.energy_pj["leakage"] / b.latency_ns for b in (comp.cim, comp.cim_with_load)]
    assert powers[0] == pytest.approx(powers[1], rel=1e-12)


def _wide_layer() -> tuple[Network, np.ndarray]:
    """one 4096 -> 10 layer: its 4096 inputs per item from DRAM take longer than the arrays do"""
    rng = np.random.default_rng(0)
    return Network((Dense(rng.uniform(-0.02, 0.02, (10, 4096)), np.zeros(10)),), (4096,)), rng.random((4, 4096))


@pytest.mark.parametrize("pipeline", ["layer", "none"])
def test_a_networks_vector_unit_keeps_the_chips_dram_bound(pipeline):
    # pipeline "none" had reported an interval of 164 ns under the 242 ns DRAM time per item (6.1 M/s above the
    # DRAM's 4.1 M/s), and both pipelines a latency of 890 ns under their own 968 ns memory time
    net, x = _wide_layer()
    comp = cimsim.compare(DEFAULT, {"workload.kind": "network", "chip.pipeline": pipeline}, network=net, inputs=x)
    chip = _chip_alone(comp.run, False)
    plan = comp.run.layers[0].plan
    bits = 4096 * plan.input_bits + 10 * plan.accumulator_bits  # an item's input from DRAM and its output to it
    dram_ns = bits / (8 * dram_bandwidth_gbps(comp.run.config.baseline.dram))
    assert chip.interval_ns == pytest.approx(dram_ns, rel=1e-12)  # DRAM-bound: the case this test is about
    cim = comp.cim
    assert cim.interval_ns >= chip.interval_ns and cim.item_latency_ns > chip.item_latency_ns
    assert cim.latency_ns > chip.latency_ns >= cim.memory_ns
    assert cim.throughput_items_per_s <= chip.throughput_items_per_s


@pytest.mark.parametrize("pipeline", ["layer", "none"])
def test_a_models_vector_unit_keeps_the_chips_dram_bound(pipeline):
    # the same layer priced as a model: "none" had lost the DRAM bound on the interval (164 ns, not 242 ns) and
    # both pipelines on the latency of 4 items (890 / 655 ns, not 968 ns)
    config = with_overrides(load_config(DEFAULT), {"chip.pipeline": pipeline})
    net, _ = _wide_layer()
    model = model_from_network(net)
    cim = price_model(config, model, items=4).cim
    plan = plan_layer(config, 4096, 10)
    bits = model.input_elements_per_item * plan.input_bits + model.output_elements_per_item * plan.accumulator_bits
    dram_ns = bits / (8.0 * (config.baseline.dram_bandwidth_gbps or dram_bandwidth_gbps(config.baseline.dram)))
    assert cim.interval_ns >= dram_ns * (1 - 1e-12)
    assert cim.latency_ns >= 4 * dram_ns * (1 - 1e-12)
    assert cim.memory_ns <= cim.latency_ns


def test_a_reloaded_decodes_token_waits_for_its_step_not_the_run():
    # gpt2-small decode with reloaded weights had stated the whole run (29 ms for 4 tokens, 116 ms for 16) as one
    # token's latency; a step reloads every part and runs its sequences' tokens, which finish together
    config, model = load_config(DEFAULT), get_model("gpt2-small", phase="decode", seq_len=32)
    for items, sequences in ((1, 1), (4, 1), (4, 2), (3, 2)):
        cim = price_model(config, model, items=items, sequences=sequences, reload_weights=True).cim
        steps = items / sequences  # a share of a step counts as that share, as the baseline counts it
        assert cim.item_latency_ns == pytest.approx(cim.latency_ns / steps, rel=1e-12)
        assert cim.interval_ns == pytest.approx(cim.latency_ns / items, rel=1e-12)
    one, four = (price_model(config, model, items=n, reload_weights=True).cim for n in (1, 4))
    assert four.item_latency_ns == pytest.approx(one.item_latency_ns, rel=0.01)
    # a reloaded prefill runs every part on all its items in turn: they finish together
    prefill = price_model(config, get_model("gpt2-small", phase="prefill", seq_len=32), items=2,
                          reload_weights=True).cim
    assert prefill.item_latency_ns == prefill.latency_ns


@pytest.mark.parametrize("phase", ["prefill", "decode"])
def test_a_board_power_baselines_energy_is_its_board_power_over_its_whole_latency(phase):
    # the A100 had added its KV-cache writes as dynamic energy and left their DRAM time uncharged (gpt2-small prefill
    # at 1024 tokens: 1.092e12 pJ, where 400 W x 2.762 ms is 1.105e12 pJ)
    config = with_overrides(load_config(DEFAULT), {"baseline.preset": "a100", "technology.node_nm": 7.0})
    model = get_model("gpt2-small", phase=phase, seq_len=128)
    options = {"sequences": 2} if phase == "decode" else {}
    base = price_model(config, model, items=2, chips=4, **options).baseline
    assert set(base.energy_pj) == {"board_power"}
    assert base.total_energy_pj == pytest.approx(config.baseline.board_power_w * base.latency_ns * 1e3, rel=1e-9)
    dynamic = with_overrides(config, {"baseline.energy_model": "components"})
    assert price_model(dynamic, model, items=2, chips=4, **options).baseline.energy_pj["kv_cache_writes"] > 0.0


def test_one_item_at_a_time_overlaps_its_dram_with_a_vector_unit_too():
    """pipeline 'none': the chip model's interval is an item's time through its stages (its DRAM input and output
    overlap its neighbours'); the vector unit had taken the interval from the item latency, DRAM included"""
    comp = cimsim.compare(ROOT / "configs" / "digits-mlp.toml", {"workload.vectors": 20, "chip.pipeline": "none"})
    chip = _chip_alone(comp.run, False)
    assert chip.item_latency_ns > chip.stages_ns  # its DRAM input and output
    vec_ns = comp.cim.item_latency_ns - chip.item_latency_ns
    assert vec_ns > 0
    assert comp.cim.interval_ns == pytest.approx(max(chip.interval_ns, chip.stages_ns + vec_ns), rel=1e-12)
    assert comp.cim.interval_ns < comp.cim.item_latency_ns


def test_a_decodes_line_says_what_bounds_its_token_interval():
    # "1 sequence(s) in flight fill the pipeline" had been said whatever the sequences: one sequence of gpt2-small on
    # 4 pipelined chips waits a whole token's latency per token while the chips could take one a stage's time
    config, model = load_config(DEFAULT), get_model("gpt2-small", phase="decode", seq_len=32)

    def line(sequences):
        cim = price_model(config, model, items=sequences, chips=4, sequences=sequences).cim
        return cim, next(a for a in cim.assumptions if a.startswith("Decode"))

    one, text = line(1)
    assert one.interval_ns == pytest.approx(one.item_latency_ns, rel=1e-12) and "leave the chips idle" in text
    needed = int(text.split("(")[-1].split()[0])  # "(N sequences in flight would)"
    full, text = line(needed)
    assert "keep the chips busy" in text and full.interval_ns < one.interval_ns / (needed - 1)
    assert "leave the chips idle" in line(needed - 1)[1]


def test_a_decodes_idle_wait_on_earlier_tokens_is_not_counted_as_waiting_on_data():
    # one sequence of gpt2-small on 4 pipelined chips: the chips idle a token's latency less a stage's time per token,
    # which stall_ns ("waiting on data movement") had held, at several times the data's own time
    config, model = load_config(DEFAULT), get_model("gpt2-small", phase="decode", seq_len=32)
    one, full = (price_model(config, model, items=16, chips=4, sequences=s).cim for s in (1, 16))
    assert full.wait_ns == 0.0 and one.wait_ns > one.memory_ns  # the case: the idle time beyond the data's own
    assert one.wait_ns == pytest.approx(15 * (one.interval_ns - full.interval_ns), rel=1e-9)
    assert one.stall_ns == pytest.approx(full.stall_ns, rel=1e-9) and one.stall_ns <= one.memory_ns
    assert one.compute_ns + one.wait_ns + one.stall_ns == pytest.approx(one.latency_ns, rel=1e-12)
    assert one.as_dict()["wait_ns"] == one.wait_ns
    reloaded = price_model(config, model, items=4, sequences=1, reload_weights=True).cim
    assert reloaded.wait_ns == 0.0  # a reloaded step's parts run one after another: no idle chip


def test_a_pipelined_decode_over_many_chips_computes_its_first_token_then_the_slowest_chips_interval():
    """each chip's whole-run compute had been summed: gpt2-small over 9 chips, 16 tokens of one sequence, reported
    1.30 ms of compute (as on one chip) where the chips compute a token every 13.6 us; the idle wait on the previous
    token, 1.34 ms, had been cut to what that left (a probe, 2026-12-07)"""
    from cimsim.models import chips_needed

    model = get_model("gpt2-small", phase="decode", seq_len=1024)
    config = load_config(DEFAULT, {"chip.tiles": 20})
    chips = chips_needed(config, model)
    one, many = (price_model(config, model, chips=chips, items=n, sequences=1).cim for n in (1, 16))
    full = price_model(config, model, chips=chips, items=16, sequences=16).cim  # the chips' own interval
    assert chips > 3 and full.wait_ns == 0.0
    chip_interval = full.interval_ns
    assert many.compute_ns == pytest.approx(one.compute_ns + 15 * chip_interval, rel=1e-6)
    assert many.wait_ns == pytest.approx(15 * (many.interval_ns - chip_interval), rel=1e-9)
    assert many.stall_ns == pytest.approx(one.stall_ns, rel=1e-6) and many.stall_ns <= many.memory_ns
    assert many.compute_ns + many.wait_ns + many.stall_ns == pytest.approx(many.latency_ns, rel=1e-12)


def test_a_chips_rewrites_join_its_crossbars_stage_and_its_vector_unit_is_a_stage_of_its_own():
    """activation products on arrays, a slow vector unit: each token's compute had grown by max(crossbars, vector
    unit) + rewrite, past the chips' own interval max(crossbars + rewrite, vector unit): compute was clamped to the
    latency and the stall, the data's own, read 0 (a review, 2026-12-07)"""
    config = load_config(DEFAULT, {"chip.tiles": 20})
    model = get_model("gpt2-small", phase="decode", seq_len=1024)
    a, b = (price_model(config, model, chips=64, items=n, sequences=16, activation_products="arrays",
                        vector_lanes=8).cim for n in (16, 32))
    assert a.wait_ns == b.wait_ns == 0.0 and 0 < a.stall_ns <= a.memory_ns and a.compute_ns < a.latency_ns
    assert (b.compute_ns - a.compute_ns) / 16 == pytest.approx(a.interval_ns, rel=1e-9)  # compute-bound chips
    assert b.stall_ns == pytest.approx(a.stall_ns, rel=1e-9)
