"""Nodes of constants folded at import with the meaning their opset and attributes give (probe of 2026-12-07: each
of these had given other values than onnxruntime, silently, or been refused): Softmax, LogSoftmax and Hardmax
before opset 13 (over the axes from ``axis``, default 1, as one), ScatterElements' mul / max / min reductions,
Shape's start and end, an integer ReduceMean (truncated), Max of three inputs. Expected values by hand."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
helper, numpy_helper, TensorProto = onnx.helper, onnx.numpy_helper, onnx.TensorProto

from cimsim.network.onnx_import import network_from_onnx  # noqa: E402

RNG = np.random.default_rng(3)


def _folded(nodes: list, consts: dict, opset: int) -> np.ndarray:
    """the constant 'c' the nodes compute, read back as y = x + c at x = 0"""
    shape = np.shape(_folded.expected)
    graph = helper.make_graph(nodes + [helper.make_node("Add", ["x", "c"], ["y"])], "g",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", *shape])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
                              [numpy_helper.from_array(v, k) for k, v in consts.items()])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return network_from_onnx(model).forward(np.zeros((1, *shape)))[0]


def _softmax_rows(a: np.ndarray, axis: int) -> np.ndarray:
    rows = a.reshape(a.shape[:axis] + (-1,))
    e = np.exp(rows - rows.max(-1, keepdims=True))
    return (e / e.sum(-1, keepdims=True)).reshape(a.shape)


@pytest.mark.parametrize("op", ["Softmax", "LogSoftmax", "Hardmax"])
@pytest.mark.parametrize("axis", [None, 0, 2])
def test_a_softmax_of_constants_before_opset_13_runs_over_the_axes_from_its_axis(op, axis):
    a = RNG.standard_normal((2, 3, 4)).astype(np.float32)
    soft = _softmax_rows(a.astype(np.float64), 1 if axis is None else axis)
    rows = a.reshape(a.shape[:1 if axis is None else axis] + (-1,))
    hard = (np.arange(rows.shape[-1]) == rows.argmax(-1)[..., None]).reshape(a.shape).astype(float)
    _folded.expected = {"Softmax": soft, "LogSoftmax": np.log(soft), "Hardmax": hard}[op]
    node = helper.make_node(op, ["a"], ["c"], **({} if axis is None else {"axis": axis}))
    assert _folded([node], {"a": a}, 11) == pytest.approx(_folded.expected, abs=1e-6)


@pytest.mark.parametrize("reduction, combine", [("mul", np.multiply), ("max", np.maximum), ("min", np.minimum)])
def test_scatter_elements_of_constants_applies_its_reduction(reduction, combine):
    a = RNG.standard_normal((3, 4)).astype(np.float32)
    index, updates = np.array([[0, 3], [1, 1]]), np.array([[5.0, -5.0], [0.5, -7.0]], np.float32)
    expected = a.astype(np.float64).copy()
    for (r, k), u in zip(np.ndindex(index.shape), updates.ravel()):
        expected[r, index[r, k]] = combine(expected[r, index[r, k]], u)
    _folded.expected = expected
    node = helper.make_node("ScatterElements", ["a", "i", "u"], ["c"], axis=1, reduction=reduction)
    assert _folded([node], {"a": a, "i": index, "u": updates}, 18) == pytest.approx(expected, abs=1e-6)


def test_shape_ranges_integer_means_and_three_way_maxima_of_constants():
    a = np.zeros((2, 5, 4), np.float32)
    _folded.expected = np.full(3, 20.0)  # the product of Shape(a, start=1): 5 x 4 (it had been 40)
    nodes = [helper.make_node("Shape", ["a"], ["s"], start=1), helper.make_node("ReduceProd", ["s"], ["p"]),
             helper.make_node("Cast", ["p"], ["q"], to=TensorProto.FLOAT),
             helper.make_node("Expand", ["q", "n"], ["c"])]
    assert list(_folded(nodes, {"a": a, "n": np.array([3])}, 15)) == [20.0] * 3
    _folded.expected = np.array([1.0, 2.0])  # int64 means (3 / 2, 5 / 2) truncated (they had been 1.5, 2.5)
    nodes = [helper.make_node("ReduceMean", ["m"], ["r"], axes=[1], keepdims=0),
             helper.make_node("Cast", ["r"], ["c"], to=TensorProto.FLOAT)]
    assert list(_folded(nodes, {"m": np.array([[1, 2], [2, 3]], np.int64)}, 13)) == [1.0, 2.0]
    b, c, d = (RNG.standard_normal(4).astype(np.float32) for _ in range(3))
    _folded.expected = np.maximum(np.maximum(b, c), d)  # three inputs (refused before: "read-only")
    assert _folded([helper.make_node("Max", ["b", "d1", "d2"], ["c"])], {"b": b, "d1": c, "d2": d}, 13) == \
        pytest.approx(_folded.expected, abs=1e-7)


def test_a_log_softmax_of_constants_is_finite_and_a_pow_keeps_its_integer_base():
    """(a review) log(softmax) had given -inf where a value's softmax underflows, which the layer's x - logsumexp
    does not; an int64 base to a float exponent had given floats (ONNX: the base's type)"""
    a = np.array([0.0, -200.0, 5.0], np.float32)
    _folded.expected = a - (5.0 + np.log1p(np.exp(-5.0) + np.exp(-205.0)))
    assert _folded([helper.make_node("LogSoftmax", ["a"], ["c"], axis=-1)], {"a": a}, 13) == \
        pytest.approx(_folded.expected, abs=1e-5)
    _folded.expected = np.array([1.0, 1.0, 2.0])  # int(sqrt(2, 3, 5))
    nodes = [helper.make_node("Pow", ["b", "e"], ["p"]), helper.make_node("Cast", ["p"], ["c"], to=TensorProto.FLOAT)]
    assert list(_folded(nodes, {"b": np.array([2, 3, 5], np.int64), "e": np.array(0.5, np.float32)}, 13)) == \
        [1.0, 1.0, 2.0]
