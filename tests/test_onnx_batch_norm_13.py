"""A batch norm of an opset-13 graph with a symbolic batch (a networks probe, round 14): onnx's reference evaluator
computes BatchNormalization of opsets 9-13 from the batch's statistics wherever a momentum is set, so the check
that the graph keeps its samples apart had refused a valid LeViT-style graph as mixing them."""

from __future__ import annotations

import contextlib
import io

import numpy as np
import pytest

from cimsim.network import load_network

from extras import torch_or_skip

torch = torch_or_skip()


class _TokensNorm(torch.nn.Module):
    """LeViT's linear layer with a batch norm over its tokens flattened into the batch (``flatten(0, 1)``)"""

    def __init__(self):
        super().__init__()
        self.linear, self.norm = torch.nn.Linear(8, 8, bias=False), torch.nn.BatchNorm1d(8)

    def forward(self, x):
        y = self.linear(x)
        return self.norm(y.flatten(0, 1)).reshape_as(y)


@pytest.mark.parametrize("opset", [13, 14, 17])
def test_an_opset_13_batch_norm_over_flattened_tokens_imports(tmp_path, opset):
    torch.manual_seed(0)
    model = _TokensNorm()
    with torch.no_grad():
        model.norm.running_mean.normal_()
        model.norm.running_var.uniform_(0.5, 2.0)
    model.eval()
    x = torch.randn(3, 4, 8)
    path = tmp_path / "m.onnx"
    with contextlib.redirect_stderr(io.StringIO()):
        torch.onnx.export(model, (x[:1],), str(path), opset_version=opset, dynamo=False, input_names=["x"],
                          output_names=["y"], dynamic_axes={"x": {0: "N"}, "y": {0: "N"}})
    got = load_network(path).forward(x.numpy().astype(np.float64))
    with torch.no_grad():
        want = model(x).numpy()
    np.testing.assert_allclose(got, want, atol=1e-5 * np.abs(want).max())
