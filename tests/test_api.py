"""The research-script API: cimsim.simulate / cimsim.compare for every workload kind, data in memory, results
that say what they hold (to_dict = the CLI's JSON, rows, short reprs)."""

from __future__ import annotations

import importlib
import json
import multiprocessing
import os
import re
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

import cimsim
from cimsim.cli import main
from cimsim.config import load_config
from cimsim.errors import ConfigError
from cimsim.inference import NetworkResult
from cimsim.network import load_network
from cimsim.numerics import Crossbar
from cimsim.run import RunResult, result_notes
from cimsim.run import simulate as run_dense

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = ROOT / "configs" / "default.toml"
MLP = ROOT / "configs" / "digits-mlp.toml"


def test_a_network_config_simulates_the_network_not_a_random_layer():
    sim = cimsim.simulate(MLP, {"workload.vectors": 60})
    assert isinstance(sim.trials[0], NetworkResult) and sim.samples == 60
    with pytest.raises(ValueError, match="simulated by cimsim.simulate"):
        run_dense(load_config(MLP))


def test_dense_data_in_memory_set_the_shape():
    rng = np.random.default_rng(0)
    w, x = rng.standard_normal((12, 40)), rng.standard_normal((30, 40))
    sim = cimsim.simulate(DEFAULT, weights=w, inputs=x, settings={"device.preset": "ideal", "adc.bits": 16})
    assert isinstance(sim.trials[0], RunResult)
    assert (sim.plan.out_features, sim.plan.in_features, sim.counts.mvms) == (12, 40, 30)
    assert sim.vs_float.relative_error < 0.02  # 8-bit operands, exact converters: quantisation alone
    # the config written beside the results says weights = "normal": the JSON and the report say what was given
    assert sim.to_dict()["given_in_memory"] == ["weights", "inputs"] and sim.given == ("weights", "inputs")
    comp = cimsim.compare(DEFAULT, {"workload.vectors": 20}, weights=w)
    assert comp.to_dict()["given_in_memory"] == ["weights"] and "(weights given in memory)" in comp._repr_markdown_()
    assert cimsim.compare(DEFAULT, {"workload.vectors": 20}).to_dict()["given_in_memory"] == []
    # an estimate's record had named the config's generated data alone (weights "normal", inputs "uniform")
    est = cimsim.estimate(DEFAULT, weights=w, inputs=x)
    assert est.to_dict()["given_in_memory"] == ["weights", "inputs"] == list(est.given_in_memory)
    assert "Priced from data given in memory (weights, inputs)" in est._repr_markdown_()
    assert cimsim.estimate(DEFAULT).to_dict()["given_in_memory"] == []
    # the validation record of the family, as compare's report.json has it (had been left out: a reports probe)
    record = cimsim.estimate(DEFAULT).to_dict()["validation"]
    assert record == cimsim.compare(DEFAULT, {"workload.vectors": 20}).to_dict()["validation"] and record["record"]
    with pytest.raises(ValueError, match="weights must be a 2-d array"):
        cimsim.simulate(DEFAULT, weights=np.ones(3))
    with pytest.raises(ValueError, match="network and labels are for a network workload"):
        cimsim.simulate(DEFAULT, labels=np.zeros(3, int))
    with pytest.raises(TypeError, match=r"network must be a cimsim Network .* got str \(a file is settings="):
        cimsim.simulate(MLP, network="digits_mlp.npz", inputs=x[:, :64])  # had failed with AttributeError


def test_network_in_memory_with_labels_and_trials():
    net = load_network(ROOT / "src" / "cimsim" / "data" / "digits_mlp.npz")
    x = np.random.default_rng(2).uniform(0, 1, (40, 64))
    sim = cimsim.simulate(MLP, network=net, inputs=x, labels=np.zeros(40, int), trials=3,
                          settings={"device.preset": "rram"})
    assert len(sim.trials) == 3 and sim.labelled
    spread = sim.spreads["analog_accuracy"]
    assert spread.values == tuple(t.analog_accuracy for t in sim.trials)
    assert [row["trial"] for row in sim.rows()] == [0, 1, 2]
    assert sim.to_dict()["given_in_memory"] == ["network", "inputs"]


