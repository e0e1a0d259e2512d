"""Shipped baseline presets against the figures their papers publish (docs/cost_baseline.md, "Validation")."""

from dataclasses import replace
from pathlib import Path

import pytest

from cimsim.cost.baseline import baseline_breakdown, baseline_traffic, onchip_memory, peak_tops
from cimsim.config.load import config_from_dict, list_section_presets
from cimsim.cost.vector_unit import VectorUnit

PRESETS = ("digital-accelerator", "dadiannao", "cpu", "tpu-v1", "a100", "h100")


def preset(name: str, *, node_nm: float = 32.0, bits: int = 8, size: int = 256, **baseline):
    """A square layer of ``size`` with ``bits``-bit operands on the preset at ``node_nm``."""
    return config_from_dict({
        "baseline": {"preset": name, **baseline},
        "technology": {"node_nm": node_nm, "vdd_v": 0.9},
        "mapping": {"weight_bits": bits},
        "dac": {"input_bits": bits},
        "array": {"rows_per_read": 64},  # keeps the CIM side's float32-exactness rule satisfied at 16 bits
        "workload": {"in_features": size, "out_features": size},
    }, "t.toml")


@pytest.mark.parametrize("name", PRESETS)
def test_preset_loads_with_its_name(name):
    assert name in list_section_presets("baseline")
    config = config_from_dict({"baseline": {"preset": name}}, "t.toml")
    assert config.baseline.name == name and config.baseline.preset == name


@pytest.mark.parametrize("name, published_tops", [
    ("tpu-v1", 92.0),   # Jouppi et al. ISCA 2017, Table 2
    ("cpu", 2.6),       # same table, Haswell E5-2699 v3, 8-bit (two significant digits)
])
def test_peak_reproduces_published_peak(name, published_tops):
    tolerance = 0.01 if name == "tpu-v1" else 0.02  # 2.6 is rounded to two digits: 2.65 is within its rounding
    assert peak_tops(preset(name).baseline) == pytest.approx(published_tops, rel=tolerance)


@pytest.mark.parametrize("name, slowdown", [
    ("tpu-v1", 4),  # Jouppi et al. ISCA 2017 Sec. 2: the matrix unit runs at quarter speed for 16 x 16-bit operands
    ("cpu", 2),     # a 256-bit AVX2 vector holds 32 8-bit lanes but 16 16-bit ones
])
def test_sixteen_bit_operands_run_at_the_published_fraction_of_the_8_bit_rate(name, slowdown):
    eight, sixteen = preset(name, size=1024), preset(name, size=1024, bits=16)
    assert peak_tops(eight.baseline) / peak_tops(sixteen.baseline, 16) == pytest.approx(slowdown)
    fast, slow = (baseline_breakdown(c, 4096, include_weight_load=False) for c in (eight, sixteen))
    assert slow.macs == fast.macs and slow.compute_ns / fast.compute_ns == pytest.approx(slowdown)


def test_dadiannao_peak_counts_one_multiply_and_add_per_multiplier():
    # 2 x 4096 x 0.606 GHz = 4.965 TOPS; the paper reports 5.58 TOPS = 9208 operations per cycle (2.25 per
    # multiplier), so its count includes more than the multiply and add of each MAC. The gap is pinned here.
    model = peak_tops(preset("dadiannao").baseline)
    assert model == pytest.approx(2 * 4096 * 0.606e9 / 1e12)
    assert 5.58 / model == pytest.approx(1.124, abs=0.001)


def test_cpu_batch_one_layer_is_memory_bound_and_large_batch_compute_bound():
    # weights fetched from DRAM (the TPU paper's roofline premise); 256 x 256 int8 = 64 KiB
    config = preset("cpu", node_nm=22.0)
    one = baseline_breakdown(config, 1, include_weight_load=True)
    assert one.memory_ns > 20 * one.compute_ns  # 66 560 B at 51 GB/s = 1305 ns against 49.5 ns of MACs
    many = baseline_breakdown(config, 1024, include_weight_load=True)
    assert many.latency_ns == many.compute_ns > many.memory_ns


def test_cpu_layer_larger_than_caches_streams_weights_per_batch():
    config = preset("cpu", node_nm=22.0, size=8192)  # 64 MiB of int8 weights > 51 MiB on chip
    t = baseline_traffic(config, 32, include_weight_load=False)
    assert not t.weights_fit and t.weight_fetches == 2  # batch 16
    one = baseline_breakdown(config, 1, include_weight_load=False)
    assert one.memory_ns > 20 * one.compute_ns  # 64 MiB at 51 GB/s = 1.32 ms against 50.7 us of MACs


def test_dadiannao_keeps_weights_resident_and_streams_nothing_from_dram():
    # a 4096 x 4096 16-bit layer (32 MiB) fits in the 36 MB eDRAM; activations stay on chip as in a network
    config = preset("dadiannao", node_nm=28.0, bits=16, size=4096)
    t = baseline_traffic(config, 64, include_weight_load=False, dram_activation_bits=0)
    assert t.weights_fit and t.weight_fetches == 0
    assert t.dram_bits == 0


