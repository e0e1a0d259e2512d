"""Patterns of unseen Hugging Face models, as small hand-built ONNX graphs against onnx's reference evaluator: a
Transpose with negative perm entries (torch's TorchScript export of Mamba-2's x.permute(0, -2, -1, 1)), and layer
operators of constants only folded at import (Perceiver's LayerNormalization of its latents, Funnel's Pad, CANINE's
MaxPool), within the size guard of folded constants."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
helper, numpy_helper, TensorProto = onnx.helper, onnx.numpy_helper, onnx.TensorProto
from onnx.reference import ReferenceEvaluator  # noqa: E402

from cimsim.network.onnx_import import network_from_onnx  # noqa: E402

RNG = np.random.default_rng(11)


def _model(nodes: list, shape: tuple, consts: dict | None = None, opset: int = 17):
    """a graph of input x (``shape``, batch first) and output y"""
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, list(shape))],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
                              [numpy_helper.from_array(np.asarray(v), k) for k, v in (consts or {}).items()])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])


def _matches(model, x: np.ndarray, want: np.ndarray | None = None) -> None:
    """the imported network's output on ``x`` is ``want`` (else onnx's reference evaluation of the model)"""
    if want is None:
        want = ReferenceEvaluator(model).run(None, {"x": x})[0]
    got = network_from_onnx(model).forward(x.astype(np.float64))
    assert got.shape == want.shape
    assert np.abs(got - want).max() <= 1e-5 * max(np.abs(want).max(), 1.0)


def test_negative_transpose_entries_count_from_the_last_axis():
    """perm (0, -2, -1, 1), as torch's TorchScript exporter writes x.permute(0, -2, -1, 1): numpy's and torch's
    (0, 2, 3, 1) (onnxruntime and the ONNX spec take [0, rank) only; cimsim reads what torch wrote)"""
    x = RNG.standard_normal((2, 5, 3, 4)).astype(np.float32)
    model = _model([helper.make_node("Transpose", ["x"], ["y"], perm=[0, -2, -1, 1])], x.shape)
    _matches(model, x, np.transpose(x, (0, 2, 3, 1)))


def test_a_transpose_entry_beyond_the_rank_is_refused_naming_it():
    model = _model([helper.make_node("Transpose", ["x"], ["y"], perm=[0, 1, 2, -5])], (2, 5, 3, 4))
    with pytest.raises(ValueError, match=r"perm \[0, 1, 2, -5\] has an entry outside \[-4, 4\)"):
        network_from_onnx(model)


def test_a_layer_norm_of_constants_is_folded():
    """Perceiver's latents (and Pegasus-X's global tokens): a LayerNormalization of a learned table, added to the
    activations"""
    consts = {"latents": RNG.standard_normal((3, 8)).astype(np.float32), "gain": RNG.random(8).astype(np.float32),
              "shift": RNG.standard_normal(8).astype(np.float32)}
    nodes = [helper.make_node("LayerNormalization", ["latents", "gain", "shift"], ["normed"], axis=-1,
                              epsilon=1e-5),
             helper.make_node("Add", ["x", "normed"], ["y"])]
    _matches(_model(nodes, (2, 3, 8), consts), RNG.standard_normal((2, 3, 8)).astype(np.float32))


def test_a_pad_and_a_max_pool_of_constants_are_folded():
    """Funnel's Pad and CANINE's MaxPool of tables computed from constants"""
    consts = {"table": RNG.standard_normal((1, 2, 6)).astype(np.float32), "pads": np.array([0, 0, 1, 0, 0, 1])}
    nodes = [helper.make_node("Pad", ["table", "pads"], ["padded"], mode="reflect"),
             helper.make_node("MaxPool", ["padded"], ["pooled"], kernel_shape=[2], strides=[2]),
             helper.make_node("Add", ["x", "pooled"], ["y"])]
    _matches(_model(nodes, (2, 2, 4), consts), RNG.standard_normal((2, 2, 4)).astype(np.float32))


def test_a_folded_constant_past_the_size_guard_is_refused_before_it_is_computed():
    consts = {"table": np.ones((1, 1), np.float32), "pads": np.array([0, 0, 20000, 20000])}
    nodes = [helper.make_node("Pad", ["table", "pads"], ["padded"]),
             helper.make_node("Add", ["x", "padded"], ["y"])]
    with pytest.raises(ValueError, match=r"Pad would hold 4e\+08 values, more than"):
        network_from_onnx(_model(nodes, (1, 20001, 20001), consts))


@pytest.mark.parametrize("equation, x_shape, constant", [
    ("...nd,...ng->...gd", (1, 6, 4), (1, 6, 3)),  # longT5's global aggregates: the ellipsis holds the batch
    ("...nd,ng->...gd", (2, 5, 6, 4), (6, 3)),  # an ellipsis in one operand only
    ("...nd,...ne->...de", (2, 3, 6, 4), None),  # two activations (the second x's Relu)
])
def test_einsum_ellipses_are_labels_of_their_own(equation, x_shape, constant):
    consts = {} if constant is None else {"c": RNG.standard_normal(constant).astype(np.float32)}
    nodes = [helper.make_node("Relu", ["x"], ["c"])] if constant is None else []
    nodes.append(helper.make_node("Einsum", ["x", "c"], ["y"], equation=equation))
    _matches(_model(nodes, x_shape, consts), RNG.standard_normal(x_shape).astype(np.float32))


def test_einsum_ellipses_that_broadcast_are_refused():
    consts = {"c": RNG.standard_normal((1, 6, 3)).astype(np.float32)}
    nodes = [helper.make_node("Einsum", ["x", "c"], ["y"], equation="...nd,...ng->...gd")]
    with pytest.raises(ValueError, match=r"broadcasts its ellipsis axes \(2 and 1\)"):
        network_from_onnx(_model(nodes, (2, 6, 4), consts))


@pytest.mark.parametrize("equation, x_shape, constants", [
    ("bij->bj", (2, 5, 6), []), ("bii->bi", (2, 4, 4), []), ("bii->b", (2, 4, 4), []), ("bij", (2, 4, 3), []),
    ("bij->bji", (2, 4, 3), []), ("biij,jk->bik", (2, 3, 3, 4), [(4, 5)]), ("bijk,kj->bi", (2, 3, 4, 4), [(4, 4)]),
    ("bij,jk,kl->bil", (2, 4, 3), [(3, 5), (5, 2)]), ("bij,bkj,jl->bikl", (2, 4, 3), ["x", (3, 2)]),
    ("bii,bjj->bij", (2, 3, 3), ["x"]), ("...ij->...ji", (2, 3, 4), [])])
def test_einsum_of_one_or_several_operands_with_diagonals_and_sums(equation, x_shape, constants):
    """numpy's einsum whole: a label repeated in one operand (its diagonal), summed within one operand, an implicit
    output, three operands (multiplied two at a time); "x": the activation again (had been refused: two operands,
    each label once, an explicit output)"""
    consts = {f"c{k}": RNG.standard_normal(c).astype(np.float32) for k, c in enumerate(constants) if c != "x"}
    operands = ["r"] + [f"c{k}" if c != "x" else "r" for k, c in enumerate(constants)]
    nodes = [helper.make_node("Relu", ["x"], ["r"]), helper.make_node("Einsum", operands, ["y"], equation=equation)]
    _matches(_model(nodes, x_shape, consts), RNG.standard_normal(x_shape).astype(np.float32))


def test_an_elementwise_einsum_of_two_activations_of_one_label_string_multiplies_both():
    """a gate, einsum("bld,bld->bld", a(x), sigmoid(b(x))): both operands' copies had one name, the second's, so the
    product was the second squared (a models probe)"""
    nodes = [helper.make_node("Sigmoid", ["x"], ["s"]), helper.make_node("Einsum", ["x", "s"], ["y"],
                                                                         equation="bld,bld->bld")]
    _matches(_model(nodes, (2, 5, 8)), RNG.standard_normal((2, 5, 8)).astype(np.float32))


@pytest.mark.parametrize("equation, x_shape, second", [
    ("bhqd,bhkd->bhqk", (2, 4, 6, 8), 1),  # multi-query attention: one key head for the four query heads
    ("bij,bjk->bik", (2, 3, 4), 1),  # a contracted label 1 long in the second operand
    ("bchw,bchw->bchw", (2, 3, 4, 5), 2),  # an elementwise product
    ("bchw,cwk->bchk", (2, 3, 4, 5), (1, 5, 2)),  # a constant's batch label
    ("bij,jk->bik", (2, 3, 4), (1, 5)),  # a constant's contracted label
])
def test_einsum_labels_one_long_in_one_operand_broadcast(equation, x_shape, second):
    """a label 1 long in one operand and n in the other, as numpy and onnxruntime broadcast it (had been refused
    with "cannot reshape [1, 4, 6, 8] to [1, 1, 6, 8]"); ``second``: the axis of x sliced to 1 (a second activation),
    or a constant's shape"""
    if isinstance(second, tuple):
        consts, nodes = {"c": RNG.standard_normal(second).astype(np.float32)}, []
    else:
        consts = {"start": np.array([0]), "end": np.array([1]), "axis": np.array([second])}
        nodes = [helper.make_node("Relu", ["x"], ["r"]),
                 helper.make_node("Slice", ["r", "start", "end", "axis"], ["c"])]
    nodes.append(helper.make_node("Einsum", ["x", "c"], ["y"], equation=equation))
    _matches(_model(nodes, x_shape, consts), RNG.standard_normal(x_shape).astype(np.float32))


