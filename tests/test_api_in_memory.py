"""The research-script API with what a script holds in memory: a Config of numpy numbers (stored as Python numbers,
as settings are), its name checked, inputs run without the config's dataset, labels refused where a network has no
classes, zero samples named as such, and workers inside a daemonic process (a multiprocessing.Pool worker)."""

from __future__ import annotations

import dataclasses
import json
import multiprocessing
from pathlib import Path

import numpy as np
import pytest

import cimsim
from cimsim.errors import ConfigError
from cimsim.network import Dense, Network, ReLU, save_network
from cimsim.report_json import json_safe
from cimsim.sweep.execute import open_executor

CONFIGS = Path(__file__).resolve().parents[1] / "configs"
DENSE = {"workload.in_features": 16, "workload.out_features": 8, "workload.vectors": 6}


def _net(outputs: int) -> Network:
    """a small MLP of 8 inputs (seeded random weights)"""
    rng = np.random.default_rng(0)
    return Network((Dense(rng.standard_normal((12, 8)), rng.standard_normal(12)), ReLU(),
                    Dense(rng.standard_normal((outputs, 12)))), (8,))


def _samples(n: int = 24) -> np.ndarray:
    return np.random.default_rng(1).standard_normal((n, 8))


@pytest.mark.parametrize("field, value", [("adc.bits", np.int64(6)), ("dac.input_bits", np.uint8(8)),
                                          ("array.rows_per_read", np.uint16(256)), ("array.rows", np.uint16(256)),
                                          ("device.program_sigma", np.float32(0.01))])
def test_numpy_numbers_in_a_config_are_stored_as_settings_store_them(field, value):
    """dataclasses.replace with a numpy scalar had passed validation, then overflowed its own type (uint8 input_bits x
    rows) or made to_dict() unserialisable (int64, float32); given as a setting, the same value worked"""
    cfg = cimsim.as_config(CONFIGS / "default.toml", DENSE)
    section, name = field.split(".")
    given = dataclasses.replace(cfg, **{section: dataclasses.replace(getattr(cfg, section), **{name: value})})
    stored = getattr(getattr(cimsim.as_config(given), section), name)
    from cimsim.config.load import python_scalar  # a float32 by its shortest repr, as a setting stores it

    assert type(stored) is type(value.item()) and stored == python_scalar(value)
    sim, by_setting = cimsim.simulate(given), cimsim.simulate(cfg, {field: value})
    assert json.loads(json.dumps(sim.to_dict()))["config"] == json.loads(json.dumps(by_setting.to_dict()))["config"]
    assert sim.vs_float == by_setting.vs_float
    json.dumps(cimsim.compare(given).to_dict())


def test_json_safe_takes_numpy_scalars_as_their_python_values():
    safe = json_safe({"a": np.int64(3), "b": [np.float32(np.inf), np.float32(0.5)], "c": np.bool_(True)})
    assert safe == {"a": 3, "b": ["inf", 0.5], "c": True}
    assert [type(v) for v in (safe["a"], safe["b"][1], safe["c"])] == [int, float, bool]


@pytest.mark.parametrize("name", [5, "", "  "])
def test_the_name_of_a_config_in_memory_is_checked(name):
    """a name the loader refuses (as a setting: 'name' must be a non-empty string) had been accepted in memory"""
    bad = dataclasses.replace(cimsim.as_config(CONFIGS / "default.toml", DENSE), name=name)
    for call in (cimsim.as_config, cimsim.simulate, cimsim.estimate):
        with pytest.raises(ConfigError, match="'name' must be a non-empty string"):
            call(bad)


def test_inputs_given_run_without_the_configs_dataset(tmp_path):
    """the config's dataset (digits: 64 pixels) was loaded and checked against a network of 8 inputs, then unused"""
    save_network(_net(3), tmp_path / "net.npz")
    cfg = {"preset": "rram-default", "workload": {"kind": "network", "network_file": str(tmp_path / "net.npz")}}
    x = _samples()
    sim = cimsim.simulate(cfg, inputs=x, labels=np.arange(len(x)) % 3)
    assert sim.samples == len(x) and sim.inputs_given and sim.labelled
    assert cimsim.compare(cfg, inputs=x).run.samples == len(x)
    with pytest.raises(ConfigError, match="workload.dataset"):  # the dataset is still checked where it is used
        cimsim.simulate(cfg)


