"""How many of a run's vectors a mixture of experts sends one routed expert, in distribution.

A mixture routes each token to k of its E experts. With the router's choices spread evenly over the experts and
independent between tokens (the balance its load-balancing loss aims at: Fedus, Zoph and Shazeer, "Switch
Transformers", JMLR 23, 2022, Sec. 2.2), one expert receives n ~ Binomial(N, k / E) of N tokens. Its cost is linear
in n except where the baseline fetches its weights (once per run, or once per batch of the tokens that reach it)
and where its roofline turns from compute- to memory-bound, so the expected cost is the mean of the cost over n, not
the cost at the mean share k / E: at 64 tokens a step and k / E = 1/4, an expert is fetched in 1 - (3/4)**64 ≈ 1 of
the steps, not a quarter of them.
"""

from __future__ import annotations

import numpy as np
from scipy.stats import binom

from ..argcheck import check_int, check_real

__all__ = ["routed_vectors", "TAIL", "POINTS"]

TAIL = 1e-12
"""probability left out at each end of the binomial (n below or above it is never priced)"""
POINTS = 64
"""most token counts priced for one expert: a wider binomial is cut into this many runs of consecutive counts, each
priced at its mean count (its mass split between the two whole counts around it, so the mean of n stays exact)"""


def routed_vectors(vectors: int, share: float) -> list[tuple[int, float]]:
    """(n, weight) pairs whose weighted sum of a cost f(n) is the mean of f over the n ~ Binomial(vectors, share)
    vectors an expert receives, n = 0 left out (an expert no token reaches costs nothing); the weights of the pairs
    sum to P(n >= 1) and their n-weighted sum to vectors x share. ``share`` 1: [(vectors, 1.0)]."""
    vectors = check_int("vectors", vectors, minimum=1)
    share = check_real("share", share, 0, 1, low_open=True)
    if share == 1:
        return [(vectors, 1.0)]
    low = max(1, int(binom.ppf(TAIL, vectors, share)))
    high = min(vectors, int(binom.isf(TAIL, vectors, share)) + 1)
    n = np.arange(low, high + 1)
    mass = binom.pmf(n, vectors, share)
    if len(n) <= POINTS:
        return [(int(k), float(w)) for k, w in zip(n, mass) if w > 0]
    weights: dict[int, float] = {}
    for part_n, part_mass in zip(np.array_split(n, POINTS), np.array_split(mass, POINTS)):
        total = float(part_mass.sum())
        mean = float(part_n @ part_mass) / total
        below = int(mean)
        above_share = mean - below
        weights[below] = weights.get(below, 0.0) + total * (1 - above_share)
        if above_share:
            weights[below + 1] = weights.get(below + 1, 0.0) + total * above_share
    return sorted((k, w) for k, w in weights.items() if w > 0)
