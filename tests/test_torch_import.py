"""PyTorch models in one call: a torchvision-style ResNet-18 and a transformer encoder, via from_torch and via an
ONNX file, against torch's own forward pass. Needs torch (CI installs it; elsewhere the tests skip, saying why)."""

from __future__ import annotations

import io
import os
import re
import warnings

import numpy as np
import pytest

from cimsim.network import load_network
from cimsim.numerics import int8

from extras import torch_or_skip

torch = torch_or_skip()
from torch import nn  # noqa: E402

from cimsim.network.layers import MatrixLayer  # noqa: E402
from cimsim.network.torch_import import from_torch  # noqa: E402


class BasicBlock(nn.Module):
    """torchvision's ResNet basic block: conv-BN-ReLU-conv-BN plus the (projected) input."""

    def __init__(self, cin: int, cout: int, stride: int):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.down = None if stride == 1 and cin == cout else nn.Sequential(
            nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        out = torch.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return torch.relu(out + (x if self.down is None else self.down(x)))


def resnet18(classes: int = 10) -> nn.Module:
    """ResNet-18 as torchvision builds it (7x7 stem, max pool, [2, 2, 2, 2] basic blocks, 64-512 channels)."""
    blocks, cin = [], 64
    for cout, stride in ((64, 1), (128, 2), (256, 2), (512, 2)):
        blocks += [BasicBlock(cin, cout, stride), BasicBlock(cout, cout, 1)]
        cin = cout
    model = nn.Sequential(nn.Conv2d(3, 64, 7, 2, 3, bias=False), nn.BatchNorm2d(64), nn.ReLU(),
                          nn.MaxPool2d(3, 2, 1), *blocks, nn.AdaptiveAvgPool2d(1), nn.Flatten(),
                          nn.Linear(512, classes))
    for m in model.modules():  # random running statistics, so that folding batch norm is tested
        if isinstance(m, nn.BatchNorm2d):
            m.running_mean.uniform_(-0.2, 0.2)
            m.running_var.uniform_(0.5, 1.5)
            m.weight.data.uniform_(0.5, 1.5)
    return model.eval()


class Encoder(nn.Module):
    """A small pre-norm transformer encoder over 8 tokens of 8 features, mean-pooled into 10 classes."""

    def __init__(self):
        super().__init__()
        self.embed = nn.Linear(8, 32)
        self.pos = nn.Parameter(torch.randn(1, 8, 32) * 0.1)
        layer = nn.TransformerEncoderLayer(32, 4, 64, dropout=0.0, activation="gelu", batch_first=True,
                                           norm_first=True)
        self.layers = nn.TransformerEncoder(layer, 2, enable_nested_tensor=False)
        self.norm = nn.LayerNorm(32)
        self.head = nn.Linear(32, 10)

    def forward(self, x):
        return self.head(self.norm(self.layers(self.embed(x) + self.pos)).mean(dim=1))


class SqueezeExcite(nn.Module):
    """MobileNetV3's squeeze-and-excite: pooled, two 1x1 convs, a hard sigmoid gating the channels."""

    def __init__(self, c: int):
        super().__init__()
        self.reduce, self.expand = nn.Conv2d(c, c // 4, 1), nn.Conv2d(c // 4, c, 1)

    def forward(self, x):
        gate = nn.functional.hardsigmoid(self.expand(torch.relu(self.reduce(nn.functional.adaptive_avg_pool2d(x, 1)))))
        return x * gate


class MobileBlockNet(nn.Module):
    """A MobileNetV3 inverted residual (1x1 expand, depthwise 3x3, squeeze-excite, 1x1 project; hard swish)
    between a leaky-ReLU stem and a per-channel PReLU."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 8, 3, 2, 1), nn.LeakyReLU(0.1))
        self.expand = nn.Sequential(nn.Conv2d(8, 32, 1, bias=False), nn.BatchNorm2d(32), nn.Hardswish())
        self.depthwise = nn.Sequential(nn.Conv2d(32, 32, 3, 1, 1, groups=32, bias=False), nn.BatchNorm2d(32),
                                       nn.Hardswish())
        self.se = SqueezeExcite(32)
        self.project = nn.Sequential(nn.Conv2d(32, 8, 1, bias=False), nn.BatchNorm2d(8))
        self.act = nn.PReLU(8, init=-0.5)  # a negative slope: not expressible as max(x, slope x)
        self.head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, 5))

    def forward(self, x):
        h = self.stem(x)
        return self.head(self.act(h + self.project(self.se(self.depthwise(self.expand(h))))))


def _torch_out(model, x: np.ndarray) -> np.ndarray:
    with torch.no_grad():
        return model(torch.as_tensor(x, dtype=torch.float32)).numpy().astype(np.float64)


def _imported(model, x: np.ndarray):
    """from_torch(model, x), checked against torch's forward pass (within float32 rounding)"""
    net = from_torch(model, x)
    want = _torch_out(model, x)
    assert net.output_shape == want.shape[1:]
    assert np.abs(net.forward(x) - want).max() <= 1e-4 * np.abs(want).max()
    return net


@pytest.fixture(scope="module")
def models():
    torch.manual_seed(0)
    return {"resnet18": (resnet18(), np.random.default_rng(0).standard_normal((2, 3, 32, 32))),
            "encoder": (Encoder().eval(), np.random.default_rng(1).standard_normal((3, 8, 8)))}


@pytest.fixture(scope="module")
def imported(models):
    """each model of ``models`` imported once by from_torch (seconds for ResNet-18), shared by the tests reading it"""
    return {name: from_torch(model, x) for name, (model, x) in models.items()}


@pytest.mark.parametrize("name", ["resnet18", "encoder"])
def test_from_torch_equals_torch_and_the_onnx_file(models, imported, name, tmp_path):
    model, x = models[name]
    net = imported[name]
    want = _torch_out(model, x)
    got = net.forward(x)
    assert got.shape == want.shape
    assert np.abs(got - want).max() <= 1e-4 * np.abs(want).max()  # torch computes in float32
    path = tmp_path / f"{name}.onnx"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model, (torch.as_tensor(x[:1], dtype=torch.float32),), str(path), dynamo=False,
                          opset_version=17)
    np.testing.assert_array_equal(load_network(path).forward(x), got)


def test_resnet18_layers(models, imported):
    net = imported["resnet18"]
    kinds = [layer.kind for layer in net.layers]
    assert kinds.count("conv2d") == 20 and kinds.count("dense") == 1  # 17 3x3 / 7x7 convs + 3 projections
    assert "affine" not in kinds  # every batch norm folded into its conv
    assert kinds.count("elementwise") == 8  # one residual add per block
    params = sum(layer.weight.size + (0 if layer.bias is None else layer.bias.size) for layer in net.matrix_layers())
    torch_model = models["resnet18"][0]
    convs = [m for m in torch_model.modules() if isinstance(m, nn.Conv2d)]
    fc = torch_model[-1]
    # each conv gains a bias from its folded batch norm
    assert params == sum(m.weight.numel() + m.out_channels for m in convs) + fc.weight.numel() + fc.bias.numel()


def test_encoder_attention_runs_digitally(imported):
    net = imported["encoder"]
    kinds = [layer.kind for layer in net.layers]
    assert kinds.count("activation_matmul") == 4  # Q Kᵀ and A V in each of the 2 layers
    assert kinds.count("softmax") == 2 and kinds.count("layernorm") == 5
    assert net.digital_work()["activation_matmul"] == 2 * 2 * 4 * 8 * 8 * 8  # layers x products x heads x 8x8x8


def test_mobilenet_v3_activations():
    """HardSwish, HardSigmoid (alpha 1/6), LeakyRelu and a per-channel PRelu, against torch's forward pass"""
    torch.manual_seed(2)
    model, x = MobileBlockNet().eval(), np.random.default_rng(2).standard_normal((2, 3, 16, 16))
    with torch.no_grad():
        model.act.weight.copy_(torch.linspace(-0.5, 1.5, 8))  # slopes of both signs, above and below 1
    net = _imported(model, x)
    assert [layer.function for layer in net.layers if layer.kind == "unary"] == ["hardswish", "hardswish"]
    clips = [(layer.low, layer.high) for layer in net.layers if layer.kind == "clip"]
    assert clips.count((0.0, 1.0)) == 1  # the hard sigmoid: an affine line, clipped to [0, 1]
    assert clips.count((None, 0.0)) == 2 and len(clips) == 3  # the leaky ReLU's and PReLU's min(x, 0)
    from cimsim.models import VectorOp
    from cimsim.models.from_network import model_from_network
    assert sum(isinstance(op, VectorOp) and op.kind == "hardswish" for op in model_from_network(net).ops) == 2


class KeywordSpotter(nn.Module):
    """A 1-d convolutional audio model (strided, dilated, depthwise 1-d convs, pooling) with GroupNorm, ELU and Mish
    (Softplus, Tanh, Mul)."""

    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv1d(4, 16, 5, stride=2, padding=2), nn.BatchNorm1d(16), nn.ELU(0.7),
            nn.Conv1d(16, 16, 3, padding=2, dilation=2, groups=16), nn.GroupNorm(4, 16), nn.Mish(),
            nn.MaxPool1d(2), nn.Conv1d(16, 8, 1), nn.InstanceNorm1d(8, affine=True), nn.AvgPool1d(2, 2))
        self.head = nn.Linear(8 * 8, 3)

    def forward(self, x):
        return self.head(self.features(x).flatten(1))


def test_one_d_convolutions_norms_and_smooth_activations():
    torch.manual_seed(4)
    model, x = KeywordSpotter().eval(), np.random.default_rng(4).standard_normal((2, 4, 64))
    net = _imported(model, x)
    kinds = [layer.kind for layer in net.layers]
    assert kinds.count("conv2d") == 3 and kinds.count("maxpool2d") == kinds.count("avgpool2d") == 1
    assert kinds.count("layernorm") == 2  # GroupNorm and InstanceNorm: per-channel (per-group) layer norms
    assert [layer.function for layer in net.layers if layer.kind == "unary"] == ["exp", "softplus", "tanh"]


def test_explicit_padding_and_its_refusals(tmp_path):
    """ZeroPad2d and F.pad (constant) become Pad layers, saved and loaded with the network; reflection, replication
    and circular padding too"""
    from cimsim.network import save_network

    class Padded(nn.Module):
        def __init__(self):
            super().__init__()
            self.pad, self.conv, self.head = nn.ZeroPad2d((1, 2, 0, 1)), nn.Conv2d(3, 4, 3), nn.Linear(4 * 8 * 10, 2)

        def forward(self, x):
            return self.head(nn.functional.pad(self.conv(self.pad(x)), (0, 1, 1, 0), value=0.25).flatten(1))

    torch.manual_seed(5)
    model, x = Padded().eval(), np.random.default_rng(5).standard_normal((2, 3, 8, 8))
    net = _imported(model, x)
    assert [layer.kind for layer in net.layers].count("pad") == 2
    save_network(net, tmp_path / "padded.npz")
    np.testing.assert_array_equal(load_network(tmp_path / "padded.npz").forward(x), net.forward(x))
    for pad, modes in ((nn.ReflectionPad2d((1, 2, 2, 0)), ["reflect"]), (nn.ReplicationPad2d((0, 1, 2, 1)), ["edge"]),
                       (nn.CircularPad2d((2, 1, 0, 1)), [])):  # torch exports a circular pad as slices and concats
        net = _imported(nn.Sequential(pad, nn.Conv2d(3, 2, 3)).eval(), x)
        assert [layer.mode for layer in net.layers if layer.kind == "pad"] == modes
        save_network(net, tmp_path / "modes.npz")
        np.testing.assert_array_equal(load_network(tmp_path / "modes.npz").forward(x), net.forward(x))
    crop = _imported(nn.Sequential(nn.ZeroPad2d((-1, 1, -1, 1)), nn.Conv2d(3, 2, 3)).eval(), x)  # NASNet's shift
    assert [layer.kind for layer in crop.layers][:4] == ["slice", "slice", "pad", "conv2d"]
    with pytest.raises(ValueError, match=r"\(Pad\): Pad crops 8 of the 8 values of axis 2"):
        from_torch(nn.ZeroPad2d((0, 0, -4, -4)).eval(), x)


def test_minus_infinity_padding_is_the_max_pools():
    """timm's "same" max pooling pads with -inf, then pools: the pads become the pool's own (never the maximum); a
    -inf pad read by anything else is refused, naming the node"""
    class SamePool(nn.Module):
        def forward(self, x):
            return nn.functional.max_pool2d(nn.functional.pad(x, (0, 1, 1, 1), value=-float("inf")), 3, 2)

    x = np.random.default_rng(37).standard_normal((2, 3, 8, 8))
    net = _imported(SamePool().eval(), x)
    assert [layer.kind for layer in net.layers] == ["maxpool2d"] and net.layers[0].padding == (1, 0, 1, 1)
    with pytest.raises(ValueError, match=r"\(Relu\): a Pad with value -inf is supported as the input of a MaxPool "
                                         "only"):
        from_torch(nn.Sequential(nn.ConstantPad2d(1, -float("inf")), nn.ReLU()).eval(), x)


def test_a_causal_mask_over_a_padding_mask_imports():
    """scores + a constant key-padding row of 0 / -inf, then masked_fill(causal, -inf), then softmax: torch's
    result is finite; the constant Where had selected arithmetically (-inf x 0 = NaN) and the import was refused as
    computing something else"""
    class Masked(nn.Module):
        def __init__(self):
            super().__init__()
            self.q, self.k = nn.Linear(8, 8), nn.Linear(8, 8)
            pad = torch.zeros(5)
            pad[3] = -float("inf")
            self.register_buffer("pad", pad)
            self.register_buffer("causal", torch.triu(torch.ones(5, 5, dtype=torch.bool), 1))

        def forward(self, x):
            scores = self.q(x) @ self.k(x).transpose(1, 2) + self.pad
            return scores.masked_fill(self.causal, -float("inf")).softmax(-1)

    torch.manual_seed(0)
    model, x = Masked().eval(), np.random.default_rng(41).standard_normal((3, 5, 8))
    got = from_torch(model, x[:1]).forward(x)
    with torch.no_grad():
        np.testing.assert_allclose(got, model(torch.tensor(x, dtype=torch.float32)).numpy(), atol=1e-6)


def test_nearest_upsampling_and_its_refusals():
    """nn.Upsample(nearest) by a whole factor, or to a size that is one, becomes an Upsample layer; a fractional
    nearest resize becomes one-hot Interpolate layers (no vector-unit work); area resizing is refused, naming the
    node"""
    class Decoder(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv, self.head = nn.Conv2d(3, 4, 3, padding=1), nn.Linear(4 * 12 * 24, 2)

        def forward(self, x):
            h = nn.functional.interpolate(self.conv(x), scale_factor=2, mode="nearest")
            return self.head(nn.functional.interpolate(h, size=(12, 24), mode="nearest").flatten(1))

    torch.manual_seed(6)
    model, x = Decoder().eval(), np.random.default_rng(6).standard_normal((2, 3, 6, 6))
    net = _imported(model, x)
    assert [layer.factors for layer in net.layers if layer.kind == "upsample"] == [(1, 2, 2), (1, 1, 2)]
    odd = _imported(nn.Sequential(nn.Upsample(size=(9, 4), mode="nearest"), nn.Conv2d(3, 2, 1, bias=False)), x)
    assert [(layer.axis, layer.weight.shape, layer.selects) for layer in odd.layers[:2]] == [(1, (9, 6), True),
                                                                                            (2, (4, 6), True)]
    from cimsim.models.from_network import model_from_network

    assert [op.name for op in model_from_network(odd).ops] == [odd.names[2]]  # the resize moves data only


@pytest.mark.parametrize("pool, shape", [(nn.AdaptiveAvgPool2d((4, 5)), (3, 6, 6)),  # windows of unequal sizes
                                         (nn.AdaptiveAvgPool2d(7), (3, 2, 3)),  # VGG's pool of a small image
                                         (nn.AdaptiveMaxPool2d((4, None)), (3, 6, 5)),
                                         (nn.AdaptiveAvgPool1d(4), (3, 7)), (nn.AdaptiveMaxPool1d(3), (2, 5)),
                                         (nn.AdaptiveAvgPool3d((2, 3, 4)), (2, 3, 5, 7)),
                                         (nn.AdaptiveAvgPool2d((3, 2)), (3, 6, 4))])  # sizes that divide: unchanged
def test_adaptive_pools_of_any_output_size(pool, shape):
    """torch's exporter refuses an adaptive pool whose output size does not divide the input: from_torch exports it
    as its windows' reductions, one axis at a time (the same values, no layer with weights)"""
    torch.manual_seed(7)
    model = nn.Sequential(nn.Identity(), pool).eval()
    net = _imported(model, np.random.default_rng(7).standard_normal((2,) + shape))
    assert not [layer for layer in net.layers if layer.kind in ("dense", "conv2d", "conv3d")]


def test_transformer_encoder_layer_without_mask():
    """torch 2.14's multi-head attention hands scaled_dot_product_attention a traced 0-d tensor as is_causal, which
    the function refuses while exporting; from_torch passes its bool"""
    torch.manual_seed(8)
    layer = nn.TransformerEncoderLayer(16, 4, 32, dropout=0.0, batch_first=True).eval()
    _imported(layer, np.random.default_rng(8).standard_normal((2, 6, 16)))


def test_a_scripted_model_imports():
    """a TorchScript module's outputs require grad even under torch.no_grad; the check against the model had
    raised torch's RuntimeError on them"""
    torch.manual_seed(9)
    model = torch.jit.script(nn.Sequential(nn.Linear(16, 8), nn.ReLU(), nn.Linear(8, 4))).eval()
    _imported(model, np.random.default_rng(9).standard_normal((2, 16)))


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16])
def test_half_precision_models_are_checked_at_their_precision(dtype):
    """a bfloat16 model rounds its outputs by ~2e-3 of their largest, beyond float32's 1e-3 check (it had been refused
    as differing from its own network); the network computes in float64, within the model's own rounding"""
    torch.manual_seed(10)
    model = nn.Sequential(nn.Conv2d(3, 8, 3), nn.ReLU(), nn.Flatten(), nn.Linear(8 * 6 * 6, 5)).eval().to(dtype)
    x = np.random.default_rng(10).standard_normal((2, 3, 8, 8))
    net = from_torch(model, x)
    with torch.no_grad():
        want = model(torch.as_tensor(x, dtype=dtype)).double().numpy()
        exact = model.double()(torch.as_tensor(x)).numpy()
    assert np.abs(net.forward(x) - want).max() <= 8 * torch.finfo(dtype).eps * np.abs(want).max()
    assert np.abs(net.forward(x) - exact).max() <= 1e-6 * np.abs(exact).max()  # the parameters, computed exactly