@pytest.mark.parametrize("constant, message", [
    ((3, 5), r"label 'j' is 4 long in one operand and 3 in the other"),
    ((3, 4, 5), r"label 'b' broadcasts the sample axis of an activation; not supported")])
def test_einsum_labels_of_sizes_that_do_not_broadcast_are_refused_naming_them(constant, message):
    consts = {"c": RNG.standard_normal(constant).astype(np.float32)}
    equation = "bij,jk->bik" if len(constant) == 2 else "bij,bjk->bik"
    nodes = [helper.make_node("Einsum", ["x", "c"], ["y"], equation=equation)]
    with pytest.raises(ValueError, match=message):
        network_from_onnx(_model(nodes, (1, 3, 4), consts))


def test_an_implicit_einsum_output_with_an_ellipsis_is_refused_saying_what_to_write():
    nodes = [helper.make_node("Einsum", ["x"], ["y"], equation="...ii")]
    with pytest.raises(ValueError, match=r"an ellipsis without an explicit output \('->'\) is not supported; write"):
        network_from_onnx(_model(nodes, (2, 3, 3)))


def test_constant_folding_follows_ieee_without_warnings():
    """T5's relative-position buckets fold log(0) = -inf and cast it to integers before a Where drops it: the folded
    values are IEEE's (and the cast's, undefined in ONNX, whatever numpy gives), with no numpy warning leaking."""
    import warnings

    from cimsim.network._onnx_fold import fold

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        (logs,) = fold(onnx, "Log", {}, [np.array([0.0, 1.0])])
        (cast,) = fold(onnx, "Cast", {"to": TensorProto.INT64}, [logs])
    assert logs[0] == -np.inf and logs[1] == 0.0 and cast.dtype == np.int64 and cast[1] == 0


