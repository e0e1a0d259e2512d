"""Operators' older forms, as small hand-built ONNX graphs against a hand numpy computation (onnxruntime and onnx's
reference evaluator lack the old opsets) or onnxruntime: the legacy broadcast of Add, Sub, Mul and Div before opset 7
(broadcast = 1 lines the second operand up at ``axis``; without it the shapes must be equal), Concat's default axis
before opset 4, Pad's ``paddings`` at opset 1, ImageScaler, LSTM's HardSigmoid activations and batch-first layout;
and the refusals that name what to do (unnamed nodes by their output, sparse initializers, MeanVarianceNormalization
before opset 9, an input without a shape)."""

from __future__ import annotations

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
helper, numpy_helper, TensorProto = onnx.helper, onnx.numpy_helper, onnx.TensorProto

from cimsim.network.onnx_import import network_from_onnx  # noqa: E402

RNG = np.random.default_rng(56)
_NUMPY = {"Add": np.add, "Sub": np.subtract, "Mul": np.multiply, "Div": np.divide}


def _model(nodes: list, shape, consts: dict | None = None, opset: int = 6, sparse=()):
    """a graph of input x (``shape``, batch first; None: no shape) and output y"""
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, shape)],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
                              [numpy_helper.from_array(np.asarray(v), k) for k, v in (consts or {}).items()],
                              sparse_initializer=list(sparse))
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 7
    return model


def _forward(model, x: np.ndarray) -> np.ndarray:
    return network_from_onnx(model).forward(x.astype(np.float64))


@pytest.mark.parametrize("op", sorted(_NUMPY))
def test_a_legacy_broadcast_lines_the_constant_up_at_its_axis(op):
    """opset 6, broadcast = 1, axis = 2: c (4,) along axis 2 of x (2, 3, 4, 4), not numpy's trailing axis"""
    c = np.array([1.0, 2.0, 3.0, 4.0], np.float32)
    x = RNG.standard_normal((2, 3, 4, 4)).astype(np.float32)
    model = _model([helper.make_node(op, ["x", "c"], ["y"], broadcast=1, axis=2)], [2, 3, 4, 4], {"c": c})
    np.testing.assert_allclose(_forward(model, x), _NUMPY[op](x, c[None, None, :, None]), rtol=1e-6)


def test_a_legacy_broadcast_without_axis_matches_the_trailing_axes():
    c = RNG.standard_normal((4, 4)).astype(np.float32)
    x = RNG.standard_normal((2, 3, 4, 4)).astype(np.float32)
    model = _model([helper.make_node("Sub", ["x", "c"], ["y"], broadcast=1)], [2, 3, 4, 4], {"c": c})
    np.testing.assert_allclose(_forward(model, x), x - c, rtol=1e-6)


def test_a_legacy_broadcast_of_an_activation_at_axis_0():
    """an old squeeze-excite: x (2, 3, 4, 4) times its per-channel means (2, 3), broadcast = 1, axis = 0"""
    nodes = [helper.make_node("GlobalAveragePool", ["x"], ["pooled"]), helper.make_node("Flatten", ["pooled"], ["s"]),
             helper.make_node("Mul", ["x", "s"], ["y"], broadcast=1, axis=0)]
    x = RNG.standard_normal((2, 3, 4, 4)).astype(np.float32)
    np.testing.assert_allclose(_forward(_model(nodes, [2, 3, 4, 4]), x), x * x.mean(axis=(2, 3), keepdims=True),
                               rtol=1e-6)


def test_a_legacy_broadcast_of_constants_is_folded_the_same_way():
    """c1 (3, 4) + c2 (3,) at axis 0, folded at import, then added to x (2, 3, 4) at axis 1"""
    c1, c2 = RNG.standard_normal((3, 4)).astype(np.float32), np.array([10.0, 20.0, 30.0], np.float32)
    nodes = [helper.make_node("Add", ["c1", "c2"], ["c"], broadcast=1, axis=0),
             helper.make_node("Add", ["x", "c"], ["y"], broadcast=1, axis=1)]
    x = RNG.standard_normal((2, 3, 4)).astype(np.float32)
    np.testing.assert_allclose(_forward(_model(nodes, [2, 3, 4], {"c1": c1, "c2": c2}), x), x + c1 + c2[:, None],
                               rtol=1e-6)


