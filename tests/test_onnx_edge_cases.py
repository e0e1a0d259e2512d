"""Graphs at the edges of what ONNX allows, against onnx's reference evaluator (or refused, naming the node): the
batch size read as a value, blocked and 4-bit quantisation, reductions over no axes or an axis named twice,
constant indices out of range, training-mode dropout, weights in an external file not loaded, an unsupported second
output read by a later node, older opsets' forms of TopK, Reshape and Resize, a max pool's windows of -inf padding
only, Slice bounds at the int64 limits, and MatMul by one matrix with leading axes of 1."""

from __future__ import annotations

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
helper, numpy_helper, TP = onnx.helper, onnx.numpy_helper, onnx.TensorProto
from onnx.reference import ReferenceEvaluator  # noqa: E402

from cimsim.network import load_network  # noqa: E402
from cimsim.network.onnx_import import network_from_onnx  # noqa: E402

RNG = np.random.default_rng(3)


def _model(nodes, in_shape, consts=None, opset=17, extra=()):
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TP.FLOAT, in_shape)],
                              [helper.make_tensor_value_info("y", TP.FLOAT, None)],
                              [numpy_helper.from_array(np.asarray(v), k) for k, v in (consts or {}).items()]
                              + list(extra))
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 10
    return model


def _matches_reference(model, x, atol=1e-5, runtime=False):
    """the network of ``model`` computes onnx's reference evaluator's values (``runtime``: onnxruntime's)"""
    if runtime:
        session = pytest.importorskip("onnxruntime").InferenceSession(model.SerializeToString(),
                                                                      providers=["CPUExecutionProvider"])
        want = session.run(None, {"x": x.astype(np.float32)})[0]
    else:
        want = ReferenceEvaluator(model).run(None, {"x": x.astype(np.float32)})[0]
    got = network_from_onnx(model).forward(x.astype(np.float64))
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=atol)


def _batch_size_read(use: str) -> list:
    """x's batch size N read through Shape, then x / N (a value) or x reshaped to (N, -1) (a shape)"""
    nodes = [helper.make_node("Shape", ["x"], ["s"], name="shape_x"), helper.make_node("Gather", ["s", "zero"], ["n"]),
             helper.make_node("Unsqueeze", ["n", "zero1"], ["n1"])]
    if use == "value":
        return nodes + [helper.make_node("Cast", ["n1"], ["nf"], to=TP.FLOAT), helper.make_node("Div", ["x", "nf"],
                                                                                                ["y"])]
    return nodes + [helper.make_node("Concat", ["n1", "minus1"], ["target"], axis=0),
                    helper.make_node("Reshape", ["x", "target"], ["y"])]


def test_the_batch_size_read_as_a_value_is_refused_and_as_a_shape_is_not():
    consts = {"zero": np.array(0, np.int64), "zero1": np.array([0], np.int64), "minus1": np.array([-1], np.int64)}
    with pytest.raises(ValueError, match=r"Div reads 'nf'.*batch size.*'shape_x'.*as a value"):
        network_from_onnx(_model(_batch_size_read("value"), ["N", 3, 2], consts))
    x = RNG.standard_normal((2, 3, 2))
    _matches_reference(_model(_batch_size_read("shape"), ["N", 3, 2], consts), x)
    _matches_reference(_model(_batch_size_read("value"), [2, 3, 2], consts), x)  # a fixed batch: its value


def test_blocked_quantisation_output_types_and_four_bit_zero_points_match_the_reference():
    q = RNG.integers(-100, 100, size=(8, 6)).astype(np.int8)
    scales = (RNG.random((3, 6)) * 0.1 + 0.01).astype(np.float32)  # blocks of 3 rows (the last one of 2)
    nodes = [helper.make_node("DequantizeLinear", ["w", "s"], ["wf"], axis=0, block_size=3),
             helper.make_node("MatMul", ["x", "wf"], ["y"])]
    _matches_reference(_model(nodes, [2, 8], {"w": q, "s": scales}, opset=21), RNG.standard_normal((2, 8)))
    blocked = [helper.make_node("QuantizeLinear", ["x", "s"], ["q"], axis=2, block_size=2, output_dtype=TP.INT8),
               helper.make_node("DequantizeLinear", ["q", "s"], ["y"], axis=2, block_size=2)]
    x = RNG.standard_normal((1, 3, 4)) * 4
    _matches_reference(_model(blocked, [1, 3, 4], {"s": np.full((1, 3, 2), 0.05, np.float32)}, opset=21), x)
    for zero_type in (TP.INT4, TP.UINT4):
        qdq = [helper.make_node("QuantizeLinear", ["x", "s", "z"], ["q"]),
               helper.make_node("DequantizeLinear", ["q", "s", "z"], ["y"])]
        zero = helper.make_tensor("z", zero_type, [], [1])
        _matches_reference(_model(qdq, [1, 6], {"s": np.array(0.5, np.float32)}, opset=21, extra=[zero]),
                           np.array([[-9.0, -3.0, -0.4, 0.5, 2.0, 9.0]]))
    fp8 = [helper.make_node("QuantizeLinear", ["x", "s"], ["q"], output_dtype=TP.FLOAT8E4M3FN),
           helper.make_node("DequantizeLinear", ["q", "s"], ["y"])]
    with pytest.raises(ValueError, match=r"QuantizeLinear.*float8e4m3fn.*not supported"):
        network_from_onnx(_model(fp8, [1, 4], {"s": np.array(0.5, np.float32)}, opset=21))


