"""An ONNX file whose matrix initializer several nodes read is priced as one shared matrix, which exporters also
write for distinct layers of equal values (torch merges equal initializers): load_network says so, naming the
layers and what to do; a graph without such reads loads silently."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
helper, numpy_helper, TensorProto = onnx.helper, onnx.numpy_helper, onnx.TensorProto

from cimsim.network import load_network  # noqa: E402


def _saved(tmp_path, shared: bool, producer: str = "pytorch", identity: bool = False):
    """x @ W1 @ W2 of 4 x 4 matrices (W2 the same initializer as W1 where ``shared``; ``identity``: read through an
    Identity of it, as torch exports a module applied twice), saved as a file"""
    w = np.random.default_rng(3).standard_normal((4, 4)).astype(np.float32)
    consts = [numpy_helper.from_array(w, "w1")] + ([] if shared else [numpy_helper.from_array(w + 1, "w2")])
    second = "w1_copy" if identity else "w1" if shared else "w2"
    nodes = [helper.make_node("Identity", ["w1"], ["w1_copy"], name="copy")] if identity else []
    nodes += [helper.make_node("MatMul", ["x", "w1"], ["h"], name="m0"),
              helper.make_node("MatMul", ["h", second], ["y"], name="m1")]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4])], consts)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name=producer)
    path = tmp_path / "two.onnx"
    onnx.save(model, str(path))
    return path


def _note_and_matrices(tmp_path, nodes, inits, x_shape=(1, 4), y_shape=(1, 4)):
    """(the sharing note's text, '' without one; the matrices) of a graph of ``nodes`` and initializers ``inits``"""
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, list(x_shape))],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, list(y_shape))], inits)
    path = tmp_path / "g.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), str(path))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        network = load_network(path)
    return " ".join(str(c.message) for c in caught if "several nodes" in str(c.message)), network.matrix_layers()


@pytest.mark.parametrize("identity", [False, True])
def test_a_matrix_read_at_two_places_is_said_to_be_shared_and_what_to_do(tmp_path, identity):
    path = _saved(tmp_path, shared=True, identity=identity)
    with pytest.warns(UserWarning) as caught:
        network = load_network(path)
    assert len(network.matrix_layers()) == 1 and len(network.layers) == 2
    text = " ".join(str(w.message) for w in caught)
    assert str(path) in text and "1 weight initializer is" in text and "'w1' by 'm0' and 'm1'" in text
    assert "equal values" in text and "from_torch" in text  # the exporter's merge, and the import that avoids it


def test_a_constant_nodes_matrix_read_at_two_places_is_said_to_be_shared(tmp_path):
    """a weight held in a Constant node, not an initializer, read by two MatMuls is one matrix too: it had been
    shared without the note (a probe); one Constant node of each, equal values, are two matrices, unsaid"""
    w = np.random.default_rng(3).standard_normal((4, 4)).astype(np.float32)
    for twice, layers in ((False, 1), (True, 2)):
        consts = [helper.make_node("Constant", [], [f"w{k}"], value=numpy_helper.from_array(w, f"c{k}"))
                  for k in range(1 + twice)]
        nodes = consts + [helper.make_node("MatMul", ["x", "w0"], ["h"], name="m0"),
                          helper.make_node("MatMul", ["h", f"w{int(twice)}"], ["y"], name="m1")]
        text, matrices = _note_and_matrices(tmp_path, nodes, [])
        assert len(matrices) == layers
        assert ("1 weight Constant node is each read by several nodes ('w0' by 'm0' and 'm1')" in text) == (not twice)


@pytest.mark.parametrize("made, said", [("reshape", True), ("flat_reshape", True), ("gemm_transb", False),
                                         ("bias_first_add", False)])
