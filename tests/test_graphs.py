"""Network graphs: residual and attention layers against numpy references, .npz round trips, ONNX graphs."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from scipy.special import erf

from cimsim.network import (ActivationMatMul, Affine, AvgPool2d, Concat, Conv2d, Conv3d, Dense, Elementwise, Flatten,
                            GlobalAvgPool2d, LayerNorm, MaxPool2d, Mean, Network, Pad, ReLU, Reshape, Scatter, Slice,
                            Softmax, Transpose, Unary, load_network, save_network)

RNG = np.random.default_rng(11)
MLP_CONFIG = Path(__file__).resolve().parents[1] / "configs" / "digits-mlp.toml"


def conv_loop(x, w, b, stride, pads, dilation, groups):
    """Direct grouped, dilated, asymmetrically padded 2-d cross-correlation (the definition)."""
    n, c, h, wd = x.shape
    out_ch, cpg, kh, kw = w.shape
    top, left, bottom, right = pads
    xp = np.pad(x, ((0, 0), (0, 0), (top, bottom), (left, right)))
    eh, ew = dilation[0] * (kh - 1) + 1, dilation[1] * (kw - 1) + 1
    oh, ow = (h + top + bottom - eh) // stride[0] + 1, (wd + left + right - ew) // stride[1] + 1
    y = np.zeros((n, out_ch, oh, ow))
    opg = out_ch // groups
    for o in range(out_ch):
        g = o // opg
        for r in range(oh):
            for s in range(ow):
                patch = xp[:, g * cpg:(g + 1) * cpg, r * stride[0]:r * stride[0] + eh:dilation[0],
                           s * stride[1]:s * stride[1] + ew:dilation[1]]
                y[:, o, r, s] = np.sum(patch * w[o], axis=(1, 2, 3)) + (0 if b is None else b[o])
    return y


@pytest.mark.parametrize("groups, dilation, pads, stride", [
    (1, (1, 1), (1, 0, 2, 1), (1, 2)), (2, (2, 1), (0, 1, 1, 0), (1, 1)), (4, (1, 1), (1, 1, 1, 1), (2, 2)),
    (1, (2, 2), (2, 2, 2, 2), (1, 1))])
def test_conv2d_groups_dilation_padding_equal_the_definition(groups, dilation, pads, stride):
    w, b, x = RNG.standard_normal((4, 4 // groups, 3, 2)), RNG.standard_normal(4), RNG.standard_normal((2, 4, 7, 6))
    conv = Conv2d(w, b, stride, pads, dilation, groups)
    y = conv.from_rows(conv.to_rows(x) @ conv.matrix.T, x)
    np.testing.assert_allclose(y, conv_loop(x, w, b, stride, pads, dilation, groups), rtol=1e-12, atol=1e-12)
    assert conv.matrix.shape == conv.matrix_shape == (4, 4 * 3 * 2)
    assert np.count_nonzero(conv.matrix) == w.size  # block-diagonal: group g's filters see its channels only
    np.testing.assert_allclose(conv.from_rows(conv.product(conv.to_rows(x)), x), y, rtol=1e-13, atol=1e-13)


def conv3d_loop(x, w, b, stride, pads, dilation, groups):
    """Direct grouped, dilated, asymmetrically padded 3-d cross-correlation (the definition)."""
    xp = np.pad(x, ((0, 0), (0, 0)) + tuple((pads[k], pads[k + 3]) for k in range(3)))
    extent = [d * (k - 1) + 1 for d, k in zip(dilation, w.shape[2:])]
    out = [(n - e) // s + 1 for n, e, s in zip(xp.shape[2:], extent, stride)]
    y = np.zeros((x.shape[0], w.shape[0], *out))
    cpg, opg = w.shape[1], w.shape[0] // groups
    for o in range(w.shape[0]):
        g = o // opg
        for p in np.ndindex(*out):
            window = tuple(slice(i * s, i * s + e, d) for i, s, e, d in zip(p, stride, extent, dilation))
            patch = xp[(slice(None), slice(g * cpg, (g + 1) * cpg)) + window]
            y[(slice(None), o) + p] = np.sum(patch * w[o], axis=(1, 2, 3, 4)) + (0 if b is None else b[o])
    return y


@pytest.mark.parametrize("groups, dilation, pads, stride", [
    (1, (1, 1, 1), (1, 0, 1, 1, 2, 0), (1, 2, 1)), (2, (2, 1, 1), (0, 1, 0, 1, 1, 1), (1, 1, 2)),
    (4, (1, 1, 2), (1, 1, 1, 1, 1, 1), (2, 2, 1))])
def test_conv3d_groups_dilation_padding_equal_the_definition(groups, dilation, pads, stride, tmp_path):
    w, b = RNG.standard_normal((4, 4 // groups, 2, 3, 2)), RNG.standard_normal(4)
    x = RNG.standard_normal((2, 4, 5, 6, 5))
    conv = Conv3d(w, b, stride, pads, dilation, groups)
    y = conv.from_rows(conv.to_rows(x) @ conv.matrix.T, x)
    np.testing.assert_allclose(y, conv3d_loop(x, w, b, stride, pads, dilation, groups), rtol=1e-12, atol=1e-12)
    assert conv.matrix.shape == conv.matrix_shape == (4, 4 * 2 * 3 * 2) and np.count_nonzero(conv.matrix) == w.size
    rows = conv.to_rows(x)  # the float product group by group, without the zero blocks
    np.testing.assert_allclose(conv.product(rows), rows @ conv.matrix.T, rtol=1e-13, atol=1e-13)
    assert conv.rows_per_sample((4, 5, 6, 5)) == math.prod(y.shape[2:])
    net = Network((conv,), (4, 5, 6, 5))
    save_network(net, tmp_path / "c3d.npz")
    np.testing.assert_array_equal(load_network(tmp_path / "c3d.npz").forward(x), net.forward(x))


@pytest.mark.parametrize("kwargs, match", [
    ({"padding": (1, 1, 1, 1)}, r"Conv3d padding must be an int >= 0 or 6 of them \(begins, then ends\)"),
    ({"stride": (1, 0, 1)}, r"Conv3d stride must be an int >= 1 or 3 of them \(depth, height, width\)"),
    ({"groups": 3}, r"Conv3d groups must be an int >= 1 dividing the 4 output channels")])
def test_conv3d_bad_parameters(kwargs, match):
    with pytest.raises(ValueError, match=match):
        Conv3d(np.ones((4, 1, 2, 2, 2)), **kwargs)
    with pytest.raises(ValueError, match=r"Conv3d expects \(1, depth, height, width\) per sample; got \(1, 4, 4\)"):
        Conv3d(np.ones((4, 1, 2, 2, 2))).output_shape((1, 4, 4))


def test_pooling_with_padding():
    x = RNG.standard_normal((2, 3, 5, 5))
    got = MaxPool2d(3, 2, 1)(x)
    assert got.shape == (2, 3, 3, 3)
    # the window at (0, 0) covers rows/cols -1..1: the max of x[:, :, :2, :2]; at (1, 1) rows/cols 1..3
    np.testing.assert_allclose(got[:, :, 0, 0], x[:, :, :2, :2].max(axis=(2, 3)))
    np.testing.assert_allclose(got[:, :, 1, 1], x[:, :, 1:4, 1:4].max(axis=(2, 3)))
    avg = AvgPool2d(3, 2, 1)(x)
    np.testing.assert_allclose(avg[:, :, 0, 0], x[:, :, :2, :2].mean(axis=(2, 3)), rtol=1e-12)
    np.testing.assert_allclose(AvgPool2d(3, 2, 1, count_include_pad=True)(x)[:, :, 0, 0],
                               x[:, :, :2, :2].sum(axis=(2, 3)) / 9, rtol=1e-12)
    np.testing.assert_allclose(GlobalAvgPool2d()(x)[:, :, 0, 0], x.mean(axis=(2, 3)), rtol=1e-12)


def test_digital_layers_equal_closed_forms():
    x = RNG.standard_normal((3, 4, 5))
    s = Softmax(-1)(x)
    np.testing.assert_allclose(s.sum(axis=-1), 1.0, rtol=1e-12)
    np.testing.assert_allclose(s, np.exp(x) / np.exp(x).sum(axis=-1, keepdims=True), rtol=1e-12)
    w, b = RNG.standard_normal(5), RNG.standard_normal(5)
    ln = LayerNorm(w, b, 1e-5)(x)
    mu, var = x.mean(-1, keepdims=True), x.var(-1, keepdims=True)
    np.testing.assert_allclose(ln, (x - mu) / np.sqrt(var + 1e-5) * w + b, rtol=1e-10)
    np.testing.assert_allclose(Unary("gelu")(x), x * 0.5 * (1 + erf(x / math.sqrt(2))), rtol=1e-12)
    np.testing.assert_allclose(Unary("sigmoid")(x), 1 / (1 + np.exp(-x)), rtol=1e-12)
    a, bt = RNG.standard_normal((3, 2, 4, 5)), RNG.standard_normal((3, 2, 5, 6))
    np.testing.assert_allclose(ActivationMatMul()(a, bt), a @ bt, rtol=1e-12)
    assert ActivationMatMul().work((2, 4, 5), (2, 5, 6)) == 2 * 4 * 6 * 5
    np.testing.assert_array_equal(Transpose((1, 0))(x), x.transpose(0, 2, 1))
    np.testing.assert_array_equal(Slice(1, 1, 4)(x), x[:, :, 1:4])
    np.testing.assert_array_equal(Concat(0)(x, x), np.concatenate([x, x], axis=1))
    np.testing.assert_array_equal(Reshape((-1, 2, 5))(x).shape, (3, 2, 2, 5))
    np.testing.assert_array_equal(Pad((0, 1, 2, 3), 0.5)(x), np.pad(x, ((0, 0), (0, 2), (1, 3)), constant_values=0.5))
    assert Pad((0, 1, 2, 3)).output_shape((4, 5)) == (6, 9)
    for mode in ("reflect", "edge", "wrap"):
        np.testing.assert_array_equal(Pad((0, 1, 2, 3), mode=mode)(x), np.pad(x, ((0, 0), (0, 2), (1, 3)), mode=mode))
    with pytest.raises(ValueError, match="Pad mode must be one of constant, reflect, edge, wrap; got 'mirror'"):
        Pad((0, 1, 2, 3), mode="mirror")
    scatter, updates = Scatter(np.array([7, 0, 3])), RNG.standard_normal((3, 3))
    want = x.reshape(3, -1).copy()
    want[:, [7, 0, 3]] = updates
    np.testing.assert_array_equal(scatter(x, updates), want.reshape(x.shape))
    for bad, match in (((np.array([1, 1]),), "must be distinct"), ((np.array([-1]),), "integers >= 0")):
        with pytest.raises(ValueError, match=match):
            Scatter(*bad)
    with pytest.raises(ValueError, match=r"Scatter position 7 is outside data of shape \(2, 3\)"):
        scatter.output_shape((2, 3), (3,))
    np.testing.assert_allclose(Mean((0,), keepdims=False)(x), x.mean(axis=1), rtol=1e-12)
    np.testing.assert_allclose(Elementwise("add")(x, x[:, 0]), x + x[:, :1], rtol=1e-12)  # broadcast per sample
    np.testing.assert_allclose(Dense(np.eye(5) * 2).from_rows(Dense(np.eye(5)).to_rows(x) * 2, x), 2 * x)


def residual_net() -> Network:
    """conv-relu-conv + skip, relu, global pool, dense: value numbers as in Network's doc."""
    c1 = Conv2d(RNG.standard_normal((4, 4, 3, 3)) * 0.3, RNG.standard_normal(4), padding=1)
    c2 = Conv2d(RNG.standard_normal((4, 4, 3, 3)) * 0.3, None, padding=1)
    layers = (c1, ReLU(), c2, Elementwise("add"), ReLU(), GlobalAvgPool2d(), Flatten(),
              Dense(RNG.standard_normal((3, 4)), RNG.standard_normal(3)))
    inputs = ((0,), (1,), (2,), (3, 0), (4,), (5,), (6,), (7,))
    return Network(layers, (4, 6, 6), inputs)


