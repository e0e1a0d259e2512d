"""MatMul by a constant vector (attention pooling's scores: x @ v and v @ x, as numpy multiplies a 1-d operand)
and GatherND of an activation at constant indices (torch's dynamo exporter writes an adaptive pool whose size does
not divide its input so), from hand-built graphs and from torch models, against float64 numpy and torch."""

from __future__ import annotations

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
helper, numpy_helper, TensorProto = onnx.helper, onnx.numpy_helper, onnx.TensorProto

from extras import torch_or_skip  # noqa: E402

from cimsim.models.from_network import model_from_network  # noqa: E402
from cimsim.network.onnx_import import network_from_onnx  # noqa: E402

RNG = np.random.default_rng(11)


def _model(nodes: list, x_shape: tuple, consts: dict, opset: int = 17):
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, list(x_shape))],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
                              [numpy_helper.from_array(np.asarray(v), k) for k, v in consts.items()])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 8
    return model


@pytest.mark.parametrize("x_shape, k, left", [((2, 5), 5, False), ((2, 4, 5), 5, False), ((2, 3, 4, 5), 5, False),
                                              ((2, 4, 6), 4, True), ((2, 3, 4, 6), 4, True)])
def test_a_matmul_by_a_constant_vector_drops_its_axis_as_numpy_does(x_shape, k, left):
    v = RNG.standard_normal(k).astype(np.float32)
    inputs = ["v", "r"] if left else ["r", "v"]
    model = _model([helper.make_node("Relu", ["x"], ["r"]), helper.make_node("MatMul", inputs, ["y"])], x_shape,
                   {"v": v})
    net = network_from_onnx(model)
    x = RNG.standard_normal(x_shape)
    relu, v64 = np.maximum(x, 0.0), v.astype(np.float64)
    want = np.matmul(v64, relu) if left else np.matmul(relu, v64)
    got = net.forward(x)
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-12)
    assert model_from_network(net).macs_per_item == k * want[0].size  # k per output value


def test_a_constant_vector_that_does_not_fit_the_activation_is_refused_naming_both():
    model = _model([helper.make_node("Relu", ["x"], ["r"]), helper.make_node("MatMul", ["v", "r"], ["y"])], (2, 4, 6),
                   {"v": np.ones(6, np.float32)})
    with pytest.raises(ValueError, match=r"constant vector of 6 values and an activation of shape \[2, 4, 6\]"):
        network_from_onnx(model)


