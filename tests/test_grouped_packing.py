"""A grouped convolution packed block-diagonally, one crossbar per packed block (cimsim.packing,
cimsim.numerics.grouped), alike in the functional core, `cimsim estimate` and price-model."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import cimsim
from cimsim.api import as_config
from cimsim.config import with_overrides
from cimsim.models import price_model
from cimsim.models.from_network import model_from_network
from cimsim.network import Conv2d, Flatten, Network, save_network
from cimsim.network.layers import grouped_matrix
from cimsim.numerics import build_crossbar
from cimsim.numerics.grouped import GroupedCrossbar
from cimsim.packing import block_spans, packed_layer
from test_numerics import make_config

DEFAULT = Path(__file__).resolve().parents[1] / "configs" / "default.toml"


def _noisy(rows=32):
    """9-input groups on arrays of ``rows`` rows (3 groups a block at 32), programming error and read noise"""
    config = make_config(rows=rows, cols=128, rows_per_read=rows, in_features=72, out_features=8, adc_bits=6)
    return with_overrides(config, {"device.program_sigma": 0.05, "device.read_noise_sigma": 0.02})


def _depthwise(groups=8, seed=0):
    """(block-diagonal matrix of a depthwise 3 x 3 conv of ``groups`` channels, 40 im2col rows)"""
    rng = np.random.default_rng(seed)
    return grouped_matrix(rng.normal(size=(groups, 1, 3, 3)), groups), rng.uniform(-1, 1, (40, 9 * groups))


def test_each_packed_block_is_the_crossbar_of_its_groups_alone():
    """8 groups of 9 rows on 32-row arrays: blocks of 3, 3 and 2 groups, each the crossbar (key (*key, k)) of its
    groups' block-diagonal matrix reading its groups' inputs only, output for output"""
    config, (w, x) = _noisy(), _depthwise()
    grouped = GroupedCrossbar(config, 72, 8, 8, key=(5, 1))
    grouped.program(w)
    assert grouped.spans == block_spans(config, 9, 1, 8) == [(0, 3), (3, 6), (6, 8)]
    assert grouped.plan == packed_layer(config, 9, 1, 8)[0] and grouped.plan.replication == 3
    y, reference = grouped.mvm(x), grouped.digital_reference(x)
    for k, (a, b) in enumerate(grouped.spans):
        alone = build_crossbar(config, 9 * (b - a), b - a, key=(5, 1, k))
        alone.program(w[a:b, 9 * a:9 * b])
        assert np.array_equal(y[:, a:b], alone.mvm(x[:, 9 * a:9 * b]))
        assert np.array_equal(reference[:, a:b], alone.digital_reference(x[:, 9 * a:9 * b]))
    assert not np.array_equal(y, reference)  # noisy: the test compares something
    counts = grouped.counts
    assert counts.mvms == 3 * 40 and counts.macs == 40 * 8 * 9  # every block reads every vector; the groups' MACs
    assert grouped.programming_counts.dram_read_bits == 8 * 9 * config.mapping.weight_bits  # not the zero cells


def test_one_block_is_the_layer_s_own_crossbar():
    """groups that fit one block: the crossbar of the whole matrix, keyed as an ungrouped layer's"""
    config, (w, x) = _noisy(rows=256), _depthwise()
    grouped, whole = GroupedCrossbar(config, 72, 8, 8, key=(2,)), build_crossbar(config, 72, 8, key=(2,))
    grouped.program(w)
    whole.program(w)
    assert len(grouped.blocks) == 1 and np.array_equal(grouped.mvm(x), whole.mvm(x))


def test_calls_chunks_and_refused_reads_leave_the_same_numbers():
    """the vectors in two calls read as in one; a refused call (a NaN in a later block's columns) advances no
    block; seek(0) reads again from the first vector"""
    config, (w, x) = _noisy(), _depthwise()
    one, two = (GroupedCrossbar(config, 72, 8, 8) for _ in range(2))
    one.program(w)
    two.program(w)
    whole = one.mvm(x)
    bad = x[:3].copy()
    bad[1, -1] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        two.mvm(bad)
    assert np.array_equal(np.vstack([two.mvm(x[:17]), two.mvm(x[17])[None], two.mvm(x[18:])]), whole)
    two.seek(0)
    assert np.array_equal(two.mvm(x), whole)
    with pytest.raises(ValueError, match="grouped matrix"):
        one.program(w[:, :9])