def test_a_bfloat16_model_torch_cannot_export_is_exported_from_a_float32_copy():
    """torch's TorchScript exporter fails on a bfloat16 attention with an explicit scale (as Hugging Face's sdpa
    attention calls it) with "ScalarType ComplexDouble is an unexpected tensor scalar type"; from_torch exports a
    float32 copy (the same values) and checks the network against the bfloat16 model; the model is left as it was"""
    class Attention(nn.Module):
        def __init__(self):
            super().__init__()
            self.qkv = nn.Linear(8, 24)

        def forward(self, x):
            q, k, v = self.qkv(x)[:, None].chunk(3, -1)
            return nn.functional.scaled_dot_product_attention(q, k, v, scale=0.25)[:, 0]

    torch.manual_seed(11)
    model = Attention().eval().to(torch.bfloat16)
    x = np.random.default_rng(11).standard_normal((2, 5, 8))
    net = from_torch(model, x)
    assert model.qkv.weight.dtype == torch.bfloat16
    with torch.no_grad():
        exact = Attention().double()
        exact.load_state_dict(model.state_dict())
        want = exact(torch.as_tensor(x)).numpy()
    assert np.abs(net.forward(x) - want).max() <= 1e-6 * np.abs(want).max()


@pytest.mark.parametrize("dtype", [torch.float64, torch.bfloat16])
def test_a_model_of_buffers_alone_is_traced_in_their_precision(dtype):
    """a fixed filter held as a buffer, no parameters: the example takes the buffer's precision (it had been taken
    as float32: "expected scalar type Float but found Double" from torch's exporter)"""
    class Fixed(nn.Module):
        def __init__(self):
            super().__init__()
            self.register_buffer("kernel", torch.randn(4, 3, 3, 3, generator=torch.Generator().manual_seed(13)))

        def forward(self, x):
            return nn.functional.conv2d(x, self.kernel)

    model = Fixed().eval().to(dtype)
    x = np.random.default_rng(13).standard_normal((2, 3, 8, 8))
    with torch.no_grad():
        want = nn.functional.conv2d(torch.as_tensor(x), model.kernel.double()).numpy()
    assert np.abs(from_torch(model, x).forward(x) - want).max() <= 1e-9 * np.abs(want).max()


def test_compiled_and_data_parallel_models_import_as_the_model_they_wrap():
    """torch's exporter refuses torch.compile's OptimizedModule ("FX to torch.jit.trace a dynamo-optimized function")
    and nn.DataParallel; each wraps the module that computes, which is imported"""
    torch.manual_seed(12)
    model = nn.Sequential(nn.Linear(16, 8), nn.ReLU(), nn.Linear(8, 3)).eval()
    x = np.random.default_rng(12).standard_normal((2, 16))
    for wrapped in (torch.compile(model), nn.DataParallel(model), torch.compile(nn.DataParallel(model))):
        net = from_torch(wrapped, x)
        assert np.abs(net.forward(x) - _torch_out(model, x)).max() <= 1e-6


def test_each_module_keeps_its_own_mode():
    """a model in training mode holding a module in eval mode: both modes as they were after the import (the
    import's model.train(True) had switched the inner module's dropout on)"""
    inner = nn.Sequential(nn.Linear(8, 8), nn.Dropout(0.5)).eval()
    outer = nn.Sequential(inner, nn.Linear(8, 2))
    from_torch(outer, np.ones((1, 8)))
    assert outer.training and not inner.training and not inner[1].training


class Inverse(nn.Module):
    def forward(self, x):
        return torch.linalg.inv(x)


def test_export_failure_is_torch_message_without_its_graph(capfd):
    """torch's message cut short; torch's own dump of its IR graph to standard output (printed on every failure)
    silenced"""
    with pytest.raises(ValueError, match=r"torch model Inverse: the ONNX export \(traced on a batch of one sample\) "
                                         r"failed: .*linalg_inv") as info:
        from_torch(Inverse(), np.eye(3)[None])
    assert "graph" not in str(info.value) and len(str(info.value)) < 400
    assert "may translate it: torch.onnx.export(model, (x[:1],), path, dynamo=True" in str(info.value)  # the way out
    out, err = capfd.readouterr()
    assert "graph" not in out + err


def test_an_export_failing_in_the_models_code_names_the_module_and_line():
    """torch's tracer raising inside a module's forward (Reformer's reversible layers: 'unordered_map::at', which
    names nothing): the innermost module running and the model's own line are named; a failure in torch's export
    passes (the Inverse above) names neither"""
    class Reversible(nn.Module):
        def forward(self, x):
            if torch.jit.is_tracing():  # as torch's tracer raises on Reformer's encoder
                raise RuntimeError("unordered_map::at")
            return x

    model = nn.Sequential(nn.Linear(4, 4), nn.Sequential(nn.ReLU(), Reversible()))
    with pytest.raises(ValueError, match=r"failed: RuntimeError: unordered_map::at, raised in '1\.1' \(Reversible\) "
                                         r"at test_torch_import\.py line \d+: raise RuntimeError\(\"unordered_map::at"
                                         r"\"\) \(torch's other exporter"):
        from_torch(model, np.ones((1, 4)))
    with pytest.raises(ValueError, match=r"raised in the model's forward \(Reversible\) at test_torch_import"):
        from_torch(Reversible(), np.ones((1, 4)))
    with pytest.raises(ValueError, match=r"linalg_inv") as info:
        from_torch(Inverse(), np.eye(3)[None])
    assert "raised" not in str(info.value)
    namespace = {"nn": nn, "torch": torch}  # a model whose code has no file: its module alone (a review)
    exec("class Exec(nn.Module):\n    def forward(self, x):\n        if torch.jit.is_tracing():\n"
         "            raise RuntimeError('unordered_map::at')\n        return x\n", namespace)
    with pytest.raises(ValueError, match=r"unordered_map::at, raised in '1' \(Exec\) \(torch's other"):
        from_torch(nn.Sequential(nn.Linear(4, 4), namespace["Exec"]()), np.ones((1, 4)))


def test_a_model_empty_on_one_sample_is_refused_before_the_export():
    """a sequence-first attention or transformer that splits its input along the first axis returns nothing on one
    sample, the export's: torch's exporter had divided by zero there and killed the process (SIGFPE: a networks
    probe); a dynamic-RoPE Llama's max_seq_len_cached is given back after the export (a plain number forward
    updates: left at the example's length, the model had skipped its rescaling after from_torch)"""
    class SequenceFirst(nn.Module):
        def __init__(self):
            super().__init__()
            self.attention = nn.MultiheadAttention(16, 2)

        def forward(self, x):
            return self.attention(x[4:], x[:4], x[:4])[0]

    class Encoded(nn.Module):
        def __init__(self):
            super().__init__()
            self.t = nn.Transformer(16, 2, 1, 1, 32, dropout=0.0)

        def forward(self, x):
            return self.t(x[:6], x[6:])

    for model in (SequenceFirst(), Encoded()):
        with pytest.raises(ValueError, match=r"its output on one sample \(the example's first, which the export "
                                             r"traces\) is empty, of shape \(0, 2, 16\), but not on the example's "
                                             r"10.*batch_first=True"):
            from_torch(model.eval(), torch.randn(10, 2, 16))

    class Tail(nn.Linear):
        def __init__(self):
            super().__init__(4, 4)

        def forward(self, x):
            return super().forward(x[1:])

    class Cached(nn.Module):
        def __init__(self):
            super().__init__()
            self.linear, self.length, self.cache = nn.Linear(4, 4), 16, None

        def forward(self, x):
            self.length, self.cache = max(self.length, x.shape[-1] * 6), torch.ones(4)  # (a tensor cached stays)
            return self.linear(x) / self.length

    model = Cached()
    from_torch(model, np.ones((1, 4)))
    assert model.length == 16 and torch.equal(model.cache, torch.ones(4))
    with pytest.raises(ValueError, match=r"is empty, of shape \(0, 4\), but not on the example's 3: the model takes "
                                         r"its first axis for something other than the batch .* or a slice of the "
                                         r"batch, x\[1:\]\)"):
        from_torch(Tail(), np.ones((3, 4)))


def test_an_example_the_model_raises_on_is_named_as_not_fitting_without_an_exporter_hint():
    """the model's own forward pass (eval mode, no_grad) raising on the example: the example does not fit, with
    torch's error (a wrong sample shape had been told to try torch's dynamo exporter, which fails as well); a
    model of torch's dynamic quantisation, which the dynamo exporter fails on too, is pointed to the float model
    and static (QDQ) quantisation"""
    with pytest.raises(ValueError, match=r"^torch model Linear: the example does not fit the model \(example_input "
                                         r"of shape \(1, 5\), torch.float32\): the model's own forward pass \(eval "
                                         r"mode, no_grad\) on its first sample raises RuntimeError: mat1 and mat2 "
                                         r"shapes cannot be multiplied \(1x5 and 8x4\)$"):
        from_torch(nn.Linear(8, 4), torch.randn(1, 5))
    quantised = torch.ao.quantization.quantize_dynamic(nn.Sequential(nn.Linear(8, 4), nn.ReLU()), {nn.Linear},
                                                       dtype=torch.qint8)
    with pytest.raises(ValueError, match=r"quantized::linear_dynamic.* \(the model is dynamically quantised, "
                                         r"torch\.ao\.nn\.quantized\.dynamic.*give the float model, or quantise it "
                                         r"statically.*quantize_static \(QDQ format\)") as info:
        from_torch(quantised, torch.randn(1, 8))
    assert "dynamo=True" not in str(info.value)


def test_a_module_the_model_does_not_hold_is_named_as_the_cause():
    """a module kept in a plain list (or created in forward) is not registered: torch refuses its weights as
    constants and appends their values; the error says what such a tensor usually is, without the values"""
    class Unregistered(nn.Module):
        def __init__(self):
            super().__init__()
            self.layers = [nn.Linear(4, 64)]  # a plain list: not the model's parameters

        def forward(self, x):
            return self.layers[0](x)

    with pytest.raises(ValueError, match=r"Cannot insert a Tensor that requires grad as a constant.*detaching the "
                                         r"gradient Tensor, raised in the model's forward \(Unregistered\) at "
                                         r"test_torch_import\.py line \d+: return self\.layers\[0\]\(x\) \(a tensor "
                                         r"the forward pass reads is not the model's: a module kept in a plain list"
                                         ) as info:
        from_torch(Unregistered(), np.ones((1, 4)))
    assert len(str(info.value)) < 700  # not the 256 weights


def test_examples_and_outputs_named_for_what_they_are():
    """An empty or non-finite example is refused up front (it had been exported, then probed with NaN statistics or
    blamed on the network's input); an integer example of a float model says it was taken as token ids; a model
    returning a dict of one tensor (as torchvision's segmentation models without aux) imports, and one returning
    several tensors in a dict is told to return one tensor (it had read as 'differs from the model')."""
    torch.manual_seed(0)
    dense = nn.Sequential(nn.Linear(8, 4))
    for bad, why in ((torch.zeros(0, 8), r"\(0, 8\)$"), (torch.full((2, 8), float("nan")), r"\(2, 8\), with NaN")):
        with pytest.raises(ValueError, match="example_input must hold at least one sample of finite values; got "
                                             "shape " + why):
            from_torch(dense, bad)
    with pytest.raises(ValueError, match=r"^an integer example_input is taken as token ids \(for a model of "
                                         r"real-valued inputs give a float example, e.g. images.float\(\)\); torch"):
        from_torch(dense, torch.ones(2, 8, dtype=torch.uint8))
    # what is no array of numbers is named as what it is (it had been torch's "can't convert np.ndarray of type
    # numpy.object_"); a dict of keyword inputs is told how to wrap the model
    for bad, error, why in ((None, TypeError, "got NoneType of dtype object"), ("ids", TypeError, "got str of dtype"),
                            ([[1.0, 2.0], [3.0]], ValueError, "a rectangular array of real numbers; numpy could "
                                                              "not read it"),
                            ({"input_ids": torch.ones(2, 8)}, TypeError, r"got a dict: wrap a model that takes keyword "
                                                                        r"inputs, e.g. forward\(self, ids\)")):
        with pytest.raises(error, match="example_input must be .*" + why):
            from_torch(dense, bad)
    x = torch.randn(2, 8)  # torch.onnx.export's args, (x,), is the one input (it had been a batch of one (2, 8) sample)
    assert all(from_torch(dense, args).input_shape == (8,) for args in ((x,), [x]))
    for several in ((x, torch.ones(2, 8)), [x, x], (x, 1.0)):  # a model's two inputs: had been stacked as one batch
        with pytest.raises(ValueError, match=r"example_input holds 2 values with tensors among them.*one input tensor"):
            from_torch(dense, several)
    # arrays as every entry point takes them (probe, 2026-12-07): big-endian (torch's own refusal had named no
    # argument) and Python numbers imported alike; a masked array refused (its mask had been dropped)
    want = from_torch(dense, x.numpy().astype(np.float64)).forward(x.numpy())
    for alike in (x.numpy().astype(">f8"), x.numpy().astype(object)):
        np.testing.assert_array_equal(from_torch(dense, alike).forward(x.numpy()), want)
    with pytest.raises(ValueError, match=r"example_input is a masked array; fill or drop the masked values first"):
        from_torch(dense, np.ma.array(x.numpy(), mask=np.eye(2, 8, dtype=bool)))
    np.testing.assert_array_equal(from_torch(dense, x.numpy().astype(np.longdouble)).forward(x.numpy()), want)
    table = nn.Embedding(10, 3)  # Python ints are token ids, as int64 ones (a review: they had become floats)
    ids = np.array([[1, 2, 3]])
    assert from_torch(table, ids.astype(object)).forward(ids).tolist() == from_torch(table, ids).forward(ids).tolist()

    class IdsThenInverse(nn.Module):  # token ids, then an operator the exporter refuses: no hint about the ids
        def __init__(self):
            super().__init__()
            self.table = nn.Embedding(10, 3)

        def forward(self, ids):
            return torch.linalg.inv(self.table(ids))

    with pytest.raises(ValueError, match=r"^torch model IdsThenInverse: the ONNX export \(traced on a batch of one "
                                         r"sample\) failed: .*linalg_inv"):
        from_torch(IdsThenInverse(), torch.tensor([[1, 2, 3]]))

    class Heads(nn.Module):
        def __init__(self, keys):
            super().__init__()
            self.keys, self.dense = keys, nn.Linear(8, 4)

        def forward(self, x):
            return {k: self.dense(x) * (i + 1) for i, k in enumerate(self.keys)}

    x = torch.randn(3, 8)
    one = Heads(["out"])
    assert np.allclose(from_torch(one, x).forward(x.double().numpy()), one(x)["out"].detach().numpy(), atol=1e-5)
    with pytest.raises(ValueError, match="torch model Heads: expected one data input and one output"):
        from_torch(Heads(["out", "aux"]), x)

    class HeadAndNone(nn.Module):  # a dict or tuple of one tensor, its other values None (dropped by the export)
        def __init__(self, pack):
            super().__init__()
            self.pack, self.dense = pack, nn.Linear(8, 4)

        def forward(self, x):
            return self.pack(self.dense(x))

    for pack in (lambda y: {"out": y, "aux": None}, lambda y: (y, None), lambda y: [None, y]):  # had been refused:
        model = HeadAndNone(pack)  # "its output is a dict, not one tensor"
        assert np.allclose(from_torch(model, x).forward(x.double().numpy()), model.dense(x).detach().numpy(),
                           atol=1e-5)


@pytest.mark.parametrize("kwargs", [{"scale_factor": 2}, {"scale_factor": 2, "align_corners": True},
                                    {"size": (7, 5)}, {"size": (7, 5), "align_corners": True}, {"scale_factor": 0.5},
                                    {"scale_factor": 1.5}, {"scale_factor": 2, "mode": "bicubic"},
                                    {"size": (7, 5), "mode": "bicubic", "align_corners": True}])
