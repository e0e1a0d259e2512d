"""A graph whose input's batch is symbolic ("N") may run on many samples: a node that computes across the batch axis
or moves it (a softmax or mean over it, a transpose, pad, flatten or unsqueeze at it, a reshape putting another size
first, a constant of more axes broadcast against it) is refused naming the node, as at a fixed batch above 1 (the
import had taken it one sample at a time, as a graph exported at batch 1: other values or another layout than
onnxruntime's), unless onnx's reference evaluator on a batch of two shows the samples kept apart (a batch-first
LSTM's transposes). Graphs that keep the samples apart import and match onnxruntime at any batch."""

from __future__ import annotations

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
helper, numpy_helper, TP = onnx.helper, onnx.numpy_helper, onnx.TensorProto

from cimsim.network.onnx_import import network_from_onnx  # noqa: E402

RNG = np.random.default_rng(41)


def _model(node, batch, consts=None):
    graph = helper.make_graph([node], "g", [helper.make_tensor_value_info("x", TP.FLOAT, [batch, 3, 2])],
                              [helper.make_tensor_value_info("y", TP.FLOAT, None)],
                              [numpy_helper.from_array(np.asarray(v), k) for k, v in (consts or {}).items()])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)])
    model.ir_version = 9
    return model


def _runtime(model, x):
    ort = pytest.importorskip("onnxruntime")
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    return session.run(None, {"x": x.astype(np.float32)})[0]


ACROSS = {  # node (named "n"), constants, what the refusal says
    "softmax": (helper.make_node("Softmax", ["x"], ["y"], name="n", axis=0), {}, "axis 0 is the batch axis"),
    "mean": (helper.make_node("ReduceMean", ["x", "a"], ["y"], name="n"), {"a": np.array([0], np.int64)},
             "axis 0 is the batch axis"),
    "sum of all": (helper.make_node("ReduceSum", ["x"], ["y"], name="n"), {}, "reduces the batch axis"),
    "transpose": (helper.make_node("Transpose", ["x"], ["y"], name="n", perm=[1, 0, 2]), {},
                  "a transpose that moves the batch axis"),
    "pad": (helper.make_node("Pad", ["x", "p"], ["y"], name="n"), {"p": np.array([1, 0, 0, 0, 0, 0], np.int64)},
            "a pad of the batch axis"),
    "flatten": (helper.make_node("Flatten", ["x"], ["y"], name="n", axis=0), {},
                "a Flatten at axis 0 merges the batch axis"),
    "unsqueeze": (helper.make_node("Unsqueeze", ["x", "a"], ["y"], name="n"), {"a": np.array([0], np.int64)},
                  "an Unsqueeze at axis 0"),
    "reshape": (helper.make_node("Reshape", ["x", "s"], ["y"], name="n"), {"s": np.array([1, -1], np.int64)},
                r"a reshape to \[1, -1\] puts 1 on the batch axis"),
    "constant of more axes": (helper.make_node("Add", ["x", "c"], ["y"], name="n"),
                              {"c": RNG.standard_normal((2, 1, 3, 2)).astype(np.float32)}, "leading axes"),
    "layer norm": (helper.make_node("LayerNormalization", ["x", "s"], ["y"], name="n", axis=0),
                   {"s": RNG.standard_normal((4, 3, 2)).astype(np.float32)}, "axis 0 is the batch axis"),
}


@pytest.mark.parametrize("case", list(ACROSS))
def test_a_node_across_a_symbolic_batch_is_refused_naming_it(case):
    """refused as at a fixed batch of 4; a graph exported at batch 1 is still taken, its batch as an axis of 1"""
    node, consts, says = ACROSS[case]
    with pytest.raises(ValueError, match=rf"node 'n' \({node.op_type}\): .*{says}.*the symbolic batch 'N'"):
        network_from_onnx(_model(node, "N", consts))
    with pytest.raises(ValueError, match=rf"node 'n' \({node.op_type}\)"):
        network_from_onnx(_model(node, 4, consts))
    if case != "layer norm":  # its scale is shaped for a batch of 4
        x = RNG.standard_normal((1, 3, 2))  # the network's output has the batch first: the values compared
        got, want = network_from_onnx(_model(node, 1, consts)).forward(x), _runtime(_model(node, 1, consts), x)
        np.testing.assert_allclose(got.ravel(), want.ravel(), rtol=1e-5, atol=1e-6)


