"""Chip model: tiles and capacity, mesh hops and NoC energy, layer pipeline and balancing, ADC rate law,
eDRAM and router anchors, leakage = power x time."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from cimsim.breakdown import Breakdown
from cimsim.config.schema import (AdcConfig, ArrayConfig, BaselineConfig, ChipConfig, Config, DacConfig, DeviceConfig,
                                  MappingConfig, TechnologyConfig)
from cimsim.cost import (Stage, adc, chip_breakdown, cim_breakdown, cim_parameters, edram, leakage, map_stages, noc,
                         tiles_for_arrays)
from cimsim.analytic import analytic_counts
from cimsim.mapping import plan_layer
from designs import isaac_like

T32 = TechnologyConfig(node_nm=32.0, vdd_v=0.9)
ISAAC_LIKE_VECTOR_NS = 16 * max(100.0, 128 * adc.adc_conversion_ns(8, T32))
"""16 reads, each a round of 128 conversions of one 8-bit SAR (0.833 ns at 32 nm) after a 100 ns pulse"""
ROUTER_PJ_PER_BIT = 20.74 / 256


def _stages(config: Config, items: int, vectors=(1, 2, 4), shape=(128, 15)) -> list[Stage]:
    """three identical 128 -> 15 layers (one array of 15 outputs x 8 slices + 8 reference columns each) with 1, 2
    and 4 vectors per item"""
    plan = plan_layer(config, *shape)
    return [Stage(plan, analytic_counts(plan, items * v), v, v * 128 * 16, v * 15 * 16) for v in vectors]


# ---- mesh ------------------------------------------------------------------------------------------
def test_mesh_hops_by_hand():
    assert [noc.mesh_width(t) for t in (1, 2, 4, 5, 9, 10)] == [1, 2, 2, 3, 3, 4]
    # 4 tiles on a 2 x 2 mesh, global buffer at tile 0: hops (0,0)->1, (1,0)->2, (0,1)->2, (1,1)->3
    assert [noc.tile_hops(i, 2) for i in range(4)] == [1, 2, 2, 3]
    assert noc.mean_hops([1, 2, 1]) == pytest.approx((1.0, 2.0, 3.0))
    # 5 tiles on a 3-wide mesh: hops 1, 2, 3 | 2, 3
    assert noc.mean_hops([3, 2]) == pytest.approx((2.0, 2.5))
    with pytest.raises(ValueError):
        noc.mean_hops([1, 0])


def test_noc_energy_and_tiles_of_a_three_layer_chip_by_hand():
    config = isaac_like(arrays_per_tile=1)  # one array per tile -> layers on tiles 0, 1, 2 of a 2 x 2 mesh
    stages = _stages(config, items=10)
    b = chip_breakdown(config, stages, 10)
    assert [s.tiles for s in b.stages] == [1, 1, 1]
    hops = (1.0, 2.0, 2.0)
    bits = [(v * 128 + v * 15) * 16 for v in (1, 2, 4)]
    assert b.energy_pj["noc"] == pytest.approx(10 * sum(n * h for n, h in zip(bits, hops)) * ROUTER_PJ_PER_BIT)
    assert b.area_um2["noc"] == pytest.approx(3 * 0.151e6 / 4)  # a quarter of ISAAC's router per tile


def test_tiles_needed_beyond_capacity_raise():
    assert tiles_for_arrays(96, 96) == 1 and tiles_for_arrays(97, 96) == 2
    config = isaac_like(arrays_per_tile=2, tiles=2)
    plan = plan_layer(config, 512, 15)  # 4 row tiles -> 4 arrays -> 2 tiles
    fits = Stage(plan, analytic_counts(plan, 1), 1, 0, 0)
    assert map_stages(config, [fits]).tiles == (2,)
    with pytest.raises(ValueError, match=r"needs 3 tiles .* chip has 2"):
        map_stages(config, [fits, _stages(config, 1)[0]])


# ---- pipeline ----------------------------------------------------------------------------------------
def test_pipelined_throughput_is_the_slowest_stage_and_latency_the_sum():
    items = 20
    config = isaac_like(pipeline="layer")
    stages = _stages(config, items)
    b = chip_breakdown(config, stages, items)
    bits = sum(s.counts.dram_read_bits + s.counts.dram_write_bits for s in stages)
    io_ns = bits / (8 * cim_parameters(config, stages[0].plan).dram_bandwidth_gbps) / items  # DRAM in and out
    vector_ns, fill_ns = ISAAC_LIKE_VECTOR_NS, 100.0 + 1 / 1.2  # one row tile: shift-add cycle only
    assert [s.interval_ns for s in b.stages] == pytest.approx([vector_ns, 2 * vector_ns, 4 * vector_ns])
    # stage latency: transfer in + compute + transfer out; one tile each, mesh 2 wide: hops 1, 2, 2
    for s, v, hops in zip(b.stages, (1, 2, 4), (1, 2, 2)):
        t_in = (math.ceil(v * 128 * 16 / 256) + hops) / 1.2
        t_out = (math.ceil(v * 15 * 16 / 256) + hops) / 1.2
        assert s.latency_ns == pytest.approx(t_in + v * vector_ns + fill_ns + t_out)
    on_chip = sum(s.latency_ns for s in b.stages)
    assert b.item_latency_ns == pytest.approx(io_ns + on_chip)  # an item's input from DRAM and output to it too
    assert b.interval_ns == pytest.approx(4 * vector_ns) and io_ns < 4 * vector_ns
    assert b.throughput_items_per_s == pytest.approx(1e9 / (4 * vector_ns))
    assert b.latency_ns == pytest.approx(b.item_latency_ns + (items - 1) * b.interval_ns)

    serial = chip_breakdown(dataclasses.replace(config, chip=ChipConfig(pipeline="none")),
                            _stages(config, items), items)
    assert serial.interval_ns == pytest.approx(on_chip)  # one item at a time on the chip, its DRAM overlapped
    assert serial.throughput_items_per_s == pytest.approx(1e9 / on_chip)
    assert serial.latency_ns == pytest.approx(b.item_latency_ns + (items - 1) * on_chip)
    assert serial.total_energy_pj - serial.energy_pj["leakage"] == pytest.approx(
        b.total_energy_pj - b.energy_pj["leakage"])  # same work, only the time (and so leakage) differs


@pytest.mark.parametrize("tiles", [3, 4, 6, 9])
def test_balancing_evens_stages_within_the_chip(tiles):
    plain = isaac_like(arrays_per_tile=1, tiles=tiles)
    balanced = isaac_like(arrays_per_tile=1, tiles=tiles, balance="replicate")
    b0 = chip_breakdown(plain, _stages(plain, 8), 8)
    b1 = chip_breakdown(balanced, _stages(balanced, 8), 8)
    used = sum(s.tiles for s in b1.stages)
    assert used <= tiles
    assert b1.interval_ns <= b0.interval_ns
    if tiles > 3:
        assert b1.interval_ns < b0.interval_ns and b1.stages[2].copies > 1  # the slowest layer got copies
    assert [s.arrays for s in b1.stages] == [s.copies for s in b1.stages]  # one array per copy here
    assert b1.area_um2["adc"] == pytest.approx(used * b0.area_um2["adc"] / 3)


def test_balancing_greedy_by_hand():
    config = isaac_like(arrays_per_tile=1, tiles=6, balance="replicate")
    # intervals 1, 2, 4 vectors: copy layer 2 (-> 2), then layer 1 (tie, first), then layer 2 (-> 4/3): 6 tiles
    assert map_stages(config, _stages(config, 1)).copies == (1, 2, 3)


@pytest.mark.parametrize("dram_vectors, copies", [(5.0, [1, 1, 1]), (2.5, [1, 1, 2]), (1.5, [1, 2, 3])])
def test_balancing_keeps_only_copies_that_lower_the_interval(dram_vectors, copies):
    """DRAM bounds the interval at ``dram_vectors`` vector times: balancing adds copies (1, 2, 4 vectors: the slowest
    first, through a tie) only until the interval reaches that bound, though the 9 tiles have room for more"""
    plain, items = isaac_like(arrays_per_tile=1, tiles=9), 8
    stages = _stages(plain, items)
    vector_ns = chip_breakdown(plain, stages, items).stages[0].interval_ns
    bits = sum(s.counts.dram_read_bits + s.counts.dram_write_bits for s in stages) / items
    baseline = dataclasses.replace(plain.baseline, dram_bandwidth_gbps=bits / (8.0 * dram_vectors * vector_ns))
    config = dataclasses.replace(plain, baseline=baseline, chip=ChipConfig(arrays_per_tile=1, tiles=9,
                                                                            balance="replicate"))
    b = chip_breakdown(config, stages, items)
    assert [s.copies for s in b.stages] == copies
    assert b.interval_ns == pytest.approx(max(dram_vectors, 4.0 / copies[2]) * vector_ns)
    assert map_stages(config, stages, items=items).copies == tuple(copies)


def test_dense_layer_is_one_stage_and_replication_shortens_its_interval():
    config = isaac_like()
    plan = plan_layer(config)
    b = cim_breakdown(config, plan, analytic_counts(plan, 50))
    assert len(b.stages) == 1 and b.stages[0].copies == 1
    assert b.interval_ns == pytest.approx(ISAAC_LIKE_VECTOR_NS)
    four = dataclasses.replace(config, mapping=dataclasses.replace(config.mapping, replication=4))
    plan4 = plan_layer(four)
    b4 = cim_breakdown(four, plan4, analytic_counts(plan4, 50))
    assert b4.stages[0].copies == 4 and b4.interval_ns == pytest.approx(ISAAC_LIKE_VECTOR_NS / 4)


def _fast_layer(replication: int = 1, **chip) -> Breakdown:
    """a 256 -> 128 layer, 100 items, on 256 x 256 arrays (4 per copy) with a column VCO ADC each: a 71.6 ns vector,
    so a few copies bring its compute interval under its output's 12 flits (128 x 24 bits) at 1 GHz; HBM"""
    config = Config(
        array=ArrayConfig(rows=256, cols=256, rows_per_read=256), mapping=MappingConfig(replication=replication),
        device=DeviceConfig(bits_per_cell=2, read_pulse_ns=10.0), dac=DacConfig(input_bits=8, signed_inputs="bipolar"),
        adc=AdcConfig(bits=8, type="vco", cols_per_adc=1), technology=TechnologyConfig(node_nm=14.0, clock_ghz=1.0),
        baseline=BaselineConfig(dram="hbm2"), chip=ChipConfig(tiles=256, arrays_per_tile=1, **chip))
    plan = plan_layer(config, 256, 128)
    return cim_breakdown(config, plan, analytic_counts(plan, 100))