def test_a_weight_reshaped_once_and_read_twice_is_said_and_a_transposed_gemm_read_is_another_matrix(tmp_path, made,
                                                                                                    said):
    """one Reshape of a weight (of a flat one too) read by two MatMuls is one matrix, and now said (it had been
    unsaid); a Gemm reading W with transB = 1 and a MatMul reading W are two matrices and are not said to be one
    (they had been); a constant plus an activation is no weight, read twice (a review)"""
    w = np.random.default_rng(3).standard_normal((4, 4)).astype(np.float32)
    inits = [numpy_helper.from_array(np.array([4, 4], np.int64), "shape"), numpy_helper.from_array(w + 1, "w1"),
             numpy_helper.from_array(w.ravel(), "flat"), numpy_helper.from_array(w, "w0"),
             numpy_helper.from_array(w[:1], "b")]
    step = {"reshape": helper.make_node("Reshape", ["w0", "shape"], ["w"]),
            "flat_reshape": helper.make_node("Reshape", ["flat", "shape"], ["w"]),
            "gemm_transb": helper.make_node("Identity", ["w0"], ["w"]),
            "bias_first_add": helper.make_node("Add", ["b", "x"], ["a"])}[made]
    if made == "bias_first_add":  # the sum read by two MatMuls of other weights
        reads = [helper.make_node("MatMul", ["a", "w0"], ["h"], name="m0"),
                 helper.make_node("MatMul", ["a", "w1"], ["h1"], name="m1"),
                 helper.make_node("Add", ["h", "h1"], ["y"])]
    else:
        reads = [helper.make_node("Gemm", ["x", "w"], ["h"], name="m0", transB=1) if made == "gemm_transb" else
                 helper.make_node("MatMul", ["x", "w"], ["h"], name="m0"),
                 helper.make_node("MatMul", ["h", "w"], ["y"], name="m1")]
    text, matrices = _note_and_matrices(tmp_path, [step] + reads, inits)
    assert ("each read by several nodes" in text) == said, text
    assert len(matrices) == (1 if made in ("reshape", "flat_reshape") else 2)


def test_the_note_follows_what_the_importer_makes_one_matrix(tmp_path):
    """a Gemm's alpha, a constant left of a MatMul, MatMuls of constants alone (folded), a ConvTranspose of a Conv's
    kernel make other matrices or none: not said shared (they had been); a Split's output read twice is one matrix,
    now said (reviews)"""
    w = np.random.default_rng(3).standard_normal((4, 4)).astype(np.float32)
    init = [numpy_helper.from_array(w, "w"), numpy_helper.from_array(w + 1, "v")]
    mm = lambda a, b, out, name: helper.make_node("MatMul", [a, b], [out], name=name)  # noqa: E731
    alpha = [helper.make_node("Gemm", ["x", "w"], ["h"], name="g0", alpha=0.5), mm("h", "w", "y", "m1")]
    left = [mm("w", "x", "h", "m0"), mm("w", "h", "y", "m1")]
    folded = [mm("w", "v", "c", "c0"), mm("v", "w", "d", "c1"), helper.make_node("Add", ["c", "d"], ["e"]),
              mm("x", "e", "y", "m0")]
    for nodes, shapes in ((alpha, {}), (left, {"x_shape": (1, 4, 4), "y_shape": (1, 4, 4)}), (folded, {})):
        assert _note_and_matrices(tmp_path, nodes, init, **shapes)[0] == ""
    kernel = [numpy_helper.from_array(np.random.default_rng(5).standard_normal((2, 2, 3, 3)).astype(np.float32), "k")]
    tied = [helper.make_node("Conv", ["x", "k"], ["h"], name="c0"), helper.make_node("ConvTranspose", ["h", "k"], ["y"],
                                                                                     name="t0")]
    note, matrices = _note_and_matrices(tmp_path, tied, kernel, (1, 2, 8, 8), (1, 2, 8, 8))  # a tied autoencoder
    assert note == "" and len(matrices) == 2
    split = [helper.make_node("Split", ["w3", "parts"], ["q", "k", "v3"], axis=1), mm("x", "q", "h", "m0"),
             mm("h", "q", "y", "m1")]
    note, matrices = _note_and_matrices(tmp_path, split, [
        numpy_helper.from_array(np.random.default_rng(4).standard_normal((4, 12)).astype(np.float32), "w3"),
        numpy_helper.from_array(np.array([4, 4, 4], np.int64), "parts")])
    assert "1 weight initializer is each read by several nodes ('w3' by 'm0' and 'm1')" in note and len(matrices) == 1