@pytest.mark.parametrize("op", ["ReduceL1", "ReduceL2", "ReduceSumSquare", "ReduceLogSum", "ReduceLogSumExp",
                                "ReduceSum", "ReduceMax"])
def test_reductions_over_no_axes_and_over_an_axis_named_twice_match_the_reference(op):
    x = RNG.random((2, 3, 4)) + 0.5
    _matches_reference(_model([helper.make_node(op, ["x"], ["y"], noop_with_empty_axes=1)], [2, 3, 4], opset=18), x)
    twice = [helper.make_node(op, ["x", "axes"], ["y"], keepdims=0)]  # counted once, as onnxruntime
    _matches_reference(_model(twice, [2, 3, 4], {"axes": np.array([1, -2, 2], np.int64)}, opset=18), x, runtime=True)


def test_constant_indices_out_of_range_are_refused_naming_the_node():
    gather = [helper.make_node("Gather", ["x", "i"], ["y"], axis=1, name="pick")]
    with pytest.raises(ValueError, match=r"'pick' \(Gather\).*\[-9, 2\].*outside \[-2, 1\]"):
        network_from_onnx(_model(gather, [1, 2], {"i": np.array([1, 2, -9], np.int64)}))
    scatter = [helper.make_node("Slice", ["x", "s", "e", "a"], ["u"]),
               helper.make_node("ScatterElements", ["x", "i", "u"], ["y"], axis=2, name="put")]
    consts = {"s": np.array([0]), "e": np.array([1]), "a": np.array([2]), "i": np.full((1, 3, 1), 4, np.int64)}
    with pytest.raises(ValueError, match=r"'put' \(ScatterElements\).*\[4\] are outside \[-4, 3\]"):
        network_from_onnx(_model(scatter, [1, 3, 4], consts, opset=16))
    _matches_reference(_model(gather, [1, 2], {"i": np.array([1, -2, -1], np.int64)}), np.array([[1.0, 2.0]]))


def test_dropout_in_training_mode_is_refused_and_in_eval_mode_is_its_input():
    def dropout(training: bool):
        node = helper.make_node("Dropout", ["x", "r", "t"], ["y"], name="drop")
        return _model([node], [1, 8], {"r": np.array(0.5, np.float32), "t": np.array(training)}, opset=13)

    with pytest.raises(ValueError, match=r"'drop' \(Dropout\).*training mode"):
        network_from_onnx(dropout(True))
    np.testing.assert_array_equal(network_from_onnx(dropout(False)).forward(np.ones((2, 8))), 1.0)


def test_weights_in_an_external_file_not_loaded_are_named(tmp_path):
    model = _model([helper.make_node("MatMul", ["x", "w"], ["y"])], [1, 4], {"w": np.ones((4, 4), np.float32)})
    onnx.save_model(model, tmp_path / "m.onnx", save_as_external_data=True, location="w.bin", size_threshold=0)
    with pytest.raises(ValueError, match=r"tensor 'w'.*external data file 'w.bin'.*not loaded"):
        network_from_onnx(onnx.load(tmp_path / "m.onnx", load_external_data=False))