def test_more_copies_never_lower_a_pipelined_throughput():
    """The routers are pipelined: a transfer's hops are an item's latency, its flits alone the interval's bound. More
    copies mean more tiles and more hops; the interval had grown with them (16.5 ns with 5 copies, 28 ns with 64)."""
    runs = [_fast_layer(r) for r in (1, 2, 4, 5, 8, 16, 32, 64)]
    intervals = [b.interval_ns for b in runs]
    assert all(later <= earlier for earlier, later in zip(intervals, intervals[1:]))
    assert intervals[-1] == pytest.approx(12.0)  # ceil(128 x 24 / 256) flits of 1 ns: the output's transfer
    assert [b.stages[0].interval_ns for b in runs[4:]] == pytest.approx([12.0] * 4)
    latencies = [b.item_latency_ns for b in runs[1:]]  # the hops stay in an item's latency: more tiles, later
    assert all(later > earlier for earlier, later in zip(latencies, latencies[1:]))
    # one item at a time: the interval is its time on the chip, hops and all
    for r in (1, 16, 64):
        serial = _fast_layer(r, pipeline="none")
        assert serial.interval_ns == pytest.approx(serial.stages[0].latency_ns)
        assert serial.interval_ns == pytest.approx(_fast_layer(r).stages[0].latency_ns)


