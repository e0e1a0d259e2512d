"""Operators of recent opsets that torch's dynamo exporter writes, against onnx's reference evaluator: Attention
(opset 23; 4-d and 3-d inputs, grouped-query heads, causal and constant masks, soft cap and scale; what is not
supported is refused naming the node), RMSNormalization (23), GroupNormalization (18 and 21), GatherND of
constants (LeViT's attention biases), TopK (torch's topk and sort values) and MatMul by one constant matrix per
head (MViT's relative-position tables, as the dynamo exporter writes them), and a 3-d convolution over a stack of
volumes moved into the batch axis (MViT's pooled heads)."""

from __future__ import annotations

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
helper, numpy_helper, TensorProto = onnx.helper, onnx.numpy_helper, onnx.TensorProto
from onnx.reference import ReferenceEvaluator  # noqa: E402

from cimsim.network.onnx_import import network_from_onnx  # noqa: E402

S, E, D = 5, 12, 4  # tokens, features per token, head size
RNG = np.random.default_rng(7)


def _projection(name: str, heads: int, four_d: bool, batch: int) -> tuple[list, dict]:
    """nodes computing ``name`` (x @ W, as 4-d heads or as 3-d (batch, tokens, heads x size)) and their constants"""
    consts = {f"w{name}": RNG.standard_normal((E, heads * D)).astype(np.float32)}
    if not four_d:
        return [helper.make_node("MatMul", ["x", f"w{name}"], [name])], consts
    consts[f"s{name}"] = np.array([batch, S, heads, D], np.int64)
    return [helper.make_node("MatMul", ["x", f"w{name}"], [f"{name}p"]),
            helper.make_node("Reshape", [f"{name}p", f"s{name}"], [f"{name}r"]),
            helper.make_node("Transpose", [f"{name}r"], [name], perm=[0, 2, 1, 3])], consts


def _model(q_heads: int, kv_heads: int, four_d: bool, batch: int = 2, mask=None, outputs=("y",), extra_inputs=(),
           **attrs):
    nodes, consts = [], {}
    for name, heads in (("q", q_heads), ("k", kv_heads), ("v", kv_heads)):
        more, c = _projection(name, heads, four_d, batch)
        nodes += more
        consts.update(c)
    inputs = ["q", "k", "v"]
    if mask is not None:
        consts["mask"] = mask
        inputs.append("mask")
    inputs += list(extra_inputs)
    if not four_d:
        attrs.update(q_num_heads=q_heads, kv_num_heads=kv_heads)
    nodes.append(helper.make_node("Attention", inputs, ["a", *outputs[1:]], name="att", **attrs))
    nodes.append(helper.make_node("Identity", ["a"], ["y"]))
    graph_outputs = [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [batch, S, E])],
                              graph_outputs, [numpy_helper.from_array(np.asarray(v), k) for k, v in consts.items()])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 23)])


CASES = {
    "4-d, causal, grouped-query heads": dict(q_heads=4, kv_heads=2, four_d=True, is_causal=1),
    "3-d, grouped-query heads": dict(q_heads=6, kv_heads=3, four_d=False),
    "4-d, batch 1, scale and soft cap": dict(q_heads=2, kv_heads=2, four_d=True, batch=1, scale=0.3, softcap=2.0),
    "3-d, causal, a boolean mask with a fully masked row": dict(
        q_heads=2, kv_heads=1, four_d=False, is_causal=1,
        mask=np.array([[True] * S] * (S - 1) + [[False] * S])),
    "4-d, a float mask per head": dict(q_heads=2, kv_heads=2, four_d=True,
                                       mask=RNG.standard_normal((1, 2, S, S)).astype(np.float32)),
}


@pytest.mark.parametrize("case", CASES)
def test_attention_matches_the_onnx_reference(case):
    spec = dict(CASES[case])
    batch = spec.get("batch", 2)
    model = _model(**spec)
    x = RNG.standard_normal((batch, S, E)).astype(np.float32)
    expected = ReferenceEvaluator(model).run(None, {"x": x})[0]
    got = network_from_onnx(model, "m.onnx").forward(x)
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=2e-5, atol=2e-5)
    if "fully" in case:
        assert (got[:, -1] == 0).all()  # every key masked: 0, as the reference's guard gives


