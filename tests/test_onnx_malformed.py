"""Malformed ONNX graphs are refused with a ValueError naming the node and what is wrong: never a traceback, an
exhausted memory or a silently different network (cases found by ``benchmarks/fuzz_onnx.py``: mutated exported
models, compared with onnx's reference evaluator)."""

from __future__ import annotations

import numpy as np
import pytest

from cimsim.network import MaxPool2d

onnx = pytest.importorskip("onnx")
helper, numpy_helper, TensorProto = onnx.helper, onnx.numpy_helper, onnx.TensorProto

from cimsim.network.onnx_import import network_from_onnx  # noqa: E402


def _model(nodes, consts, input_shape, opset=17):
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, *input_shape])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
                              [numpy_helper.from_array(np.asarray(v), k) for k, v in consts.items()])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])


W = np.ones((2, 1, 3, 3), np.float32)
CASES = {
    "missing input": ([helper.make_node("Conv", ["x"], ["y"], name="c")], {}, (1, 5, 5),
                      r"node 'c' \(Conv\): Conv needs input 1 \('W'\); it is missing"),
    "empty input": ([helper.make_node("Gemm", ["x", ""], ["y"], name="g")], {}, (4,),
                    r"node 'g' \(Gemm\): Gemm needs input 1 \('B'\)"),
    "too many inputs": ([helper.make_node("Relu", ["x", "x"], ["y"], name="r")], {}, (4,),
                        r"node 'r' \(Relu\): Relu takes at most 1 inputs; it has 2"),
    "missing attribute": ([helper.make_node("MaxPool", ["x"], ["y"], name="p")], {}, (1, 4, 4),
                          r"node 'p' \(MaxPool\): MaxPool needs the attribute\(s\) kernel_shape"),
    "axis out of range": ([helper.make_node("Softmax", ["x"], ["y"], name="s", axis=7)], {}, (3, 4),
                          r"node 's' \(Softmax\): axis 7 is outside \[-3, 3\)"),
    "flatten axis": ([helper.make_node("Flatten", ["x"], ["y"], name="f", axis=4)], {}, (3, 4),
                     r"node 'f' \(Flatten\): Flatten axis 4 is outside \[-3, 3\]"),
    "layer norm axis": ([helper.make_node("LayerNormalization", ["x", "w"], ["y"], name="n", axis=-4)],
                        {"w": np.ones(4, np.float32)}, (3, 4), r"axis -4 is outside \[-3, 3\)"),
    "kernel shape": ([helper.make_node("Conv", ["x", "w"], ["y"], name="c", kernel_shape=[3, 2])], {"w": W},
                     (1, 5, 5), r"node 'c' \(Conv\): kernel_shape \[3, 2\] does not match the weights' \[3, 3\]"),
    "transposed groups": ([helper.make_node("ConvTranspose", ["x", "w"], ["y"], name="t", group=2 ** 31)],
                          {"w": W}, (2, 5, 5), r"node 't' \(ConvTranspose\): ConvTranspose group 2147483648 does "
                                               r"not divide the weights' 2 input channels"),
    "data scale": ([helper.make_node("Relu", ["x"], ["r"]),
                    helper.make_node("LayerNormalization", ["x", "r"], ["y"], name="n")], {}, (4,),
                   r"node 'n' \(LayerNormalization\): LayerNormalization's scale \(input 1\) must be a constant"),
    "data bias": ([helper.make_node("Gemm", ["x", "w", "x"], ["y"], name="g")], {"w": np.ones((4, 4), np.float32)},
                  (4,), r"node 'g' \(Gemm\): Gemm's C \(input 2\) must be a constant; here it is computed"),
    "pad count": ([helper.make_node("Pad", ["x", "p"], ["y"], name="p")], {"p": np.array([1, 1, 1], np.int64)},
                  (1, 4, 4), r"node 'p' \(Pad\): Pad's pads must hold 2 values for each of its 4 axes; got 3"),
    "vector bound": ([helper.make_node("Clip", ["x", "lo"], ["y"], name="c")],
                     {"lo": np.array([0.1, 0.2], np.float32)}, (4,), r"Clip's min and max must be scalars; got \[0.1"),
    "wide squeeze": ([helper.make_node("Squeeze", ["x", "a"], ["y"], name="s")], {"a": np.array([2], np.int64)},
                     (3, 6), r"node 's' \(Squeeze\): Squeeze of axis 2 of \(1, 3, 6\): only axes of size 1"),
    "scales and sizes": ([helper.make_node("Resize", ["x", "", "s", "z"], ["y"], name="r")],
                         {"s": np.array([1, 1, 2, 2], np.float32), "z": np.array([1, 3, 8, 8], np.int64)},
                         (3, 4, 4), r"node 'r' \(Resize\): Resize takes scales or sizes, not both"),
    "data bound": ([helper.make_node("Clip", ["x", "x"], ["y"], name="c")], {}, (4,), r"Clip's min \(input 1\)"),
    "data axes": ([helper.make_node("Shape", ["x"], ["s"]), helper.make_node("Cast", ["x"], ["a"], to=7),
                   helper.make_node("ReduceSum", ["x", "a"], ["y"], name="r")], {}, (1,),
                  r"node 'r' \(ReduceSum\): ReduceSum's axes \(input 1\) must be a constant"),
    "scatter out of range": ([helper.make_node("Neg", ["x"], ["u"]),
                              helper.make_node("ScatterND", ["x", "i", "u"], ["y"], name="sc")],
                             {"i": np.array([[0, 0], [0, 5]], np.int64)}, (2, 3),
                             r"node 'sc' \(ScatterND\): malformed node \(IndexError"),
    "scatter repeated": ([helper.make_node("Neg", ["x"], ["n"]), helper.make_node("Reshape", ["n", "rows"], ["u"]),
                          helper.make_node("ScatterND", ["x", "i", "u"], ["y"], name="sc")],
                         {"i": np.array([[0, 1], [0, 1]], np.int64), "rows": np.array([2, 3], np.int64)}, (2, 3),
                         r"node 'sc' \(ScatterND\): Scatter positions must be distinct"),
    "recurrent bias": ([helper.make_node("LSTM", ["x", "W", "R", "B"], ["y"], name="rnn", hidden_size=2)],
                       {"W": np.ones((1, 8, 3), np.float32), "R": np.ones((1, 8, 2), np.float32),
                        "B": np.ones((1, 8), np.float32)}, (1, 3),
                       r"node 'rnn' \(LSTM\): LSTM weights W \[1, 8, 3\], R \[1, 8, 2\] and B \[1, 8\] do not fit"),
    "recurrent state": ([helper.make_node("GRU", ["x", "W", "R", "", "", "h0"], ["y"], name="rnn", hidden_size=2,
                                          linear_before_reset=1)],
                        {"W": np.ones((1, 6, 3), np.float32), "R": np.ones((1, 6, 2), np.float32),
                         "h0": np.zeros((1, 4, 2), np.float32)}, (1, 3),
                        r"node 'rnn' \(GRU\): GRU initial_h of shape \[1, 4, 2\]; expected \[1, 1, 2\]"),
    "recurrent peepholes": ([helper.make_node("LSTM", ["x", "W", "R", "", "", "", "", "P"], ["y"], name="rnn",
                                              hidden_size=2)],
                            {"W": np.ones((1, 8, 3), np.float32), "R": np.ones((1, 8, 2), np.float32),
                             "P": np.ones((1, 6), np.float32)}, (1, 3),
                            r"node 'rnn' \(LSTM\): LSTM with peepholes \(P\) is not supported"),
    "recurrent activation": ([helper.make_node("RNN", ["x", "W", "R"], ["y"], name="rnn", hidden_size=2,
                                               activations=["Elu"])],
                             {"W": np.ones((1, 2, 3), np.float32), "R": np.ones((1, 2, 2), np.float32)}, (1, 3),
                             r"node 'rnn' \(RNN\): RNN activations \['elu'\] are not supported \(1 per direction"),
    "training batch norm": ([helper.make_node("BatchNormalization", ["x", "s", "b", "m", "v"], ["y"], name="bn",
                                              training_mode=1)],
                            {k: np.ones(2, np.float32) for k in "sbmv"}, (2, 3, 3),
                            r"node 'bn' \(BatchNormalization\): BatchNormalization in training mode"),
    "window on padding": ([helper.make_node("MaxPool", ["x"], ["y"], name="p", kernel_shape=[2, 2], strides=[2, 2],
                                            pads=[0, 0, 3, 0])], {}, (1, 8, 8),
                          r"node 'p' \(MaxPool\): MaxPool2d padding \(0, 0, 3, 0\) leaves a 2-wide window"),
    "huge constant": ([helper.make_node("ConstantOfShape", ["shape"], ["big"], name="k"),
                       helper.make_node("Add", ["x", "big"], ["y"])], {"shape": np.array([2 ** 31], np.int64)},
                      (4,), r"node 'k' \(ConstantOfShape\): ConstantOfShape would hold 2\.147e\+09 values"),
    "huge activation": ([helper.make_node("Tile", ["x", "reps"], ["y"], name="t")],
                        {"reps": np.array([1, 2 ** 20, 2 ** 20], np.int64)}, (2, 2),
                        r"node 't' \(Tile\): its output, shape \(.*\) per sample, would hold 4\.398e\+12 values"),
    "bad gather": ([helper.make_node("Gather", ["t", "i"], ["g"], name="pick", axis=0),
                    helper.make_node("Add", ["x", "g"], ["y"])],
                   {"t": np.ones((1, 3), np.float32), "i": np.array([4], np.int64)}, (1, 3),
                   r"node 'pick' \(Gather\): Gather indices \[4\] are outside \[-1, 0\]"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_malformed_node_is_refused_naming_it(case):
    nodes, consts, shape, match = CASES[case]
    with pytest.raises(ValueError, match=match):
        network_from_onnx(_model(nodes, consts, shape))


def test_pool_window_on_padding_only_is_refused():
    with pytest.raises(ValueError, match=r"MaxPool2d padding \(2, 0, 0, 0\) leaves a 2-wide window"):
        MaxPool2d(2, 1, (2, 0, 0, 0)).output_shape((1, 4, 4))
    assert MaxPool2d(2, 1, (1, 1, 1, 1)).output_shape((1, 4, 4)) == (1, 5, 5)  # each window holds an input value


def test_an_empty_onnx_file_is_named_as_empty(tmp_path):
    """an empty file parses as an empty model: it had been refused as 'expected one data input and one output; got
    0 () and 0 ()'"""
    pytest.importorskip("onnx")
    from cimsim.network import load_network

    (tmp_path / "empty.onnx").write_bytes(b"")
    with pytest.raises(ValueError, match=r"empty\.onnx: the file is empty, not an ONNX model"):
        load_network(tmp_path / "empty.onnx")


def test_bytes_that_parse_to_no_graph_are_named_as_such(tmp_path):
    """a file whose bytes protobuf parses as an empty model (not only a 0-byte one) had been refused as a graph of
    0 inputs and 0 outputs"""
    path = tmp_path / "two.onnx"
    path.write_bytes(b"\x08\x07")  # field 1 (ir_version) = 7, nothing else
    from cimsim.network import load_network

    with pytest.raises(ValueError, match=r"two\.onnx: it holds no graph, not an ONNX model"):
        load_network(path)


@pytest.mark.parametrize("opset, outputs, attrs, refused", [
    (9, ["y", "om", "ov", "sm", "sv"], {}, True),  # its statistics' outputs: training mode before opset 14
    (9, ["y"], {}, False),
    (13, ["y", "om", "ov"], {}, True),
    (6, ["y"], {}, True),  # before opset 7 is_test = 0, the default, is training mode
    (6, ["y"], {"is_test": 1}, False),
])
def test_a_legacy_batch_norm_in_training_mode_is_refused(opset, outputs, attrs, refused):
    """a BatchNormalization before opset 14 with its statistics' outputs had imported with the running statistics
    where onnxruntime normalises by the batch's (0.77 of the largest output off at opset 9; a probe of other
    exporters' graphs, 2026-12-05)"""
    nodes = [helper.make_node("BatchNormalization", ["x", "s", "b", "m", "v"], outputs, name="bn", epsilon=1e-3,
                              **attrs)]
    model = _model(nodes, {k: np.full(3, 0.5 + i, np.float32) for i, k in enumerate("sbmv")}, (3, 4, 4), opset)
    if refused:
        with pytest.raises(ValueError, match=r"node 'bn' \(BatchNormalization\): BatchNormalization in training mode"):
            network_from_onnx(model)
    else:
        x = np.random.default_rng(0).standard_normal((1, 3, 4, 4))
        want = (x - 2.5) / np.sqrt(3.5 + 1e-3) * 0.5 + 1.5
        np.testing.assert_allclose(network_from_onnx(model).forward(x), want, rtol=1e-6)  # epsilon a float32


def test_two_opsets_of_the_default_domain_are_refused():
    """("ai.onnx", 11) beside ("", 13) passes onnx's checker; onnxruntime took the last, cimsim the first (a
    Softmax 0.77 of its largest output off)"""
    model = _model([helper.make_node("Softmax", ["x"], ["y"], axis=1)], {}, (3, 4))
    model.opset_import.append(helper.make_opsetid("ai.onnx", 11))
    with pytest.raises(ValueError, match=r"opset_import names the default ONNX domain at opsets \[11, 17\]"):
        network_from_onnx(model)
    model.opset_import[-1].version = 17  # the same opset twice: one meaning
    assert network_from_onnx(model).forward(np.ones((1, 3, 4))).shape == (1, 3, 4)


def test_a_sequence_output_is_named_as_one():
    """it had been 'not computed by any supported node' beside a SplitToSequence the importer supports"""
    graph = helper.make_graph([helper.make_node("SplitToSequence", ["x"], ["y"], axis=1)], "g",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])],
                              [helper.make_tensor_sequence_value_info("y", TensorProto.FLOAT, None)])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    with pytest.raises(ValueError, match=r"the graph output 'y' is a sequence of tensors .* end the graph on one"):
        network_from_onnx(model)