def test_balancing_keeps_the_fewest_copies_under_the_transfers_flits():
    # compute 71.6 ns / c falls under the 12 ns output transfer at c = 6, whatever the hops of those tiles
    b = _fast_layer(balance="replicate")
    assert b.stages[0].copies == 6 and b.interval_ns == pytest.approx(12.0)
    assert b.interval_ns <= min(_fast_layer(r).interval_ns for r in (5, 6, 7, 16))


def test_transfer_time_by_hand():
    # 8 and 12 flits through ports of their own over 2.5 hops of 0.5 ns: an item waits (8 + 2.5 + 12 + 2.5) cycles,
    # a stream of them is held by the 12 flits alone; no flits, no hops
    assert noc.transfer_ns([8, 12], 2.5, 0.5) == pytest.approx((12.5, 6.0))
    assert noc.transfer_ns([0, 3], 4.0, 1.0) == pytest.approx((7.0, 3.0))
    for bad in ([-1], [1.5]):
        with pytest.raises(ValueError, match="flits"):
            noc.transfer_ns(bad, 1.0, 1.0)
    with pytest.raises(ValueError, match="hops"):
        noc.transfer_ns([1], -1.0, 1.0)
    with pytest.raises(ValueError, match="cycle_ns"):
        noc.transfer_ns([1], 1.0, 0.0)