@pytest.mark.parametrize("change, why", [
    (dict(extra_inputs=("", "x", "x")), "a KV cache .* or padding lengths"),
    (dict(outputs=("y", "present_key")), None),  # present_key not read by anything: fine
    (dict(mask=None, is_causal=0, extra_inputs=("q",)), "an attn_mask computed from the activations"),
])
def test_what_attention_does_not_support_is_refused(change, why):
    spec = dict(q_heads=2, kv_heads=2, four_d=False, **change)
    model = _model(**spec)
    if why is None:
        assert network_from_onnx(model, "m.onnx").output_shape == (S, 2 * D)
        return
    with pytest.raises(ValueError, match=rf"node 'att' \(Attention\): {why}"):
        network_from_onnx(model, "m.onnx")


def test_rms_normalization_matches_the_onnx_reference():
    nodes = [helper.make_node("RMSNormalization", ["x", "g"], ["y"], axis=-1, epsilon=1e-3)]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, S, E])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
                              [numpy_helper.from_array(RNG.standard_normal(E).astype(np.float32), "g")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 23)])
    x = RNG.standard_normal((2, S, E)).astype(np.float32)
    net = network_from_onnx(model, "m.onnx")
    np.testing.assert_allclose(net.forward(x), ReferenceEvaluator(model).run(None, {"x": x})[0], rtol=1e-5,
                               atol=1e-5)
    assert [layer.kind for layer in net.layers] == ["rmsnorm"]


def test_an_rms_norm_is_saved_loaded_and_priced(tmp_path):
    from cimsim.models.from_network import model_from_network
    from cimsim.network import Dense, Network, RMSNorm, load_network, save_network

    net = Network((Dense(RNG.standard_normal((8, 4)), None), RMSNorm(RNG.standard_normal(8), None, 1e-4)), (4,))
    save_network(net, tmp_path / "n.npz")
    back = load_network(tmp_path / "n.npz")
    x = RNG.standard_normal((3, 4))
    np.testing.assert_array_equal(back.forward(x), net.forward(x))
    y = x @ net.layers[0].weight.T
    np.testing.assert_allclose(net.forward(x), y / np.sqrt((y ** 2).mean(axis=1, keepdims=True) + 1e-4)
                               * net.layers[1].weight, rtol=1e-12)
    assert [op.kind for op in model_from_network(back).ops[1:]] == ["rmsnorm"]  # the vector unit's RMSNorm


def _single(node, input_shape, consts: dict, opset: int):
    graph = helper.make_graph([node], "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, input_shape)],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
                              [numpy_helper.from_array(np.asarray(v), k) for k, v in consts.items()])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])


@pytest.mark.parametrize("opset, per", [(21, 6), (18, 3)])  # opset 18: a scale and bias per group
def test_group_normalization_matches_the_onnx_reference(opset, per):
    node = helper.make_node("GroupNormalization", ["x", "s", "b"], ["y"], num_groups=3, epsilon=1e-3)
    consts = {"s": RNG.standard_normal(per).astype(np.float32), "b": RNG.standard_normal(per).astype(np.float32)}
    model = _single(node, [2, 6, 4, 5], consts, opset)
    x = RNG.standard_normal((2, 6, 4, 5)).astype(np.float32)
    np.testing.assert_allclose(network_from_onnx(model, "m.onnx").forward(x),
                               ReferenceEvaluator(model).run(None, {"x": x})[0], rtol=1e-4, atol=1e-5)
    with pytest.raises(ValueError, match="GroupNormalization num_groups 4 does not divide the 6 channels"):
        node = helper.make_node("GroupNormalization", ["x", "s", "b"], ["y"], num_groups=4)
        network_from_onnx(_single(node, [2, 6, 4, 5], consts, opset), "m.onnx")