def test_a_network_in_memory_without_inputs_is_told_the_default_dataset_and_how_to_give_its_own():
    """the default dataset that does not fit had been blamed on 'workload.dataset', a setting the user never gave"""
    with pytest.raises(ConfigError, match=r"'workload\.dataset': samples of shape \(64,\) do not fit the network's "
                                          r"input shape \(8,\): \"digits\" \(the default\) is the shipped 8x8 "
                                          r"digits; give .*inputs= \(cimsim\.estimate, cimsim\.simulate, "
                                          r"cimsim\.compare; the last two also take labels=\), or "
                                          r"workload\.dataset = \"file\" with workload\.dataset_file"):
        cimsim.simulate({"preset": "ideal", "workload": {"kind": "network"}}, network=_net(3))
    sim = cimsim.simulate({"preset": "ideal", "workload": {"kind": "network"}}, network=_net(3), inputs=_samples())
    assert sim.samples == 24


@pytest.mark.parametrize("labels", [np.zeros(24, int), np.arange(24) % 2])
def test_labels_are_refused_for_a_network_without_classes(labels):
    """a one-output network had reported labelled = True and an accuracy of NaN for all-zero labels"""
    with pytest.raises(ValueError, match=r"labels need two or more classes .* gives \(1,\)"):
        cimsim.simulate(CONFIGS / "digits-mlp.toml", network=_net(1), inputs=_samples(), labels=labels)
    sim = cimsim.simulate(CONFIGS / "digits-mlp.toml", network=_net(1), inputs=_samples())
    assert not sim.labelled and np.isnan(sim.analog_accuracy) and np.isfinite(sim.vs_float.relative_error)


def test_zero_samples_are_named_not_blamed_on_a_setting():
    """0 samples had been reported as "'workload.vectors' ... got 0 (given as an override)", a setting never given"""
    with pytest.raises(ValueError, match=r"inputs must hold at least one sample; got shape \(0, 8\)"):
        cimsim.simulate(CONFIGS / "digits-mlp.toml", network=_net(3), inputs=np.zeros((0, 8)),
                        labels=np.zeros(0, int))


def test_one_sample_without_its_batch_axis_is_named_not_blamed_on_a_setting(tmp_path):
    """inputs=x[0] had been counted as 8 samples, the error blaming the setting: 'settings give workload.vectors =
    3, but the data given have 8'"""
    save_network(_net(3), tmp_path / "net.npz")
    cfg = {"preset": "rram-default", "workload": {"kind": "network", "network_file": str(tmp_path / "net.npz")}}
    for network in (None, _net(3)):  # the config's network, or one given
        for run in (cimsim.simulate, cimsim.compare):
            with pytest.raises(ValueError, match=r"inputs must have shape \(batch, 8\); got \(8,\)"):
                run(cfg, {"workload.vectors": 3}, inputs=_samples()[0], network=network)


def test_workers_in_a_daemonic_process_run_here_with_the_same_results(monkeypatch):
    """workers=N in a multiprocessing.Pool worker had failed with multiprocessing's bare AssertionError"""
    settings = {"simulation.batch_size": 8}
    alone = cimsim.simulate(CONFIGS / "digits-mlp.toml", settings, network=_net(3), inputs=_samples())
    monkeypatch.setattr(multiprocessing.current_process(), "daemon", True)
    with pytest.warns(RuntimeWarning, match="workers=2: this is a daemonic process"):
        pooled = cimsim.simulate(CONFIGS / "digits-mlp.toml", settings, network=_net(3), inputs=_samples(), workers=2)
    assert pooled.analog_accuracy == alone.analog_accuracy and pooled.vs_float == alone.vs_float
    assert pooled.counts == alone.counts