def test_a_network_runs_and_reports_the_samples_given():
    """with inputs given, workload.vectors had kept the config's value in the report (10 for 40 samples priced), and
    a setting contradicting them had been ignored where the dense path refuses it"""
    x = np.random.default_rng(2).uniform(0, 1, (40, 64))
    result = cimsim.compare(MLP, {"device.preset": "ideal"}, inputs=x, labels=np.zeros(40, int))
    assert result.to_dict()["config"]["workload"]["vectors"] == 40
    with pytest.raises(ValueError, match="settings give workload.vectors = 10, but the data given have 40"):
        cimsim.compare(MLP, {"workload.vectors": 10}, inputs=x, labels=np.zeros(40, int))


@pytest.mark.parametrize("argument", ["seed", "trials"])
def test_an_argument_contradicting_its_setting_is_refused(argument):
    """seed= / trials= had silently won over simulation.seed / simulation.trials in settings"""
    with pytest.raises(ValueError, match=f"settings give simulation.{argument} = 3, but the argument {argument}=2"):
        cimsim.simulate(DEFAULT, {f"simulation.{argument}": 3, "workload.vectors": 8}, **{argument: 2})
    cimsim.simulate(DEFAULT, {f"simulation.{argument}": 2, "workload.vectors": 8}, **{argument: 2})  # they agree


def test_the_lazy_api_is_in_dir():
    """tab completion had not offered cimsim.simulate (names loaded on first use, no __dir__)"""
    assert {"simulate", "compare", "estimate", "as_config", "__version__"} <= set(dir(cimsim))


def test_to_dict_is_what_the_cli_writes(tmp_path):
    out = tmp_path / "r.json"
    CliRunner().invoke(main, ["run", str(DEFAULT), "-o", str(out), "--set", "workload.vectors=64"])
    cli = json.loads(out.read_text())
    api = json.loads(json.dumps(cimsim.simulate(DEFAULT, {"workload.vectors": 64}).to_dict()))
    cli.pop("wall_s"), api.pop("wall_s")
    assert api == cli
    comp = cimsim.compare(DEFAULT, {"workload.vectors": 64})
    CliRunner().invoke(main, ["compare", str(DEFAULT), "-o", str(tmp_path / "c"), "--set", "workload.vectors=64"])
    saved = json.loads((tmp_path / "c" / "report.json").read_text())
    assert set(saved) == set(json.loads(json.dumps(comp.to_dict(), default=str)))


def test_reprs_are_short_and_notebooks_get_markdown():
    sim = cimsim.simulate(DEFAULT, {"workload.vectors": 32})
    comp = cimsim.compare(DEFAULT, {"workload.vectors": 32})
    for obj in (sim, comp):
        assert len(repr(obj)) < 200 and "\n" not in repr(obj)
        assert "|" in obj._repr_markdown_()
    assert "energy gain" in repr(comp) and "rel. error" in repr(sim)
    network = cimsim.simulate(ROOT / "configs" / "digits-mlp.toml", {"workload.vectors": 8}).trials[0]
    assert repr(sim.trials[0]) == f"RunResult('default': dense, {sim.trials[0].headline})"  # (4.6 KB: the whole config)
    assert repr(network) == f"NetworkResult('digits-mlp': network, {network.headline})"  # (10.9 KB)
    unlabelled = cimsim.simulate(ROOT / "configs" / "digits-mlp.toml", inputs=np.random.default_rng(0).uniform(
        0, 16, (8, 64))).trials[0]  # its figure is top-1 agreement with the float network, not an accuracy (a review)
    assert not unlabelled.labelled and " % agreement (digital " in repr(unlabelled)
    rows = comp.rows()
    assert {r["side"] for r in rows} == {"cim", "baseline"}
    cim_energy = sum(r["energy_pj"] for r in rows if r["side"] == "cim" and r["scenario"] == "steady")
    assert cim_energy == pytest.approx(comp.cim.total_energy_pj)