def test_dadiannao_energy_per_mac_brackets_the_published_power():
    # Published: 15.97 W at 4096 MACs x 606 MHz = 6.43 pJ per 16-bit MAC (whole node: eDRAM, links, clock).
    # The model's arithmetic (MAC + registers) is a lower bound; its total prices each weight read from one of 64
    # eDRAM banks beside the NFUs (5.6 pJ per 16-bit weight at 28 nm), with its leakage (0.07 pJ), and lands at
    # 6.43 pJ, 0.04 % below the node's power per MAC, which also pays for the links, clock and control the model
    # leaves out.
    published_pj = 15.97 / (4096 * 0.606e9) * 1e12
    bd = baseline_breakdown(preset("dadiannao", node_nm=28.0, bits=16), 1, include_weight_load=False,
                            dram_activation_bits=0)
    arithmetic_pj = (bd.energy_pj["mac"] + bd.energy_pj["register_file"]) / bd.macs
    total_pj = bd.total_energy_pj / bd.macs
    assert published_pj == pytest.approx(6.434, abs=0.001)
    assert 0.05 * published_pj < arithmetic_pj < 0.2 * published_pj  # 0.59 pJ: 9 % of the node's power
    assert 0.8 * published_pj < total_pj < 1.1 * published_pj  # 6.43 pJ: 1.00x
    assert bd.energy_pj["sram_weights"] / bd.macs == pytest.approx(5.615, abs=0.001)  # one 16-bit read per MAC
    assert bd.energy_pj["sram_weights"] / bd.total_energy_pj > 0.8


def test_dadiannao_as_one_36_mb_sram_array_is_the_old_upper_bound():
    # the previous pricing (one 36 MB SRAM array per access) is still expressible, and 12x dearer per weight read
    old = baseline_breakdown(preset("dadiannao", node_nm=28.0, bits=16, onchip_memory="sram", onchip_banks=1), 1,
                             include_weight_load=False, dram_activation_bits=0)
    new = baseline_breakdown(preset("dadiannao", node_nm=28.0, bits=16), 1, include_weight_load=False,
                             dram_activation_bits=0)
    assert old.energy_pj["sram_weights"] / old.macs == pytest.approx(68.36, abs=0.01)
    assert old.energy_pj["sram_weights"] / new.energy_pj["sram_weights"] == pytest.approx(12.17, abs=0.01)
    assert onchip_memory(preset("dadiannao")).banks == 64


def test_tpu_weight_stationary_reads_each_weight_once_per_batch():
    config = preset("tpu-v1", node_nm=28.0)
    t = baseline_traffic(config, 400, include_weight_load=False)
    assert t.sram_weight_read_bits == 2 * 256 * 256 * 8  # 400 vectors in batches of 200
    assert t.sram_partial_sum_read_bits == 0  # 256 inputs fill one tile of the 256 x 256 array


# ---- GPU presets (NVIDIA datasheets; sources in the preset files) -------------------------------------------------

@pytest.mark.parametrize("name, int8_tops, fp16_tflops, hbm_gbps, tdp_w", [
    ("a100", 624.0, 312.0, 2039.0, 400.0),   # A100 datasheet, "A100 80GB SXM", dense (half the sparsity figures)
    ("h100", 1979.0, 989.5, 3350.0, 700.0),  # H100 datasheet, "H100 SXM": 3,958 / 2 and 1,979 / 2
])
def test_gpu_presets_reproduce_their_datasheets(name, int8_tops, fp16_tflops, hbm_gbps, tdp_w):
    b = preset(name).baseline
    assert peak_tops(b) == pytest.approx(int8_tops, rel=0.001)
    assert peak_tops(b, 16) == pytest.approx(fp16_tflops, rel=0.001)
    assert b.dram_bandwidth_gbps == hbm_gbps and b.board_power_w == tdp_w and b.dram_gb * 1e9 == 80 * 2**30
    assert b.energy_model == "board_power" and b.dataflow == "weight_streaming"


@pytest.mark.parametrize("name", ["a100", "h100"])
def test_gpu_energy_is_board_power_times_roofline_time(name):
    config = preset(name, node_nm=7.0, size=1024)
    bd = baseline_breakdown(config, 1, include_weight_load=False)
    assert set(bd.energy_pj) == {"board_power"}
    assert bd.total_energy_pj == pytest.approx(config.baseline.board_power_w * bd.latency_ns * 1e3)
    # batch 1: the 1 MiB of int8 weights streams from HBM; memory-bound by two orders of magnitude
    bytes_moved = baseline_traffic(config, 1, include_weight_load=False).dram_bits / 8
    assert bd.latency_ns == bd.memory_ns == pytest.approx(bytes_moved / config.baseline.dram_bandwidth_gbps)
    assert bd.memory_ns > 100 * bd.compute_ns
    assert bd.area_um2 == {"die": config.baseline.die_area_mm2 * 1e6}
    dynamic = baseline_breakdown(config, 1, include_weight_load=False, energy_model="components")
    assert dynamic.energy_pj["sram_weights"] == 0.0  # weights go from HBM to the tensor cores
    assert dynamic.energy_pj["dram_weights"] / (dynamic.total_energy_pj - dynamic.energy_pj["leakage"]) > 0.95
    assert dynamic.total_energy_pj < bd.total_energy_pj / 5  # board power counts the whole board


def test_h100_one_layer_batch_one_figures():
    # the figures docs/cost_baseline.md quotes: a 1024 x 1024 int8 layer, one vector, on the H100 preset
    bd = baseline_breakdown(preset("h100", node_nm=7.0, size=1024), 1, include_weight_load=False)
    assert bd.latency_ns == pytest.approx(314.3, abs=0.1)  # (1 MiB + 1 KiB in + 4.25 KiB out) / 3350 GB/s
    assert bd.total_energy_pj / 1e6 == pytest.approx(220.0, abs=0.1)  # uJ: 700 W x 314 ns


@pytest.mark.parametrize("name", ["a100", "h100"])
def test_gpu_batching_amortises_the_weight_fetch_up_to_the_ridge(name):
    config = preset(name, node_nm=7.0, size=1024, batch=4096)
    # activations stay on chip (as between a network's layers): at a large batch the tensor cores, not the one
    # weight fetch from HBM, set the time
    bd = baseline_breakdown(config, 4096, include_weight_load=False, dram_activation_bits=0)
    assert bd.latency_ns == bd.compute_ns > bd.memory_ns  # the L2's activations next (A100 1.9x, H100 1.25x less)