def test_gather_nd_of_constants_is_folded():
    table = RNG.standard_normal((3, 10)).astype(np.float32)
    index = RNG.integers(0, 10, (3, 6, 1))
    nodes = [helper.make_node("GatherND", ["t", "i"], ["bias"], batch_dims=1),  # (3, 6) biases, as LeViT's
             helper.make_node("Add", ["x", "bias"], ["y"])]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3, 6])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
                              [numpy_helper.from_array(table, "t"), numpy_helper.from_array(index, "i")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)])
    x = RNG.standard_normal((2, 3, 6)).astype(np.float32)
    net = network_from_onnx(model, "m.onnx")
    np.testing.assert_allclose(net.forward(x), ReferenceEvaluator(model).run(None, {"x": x})[0], rtol=1e-6)
    assert [layer.kind for layer in net.layers] == ["affine"]  # the gathered constant: a shift


@pytest.mark.parametrize("largest, axis", [(1, -1), (0, 1)])
def test_top_k_values_match_the_onnx_reference(largest, axis):
    node = helper.make_node("TopK", ["x", "k"], ["y", "i"], axis=axis, largest=largest)
    model = _single(node, [2, 5, 6], {"k": np.array([3], np.int64)}, 18)
    x = RNG.standard_normal((2, 5, 6)).astype(np.float32)
    x[0, 0, :2] = x[0, 0, 3]  # ties: the same values whichever position wins
    net = network_from_onnx(model, "m.onnx")
    np.testing.assert_array_equal(net.forward(x), ReferenceEvaluator(model).run(None, {"x": x})[0])
    assert [layer.kind for layer in net.layers] == ["topk"]


@pytest.mark.parametrize("largest", [1, 0])
def test_top_k_indices_are_positions_as_onnx_orders_them(largest):
    """The indices output, when read (a mixture of experts' router), is a second TopK layer of positions; of equal
    values the lower position comes first, as ONNX's reference orders them (they had been refused)."""
    nodes = [helper.make_node("TopK", ["x", "k"], ["v", "i"], name="top", largest=largest),
             helper.make_node("Cast", ["i"], ["p"], to=TensorProto.FLOAT),
             helper.make_node("Add", ["v", "p"], ["y"])]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 6])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
                              [numpy_helper.from_array(np.array([3], np.int64), "k")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)])
    net = network_from_onnx(model, "m.onnx")
    x = np.array([[1, 3, 1, 3, 2, 1], [0.5, -1, 2, -1, 0.5, 7]], np.float32)
    np.testing.assert_array_equal(net.forward(x), ReferenceEvaluator(model).run(None, {"x": x})[0])
    assert [layer.indices for layer in net.layers if layer.kind == "topk"] == [False, True]


def test_top_k_layer_is_saved_and_priced(tmp_path):
    from cimsim.models.from_network import model_from_network
    from cimsim.network import Dense, Network, TopK, load_network, save_network

    positions = Network((Dense(RNG.standard_normal((6, 4)), None), TopK(2, indices=True)), (4,))
    save_network(positions, tmp_path / "p.npz")
    x = RNG.standard_normal((3, 4))
    np.testing.assert_array_equal(load_network(tmp_path / "p.npz").forward(x),
                                  np.argsort(-(x @ positions.layers[0].weight.T), axis=1)[:, :2])
    net = Network((Dense(RNG.standard_normal((6, 4)), None), TopK(2)), (4,))
    save_network(net, tmp_path / "n.npz")
    x = RNG.standard_normal((3, 4))
    products = x @ net.layers[0].weight.T
    np.testing.assert_array_equal(load_network(tmp_path / "n.npz").forward(x), np.sort(products)[:, ::-1][:, :2])
    [op] = model_from_network(net).ops[1:]
    assert (op.kind, op.elements_per_item) == ("max", 6 * 2)  # each value against a heap of 2: log2(2) + 1 compares
    with pytest.raises(ValueError, match="TopK k 7 exceeds the 6 values along axis -1"):
        Network((Dense(RNG.standard_normal((6, 4)), None), TopK(7)), (4,))