def test_a_metric_that_is_no_field_is_refused_naming_simulation_and_where_it_lives():
    """sim.relative_error had raised "'RunResult' object has no attribute", though rows() give relative_error"""
    sim = cimsim.simulate(DEFAULT, weights=np.ones((4, 16)), inputs=np.ones((5, 16)), trials=2)
    assert sim.rows()[0]["relative_error"] == sim.vs_float.relative_error == sim.trials[0].metrics()["relative_error"]
    with pytest.raises(AttributeError, match=r"^'Simulation' object has no attribute 'relative_error': .* are "
                                             r"sim\.vs_float\.relative_error; .*metrics\(\)\['relative_error'\].*"
                                             r"\(accuracy metrics: relative_error, snr_db\)"):
        sim.relative_error
    with pytest.raises(AttributeError, match=r"^'Simulation' object has no attribute 'colour' \(accuracy metrics: "):
        sim.colour
    assert not hasattr(sim, "colour") and sim.counts == sim.trials[0].counts


def test_to_frame_says_what_it_needs():
    sim = cimsim.simulate(DEFAULT, {"workload.vectors": 16})
    try:
        import pandas  # noqa: F401
    except ImportError:
        with pytest.raises(ImportError, match="to_frame needs pandas.*rows\\(\\) gives the same table"):
            sim.to_frame()
    else:
        assert list(sim.to_frame()["trial"]) == [0]


def test_config_forms():
    cfg = load_config(DEFAULT)
    assert cimsim.as_config(cfg) is cfg
    assert cimsim.as_config(str(DEFAULT)).name == "default"
    assert cimsim.as_config({"adc": {"bits": 6}}).adc.bits == 6
    with pytest.raises(TypeError, match="config must be a path, a cimsim Config or a dict"):
        cimsim.as_config(42)


@pytest.mark.parametrize("call", [cimsim.simulate, cimsim.compare])
@pytest.mark.parametrize(("kwargs", "error", "message"), [
    ({"progress": 5}, TypeError, "progress must be a callable"),
    ({"workers": 0}, ValueError, "workers must be an int >= 1; got 0"),
    ({"workers": -1}, ValueError, "workers must be an int >= 1"),
    ({"workers": "2"}, ValueError, "workers must be an int >= 1; got '2'"),
    ({"workers": 2.5}, ValueError, "workers must be an int >= 1"),
    ({"workers": True}, ValueError, "workers must be an int >= 1; got True"),
    ({"scheduler": 5}, TypeError, "scheduler must be a Dask scheduler address"),
    ({"scheduler": "tcp://host"}, ValueError, "scheduler: 'tcp://host' is not a Dask scheduler address"),
])
def test_how_a_run_is_carried_out_is_checked_before_it_starts(call, kwargs, error, message):
    """a bad progress, workers or scheduler is named before any work (they used to fail deep inside, or be taken:
    workers = 0, 2.5 or True ran)"""
    with pytest.raises(error, match=message):
        call(MLP, {"workload.vectors": 20}, **kwargs)


def test_weights_and_inputs_that_disagree_on_in_features_are_named_together():
    with pytest.raises(ValueError, match=r"weights \(3 x 256\) and inputs \(4 x 100\) disagree on in_features"):
        cimsim.simulate(DEFAULT, weights=np.ones((3, 256)), inputs=np.ones((4, 100)))


@pytest.mark.parametrize("call", [cimsim.simulate, cimsim.compare, cimsim.estimate, cimsim.as_config])
@pytest.mark.parametrize("settings", [["adc.bits", 6], [("adc.bits", 6)], "adc.bits=6", 5, "", []])
def test_settings_that_are_no_dict_are_named(call, settings):
    """simulate / compare had raised dict()'s own errors ("dictionary update sequence element #0 ..."), taken a
    list of pairs that estimate refused, and ignored an empty string or list"""
    with pytest.raises(ConfigError, match="settings \\(overrides\\) must be a dict of 'table.field' -> value; got"):
        call(DEFAULT, settings)


@pytest.mark.parametrize(("settings", "field"), [({"workload.vectors": 3}, "workload.vectors = 3"),
                                                 ({"workload.in_features": 7}, "workload.in_features = 7"),
                                                 ({"workload.out_features": 2}, "workload.out_features = 2")])