def test_a_model_must_name_an_opset_for_the_default_domain_that_onnx_knows():
    """a Softmax graph written for opset 11 (one softmax over all 12 values) with its opset_import cut off had been
    read as the newest opset (a softmax per row of 4: outputs 0.6 off onnxruntime's on the intact file); opset 0, and
    one past the installed onnx's newest, are refused too, naming the file and what is expected"""
    nodes = [helper.make_node("Softmax", ["x"], ["y"])]
    x = np.random.default_rng(0).standard_normal((1, 3, 4))
    whole = network_from_onnx(_model(nodes, {}, (3, 4), opset=11)).forward(x)
    assert np.allclose(whole.sum(axis=(1, 2)), 1.0) and not np.allclose(whole.sum(axis=2), 1.0)
    newest = onnx.defs.onnx_opset_version()
    for opsets, said in (([], "names no opset for the default ONNX domain"), ([0], "at opset 0"),
                         ([newest + 1], f"at opset {newest + 1}")):
        model = _model(nodes, {}, (3, 4), opset=11)
        del model.opset_import[:]
        model.opset_import.extend(helper.make_opsetid("", v) for v in opsets)
        with pytest.raises(ValueError, match=f"{said}; expected one from 1 to {newest}"):
            network_from_onnx(model)


def test_an_operator_changed_after_the_opset_cimsim_follows_is_read_as_there_or_refused_by_name():
    """at opset 28 (onnx.helper's default) SpaceToDepth is its version of opset 28, which added the attribute mode:
    without it the node means what it meant at opset 23 and is taken; with it, refused by name"""
    x = np.arange(16.0).reshape(1, 1, 4, 4)
    nodes = [helper.make_node("SpaceToDepth", ["x"], ["y"], blocksize=2)]
    want = network_from_onnx(_model(nodes, {}, (1, 4, 4), opset=23)).forward(x)
    assert np.array_equal(network_from_onnx(_model(nodes, {}, (1, 4, 4), opset=28)).forward(x), want)
    nodes = [helper.make_node("SpaceToDepth", ["x"], ["y"], blocksize=2, mode="DCR")]
    with pytest.raises(ValueError, match=r"SpaceToDepth at opset 28 uses its attribute mode, which came after opset "
                                         r"23, the newest whose operators cimsim follows: export the model at opset "
                                         r"23 or below"):
        network_from_onnx(_model(nodes, {}, (1, 4, 4), opset=28))