def test_a_model_that_is_no_model_proto_is_named(tmp_path):
    """a path had failed as "'str' object has no attribute 'graph'" (probe, 2026-12-07)"""
    model = _model([helper.make_node("MatMul", ["x", "w"], ["y"])], [1, 4], {"w": np.ones((4, 4), np.float32)})
    onnx.save_model(model, tmp_path / "m.onnx")
    for given in (str(tmp_path / "m.onnx"), tmp_path / "m.onnx", model.SerializeToString(), None):
        with pytest.raises(TypeError, match=rf"ONNX model must be an onnx.ModelProto; got {type(given).__name__}: a "
                                            r"file goes through cimsim.network.load_network\(path\)"):
            network_from_onnx(given)
    want = network_from_onnx(model).forward(np.ones((2, 4)))  # the two the message names exist and read the file
    np.testing.assert_array_equal(network_from_onnx(onnx.load_from_string(model.SerializeToString())).forward(
        np.ones((2, 4))), want)
    np.testing.assert_array_equal(load_network(tmp_path / "m.onnx").forward(np.ones((2, 4))), want)


@pytest.mark.parametrize("producer, output", [
    (helper.make_node("MaxPool", ["x"], ["p", "read"], kernel_shape=[2, 2], name="pool"), "Indices"),
    (helper.make_node("Dropout", ["x"], ["d", "read"], name="pool"), "mask"),
    (helper.make_node("LayerNormalization", ["x", "ones"], ["n", "read", "inv"], name="pool"), "Mean")])
def test_an_unsupported_second_output_read_later_names_its_node(producer, output):
    nodes = [producer, helper.make_node("Cast", ["read"], ["y"], to=TP.FLOAT, name="reader")]
    with pytest.raises(ValueError, match=rf"'pool' \({producer.op_type}\): its output 1 \({output}, 'read'\) is "
                                         r"not supported.*'reader' \(Cast\) reads it"):
        network_from_onnx(_model(nodes, [1, 3, 4, 6], {"ones": np.ones(6, np.float32)}))


def test_older_opsets_forms_of_top_k_reshape_and_resize():
    x = RNG.standard_normal((2, 3, 4, 6))
    top = [helper.make_node("TopK", ["x"], ["y", "i"], axis=-1, k=2)]
    np.testing.assert_allclose(network_from_onnx(_model(top, [2, 3, 4, 6], opset=1)).forward(x),
                               -np.sort(-x, axis=-1)[..., :2])
    reshape = [helper.make_node("Reshape", ["x"], ["y"], shape=[2, 12, 6])]
    np.testing.assert_allclose(network_from_onnx(_model(reshape, [2, 3, 4, 6], opset=4)).forward(x),
                               x.reshape(2, 12, 6))
    for mode, scales in (("nearest", [1, 1, 2, 1.5]), ("linear", [1, 1, 0.5, 2]), ("nearest", [1, 1, 0.5, 0.75])):
        model = _model([helper.make_node("Resize", ["x", "s"], ["y"], mode=mode)], [2, 3, 4, 6],
                       {"s": np.array(scales, np.float32)}, opset=10)
        _matches_reference(model, x, runtime=True)  # onnxruntime's rounding where nearest shrinks an axis


@pytest.mark.parametrize("pads, ceil_mode", [((0, 2), 1), ((3, 1), 0)])
def test_a_max_pool_reading_a_minus_inf_pad_keeps_its_windows_of_padding_only(pads, ceil_mode):
    """timm's "same" max pool (a Pad of -inf, then MaxPool): the -inf values count as input, so a window of them
    only (ceil_mode's last, starting in them; a first one inside a wide begin pad) gives -inf, as onnxruntime's"""
    nodes = [helper.make_node("Pad", ["x", "p", "v"], ["q"]),
             helper.make_node("MaxPool", ["q"], ["y"], kernel_shape=[1, 3], strides=[1, 2], ceil_mode=ceil_mode)]
    consts = {"p": np.array([0, 0, 0, pads[0], 0, 0, 0, pads[1]], np.int64), "v": np.array(-np.inf, np.float32)}
    model, x = _model(nodes, [2, 1, 1, 6], consts, opset=13), RNG.standard_normal((2, 1, 1, 6)).astype(np.float32)
    session = pytest.importorskip("onnxruntime").InferenceSession(model.SerializeToString(),
                                                                  providers=["CPUExecutionProvider"])
    want = session.run(None, {"x": x})[0]
    want = np.where(want <= np.finfo(np.float32).min, -np.inf, want)  # onnxruntime's max of no value: float32's lowest
    assert want.shape == (2, 1, 1, 4) and np.isneginf(want).sum() == 2
    np.testing.assert_allclose(network_from_onnx(model).forward(x.astype(np.float64)), want, rtol=1e-6)