def test_a_sweeps_executor_in_a_daemonic_process_names_workers(monkeypatch):
    monkeypatch.setattr(multiprocessing.current_process(), "daemon", True)
    with pytest.raises(ValueError, match="workers=3: local worker processes cannot be started from a daemonic"):
        with open_executor(3, None):
            pass


@pytest.mark.parametrize("labels, match", [
    (np.ma.array(np.arange(24) % 3, mask=np.ones(24, bool)), r"^labels is a masked array; fill or drop the masked"),
    ([[1], [2, 3]], r"^labels must be a rectangular array of real numbers; numpy could not read it"),
])
def test_labels_are_read_as_inputs_are(labels, match):
    """masked labels had been run with their mask dropped (every label masked out, each scored); ragged ones had
    raised numpy's bare "setting an array element with a sequence" from inside cimsim"""
    with pytest.raises(ValueError, match=match):
        cimsim.simulate(CONFIGS / "digits-mlp.toml", network=_net(3), inputs=_samples(len(labels)), labels=labels)


def test_a_network_given_without_inputs_on_a_dataset_no_setting_states_is_warned():
    """a 64-in, 10-out network given in memory with no inputs ran silently on the default dataset (the digits); it
    now warns, unless the config states its dataset (digits-mlp.toml does) or inputs are given"""
    rng = np.random.default_rng(8)
    net = Network((Dense(rng.standard_normal((32, 64))), ReLU(), Dense(rng.standard_normal((10, 32)))), (64,))
    network = {"workload.kind": "network", "workload.vectors": 12}
    with pytest.warns(RuntimeWarning, match=r"ran on the default dataset 'digits', which no setting states: give "
                                            r"inputs=\.\.\."):
        cimsim.simulate(CONFIGS / "default.toml", network, network=net)
    with pytest.warns(RuntimeWarning, match="which no setting states"):
        cimsim.compare(CONFIGS / "default.toml", network, network=net)
    import warnings
    with warnings.catch_warnings():
        warnings.filterwarnings("error", "the network given ran on", RuntimeWarning)
        cimsim.simulate(CONFIGS / "digits-mlp.toml", {"workload.vectors": 12}, network=net)
        cimsim.simulate(CONFIGS / "default.toml", network, network=net, inputs=rng.uniform(0, 16, (12, 64)))


def test_estimate_takes_a_network_in_memory_as_its_file_would_give_it(tmp_path):
    """estimate had no network= (simulate and compare do): a script had to save the network and name its file"""
    rng = np.random.default_rng(9)
    net = Network((Dense(rng.standard_normal((32, 64))), ReLU(), Dense(rng.standard_normal((10, 32)))), (64,))
    save_network(net, tmp_path / "n.npz")
    network = {"workload.kind": "network", "workload.dataset": "digits", "workload.vectors": 20}
    in_memory = cimsim.estimate(CONFIGS / "default.toml", network, network=net)
    by_file = cimsim.estimate(CONFIGS / "default.toml", {**network, "workload.network_file": str(tmp_path / "n.npz")})
    assert in_memory.cim.energy_pj == by_file.cim.energy_pj and in_memory.gain == by_file.gain
    with pytest.raises(ValueError, match="network and labels are for a network workload") as info:
        cimsim.estimate(CONFIGS / "default.toml", network=net)
    assert "settings={'workload.kind': 'network'}" in str(info.value)  # the way out, named