def test_distinct_matrices_load_without_a_note(tmp_path):
    path = _saved(tmp_path, shared=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        network = load_network(path)
    assert len(network.matrix_layers()) == 2


def test_the_cli_says_it_as_one_warning_line(tmp_path):
    """`cimsim price-model file.onnx` prints the note as the CLI's other warnings (Python's format had named the
    cimsim source line that raised it and quoted its code)"""
    from click.testing import CliRunner

    from cimsim.cli import main

    result = CliRunner().invoke(main, ["price-model", str(_saved(tmp_path, shared=True))])
    assert result.exit_code == 0, result.output
    assert "warning: " in result.stderr and "each read by several nodes" in result.stderr
    assert "UserWarning" not in result.stderr and ".py:" not in result.stderr


@pytest.mark.parametrize("dequantized_twice", [False, True])
def test_a_quantised_weight_read_at_two_places_through_dequantize_nodes_is_one_shared_matrix(tmp_path,
                                                                                             dequantized_twice):
    """QDQ graphs (onnxruntime's quantize_static) read a weight through a DequantizeLinear: one read by two MatMuls
    loaded silently, and two DequantizeLinear of one quantised weight gave two matrices (128 parameters of 64);
    now one shared matrix, said, as a float initializer read twice is (a probe)"""
    from cimsim.models.from_network import model_from_network

    q = np.random.default_rng(5).integers(-120, 120, (8, 8)).astype(np.int8)
    consts = [numpy_helper.from_array(q, "wq"), numpy_helper.from_array(np.float32(0.01), "ws"),
              numpy_helper.from_array(np.int8(0), "wz")]
    second = "wd2" if dequantized_twice else "wd"
    nodes = [helper.make_node("DequantizeLinear", ["wq", "ws", "wz"], ["wd"])]
    nodes += [helper.make_node("DequantizeLinear", ["wq", "ws", "wz"], ["wd2"])] * dequantized_twice
    nodes += [helper.make_node("MatMul", ["x", "wd"], ["a"], name="m0"), helper.make_node("Relu", ["a"], ["b"]),
              helper.make_node("MatMul", ["b", second], ["y"], name="m1")]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 8])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 8])], consts)
    path = tmp_path / "qdq.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), str(path))
    with pytest.warns(UserWarning, match=r"\('wq' by 'm0' and 'm1'\), priced as one shared matrix"):
        network = load_network(path)
    assert len(network.matrix_layers()) == 1 and model_from_network(network).parameters == 64
    w = q.astype(np.float64) * np.float64(np.float32(0.01))
    x = np.random.default_rng(6).standard_normal((3, 8))
    np.testing.assert_allclose(network.forward(x), np.maximum(x @ w, 0) @ w, rtol=1e-6)


def test_two_dequantisations_of_one_weight_at_other_scales_are_two_matrices_and_not_said_to_be_one(tmp_path):
    """two DequantizeLinear of one quantised weight with other scales are two weights; the note had said they were
    priced as one shared matrix (a review); two Transposes of one initializer stay two matrices too"""
    q = np.random.default_rng(5).integers(-120, 120, (8, 8)).astype(np.int8)
    consts = [numpy_helper.from_array(q, "wq"), numpy_helper.from_array(np.float32(0.01), "s1"),
              numpy_helper.from_array(np.float32(0.02), "s2"), numpy_helper.from_array(np.int8(0), "wz")]
    nodes = [helper.make_node("DequantizeLinear", ["wq", "s1", "wz"], ["w1"]),
             helper.make_node("DequantizeLinear", ["wq", "s2", "wz"], ["w2"]),
             helper.make_node("MatMul", ["x", "w1"], ["a"], name="m0"), helper.make_node("Relu", ["a"], ["b"]),
             helper.make_node("MatMul", ["b", "w2"], ["y"], name="m1")]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 8])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 8])], consts)
    path = tmp_path / "scales.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), str(path))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        network = load_network(path)
    assert len(network.matrix_layers()) == 2