@pytest.mark.parametrize("start, end, step", [(-2**63, -2**63, 1), (-1, -2**63, 1), (-2**63, 2**63 - 1, -1),
                                              (2**63 - 1, -2**63, -1), (-2**31 - 5, 2**31 - 1, 1)])
def test_slice_bounds_at_the_int64_limits_are_clamped_by_the_steps_sign(start, end, step):
    """ONNX clamps start to [0, size] ([0, size - 1] for a negative step) and end to [0, size] ([-1, size - 1]);
    onnxruntime reads an end of INT64_MAX to the last value in the step's direction. A slice left empty is joined to
    x (Concat drops it)."""
    nodes = [helper.make_node("Slice", ["x", "s", "e", "a", "t"], ["z"]),
             helper.make_node("Concat", ["z", "x"], ["y"], axis=-1)]
    consts = {k: np.array([v], np.int64) for k, v in (("s", start), ("e", end), ("a", -1), ("t", step))}
    _matches_reference(_model(nodes, [2, 3, 4], consts), RNG.standard_normal((2, 3, 4)), runtime=True)


def test_matmul_by_one_matrix_with_leading_axes_of_one_is_a_dense():
    """(N, 3, 2, 4) @ (1, 4, 5): the constant's leading 1s broadcast, so it is the one (4, 5) matrix"""
    w = RNG.standard_normal((1, 4, 5)).astype(np.float32)
    model = _model([helper.make_node("MatMul", ["x", "w"], ["y"])], [2, 3, 2, 4], {"w": w})
    assert [layer.kind for layer in network_from_onnx(model).layers] == ["dense"]
    _matches_reference(model, RNG.standard_normal((2, 3, 2, 4)), runtime=True)


def test_a_symbolic_batch_cropped_by_a_slice_is_refused():
    """x[0:2] of a graph whose batch is 'N': imported with its batch as an axis of 1, checked on two samples, where
    it crops nothing, it had run a batch of 3 as 3 (onnxruntime: 2); the check's three samples refuse it"""
    consts = {"s": np.array([0, 1, 2], np.int64), "e": np.array([2, 5, 6], np.int64)}
    with pytest.raises(ValueError, match="on a batch of 3 the graph computes other values.*or crop the batch"):
        network_from_onnx(_model([helper.make_node("Slice", ["x", "s", "e"], ["y"])], ["N", 6, 7], consts, 13))


def test_an_initializer_whose_data_do_not_make_its_shape_is_named():
    """47 values for a (6, 8) weight (a file cut short) had raised numpy's bare 'cannot reshape array of size 47'"""
    weight = numpy_helper.from_array(np.ones((6, 8), np.float32), "W")
    weight.raw_data = weight.raw_data[:-4]
    model = _model([helper.make_node("MatMul", ["x", "W"], ["y"])], [1, 6], extra=[weight])
    with pytest.raises(ValueError, match=r"initializer 'W' of shape \(6, 8\) cannot be read: .*size 47"):
        network_from_onnx(model)


@pytest.mark.parametrize("mix", [False, True])
def test_token_ids_of_a_two_row_table_check_a_symbolic_batch(mix):
    """ids 0, 1 and 2 as the three samples fell outside a two-row table (a token-type embedding): the batch run
    failed, one sample was checked alone, and a softmax over the batch imported as each sample's own"""
    rng = np.random.default_rng(0)
    nodes = [helper.make_node("Gather", ["E", "x"], ["e"], axis=0),
             helper.make_node("Transpose", ["e"], ["t"], perm=[1, 0, 2])]
    nodes += [helper.make_node("Softmax", ["t"], ["s"], axis=1)] if mix else []
    nodes += [helper.make_node("Transpose", ["s" if mix else "t"], ["b"], perm=[1, 0, 2]),
              helper.make_node("MatMul", ["b", "W"], ["y"])]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TP.INT64, ["N", 1])],
                              [helper.make_tensor_value_info("y", TP.FLOAT, None)],
                              [numpy_helper.from_array(rng.standard_normal((2, 4)).astype(np.float32), "E"),
                               numpy_helper.from_array(rng.standard_normal((4, 3)).astype(np.float32), "W")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 10
    if mix:
        with pytest.raises(ValueError, match="on a batch of 3 the graph computes other values"):
            network_from_onnx(model)
    else:
        assert network_from_onnx(model).forward(np.array([[1.0], [0.0]])).shape == (2, 1, 3)