@pytest.mark.parametrize("const_shape", [(3, 4, 5), (1, 3, 4, 5)])
def test_matmul_by_a_constant_matrix_per_head_matches_the_onnx_reference(const_shape):
    node = helper.make_node("MatMul", ["x", "w"], ["y"], name="mm")
    model = _single(node, [2, 3, 6, 4], {"w": RNG.standard_normal(const_shape).astype(np.float32)}, 18)
    x = RNG.standard_normal((2, 3, 6, 4)).astype(np.float32)
    net = network_from_onnx(model, "m.onnx")
    np.testing.assert_allclose(net.forward(x), ReferenceEvaluator(model).run(None, {"x": x})[0], rtol=1e-5, atol=1e-6)
    assert sum(layer.kind == "dense" for layer in net.layers) == 3  # one programmed matrix per head
    with pytest.raises(ValueError, match=r"node 'mm' \(MatMul\): MatMul needs .* one per head"):
        network_from_onnx(_single(node, [2, 3, 6, 4], {"w": np.ones((2, 4, 5), np.float32)}, 18), "m.onnx")


def test_a_3d_convolution_over_volumes_stacked_in_the_batch_axis_runs_volume_by_volume():
    """a graph exported with batch 1 that moves 2 volumes into its batch axis (as MViT's pooling does) had been
    refused ("expects a batch of 1 on the leading axis"); each volume now goes through the one convolution"""
    nodes = [helper.make_node("Reshape", ["x", "stacked"], ["v"]),
             helper.make_node("Conv", ["v", "w", "b"], ["c"], pads=[1, 1, 1, 1, 1, 1]),
             helper.make_node("Reshape", ["c", "back"], ["y"])]
    consts = {"stacked": np.array([2, 3, 4, 5, 5], np.int64), "back": np.array([1, 8, 4, 5, 5], np.int64),
              "w": RNG.standard_normal((4, 3, 3, 3, 3)).astype(np.float32),
              "b": RNG.standard_normal(4).astype(np.float32)}
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 6, 4, 5, 5])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
                              [numpy_helper.from_array(v, k) for k, v in consts.items()])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)])
    x = RNG.standard_normal((1, 6, 4, 5, 5)).astype(np.float32)
    net = network_from_onnx(model, "m.onnx")
    np.testing.assert_allclose(net.forward(x), ReferenceEvaluator(model).run(None, {"x": x})[0], rtol=1e-5, atol=1e-5)
    [shape] = net.matrix_shapes()  # the weights programmed once, read for each volume
    assert len(shape.rows_per_use) == 2



@pytest.mark.parametrize("minus_inf_as", ["b", "a"])
def test_where_of_an_activation_mask_and_minus_infinity(minus_inf_as):
    """masked_fill(mask, -inf) with a mask computed from activations (a router's, a padding mask from the ids):
    x + log(mask) (log 1 = 0, log 0 = -inf), and the same with the branches swapped (refused before); a constant
    with -inf in some places only is selected exactly (a Select layer; refused while the select was arithmetic)."""
    def model(inf):
        selects = ["x", "inf"] if minus_inf_as == "b" else ["inf", "x"]
        nodes = [helper.make_node("Greater", ["x", "zero"], ["c"]), helper.make_node("Where", ["c", *selects], ["y"])]
        graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 5])],
                                  [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
                                  [numpy_helper.from_array(np.float32(0), "zero"), numpy_helper.from_array(inf, "inf")])
        return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)])

    x = RNG.standard_normal((2, 5)).astype(np.float32)
    for inf in (np.full(5, -np.inf, np.float32), np.array([-np.inf, 0, np.inf, 0, 3], np.float32)):
        np.testing.assert_array_equal(network_from_onnx(model(inf), "m.onnx").forward(x),
                                      ReferenceEvaluator(model(inf)).run(None, {"x": x})[0])


def _routed_graph(nodes, consts, shape=(1, 6)):
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, list(shape))],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
                              [numpy_helper.from_array(v, k) for k, v in consts.items()])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)])


