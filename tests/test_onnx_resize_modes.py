"""Resize's opset-19 coordinate_transformation_mode half_pixel_symmetric (half_pixel with the output's centre kept on
the input's where size x scale is not a whole number), and antialiased resizes to given sizes, against onnx's
reference evaluator (and onnxruntime for the linear ones); the nearest ones against onnxruntime, whose float32
coordinates read other inputs than the reference's float64 ones (7 x 0.6: 0.5000005, a tie rounded down in
onnxruntime 1.32)."""

from __future__ import annotations

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
helper, numpy_helper, TP = onnx.helper, onnx.numpy_helper, onnx.TensorProto
from onnx.reference import ReferenceEvaluator  # noqa: E402

from cimsim.network.onnx_import import network_from_onnx  # noqa: E402

X = np.random.default_rng(43).standard_normal((2, 2, 5, 7)).astype(np.float32)


def _resize(attrs: dict, scales=None, sizes=None):
    """a Resize of the last two axes of x (batch, 2, 5, 7) by ``scales`` or to ``sizes``"""
    inputs, given = (["x", "", "s"], np.array([1, 1, *scales], np.float32)) if sizes is None else (
        ["x", "", "", "s"], np.array(sizes, np.int64))
    node = helper.make_node("Resize", inputs, ["y"], **attrs, **({} if sizes is None else {"axes": [2, 3]}))
    graph = helper.make_graph([node], "g", [helper.make_tensor_value_info("x", TP.FLOAT, ["N", 2, 5, 7])],
                              [helper.make_tensor_value_info("y", TP.FLOAT, None)],
                              [numpy_helper.from_array(given, "s")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 19)])
    model.ir_version = 9
    return model


SYMMETRIC = [({"mode": "linear"}, (1.6, 0.6), None), ({"mode": "linear"}, (0.5, 1.3), None),
             ({"mode": "linear"}, None, (9, 4)), ({"mode": "cubic"}, (1.6, 0.6), None),
             ({"mode": "nearest"}, (1.6, 0.6), None), ({"mode": "nearest", "nearest_mode": "floor"}, (0.5, 1.3), None),
             ({"mode": "nearest", "nearest_mode": "ceil"}, (1.3, 2.7), None), ({"mode": "nearest"}, None, (3, 11))]


@pytest.mark.parametrize("attrs, scales, sizes", SYMMETRIC)
def test_half_pixel_symmetric_matches_the_reference(attrs, scales, sizes):
    model = _resize({**attrs, "coordinate_transformation_mode": "half_pixel_symmetric"}, scales, sizes)
    got = network_from_onnx(model).forward(X.astype(np.float64))
    if attrs["mode"] != "nearest":
        np.testing.assert_allclose(got, ReferenceEvaluator(model).run(None, {"x": X})[0], rtol=1e-5, atol=1e-5)
    if attrs["mode"] != "cubic":
        ort = pytest.importorskip("onnxruntime")
        session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
        np.testing.assert_allclose(got, session.run(None, {"x": X})[0], rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("mode", ["half_pixel", "half_pixel_symmetric"])
def test_antialiased_resize_to_sizes_has_them(mode):
    """9 / 5 in float32 times 5 is below 9: the antialiasing filter is taken for the size asked, not one fewer"""
    model = _resize({"mode": "linear", "antialias": 1, "coordinate_transformation_mode": mode}, sizes=(9, 4))
    want = ReferenceEvaluator(model).run(None, {"x": X})[0]
    np.testing.assert_allclose(network_from_onnx(model).forward(X.astype(np.float64)), want, rtol=1e-5, atol=1e-5)


def _integer_resize(code: int, attrs: dict, scales):
    """x quantised (uint8 or int8 codes, as between QOperators), resized as integers, dequantised"""
    zero = np.uint8(128) if code == TP.UINT8 else np.int8(0)
    nodes = [helper.make_node("QuantizeLinear", ["x", "qs", "qz"], ["q"]),
             helper.make_node("Resize", ["q", "", "s"], ["r"], **attrs),
             helper.make_node("DequantizeLinear", ["r", "qs", "qz"], ["y"])]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TP.FLOAT, ["N", 2, 5, 7])],
                              [helper.make_tensor_value_info("y", TP.FLOAT, None)],
                              [numpy_helper.from_array(np.array([1, 1, *scales], np.float32), "s"),
                               numpy_helper.from_array(np.float32(0.02), "qs"), numpy_helper.from_array(zero, "qz")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 19)])
    model.ir_version = 9
    return model


@pytest.mark.parametrize("code", [TP.UINT8, TP.INT8], ids=["uint8", "int8"])
@pytest.mark.parametrize("attrs, scales", [({"mode": "linear"}, (2, 4)), ({"mode": "linear"}, (0.5, 2)),
                                           ({"mode": "nearest"}, (1.6, 0.6))])
def test_a_resize_of_integer_codes_truncates_as_onnxruntime(code, attrs, scales):
    """a linear Resize of uint8 / int8 codes (a QOperator model's) interpolates, then casts back to the integer
    type as onnxruntime does: truncated toward zero (the interpolated value had been kept, up to a step off);
    dyadic weights here, which float32 computes exactly too"""
    ort = pytest.importorskip("onnxruntime")
    model = _integer_resize(code, attrs, scales)
    x = X * 2  # codes of the whole range, saturated too: int8's negative interpolations truncate up, not down
    want = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"]).run(None, {"x": x})[0]
    np.testing.assert_allclose(network_from_onnx(model).forward(x.astype(np.float64)), want, rtol=0, atol=1e-6)


def test_an_antialiased_resize_of_integers_is_refused():
    """onnxruntime rounds an antialiased resize of integers axis by axis (fixed point for 8 bits): refused by name"""
    with pytest.raises(ValueError, match=r"Resize\): an antialiased Resize of integers is not supported"):
        network_from_onnx(_integer_resize(TP.UINT8, {"mode": "linear", "antialias": 1}, (0.5, 2)))
