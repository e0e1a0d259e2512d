"""cimsim.network: layers against loop references, the model and its matmul hook, .npz / ONNX loading,
datasets, and the shipped digits networks."""

from __future__ import annotations

import json
import math
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from scipy.signal import correlate

from cimsim.config.schema import Config, WorkloadConfig
from cimsim.errors import ConfigError
from cimsim.network import (
    AvgPool2d, Clip, Conv2d, Dense, Flatten, MatrixShape, MaxPool2d, Mean, Network, Pad, ReLU, Reshape, Slice, Softmax,
    Transpose, Upsample, digits_test_path, load_dataset, load_network, save_network,
)

DATA = Path(digits_test_path()).parent
RNG = np.random.default_rng(1234)


# ---- loop references ---------------------------------------------------------------------------------------
def conv_loop(x, w, b, stride, pad):
    n, c, h, wd = x.shape
    o, _, kh, kw = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad[0], pad[0]), (pad[1], pad[1])))
    oh, ow = (h + 2 * pad[0] - kh) // stride[0] + 1, (wd + 2 * pad[1] - kw) // stride[1] + 1
    y = np.zeros((n, o, oh, ow))
    for i in range(n):
        for f in range(o):
            for r in range(oh):
                for s in range(ow):
                    patch = xp[i, :, r * stride[0]:r * stride[0] + kh, s * stride[1]:s * stride[1] + kw]
                    y[i, f, r, s] = np.sum(patch * w[f]) + (0.0 if b is None else b[f])
    return y


def pool_loop(x, kernel, stride, reduce, dilation=(1, 1)):
    n, c, h, w = x.shape
    span = [d * (k - 1) + 1 for d, k in zip(dilation, kernel)]
    oh, ow = (h - span[0]) // stride[0] + 1, (w - span[1]) // stride[1] + 1
    y = np.zeros((n, c, oh, ow))
    for r in range(oh):
        for s in range(ow):
            y[:, :, r, s] = reduce(x[:, :, r * stride[0]:r * stride[0] + span[0]:dilation[0],
                                     s * stride[1]:s * stride[1] + span[1]:dilation[1]], axis=(2, 3))
    return y


def small_cnn(rng=RNG) -> Network:
    """Every layer kind: (2, 9, 9) -> conv(pad 1, stride 2) -> relu -> maxpool -> avgpool -> flatten -> dense."""
    return Network((Conv2d(rng.standard_normal((4, 2, 3, 3)), rng.standard_normal(4), 2, 1), ReLU(),
                    MaxPool2d(2, 1), AvgPool2d((2, 1)), Flatten(), Dense(rng.standard_normal((3, 32)), None)),
                   (2, 9, 9))


# ---- layers ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("seed", range(6))
def test_conv2d_im2col_equals_loop_reference(seed):
    rng = np.random.default_rng(seed)
    c, o, kh, kw = rng.integers(1, 4, 4)
    stride, pad = tuple(rng.integers(1, 4, 2)), tuple(rng.integers(0, 3, 2))
    h, w = rng.integers(kh, kh + 7), rng.integers(kw, kw + 7)
    x, wt = rng.standard_normal((2, c, h, w)), rng.standard_normal((o, c, kh, kw))
    b = rng.standard_normal(o) if seed % 2 else None
    conv = Conv2d(wt, b, stride, pad)
    rows = conv.to_rows(x)
    assert rows.shape == (2 * conv.rows_per_sample((c, h, w)), c * kh * kw)
    y = conv.from_rows(rows @ conv.matrix.T, x)
    np.testing.assert_allclose(y, conv_loop(x, wt, b, stride, pad), rtol=1e-12, atol=1e-12)
    assert y.shape[1:] == conv.output_shape((c, h, w))


def test_conv2d_stride1_equals_scipy_correlate():
    x, w = RNG.standard_normal((1, 3, 7, 6)), RNG.standard_normal((1, 3, 3, 2))
    conv = Conv2d(w)
    want = correlate(x[0], w[0], mode="valid")[0]
    np.testing.assert_allclose(conv.from_rows(conv.to_rows(x) @ conv.matrix.T, x)[0, 0], want, rtol=1e-12)


def test_conv2d_patch_order_matches_weight_reshape():
    x = np.arange(2 * 2 * 4 * 5, dtype=float).reshape(2, 2, 4, 5)
    conv = Conv2d(np.ones((3, 2, 2, 3)), stride=(2, 1), padding=(1, 0))
    rows = conv.to_rows(x)
    xp = np.pad(x, ((0, 0), (0, 0), (1, 1), (0, 0)))
    _, oh, ow = conv.output_shape((2, 4, 5))
    n, r, s = 1, 2, 1  # row index is batch-major, then output row, then output column
    np.testing.assert_array_equal(rows[(n * oh + r) * ow + s], xp[n, :, 2 * r:2 * r + 2, s:s + 3].ravel())
    assert conv.matrix.shape == (3, 12)


@pytest.mark.parametrize("cls, reduce", [(MaxPool2d, np.max), (AvgPool2d, np.mean)])
@pytest.mark.parametrize("kernel, stride", [(2, None), ((3, 2), (1, 2)), (2, 3)])
@pytest.mark.parametrize("dilation", [1, (2, 3)])
def test_pooling_equals_loop_reference(cls, reduce, kernel, stride, dilation):
    x = RNG.standard_normal((2, 3, 9, 10))
    pool = cls(kernel, stride, dilation=dilation)
    k = pool.kernel
    s = k if stride is None else pool.stride
    np.testing.assert_allclose(pool(x), pool_loop(x, k, s, reduce, pool.dilation), rtol=1e-12)
    assert Network((pool,), (3, 9, 10)).shapes()[1] == pool(x).shape[1:]


def test_dense_equals_affine_map():
    w, b, x = RNG.standard_normal((5, 7)), RNG.standard_normal(5), RNG.standard_normal((4, 7))
    dense = Dense(w, b)
    np.testing.assert_allclose(dense.from_rows(dense.to_rows(x) @ dense.matrix.T, x), x @ w.T + b, rtol=1e-12)
    np.testing.assert_array_equal(Flatten()(RNG.standard_normal((2, 3, 4)).reshape(2, 3, 4)).shape, (2, 12))
    np.testing.assert_array_equal(ReLU()(np.array([[-1.0, 2.0]])), [[0.0, 2.0]])


@pytest.mark.parametrize("make, match", [
    (lambda: Dense(np.ones((2, 3)), np.ones(3)), r"bias must have shape \(2,\)"),
    (lambda: Dense(np.array([[1.0, np.nan]])), "NaN"),
    (lambda: Dense(np.ones(3)), "2-d array"),
    (lambda: Conv2d(np.ones((1, 1, 2, 2)), stride=0), "stride must be an int >= 1"),
    (lambda: MaxPool2d((2, 2, 2)), "kernel must be"),
    (lambda: Network((Dense(np.ones((2, 3))),), (4,)), r"layer 0 \(dense, 'layer0'\).*expects 3 features.*got \(4,\)"),
    (lambda: Network((Conv2d(np.ones((1, 1, 5, 5))),), (1, 3, 3)), "does not fit"),
    (lambda: Network((), (4,)), "at least one layer"),
    (lambda: Conv2d(np.ones((1, 1, 2, 2)), stride=1.5), r"stride must be an int >= 1 or 2 of them.*got 1.5"),
    (lambda: Reshape((2.7, 3)), r"Reshape shape must be a sequence of ints; got \(2.7, 3\)"),
    (lambda: Reshape("ab"), "Reshape shape must be a sequence of ints"),
    (lambda: Pad((1, 0.5)), "Pad pads must be a sequence of ints"),
    (lambda: Transpose(None), "Transpose perm must be a sequence of ints"),
    (lambda: Mean(1), "Mean axes must be a sequence of ints; got 1"),
    (lambda: Clip(np.nan, 1.0), "Clip low must be a number"),
    (lambda: Clip(0.0, "6"), "Clip high must be a number"),
    (lambda: Network((Dense(np.ones((2, 3))), Softmax(3)), (3,)), r"layer 1 \(softmax.*Softmax axis 3 is outside"),
    (lambda: Network((Dense(np.ones((2, 3))), Softmax("x")), (3,)), "Softmax axis must be an int .* got 'x'"),
])
def test_bad_layers_and_networks_raise(make, match):
    with pytest.raises(ValueError, match=match):
        make()


# ---- network -------------------------------------------------------------------------------------------------
def test_forward_equals_composition_and_shapes():
    net = small_cnn()
    x = RNG.standard_normal((3, 2, 9, 9))
    conv, _, mp, ap, _, dense = net.layers
    want = dense.weight @ ap(mp(np.maximum(conv_loop(x, conv.weight, conv.bias, (2, 2), (1, 1)), 0))).reshape(3, -1).T
    np.testing.assert_allclose(net.forward(x), want.T, rtol=1e-10)
    assert net.shapes() == [(2, 9, 9), (4, 5, 5), (4, 5, 5), (4, 4, 4), (4, 2, 4), (32,), (3,)]
    assert net.output_shape == (3,)
    assert net.matrix_shapes() == [MatrixShape(0, 18, 4, 25), MatrixShape(1, 32, 3, 1)]


def test_matmul_hook_called_once_per_matrix_layer_with_right_shapes():
    net = small_cnn()
    x = RNG.standard_normal((3, 2, 9, 9))
    calls = []

    def matmul(index, layer, rows):
        calls.append((index, layer, rows.shape))
        return 2.0 * (rows @ layer.matrix.T)

    y = net.forward(x, matmul)
    assert [(i, s) for i, _, s in calls] == [(0, (75, 18)), (1, (3, 32))]
    assert [layer for _, layer, _ in calls] == net.matrix_layers()
    # the hook's products are what the network uses: doubling them = doubling the weights (biases stay digital)
    doubled = tuple(replace(la, weight=2 * la.weight) if la in net.matrix_layers() else la for la in net.layers)
    np.testing.assert_allclose(y, replace(net, layers=doubled).forward(x), rtol=1e-12)
    assert not np.allclose(y, net.forward(x))


def test_matmul_hook_reads_its_rows_only():
    """a hook that clipped its rows in place had changed the caller's x (a C-order float64 input: its rows a view
    of it; probe, 2026-12-07): they are read-only, x is left as it was"""
    net = Network(input_shape=(4,), layers=(Dense(RNG.standard_normal((3, 4))),))
    x = RNG.standard_normal((5, 4))
    before = x.copy()

    def clipping(index, layer, rows):
        np.clip(rows, 0.0, 0.5, out=rows)
        return rows @ layer.matrix.T

    with pytest.raises(ValueError, match="read-only"):
        net.forward(x, clipping)
    np.testing.assert_array_equal(x, before)
    np.testing.assert_allclose(net.forward(x, lambda i, layer, rows: rows @ layer.matrix.T), net.forward(x))


def test_matmul_hook_wrong_shape_raises():
    with pytest.raises(ValueError, match=r"matmul for matrix layer 0 returned shape \(75, 3\); expected \(75, 4\)"):
        small_cnn().forward(RNG.standard_normal((3, 2, 9, 9)), lambda i, layer, rows: np.zeros((rows.shape[0], 3)))
    with pytest.raises(ValueError, match="matmul for matrix layer 0 returned NaN or infinite values"):
        small_cnn().forward(RNG.standard_normal((3, 2, 9, 9)), lambda i, layer, rows: np.full((len(rows), 4), np.nan))


def test_load_dataset_names_a_config_of_the_wrong_type():
    with pytest.raises(TypeError, match="load_dataset needs a cimsim Config .* got str"):
        load_dataset("configs/digits-mlp.toml", (64,))


def test_load_and_save_name_arguments_of_the_wrong_type(tmp_path):
    with pytest.raises(TypeError, match="network path must be a file path .* got int 3"):
        load_network(3)
    with pytest.raises(TypeError, match="save_network needs a cimsim Network; got str"):
        save_network("net", tmp_path / "n.npz")
    net = Network((Dense(np.ones((2, 3))),), (3,))
    with pytest.raises(TypeError, match=r"got \w*Path \(the arguments swapped\? save_network\(network, path\)\)"):
        save_network(tmp_path / "n.npz", net)
    assert not any(tmp_path.iterdir())


def test_whole_floats_are_taken_as_ints():
    """shapes and factors computed as floats (2.0) are whole numbers: taken, as ints"""
    assert Reshape((2.0, np.float32(3))).shape == (2, 3) and Upsample((2.0, 1)).factors == (2, 1)