@pytest.mark.parametrize("updates", ["activation", "constant"])
def test_gather_and_scatter_at_computed_indices_match_the_onnx_reference(updates, tmp_path):
    """A router's reads and writes at the positions it picked (TopK's indices): GatherElements of the scores
    (TakeAlong), ScatterElements of -inf (a constant) or of activations (PutAlong) at those positions, and into
    zeros (a constant: a Constant layer first, as DeepSeek-V3's grouped router writes its mask); saved and loaded."""
    from cimsim.network import load_network, save_network

    written = "v" if updates == "activation" else "minus_inf"
    nodes = [helper.make_node("TopK", ["x", "k"], ["v", "i"]),
             helper.make_node("GatherElements", ["x", "i"], ["picked"], axis=1),
             helper.make_node("ScatterElements", ["x", "i", written], ["masked"], axis=1),
             helper.make_node("ScatterElements", ["zeros", "i", "ones"], ["mask"], axis=1),
             helper.make_node("Concat", ["picked", "masked", "mask"], ["y"], axis=1)]
    consts = {"k": np.array([2], np.int64), "minus_inf": np.full((1, 2), -np.inf, np.float32),
              "zeros": np.zeros((1, 6), np.float32), "ones": np.ones((1, 2), np.float32)}
    model = _routed_graph(nodes, consts)
    net = network_from_onnx(model, "m.onnx")
    x = RNG.standard_normal((1, 6)).astype(np.float32)
    want = ReferenceEvaluator(model).run(None, {"x": x})[0]
    np.testing.assert_array_equal(net.forward(x), want)
    save_network(net, tmp_path / "routed.npz")
    np.testing.assert_array_equal(load_network(tmp_path / "routed.npz").forward(x), want)
    assert {"take_along", "put_along", "constant"} <= {layer.kind for layer in net.layers}


def test_computed_indices_out_of_range_and_scatters_into_constants_are_named():
    from cimsim.network import Constant, Network, PutAlong, TakeAlong

    net = Network((TakeAlong(axis=-1),), (4,), ((0, 0),))
    np.testing.assert_array_equal(net.forward(np.array([[3.0, 1.0, 0.0, -1.0]])), [[-1.0, 1.0, 3.0, -1.0]])
    with pytest.raises(ValueError, match=r"TakeAlong indices must be integers in \[-4, 4\); got values from 0 to 4"):
        net.forward(np.array([[4.0, 1.0, 0.0, 0.0]]))
    with pytest.raises(ValueError, match="PutAlong value must be a number"):
        PutAlong(value=float("nan"))
    with pytest.raises(ValueError, match=r"PutAlong takes \(data, indices, updates\); got 2 inputs"):
        Network((PutAlong(),), (4,), ((0, 0),))
    assert Constant(np.ones(3)).output_shape((7, 2)) == (3,)
    nodes = [helper.make_node("ScatterElements", ["empty", "at", "x"], ["y"], axis=1)]  # made empty, then written
    model = _routed_graph(nodes, {"empty": np.zeros((1, 8), np.float32), "at": np.array([[1, 3, 5, 7, 0, 2]])})
    x = RNG.standard_normal((1, 6)).astype(np.float32)
    np.testing.assert_array_equal(network_from_onnx(model, "m.onnx").forward(x),
                                  ReferenceEvaluator(model).run(None, {"x": x})[0])
    refused = _routed_graph([helper.make_node("ScatterND", ["empty", "at", "x"], ["y"])],
                            {"empty": np.zeros((1, 2, 6), np.float32), "at": np.array([[0, 1]])})
    with pytest.raises(ValueError, match="ScatterND into a constant needs indices or updates of its rank"):
        network_from_onnx(refused, "m.onnx")


