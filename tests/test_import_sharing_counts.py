"""Weight sharing by weight array (one matrix whatever each place's bias and geometry), and imported parameter counts
against torch's (docs/networks.md: weight sharing, the exporter's stand-ins; docs/models.md: where the counts
differ). The torch tests need torch (CI installs it; elsewhere they skip, saying why)."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest

from cimsim.models.from_network import model_from_network
from cimsim.network import Conv2d, Dense, Network, ReLU, load_network, save_network
from cimsim.network.ops import Elementwise
from extras import torch_or_skip

RNG = np.random.default_rng(61)


def _imported(module, x: np.ndarray):
    """(network, Model.parameters, torch's count) of ``module`` imported on ``x``, its outputs checked against
    torch's (within float32 rounding)"""
    torch = torch_or_skip()
    from cimsim.network import from_torch

    module = module.eval()
    net = from_torch(module, x)
    with torch.no_grad():
        want = module(torch.as_tensor(x, dtype=torch.float32)).double().numpy()
    assert np.abs(net.forward(x) - want).max() <= 1e-5 * np.abs(want).max()
    return net, model_from_network(net).parameters, sum(p.numel() for p in module.parameters())


def _two_dilations() -> tuple[Network, Conv2d, Conv2d]:
    """one 3 x 3 kernel read at dilations 1 and 2, each place with a bias of its own, the maps added"""
    first = Conv2d(RNG.standard_normal((4, 3, 3, 3)), RNG.standard_normal(4), padding=1)
    second = replace(first, dilation=2, padding=2, bias=RNG.standard_normal(4))
    return Network((first, second, Elementwise("add")), (3, 6, 6), ((0,), (0,), (1, 2))), first, second


def test_layers_holding_one_weight_array_are_one_matrix_read_at_each_place():
    net, first, second = _two_dilations()
    assert second.weight is first.weight and net.matrix_indices() == [0, 0, None]
    assert net.matrix_layers() == [first]
    assert [s.rows_per_use for s in net.matrix_shapes()] == [(36, 36)]
    calls = []
    out = net.forward(RNG.standard_normal((2, 3, 6, 6)),
                      lambda index, layer, rows: calls.append((index, layer)) or layer.product(rows))
    assert calls == [(0, first), (0, second)]  # one matrix, each place's own geometry (its rows) and bias
    assert out.shape == (2, 4, 6, 6)
    model = model_from_network(net)
    static = [op for op in model.ops if getattr(op, "weights", None) == "static"]
    assert [op.vectors_per_item for op in static] == [72]
    assert model.parameters == first.weight.size + first.bias.size + second.bias.size


def test_equal_values_in_two_arrays_are_two_matrices():
    weight = RNG.standard_normal((5, 5))
    net = Network((Dense(weight), ReLU(), Dense(weight.copy())), (5,))
    assert len(net.matrix_layers()) == 2


def test_saved_networks_keep_a_matrix_read_with_another_bias_and_geometry(tmp_path):
    net, _, _ = _two_dilations()
    save_network(net, tmp_path / "two.npz")
    saved = dict(np.load(tmp_path / "two.npz"))
    assert "layer0.weight" in saved and "layer1.weight" not in saved and "layer1.bias" in saved
    assert json.loads(str(saved["architecture"]))[1]["weight_of"] == 0
    back = load_network(tmp_path / "two.npz")
    assert back.layers[1].weight is back.layers[0].weight and back.layers[1].dilation == (2, 2)
    assert len(back.matrix_layers()) == 1
    x = RNG.standard_normal((2, 3, 6, 6))
    np.testing.assert_array_equal(back.forward(x), net.forward(x))


def test_a_bad_weight_of_in_a_saved_network_is_refused(tmp_path):
    net, _, _ = _two_dilations()
    save_network(net, tmp_path / "two.npz")
    arrays = dict(np.load(tmp_path / "two.npz"))
    architecture = json.loads(str(arrays["architecture"]))
    architecture[1]["weight_of"] = 2
    arrays["architecture"] = np.array(json.dumps(architecture))
    np.savez(tmp_path / "bad.npz", **arrays)
    with pytest.raises(ValueError, match=r"layer 1 weight_of 2, which is not an earlier matrix layer of its kind"):
        load_network(tmp_path / "bad.npz")


def test_a_bias_and_norm_read_at_several_places_are_saved_once(tmp_path):
    """a module applied twice is two layers of one weight and one bias, a norm at two places one scale: saved, the
    bias and scale had been stored at each place and loaded as arrays of their own (counted twice)"""
    from cimsim.network.norms import LayerNorm

    dense, norm = Dense(RNG.standard_normal((6, 6)), RNG.standard_normal(6)), LayerNorm(np.ones(6), np.zeros(6))
    net = Network((dense, norm, Dense(dense.weight, dense.bias), norm), (6,))  # a place of its own, one matrix
    save_network(net, tmp_path / "twice.npz")
    saved = dict(np.load(tmp_path / "twice.npz"))
    assert "layer2.bias" not in saved and "layer3.weight" not in saved
    back = load_network(tmp_path / "twice.npz")
    assert back.layers[2].bias is back.layers[0].bias and back.layers[2].weight is back.layers[0].weight
    assert model_from_network(back).parameters == model_from_network(net).parameters == 36 + 6 + 12
    x = RNG.standard_normal((2, 6))
    np.testing.assert_array_equal(back.forward(x), net.forward(x))
    architecture = json.loads(str(saved["architecture"]))
    architecture[2]["same_as"] = {"bias": [3, "bias"]}
    np.savez(tmp_path / "bad.npz", **dict(saved, architecture=np.array(json.dumps(architecture))))
    with pytest.raises(ValueError, match=r"layer 2 'same_as' 'bias': \[3, 'bias'\] is not an array of an earlier"):
        load_network(tmp_path / "bad.npz")


def test_one_kernel_at_three_dilations_is_one_matrix_counted_once():
    torch = torch_or_skip()

    class Trident(torch.nn.Module):  # TridentNet: one 3 x 3 convolution at dilations 1, 2 and 3
        def __init__(self):
            super().__init__()
            self.conv = torch.nn.Conv2d(4, 4, 3, padding=1, bias=False)

        def forward(self, x):
            return sum(torch.nn.functional.conv2d(x, self.conv.weight, None, padding=d, dilation=d) for d in (1, 2, 3))

    torch.manual_seed(61)
    net, parameters, count = _imported(Trident(), RNG.standard_normal((2, 4, 8, 8)))
    assert [s.rows_per_use for s in net.matrix_shapes()] == [(64, 64, 64)]
    assert parameters == count


def test_one_kernel_with_a_bias_per_branch_is_one_matrix_each_bias_counted():
    torch = torch_or_skip()

    class PerBranchBias(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.w = torch.nn.Parameter(torch.randn(4, 4, 3, 3))
            self.b1, self.b2 = torch.nn.Parameter(torch.randn(4)), torch.nn.Parameter(torch.randn(4))

        def forward(self, x):
            conv = torch.nn.functional.conv2d
            return conv(x, self.w, self.b1, padding=1) * conv(torch.relu(x), self.w, self.b2, padding=1)

    torch.manual_seed(62)
    net, parameters, count = _imported(PerBranchBias(), RNG.standard_normal((2, 4, 6, 6)))
    assert len(net.matrix_layers()) == 1 and parameters == count


def test_a_batch_norm_per_branch_makes_its_own_matrix():
    """a kernel shared by branches, each with its own batch norm folded in: different cells, so two matrices; the
    same batch norm at both places keeps one"""
    torch = torch_or_skip()

    class Branches(torch.nn.Module):
        def __init__(self, norms: int):
            super().__init__()
            self.conv = torch.nn.Conv2d(3, 4, 3, padding=1, bias=False)
            self.norms = torch.nn.ModuleList(torch.nn.BatchNorm2d(4) for _ in range(norms))
            for norm in self.norms:
                norm.running_var.uniform_(0.5, 2.0)

        def forward(self, x):
            return self.norms[0](self.conv(x)) + self.norms[-1](self.conv(torch.relu(x)))

    torch.manual_seed(63)
    x = RNG.standard_normal((2, 3, 6, 6))
    assert [len(_imported(Branches(norms), x)[0].matrix_layers()) for norms in (2, 1)] == [2, 1]


def test_a_weight_read_transposed_is_a_second_matrix_counted_again():
    """an autoencoder whose decoder reads its encoder's weight transposed: two matrices on the crossbars (cimsim does
    not read an array transposed), each counted; torch counts the tensor once"""
    torch = torch_or_skip()

    class Tied(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.encoder = torch.nn.Linear(12, 5)

        def forward(self, x):
            return torch.nn.functional.linear(torch.relu(self.encoder(x)), self.encoder.weight.t())

    torch.manual_seed(64)
    net, parameters, count = _imported(Tied(), RNG.standard_normal((3, 12)))
    assert [layer.matrix_shape for layer in net.matrix_layers()] == [(5, 12), (12, 5)]
    assert parameters == count + 5 * 12


@pytest.mark.parametrize("norm", ["layer norm without affine", "layer norm without bias", "instance norm",
                                  "group norm without affine", "layer norm", "group norm"])
def test_a_norms_parameters_count_as_torchs(norm):
    """the exporter's Constant ones and zeros for a norm without learned scale or shift are no parameters (and no
    operations); a fresh norm's learned ones and zeros (initializers) are"""
    torch = torch_or_skip()
    nn = torch.nn
    torch.manual_seed(65)
    make = {"layer norm without affine": lambda: nn.LayerNorm(6, elementwise_affine=False),
            "layer norm without bias": lambda: nn.LayerNorm(6, bias=False), "layer norm": lambda: nn.LayerNorm(6),
            "instance norm": lambda: nn.InstanceNorm2d(6), "group norm": lambda: nn.GroupNorm(3, 6),
            "group norm without affine": lambda: nn.GroupNorm(3, 6, affine=False)}[norm]
    if norm.startswith("layer norm"):
        module, x = nn.Sequential(nn.Linear(4, 6), make()), RNG.standard_normal((2, 3, 4))
    else:
        module, x = nn.Sequential(nn.Conv2d(2, 6, 3), make()), RNG.standard_normal((2, 2, 5, 5))
    net, parameters, count = _imported(module, x)
    assert parameters == count


@pytest.mark.parametrize("kind", ["RNN", "GRU", "LSTM"])
def test_a_recurrent_layer_without_bias_gets_none(kind):
    torch = torch_or_skip()

    class Recurrent(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.rnn = getattr(torch.nn, kind)(5, 4, batch_first=True, bias=False)

        def forward(self, x):
            return self.rnn(x)[0]

    torch.manual_seed(66)
    net, parameters, count = _imported(Recurrent(), RNG.standard_normal((2, 6, 5)))
    assert parameters == count
    assert all(layer.bias is None for layer in net.matrix_layers())


@pytest.mark.parametrize("kind, summed", [("RNN", 1), ("LSTM", 4), ("GRU", 2)])
def test_a_recurrent_layers_biases_are_summed_where_they_add(kind, summed):
    """per direction and layer, W's and R's biases of each gate that adds them count once (docs/models.md); a GRU's
    candidate bias of R, which the reset multiplies, is kept apart and counted once over its steps"""
    torch = torch_or_skip()
    hidden, layers, directions = 4, 2, 2

    class Recurrent(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.rnn = getattr(torch.nn, kind)(5, hidden, layers, batch_first=True, bidirectional=True)

        def forward(self, x):
            return self.rnn(x)[0]

    torch.manual_seed(67)
    _, parameters, count = _imported(Recurrent(), RNG.standard_normal((2, 6, 5)))
    assert parameters == count - layers * directions * summed * hidden


def _batch_norm_graph(spatial: int, shape: tuple[int, ...]):
    """an opset-7 BatchNormalization with ``spatial`` and statistics of ``shape`` over inputs (N, 3, 4)"""
    onnx = pytest.importorskip("onnx")
    helper, numpy_helper = onnx.helper, onnx.numpy_helper
    stats = {k: RNG.normal(size=shape).astype(np.float32) for k in ("s", "b", "m")}
    stats["v"] = RNG.uniform(0.5, 2, size=shape).astype(np.float32)
    graph = helper.make_graph([helper.make_node("BatchNormalization", ["x", "s", "b", "m", "v"], ["y"],
                                                spatial=spatial)], "bn",
                              [helper.make_tensor_value_info("x", onnx.TensorProto.FLOAT, ["N", 3, 4])],
                              [helper.make_tensor_value_info("y", onnx.TensorProto.FLOAT, None)],
                              [numpy_helper.from_array(v, k) for k, v in stats.items()])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 7)])
    model.ir_version = 8
    return model, stats


def test_a_batch_norm_of_each_activation_spatial_zero():
    from cimsim.network.onnx_import import network_from_onnx

    model, p = _batch_norm_graph(0, (3, 4))
    x = RNG.standard_normal((2, 3, 4))
    want = (x - p["m"]) / np.sqrt(p["v"].astype(np.float64) + 1e-5) * p["s"] + p["b"]  # per activation
    np.testing.assert_allclose(network_from_onnx(model).forward(x), want, rtol=1e-6, atol=1e-6)
    runtime = pytest.importorskip("onnxruntime")
    session = runtime.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    np.testing.assert_allclose(want, session.run(None, {"x": x.astype(np.float32)})[0], rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("spatial, shape, says", [(0, (3,), r"per activation \(spatial = 0\).*\[3, 4\] expected"),
                                                  (1, (3, 4), r"per channel \(axis 1\).*\[3\] expected")])
def test_a_batch_norms_statistics_of_the_wrong_size_are_refused(spatial, shape, says):
    from cimsim.network.onnx_import import network_from_onnx

    with pytest.raises(ValueError, match=r"BatchNormalization's scale of shape \[.*" + says):
        network_from_onnx(_batch_norm_graph(spatial, shape)[0])


@pytest.mark.parametrize("held_by, kept", [("Constant", False), ("initializer", True)])
def test_a_layer_norms_scale_of_ones_is_a_parameter_only_in_an_initializer(held_by, kept):
    onnx = pytest.importorskip("onnx")
    helper, numpy_helper = onnx.helper, onnx.numpy_helper
    from cimsim.network.onnx_import import network_from_onnx

    ones = np.ones(6, dtype=np.float32)
    nodes = [helper.make_node("LayerNormalization", ["x", "scale", "shift"], ["y"], axis=-1)]
    inits = [numpy_helper.from_array(RNG.normal(size=(6,)).astype(np.float32), "shift")]
    if held_by == "Constant":
        nodes.insert(0, helper.make_node("Constant", [], ["scale"], value=numpy_helper.from_array(ones)))
    else:
        inits.append(numpy_helper.from_array(ones, "scale"))
    graph = helper.make_graph(nodes, "ln", [helper.make_tensor_value_info("x", onnx.TensorProto.FLOAT, ["N", 6])],
                              [helper.make_tensor_value_info("y", onnx.TensorProto.FLOAT, None)], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    norm = network_from_onnx(model).layers[0]
    assert (norm.weight is not None) == kept and norm.bias is not None  # a shift that is not zeros: learned


def _onnx_file(tmp_path, nodes, inits, opset=13):
    """an ONNX file of ``nodes`` reading float32 initializers ``inits`` (name -> array), input x (N, 8), output y"""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 8])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 8])],
                              [numpy_helper.from_array(v.astype(np.float32), k) for k, v in inits.items()])
    path = tmp_path / "m.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)]), str(path))
    return path


