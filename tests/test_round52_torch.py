"""from_torch: a value-dependent Python branch is caught by probes that move the example's statistics, torch's
TracerWarning reaches the caller as a UserWarning where the probes pass, and atan2 matches torch at signed zeros."""

import warnings

import numpy as np
import pytest

from extras import torch_or_skip

torch = torch_or_skip()
from torch import nn  # noqa: E402

from cimsim.network import from_torch  # noqa: E402
from test_torch_import import ShapeChecked  # noqa: E402  (a check of a traced size in Python, as HF models do)


class _InvertsBright(nn.Module):
    """inverts images that are mostly bright: a branch on the input's mean, which the trace fixes"""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 4, 3)

    def forward(self, x):
        if x.mean() > 0.5:
            x = 1 - x
        return self.conv(x).flatten(1)


class _ScaleBranch(nn.Module):
    """halves inputs of large magnitude: a branch on the input's scale, which a sample's negation keeps"""

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(6, 3)

    def forward(self, x):
        if x.abs().max() > 2:
            x = x / 2
        return self.fc(x)


class _SignBranch(nn.Module):
    """negates a batch whose sum is not positive: a branch on the batch's sign, which the example and its negation
    in one batch (sum 0) take either way by rounding"""

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(6, 3)

    def forward(self, x):
        return self.fc(x) if x.sum() > 0 else self.fc(-x)


class _ExpOfPositive(nn.Module):
    """exp of a batch with a positive value, else the batch as it is: outputs on the example far above the
    negation's"""

    def forward(self, x):
        return torch.exp(x) if x.max() > 0 else x


class _ScaledDownWithSignOffset(nn.Module):
    """inputs of audio scale scaled far down, and an offset where the first sample's sum is not positive: a branch
    below the model's roundings of its inputs"""

    def forward(self, x):
        y = x / 32768 * 1e-3
        return y if x[0].sum() > 0 else y + 0.01


class _FewerOutputsOnNegatives(nn.Module):
    """a batch with a positive value gives each sample's 6 values, else their first 3"""

    def forward(self, x):
        return x if x.max() > 0 else x[:, :3]