@pytest.mark.parametrize("scale", [(5,), (6, 1), (1, 5), (1,)])
def test_a_layer_norms_scale_that_broadcasts_as_onnxruntime_s_does_imports(scale):
    x = RNG.standard_normal((2, 4, 6, 5)).astype(np.float32)
    model = _model([helper.make_node("LayerNormalization", ["x", "g"], ["y"])], ("N", 4, 6, 5),
                   {"g": RNG.standard_normal(scale).astype(np.float32)})
    _matches(model, x)


@pytest.mark.parametrize("scale", [(4,), (2, 4, 6, 5)])
def test_a_layer_norms_scale_that_does_not_broadcast_is_refused_at_import_naming_the_node(scale):
    """it had imported, to fail in the first forward pass with numpy's broadcast error naming neither"""
    model = _model([helper.make_node("LayerNormalization", ["x", "g"], ["y"], name="ln")], ("N", 4, 6, 5),
                   {"g": np.ones(scale, np.float32)})
    with pytest.raises(ValueError, match=rf"node 'ln' \(LayerNormalization\): LayerNorm weight of shape "
                                         rf"\({', '.join(map(str, scale))},?\) does not broadcast to the per-sample"):
        network_from_onnx(model)


def test_an_initializer_given_twice_is_refused():
    """onnxruntime reads the first, onnx's reference evaluator (and cimsim, before) the last, without a word"""
    w = RNG.standard_normal((5, 3)).astype(np.float32)
    model = _model([helper.make_node("MatMul", ["x", "W"], ["y"])], ("N", 5))
    model.graph.initializer.extend([numpy_helper.from_array(w, "W"), numpy_helper.from_array(2 * w, "W")])
    with pytest.raises(ValueError, match="initializer 'W' is given twice"):
        network_from_onnx(model)


def test_a_tensor_defined_twice_is_refused_naming_the_node():
    model = _model([helper.make_node("Relu", ["x"], ["t"]), helper.make_node("Neg", ["x"], ["t"], name="again"),
                    helper.make_node("Relu", ["t"], ["y"])], ("N", 5))
    with pytest.raises(ValueError, match=r"node 'again' \(Neg\) writes 't', which the graph defines before it"):
        network_from_onnx(model)