def test_estimate_takes_weights_and_inputs_in_memory_as_their_files_would_give_them(tmp_path):
    """estimate took no weights= or inputs= (simulate and compare do): a script had to save its arrays, and a network
    in memory needed a dataset file; each is sampled as the file's would be, and refused as simulate refuses it"""
    rng = np.random.default_rng(4)
    w, x = rng.standard_normal((24, 48)), np.abs(rng.standard_normal((40, 48))) ** 3  # ReLU-like, far from uniform
    np.save(tmp_path / "w.npy", w)
    np.save(tmp_path / "x.npy", x)
    files = {"workload.weights": "file", "workload.weights_file": str(tmp_path / "w.npy"), "workload.inputs": "file",
             "workload.inputs_file": str(tmp_path / "x.npy"), "workload.in_features": 48,
             "workload.out_features": 24, "workload.vectors": 40}
    by_file = cimsim.estimate(CONFIGS / "default.toml", files)
    in_memory = cimsim.estimate(CONFIGS / "default.toml", weights=w, inputs=x)
    assert in_memory.to_dict()["cim"] == by_file.to_dict()["cim"] and in_memory.gain == by_file.gain
    generated = cimsim.estimate(CONFIGS / "default.toml", {k: files[k] for k in list(files)[4:]})
    assert generated.to_dict()["cim"]["energy_pj"] != in_memory.to_dict()["cim"]["energy_pj"]
    for bad, match in ((np.where(w > 2, np.nan, w), "NaN"), (str(tmp_path / "w.npy"), "is a path"),
                       (np.array([[1.0, "a"]], dtype=object), "real numbers")):
        with pytest.raises(ValueError, match=match):
            cimsim.estimate(CONFIGS / "default.toml", weights=bad)
    net, samples = _net(3), _samples()
    np.savez(tmp_path / "d.npz", x=samples)
    by_dataset = cimsim.estimate(CONFIGS / "default.toml", {"workload.kind": "network", "workload.dataset": "file",
                                                            "workload.dataset_file": str(tmp_path / "d.npz"),
                                                            "workload.vectors": len(samples)}, network=net)
    given = cimsim.estimate(CONFIGS / "default.toml", {"workload.kind": "network"}, network=net, inputs=samples)
    assert given.to_dict()["cim"] == by_dataset.to_dict()["cim"]


def test_estimate_samples_weights_given_in_memory_as_it_samples_their_file(tmp_path):
    """a matrix of more rows than the estimate measures: in memory it had been measured whole, its file on a sample,
    so a script and the CLI priced one matrix apart (an API probe: 512 x 300, array energy 8e-5 apart)"""
    rng = np.random.default_rng(6)
    w = rng.standard_normal((900, 16)) * np.linspace(0.01, 1, 900)[:, None] ** 3  # rows of many scales
    w[rng.random(w.shape) < 0.4] = 0.0
    np.save(tmp_path / "w.npy", w)
    files = {"workload.weights": "file", "workload.weights_file": str(tmp_path / "w.npy"),
             "workload.in_features": 16, "workload.out_features": 900, "workload.vectors": 30}
    by_file = cimsim.estimate(CONFIGS / "default.toml", files)
    in_memory = cimsim.estimate(CONFIGS / "default.toml", {"workload.vectors": 30}, weights=w)
    assert in_memory.to_dict()["cim"] == by_file.to_dict()["cim"] and in_memory.gain == by_file.gain


@pytest.mark.parametrize("scale, side, said", [(1e300, "weights", "overflow"), (1e-320, "inputs", "underflow")])
def test_estimate_refuses_data_that_a_run_refuses(scale, side, said):
    """estimate(weights=, inputs=) had priced weights of 1e300 and inputs of 1e-320, which simulate refuses: the
    sample it measures is held to the same float64 range"""
    rng = np.random.default_rng(2)
    data = {"weights": rng.standard_normal((8, 16)), "inputs": rng.standard_normal((6, 16))}
    data[side] = data[side] * scale
    for call in (cimsim.estimate, cimsim.simulate):
        with pytest.raises(ValueError, match=said):
            call(CONFIGS / "default.toml", **data)


def test_estimate_checks_every_value_given_in_memory_not_its_sample():
    """one weight of 1e301 in the last row, beyond the rows an estimate samples, had been priced (simulate refuses it);
    a network's samples given in memory are named as such, not as the config's dataset"""
    rng = np.random.default_rng(3)
    w, x = rng.standard_normal((2048, 64)), rng.standard_normal((10, 64))
    w[-1, 0] = 1e301
    with pytest.raises(ValueError, match="overflow"):
        cimsim.estimate(CONFIGS / "default.toml", weights=w, inputs=x)
    with pytest.raises(ValueError) as caught:
        cimsim.estimate(CONFIGS / "digits-mlp.toml", inputs=np.full((4, 64), 1e300))
    assert "workload.dataset" not in str(caught.value) and "inputs" in str(caught.value)