def test_residual_graph_forward_and_hook_and_round_trip(tmp_path):
    net = residual_net()
    x = RNG.standard_normal((5, 4, 6, 6))
    c1, _, c2, *_, dense = net.layers
    h = np.maximum(conv_loop(x, c1.weight, c1.bias, (1, 1), (1,) * 4, (1, 1), 1), 0)
    h = np.maximum(conv_loop(h, c2.weight, None, (1, 1), (1,) * 4, (1, 1), 1) + x, 0)
    want = h.mean(axis=(2, 3)) @ dense.weight.T + dense.bias
    np.testing.assert_allclose(net.forward(x), want, rtol=1e-10)
    assert [s.index for s in net.matrix_shapes()] == [0, 1, 2]
    assert net.digital_work()["elementwise"] == 4 * 6 * 6
    save_network(net, tmp_path / "res.npz")
    back = load_network(tmp_path / "res.npz")
    assert back.inputs == net.inputs and back.names == net.names
    np.testing.assert_array_equal(back.forward(x), net.forward(x))


@pytest.mark.parametrize("inputs, match", [
    (((0,), (2,)), r"layer 1 \(relu\) must read values in 0..1"),
    (((0,), (1, 0)), r"layer 1 \(relu\) takes 1 input"),
    (((0,),), "one entry|inputs must list"),
])
def test_bad_graph_wiring_raises(inputs, match):
    with pytest.raises(ValueError, match=match):
        Network((Dense(np.ones((2, 2))), ReLU()), (2,), inputs)


