"""Nearest Resize reads the inputs onnxruntime and torch read: source coordinates in float32 (3 / 0.6 is 5 there,
4.9999998 in float64, which floors to the input before), round_prefer ties within 1e-6 of a half (onnxruntime
1.32's), axes at scale 1 and resizes that keep every size copied. Also the refusal of a batch norm without running
statistics (normalised by the batch's statistics even in eval mode)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from extras import torch_or_skip

onnx = pytest.importorskip("onnx")
helper, numpy_helper, TP = onnx.helper, onnx.numpy_helper, onnx.TensorProto

from cimsim.network.onnx_import import network_from_onnx  # noqa: E402


def _nearest(n: int, attrs: dict, scale=None, size=None, channels: int = 1, opset: int = 19):
    """a nearest Resize of the last axis of x (1, channels, 1, n) by ``scale`` or to ``size`` (opset 10: Resize(X,
    scales), asymmetric coordinates)"""
    if opset == 10:
        inputs, given = ["x", "s"], np.array([1, 1, 1, scale], np.float32)
    elif size is None:
        inputs, given = ["x", "", "s"], np.array([1, 1, 1, scale], np.float32)
    else:
        inputs, given = ["x", "", "", "s"], np.array([1, channels, 1, size], np.int64)
    node = helper.make_node("Resize", inputs, ["y"], mode="nearest", **attrs)
    graph = helper.make_graph([node], "g", [helper.make_tensor_value_info("x", TP.FLOAT, [1, channels, 1, n])],
                              [helper.make_tensor_value_info("y", TP.FLOAT, None)],
                              [numpy_helper.from_array(given, "s")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 9
    return model


def _read(model, n: int, channels: int = 1) -> list:
    """the input indices the imported Resize reads (its output for x = 0, 1, ..., channels x n - 1)"""
    x = np.arange(channels * n, dtype=np.float64).reshape(1, channels, 1, n)
    return network_from_onnx(model).forward(x).astype(int).reshape(channels, -1).tolist()


ASYMMETRIC = {"coordinate_transformation_mode": "asymmetric"}
HALF_PIXEL = {"coordinate_transformation_mode": "half_pixel"}
# what onnxruntime 1.32 reads (and torch, for asymmetric floor); float64 coordinates read the ones noted
READS = [
    (10, {**ASYMMETRIC, "nearest_mode": "floor"}, 0.6, None, [0, 1, 3, 5, 6, 8]),  # float64: 4 for 5
    (10, {**HALF_PIXEL, "nearest_mode": "floor"}, 0.6, None, [0, 2, 3, 5, 6, 8]),  # float64: 1 for 2
    (10, {**ASYMMETRIC, "nearest_mode": "floor"}, 1.2, None, [0, 0, 1, 2, 3, 4, 5, 5, 6, 7, 8, 9]),
    (10, {**HALF_PIXEL, "nearest_mode": "floor"}, None, 6, [0, 2, 3, 5, 6, 8]),  # by size: float64 7 for 6
    (10, {**ASYMMETRIC, "nearest_mode": "round_prefer_ceil"}, 1.2, None, [0, 1, 2, 3, 3, 4, 5, 6, 7, 8, 8, 9]),
    (7, {**ASYMMETRIC, "nearest_mode": "round_prefer_ceil"}, None, 2, [0, 4]),  # 1 / (2 / 7) is 3.4999998: a tie
    (7, {"coordinate_transformation_mode": "half_pixel_symmetric"}, 0.6, None, [0, 2, 4, 5]),  # 0.5000005: a tie
    (7, {**ASYMMETRIC, "nearest_mode": "floor"}, 1.1, None, [0, 1, 2, 3, 4, 5, 6]),  # 7 outputs: a copy
]


@pytest.mark.parametrize("n, attrs, scale, size, want", READS)
def test_a_nearest_resize_reads_what_onnxruntime_reads(n, attrs, scale, size, want):
    assert _read(_nearest(n, attrs, scale, size), n) == [want]


def test_an_opset_10_resize_computes_its_coordinates_in_float32_too():
    """Resize-10 (Upsample's asymmetric coordinates, floor rounding) by 1.2: 6 / 1.2 reads input 5, not 4"""
    assert _read(_nearest(10, {}, 1.2, opset=10), 10) == [[0, 0, 1, 2, 3, 4, 5, 5, 6, 7, 8, 9]]


def test_tf_half_pixel_for_nn_keeps_the_axes_at_scale_1():
    """(i + 0.5) / 1 rounded up would read the next channel; onnxruntime keeps an axis at scale 1 as it is"""
    model = _nearest(4, {"coordinate_transformation_mode": "tf_half_pixel_for_nn", "nearest_mode": "round_prefer_ceil"},
                     1.5, channels=3)
    assert _read(model, 4, channels=3) == [[0, 1, 2, 2, 3, 3], [4, 5, 6, 6, 7, 7], [8, 9, 10, 10, 11, 11]]


def test_nearest_resizes_match_onnxruntime_over_a_grid():
    """every coordinate mode, floor and ceil (rounding whose ties no onnxruntime version treats otherwise), by scales
    and by sizes; where onnxruntime's float32 output size (0.7f x 10 = 7) differs from the spec's (6), not compared"""
    ort = pytest.importorskip("onnxruntime")
    modes = ["asymmetric", "half_pixel", "pytorch_half_pixel", "align_corners", "tf_half_pixel_for_nn",
             "half_pixel_symmetric"]
    compared = 0
    for n, mode, rounding, (scale, size) in itertools.product(
            (7, 10, 13), modes, ("floor", "ceil"),
            [(s, None) for s in (0.3, 0.6, 0.8, 1.2, 1.7, 2.4, 2.9)] + [(None, m) for m in (1, 4, 6, 9, 17, 23)]):
        model = _nearest(n, {"coordinate_transformation_mode": mode, "nearest_mode": rounding}, scale, size)
        x = np.arange(n, dtype=np.float32).reshape(1, 1, 1, n)
        want = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"]).run(
            None, {"x": x})[0]
        got = network_from_onnx(model).forward(x.astype(np.float64))
        if got.shape == want.shape:
            np.testing.assert_array_equal(got, want, err_msg=f"n={n} {mode} {rounding} scale {scale} size {size}")
            compared += 1
    assert compared >= 450