@pytest.mark.parametrize("model, example", [
    (_InvertsBright, lambda rng: rng.random((2, 1, 8, 8)) * 0.8),  # dark images (mean 0.4): the other branch missed
    (_ScaleBranch, lambda rng: rng.uniform(-1.5, 1.5, (2, 6))),  # |x| < 1.5: the halving missed
    (_SignBranch, lambda rng: np.abs(rng.standard_normal((2, 6)))),  # positive: the negation only in the pair, sum 0
    (_ExpOfPositive, lambda rng: rng.uniform(6, 12, (3, 4))),  # judged at the example's scale, it passed (a review)
    (_ScaledDownWithSignOffset, lambda rng: rng.uniform(2e4, 3e4, (2, 6))),  # within rounding of inputs (a review)
    (_FewerOutputsOnNegatives, lambda rng: rng.uniform(1, 2, (2, 6))),  # a numpy broadcast error (a review)
])
def test_a_branch_on_the_inputs_statistics_is_refused(model, example):
    """the probes had the example's mean and spread only, so a branch on its mean or scale imported silently: off by
    0.98 on one bright image (outputs up to 0.66)"""
    torch.manual_seed(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(ValueError, match=r"its trace depends on the input values .* the tracer warned"):
            from_torch(model().eval(), example(np.random.default_rng(3)).astype(np.float32))


def test_the_tracers_warning_reaches_the_caller_where_the_probes_pass():
    """cimsim had recorded torch's TracerWarning and dropped it once the probes passed"""
    torch.manual_seed(0)
    model, x = ShapeChecked().eval(), np.random.default_rng(4).standard_normal((2, 24))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        net = from_torch(model, x)
    passed = [w for w in caught if issubclass(w.category, UserWarning)
              and "trace holds one path" in str(w.message)]
    assert len(passed) == 1 and __file__ == passed[0].filename  # at the caller's line
    assert "Converting a tensor to a Python boolean" in str(passed[0].message)
    assert "probe inputs" in str(passed[0].message)
    with torch.no_grad():
        np.testing.assert_allclose(net.forward(x), model(torch.as_tensor(x, dtype=torch.float32)).numpy(),
                                   rtol=1e-5, atol=1e-6)


def test_a_model_without_python_control_flow_imports_without_a_warning():
    torch.manual_seed(0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        from_torch(nn.Sequential(nn.Linear(24, 3), nn.ReLU()).eval(), np.ones((2, 24), np.float32))
    assert not [w for w in caught if "trace holds one path" in str(w.message)]


_PAIRS = [(0.0, -1.0), (-0.0, -1.0), (0.0, 0.0), (-0.0, 0.0), (0.0, -0.0), (-0.0, -0.0), (1.0, -0.0), (-1.0, -0.0),
          (2.0, 3.0), (-2.0, -3.0), (3.0, -2.0), (-5.0, 0.0), (1e-30, -1e30)]
"""(y, x): signed zeros on every side, and ordinary points of each quadrant"""


class _Angle(nn.Module):
    def __init__(self, spelling: str):
        super().__init__()
        self.spelling = spelling

    def forward(self, v):
        y, x = v[:, 1], v[:, 0]
        if self.spelling == "method":
            return y.atan2(x)
        if self.spelling == "arctan2":
            return torch.arctan2(y, x)
        if self.spelling == "reciprocals":  # infinities inside the network: 1 / +-0
            return torch.atan2(1 / y, 1 / x)
        if self.spelling == "integers":  # promoted to floats, their zero unsigned
            return torch.atan2(y.round().long(), x.round().long())
        if self.spelling == "in_place":
            return y.clone().atan2_(x)
        if self.spelling == "arctan2_":
            return (y * 1.0).arctan2_(x)
        return torch.atan2(torch.relu(y - 0.5) if self.spelling == "relu" else y, x)  # a ReLU's zeros: +0


@pytest.mark.parametrize("spelling", ["function", "relu", "method", "arctan2", "reciprocals", "integers", "in_place",
                                      "arctan2_"])
def test_atan2_matches_torch_at_signed_zeros(spelling):
    """torch's exporter writes atan2 with Greater(y, 0): at y = +0, x < 0 it gave -pi where torch gives +pi (2 pi
    off: a ReLU's zeros), silently where the example holds no such point; the in-place atan2_ and arctan2_ had
    missed the rewrite"""
    model = _Angle(spelling)
    torch.manual_seed(0)
    net = from_torch(model, torch.rand(2, 2, len(_PAIRS)) + 0.1)  # no zero in the example
    v = torch.tensor([[[x for _, x in _PAIRS], [y for y, _ in _PAIRS]]])
    with torch.no_grad():
        want = model(v).double().numpy()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no numpy warning on infinities either
        got = net.forward(v.double().numpy())
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-7)
    assert np.array_equal(np.signbit(got), np.signbit(want))  # +-0 and +-pi as torch's


class _IntegerCast(nn.Module):
    def forward(self, v):
        n = v[:, :4].long().float()  # -0.3 -> 0: an integer has no sign of zero
        return torch.cat([torch.exp(-1 / n), torch.atan2(n, v[:, 4:] - 5)], 1)


def test_an_integer_cast_of_a_small_negative_value_is_plus_zero():
    """a Cast to an integer type was trunc alone: trunc(-0.3) is -0.0, so exp(-1 / n) gave inf (torch: 0) and
    atan2(n, -5.3) -pi (torch: +pi)"""
    model = _IntegerCast()
    net = from_torch(model, 0.6 + torch.rand(2, 8))  # every cast positive
    v = torch.tensor([[-0.3, -0.99, 0.4, -1.5, -0.3, -0.3, -0.3, -0.3]])
    with torch.no_grad():
        want = model(v).double().numpy()
    got = net.forward(v.double().numpy())
    np.testing.assert_allclose(got, want, rtol=1e-6)
    assert np.array_equal(np.signbit(got), np.signbit(want))


class _ByConstant(nn.Module):
    def __init__(self):
        super().__init__()
        self.register_buffer("c", torch.tensor([-1.0, -0.0, 0.0, 2.0]))

    def forward(self, v):
        return v / self.c


def test_a_division_by_a_constant_holding_zeros_gives_torchs_infinities():
    """a Div by a constant holding 0 was refused ("Affine scale holds NaN or infinite values", after numpy's divide
    by zero warning): x / +-0 is +-inf, 0 / 0 NaN, as torch's"""
    model = _ByConstant()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        net = from_torch(model, torch.rand(2, 4) + 0.1)
        v = torch.tensor([[1.0] * 4, [-2.0] * 4, [0.0] * 4, [-0.0] * 4, [3.0, -2.0, 0.0, -0.0]])
        got = net.forward(v.double().numpy())
    with torch.no_grad():
        want = model(v).double().numpy()
    np.testing.assert_array_equal(got, want)  # NaN where torch's is
    assert np.array_equal(np.signbit(got[~np.isnan(got)]), np.signbit(want[~np.isnan(want)]))


class _AngleToConstant(nn.Module):
    def __init__(self):
        super().__init__()
        self.register_buffer("x", torch.tensor([-1.0, -0.0, 0.0, 2.0]))

    def forward(self, y):
        return torch.atan2(y, self.x)


def test_atan2_against_a_constant_holding_zeros_imports():
    """atan2(y, c) divides y by c: refused where c held a zero"""
    model = _AngleToConstant()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # numpy's on folding the constant's 1 / 0 (the sign test of its zeros)
        net = from_torch(model, torch.rand(2, 4) + 0.1)
    y = torch.tensor([[1.0] * 4, [-2.0] * 4, [0.0] * 4, [-0.0] * 4])
    with torch.no_grad():
        want = model(y).double().numpy()
    got = net.forward(y.double().numpy())
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-7)
    assert np.array_equal(np.signbit(got), np.signbit(want))


