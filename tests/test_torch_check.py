"""An imported torch model's network held against the model's own forward pass: a difference beyond the float32
rounding of the models tried, yet within the refusal tolerance (an operation torch's export computes otherwise,
its error shrunk by the layers after it), is warned, naming the difference. Needs torch (CI installs it)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from extras import torch_or_skip

torch = torch_or_skip()
from torch import nn  # noqa: E402

from cimsim.network import Dense, Network, ReLU  # noqa: E402
from cimsim.network._torch_check import PROBE_TOLERANCE, ROUNDING_WARNED, check_network  # noqa: E402
from cimsim.network.torch_import import from_torch  # noqa: E402


def _mlp() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(16, 32), nn.ReLU(), nn.Linear(32, 8)).eval()


def _network(model: nn.Module, error: float) -> Network:
    """the model's network with its last weight off by ``error`` of its largest (a stand-in for an inexact export)"""
    w1, b1 = (t.detach().double().numpy() for t in (model[0].weight, model[0].bias))
    w2, b2 = (t.detach().double().numpy() for t in (model[2].weight, model[2].bias))
    w2 = w2 + error * np.abs(w2).max() * np.sign(w2)
    return Network((Dense(w1, b1), ReLU(), Dense(w2, b2)), (16,))


@pytest.mark.parametrize("error, warned", [(0.0, False), (3 * ROUNDING_WARNED, True), (0.1 * ROUNDING_WARNED, False)])
def test_a_network_off_the_model_beyond_float_rounding_is_warned(error, warned):
    """Longformer (transformers 5.25) imported silently while torch's export computed its attention 1.6 % off,
    8e-5 of the largest output at the model's end: below the 1e-3 at which a traced branch is refused, 100x the
    float32 rounding of every other model tried"""
    model, example = _mlp(), np.random.default_rng(0).standard_normal((4, 16))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        check_network(_network(model, error), model, example, [], "mlp", torch)
    said = [str(w.message) for w in caught if "beyond float rounding" in str(w.message)]
    assert bool(said) == warned
    if warned:
        assert "torch model mlp" in said[0] and f"{ROUNDING_WARNED:g}" in said[0]
    with pytest.raises(ValueError, match="differs from the model on the example itself"):
        check_network(_network(model, 30 * PROBE_TOLERANCE), model, example, [], "mlp", torch)


def test_an_exact_import_is_not_warned():
    with warnings.catch_warnings():
        warnings.filterwarnings("error", "torch model", UserWarning)
        net = from_torch(_mlp(), torch.randn(4, 16))
    assert net.forward(np.ones((1, 16))).shape == (1, 8)


def test_the_models_own_float32_rounding_is_not_warned():
    """a LayerNorm of inputs near 100 +- 0.01 loses 4.5e-4 of its outputs to float32 cancellation in the model itself,
    which the float64 network does not: it matches the model run in float64, and no export is blamed"""
    torch.manual_seed(0)
    model = nn.Sequential(nn.LayerNorm(64), nn.Linear(64, 8)).eval()
    with warnings.catch_warnings():
        warnings.filterwarnings("error", "torch model", UserWarning)
        net = from_torch(model, torch.randn(4, 64) * 0.01 + 100)
    x = np.random.default_rng(1).standard_normal((2, 64)) * 0.01 + 100
    np.testing.assert_allclose(net.forward(x), model.double()(torch.tensor(x)).detach().numpy(), rtol=1e-8)


def test_a_model_left_in_training_mode_is_warned_naming_the_modules_that_differ():
    """a model in training mode had been imported as its eval form without a word: the network matched m.eval()
    within 3e-8 but was 51 % off what m(x) returns (batch statistics, dropout); an eval model is not warned, and the
    model's own modes are given back"""
    model = nn.Sequential(nn.Conv2d(3, 4, 3, bias=False), nn.BatchNorm2d(4), nn.ReLU(), nn.Dropout(0.5),
                          nn.Flatten(), nn.Linear(64, 2))
    x = torch.randn(8, 3, 6, 6, generator=torch.Generator().manual_seed(0))
    with pytest.warns(UserWarning, match=r"2 of its modules are in training mode.*'1' \(BatchNorm2d\), '3' "
                                         r"\(Dropout\); call model.eval\(\) first"):
        from_torch(model, x)
    assert model.training and model[1].training
    model[3].eval()  # one module alone still training: named alone
    with pytest.warns(UserWarning, match=r"1 of its modules is in training mode.*'1' \(BatchNorm2d\);"):
        from_torch(model, x)
    quiet = nn.Sequential(nn.Conv1d(2, 4, 3), nn.Dropout(0.0), nn.InstanceNorm1d(4), nn.Flatten(),
                          nn.Linear(24, 2)).train()
    with warnings.catch_warnings():  # a drop of probability 0 and a norm without running statistics compute alike
        warnings.simplefilter("error")
        from_torch(quiet, torch.randn(3, 2, 8))
    tracked = nn.Sequential(nn.Conv1d(2, 4, 3), nn.InstanceNorm1d(4, track_running_stats=True), nn.Flatten(),
                            nn.Linear(24, 2)).train()
    tracked(torch.randn(4, 2, 8))
    with pytest.warns(UserWarning, match=r"'1' \(InstanceNorm1d\)"):
        from_torch(tracked, torch.randn(3, 2, 8))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        from_torch(model.eval(), x)
