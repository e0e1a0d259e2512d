"""from_torch on models that cache tensors derived from their parameters in eval mode (HF LeViT's attention biases):
the export reads the cache as a constant, which torch refuses while it requires grad."""

import numpy as np
import pytest

from extras import torch_or_skip

torch = torch_or_skip()

from cimsim.network import from_torch  # noqa: E402


class CachedBias(torch.nn.Module):
    """HF LeViT's pattern: a bias gathered from a parameter, cached in a plain dict in eval mode, dropped on train()"""

    def __init__(self, clears: bool = True):
        super().__init__()
        self.linear, self.twin = torch.nn.Linear(4, 4), torch.nn.Linear(4, 4)
        self.twin.load_state_dict(self.linear.state_dict())  # equal tensors kept apart: from_torch exports twice
        self.biases = torch.nn.Parameter(torch.randn(3))
        self.register_buffer("idxs", torch.tensor([0, 1, 2, 1]), persistent=False)
        self.cache, self.clears = {}, clears

    def train(self, mode=True):
        super().train(mode)
        if mode and self.clears:
            self.cache = {}
        return self

    def forward(self, x):
        if self.training:
            return self.linear(x) - 0.5 * self.twin(x) + self.biases[self.idxs]
        if "bias" not in self.cache:
            self.cache["bias"] = self.biases[self.idxs]
        return self.linear(x) - 0.5 * self.twin(x) + self.cache["bias"]


def _model(clears: bool = True):
    torch.manual_seed(0)
    return torch.nn.Sequential(CachedBias(clears), torch.nn.ReLU()).eval()


@pytest.mark.parametrize("warm", [False, True])
def test_eval_time_cache_imports_and_matches(warm):
    model, x = _model(), torch.randn(2, 4)
    if warm:  # a plain forward pass first, grad enabled: the cache holds a tensor that requires grad
        model(x)
    net = from_torch(model, x)
    with torch.no_grad():
        expected = model(x).numpy()
    assert np.allclose(net.forward(x.numpy().astype(np.float64)), expected, atol=1e-6)


def test_model_left_as_it_was():
    model = _model()
    model[0].linear.weight.requires_grad_(False)
    model[1].train()
    from_torch(model, torch.randn(2, 4))
    assert [p.requires_grad for p in model.parameters()] == [True, False, True, True, True]  # biases, linear, twin
    assert [m.training for m in model.modules()] == [False, False, False, False, True]  # the ReLU kept in train mode


def test_cache_not_dropped_on_train_names_it():
    model = _model(clears=False)
    model(torch.randn(2, 4))
    with pytest.raises(ValueError, match="cached in eval mode"):
        from_torch(model, torch.randn(2, 4))


class LearnedQueryPool(torch.nn.Module):
    """attention pooling with a learned query (timm's global_pool='map' head): (batch, 5, 8) -> (batch, 8)"""

    def __init__(self):
        super().__init__()
        self.latent = torch.nn.Parameter(torch.randn(1, 1, 8))
        self.q, self.kv = torch.nn.Linear(8, 8), torch.nn.Linear(8, 16)

    def forward(self, x):
        b = x.shape[0]
        q = self.q(self.latent).expand(b, -1, -1).reshape(b, 1, 2, 4).transpose(1, 2)
        k, v = self.kv(x).reshape(b, 5, 2, 2, 4).permute(2, 0, 3, 1, 4)
        return torch.nn.functional.scaled_dot_product_attention(q, k, v).transpose(1, 2).reshape(b, 8)


def test_learned_query_attention_from_torch():
    torch.manual_seed(0)
    model, x = LearnedQueryPool().eval(), torch.randn(2, 5, 8)
    with torch.no_grad():
        expected = model(x).numpy()
    got = from_torch(model, x).forward(x.numpy().astype(np.float64))
    assert np.allclose(got, expected, atol=1e-5)


def test_constant_query_attention_refusal_names_from_torch():
    from onnx import TensorProto, helper, numpy_helper

    from cimsim.network.onnx_import import network_from_onnx

    query = numpy_helper.from_array(np.ones((1, 1, 8), np.float32), "q")
    node = helper.make_node("Attention", ["q", "x", "x"], ["y"], q_num_heads=2, kv_num_heads=2)
    graph = helper.make_graph([node], "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 5, 8])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], [query])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 23)])
    with pytest.raises(ValueError, match="query, key and value must be activations.*import the model with from_torch"):
        network_from_onnx(model, "constant query")
