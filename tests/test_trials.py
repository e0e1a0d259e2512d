"""The spread of a metric over Monte Carlo trials: mean, sample standard deviation, worst trial."""

from __future__ import annotations

import math
import warnings

import pytest

from cimsim.trials import Spread


@pytest.mark.parametrize("values", [(0.014374660381172511,) * 3, (0.1, 0.1, 0.1), (44.91,) * 7, (1e-300, 1e-300)])
def test_the_mean_of_identical_trials_is_their_value_and_never_past_the_worst(values):
    for higher_is_better in (True, False):
        spread = Spread(values, higher_is_better)
        assert spread.mean == values[0] == spread.worst  # np.mean gave ...513 > worst ...511 for the first


def test_the_mean_lies_between_the_trials():
    values = (0.30000000000000004, 0.1 + 0.2, 0.30000000000000004, 0.3)
    spread = Spread(values, False)
    assert min(values) <= spread.mean <= max(values) and spread.mean <= spread.worst


def test_an_infinite_trial_among_others_spreads_infinitely_without_a_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        spread = Spread((math.inf, 30.0), True)
        assert spread.std == math.inf and spread.mean == math.inf and spread.worst == 30.0
        assert Spread((math.inf, math.inf), True).std == 0.0
