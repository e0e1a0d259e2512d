"""com.microsoft's QLinearSoftmax as onnxruntime computes it, from the node's own attributes: axis -1 when not
given (whatever the opset), and the input coerced to 2-d at ``axis`` (the softmax over all the axes from it on) where
its ``opset`` attribute is below 13, whatever the graph's opset; the attribute left out is refused (as onnxruntime
refuses the model)."""

from __future__ import annotations

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
helper, numpy_helper, TP = onnx.helper, onnx.numpy_helper, onnx.TensorProto

from cimsim.network.onnx_import import network_from_onnx  # noqa: E402

X_SCALE, X_ZERO, Y_SCALE = 0.03, 120, 1 / 256


def _model(graph_opset: int, **attrs):
    """x (2, 3, 4) quantised (uint8), QLinearSoftmax with ``attrs``, dequantised"""
    nodes = [helper.make_node("QuantizeLinear", ["x", "sx", "zx"], ["xq"]),
             helper.make_node("QLinearSoftmax", ["xq", "sx", "zx", "sy", "zy"], ["yq"], name="sm",
                              domain="com.microsoft", **attrs),
             helper.make_node("DequantizeLinear", ["yq", "sy", "zy"], ["y"])]
    consts = {"sx": np.float32(X_SCALE), "zx": np.uint8(X_ZERO), "sy": np.float32(Y_SCALE), "zy": np.uint8(0)}
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TP.FLOAT, [2, 3, 4])],
                              [helper.make_tensor_value_info("y", TP.FLOAT, [2, 3, 4])],
                              [numpy_helper.from_array(np.asarray(v), k) for k, v in consts.items()])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", graph_opset),
                                                    helper.make_opsetid("com.microsoft", 1)])
    model.ir_version = 9
    return model


def _expected(x: np.ndarray, axes: tuple[int, ...]) -> np.ndarray:
    """x quantised and dequantised, its softmax over ``axes`` quantised to Y_SCALE steps and dequantised"""
    xq = (np.clip(np.round(x / np.float32(X_SCALE)) + X_ZERO, 0, 255) - X_ZERO) * X_SCALE
    e = np.exp(xq - xq.max(axis=axes, keepdims=True))
    return np.clip(np.round(e / e.sum(axis=axes, keepdims=True) / Y_SCALE), 0, 255) * Y_SCALE


@pytest.mark.parametrize("graph_opset", [12, 13])
@pytest.mark.parametrize("attrs, axes", [({"opset": 12}, (2,)), ({"opset": 13}, (2,)), ({"opset": 12, "axis": 1},
                                         (1, 2)), ({"opset": 13, "axis": 1}, (1,))])
def test_qlinear_softmax_follows_its_own_axis_default_and_opset(graph_opset, attrs, axes):
    """the softmax runs over the last axis when no axis is given (an opset-12 graph had taken axis 1 and coerced:
    rows summing to 0.17, 0 and 0.83), and is coerced to 2-d at its axis as its own opset says (not the graph's)"""
    x = (np.random.default_rng(0).standard_normal((2, 3, 4)) * 3).astype(np.float32)
    got = network_from_onnx(_model(graph_opset, **attrs)).forward(x.astype(np.float64)).reshape(x.shape)
    np.testing.assert_allclose(got, _expected(x, axes), rtol=0, atol=1e-9)


def test_qlinear_softmax_without_its_opset_attribute_is_refused_naming_it():
    with pytest.raises(ValueError, match=r"'sm' \(QLinearSoftmax\): QLinearSoftmax needs its attribute opset"):
        network_from_onnx(_model(13, axis=-1))