@pytest.mark.parametrize("x, match", [
    (np.zeros((2, 9, 9)), r"must have shape \(batch, 2, 9, 9\); got \(2, 9, 9\)"),
    (np.zeros((1, 2, 9, 8)), r"got \(1, 2, 9, 8\)"),
    (np.full((1, 2, 9, 9), np.inf), "NaN or infinite"),
    (np.full((1, 2, 9, 9), "a"), "real numbers"),
])
def test_bad_network_input_raises(x, match):
    with pytest.raises(ValueError, match=match):
        small_cnn().forward(x)


def test_predict_is_argmax():
    net, x = small_cnn(), RNG.standard_normal((5, 2, 9, 9))
    np.testing.assert_array_equal(net.predict(x), net.forward(x).argmax(axis=1))
    with pytest.raises(ValueError, match="predict needs"):
        Network((ReLU(),), (1, 2, 2)).predict(np.zeros((1, 1, 2, 2)))


# ---- .npz ----------------------------------------------------------------------------------------------------
def test_npz_round_trip(tmp_path):
    net = small_cnn()
    path = tmp_path / "net.npz"
    save_network(net, path, extras={"note": np.array(7)})
    back = load_network(path)
    assert [type(la) for la in back.layers] == [type(la) for la in net.layers]
    assert back.input_shape == net.input_shape
    assert (back.layers[0].stride, back.layers[0].padding, back.layers[2].stride) == ((2, 2), (1, 1, 1, 1), (1, 1))
    x = RNG.standard_normal((2, 2, 9, 9))
    np.testing.assert_array_equal(back.forward(x), net.forward(x))
    with np.load(path) as data:
        assert int(data["note"]) == 7 and "layer5.bias" not in data.files
        assert [p["kind"] for p in json.loads(str(data["architecture"]))] == [
            "conv2d", "relu", "maxpool2d", "avgpool2d", "flatten", "dense"]


def _rewrite(src, dst, **changes):
    with np.load(src) as data:
        arrays = {k: data[k] for k in data.files}
    arrays.update(changes)
    for k in [k for k, v in changes.items() if v is None]:
        del arrays[k]
    np.savez(dst, **arrays)


@pytest.mark.parametrize("changes, match", [
    ({"architecture": np.array(json.dumps([{"kind": "gelu"}]))}, "layer 0 has unknown kind 'gelu'"),
    ({"layer0.weight": None}, r"layer 0 \(conv2d\) needs a 'layer0.weight' array"),
    ({"layer0.weight": np.ones((4, 2, 30, 30))}, r"layer 0 \(conv2d, 'layer0'\).*does not fit"),
    ({"format": np.array("other")}, "format 'other' is not supported"),
    ({"input_shape": None}, "no 'input_shape' entry"),
])
def test_bad_npz_raises(tmp_path, changes, match):
    save_network(small_cnn(), tmp_path / "ok.npz")
    _rewrite(tmp_path / "ok.npz", tmp_path / "bad.npz", **changes)
    with pytest.raises(ValueError, match=match):
        load_network(tmp_path / "bad.npz")


def test_a_value_past_the_onnx_importers_per_sample_limit_is_refused_naming_its_layer(tmp_path):
    """Network and load_network refuse a value over MAX_SAMPLE_VALUES (2**31) per sample, the ONNX importer's limit,
    naming the layer and its shape before anything is allocated (an 8 TiB Pad had been built and saved, then failed
    to allocate in every command that ran it)"""
    huge = r"layer 0 \(pad, 'layer0'\): its output, shape \(1099511627784,\) per sample, would hold 1.1e\+12 values"
    with pytest.raises(ValueError, match=huge + ", more than 2147483648"):
        Network((Pad((2**40, 0)), Slice(0, 2**40, 2**40 + 8), Dense(np.ones((4, 8)))), input_shape=(8,))
    with pytest.raises(ValueError, match=r"input_shape \(2147483649,\) would hold 2.147e\+09 values"):
        Network((ReLU(),), input_shape=(2**31 + 1,))
    small = Network((Pad((2, 0)), Slice(0, 2, 10), Dense(np.ones((4, 8)))), input_shape=(8,))
    save_network(small, tmp_path / "ok.npz")
    with np.load(tmp_path / "ok.npz") as data:
        architecture = json.loads(str(data["architecture"]))
    architecture[0]["pads"] = [2**40, 0]
    architecture[1].update(start=2**40, stop=2**40 + 8)
    _rewrite(tmp_path / "ok.npz", tmp_path / "huge.npz", architecture=np.array(json.dumps(architecture)))
    with pytest.raises(ValueError, match="huge.npz: " + huge):
        load_network(tmp_path / "huge.npz")


def test_unknown_suffix_raises(tmp_path):
    with pytest.raises(ValueError, match="expected .npz or .onnx"):
        load_network(tmp_path / "net.pt")


# ---- shipped digits networks and datasets ----------------------------------------------------------------------
def _config(**workload) -> Config:
    return Config(workload=WorkloadConfig(kind="network", **workload), source="test.toml")


@pytest.mark.parametrize("name, input_shape", [("digits_mlp", (64,)), ("digits_cnn", (1, 8, 8))])
def test_shipped_network_reproduces_training_accuracy(name, input_shape):
    net = load_network(DATA / f"{name}.npz")
    with np.load(DATA / f"{name}.npz") as data:
        trained = float(data["float_accuracy"])
    assert net.input_shape == input_shape
    x, y = load_dataset(_config(vectors=10_000), net.input_shape)
    assert x.shape == (540, *input_shape) and y.shape == (540,)
    assert 0.0 <= x.min() and x.max() <= 1.0
    accuracy = float(np.mean(net.predict(x) == y))
    assert accuracy == trained
    assert accuracy > 0.95


def test_dataset_vectors_cap_and_file(tmp_path):
    x, y = load_dataset(_config(vectors=10), (1, 8, 8))
    x_flat, y_flat = load_dataset(_config(vectors=10), (64,))
    np.testing.assert_array_equal(x.reshape(10, 64), x_flat)
    np.testing.assert_array_equal(y, y_flat)
    np.savez(tmp_path / "d.npz", x=np.arange(12.0).reshape(3, 4), y=np.array([0, 1, 2]))
    x, y = load_dataset(_config(dataset="file", dataset_file=str(tmp_path / "d.npz"), vectors=100), (1, 2, 2))
    np.testing.assert_array_equal(x, np.arange(12.0).reshape(3, 1, 2, 2))
    np.testing.assert_array_equal(y, [0, 1, 2])
    np.savez(tmp_path / "unlabelled.npz", x=np.arange(12.0).reshape(3, 4))
    x, y = load_dataset(_config(dataset="file", dataset_file=str(tmp_path / "unlabelled.npz")), (4,))
    assert y is None and x.shape == (3, 4)


@pytest.mark.parametrize("arrays, match", [
    ({"y": np.zeros(3, int)}, r"must hold an array 'x' \(and 'y', labels, when there are any\); it holds \['y'\]"),
    ({"x": np.zeros((3, 5)), "y": np.zeros(3, int)}, r"do not fit the network's input shape \(4,\)"),
    ({"x": np.zeros((3, 4)), "y": np.zeros(3)}, "integer labels"),
    ({"x": np.full((3, 4), np.nan), "y": np.zeros(3, int)}, "NaN"),
])
def test_bad_dataset_file_raises(tmp_path, arrays, match):
    np.savez(tmp_path / "d.npz", **arrays)
    with pytest.raises(ConfigError, match=match) as info:
        load_dataset(_config(dataset="file", dataset_file=str(tmp_path / "d.npz")), (4,))
    assert info.value.fields == ["workload.dataset_file"]


# ---- ONNX ----------------------------------------------------------------------------------------------------
def _onnx_model(nodes, initializers, input_shape, output="y"):
    onnx = pytest.importorskip("onnx")
    from onnx import TensorProto, helper, numpy_helper

    graph = helper.make_graph(
        nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", *input_shape])],
        [helper.make_tensor_value_info(output, TensorProto.FLOAT, None)],
        [numpy_helper.from_array(np.asarray(v, dtype=np.float32), k) for k, v in initializers.items()])
    return onnx, helper.make_model(graph)


def _save_onnx(tmp_path, nodes, initializers, input_shape, output="y"):
    onnx, model = _onnx_model(nodes, initializers, input_shape, output)
    path = tmp_path / "net.onnx"
    onnx.save(model, str(path))
    return path


def test_onnx_cnn_matches_numpy_reference(tmp_path):
    helper = pytest.importorskip("onnx").helper
    rng = np.random.default_rng(5)
    init = {"cw": rng.standard_normal((3, 1, 3, 3)), "cb": rng.standard_normal(3),
            "gw": rng.standard_normal((4, 27)), "gb": rng.standard_normal(4),
            "mw": rng.standard_normal((4, 2)), "mb": rng.standard_normal(2)}
    init = {k: v.astype(np.float32).astype(np.float64) for k, v in init.items()}
    nodes = [helper.make_node("Conv", ["x", "cw", "cb"], ["c"], name="conv", pads=[1, 1, 1, 1], strides=[1, 1]),
             helper.make_node("Relu", ["c"], ["r"], name="relu"),
             helper.make_node("MaxPool", ["r"], ["p"], name="pool", kernel_shape=[2, 2], strides=[2, 2]),
             helper.make_node("Flatten", ["p"], ["f"], name="flat"),
             helper.make_node("Gemm", ["f", "gw", "gb"], ["g"], name="fc", transB=1, alpha=0.5),
             helper.make_node("MatMul", ["g", "mw"], ["m"], name="mm"),
             helper.make_node("Add", ["m", "mb"], ["y"], name="bias")]
    net = load_network(_save_onnx(tmp_path, nodes, init, (1, 6, 6)))
    assert [type(la) for la in net.layers] == [Conv2d, ReLU, MaxPool2d, Flatten, Dense, Dense]
    x = rng.standard_normal((2, 1, 6, 6))
    h = pool_loop(np.maximum(conv_loop(x, init["cw"], init["cb"], (1, 1), (1, 1)), 0), (2, 2), (2, 2), np.max)
    g = 0.5 * h.reshape(2, -1) @ init["gw"].T + init["gb"]
    np.testing.assert_allclose(net.forward(x), g @ init["mw"] + init["mb"], rtol=1e-10)


def test_onnx_avgpool_reshape_gemm(tmp_path):
    helper = pytest.importorskip("onnx").helper
    rng = np.random.default_rng(6)
    init = {"shape": np.array([-1, 8]), "w": rng.standard_normal((8, 3)).astype(np.float32).astype(np.float64)}
    nodes = [helper.make_node("AveragePool", ["x"], ["a"], name="avg", kernel_shape=[2, 2], strides=[2, 2]),
             helper.make_node("Reshape", ["a", "shape"], ["f"], name="reshape"),
             helper.make_node("Gemm", ["f", "w"], ["y"], name="fc")]
    net = load_network(_save_onnx(tmp_path, nodes, init, (2, 4, 4)))
    x = rng.standard_normal((3, 2, 4, 4))
    want = pool_loop(x, (2, 2), (2, 2), np.mean).reshape(3, -1) @ init["w"]
    np.testing.assert_allclose(net.forward(x), want, rtol=1e-10)