def test_a_legacy_operand_of_another_shape_without_broadcast_is_refused():
    model = _model([helper.make_node("Add", ["x", "c"], ["y"], name="bias")], [2, 3, 4, 4],
                   {"c": np.ones(4, np.float32)})
    with pytest.raises(ValueError, match=r"node 'bias' \(Add\).*broadcast=1"):
        network_from_onnx(model)


def test_a_legacy_broadcast_that_does_not_fit_at_its_axis_is_refused():
    model = _model([helper.make_node("Add", ["x", "c"], ["y"], broadcast=1, axis=1)], [2, 3, 4, 4],
                   {"c": np.ones(4, np.float32)})
    with pytest.raises(ValueError, match=r"axis 1"):
        network_from_onnx(model)


def test_an_unnamed_node_is_named_by_its_output():
    nodes = [helper.make_node("Relu", ["x"], ["r"]), helper.make_node("Foo", ["r"], ["y2"]),
             helper.make_node("Relu", ["y2"], ["y"])]
    with pytest.raises(ValueError, match=r"node \(unnamed, output 'y2'\) \(Foo\)"):
        network_from_onnx(_model(nodes, [2, 3], opset=13))


def test_an_unnamed_node_of_a_branch_is_named_by_its_output():
    then = helper.make_graph([helper.make_node("Foo", ["x"], ["inner"])], "then", [],
                             [helper.make_tensor_value_info("inner", TensorProto.FLOAT, None)])
    nodes = [helper.make_node("If", ["cond"], ["y"], then_branch=then, else_branch=then)]
    with pytest.raises(ValueError, match=r"branch node \(unnamed, output 'inner'\) \(Foo\)"):
        network_from_onnx(_model(nodes, [2, 3], {"cond": np.array(True)}, opset=13))


def test_concat_before_opset_4_joins_along_axis_1():
    x = RNG.standard_normal((2, 3, 2)).astype(np.float32)
    model = _model([helper.make_node("Concat", ["x", "x"], ["y"])], [2, 3, 2], opset=3)
    np.testing.assert_array_equal(_forward(model, x), np.concatenate([x, x], axis=1))


def test_pad_at_opset_1_reads_paddings():
    x = RNG.standard_normal((2, 3)).astype(np.float32)
    model = _model([helper.make_node("Pad", ["x"], ["y"], paddings=[0, 1, 0, 2], value=1.5)], [2, 3], opset=1)
    np.testing.assert_array_equal(_forward(model, x), np.pad(x, ((0, 0), (1, 2)), constant_values=1.5))


def test_image_scaler_scales_and_shifts_each_channel():
    x = RNG.standard_normal((2, 3, 4, 4)).astype(np.float32)
    model = _model([helper.make_node("ImageScaler", ["x"], ["y"], bias=[1.0, 2.0, 3.0], scale=0.5)], [2, 3, 4, 4],
                   opset=7)
    np.testing.assert_allclose(_forward(model, x), 0.5 * x + np.array([1.0, 2.0, 3.0])[:, None, None], rtol=1e-6)


def test_a_sparse_initializer_is_refused_saying_to_densify_it():
    sparse = helper.make_sparse_tensor(helper.make_tensor("c", TensorProto.FLOAT, [2], [5.0, 7.0]),
                                       helper.make_tensor("ci", TensorProto.INT64, [2], [0, 2]), [3])
    model = _model([helper.make_node("Add", ["x", "c"], ["y"])], [2, 3], opset=13, sparse=[sparse])
    with pytest.raises(ValueError, match=r"sparse initializer 'c' is not supported.*dense"):
        network_from_onnx(model)


def test_mean_variance_normalization_before_opset_9_is_refused_naming_the_opset():
    model = _model([helper.make_node("MeanVarianceNormalization", ["x"], ["y"])], [2, 3, 4, 4], opset=8)
    with pytest.raises(ValueError, match=r"MeanVarianceNormalization is supported from opset 9"):
        network_from_onnx(model)