def test_global_buffer_must_hold_the_activations_between_layers():
    config = isaac_like(global_buffer_kib=0.25)  # 2048 bits >= boundaries of 240 + 480 bits, double-buffered
    assert chip_breakdown(config, _stages(config, 1), 1).mvms == 1
    small = isaac_like(global_buffer_kib=0.125)  # 1024 bits < 1440
    with pytest.raises(ValueError, match="global buffer"):
        chip_breakdown(small, _stages(small, 1), 1)


def test_breakdown_defaults_and_dict_keys():
    b = Breakdown("x", {"a": 1.0}, {"a": 1.0}, latency_ns=100.0, compute_ns=100.0, memory_ns=0.0, mvms=4, macs=8)
    assert b.interval_ns == pytest.approx(25.0) and b.item_latency_ns == pytest.approx(25.0)
    assert b.throughput_items_per_s == pytest.approx(4e7)
    config = isaac_like()
    d = chip_breakdown(config, _stages(config, 2), 2).as_dict()
    for key in ("item_latency_ns", "interval_ns", "throughput_items_per_s", "latency_ns", "stages"):
        assert key in d
    assert {"index", "arrays", "tiles", "copies", "interval_ns", "latency_ns", "compute_interval_ns",
            "transfer_interval_ns"} == set(d["stages"][0])


def test_bad_chip_input_raises():
    config = isaac_like()
    plan = plan_layer(config)
    with pytest.raises(ValueError, match="vectors_per_item"):
        Stage(plan, analytic_counts(plan, 1), 0, 0, 0)
    with pytest.raises(ValueError, match="items"):
        chip_breakdown(config, _stages(config, 1), -1)
    with pytest.raises(ValueError, match="at least one stage"):
        map_stages(config, [])


# ---- components ----------------------------------------------------------------------------------------
def test_adc_rate_follows_the_cycle_model():
    config = dataclasses.replace(isaac_like(), device=DeviceConfig(bits_per_cell=2, read_pulse_ns=200.0))
    plan = plan_layer(config)
    b = cim_breakdown(config, plan, analytic_counts(plan, 1))
    assert any("0.64 GS/s = 128 conversions per 200 ns" in a for a in b.assumptions)  # 128 / 200 ns
    conversions = analytic_counts(plan, 1).adc_conversions
    assert b.energy_pj["adc"] == pytest.approx(conversions * adc.adc_energy_pj(8, T32, 0.64))


def test_isaac_edram_and_router_anchors():
    assert edram.edram_energy_pj_per_bit(64 * 1024, T32) * 256 == pytest.approx(20.45)
    assert edram.edram_area_um2(64 * 1024, T32) == pytest.approx(0.083e6)
    assert edram.edram_energy_pj_per_bit(256 * 1024, T32) / edram.edram_energy_pj_per_bit(64 * 1024, T32) == \
        pytest.approx(4 ** 0.78)
    assert noc.router_energy_pj_per_bit_hop(T32) * 256 == pytest.approx(20.74)
    assert 4 * noc.router_area_um2_per_tile(T32) == pytest.approx(0.151e6)


def test_leakage_is_power_times_time():
    config = isaac_like(buffer_memory="edram")
    stages_a, stages_b = _stages(config, 5), _stages(config, 50)
    a, b = chip_breakdown(config, stages_a, 5), chip_breakdown(config, stages_b, 50)
    assert a.energy_pj["leakage"] / a.latency_ns == pytest.approx(b.energy_pj["leakage"] / b.latency_ns)
    tiles = sum(s.tiles for s in a.stages)
    logic_um2 = a.area_um2["shift_add"] + a.area_um2["accumulate"] + a.area_um2["noc"]
    power_uw = (tiles * 64 * 1024 * 8 + 256 * 1024 * 8) * 381 / 2 ** 20 + logic_um2 * 2.4 / 278
    assert a.energy_pj["leakage"] == pytest.approx(power_uw * a.latency_ns * 1e-3)
    assert leakage.buffer_leakage_uw("edram", 1024, T32) < leakage.buffer_leakage_uw("sram", 1024, T32)
    with pytest.raises(ValueError):
        leakage.buffer_leakage_uw("flash", 1024, T32)