@pytest.mark.parametrize("node_args, match", [
    (("Loop", ["x", "w4"], ["y"], "loop"), r"node 'loop' \(Loop\).*Loop's trip count must be known at import"),
    (("NonMaxSuppression", ["x"], ["y"], "nms"), r"node 'nms' .*unsupported ONNX operator 'NonMaxSuppression': the "
                                                 r"shape of its output depends on the data.*do the rest in torch$"),
    (("MaxPool", ["x"], ["y"], "dil", {"kernel_shape": [2, 2], "dilations": [4, 4]}),
     r"node 'dil' \(MaxPool\).*kernel \(2, 2\) \(spanning \(5, 5\)\) does not fit a 4x4 input"),
    (("Gather", ["b", "x"], ["y"], "emb"), r"node 'emb' \(Gather\).*a lookup of ids is supported along axis 0 of a "
                                           r"2-d table; got axis 0 of a table of shape \(1,\)"),
    (("Gather", ["x", "x"], ["y"], "self"), r"node 'self' \(Gather\).*Gather needs constant indices, or ids"),
    (("Reshape", ["x", "s5"], ["y"], "rs"), r"node 'rs' \(Reshape\).*cannot reshape \[1, 1, 4, 4\] to \[5, -1\]"),
    (("Conv", ["x", "w3"], ["y"], "c1d"), r"node 'c1d' \(Conv\).*1-d convolution .* needs a \(batch, channels, len"),
    (("Conv", ["x", "w5"], ["y"], "c3d"), r"node 'c3d' \(Conv\).*Conv3d expects \(1, depth, height, width\) per "
                                          r"sample; got \(1, 4, 4\)"),
    (("Conv", ["x", "w6"], ["y"], "c4d"), "only 1-d, 2-d and 3-d convolutions are supported"),
    (("Min", ["x", "v5"], ["y"], "mn"), r"node 'mn' \(Min\).*a constant of shape \(2, 1, 1, 3, 4\) does not "
                                        r"broadcast against the tensor's shape \[1, 1, 4, 4\]"),
    (("Sub", ["b", "x"], ["y"], "ok"), None),
])
def test_onnx_unsupported_raises_naming_op_and_node(tmp_path, node_args, match):
    helper = pytest.importorskip("onnx").helper
    op, inputs, outputs, name, *attrs = node_args
    node = helper.make_node(op, inputs, outputs, name=name, **(attrs[0] if attrs else {}))
    init = {"w4": np.ones((1, 1, 2, 2)), "w3": np.ones((1, 1, 2)), "w5": np.ones((1, 1, 2, 2, 2)),
            "w6": np.ones((1, 1, 2, 2, 2, 2)), "b": np.ones(1),
            "s5": np.array([5, -1]), "v4": np.arange(16.0).reshape(1, 1, 4, 4),
            "v5": np.ones((2, 1, 1, 3, 4))}
    path = _save_onnx(tmp_path, [node], {k: v for k, v in init.items() if k in inputs}, (1, 4, 4))
    if match is None:  # a constant minus an activation is supported: 1 - x
        np.testing.assert_allclose(load_network(path).forward(np.ones((1, 1, 4, 4)) * 3), -2)
        return
    with pytest.raises(ValueError, match=match):
        load_network(path)


@pytest.mark.parametrize("nodes, init, match", [
    ([("IsInf", ["x"], ["n"], {"detect_positive": 0, "detect_negative": 0}), ("Cast", ["n"], ["y"], {"to": 1})], {},
     r"\(IsInf\).*IsInf detecting neither sign is always false"),
    ([("Pow", ["x", "e"], ["y"])], {"e": np.array([20.0])}, r"Pow by an integer is supported up to 16 in magnitude"),
    ([("ReduceMax", ["x", "axis"], ["c"]), ("Greater", ["c", "one"], ["b"]),  # (axes an input from opset 18)
      ("If", ["b"], ["y"], {"then_branch": "x", "else_branch": "x"})], {"one": np.ones(1), "axis": np.array([1])},
     r"\(If\): If's condition must be known at import"),
])  # a HardSwish of constants, refused here before, is folded by onnx's reference evaluator (test_onnx_unseen_models)
def test_onnx_node_patterns_refused_with_the_reason(tmp_path, nodes, init, match):
    helper = pytest.importorskip("onnx").helper
    identity = helper.make_graph([helper.make_node("Identity", ["x"], ["z"])], "branch", [],
                                 [helper.make_tensor_value_info("z", 1, None)])
    made = [helper.make_node(op, ins, outs, name=f"n{k}", **{key: identity if value == "x" else value
                                                            for key, value in (attrs[0] if attrs else {}).items()})
            for k, (op, ins, outs, *attrs) in enumerate(nodes)]
    with pytest.raises(ValueError, match=match):
        load_network(_save_onnx(tmp_path, made, init, (4,)))


def test_onnx_powers_nan_guard_and_integer_shape_division(tmp_path):
    """Pow by integers and -0.5 (products, a square root, a reciprocal); Where(IsNaN(x), 0, x); and a slice end
    computed from the shape by integer division, which truncates ((6 + 2) / 3 * 2 = 4, as ONNX Div on int64 does;
    not 5)."""
    helper = pytest.importorskip("onnx").helper
    init = {"three": np.array([3.0]), "half": np.array([-0.5]), "zero": np.zeros(1), "two": np.array([2]),
            "div": np.array([3]), "start": np.array([0]), "axis": np.array([1])}
    nodes = [helper.make_node("Pow", ["x", "three"], ["cube"]), helper.make_node("Pow", ["x", "half"], ["rsqrt"]),
             helper.make_node("IsNaN", ["rsqrt"], ["nan"]), helper.make_node("Where", ["nan", "zero", "rsqrt"], ["r"]),
             helper.make_node("Add", ["cube", "r"], ["sum"]), helper.make_node("Shape", ["sum"], ["shape"]),
             helper.make_node("Gather", ["shape", "axis"], ["n"]), helper.make_node("Add", ["n", "two"], ["n2"]),
             helper.make_node("Div", ["n2", "div"], ["third"]), helper.make_node("Mul", ["third", "two"], ["end"]),
             helper.make_node("Slice", ["sum", "start", "end", "axis"], ["y"])]
    net = _typed_model(nodes, {k: v.astype(np.float32 if v.dtype.kind == "f" else np.int64) for k, v in init.items()},
                       (6,))
    x = np.array([[1.0, 4.0, -1.0, 2.0, 9.0, 0.25]])
    with np.errstate(invalid="ignore"):
        want = (x ** 3 + np.nan_to_num(x ** -0.5, nan=0.0))[:, :4]
    np.testing.assert_allclose(net.forward(x), want, rtol=1e-12)


def test_onnx_tests_of_non_finite_values_match_the_reference_evaluator():
    """IsNaN and IsInf (each sign) of an activation holding NaN and infinities (the log of 0 and of negatives): as the
    condition of Where(T(x), k, x) (as torch's nan_to_num), as a 0 / 1 value (Cast), selecting two other tensors,
    and choosing x where it is NaN and +inf elsewhere; against onnx's reference evaluator, NaN in the same places"""
    onnx = pytest.importorskip("onnx")
    from onnx.reference import ReferenceEvaluator

    make = onnx.helper.make_node
    nodes = [make("Log", ["x"], ["l"]), make("IsInf", ["l"], ["neg"], detect_positive=0),
             make("Where", ["neg", "k", "l"], ["y1"]),  # -inf -> k, NaN kept
             make("IsNaN", ["l"], ["nan"]), make("Cast", ["nan"], ["y2"], to=1),
             make("Where", ["nan", "k", "l"], ["m"]), make("IsInf", ["m"], ["inf"]),
             make("Where", ["inf", "zero", "m"], ["y3"]),  # NaN -> k, then +-inf -> 0
             make("Where", ["nan", "x", "twice"], ["y4"]), make("Add", ["x", "x"], ["twice"]),
             make("Not", ["nan"], ["finite"]), make("Cast", ["finite"], ["y5"], to=1),
             make("Where", ["nan", "l", "plus_inf"], ["y6"]),  # NaN kept, everything else +inf
             make("Concat", ["y1", "y2", "y3", "y4", "y5", "y6"], ["y"], axis=1)]
    nodes.insert(8, nodes.pop(9))  # the Add before the Where that reads it
    typed = {"k": np.array([-5.0], np.float32), "zero": np.zeros(1, np.float32),
             "plus_inf": np.array([np.inf], np.float32)}
    net = _typed_model(nodes, typed, (6,))
    x = np.array([[0.0, -1.0, 1.0, np.e, 0.5, -2.0], [2.0, 0.0, -3.0, 1.0, 0.0, 4.0]], np.float32)
    graph = onnx.helper.make_graph(nodes, "g", [onnx.helper.make_tensor_value_info("x", 1, [2, 6])],
                                   [onnx.helper.make_tensor_value_info("y", 1, None)],
                                   [onnx.numpy_helper.from_array(v, k) for k, v in typed.items()])
    want = ReferenceEvaluator(onnx.helper.make_model(graph)).run(None, {"x": x})[0]
    with np.errstate(all="ignore"):
        got = net.forward(x.astype(np.float64))
    np.testing.assert_allclose(got, want, rtol=1e-6)  # NaN where the evaluator has NaN (assert_allclose's default)
    assert np.isnan(got).sum() == 6  # y1 and y6 keep the log of each of the three negatives


def _typed_model(nodes, typed, input_shape, opset=None):
    """an ONNX model of ``nodes`` whose initialisers keep their numpy types (int8 weights, int64 shapes)"""
    pytest.importorskip("onnx")
    from onnx import TensorProto, helper, numpy_helper

    graph = helper.make_graph(
        nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", *input_shape])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
        [numpy_helper.from_array(np.asarray(v), k) for k, v in typed.items()])
    opsets = [helper.make_opsetid("", opset)] if opset else None
    from cimsim.network.onnx_import import network_from_onnx

    return network_from_onnx(helper.make_model(graph, opset_imports=opsets) if opsets else helper.make_model(graph))


@pytest.mark.parametrize("opset", [11, 13])
def test_onnx_softmax_follows_its_opset(opset):
    """before opset 13 Softmax coerces its input to 2-d at ``axis``: one softmax over all the axes from it on"""
    helper = pytest.importorskip("onnx").helper
    net = _typed_model([helper.make_node("Softmax", ["x"], ["y"], axis=1)], {}, (2, 3), opset)
    x = np.random.default_rng(19).standard_normal((4, 2, 3))
    flat = x.reshape(4, 6) if opset < 13 else np.moveaxis(x, 1, -1)
    e = np.exp(flat - flat.max(-1, keepdims=True))
    want = (e / e.sum(-1, keepdims=True)).reshape(4, 2, 3) if opset < 13 else np.moveaxis(e / e.sum(-1, keepdims=True),
                                                                                         -1, 1)
    np.testing.assert_allclose(net.forward(x), want, rtol=1e-12)


def test_onnx_variadic_sums_global_max_pool_and_deprecated_upsample():
    helper = pytest.importorskip("onnx").helper
    nodes = [helper.make_node("Relu", ["x"], ["r"]), helper.make_node("Neg", ["x"], ["n"]),
             helper.make_node("Sum", ["x", "r", "c"], ["s"]), helper.make_node("Mean", ["s", "n"], ["m"]),
             helper.make_node("Max", ["m", "r", "n"], ["mx"]), helper.make_node("Min", ["mx"], ["mn"]),
             helper.make_node("Upsample", ["mn", "scales"], ["u"], mode="nearest"),
             helper.make_node("GlobalMaxPool", ["u"], ["y"])]
    typed = {"c": np.full((1, 1, 1), 0.5, np.float32), "scales": np.array([1, 1, 2, 3], np.float32)}
    net = _typed_model(nodes, typed, (2, 3, 2), opset=9)
    x = np.random.default_rng(20).standard_normal((3, 2, 3, 2))
    r, n = np.maximum(x, 0), -x
    m = np.maximum(np.maximum(((x + r + 0.5) + n) / 2, r), n)
    np.testing.assert_allclose(net.forward(x), m.max(axis=(2, 3), keepdims=True), rtol=1e-12)
    assert [layer.factors for layer in net.layers if layer.kind == "upsample"] == [(1, 2, 3)]


@pytest.mark.parametrize("size", [5, 4])
def test_onnx_lrn_and_fractional_powers(size):
    """LRN (AlexNet's local response normalisation) against its ONNX definition, and Pow by 0.75 as exp(p log x)"""
    helper = pytest.importorskip("onnx").helper
    nodes = [helper.make_node("LRN", ["x"], ["n"], size=size, alpha=0.02, beta=0.75, bias=2.0),
             helper.make_node("Abs", ["n"], ["a"]), helper.make_node("Pow", ["a", "p"], ["y"])]
    net = _typed_model(nodes, {"p": np.array(0.75, np.float32)}, (6, 3, 2), opset=13)
    x = np.random.default_rng(23).standard_normal((2, 6, 3, 2))
    lo, hi = (size - 1) // 2, -(-(size - 1) // 2)
    sums = np.stack([(x[:, max(0, c - lo):min(6, c + hi + 1)] ** 2).sum(axis=1) for c in range(6)], axis=1)
    alpha = float(np.float32(0.02))  # ONNX float attributes are float32
    want = np.abs(x / (2.0 + alpha / size * sums) ** 0.75) ** 0.75
    np.testing.assert_allclose(net.forward(x), want, rtol=1e-12)


