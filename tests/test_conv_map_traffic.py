"""A convolution reads its input map from the global buffer, each value once (its windows formed in its tiles), on
the network path (``comparison.price_network``) and the shapes path (``models.price_model``) alike: the probe of
2026-12-05 found a 3 x 3 conv's global-buffer reads and NoC traffic at its im2col size, 9x the map, and the buffer
written with 9x the bits DRAM delivered (digits-cnn: 13 706 pJ of global buffer per inference against 4 909)."""

import math

import numpy as np
import pytest

from cimsim.analytic import analytic_counts
from cimsim.comparison import price_network
from cimsim.config import Config
from cimsim.cost.parameters import cim_parameters
from cimsim.mapping import plan_layer
from cimsim.models import price_model
from cimsim.models.from_network import model_from_network
from cimsim.models.ops import MatrixOp
from cimsim.network import Conv2d, Dense, Flatten, Network, ReLU

RNG = np.random.default_rng(5)


def network(kernel: int, stride: int = 1, groups: int = 1) -> Network:
    """a conv of 4 -> 8 channels over a 4 x 8 x 8 input (padding keeping the map where stride is 1), a dense head"""
    conv = Conv2d(RNG.standard_normal((8, 4 // groups, kernel, kernel)), stride=stride, padding=kernel // 2,
                  groups=groups)
    side = (8 + 2 * (kernel // 2) - kernel) // stride + 1
    return Network((conv, ReLU(), Flatten(), Dense(RNG.standard_normal((10, 8 * side * side)))), (4, 8, 8))


def global_buffer_pj(net: Network, config: Config, samples: int = 3) -> tuple[float, float]:
    """(global buffer energy per item of the network path, of the shapes path)"""
    layers = [(plan, analytic_counts(plan, samples * shape.rows_per_sample)) for shape in net.matrix_shapes()
              for plan in [plan_layer(config, shape.in_features, shape.out_features)]]
    cim, _ = price_network(config, layers, samples, math.prod(net.input_shape), math.prod(net.output_shape),
                           include_weight_load=False, network=net)
    model = price_model(config, model_from_network(net), items=samples).cim
    return cim.energy_pj["global_buffer"] / samples, model.energy_pj["global_buffer"] / samples


def expected_pj(net: Network, config: Config, conv_read_values: int) -> float:
    """the input map written from DRAM and read by the conv, the conv's output written and read by the head, the
    head's output written and read out to DRAM (at accumulator width), at the global buffer's energies per bit"""
    shapes = net.matrix_shapes()
    conv_plan, head_plan = (plan_layer(config, s.in_features, s.out_features) for s in shapes)
    p = cim_parameters(config, conv_plan)
    bits, maps = config.dac.input_bits, math.prod(net.input_shape)
    between = shapes[0].rows_per_sample * shapes[0].out_features * bits
    out = shapes[1].out_features * head_plan.accumulator_bits
    writes, reads = maps * bits + between + out, conv_read_values * bits + between + out
    return writes * p.global_buffer_write_energy_pj_per_bit + reads * p.global_buffer_read_energy_pj_per_bit


@pytest.mark.parametrize("kernel", [1, 3, 5])
def test_a_conv_reads_its_input_map_once_from_the_global_buffer(kernel):
    config, net = Config(), network(kernel)
    want = expected_pj(net, config, math.prod(net.input_shape))
    assert global_buffer_pj(net, config) == pytest.approx((want, want), rel=1e-9)


def test_a_strided_one_by_one_conv_reads_only_the_values_its_windows_meet():
    config, net = Config(), network(1, stride=2)  # 4 x 4 positions of the 8 x 8 map: a quarter of its values
    want = expected_pj(net, config, math.prod(net.input_shape) // 4)
    assert global_buffer_pj(net, config) == pytest.approx((want, want), rel=1e-9)


def test_a_map_padded_or_dilated_by_layers_of_its_own_is_read_as_its_stored_values():
    """a transposed conv, imported as Dilate + Pad + conv, reads its input map from the global buffer, not the
    dilated one with its inserted zeros (ConvTranspose2d(16, 8, 2, stride 2) on 16 x 4 x 4: 256 values, not 1296;
    review, 2026-12-05); both routes and the baseline hold the same count"""
    from cimsim.network import Dilate, Pad

    conv = Conv2d(RNG.standard_normal((8, 16, 2, 2)))
    net = Network((Dilate((1, 2, 2)), Pad((0, 1, 1, 0, 1, 1)), conv), (16, 4, 4))
    assert net.shapes()[2] == (16, 9, 9) and net.held_value(2) == 0 and net.held_value(1) == 0
    assert net.matrix_input_values() == [16 * 4 * 4]
    assert next(model_from_network(net).of_type(MatrixOp)).input_elements_per_item == 256


def test_reshapes_and_nearest_upsampling_are_read_through_and_a_shared_conv_reads_every_place():
    """a Reshape between the Pad and the conv (an ONNX file exported at batch 1) had bypassed the stored-values rule
    (1296 values for 256), a nearest Upsample's copies had been read from the global buffer (1024 for 256), and a conv
    shared at places of other map sizes had been charged its first place's share for every place (review,
    2026-12-05)"""
    from cimsim.network import Dilate, Pad, Reshape, Upsample

    conv = Conv2d(RNG.standard_normal((8, 16, 2, 2)))
    reshaped = Network((Dilate((1, 2, 2)), Pad((0, 1, 1, 0, 1, 1)), Reshape((1, 16, 9, 9)), Reshape((16, 9, 9)),
                        conv), (16, 4, 4))
    assert reshaped.matrix_input_values() == [256]
    upsampled = Network((Upsample((1, 2, 2)), Conv2d(RNG.standard_normal((8, 16, 3, 3)), padding=1)), (16, 4, 4))
    assert upsampled.matrix_input_values() == [256]
    shared = Conv2d(RNG.standard_normal((4, 4, 3, 3)), padding=1)
    two_sizes = Network((shared, Upsample((1, 2, 2)), shared), (4, 4, 4))  # the second place reads the 8 x 8 map
    assert two_sizes.matrix_input_values() == [4 * 4 * 4 + 4 * 4 * 4]  # the upsampled map: its stored 4 x 4 values
    config = Config()
    network_pj, model_pj = global_buffer_pj(two_sizes, config)
    assert network_pj == pytest.approx(model_pj, rel=1e-9)


@pytest.mark.parametrize("preset", ["digital-accelerator", "h100", "tpu-v1"])
def test_the_baselines_conv_writes_its_input_map_once_and_reads_each_window(preset):
    """the baseline had written every position's window into its on-chip memory (the im2col copy, 9x a 3 x 3 conv's
    map: 19.7 Mbit of writes for one ResNet-50 conv where its map is 1.6 Mbit; a baselines probe, 2026-12-06): the map
    is written once as it arrives, each position reading its k x k x C_in window; a dense layer is unchanged, and a
    share larger than the window (a strided 1 x 1 conv's) writes the window"""
    from cimsim.config import with_overrides
    from cimsim.cost.baseline import baseline_traffic
    from cimsim.models.baseline import product_config

    config = with_overrides(Config(), {"baseline.preset": preset})
    side, c_in, c_out, bits = 28, 16, 32, 8
    positions, n_in, map_bits = side * side, 9 * c_in, side * side * c_in * bits
    layer = product_config(config, n_in, c_out, positions)
    plan = plan_layer(layer)
    kinds = {"include_weight_load": True, "dram_activation_bits": 0}
    conv = baseline_traffic(layer, positions, held_input_bits=map_bits / positions, map_input_bits=map_bits / positions,
                            **kinds)
    dense = baseline_traffic(layer, positions, held_input_bits=map_bits / positions, **kinds)
    out_bits = positions * c_out * plan.accumulator_bits
    assert conv.sram_activation_write_bits == map_bits + out_bits and conv.map_bits_per_vector == map_bits / positions
    assert dense.sram_activation_write_bits == positions * n_in * bits + out_bits  # a dense vector's own inputs
    assert conv.sram_activation_read_bits == dense.sram_activation_read_bits  # the windows, read as gathered
    same = ("macs", "dram_weight_bits", "sram_weight_read_bits", "weight_fetches", "fetch_batch")
    assert {f: getattr(conv, f) for f in same} == {f: getattr(dense, f) for f in same}
    wider = baseline_traffic(layer, positions, map_input_bits=4 * n_in * bits, **kinds)
    assert wider.sram_activation_write_bits == dense.sram_activation_write_bits and wider.map_bits_per_vector is None


def test_only_a_plain_convs_vectors_write_its_map():
    """a routed expert's and a transposed conv's vectors are priced as their routed or real share: their inputs stay
    written per vector (the review of 2026-12-06 had found three routes pricing a routed expert three ways)"""
    from cimsim.models.baseline import conv_map_bits

    assert conv_map_bits(128.0, 1.0, 1.0) == 128.0
    assert conv_map_bits(None, 1.0, 1.0) is None
    assert conv_map_bits(128.0, 0.25, 1.0) is None and conv_map_bits(128.0, 1.0, 0.25) is None


@pytest.mark.parametrize("kernel, stride, groups", [(3, 1, 1), (3, 2, 1), (1, 2, 1), (5, 1, 1), (3, 1, 2), (3, 1, 4)])
@pytest.mark.parametrize("preset", [{"baseline.sram_kib": 4096.0}, {"baseline.preset": "tpu-v1"}])
def test_the_baselines_conv_map_is_priced_alike_on_the_network_and_shapes_routes(kernel, stride, groups, preset):
    """the baseline of a conv and its head, on the network path and as a model of the same network, component by
    component, its on-chip activation writes the map once (fewer than the im2col copy's where windows overlap); a
    grouped conv's blocks each move their share of its DRAM traffic on both routes (the network route's first block
    had moved all of it: tpu-v1's latency 1.15-1.44x the shapes route's; a review)"""
    from cimsim.config import with_overrides

    config, net, samples = with_overrides(Config(), preset), network(kernel, stride, groups), 3
    layers = [(plan, analytic_counts(plan, samples * shape.rows_per_sample)) for shape in net.matrix_shapes()
              for plan in [plan_layer(config, shape.in_features, shape.out_features)]]
    _, base = price_network(config, layers, samples, math.prod(net.input_shape), math.prod(net.output_shape),
                            include_weight_load=False, network=net)
    model = price_model(config, model_from_network(net), items=samples).baseline
    assert base.energy_pj == pytest.approx(model.energy_pj, rel=1e-9)
    assert base.latency_ns == pytest.approx(model.latency_ns, rel=1e-9)
    written = any("input map is written on chip once" in a for a in base.assumptions)
    assert written == (kernel > stride)  # windows overlap: the map is written once; a strided 1 x 1's windows do not


@pytest.mark.parametrize("preset", [{}, {"baseline.preset": "tpu-v1"}])
def test_a_depthwise_last_layers_output_leaves_at_a_groups_sum_width_on_both_routes(preset):
    """a network ending in a depthwise conv: the network route had priced its DRAM output at the packed plan's sum
    width (28 groups' 252 rows), the shapes route at a group's 9 (energy 1.09x, latency 1.14x; a review)"""
    import warnings

    from cimsim.comparison import price_from_shapes
    from cimsim.config import with_overrides

    net = Network((Conv2d(RNG.standard_normal((32, 16, 1, 1))), ReLU(),
                   Conv2d(RNG.standard_normal((32, 1, 3, 3)), padding=1, groups=32)), (16, 14, 14))
    config = with_overrides(Config(), {"workload.kind": "network", "workload.vectors": 4, **preset})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # (a network priced without its data: the notes say so)
        _, base = price_from_shapes(config, measured=False, network=net)
    model = price_model(config, model_from_network(net), items=4).baseline
    assert base.energy_pj == pytest.approx(model.energy_pj, rel=1e-9)
    assert base.latency_ns == pytest.approx(model.latency_ns, rel=1e-9)


@pytest.mark.parametrize("kernel, stride, groups", [(1, 1, 1), (3, 1, 1), (5, 1, 1), (3, 2, 1), (1, 2, 1), (3, 1, 2)])
def test_a_conv_writes_its_input_map_to_its_tiles_once_and_reads_every_window(kernel, stride, groups):
    """the tile buffers: a conv's map written once as it arrives (a line buffer), each window's inputs read from there
    per column tile, each output written and read out, on the network path and the shapes path alike (the tiles had
    been written every window's inputs, k x k times the map: resnet18's energy 6 % high)"""
    config, net, samples = Config(), network(kernel, stride, groups), 3
    layers = [(plan, analytic_counts(plan, samples * shape.rows_per_sample)) for shape in net.matrix_shapes()
              for plan in [plan_layer(config, shape.in_features, shape.out_features)]]
    cim, _ = price_network(config, layers, samples, math.prod(net.input_shape), math.prod(net.output_shape),
                           include_weight_load=False, network=net)
    model = price_model(config, model_from_network(net), items=samples).cim
    assert cim.energy_pj["buffers"] == pytest.approx(model.energy_pj["buffers"], rel=1e-9)
    if groups > 1:
        return
    p, bits = cim_parameters(config, layers[0][0]), config.dac.input_bits
    (conv, conv_counts), (head, head_counts) = layers
    windows = samples * net.matrix_shapes()[0].rows_per_sample
    conv_outputs = windows * conv.out_features * conv.accumulator_bits
    read_values = min(net.matrix_input_values()[0], windows // samples * conv.in_features)  # a strided 1 x 1's: fewer
    conv_writes = samples * read_values * bits + conv_outputs
    conv_reads = windows * conv.in_features * bits * conv.col_tiles + conv_outputs
    head_writes, head_reads = head_counts.buffer_write_bits, head_counts.buffer_read_bits
    want = ((conv_writes + head_writes) * p.buffer_write_energy_pj_per_bit
            + (conv_reads + head_reads) * p.buffer_read_energy_pj_per_bit)
    assert cim.energy_pj["buffers"] == pytest.approx(want, rel=1e-9)
    assert conv_counts.buffer_write_bits > conv_writes or kernel <= stride  # the windows' copies, overlapping


@pytest.mark.parametrize("share, pads, samples", [(0.25, (1, 0, 1, 0), 3), (0.3, (2, 0, 3, 0), 7),
                                                  (1.0, (1, 0, 1, 0), 3)])
def test_a_routed_expert_over_a_padded_map_moves_the_same_bits_on_both_routes(share, pads, samples):
    """an expert reading a map its Pad lengthened: its share of the map's values, whole ones, on both routes (the
    network route had taken the share unrounded, its window bits from the share-rounded vectors: buffers, global
    buffer and NoC 0.1-0.2 % apart; two reviews, 2026-12-06)"""
    from cimsim.network.movement import Pad

    net = Network((Dense(RNG.standard_normal((16, 16))), Pad(pads),
                   Dense(RNG.standard_normal((16, 16)), routed_fraction=share)), (8, 16))
    config = Config()
    layers = [(plan, analytic_counts(plan, samples * shape.rows_per_sample)) for shape in net.matrix_shapes()
              for plan in [plan_layer(config, shape.in_features, shape.out_features)]]
    cim, _ = price_network(config, layers, samples, math.prod(net.input_shape), math.prod(net.output_shape),
                           include_weight_load=False, network=net)
    model = price_model(config, model_from_network(net), items=samples).cim
    for part in ("buffers", "global_buffer", "noc"):
        assert cim.energy_pj[part] == pytest.approx(model.energy_pj[part], rel=1e-12), part