def test_assumptions_state_the_line_swing_of_the_family():
    """an SRAM array's lines swing V_DD (ZigZag-IMC loads): its 'Cells:' line had said they swing the device's read
    voltage at 0.2 fF/um, the resistive model"""
    from pathlib import Path

    import cimsim

    sram = Path(__file__).resolve().parents[1] / "configs" / "sram-cim.toml"
    lines = cimsim.estimate(sram).cim.assumptions  # (a read voltage stated on an SRAM family: refused, as idle)
    assert not [a for a in lines if "0.2 fF/um" in a]
    assert any(a.startswith("Array family 'current': word and bit lines swing 0.9 V") and "V_DD" in a for a in lines)
    resistive = cimsim.estimate(Path(sram).with_name("default.toml")).cim.assumptions
    assert any("0.2 fF/um at the full read voltage" in a for a in resistive)


@pytest.mark.parametrize("share", [0.0, -0.5, 1.5, float("nan"), "1"])
def test_a_stage_path_share_outside_0_1_is_refused(share):
    plan = plan_layer(Config(), 64, 64)
    with pytest.raises(ValueError, match="Stage.path_share must be a finite number > 0 and <= 1"):
        Stage(plan, analytic_counts(plan, 1), 1, 0, 0, share)


def test_a_digital_arrays_adder_trees_leak_as_logic():
    """the adder trees (1.0 of 1.6 mm2 of the digital sram-cim) had leaked nothing: 3.2 mW for the chip, where
    their own area at the Aladdin logic density leaks 8.7 mW"""
    from pathlib import Path

    import cimsim
    from cimsim.cost.leakage import logic_leakage_uw

    sram = Path(__file__).resolve().parents[1] / "configs" / "sram-cim.toml"
    b = cimsim.estimate(sram, {"array.family": "digital"}).cim
    trees_pj = logic_leakage_uw(b.area_um2["adder_tree"]) * b.latency_ns * 1e-3
    assert trees_pj > 0 and b.energy_pj["leakage"] > trees_pj


def test_a_one_off_weight_fetch_is_no_part_of_the_steady_state_interval():
    """the weights fetched once had been spread over the items' interval: 60 ns without the load, 137 ns with it at
    50 vectors and 64 ns at 1000 (a 'steady state' that changed with the workload's length)"""
    from cimsim.numerics import Crossbar

    config = Config()
    plan = plan_layer(config, 256, 64)
    xbar = Crossbar(config, 256, 64)
    xbar.program(np.random.default_rng(3).uniform(-1, 1, (64, 256)))
    load = xbar.programming_counts
    for items in (50, 1000):
        steady = cim_breakdown(config, plan, analytic_counts(plan, items))
        loaded = cim_breakdown(config, plan, analytic_counts(plan, items) + load, fetched_bits=load.dram_read_bits)
        assert loaded.interval_ns == pytest.approx(steady.interval_ns, rel=1e-12)
        fetch_ns = load.dram_read_bits / (8 * cim_parameters(config, plan).dram_bandwidth_gbps)
        assert loaded.latency_ns >= fetch_ns + steady.item_latency_ns + (items - 1) * steady.interval_ns


def test_one_items_latency_holds_its_own_dram_transfers():
    """one vector of the default layer: its input (2048 bits, 15 ns) must come from DRAM before the rows are
    driven and its output (6144 bits, 45 ns) can leave only after; the latency had been 61.7 ns, under both"""
    config = Config()
    plan = plan_layer(config, 256, 256)
    b = cim_breakdown(config, plan, analytic_counts(plan, 1))
    bits = 256 * plan.input_bits + 256 * plan.accumulator_bits
    dram_ns = bits / (8 * cim_parameters(config, plan).dram_bandwidth_gbps)
    assert b.latency_ns == b.item_latency_ns >= dram_ns + b.compute_ns