@pytest.mark.parametrize("name", ["a100", "h100"])
def test_gpu_reads_a_batch_one_images_weights_once(name):
    # batch 1 counts images: ResNet-50's conv positions share one fetch of its 25.5 MB of int8 weights from HBM
    # (before 2026-12 each output position fetched them again: one HBM byte per MAC, 160 x the time)
    from cimsim.models import get_model, price_model
    config, model = preset(name, node_nm=7.0), get_model("resnet50")
    weight_ns = sum(op.parameters for op in model.static_ops) / config.baseline.dram_bandwidth_gbps
    assert price_model(config, model).baseline.memory_ns > weight_ns  # the L2's activations add (whitepaper rate)
    wide_l2 = replace(config, baseline=replace(config.baseline, sram_bandwidth_gbps=1e8))  # HBM alone
    assert weight_ns <= price_model(wide_l2, model).baseline.memory_ns < 1.5 * weight_ns


@pytest.mark.parametrize(("name", "lanes"), [("a100", 6912), ("h100", 8448)])
def test_gpu_runs_element_wise_work_on_its_own_lanes(name, lanes):
    # before 2026-12 a GPU's norms, softmax and activations ran on the CIM chip's 256-lane vector unit: 89 % (A100)
    # of its ResNet-50 time, and --vector-lanes, a CIM option, moved the GPU's figures 6-20x
    from cimsim.models import get_model, price_model
    from cimsim.models.ops import VectorOp
    config, model = preset(name, node_nm=7.0), get_model("resnet50")
    cycles = sum(v.elements_per_item * VectorUnit.element_cycles(v.kind) for v in model.of_type(VectorOp))
    narrow, wide = (price_model(config, model, vector_lanes=n).baseline for n in (256, 4096))
    assert narrow.latency_ns == wide.latency_ns  # the chip's lanes leave the GPU alone
    products = price_model(replace(config, baseline=replace(config.baseline, vector_lanes=None)), model,
                           vector_lanes=lanes).baseline  # the same lanes at the chip's clock, the old way
    vector_ns = cycles / lanes / config.baseline.clock_ghz
    assert narrow.latency_ns == pytest.approx(products.latency_ns - cycles / lanes / config.technology.clock_ghz
                                              + vector_ns, rel=1e-9)
    assert any(f"its own {lanes} lanes" in a for a in narrow.assumptions)


def test_a_networks_digital_work_on_a_gpu_and_the_leakage_the_report_states():
    # a network's vector work had run on the chip's 256 lanes on the GPU too; the CIM report's Leakage line had left
    # out the chip's vector unit (digits-mlp: 4987 uW stated, 21 666 uW priced)
    import re
    from pathlib import Path

    from cimsim.comparison import price_from_shapes
    from cimsim.config import load_config, with_overrides
    mlp = load_config(Path(__file__).resolve().parents[1] / "configs" / "digits-mlp.toml")
    cim, base = price_from_shapes(with_overrides(mlp, {"baseline.preset": "a100", "technology.node_nm": 7.0}))
    assert any("on the baseline on its own 6912 lanes at 1.41 GHz" in a for a in base.assumptions)
    pattern = r"^Leakage: ([0-9.e+]+) uW|units leak ([0-9.e+]+) uW on the chip"
    found = [pair for a in cim.assumptions for pair in re.findall(pattern, a)]
    assert len(found) == 2  # the chip's buffers and logic, and its vector unit
    stated_uw = sum(float(chip or unit) for chip, unit in found)
    assert cim.energy_pj["leakage"] / cim.latency_ns * 1e3 == pytest.approx(stated_uw, rel=2e-3)


@pytest.mark.parametrize("name", ["a100", "tpu-v1", "digital-accelerator"])
def test_a_networks_attention_is_priced_alike_from_a_file_and_from_its_shapes(name):
    # the network path had run attention's activation products on the vector unit (a GPU's INT32 lanes), the model
    # path on the MAC units: digits-vit on the A100 -12 % energy, TPU +42 %; the chip's MACs had left them out
    from pathlib import Path

    from cimsim.comparison import price_from_shapes
    from cimsim.config import load_config, with_overrides
    from cimsim.models import price_model
    from cimsim.models.from_network import model_from_network
    from cimsim.network import load_network
    root = Path(__file__).resolve().parents[1]
    config = with_overrides(load_config(root / "configs" / "digits-vit.toml"), {"baseline.preset": name})
    config = with_overrides(config, {"baseline.batch": 4})  # the A100 streams its weights: 4 samples to a fetch
    cim, base = price_from_shapes(config)
    model = price_model(config, model_from_network(load_network(root / "src/cimsim/data/digits_vit.npz")),
                        items=base.mvms)
    assert base.total_energy_pj == pytest.approx(model.baseline.total_energy_pj, rel=1e-9)
    assert base.throughput_items_per_s == pytest.approx(model.baseline.throughput_items_per_s, rel=1e-9)
    assert cim.macs == base.macs == model.cim.macs
    assert base.item_latency_ns == pytest.approx(model.baseline.item_latency_ns, rel=1e-9)
    # the A100 streams 4 samples to a fetch, the TPU's systolic array holds its weights for 4 at a time: they finish
    # together; the digital accelerator (output-stationary, weights on chip) runs each alone
    assert base.item_latency_ns == pytest.approx(base.interval_ns * (1 if name == "digital-accelerator" else 4),
                                                 rel=1e-9)