@pytest.mark.parametrize("mode, pads", [("reflect", [0, 1, 2, 0, 0, 0, 1, 3]), ("edge", [0, 1, 2, 0, 0, 0, 1, 3]),
                                        ("wrap", [0, 1, 2, 0, 0, 0, 1, 3]), ("constant", [0, -1, 2, 0, 0, 1, -1, -2])])
def test_onnx_pad_modes_match_the_reference_evaluator(mode, pads):
    """Pad's reflect, edge and wrap modes (opset 19) against onnx's reference evaluator, on the spatial axes and the
    channels; negative pads crop (the evaluator refuses them: checked against the crop, then the pad)"""
    onnx = pytest.importorskip("onnx")
    from onnx.reference import ReferenceEvaluator

    nodes = [onnx.helper.make_node("Pad", ["x", "pads"], ["y"], mode=mode)]
    typed = {"pads": np.array(pads, np.int64)}
    net = _typed_model(nodes, typed, (3, 4, 5), opset=19)
    x = np.random.default_rng(25).standard_normal((2, 3, 4, 5)).astype(np.float32)
    graph = onnx.helper.make_graph(nodes, "g", [onnx.helper.make_tensor_value_info("x", onnx.TensorProto.FLOAT,
                                                                                  [2, 3, 4, 5])],
                                   [onnx.helper.make_tensor_value_info("y", onnx.TensorProto.FLOAT, None)],
                                   [onnx.numpy_helper.from_array(typed["pads"], "pads")])
    model = onnx.helper.make_model(graph, opset_imports=[onnx.helper.make_opsetid("", 19)])
    if min(pads) < 0:
        want = np.pad(x[:, 1:, :-1, :-2], ((0, 0), (0, 1), (2, 0), (0, 0)))
    else:
        want = ReferenceEvaluator(model).run(None, {"x": x})[0]
    np.testing.assert_array_equal(net.forward(x.astype(np.float64)), want)


@pytest.mark.parametrize("op, attrs", [("GRU", {"linear_before_reset": 0}), ("GRU", {"linear_before_reset": 1}),
                                       ("LSTM", {"direction": "reverse"}), ("RNN", {"direction": "bidirectional"})])
@pytest.mark.parametrize("started", [False, True])
def test_onnx_recurrent_layers_match_the_reference_evaluator(op, attrs, started):
    """RNN, GRU (both linear_before_reset) and LSTM, as ONNX defines them (not as torch exports them), from zero or
    from constant initial states: Y_h"""
    onnx = pytest.importorskip("onnx")
    from onnx.reference import ReferenceEvaluator

    rng, gates, hidden = np.random.default_rng(27), {"RNN": 1, "GRU": 3, "LSTM": 4}[op], 3
    dirs = 2 if attrs.get("direction") == "bidirectional" else 1
    typed = {"W": rng.standard_normal((dirs, gates * hidden, 2)).astype(np.float32),
             "R": rng.standard_normal((dirs, gates * hidden, hidden)).astype(np.float32),
             "B": rng.standard_normal((dirs, 2 * gates * hidden)).astype(np.float32)}
    states = []
    if started:
        typed |= {"h0": rng.standard_normal((dirs, 1, hidden)).astype(np.float32),
                  "c0": rng.standard_normal((dirs, 1, hidden)).astype(np.float32)}
        states = ["", "h0"] + (["c0"] if op == "LSTM" else [])
    nodes = [onnx.helper.make_node("Transpose", ["x"], ["seq"], perm=[1, 0, 2]),  # (batch, seq, in) -> layout 0
             onnx.helper.make_node(op, ["seq", "W", "R", "B", *states], ["all", "y"], hidden_size=hidden, **attrs)]
    graph = onnx.helper.make_graph(nodes, "g", [onnx.helper.make_tensor_value_info("x", onnx.TensorProto.FLOAT,
                                                                                  [1, 5, 2])],
                                   [onnx.helper.make_tensor_value_info("y", onnx.TensorProto.FLOAT, None)],
                                   [onnx.numpy_helper.from_array(v, k) for k, v in typed.items()])
    model = onnx.helper.make_model(graph, opset_imports=[onnx.helper.make_opsetid("", 17)])
    x = rng.standard_normal((1, 5, 2)).astype(np.float32)
    from cimsim.network.onnx_import import network_from_onnx
    want = ReferenceEvaluator(model).run(None, {"x": x})[0]  # Y_h (directions, batch, hidden): the batch second
    got = network_from_onnx(model).forward(x.astype(np.float64))
    np.testing.assert_allclose(got.reshape(want.shape), want, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("op", ["ScatterND", "ScatterElements"])
def test_onnx_scatters_of_activations_match_the_reference_evaluator(op, tmp_path):
    """ScatterND / ScatterElements of an activation at constant indices, updates from the activations: a Scatter
    layer (the batch axis kept as an axis: the indices address it), saved and loaded with the network"""
    onnx = pytest.importorskip("onnx")
    from onnx.reference import ReferenceEvaluator

    from cimsim.network.onnx_import import network_from_onnx

    make = onnx.helper.make_node
    if op == "ScatterND":  # two (batch, row, column) tuples; the updates: the first two values of -x
        nodes = [make("Neg", ["x"], ["n"]), make("Reshape", ["n", "flat"], ["f"]),
                 make("Slice", ["f", "s", "e"], ["u"]), make("ScatterND", ["x", "i", "u"], ["y"])]
        typed = {"i": np.array([[0, 1, 2], [0, 2, 3]], np.int64), "flat": np.array([12], np.int64),
                 "s": np.array([0], np.int64), "e": np.array([2], np.int64)}
    else:  # rows 0 and 1 of each sample permuted along the last axis; the updates: those rows of -x
        nodes = [make("Neg", ["x"], ["n"]), make("Slice", ["n", "s", "e", "a"], ["u"]),
                 make("ScatterElements", ["x", "i", "u"], ["y"], axis=-1)]
        typed = {"i": np.array([[[2, 0, 1, 3], [0, 1, 3, 2]]], np.int64), "s": np.array([0], np.int64),
                 "e": np.array([2], np.int64), "a": np.array([1], np.int64)}
    graph = onnx.helper.make_graph(nodes, "g", [onnx.helper.make_tensor_value_info("x", onnx.TensorProto.FLOAT,
                                                                                  [1, 3, 4])],
                                   [onnx.helper.make_tensor_value_info("y", onnx.TensorProto.FLOAT, None)],
                                   [onnx.numpy_helper.from_array(v, k) for k, v in typed.items()])
    model = onnx.helper.make_model(graph, opset_imports=[onnx.helper.make_opsetid("", 18)])
    net = network_from_onnx(model)  # batch 1: its indices address the batch axis (a symbolic batch is refused)
    x = np.random.default_rng(26).standard_normal((1, 3, 4)).astype(np.float32)
    want = ReferenceEvaluator(model).run(None, {"x": x})[0]
    assert [layer.kind for layer in net.layers].count("scatter") == 1 and not np.array_equal(want, x)
    np.testing.assert_array_equal(net.forward(x.astype(np.float64)), want)
    save_network(net, tmp_path / "scatter.npz")
    np.testing.assert_array_equal(load_network(tmp_path / "scatter.npz").forward(x), want)


@pytest.mark.parametrize("op, attrs", [("ArgMax", {"axis": 1}), ("ArgMin", {"axis": -1, "keepdims": 0}),
                                       ("ArgMax", {"axis": 2, "select_last_index": 1})])
def test_onnx_argmax_and_argmin(op, attrs):
    """the index of the largest (smallest) value as a float activation; ties: the first, or the last with
    select_last_index"""
    helper = pytest.importorskip("onnx").helper
    net = _typed_model([helper.make_node(op, ["x"], ["y"], **attrs)], {}, (3, 4), opset=13)
    x = np.round(np.random.default_rng(24).standard_normal((5, 3, 4)))  # integers: ties happen
    axis = attrs["axis"] % 3
    y = -x if op == "ArgMin" else x
    want = (y.shape[axis] - 1 - np.argmax(np.flip(y, axis), axis=axis) if attrs.get("select_last_index")
            else np.argmax(y, axis=axis))
    want = np.expand_dims(want, axis) if attrs.get("keepdims", 1) else want
    np.testing.assert_array_equal(net.forward(x), want)


def test_onnx_bfloat16_weights_and_casts():
    """bfloat16 initialisers (as LLMs are exported) and a constant cast to bfloat16 import as the float32 values they
    hold (numpy has no bfloat16: ml_dtypes' type is converted at load)"""
    onnx = pytest.importorskip("onnx")
    from onnx import TensorProto, helper

    from cimsim.network.onnx_import import network_from_onnx

    w = np.array([[1.5, -2.25, 0.1], [0.5, 3.0, -7.0]], dtype=np.float32)
    bf16 = helper.make_tensor("w", TensorProto.BFLOAT16, [2, 3], w.ravel().tolist())
    shift = helper.make_tensor("b", TensorProto.FLOAT, [3], [0.1, 0.2, 0.3])
    nodes = [helper.make_node("MatMul", ["x", "w"], ["m"]), helper.make_node("Cast", ["b"], ["b16"], to=16),
             helper.make_node("Add", ["m", "b16"], ["y"])]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.BFLOAT16, ["N", 2])],
                              [helper.make_tensor_value_info("y", TensorProto.BFLOAT16, None)], [bf16, shift])
    net = network_from_onnx(helper.make_model(graph))
    x = np.array([[1.0, 2.0], [-1.0, 0.5]])
    rounded = onnx.numpy_helper.to_array(bf16).astype(np.float64)  # 0.1 and -7.0 as bfloat16 holds them
    bias = np.array([0.1, 0.2, 0.3], dtype=np.float32).astype(onnx.helper.tensor_dtype_to_np_dtype(16))
    np.testing.assert_allclose(net.forward(x), x @ rounded + bias.astype(np.float64), rtol=1e-12)


@pytest.mark.parametrize("op, keepdims", [("ReduceL1", 1), ("ReduceSumSquare", 0), ("ReduceLogSum", 1),
                                          ("ReduceLogSumExp", 0), ("ReduceLogSumExp", 1), ("ReduceMin", 0)])
def test_onnx_reductions(op, keepdims):
    helper = pytest.importorskip("onnx").helper
    net = _typed_model([helper.make_node(op, ["x"], ["y"], axes=[2], keepdims=keepdims)], {}, (3, 4), opset=13)
    x = np.random.default_rng(30).uniform(0.5, 3.0, (2, 3, 4)) * 40  # large: log-sum-exp must not overflow
    reduce = {"ReduceL1": lambda v: np.abs(v).sum(2, keepdims=True), "ReduceSumSquare": lambda v: (v * v).sum(
        2, keepdims=True), "ReduceLogSum": lambda v: np.log(v.sum(2, keepdims=True)), "ReduceMin": lambda v: v.min(
        2, keepdims=True), "ReduceLogSumExp": lambda v: v.max(2, keepdims=True) + np.log(np.exp(
            v - v.max(2, keepdims=True)).sum(2, keepdims=True))}[op]
    want = reduce(x) if keepdims else reduce(x)[:, :, 0]
    np.testing.assert_allclose(net.forward(x), want, rtol=1e-12)


def test_onnx_scatters_of_constants_fold():
    helper = pytest.importorskip("onnx").helper
    typed = {"zeros": np.zeros((2, 3), np.float32), "where": np.array([[0, 1], [1, 2]], np.int64),
             "values": np.array([5.0, 7.0], np.float32), "rows": np.array([[1, 0, 1]], np.int64),
             "ones": np.ones((1, 3), np.float32)}
    nodes = [helper.make_node("ScatterND", ["zeros", "where", "values"], ["a"]),
             helper.make_node("ScatterElements", ["a", "rows", "ones"], ["b"], axis=0, reduction="add"),
             helper.make_node("Add", ["x", "b"], ["y"])]
    net = _typed_model(nodes, typed, (2, 3), opset=18)
    want = np.array([[0.0, 6.0, 0.0], [1.0, 0.0, 8.0]])
    np.testing.assert_array_equal(net.forward(np.zeros((1, 2, 3))), want[None])


@pytest.mark.parametrize("axis, shape", [(2, (6, 1)), (0, (1, 6)), (-1, (2, 3)), (1, (2, 3))])
def test_onnx_flatten_of_a_constant_takes_every_axis(axis, shape):
    """Flatten(axis = rank) gives (size, 1): BART's decoder flattens its mask so, then gathers rows of it"""
    helper = pytest.importorskip("onnx").helper
    table = np.arange(6, dtype=np.float32).reshape(2, 3)
    nodes = [helper.make_node("Flatten", ["t"], ["f"], axis=axis), helper.make_node("Add", ["x", "f"], ["y"])]
    net = _typed_model(nodes, {"t": table}, shape, opset=13)
    np.testing.assert_array_equal(net.forward(np.zeros((1,) + shape)), table.reshape(shape)[None])