@pytest.mark.parametrize("pipeline, balance", [("none", "none"), ("none", "replicate"), ("layer", "replicate")])
def test_a_shared_matrixs_places_take_an_item_one_after_the_other(pipeline, balance):
    """a matrix read at 8 places of one vector each (each reading the last one's output) had been charged one fill
    and one set of transfers for all 8, under a network of 8 copies of it, and balancing bought it copies that
    shorten no place; its places now take as long as the copies do, each with its transfers"""
    config = isaac_like(arrays_per_tile=1, tiles=24, pipeline=pipeline, balance=balance)
    plan, items = plan_layer(config, 128, 15), 4
    one = Stage(plan, analytic_counts(plan, items), 1, 0, 0)
    shared = Stage(plan, analytic_counts(plan, 8 * items), 8, 0, 0, places=(1,) * 8)
    chain, copies = chip_breakdown(config, [shared], items), chip_breakdown(config, [one] * 8, items)
    assert chain.item_latency_ns == pytest.approx(copies.item_latency_ns, rel=1e-12)
    k, k1 = chain.stages[0].copies, copies.stages[0].copies
    assert chain.stages[0].interval_ns == pytest.approx(8 * copies.stages[0].interval_ns * k1 / k, rel=1e-12)
    if pipeline == "none":
        assert k == 1  # no place has a second vector for a copy to take
    moving = [Stage(plan, analytic_counts(plan, n * items), n, n * 128 * 16, n * 15 * 16, places=(1,) * n)
              for n in (1, 8)]
    unbalanced = isaac_like(arrays_per_tile=1, tiles=24, pipeline=pipeline, balance="none")  # the same tiles, hops
    alone, eight = (chip_breakdown(unbalanced, [s], items).stages[0] for s in moving)
    assert eight.latency_ns == pytest.approx(8 * alone.latency_ns, rel=1e-12)  # transfers at each place too


def test_a_stage_places_must_sum_to_its_vectors():
    plan = plan_layer(Config(), 64, 64)
    with pytest.raises(ValueError, match=r"Stage.places must sum to vectors_per_item \(3\)"):
        Stage(plan, analytic_counts(plan, 3), 3, 0, 0, places=(1, 1))
    with pytest.raises(ValueError, match="Stage.places"):
        Stage(plan, analytic_counts(plan, 2), 2, 0, 0, places=(2, 0))
    with pytest.raises(TypeError, match="Stage.places"):
        Stage(plan, analytic_counts(plan, 2), 2, 0, 0, places=[1, 1])


@pytest.mark.parametrize("to_dram", [True, False])
def test_a_shared_matrix_moves_only_its_first_places_input_in_and_its_last_places_output_out(to_dram):
    """a shared 64 x 64 matrix at 3 places after (last matrix) or before (first) a layer of its own, against 3
    copies: the global buffer had read all 3 places' outputs out as the workload's output (and written all 3 inputs
    in as its input), though the others feed the next place (to DRAM: 32.4 vs 28.0 nJ); now the same energy, the
    last place's output at accumulator width where it goes to DRAM, else (to the next chip) at input width"""
    config, items = isaac_like(arrays_per_tile=1, tiles=24), 4
    plan = plan_layer(config, 64, 64)
    ib, wide = plan.input_bits, plan.accumulator_bits if to_dram else plan.input_bits

    def stage(n, first, last, places=()):
        counts = dataclasses.replace(analytic_counts(plan, n * items), dram_read_bits=first * items * 64 * ib,
                                     dram_write_bits=last * to_dram * items * 64 * wide)
        return Stage(plan, counts, n, n * 64 * ib, 64 * ((n - last) * ib + last * wide), places=places)

    for shared, copies in (([stage(1, True, False), stage(3, False, True, (1, 1, 1))],
                            [stage(1, True, False), stage(1, False, False), stage(1, False, False),
                             stage(1, False, True)]),
                           ([stage(3, True, False, (1, 1, 1)), stage(1, False, True)],
                            [stage(1, True, False), stage(1, False, False), stage(1, False, False),
                             stage(1, False, True)])):
        gb = [chip_breakdown(config, s, items).energy_pj["global_buffer"] for s in (shared, copies)]
        assert gb[0] == pytest.approx(gb[1], rel=1e-12)