def test_an_integer_division_of_a_small_negative_quotient_is_plus_zero():
    """review probe of 2026-12-04: exp(-1 / (v.long() // 2 toward zero)) at v = -1 gave inf (the integer quotient -0),
    torch 0; 1 / (0 // -2) gave -inf, torch +inf; an integer Div is priced as before (a trunc is one add)"""
    torch = torch_or_skip()
    from cimsim.network import from_torch

    class Quotients(torch.nn.Module):
        def forward(self, v):
            trunc = torch.div(v.long(), 2, rounding_mode="trunc").float()
            floor = torch.div(v.long(), -2, rounding_mode="floor").float()
            return torch.cat([torch.exp(-1 / trunc), 1 / floor], dim=1)

    example = torch.tensor([[-1.0, 3.0, 0.0]])
    net = from_torch(Quotients(), torch.tensor([[4.0, 6.0, 8.0]]))
    with np.errstate(divide="ignore"):
        got = net.forward(example.numpy().astype(np.float64))
    with torch.no_grad():
        want = Quotients()(example).numpy()
    np.testing.assert_allclose(got, want, rtol=1e-6)  # torch's exp is float32's
    assert (np.signbit(got) == np.signbit(want)).all()
    assert "trunc" not in [layer.function for layer in net.layers if layer.kind == "unary"]


class _NanGuardedGelu(nn.Module):
    """a branch the trace always takes one way (no NaN), before a GELU whose outputs on -5 are float32 noise, computed
    in float32 whatever the model's float (as models upcast): a float64 copy of it cannot tell"""

    def forward(self, x):
        if torch.isnan(x).any():
            x = torch.nan_to_num(x)
        return nn.functional.gelu(x.to(torch.float32))


def test_the_negation_alone_given_what_it_was_given_beside_the_example_imports():
    """the negation alone of a positive example gave GELU outputs of 1e-5, float32 rounding 1e-7 off the network's
    float64: refused as control flow at that probe's own scale (a review); the model gives -x alone what it gave it
    beside x, no branch on the batch, so it imports (a float64 copy cannot tell an upcast model, and the model's
    roundings of the probe's magnitudes let branches pass: reviews)"""
    x = np.random.default_rng(0).uniform(4.5, 5.5, (2, 8)).astype(np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        net = from_torch(_NanGuardedGelu().eval(), x)
    with torch.no_grad():
        np.testing.assert_allclose(net.forward(-x.astype(np.float64)),
                                   nn.functional.gelu(torch.as_tensor(-x, dtype=torch.float64)).numpy(), rtol=1e-5)