SPLIT_FORMS = {  # (num_outputs, split sizes, outputs): what onnxruntime refuses at opset 18
    "neither": (None, None, 2, "neither its split input nor num_outputs"),
    "both": (2, [3, 3], 2, "both its split input and num_outputs"),
    "count": (2, None, 3, "num_outputs = 2 and 3 outputs"),  # (onnx 1.23's shape inference aborts on it)
}


@pytest.mark.parametrize("case", list(SPLIT_FORMS))
@pytest.mark.parametrize("in_subgraph", [False, True])
def test_a_split_of_opset_18_takes_one_of_its_sizes_and_num_outputs(case, in_subgraph):
    """from opset 18 a Split takes its sizes or num_outputs, not both or neither, and num_outputs equal to its
    outputs; checked in subgraphs too, before any shape inference"""
    parts, sizes, outputs, said = SPLIT_FORMS[case]
    outs = [f"p{k}" for k in range(outputs)]
    split = helper.make_node("Split", ["x"] + (["s"] if sizes else []), outs, axis=1, name="cut",
                             **({} if parts is None else {"num_outputs": parts}))
    nodes, consts = [split, helper.make_node("Concat", outs[::-1], ["y"], axis=1)], (
        {"s": np.array(sizes, np.int64)} if sizes else {})
    if in_subgraph:  # the same Split inside an If's branch
        branch = helper.make_graph(nodes[:1] + [helper.make_node("Concat", outs[::-1], ["b"], axis=1)], "branch", [],
                                   [helper.make_tensor_value_info("b", TensorProto.FLOAT, None)])
        nodes = [helper.make_node("If", ["c"], ["y"], then_branch=branch, else_branch=branch)]
        consts["c"] = np.array(True)
    with pytest.raises(ValueError, match=rf"Split 'cut' at opset 18 has {said}; from opset 18 a Split takes exactly"):
        network_from_onnx(_model(nodes, consts, (6,), opset=18))


