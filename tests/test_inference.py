"""Trained networks on crossbars: exactness with ideal devices, degradation with noise, Monte Carlo."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from cimsim.cli import main
from cimsim.comparison import compare
from cimsim.config import load_config, with_overrides
from cimsim.inference import simulate_network
from cimsim.network import load_network
from cimsim.trials import Spread, run_trials, spreads

ROOT = Path(__file__).resolve().parents[1]
MLP = ROOT / "configs" / "digits-mlp.toml"
CNN = ROOT / "configs" / "digits-cnn.toml"


def config(path=MLP, **overrides):
    return with_overrides(load_config(path), overrides)


@pytest.mark.parametrize("path", [MLP, CNN])
def test_ideal_devices_and_lossless_adc_equal_the_quantised_network_exactly(path):
    cfg = config(path, **{"device.preset": "ideal", "adc.range": "max", "adc.bits": 16, "array.rows_per_read": 32,
                          "workload.vectors": 200})
    result = simulate_network(cfg)
    assert all(layer.vs_digital.error_sq == 0.0 for layer in result.layers)
    assert result.analog_accuracy == result.digital_accuracy
    stored = float(np.load(cfg.workload.network_file)["float_accuracy"])
    assert config(path).workload.vectors == 540
    full = simulate_network(config(path, **{"device.preset": "ideal"}))
    assert full.float_accuracy == stored


def test_accuracy_degrades_as_read_noise_grows():
    accuracies = []
    for sigma in (0.0, 0.05, 0.2, 0.5):
        cfg = config(**{"device.preset": "ideal", "device.read_noise_sigma": sigma, "simulation.trials": 3})
        accuracies.append(np.mean([r.analog_accuracy for r in run_trials(cfg)]))
    assert accuracies[0] >= accuracies[1] > accuracies[2] > accuracies[3]
    assert accuracies[3] < 0.8


def test_monte_carlo_trials_differ_and_are_reproducible():
    cfg = config(**{"device.preset": "pcm", "simulation.trials": 4, "workload.vectors": 300})
    first, again = run_trials(cfg), run_trials(cfg)
    acc = [r.analog_accuracy for r in first]
    assert acc == [r.analog_accuracy for r in again]
    assert len(set(acc)) > 1
    spread = spreads(first)["analog_accuracy"]
    assert spread.worst == min(acc) and spread.std > 0
    assert spread.mean == pytest.approx(np.mean(acc))
    same = Spread((44.91,) * 7, True)  # np.std gives 7.7e-15: rounding, not a spread
    assert same.std == 0.0 and Spread((1.0, 2.0), True).std == pytest.approx(0.5 ** 0.5)


def test_layers_use_their_own_random_streams():
    cfg = config(**{"device.preset": "pcm", "workload.vectors": 50})
    result = simulate_network(cfg)
    assert result.layers[0].vs_digital.relative_error != result.layers[1].vs_digital.relative_error


def test_network_counts_and_cost_cover_every_layer():
    cfg = config(CNN, **{"workload.vectors": 20})
    comp = compare(cfg)
    network = load_network(cfg.workload.network_file)
    shapes = network.matrix_shapes()
    for layer, shape in zip(comp.run.layers, shapes):
        assert layer.counts.mvms == 20 * shape.rows_per_sample
        assert layer.counts.macs == 20 * shape.rows_per_sample * shape.in_features * shape.out_features
    assert comp.cim.mvms == comp.baseline.mvms == 20
    assert comp.cim.macs == comp.baseline.macs == sum(l.counts.macs for l in comp.run.layers)
    # only the network input (8x8 pixels, 8 bits) is read from DRAM, not the im2col rows of the first conv
    assert comp.baseline.energy_pj["dram_activations"] > 0
    first = comp.run.layers[0]
    assert first.counts.dram_read_bits == 20 * shapes[0].rows_per_sample * shapes[0].in_features * 8
    # the counts a network result shares with a dense one: every layer's, summed
    assert comp.run.counts.macs == sum(l.counts.macs for l in comp.run.layers)
    assert comp.run.counts.adc_conversions == sum(l.counts.adc_conversions for l in comp.run.layers) > 0
    assert comp.run.programming_counts.cell_writes == sum(l.programming_counts.cell_writes for l in comp.run.layers)


def test_run_command_on_a_network_with_trials(tmp_path):
    out = tmp_path / "r.json"
    result = CliRunner().invoke(main, ["run", str(MLP), "--trials", "2", "--set", "device.preset=rram",
                                       "--set", "workload.vectors=100", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "float (as trained)" in result.output and "Monte Carlo over 2 trials" in result.output
    data = json.loads(out.read_text())
    acc = data["accuracy"]
    assert acc["float_accuracy"] > 0.9 and len(acc["layers"]) == 2
    assert len(acc["monte_carlo"]["analog_accuracy"]["trials"]) == 2


def test_validate_describes_a_network():
    result = CliRunner().invoke(main, ["validate", str(CNN)])
    assert result.exit_code == 0, result.output
    assert "3 matrix layers" in result.output


def test_unreadable_network_file_is_a_config_error(tmp_path):
    bad = tmp_path / "net.npz"
    bad.write_bytes(b"not a zip file")
    cfg = tmp_path / "c.toml"
    cfg.write_text('[workload]\nkind = "network"\nnetwork_file = "net.npz"\n')
    result = CliRunner().invoke(main, ["run", str(cfg)])
    assert result.exit_code == 2 and "'workload.network_file'" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("command", ["validate", "run"])
def test_network_larger_than_the_chip_is_a_config_error_before_running(command):
    result = CliRunner().invoke(main, [command, str(CNN), "--set", "chip.tiles=2", "--set", "chip.arrays_per_tile=1"])
    assert result.exit_code == 2
    assert "'chip.tiles': the workload needs 3 tiles of 1 arrays" in result.output
    assert "but the chip has 2" in result.output


def test_a_dataset_without_labels_reports_agreement_with_float(tmp_path):
    x = np.random.default_rng(0).uniform(0, 1, (30, 64))
    np.savez(tmp_path / "x.npz", x=x)
    text = (tmp_path / "c.toml")
    data = f'dataset = "file"\ndataset_file = "{tmp_path / "x.npz"}"'
    text.write_text(MLP.read_text().replace('dataset = "digits"', data).replace("../src", str(ROOT / "src")))
    result = CliRunner().invoke(main, ["run", str(text), "-o", str(tmp_path / "r.json")])
    assert result.exit_code == 0, result.output
    assert "top-1 agreement with float (no labels)" in result.output
    accuracy = json.loads((tmp_path / "r.json").read_text())["accuracy"]
    assert accuracy["labelled"] is False and accuracy["float_accuracy"] == 1.0 and accuracy["samples"] == 30


def test_a_network_with_one_value_per_sample_has_no_top1(tmp_path):
    """a regression (outputs of shape ()): the accuracies are NaN, not an argmax over the batch, and the reports
    give the outputs' error instead"""
    import math

    from cimsim.network import Dense, Network, Reshape
    from cimsim.report import _accuracy_lines

    rng = np.random.default_rng(46)
    net = Network((Dense(rng.standard_normal((6, 64)) * 0.1), Dense(rng.standard_normal((1, 6))), Reshape(())),
                  (64,))
    result = simulate_network(config(**{"workload.vectors": 40}), network=net, inputs=rng.uniform(0, 1, (40, 64)))
    assert all(math.isnan(a) for a in (result.float_accuracy, result.digital_accuracy, result.analog_accuracy))
    assert result.headline.startswith("outputs ") and result.vs_float.relative_error > 0
    assert "top-1 accuracy does not apply" in "\n".join(_accuracy_lines((result,)))


