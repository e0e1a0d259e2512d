"""nn.MultiheadAttention pooling with a learned query at torch's default need_weights=True (SigLIP's head: a constant
per-head query times keys whose batch-1 export folds batch and heads into one axis), and the hint a model that does
not return one tensor (a Hugging Face model passed directly) gets where torch's export of it fails. Needs torch
(CI installs it; elsewhere the tests skip, saying why)."""

from __future__ import annotations


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


class _Output(dict):
    """a Hugging Face ModelOutput's shape: a dict whose fields are attributes too"""

    __getattr__ = dict.__getitem__


class FakeHuggingFace(nn.Module):
    """a model of a transformers module (as BertModel, GPT2LMHeadModel) returning its output object with a cache"""

    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(4, 4)

    def forward(self, x):
        return _Output(last_hidden_state=self.lin(x), past_key_values=_Cache())


FakeHuggingFace.__module__ = "transformers.models.fake.modeling_fake"


class FakeDetector(nn.Module):
    """a torchvision detector's output: a list of one dict of boxes, scores and labels a sample"""

    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(4, 4)

    def forward(self, x):
        y = self.lin(x)
        return [{"boxes": y, "scores": y.sum(-1), "labels": y.argmax(-1)}]


def test_a_detectors_nested_output_is_named_in_the_wrapper():
    """the wrapper hint had offered self.m(x) unchanged for a list of a dict (ssdlite, RetinaNet, Faster R-CNN), which
    led back to the same refusal (a nets probe)"""
    with pytest.raises(ValueError) as info:
        from_torch(FakeDetector().eval(), torch.randn(2, 4))
    assert "returns self.m(x)[0]['boxes'] or [0]['scores']" in str(info.value), str(info.value)


def test_hugging_face_models_passed_directly_are_told_to_wrap():
    """BertModel and GPT2LMHeadModel given as they are fail inside torch's exporter (their output objects, a
    DynamicCache): the hint names the wrapper and the output field by name, not torch's dynamo exporter (measured on
    tiny BertModel and GPT2LMHeadModel: '.last_hidden_state', '.logits')"""
    with pytest.raises(ValueError) as info:
        from_torch(FakeHuggingFace().eval(), torch.randn(2, 4))
    said = str(info.value)
    assert "wrap it, e.g. a torch.nn.Module holding it as self.m whose forward(self, x) returns " \
        "self.m(x).last_hidden_state" in said, said
    assert "dynamo=True" not in said