def test_from_torch_imports_nearest_resizes_by_non_dyadic_scales():
    """F.interpolate(scale_factor=0.6, nearest) on 10 values reads input 5 third (torch, onnxruntime): it had read
    4, and the import was refused as torch's exporter's fault"""
    torch = torch_or_skip()
    from cimsim.network.torch_import import from_torch

    for width, scale in [(10, 0.6), (20, 0.8), (20, 0.3), (20, 1.1)]:
        class Resize(torch.nn.Module):
            def forward(self, x):
                return torch.nn.functional.interpolate(x, scale_factor=(1.0, scale), mode="nearest")

        x = torch.arange(2 * width, dtype=torch.float32).reshape(2, 1, 1, width)
        network = from_torch(Resize(), x)
        np.testing.assert_array_equal(network.forward(x.double().numpy()), Resize()(x).numpy())


def test_a_batch_norm_of_the_batch_statistics_is_refused_saying_why():
    """BatchNormalization in training mode with its mean and variance computed from the activation (torch's
    export of track_running_stats=False, even in eval mode): refused naming the node and the way out"""
    nodes = [helper.make_node("ReduceMean", ["x"], ["m"], axes=[0, 2, 3], keepdims=0),
             helper.make_node("Sub", ["x", "m4"], ["d"]), helper.make_node("Mul", ["d", "d"], ["d2"]),
             helper.make_node("ReduceMean", ["d2"], ["v"], axes=[0, 2, 3], keepdims=0),
             helper.make_node("BatchNormalization", ["x", "g", "b", "m", "v"], ["y"], name="bn", training_mode=1)]
    nodes.insert(1, helper.make_node("ReduceMean", ["x"], ["m4"], axes=[0, 2, 3], keepdims=1))
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TP.FLOAT, ["N", 3, 4, 4])],
                              [helper.make_tensor_value_info("y", TP.FLOAT, None)],
                              [numpy_helper.from_array(np.ones(3, np.float32), "g"),
                               numpy_helper.from_array(np.zeros(3, np.float32), "b")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 15)])
    model.ir_version = 8
    with pytest.raises(ValueError, match=r"node 'bn' \(BatchNormalization\): BatchNormalization by the statistics of "
                                         r"the batch .*track_running_stats=False.*InstanceNorm") as caught:
        network_from_onnx(model)
    assert "export it in eval mode" not in str(caught.value)


def test_from_torch_says_why_a_batch_norm_without_running_statistics_is_refused():
    torch = torch_or_skip()
    from cimsim.network.torch_import import from_torch

    model = torch.nn.Sequential(torch.nn.Conv2d(4, 6, 3), torch.nn.BatchNorm2d(6, track_running_stats=False)).eval()
    with pytest.raises(ValueError, match=r"'/1/BatchNormalization'.*track_running_stats=False\) normalises so even "
                                         r"in eval mode\. Give it running statistics"):
        from_torch(model, torch.randn(2, 4, 9, 9))