def test_bilinear_resizes_are_interpolations(kwargs, tmp_path):
    """bilinear (bicubic) upsampling, any scale, size, align_corners, becomes an Interpolate layer per axis: two
    (four) weights per output row, summing to 1; it survives the .npz format and is priced as a multiply and an add
    per weight"""
    from cimsim.models.from_network import model_from_network
    from cimsim.network import save_network

    class Head(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(3, 4, 3, padding=1)

        def forward(self, x):
            return self.conv(nn.functional.interpolate(x, **{"mode": "bilinear", **kwargs}))

    torch.manual_seed(16)
    x = np.random.default_rng(16).standard_normal((2, 3, 6, 4))
    net = _imported(Head().eval(), x)
    interpolations = [layer for layer in net.layers if layer.kind == "interpolate"]
    assert [layer.axis for layer in interpolations] == [1, 2]
    for layer in interpolations:
        taps = 4 if kwargs.get("mode") == "bicubic" else 2
        assert np.allclose(layer.weight.sum(axis=1), 1.0) and (np.count_nonzero(layer.weight, axis=1) <= taps).all()
    save_network(net, tmp_path / "head.npz")
    np.testing.assert_array_equal(load_network(tmp_path / "head.npz").forward(x), net.forward(x))
    first, second = interpolations
    work = first.work((3, 6, 4)) + second.work(first.output_shape((3, 6, 4)))
    assert work == 3 * (np.count_nonzero(first.weight) * 4 + np.count_nonzero(second.weight) * first.weight.shape[0])
    priced = [op for op in model_from_network(net).ops
              if getattr(op, "kind", "") in ("mul", "add") and "bias" not in op.name]
    assert sum(op.elements_per_item for op in priced if op.kind == "mul") == work
    assert sum(op.elements_per_item for op in priced if op.kind == "add") == work


class TransposedDecoder(nn.Module):
    """Transposed convolutions as decoders and GANs use them: strided, padded with output padding, grouped, dilated."""

    def __init__(self):
        super().__init__()
        self.up1 = nn.ConvTranspose2d(3, 4, 2, stride=2)
        self.up2 = nn.ConvTranspose2d(4, 6, 3, stride=2, padding=1, output_padding=1, groups=2)
        self.up3 = nn.ConvTranspose2d(6, 2, 3, stride=(1, 2), padding=(0, 1), dilation=2, bias=False)

    def forward(self, x):
        return self.up3(torch.relu(self.up2(torch.relu(self.up1(x))))).flatten(1)


def test_transposed_convolutions_are_dilated_padded_convolutions():
    torch.manual_seed(7)
    model, x = TransposedDecoder().eval(), np.random.default_rng(7).standard_normal((2, 3, 4, 5))
    net = _imported(model, x)
    kinds = [layer.kind for layer in net.layers]
    assert kinds.count("dilate") == kinds.count("pad") == kinds.count("conv2d") == 3
    with pytest.raises(ValueError, match=r"\(ConvTranspose\): ConvTranspose pads .* crop the output"):
        from_torch(nn.ConvTranspose2d(3, 2, 2, stride=2, padding=2), x)
    volume = nn.ConvTranspose3d(4, 6, (2, 3, 3), stride=(2, 2, 1), padding=(0, 1, 1), output_padding=(1, 0, 0),
                                groups=2)  # a 3-d UNet's decoder step
    net = _imported(volume.eval(), np.random.default_rng(8).standard_normal((2, 4, 3, 4, 5)))
    assert [layer.kind for layer in net.layers] == ["dilate", "pad", "conv3d"]


class RMSNorm(nn.Module):
    """Llama's RMSNorm: x / sqrt(mean(x**2) + eps) times a gain (torch.rsqrt exports as 1 / Sqrt)."""

    def __init__(self, d: int):
        super().__init__()
        self.gain = nn.Parameter(torch.linspace(0.5, 1.5, d))

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + 1e-6) * self.gain


class GatedHead(nn.Module):
    """A decoder-style block: RMSNorm, a SwiGLU MLP with a residual, a clamp by tensors, a summed feature, SELU and a
    log-softmax classifier."""

    def __init__(self):
        super().__init__()
        self.norm, self.gate, self.up, self.down = RMSNorm(8), nn.Linear(8, 16), nn.Linear(8, 16), nn.Linear(16, 8)
        self.head = nn.Linear(9, 4)

    def forward(self, x):
        h = x + self.down(nn.functional.silu(self.gate(self.norm(x))) * self.up(self.norm(x)))
        h = torch.minimum(torch.maximum(h, torch.full_like(h, -2.0)), torch.full_like(h, 2.0))
        h = torch.cat([nn.functional.selu(h), h.sum(-1, keepdim=True)], -1)
        return torch.log_softmax(self.head(h), -1)


def test_rmsnorm_swiglu_and_a_log_softmax_head():
    torch.manual_seed(8)
    model, x = GatedHead().eval(), np.random.default_rng(8).standard_normal((3, 8)) * 2
    net = _imported(model, x)
    functions = [layer.function for layer in net.layers if layer.kind == "unary"]
    assert "reciprocal" in functions and functions[-1] == "log"  # 1 / sqrt; the log of the softmax
    assert [layer.kind for layer in net.layers].count("clip") >= 2  # the clamp by tensors, as clips


