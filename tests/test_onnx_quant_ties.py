"""QuantizeLinear as ONNX defines it where float precision decides a code: x / s formed in the scale's float type
(opset 23: its ``precision``) and rounded half to even, so a quotient that float32 rounds onto a .5 tie takes the
even code (constants folded at import, against onnx's reference evaluator); onnxruntime's dynamic quantisation
(DynamicQuantizeLinear of an activation) refused by name, a constant's folded; a quantise by scale 0 or NaN refused."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
helper, numpy_helper, TP = onnx.helper, onnx.numpy_helper, onnx.TensorProto
from onnx.reference import ReferenceEvaluator  # noqa: E402

from cimsim.network.onnx_import import network_from_onnx  # noqa: E402

RNG = np.random.default_rng(11)


def _model(nodes, consts: dict, opset: int, in_shape=(2, 64)):
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TP.FLOAT, list(in_shape))],
                              [helper.make_tensor_value_info("y", TP.FLOAT, None)],
                              [numpy_helper.from_array(np.asarray(v), k) for k, v in consts.items()])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 10
    return model


def _near_ties(scale: np.float32, n: int = 4000) -> np.ndarray:
    """float32 values two float32 steps from (k + 1/2) s: float32 quotients round some of them onto the tie"""
    k = RNG.integers(-120, 120, n)
    w = ((k + 0.5) * np.float64(scale)).astype(np.float32)
    for _ in range(2):
        w = np.nextafter(w, np.where(RNG.random(n) < 0.5, np.float32(np.inf), np.float32(-np.inf)))
    return w


@pytest.mark.parametrize("opset, precision, kind", [(19, None, np.float32), (23, TP.FLOAT16, np.float16)])
def test_a_constants_quotient_rounds_in_onnxs_type_onto_its_ties(opset, precision, kind):
    """weights quantised in the graph (QuantizeLinear of a constant, folded at import) whose quotient, formed in
    the scale's type (float32) or the ``precision`` attribute's (float16), is a .5 tie rounded half to even: the
    codes onnx's reference evaluator computes (float64 quotients had rounded a tie's neighbours the other way)"""
    s = np.float32(0.024713434)  # the prober's scale: -3.1509628 / s is exactly -127.5 in float32
    w = np.concatenate([[np.float32(-3.1509628)], _near_ties(s)])
    quotient = w.astype(kind) / s.astype(kind)
    apart = np.round(quotient) != np.round(w.astype(np.float64) / np.float64(s))
    assert apart.sum() >= 5  # codes the quotient's type decides: in float32, only ties that float64 misses
    assert kind is np.float16 or (quotient[apart] % 1 == 0.5).all()
    attrs = {} if precision is None else {"precision": precision}
    nodes = [helper.make_node("QuantizeLinear", ["w", "s", "z"], ["q"], axis=0, **attrs),
             helper.make_node("DequantizeLinear", ["q", "s", "z"], ["wf"], axis=0),
             helper.make_node("Mul", ["x", "wf"], ["y"])]
    consts = {"w": w.reshape(1, -1), "s": s, "z": np.uint8(128)}
    model = _model(nodes, consts, opset, in_shape=(1, w.size))
    x = np.ones((1, w.size), np.float32)
    want = ReferenceEvaluator(model).run(None, {"x": x})[0]
    got = network_from_onnx(model).forward(x.astype(np.float64))
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=0)  # float32 rounding of (q - z) s; a code is s apart


def _dynamic_model(weights_constant: bool):
    """DynamicQuantizeLinear of the input (as onnxruntime's quantize_dynamic writes it) or of constant weights,
    dequantised, then a MatMul"""
    quantised = "w" if weights_constant else "x"
    nodes = [helper.make_node("DynamicQuantizeLinear", [quantised], ["q", "qs", "qz"], name="dyn"),
             helper.make_node("DequantizeLinear", ["q", "qs", "qz"], ["deq"]),
             helper.make_node("MatMul", ["x", "deq"] if weights_constant else ["deq", "w"], ["y"])]
    return _model(nodes, {"w": RNG.standard_normal((64, 3)).astype(np.float32)}, 21)


def test_dynamic_quantisation_of_an_activation_is_refused_by_name_and_of_a_constant_folds():
    """an activation's DynamicQuantizeLinear (scales computed from each input at run time) is refused naming the
    node and dynamic quantisation, advising the static quantiser (it had been inlined and refused as needing
    constant scales); a constant's folds at import, as onnx's reference evaluator computes it"""
    with pytest.raises(ValueError, match=r"'dyn' \(DynamicQuantizeLinear\): dynamic quantisation .* not supported.*"
                                         r"quantize_static"):
        network_from_onnx(_dynamic_model(weights_constant=False))
    model = _dynamic_model(weights_constant=True)
    x = RNG.standard_normal((2, 64)).astype(np.float32)
    want = ReferenceEvaluator(model).run(None, {"x": x})[0]
    np.testing.assert_allclose(network_from_onnx(model).forward(x.astype(np.float64)), want, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("batch_axes", [(), (2,)])
def test_qlinear_matmul_scales_b_by_its_columns_whatever_its_batch_axes(batch_axes):
    """b_scale holds one scale per column of b (its last axis); on a batched (3-d) constant b it had been applied
    along axis 1, K (107 output steps off at K = N = 4)"""
    k = n = 4
    b = RNG.integers(-100, 100, (*batch_axes, k, n)).astype(np.int8)
    consts = {"as": np.float32(0.02), "az": np.uint8(128), "b": b, "bs": np.array([0.01, 0.02, 0.04, 0.08], np.float32),
              "bz": np.zeros(n, np.int8), "ys": np.float32(0.05), "yz": np.uint8(128)}
    nodes = [helper.make_node("QuantizeLinear", ["x", "as", "az"], ["xq"]),
             helper.make_node("QLinearMatMul", ["xq", "as", "az", "b", "bs", "bz", "ys", "yz"], ["yq"]),
             helper.make_node("DequantizeLinear", ["yq", "ys", "yz"], ["y"])]
    model = _model(nodes, consts, 21, in_shape=(1, *batch_axes, 3, k))
    x = RNG.uniform(-1, 1, (1, *batch_axes, 3, k)).astype(np.float32)
    want = ReferenceEvaluator(model).run(None, {"x": x})[0]
    np.testing.assert_allclose(network_from_onnx(model).forward(x.astype(np.float64)), want, atol=1e-6)


@pytest.mark.parametrize("alpha", [1.0, 0.5])
def test_qgemm_bias_is_quantised_at_alpha_times_its_operands_scales(alpha):
    """com.microsoft QGemm: C is quantised at scale alpha * sa * sb (onnxruntime's contrib spec, which onnxruntime
    computes), so y = alpha (A - za) sa (B - zb)^T sb + alpha sa sb C; the bias had been added without alpha"""
    sa, sb = np.float32(0.05), np.float32(0.02)
    b = RNG.integers(-60, 60, (4, 8)).astype(np.int8)
    c = RNG.integers(-2000, 2000, 4).astype(np.int32)
    nodes = [helper.make_node("QuantizeLinear", ["x", "sa", "za"], ["aq"]),
             helper.make_node("QGemm", ["aq", "sa", "za", "B", "sb", "zb", "C"], ["y"], domain="com.microsoft",
                              alpha=alpha, transB=1)]
    model = _model(nodes, {"sa": sa, "za": np.uint8(128), "sb": sb, "zb": np.int8(0), "B": b, "C": c}, 17, (5, 8))
    model.opset_import.append(helper.make_opsetid("com.microsoft", 1))
    x = RNG.standard_normal((5, 8))
    codes = np.clip(np.round(x.astype(np.float32) / sa), -128, 127)
    want = alpha * (codes * np.float64(sa)) @ (b * np.float64(sb)).T + alpha * np.float64(sa) * np.float64(sb) * c
    np.testing.assert_allclose(network_from_onnx(model).forward(x), want, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("zero, low", [(np.int8(0), -128), (np.uint8(128), 0)])
def test_a_qoperators_output_without_zero_point_is_of_its_inputs_type(zero, low):
    """com.microsoft QLinearAdd with its optional output zero point left out: the output is of its inputs' type
    (int8 here keeps negative sums; they had been clipped at 0, QuantizeLinear's uint8 default), uint8 stays uint8"""
    nodes = [helper.make_node("QuantizeLinear", ["x", "s", "z"], ["q"]),
             helper.make_node("QLinearAdd", ["q", "s", "z", "q", "s", "z", "so"], ["yq"], domain="com.microsoft"),
             helper.make_node("DequantizeLinear", ["yq", "so"], ["y"])]
    model = _model(nodes, {"s": np.float32(0.05), "z": zero, "so": np.float32(0.1)}, 17, (1, 6))
    model.opset_import.append(helper.make_opsetid("com.microsoft", 1))
    x = np.array([[-3, -1, -0.2, 0.2, 1, 3]])
    want = np.clip(np.round(2 * x / 0.1), low, low + 255) * 0.1  # the sum requantised into the inputs' type
    np.testing.assert_allclose(network_from_onnx(model).forward(x), want, rtol=1e-6, atol=1e-6)


def _twice(op: str, weight_scales: tuple[str, str]):
    """a QOperator (QLinearConv or QLinearMatMul) applied twice with one int8 weight initializer, at the weight
    scales named ``weight_scales`` (one each)"""
    shape = [1, 4, 5, 5] if op == "QLinearConv" else [1, 4]
    w = RNG.integers(-50, 50, (4, 4, 3, 3) if op == "QLinearConv" else (4, 4)).astype(np.int8)
    pads = {"pads": [1, 1, 1, 1]} if op == "QLinearConv" else {}
    consts = {"s": np.float32(0.05), "z": np.uint8(128), "w": w, "ws": np.float32(0.01), "ws2": np.float32(0.02),
              "wz": np.int8(0)}
    nodes = [helper.make_node("QuantizeLinear", ["x", "s", "z"], ["q0"]),
             *[helper.make_node(op, [f"q{k}", "s", "z", "w", ws, "wz", "s", "z"], [f"q{k + 1}"], **pads)
               for k, ws in enumerate(weight_scales)],
             helper.make_node("DequantizeLinear", ["q2", "s", "z"], ["y"])]
    return _model(nodes, consts, 19, shape), shape


@pytest.mark.parametrize("op", ["QLinearConv", "QLinearMatMul"])
def test_a_quantised_weight_read_by_two_qoperators_is_one_matrix(op):
    """one int8 initializer read by two QOperators at one scale is one matrix, as the float path's shared weights
    (each dequantised weight had been an array of its own: two matrices); at two scales, two matrices"""
    model, shape = _twice(op, ("ws", "ws"))
    net = network_from_onnx(model)
    assert len(net.matrix_layers()) == 1 and [i for i in net.matrix_indices() if i is not None] == [0, 0]
    x = RNG.uniform(-1, 1, shape).astype(np.float32)
    step = 0.05 if op == "QLinearConv" else 0  # its requantisation: one output step apart at most (module doc)
    want = ReferenceEvaluator(model).run(None, {"x": x})[0]
    np.testing.assert_allclose(net.forward(x.astype(np.float64)), want, atol=step + 1e-6)
    assert len(network_from_onnx(_twice(op, ("ws", "ws2"))[0]).matrix_layers()) == 2


@pytest.mark.parametrize("axis", [2, 5, -3])
@pytest.mark.parametrize("weights", [False, True])
def test_a_quantisation_axis_out_of_range_is_refused_naming_the_node(axis, weights):
    """per-axis scales along an axis past a rank-2 tensor's (as onnxruntime and onnx's reference refuse it): a
    ValueError naming the node and its axis attribute (5 and -3 had wrapped onto axis 1 and 1 of a constant's or an
    activation's shape); a per-tensor scale ignores the axis, as they do"""
    scale, zero = np.array([0.1, 0.2, 0.3], np.float32), np.zeros(3, np.int8)
    if weights:
        nodes = [helper.make_node("DequantizeLinear", ["w", "s", "z"], ["wf"], axis=axis, name="dq"),
                 helper.make_node("MatMul", ["x", "wf"], ["y"])]
    else:
        nodes = [helper.make_node("QuantizeLinear", ["x", "s", "z"], ["q"], axis=axis, name="dq"),
                 helper.make_node("DequantizeLinear", ["q", "s", "z"], ["y"], axis=axis)]
    consts = {"w": RNG.integers(-9, 9, (3, 3)).astype(np.int8), "s": scale, "z": zero}
    with pytest.raises(ValueError, match=rf"node 'dq' \((Dequantize|Quantize)Linear\): attribute axis {axis} is out of "
                                         r"range for an input of rank 2 \(-2 to 1\)"):
        network_from_onnx(_model(nodes, consts, 19, (2, 3)))
    x = RNG.uniform(-1, 1, (2, 3)).astype(np.float32)
    model = _model(nodes, {**consts, "s": np.float32(0.1), "z": np.int8(0)}, 19, (2, 3))
    np.testing.assert_allclose(network_from_onnx(model).forward(x.astype(np.float64)),
                               ReferenceEvaluator(model).run(None, {"x": x})[0], atol=1e-6)


PER_TENSOR = {  # QOperator, its inputs (the quantised activation: q), which input holds several values
    "QLinearMatMul a_scale": ("QLinearMatMul", ["q", "v", "z", "b", "s", "bz", "s", "z"], 1, "scale"),
    "QLinearMatMul a_zero_point": ("QLinearMatMul", ["q", "s", "vz", "b", "s", "bz", "s", "z"], 2, "zero point"),
    "QLinearMatMul y_scale": ("QLinearMatMul", ["q", "s", "z", "b", "s", "bz", "v", "z"], 6, "scale"),
    "QLinearAdd B_scale": ("QLinearAdd", ["q", "s", "z", "q", "v", "z", "s", "z"], 4, "scale"),
    "QLinearConv x_scale": ("QLinearConv", ["q", "v", "z", "wc", "s", "bz", "s", "z"], 1, "scale"),
}


@pytest.mark.parametrize("case", list(PER_TENSOR))
def test_a_vector_scale_of_a_per_tensor_qoperator_input_is_refused(case):
    """QOperator inputs and outputs other than a weight are quantised per tensor (onnxruntime refuses a vector
    scale or zero point there): a ValueError naming the node and the input (a_scale had been taken per row)"""
    op, inputs, position, role = PER_TENSOR[case]
    consts = {"s": np.float32(0.05), "z": np.uint8(128), "v": np.array([0.05, 0.1, 0.2], np.float32),
              "vz": np.full(3, 128, np.uint8), "b": RNG.integers(-9, 9, (3, 3)).astype(np.int8), "bz": np.int8(0),
              "wc": RNG.integers(-9, 9, (3, 3, 1, 1)).astype(np.int8)}
    nodes = [helper.make_node("QuantizeLinear", ["x", "s", "z"], ["q"]),
             helper.make_node(op, inputs, ["yq"], name="qop", domain="com.microsoft" if op == "QLinearAdd" else ""),
             helper.make_node("DequantizeLinear", ["yq", "s", "z"], ["y"])]
    model = _model(nodes, consts, 19, (1, 3, 3, 3) if op == "QLinearConv" else (1, 3, 3))
    model.opset_import.append(helper.make_opsetid("com.microsoft", 1))
    with pytest.raises(ValueError, match=rf"node 'qop' \({op}\): {op}'s input {position} \('{inputs[position]}', "
                                         rf"a {role}\) holds 3 values; .*per tensor"):
        network_from_onnx(model)


ZERO_SCALE = {  # where a quantise divides by the scale: its nodes, the node to name
    "activation": ([helper.make_node("QuantizeLinear", ["x", "s", "z"], ["q"], name="q0"),
                    helper.make_node("DequantizeLinear", ["q", "s", "z"], ["y"])], "QuantizeLinear"),
    "constant": ([helper.make_node("QuantizeLinear", ["w", "s", "z"], ["q"], name="q0"),
                  helper.make_node("DequantizeLinear", ["q", "s", "z"], ["wf"]),
                  helper.make_node("Mul", ["x", "wf"], ["y"])], "QuantizeLinear"),
    "QOperator output": ([helper.make_node("QuantizeLinear", ["x", "t", "z"], ["q"]),
                          helper.make_node("QLinearSigmoid", ["q", "t", "z", "s", "z"], ["yq"], name="q0",
                                           domain="com.microsoft"),
                          helper.make_node("DequantizeLinear", ["yq", "t", "z"], ["y"])], "QLinearSigmoid"),
}


@pytest.mark.parametrize("case", list(ZERO_SCALE))
@pytest.mark.parametrize("scale", [0.0, np.nan])
def test_quantising_by_scale_0_or_nan_is_refused_naming_the_node_without_a_warning(case, scale):
    """a quantise by scale 0 (x / 0: no code) or NaN: one ValueError naming the node and the scale, no numpy
    warning (it had warned of a division by zero and refused an internal Affine's infinite scale); a negative
    scale quantises as onnx's reference evaluator does"""
    nodes, op = ZERO_SCALE[case]
    consts = {"w": RNG.standard_normal((1, 4)).astype(np.float32), "s": np.float32(scale), "t": np.float32(0.05),
              "z": np.uint8(10)}
    model = _model(nodes, consts, 19, (2, 4))
    model.opset_import.append(helper.make_opsetid("com.microsoft", 1))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match=rf"node 'q0' \({op}\): quantising by scale {scale:g} \(input 's'\)"):
            network_from_onnx(model)
    if case != "QOperator output":
        model = _model(nodes, {**consts, "s": np.float32(-0.05)}, 19, (2, 4))
        x = RNG.uniform(-3, 3, (2, 4)).astype(np.float32)
        np.testing.assert_allclose(network_from_onnx(model).forward(x.astype(np.float64)),
                                   ReferenceEvaluator(model).run(None, {"x": x})[0], atol=1e-6)