def _network_config(tmp_path, channels: int, preset: str, samples: int = 4):
    """(config, network, inputs) of a depthwise 3 x 3 conv of ``channels`` channels on 6 x 6 maps, ``samples``
    samples in files under ``tmp_path``"""
    rng = np.random.default_rng(1)
    net = Network((Conv2d(rng.normal(size=(channels, 1, 3, 3)), padding=1, groups=channels), Flatten()),
                  (channels, 6, 6))
    x = rng.uniform(-1, 1, (samples, channels, 6, 6))
    save_network(net, tmp_path / f"dw{channels}.npz")
    np.savez(tmp_path / f"x{channels}.npz", x=x, y=np.zeros(samples, int))
    return as_config(DEFAULT, {
        "device.preset": preset, "workload.kind": "network", "workload.vectors": samples,
        "workload.network_file": str(tmp_path / f"dw{channels}.npz"), "workload.dataset": "file",
        "workload.dataset_file": str(tmp_path / f"x{channels}.npz")}), net, x


def test_a_run_estimate_and_price_model_price_the_packed_blocks_alike(tmp_path):
    """64 depthwise channels on 256-row arrays: 28 a block, 3 blocks (the last of 8). `cimsim compare` (measured
    counts), `cimsim estimate` (analytic) and price-model price the same arrays and energy (estimate had priced the
    64 x 576 block-diagonal matrix whole: 49.3 against 43.6 uJ an inference on 64 x 32 x 32 maps, MobileNetV2 at
    64 x 64 538 against 96.6 mm2)"""
    config, net, x = _network_config(tmp_path, 64, "ideal")
    run, estimate = cimsim.compare(config).cim, cimsim.estimate(config).cim
    priced = price_model(config, model_from_network(net, inputs=x), items=len(x)).cim
    assert run.area_um2 == estimate.area_um2 == priced.area_um2
    assert run.macs == estimate.macs == priced.macs == len(x) * 36 * 64 * 9
    total = {name: sum(b.energy_pj.values()) for name, b in (("run", run), ("estimate", estimate), ("priced", priced))}
    assert total["estimate"] == pytest.approx(total["priced"], rel=1e-4)  # their input samples differ
    assert total["run"] == pytest.approx(total["estimate"], rel=1e-3)  # measured codes against sampled ones


def test_a_depthwise_conv_s_error_does_not_grow_with_its_blocks(tmp_path):
    """on the rram preset, 512 channels (19 blocks) err as 128 (5 blocks) do: each output reads its block's rows
    only (the whole block-diagonal matrix had summed every row tile: relative error 2.32 at 128, 5.66 at 512)"""
    errors = [cimsim.simulate(_network_config(tmp_path, n, "rram")[0]).vs_float.relative_error
              for n in (128, 512)]
    assert errors[1] < 1.2 * errors[0] and errors[0] < 1.5


def test_reports_show_a_grouped_layer_as_its_matrix_in_packed_blocks(tmp_path):
    """the workload table, the JSON mapping and the chip's copies line had shown the first packed block (28 x 252)
    as the layer, 3x its products per sample and its blocks as copies of its weights"""
    from cimsim.report import comparison_markdown
    from cimsim.report_json import comparison_dict

    config, _, _ = _network_config(tmp_path, 64, "ideal")
    comparison = cimsim.compare(with_overrides(config, {"mapping.replication": 2}))
    text = comparison_markdown(comparison)
    assert "| 0 | 64 x 576 (64 groups in 3 packed blocks of 28 x 252) | 36 | 6 | 2 | 1 x 1 |" in text, text
    assert "copies of each layer's weights [2] (grouped layers in packed blocks: [3])" in text
    layer = comparison_dict(comparison)["mapping"]["layers"][0]
    assert (layer["groups"], layer["packed_blocks"], layer["matrix_in_features"], layer["in_features"]) == (
        64, 3, 576, 252)