def test_map_stages_takes_its_timings_params_and_items_by_keyword_only():
    """map_stages(config, stages, 10), as docs/cost_cim.md had written it, took 10 as the stage timings and left
    items (the DRAM bound on balancing) at 0 without a word"""
    config = isaac_like()
    with pytest.raises(TypeError):
        map_stages(config, _stages(config, 1), 10)


def test_an_sram_device_on_a_resistive_array_is_said_so_and_no_crosspoint():
    """`device.preset = "sram"` on a resistive array (a shipped sweep's point) had read "sram family ... 1t1r cell",
    with crosspoint an SRAM cell of 4 F2, and "no published sram macro" beside 27 SRAM macros of the record: its
    lines say what it is, and a crosspoint SRAM cell is refused naming the device"""
    from cimsim.config import config_from_dict, with_overrides
    from cimsim.errors import ConfigError

    config = with_overrides(Config(), {"device.preset": "sram"})
    plan = plan_layer(config)
    lines = cim_breakdown(config, plan, analytic_counts(plan, 4)).assumptions
    cells = next(line for line in lines if line.startswith("Cells:"))
    assert "an SRAM bit cell read as a resistive array's conductance" in cells and "1t1r" not in cells
    assert any("no published sram macro read as a resistive array (its SRAM macros are sram-charge, sram-current and "
               "digital arrays)" in line for line in lines)
    with pytest.raises(ConfigError, match=r"'array.cell_access' = \"crosspoint\" selects a resistive cell; device "
                                          r"'sram' has SRAM cells"):
        config_from_dict({"device": {"preset": "sram"}, "array": {"cell_access": "crosspoint"}})


@pytest.mark.parametrize("pipeline", ["layer", "none"])
@pytest.mark.parametrize("config, vectors", [("configs/default.toml", 1), ("configs/default.toml", 2),
                                             ("configs/default.toml", 1000), ("configs/digits-mlp.toml", 3)])
def test_the_time_spent_waiting_on_data_is_at_most_what_the_data_alone_needs(config, vectors, pipeline):
    # one vector of the default design had waited 94 ns on data movement that 'alone needs 60 ns' (the DRAM time
    # only, where the vector's input, its moves between stages and its output follow one another)
    from cimsim import estimate

    e = estimate(config, {"workload.vectors": vectors, "chip.pipeline": pipeline})
    cim = e.cim
    assert 0.0 <= cim.stall_ns <= cim.memory_ns * (1 + 1e-12) and cim.memory_ns <= cim.latency_ns * (1 + 1e-12)


def test_the_pipeline_line_says_how_the_interval_is_set():
    # with chip.pipeline = "none" the line had said the interval was the slowest stage's (it is the stages' sum)
    from cimsim import estimate

    for pipeline, said in (("layer", "the slowest stage's"), ("none", "the item's time through every stage")):
        lines = estimate("configs/digits-mlp.toml", {"chip.pipeline": pipeline}).cim.assumptions
        line = next(a for a in lines if a.startswith("Pipeline "))
        assert said in line and ("slowest stage" in line) == (pipeline == "layer")


def test_a_stage_says_whether_its_compute_or_its_transfers_set_its_interval():
    """the sram-cicc2021 macro reads an MVM in 44.44 ns, but its 512 19-bit outputs take 38 cycles (9728 bits over
    the 256-bit tile bus) at its 22.5 MHz clock: 1689 ns, which sets the stage's interval and the report says so"""
    import cimsim
    from cimsim.report import comparison_markdown
    comp = cimsim.compare({"name": "cicc", "preset": "sram-cicc2021", "workload": {"vectors": 4}})
    (stage,) = comp.cim.stages
    assert stage.transfer_interval_ns == pytest.approx(math.ceil(512 * 19 / 256) / 0.0225, rel=1e-9)
    assert stage.compute_interval_ns == pytest.approx(44.44, rel=1e-3)
    assert stage.interval_ns == max(stage.compute_interval_ns, stage.transfer_interval_ns)
    assert "| 1.69 µs | transfers (compute 44.4 ns) |" in comparison_markdown(comp)
    isaac = cimsim.compare({"name": "isaac", "preset": "isaac", "workload": {"vectors": 4}})
    assert all(s.interval_ns == max(s.compute_interval_ns, s.transfer_interval_ns) for s in isaac.cim.stages)
    assert "| compute (transfers " in comparison_markdown(isaac)