def test_reductions_normalize_and_expand():
    """amax (ReduceMax), F.normalize (ReduceL2, a clip, Expand, Div), a sum and an expand to new axes"""
    class Reductions(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc, self.head = nn.Linear(6, 6), nn.Linear(18, 3)

        def forward(self, x):
            h = self.fc(x)
            h = nn.functional.normalize(h - h.amax(-1, keepdim=True), dim=-1)
            return self.head(h.unsqueeze(1).expand(-1, 3, -1).flatten(1))

    torch.manual_seed(9)
    model, x = Reductions().eval(), np.random.default_rng(9).standard_normal((3, 6))
    net = _imported(model, x)
    kinds = [layer.kind for layer in net.layers]
    assert "max" in kinds and "upsample" in kinds


class TokenViT(nn.Module):
    """A vision transformer with a learned class token concatenated before the patch tokens, read out at token 0."""

    def __init__(self):
        super().__init__()
        self.patch = nn.Conv2d(3, 16, 4, 4)
        self.cls = nn.Parameter(torch.randn(1, 1, 16))
        self.pos = nn.Parameter(torch.randn(1, 5, 16) * 0.1)
        self.enc = nn.TransformerEncoderLayer(16, 2, 32, 0.0, batch_first=True, norm_first=True)
        self.head = nn.Linear(16, 3)

    def forward(self, x):
        h = self.patch(x).flatten(2).transpose(1, 2)
        h = torch.cat([self.cls.expand(x.shape[0], -1, -1), h], 1) + self.pos
        return self.head(self.enc(h)[:, 0])


def test_class_token_concatenated_with_activations(tmp_path):
    from cimsim.network import save_network

    torch.manual_seed(10)
    model, x = TokenViT().eval(), np.random.default_rng(10).standard_normal((2, 3, 8, 8))
    net = _imported(model, x)
    joins = [layer for layer in net.layers if layer.kind == "join_constant"]
    assert len(joins) == 1 and joins[0].before and joins[0].constant.shape[-1] == 16
    save_network(net, tmp_path / "vit.npz")
    np.testing.assert_array_equal(load_network(tmp_path / "vit.npz").forward(x), net.forward(x))


class CausalAttention(nn.Module):
    """Decoder attention three ways: scaled_dot_product_attention(is_causal=True), an encoder layer with a causal
    src_mask (-inf above the diagonal, added), and masked_fill by a lower-triangular buffer (Where)."""

    def __init__(self):
        super().__init__()
        self.q, self.head = nn.Linear(8, 8), nn.Linear(24, 2)
        self.layer = nn.TransformerEncoderLayer(8, 2, 16, 0.0, batch_first=True)
        self.register_buffer("mask", nn.Transformer.generate_square_subsequent_mask(5))
        self.register_buffer("tri", torch.tril(torch.ones(5, 5)))

    def forward(self, x):
        q = self.q(x)
        a = nn.functional.scaled_dot_product_attention(q, q, q, is_causal=True)
        b = self.layer(x, src_mask=self.mask, is_causal=True)
        scores = (q @ q.transpose(1, 2) / 8 ** 0.5).masked_fill(self.tri == 0, float("-inf"))
        c = torch.softmax(scores, -1) @ q
        return self.head(torch.cat([a, b, c], -1).mean(1))


def test_causal_masks():
    torch.manual_seed(11)
    model, x = CausalAttention().eval(), np.random.default_rng(11).standard_normal((2, 5, 8))
    net = _imported(model, x)
    masks = [layer.shift for layer in net.layers if layer.kind == "affine" and layer.shift is not None
             and np.isneginf(layer.shift).any()]
    assert len(masks) >= 2 and all(np.isneginf(m).sum() == 10 for m in masks)  # the 10 cells above the diagonal


class SuperResolution(nn.Module):
    """Pixel unshuffle / shuffle (SpaceToDepth, DepthToSpace), ceil-mode pooling and a standard deviation (its
    Bessel count folded from the shape)."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(12, 12, 3, padding=1)
        self.pool = nn.MaxPool2d(3, 2, ceil_mode=True)
        self.avg = nn.AvgPool2d(3, 2, ceil_mode=True, count_include_pad=False)
        self.head = nn.Linear(3 * 4 * 4 + 3 * 2 * 2, 2)

    def forward(self, x):
        h = nn.functional.pixel_shuffle(self.conv(nn.functional.pixel_unshuffle(x, 2)), 2)
        h = h / (h.std(-1, keepdim=True) + 1.0)
        return self.head(torch.cat([self.pool(h).flatten(1), self.avg(self.pool(h)).flatten(1)], 1))


def test_pixel_shuffle_ceil_mode_pooling_and_std():
    torch.manual_seed(12)
    net = _imported(SuperResolution().eval(), np.random.default_rng(12).standard_normal((2, 3, 8, 8)))
    assert [layer.kind for layer in net.layers].count("transpose") == 2
    x = np.random.default_rng(12).standard_normal((2, 3, 8, 8))
    with pytest.raises(ValueError, match=r"\(AveragePool\): ceil_mode = 1 with count_include_pad = 1 and padding "
                                         r"adds windows here \(torch: ceil_mode=True, count_include_pad=True"):
        from_torch(nn.AvgPool2d(3, 2, padding=1, ceil_mode=True), x)
    for pool, sample in ((nn.AvgPool2d(3, 2, ceil_mode=True), x), (nn.AvgPool1d(2, ceil_mode=True), x[:, 0, :, :7])):
        # torch's defaults (count_include_pad=True) without padding: the padding counted is none, the means the same
        got = from_torch(pool, sample).forward(sample)
        np.testing.assert_allclose(got, pool(torch.tensor(sample, dtype=torch.float32)).double().numpy(), atol=1e-6)


class EinsumAttention(nn.Module):
    """Attention written with einsum: per-head Q Kᵀ and A V of two activations, and a projection by a constant
    weight given first (the operands swapped)."""

    def __init__(self):
        super().__init__()
        self.q, self.w, self.head = nn.Linear(8, 8), nn.Parameter(torch.randn(8, 6)), nn.Linear(30, 2)

    def forward(self, x):
        q = self.q(x).view(x.shape[0], 5, 2, 4).transpose(1, 2)
        a = torch.softmax(torch.einsum("bhqd,bhkd->bhqk", q, q) / 2.0, -1)
        h = torch.einsum("bhqk,bhkd->bqhd", a, q).flatten(2)
        return self.head(torch.einsum("dm,bnd->bnm", self.w, h).flatten(1))


def test_einsum_matrix_products_and_their_refusals():
    torch.manual_seed(13)
    x = np.random.default_rng(13).standard_normal((2, 5, 8))
    net = _imported(EinsumAttention().eval(), x)
    assert [layer.kind for layer in net.layers].count("activation_matmul") == 2

    class OneAndThree(nn.Module):  # a diagonal, a trace, a sum within one operand, three operands: had been refused
        def forward(self, x):
            return (torch.einsum("bii->bi", x) + torch.einsum("bii->b", x)[:, None] + torch.einsum("bij->bj", x)
                    + torch.einsum("bij,bjk,bkl->bil", x, x, x).sum(-1))

    _imported(OneAndThree().eval(), np.random.default_rng(14).standard_normal((2, 3, 3)))

    class Implicit(nn.Module):
        def forward(self, x):
            return torch.einsum("...ii", x)

    with pytest.raises(ValueError, match=r"\(Einsum\): Einsum '...ii': an ellipsis without an explicit output"):
        from_torch(Implicit(), np.ones((1, 3, 3)))


def test_a_mixture_of_experts_is_refused_saying_why():
    """HF's MoE blocks count tokens per expert with histc, which torch's exporter refuses; the error had named only
    histc. It now says the model routes tokens to experts, and where (a model without such a module keeps torch's
    message alone)."""
    class SparseMoeBlock(nn.Module):
        def __init__(self):
            super().__init__()
            self.router = nn.Linear(8, 4)
            self.experts = nn.Parameter(torch.randn(4, 8, 8))

        def forward(self, x):
            chosen = self.router(x).argmax(-1)
            tokens = torch.histc(chosen.float(), bins=4, min=0, max=3)  # tokens per expert, as HF's blocks count
            return torch.einsum("bi,bio->bo", x, self.experts[chosen]) + 0 * tokens.sum()

    class Histogram(nn.Module):
        def forward(self, x):
            return x + torch.histc(x, bins=4).sum()

    model = nn.Sequential(nn.Linear(8, 8), SparseMoeBlock())
    with pytest.raises(ValueError, match=r"'aten::histc'.* \(the model routes each token to some of its experts, "
                                         r"SparseMoeBlock at '1': .*imports the experts of Hugging Face "
                                         r"transformers' experts interface densely, not this module\)"):
        from_torch(model.eval(), np.ones((1, 8)))
    with pytest.raises(ValueError, match=r"'aten::histc'") as refused:
        from_torch(Histogram(), np.ones((1, 8)))
    assert "experts" not in str(refused.value)

    class InverseMoeBlock(nn.Module):  # a routing module's name, but a failure of another operator: torch's alone
        def forward(self, x):
            return torch.linalg.inv(x)

    with pytest.raises(ValueError, match=r"linalg_inv") as refused:
        from_torch(InverseMoeBlock(), np.eye(3)[None])
    assert "experts" not in str(refused.value) and "dynamo=True" in str(refused.value)


def test_a_mixture_of_experts_that_computes_every_expert_and_picks_by_its_routing_imports():
    """a routed block that computes every expert and picks each token's output by a computed index (a Gather at
    activation indices, as CLIP's text pooler): imported as the model runs it, every expert's product counted"""
    class TinyMoE(nn.Module):
        def __init__(self):
            super().__init__()
            self.router = nn.Linear(4, 3)
            self.experts = nn.ModuleList(nn.Linear(4, 4) for _ in range(3))

        def forward(self, x):
            outs = torch.stack([expert(x) for expert in self.experts], -2).reshape(-1, 3, 4)
            pick = self.router(x).argmax(-1).reshape(-1)
            return outs[torch.arange(outs.shape[0]), pick].reshape(x.shape)

    model = nn.Sequential(nn.Linear(4, 4), TinyMoE()).eval()
    x = np.random.default_rng(38).standard_normal((2, 5, 4))
    net = from_torch(model, x)
    np.testing.assert_allclose(net.forward(x), _torch_out(model, x), rtol=1e-5, atol=1e-6)
    from cimsim.models.from_network import model_from_network

    assert model_from_network(net).macs_per_item == 5 * (4 * 4 + 4 * 3 + 3 * 4 * 4)  # per token: the first Linear,
    # the router and all three experts


class SwitchExperts(nn.Module):
    """a routed block as Switch Transformers' (a token's expert chosen by its router's argmax), gathering the tokens
    of expert 0 with nonzero"""

    def __init__(self):
        super().__init__()
        self.router, self.expert = nn.Linear(4, 2), nn.Linear(4, 4)

    def forward(self, x):
        picked = torch.nonzero(self.router(x).argmax(-1).reshape(-1) == 0).reshape(-1)
        flat = x.reshape(-1, 4)
        return flat.index_add(0, picked, self.expert(flat[picked])).reshape(x.shape)


def test_a_mixture_of_experts_in_a_list_of_blocks_is_refused_saying_why():
    """Switch Transformers' experts (at 'encoder.block.1.layer.1.mlp') fail the import at a NonZero node: the hint
    had looked for the node names '/block/1/...' (torch writes '/block.1/...') and for 'nonzero' in that case only"""
    from cimsim.network._torch_export import routing_hint

    class Block(nn.Module):
        def __init__(self, routed: bool):
            super().__init__()
            self.mlp = SwitchExperts() if routed else nn.Linear(4, 4)

        def forward(self, x):
            return self.mlp(x)

    class Blocks(nn.Module):
        def __init__(self):
            super().__init__()
            self.block = nn.ModuleList([Block(False), Block(True)])

        def forward(self, x):
            for block in self.block:
                x = block(x)
            return x

    model = Blocks().eval()
    with pytest.raises(ValueError, match=r"'/block.1/mlp/NonZero' \(NonZero\).* \(the model routes each token to "
                                         r"some of its experts, SwitchExperts at 'block.1.mlp'"):
        from_torch(model, np.random.default_rng(39).standard_normal((2, 3, 4)))
    assert routing_hint(model, "node '/block.1/mlp/Gather' (Gather): Gather needs constant indices")  # its scope
    assert routing_hint(model, "node '/Squeeze' (NonZero): unsupported ONNX operator 'NonZero'")  # its operator
    assert not routing_hint(model, "node '/block.0/mlp/Gemm' (Gemm): unsupported")


def test_an_import_refused_for_shapes_that_do_not_fit_names_the_other_exporter(monkeypatch):
    """CANINE's TorchScript export holds a MatMul of (4, 16, 8) and (8, 16, 4), which its dynamo export imports
    right (6e-7 of torch): a refusal for a node whose inputs' shapes do not fit each other had named no way out"""
    import cimsim.network.torch_import as torch_import

    misfit = ("node '/MatMul' (MatMul): ActivationMatMul needs (..., m, k) and (..., k, n) per sample; got "
              "(4, 16, 8) and (8, 16, 4)")
    for said, hinted in ((misfit, True), ("node '/Add' (Add): shapes (2, 3) and (4,) do not broadcast", True),
                         ("node '/NonZero' (NonZero): unsupported ONNX operator 'NonZero'", False)):
        def refused(exported, source, said=said):
            raise ValueError(f"{source}: {said}")

        monkeypatch.setattr(torch_import, "network_from_onnx", refused)
        with pytest.raises(ValueError, match=re.escape(said)) as err:
            from_torch(nn.Linear(4, 4).eval(), np.ones((1, 4)))
        assert ("may be inconsistent" in str(err.value) and "dynamo=True" in str(err.value)) == hinted, said


class Experts(nn.Module):
    """The experts interface of Hugging Face transformers 5 (``use_experts_implementation``), as Mixtral, Qwen-MoE,
    OLMoE and GPT-OSS hold their experts: stacked weights, and the eager forward's loop over the experts some token
    picked, gathering those tokens (``has_gate``: a SiLU-gated up projection; else ``up_proj`` and ReLU)."""

    def __init__(self, experts: int, hidden: int, inner: int, has_gate=True, has_bias=False, is_transposed=False):
        super().__init__()
        self.num_experts, self.has_gate, self.has_bias, self.is_transposed = experts, has_gate, has_bias, is_transposed
        up = (2 if has_gate else 1) * inner

        def stacked(rows, cols):
            return nn.Parameter(torch.randn(experts, *((cols, rows) if is_transposed else (rows, cols))) / cols ** 0.5)

        setattr(self, "gate_up_proj" if has_gate else "up_proj", stacked(up, hidden))
        self.down_proj = stacked(hidden, inner)
        if has_bias:
            setattr(self, "gate_up_proj_bias" if has_gate else "up_proj_bias", nn.Parameter(torch.randn(experts, up)))
            self.down_proj_bias = nn.Parameter(torch.randn(experts, hidden))
        self.act_fn = nn.ReLU()

    def _apply_gate(self, gate_up):
        gate, up = gate_up.chunk(2, dim=-1)
        return nn.functional.silu(gate) * up

    def _project(self, x, weight, bias):
        y = x @ weight if self.is_transposed else nn.functional.linear(x, weight)
        return y if bias is None else y + bias

    def forward(self, hidden_states, top_k_index, top_k_weights):
        out = torch.zeros_like(hidden_states)
        mask = nn.functional.one_hot(top_k_index, self.num_experts).permute(2, 1, 0)
        for e in torch.greater(mask.sum(dim=(-1, -2)), 0).nonzero():
            e = e[0]
            position, token = torch.where(mask[e])
            up = self.gate_up_proj if self.has_gate else self.up_proj
            up_bias = (self.gate_up_proj_bias if self.has_gate else self.up_proj_bias) if self.has_bias else None
            h = self._project(hidden_states[token], up[e], None if up_bias is None else up_bias[e])
            h = self._apply_gate(h) if self.has_gate else self.act_fn(h)
            h = self._project(h, self.down_proj[e], self.down_proj_bias[e] if self.has_bias else None)
            out.index_add_(0, token, h * top_k_weights[token, position, None])
        return out


class MoeBlock(nn.Module):
    """A router (softmax, top k, renormalised, as Mixtral's) and its experts, over (batch, tokens, hidden)."""

    def __init__(self, experts: Experts, hidden: int, top_k: int):
        super().__init__()
        self.router, self.experts, self.top_k = nn.Linear(hidden, experts.num_experts, bias=False), experts, top_k

    def forward(self, x):
        tokens = x.reshape(-1, x.shape[-1])
        weights, chosen = torch.topk(torch.softmax(self.router(tokens), dim=-1), self.top_k, dim=-1)
        return x + self.experts(tokens, chosen, weights / weights.sum(dim=-1, keepdim=True)).reshape(x.shape)


@pytest.mark.parametrize("kwargs", [{}, {"has_gate": False, "has_bias": True}, {"is_transposed": True}])
def test_experts_of_the_transformers_interface_import_densely(kwargs):
    """Every expert multiplies every token, weighted by the token's routing weight for it (0 off its top k): the
    model's own output, in static matrix products (two per expert); the router's TopK gives the experts' numbers."""
    torch.manual_seed(0)
    model = nn.Sequential(MoeBlock(Experts(4, 8, 6, **kwargs), 8, 2), nn.LayerNorm(8),
                          MoeBlock(Experts(4, 8, 6, **kwargs), 8, 1)).eval()
    x = torch.randn(3, 5, 8)
    net = from_torch(model, x)
    assert sum(isinstance(layer, MatrixLayer) for layer in net.layers) == 2 * (1 + 2 * 4)  # router + 2 per expert
    with torch.no_grad():
        np.testing.assert_allclose(net.forward(x.double().numpy()), model(x).double().numpy(), atol=2e-6)
    assert Experts.forward is not None and "forward" not in vars(model[0].experts)  # the class's own again
    fractions = sorted(layer.routed_fraction for layer in net.layers if isinstance(layer, MatrixLayer))
    assert fractions == [0.25] * 8 + [0.5] * 8 + [1.0] * 2  # k / E of every expert's matrices; the routers whole


def test_top_k_indices_are_positions():
    """TopK's indices (refused before) are the positions of its values, as floats; of equal values the lower
    position first (ONNX's order)."""
    class Picks(nn.Module):
        def forward(self, x):
            values, positions = torch.topk(x, 3, dim=-1, largest=False)
            return values * 10 + positions

    x = torch.tensor([[3.0, 1.0, 2.0, 1.0, 0.5]])
    net = from_torch(Picks(), x)
    np.testing.assert_array_equal(net.forward(x.double().numpy()), [[5 + 4, 10 + 1, 10 + 3]])


def test_fields_packed_in_one_id_tensor_are_probed_each_in_its_own_range():
    """token ids and token types stacked in one tensor (a BERT wrapper's x[:, 0] ids 1..99, x[:, 1] types 0..1) and
    value-dependent Python code (a tracer warning, so probes of drawn ids): the probes had drawn types up to 99 from
    the whole example's range, an IndexError in torch refused as 'its trace depends on the input values (dynamic
    control flow)'; each value is drawn from the range the example's samples hold at its position"""
    class Packed(nn.Module):
        def __init__(self):
            super().__init__()
            self.ids, self.types = nn.Embedding(100, 4), nn.Embedding(2, 4)

        def forward(self, x):
            if (x < 0).any():  # as Hugging Face's checks of the ids
                raise ValueError("ids must be >= 0")
            return self.ids(x[:, 0]) + self.types(x[:, 1])

    torch.manual_seed(0)
    model = Packed().eval()
    x = torch.stack([torch.randint(1, 100, (2, 8)), torch.randint(0, 2, (2, 8))], 1)
    other = torch.stack([torch.randint(1, 100, (3, 8)), torch.randint(0, 2, (3, 8))], 1)
    net = from_torch(model, x)
    with torch.no_grad():
        want = model(other).double().numpy()
    np.testing.assert_allclose(net.forward(other.double().numpy()), want, rtol=1e-5, atol=1e-6)


def test_dynamic_control_flow_is_refused():
    class Branchy(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(4, 2)

        def forward(self, x):
            return self.fc(x) if x.sum() > 0 else -self.fc(x)

    with pytest.raises(ValueError, match="Branchy: its trace depends on the input values .*: on a batch of 2 inputs of "
                                         "the example's shape, the traced network and the model differ by up to"):
        from_torch(Branchy(), np.ones((1, 4)))

    class PositiveOnly(nn.Module):  # raises on the probes' negated example: the trace cannot be checked
        def forward(self, x):
            if (x < 0).any():
                raise RuntimeError("inputs must be >= 0")
            return x.sqrt()

    with pytest.raises(ValueError, match=r"PositiveOnly: the model raised RuntimeError on a probe input \(inputs must "
                                         r"be >= 0\), so its trace cannot be checked: the probe input made it raise, "
                                         r"not its control flow") as info:  # it had blamed control flow
        from_torch(PositiveOnly(), np.ones((1, 4)))
    assert "trace depends on the input values" not in str(info.value)
    assert "a float example's probes negate, double, shift and mirror its values" in str(info.value)  # not the ids'

    class Logs(nn.Module):  # a shape check and NaN on the negated probe, in torch and in the network alike
        def forward(self, x):
            if x.shape[-1] != 4:
                raise ValueError("4 features")
            return torch.log(x)

    _imported(Logs(), np.full((2, 4), 2.0))


class ShapeChecked(nn.Module):
    """What Hugging Face models do in Python on shapes: compare a traced size with the configured one (a tracer
    warning, harmless for the example's sample shape), and chunk an axis (its ends computed by integer division)."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(24, 3)

    def forward(self, x):
        if x.shape[-1] != 24:
            raise ValueError("24 features expected")
        a, b, c = x.chunk(3, dim=-1)
        return self.fc(torch.cat([2 * a, b, -c], -1))


def test_shape_checks_in_python_are_accepted_after_a_probe():
    model, x = ShapeChecked().eval(), np.random.default_rng(14).standard_normal((2, 24))
    with warnings.catch_warnings(record=True) as caught:  # the tracer warns about the shape check
        warnings.simplefilter("always")
        torch.jit.trace(model, torch.as_tensor(x[:1], dtype=torch.float32))
    assert any(issubclass(w.category, torch.jit.TracerWarning) for w in caught)
    _imported(model, x)


class TokenBatchNorms(nn.Module):
    """Batch norms whose channels are not a Dense's outputs: over the tokens of (batch, tokens, features)
    (BatchNorm1d(tokens) after a Linear with as many outputs as tokens: folding it into the Linear would be wrong
    silently), and LeViT's norm of the features over batch and tokens together."""

    def __init__(self):
        super().__init__()
        self.fc, self.fc2 = nn.Linear(8, 5, bias=False), nn.Linear(5, 4)  # no bias: the norm reads the product
        self.tokens, self.features = nn.BatchNorm1d(5), nn.BatchNorm1d(4)
        for norm in (self.tokens, self.features):
            norm.running_mean.uniform_(-1, 1), norm.running_var.uniform_(0.5, 2), norm.weight.data.uniform_(0.5, 2)

    def forward(self, x):
        h = self.fc2(self.tokens(self.fc(x)))
        return self.features(h.flatten(0, 1)).reshape_as(h)


def test_batch_norms_over_tokens_and_over_the_batch():
    torch.manual_seed(17)
    x = np.random.default_rng(17).standard_normal((3, 5, 8))
    model = TokenBatchNorms().eval()
    tokens_only = _imported(nn.Sequential(model.fc, model.tokens).eval(), x)
    assert [layer.kind for layer in tokens_only.layers] == ["dense", "affine"]  # not folded into the dense
    net = _imported(model, x)
    # the graph mixes its batch axis (flatten(0, 1)), so it keeps that axis: full-rank constants
    assert [layer.scale.shape for layer in net.layers if layer.kind == "affine"] == [(1, 5, 1), (1, 4)]


class DataMasks(nn.Module):
    """Comparisons and selections computed from the activations: a leaky ReLU by torch.where, masked_fill by a
    comparison, >= and <= against another activation, ==, and the logic of masks (~, &, |)."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(6, 6)

    def forward(self, x):
        h = self.fc(x)
        leaky = torch.where(h > 0, h, 0.1 * h)
        clipped = h.masked_fill(h < -1.0, 0.0)
        above, below = (h >= x).float(), (x <= 0.5).float()
        keep = ~(h > 1.0) & ((x > 0) | (h == 0.0))
        return leaky + clipped + above - below + torch.where(keep, x, -h) + torch.where(x > 0.3, 2.0, -1.0)


def test_comparisons_and_selections_of_activations():
    torch.manual_seed(18)
    net = _imported(DataMasks().eval(), np.random.default_rng(18).standard_normal((4, 6)))
    assert "step" in [getattr(layer, "function", None) for layer in net.layers]

    class MinusInf(nn.Module):
        def forward(self, x):
            return torch.softmax(x.masked_fill(x < 0, float("-inf")), -1)

    x = np.random.default_rng(3).standard_normal((5, 4))  # masked by its own values (refused before): x + log(mask)
    with torch.no_grad():
        want = MinusInf()(torch.as_tensor(x)).numpy()
    np.testing.assert_allclose(from_torch(MinusInf(), x).forward(x), want, rtol=1e-12, atol=0)


class Int8Net(nn.Module):
    """what onnxruntime's quantiser turns into QLinear operators: convs (one fused with a ReLU), a residual add, a
    concat, a sigmoid, average pooling, Gemms, a leaky ReLU, a product and a softmax"""

    def __init__(self):
        super().__init__()
        self.c1, self.c2, self.c3 = nn.Conv2d(3, 8, 3, padding=1), nn.Conv2d(8, 8, 3, padding=1), nn.Conv2d(8, 4, 1)
        self.fc, self.fc2 = nn.Linear(12 * 16, 16), nn.Linear(16, 5)

    def forward(self, x):
        a = torch.relu(self.c1(x))
        b = a + self.c2(a)
        c = nn.functional.avg_pool2d(torch.cat([b, torch.sigmoid(self.c3(b))], 1), 2)
        h = nn.functional.leaky_relu(self.fc(c.flatten(1)), 0.1)
        return torch.softmax(self.fc2(h) * h[:, :5], -1)


def test_int8_models_of_onnxruntimes_quantizer(tmp_path):
    """a network quantised by onnxruntime's static quantiser (uint8 activations, int8 weights per tensor and per
    channel) in both formats, QDQ (quantise / dequantise pairs) and QOperator (QLinearConv, QGemm, QLinearAdd, ...),
    imports and computes what onnxruntime computes node by node (within float32 rounding); onnxruntime's fused int8
    kernels (its default) land at most one output step apart, on the other side of a rounding boundary"""
    try:
        import onnx
        import onnxruntime as ort
        from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_static
    except ImportError:
        if os.environ.get("CI"):
            raise ImportError("CI must install onnxruntime (the test extra) for the int8 import test") from None
        pytest.skip("onnxruntime is not installed (the test extra has it)")
    # where this CPU's uint8 x int8 kernels saturate (int8.weight_offset: AVX2 without VNNI), onnxruntime's own
    # QLinear nodes are not exact; its quantiser's 7-bit weights (reduce_range, its advice for such CPUs) keep them so
    exact_int8_units = int8.weight_offset() == 0
    torch.manual_seed(22)
    x = np.random.default_rng(22).standard_normal((16, 3, 8, 8)).astype(np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(Int8Net().eval(), (torch.as_tensor(x[:1]),), str(tmp_path / "float.onnx"), dynamo=False,
                          input_names=["input"], dynamic_axes={"input": {0: "n"}})

    class Calibration(CalibrationDataReader):
        def __init__(self):
            self.samples = iter([{"input": x[k:k + 1]} for k in range(len(x))])

        def get_next(self):
            return next(self.samples, None)

    for form, per_channel in ((QuantFormat.QDQ, False), (QuantFormat.QDQ, True), (QuantFormat.QOperator, False),
                              (QuantFormat.QOperator, True)):
        path = tmp_path / f"int8-{form}-{per_channel}.onnx"
        quantize_static(str(tmp_path / "float.onnx"), str(path), Calibration(), quant_format=form,
                        per_channel=per_channel, activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8,
                        reduce_range=not exact_int8_units)
        model = onnx.load(str(path))
        last = next(n for n in model.graph.node if n.output[0] == model.graph.output[0].name)  # DequantizeLinear
        step = float(next(onnx.numpy_helper.to_array(t) for t in model.graph.initializer if t.name == last.input[1]))
        got = load_network(path).forward(x.astype(np.float64))
        literal = ort.SessionOptions()  # each node as ONNX defines it, no fused kernels
        literal.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
        for options, steps in ((literal, 0.0), (None, 1.0)):
            session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
            want = session.run(None, {"input": x})[0]
            tolerance = steps * step + 1e-6 * np.abs(want).max()  # float32 rounding
            assert np.abs(got - want).max() <= tolerance, (form, per_channel, options)
        if form == QuantFormat.QOperator:
            assert {"QLinearConv", "QGemm", "QLinearAdd", "QLinearConcat"} <= {n.op_type for n in model.graph.node}


@pytest.mark.parametrize("size", [5, 4])
def test_local_response_norm(size):
    """torch exports LocalResponseNorm as a rank check (an If on a shape: its branch inlined), a 3-d average pool
    over channels (a 2-d pool of the merged positions) and a power of 0.75 (exp(p log x))"""
    torch.manual_seed(24)
    model = nn.Sequential(nn.Conv2d(3, 7, 3), nn.ReLU(), nn.LocalResponseNorm(size, alpha=1e-2, beta=0.75, k=2.0))
    _imported(model.eval(), np.random.default_rng(24).standard_normal((2, 3, 9, 9)))


class TinyLM(nn.Module):
    """A language model fed token ids: token embeddings (tied to the head), RoBERTa's positions counted along the
    padding mask (ne, cumsum, a lookup by computed ids), token types gathered from an all-zero buffer, one encoder
    layer."""

    def __init__(self):
        super().__init__()
        self.tokens, self.positions, self.types = nn.Embedding(40, 16), nn.Embedding(12, 16), nn.Embedding(2, 16)
        self.layer = nn.TransformerEncoderLayer(16, 2, 32, 0.0, batch_first=True)
        self.head = nn.Linear(16, 40, bias=False)
        self.head.weight = self.tokens.weight
        self.register_buffer("type_ids", torch.zeros(1, 12, dtype=torch.long))

    def forward(self, ids):
        mask = ids.ne(1).int()
        positions = torch.cumsum(mask, dim=1) * mask + 1
        types = torch.gather(self.type_ids.expand(ids.shape[0], -1), 1, positions)
        h = self.tokens(ids) + self.positions(positions) + self.types(types)
        return self.head(self.layer(h))


def test_token_ids_are_looked_up(tmp_path):
    """integer examples are token ids: each embedding table becomes an Embedding lookup (ids as floats of integer
    value), its table kept in DRAM by the shapes-only model unless a matrix layer holds it (a tied head: counted once,
    on the crossbars); ids outside the vocabulary are refused"""
    from cimsim.models.from_network import model_from_network
    from cimsim.network import save_network

    torch.manual_seed(25)
    model = TinyLM().eval()
    ids = np.random.default_rng(25).integers(0, 40, (3, 8))
    ids[0, 5:] = 1  # padding
    net = from_torch(model, ids)
    with torch.no_grad():
        want = model(torch.as_tensor(ids)).numpy()
    np.testing.assert_allclose(net.forward(ids.astype(np.float64)), want, atol=1e-4 * np.abs(want).max())
    assert [layer.kind for layer in net.layers].count("embedding") == 3  # tokens, positions, types (ids all 0)
    assert model_from_network(net).dram_parameters == (12 + 2) * 16  # the token table is the tied head's matrix
    save_network(net, tmp_path / "lm.npz")
    np.testing.assert_array_equal(load_network(tmp_path / "lm.npz").forward(ids.astype(np.float64)),
                                  net.forward(ids.astype(np.float64)))
    with pytest.raises(ValueError, match=r"Embedding ids must be integers in \[0, 40\); got values from 5 to 40"):
        net.forward(np.full((1, 8), 40.0) - np.arange(8.0) * 5)
    with pytest.raises(ValueError, match=r"got values from 1 to 2.5, 1 not an integer \(e.g. 2.5\)"):
        net.forward(np.array([[1.0, 2.5, 1, 1, 1, 1, 1, 1]]))


class VideoNet(nn.Module):
    """An r3d-style video CNN: a strided (3, 7, 7) stem, batch norms folded into 3-d convolutions, a residual block
    with a grouped convolution, 3-d max and average pooling (as two 2-d poolings each) and a global average pool."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv3d(3, 8, (3, 7, 7), (1, 2, 2), (1, 3, 3), bias=False), nn.BatchNorm3d(8),
                                  nn.ReLU())
        self.block = nn.Sequential(nn.Conv3d(8, 8, 3, padding=1, bias=False), nn.BatchNorm3d(8), nn.ReLU(),
                                   nn.Conv3d(8, 8, 3, padding=1, groups=2))
        self.down, self.fc = nn.Conv3d(8, 16, 1, stride=2), nn.Linear(16, 5)
        for norm in (self.stem[1], self.block[1]):
            norm.running_mean.uniform_(-1, 1), norm.running_var.uniform_(0.5, 2)

    def forward(self, x):
        h = self.stem(x)
        h = self.down(torch.relu(h + self.block(h)))
        h = nn.functional.max_pool3d(h, (2, 3, 3), (1, 2, 2), (1, 1, 1))
        h = h + nn.functional.avg_pool3d(h, 3, 1, 1, count_include_pad=False)
        return self.fc(nn.functional.adaptive_avg_pool3d(h, 1).flatten(1))