def test_settings_that_contradict_the_data_given_are_refused(settings, field):
    """the data's shape had silently replaced the shape a setting stated"""
    with pytest.raises(ValueError, match=f"settings give {field}, but the data given have"):
        cimsim.simulate(DEFAULT, settings, weights=np.ones((4, 16)), inputs=np.ones((5, 16)))
    cimsim.simulate(DEFAULT, {"workload.vectors": 5, "device.preset": "ideal"}, weights=np.ones((4, 16)),
                    inputs=np.ones((5, 16)))  # a setting that agrees is taken


@pytest.mark.parametrize(("settings", "stated", "data"), [
    ({"workload.weights": "uniform"}, "workload.weights = 'uniform'", "weights"),
    ({"workload.inputs": "file", "workload.inputs_file": "x.npy"},
     "workload.inputs = 'file' and workload.inputs_file = 'x.npy'", "inputs"),
    ({"workload.weights": "file", "workload.weights_file": "w.npy"}, "workload.weights = 'file'", "weights")])
def test_settings_saying_where_data_given_in_memory_come_from_are_refused(tmp_path, settings, stated, data):
    """a generator or file a setting named for weights or inputs given in memory had been ignored without a word"""
    weights, inputs = np.ones((4, 16)), np.ones((5, 16))
    np.save(tmp_path / "x.npy", inputs), np.save(tmp_path / "w.npy", weights)
    settings = {k: str(tmp_path / v) if k.endswith("_file") else v for k, v in settings.items()}
    stated = stated.replace("'x.npy'", repr(str(tmp_path / "x.npy")))
    with pytest.raises(ValueError, match=f"settings give {re.escape(stated)}.*, but {data}= is given in memory"):
        cimsim.simulate(DEFAULT, settings, weights=weights, inputs=inputs)
    with pytest.raises(ValueError, match="settings give workload.network_file = .*, but network= is given"):
        cimsim.simulate(MLP, {"workload.network_file": str(ROOT / "src/cimsim/data/digits_mlp.npz")},
                        network=load_network(ROOT / "src/cimsim/data/digits_mlp.npz"))
    with pytest.raises(ValueError, match="settings give workload.dataset = 'digits', but inputs= is given"):
        cimsim.simulate(MLP, {"workload.dataset": "digits"}, inputs=np.ones((3, 64)))
    cimsim.simulate(DEFAULT, {"workload.weights": "uniform"}, inputs=inputs)  # weights generated as the setting says


def test_estimate_prices_from_shapes_as_an_analytic_sweep_does():
    """cimsim.estimate is price_from_shapes with the settings applied: the sweep's analytic point, close to what a
    simulation prices (data-dependent counts estimated), its gains the baseline's over the CIM side's."""
    from cimsim.comparison import price_from_shapes

    est = cimsim.estimate("configs/default.toml", {"adc.bits": 6})
    cim, base = price_from_shapes(cimsim.as_config("configs/default.toml", {"adc.bits": 6}))
    assert est.cim.energy_pj == cim.energy_pj and est.baseline.latency_ns == base.latency_ns
    assert est.gain["energy"] == pytest.approx(base.total_energy_pj / cim.total_energy_pj)
    simulated = cimsim.compare("configs/default.toml", {"adc.bits": 6, "workload.vectors": 200})
    assert est.cim.total_energy_pj / est.cim.mvms == pytest.approx(
        simulated.cim.total_energy_pj / simulated.cim.mvms, rel=0.01)
    assert json.loads(json.dumps(est.to_dict()))["gain"]["energy"] == pytest.approx(est.gain["energy"])
    rows = est.rows()
    assert {r["side"] for r in rows} == {"cim", "baseline"}
    assert sum(r["energy_pj"] for r in rows if r["side"] == "cim") == pytest.approx(est.cim.total_energy_pj)
    assert repr(est).startswith("Estimate('default' vs ") and "from shapes" in repr(est)
    span = est.energy_gain_range  # the repr says what its range is: one wholly above the gain read as a slip
    assert f"({span['low']:.3g}-{span['high']:.3g}x at silicon / model of published macros)" in repr(est)
    assert f"({span['low']:.3g}-{span['high']:.3g}x at silicon / model" in repr(simulated)
    report = est._repr_markdown_()
    assert report.startswith("# cimsim estimate: default") and "| energy per MVM |" in report
    with pytest.raises(ConfigError, match="adc.bits"):
        cimsim.estimate("configs/default.toml", {"adc.bits": 0})