def test_onnx_flatten_of_data_with_a_negative_axis():
    helper = pytest.importorskip("onnx").helper
    net = _typed_model([helper.make_node("Flatten", ["x"], ["y"], axis=-3)], {}, (2, 3, 4), opset=13)
    x = np.random.default_rng(3).standard_normal((5, 2, 3, 4))
    np.testing.assert_array_equal(net.forward(x), x.reshape(5, 24))


@pytest.mark.parametrize("split", [None, [1, 4]])
def test_onnx_split_of_a_constant_and_of_data(split):
    """Split folds on constants (GPT-J's rotary table) and slices data; 5 into 2 equal parts is 3 and 2 (ONNX)"""
    helper = pytest.importorskip("onnx").helper
    typed = {"t": np.arange(10, dtype=np.float32).reshape(2, 5)} | ({} if split is None else {
        "s": np.array(split, np.int64)})
    sizes = split or [3, 2]
    parts = {"num_outputs": 2} if split is None else {}
    nodes = [helper.make_node("Split", ["t"] + ([] if split is None else ["s"]), ["t0", "t1"], axis=-1, **parts),
             helper.make_node("Split", ["x"] + ([] if split is None else ["s"]), ["x0", "x1"], axis=-1, **parts),
             helper.make_node("Add", ["x0", "t0"], ["a"]), helper.make_node("Add", ["x1", "t1"], ["b"]),
             helper.make_node("Concat", ["b", "a"], ["y"], axis=-1)]
    net = _typed_model(nodes, typed, (2, 5), opset=18 if split is None else 13)
    x = np.random.default_rng(4).standard_normal((3, 2, 5))
    t = typed["t"].astype(np.float64)
    want = np.concatenate([x[..., sizes[0]:] + t[:, sizes[0]:], x[..., :sizes[0]] + t[:, :sizes[0]]], axis=-1)
    np.testing.assert_allclose(net.forward(x), want, rtol=1e-12)


def test_onnx_empty_slice_of_data_joins_as_nothing():
    """a rotary embedding over the whole head (Phi-3) concatenates the rotated part with an empty pass-through"""
    helper = pytest.importorskip("onnx").helper
    typed = {"s": np.array([4], np.int64), "e": np.array([2**63 - 1], np.int64), "a": np.array([-1], np.int64)}
    nodes = [helper.make_node("Slice", ["x", "s", "e", "a"], ["rest"]), helper.make_node("Neg", ["x"], ["n"]),
             helper.make_node("Concat", ["n", "rest"], ["y"], axis=-1)]
    net = _typed_model(nodes, typed, (2, 4), opset=13)
    x = np.random.default_rng(5).standard_normal((3, 2, 4))
    np.testing.assert_array_equal(net.forward(x), -x)


def test_onnx_constant_folding_that_fails_names_the_node():
    helper = pytest.importorskip("onnx").helper
    typed = {"t": np.ones((1, 3), np.float32), "i": np.array([4], np.int64)}
    nodes = [helper.make_node("Gather", ["t", "i"], ["g"], axis=0, name="pick"),
             helper.make_node("Add", ["x", "g"], ["y"])]
    with pytest.raises(ValueError, match=r"'pick' \(Gather\): Gather indices \[4\] are outside \[-1, 0\]"):
        _typed_model(nodes, typed, (1, 3), opset=13)


def test_onnx_quantize_dequantize_pairs():
    """a QDQ model: the activation quantised to uint8 and back (round half to even, clipped), the conv's int8
    weights dequantised per output channel at import"""
    helper = pytest.importorskip("onnx").helper
    rng = np.random.default_rng(21)
    w8 = rng.integers(-127, 128, (3, 2, 1, 1)).astype(np.int8)
    typed = {"s": np.array(0.05, np.float32), "z": np.array(128, np.uint8), "w8": w8,
             "ws": np.array([0.01, 0.02, 0.03], np.float32), "wz": np.zeros(3, np.int8)}
    nodes = [helper.make_node("QuantizeLinear", ["x", "s", "z"], ["q"]),
             helper.make_node("DequantizeLinear", ["q", "s", "z"], ["xq"]),
             helper.make_node("DequantizeLinear", ["w8", "ws", "wz"], ["w"], axis=0),
             helper.make_node("Conv", ["xq", "w"], ["y"])]
    net = _typed_model(nodes, typed, (2, 2, 2), opset=13)
    x = rng.standard_normal((4, 2, 2, 2)) * 4  # some values beyond the uint8 range: clipped
    xq = (np.clip(np.round(x / np.float32(0.05)) + 128, 0, 255) - 128) * np.float32(0.05)
    w = w8.astype(np.float64) * np.array([0.01, 0.02, 0.03], np.float32).astype(np.float64).reshape(3, 1, 1, 1)
    want = np.einsum("oc,nchw->nohw", w[:, :, 0, 0], xq)
    np.testing.assert_allclose(net.forward(x), want, rtol=1e-6)
    assert [layer.kind for layer in net.layers] == ["affine", "unary", "affine", "clip", "affine", "conv2d"]


def test_onnx_missing_package_says_how_to_install(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "onnx", None)
    with pytest.raises(ImportError, match=r"pip install '\.\[onnx\]'"):
        load_network(tmp_path / "net.onnx")


@pytest.mark.parametrize("input_type", ["FLOAT", "INT64"])
def test_onnx_casts_truncate_and_test_for_zero_as_onnx_does(input_type):
    """Cast of an activation against onnx's reference evaluator: to an integer type toward zero (it had passed the
    float through: 1.7 stayed 1.7), to bool x != 0; an integer input's casts to other integer types and back to
    float add no layer"""
    pytest.importorskip("onnx")
    from onnx import TensorProto, helper, numpy_helper
    from onnx.reference import ReferenceEvaluator

    def cast(source, to, out):
        return helper.make_node("Cast", [source], [out], to=getattr(TensorProto, to))

    nodes = [cast("x", "DOUBLE", "xf"), helper.make_node("Mul", ["xf", "scale"], ["s"]),
             cast("s", "INT64", "i"), cast("i", "DOUBLE", "t"), cast("s", "BOOL", "b"), cast("b", "DOUBLE", "nz"),
             cast("x", "INT32", "xi"), cast("xi", "DOUBLE", "xd"), helper.make_node("Mul", ["nz", "ten"], ["nz10"]),
             helper.make_node("Add", ["t", "nz10"], ["tn"]), helper.make_node("Add", ["tn", "xd"], ["y"])]
    consts = {"scale": np.array([0.6, -0.6, 0.25, 1e-9, 0.0, 3.0]), "ten": np.array(10.0)}
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", getattr(TensorProto, input_type),
                                                                         ["N", 6])],
                              [helper.make_tensor_value_info("y", TensorProto.DOUBLE, None)],
                              [numpy_helper.from_array(v, k) for k, v in consts.items()])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    from cimsim.network.onnx_import import network_from_onnx

    net = network_from_onnx(model)
    x = np.array([[3.0, 3.0, 7.0, 5.0, 2.0, -1.7], [-3.0, 1.0, -6.0, 0.0, 9.0, 0.4]])
    x = x.round() if input_type == "INT64" else x
    want = ReferenceEvaluator(model).run(None, {"x": x.astype(np.int64 if input_type == "INT64" else np.float32)})[0]
    np.testing.assert_array_equal(net.forward(x), want)
    assert [layer.function for layer in net.layers if layer.kind == "unary"] == ["int_trunc", "abs", "step"] + (
        ["int_trunc"] if input_type == "FLOAT" else [])


@pytest.mark.parametrize("op", ["Div", "ReduceMean", "Mean"])
def test_onnx_integer_quotients_truncate_as_onnx_does(op):
    """Div, ReduceMean and Mean of integer activations against onnx's reference evaluator: the quotient truncated
    toward zero (it had kept its fraction: 7 / 2 gave 3.5)"""
    pytest.importorskip("onnx")
    from onnx import TensorProto, helper, numpy_helper
    from onnx.reference import ReferenceEvaluator

    from cimsim.network.onnx_import import network_from_onnx

    inputs = {"Div": ["i", "d"], "ReduceMean": ["i"], "Mean": ["i", "j"]}[op]
    nodes = [helper.make_node("Cast", ["x"], ["i"], to=TensorProto.INT64),
             helper.make_node("Mul", ["i", "d"], ["j"]),
             helper.make_node(op, inputs, ["q"], **({"axes": [1]} if op == "ReduceMean" else {})),
             helper.make_node("Cast", ["q"], ["f"], to=TensorProto.FLOAT), helper.make_node("Add", ["f", "x"], ["y"])]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 4])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
                              [numpy_helper.from_array(np.array([2, -3, 4, 5], np.int64), "d")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    x = np.array([[7.0, -7.0, 5.5, -9.5], [1.0, 2.0, -3.0, 11.0]], np.float32)
    want = ReferenceEvaluator(model).run(None, {"x": x})[0]
    np.testing.assert_array_equal(network_from_onnx(model).forward(x.astype(np.float64)), want)


def _one_node_model(node, input_shape, consts: dict, opset: int):
    """an ONNX model of ``node`` reading float input x (full shape) and constants, writing float y"""
    from onnx import TensorProto, helper, numpy_helper

    graph = helper.make_graph([node], "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, list(input_shape))],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
                              [numpy_helper.from_array(v, k) for k, v in consts.items()])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])


@pytest.mark.parametrize("mode, scales, attrs", [
    ("linear", [1, 1, 0.5, 0.375], {}), ("cubic", [1, 1, 0.4, 0.75], {}),
    ("linear", [1, 1, 0.75, 2.0], {"coordinate_transformation_mode": "align_corners"}),
    ("cubic", [1, 1, 0.3, 0.5], {"exclude_outside": 1, "cubic_coeff_a": -0.5})])
def test_onnx_antialiased_resize_matches_the_reference_evaluator(mode, scales, attrs):
    """Resize with antialias (opset 18; torch's interpolate(antialias=True)): the filter stretched where an axis
    shrinks (it had been ignored: 42 % off the evaluator at half size)"""
    pytest.importorskip("onnx")
    from onnx import helper
    from onnx.reference import ReferenceEvaluator

    from cimsim.network.onnx_import import network_from_onnx

    node = helper.make_node("Resize", ["x", "", "s"], ["y"], mode=mode, antialias=1, **attrs)
    model = _one_node_model(node, (2, 3, 20, 16), {"s": np.array(scales, np.float32)}, 18)
    x = np.random.default_rng(26).standard_normal((2, 3, 20, 16)).astype(np.float32)
    want = ReferenceEvaluator(model).run(None, {"x": x})[0]
    got = network_from_onnx(model).forward(x.astype(np.float64))
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, atol=1e-5)


def test_onnx_reductions_over_every_axis():
    """A reduction without axes: of a graph exported with batch 1, every axis of a sample; with a larger batch
    refused (it sums the batch; it had been summed per sample); with noop_with_empty_axes, the same value"""
    pytest.importorskip("onnx")
    from onnx import TensorProto, helper

    from cimsim.network.onnx_import import network_from_onnx

    def model(batch, **attrs):
        nodes = [helper.make_node("Relu", ["x"], ["r"]), helper.make_node("ReduceSum", ["r"], ["y"], **attrs)]
        graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [batch, 3, 4])],
                                  [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)])
        return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)])

    x = np.random.default_rng(27).standard_normal((5, 3, 4))
    np.testing.assert_allclose(network_from_onnx(model(1, keepdims=0)).forward(x), np.maximum(x, 0).sum(axis=(1, 2)))
    with pytest.raises(ValueError, match="reduces the batch axis"):
        network_from_onnx(model(2, keepdims=0))
    np.testing.assert_array_equal(network_from_onnx(model(2, noop_with_empty_axes=1)).forward(x), np.maximum(x, 0))


