"""A read refused for an overflow of the products counts nothing and leaves the read-noise numbering as it was, for
one crossbar and for the wrappers of several (a grouped matrix's blocks, replicated copies: a later block's refusal
had left the earlier ones counted); a grouped matrix refuses weights outside its groups' blocks (dropped before); a
network's matmul hook must return real numbers (a complex or boolean result had passed through)."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest

from cimsim.config import load_config, with_overrides
from cimsim.network import Dense, Network
from cimsim.numerics import Crossbar, build_crossbar
from cimsim.numerics.grouped import GroupedCrossbar

BASE = with_overrides(load_config(Path(__file__).resolve().parents[1] / "configs" / "default.toml"),
                      {"device.preset": "rram"})  # read noise: numbers that a stray draw would move
RNG = np.random.default_rng(0)
W, X = RNG.uniform(-1, 1, (32, 64)), RNG.uniform(-1, 1, (10, 64))


def _refused_then_read(make, weights) -> tuple[np.ndarray, np.ndarray, object, object]:
    """(a read after a refused one, the same read on a fresh twin, the two's counts)"""
    a, b = make(), make()
    for xbar in (a, b):
        xbar.program(weights)
        xbar.calibrate(X)
    with pytest.raises(ValueError, match="the products overflow float64"):
        a.mvm(X * 1e10)
    return a.mvm(X), b.mvm(X), a.counts, b.counts


@pytest.mark.parametrize("kind", ["crossbar", "grouped", "replicated"])
def test_a_read_refused_for_overflow_counts_nothing(kind):
    huge = W * 1e300
    if kind == "grouped":  # the last blocks overflow, the first do not: they had read, and counted
        cfg = with_overrides(BASE, {"array.rows": 32, "array.cols": 32, "array.rows_per_read": 32})
        mask = np.arange(32)[:, None] // 8 == np.arange(64) // 16
        huge = np.where(mask, W * np.where(np.arange(32)[:, None] >= 16, 1e300, 1.0), 0.0)
        make = lambda: GroupedCrossbar(cfg, 64, 32, 4, key=(3,))  # noqa: E731
    elif kind == "replicated":
        cfg = with_overrides(BASE, {"mapping.replication": 3})
        make = lambda: build_crossbar(cfg, 64, 32, key=(1,))  # noqa: E731
    else:
        make = lambda: Crossbar(BASE, 64, 32, key=(1,))  # noqa: E731
    after, fresh, counts, fresh_counts = _refused_then_read(make, huge)
    np.testing.assert_array_equal(after, fresh)  # the same noise draws: the numbering as it was
    assert counts == fresh_counts


def test_a_grouped_matrix_refuses_weights_outside_its_blocks():
    grouped = GroupedCrossbar(BASE, 64, 32, 4)
    w = np.where(np.arange(32)[:, None] // 8 == np.arange(64) // 16, W, 0.0)
    grouped.program(w)
    w[0, 63] = 5.0
    with pytest.raises(ValueError, match=r"block-diagonal \(4 groups of 8 x 16\); weights\[0, 63\] = 5.0 lies"):
        grouped.program(w)
    with pytest.raises(ValueError, match="weights must be a rectangular array"):
        grouped.program([[1.0, 2.0], [3.0]])


@pytest.mark.parametrize("result, why", [(lambda y: y.astype(complex), "must hold real numbers"),
                                         (lambda y: y > 0, "holds booleans"),
                                         (lambda y: y.astype(str), "must hold real numbers")])
def test_a_matmul_hook_must_return_real_numbers(result, why):
    net = Network((Dense(W),), (64,))
    with pytest.raises(ValueError, match=f"matmul for matrix layer 0 {why}"):
        net.forward(X, matmul=lambda index, layer, rows: result(rows @ layer.matrix.T))
    y = net.forward(X, matmul=lambda index, layer, rows: (rows @ layer.matrix.T).astype(object))  # numbers: taken
    np.testing.assert_allclose(y, net.forward(X))


def test_a_refused_replicated_read_puts_back_no_other_threads_counts():
    """the copies' counts put back after a refused read had wiped the reads another thread made meanwhile (a review:
    554 of 4730 vectors counted): replicated reads take turns"""
    xbar = build_crossbar(with_overrides(BASE, {"mapping.replication": 3}), 64, 32)
    xbar.program(W * 1e300)
    xbar.calibrate(X)
    done = []
    reader = threading.Thread(target=lambda: [done.append(len(xbar.mvm(X))) for _ in range(40)])
    reader.start()
    for _ in range(20):
        with pytest.raises(ValueError, match="overflow"):
            xbar.mvm(X * 1e10)
    reader.join()
    assert xbar.counts.mvms == sum(done) == 400


@pytest.mark.parametrize("kind", ["replicated", "grouped"])
def test_replicated_layers_read_in_turn_each_on_its_own_and_copy_as_before(kind):
    """the turns are each layer's (a lock of its own, not one for every replicated layer), left out of a pickle (a
    grouped layer's had been pickled and failed: a probe, 2026-12-07)"""
    import copy
    import pickle

    cfg = with_overrides(BASE, {"mapping.replication": 2})
    if kind == "grouped":
        a, b = GroupedCrossbar(cfg, 64, 32, 4, key=(1,)), GroupedCrossbar(cfg, 64, 32, 4, key=(2,))
        a.program(np.where(np.arange(32)[:, None] // 8 == np.arange(64) // 16, W, 0.0))
    else:
        a, b = build_crossbar(cfg, 64, 32, key=(1,)), build_crossbar(cfg, 64, 32, key=(2,))
        a.program(W)
    assert a._reading is not b._reading
    a.calibrate(X)
    twin, clone = pickle.loads(pickle.dumps(a)), copy.deepcopy(a)
    first = a.mvm(X)
    np.testing.assert_array_equal(twin.mvm(X), first)
    np.testing.assert_array_equal(clone.mvm(X), first)
    assert twin._reading is not a._reading