def test_an_unnamed_symbolic_batch_is_a_batch_too():
    with pytest.raises(ValueError, match=r"node 'n' \(Softmax\): axis 0 is the batch axis.*symbolic batch \?"):
        network_from_onnx(_model(helper.make_node("Softmax", ["x"], ["y"], name="n", axis=0), None))


PER_SAMPLE = {
    "reshape keeping the batch": (helper.make_node("Reshape", ["x", "s"], ["y"]), {"s": np.array([0, -1], np.int64)}),
    "reshape inferring the batch": (helper.make_node("Reshape", ["x", "s"], ["y"]),
                                    {"s": np.array([-1, 6], np.int64)}),
    "flatten": (helper.make_node("Flatten", ["x"], ["y"], axis=1), {}),
    "softmax": (helper.make_node("Softmax", ["x"], ["y"], axis=1), {}),
    "unsqueeze": (helper.make_node("Unsqueeze", ["x", "a"], ["y"]), {"a": np.array([1], np.int64)}),
    "constant of the batch's rank": (helper.make_node("Add", ["x", "c"], ["y"]),
                                     {"c": RNG.standard_normal((1, 3, 2)).astype(np.float32)}),
}


@pytest.mark.parametrize("case", list(PER_SAMPLE))
def test_a_graph_keeping_a_symbolic_batch_apart_matches_onnxruntime(case):
    node, consts = PER_SAMPLE[case]
    model, x = _model(node, "N", consts), RNG.standard_normal((3, 3, 2))
    np.testing.assert_allclose(network_from_onnx(model).forward(x), _runtime(model, x), rtol=1e-5, atol=1e-6)


def test_a_batch_first_lstm_moving_a_symbolic_batch_matches_onnxruntime():
    """x (N, T, I) transposed to the LSTM's (T, N, I) and back keeps the samples apart: imported with the batch as
    a per-sample axis, as onnx's reference evaluator on a batch of two confirms"""
    w, r = RNG.standard_normal((1, 8, 2)).astype(np.float32), RNG.standard_normal((1, 8, 2)).astype(np.float32)
    nodes = [helper.make_node("Transpose", ["x"], ["t"], perm=[1, 0, 2]),
             helper.make_node("LSTM", ["t", "w", "r"], ["h", "last"], hidden_size=2),
             helper.make_node("Squeeze", ["h", "one"], ["s"]),
             helper.make_node("Transpose", ["s"], ["y"], perm=[1, 0, 2])]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TP.FLOAT, ["N", 3, 2])],
                              [helper.make_tensor_value_info("y", TP.FLOAT, None)],
                              [numpy_helper.from_array(w, "w"), numpy_helper.from_array(r, "r"),
                               numpy_helper.from_array(np.array([1], np.int64), "one")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)])
    model.ir_version = 9
    x = RNG.standard_normal((3, 3, 2))
    np.testing.assert_allclose(network_from_onnx(model).forward(x), _runtime(model, x), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("opset", [13, 18, 19])
def test_a_qdq_graph_moving_a_symbolic_batch_is_checked_at_any_opset(opset):
    """a quantise / dequantise pair before a batch-first transpose: onnx's reference evaluator lacks
    DequantizeLinear before opset 19 (which computes it as opsets 10 and 13 define it), so the samples-apart check
    takes opset 19's; it had refused the graph as one the reference 'cannot run'. A graph mixing the samples (a
    softmax over the batch) is still refused, for that reason"""
    def model(axis):
        nodes = [helper.make_node("QuantizeLinear", ["x", "s", "z"], ["q"]),
                 helper.make_node("DequantizeLinear", ["q", "s", "z"], ["d"]),
                 helper.make_node("Transpose", ["d"], ["t"], perm=[1, 0, 2]),
                 helper.make_node("Softmax", ["t"], ["u"], axis=axis),
                 helper.make_node("Transpose", ["u"], ["y"], perm=[1, 0, 2])]
        graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TP.FLOAT, ["N", 3, 2])],
                                  [helper.make_tensor_value_info("y", TP.FLOAT, None)],
                                  [numpy_helper.from_array(np.float32(0.05), "s"),
                                   numpy_helper.from_array(np.uint8(128), "z")])
        made = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
        made.ir_version = 9
        return made
    x = RNG.standard_normal((3, 3, 2))
    np.testing.assert_allclose(network_from_onnx(model(2)).forward(x), _runtime(model(2), x), rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="on a batch of 3 the graph computes other values"):
        network_from_onnx(model(1))