@pytest.mark.parametrize("shape, kernel, attrs", [
    ((2, 5, 5), (2, 3, 3, 3), {"strides": [2, 2], "output_shape": [11, 10]}),
    ((2, 7), (2, 3, 4), {"strides": [2], "output_shape": [15]}),
    ((4, 5, 5), (4, 1, 3, 3), {"strides": [2, 2], "group": 2, "output_shape": [10, 10]}),
    ((2, 5, 5), (2, 3, 3, 3), {"strides": [2, 2], "auto_pad": "SAME_LOWER"}),
    ((2, 3, 3, 3), (2, 2, 2, 2, 2), {"strides": [2, 2, 2], "auto_pad": "SAME_UPPER"}),
    ((2, 4, 6), (2, 1, 2, 3), {"strides": [3, 2], "auto_pad": "SAME_UPPER", "dilations": [1, 2]})])
def test_onnx_transposed_convolutions_to_a_given_size(shape, kernel, attrs):
    """ConvTranspose with an output_shape or auto_pad SAME (the pads that give that size, as ONNX defines them; they
    had been refused) against onnxruntime, or against the reference evaluator where onnxruntime's SAME_UPPER output
    differs from the spec's input x stride (11 rows, not 12, for stride 3 and a dilated kernel)"""
    pytest.importorskip("onnx")
    ort = pytest.importorskip("onnxruntime")
    from onnx import helper
    from onnx.reference import ReferenceEvaluator

    from cimsim.network.onnx_import import network_from_onnx

    rng = np.random.default_rng(29)
    node = helper.make_node("ConvTranspose", ["x", "w"], ["y"], **attrs)
    model = _one_node_model(node, (2, *shape), {"w": rng.standard_normal(kernel).astype(np.float32)}, 17)
    x = rng.standard_normal((2, *shape)).astype(np.float32)
    if "output_shape" in attrs:  # the reference evaluator does not take output_shape
        want = ort.InferenceSession(model.SerializeToString()).run(None, {"x": x})[0]
    else:
        want = ReferenceEvaluator(model).run(None, {"x": x})[0]
    got = network_from_onnx(model).forward(x.astype(np.float64))
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, atol=1e-5)


@pytest.mark.parametrize("p, axis", [(2, -1), (1, 1), (2, 2)])
def test_onnx_lp_normalization(p, axis):
    """LpNormalization: x over its 1- or 2-norm along one axis (it had been refused), against onnxruntime (onnx's
    reference evaluator sums x, not |x|, for p = 1)"""
    pytest.importorskip("onnx")
    ort = pytest.importorskip("onnxruntime")
    from onnx import helper

    from cimsim.network.onnx_import import network_from_onnx

    model = _one_node_model(helper.make_node("LpNormalization", ["x"], ["y"], p=p, axis=axis), (2, 3, 4), {}, 17)
    x = np.random.default_rng(30).standard_normal((2, 3, 4)).astype(np.float32)
    want = ort.InferenceSession(model.SerializeToString()).run(None, {"x": x})[0]
    np.testing.assert_allclose(network_from_onnx(model).forward(x.astype(np.float64)), want, rtol=1e-5)


@pytest.mark.parametrize("mode, attrs, scales, sizes", [
    ("linear", {"axes": [3, 2]}, [0.5, 2.0], None), ("nearest", {"axes": [3]}, None, [12]),
    ("cubic", {"axes": [2, 3], "keep_aspect_ratio_policy": "not_smaller"}, None, [6, 6]),
    ("linear", {"axes": [3, 2], "keep_aspect_ratio_policy": "not_larger"}, None, [9, 5])])
def test_onnx_resize_of_some_axes_and_kept_aspect_ratio(mode, attrs, scales, sizes):
    """Resize's opset-18 axes (scales or sizes for the axes it names) and keep_aspect_ratio_policy (one scale, the
    least or the greatest, sizes rounded half up) against onnx's reference evaluator (they had been refused)"""
    pytest.importorskip("onnx")
    from onnx import helper
    from onnx.reference import ReferenceEvaluator

    from cimsim.network.onnx_import import network_from_onnx

    inputs = ["x", "", "scales"] if sizes is None else ["x", "", "", "sizes"]
    consts = {"scales": np.array(scales or [], np.float32), "sizes": np.array(sizes or [], np.int64)}
    node = helper.make_node("Resize", inputs, ["y"], mode=mode, **attrs)
    model = _one_node_model(node, (2, 1, 4, 6), {k: v for k, v in consts.items() if k in inputs}, 18)
    x = np.random.default_rng(31).standard_normal((2, 1, 4, 6)).astype(np.float32)
    want = ReferenceEvaluator(model).run(None, {"x": x})[0]
    got = network_from_onnx(model).forward(x.astype(np.float64))
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, atol=1e-5)


@pytest.mark.parametrize("k", [0, 1, -2])
def test_onnx_eye_like_of_a_constant_is_folded(k):
    """EyeLike (a constant's shape, ones on diagonal k) is folded at import, as torch's diagonal mask writes it;
    a graph whose output is a constant is refused saying so"""
    pytest.importorskip("onnx")
    from onnx import TensorProto, helper, numpy_helper
    from onnx.reference import ReferenceEvaluator

    from cimsim.network.onnx_import import network_from_onnx

    nodes = [helper.make_node("EyeLike", ["shape_of"], ["eye"], k=k, dtype=TensorProto.FLOAT),
             helper.make_node("Mul", ["x", "eye"], ["y"])]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4, 5])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
                              [numpy_helper.from_array(np.zeros((4, 5), np.int64), "shape_of")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    x = np.random.default_rng(31).standard_normal((1, 4, 5))
    want = ReferenceEvaluator(model).run(None, {"x": x.astype(np.float32)})[0]
    np.testing.assert_allclose(network_from_onnx(model).forward(x), want, rtol=1e-6)
    graph.output[0].name = "eye"
    with pytest.raises(ValueError, match="graph output 'eye' is a constant"):
        network_from_onnx(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]))


def _model_of(nodes, domains: dict, functions=()):
    """an ONNX model of ``nodes`` from float x (1, 4) to y, importing the default domain (opset 17) and ``domains``"""
    from onnx import TensorProto, helper

    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)])
    return helper.make_model(graph, functions=list(functions), opset_imports=[
        helper.make_opsetid("", 17), *(helper.make_opsetid(d, v) for d, v in domains.items())])


@pytest.mark.parametrize("op, domain", [("Attention", "com.microsoft"), ("RotaryEmbedding", "com.microsoft"),
                                        ("Scaler", "ai.onnx.ml"), ("Relu", "my.company")])
def test_onnx_operators_of_other_domains_are_refused_naming_the_domain(op, domain):
    """operators are known by name, and a name means another operator in another domain (com.microsoft's Attention
    takes the packed projection weights, its RotaryEmbedding other inputs): refused, not taken as ONNX's"""
    pytest.importorskip("onnx")
    from onnx import helper

    from cimsim.network.onnx_import import network_from_onnx

    model = _model_of([helper.make_node(op, ["x"], ["y"], domain=domain)], {domain: 1})
    with pytest.raises(ValueError, match=f"operator '{op}' of domain '{domain}' is not supported"):
        network_from_onnx(model)


def test_onnx_com_microsoft_gelu_and_a_models_own_functions_import():
    """onnxruntime's Gelu (the ONNX one's meaning) imports; a function of the model's own (as onnxscript and torch's
    unoptimised dynamo export write them) is inlined and imports as its nodes"""
    pytest.importorskip("onnx")
    from onnx import helper
    from onnx.reference import ReferenceEvaluator

    from cimsim.network.onnx_import import network_from_onnx

    x = np.random.default_rng(32).standard_normal((1, 4))
    gelu = network_from_onnx(_model_of([helper.make_node("Gelu", ["x"], ["y"], domain="com.microsoft")],
                                       {"com.microsoft": 1}))
    np.testing.assert_allclose(gelu.forward(x), x * 0.5 * (1 + np.vectorize(math.erf)(x / math.sqrt(2))), rtol=1e-12)
    swish = helper.make_function("local", "Swish", ["a"], ["b"], [helper.make_node("Sigmoid", ["a"], ["s"]),
                                                                 helper.make_node("Mul", ["a", "s"], ["b"])],
                                 [helper.make_opsetid("", 17)])
    model = _model_of([helper.make_node("Swish", ["x"], ["h"], domain="local"),
                       helper.make_node("Swish", ["h"], ["y"], domain="local")], {"local": 1}, [swish])
    want = ReferenceEvaluator(model).run(None, {"x": x.astype(np.float32)})[0]
    np.testing.assert_allclose(network_from_onnx(model).forward(x), want, rtol=1e-6)


def test_a_models_own_function_takes_its_default_attributes_and_one_it_cannot_expand_is_named():
    """onnx's inliner drops a function's attribute defaults: a call that left alpha out had run LeakyRelu's own
    0.01 where the function says 0.25 (onnxruntime: 0.25); a function whose body imports another opset than the
    model is left as a call by the inliner, which had been refused as an unknown operator (ONNX-files probe)"""
    pytest.importorskip("onnx")
    from onnx import AttributeProto, helper

    from cimsim.network.onnx_import import network_from_onnx

    body = helper.make_node("LeakyRelu", ["a"], ["b"])
    body.attribute.append(helper.make_attribute_ref("alpha", AttributeProto.FLOAT))
    leaky = helper.make_function("my.dom", "Leaky", ["a"], ["b"], [body], [helper.make_opsetid("", 17)])
    leaky.attribute_proto.append(helper.make_attribute("alpha", 0.25))  # the function's default
    x = np.array([[-4.0, -1.0, 2.0, 3.0]])
    calls = [helper.make_node("Leaky", ["x"], ["h"], domain="my.dom"),
             helper.make_node("Leaky", ["h"], ["y"], domain="my.dom", alpha=0.5)]  # stated: its own value
    model = _model_of(calls, {"my.dom": 1}, [leaky])
    given = model.SerializeToString()
    np.testing.assert_allclose(network_from_onnx(model).forward(x), [[-0.5, -0.125, 2.0, 3.0]], rtol=1e-12)
    assert model.SerializeToString() == given  # the user's model is left as it was
    # a function forwarding an attribute it gives no default to one that has one: an unset reference leaves the
    # inner attribute unset, so the inner default applies (onnxruntime: 0.25; it had run as LeakyRelu's 0.01)
    forward = helper.make_node("Leaky", ["p"], ["q"], domain="my.dom")
    forward.attribute.append(helper.make_attribute_ref("alpha", AttributeProto.FLOAT))
    outer = helper.make_function("my.dom", "Outer", ["p"], ["q"], [forward], [helper.make_opsetid("", 17),
                                 helper.make_opsetid("my.dom", 1)], attributes=["alpha"])
    nested = _model_of([helper.make_node("Outer", ["x"], ["y"], domain="my.dom")], {"my.dom": 1}, [leaky, outer])
    np.testing.assert_allclose(network_from_onnx(nested).forward(x), [[-1.0, -0.25, 2.0, 3.0]], rtol=1e-12)
    plain = helper.make_node("LeakyRelu", ["q"], ["r"])  # the same attribute read by an operator too: 0.01 unset
    plain.attribute.append(helper.make_attribute_ref("alpha", AttributeProto.FLOAT))
    both = helper.make_function("my.dom", "Both", ["p"], ["r"], [forward, plain], [helper.make_opsetid("", 17),
                                helper.make_opsetid("my.dom", 1)], attributes=["alpha"])
    with pytest.raises(ValueError, match=r"leaves out attribute 'alpha' of the model's own function my.dom::Both, "
                                         r"which gives it no default and passes it to nodes that fall back to "
                                         r"different values"):
        network_from_onnx(_model_of([helper.make_node("Both", ["x"], ["y"], domain="my.dom")], {"my.dom": 1},
                                    [leaky, both]))
    stated = _model_of([helper.make_node("Both", ["x"], ["y"], domain="my.dom", alpha=0.5)], {"my.dom": 1},
                       [both, leaky])  # every call states it: no fallback (it had been refused; a review)
    np.testing.assert_allclose(network_from_onnx(stated).forward(x), [[-1.0, -0.25, 2.0, 3.0]], rtol=1e-12)
    outer2 = _outer_of(helper, AttributeProto)
    for order in ([leaky, outer, outer2], [outer2, outer, leaky]):  # two levels, either order
        model = _model_of([helper.make_node("Outer2", ["x"], ["y"], domain="my.dom")], {"my.dom": 1}, order)
        np.testing.assert_allclose(network_from_onnx(model).forward(x), [[-1.0, -0.25, 2.0, 3.0]], rtol=1e-12)
    direct = helper.make_node("Leaky", ["q"], ["r"], domain="my.dom")  # Top: to Leaky through Outer, and directly
    direct.attribute.append(helper.make_attribute_ref("alpha", AttributeProto.FLOAT))
    top = helper.make_function("my.dom", "Top", ["p"], ["r"], [forward, direct], [helper.make_opsetid("", 17),
                               helper.make_opsetid("my.dom", 1)], attributes=["alpha"])
    model = _model_of([helper.make_node("Top", ["x"], ["y"], domain="my.dom")], {"my.dom": 1}, [top, outer, leaky])
    np.testing.assert_allclose(network_from_onnx(model).forward(x), [[-0.25, -0.0625, 2.0, 3.0]], rtol=1e-12)  # (the
    # order had refused it: Outer's default not yet inherited when Top's readers were weighed; a review)
    dead = _model_of([helper.make_node("Both", ["x"], ["unused"], domain="my.dom"), helper.make_node(
        "Relu", ["x"], ["y"])], {"my.dom": 1}, [leaky, both])  # a call that never runs refuses nothing
    np.testing.assert_allclose(network_from_onnx(dead).forward(x), [[0.0, 0.0, 2.0, 3.0]], rtol=1e-12)
    ops = [helper.make_node(op, [a], [b]) for op, a, b in (("LeakyRelu", "p", "m"), ("Elu", "m", "q"))]
    for node in ops:  # operators alone read it: left unset, each takes its own default (it had been refused)
        node.attribute.append(helper.make_attribute_ref("alpha", AttributeProto.FLOAT))
    both_ops = helper.make_function("my.dom", "Ops", ["p"], ["q"], ops, [helper.make_opsetid("", 17)],
                                    attributes=["alpha"])
    model = _model_of([helper.make_node("Ops", ["x"], ["y"], domain="my.dom")], {"my.dom": 1}, [both_ops, leaky])
    leaked = np.where(x > 0, x, 0.01 * x)
    np.testing.assert_allclose(network_from_onnx(model).forward(x), np.where(leaked > 0, leaked, np.expm1(leaked)),
                               rtol=1e-12)
    older = helper.make_function("my.dom", "Soft", ["a"], ["b"], [helper.make_node("Softmax", ["a"], ["b"])],
                                 [helper.make_opsetid("", 11)])
    with pytest.raises(ValueError, match=r"calls the model's own function my.dom::Soft, which cannot be expanded: "
                                         r"its body imports ai.onnx 11 \(the model: 17\)"):
        network_from_onnx(_model_of([helper.make_node("Soft", ["x"], ["y"], domain="my.dom")], {"my.dom": 1},
                                    [older]))