def test_video_cnn_of_3d_convolutions():
    from cimsim.models.from_network import model_from_network

    torch.manual_seed(26)
    net = _imported(VideoNet().eval(), np.random.default_rng(26).standard_normal((2, 3, 6, 24, 24)))
    kinds = [layer.kind for layer in net.layers]
    assert kinds.count("conv3d") == 4 and "affine" not in kinds  # the norms folded into the convolutions
    shapes = net.shapes()
    conv_macs = sum(layer.weight.size * layer.rows_per_sample(shapes[reads[0]])
                    for layer, reads in zip(net.layers, net.inputs) if layer.kind == "conv3d")
    assert model_from_network(net).macs_per_item == conv_macs + 16 * 5  # and the classifier


def test_periodic_and_rounding_activations():
    """a SIREN's sine activations, a cosine, and the rounding of quantisation-aware training (round, floor, ceil,
    sign) of activations"""
    class Siren(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(4, 6)

        def forward(self, x):
            h = self.fc(x)
            return torch.sin(30 * h) + torch.cos(h) + torch.round(h * 4) / 4 + torch.floor(h) + torch.ceil(h) + h.sign()

    torch.manual_seed(27)
    net = _imported(Siren().eval(), np.random.default_rng(27).standard_normal((3, 4)))
    assert {"sin", "cos", "round", "floor", "ceil", "sign"} <= {getattr(layer, "function", "") for layer in net.layers}


class Perceiver(nn.Module):
    """Learned latent queries attending to the inputs: the queries are constants (a parameter expanded over the
    batch), so Q Kᵀ is a constant per head times an activation: a Dense per head between transposes."""

    def __init__(self):
        super().__init__()
        self.latents, self.embed = nn.Parameter(torch.randn(4, 16)), nn.Linear(8, 16)
        self.attention = nn.MultiheadAttention(16, 2, batch_first=True)

    def forward(self, x):
        kv = self.embed(x)
        return self.attention(self.latents.expand(x.shape[0], -1, -1), kv, kv, need_weights=False)[0].mean(1)


def test_learned_queries_are_matrices():
    torch.manual_seed(28)
    net = _imported(Perceiver().eval(), np.random.default_rng(28).standard_normal((3, 6, 8)))
    # the queries' projection folds into the latents; their product with the keys is a Dense per head
    assert [layer.weight.shape for layer in net.layers if layer.kind == "dense"].count((4, 8)) == 2


class PatchesAndDistances(nn.Module):
    """F.unfold's patches (a Gather of non-consecutive constant indices), distances to fixed centres (a constant
    that widens the activation when subtracted), and the other reductions: min, log-sum-exp, L1, sum of squares,
    log of a sum."""

    def __init__(self):
        super().__init__()
        self.fc, self.centres = nn.Linear(3 * 4, 6), nn.Parameter(torch.randn(5, 6))

    def forward(self, x):
        patches = self.fc(nn.functional.unfold(x, 2, stride=2).transpose(1, 2))  # (batch, 4 patches, 6)
        distances = torch.cdist(patches, self.centres[None].expand(x.shape[0], -1, -1))  # (batch, 4, 5)
        lse = torch.logsumexp(distances, -1, keepdim=True)
        return torch.cat([distances - distances.amin(1, keepdim=True), lse, patches.abs().sum(-1, keepdim=True),
                          patches.pow(2).sum(-1, keepdim=True), torch.log(distances.sum(-1, keepdim=True))], -1)


def test_patches_distances_and_reductions():
    torch.manual_seed(29)
    _imported(PatchesAndDistances().eval(), np.random.default_rng(29).standard_normal((2, 3, 4, 4)))


def test_elementwise_bounds_triangles_and_celu():
    """maximum / minimum against bounds that vary (relu(x - c) + c), triangles of an activation (a 0 / 1 mask) and
    CELU"""
    class Bounded(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(4, 4)
            self.register_buffer("low", torch.linspace(-1, 0, 4))

        def forward(self, x):
            h = self.fc(x)
            bounded = torch.maximum(h, self.low) + torch.minimum(h, 2 * self.low)
            return torch.triu(bounded) + 2 * torch.tril(bounded, -1) + nn.functional.celu(h, 0.5)

    torch.manual_seed(31)
    _imported(Bounded().eval(), np.random.default_rng(31).standard_normal((3, 4, 4)))


class ContinuousPositionBias(nn.Module):
    """Swin V2's continuous position bias: a small MLP (Linear, ReLU, Linear, GELU, sigmoid, softmax, clamp) run on a
    constant table of log-spaced coordinates. Every step's inputs are constants, so the whole bias folds at import
    into one constant added to the attention scores."""

    def __init__(self):
        super().__init__()
        self.mlp = nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 2), nn.GELU(), nn.LeakyReLU(0.1))
        self.q = nn.Linear(4, 4)
        coords = torch.stack(torch.meshgrid(torch.arange(3.0), torch.arange(2.0), indexing="ij"), -1).reshape(6, 2)
        self.register_buffer("coords", torch.sign(coords) * torch.log2(coords.abs() + 1))

    def forward(self, x):  # x (batch, 6 tokens, 4)
        table = self.mlp(self.coords)  # (6, 2)
        bias = 16 * torch.sigmoid(table @ table.T).clamp(0.1, 0.9) + torch.softmax(table @ table.T, -1)
        q = self.q(x)
        return torch.softmax(q @ q.transpose(1, 2) + bias, -1) @ x


def test_constant_subgraphs_fold():
    torch.manual_seed(32)
    net = _imported(ContinuousPositionBias().eval(), np.random.default_rng(32).standard_normal((2, 6, 4)))
    assert [layer.kind for layer in net.layers].count("dense") == 1  # only q; the bias MLP folded


def test_position_tables_interpolated_at_import():
    """DINOv2 interpolates its position embeddings to the input's size (bicubic) and BEiT builds its relative-position
    index with scatters: constants, folded at import"""
    class Interpolated(nn.Module):
        def __init__(self):
            super().__init__()
            self.positions, self.fc = nn.Parameter(torch.randn(1, 4, 3, 3)), nn.Linear(4, 2)

        def forward(self, x):  # x (batch, 4, 5, 5)
            table = nn.functional.interpolate(self.positions, size=(5, 5), mode="bicubic", align_corners=False)
            index = torch.zeros(25, dtype=torch.long)
            index[torch.tensor([1, 3])] = torch.tensor([2, 4])
            return self.fc((x + table).flatten(2).transpose(1, 2)) + index.float()[None, :, None]

    torch.manual_seed(33)
    net = _imported(Interpolated().eval(), np.random.default_rng(33).standard_normal((2, 4, 5, 5)))
    assert "interpolate" not in [layer.kind for layer in net.layers]


def test_convolution_of_a_constant_folds():
    """EdgeNeXt projects a Fourier position table (computed from constants) with a 1 x 1 convolution: folded, so
    the network keeps only the model's own convolution"""
    class FourierPositions(nn.Module):
        def __init__(self):
            super().__init__()
            self.project, self.conv = nn.Conv2d(6, 4, 1), nn.Conv2d(4, 4, 3, padding=1)

        def forward(self, x):  # x (batch, 4, 5, 5)
            grid = torch.arange(1, 6, dtype=torch.float32)
            angles = grid[:, None, None] * torch.arange(1, 4, dtype=torch.float32)[None, None, :] + grid[None, :, None]
            table = torch.cat([angles.sin(), angles.cos()], -1).permute(2, 0, 1)[None]  # (1, 6, 5, 5)
            return self.conv(x + self.project(table))

    torch.manual_seed(34)
    net = _imported(FourierPositions().eval(), np.random.default_rng(34).standard_normal((2, 4, 5, 5)))
    assert [layer.kind for layer in net.layers].count("conv2d") == 1


def test_weight_standardisation_folds():
    """NF-Nets standardise each conv's weights with a training-mode batch norm over the weight tensor (timm's
    ScaledStdConv2d): a BatchNormalization of a constant with its own statistics, folded"""
    class StdConv(nn.Conv2d):
        def forward(self, x):
            w = nn.functional.batch_norm(self.weight.reshape(1, self.out_channels, -1), None, None, training=True,
                                         momentum=0.0, eps=1e-5).reshape_as(self.weight)
            return nn.functional.conv2d(x, w * 0.5, self.bias, self.stride, self.padding)

    torch.manual_seed(35)
    net = _imported(StdConv(3, 4, 3, padding=1).eval(), np.random.default_rng(35).standard_normal((2, 3, 6, 6)))
    assert [layer.kind for layer in net.layers] == ["conv2d"]