def test_estimate_refuses_negative_inputs_for_unsigned_inputs_as_a_run_does():
    """dac.signed_inputs = "unsigned" with inputs below 0 given in memory: simulate refused them, estimate had priced
    them as their magnitudes (the same energy for -|x| as for |x|); every value is checked, not only the sample"""
    rng = np.random.default_rng(4)
    w, x = rng.standard_normal((8, 20)), np.abs(rng.standard_normal((3000, 20)))
    x[-1, 0] = -0.5  # beyond the rows an estimate samples
    for call in (cimsim.estimate, cimsim.simulate):
        with pytest.raises(ValueError, match=r"inputs must be >= 0 with dac.signed_inputs = 'unsigned'.*-0\.5"):
            call(CONFIGS / "default.toml", {"dac.signed_inputs": "unsigned"}, weights=w, inputs=x)
    assert cimsim.estimate(CONFIGS / "default.toml", {"dac.signed_inputs": "unsigned"}, weights=w,
                           inputs=np.abs(x)).cim.energy_pj["array"] > 0


@pytest.mark.parametrize("side", ["inputs", "network"])
def test_a_network_refuses_values_that_underflow_as_a_dense_layer_does(side):
    """samples of 5e-324 had run on the network route (a float reference of a few bits: 200 % relative error, no
    word) where the dense route refuses them; the same rule now names the samples, or the network whose weights
    are that small"""
    net, x = _net(3), _samples()
    if side == "inputs":
        x = x * 5e-324
    else:
        net = Network((Dense(net.layers[0].weight * 1e-320, net.layers[0].bias), *net.layers[1:]), net.input_shape)
    for call in (cimsim.simulate, cimsim.estimate):
        with pytest.raises(ValueError, match=rf"^{side}: values this small underflow float64"):
            call(CONFIGS / "digits-mlp.toml", network=net, inputs=x)


def test_data_beyond_a_shape_limit_are_named_not_a_setting():
    """weights of 1 048 577 inputs had been refused as "'workload.in_features' ... (given as an override)", a
    setting the script never gave; the data given are named with their shapes"""
    for call, data in ((cimsim.simulate, {"weights": np.ones((1, 1 << 20 | 1)), "inputs": np.ones((1, 1 << 20 | 1))}),
                       (cimsim.estimate, {"weights": np.ones((1, 1 << 20 | 1))})):
        with pytest.raises(ValueError, match=r"^weights \(1 x 1048577\).*in_features = 1048577 is beyond") as caught:
            call(CONFIGS / "default.toml", **data)
        assert "override" not in str(caught.value)


def test_an_underflow_blames_the_sample_that_makes_it_not_the_network():
    """one sample of 1e-298 into O(1) weights whose difference leaves 1e-301 at the next layer had been blamed on
    the network ("scale the network weights up"): scaled to a peak of 1 that sample passes, so the inputs are named"""
    w1 = np.zeros((12, 8))
    w1[:, 0], w1[:, 1] = 1.0, -1.0
    net = Network((Dense(w1), ReLU(), Dense(np.random.default_rng(0).standard_normal((3, 12)))), (8,))
    x = _samples()
    x[5] = 0.0
    x[5, :2] = 1e-298, 0.999e-298
    with pytest.raises(ValueError, match=r"^inputs: values this small underflow.*matrix layer 1.*scale the inputs up"):
        cimsim.simulate(CONFIGS / "digits-mlp.toml", network=net, inputs=x)


