"""Round 52, Crossbar API: two threads reading one crossbar drew the same read noise (the vector numbers were
taken after the read: 3000 of 3000 rows equal); keys (3,) and (3, 0), and () and (0,), drew the same devices (numpy
pads a seed to 4 words with zeros; a key of 2+ ints keeps its draws, a shorter one has words of its own); a 1-d
vector of the wrong length was reported as a batch "(1, 40)"."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest

import cimsim
from cimsim.numerics import Crossbar, build_crossbar
from cimsim.numerics.programming import program_layer

DEFAULT = Path(__file__).resolve().parents[1] / "configs" / "default.toml"
RNG = np.random.default_rng(0)
W, X = RNG.uniform(-1, 1, (8, 24)), RNG.uniform(-1, 1, (40, 24))


def config(**extra):
    return cimsim.as_config(DEFAULT, {"workload.in_features": 24, "workload.out_features": 8, "adc.range": "max",
                                      "device.read_noise_sigma": 0.05, "simulation.batch_size": 16, **extra})


def _two_threads(xbar, monkeypatch, together: bool = True) -> list[np.ndarray]:
    """``xbar.mvm(X)`` from two threads that both reach the read before either goes on (``together``; a replicated
    layer's reads take turns, so that a refused one puts back no other call's counts: its threads just race)"""
    barrier, read = threading.Barrier(2, timeout=20), Crossbar._read

    def held(self, *args):
        barrier.wait()
        return read(self, *args)

    if together:
        monkeypatch.setattr(Crossbar, "_read", held)
    results = [None, None]
    threads = [threading.Thread(target=lambda i=i: results.__setitem__(i, xbar.mvm(X))) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.mark.parametrize("copies", [1, 3])
def test_threads_reading_one_crossbar_draw_what_calls_in_turn_draw(copies, monkeypatch):
    cfg = config(**{"mapping.replication": copies})
    in_turn = build_crossbar(cfg)
    in_turn.program(W)
    first, second = in_turn.mvm(X), in_turn.mvm(X)
    assert not np.array_equal(first, second)  # fresh noise on every read
    shared = build_crossbar(cfg)
    shared.program(W)
    a, b = _two_threads(shared, monkeypatch, together=copies == 1)
    assert (np.array_equal(a, first) and np.array_equal(b, second)) or (
        np.array_equal(a, second) and np.array_equal(b, first))
    assert shared.counts == in_turn.counts


def test_a_refused_read_takes_no_vector_numbers():
    xbar, fresh = Crossbar(config()), Crossbar(config())
    xbar.program(W)
    fresh.program(W)
    bad = X.copy()
    bad[3, 2] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        xbar.mvm(bad)
    assert np.array_equal(xbar.mvm(X), fresh.mvm(X))


@pytest.mark.parametrize("path", ["output", "cell"])
@pytest.mark.parametrize("keys", [((3,), (3, 0)), ((), (0,)), ((0,), (0, 0)), ((5, 1), (5, 1, 0))])
def test_every_key_draws_its_own_devices_and_noise(keys, path):
    cfg = config(**{"device.program_sigma": 0.1, "device.read_noise_path": path})
    xbars = [Crossbar(cfg, key=key) for key in keys]
    for xbar in xbars:
        xbar.program(W)
    assert not np.array_equal(xbars[0].conductances_us, xbars[1].conductances_us)
    same_devices = [Crossbar(cfg, key=(7,), read_key=key) for key in keys]
    for xbar in same_devices:
        xbar.program(W)
    assert np.array_equal(same_devices[0].conductances_us, same_devices[1].conductances_us)
    assert not np.array_equal(same_devices[0].mvm(X), same_devices[1].mvm(X))  # read noise of its own


@pytest.mark.parametrize("key, words", [((5, 1), [9, 2, 5, 1]), ((0, 0, 2), [9, 2, 0, 0, 2]),
                                        ((3,), [9, 6, 2, 1, 3]), ((), [9, 6, 2, 0])])
def test_device_draws_come_from_the_documented_seed_words(key, words):
    """keys of 2+ ints (cimsim's networks, replicated copies) keep the draws they had; shorter ones get their own"""
    cfg = config(**{"device.program_sigma": 0.1, "simulation.seed": 9})
    xbar = Crossbar(cfg, key=key)
    xbar.program(W)
    expected = program_layer(cfg, xbar.plan, W, np.random.default_rng(words))
    assert expected.conductances_us is not None
    assert np.array_equal(xbar.layer.conductances_us, expected.conductances_us)


def test_key_entries_numpy_would_split_are_refused():
    with pytest.raises(ValueError, match=r"key must be a tuple of ints in \[0, 2\*\*32\)"):
        Crossbar(config(), key=(2**32,))  # numpy's words (0, 1): key (0, 1)'s seed
    with pytest.raises(ValueError, match="read_key must be"):
        Crossbar(config(), read_key=(1, 2**40))
    Crossbar(config(), key=(2**32 - 1,))


def test_a_vector_of_the_wrong_length_is_called_one():
    xbar = Crossbar(config())
    xbar.program(W)
    for read in (xbar.mvm, xbar.digital_reference):
        with pytest.raises(ValueError, match=r"inputs must be a vector of 24 inputs \(or a batch, any x 24\); got "
                                             r"a vector of 20$"):
            read(np.ones(20))
        with pytest.raises(ValueError, match="got a vector of 0$"):
            read(np.ones(0))
    with pytest.raises(ValueError, match=r"inputs must have shape \(any x 24\); got \(2, 20\)"):
        xbar.mvm(np.ones((2, 20)))
    assert xbar.mvm(X[0]).shape == (8,)