def test_a_part_filled_batch_is_said_as_such():
    # one image priced at baseline.batch 64 had been said to be fetched "once per batch of 64 images"
    from cimsim.models import get_model, price_model
    config = preset("a100", node_nm=7.0, batch=64)
    sentences = [[a for a in price_model(config, get_model("resnet50"), items=n).baseline.assumptions
                  if a.startswith("Model")][0] for n in (1, 64)]
    assert "once per batch of 1 image (baseline.batch 64: 1 priced)" in sentences[0]
    assert "once per batch of 64 images" in sentences[1] and "priced)" not in sentences[1]


def test_an_item_whose_vectors_take_several_fetches_is_said_as_such():
    # gpt2-small's prefill on the default design: the 512 KiB SRAM holds the inputs of 169 to 681 of a sequence's
    # 1024 tokens beside a layer's weights, so a layer is fetched 2 to 7 times a sequence; the model line had said
    # "once per batch of 1 sequence"
    from cimsim.config import load_config
    from cimsim.models import get_model, price_model
    config = load_config(Path(__file__).resolve().parents[1] / "configs" / "default.toml")

    def sentence(phase):
        base = price_model(config, get_model("gpt2-small", phase=phase), chips=2).baseline
        return [a for a in base.assumptions if a.startswith("Model")][0], base

    text, base = sentence("prefill")
    assert "once per batch of 1 sequence" in text and "again for each part of the batch's vectors" in text
    assert any("(2 to 7) fetches" in a for a in base.assumptions)
    assert "again for each part" not in sentence("decode")[0]  # a token: one vector, one fetch
    # a batch of 16 images of which a fetch serves 10.4 (a review: "once per batch of 16" beside layers' 2 fetches)
    images = price_model(config, get_model("resnet18"), items=16).baseline
    line = [a for a in images.assumptions if a.startswith("Model")][0]
    assert "once per batch of 16 images, and again for each part of the batch's vectors" in line
    assert "(10.4 images a fetch at the fewest" in line and any("(2 fetches)" in a for a in images.assumptions)


def test_kv_caches_that_do_not_fit_on_chip_are_in_the_baselines_dram():
    # TPU v1 (28 MiB on chip) decoding LLaMA-7B at 64 sequences had held their 34 GB of KV caches on chip
    from cimsim.models import get_model, price_model
    config, model = preset("tpu-v1", node_nm=28.0), get_model("llama-7b", phase="decode", seq_len=512)
    asked_sram, dram = (price_model(config, model, chips=66, items=8, sequences=8, kv_cache=place).baseline
                        for place in ("sram", "dram"))
    assert asked_sram.total_energy_pj == pytest.approx(dram.total_energy_pj, rel=1e-12)
    assert asked_sram.latency_ns == pytest.approx(dram.latency_ns, rel=1e-12)
    assert any("are in the baseline's DRAM: they do not fit in baseline.sram_kib" in a for a in asked_sram.assumptions)


def test_vectors_sharing_a_streamed_fetch_wait_for_their_batch():
    # the A100 at batch 64 had shown 10 ns as the latency of one vector of a 651 ns batch (latency / vectors)
    config = preset("a100", node_nm=7.0, size=1024, batch=64)
    streamed = baseline_breakdown(config, 128, include_weight_load=False)
    assert streamed.item_latency_ns == pytest.approx(streamed.latency_ns / 2, rel=1e-12)  # two batches of 64
    assert streamed.interval_ns == pytest.approx(streamed.latency_ns / 128, rel=1e-12)  # the rate is unchanged
    for vectors in (65, 129, 191):  # a last batch of fewer vectors: one waits for a whole batch of 64 all the same
        # (latency x 64 / vectors had charged it a share of the last batch's fetch: 65 vectors, 1.77x)
        run = baseline_breakdown(config, vectors, include_weight_load=False)
        assert run.item_latency_ns == pytest.approx(streamed.item_latency_ns, rel=1e-12)
        assert run.item_latency_ns < run.latency_ns * 64 / vectors
    resident = baseline_breakdown(preset("digital-accelerator", size=256), 128, include_weight_load=False)
    assert resident.item_latency_ns == pytest.approx(resident.latency_ns / 128, rel=1e-12)


@pytest.mark.parametrize(("name", "node_nm", "streams"), [("a100", 7.0, True), ("cpu", 45.0, False)])
def test_a_models_items_sharing_a_streamed_fetch_wait_for_their_batch(name, node_nm, streams):
    # a model's baseline had stated latency / items as one image's latency, where a batch's images share each streamed
    # fetch and finish together (the A100 at batch 8: 16.5 us of a 132 us batch); ResNet-50 stays on the CPU's chip
    from cimsim.models import get_model, price_model
    for model, options in ((get_model("resnet50"), {}),
                           (get_model("gpt2-small", phase="decode", seq_len=128), {"sequences": 16})):
        base = price_model(preset(name, node_nm=node_nm, batch=8), model, items=32, chips=200, **options).baseline
        assert base.interval_ns == pytest.approx(base.latency_ns / 32, rel=1e-12)
        assert base.item_latency_ns == pytest.approx(base.interval_ns * (8 if streams else 1), rel=1e-12)


# --- a preset is fixed hardware: its MAC array keeps its native width whatever the workload's operands ---

@pytest.mark.parametrize("name", ["tpu-v1", "cpu"])
def test_preset_mac_area_is_priced_at_its_native_operand_width(name):
    areas = [baseline_breakdown(preset(name, bits=bits, size=1024), 1024, include_weight_load=False).area_um2
             for bits in (4, 8, 16)]
    # 4-bit operands had shrunk the TPU's MAC array (37.7 -> 13.7 mm2), 16-bit ones had grown it to 129 mm2
    # while the quarter rate was also applied
    for key in ("mac_units", "register_file"):
        assert areas[0][key] == pytest.approx(areas[1][key]) and areas[2][key] == pytest.approx(areas[1][key])


