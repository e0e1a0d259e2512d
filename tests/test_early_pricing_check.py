"""A design the cost model cannot price (a global buffer too small for the activations between layers) is refused
before any crossbar is built, by every route that simulates and then prices (CLI run and compare, the API's
simulate and compare, a functional sweep's point), with the message `cimsim validate` gives: it had simulated every
sample first and then failed (an imported segmentation network: 18.6 s, exit 1)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

import cimsim
from cimsim import evaluation, run
from cimsim.cli import main
from cimsim.errors import ConfigError
from cimsim.network import Dense, Network, ReLU, save_network

MESSAGE = ("activations between layers need 2 KiB of global buffer (double-buffered, every layer boundary) but "
           'chip.global_buffer_kib is 1: raise it to at least 2, or set chip.pipeline = "none" (the largest boundary '
           "alone: 1 KiB)")


def wide_mlp() -> Network:
    """64 -> 1024 -> 10: the 1024 activations between its layers, 8 bits each and double-buffered, need 2 KiB"""
    rng = np.random.default_rng(0)
    return Network((Dense(rng.normal(size=(1024, 64)) / 8), ReLU(), Dense(rng.normal(size=(10, 1024)) / 32)), (64,))


@pytest.fixture
def built(monkeypatch) -> list:
    """every crossbar a simulation builds (dense layer or network), counted"""
    made = []
    for module in (evaluation, run):
        original = module.build_crossbar
        monkeypatch.setattr(module, "build_crossbar", lambda *a, _f=original, **k: made.append(1) or _f(*a, **k))
    return made


def small_buffer_config(tmp_path, buffer_kib: float = 1.0):
    save_network(wide_mlp(), tmp_path / "wide.npz")
    path = tmp_path / "c.toml"
    path.write_text(f'preset = "rram-default"\n[workload]\nkind = "network"\nnetwork_file = "wide.npz"\n'
                    f'dataset = "digits"\nvectors = 8\n[chip]\nglobal_buffer_kib = {buffer_kib}\n')
    return path


@pytest.mark.parametrize("command", ["run", "compare"])
def test_cli_refuses_before_simulating_with_validates_message(tmp_path, built, command):
    path = small_buffer_config(tmp_path)
    validated = CliRunner().invoke(main, ["validate", str(path)])
    assert validated.exit_code == 2 and MESSAGE in validated.output, validated.output
    result = CliRunner().invoke(main, [command, str(path)])
    assert result.exit_code == 2, result.output  # a config error, not a failed run (1)
    assert f"error: {path}: {MESSAGE}" in result.output
    assert "Traceback" not in result.output
    assert built == []  # refused before the first crossbar


def test_a_buffer_that_holds_them_runs(tmp_path, built):
    """the check refuses only what pricing refuses: 2 KiB holds the 2 KiB needed"""
    result = CliRunner().invoke(main, ["run", str(small_buffer_config(tmp_path, 2.0))])
    assert result.exit_code == 0, result.output
    assert built


@pytest.mark.parametrize("entry", [cimsim.simulate, cimsim.compare, cimsim.estimate])
def test_api_raises_the_config_error_before_simulating(entry, built):
    """the network given in memory, the config in a dict: the same ConfigError as validate raises, naming the
    config's source and the field, and how large it must be (estimate had raised a bare ValueError)"""
    x = np.random.default_rng(1).uniform(0, 1, size=(3, 64))
    given = {"inputs": x} if entry is not cimsim.estimate else {}
    settings = {"preset": "rram-default", "workload": {"kind": "network"}, "chip": {"global_buffer_kib": 1.0}}
    if entry is cimsim.estimate:
        settings["workload"].update({"dataset": "digits", "vectors": 3})
    with pytest.raises(ConfigError, match="the largest boundary alone: 1 KiB") as caught:
        entry(settings, network=wide_mlp(), **given)
    assert caught.value.errors == [("chip.global_buffer_kib", MESSAGE)]
    assert built == []


def test_a_functional_sweep_point_fails_before_simulating(tmp_path, built):
    """a sweep's simulated point goes through compare: its error is the config's, raised before any crossbar"""
    from cimsim.config import load_config
    from cimsim.sweep.metrics import _functional

    with pytest.raises(ConfigError, match="activations between layers need 2 KiB"):
        _functional(load_config(small_buffer_config(tmp_path)))
    assert built == []


def test_a_network_without_matrix_layers_is_refused_by_its_own_check_not_the_price():
    """nothing to price: the run's own refusal names the network (the early check had priced it first and said
    'a workload needs at least one stage')"""
    net = Network((ReLU(),), input_shape=(4,))
    with pytest.raises(ConfigError, match="no matrix layer to put on crossbars") as refused:
        cimsim.simulate({"workload": {"kind": "network", "vectors": 3}}, network=net, inputs=np.ones((3, 4)),
                        labels=np.zeros(3, dtype=int))
    assert refused.value.errors[0][0] == "network"  # the argument given, not the config's unused network_file


def test_a_network_given_in_memory_that_overruns_the_memory_limit_is_named_as_the_argument():
    """the memory check named 'workload.network_file', the shipped config's file, for a network given as
    network=: the message pointed at a file the run did not use"""
    rng = np.random.default_rng(0)
    net = Network((Dense(rng.normal(size=(2048, 64))), ReLU(), Dense(rng.normal(size=(10, 2048)))), (64,))
    with pytest.raises(ConfigError, match="the simulation would need about") as refused:
        cimsim.simulate(Path(__file__).resolve().parents[1] / "configs" / "digits-mlp.toml",
                        {"simulation.memory_limit_gib": 0.001}, network=net,
                        inputs=rng.uniform(0, 1, (100, 64)))
    assert refused.value.errors[0][0] == "network"
    assert "network_file" not in str(refused.value)