def test_negative_inputs_to_unsigned_dacs_name_the_layer_before_any_crossbar_runs(monkeypatch):
    """with dac.signed_inputs = "unsigned", a layer fed by a Dense without ReLU had failed partway through the run
    with "inputs must be >= 0", naming neither the layer nor a way out"""
    import cimsim.inference
    from cimsim.errors import ConfigError
    from cimsim.network import Dense, Network, ReLU

    rng = np.random.default_rng(7)
    first, head, x = rng.standard_normal((6, 64)), rng.standard_normal((10, 6)), rng.uniform(0, 1, (40, 64))
    cfg = config(**{"workload.vectors": 40, "dac.signed_inputs": "unsigned"})
    plain = Network((Dense(first), Dense(head)), (64,), names=("hidden", "head"))
    with monkeypatch.context() as patch:
        patch.setattr(cimsim.inference, "evaluate", lambda *args, **kwargs: pytest.fail("crossbars were run"))
        with pytest.raises(ConfigError) as info:
            simulate_network(cfg, network=plain, inputs=x)
    assert info.value.fields == ["dac.signed_inputs"]
    assert "layer 1 (dense, 'head') gets negative inputs" in str(info.value) and "ReLU" in str(info.value)
    rectified = Network((Dense(first), ReLU(), Dense(head)), (64,))  # a ReLU before it: runs
    assert simulate_network(cfg, network=rectified, inputs=x).samples == 40


