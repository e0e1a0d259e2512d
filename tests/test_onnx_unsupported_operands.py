"""Valid ONNX graphs the import cannot take say what is unsupported, naming the node: a convolution's weights
computed from the activations (weights are programmed onto arrays once), a Gemm bias that differs between the rows
of the batch (a C of rows repeating one is taken), a Cast to strings, an input of strings."""

from __future__ import annotations

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
helper, numpy_helper, TP = onnx.helper, onnx.numpy_helper, onnx.TensorProto

from cimsim.network.onnx_import import network_from_onnx  # noqa: E402

RNG = np.random.default_rng(47)


def _model(nodes, shape, consts=None, in_type=TP.FLOAT):
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", in_type, shape)],
                              [helper.make_tensor_value_info("y", TP.FLOAT, None)],
                              [numpy_helper.from_array(np.asarray(v), k) for k, v in (consts or {}).items()])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    return model


@pytest.mark.parametrize("inputs, what", [(["x", "x"], r"weights \(input 1, 'x'\)"),
                                          (["x", "w", "b"], r"bias \(input 2, 'b'\)")])
def test_convolution_weights_from_the_activations_are_refused(inputs, what):
    nodes = [helper.make_node("ReduceMean", ["x"], ["b"], axes=[1, 2, 3], keepdims=0),
             helper.make_node("Conv", inputs, ["y"], name="c")]
    consts = {"w": np.ones((1, 1, 3, 3), np.float32)}
    with pytest.raises(ValueError, match=rf"node 'c' \(Conv\): Conv's {what} are computed from the activations: "
                                         r"cimsim programs weights onto its arrays once.*must be constants"):
        network_from_onnx(_model(nodes, ["N", 1, 4, 4], consts))


@pytest.mark.parametrize("shape", [(2, 1), (2, 3)])
def test_gemm_bias_per_row_of_the_batch_is_refused(shape):
    node = helper.make_node("Gemm", ["x", "w", "c"], ["y"], name="g", transB=1)
    consts = {"w": RNG.standard_normal((3, 5)).astype(np.float32), "c": np.arange(np.prod(shape), dtype=np.float32)
              .reshape(shape)}
    with pytest.raises(ValueError, match=rf"node 'g' \(Gemm\): Gemm's C of shape \[{shape[0]}, {shape[1]}\] adds its "
                                         "own bias to each row of A"):
        network_from_onnx(_model([node], [2, 5], consts))


@pytest.mark.parametrize("shape", [(2, 1), (2, 3)])
def test_gemm_bias_of_rows_repeating_one_matches_onnxruntime(shape):
    ort = pytest.importorskip("onnxruntime")
    node = helper.make_node("Gemm", ["x", "w", "c"], ["y"], transB=1, beta=0.5)
    row = RNG.standard_normal((1, shape[1])).astype(np.float32)
    model = _model([node], [2, 5], {"w": RNG.standard_normal((3, 5)).astype(np.float32),
                                    "c": np.repeat(row, shape[0], axis=0)})
    x = RNG.standard_normal((2, 5)).astype(np.float32)
    want = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"]).run(None, {"x": x})[0]
    np.testing.assert_allclose(network_from_onnx(model).forward(x.astype(np.float64)), want, rtol=1e-5, atol=1e-6)


def test_strings_are_refused():
    cast = helper.make_node("Cast", ["x"], ["y"], name="k", to=TP.STRING)
    with pytest.raises(ValueError, match=r"node 'k' \(Cast\): Cast to STRING is not supported"):
        network_from_onnx(_model([cast], ["N", 3]))
    with pytest.raises(ValueError, match=r"input 'x' holds STRING values"):
        network_from_onnx(_model([helper.make_node("Identity", ["x"], ["y"])], ["N", 3], in_type=TP.STRING))


@pytest.mark.parametrize("to", [TP.COMPLEX64, TP.COMPLEX128])
def test_a_cast_of_real_values_to_complex_is_read_as_real_and_said(to):
    """torch's TorchScript exporter writes Cast(to=15), COMPLEX128, for a cast to bfloat16 (torch's own code 15;
    Falcon's ALiBi): refused as complex, such a model (every value real, imaginary parts 0) had not imported; a
    constant's Cast had gone through numpy's complex with its ComplexWarning"""
    nodes = [helper.make_node("Cast", ["x"], ["xc"], name="on_data", to=to),
             helper.make_node("Cast", ["s"], ["sc"], name="on_constant", to=to),
             helper.make_node("Mul", ["xc", "sc"], ["m"]),
             helper.make_node("Cast", ["m"], ["y"], to=TP.FLOAT)]
    scale = np.array([0.5, -2.0, 3.0], np.float32)
    with pytest.warns(UserWarning) as record:
        net = network_from_onnx(_model(nodes, ["N", 3], {"s": scale}))
    said = [str(w.message) for w in record]
    for node in ("on_data", "on_constant"):
        assert [s for s in said if f"node '{node}' (Cast): Cast of real values to COMPLEX" in s and "read as real" in s]
    assert not [w for w in record if issubclass(w.category, np.exceptions.ComplexWarning)]
    x = RNG.standard_normal((4, 3))
    np.testing.assert_array_equal(net.forward(x), x * scale)


def test_complex_constants_are_refused_where_read():
    """a complex initializer or Constant (invalid ONNX for every operator the import takes) had been read through
    numpy's complex-to-real cast, its imaginary part dropped with a ComplexWarning: (x * 1j) * 1j imported as 0, not
    -x; one no node reads is no matter (a valid model that carries it imports)"""
    value = np.array([1j, 1j, 1j], np.complex64)
    nodes = [helper.make_node("Mul", ["x", "c"], ["y"], name="m")]
    with pytest.raises(ValueError, match=r"node 'm' \(Mul\) reads 'c', which holds complex values: cimsim computes"):
        network_from_onnx(_model(nodes, ["N", 3], {"c": value}))
    constant = helper.make_node("Constant", [], ["c"], name="k", value=numpy_helper.from_array(value))
    with pytest.raises(ValueError, match=r"node 'm' \(Mul\) reads 'c', which holds complex values"):
        network_from_onnx(_model([constant] + nodes, ["N", 3]))
    unused = _model([helper.make_node("Relu", ["x"], ["y"])], ["N", 3], {"c": value})
    x = RNG.standard_normal((2, 3))
    np.testing.assert_array_equal(network_from_onnx(unused).forward(x), np.maximum(x, 0))