@pytest.mark.parametrize("constant", [False, True])
def test_a_gelu_approximation_other_than_none_or_tanh_is_refused(constant):
    """approximate = "fast" had run as the exact GELU (onnxruntime refuses the model), of an activation or folded"""
    x = RNG.standard_normal((2, 5)).astype(np.float32)
    nodes = [helper.make_node("Gelu", ["c" if constant else "x"], ["g"], approximate="fast", name="gelu"),
             helper.make_node("Add", ["x", "g"], ["y"])]
    model = _model(nodes, ("N", 5), {"c": x[0]} if constant else None, opset=20)
    with pytest.raises(ValueError, match=r"Gelu approximate 'fast' is neither 'none' nor 'tanh'"):
        network_from_onnx(model)


def test_an_attribute_the_operators_schema_lacks_is_refused():
    """Relu(foo=3), or a misspelt attribute whose default then ran, had been taken without a word"""
    model = _model([helper.make_node("Softmax", ["x"], ["y"], axsi=1, name="s")], ("N", 5))
    with pytest.raises(ValueError, match=r"node 's' \(Softmax\): Softmax \(opset 17\) has no attribute axsi; its "
                                         r"attributes: axis"):
        network_from_onnx(model)


@pytest.mark.parametrize("op", ["GlobalAveragePool", "GlobalMaxPool"])
def test_a_global_pool_of_a_tensor_without_spatial_axes_is_refused(op):
    """of rank 2 it had returned its input (a mean over no axis)"""
    model = _model([helper.make_node(op, ["x"], ["y"])], ("N", 5))
    with pytest.raises(ValueError, match=rf"{op} needs a tensor \(N, C, spatial axes ...\) of rank 3 or more; got "
                                         r"rank 2"):
        network_from_onnx(model)


def test_a_layer_norms_scale_of_the_inputs_full_rank_imports():
    """a (1, 1, 8) scale on a [N, 4, 8] input (its batch axis of size 1 ahead), which onnxruntime runs, had been
    refused by the broadcast check"""
    x = RNG.standard_normal((2, 4, 8)).astype(np.float32)
    model = _model([helper.make_node("LayerNormalization", ["x", "g", "b"], ["y"])], ("N", 4, 8),
                   {"g": RNG.standard_normal((1, 1, 8)).astype(np.float32),
                    "b": RNG.standard_normal((1, 1, 8)).astype(np.float32)})
    _matches(model, x)


@pytest.mark.parametrize("op, attrs", [("Relu", {"__source_layer": "fc1"}), ("LayerNormalization", {"extra": 1})])
def test_attributes_onnx_s_own_check_takes_are_taken(op, attrs):
    """annotations ("__" names) and LayerNormalization's unlisted attributes: onnx's checker and onnxruntime take
    them (the schema check had refused them)"""
    x = RNG.standard_normal((2, 5)).astype(np.float32)
    inputs = ["x", "g"] if op == "LayerNormalization" else ["x"]
    plain = _model([helper.make_node(op, inputs, ["y"])], ("N", 5), {"g": np.ones(5, np.float32)})
    model = _model([helper.make_node(op, inputs, ["y"], name="ln", **attrs)], ("N", 5), {"g": np.ones(5, np.float32)})
    with warnings.catch_warnings(record=True) as said:
        warnings.simplefilter("always")
        _matches(model, x, ReferenceEvaluator(plain).run(None, {"x": x})[0])  # (the evaluator refuses the attribute)
    ignored = [str(w.message) for w in said if "ignores the attribute" in str(w.message)]
    assert ignored == ([] if op == "Relu" else [  # a misspelt epsilon is said, not silently ignored
        "ONNX model: node 'ln' (LayerNormalization): ignores the attribute(s) extra, which its schema at opset 17 "
        "does not list (its attributes: axis, epsilon, stash_type): check the spelling"])


def test_a_network_pickled_with_layer_norm_in_ops_unpickles():
    """LayerNorm moved to cimsim.network.norms: cimsim.network.ops.LayerNorm, which older pickles name, is it"""
    from cimsim.network import LayerNorm, ops

    assert ops.LayerNorm is LayerNorm
    with pytest.raises(AttributeError, match="has no attribute 'Nope'"):
        ops.Nope  # noqa: B018


def test_a_slice_naming_an_axis_twice_is_refused():
    """axes [1, 1] had applied both slices one after the other (onnxruntime refuses the model)"""
    consts = {"s": np.array([0, 1]), "e": np.array([4, 3]), "a": np.array([1, 1])}
    model = _model([helper.make_node("Slice", ["x", "s", "e", "a"], ["y"], name="sl")], ("N", 5), consts)
    with pytest.raises(ValueError, match=r"node 'sl' \(Slice\): Slice axes \[1, 1\] name an axis twice"):
        network_from_onnx(model)
