"""Import gaps found by a probe of unseen models: a Resize's output size by a fractional scale (onnxruntime's
float32 product; a refusal where the graph declares another), SplitToSequence (torch.tensor_split), a constant base
raised to an activation, Col2Im (F.fold at opset 18), the dynamo hint for a pooling of (batch, H, W) maps, and the
dataset message cimsim.estimate gets."""

from __future__ import annotations

import numpy as np
import pytest

from extras import torch_or_skip

onnx = pytest.importorskip("onnx")
helper, numpy_helper, TP = onnx.helper, onnx.numpy_helper, onnx.TensorProto

from cimsim.network.onnx_import import network_from_onnx  # noqa: E402


def _model(nodes, shape, inits=(), out_shape=None, opset: int = 13, value_info=()):
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TP.FLOAT, shape)],
                              [helper.make_tensor_value_info("y", TP.FLOAT, out_shape)],
                              [numpy_helper.from_array(np.asarray(v), k) for k, v in inits], value_info=value_info)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 8
    return model


def _resize(n: int, scale: float, mode: str = "linear", out_shape=None):
    node = helper.make_node("Resize", ["x", "", "s"], ["y"], mode=mode)
    return _model([node], [1, 1, n, n], [("s", np.array([1, 1, scale, scale], np.float32))], out_shape)


@pytest.mark.parametrize("n, scale, want", [(10, 0.7, 7), (5, 1.4, 7), (7, 2.3, 16), (100, 0.29, 29),
                                            (3, 1 / 3, 1), (49, 0.53, 25)])
@pytest.mark.parametrize("mode", ["linear", "nearest"])
def test_resize_by_a_scale_has_onnxruntimes_size(n, scale, want, mode):
    # want: int(float32(n) * float32(scale)), as onnxruntime 1.32 (measured on 19232 sizes x scales); the exact
    # product floors one lower for the first two and 100 x 0.29
    got = network_from_onnx(_resize(n, scale, mode)).forward(np.ones((1, 1, n, n)))
    assert got.shape == (1, 1, want, want)


def test_resize_matches_onnxruntime_values():
    ort = pytest.importorskip("onnxruntime")
    model = _resize(10, 0.7)
    x = np.random.default_rng(0).standard_normal((1, 1, 10, 10)).astype(np.float32)
    want = ort.InferenceSession(model.SerializeToString()).run(None, {"x": x})[0]
    got = network_from_onnx(model).forward(x.astype(np.float64))
    assert got.shape == want.shape and np.allclose(got, want, atol=1e-6)


def test_resize_that_contradicts_the_declared_output_is_refused():
    with pytest.raises(ValueError, match=r"node 'up' \(Resize\).*declares \[1, 1, 6, 6\]"):
        model = _resize(10, 0.7, out_shape=[1, 1, 6, 6])
        model.graph.node[0].name = "up"
        network_from_onnx(model)
    assert network_from_onnx(_resize(10, 0.7, out_shape=[1, 1, 7, 7])).output_shape == (1, 7, 7)


def _split_to_sequence(split, attrs: dict, opset: int = 13, picks=(0, -1)):
    """x (2, 7, 3) -> SplitToSequence -> the product of two of its pieces (SequenceAt), or their concatenation
    along the split axis where ``picks`` is None; ``split`` "computed": sizes computed from x (an ArgMax)"""
    inits = [("at0", np.array(picks[0], np.int64)), ("at1", np.array(picks[1], np.int64))] if picks else []
    inputs = ["x"] if split is None else ["x", "split"]
    if split is not None and not isinstance(split, str):
        inits.append(("split", np.asarray(split, np.int64)))
    nodes = [helper.make_node("ArgMax", ["x"], ["split"], axis=2, keepdims=0)] if isinstance(split, str) else []
    nodes.append(helper.make_node("SplitToSequence", inputs, ["seq"], **attrs))
    if picks:
        nodes += [helper.make_node("SequenceAt", ["seq", "at0"], ["a"]),
                  helper.make_node("SequenceAt", ["seq", "at1"], ["b"]), helper.make_node("Mul", ["a", "b"], ["y"])]
    else:
        nodes.append(helper.make_node("ConcatFromSequence", ["seq"], ["y"], axis=attrs.get("axis", 0)))
    return _model(nodes, [2, 7, 3], inits, opset=opset)