def test_shape_mismatch_names_the_layer():
    with pytest.raises(ValueError, match=r"layer 1 \(elementwise, 'skip'\).*do not broadcast"):
        Network((Dense(np.ones((3, 2))), Elementwise("add")), (2,), ((0,), (1, 0)), ("fc", "skip"))


def test_masked_or_ragged_input_is_refused():
    with pytest.raises(ValueError, match="network input is a masked array"):
        residual_net().forward(np.ma.masked_array(np.zeros((1, 4, 6, 6)), mask=True))
    with pytest.raises(ValueError, match="network input must be a rectangular array of real numbers; numpy could"):
        residual_net().forward([np.zeros((4, 6, 6)), np.zeros((4, 6))])


def test_affine_shift_takes_minus_inf_only():
    mask = np.triu(np.full((3, 3), -np.inf), 1)
    scores = Softmax(-1)(Affine(shift=mask)(np.zeros((1, 3, 3))))
    np.testing.assert_allclose(scores[0], np.tril(np.ones((3, 3))) / np.arange(1, 4)[:, None])
    for bad in (np.inf, np.nan):
        with pytest.raises(ValueError, match="Affine shift holds NaN or infinite values"):
            Affine(shift=np.array([0.0, bad]))
    with pytest.raises(ValueError, match="Affine scale holds NaN or infinite values"):
        Affine(scale=np.array([-np.inf]))