def _outer_of(helper, attribute_proto):
    """a function Outer2 forwarding its alpha (no default) to Outer (none either), which forwards it to Leaky"""
    call = helper.make_node("Outer", ["p"], ["q"], domain="my.dom")
    call.attribute.append(helper.make_attribute_ref("alpha", attribute_proto.FLOAT))
    return helper.make_function("my.dom", "Outer2", ["p"], ["q"], [call], [helper.make_opsetid("", 17),
                                helper.make_opsetid("my.dom", 1)], attributes=["alpha"])


@pytest.mark.parametrize("axis", [-1, 1, 2])
def test_onnx_one_hot_of_activation_indices(axis):
    """OneHot of indices computed from the data (a cast of an activation): negative ones count from the end, ones
    out of range stay off, the new axis where ``axis`` puts it; against the reference evaluator"""
    pytest.importorskip("onnx")
    from onnx import TensorProto, helper, numpy_helper
    from onnx.reference import ReferenceEvaluator

    from cimsim.network.onnx_import import network_from_onnx

    nodes = [helper.make_node("Cast", ["x"], ["i"], to=TensorProto.INT64),
             helper.make_node("OneHot", ["i", "depth", "values"], ["y"], axis=axis)]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 2, 6])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
                              [numpy_helper.from_array(np.array(4, np.int64), "depth"),
                               numpy_helper.from_array(np.array([-2.0, 5.0], np.float32), "values")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    x = np.array([[[-4.2, -1.5, 0.3, 2.7, 3.9, 5.1], [-5.0, -0.2, 1.0, 1.9, -3.0, 4.0]]])
    want = ReferenceEvaluator(model).run(None, {"x": x.astype(np.float32)})[0]
    np.testing.assert_array_equal(network_from_onnx(model).forward(x), want)


def test_onnx_hardmax_is_the_one_hot_of_the_first_largest_value():
    pytest.importorskip("onnx")
    from onnx import helper
    from onnx.reference import ReferenceEvaluator

    from cimsim.network.onnx_import import network_from_onnx

    model = _one_node_model(helper.make_node("Hardmax", ["x"], ["y"], axis=1), [1, 3, 4], {}, 17)
    x = np.round(np.random.default_rng(34).standard_normal((1, 3, 4)))  # rounded: ties, where the first one wins
    want = ReferenceEvaluator(model).run(None, {"x": x.astype(np.float32)})[0]
    np.testing.assert_array_equal(network_from_onnx(model).forward(x), want)
    # before opset 13 the axes from ``axis`` on are one: the same over the last axis, refused over several
    old = _one_node_model(helper.make_node("Hardmax", ["x"], ["y"], axis=2), [1, 3, 4], {}, 11)
    want = ReferenceEvaluator(old).run(None, {"x": x.astype(np.float32)})[0]
    np.testing.assert_array_equal(network_from_onnx(old).forward(x), want)
    with pytest.raises(ValueError, match="Hardmax before opset 13 takes the axes from 1 on as one"):
        network_from_onnx(_one_node_model(helper.make_node("Hardmax", ["x"], ["y"]), [1, 3, 4], {}, 11))


def _integer_graph(nodes, consts: dict):
    """an ONNX model from float x (1, 10) through ``nodes`` (x cast to int64 as 'i', |i| + 3 as 'j') to float y"""
    from onnx import TensorProto, helper, numpy_helper

    head = [helper.make_node("Cast", ["x"], ["i"], to=TensorProto.INT64), helper.make_node("Abs", ["i"], ["a"]),
            helper.make_node("Add", ["a", "three"], ["j"])]
    graph = helper.make_graph(head + nodes + [helper.make_node("Cast", ["r"], ["y"], to=TensorProto.FLOAT)], "g",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 10])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
                              [numpy_helper.from_array(v, k) for k, v in {**consts, "three": np.array(3)}.items()])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


@pytest.mark.parametrize("op, reads, c, fmod", [
    ("Div", ["i", "c"], 49, 0), ("Div", ["c", "j"], 2450, 0), ("Mod", ["i", "c"], 49, 0), ("Mod", ["c", "j"], -2450, 0),
    ("Mod", ["i", "j"], 1, 0), ("Mod", ["i", "c"], -49, 1)])
def test_onnx_integer_quotients_and_remainders_are_exact(op, reads, c, fmod):
    """integers divided by a constant by a true division, not a scale by its reciprocal (49 x (1 / 49) truncated
    is 0: the quotient had been off by one there), and Mod of activations (floor or, with fmod, trunc
    remainders), each against the reference evaluator"""
    pytest.importorskip("onnx")
    from onnx import helper
    from onnx.reference import ReferenceEvaluator

    from cimsim.network.onnx_import import network_from_onnx

    attrs = {"fmod": fmod} if op == "Mod" else {}
    model = _integer_graph([helper.make_node(op, reads, ["r"], **attrs)], {"c": np.array(c, np.int64)})
    x = np.array([[49, 98, -49, 7, -7, 50, 343, -343, 0, 1000]], dtype=np.float64)
    want = ReferenceEvaluator(model).run(None, {"x": x.astype(np.float32)})[0]
    np.testing.assert_array_equal(network_from_onnx(model).forward(x), want)


@pytest.mark.parametrize("op", ["And", "Or", "Xor"])
@pytest.mark.parametrize("other", ["activation", "constant", "widening constant"])
def test_onnx_logic_of_truth_values(op, other):
    """And, Or and Xor of two truth values computed from the data (Greater of x and of its reverse), or of one and a
    constant (the same shape, or one that widens it: (3, 1) against (1, 4) in a sample); torch's floor division of
    integers exports a Xor of two signs"""
    pytest.importorskip("onnx")
    from onnx import TensorProto, helper, numpy_helper
    from onnx.reference import ReferenceEvaluator

    from cimsim.network.onnx_import import network_from_onnx

    consts = {"zero": np.array(0.0, np.float32), "half": np.array(-0.5, np.float32),
              "k": np.array([[True, False, True, False]]), "kw": np.array([[True], [False], [True]])}
    nodes = [helper.make_node("Greater", ["x", "zero"], ["c"]), helper.make_node("Neg", ["x"], ["n"]),
             helper.make_node("Less", ["n", "half"], ["d"])]
    second = {"activation": "d", "constant": "k", "widening constant": "kw"}[other]
    nodes += [helper.make_node(op, ["c", second], ["b"]), helper.make_node("Cast", ["b"], ["y"], to=TensorProto.FLOAT)]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 1, 4])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
                              [numpy_helper.from_array(v, k) for k, v in consts.items()])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    net = network_from_onnx(model)
    for x in np.random.default_rng(35).standard_normal((6, 1, 1, 4)):
        want = ReferenceEvaluator(model).run(None, {"x": x.astype(np.float32)})[0]
        np.testing.assert_array_equal(net.forward(x.astype(np.float32).astype(np.float64))[0], want[0])


@pytest.mark.parametrize("axes, keepdims, opset", [([2], 1, 18), ([1, 2], 0, 18), ([-1], 0, 13), (None, 1, 13)])
def test_onnx_reduce_prod_of_an_activation(axes, keepdims, opset):
    """ReduceProd of activations (torch's prod): halves multiplied, an odd value carried (axes of 3, 5 and 7
    values), against the reference evaluator"""
    pytest.importorskip("onnx")
    from onnx import helper
    from onnx.reference import ReferenceEvaluator

    from cimsim.network.onnx_import import network_from_onnx

    consts, inputs, attrs = {}, ["x"], {"keepdims": keepdims}
    if axes is not None and opset >= 18:
        consts["axes"], inputs = np.array(axes, np.int64), ["x", "axes"]
    elif axes is not None:
        attrs["axes"] = axes
    model = _one_node_model(helper.make_node("ReduceProd", inputs, ["y"], **attrs), [1, 3, 5, 7], consts, opset)
    x = np.random.default_rng(36).uniform(0.5, 1.5, (1, 3, 5, 7)) * np.sign(np.random.default_rng(37).standard_normal(
        (1, 3, 5, 7)))
    want = ReferenceEvaluator(model).run(None, {"x": x.astype(np.float32)})[0]
    got = network_from_onnx(model).forward(x.astype(np.float32).astype(np.float64))
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=1e-5)


def test_onnx_float_fmod_of_an_activation():
    pytest.importorskip("onnx")
    from onnx import helper
    from onnx.reference import ReferenceEvaluator

    from cimsim.network.onnx_import import network_from_onnx

    model = _one_node_model(helper.make_node("Mod", ["x", "c"], ["y"], fmod=1), [1, 10],
                            {"c": np.array(0.7, np.float32)}, 17)
    x = np.linspace(-3.1, 2.9, 10)[None]
    want = ReferenceEvaluator(model).run(None, {"x": x.astype(np.float32)})[0]
    np.testing.assert_allclose(network_from_onnx(model).forward(x.astype(np.float32).astype(np.float64)), want,
                               atol=1e-6)


@pytest.mark.parametrize("axis", [-1, 0, 1, 2])
def test_onnx_one_hot_of_constants_is_folded(axis):
    """OneHot of constant indices (Qwen3.5's linear attention builds a mask so) is folded as the reference evaluator
    computes it: the new axis where ``axis`` puts it, negative indices from the end, out of range nowhere"""
    onnx = pytest.importorskip("onnx")
    from onnx import helper
    from onnx.reference import ReferenceEvaluator

    from cimsim.network._onnx_fold import fold

    indices, depth, values = np.array([[-1, 0, 5], [2, -4, 3]]), np.array(4), np.array([-1, 7])
    node = helper.make_node("OneHot", ["i", "d", "v"], ["y"], axis=axis)
    graph = helper.make_graph([node], "g", [helper.make_tensor_value_info(n, onnx.TensorProto.INT64, None)
                                            for n in "idv"], [helper.make_tensor_value_info("y", 0, None)])
    want = ReferenceEvaluator(helper.make_model(graph)).run(None, {"i": indices, "d": depth, "v": values})[0]
    got = fold(onnx, "OneHot", {"axis": axis}, [indices, depth, values])[0]
    np.testing.assert_array_equal(got, want)
    assert got.dtype == want.dtype