@pytest.mark.parametrize("split, attrs, picks", [
    (np.int64(3), {"axis": 1}, (0, -1)),  # pieces 3, 3, 1
    ([2, 5], {"axis": 1}, None),
    ([4, 3], {"axis": -2}, None),
    (None, {"axis": 2, "keepdims": 0}, (0, 2)),
    (None, {"axis": 2}, (1, 2)),
    (np.int64(2), {"axis": 2}, (0, 1)),  # pieces 2, 1
])
@pytest.mark.parametrize("opset", [11, 13])
def test_split_to_sequence_with_constant_sizes_computes_as_onnxruntime(split, attrs, picks, opset):
    ort = pytest.importorskip("onnxruntime")
    if picks and split is not None and np.ndim(split) == 0 and attrs["axis"] == 1:  # a piece of 3 times one of 1
        picks = (1, 0)
    model = _split_to_sequence(split, attrs, opset, picks)
    x = np.random.default_rng(1).standard_normal((2, 7, 3)).astype(np.float32)
    want = ort.InferenceSession(model.SerializeToString()).run(None, {"x": x})[0]
    got = network_from_onnx(model).forward(x.astype(np.float64))
    assert got.shape == want.shape and np.allclose(got, want, atol=1e-6)


@pytest.mark.parametrize("split, match", [([2, 4], r"sizes \[2, 4\] do not split axis 1 of length 7"),
                                          (np.int64(0), r"sizes \[0\] do not split"),
                                          ("computed", "needs constant split sizes")])
def test_split_to_sequence_refusals_say_why(split, match):
    with pytest.raises(ValueError, match=r"\(SplitToSequence\).*" + match):
        network_from_onnx(_split_to_sequence(split, {"axis": 1}))


def test_torch_tensor_split_imports():
    torch = torch_or_skip()
    from cimsim.network.torch_import import from_torch

    class Halves(torch.nn.Module):
        def forward(self, x):
            a, b = torch.tensor_split(x, 2, dim=1)
            return a.sum(1) * b.sum(1)

    x = torch.randn(2, 8, 4)
    got = from_torch(Halves().eval(), x).forward(x.numpy())
    assert np.allclose(got, Halves()(x).numpy(), atol=1e-5)


def _pow(base, exponent, shape=(2, 5)):
    """Pow(base, exponent), each "x" (the input) or a constant"""
    inits = [(k, np.asarray(v, np.float32)) for k, v in (("b", base), ("e", exponent)) if not isinstance(v, str)]
    node = helper.make_node("Pow", ["x" if isinstance(base, str) else "b", "x" if isinstance(exponent, str) else "e"],
                            ["y"])
    return _model([node], list(shape), inits)


@pytest.mark.parametrize("base", [2.0, 10000.0, 0.5, [[1.5, 3.0, 0.25, 7.0, 1.0]]])
def test_constant_base_raised_to_an_activation_is_exp_of_x_ln_base(base):
    x = np.random.default_rng(2).uniform(-3, 3, (2, 5))
    got = network_from_onnx(_pow(base, "x")).forward(x)
    assert np.allclose(got, np.power(np.asarray(base, np.float64), x), rtol=1e-12)


@pytest.mark.parametrize("base, match", [(-2.0, "finite positive bases.*holds -2"), (0.0, "holds 0"),
                                         (np.inf, "holds inf"), ([[1.0, 2.0, -1.0, 3.0, 4.0]], "holds -1"),
                                         ("x", "activation raised to an activation")])
def test_other_bases_raised_to_an_activation_are_refused_with_the_reason(base, match):
    with pytest.raises(ValueError, match=r"\(Pow\).*" + match):
        network_from_onnx(_pow(base, "x"))


def test_torch_constant_base_powers_import():
    torch = torch_or_skip()
    from cimsim.network.torch_import import from_torch

    class Powers(torch.nn.Module):
        def forward(self, x):
            return 2 ** x + torch.pow(10.0, x) + x.abs() ** 1.5

    x = torch.randn(2, 6)
    assert np.allclose(from_torch(Powers().eval(), x).forward(x.numpy()), Powers()(x).numpy(), rtol=1e-5)