def test_torch_tensors_are_read_as_arrays():
    """a model's weight (requires grad), inputs that require grad and a bfloat16 weight: read as their values, the
    same results as the numpy arrays of them (they had met torch's "Can't call numpy() on Tensor that requires grad"
    and numpy's unsupported ScalarType BFloat16)"""
    try:
        import torch
    except ImportError:
        if os.environ.get("CI"):
            raise
        pytest.skip("torch is not installed: this test reads torch tensors")
    torch.manual_seed(0)
    weight, x = torch.nn.Linear(16, 8).weight, torch.randn(4, 16, requires_grad=True)
    got = cimsim.simulate(DEFAULT, weights=weight, inputs=x).vs_float.relative_error
    want = cimsim.simulate(DEFAULT, weights=weight.detach().numpy(), inputs=x.detach().numpy()).vs_float.relative_error
    assert got == want
    half = weight.to(torch.bfloat16)
    assert (cimsim.simulate(DEFAULT, weights=half, inputs=x).vs_float.relative_error
            == cimsim.simulate(DEFAULT, weights=half.float().detach().numpy(), inputs=x.detach().numpy())
            .vs_float.relative_error)
    xbar = Crossbar(cimsim.as_config(DEFAULT, {"workload.in_features": 16, "workload.out_features": 8,
                                              "adc.range": "max"}))
    xbar.program(weight)
    np.testing.assert_array_equal(xbar.mvm(x), xbar.mvm(x.detach().numpy()))


def test_to_dict_is_the_json_the_cli_writes_infinities_as_strings():
    """an exact result's SNR is infinite: to_dict gives "inf" there, as the files hold (json.dumps with
    allow_nan=False had failed, and plain json.dumps wrote the non-standard Infinity)"""
    ideal = {"preset": "ideal", "workload": {"vectors": 8, "in_features": 16, "out_features": 8}}
    sim = cimsim.simulate(ideal)
    assert sim.vs_digital.snr_db == float("inf")
    json.dumps(sim.to_dict(), allow_nan=False)
    assert sim.to_dict()["accuracy"]["vs_quantized_digital"]["snr_db"] == "inf"
    json.dumps(cimsim.compare(ideal).to_dict(), allow_nan=False)
    json.dumps(cimsim.estimate(DEFAULT).to_dict(), allow_nan=False)


def test_a_network_given_in_memory_needs_no_network_file(tmp_path):
    """network= and inputs= in memory run with a config naming no network file, and the report says where they came
    from; a config without both still gets the field named (exit 2 from the command line)"""
    net = load_network(ROOT / "src" / "cimsim" / "data" / "digits_mlp.npz")
    x = np.random.default_rng(3).uniform(0, 1, (6, 64))
    sim = cimsim.simulate({"preset": "ideal", "workload": {"kind": "network"}}, network=net, inputs=x)
    assert sim.samples == 6
    assert "a network given in memory (2 matrix layers), 6 samples given in memory" in sim._repr_markdown_()
    with pytest.raises(ConfigError, match="'workload.network_file' is required when 'workload.kind' is \"network\""):
        cimsim.simulate({"preset": "ideal", "workload": {"kind": "network"}})
    with pytest.raises(ConfigError, match=r"in memory instead to cimsim\.simulate, cimsim\.compare or "
                                          r"cimsim\.estimate: network=\.\.\.\)"):
        cimsim.estimate({"preset": "ideal", "workload": {"kind": "network"}})
    (tmp_path / "n.toml").write_text('[workload]\nkind = "network"\n')
    for command in ("validate", "run", "estimate"):
        result = CliRunner().invoke(main, [command, str(tmp_path / "n.toml")])
        assert result.exit_code == 2 and "'workload.network_file' is required" in result.output


def _error_at(bits: int, results=None) -> float:
    error = cimsim.simulate(ROOT / "configs" / "default.toml", {"adc.bits": bits}).vs_float.relative_error
    if results is not None:
        results.put(error)
    return error


@pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(), reason="fork is POSIX only")
def test_a_process_forked_after_a_simulation_simulates(monkeypatch):
    """a fork after a call had inherited the cached helper-thread executor without its threads: the child's first
    product waited for ever (Python's default process pool on Linux)"""
    from cimsim.numerics import threads

    monkeypatch.setattr(threads, "_WORKERS", 2)  # helper threads in use whatever this machine's cores
    parent = _error_at(6)
    fork = multiprocessing.get_context("fork")
    results = fork.Queue()
    child = fork.Process(target=_error_at, args=(6, results))
    child.start()
    child.join(60)  # a call takes well under a second
    hung = child.is_alive()
    if hung:
        child.kill()
        child.join()
    assert not hung, "the forked process made no progress"
    assert results.get(timeout=10) == parent


def test_an_estimates_to_dict_is_what_the_cli_writes(tmp_path):
    """the CLI had added the config's name and source that Estimate.to_dict lacked"""
    out = tmp_path / "e.json"
    CliRunner().invoke(main, ["estimate", str(DEFAULT), "-o", str(out)])
    assert json.loads(json.dumps(cimsim.estimate(DEFAULT).to_dict())) == json.loads(out.read_text())


def test_workers_or_a_scheduler_that_a_network_run_will_not_use_are_said_as_the_cli_says():
    """simulate / compare with workers= or scheduler= on samples that make one chunk warn (the CLI's note): a
    cluster address, mistyped or unreachable, had gone unused without a word; the results are this process's"""
    settings = {"workload.vectors": 20}
    with pytest.warns(RuntimeWarning, match=r"^scheduler=tcp://127.0.0.1:1 is not used: the 20 samples make one "
                                            r"chunk \(simulation.batch_size = 2048\), simulated here"):
        split = cimsim.simulate(MLP, settings, scheduler="tcp://127.0.0.1:1")
    with pytest.warns(RuntimeWarning, match=r"^workers is not used"):
        cimsim.compare(MLP, settings, workers=2)
    assert split.analog_accuracy == cimsim.simulate(MLP, settings).analog_accuracy


def test_an_estimates_json_holds_the_config_it_priced():
    """probe of 2026-12-04: `cimsim estimate -o` with --set adc.bits=4 and without wrote JSON that told them apart only
    by their numbers"""
    from cimsim.config import config_from_dict

    est = cimsim.estimate(DEFAULT, {"adc.bits": 4})
    data = est.to_dict()
    assert data["config"]["adc"]["bits"] == 4
    assert config_from_dict(data["config"], est.source) == est.config


def test_a_comparison_has_the_spreads_of_its_trials_as_a_simulation_has():
    """Comparison had no spreads (a script had to reach into to_dict()['accuracy']): the same metrics over the same
    trials as simulate's at the same seed"""
    settings = {"device.preset": "rram", "workload.vectors": 40, "device.read_noise_sigma": 0.05}
    comp = cimsim.compare(MLP, settings, trials=2, seed=3)
    sim = cimsim.simulate(MLP, settings, trials=2, seed=3)
    assert comp.spreads.keys() == sim.spreads.keys() and "analog_accuracy" in comp.spreads
    assert all(comp.spreads[k].values == sim.spreads[k].values for k in comp.spreads)
    assert cimsim.compare(MLP, settings, trials=1).spreads == {}


def test_the_result_classes_and_rows_frame_are_cimsims_own_names():
    """cimsim.Comparison (what compare returns) and cimsim.rows_frame (in the API's __all__) had raised
    AttributeError; simulate's help names its arguments (it had said '(module doc)')"""
    from cimsim.comparison import Comparison

    assert cimsim.Comparison is Comparison and cimsim.rows_frame is cimsim.api.rows_frame
    assert {"Comparison", "rows_frame"} <= set(dir(cimsim)) and "Comparison" in cimsim.__all__
    assert all(word in cimsim.simulate.__doc__ for word in ("trials", "seed", "progress", "workers", "labels"))