def test_an_input_without_a_shape_is_refused_saying_so():
    with pytest.raises(ValueError, match=r"input 'x' has no shape"):
        network_from_onnx(_model([helper.make_node("Relu", ["x"], ["y"])], None, opset=13))


def _lstm(batch: int, layout: int = 0, **attrs):
    """an LSTM of input x (batch, 5, 3), hidden 4, its Y (layout 1: batch first) the output; layout 0 between
    transposes"""
    hidden, consts = 4, {"W": RNG.standard_normal((1, 16, 3)).astype(np.float32) * 0.5,
                         "R": RNG.standard_normal((1, 16, 4)).astype(np.float32) * 0.5,
                         "B": RNG.standard_normal((1, 32)).astype(np.float32) * 0.5,
                         "h0": RNG.standard_normal((batch, 1, 4) if layout else (1, batch, 4)).astype(np.float32)}
    inner = ["x", "W", "R", "B", "", "h0"]
    if not layout:
        inner[0] = "seq"
    nodes = [helper.make_node("LSTM", inner, ["all" if layout else "Y"], hidden_size=hidden, layout=layout, **attrs)]
    if layout:
        nodes.append(helper.make_node("Reshape", ["all", "flat"], ["y"]))
        consts["flat"] = np.array([batch, 5, 4], np.int64)
    else:
        nodes = [helper.make_node("Transpose", ["x"], ["seq"], perm=[1, 0, 2]), *nodes,
                 helper.make_node("Transpose", ["Y"], ["y"], perm=[2, 0, 1, 3])]
    return _model(nodes, [batch, 5, 3], consts, opset=14)


def _matches_onnxruntime(model, x: np.ndarray) -> None:
    ort = pytest.importorskip("onnxruntime")
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    want = session.run(None, {"x": x})[0]
    got = _forward(model, x)
    np.testing.assert_allclose(got.reshape(want.shape), want, rtol=1e-5, atol=1e-6)


def test_a_batch_first_lstm_matches_the_reference_evaluator():
    """layout 1 (onnxruntime refuses it), its initial state (batch, directions, hidden)"""
    from onnx.reference import ReferenceEvaluator

    model, x = _lstm(1, layout=1), RNG.standard_normal((1, 5, 3)).astype(np.float32)
    want = ReferenceEvaluator(model).run(None, {"x": x})[0]
    np.testing.assert_allclose(_forward(model, x), want, rtol=1e-5, atol=1e-6)


def test_a_batch_first_lstm_of_several_samples_is_refused_saying_to_export_one():
    """layout 1 is supported: the refusal's advice (export at batch 1) then holds"""
    with pytest.raises(ValueError, match=r"export it again with one sample"):
        network_from_onnx(_lstm(2, layout=1))


@pytest.mark.parametrize("attrs", [{}, {"activation_alpha": [0.3], "activation_beta": [0.4]}])
def test_an_lstm_with_hard_sigmoid_gates_matches_onnxruntime(attrs):
    """Keras' recurrent_activation: HardSigmoid f, Tanh g and h (alpha 0.2, beta 0.5 unless given)"""
    model = _lstm(1, activations=["HardSigmoid", "Tanh", "Tanh"], **attrs)
    _matches_onnxruntime(model, RNG.standard_normal((1, 5, 3)).astype(np.float32) * 3)


def test_a_prelu_slope_per_channel_before_opset_7_applies_along_the_channels():
    """PRelu-6's slope of C values is per channel (axis 1 of NCHW); numpy's broadcasting had put it on the last axis
    (silently, where the width equals C)"""
    x = np.random.default_rng(7).standard_normal((2, 3, 4, 3)).astype(np.float32)
    slope = np.array([0.1, 0.2, 0.3], dtype=np.float32)
    graph = helper.make_graph([helper.make_node("PRelu", ["x", "s"], ["y"])], "g",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, list(x.shape))],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
                              [numpy_helper.from_array(slope, "s")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 6)])
    want = np.where(x > 0, x, x * slope[None, :, None, None])
    assert np.abs(network_from_onnx(model).forward(x.astype(np.float64)) - want).max() < 1e-6