def test_a_split_into_equal_parts_that_run_out_is_refused():
    """5 into 4 parts of 2 (the last smaller) leaves no values for the fourth: refused, not read as a reversed
    slice (onnxruntime refuses the graph too)"""
    outs = ["a", "b", "c", "d"]
    nodes = [helper.make_node("Split", ["x"], outs, axis=1, num_outputs=4, name="cut"),
             helper.make_node("Concat", outs, ["y"], axis=1)]
    with pytest.raises(ValueError, match=r"'cut' \(Split\): Split of an axis of 5 into 4 parts of 2 runs out"):
        network_from_onnx(_model(nodes, {}, (5,), opset=18))


def test_a_split_to_sequence_may_hold_an_empty_piece():
    """torch.chunk(x, 4) of 6 values exports sizes [2, 2, 2, 0], which onnxruntime runs: it had been refused as not
    positive (a review)"""
    nodes = [helper.make_node("SplitToSequence", ["x", "s"], ["q"], axis=1),
             helper.make_node("ConcatFromSequence", ["q"], ["y"], axis=1)]
    net = network_from_onnx(_model(nodes, {"s": np.array([2, 2, 2, 0], np.int64)}, (6,), opset=13))
    x = np.arange(6.0)[None]
    np.testing.assert_array_equal(net.forward(x), x)
    with pytest.raises(ValueError, match=r"sizes \[4, 4, -2\] do not split axis 1 of length 6 \(sizes of 0 or more"):
        network_from_onnx(_model(nodes, {"s": np.array([4, 4, -2], np.int64)}, (6,), opset=13))


@pytest.mark.parametrize("opset", [11, 13])
def test_a_split_before_opset_18_into_parts_that_do_not_divide_its_axis_is_refused(opset):
    """equal parts with the last smaller came with opset 18; before it onnxruntime refuses an axis they do not divide
    (7 into 3 had been cut 3, 3, 1: a review); a divided axis imports"""
    outs = ["a", "b", "c"]
    nodes = [helper.make_node("Split", ["x"], outs, axis=1, name="cut"),
             helper.make_node("Concat", outs, ["y"], axis=1)]
    with pytest.raises(ValueError, match=r"'cut' \(Split\): Split of an axis of 7 into 3 equal parts: before opset 18"):
        network_from_onnx(_model(nodes, {}, (7,), opset=opset))
    x = np.arange(6.0)[None]
    np.testing.assert_array_equal(network_from_onnx(_model(nodes, {}, (6,), opset=opset)).forward(x), x)