def test_affine_constant_must_broadcast():
    with pytest.raises(ValueError, match=r"Affine scale of shape \(3,\) does not broadcast to \(4, 2\)"):
        Network((Affine(scale=np.ones(3)),), (4, 2))


# ---- ONNX graphs -----------------------------------------------------------------------------------------------
def _model(nodes, inits, input_shape):
    onnx = pytest.importorskip("onnx")
    from onnx import TensorProto, helper, numpy_helper

    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, *input_shape])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
                              [numpy_helper.from_array(np.asarray(v), k) for k, v in inits.items()])
    return onnx, helper.make_model(graph)


def test_onnx_residual_with_batchnorm_folded():
    helper = pytest.importorskip("onnx").helper
    from cimsim.network.onnx_import import network_from_onnx

    f32 = lambda a: np.asarray(a, np.float32)  # noqa: E731
    w = f32(RNG.standard_normal((3, 3, 3, 3)))
    scale, bias, mean, var = (f32(RNG.uniform(0.5, 1.5, 3)) for _ in range(4))
    inits = {"w": w, "s": scale, "b": bias, "m": mean, "v": var, "shape": np.array([1, -1], np.int64)}
    nodes = [helper.make_node("Conv", ["x", "w"], ["c"], name="conv", pads=[1, 1, 1, 1]),
             helper.make_node("BatchNormalization", ["c", "s", "b", "m", "v"], ["bn"], name="bn", epsilon=1e-3),
             helper.make_node("Add", ["bn", "x"], ["sum"], name="skip"),
             helper.make_node("Relu", ["sum"], ["r"], name="relu"),
             helper.make_node("Reshape", ["r", "shape"], ["y"], name="flat")]
    _, model = _model(nodes, inits, (3, 4, 4))
    net = network_from_onnx(model)
    assert [la.kind for la in net.layers] == ["conv2d", "elementwise", "relu", "flatten"]
    x = RNG.standard_normal((2, 3, 4, 4))
    c = conv_loop(x, w.astype(np.float64), None, (1, 1), (1,) * 4, (1, 1), 1)
    k = (scale / np.sqrt(var + 1e-3)).astype(np.float64)
    bn = (c - mean[:, None, None]) * k[:, None, None] + bias[:, None, None]
    np.testing.assert_allclose(net.forward(x), np.maximum(bn + x, 0).reshape(2, -1), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("op, domain", [("Tan", (-1.2, 1.2)), ("Asin", (-0.9, 0.9)), ("Acos", (-0.9, 0.9)),
                                        ("Atan", (-5, 5)), ("Sinh", (-3, 3)), ("Cosh", (-3, 3)), ("Asinh", (-5, 5)),
                                        ("Acosh", (1.1, 5)), ("Atanh", (-0.9, 0.9))])
def test_onnx_trigonometric_and_hyperbolic_functions(op, domain):
    """ONNX's (inverse) trigonometric and hyperbolic operators of activations are unary layers, within float32 of
    onnx's reference evaluator, priced as one transcendental vector op per value"""
    helper = pytest.importorskip("onnx").helper
    from onnx.reference import ReferenceEvaluator

    from cimsim.models.from_network import model_from_network
    from cimsim.network.onnx_import import network_from_onnx

    nodes = [helper.make_node("MatMul", ["x", "w"], ["h"], name="dense"), helper.make_node(op, ["h"], ["y"], name="f")]
    _, model = _model(nodes, {"w": np.eye(5, dtype=np.float32)}, (5,))
    net = network_from_onnx(model)
    x = RNG.uniform(*domain, (3, 5))
    want = np.concatenate([ReferenceEvaluator(model).run(None, {"x": row[None].astype(np.float32)})[0] for row in x])
    np.testing.assert_allclose(net.forward(x), want, rtol=2e-6, atol=1e-6)
    assert [la.kind for la in net.layers] == ["dense", "unary"] and net.layers[1].function == op.lower()
    assert [(o.kind, o.elements_per_item) for o in model_from_network(net).ops[1:]] == [("tanh", 5)]


# ---- graphs on crossbars ---------------------------------------------------------------------------------------
def attention_net() -> Network:
    """One-head self-attention over 4 tokens of 6 features, residual, layer norm, mean over tokens, 3 classes."""
    d = 6
    w = [RNG.standard_normal((d, d)) * 0.4 for _ in range(4)]
    layers = (Dense(w[0]), Dense(w[1]), Dense(w[2]), Transpose((1, 0)), ActivationMatMul(),
              Affine(scale=np.array(1 / math.sqrt(d))), Softmax(-1), ActivationMatMul(), Dense(w[3]),
              Elementwise("add"), LayerNorm(np.ones(d), np.zeros(d)), Mean((0,), keepdims=False),
              Dense(RNG.standard_normal((3, d))))
    # values: 0 x, 1 q, 2 k, 3 v, 4 kT, 5 scores, 6 scaled, 7 attention, 8 mixed, 9 out, 10 residual, ...
    inputs = ((0,), (0,), (0,), (2,), (1, 4), (5,), (6,), (7, 3), (8,), (9, 0), (10,), (11,), (12,))
    return Network(layers, (4, d), inputs)


@pytest.mark.parametrize("make, shape", [(residual_net, (4, 6, 6)), (attention_net, (4, 6))])
def test_ideal_crossbars_equal_the_quantised_graph_exactly(make, shape):
    from cimsim.config import load_config, with_overrides
    from cimsim.inference import simulate_network

    cfg = with_overrides(load_config(MLP_CONFIG), {
        "device.preset": "ideal", "adc.range": "max", "adc.bits": 16, "array.rows_per_read": 32})
    x = RNG.standard_normal((40, *shape))
    result = simulate_network(cfg, network=make(), inputs=x)
    assert len(result.layers) == len(make().matrix_layers())
    assert all(layer.vs_digital.error_sq == 0.0 and layer.vs_digital.outputs > 0 for layer in result.layers)
    assert not result.labelled and result.float_accuracy == 1.0
    assert result.analog_accuracy == result.digital_accuracy
    assert result.vs_float.error_sq == result.digital_vs_float.error_sq > 0  # quantisation error, no more
    noisy = simulate_network(with_overrides(cfg, {"device.read_noise_sigma": 0.2}), network=make(), inputs=x)
    assert noisy.vs_float.error_sq > result.vs_float.error_sq


def test_in_memory_inputs_and_labels_are_checked():
    from cimsim.config import load_config
    from cimsim.inference import simulate_network

    cfg = load_config(MLP_CONFIG)
    with pytest.raises(ValueError, match=r"labels must be \(3, \.\.\.\) integers"):
        simulate_network(cfg, network=residual_net(), inputs=np.zeros((3, 4, 6, 6)), labels=np.zeros(3))
    with pytest.raises(ValueError, match=r"^inputs must have shape \(batch, 4, 6, 6\)"):
        simulate_network(cfg, network=residual_net(), inputs=np.zeros((3, 4, 6)))
    with pytest.raises(ValueError, match="labels were given without inputs"):
        simulate_network(cfg, labels=np.zeros(3, int))


def test_digital_layers_priced_on_a_vector_unit_on_both_sides():
    from cimsim.comparison import compare
    from cimsim.config import load_config, with_overrides

    root = Path(__file__).resolve().parents[1]
    cfg = with_overrides(load_config(root / "configs" / "digits-vit.toml"), {"workload.vectors": 20})
    comp = compare(cfg)
    for side in (comp.cim, comp.baseline):
        assert side.energy_pj["vector_unit"] > 0
        assert any("vector unit" in line for line in side.assumptions)
    assert comp.cim.area_um2["vector_unit"] > 0
    # softmax, layer norm, GELU and the attention products are most of the ViT's digital work
    assert comp.cim.energy_pj["vector_unit"] > comp.cim.energy_pj.get("shift_add", 0.0)


@pytest.mark.parametrize("mode, stride", [("SAME_UPPER", 1), ("SAME_LOWER", 2), ("SAME_UPPER", 2), ("VALID", 1)])
def test_onnx_auto_pad(mode, stride):
    helper = pytest.importorskip("onnx").helper
    from cimsim.network.onnx_import import network_from_onnx

    w = RNG.standard_normal((2, 1, 2, 3)).astype(np.float32)
    nodes = [helper.make_node("Conv", ["x", "w"], ["c"], name="conv", auto_pad=mode, strides=[stride, stride]),
             helper.make_node("MaxPool", ["c"], ["y"], name="pool", auto_pad=mode, kernel_shape=[2, 2],
                              strides=[stride, stride])]
    _, model = _model(nodes, {"w": w}, (1, 5, 6))
    net = network_from_onnx(model)
    conv = net.layers[0]
    if mode == "VALID":
        assert conv.padding == (0, 0, 0, 0)
        return
    assert net.shapes()[1][1:] == (-(-5 // stride), -(-6 // stride))  # SAME: ceil(input / stride)
    (top, left, bottom, right) = conv.padding
    assert (top + bottom, left + right) == (max((-(-5 // stride) - 1) * stride + 2 - 5, 0),
                                            max((-(-6 // stride) - 1) * stride + 3 - 6, 0))
    assert (bottom >= top) if mode == "SAME_UPPER" else (top >= bottom)


def test_every_unary_function_has_a_vector_unit_cost():
    """a unary function added to the layers without a price would fail shapes-only pricing at run time"""
    from cimsim.cost.vector_unit import VECTOR_KINDS
    from cimsim.models.from_network import _UNARY_KINDS
    from cimsim.network.ops import UNARY_FUNCTIONS

    assert set(UNARY_FUNCTIONS) == set(_UNARY_KINDS)
    assert set(_UNARY_KINDS.values()) <= set(VECTOR_KINDS)
