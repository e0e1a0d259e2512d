"""How many of a run's vectors a mixture of experts sends one routed expert, in distribution.

A mixture routes each token to k of its E experts. With the router's choices spread evenly over the experts and
independent between tokens (the balance its load-balancing loss aims at: Fedus, Zoph and Shazeer, "Switch
Transformers", JMLR 23, 2022, Sec. 2.2), one expert receives n ~ Binomial(N, k / E) of N tokens. Its cost is linear
in n except where the baseline fetches its weights (once per run, or once per batch of the tokens that reach it)
and where its roofline turns from compute- to memory-bound, so the expected cost is the mean of the cost over n, not
the cost at the mean share k / E: at 64 tokens a step and k / E = 1/4, an expert is fetched in 1 - (3/4)**64 ≈ 1 of
the steps, not a quarter of them. Where the weights stream per batch, each batch draws its own tokens
(:func:`routed_runs`): tokens of two batches never share a fetch.
"""

from __future__ import annotations

import math

import numpy as np

from ..argcheck import check_int, check_real

__all__ = ["routed_vectors", "routed_runs", "real_runs", "reach_probability", "SIGMAS", "MAX_COUNTS", "POINTS"]

SIGMAS = 10
"""token counts priced: the mean +- this many standard deviations (+- 10 counts more), where the binomial holds all
but far below 1e-12 of its mass; scipy.stats is not imported for it (half a second at start-up)"""
MAX_COUNTS = 2 ** 16
"""most token counts :func:`_binomial` evaluates one by one"""
POINTS = 64
"""most token counts priced for one expert: a wider binomial is cut into this many runs of consecutive counts, each
priced at its mean count (its mass split between the two whole counts around it, so the mean of n stays exact)"""


def reach_probability(vectors: int, share: float) -> float:
    """P(n >= 1) of n ~ Binomial(vectors, share): 1 - (1 - share)**vectors, the share of runs an expert is reached in"""
    return -math.expm1(vectors * math.log1p(-share))


def _binomial(vectors: int, share: float) -> tuple[np.ndarray, np.ndarray]:
    """(n, P(n)) of Binomial(vectors, share) for n >= 1 within SIGMAS of the mean: log P at the first n by log-gamma,
    the others by the ratio P(n + 1) / P(n) = (vectors - n) / (n + 1) x share / (1 - share); wider than
    :data:`MAX_COUNTS` counts (a standard deviation above ~3000), every stride-th count, each weighing the normal
    density of its stride (the binomial's limit there; exact counts had taken GBs at 2**40 items)"""
    mean, sigma = vectors * share, math.sqrt(vectors * share * (1 - share))
    spread = SIGMAS * sigma + 10
    first, last = max(1, math.floor(mean - spread)), min(vectors, math.ceil(mean + spread))
    if (stride := -(-(last - first + 1) // MAX_COUNTS)) > 1:
        n = np.arange(first, last + 1, stride)
        mass = np.exp(-0.5 * ((n - mean) / sigma) ** 2)
        return n, mass * (reach_probability(vectors, share) / mass.sum())  # sums to P(n >= 1)
    n = np.arange(first, last + 1)
    log_first = (math.lgamma(vectors + 1) - math.lgamma(first + 1) - math.lgamma(vectors - first + 1)
                 + first * math.log(share) + (vectors - first) * math.log1p(-share))
    steps = np.log(vectors - n[:-1]) - np.log(n[:-1] + 1) + math.log(share) - math.log1p(-share)
    mass = np.exp(log_first + np.concatenate(([0.0], np.cumsum(steps))))
    kept = mass > 0
    return n[kept], mass[kept]


def routed_vectors(vectors: int, share: float) -> list[tuple[int, float]]:
    """(n, weight) pairs whose weighted sum of a cost f(n) is the mean of f over the n ~ Binomial(vectors, share)
    vectors an expert receives, n = 0 left out (an expert no token reaches costs nothing); the weights of the pairs
    sum to P(n >= 1) and their n-weighted sum to vectors x share. ``share`` 1: [(vectors, 1.0)]."""
    vectors = check_int("vectors", vectors, minimum=1)
    share = check_real("share", share, 0, 1, low_open=True)
    if share == 1:
        return [(vectors, 1.0)]
    n, mass = _binomial(vectors, share)
    if len(n) <= POINTS:
        return [(int(k), float(w)) for k, w in zip(n, mass)]
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


def routed_runs(vectors: int, share: float, batch: int, resident: bool) -> list[tuple[int, float]]:
    """:func:`routed_vectors` of a run of ``vectors`` vectors on a processor fetching weights once per run
    (``resident``), else once per ``batch`` vectors: then each batch (and the short last one) is its own binomial,
    the pairs weighted by how many such batches run, so no fetch is shared across batches."""
    vectors, batch = check_int("vectors", vectors, minimum=1), check_int("batch", batch, minimum=1)
    if resident or share == 1 or vectors <= batch:
        return routed_vectors(vectors, share)
    full, rest = divmod(vectors, batch)
    weights: dict[int, float] = {}
    for size, runs in ((batch, full), (rest, 1)):
        for n, w in routed_vectors(size, share) if size else ():
            weights[n] = weights.get(n, 0.0) + runs * w
    return sorted(weights.items())


def real_runs(runs: list[tuple[int, float]], tap_fraction: float) -> list[tuple[int, float]]:
    """(vectors, weight) ``runs`` of a matrix whose products meet input values at ``tap_fraction`` of its taps
    (:attr:`cimsim.models.ops.MatrixOp.tap_fraction`: a transposed convolution's) as the whole vectors a processor
    that skips the others runs: each run as the floor and the ceiling of vectors x tap_fraction (at least one),
    weighted to that mean"""
    done = []
    for vectors, weight in runs:
        real = vectors * tap_fraction
        low = max(1, math.floor(real))
        done += [(low, weight * real / low)] if real <= low else [(low, weight * (low + 1 - real)),
                                                                  (low + 1, weight * (real - low))]
    return done