@pytest.mark.parametrize("reduction", ["add", "mul", "max", "min"])
def test_scatters_that_combine_match_the_onnx_reference(reduction, tmp_path):
    """ScatterElements with a reduction (torch's scatter_add, scatter_reduce, index_add) at computed indices that
    repeat (TopK's positions, folded onto 3 of 6 by a Mod: PutAlong) and at constant ones that repeat (Scatter),
    and ScatterND with a reduction at repeated constant rows; saved and loaded; priced as one operation per update"""
    from cimsim.models.from_network import model_from_network
    from cimsim.network import Scatter, load_network, save_network

    nodes = [helper.make_node("MatMul", ["x", "w"], ["h"]), helper.make_node("TopK", ["h", "k"], ["v", "i"]),
             helper.make_node("Mod", ["i", "three"], ["i3"]),
             helper.make_node("ScatterElements", ["h", "i3", "v"], ["computed"], "scatter1", axis=1,
                              reduction=reduction),
             helper.make_node("ScatterElements", ["h", "at", "v"], ["constant"], "scatter2", axis=1,
                              reduction=reduction),
             helper.make_node("Reshape", ["h", "rows"], ["h3"]),
             helper.make_node("ScatterND", ["h3", "nd", "h3"], ["nd_out"], "scatter3", reduction=reduction),
             helper.make_node("Reshape", ["nd_out", "flat"], ["nd_flat"]),
             helper.make_node("Concat", ["computed", "constant", "nd_flat"], ["y"], axis=1)]
    consts = {"w": np.eye(6, dtype=np.float32)[::-1].copy(), "k": np.array([4], np.int64),
              "three": np.array(3, np.int64), "at": np.array([[1, 1, 4, 1]]), "rows": np.array([1, 3, 2], np.int64),
              "nd": np.array([[[0, 2], [0, 2], [0, 0]]]), "flat": np.array([1, 6], np.int64)}
    model = _routed_graph(nodes, consts)
    net = network_from_onnx(model, "m.onnx")
    x = RNG.standard_normal((1, 6)).astype(np.float32)
    want = ReferenceEvaluator(model).run(None, {"x": x})[0]
    np.testing.assert_allclose(net.forward(x), want, rtol=1e-6)
    if reduction in ("add", "mul"):  # each one combined (a max or a min may keep the data)
        assert not np.array_equal(want[0, :6], x[0, ::-1]) and not np.array_equal(want[0, 6:12], x[0, ::-1])
    save_network(net, tmp_path / "combined.npz")
    np.testing.assert_array_equal(load_network(tmp_path / "combined.npz").forward(x), net.forward(x))
    combining = {op.name: (op.kind, op.elements_per_item) for op in model_from_network(net).ops
                 if op.name.startswith("scatter")}
    kind = {"add": "add", "mul": "mul"}.get(reduction, "max")
    assert combining == {"scatter1": (kind, 4), "scatter2": (kind, 4), "scatter3": (kind, 6)}  # one per update
    with pytest.raises(ValueError, match="Scatter reduction must be one of none, add, mul, max, min; got 'sum'"):
        Scatter(np.array([0]), "sum")


def test_a_constant_written_into_an_activation_at_constant_positions():
    """shift_tokens_right (BART-style decoders: MVP, BigBird-Pegasus): the ids shifted by a ScatterND into zeros,
    then the start token (a constant) written at position 0 of every sequence by a second ScatterND"""
    nodes = [helper.make_node("Slice", ["x", "starts", "ends", "axes"], ["head"]),
             helper.make_node("ScatterND", ["zeros", "shifted_at", "head"], ["shifted"]),
             helper.make_node("ScatterND", ["shifted", "first", "start"], ["y"])]
    consts = {"starts": np.array([0]), "ends": np.array([5]), "axes": np.array([1]),
              "zeros": np.zeros((1, 6), np.float32), "shifted_at": np.array([[[0, k] for k in range(1, 6)]]),
              "first": np.array([[[0, 0]]]), "start": np.array([[7.0]], np.float32)}
    model = _routed_graph(nodes, consts)
    x = RNG.standard_normal((1, 6)).astype(np.float32)
    want = ReferenceEvaluator(model).run(None, {"x": x})[0]
    np.testing.assert_array_equal(network_from_onnx(model, "m.onnx").forward(x), want)
    assert want[0, 0] == 7.0 and np.array_equal(want[0, 1:], x[0, :5])