def test_an_underflow_blames_the_side_whose_values_are_that_small():
    """token ids cannot be scaled (an embedding had refused the scaled ids of a first blame test, and its error had
    replaced the underflow's); the samples are blamed only where they hold the tiny values and their pass without
    them is clean: a tiny embedding table (ids of 0-15) is the network's, one tiny token of an O(1) sample the
    inputs' (both had been blamed the other way), and a deeper layer at fault is the one quoted"""
    from cimsim.network.ops import Mean
    from cimsim.network.tables import Embedding

    rng = np.random.default_rng(7)
    ids = rng.integers(0, 16, (20, 5)).astype(float)
    for table, dense in ((1e-302, 1.0), (1e-160, 1e-160)):
        net = Network((Embedding(rng.standard_normal((16, 8)) * table), Dense(rng.standard_normal((4, 8)) * dense),
                       Mean((0,), False)), (5,))
        with pytest.raises(ValueError, match=r"^network: values this small underflow.*scale the network weights up"):
            cimsim.estimate(CONFIGS / "digits-mlp.toml", network=net, inputs=ids)
    tokens = Network((Dense(rng.standard_normal((4, 8))), ReLU(), Dense(rng.standard_normal((3, 4))),
                      Mean((0,), False)), (5, 8))
    x = rng.uniform(0.1, 1.0, (20, 5, 8))
    x[3, 2] = 1e-302
    with pytest.raises(ValueError, match=r"^inputs: values this small underflow.*scale the inputs up"):
        cimsim.estimate(CONFIGS / "digits-mlp.toml", network=tokens, inputs=x)
    deep = Network((Dense(rng.standard_normal((12, 8))), ReLU(), Dense(rng.standard_normal((6, 12)) * 1e-160),
                    Dense(rng.standard_normal((3, 6)) * 1e-160)), (8,))
    x = np.abs(_samples()) + 1.0
    x[5] = 1e-302  # a tiny sample too: the network is still at fault, at its own layer
    with pytest.raises(ValueError, match=r"^network: values this small underflow float64 \(matrix layer [12]'s"):
        cimsim.simulate(CONFIGS / "digits-mlp.toml", network=deep, inputs=x)


def test_an_underflow_in_a_network_that_cannot_take_zeros_weighs_its_sides():
    """a log before the tiny weights: zeroing a tiny sample value (the blame's test) makes the log fail, and the
    samples had been blamed with the network's 1.5e-300 weight quoted; the weight below the floor's square root
    names the network"""
    from cimsim.network.ops import Unary

    rng = np.random.default_rng(8)
    net = Network((Unary("log"), Dense(rng.standard_normal((4, 8)) * 1e-300)), (8,))
    x = rng.uniform(0.5, 2.0, (20, 8))
    x[3, 2] = 1e-300
    with pytest.raises(ValueError, match=r"^network: values this small underflow.*scale the network weights up"):
        cimsim.estimate(CONFIGS / "digits-mlp.toml", network=net, inputs=x)


_X = np.random.default_rng(3).uniform(-1, 1, (5, 16))


@pytest.mark.parametrize("given, error, said", [
    ({"inputs": _X + 5j}, ValueError, "inputs must hold real numbers"),  # its imaginary part had been dropped
    ({"inputs": _X * np.nan}, ValueError, "inputs holds NaN or infinite values"),
    ({"weights": [[1.0, 2.0]]}, ValueError, r"weights must be out_features x in_features = 8 x 16 \(the workload"),
    ({"inputs": _X[:, :10]}, ValueError, r"inputs must be vectors x in_features = any x 16 .*got shape \(5, 10\)"),
    ({"inputs": np.zeros((0, 16))}, ValueError, "neither axis empty"),  # had been priced
    ({"inputs": _X[0]}, ValueError, r"inputs must be a 2-d array \(vectors x in_features\)"),
    ({"weights": np.ones((8, 16), bool)}, ValueError, "weights holds booleans"),
    ({"network": _net(3)}, ValueError, "network and labels are for a network workload"),  # had been ignored
    ({"measured": "no"}, ValueError, "measured must be True or False; got 'no'"),  # had been taken as True
    ({"measured": False, "inputs": _X}, ValueError, "measured=False prices uniform data: the inputs given would be "
                                                    "unread"),  # checked, then dropped
    ({"weights": np.ones((8, 16)), "settings": {"workload.weight_zero_fraction": 0.5}}, ValueError,
     "weights were given, but workload.weight_zero_fraction is 0.5"),  # the setting had been dropped
])
def test_price_from_shapes_checks_what_it_is_given_as_the_api_does(given, error, said):
    """cimsim.comparison.price_from_shapes, under cimsim.estimate, checks data given in memory itself (a script may
    call it directly): complex, NaN, empty or misshapen arrays, data of the other workload kind and a flag that is no
    bool are refused naming the argument, not priced or failed deep in numpy"""
    from cimsim.comparison import price_from_shapes

    given = dict(given)
    config = cimsim.as_config(CONFIGS / "default.toml", {**DENSE, **given.pop("settings", {})})
    with pytest.raises(error, match=said):
        price_from_shapes(config, **given)