def test_a_grouped_conv_costs_its_groups_products_not_its_block_diagonal_matrix():
    """the baseline had run a depthwise conv as its whole block-diagonal matrix (8x the MACs, energy and weights of
    its 8 groups), overstating the CIM gain of MobileNet-like networks; TOPS/W counts the network's products on both
    sides, as the shape-only estimate does"""
    from cimsim import compare as api_compare
    from cimsim.models.from_network import model_from_network
    from cimsim.network import Conv2d, Network

    rng = np.random.default_rng(4)
    x = rng.uniform(-1, 1, (4, 8, 6, 6))
    costs = {}
    for groups in (1, 8):
        net = Network((Conv2d(rng.standard_normal((8, 8 // groups, 3, 3)), None, 1, 1, groups=groups),), (8, 6, 6))
        comp = api_compare(CNN, network=net, inputs=x)
        per_sample = 6 * 6 * 8 * (8 // groups) * 9
        assert comp.baseline.macs == comp.cim.macs == 4 * per_sample == 4 * model_from_network(net).macs_per_item
        assert (groups > 1) == any("grouped convolutions (8 groups)" in line for line in comp.cim.assumptions)
        costs[groups] = comp.baseline.energy_pj["mac"]
    assert costs[8] == pytest.approx(costs[1] / 8, rel=0.05)


def test_a_calibrated_network_is_the_same_whatever_the_chunks():
    """each layer had calibrated its ADC on the rows of the first chunk only, so a chunk smaller than the
    calibration set (simulation.batch_size below adc.calibration_vectors samples) changed every analog figure
    (SNR 25.7 dB at batch_size 2048, 25.4 at 8, 26.9 at 1); now on the run's first adc.calibration_vectors samples,
    joined over chunks"""
    runs = [simulate_network(config(CNN, **{"device.preset": "rram", "workload.vectors": 30,
                                            "adc.calibration_vectors": 60, "simulation.batch_size": size}))
            for size in (2048, 7, 1)]
    for run in runs[1:]:
        assert run.analog_accuracy == runs[0].analog_accuracy
        assert run.vs_float.snr_db == pytest.approx(runs[0].vs_float.snr_db, rel=1e-12)
        for layer, first in zip(run.layers, runs[0].layers):
            np.testing.assert_array_equal(layer.adc.lsb, first.adc.lsb)
            assert layer.counts == first.counts  # the energy sums too (they had been rounded chunk by chunk)
            assert layer.adc_clipped == first.adc_clipped


def test_the_vector_unit_on_both_sides_counts_in_both_areas():
    """a network's digital work runs on a vector unit on both sides, its energy charged to both: its area had been
    counted on the CIM chip only (baseline 0.857 mm2 for price-model's 2.79, TOPS/mm2 3x the baseline's)"""
    comp = compare(config(MLP, **{"workload.vectors": 20}))
    assert comp.baseline.area_um2["vector_unit"] == comp.cim.area_um2["vector_unit"] > 0
    gpu = compare(config(MLP, **{"workload.vectors": 20, "baseline.preset": "h100"}))
    assert "vector_unit" not in gpu.baseline.area_um2  # a published die area holds its own units


def test_a_regression_networks_monte_carlo_spreads_its_outputs_error(tmp_path):
    """a network without classes had no Monte Carlo figures at all (its accuracies are NaN, and only they were
    spread): its outputs' error against float is spread over the trials, worst = largest error"""
    from cimsim.network import Dense, Network, ReLU, save_network
    from cimsim.numerics import build_crossbar

    rng = np.random.default_rng(7)
    net = Network((Dense(rng.standard_normal((8, 6)) * 0.5), ReLU(), Dense(rng.standard_normal((1, 8)))), (6,))
    x = rng.normal(size=(30, 6))
    save_network(net, tmp_path / "net.npz")
    np.savez(tmp_path / "x.npz", x=x)
    settings = {"device.preset": "rram", "adc.range": "calibrated", "workload.vectors": 30, "simulation.trials": 3,
                "workload.network_file": str(tmp_path / "net.npz"), "workload.dataset": "file",
                "workload.dataset_file": str(tmp_path / "x.npz")}
    cfg = config(**settings)
    errors, snrs = [], []
    for trial in range(3):  # each trial's analog network by hand (docs/networks.md), against float
        xbars = [build_crossbar(cfg, s.in_features, s.out_features, key=(trial, s.index)) for s in net.matrix_shapes()]
        for xbar, layer in zip(xbars, net.matrix_layers()):
            xbar.program(layer.matrix)


        def on_crossbars(index, layer, rows):
            if xbars[index].adc is None:  # calibrated ADC: on the first rows it reads
                xbars[index].calibrate(rows[:cfg.adc.calibration_vectors])
            return xbars[index].mvm(rows)

        analog, ref = net.forward(x, matmul=on_crossbars), net.forward(x)
        errors.append(np.linalg.norm(analog - ref) / np.linalg.norm(ref))
        snrs.append(10 * np.log10(np.sum(ref ** 2) / np.sum((analog - ref) ** 2)))
    assert len(set(errors)) == 3 and all(0 < e < 1 for e in errors)  # noisy trials, each its own
    out = tmp_path / "r.json"
    args = [a for name, value in settings.items() if name != "simulation.trials" for a in ("--set", f"{name}={value}")]
    result = CliRunner().invoke(main, ["run", str(MLP), "--trials", "3", *args, "-o", str(out)])
    assert result.exit_code == 0, result.output
    spread = json.loads(out.read_text())["accuracy"]["monte_carlo"]["outputs_relative_error"]
    assert spread["trials"] == pytest.approx(errors, rel=1e-9)
    assert spread["mean"] == pytest.approx(np.mean(errors), rel=1e-9)
    assert spread["std"] == pytest.approx(np.std(errors, ddof=1), rel=1e-9)
    assert spread["worst"] == pytest.approx(max(errors), rel=1e-9)
    snr = json.loads(out.read_text())["accuracy"]["monte_carlo"]["outputs_snr_db"]
    assert snr["worst"] == pytest.approx(min(snrs), rel=1e-9)
    assert f"outputs relative error: mean {np.mean(errors):.4g}" in result.output
    assert f"worst {max(errors):.4g}" in result.output


@pytest.mark.parametrize("from_file", [False, True])
def test_labels_a_network_cannot_give_name_the_dataset_and_where_the_network_came_from(tmp_path, from_file):
    """a network given in memory whose outputs cannot give the dataset's labels was reported under
    'workload.network_file', which it never read; a network read from that file still is"""
    from cimsim.errors import ConfigError
    from cimsim.network import Dense, Network, save_network

    net = Network((Dense(np.random.default_rng(0).standard_normal((5, 64))),), (64,))  # 5 classes; digits has 10
    save_network(net, tmp_path / "net.npz")
    cfg = config(**{"workload.network_file": str(tmp_path / "net.npz")} if from_file else {})
    import cimsim

    field = "workload.network_file" if from_file else "workload.dataset"
    for call in (simulate_network, cimsim.estimate):  # the estimate had named the network file for one in memory
        with pytest.raises(ConfigError) as info:
            call(cfg) if from_file else call(cfg, network=net)
        assert info.value.fields == [field]
        message = str(info.value)
        assert f"'{field}': the labels of 'workload.dataset' must be class numbers in [0, 5)" in message
        assert ("(the network argument, in memory)" in message) != from_file
        assert ("workload.network_file" in message) == from_file


@pytest.mark.parametrize("from_file", [False, True])
def test_labels_of_a_dataset_file_beyond_the_networks_classes_name_that_file(tmp_path, from_file):
    """a dataset file whose labels (up to 10) a 10-output network cannot give had been reported under
    'workload.network_file' when the network came from a file: the labels are the file's, so it is named"""
    from cimsim.errors import ConfigError
    from cimsim.network import Dense, Network, save_network

    net = Network((Dense(np.random.default_rng(0).standard_normal((10, 64))),), (64,))
    save_network(net, tmp_path / "net.npz")
    np.savez(tmp_path / "d.npz", x=np.random.default_rng(1).standard_normal((5, 64)), y=np.array([0, 1, 2, 3, 10]))
    cfg = config(**{"workload.dataset": "file", "workload.dataset_file": str(tmp_path / "d.npz"), "workload.vectors": 5,
                    **({"workload.network_file": str(tmp_path / "net.npz")} if from_file else {})})
    with pytest.raises(ConfigError) as info:
        simulate_network(cfg) if from_file else simulate_network(cfg, network=net)
    assert info.value.fields == ["workload.dataset_file"]
    assert "must be class numbers in [0, 10) for the network's 10 outputs; got 0 to 10" in str(info.value)


def test_a_networks_counts_and_energy_are_the_same_whatever_the_chunks_and_workers():
    """a network's energy sums (array_gv2t_fj, cell_activity) had been added chunk by chunk, so their rounding
    followed the chunks: digits-mlp's array G V**2 t 21330032.05887532 fJ at batch_size 2048, 21330032.058875315 at
    100, and so its array energy and, with read noise, its total; now each crossbar's per-input sums (exact) are
    weighed once for the run, as a lone crossbar does, and the split over workers does not round them either"""
    from cimsim import simulate

    settings = {"device.read_noise_sigma": 0.05, "workload.vectors": 300}
    runs = [simulate(MLP, {**settings, "simulation.batch_size": size}, workers=workers)
            for size, workers in ((2048, None), (100, None), (37, None), (37, 3))]  # 3 ranges of 3 chunks, 1 short
    first = runs[0].trials[0]
    assert first.vs_float.error_sq > 0  # the noise is there
    for run in runs[1:]:
        assert [layer.counts for layer in run.trials[0].layers] == [layer.counts for layer in first.layers]
        assert run.cost.energy_pj == runs[0].cost.energy_pj
        assert run.cost.total_energy_pj == runs[0].cost.total_energy_pj


def test_a_conv_map_has_no_top1_but_a_dense_head_over_a_sequence_has():
    """a denoiser's (C, H, W) output had been scored by an argmax over its width (83.75 % "accuracy"); the last axis
    holds classes where a Dense head writes it (an LM head's (sequence, vocab)) or the outputs have one axis"""
    import math

    from cimsim.evaluation import has_classes
    from cimsim.network import Conv2d, Dense, Flatten, Network

    rng = np.random.default_rng(47)
    denoiser = Network((Conv2d(rng.normal(0, 0.3, (1, 1, 3, 3)), padding=1),), (1, 8, 8))
    cfg = config(**{"device.preset": "rram", "adc.bits": 4})
    result = simulate_network(cfg, network=denoiser, inputs=rng.normal(size=(20, 1, 8, 8)))
    assert all(math.isnan(a) for a in (result.float_accuracy, result.digital_accuracy, result.analog_accuracy))
    assert result.headline == f"outputs {result.vs_float.relative_error:.3g} relative error"
    conv = Conv2d(rng.normal(size=(4, 1, 3, 3)))
    assert has_classes(Network((conv, Flatten(), Dense(rng.normal(size=(5, 144)))), (1, 8, 8)))
    assert has_classes(Network((conv, Flatten()), (1, 8, 8)))  # one axis: (classes,)
    lm = Network((Dense(rng.normal(size=(16, 8))), Dense(rng.normal(size=(10, 16)))), (6, 8))
    assert has_classes(lm) and not has_classes(Network((Dense(rng.normal(size=(1, 8))),), (6, 8)))
    assert not math.isnan(simulate_network(cfg, network=lm, inputs=rng.normal(size=(4, 6, 8))).analog_accuracy)


def test_an_encoders_hidden_states_have_no_top1():
    """a Dense whose output passes a residual add and a norm writes hidden states, not classes: an encoder's
    (tokens, hidden) output had been given a 'top-1 agreement' over its hidden axis"""
    from cimsim.evaluation import has_classes
    from cimsim.network import Dense, Elementwise, LayerNorm, Network, ReLU, Softmax

    rng, d = np.random.default_rng(0), 32
    block = (Dense(rng.normal(0, .2, (d, d))), ReLU(), Dense(rng.normal(0, .2, (d, d))), Elementwise("add"),
             LayerNorm(np.ones(d), np.zeros(d), 1e-5, -1))
    encoder = Network(block, input_shape=(8, d), inputs=((0,), (1,), (2,), (3, 0), (4,)))
    assert encoder.output_shape == (8, d) and not has_classes(encoder)
    head = Network((*block, Dense(rng.normal(0, .2, (10, d))), Softmax(-1)), input_shape=(8, d),
                   inputs=((0,), (1,), (2,), (3, 0), (4,), (5,), (6,)))
    assert head.output_shape == (8, 10) and has_classes(head)  # an LM-style head over each token


def test_a_batch_first_attentions_output_has_no_top1():
    """a network ending in a batch-first attention: its out_proj (a Dense as wide as the last axis) is followed by
    transposes, and its outputs are hidden states, not classes: no top-1 (a probe had asked for one; it would score
    agreement over a hidden axis), as the docs say"""
    from extras import torch_or_skip

    torch = torch_or_skip()
    from cimsim.evaluation import has_classes
    from cimsim.network import Transpose, from_torch

    class Attention(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.a = torch.nn.MultiheadAttention(16, 4, batch_first=True)

        def forward(self, x):
            return self.a(x, x, x, need_weights=False)[0]

    torch.manual_seed(0)
    network = from_torch(Attention().eval(), torch.randn(2, 6, 16))
    assert network.output_shape == (6, 16) and any(isinstance(layer, Transpose) for layer in network.layers[-3:])
    assert not has_classes(network)


def test_an_lm_head_is_scored_against_a_label_per_position(tmp_path):
    """a (sequence, vocab) output takes labels of shape (samples, sequence), in memory and in a dataset file: its
    accuracies are top-1 per position against them (labels of shape (samples,) had been the only form, so a language
    model got its agreement with float alone); labels of another shape are refused, naming the shape expected"""
    from cimsim.config import with_overrides
    from cimsim.errors import ConfigError
    from cimsim.network import Dense, Network, save_network

    rng = np.random.default_rng(3)
    lm = Network((Dense(rng.normal(size=(16, 8))), Dense(rng.normal(size=(10, 16)))), (6, 8))
    x = rng.normal(size=(5, 6, 8))
    cfg = config(**{"adc.bits": 8})
    agree = simulate_network(cfg, network=lm, inputs=x)
    truth = lm.forward(x).argmax(axis=-1)  # the float model's own top-1 as labels: float accuracy 1
    labelled = simulate_network(cfg, network=lm, inputs=x, labels=truth)
    assert labelled.labelled and labelled.float_accuracy == 1.0
    assert labelled.analog_accuracy == agree.analog_accuracy  # the same positions scored
    wrong = (truth + 1) % 10
    assert simulate_network(cfg, network=lm, inputs=x, labels=wrong).float_accuracy == 0.0
    with pytest.raises(ValueError, match=r"labels must be one class number per sample and output position, of shape "
                                         r"\(samples, 6\), for the network's outputs \(6, 10\); got shape \(5,\)"):
        simulate_network(cfg, network=lm, inputs=x, labels=truth[:, 0])
    save_network(lm, tmp_path / "lm.npz")
    np.savez(tmp_path / "data.npz", x=x, y=truth)
    filed = with_overrides(cfg, {"workload.kind": "network", "workload.network_file": str(tmp_path / "lm.npz"),
                                 "workload.dataset": "file", "workload.dataset_file": str(tmp_path / "data.npz")})
    assert simulate_network(filed).float_accuracy == 1.0
    np.savez(tmp_path / "data.npz", x=x, y=truth[:, :3])
    with pytest.raises(ConfigError, match=r"of shape \(samples, 6\), for the network's outputs \(6, 10\); got shape "
                                          r"\(5, 3\)"):
        simulate_network(filed)


def test_an_lm_heads_logits_keep_their_top1_through_log_softmax_a_temperature_and_a_soft_cap():
    """a head's logits passed through log_softmax, a temperature, a soft-cap (Gemma-2's 30 tanh(z / 30)) or a
    scalar shift had been refused labels as "no class axis" and given no top-1 (a networks probe, 2026-12-06); a
    residual add of hidden states still has none"""
    from extras import torch_or_skip

    from cimsim.evaluation import has_classes
    from cimsim.network import from_torch

    torch = torch_or_skip()
    nn, F = torch.nn, torch.nn.functional

    class LM(nn.Module):
        def __init__(self, tail):
            super().__init__()
            self.tokens, self.head, self.tail = nn.Embedding(50, 16), nn.Linear(16, 50), tail

        def forward(self, ids):
            h = torch.tanh(self.tokens(ids))
            return self.tail(self.head(h), h)

    tails = {"log_softmax": lambda z, h: F.log_softmax(z, -1), "temperature": lambda z, h: z / 2,
             "soft-cap": lambda z, h: 30 * torch.tanh(z / 30), "shift": lambda z, h: z + 1,
             "log(softmax)": lambda z, h: torch.log(torch.softmax(z, -1))}
    torch.manual_seed(0)
    ids = torch.randint(0, 50, (1, 6))
    for name, tail in tails.items():
        assert has_classes(from_torch(LM(tail).eval(), ids)), name
    hidden = LM(lambda z, h: F.pad(h, (0, 34)) + z).eval()  # the logits mixed with the hidden states
    assert not has_classes(from_torch(hidden, ids))
    across = LM(lambda z, h: torch.softmax(z, 1)).eval()  # over the positions: the order along the classes moves
    assert not has_classes(from_torch(across, ids))  # (any softmax had been followed; a review)
