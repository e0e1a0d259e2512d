"""A transposed convolution counts its products, not those of the zeros its lowering inserts: MACs, TOPS/W and the
baseline's work, alike from a network file and from its shapes; and labels too large for int64 are refused as
given. The torch tests need torch and onnx (CI installs them; elsewhere they skip, saying why)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from cimsim.config import load_config, with_overrides
from cimsim.errors import ConfigError
from extras import torch_or_skip

ROOT = Path(__file__).resolve().parents[1]

_CASES = {  # name: (module arguments, per-sample input shape); the torch class by the input's rank
    "1-d, pads, output_padding": ((3, 4, 3, 2, 1, 1), (3, 7)),
    "2-d, stride = kernel": ((16, 16, 2, 2), (16, 8, 8)),
    "2-d, groups, dilation, output_padding": ((4, 6, 3, 2, 1, 1, 2, True, 2), (4, 5, 6)),
    "2-d, cropping pads": ((3, 4, (3, 4), (3, 2), (2, 1)), (3, 5, 4)),
    "3-d, groups, output_padding": ((2, 4, 3, 2, 0, 1, 2), (2, 3, 4, 4)),
}


def _transposed(torch, args, shape):
    cls = {2: torch.nn.ConvTranspose1d, 3: torch.nn.ConvTranspose2d, 4: torch.nn.ConvTranspose3d}[len(shape)]
    torch.manual_seed(0)
    return cls(*args).double().eval()


def _products(torch, module, shape) -> int:
    """the transposed convolution's products, measured by torch: with every weight and input 1 (no bias), output
    value o sums one per (input channel of its group, input position, tap) that lands on it"""
    ones = module.__class__(module.in_channels, module.out_channels, module.kernel_size, module.stride,
                            module.padding, module.output_padding, module.groups, False, module.dilation).double()
    torch.nn.init.ones_(ones.weight)
    with torch.no_grad():
        return round(float(ones(torch.ones((1,) + shape, dtype=torch.float64)).sum()))


@pytest.mark.parametrize("case", list(_CASES))
def test_a_transposed_convolution_counts_its_products_not_the_inserted_zeros(case):
    # ConvTranspose2d(16, 16, 2, stride=2) had counted 262 144 MACs, 4x its 65 536 (those of the stride's zeros)
    torch = torch_or_skip()
    from cimsim.models.from_network import model_from_network
    from cimsim.network import from_torch
    args, shape = _CASES[case]
    module = _transposed(torch, args, shape)
    net = from_torch(torch.nn.Sequential(module), torch.rand((2,) + shape, dtype=torch.float64))
    true = _products(torch, module, shape)
    model = model_from_network(net)
    assert model.macs_per_item == true
    (op,) = model.static_ops
    assert op.tap_fraction < 1 and op.vectors_per_item * op.groups * op.in_features * op.out_features > true
    if not any(module.padding):  # no cropping: every input value meets every weight of its group once
        per_group = module.in_channels * module.out_channels // module.groups
        assert true == np.prod(shape[1:]) * per_group * np.prod(module.kernel_size)


def test_a_transposed_convolution_over_stacked_windows_counts_its_products():
    # windows moved into the batch axis (EfficientViT, TNT) run as a Conv3d of depth 1, which must keep the share
    torch = torch_or_skip()
    from cimsim.models.from_network import model_from_network
    from cimsim.network import from_torch

    class Windows(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.up = torch.nn.ConvTranspose2d(2, 3, 3, 2, 1, 1)

        def forward(self, x):  # (b, 2, 8, 8) -> 4 windows of (2, 4, 4) per sample, each upsampled
            b = x.shape[0]
            w = x.reshape(b, 2, 2, 4, 2, 4).permute(0, 2, 4, 1, 3, 5).reshape(b * 4, 2, 4, 4)
            return self.up(w).reshape(b, -1)

    net = from_torch(Windows().eval(), torch.rand(2, 2, 8, 8))
    assert "conv3d" in [layer.kind for layer in net.layers]
    assert model_from_network(net).macs_per_item == 4 * _products(torch, Windows().up, (2, 4, 4))


def test_real_runs_keep_the_mean_of_the_real_vectors():
    from cimsim.cost.routing import real_runs
    for runs, share in (([(256, 1.0)], 0.25), ([(37, 0.5), (5, 0.5)], 0.3), ([(3, 1.0)], 0.1), ([(9, 1.0)], 1.0)):
        parts = real_runs(runs, share)
        assert all(isinstance(n, int) and n >= 1 and w >= 0 for n, w in parts)
        assert sum(n * w for n, w in parts) == pytest.approx(sum(n * w for n, w in runs) * share, rel=1e-12)
    assert real_runs([(9, 1.0)], 1.0) == [(9, 1.0)]


def _decoder_file(tmp_path) -> Path:
    """a digits network with a transposed convolution (stride 2, pads 1, output_padding 1: 8x8 -> 16x16), saved"""
    torch = torch_or_skip()
    from cimsim.network import from_torch, save_network
    torch.manual_seed(0)
    m = torch.nn.Sequential(torch.nn.ConvTranspose2d(1, 4, 3, 2, 1, 1), torch.nn.ReLU(),
                            torch.nn.Conv2d(4, 4, 2, 2), torch.nn.Flatten(), torch.nn.Linear(256, 10)).eval()
    path = tmp_path / "decoder.npz"
    save_network(from_torch(m, torch.rand(2, 1, 8, 8)), path)
    return path


def test_a_transposed_convolution_is_priced_alike_from_a_file_and_from_its_shapes(tmp_path):
    # the baseline had multiplied the zeros the lowering inserts (ConvTranspose2d(16, 16, 2, stride 2): 26.60 uJ
    # against 14.40 uJ for the same map as a 1x1 conv and a PixelShuffle) and MACs counted them on both sides
    from cimsim.comparison import price_from_shapes
    from cimsim.models import price_model
    from cimsim.models.from_network import model_from_network
    from cimsim.network import load_network
    path = _decoder_file(tmp_path)
    config = with_overrides(load_config(ROOT / "configs" / "digits-cnn.toml"),
                            {"workload.network_file": str(path), "workload.vectors": 6})
    network = load_network(path)
    cim, base = price_from_shapes(config)
    model = model_from_network(network)
    priced = price_model(config, model, items=base.mvms)
    real = (8 * 3 - 1) ** 2 * 1 * 4  # per axis each of 8 inputs meets 3 taps, less the one the pad crops; C_in C_out
    assert model.macs_per_item == real + 8 * 8 * 4 * 4 * 4 + 256 * 10
    assert cim.macs == base.macs == priced.cim.macs == 6 * model.macs_per_item
    for side in (cim, base):
        assert any(a.startswith("1 transposed convolutions count the products that meet input values")
                   for a in side.assumptions)
    # the shapes-only baseline runs the same real products (cimsim.models.baseline through cost.routing.real_runs)
    assert priced.baseline.macs == base.macs
    assert base.total_energy_pj == pytest.approx(priced.baseline.total_energy_pj, rel=1e-9)
    assert base.latency_ns == pytest.approx(priced.baseline.latency_ns, rel=1e-9)


def test_a_simulated_transposed_convolution_counts_its_products(tmp_path):
    import cimsim
    from cimsim.models.from_network import model_from_network
    from cimsim.network import load_network
    path = _decoder_file(tmp_path)
    comp = cimsim.compare(ROOT / "configs" / "digits-cnn.toml", {"workload.network_file": str(path),
                                                                 "workload.vectors": 3})
    macs = 3 * model_from_network(load_network(path)).macs_per_item
    assert comp.cim.macs == comp.baseline.macs == macs


def test_labels_int64_cannot_hold_are_refused_as_given(tmp_path):
    # uint64 labels 2**64 - 20 ... had been reported as "got -20 to -11": cast to int64 before the range check
    from cimsim.inference import load_workload_network
    data = tmp_path / "d.npz"
    np.savez(data, x=np.zeros((10, 64)), y=np.arange(10, dtype=np.uint64) + np.uint64(2**64 - 20))
    config = with_overrides(load_config(ROOT / "configs" / "digits-mlp.toml"),
                            {"workload.dataset": "file", "workload.dataset_file": str(data), "workload.vectors": 10})
    with pytest.raises(ConfigError, match="workload.dataset_file.*got 18446744073709551596 to 18446744073709551605"):
        load_workload_network(config)