def test_preset_without_a_wide_rate_is_as_wide_as_the_operands_it_runs_at_full_rate():
    # DaDianNao states no reduced 16-bit rate: its 4096 units run 16-bit operands at full rate, so they are 16 bits
    eight, sixteen = (baseline_breakdown(preset("dadiannao", bits=bits), 1, include_weight_load=False)
                      for bits in (8, 16))
    assert sixteen.area_um2["mac_units"] > 2 * eight.area_um2["mac_units"]
    assert sixteen.compute_ns == pytest.approx(eight.compute_ns)
    # narrower operands do not shrink fixed hardware below its 8-bit units
    four = baseline_breakdown(preset("dadiannao", bits=4), 1, include_weight_load=False)
    assert four.area_um2 == pytest.approx(eight.area_um2)


def test_a_baseline_of_fields_only_is_sized_to_the_workload():
    def area(bits):
        config = config_from_dict({"mapping": {"weight_bits": bits}, "dac": {"input_bits": bits}}, "t.toml")
        return baseline_breakdown(config, 1, include_weight_load=False).area_um2["mac_units"]
    assert area(4) < area(8) < area(16)


def test_cpu_energy_per_vector_never_rises_with_batch_at_65_nm():
    # 8192 x 8192 int8 streams through the 51 MiB SRAM (21.9 pJ/bit at 65 nm, 1.1 V > DDR4's 20.3): staging it
    # for the batch had cost 11.0, 23.2, 13.3 mJ per vector at batch 1, 2, 16 (dynamic energy); then it was fetched
    # per vector at every batch, 16x slower at batch 16 for more energy once the leakage over that time counts
    def run(batch):
        config = config_from_dict({
            "baseline": {"preset": "cpu", "batch": batch}, "technology": {"node_nm": 65.0, "vdd_v": 1.1},
            "workload": {"in_features": 8192, "out_features": 8192}}, "t.toml")
        return (baseline_breakdown(config, 64, include_weight_load=True),
                baseline_traffic(config, 64, include_weight_load=True))
    runs = {batch: run(batch) for batch in (1, 2, 16, 64)}
    energies = [bd.total_energy_pj / 64 for bd, _ in runs.values()]
    one = runs[1][0]
    assert (one.total_energy_pj - one.energy_pj["leakage"]) / 64 == pytest.approx(11.01e9, rel=1e-3)  # its events
    assert all(b <= a * (1 + 1e-12) for a, b in zip(energies, energies[1:])), energies
    assert [t.weights_direct for _, t in runs.values()] == [True, True, False, False]
    staged, fetched = runs[16][0], runs[2][0]
    assert staged.latency_ns < fetched.latency_ns / 10  # 5.31 against 84.3 ms
    # staged, more dynamic energy than fetching per vector, less once each plan's leakage over its time counts
    assert staged.total_energy_pj - staged.energy_pj["leakage"] > fetched.total_energy_pj - fetched.energy_pj["leakage"]
    assert staged.total_energy_pj < fetched.total_energy_pj


def test_each_output_stationary_batch_is_staged_on_its_own_merits():
    # the cpu preset at 65 nm on 8192 x 8192 int8, batch 16: one vector past a batch had made the run fetch every
    # vector's weights again (17 vectors 22.4 ms against 1.33 ms for 16); the whole batch is staged and the last
    # vector, too few for staging to pay, fetches its own
    def run(vectors):
        config = config_from_dict({
            "baseline": {"preset": "cpu", "batch": 16}, "technology": {"node_nm": 65.0, "vdd_v": 1.1},
            "workload": {"in_features": 8192, "out_features": 8192}}, "t.toml")
        return (baseline_breakdown(config, vectors, include_weight_load=False),
                baseline_traffic(config, vectors, include_weight_load=False))
    (batch, batch_t), (more, more_t), (one, one_t) = run(16), run(17), run(1)
    assert not batch_t.weights_direct and batch_t.weight_fetches == 1 and one_t.weights_direct
    assert not more_t.weights_direct and more_t.last_batch_direct and more_t.weight_fetches == 2
    weight_bits = 8192 * 8192 * 8
    assert more_t.sram_weight_write_bits == weight_bits and more_t.sram_weight_read_bits == 16 * weight_bits
    assert more.latency_ns == pytest.approx(batch.latency_ns + one.latency_ns, rel=0.01)  # 2.64 ms: the two apart
    assert more.total_energy_pj == pytest.approx(batch.total_energy_pj + one.total_energy_pj, rel=0.01)
    assert more.item_latency_ns == pytest.approx(batch.latency_ns, rel=1e-12)
    assert any("once per batch of 16 vectors (2 fetches: 1 for the whole batches), through the SRAM" in a
               and "the last batch's 1 vector(s) fetch them for each vector straight into the MAC registers" in a
               for a in more.assumptions)
    assert any("once per vector, except by the last batch's, which fetch their own from DRAM" in a
               for a in more.assumptions)
    assert not any("except by the last batch's" in a for a in batch.assumptions)