def test_a_network_run_past_its_dataset_says_how_many_samples_ran():
    """workload.vectors = 5000 on the digits' 540 test samples ran 540 without a word (the report's count aside)"""
    sim = cimsim.simulate(ROOT / "configs" / "digits-mlp.toml", {"workload.vectors": 5000, "device.preset": "ideal"})
    notes = result_notes(sim.trials[0])
    assert "workload.vectors asks for 5000 samples; the dataset holds 540: all of them ran" in notes
    assert not any("dataset holds" in n for n in result_notes(
        cimsim.simulate(ROOT / "configs" / "digits-mlp.toml", {"workload.vectors": 40}).trials[0]))


def test_a_name_of_a_subpackage_asked_of_cimsim_says_where_it_is():
    """(cimsim.from_torch had raised a bare AttributeError; the README names cimsim.network.from_torch)"""
    import cimsim

    with pytest.raises(AttributeError, match=r"no attribute 'from_torch'; it is cimsim\.network\.from_torch$"):
        cimsim.from_torch  # noqa: B018
    with pytest.raises(AttributeError, match=r"no attribute 'no_such_name'$"):
        cimsim.no_such_name  # noqa: B018
    assert not hasattr(cimsim, "_private_probe")
    for sub in cimsim._SUBPACKAGES:  # every name a subpackage exports is found where it is
        for name in importlib.import_module(f"cimsim.{sub}").__all__:
            assert cimsim._where(name).startswith("; it is cimsim."), (name, sub)
    assert cimsim._where("ConfigError") == "; it is cimsim.config.ConfigError"
    # from_onnx, guessed by analogy with from_torch (a probe), had raised a bare AttributeError
    with pytest.raises(AttributeError,
                       match=r"no attribute 'from_onnx'; an ONNX file is cimsim\.network\.load_network"):
        cimsim.from_onnx  # noqa: B018
    with pytest.raises(AttributeError, match=r"no attribute 'load'; a config file or settings are cimsim\.as_config"):
        cimsim.load  # noqa: B018  (a probe's guess; bare before)
    from cimsim.network import load_network
    from cimsim.network.onnx_import import network_from_onnx  # the names the hint gives exist

    assert callable(load_network) and callable(network_from_onnx)


def test_a_missing_name_imports_nothing():
    """(the hint had imported every subpackage, numba among them, on any missing name: 0.6 s for a hasattr)"""
    import subprocess
    import sys

    code = ("import sys, cimsim; hasattr(cimsim, 'no_such_name'); "
            "print(sorted(m for m in sys.modules if m.startswith(('cimsim.', 'numba'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]", out


def test_results_show_what_they_hold_in_a_notebook():
    """an api probe: a Simulation read its first trial's fields (sim.vs_float) that dir() did not list, so tab
    completion offered none; comp.vs_float said nothing of comp.run; a replicated crossbar lacked max_sum and said
    nothing of where each copy's conductances are"""
    import copy
    import pickle

    from cimsim.config import with_overrides
    from cimsim.numerics.replicated import build_crossbar

    sim = cimsim.simulate(ROOT / "configs" / "default.toml", {"workload.vectors": 8})
    assert {"vs_float", "counts", "plan", "config", "cost", "trials", "to_dict"} <= set(dir(sim))
    comp = cimsim.compare(ROOT / "configs" / "default.toml", {"workload.vectors": 8})
    with pytest.raises(AttributeError, match=r"'vs_float': the first trial's is comp\.run\.vs_float"):
        comp.vs_float
    with pytest.raises(AttributeError, match=r"no attribute 'nothing'$"):
        comp.nothing
    assert copy.deepcopy(comp).gain == pickle.loads(pickle.dumps(comp)).gain == comp.gain
    config = with_overrides(load_config(ROOT / "configs" / "default.toml"), {"mapping.replication": 2})
    xbar = build_crossbar(config, 16, 8)
    xbar.program(np.random.default_rng(0).standard_normal((8, 16)))
    assert xbar.max_sum == xbar.copies[0].max_sum == Crossbar(config, 16, 8).max_sum
    with pytest.raises(AttributeError, match=r"each of its 2 copies holds its own, copies\[k\]\.conductances_us"):
        xbar.conductances_us
    assert pickle.loads(pickle.dumps(xbar)).max_sum == xbar.max_sum