def _batch_first(nodes, consts, domains=()):
    """a graph of symbolic batch that moves x (N, 3, 2) to (3, N, 2), runs ``nodes`` on "t" into "u" (3, N, k),
    and moves it back to "y" (N, 3, k)"""
    nodes = [helper.make_node("Transpose", ["x"], ["t"], perm=[1, 0, 2]), *nodes,
             helper.make_node("Transpose", ["u"], ["y"], perm=[1, 0, 2])]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TP.FLOAT, ["N", 3, 2])],
                              [helper.make_tensor_value_info("y", TP.FLOAT, None)],
                              [numpy_helper.from_array(np.asarray(v), k) for k, v in consts.items()])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]
                              + [helper.make_opsetid(d, 1) for d in domains])
    model.ir_version = 9
    return model


def _recurrent(op, activations):
    """a batch-first one-layer ``op`` (RNN, GRU) of hidden size 2 with the given ``activations``"""
    gates = {"RNN": 1, "GRU": 3}[op]
    consts = {"w": RNG.standard_normal((1, 2 * gates, 2)).astype(np.float32),
              "r": RNG.standard_normal((1, 2 * gates, 2)).astype(np.float32), "one": np.array([1], np.int64)}
    return _batch_first([helper.make_node(op, ["t", "w", "r"], ["h"], hidden_size=2, activations=activations),
                         helper.make_node("Squeeze", ["h", "one"], ["u"])], consts)


def _qlinear_add():
    """a batch-first QOperator QLinearAdd (com.microsoft) of x with itself between a quantise and a dequantise"""
    s, z = np.float32(0.05), np.uint8(128)
    nodes = [helper.make_node("QuantizeLinear", ["t", "s", "z"], ["q"]),
             helper.make_node("QLinearAdd", ["q", "s", "z", "q", "s", "z", "s2", "z"], ["a"], domain="com.microsoft"),
             helper.make_node("DequantizeLinear", ["a", "s2", "z"], ["u"])]
    return _batch_first(nodes, {"s": s, "z": z, "s2": np.float32(0.1)}, domains=("com.microsoft",))


REFERENCE_LACKS = {  # graphs keeping the samples apart that onnx's reference evaluator refuses or gets wrong
    "rnn relu": lambda: _recurrent("RNN", ["Relu"]),  # "Unknown activation function 'Relu'"
    "gru of other activations": lambda: _recurrent("GRU", ["Tanh", "Sigmoid"]),  # computes Sigmoid, Tanh instead
    "qlinear add": _qlinear_add,  # a com.microsoft operator
}


@pytest.mark.parametrize("case", list(REFERENCE_LACKS))
def test_a_symbolic_batch_graph_the_reference_evaluator_lacks_is_checked_by_onnxruntime(case):
    """the samples-apart check runs onnxruntime where it is installed: these graphs had been refused, as ones the
    reference evaluator 'cannot run' or whose 'nodes mix the samples', though they import at batch 1"""
    pytest.importorskip("onnxruntime")
    model, x = REFERENCE_LACKS[case](), RNG.standard_normal((3, 3, 2))
    np.testing.assert_allclose(network_from_onnx(model).forward(x), _runtime(model, x), rtol=1e-5, atol=1e-6)


