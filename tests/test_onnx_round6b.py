"""nn.MultiheadAttention pooling with a learned query at torch's default need_weights=True (SigLIP's head: a constant
per-head query times keys whose batch-1 export folds batch and heads into one axis), and the hint a model that does
not return one tensor (a Hugging Face model passed directly) gets where torch's export of it fails. Needs torch
(CI installs it; elsewhere the tests skip, saying why); the Hugging Face tests need transformers."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from extras import torch_or_skip

torch = torch_or_skip()
from torch import nn  # noqa: E402

from cimsim.network.torch_import import from_torch  # noqa: E402


class AttentionPool(nn.Module):
    """A learned query of ``queries`` tokens attending to the input (batch, tokens, d): its output, or with
    ``weights`` the attention weights (per head unless averaged)"""

    def __init__(self, d: int, heads: int, queries=1, batch_first=True, need_weights=True, average=True,
                 weights=False):
        super().__init__()
        self.probe = nn.Parameter(torch.randn(1, queries, d))
        self.mha = nn.MultiheadAttention(d, heads, batch_first=batch_first)
        self.batch_first, self.need_weights, self.average, self.weights = batch_first, need_weights, average, weights

    def forward(self, x):
        q = self.probe.expand(x.shape[0], -1, -1)
        if not self.batch_first:
            q, x = q.transpose(0, 1), x.transpose(0, 1)
        out, weights = self.mha(q, x, x, need_weights=self.need_weights, average_attn_weights=self.average)
        if self.weights:
            return weights
        return out if self.batch_first else out.transpose(0, 1)


def _relative_error(net, model, x) -> float:
    with torch.no_grad():
        want = model(x).double().numpy()
    return float(np.abs(net.forward(x.double().numpy()) - want).max() / np.abs(want).max())


@pytest.mark.parametrize("kwargs", [
    {"heads": 2}, {"heads": 4, "queries": 3}, {"heads": 2, "batch_first": False}, {"heads": 1},
    {"heads": 2, "need_weights": False}, {"heads": 4, "weights": True, "average": False},
    {"heads": 2, "weights": True, "batch_first": False}])
def test_multihead_attention_with_a_learned_query_imports(kwargs):
    """need_weights=True (torch's default) writes Q Kᵀ with Q a constant (heads, m, hd) and Kᵀ (heads, hd, n),
    batch 1 folded into the heads axis: refused before ('a constant times an activation is supported for ...; got
    (2, 1, 8) and [2, 8, 8]'); now each head's product, within float32 rounding of torch on a batch of three"""
    torch.manual_seed(0)
    model = AttentionPool(16, **kwargs).eval()
    x = torch.randn(3, 7, 16)
    assert _relative_error(from_torch(model, x), model, x) < 1e-6


def test_siglip_pooler_imports():
    """Hugging Face SigLIP's vision pooler (a multi-head attention of a learned probe) via from_torch"""
    transformers = pytest.importorskip("transformers")

    class Pooled(nn.Module):
        def __init__(self, m):
            super().__init__()
            self.m = m

        def forward(self, x):
            return self.m(pixel_values=x).pooler_output

    torch.manual_seed(0)
    config = transformers.SiglipVisionConfig(hidden_size=32, intermediate_size=64, num_hidden_layers=1,
                                             num_attention_heads=4, image_size=32, patch_size=8)
    model = Pooled(transformers.SiglipVisionModel(config)).eval()
    x = torch.randn(2, 3, 32, 32)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert _relative_error(from_torch(model, x), model, x) < 1e-6


class _Cache:
    """an object torch's tracer cannot return (a Hugging Face DynamicCache)"""


class WithCache(nn.Module):
    """a model returning a dict of its output tensor and a cache object: torch's exporter refuses the output"""

    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(4, 4)

    def forward(self, x):
        return {"logits": self.lin(x), "cache": _Cache()}


def test_a_model_not_returning_one_tensor_is_told_to_wrap():
    """the export fails on the output; the hint was torch's dynamo exporter, whose graph load_network refuses too:
    now the wrapper recipe, naming the output's fields"""
    with pytest.raises(ValueError) as info:
        from_torch(WithCache().eval(), torch.randn(2, 4))
    said = str(info.value)
    assert "returns a dict holding logits, cache" in said and "returns self.m(x)['logits']" in said, said
    assert "dynamo=True" not in said


def test_a_model_returning_one_tensor_keeps_the_dynamo_hint():
    class Polar(nn.Module):
        def forward(self, x):
            return torch.polar(x, x).real

    with pytest.raises(ValueError) as info:
        from_torch(Polar(), torch.randn(2, 3))
    assert "dynamo=True" in str(info.value) and "wrap it" not in str(info.value)


@pytest.mark.parametrize("kind", ["bert", "gpt2"])
def test_hugging_face_models_passed_directly_are_told_to_wrap(kind):
    """BertModel and GPT2LMHeadModel given as they are fail inside torch's exporter ('got multiple values for
    argument use_cache', 'unsupported type: DynamicCache'): the hint names the wrapper and the output field"""
    transformers = pytest.importorskip("transformers")
    torch.manual_seed(0)
    if kind == "bert":
        model = transformers.BertModel(transformers.BertConfig(
            vocab_size=100, hidden_size=32, num_hidden_layers=1, num_attention_heads=4, intermediate_size=64,
            max_position_embeddings=64))
        field = ".last_hidden_state"
    else:
        model = transformers.GPT2LMHeadModel(transformers.GPT2Config(vocab_size=100, n_embd=32, n_layer=1, n_head=4,
                                                                     n_positions=64))
        field = ".logits"
    with warnings.catch_warnings(), pytest.raises(ValueError) as info:
        warnings.simplefilter("ignore")
        from_torch(model.eval(), torch.randint(5, 100, (2, 12)))
    said = str(info.value)
    assert f"wrap it, e.g. a torch.nn.Module holding it as self.m whose forward(self, x) returns self.m(x){field}" \
        in said, said
    assert "dynamo=True" not in said
