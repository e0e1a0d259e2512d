"""Models whose weights are torch parametrizations (``torch.nn.utils.parametrizations``: orthogonal, spectral_norm,
weight_norm) import as their parametrized weights, the user's model untouched; the hook-based spectral_norm and
weight_norm keep importing. Export failures on an operator that torch's dynamo exporter does not take either say
so instead of pointing there. Needs torch (CI installs it; elsewhere the tests skip, saying why)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from extras import torch_or_skip

torch = torch_or_skip()
from torch import nn  # noqa: E402
from torch.nn.utils import parametrizations, parametrize  # noqa: E402

from cimsim.network.torch_import import from_torch  # noqa: E402
from cimsim.network._torch_parametrize import materialised  # noqa: E402


class Net(nn.Module):
    """a linear layer, a tanh and a 1 x 1 convolution over the 8 features seen as (2, 2, 2)"""

    def __init__(self, wrap):
        super().__init__()
        self.fc = wrap(nn.Linear(8, 8))
        self.conv = wrap(nn.Conv2d(2, 2, 1))

    def forward(self, x):
        y = torch.tanh(self.fc(x))
        return self.conv(y.view(-1, 2, 2, 2)).flatten(1)


WRAPS = {"orthogonal": parametrizations.orthogonal, "spectral_norm": parametrizations.spectral_norm,
         "weight_norm": parametrizations.weight_norm, "legacy spectral_norm": nn.utils.spectral_norm,
         "legacy weight_norm": nn.utils.weight_norm}


def _state(model) -> dict:
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


@pytest.mark.parametrize("train", [True, False])
@pytest.mark.parametrize("kind", list(WRAPS))
def test_parametrized_model_imports_as_its_eval_forward(kind, train):
    torch.manual_seed(0)
    model = Net(WRAPS[kind])
    if kind.endswith("spectral_norm"):  # a few power iterations, so that u and v are no longer their initial values
        with torch.no_grad():
            for _ in range(3):
                model(torch.randn(4, 8))
    model.train(train)
    before, parametrized = _state(model), parametrize.is_parametrized(model.fc)
    x = torch.randn(3, 8)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # the legacy weight_norm's
        warnings.simplefilter("ignore", FutureWarning)
        net = from_torch(model, x)
    after = _state(model)
    assert before.keys() == after.keys() and all(torch.equal(before[k], after[k]) for k in before)
    assert parametrize.is_parametrized(model.fc) == parametrized and model.training == train  # not modified
    model.eval()
    with torch.no_grad():
        want = model(x).double().numpy()
    np.testing.assert_allclose(net.forward(x.double().numpy()), want, rtol=0, atol=1e-5)


def test_materialised_copies_only_a_parametrized_model():
    plain = Net(lambda m: m)
    assert materialised(torch, plain) is plain
    model = Net(parametrizations.orthogonal).eval()
    copy = materialised(torch, model)
    assert copy is not model and parametrize.is_parametrized(model.fc) and parametrize.is_parametrized(model.conv)
    assert not any(parametrize.is_parametrized(m) for m in copy.modules())
    assert torch.equal(copy.fc.weight, model.fc.weight) and torch.equal(copy.conv.weight, model.conv.weight)


class Fn(nn.Module):
    def __init__(self, fn):
        super().__init__()
        self.fc, self.fn = nn.Linear(8, 8), fn

    def forward(self, x):
        return self.fn(self.fc(x))


def _refusal(fn) -> str:
    with pytest.raises(ValueError) as info:
        from_torch(Fn(fn), torch.randn(2, 8))
    return str(info.value)


def test_cummax_refusal_does_not_promise_the_dynamo_exporter():
    message = _refusal(lambda y: torch.cummax(y, dim=1).values)
    assert "aten::cummax" in message and "dynamo=True" not in message
    assert "dynamo exporter does not translate it either" in message


def test_fft_refusal_says_the_import_refuses_dft():
    message = _refusal(lambda y: torch.fft.rfft(y).abs())
    assert "aten::fft_rfft" in message and "dynamo=True" not in message
    assert "DFT" in message and "cosine and sine" in message


def test_flat_roll_refusal_says_to_give_dims():
    message = _refusal(lambda y: torch.roll(y, 5))
    assert "len(shifts)=1 != len(dims)=0" in message and "dynamo=True" not in message
    assert "give dims" in message and "mixes the samples" in message


def test_other_refusals_say_the_dynamo_exporter_may_work():
    message = _refusal(lambda y: torch.polar(y, y).real)
    assert "dynamo=True" in message and "may" in message


def test_an_embedding_bag_with_padding_refusal_names_a_way_out_that_imports():
    """torch's dynamo exporter writes a bag's padding_idx as a Loop, which the import refuses too: the refusal says
    so and names what does import (no padding_idx, the padding row zeroed, mode 'sum'), which matches torch"""
    ids = torch.tensor([[0, 3, 5, 0], [7, 0, 2, 9]])
    padded = nn.Sequential(nn.EmbeddingBag(12, 4, mode="sum", padding_idx=0), nn.Linear(4, 3)).eval()
    with pytest.raises(ValueError, match="embedding_bag with padding_idx") as info:
        from_torch(padded, ids)
    assert "dynamo=True" not in str(info.value) and "padding_idx=None" in str(info.value)
    assert "a 'mean' or 'max' bag with padding has no import" in str(info.value)
    table = padded[0].weight.detach().clone()
    assert not table[0].any()  # padding_idx keeps its row at 0
    plain = nn.Sequential(nn.EmbeddingBag.from_pretrained(table, mode="sum"), padded[1]).eval()
    np.testing.assert_allclose(from_torch(plain, ids).forward(ids.numpy()), padded(ids).detach().numpy(), atol=1e-5)