def test_price_from_shapes_takes_integer_data_as_its_numbers():
    """int8 inputs and weights (valid data) are priced as the same numbers in float64 (an int8 sample had raised
    OverflowError in the magnitude check)"""
    from cimsim.comparison import price_from_shapes

    config = cimsim.as_config(CONFIGS / "default.toml", DENSE)
    w = np.random.default_rng(4).integers(-100, 100, (8, 16))
    x = np.rint(_X * 100)
    as_int8 = price_from_shapes(config, weights=w.astype(np.int8), inputs=x.astype(np.int8))[0]
    assert as_int8.energy_pj == price_from_shapes(config, weights=w.astype(float), inputs=x)[0].energy_pj


def test_price_from_shapes_refuses_weights_for_a_network_and_checks_its_inputs():
    from cimsim.comparison import price_from_shapes

    config = cimsim.as_config(CONFIGS / "digits-mlp.toml")
    with pytest.raises(ValueError, match="weights are for a dense workload"):
        price_from_shapes(config, weights=np.ones((2, 2)))
    with pytest.raises(ValueError, match=r"inputs must have shape \(batch, 64\); got \(1, 2\)"):
        price_from_shapes(config, inputs=[[1.0, 2.0]])
    with pytest.raises(ValueError, match="inputs must hold at least one sample"):
        price_from_shapes(config, inputs=np.zeros((0, 64)))


def test_toml_text_given_for_a_config_path_is_named_as_such(tmp_path):
    """TOML text passed where a path goes is refused as text, with how to give it, by every route that reads a
    config file (it had been reported as a missing file named by the whole text); a file whose name holds '='
    still loads"""
    from click.testing import CliRunner

    from cimsim.cli import main
    from cimsim.config import load_config

    said = r"no file of that name: this is TOML text, not the path of a config file: write it to a file and give"
    for text in ('name = "x"\n[adc]\nbits = 6\n', "adc.bits=6", 'workload.network_file = "nets/a.onnx"',
                 "adc.bits = 6 # see docs/adc.toml", 'name = "x"\n[adc]\nbits = six\n'):  # a path in it; bad TOML
        for read in (cimsim.as_config, load_config):
            with pytest.raises(ConfigError, match=said):
                read(text)
    run = CliRunner().invoke(main, ["run", "adc.bits = 6"])
    assert run.exit_code == 2 and "--set FIELD=VALUE" in run.output
    for missing in (tmp_path / "adc.bits=6.toml", "run_adc.bits=6.toml", "a=" + "[" * 5000, "a=" + "1" * 5000):
        # a missing file's name, not text (TOML nested past Python's stack, an integer past its digits: not either)
        with pytest.raises(ConfigError, match="cannot read the config file: (No such file|File name too long)"):
            cimsim.as_config(str(missing))
    with pytest.raises(ConfigError, match="cannot read the config file: No such file"):
        cimsim.as_config(Path("lr=0.1"))  # a Path object names a file: never taken for text
    odd = tmp_path / "a=b.toml"
    odd.write_text((CONFIGS / "default.toml").read_text())
    assert cimsim.as_config(str(odd)).adc.bits == cimsim.as_config(CONFIGS / "default.toml").adc.bits