@pytest.mark.parametrize("sram_gbps, staged", [(None, True), (100.0, False)])
def test_a_board_power_baseline_stages_where_that_takes_less_time(sram_gbps, staged):
    # the h100 at 130 nm, output-stationary, 8192 x 8192, batch 64: its energy is board power x time, which the
    # choice had not seen (fetched per vector: 1283 us where staging takes 381 us); an on-chip memory of 100 GB/s
    # makes staging the slower plan
    baseline = {"preset": "h100", "batch": 64, "dataflow": "output_stationary"}
    if sram_gbps:
        baseline["sram_bandwidth_gbps"] = sram_gbps
    config = config_from_dict({"baseline": baseline, "workload": {"in_features": 8192, "out_features": 8192},
                               "technology": {"node_nm": 130.0}}, "t.toml")
    chosen = baseline_breakdown(config, 64, include_weight_load=False)
    assert baseline_traffic(config, 64, include_weight_load=False).weights_direct == (not staged)
    other = baseline_breakdown(replace(config, baseline=replace(config.baseline, batch=1)), 64,
                               include_weight_load=False)  # batch 1: every vector fetches its own
    assert (chosen.latency_ns < other.latency_ns) == staged and chosen.latency_ns <= other.latency_ns
    assert any("would save no energy over fetching it again for each vector (board power over each plan's "
               "time)" in a for a in chosen.assumptions) == (not staged)


def test_tpu_is_a_256_by_256_array_and_its_weight_memory_8_gib():
    # Jouppi et al. ISCA 2017 Sec. 2: the array had taken a layer's shape, 4096 x 16 for a 4096-input layer, so each
    # input was read once per 16 outputs (LLaMA-7B prefill on 66 chips: 10,000 Gbit of input reads, 3.93 s a prompt)
    config = preset("tpu-v1", node_nm=28.0, size=4096)
    t = baseline_traffic(config, 200, include_weight_load=False)
    plan_acc = 8 + 8 + 12  # accumulator bits of a 4096-input layer
    assert t.sram_activation_read_bits == 200 * 4096 * (8 * 16 + plan_acc)  # each input once per 256 outputs
    assert t.sram_partial_sum_read_bits == 200 * 4096 * 15 * plan_acc  # T = 16 input tiles
    assert any("(256 x 256 MACs, baseline.array_rows)" in a
               for a in baseline_breakdown(config, 200, include_weight_load=False).assumptions)
    # 8 GiB DDR3 Weight Memory: a model and KV caches above it are refused, as on the GPU presets
    from cimsim.config import with_overrides
    from cimsim.errors import ConfigError
    from cimsim.models import get_model, price_model
    assert config.baseline.dram_gb * 1e9 == 8 * 2**30
    model = get_model("llama-7b", phase="decode")
    price_model(config, model, chips=66, kv_cache="dram")
    with pytest.raises(ConfigError, match=r"KV caches of 64 sequence\(s\).*'baseline.dram_gb' \(8.58993 GB: the value "
                                          r"baseline preset 'tpu-v1' sets\)"):  # (the file named may be another's)
        price_model(config, model, chips=66, items=64, sequences=64, kv_cache="dram")
    with pytest.raises(ConfigError, match=r"'baseline.dram_gb' \(9 GB\)$"):  # a value of its own: no preset named
        price_model(with_overrides(config, {"baseline.dram_gb": 9.0}), model, chips=66, items=64, sequences=64,
                    kv_cache="dram")


def test_a_networks_attention_reads_both_operands_at_the_activation_width():
    """the network-file path had priced attention's K and V at the weight width (digits-vit with 16-bit inputs:
    0.916 of the model path's baseline energy)"""
    from pathlib import Path

    from cimsim.comparison import price_from_shapes
    from cimsim.config import load_config, with_overrides
    from cimsim.models import price_model
    from cimsim.models.from_network import model_from_network
    from cimsim.network import load_network
    root = Path(__file__).resolve().parents[1]
    config = with_overrides(load_config(root / "configs" / "digits-vit.toml"),
                            {"baseline.preset": "tpu-v1", "dac.input_bits": 16})
    _, base = price_from_shapes(config)
    model = price_model(config, model_from_network(load_network(root / "src/cimsim/data/digits_vit.npz")),
                        items=base.mvms)
    assert base.total_energy_pj == pytest.approx(model.baseline.total_energy_pj, rel=1e-9)


@pytest.mark.parametrize("name", ["a100", "h100"])
def test_a_gpus_80_gb_is_80_gib(name):
    """the cards' "80 GB" is a binary capacity, as their L2's "40 MB" / "50 MB" (read as MiB) and tpu-v1's 8 GiB;
    dram_gb = 80.0 had held 80e9 bytes, 6.9 % short"""
    assert preset(name).baseline.dram_gb * 1e9 == pytest.approx(80 * 2**30, rel=1e-12)


def test_a_board_power_baseline_says_its_node_prices_the_dynamic_view_only():
    # an a100 baseline's line had said "Digital baseline at 32 nm, 0.9 V" over an energy that is board power x time
    from cimsim import estimate

    said = {preset: next(a for a in estimate("configs/default.toml", {"baseline.preset": preset}).baseline.assumptions
                         if a.startswith("Digital baseline")) for preset in ("a100", "digital-accelerator")}
    assert said["a100"].startswith("Digital baseline (at 32 nm, 0.9 V of [technology]: the per-event energies of the "
                                   "dynamic view beside the board-power energy):")
    assert said["digital-accelerator"].startswith("Digital baseline at 32 nm, 0.9 V:")