def test_one_gain_and_shift_initializer_read_at_two_places_counts_once(tmp_path):
    """a norm applied twice, decomposed below opset 17 into Mul and Add of one gain and one shift initializer, had
    counted them at each place (404 for torch's 372: a networks probe); a bias added after a MatMul and read by a
    Gemm is one array too"""
    from onnx import helper

    inits = {name: RNG.standard_normal(shape) for name, shape in
             (("w1", (8, 8)), ("w2", (8, 8)), ("gain", (8,)), ("shift", (8,)), ("w3", (8, 8)), ("bias", (8,)))}
    nodes = [helper.make_node("MatMul", ["x", "w1"], ["a"]), helper.make_node("Mul", ["a", "gain"], ["b"]),
             helper.make_node("Add", ["b", "shift"], ["c"]), helper.make_node("MatMul", ["c", "w2"], ["d"]),
             helper.make_node("Mul", ["d", "gain"], ["e"]), helper.make_node("Add", ["e", "shift"], ["f"]),
             helper.make_node("MatMul", ["f", "w3"], ["g"]), helper.make_node("Add", ["g", "bias"], ["h"]),
             helper.make_node("Gemm", ["h", "w1", "bias"], ["y"])]
    net = load_network(_onnx_file(tmp_path, nodes, inits))
    assert model_from_network(net).parameters == 3 * 64 + 3 * 8  # w1 (read twice), w2, w3; gain, shift, bias once
    x = RNG.standard_normal((2, 8))
    w1, w2, w3 = (inits[k].astype(np.float32).astype(np.float64) for k in ("w1", "w2", "w3"))
    gain, shift, bias = (inits[k].astype(np.float32).astype(np.float64) for k in ("gain", "shift", "bias"))
    f = ((x @ w1 * gain + shift) @ w2 * gain + shift)
    np.testing.assert_allclose(net.forward(x), (f @ w3 + bias) @ w1 + bias, rtol=1e-9)


def test_a_constant_subtracted_or_divided_by_at_two_places_counts_once(tmp_path):
    """(each place had made its own negation or reciprocal of the one initializer: 144 for 136, a review)"""
    from onnx import helper

    inits = {"w1": RNG.standard_normal((8, 8)), "w2": RNG.standard_normal((8, 8)), "c": RNG.uniform(1, 2, 8)}
    for op in ("Sub", "Div"):
        nodes = [helper.make_node("MatMul", ["x", "w1"], ["a"]), helper.make_node(op, ["a", "c"], ["b"]),
                 helper.make_node("MatMul", ["b", "w2"], ["d"]), helper.make_node(op, ["d", "c"], ["y"])]
        net = load_network(_onnx_file(tmp_path, nodes, inits))
        assert model_from_network(net).parameters == 2 * 64 + 8, op