def test_without_onnxruntime_a_graph_the_reference_cannot_check_is_refused_as_unchecked(monkeypatch):
    """onnx's reference evaluator as the check: a GRU whose activations it would ignore is refused as one it cannot
    run (it had said its nodes mix the samples); a softmax over the batch is still refused as mixing them"""
    monkeypatch.setitem(__import__("sys").modules, "onnxruntime", None)
    with pytest.raises(ValueError, match=r"reference evaluator.*cannot run it \(ValueError: .*GRU.*"
                                         r"\['Tanh', 'Sigmoid'\]\).*not known whether its nodes mix"):
        network_from_onnx(REFERENCE_LACKS["gru of other activations"]())
    mixing = _batch_first([helper.make_node("Softmax", ["t"], ["u"], axis=1)], {})
    with pytest.raises(ValueError, match="on a batch of 3 the graph computes other values"):
        network_from_onnx(mixing)
    assert network_from_onnx(_batch_first([helper.make_node("Softmax", ["t"], ["u"], axis=2)], {})) is not None


def test_a_qlinear_matmul_per_sample_is_checked_by_the_reference_evaluator_first():
    """onnxruntime's integer QLinearMatMul rounds a tie its own way (1 output of 24 a step off here): checked against
    it first, this batch-first graph, which keeps its samples apart, had been refused as mixing them"""
    c = {"s": np.float32(0.3), "z": np.uint8(128), "ys": np.float32(0.1),
         "w": np.array([[119, 119, 125, 135], [126, 134, 124, 123]], np.uint8)}
    nodes = [helper.make_node("Transpose", ["x"], ["t"], perm=[1, 0, 2]),
             helper.make_node("QuantizeLinear", ["t", "s", "z"], ["q"]),
             helper.make_node("QLinearMatMul", ["q", "s", "z", "w", "s", "z", "ys", "z"], ["m"]),
             helper.make_node("DequantizeLinear", ["m", "ys", "z"], ["u"]),
             helper.make_node("Transpose", ["u"], ["y"], perm=[1, 0, 2])]
    g = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TP.FLOAT, ["N", 3, 2])],
                          [helper.make_tensor_value_info("y", TP.FLOAT, None)],
                          [numpy_helper.from_array(np.asarray(v), k) for k, v in c.items()])
    model = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 9
    assert network_from_onnx(model).input_shape == (3, 2)


def test_a_resize_to_constant_sizes_of_a_symbolic_batch_is_refused():
    """sizes [1, 3, 4] on a graph of batch 'N': onnxruntime resamples N samples to 1; the import had compared the
    size with its placeholder batch of 1 and kept every sample (an ONNX probe, 2026-12-07). Sizes of the other axes
    alone still import."""
    fixed = _model(helper.make_node("Resize", ["x", "", "", "s"], ["y"], mode="nearest"), "N",
                   {"s": np.array([1, 3, 4], np.int64)})
    with pytest.raises(ValueError, match=r"Resize sizes \[1, 3, 4\] fix the batch axis of a graph whose batch 'N' "
                                         r"is symbolic"):
        network_from_onnx(fixed)
    free = _model(helper.make_node("Resize", ["x", "", "", "s"], ["y"], mode="nearest", axes=[1, 2]), "N",
                  {"s": np.array([3, 4], np.int64)})
    assert network_from_onnx(free).forward(np.ones((3, 3, 2))).shape == (3, 3, 4)


def test_a_batch_size_read_as_a_value_is_told_the_export_that_imports():
    """x / x.size(0) at a symbolic batch: the refusal had said to export 'with a fixed batch size', and a fixed batch
    of 2 was then refused as well (a networks probe); it names the one-sample export that imports"""
    nodes = [helper.make_node("Shape", ["x"], ["s"]), helper.make_node("Gather", ["s", "zero"], ["n"], axis=0),
             helper.make_node("Cast", ["n"], ["f"], to=TP.FLOAT), helper.make_node("Div", ["x", "f"], ["y"])]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TP.FLOAT, ["N", 3, 2])],
                              [helper.make_tensor_value_info("y", TP.FLOAT, None)],
                              [numpy_helper.from_array(np.asarray(0, dtype=np.int64), "zero")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)])
    model.ir_version = 9
    said = r"Export it again with one sample and no dynamic batch axis, e\.g\. torch\.onnx\.export\(model, \(x\[:1\],\)"
    with pytest.raises(ValueError, match=r"computed from the batch size .*" + said):
        network_from_onnx(model)