def test_a_kv_cache_in_dram_says_each_chip_has_a_channel_of_its_own():
    # the line had said "DRAM energy and bandwidth of baseline.dram": 66 chips' channels read as the baseline's one
    # (a probe: llama-7b's CIM side read 7.8 TB/s of KV cache against one A100's 2039 GB/s)
    from cimsim.config import Config, with_overrides
    from cimsim.models import get_model, price_model

    config = with_overrides(Config(), {"baseline.preset": "a100"})
    model = get_model("gpt2-small", phase="decode")
    for options, reading in (({"chips": 2}, 1), ({"reload_weights": True}, 1)):  # gpt2-small's 2nd chip: its head
        cim = price_model(config, model, kv_cache="dram", **options).cim  # (a review: chips without attention and a
        line = next(a for a in cim.assumptions if a.startswith("KV cache in dram"))  # reloaded run had counted)
        assert (f"each of the {reading} chip(s) that hold attention on a channel of its own: {reading * 2039:g} GB/s "
                "in all against the baseline's one") in line, line
    llama = price_model(config, get_model("llama-7b", phase="decode"), chips=66, kv_cache="dram").cim
    line = next(a for a in llama.assumptions if a.startswith("KV cache in dram"))
    assert "each of the 32 chip(s) that hold attention" in line, line


def test_a_streaming_baseline_says_why_its_kv_caches_are_in_dram():
    # an a100 baseline's caches (gpt2-small's 18.9 MB against its 40 MiB L2) had been said not to fit there; its
    # weight_streaming dataflow keeps nothing on chip (a probe)
    from cimsim.config import Config, with_overrides
    from cimsim.models import get_model, price_model

    config = with_overrides(Config(), {"baseline.preset": "a100"})
    base = price_model(config, get_model("gpt2-small", phase="decode"), chips=2).baseline
    said = " ".join(base.assumptions)
    assert "in the baseline's DRAM: its weight_streaming dataflow keeps no weight or KV cache on chip." in said
    assert "do not fit in baseline.sram_kib" not in said


def test_a_streaming_baseline_s_unbatched_decode_refetches_every_layer():
    # its line had said a layer larger than its on-chip memory is refetched (the others once), where a weight-
    # streaming GPU refetches every layer's weights per batch (a review)
    import warnings

    from cimsim.config import Config, with_overrides
    from cimsim.models import get_model, price_model

    config = with_overrides(Config(), {"baseline.preset": "a100"})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        base = price_model(config, get_model("gpt2-small", phase="decode"), chips=2, items=8, sequences=8).baseline
    assert "so it fetches every layer's weights 8 times a step: set baseline.batch = 8" in " ".join(base.assumptions)


def test_gpu_l2_bandwidths_follow_the_a100_whitepaper():
    # GA100 whitepaper p. 35: "The A100 L2 read bandwidth is 5120 Bytes/clk", 80 slices of 512 KB; the H100 takes the
    # A100's per SM and clock (NVIDIA states none); both had been an assumed 10 x HBM (2.8x and 2.9x these)
    a100, h100 = (preset(name).baseline for name in ("a100", "h100"))
    assert a100.sram_bandwidth_gbps == pytest.approx(5120 * a100.clock_ghz)
    assert (a100.onchip_banks, a100.sram_kib / a100.onchip_banks) == (80, 512)
    assert h100.sram_bandwidth_gbps == pytest.approx(5120 / 108 * 132 * h100.clock_ghz, abs=0.05)


def test_peak_rates_refuse_a_wide_rate_above_the_8_bit_one():
    """peak_tops had priced a table's 16-bit peak at 100000 wide MACs a cycle (200 TOPS, the 8-bit one 0.512) where
    baseline_breakdown refused it: the table's cross-field rules hold for every entry point"""
    from cimsim.errors import ConfigError
    wide = replace(preset("cpu").baseline, preset=None, wide_macs_per_cycle=10 ** 6)
    with pytest.raises(ConfigError, match=r"'baseline.wide_macs_per_cycle' \(1000000\) must not exceed"):
        peak_tops(wide, 16)


