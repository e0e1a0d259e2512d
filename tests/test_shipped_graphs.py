"""The shipped graph networks (digits residual CNN and vision transformer, trained by
examples/train_digits_torch.py) on crossbars: stored float accuracy, exactness with ideal devices and lossless
converters, and the default (noisy) preset. Needs no torch: the networks are the shipped .npz files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from cimsim.config import load_config, with_overrides
from cimsim.inference import simulate_network
from cimsim.network import ActivationMatMul, DIGITS_SCALE, Elementwise, digits_test_path, load_network

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(digits_test_path()).parent
GRAPHS = {"digits_resnet": ROOT / "configs" / "digits-resnet.toml", "digits_vit": ROOT / "configs" / "digits-vit.toml"}
LOSSLESS = {"device.preset": "ideal", "adc.range": "max", "adc.bits": 16, "array.rows_per_read": 32,
            "workload.vectors": 100}


def config(path: Path, **overrides):
    return with_overrides(load_config(path), overrides)


@pytest.mark.parametrize("name", GRAPHS)
def test_config_runs_the_shipped_file_on_the_whole_test_split(name):
    cfg = config(GRAPHS[name])
    path = Path(cfg.workload.network_file).resolve()
    assert path == (ROOT / "src" / "cimsim" / "data" / f"{name}.npz").resolve()
    assert path.read_bytes() == (DATA / f"{name}.npz").read_bytes()  # the installed package ships it too
    assert cfg.workload.dataset == "digits" and cfg.workload.vectors == 540


@pytest.mark.parametrize("name", GRAPHS)
def test_shipped_graph_reproduces_its_stored_float_accuracy(name):
    path = DATA / f"{name}.npz"
    net = load_network(path)
    stored = float(np.load(path)["float_accuracy"])
    with np.load(digits_test_path()) as data:
        x, y = data["pixels"] / DIGITS_SCALE, data["labels"]
    accuracy = float(np.mean(net.predict(x.reshape(-1, *net.input_shape)) == y))
    assert accuracy == stored
    assert stored >= 0.95
    # graphs, not chains: the resnet's skip connections, the transformer's attention products
    assert any(isinstance(layer, Elementwise) and len(set(reads)) == 2
               for layer, reads in zip(net.layers, net.inputs))
    if name == "digits_vit":
        assert sum(isinstance(layer, ActivationMatMul) for layer in net.layers) == 4  # Q Kᵀ and A V, 2 layers


@pytest.mark.parametrize("name", GRAPHS)
def test_ideal_devices_and_lossless_adc_equal_the_quantised_network_exactly(name):
    result = simulate_network(config(GRAPHS[name], **LOSSLESS))
    assert len(result.layers) == len(load_network(DATA / f"{name}.npz").matrix_layers())
    assert all(layer.vs_digital.error_sq == 0.0 for layer in result.layers)
    assert result.analog_accuracy == result.digital_accuracy


@pytest.mark.parametrize("name", GRAPHS)
def test_default_preset_reports_analog_accuracy(name):
    cfg = config(GRAPHS[name])
    result = simulate_network(cfg)
    assert result.samples == 540
    assert result.float_accuracy == float(np.load(cfg.workload.network_file)["float_accuracy"])
    assert 0.0 <= result.analog_accuracy <= 1.0
    assert abs(result.digital_accuracy - result.float_accuracy) <= 0.05
    assert all(layer.vs_digital.error_sq > 0.0 for layer in result.layers)  # the preset's devices are noisy