class Windowed(nn.Module):
    """EfficientViT's and TNT's pattern: windows moved into the batch axis, then a convolution, a depthwise one and
    a pooling per window"""

    def __init__(self):
        super().__init__()
        self.conv, self.dw = nn.Conv2d(3, 6, 1), nn.Conv2d(6, 6, 3, padding=1, groups=6, bias=False)
        self.pool = nn.MaxPool2d(2)

    def forward(self, x):
        b, c, h, w = x.shape
        windows = x.reshape(b, c, 2, h // 2, 2, w // 2).permute(0, 2, 4, 1, 3, 5).reshape(b * 4, c, h // 2, w // 2)
        y = self.pool(self.dw(self.conv(windows)))
        return y.reshape(b, 4, 6, h // 4, w // 4).permute(0, 2, 1, 3, 4).flatten(1)


def test_convolutions_over_windows_in_the_batch_axis():
    """A stack of images per sample (n, C, H, W): each convolution is one 3-d convolution with a kernel of depth 1
    (its weights programmed once, n x H' x W' vectors read), the pooling runs over the n x C maps"""
    torch.manual_seed(36)
    net = _imported(Windowed().eval(), np.random.default_rng(36).standard_normal((2, 3, 8, 8)))
    convs = [(layer, reads) for layer, reads in zip(net.layers, net.inputs) if layer.kind == "conv3d"]
    assert [layer.weight.shape for layer, _ in convs] == [(6, 3, 1, 1, 1), (6, 1, 1, 3, 3)]
    shapes = net.shapes()
    assert [layer.rows_per_sample(shapes[reads[0]]) for layer, reads in convs] == [4 * 4 * 4] * 2


class RelativePositions(nn.Module):
    """MViT v2's attention: a relative-position table per query row (an Einsum with the constant's batch label),
    added in place to the attention of the tokens after the class token (a ScatterND of activations)"""

    def __init__(self):
        super().__init__()
        self.qkv, self.rel = nn.Linear(6, 18), nn.Parameter(torch.randn(3, 3, 6))

    def forward(self, x):  # x: (batch, 1 + 3 x 3 tokens, 6)
        q, k, v = self.qkv(x).chunk(3, dim=-1)
        attn = q @ k.transpose(-2, -1)
        rows = torch.einsum("bhwc,hkc->bhwk", q[:, 1:].reshape(-1, 3, 3, 6), self.rel)
        attn[:, 1:, 1:] = (attn[:, 1:, 1:].reshape(-1, 3, 3, 3, 3) + rows[:, :, :, :, None]).reshape(-1, 9, 9)
        return attn.softmax(-1) @ v


def test_relative_position_tables_and_in_place_writes():
    torch.manual_seed(38)
    net = _imported(RelativePositions().eval(), np.random.default_rng(38).standard_normal((2, 10, 6)))
    assert [layer.kind for layer in net.layers].count("scatter") == 1
    assert sum(layer.kind == "dense" and layer.weight.shape == (3, 6) for layer in net.layers) == 3  # one per row
    from cimsim.models.from_network import model_from_network
    scatter = next(n for layer, n in zip(net.layers, net.names) if layer.kind == "scatter")
    assert scatter not in {op.name for op in model_from_network(net).ops}  # data movement: no vector-unit work


@pytest.mark.parametrize("kernel, dilation, padding, stride", [(3, 1, 1, 1), ((2, 3), (2, 1), (1, 0), (2, 3))])
def test_fold_exports_as_pads_and_adds(kernel, dilation, padding, stride):
    """nn.Fold (col2im, VOLO's outlook attention), which torch's exporter refuses: each kernel tap's blocks spread by
    the stride and padded to their place, summed; no matrix layer"""
    unfold = nn.Unfold(kernel, dilation, padding, stride)
    model = nn.Sequential(unfold, nn.Fold((7, 8), kernel, dilation, padding, stride)).eval()
    net = _imported(model, np.random.default_rng(39).standard_normal((2, 3, 7, 8)))
    assert not net.matrix_layers()
    assert torch.nn.functional.fold.__module__ == "torch.nn.functional"  # restored after the export


class Plain(nn.Module):
    """modules whose functions torch's exporter does not translate at opset 17 (channel shuffle, a non-zero
    threshold, RMS norm, a bilinear form), and a 1-d transposed convolution"""

    def __init__(self):
        super().__init__()
        self.shuffle, self.threshold = nn.ChannelShuffle(2), nn.Threshold(0.1, -2.0)
        self.norm, self.bilinear = nn.RMSNorm(8), nn.Bilinear(8, 8, 5)
        self.up = nn.ConvTranspose1d(4, 2, 3, stride=2, padding=1, output_padding=1)

    def forward(self, x):  # (batch, 4, 8)
        y = self.norm(self.threshold(self.shuffle(x.unsqueeze(-1)).squeeze(-1)))
        return torch.cat([self.bilinear(y, y.flip(1)).flatten(1), self.up(y).flatten(1)], 1)


def test_functions_the_exporter_refuses_export_as_what_they_compute():
    originals = [getattr(torch.nn.functional, f) for f in ("channel_shuffle", "threshold", "rms_norm", "bilinear")]
    torch.manual_seed(44)
    net = _imported(Plain().eval(), np.random.default_rng(44).standard_normal((2, 4, 8)))
    assert [getattr(torch.nn.functional, f) for f in ("channel_shuffle", "threshold", "rms_norm",
                                                      "bilinear")] == originals  # restored after the export
    assert sum(layer.kind == "conv2d" for layer in net.layers) == 1  # the 1-d transposed convolution


class Interleaved(nn.Module):
    """Cohere's attention inputs in small: rotary angles repeated along their last axis (``repeat_interleave(...,
    dim=-1)``), and query and key heads viewed by one shared shape with -1 heads, whose -1 torch's export of
    repeat_interleave rewrote (the query's view became [1, 3, 16, 4])"""

    def __init__(self):
        super().__init__()
        self.q, self.k = nn.Linear(16, 16), nn.Linear(16, 8)
        self.freq = nn.Parameter(torch.randn(2), requires_grad=False)

    def forward(self, x):  # (batch, tokens, 16)
        shape = (*x.shape[:-1], -1, 4)
        q, k = self.q(x).view(shape), self.k(x).view(shape)
        angle = torch.repeat_interleave(self.freq, 2, dim=-1)
        return (q * angle.cos()).sum(-2) + (k * angle.sin()).sum(-2) + x.repeat_interleave(2, -1)[..., ::8]


class Refused(nn.Module):
    """diff, expm1, trunc and frac, which torch's exporter refuses at opset 17"""

    def forward(self, x):  # (batch, 6)
        return torch.cat([x.diff(dim=1), torch.diff(x, n=2, dim=1, prepend=x[:, :1], append=x[:, -2:]),
                          torch.expm1(0.5 * x), torch.trunc(3 * x), (3 * x).frac()], 1)


@pytest.mark.parametrize("model, shape", [(Interleaved, (2, 3, 16)), (Refused, (2, 6))])
def test_repeats_differences_and_roundings_export_as_what_they_compute(model, shape):
    calls = [getattr(owner, name) for owner in (torch, torch.Tensor)
             for name in ("repeat_interleave", "diff", "expm1", "trunc", "frac")]
    torch.manual_seed(45)
    _imported(model().eval(), np.random.default_rng(45).standard_normal(shape))
    assert [getattr(owner, name) for owner in (torch, torch.Tensor)
            for name in ("repeat_interleave", "diff", "expm1", "trunc", "frac")] == calls  # restored


@pytest.mark.parametrize("pool, shape", [
    (lambda: nn.MaxPool2d(3, stride=2, padding=1, dilation=2), (2, 3, 11, 12)),
    (lambda: nn.MaxPool2d((2, 3), stride=1, dilation=(3, 2), ceil_mode=True), (2, 3, 11, 12)),
    (lambda: nn.MaxPool1d(3, stride=2, dilation=3, padding=1), (2, 3, 20)),
    (lambda: nn.MaxPool3d(2, stride=1, dilation=(2, 1, 3)), (2, 3, 6, 7, 8))])
def test_dilated_max_pooling(pool, shape):
    """max pooling whose taps are dilation apart (1-d, 2-d with padding or ceil mode, 3-d: depth dilated too)"""

    class Pooled(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = getattr(nn, f"Conv{len(shape) - 2}d")(3, 3, 1)
            self.pool = pool()

        def forward(self, x):
            return self.pool(self.conv(x)).flatten(1)

    torch.manual_seed(51)
    net = _imported(Pooled().eval(), np.random.default_rng(51).standard_normal(shape))
    assert any(getattr(layer, "dilation", (1, 1)) != (1, 1) for layer in net.layers if layer.kind == "maxpool2d")


class Transformed(nn.Module):
    """a spatial transformer (the affine grid computed from the input, which torch's exporter refuses at opset 17),
    or a fixed warp (a constant grid), then a convolution"""

    def __init__(self, fixed: bool, **options):
        super().__init__()
        self.fixed, self.options = fixed, options
        self.loc, self.conv = nn.Linear(3 * 8 * 8, 6), nn.Conv2d(3, 4, 3, padding=1)
        self.register_buffer("grid", torch.rand(1, 5, 6, 2) * 2.4 - 1.2)

    def forward(self, x):
        if self.fixed:
            grid = self.grid.expand(x.shape[0], -1, -1, -1)
        else:
            theta = torch.tensor([1.0, 0.1, 0.05, -0.1, 0.9, 0.0]) + 0.2 * torch.tanh(self.loc(x.flatten(1)))
            grid = torch.nn.functional.affine_grid(theta.view(-1, 2, 3), (x.shape[0], 3, 6, 5),
                                                 align_corners=self.options.get("align_corners", False))
        options = {"align_corners": False, **self.options}
        return self.conv(torch.nn.functional.grid_sample(x, grid, **options)).flatten(1)


@pytest.mark.parametrize("fixed, options", [(False, {}), (False, {"mode": "nearest", "padding_mode": "reflection",
                                                                  "align_corners": True}),
                                            (True, {"padding_mode": "border", "align_corners": True})])
def test_grid_sampling_imports(fixed, options):
    """grid_sample at a computed grid is a GridSample layer, at a constant grid the linear map it is"""
    torch.manual_seed(52)
    net = _imported(Transformed(fixed, **options).eval(), np.random.default_rng(52).standard_normal((2, 3, 8, 8)))
    assert ("interpolate" if fixed else "gridsample") in [layer.kind for layer in net.layers]
    assert torch.nn.functional.affine_grid.__module__ == "torch.nn.functional"  # restored after the export


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
def test_embedding_bags_of_one_size_are_lookups_and_a_reduction(mode):
    """nn.EmbeddingBag fed 2-d ids (one bag per row, as DLRM's sparse features), which torch exports as a Loop: an
    Embedding lookup, then the bag's sum, mean or max, then a dense layer; per-sample weights too (sum)"""

    class Bags(nn.Module):
        def __init__(self):
            super().__init__()
            self.bag, self.head = nn.EmbeddingBag(30, 6, mode=mode), nn.Linear(6, 3)

        def forward(self, ids):
            return self.head(self.bag(ids, per_sample_weights=torch.ones(ids.shape) * 0.5 if mode == "sum" else None))

    torch.manual_seed(46)
    model = Bags().eval()
    ids = np.random.default_rng(46).integers(0, 30, (3, 5))
    net = from_torch(model, ids)
    with torch.no_grad():
        want = model(torch.as_tensor(ids)).numpy()
    np.testing.assert_allclose(net.forward(ids.astype(np.float64)), want, atol=1e-5 * np.abs(want).max())
    assert [layer.kind for layer in net.layers].count("embedding") == 1 and len(net.matrix_layers()) == 1
    assert torch.nn.functional.embedding_bag.__module__ == "torch.nn.functional"  # restored after the export


def test_embedding_bags_with_offsets_stay_refused():
    """bags of varying size (1-d ids and offsets) are a loop with a scan output: refused, naming it"""

    class Offsets(nn.Module):
        def __init__(self):
            super().__init__()
            self.bag = nn.EmbeddingBag(30, 6)

        def forward(self, ids):
            return self.bag(ids.flatten(), torch.arange(0, ids.numel(), ids.shape[1]))

    with pytest.raises(ValueError, match="node .*Loop.*: a Loop's scan outputs .* are not supported \\(torch exports "
                                         "an nn.EmbeddingBag given offsets.*give it 2-d ids instead"):
        from_torch(Offsets().eval(), np.random.default_rng(47).integers(0, 30, (2, 5)))


class Outer(nn.Module):
    """an outer product (an Einsum with no label contracted), of two activations and of one with a constant, and
    a value per sample (a sum over every axis)"""

    def __init__(self):
        super().__init__()
        self.scale = nn.Parameter(torch.randn(3))

    def forward(self, x):  # (batch, 4)
        pairs = torch.einsum("bi,bj->bij", x, x.flip(-1))
        scaled = torch.einsum("bij,k->bkji", pairs, self.scale)
        return scaled.flatten(1) * (x ** 2).sum(-1, keepdim=True) + nn.functional.pairwise_distance(x, -x)[:, None]


def test_outer_products_and_a_value_per_sample():
    torch.manual_seed(45)
    net = _imported(Outer().eval(), np.random.default_rng(45).standard_normal((3, 4)))
    assert not net.matrix_layers()  # elementwise products only


def test_tensor_unfold_exports_as_slices():
    """Tensor.unfold (HaloNet's blocks with halos; refused by torch's exporter where it cannot see the input's size)
    as the windows it takes, stacked; Tensor.unfold restored after the export"""
    class Blocks(nn.Module):
        def forward(self, x):
            return nn.functional.pad(x, (1, 1, 1, 1)).unfold(2, 4, 2).unfold(3, 4, 2).flatten(1)

    original = torch.Tensor.unfold
    net = _imported(Blocks().eval(), np.random.default_rng(40).standard_normal((2, 3, 6, 8)))
    assert not net.matrix_layers() and torch.Tensor.unfold is original


class Repeated(nn.Module):
    """ALBERT's pattern: one block's modules applied at several places (a Linear on tokens with its bias added
    after the product, a Gemm, a conv with its batch norm folded in)"""

    def __init__(self):
        super().__init__()
        self.token, self.conv, self.bn = nn.Linear(4, 4), nn.Conv2d(4, 4, 3, padding=1), nn.BatchNorm2d(4)
        self.head = nn.Linear(16, 16)

    def forward(self, x):  # (batch, 4, 4, 4)
        y = self.token(torch.relu(self.token(x)))
        y = self.bn(self.conv(torch.relu(self.bn(self.conv(y.permute(0, 3, 1, 2))))))
        flat = y.mean(1).flatten(1)
        return self.head(torch.relu(self.head(flat)))


def test_a_module_applied_at_several_places_is_one_shared_matrix(tmp_path):
    """torch exports a reused module as one initializer (or an Identity of it): one matrix layer object, read at each
    place (docs/networks.md, weight sharing), kept when saved"""
    from cimsim.network import save_network

    torch.manual_seed(42)
    model = Repeated().eval()
    model.bn.running_mean.uniform_()
    model.bn.running_var.uniform_(0.5, 2.0)
    net = _imported(model, np.random.default_rng(42).standard_normal((2, 4, 4, 4)))
    assert [s.rows_per_use for s in net.matrix_shapes()] == [(16, 16), (16, 16), (1, 1)]
    assert sum(layer.kind in ("dense", "conv2d") for layer in net.layers) == 6
    save_network(net, tmp_path / "repeated.npz")
    assert len(load_network(tmp_path / "repeated.npz").matrix_layers()) == 3


def test_a_convolution_shared_by_maps_of_two_sizes_is_one_matrix():
    """an FPN head's convolution applied to every pyramid level: one matrix, read at each level's positions"""
    class Pyramid(nn.Module):
        def __init__(self):
            super().__init__()
            self.head = nn.Conv2d(3, 4, 3, padding=1)

        def forward(self, x):
            return torch.cat([self.head(x).flatten(1), self.head(nn.functional.avg_pool2d(x, 2)).flatten(1)], 1)

    torch.manual_seed(49)
    net = _imported(Pyramid().eval(), np.random.default_rng(49).standard_normal((2, 3, 8, 8)))
    assert [s.rows_per_use for s in net.matrix_shapes()] == [(64, 16)]


class LlamaStyle(nn.Module):
    """What Llama-, GPT-2- and BERT-style models export: rotary angles from constant positions (CumSum, Cos, Sin
    folded), token types gathered from a buffer (GatherElements folded), grouped-query attention
    (enable_gqa, which torch's exporter refuses unaided), a boolean causal mask (torch guards the softmax with
    Where(IsNaN)), GPT-2's tanh GELU (x**3) and a repeat (Tile)."""

    def __init__(self):
        super().__init__()
        self.q, self.kv, self.out = nn.Linear(8, 8), nn.Linear(8, 8), nn.Linear(16, 3)
        self.types = nn.Embedding(2, 8)
        self.register_buffer("type_ids", torch.tensor([[1, 0, 1, 1, 0]]))
        self.register_buffer("causal", torch.tril(torch.ones(5, 5, dtype=torch.bool)))

    @staticmethod
    def rotate(t, cos, sin):
        return t * cos + torch.cat([-t[..., 1:], t[..., :1]], -1) * sin

    def forward(self, x):
        b, t, _ = x.shape
        positions = torch.ones(1, t).cumsum(-1) - 1
        angle = (positions[..., None] * torch.tensor([1.0, 0.1]))[:, None]  # (1, 1, t, 2)
        x = x + self.types(self.type_ids.gather(1, torch.arange(t)[None].flip(-1)))
        q = self.q(x).view(b, t, 4, 2).transpose(1, 2)  # 4 query heads
        k, v = (h.reshape(b, t, 2, 2).transpose(1, 2) for h in self.kv(x).chunk(2, -1))  # 2 key / value heads
        q, k = self.rotate(q, angle.cos(), angle.sin()), self.rotate(k, angle.cos(), angle.sin())
        a = nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=self.causal[:t, :t], enable_gqa=True)
        a = a.transpose(1, 2).reshape(b, t, 8)
        a = 0.5 * a * (1 + torch.tanh(0.7978845608 * (a + 0.044715 * torch.pow(a, 3))))
        return self.out(a.repeat(1, 1, 2))


def test_llama_style_blocks():
    torch.manual_seed(15)
    net = _imported(LlamaStyle().eval(), np.random.default_rng(15).standard_normal((3, 5, 8)))
    # Cos and Sin have no layer: the angles were folded; the softmax's NaN guard is one
    assert [getattr(layer, "function", None) for layer in net.layers].count("nan_to_zero") == 1
    from cimsim.models.from_network import model_from_network

    [guard] = [name for name, layer in zip(net.names, net.layers) if getattr(layer, "function", None) == "nan_to_zero"]
    assert [op.kind for op in model_from_network(net).ops if op.name == guard] == ["max"]  # a compare per value


def test_unsupported_module_names_the_node_and_op():
    class Determinant(nn.Module):
        def forward(self, x):
            return torch.det(x)[:, None] * x[:, 0]

    with pytest.raises(ValueError, match=r"torch model Determinant: node .*\(Det\): unsupported ONNX operator 'Det'"):
        from_torch(Determinant(), np.random.default_rng(0).standard_normal((1, 3, 3)))


class Recurrent(nn.Module):
    """a recurrent layer over a sequence (batch first), its last step's output through a head"""

    def __init__(self, cell, **options):
        super().__init__()
        self.rnn = cell(5, 6, batch_first=True, **options)
        self.head = nn.Linear(6 * (2 if options.get("bidirectional") else 1), 3)

    def forward(self, x):
        return self.head(self.rnn(x)[0][:, -1])


@pytest.mark.parametrize("cell", [nn.RNN, nn.GRU, nn.LSTM])
@pytest.mark.parametrize("options", [{}, {"bidirectional": True, "num_layers": 2}])
def test_recurrent_layers_unroll_with_one_recurrent_matrix(cell, options):
    """RNN, GRU and LSTM unrolled over their 7 steps: per direction and layer, W one Dense over the sequence and R
    one shared matrix read at the 6 steps after the first (the initial state is zero)"""
    torch.manual_seed(43)
    net = _imported(Recurrent(cell, **options).eval(), np.random.default_rng(43).standard_normal((2, 7, 5)))
    sets = 2 * 2 if options else 1  # directions x layers
    uses = sorted(s.rows_per_use for s in net.matrix_shapes())
    assert uses == sorted([(7,)] * sets + [(1,) * 6] * sets + [(1,)])


@pytest.mark.parametrize("make", [lambda: nn.LSTM(5, 6), lambda: nn.TransformerEncoderLayer(5, 1, 8, dropout=0.0)])
def test_a_model_whose_first_axis_is_not_the_batch_is_refused(make):
    """a sequence-first LSTM or attention (batch_first=False) fed (seq, batch, features): one network per 'sample'
    would be a different model; the check on a batch of two refuses it, saying why"""
    class SequenceFirst(nn.Module):
        def __init__(self):
            super().__init__()
            self.m = make()

        def forward(self, x):
            y = self.m(x)
            return y[0] if isinstance(y, tuple) else y

    with pytest.raises(ValueError, match=r"torch model SequenceFirst: its network, one per sample, differs from the "
                                         r"model .* its first axis must be the batch"):
        from_torch(SequenceFirst().eval(), np.random.default_rng(50).standard_normal((7, 2, 5)))


def test_a_model_mixing_samples_after_an_adaptive_pool_is_told_so_not_blamed_for_control_flow():
    """cimsim's adaptive-pool rewrite reads the example's sizes (a TracerWarning from cimsim's own code), which had
    been taken for the model's own value-dependent code: 'its trace depends on the input values'"""
    class Mix(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv, self.pool = nn.Conv2d(3, 4, 3), nn.AdaptiveAvgPool2d(1)

        def forward(self, x):
            y = self.pool(self.conv(x)).flatten(1)
            return y - y.mean(0, keepdim=True)

    with pytest.raises(ValueError, match=r"of the example's shape, the traced network and the model differ .* its "
                                         r"first axis must be the batch") as info:
        from_torch(Mix().eval(), np.random.default_rng(51).standard_normal((1, 3, 8, 8)))
    assert "control flow" not in str(info.value)


class BatchRMS(nn.Module):
    """each feature divided by its root mean square over the batch: an even statistic of the samples"""

    def forward(self, x):
        return x / (x.pow(2).mean(0, keepdim=True).sqrt() + 1e-3)


class BatchMaxAbs(nn.Module):
    """the batch divided by its largest magnitude"""

    def forward(self, x):
        return x / x.abs().max()


@pytest.mark.parametrize("model", [BatchRMS(), BatchMaxAbs()], ids=["rms", "max-abs"])
@pytest.mark.parametrize("samples", [4, 1])
def test_a_model_mixing_its_samples_through_an_even_statistic_is_refused(model, samples):
    """a statistic of |x| or x**2 over the batch is the same for a sample and its negation, the batch the check
    had used: such models imported as one network per sample, off by up to 0.94. The check now takes the example's
    first two different samples, or (one sample) the sample and its negation halved"""
    x = torch.from_numpy(np.random.default_rng(51).standard_normal((samples, 6))).float()
    with pytest.raises(ValueError, match=rf"torch model {type(model).__name__}: its network, one per sample, "
                                         r"differs from the model on a batch of 2 inputs"):
        from_torch(model, x)


def test_a_model_normalising_each_sample_alone_still_imports():
    """the same statistic per sample is no mixing: the check on two different samples passes it"""
    class SampleMaxAbs(nn.Module):
        def forward(self, x):
            return x / x.abs().amax(-1, keepdim=True)

    x = np.random.default_rng(52).standard_normal((3, 6))
    for example in (x, x[:1], np.repeat(x[:1], 3, axis=0)):
        np.testing.assert_allclose(from_torch(SampleMaxAbs(), example).forward(x), x / np.abs(x).max(-1, keepdims=True),
                                   rtol=1e-6)


def test_a_model_whose_output_does_not_depend_on_its_input_is_refused_saying_so():
    """torch's exporter drops an input that nothing reads; the import had said 'expected one data input and one
    output; got 0 () and 1 (output)'"""
    class Constant(nn.Module):
        def __init__(self):
            super().__init__()
            self.value = nn.Parameter(torch.ones(3))

        def forward(self, x):
            return self.value

    class OfTheShape(Constant):
        def forward(self, x):
            return self.value * x.shape[-1]

    for model in (Constant(), OfTheShape()):
        with pytest.raises(ValueError, match=rf"^torch model {type(model).__name__}: its output does not depend on "
                                             r"its input \(the traced forward pass reads no input value"):
            from_torch(model, torch.randn(2, 4))


def test_log_sigmoid_far_below_zero_imports_and_matches_torch():
    """nn.LogSigmoid exports as Sigmoid then Log; sigmoid as 0.5 (1 + tanh(x / 2)) was exactly 0 below about -37,
    its log -inf, and the import was refused as an export that computes something else"""
    x = torch.tensor([[-60.0, -38.0, -10.0, 0.0, 10.0, 60.0]])
    np.testing.assert_allclose(from_torch(nn.LogSigmoid(), x).forward(x.double().numpy()),
                               nn.functional.logsigmoid(x).double().numpy(), rtol=1e-6, atol=1e-12)


@pytest.mark.parametrize("make", [lambda: nn.Conv2d(3, 4, 3), lambda: nn.Conv2d(3, 4, 3, bias=False),
                                  lambda: nn.Sequential(nn.Flatten(), nn.Linear(48, 4)),
                                  lambda: nn.Sequential(nn.BatchNorm2d(3), nn.Conv2d(3, 4, 3)),
                                  lambda: nn.Sequential(nn.Upsample(scale_factor=2, mode="bilinear"))],
                         ids=["conv", "conv-no-bias", "linear", "batchnorm", "bilinear"])
def test_uint8_images_to_a_float_model_say_they_were_taken_as_token_ids(make):
    """whatever torch's message for integers in a float layer ("Input type (long int) and bias type (float) should
    be the same" had not matched the dtype words looked for): the model raises on the integers and runs on them as
    floats"""
    images = torch.from_numpy(np.random.default_rng(53).integers(0, 256, (2, 3, 4, 4), dtype=np.uint8))
    with pytest.raises(ValueError, match=r"^an integer example_input is taken as token ids \(for a model of "
                                         r"real-valued inputs give a float example, e.g. images.float\(\)\); torch"):
        from_torch(make().eval(), images)


def test_an_integer_example_that_the_model_takes_gets_no_token_hint():
    """a model that runs on the integers but does not export gets torch's message only"""
    class Inverse(nn.Module):
        def forward(self, x):
            return torch.linalg.inv(x.double() + 4 * torch.eye(3, dtype=torch.double))

    with pytest.raises(ValueError, match=r"^torch model Inverse: the ONNX export \(traced on a batch of one sample\) "
                                         r"failed: .*linalg_inv"):
        from_torch(Inverse(), torch.ones(2, 3, 3, dtype=torch.long))


@pytest.mark.parametrize("options", [{}, {"bidirectional": True, "num_layers": 2}, {"bias": False}])
def test_lstm_with_projections_exports_as_its_steps(options):
    """nn.LSTM with proj_size (which torch's exporter refuses) written out step by step during the export: per
    direction and layer, W_ih one product over the sequence, W_hh read at the 6 steps after the first and the
    projection W_hr at all 7, each one shared matrix"""

    class Projected(nn.Module):
        def __init__(self):
            super().__init__()
            self.rnn = nn.LSTM(5, 6, batch_first=True, proj_size=2, **options)
            self.head = nn.Linear(2 * (2 if options.get("bidirectional") else 1), 3)

        def forward(self, x):
            return self.head(self.rnn(x)[0][:, -1])

    torch.manual_seed(49)
    net = _imported(Projected().eval(), np.random.default_rng(49).standard_normal((2, 7, 5)))
    sets = 2 * 2 if options.get("num_layers") else 1  # directions x layers
    uses = sorted(s.rows_per_use for s in net.matrix_shapes())
    assert uses == sorted([(7,)] * sets + [(1,) * 6] * sets + [(1,) * 7] * sets + [(1,)])
    assert torch.nn.LSTM.forward.__qualname__ == "LSTM.forward"  # restored after the export


def test_recurrent_layers_with_relu():
    """an RNN with nonlinearity="relu" (DeepSpeech's): the node's named activations, per direction"""
    torch.manual_seed(48)
    net = _imported(Recurrent(nn.RNN, nonlinearity="relu", bidirectional=True).eval(),
                    np.random.default_rng(48).standard_normal((2, 7, 5)))
    assert sum(layer.kind == "relu" for layer in net.layers) == 2 * 7


@pytest.mark.parametrize("cell", [nn.GRU, nn.LSTM])
def test_recurrent_layers_with_learned_initial_states(cell):
    """a constant initial state (a learned parameter) enters the first step as constants, R h0 computed at import"""
    class Started(nn.Module):
        def __init__(self):
            super().__init__()
            self.rnn = cell(4, 3, batch_first=True, bidirectional=True)
            self.h0, self.c0 = nn.Parameter(torch.randn(2, 1, 3)), nn.Parameter(torch.randn(2, 1, 3))

        def forward(self, x):
            state = self.h0.expand(2, x.shape[0], 3).contiguous()
            if cell is nn.LSTM:
                state = (state, self.c0.expand(2, x.shape[0], 3).contiguous())
            return self.rnn(x, state)[0]

    torch.manual_seed(47)
    net = _imported(Started().eval(), np.random.default_rng(47).standard_normal((2, 5, 4)))
    assert sorted(s.rows_per_use for s in net.matrix_shapes()) == sorted([(5,), (5,), (1,) * 4, (1,) * 4])


def test_bad_arguments():
    with pytest.raises(TypeError, match="needs a torch.nn.Module"):
        from_torch(lambda x: x, np.ones((1, 4)))
    with pytest.raises(ValueError, match=r"example_input must be a float tensor, or integer token ids, \(batch, ...\); "
                                         r"got shape \(4,\)"):
        from_torch(nn.Linear(4, 2), np.ones(4))
    with pytest.raises(ValueError, match=r"example_input must be .*dtype torch.bool"):
        from_torch(nn.Linear(4, 2), np.ones((1, 4), dtype=bool))

    class TwoOutputs(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(4, 3)

        def forward(self, x):
            y = self.fc(x)
            return y, y.relu()

    with pytest.raises(ValueError, match=r"TwoOutputs: expected one data input and one output; got 1 \(input\) and 2 "
                                         r"\(.*\): export or wrap the model so that it takes one tensor and "
                                         r"returns one"):
        from_torch(TwoOutputs(), np.ones((1, 4)))


def test_a_model_without_loaded_weights_and_an_example_without_values_are_named():
    """a model on the meta device (Hugging Face's init_empty_weights) and a sparse example had raised torch's
    RuntimeError / NotImplementedError from deep inside"""
    with torch.device("meta"):
        empty = nn.Linear(8, 4)
    with pytest.raises(ValueError, match=r"the model's weights must be loaded: they are on the meta device"):
        from_torch(empty.eval(), torch.ones(1, 8))
    partly = nn.Sequential(nn.Linear(8, 4), nn.Linear(4, 2))
    partly[1].to("meta")
    with pytest.raises(ValueError, match="the model's weights must be loaded"):
        from_torch(partly.eval(), torch.ones(1, 8))
    dense = torch.ones(1, 8)
    for example, held in ((dense.to_sparse(), r"a torch.sparse_coo tensor: give x.to_dense\(\)"),
                          (dense.to("meta"), "a tensor on the meta device"),
                          (torch.quantize_per_tensor(dense, 0.1, 0, torch.quint8), "a quantised tensor")):
        with pytest.raises(ValueError, match=r"example_input must be a dense tensor of values \(batch, ...\); got "
                                             + held):
            from_torch(nn.Linear(8, 4).eval(), example)


class ConvThenAttention(nn.Module):
    """A strided-conv patch embedding into attention: the graph is imported with its batch axis kept (attention
    mixes it), so the conv runs between reshapes."""

    def __init__(self):
        super().__init__()
        self.embed = nn.Conv2d(1, 8, 2, 2)
        self.enc = nn.TransformerEncoderLayer(8, 2, 16, 0.0, batch_first=True)
        self.head = nn.Linear(128, 3)

    def forward(self, x):
        h = self.enc(self.embed(x).flatten(2).transpose(1, 2))
        return self.head(h.flatten(1))


def test_conv_and_flatten_around_attention():
    torch.manual_seed(3)
    model, x = ConvThenAttention().eval(), np.random.default_rng(3).uniform(0, 1, (2, 1, 8, 8))
    assert _imported(model, x).output_shape == (3,)


class Elementwise(nn.Module):
    """one torch function of the activations of a small linear layer"""

    def __init__(self, fn):
        super().__init__()
        self.fc, self.fn = nn.Linear(4, 6), fn

    def forward(self, x):
        return self.fn(self.fc(x))


@pytest.mark.parametrize("name, fn", [
    ("sinh", lambda h: torch.sinh(h)), ("cosh", lambda h: h.cosh()), ("asinh", lambda h: torch.asinh(h)),
    ("acosh", lambda h: torch.acosh(h.abs() + 1)), ("atanh", lambda h: torch.atanh(torch.tanh(h))),
    ("exp2", lambda h: torch.exp2(h)), ("erfc", lambda h: h.erfc()), ("sgn", lambda h: torch.sgn(h)),
    ("deg2rad", lambda h: torch.deg2rad(h)), ("rad2deg", lambda h: h.rad2deg()), ("positive", lambda h: h.positive()),
    ("fix", lambda h: torch.fix(3 * h)), ("sinc", lambda h: torch.sinc(torch.round(2 * h) / 2)),
    ("xlogy", lambda h: torch.xlogy(torch.relu(h), h.abs() + 0.5)),
    ("heaviside", lambda h: torch.heaviside(torch.round(h), torch.tensor([0.25]))),
    ("median", lambda h: h.median(dim=1).values), ("median index", lambda h: torch.median(h, 1, True)[1].float()),
    ("softplus threshold", lambda h: nn.functional.softplus(4 * h, beta=2.0, threshold=3.0)),
    ("diagonal", lambda h: torch.diagonal(h.reshape(-1, 2, 3), dim1=1, dim2=2)),
    ("diagonal offset", lambda h: h.reshape(-1, 2, 3).diagonal(1, -1, 1)),
    ("bucketize", lambda h: torch.bucketize(h, torch.tensor([-0.5, 0.0, 0.5])).float()),
    ("bucketize right", lambda h: torch.bucketize(torch.round(2 * h) / 2, torch.tensor([-0.5, 0.0, 0.5]),
                                                  right=True, out_int32=True).float()),
    ("floor_divide", lambda h: torch.floor_divide(h, 0.3)), ("//", lambda h: 2.0 // (h.abs() + 0.5) + h // h.flip(1)),
    ("integer //", lambda h: (torch.round(8 * h).long() // 3).float()),
    ("index_add", lambda h: h[:, :3].index_add(1, torch.tensor([0, 2, 1, 0, 2, 2]), h, alpha=0.5)),
    ("scatter_add", lambda h: torch.zeros_like(h).scatter_add(1, torch.argsort(h, 1) % 2, h)),
    ("scatter_reduce", lambda h: h.scatter_reduce(1, torch.argsort(h, 1) % 3, h.flip(1), "amax")),
    # positions 0 and 1 of each row from 3 values (a row whose first is not positive: all to 0; 1 keeps h)
    *[(f"scatter_reduce {reduce}{' without self' * (not own)}",
       lambda h, reduce=reduce, own=own: h[:, :2].scatter_reduce(
           1, torch.argsort(h, 1)[:, :3] % 2 * (h[:, :1] > 0), h.flip(1), reduce, include_self=own))
      for reduce in ("sum", "mean", "amax", "amin", "prod") for own in (True, False)],
    ("torch.scatter_reduce mean", lambda h: torch.scatter_reduce(torch.zeros_like(h), 1, torch.argsort(h, 1) % 3,
                                                                h, "mean", include_self=False)),
    ("cumprod", lambda h: torch.cumprod(h, 1)), ("cumprod method", lambda h: h.reshape(-1, 3, 2).cumprod(-2)),
    ("prod", lambda h: h.prod(1)), ("prod keepdim", lambda h: h.reshape(-1, 2, 3).prod(-1, keepdim=True)),
])
def test_functions_the_exporter_lacks_are_exported_as_what_they_compute(name, fn):
    """functions torch's exporter refuses at opset 17 (the hyperbolic ones become ONNX's own operators, the others
    the operations they compute) or writes inexactly (softplus without its threshold was off by 3e-4 of the output
    here): each within float32 rounding of torch, including the special values (sinc and xlogy at 0, heaviside at 0,
    an even count's median, a negative quotient's floor); scatters that combine (index_add's repeated indices, which the
    exporter refuses, scatter_add, scatter_reduce); products along an axis (cumprod, which the exporter refuses, and
    prod, a ReduceProd of activations)"""
    torch.manual_seed(28)
    model = Elementwise(fn).eval()
    x = np.random.default_rng(28).standard_normal((3, 4))
    own = (torch.median, torch.Tensor.median, torch.diagonal, torch.Tensor.diagonal, torch.bucketize,
           nn.functional.softplus, nn.functional.interpolate, torch.floor_divide, torch.Tensor.floor_divide,
           torch.index_add, torch.Tensor.index_add, torch.cumprod, torch.Tensor.cumprod, torch.scatter_reduce,
           torch.Tensor.scatter_reduce)
    net = from_torch(model, x)
    want = _torch_out(model, x)
    assert np.abs(net.forward(x) - want).max() <= 2e-6 * np.abs(want).max(), name
    assert own == (torch.median, torch.Tensor.median, torch.diagonal, torch.Tensor.diagonal, torch.bucketize,
                   nn.functional.softplus, nn.functional.interpolate, torch.floor_divide,
                   torch.Tensor.floor_divide, torch.index_add, torch.Tensor.index_add, torch.cumprod,
                   torch.Tensor.cumprod, torch.scatter_reduce, torch.Tensor.scatter_reduce)  # torch's own are back


def test_the_hyperbolic_translations_last_only_as_long_as_the_export():
    from cimsim.network._torch_rewrites import HYPERBOLIC, _registered

    from_torch(Elementwise(torch.sinh).eval(), np.ones((1, 4)))
    assert not any(_registered(f"aten::{name}") for name in HYPERBOLIC)
    with pytest.raises(Exception):  # torch's own exporter refuses sinh again (its message after an unregister varies)
        torch.onnx.export(Elementwise(torch.sinh).eval(), (torch.ones(1, 4),), io.BytesIO(), dynamo=False,
                          opset_version=17)


@pytest.mark.parametrize("pool, shape", [(nn.AvgPool2d(2, divisor_override=3), (2, 3, 6, 6)),
                                         (nn.AvgPool2d(3, 2, 1, divisor_override=5), (2, 3, 7, 7)),
                                         (nn.AvgPool3d((1, 2, 2), divisor_override=3), (2, 3, 2, 6, 6)),
                                         (nn.AvgPool2d(3, 2, ceil_mode=True, divisor_override=4), (2, 3, 8, 8)),
                                         (nn.AvgPool2d(3, 2, 1, ceil_mode=True, divisor_override=5), (2, 3, 8, 9)),
                                         (nn.AvgPool3d(2, (1, 2, 3), ceil_mode=True, divisor_override=3),
                                          (2, 3, 3, 5, 7))])
def test_average_pools_with_a_divisor_override(pool, shape):
    """the exporter drops divisor_override (a window's sum over that divisor): the mean over the kernel's taps of
    the zero-padded input rescaled, exact for every window; with ceil_mode (refused before, the error not naming
    avg_pool2d) the windows past the input's end too, the input padded to their end"""
    _imported(pool, np.random.default_rng(29).standard_normal(shape))


class Copied(nn.Module):
    def forward(self, x):
        return x.clone()


@pytest.mark.parametrize("model", [nn.Identity(), nn.Sequential(nn.Dropout(0.3), nn.AlphaDropout(0.2)), Copied()])
def test_a_model_that_returns_its_input_is_an_identity_network(model):
    """an identity, eval-mode dropout or a copy exports a graph whose output is its input: a network of one no-op
    reshape, not the error that no node computes the output"""
    x = np.random.default_rng(30).standard_normal((2, 4))
    np.testing.assert_array_equal(_imported(model.eval(), x).forward(x), x)


def test_an_export_that_computes_something_else_is_refused_saying_so():
    """a symbolic that exports another operation than the forward pass computes: the network differs on the
    example itself, and the error says the export is at fault, not the batch axis"""
    class Doubled(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return 2 * x

        @staticmethod
        def symbolic(g, x):
            return g.op("Neg", x)

    class Model(nn.Module):
        def forward(self, x):
            return Doubled.apply(x)

    with pytest.raises(ValueError, match="differs from the model on the example itself .*export of an operation"):
        from_torch(Model(), np.ones((1, 4)))


@pytest.mark.parametrize("shape, kwargs", [
    ((2, 3, 7, 9), {"size": (5, 13)}), ((2, 3, 7, 9), {"scale_factor": 2}), ((2, 3, 7, 9), {"scale_factor": 0.5}),
    ((2, 3, 7, 9), {"scale_factor": (1.5, 2.3)}), ((2, 3, 7, 9), {"scale_factor": 1.7, "recompute_scale_factor": True}),
    ((2, 3, 7), {"size": 11})])
def test_nearest_exact_resizes(shape, kwargs):
    """interpolate's nearest-exact mode (pixel centres, which the exporter refuses): each output position picks input
    min(floor((i + 0.5) scale), n - 1), the positions torch picks"""
    class Resized(nn.Module):
        def forward(self, x):
            return nn.functional.interpolate(x, mode="nearest-exact", **kwargs)

    x = np.random.default_rng(33).standard_normal(shape)
    np.testing.assert_array_equal(from_torch(Resized(), x).forward(x.astype(np.float32).astype(np.float64)),
                                  _torch_out(Resized(), x))


class Quantiser(nn.Module):
    """a VQ-VAE's quantiser: each encoding replaced by its nearest code (the one-hot of the argmin distance times
    the codebook), and how many thresholds of a grid each encoding passes"""

    def __init__(self):
        super().__init__()
        self.encode, self.codes = nn.Linear(6, 4), nn.Parameter(torch.randn(5, 4))

    def forward(self, x):
        z = self.encode(x)
        nearest = nn.functional.one_hot(((z.unsqueeze(-2) - self.codes) ** 2).sum(-1).argmin(-1), 5).float()
        return nearest @ self.codes + (z.unsqueeze(-1) > torch.tensor([-0.5, 0.0, 0.5])).float().sum(-1)


def test_one_hot_of_an_argmin_and_comparisons_against_a_grid():
    """OneHot of activation indices and comparisons that widen an activation against constant values (both had been
    refused: a constant may now widen the activation it is compared with, as it could in arithmetic)"""
    torch.manual_seed(35)
    x = np.random.default_rng(35).standard_normal((3, 6))
    model = Quantiser().eval()
    np.testing.assert_allclose(from_torch(model, x).forward(x), _torch_out(model, x), atol=1e-6)


class DeltaRuleChunk(nn.Module):
    """the triangular systems of a gated delta rule's chunked form (Qwen3-Next, Qwen3.5, OLMo-hybrid): I + the
    strictly lower products of the normalised keys, solved for the values; and the other solve variants"""

    def __init__(self, upper: bool, left: bool, unitriangular: bool):
        super().__init__()
        self.keys, self.values = nn.Linear(6, 6), nn.Linear(6, 6)
        self.upper, self.left, self.unitriangular = upper, left, unitriangular

    def forward(self, x):
        k = nn.functional.normalize(self.keys(x), dim=-1)
        scores = k @ k.transpose(-1, -2) * 0.5
        system = (torch.triu(scores, 1) if self.upper else torch.tril(scores, -1)) + torch.eye(x.shape[-2]) * (
            1.0 if self.unitriangular else 1.5) + scores * 0.1  # the other triangle is ignored: noise there
        v = self.values(x)
        return torch.linalg.solve_triangular(system, v if self.left else v.transpose(-1, -2), upper=self.upper,
                                             left=self.left, unitriangular=self.unitriangular)


@pytest.mark.parametrize("upper, left, unitriangular", [(False, True, True), (True, True, False), (False, False, False),
                                                        (True, False, True)])
def test_triangular_solves_are_exported_as_a_series_of_products(upper, left, unitriangular):
    """torch's exporter refuses linalg.solve_triangular (Qwen3-Next, Qwen3.5, OLMo-hybrid and lara had been refused
    for it): exported as (I - N)(I + N^2)(I + N^4)... applied to B, N the strict triangle scaled by the diagonal;
    within float32 rounding of torch, reading only the stated triangle"""
    torch.manual_seed(36)
    own = torch.linalg.solve_triangular
    _imported(DeltaRuleChunk(upper, left, unitriangular).eval(), np.random.default_rng(36).standard_normal((2, 7, 6)))
    assert torch.linalg.solve_triangular.__name__ != "solve_triangular"  # torch's own is back after the export
    assert torch.linalg.solve_triangular is own


def test_non_finite_values_replaced_and_tested_as_torch_does():
    """nan_to_num with its own nan / posinf / neginf, isinf and isnan of activations that hold them (the square root
    of negatives, the log of a ReLU's zeros): the network's values are torch's"""

    class Guarded(nn.Module):
        def __init__(self):
            super().__init__()
            self.a, self.b = nn.Linear(6, 5), nn.Linear(6, 5)

        def forward(self, x):
            roots, logs = torch.sqrt(self.a(x)), torch.log(torch.relu(self.b(x)))
            return (torch.nan_to_num(roots, nan=0.5) + torch.nan_to_num(logs, posinf=7.0, neginf=-7.0)
                    + torch.isinf(logs).float() + 2.0 * torch.isnan(roots).float() + torch.nan_to_num(logs))

    torch.manual_seed(4)
    model = Guarded().eval()
    x = torch.randn(8, 6)
    with torch.no_grad():
        want = model(x).double().numpy()
        assert torch.isnan(torch.sqrt(model.a(x))).any() and torch.isinf(torch.log(torch.relu(model.b(x)))).any()
    net = from_torch(model, x)
    np.testing.assert_allclose(net.forward(x.double().numpy()), want, rtol=1e-5)


def test_a_squeeze_that_takes_the_batch_axis_at_export_and_a_wider_constant():
    """mBART's shift_tokens_right: ``ids[:, :1].squeeze()`` is a scalar in the batch-1 export, then broadcast
    against a constant of shape (1,) and put back beside each row; imported with the batch as an axis of size 1
    (each sample alone), it equals torch at other batch sizes"""

    class Shifted(nn.Module):
        def forward(self, x):
            first = x[:, :1].squeeze() + torch.zeros(1)  # () + (1,) in the export, (B,) + (1,) in torch
            return x * first[:, None] + x[:, 1:2]

    x = np.random.default_rng(5).standard_normal((3, 8))
    with torch.no_grad():
        want = Shifted()(torch.as_tensor(x, dtype=torch.float32)).numpy()
    net = from_torch(Shifted(), x)
    np.testing.assert_allclose(net.forward(x), want, rtol=1e-5, atol=1e-6)


class _Renormed(nn.Module):
    """an nn.Embedding, an nn.EmbeddingBag and F.embedding, each with a max_norm (torch renormalises the rows it
    looks up), over a table of large rows"""

    def __init__(self, norm_type: float):
        super().__init__()
        self.e = nn.Embedding(10, 4, max_norm=1.0, norm_type=norm_type)
        self.bag = nn.EmbeddingBag(10, 4, max_norm=0.5, mode="sum")
        self.table = nn.Parameter(torch.randn(10, 4))
        for table in (self.e.weight, self.bag.weight, self.table):
            table.data *= 5

    def forward(self, ids):
        looked_up = nn.functional.embedding(ids, self.table, max_norm=2.0)
        return self.e(ids).sum(1) + self.bag(ids) + looked_up.sum(1)


@pytest.mark.parametrize("norm_type", [2.0, 1.0])
def test_embeddings_with_a_max_norm_are_renormalised_as_torch_does_and_the_model_is_left_as_it_was(norm_type):
    """ids never seen at import (the example's 1..3, the probes' 1..3) give torch's renormalised rows, and neither
    the import nor its checks renormalise the model's tables in place"""
    torch.manual_seed(0)
    model = _Renormed(norm_type).eval()
    tables = [t.detach().clone() for t in model.parameters()]
    net = from_torch(model, torch.tensor([[1, 2, 3]]))
    assert all(torch.equal(t, u) for t, u in zip(tables, model.parameters()))
    ids = torch.tensor([[4, 5, 6], [7, 8, 9]])
    with torch.no_grad():
        want = model(ids).double().numpy()
    np.testing.assert_allclose(net.forward(ids.double().numpy()), want, rtol=1e-5, atol=1e-6)


def test_a_model_that_writes_into_its_input_leaves_the_callers_example_as_it_was():
    class InPlace(nn.Module):
        def forward(self, x):
            x.mul_(2)
            return x + 1

    example = torch.ones(1, 4)
    net = from_torch(InPlace(), example)
    assert torch.equal(example, torch.ones(1, 4))
    np.testing.assert_allclose(net.forward(np.full((2, 4), 3.0)), 7.0)


class _NegativePermute(nn.Module):
    """Mamba-2's x.permute(0, -2, -1, 1): torch's exporter writes perm [0, -2, -1, 1]"""

    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(5, 5)

    def forward(self, x):
        return self.lin(x.permute(0, -2, -1, 1))


def test_a_permute_by_negative_dims_is_imported():
    torch.manual_seed(0)
    _imported(_NegativePermute().eval(), np.random.default_rng(40).standard_normal((2, 5, 3, 5)))


@torch.jit.script_if_tracing
def _scripted_table(table: torch.Tensor, length: int) -> torch.Tensor:
    """code TorchScript compiles while tracing (VitDet's relative positions) calling functions from_torch rewrites"""
    stretched = nn.functional.interpolate(table[None], size=length, mode="linear")[0]
    doubled = nn.functional.interpolate(table[None], scale_factor=2.0, mode="linear")[0, :, :length]
    pooled = nn.functional.adaptive_avg_pool1d(doubled[None], 3)[0]  # batched: torch exports a 2-d pool wrongly
    return nn.functional.softplus(stretched) + pooled.sum(-1, keepdim=True)


class _ScriptedWhileTracing(nn.Module):
    def __init__(self):
        super().__init__()
        self.table = nn.Parameter(torch.randn(4, 3))

    def forward(self, x):
        return x + _scripted_table(self.table, 6)


def test_code_scripted_while_tracing_calls_torchs_own_functions():
    """TorchScript cannot compile from_torch's untyped rewrites ("aten::ne ... found type 'str'"); the code it
    scripts calls torch's own, and its table of such calls is left as it was"""
    torch.manual_seed(0)
    table = dict(torch._jit_internal.boolean_dispatched)
    _imported(_ScriptedWhileTracing().eval(), np.random.default_rng(41).standard_normal((2, 4, 6)))
    assert dict(torch._jit_internal.boolean_dispatched) == table


class _CodebooksInBatch(nn.Module):
    """MusicGen's decoder folds its codebooks into the batch: (batch, 2, 8) -> (2 batch, 3)"""

    def __init__(self, warn: bool):
        super().__init__()
        self.lin, self.warn = nn.Linear(8, 3), warn

    def forward(self, x):
        if self.warn and bool(x.shape[-1] == 8):  # a harmless shape check: a TracerWarning
            pass
        return self.lin(x.reshape(-1, 8))


@pytest.mark.parametrize("warn", [False, True])
def test_an_output_whose_first_axis_is_not_the_batch_is_refused_saying_so(warn):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(ValueError, match=r"its output is not one per sample \(on a batch of \d inputs .* shape "
                                             r"\(\d, 3\)\); its first axis must be the batch .* wrap it"):
            from_torch(_CodebooksInBatch(warn).eval(), np.ones((2, 2, 8), np.float32))


from torch.nn.functional import rms_norm as _rms_norm_by_name  # noqa: E402  (bound by name, as timm does)


class _RmsNormByName(nn.Module):
    def __init__(self, weighted: bool):
        super().__init__()
        self.w = nn.Parameter(torch.rand(16)) if weighted else None

    def forward(self, x):
        return _rms_norm_by_name(x, [16], self.w, 1e-6 if self.w is not None else None)


@pytest.mark.parametrize("weighted", [True, False])
def test_rms_norm_bound_by_name_is_exported_as_its_operations(weighted):
    """timm's ``from torch.nn.functional import rms_norm`` calls aten::rms_norm whatever torch.nn.functional holds:
    exported as x / sqrt(mean(x ** 2) + eps) (eps float32's machine epsilon where not given), only meanwhile"""
    from cimsim.network._torch_rewrites import _registered

    torch.manual_seed(0)
    model = _RmsNormByName(weighted).eval()
    net = _imported(model, np.random.default_rng(42).standard_normal((2, 3, 16)))
    x = np.random.default_rng(43).standard_normal((2, 3, 16)) * 1e-3  # eps matters at this scale
    np.testing.assert_allclose(net.forward(x), _torch_out(model, x), rtol=1e-5)
    assert not _registered("aten::rms_norm")


def test_attention_a_stacked_rnn_and_a_parametrized_spectral_norm_in_training_mode_are_warned():
    # each computes otherwise in training mode (random drops, a power iteration a pass) and had imported unwarned
    class Attention(nn.Module):
        def __init__(self):
            super().__init__()
            self.m = nn.MultiheadAttention(8, 2, dropout=0.5, batch_first=True)

        def forward(self, x):
            return self.m(x, x, x, need_weights=False)[0]

    class Stacked(nn.Module):
        def __init__(self):
            super().__init__()
            self.r = nn.LSTM(8, 8, num_layers=2, dropout=0.5, batch_first=True)

        def forward(self, x):
            return self.r(x)[0]

    class Single(Stacked):  # torch ignores a single layer's dropout: nothing to warn
        def __init__(self):
            super().__init__()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # torch's own note that it ignores it
                self.r = nn.LSTM(8, 8, num_layers=1, dropout=0.5, batch_first=True)

    class MultiheadAttention(nn.Module):  # another library's class of torch's name: a Dropout module as its dropout
        def __init__(self):
            super().__init__()
            self.dropout = nn.Linear(8, 8)  # (a review: comparing a module with 0 had raised a TypeError)

        def forward(self, x):
            return self.dropout(x)

    x, flat = torch.randn(2, 5, 8), torch.randn(2, 8)
    from cimsim.network._torch_state import _positive

    assert [_positive(r) for r in (torch.tensor([0.0, 0.5]), torch.tensor([0.0, 0.0]), "0.5", None)] == [
        True, False, False, False]  # a per-element rate above 0 anywhere drops; text and nothing are no rate
    for rate in (np.float32(0.5), torch.tensor(0.5)):  # rates that are no Python float drop all the same
        with pytest.warns(UserWarning, match=r"in training mode.*\(Dropout\)"):
            from_torch(nn.Sequential(nn.Linear(8, 8), nn.Dropout(rate)).train(), flat)
    for quiet in (Single(), MultiheadAttention()):
        with warnings.catch_warnings():
            warnings.simplefilter("error", UserWarning)
            from_torch(quiet.train(), x)
    for model, example, kind in ((Attention(), x, "MultiheadAttention"), (Stacked(), x, "LSTM"),
                                 (nn.utils.parametrizations.spectral_norm(nn.Linear(8, 4)), flat, "_SpectralNorm")):
        with pytest.warns(UserWarning, match=rf"in training mode.*\({kind}\)"):
            from_torch(model.train(), example)
        with warnings.catch_warnings():
            warnings.simplefilter("error", UserWarning)  # in eval mode: nothing to warn
            from_torch(model.eval(), example)


def test_a_module_traced_in_training_mode_is_told_to_be_traced_again():
    # its trace keeps train=True whatever eval() is called after: "export the model in eval mode" had no way through
    model = nn.Sequential(nn.Linear(8, 16), nn.Dropout(0.5), nn.Linear(16, 4)).train()
    x = torch.randn(4, 8)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        traced = torch.jit.trace(model, x, check_trace=False)
    traced.eval()
    with pytest.raises(ValueError, match=r"Dropout in training mode .* export in eval mode \(a trace: after "
                                         r"model.eval\(\)\), without training=True"):
        from_torch(traced, x)


def test_an_example_whose_later_sample_the_model_raises_on_is_named_as_not_fitting():
    """a token id out of an embedding's range in the example's second sample: the model raises on the example
    itself, which had been reported as a probe input made from it raising (with advice to widen the example)"""
    class Tokens(nn.Module):
        def __init__(self):
            super().__init__()
            self.embed, self.out = nn.Embedding(10, 8), nn.Linear(8, 3)

        def forward(self, x):
            return self.out(self.embed(x)).mean(1)

    with pytest.raises(ValueError, match=r"^torch model Tokens: the example does not fit the model: its forward "
                                         r"pass on the example's sample 1 raises IndexError \(index out of range in "
                                         r"self\)$"):
        from_torch(Tokens(), torch.tensor([[1, 2, 3, 4], [5, 6, 7, 10]]))


def test_an_example_the_model_raises_on_only_as_a_batch_is_named_so():
    """the whole example raises where each sample alone runs (a check over the batch's values): said so, not blamed
    on a probe input with advice to widen the example"""
    class BatchSum(nn.Module):
        def __init__(self):
            super().__init__()
            self.out = nn.Linear(8, 3)

        def forward(self, x):
            if x.abs().sum() > 20:
                raise ValueError("batch sum too big")
            return self.out(x)

    x = torch.full((4, 8), 0.75)  # 6 a sample, 24 the batch
    with pytest.raises(ValueError, match=r"the example does not fit the model: its forward pass on the whole example "
                                         r"\(4 samples\) raises ValueError \(batch sum too big\), though each sample "
                                         r"alone runs: the model depends on its batch"):
        from_torch(BatchSum(), x)


def test_a_read_only_example_imports_without_torchs_warning_of_undefined_behaviour():
    """a read-only example (np.load(mmap_mode="r")) had made torch warn, at cimsim's line, that writing to it is
    undefined behaviour, which the caller neither causes nor can fix (a probe); the network is the same"""
    from cimsim.network import from_torch

    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(6, 4), nn.ReLU()).eval()
    x = np.random.default_rng(0).standard_normal((2, 6)).astype(np.float32)
    frozen = x.copy()
    frozen.setflags(write=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        net = from_torch(model, frozen)
    np.testing.assert_array_equal(net.forward(x), from_torch(model, x).forward(x))