def test_a_presets_die_with_changed_parts_is_that_die_with_them_repriced():
    """a GPU's L2 doubled had dropped its published die (826 mm2) for its parts alone (294 mm2): its area fell as its
    memory grew (a baseline probe); the change in the parts is priced onto the die, scaled by die / parts where the
    preset's parts priced at the node exceed its die (a review: at 130 nm one KiB more had made 826 mm2 3342), and
    said; the die holds its units (a vector unit's area is not added to it: a review)"""
    areas = {}
    for kib in (20480.0, 40960.0, 81920.0):
        bd = baseline_breakdown(preset("a100", sram_kib=kib), 1, include_weight_load=False)
        areas[kib] = sum(bd.area_um2.values()) / 1e6
    assert areas[20480.0] < areas[40960.0] == 826.0 < areas[81920.0]
    parts = {}  # the parts alone: a baseline of the same fields, no preset, no die
    for kib in (40960.0, 81920.0):
        own = preset("a100", sram_kib=kib)
        own = replace(own, baseline=replace(own.baseline, preset=None, die_area_mm2=None))
        parts[kib] = sum(baseline_breakdown(own, 1, include_weight_load=False).area_um2.values()) / 1e6
    assert parts[40960.0] < 826.0  # at 32 nm the A100's parts lie within its die: the change itself is added
    assert areas[81920.0] == pytest.approx(826.0 + parts[81920.0] - parts[40960.0], rel=1e-12)
    line = next(a for a in baseline_breakdown(preset("a100", sram_kib=81920.0), 1,
                                              include_weight_load=False).assumptions if "Area" in a)
    assert line == ("Area is the published die area of a100, 826 mm2, with the change in the parts this config "
                    "changes (sram_kib 40960 -> 81920) priced at cimsim's laws (its units inside it): "
                    f"{areas[81920.0]:.4g} mm2.")
    old = [sum(baseline_breakdown(preset("a100", node_nm=130.0, sram_kib=kib), 1, include_weight_load=False)
               .area_um2.values()) / 1e6 for kib in (40959.0, 40960.0, 40961.0, 81920.0)]
    assert old[0] < old[1] == 826.0 < old[2] < old[3] < 2 * 826.0  # parts above the die: the change scaled to it
    for name, macs in (("a100", 221184), ("h100", 540672)):  # 16-bit work: the loader drops the wide rate with the
        widths = [sum(baseline_breakdown(preset(name, bits=16, macs_per_cycle=m), 1, include_weight_load=False)  # MAC
                      .area_um2.values()) for m in (macs // 2, macs - 1, macs, macs + 1)]  # count, whose units' widths
        assert widths[0] < widths[1] <= widths[2] <= widths[3]  # the die holds (one MAC more had priced 1600 mm2)
    from cimsim.models import get_model, price_model
    model = price_model(preset("a100", sram_kib=81920.0), get_model("resnet18"), chips=200).baseline
    assert model.area_um2 == {"die": pytest.approx(areas[81920.0] * 1e6, rel=1e-12)}  # (no vector unit beside it)
    lanes = baseline_breakdown(preset("h100", vector_lanes=8449), 1, include_weight_load=False)
    assert lanes.area_um2 == {"die": 814e6} and any("changes none of the parts its area prices" in a
                                                    for a in lanes.assumptions)


def test_a_baselines_area_says_what_it_covers():
    """a baseline of priced parts (cpu: 662 mm2 die in its source, tens of mm2 priced) says what it leaves out; a
    published die says so; the report says outputs leave at their sums' width, and a preset's fixed units wider than
    its work as such (the digital-accelerator preset's description says 32-bit accumulators, its report had said 24)"""
    cpu = baseline_breakdown(preset("cpu"), 1, include_weight_load=False)
    priced = sum(cpu.area_um2.values()) / 1e6
    assert any(a.startswith(f"Area is the parts priced, {priced:.4g} mm2") and "baseline.die_area_mm2" in a
               for a in cpu.assumptions)
    gpu = baseline_breakdown(preset("a100"), 1, include_weight_load=False)
    assert "Area is the published die area, 826 mm2." in gpu.assumptions
    assert any("Outputs move at their sums' 24 bits (not requantised to 8)." in a for a in cpu.assumptions)
    assert any("24-bit sums (on the preset's fixed 8 x 8-bit units with 32-bit accumulators, which its area counts)"
               in a for a in cpu.assumptions)
    fields = preset("cpu", macs_per_cycle=64)  # a preset's fields restated: a baseline built to the workload
    own = replace(fields, baseline=replace(fields.baseline, preset=None))
    line = next(a for a in baseline_breakdown(own, 1, include_weight_load=False).assumptions
                if a.startswith("Digital baseline"))
    assert line.endswith("24-bit sums.")
    line = next(a for a in baseline_breakdown(preset("a100"), 1, include_weight_load=False).assumptions
                if a.startswith("Digital baseline"))  # a published die's area counts no units
    assert "fixed" not in line and line.endswith("24-bit sums."), line
    line = next(a for a in baseline_breakdown(preset("cpu", bits=16), 1, include_weight_load=False).assumptions
                if a.startswith("Digital baseline"))  # 16-bit work at the wide rate on the 8 x 8-bit units
    assert line.endswith("40-bit sums (on the preset's fixed 8 x 8-bit units with 32-bit accumulators, which its area "
                         "counts)."), line
    line = next(a for a in baseline_breakdown(preset("dadiannao"), 1, include_weight_load=False).assumptions
                if a.startswith("Digital baseline"))  # no wide rate, 8-bit work: its area counts 8 x 8-bit units
    assert line.endswith("(on the preset's 8 x 8-bit units with 32-bit accumulators, the narrowest it is built with, "
                         "which its area counts)."), line
    line = next(a for a in baseline_breakdown(preset("dadiannao", bits=16), 1, include_weight_load=False).assumptions
                if a.startswith("Digital baseline"))  # 16-bit work at full rate: units that wide, as the work
    assert "fixed" not in line, line


@pytest.mark.parametrize("name", ["dadiannao", "digital-accelerator"])
def test_a_preset_without_a_wide_rate_is_never_narrower_than_8_by_8_bits(name):
    """its units are as wide as the work in each width, never below 8 x 8 bits with 32-bit accumulators: 16 x 4-bit
    work had been priced below 8 x 8-bit work, 9-bit work on 26-bit accumulators, 33-bit sums on 32 (review,
    2026-12-05)"""
    def area(weight_bits, input_bits, inputs=256):
        config = config_from_dict({"baseline": {"preset": name}, "technology": {"node_nm": 28.0, "vdd_v": 0.9},
                                   "mapping": {"weight_bits": weight_bits}, "dac": {"input_bits": input_bits},
                                   "array": {"rows_per_read": 64},
                                   "workload": {"in_features": inputs, "out_features": 256}}, "t.toml")
        return sum(baseline_breakdown(config, 1, include_weight_load=False).area_um2.values())

    eight = area(8, 8)
    assert area(4, 4) == eight < area(9, 9) < area(16, 16) and eight < area(16, 4) < area(16, 16)
    config = config_from_dict({"baseline": {"preset": name}, "mapping": {"weight_bits": 16}, "dac": {"input_bits": 4},
                               "array": {"rows_per_read": 64}}, "t.toml")
    line = next(a for a in baseline_breakdown(config, 1, include_weight_load=False).assumptions
                if a.startswith("Digital baseline"))
    assert line.endswith("(on the preset's units, as wide as the work and at least 8 x 8-bit units with 32-bit "
                         "accumulators: here 16 x 8-bit units with 32-bit accumulators, which its area counts)."), line
    assert area(8, 8, 100_000) > area(8, 8, 60_000) == eight  # 33-bit sums: 33-bit accumulators