def _col2im(image, block, attrs: dict, channels: int = 2):
    """Col2Im of x (1, channels x kh x kw, L), L the blocks ``attrs`` give"""
    (h, w), (kh, kw) = image, block
    dh, dw = attrs.get("dilations", (1, 1))
    sh, sw = attrs.get("strides", (1, 1))
    top, left, bottom, right = attrs.get("pads", (0, 0, 0, 0))
    blocks = ((h + top + bottom - dh * (kh - 1) - 1) // sh + 1) * ((w + left + right - dw * (kw - 1) - 1) // sw + 1)
    node = helper.make_node("Col2Im", ["x", "image", "block"], ["y"], **attrs)
    model = _model([node], [1, channels * kh * kw, blocks], [("image", np.array(image, np.int64)),
                                                            ("block", np.array(block, np.int64))], opset=18)
    return model, (1, channels * kh * kw, blocks)


@pytest.mark.parametrize("image, block, attrs", [
    ((6, 6), (3, 3), {"pads": [1, 1, 1, 1], "strides": [2, 2]}),
    ((5, 7), (2, 3), {}),
    ((8, 9), (3, 2), {"dilations": [2, 1], "strides": [1, 2], "pads": [0, 1, 2, 0]}),
    ((4, 4), (4, 4), {"strides": [4, 4]}),
])
def test_col2im_sums_the_blocks_as_onnxruntime(image, block, attrs):
    ort = pytest.importorskip("onnxruntime")
    model, shape = _col2im(image, block, attrs)
    x = np.random.default_rng(3).standard_normal(shape).astype(np.float32)
    want = ort.InferenceSession(model.SerializeToString()).run(None, {"x": x})[0]
    got = network_from_onnx(model).forward(x.astype(np.float64))
    assert got.shape == want.shape and np.allclose(got, want, atol=1e-5)


def test_col2im_of_blocks_that_do_not_fit_is_refused():
    model, _ = _col2im((6, 6), (3, 3), {})
    model.graph.input[0].type.tensor_type.shape.dim[2].dim_value = 17
    with pytest.raises(ValueError, match=r"\(Col2Im\).*needs channels x 9 rows and 16 blocks"):
        network_from_onnx(model)


def test_torch_fold_exported_at_opset_18_loads(tmp_path):
    torch = torch_or_skip()
    import torch.nn.functional as F
    from cimsim.network import load_network

    class Fold(torch.nn.Module):
        def forward(self, x):
            return F.fold(F.unfold(x, 3, padding=1, stride=2) * 2, (6, 6), 3, padding=1, stride=2)

    x = torch.randn(1, 2, 6, 6)
    path = tmp_path / "fold.onnx"
    torch.onnx.export(Fold(), (x,), path, opset_version=18, dynamo=False)
    assert np.allclose(load_network(path).forward(x.numpy()), Fold()(x).numpy(), atol=1e-5)


def test_pooling_of_a_batch_of_maps_refusal_names_the_dynamo_export():
    torch = torch_or_skip()
    import torch.nn.functional as F
    from cimsim.network.torch_import import from_torch

    class Nms(torch.nn.Module):
        def forward(self, x):
            s = x[:, 0]  # (batch, H, W): torch pools each map
            return torch.where(s == F.max_pool2d(s, 3, 1, 1), s, torch.zeros_like(s))

    with pytest.raises(ValueError, match=r"MaxPool2d expects \(channels, height, width\).*dynamo=True"):
        from_torch(Nms(), torch.randn(2, 1, 8, 8))


def test_estimate_of_a_network_the_digits_do_not_fit_is_told_a_way_it_takes(tmp_path):
    """the message had told cimsim.estimate to give inputs= and labels=, then that a dataset file is its only way;
    it takes inputs= (and no labels), which the message now names"""
    import cimsim
    from cimsim.errors import ConfigError
    from cimsim.network import Dense, Network, save_network

    path = tmp_path / "lin.npz"
    save_network(Network([Dense(np.ones((4, 8)))], input_shape=(8,)), path)
    config = {"name": "p", "preset": "ideal", "workload": {"kind": "network", "network_file": str(path)}}
    with pytest.raises(ConfigError, match=r"as inputs= \(cimsim\.estimate, cimsim\.simulate, cimsim\.compare; the "
                                          r"last two also take labels=\).*workload\.dataset_file \(an \.npz of x, "
                                          r"and y for labels: the way on the command line\)"):
        cimsim.estimate(config)
    assert cimsim.estimate(config, inputs=np.ones((3, 8))).cim.mvms == 3
