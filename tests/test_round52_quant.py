"""Round 52, quantised models: a 4-bit zero point from a Constant node, an Identity or a Cast to int4 / uint4
saturates at its own range (a Constant's or Identity's saturated at the 8-bit one; a Cast's was refused as
"float32"); DequantizeLinear by an infinite scale names the scale input, without a numpy warning; a converted
(statically quantised) torch model that torch cannot export is told the routes that work, not the dynamo exporter."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
helper, numpy_helper, TP = onnx.helper, onnx.numpy_helper, onnx.TensorProto

from cimsim.network.onnx_import import network_from_onnx  # noqa: E402

X = np.array([[-20.0, -9.0, -8.6, -3.0, 0.0, 3.0, 7.4, 7.6, 20.0]])
SATURATED = {TP.INT4: [-8, -8, -8, -3, 0, 3, 7, 7, 7], TP.UINT4: [0, 0, 0, 0, 0, 3, 7, 8, 15]}
"""QuantizeLinear then DequantizeLinear of X by scale 1 and zero point 0 (onnx.reference and onnxruntime)"""


def _model(nodes, inits, width=9, opset=21):
    nodes = nodes + [helper.make_node("QuantizeLinear", ["x", "s", "z"], ["q"]),
                     helper.make_node("DequantizeLinear", ["q", "s", "z"], ["y"])]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TP.FLOAT, [1, width])],
                              [helper.make_tensor_value_info("y", TP.FLOAT, None)],
                              [numpy_helper.from_array(np.array(1.0, np.float32), "s"), *inits])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 10
    return model


@pytest.mark.parametrize("dtype", [TP.INT4, TP.UINT4], ids=["int4", "uint4"])
@pytest.mark.parametrize("how", ["Constant", "Identity", "Reshape of an Identity"])
def test_a_4_bit_zero_point_from_a_node_saturates_at_its_own_range(dtype, how):
    """int4: 20 -> 7 and -20 -> -8 (they came back 20 and -20); uint4: 20 -> 15 (came back 20)"""
    zero = helper.make_tensor("z0", dtype, [], [0])
    if how == "Constant":
        nodes, inits = [helper.make_node("Constant", [], ["z"], value=zero)], []
    else:
        nodes, inits = [helper.make_node("Identity", ["z0"], ["z" if how == "Identity" else "z1"])], [zero]
        if how != "Identity":
            inits.append(numpy_helper.from_array(np.array([], np.int64), "scalar"))
            nodes.append(helper.make_node("Reshape", ["z1", "scalar"], ["z"]))
    got = network_from_onnx(_model(nodes, inits)).forward(X)
    np.testing.assert_array_equal(got, [SATURATED[dtype]])


@pytest.mark.parametrize("dtype", [TP.INT4, TP.UINT4], ids=["int4", "uint4"])
def test_a_zero_point_cast_to_4_bits_quantises_to_that_type(dtype):
    """Cast(to=INT4 / UINT4) of a float constant: held as int8 / uint8 of that type (it was float32, refused as a
    QuantizeLinear 'to type float32')"""
    nodes = [helper.make_node("Cast", ["zf"], ["z"], to=dtype)]
    model = _model(nodes, [numpy_helper.from_array(np.array(0.0, np.float32), "zf")])
    np.testing.assert_array_equal(network_from_onnx(model).forward(X), [SATURATED[dtype]])


def test_a_cast_to_int4_folds_to_int8_values():
    """a folded Cast to a 4-bit type gives integers, as an int4 initializer does, not float32"""
    from cimsim.network._onnx_fold import fold

    (got,) = fold(onnx, "Cast", {"to": TP.INT4}, [np.array([-3.0, 0.0, 5.0])])
    assert got.dtype == np.int8
    np.testing.assert_array_equal(got, [-3, 0, 5])


def test_dequantize_by_an_infinite_scale_names_the_scale_without_a_numpy_warning():
    model = _model([], [numpy_helper.from_array(np.array(0, np.int8), "z")], width=3, opset=13)
    model.graph.initializer[0].CopyFrom(numpy_helper.from_array(np.array(np.inf, np.float32), "s"))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # numpy's "invalid value encountered in multiply" came first
        with pytest.raises(ValueError, match=r"DequantizeLinear.*scale inf \(input 's'\).*finite") as err:
            network_from_onnx(model)
    assert "Affine" not in str(err.value)


def _converted_relu6(torch):
    """a Conv + ReLU6 model of torch's eager static quantisation, converted (torch's exporter lacks
    quantized::relu6; the dynamo exporter translates no quantised module)"""
    nn = torch.nn

    class Model(nn.Module):
        def __init__(self):
            super().__init__()
            self.q, self.dq = torch.ao.quantization.QuantStub(), torch.ao.quantization.DeQuantStub()
            self.c, self.r = nn.Conv2d(3, 4, 3), nn.ReLU6()

        def forward(self, x):
            return self.dq(self.r(self.c(self.q(x))))

    model = Model().eval()
    model.qconfig = torch.ao.quantization.get_default_qconfig("x86")
    prepared = torch.ao.quantization.prepare(model)
    prepared(torch.randn(4, 3, 6, 6, generator=torch.Generator().manual_seed(0)))
    return torch.ao.quantization.convert(prepared)


def test_a_converted_model_torch_cannot_export_is_told_the_routes_that_work():
    torch = pytest.importorskip("torch")
    from cimsim.network import from_torch

    if "x86" not in torch.backends.quantized.supported_engines:
        pytest.skip("torch lacks its x86 quantised engine")
    engine = torch.backends.quantized.engine
    torch.backends.quantized.engine = "x86"
    try:
        model = _converted_relu6(torch)
        with pytest.raises(ValueError) as err:
            from_torch(model, torch.randn(1, 3, 6, 6))
    finally:
        torch.backends.quantized.engine = engine
    message = str(err.value)
    assert "dynamo=True" not in message  # the advice that failed too
    assert "holds torch.ao's quantised modules" in message and "quantize_static" in message


def test_a_converted_model_is_refused_whatever_its_example():
    # torch's quantised kernels round some outputs a step otherwise than their ONNX export: such a model had imported
    # 0.8-1.5 % off or been refused by which samples its example held (probes: conv, Linear, fx, traced alike)
    torch = pytest.importorskip("torch")
    from torch import nn
    from torch.ao import quantization as q

    from cimsim.network import from_torch

    class Quantised(nn.Module):
        def __init__(self, layer):
            super().__init__()
            self.q, self.layer, self.dq = q.QuantStub(), layer, q.DeQuantStub()

        def forward(self, x):
            return self.dq(self.layer(self.q(x)))

    def converted(layer, x):
        model = Quantised(layer).eval()
        model.qconfig = q.get_default_qconfig("fbgemm")
        prepared = q.prepare(model)
        prepared(x)
        return q.convert(prepared)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch's deprecation notes on eager quantisation
        x, flat = torch.randn(4, 3, 8, 8), torch.randn(4, 12)
        models = [(converted(nn.Conv2d(3, 8, 3), x), x), (converted(nn.Linear(12, 8), flat), flat)]
        models.append((torch.jit.trace(models[0][0], x), x))
        for model, example in models:
            with pytest.raises(ValueError, match=r"holds torch.ao's quantised modules \('q' \(torch.ao.nn.quantized"):
                from_torch(model, example)
        assert from_torch(nn.Linear(12, 8), flat).forward(flat.numpy().astype(np.float64)).shape == (4, 8)

        class Adds(nn.Module):  # a float model prepared for quantisation adds through FloatFunctional, which lives
            def __init__(self):  # among torch.ao's quantised classes: it imports (a review: it had been refused)
                super().__init__()
                self.layer, self.add = nn.Linear(12, 12), torch.ao.nn.quantized.FloatFunctional()

            def forward(self, x):
                return self.add.add(self.layer(x), x)

        static = converted(nn.Conv2d(3, 8, 3), x)  # converted static modules beside a dynamic one: still refused
        static.spare = nn.Linear(4, 2)  # (a review: any dynamic module had turned the check off)
        with pytest.raises(ValueError, match=r"holds torch.ao's quantised modules \('q' "):
            from_torch(q.quantize_dynamic(static, {nn.Linear}), x)
        fused = q.fuse_modules(nn.Sequential(nn.Linear(12, 4), nn.ReLU()).eval(), [["0", "1"]])
        dynamic = q.quantize_dynamic(fused, {torch.ao.nn.intrinsic.LinearReLU})  # fused dynamic: its own hint
        with pytest.raises(ValueError) as caught:
            from_torch(dynamic, flat)
        assert "holds torch.ao's quantised modules" not in str(caught.value)
        Adds.__module__ = "mylib.quantized.layers"  # a user's package path is no sign of torch's quantisation
        model = Adds().eval()
        assert np.allclose(from_torch(model, flat).forward(flat.numpy().astype(np.float64)),
                           model(flat).detach().numpy(), atol=1e-6)
        model.qconfig = q.get_default_qconfig("fbgemm")
        prepared = q.prepare(model)  # calibrated, not converted: its float model
        prepared(flat)
        from_torch(prepared, flat)


def _weights_model(zero: np.ndarray, scale: np.ndarray) -> onnx.ModelProto:
    """int8 weights (3 x 2) dequantised by ``scale`` and ``zero`` (per output column, axis 1), then a MatMul"""
    w = numpy_helper.from_array(np.array([[1, -2], [3, 4], [-5, 6]], np.int8), "w")
    nodes = [helper.make_node("DequantizeLinear", ["w", "ws", "wz"], ["wf"], axis=1),
             helper.make_node("MatMul", ["x", "wf"], ["y"])]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TP.FLOAT, [1, 3])],
                              [helper.make_tensor_value_info("y", TP.FLOAT, None)],
                              [w, numpy_helper.from_array(scale, "ws"), numpy_helper.from_array(zero, "wz")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 21)])
    model.ir_version = 10
    return model


SCALE = np.array([0.5, 0.25], np.float32)


@pytest.mark.parametrize("zero, scale, said", [
    (np.array([200, 200], np.uint8), SCALE, "zero point of type uint8 for an input of type"),
    (np.array([1], np.int8), SCALE, "scale of shape [2] and zero point of shape [1] differ"),
])
def test_a_zero_point_that_onnx_refuses_is_refused_naming_the_node(zero, scale, said):
    """a uint8 zero point of int8 weights had been read as codes minus 200, and a zero point of another shape than
    its scale broadcast: onnxruntime refuses both models"""
    with pytest.raises(ValueError, match=re.escape(said)) as caught:
        network_from_onnx(_weights_model(zero, scale))
    assert "DequantizeLinear" in str(caught.value)
    net = network_from_onnx(_weights_model(np.array([1, -1], np.int8), np.array([0.5, 0.25], np.float32)))
    np.testing.assert_allclose(net.forward(np.ones((1, 3))), [[(1 + 3 - 5 - 3) * 0.5, (-2 + 4 + 6 + 3) * 0.25]])


@pytest.mark.parametrize("bias_type", [np.int32, np.float32])
def test_a_qlinearconv_bias_must_be_int32_codes(bias_type):
    """a float32 bias had been read as int32 codes (multiplied by the inputs' scales again); onnxruntime refuses it"""
    inits = [numpy_helper.from_array(np.array(v, t), n) for n, v, t in (
        ("xs", 0.5, np.float32), ("xz", 0, np.uint8), ("w", [[[[2]]]], np.int8), ("ws", [0.25], np.float32),
        ("wz", [0], np.int8), ("ys", 0.125, np.float32), ("yz", 0, np.uint8), ("b", [4], bias_type))]
    node = helper.make_node("QLinearConv", ["x", "xs", "xz", "w", "ws", "wz", "ys", "yz", "b"], ["q"])
    deq = helper.make_node("DequantizeLinear", ["q", "ys", "yz"], ["y"])
    graph = helper.make_graph([node, deq], "g", [helper.make_tensor_value_info("x", TP.UINT8, [1, 1, 2, 2])],
                              [helper.make_tensor_value_info("y", TP.FLOAT, None)], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 21)])
    model.ir_version = 10
    if bias_type is np.float32:
        with pytest.raises(ValueError, match="QLinearConv's bias 'b' is of type float32: it takes int32 codes"):
            network_from_onnx(model)
        return
    net = network_from_onnx(model)  # y = (0.5 x) (0.25 * 2) + 4 * 0.5 * 0.25, then quantised by 0.125
    np.testing.assert_allclose(net.forward(np.array([[[[2.0, 4.0], [6.0, 8.0]]]])).ravel(), [1.0, 1.5, 2.0, 2.5])