def test_one_weight_transposed_at_two_places_is_one_shared_matrix_said_so(tmp_path):
    """torch without constant folding writes a module applied twice as one initializer transposed at each place:
    two matrices there, one with folding (a review); now one shared matrix, said, either way"""
    w = np.random.default_rng(3).standard_normal((4, 4)).astype(np.float32)
    nodes = [helper.make_node("Transpose", ["w"], ["t0"], perm=[1, 0]),
             helper.make_node("Transpose", ["w"], ["t1"], perm=[1, 0]),
             helper.make_node("MatMul", ["x", "t0"], ["h"], name="m0"),
             helper.make_node("MatMul", ["h", "t1"], ["y"], name="m1")]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4])],
                              [numpy_helper.from_array(w, "w")])
    path = tmp_path / "twice.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), str(path))
    with pytest.warns(UserWarning, match=r"\('w' by 'm0' and 'm1'\), priced as one shared matrix"):
        network = load_network(path)
    assert len(network.matrix_layers()) == 1
    x = np.random.default_rng(4).standard_normal((2, 4))
    np.testing.assert_allclose(network.forward(x), x @ w.T.astype(np.float64) @ w.T.astype(np.float64), rtol=1e-6)


def test_a_per_head_constant_read_at_two_places_is_one_matrix_a_head(tmp_path):
    """a (heads, k, n) initializer read by two MatMuls (SpeechT5's relative-position table, read by every layer) had
    been programmed at each place: 6 matrices of 3 heads, twice its values; the outputs are unchanged"""
    from onnx.reference import ReferenceEvaluator

    table = np.random.default_rng(0).standard_normal((3, 4, 5)).astype(np.float32)
    nodes = [helper.make_node("Transpose", ["x"], ["xt"], perm=[1, 0, 2]),
             helper.make_node("MatMul", ["xt", "G"], ["h1"], name="m0"), helper.make_node("Tanh", ["h1"], ["t"]),
             helper.make_node("Slice", ["t", "s0", "s1", "ax"], ["t4"]),
             helper.make_node("MatMul", ["t4", "G"], ["h2"], name="m1"), helper.make_node("Add", ["h2", "h1"], ["h3"]),
             helper.make_node("Transpose", ["h3"], ["y"], perm=[1, 0, 2])]
    inits = [numpy_helper.from_array(table, "G"), numpy_helper.from_array(np.array([0]), "s0"),
             numpy_helper.from_array(np.array([4]), "s1"), numpy_helper.from_array(np.array([2]), "ax")]
    text, matrices = _note_and_matrices(tmp_path, nodes, inits, (1, 3, 4), (1, 3, 5))
    assert len(matrices) == 3 and sum(m.weight.size for m in matrices) == table.size
    assert "'G' by 'm0' and 'm1'" in text
    model = onnx.load(str(tmp_path / "g.onnx"))
    x = np.random.default_rng(1).standard_normal((1, 3, 4)).astype(np.float32)
    np.testing.assert_allclose(load_network(tmp_path / "g.onnx").forward(x),
                               ReferenceEvaluator(model).run(None, {"x": x})[0], rtol=1e-5, atol=1e-6)
    inits[0] = numpy_helper.from_array(np.zeros_like(table), "G")  # heads of equal values stay a matrix each
    assert [m.weight.size for m in _note_and_matrices(tmp_path, nodes, inits, (1, 3, 4), (1, 3, 5))[1]] == [20] * 3