def test_from_torch_imports_attention_pooling_by_a_parameter_vector():
    torch = torch_or_skip()
    from cimsim.network import from_torch

    class Pool(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.proj = torch.nn.Linear(5, 5)
            self.v, self.u = torch.nn.Parameter(torch.randn(5)), torch.nn.Parameter(torch.randn(4))

        def forward(self, x):  # (batch, 4 tokens, 5) -> scores (batch, 4) and a token mix (batch, 5)
            h = self.proj(x)
            return torch.cat([h @ self.v, self.u @ h], dim=-1)

    torch.manual_seed(0)
    model, x = Pool().eval().double(), torch.randn(2, 4, 5, dtype=torch.float64)
    net = from_torch(model, x)
    with torch.no_grad():
        want = model(x).numpy()
    np.testing.assert_allclose(net.forward(x.numpy()), want, rtol=0, atol=1e-6)  # exported in float32
    assert model_from_network(net).macs_per_item == 4 * 5 * 5 + 4 * 5 + 5 * 4  # Linear, h @ v, u @ h


def _windows(size: int, n: int) -> list[int]:
    """the starts of an adaptive pool's n windows of ``size`` // n + 1 over ``size`` (7 -> 3: 0, 2, 4)"""
    return [i * size // n for i in range(n)]


def test_gather_nd_of_an_activation_imports_the_dynamo_adaptive_pool():
    """AdaptiveAvgPool2d(3) of a 7 x 7 map as torch's dynamo exporter writes it: the map moved to the front
    (batch axis mixed: a batch-1 graph), GatherND of each window's pixels, ReduceMean over them"""
    starts, width = _windows(7, 3), 3
    index = np.array([[[[(si + a, sj + b) for b in range(width)] for sj in starts] for a in range(width)]
                      for si in starts], dtype=np.int64)  # (3, 3, 3, 3, 2): window i, row a, window j, column b
    nodes = [helper.make_node("Transpose", ["x"], ["t"], perm=[2, 3, 0, 1]),
             helper.make_node("GatherND", ["t", "i"], ["g"], batch_dims=0),
             helper.make_node("Transpose", ["g"], ["u"], perm=[4, 5, 0, 1, 2, 3]),
             helper.make_node("ReduceMean", ["u", "axes"], ["y"], keepdims=0)]
    net = network_from_onnx(_model(nodes, (1, 2, 7, 7), {"i": index, "axes": np.array([-3, -1], np.int64)}, 18))
    x = RNG.standard_normal((1, 2, 7, 7))
    want = np.array([[[[x[0, c, s:s + width, t:t + width].mean() for t in starts] for s in starts]
                      for c in range(2)]])
    np.testing.assert_allclose(net.forward(x), want, rtol=0, atol=1e-12)


def test_gather_nd_with_batch_dims_keeps_the_batch_axis_and_refuses_indices_that_differ_per_sample():
    index = np.array([[[1, 2], [3, 0], [-1, 4]]] * 2, dtype=np.int64)  # (batch 2, 3 picks, (row, column))
    nodes = [helper.make_node("Relu", ["x"], ["r"]), helper.make_node("GatherND", ["r", "i"], ["y"], batch_dims=1)]
    net = network_from_onnx(_model(nodes, (2, 4, 5, 3), {"i": index}))
    x = RNG.standard_normal((2, 4, 5, 3))
    want = np.maximum(x, 0.0)[:, [1, 3, -1], [2, 0, 4]]
    np.testing.assert_array_equal(net.forward(x), want)
    index[1, 0] = [0, 0]
    with pytest.raises(ValueError, match="GatherND indexes the batch axis"):
        network_from_onnx(_model(nodes, (2, 4, 5, 3), {"i": index}))
    with pytest.raises(ValueError, match=r"GatherND indices \[5\] are outside \[-4, 3\]"):
        network_from_onnx(_model(nodes, (2, 4, 5, 3), {"i": np.array([[[5, 0]]] * 2, np.int64)}))


@pytest.mark.parametrize("w_shape, x_shape, softmax_axis", [((1, 1, 6, 5), (1, 4, 6), 1),
                                                            ((1, 1, 1, 6, 5), (1, 3, 4, 6), 2)])
def test_a_constant_matrix_of_more_axes_than_the_activation_leads_the_product_with_them(w_shape, x_shape,
                                                                                        softmax_axis):
    """x (..., m, k) @ W (1, 1, k, n) is (1, 1, m, n), numpy's: the constant's leading axes had been dropped, every
    axis after them shifted by one, so a Softmax over axis 1 normalised another axis (off by 100 %: a probe); a
    batch of 2, which they would put behind a new leading axis, is refused naming it"""
    w = RNG.standard_normal(w_shape).astype(np.float32)
    softmax = helper.make_node("Softmax", ["m"], ["y"], axis=softmax_axis)
    model = _model([helper.make_node("MatMul", ["x", "w"], ["m"]), softmax], x_shape, {"w": w})
    x = RNG.standard_normal(x_shape)
    product = np.matmul(x, w.astype(np.float64))
    e = np.exp(product - product.max(axis=softmax_axis, keepdims=True))
    got = network_from_onnx(model).forward(x)
    assert got.shape == product.shape
    np.testing.assert_allclose(got, e / e.sum(axis=softmax_axis, keepdims=True), rtol=0, atol=1e-12)
    two = _model([helper.make_node("MatMul", ["x", "w"], ["y"])], (2, *x_shape[1:]), {"w": w})
    with pytest.raises(ValueError, match=r"\(MatMul\): an expand that adds leading axes or repeats the batch axis"):
        network_from_onnx(two)


def test_a_flattened_activation_times_a_matrix_keeps_numpys_shape():
    """x.flatten() @ W is (n,) as numpy gives it: widening the activation to a constant of more axes than its own had
    added an axis there too, and a Softmax over axis 0 gave ones (a review)"""
    w = RNG.standard_normal((6, 5)).astype(np.float32)
    model = _model([helper.make_node("Reshape", ["x", "flat"], ["f"]), helper.make_node("MatMul", ["f", "w"], ["m"]),
                    helper.make_node("Softmax", ["m"], ["y"], axis=0)], (1, 6),
                   {"w": w, "flat": np.array([-1], dtype=np.int64)})
    x = RNG.standard_normal((1, 6))
    product = x.reshape(-1) @ w.astype(np.float64)
    e = np.exp(product - product.max())
    np.testing.assert_allclose(np.ravel(network_from_onnx(model).forward(x)), e / e.sum(), rtol=0, atol=1e-12)