@pytest.mark.parametrize("a, b", [(None, None), (None, [[2.0], [-np.inf], [np.nan]]), ([np.inf, 1.0], None),
                                  (3.0, -np.inf)])
def test_select_is_numpy_where_per_sample_and_saves(tmp_path, a, b):
    """Select(condition, a, b) = np.where(condition != 0, a, b) broadcast per sample, whatever the operands hold
    (infinities and NaN where chosen and where not), for activation and constant operands; saved and loaded"""
    from cimsim.network import Select, Unary

    layers, reads = [Unary("log"), Unary("step")], [(0,), (0,)]  # values 1 and 2: log x (-inf, NaN) and x > 0
    layers.append(Select(a=a, b=b))
    reads.append((2,) + (1,) * ((a is None) + (b is None)))
    net = Network(tuple(layers), (3, 2), tuple(reads))
    x = RNG.standard_normal((4, 3, 2))
    x[0, 0, 0] = x[1, 1, 1] = 0.0
    with np.errstate(all="ignore"):
        logs = np.log(x)
        got = net.forward(x)
    want = np.where(x > 0, logs if a is None else np.asarray(a), logs if b is None else np.asarray(b))
    np.testing.assert_array_equal(got, want)
    assert np.isinf(got).any()  # the operands held infinities; np.where chose them, or left them without a NaN
    save_network(net, tmp_path / "s.npz")
    with np.errstate(all="ignore"):
        np.testing.assert_array_equal(load_network(tmp_path / "s.npz").forward(x), want)
    with pytest.raises(ValueError, match="Select takes"):
        Select(a=a, b=b).output_shape((3, 2), (3, 2), (3, 2), (3, 2))


def test_onnx_where_never_mixes_an_unchosen_infinity_in():
    """Where(x > 0, log(x), 5): the log of 0 (-inf) and of negatives (NaN) where the 5 is chosen; an arithmetic select,
    5 + c (log x - 5), had given NaN there. Against onnx's reference evaluator."""
    onnx = pytest.importorskip("onnx")
    from onnx.reference import ReferenceEvaluator

    make = onnx.helper.make_node
    nodes = [make("Greater", ["x", "zero"], ["c"]), make("Log", ["x"], ["l"]), make("Where", ["c", "l", "five"], ["y"])]
    typed = {"zero": np.zeros(1, np.float32), "five": np.array([5.0], np.float32)}
    graph = onnx.helper.make_graph(nodes, "g", [onnx.helper.make_tensor_value_info("x", 1, [1, 4])],
                                   [onnx.helper.make_tensor_value_info("y", 1, None)],
                                   [onnx.numpy_helper.from_array(v, k) for k, v in typed.items()])
    x = np.array([[0.0, -1.0, 2.0, 0.5]], np.float32)
    with np.errstate(all="ignore"):
        want = ReferenceEvaluator(onnx.helper.make_model(graph)).run(None, {"x": x})[0]
    got = _typed_model(nodes, typed, (4,)).forward(x.astype(np.float64))
    np.testing.assert_allclose(got, want, rtol=1e-6)
    assert np.isfinite(got).all()


@pytest.mark.parametrize("op", ["Where", "Where-swapped", "Trilu"])
def test_a_constant_mask_selects_without_mixing_an_unchosen_infinity_in(tmp_path, op):
    """Where(mask, log x, -inf) (a causal mask after a padding mask), Where(mask, 0, log x) and Trilu(log x) with a
    constant mask: log 0 = -inf where the mask drops the value. An affine select, x mask + v (1 - mask), had given NaN
    there (a softmax row all NaN). Against onnx's reference evaluator; the layer saves and loads."""
    onnx = pytest.importorskip("onnx")
    from onnx.reference import ReferenceEvaluator

    make = onnx.helper.make_node
    mask = np.array([[False, True], [False, True]])
    nodes = [make("Relu", ["x"], ["r"]), make("Log", ["r"], ["l"])]
    typed = {"c": mask, "v": np.array(-np.inf, np.float32), "zero": np.array(0.0, np.float32)}
    if op == "Trilu":
        nodes.append(make("Trilu", ["l"], ["y"], upper=1))
    else:
        nodes.append(make("Where", ["c", "l", "v"] if op == "Where" else ["c", "zero", "l"], ["y"]))
    graph = onnx.helper.make_graph(nodes, "g", [onnx.helper.make_tensor_value_info("x", 1, [1, 2, 2])],
                                   [onnx.helper.make_tensor_value_info("y", 1, None)],
                                   [onnx.numpy_helper.from_array(np.asarray(v), k) for k, v in typed.items()])
    x = np.array([[[-1.0, 2.0], [-3.0, 4.0]]], np.float32)
    with np.errstate(all="ignore"):
        want = ReferenceEvaluator(onnx.helper.make_model(graph, opset_imports=[
            onnx.helper.make_opsetid("", 14)])).run(None, {"x": x})[0]
        net = _typed_model(nodes, typed, (2, 2), opset=14)
        got = net.forward(x.astype(np.float64))
        np.testing.assert_allclose(got, want, rtol=1e-6)
        assert not np.isnan(got).any()
        save_network(net, tmp_path / "m.npz")
        np.testing.assert_array_equal(load_network(tmp_path / "m.npz").forward(x.astype(np.float64)), got)


@pytest.mark.parametrize("op", ["LeakyRelu", "PRelu"])
def test_leaky_relu_of_infinities(op):
    """LeakyRelu / PRelu of exp(x) overflowing to +inf and of -inf: +inf and -slope x inf (relu(x) + slope (x -
    relu(x)) had given inf - inf = NaN); against onnx's reference evaluator"""
    onnx = pytest.importorskip("onnx")
    from onnx.reference import ReferenceEvaluator

    make = onnx.helper.make_node
    nodes = [make("Exp", ["x"], ["e"]), make("Neg", ["e"], ["n"]), make("Concat", ["e", "n"], ["c"], axis=1),
             make(op, ["c", "s"] if op == "PRelu" else ["c"], ["y"], **({"alpha": 0.1} if op == "LeakyRelu" else {}))]
    typed = {"s": np.array([0.2], np.float32)} if op == "PRelu" else {}
    graph = onnx.helper.make_graph(nodes, "g", [onnx.helper.make_tensor_value_info("x", 1, [1, 2])],
                                   [onnx.helper.make_tensor_value_info("y", 1, None)],
                                   [onnx.numpy_helper.from_array(v, k) for k, v in typed.items()])
    x = np.array([[1.0, 1000.0]], np.float32)
    with np.errstate(all="ignore"):
        want = ReferenceEvaluator(onnx.helper.make_model(graph)).run(None, {"x": x})[0]
        got = _typed_model(nodes, typed, (2,)).forward(x.astype(np.float64))
    np.testing.assert_allclose(got, want, rtol=1e-6)
    assert np.isinf(got).sum() == 2 and not np.isnan(got).any()


def test_an_import_that_outgrows_the_machine_stops_with_a_message(monkeypatch, tmp_path):
    """between nodes the import checks the process's peak memory against 80 % of the machine's: a model whose
    constants and layers outgrow it (torchvision's MViT v2 reached 21.4 GiB of 23.5) gets an error, not the
    out-of-memory killer (here: a machine of 1 MiB)"""
    helper = pytest.importorskip("onnx").helper
    import cimsim.footprint

    path = _save_onnx(tmp_path, [helper.make_node("Relu", ["x"], ["y"], name="relu")], {}, (4,))
    load_network(path)
    monkeypatch.setattr(cimsim.footprint, "machine_memory_bytes", lambda: 2**20)
    with pytest.raises(ValueError, match=r"node 'relu' \(Relu\): this process has reached .* GiB, 80 % of this "
                                         r"machine's memory \(0.000977 GiB\)"):
        load_network(path)


def test_onnx_loop_with_a_constant_trip_count_and_sequences_match_the_reference_evaluator():
    """a Loop of 3 iterations appending a slice of x (bounds from the iteration number) to a carried sequence, then
    SequenceAt, SequenceLength and ConcatFromSequence (with and without a new axis), as torch exports a split by
    computed sizes: the body unrolled at import, against onnx's reference evaluator"""
    pytest.importorskip("onnx")
    from onnx import TensorProto, helper, numpy_helper
    from onnx.reference import ReferenceEvaluator

    make = helper.make_node
    body = helper.make_graph(
        [make("Mul", ["i", "two"], ["start"]), make("Add", ["start", "two"], ["end"]),
         make("Slice", ["x", "start", "end", "axis"], ["piece"]), make("SequenceInsert", ["items", "piece"], ["more"]),
         make("Identity", ["go"], ["go_on"])], "body",
        [helper.make_tensor_value_info("i", TensorProto.INT64, []), helper.make_tensor_value_info("go", 9, []),
         helper.make_tensor_sequence_value_info("items", TensorProto.FLOAT, None)],
        [helper.make_tensor_value_info("go_on", 9, []), helper.make_tensor_sequence_value_info("more", 1, None)])
    nodes = [make("SequenceEmpty", [], ["empty"], dtype=1), make("Loop", ["trips", "true", "empty"], ["pieces"],
                                                                  body=body),
             make("SequenceAt", ["pieces", "one"], ["second"]), make("SequenceLength", ["pieces"], ["count"]),
             make("Cast", ["count"], ["count_f"], to=1), make("Mul", ["second", "count_f"], ["scaled"]),
             make("ConcatFromSequence", ["pieces"], ["joined"], axis=1),
             make("ConcatFromSequence", ["pieces"], ["stacked"], axis=1, new_axis=1),
             make("Flatten", ["stacked"], ["flat"], axis=1),
             make("Concat", ["joined", "scaled", "flat"], ["y"], axis=1)]
    consts = {"trips": np.array(3, np.int64), "true": np.array(True), "one": np.array(1, np.int64),
              "two": np.array([2], np.int64), "axis": np.array([1], np.int64)}
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 6])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
                              [numpy_helper.from_array(v, k) for k, v in consts.items()])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    x = np.random.default_rng(3).standard_normal((1, 6)).astype(np.float32)
    want = ReferenceEvaluator(model).run(None, {"x": x})[0]
    from cimsim.network.onnx_import import network_from_onnx

    net = network_from_onnx(model, "loop.onnx")
    np.testing.assert_allclose(net.forward(x.astype(np.float64)), want, rtol=1e-6)
    assert want.shape == (1, 14)


def _sigmoid_reference(x: np.ndarray) -> np.ndarray:
    """1 / (1 + exp(-x)) where exp(-x) cannot overflow (x >= 0), exp(x) / (1 + exp(x)) elsewhere: float64"""
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def test_sigmoid_and_the_functions_holding_it_keep_their_precision_far_from_zero():
    """sigmoid, silu and gelu_tanh were 0.5 (1 + tanh(x / 2)), gelu 0.5 x (1 + erf(x / sqrt 2)): exactly 0 below
    about -37 (sigmoid) and -8 (gelu), where the values are 1e-17 and less, so log(sigmoid(x)) (torch's log_sigmoid
    export) was -inf; now each within rounding of a float64 reference over [-800, 800], without overflow warnings"""
    from cimsim.network import Unary

    x = np.linspace(-800.0, 800.0, 3201)[None]
    sigmoid = _sigmoid_reference(x)
    u = math.sqrt(8.0 / math.pi) * (x + 0.044715 * x ** 3)
    wants = {"sigmoid": sigmoid, "silu": x * sigmoid, "gelu_tanh": x * _sigmoid_reference(u),
             "gelu": 0.5 * x * np.vectorize(math.erfc)(-x / math.sqrt(2.0))}
    tail = x[:, 200:]  # x >= -700: sigmoid a normal float, its log -log1p(exp(-x)) within rounding
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        gots = {name: Network((Unary(name),), (3201,)).forward(x) for name in wants}
        logs = Network((Unary("sigmoid"), Unary("log")), (3001,)).forward(tail)
    for name, want in wants.items():  # values of 1e-300 and less, where scipy's expit is 0 (x < -709), may be 0
        np.testing.assert_allclose(gots[name], want, rtol=1e-12, atol=1e-300, err_msg=name)
    want = np.where(tail < 0, tail - np.log1p(np.exp(np.minimum(tail, 0))), -np.log1p(np.exp(-np.maximum(tail, 0))))
    np.testing.assert_allclose(logs, want, rtol=1e-12, atol=1e-15)  # x > 0: the rounding of sigmoid near 1
