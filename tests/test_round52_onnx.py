"""Round 52: torch's logsigmoid (an ONNX Log of a Sigmoid) stays exact far below 0 (it was -inf below about -745);
a sequence-first input with its batch free on axis 1 is told the batch must be the first axis; the API's module doc
describes ``workers`` and ``scheduler``."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
helper, numpy_helper, TP = onnx.helper, onnx.numpy_helper, onnx.TensorProto

import cimsim.api  # noqa: E402
from cimsim.network.onnx_import import network_from_onnx  # noqa: E402

CONFIGS = Path(__file__).resolve().parents[1] / "configs"
X = np.array([[-800.0, -750.0, -700.0, -60.0, -1.0, 0.0, 2.0, 40.0, 800.0]])


def _model(nodes, shape=(1, 9)):
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TP.FLOAT, list(shape))],
                              [helper.make_tensor_value_info("y", TP.FLOAT, None)])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)])
    model.ir_version = 9
    return model


def _log_sigmoid(x):
    return -np.logaddexp(0.0, -x)


def test_log_of_a_sigmoid_is_exact_far_below_zero():
    """-800 stays -800 (the sigmoid underflowed to 0 and its log was -inf); 40: -4.2e-18, not 0"""
    net = network_from_onnx(_model([helper.make_node("Sigmoid", ["x"], ["s"]), helper.make_node("Log", ["s"], ["y"])]))
    got = net.forward(X)
    assert np.all(np.isfinite(got))
    np.testing.assert_allclose(got, _log_sigmoid(X), rtol=1e-15, atol=0)
    assert got[0, 0] == -800.0 and got[0, -2] < 0


def test_a_sigmoid_read_elsewhere_too_keeps_its_values():
    """y = log(sigmoid(x)) + sigmoid(x): the sigmoid is not replaced (its other reader needs it)"""
    nodes = [helper.make_node("Sigmoid", ["x"], ["s"]), helper.make_node("Log", ["s"], ["l"]),
             helper.make_node("Add", ["l", "s"], ["y"])]
    x = X[:, 2:]
    got = network_from_onnx(_model(nodes, (1, 7))).forward(x)
    sigmoid = 1.0 / (1.0 + np.exp(-x))
    np.testing.assert_allclose(got, np.log(sigmoid) + sigmoid, rtol=1e-12)


def test_a_log_of_anything_else_is_a_log():
    nodes = [helper.make_node("Tanh", ["x"], ["s"]), helper.make_node("Log", ["s"], ["y"])]
    net, x = network_from_onnx(_model(nodes, (1, 3))), np.array([[0.5, 2.0, 3.0]])
    np.testing.assert_allclose(net.forward(x), np.log(np.tanh(x)), rtol=1e-15)


def test_torch_logsigmoid_matches_torch_far_below_zero():
    torch = pytest.importorskip("torch")
    from cimsim.network import from_torch

    class LogSigmoid(torch.nn.Module):
        def forward(self, x):
            return torch.nn.functional.logsigmoid(x)

    net = from_torch(LogSigmoid(), torch.randn(2, 9))
    with torch.no_grad():
        want = LogSigmoid()(torch.tensor(X)).numpy()
    np.testing.assert_allclose(net.forward(X), want, rtol=1e-12)


def test_a_batch_free_on_axis_1_is_told_the_batch_comes_first():
    """a sequence-first GRU exported with dynamic_axes {1: "N"}: [6, 'N', 5]"""
    model = _model([helper.make_node("Relu", ["x"], ["y"])], (6, "N", 5))
    with pytest.raises(ValueError, match=r"got \[6, 'N', 5\]: the batch must be the first axis.*if axis 1 \('N'\) "
                                         r"is the batch, make it the first axis \(batch_first=True"):
        network_from_onnx(model)
    for dims in (("N", "T", "C"), ("batch_size", "sequence_length")):  # the batch first already: no hint to move it
        with pytest.raises(ValueError, match=r"batch must be the first axis, the only one that may stay free: export "):
            network_from_onnx(_model([helper.make_node("Relu", ["x"], ["y"])], dims))


def test_the_api_doc_describes_workers_and_scheduler():
    doc = " ".join(cimsim.api.__doc__.split())
    assert "``workers``" in doc and "``scheduler``" in doc and "split a network's samples" in doc
    assert "a dense workload refuses them (ValueError)" in doc
    with pytest.raises(ValueError, match="workers and scheduler split a network's samples; this workload is a dense"):
        cimsim.simulate(CONFIGS / "default.toml", weights=np.ones((4, 8)), inputs=np.ones((2, 8)), workers=2)
