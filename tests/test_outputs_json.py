"""The machine-readable outputs say what they hold: which cimsim wrote them, what an item is, the macro alone in every
one that prices CIM, null (not "nan") for a figure that does not apply; and the estimate's words say which data it
measured (evenly spaced samples, as the code takes them)."""

from __future__ import annotations

import importlib.metadata
import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

import cimsim
from cimsim import report_json
from cimsim.cli import main
from cimsim.comparison import MACRO_COMPONENTS
from cimsim.models.from_network import SAMPLE_ITEMS, SAMPLE_VALUES
from cimsim.network import Dense, Network, ReLU
from cimsim.report_estimate import estimate_markdown

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = ROOT / "configs" / "default.toml"
MLP = ROOT / "configs" / "digits-mlp.toml"
SMALL = {"workload.in_features": 40, "workload.out_features": 12, "workload.vectors": 6}
VERSION = cimsim.__version__


def _check_macro(macro: dict, b) -> None:
    """``macro`` is the macro block of breakdown ``b``, computed here independently of report_json"""
    energy = sum(v for k, v in b.energy_pj.items() if k in MACRO_COMPONENTS)
    # the components this design prices only (every one had been listed: an analog design's adder_tree, a digital
    # one's adc, which a script reading breakdown[c] for each met as a KeyError)
    assert macro["components"] == [c for c in MACRO_COMPONENTS if c in b.energy_pj] and energy > 0
    assert set(macro["components"]) <= set(b.energy_pj) and "array" in macro["components"]
    assert macro["energy_pj"] == pytest.approx(energy)
    assert macro["tops_per_w"] == pytest.approx(2 * b.array_macs / energy)


def test_estimate_text_and_help_name_the_evenly_spaced_samples_the_code_prices():
    dense = estimate_markdown(cimsim.estimate(DEFAULT))
    network = estimate_markdown(cimsim.estimate(MLP, {"workload.vectors": 60}))
    assert "evenly spaced" in dense and "first inputs" not in dense
    assert "evenly spaced" in network and "first samples" not in network
    help_text = " ".join(CliRunner().invoke(main, ["price-model", "--help"]).output.split())
    assert "evenly spaced" in help_text and "the first of them" not in help_text
    for text in (network, help_text):  # the limits input_samples applies
        assert f"{SAMPLE_VALUES} values, {SAMPLE_ITEMS} samples at most" in text


def test_estimate_json_states_its_item_and_the_macro_block_compare_writes():
    est = cimsim.estimate(DEFAULT, SMALL)
    comp = cimsim.compare(DEFAULT, SMALL)
    d, c = est.to_dict(), comp.to_dict()
    assert d["item"] == c["item"] == "MVM"
    _check_macro(d["macro"], est.cim)
    assert set(d["macro"]) == set(c["macro"])
    assert cimsim.estimate(MLP, {"workload.vectors": 20}).to_dict()["item"] == "inference"


def test_run_json_holds_the_macro_block():
    sim = cimsim.simulate(DEFAULT, SMALL)
    d = json.loads(report_json.to_json(report_json.run_dict(sim.trials, sim.cost)))
    _check_macro(d["macro"], sim.cost)
    assert sim.to_dict()["macro"] == d["macro"]


def test_every_json_output_names_the_cimsim_version(tmp_path):
    comp = cimsim.compare(DEFAULT, SMALL)
    sim = cimsim.simulate(DEFAULT, SMALL)
    assert comp.to_dict()["cimsim_version"] == VERSION
    assert report_json.multi_dict([comp, comp])["cimsim_version"] == VERSION
    assert sim.to_dict()["cimsim_version"] == VERSION
    assert cimsim.estimate(DEFAULT, SMALL).to_dict()["cimsim_version"] == VERSION
    out = tmp_path / "pm.json"
    result = CliRunner().invoke(main, ["price-model", "resnet18", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text())["cimsim_version"] == VERSION


def test_the_version_is_the_running_codes_installed_or_not(monkeypatch):
    """a checkout on the path (its own __version__) names itself, not the distribution installed beside it (before:
    the installed 0.1.0), nor null where none is installed"""
    def missing(name):
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(importlib.metadata, "version", missing)
    monkeypatch.setattr(cimsim, "__version__", "0.2.0.dev0")
    assert report_json.cimsim_version() == "0.2.0.dev0"
    assert cimsim.estimate(DEFAULT, SMALL).to_dict()["cimsim_version"] == "0.2.0.dev0"
    assert cimsim.simulate(DEFAULT, SMALL).to_dict()["cimsim_version"] == "0.2.0.dev0"


def test_the_code_and_the_package_metadata_state_one_version():
    """pyproject.toml's version (what pip installs) is the code's __version__ (what the outputs state)"""
    import tomllib

    assert tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"] == cimsim.__version__


def test_a_network_without_classes_writes_null_for_its_accuracies():
    rng = np.random.default_rng(7)
    net = Network((Dense(rng.standard_normal((8, 6)) * 0.5), ReLU(), Dense(rng.standard_normal((1, 8)))), (6,))
    x = rng.normal(size=(12, 6))
    comp = cimsim.compare(DEFAULT, {"workload.kind": "network"}, network=net, inputs=x, trials=2)
    for d in (comp.to_dict(), json.loads(report_json.to_json(report_json.comparison_dict(comp)))):
        accuracy = d["accuracy"]
        assert [accuracy[k] for k in ("float_accuracy", "digital_accuracy", "analog_accuracy")] == [None] * 3
        assert "nan" not in json.dumps(d)
        assert accuracy["outputs_vs_float"]["relative_error"] > 0  # the figures that apply are kept


def test_a_layers_arrays_in_the_json_count_every_copy_as_the_markdown_does():
    """with chip.balance = replicate, a network's layers hold copies of their weights: report.json's mapping gives
    each layer's arrays and copies as its CIM stage has them, the numbers report.md's workload table prints (it had
    given one replication's arrays under the same name)"""
    from cimsim.report import comparison_markdown

    comp = cimsim.compare(MLP, {"chip.balance": "replicate", "mapping.replication": 2, "workload.vectors": 4})
    layers = report_json.comparison_dict(comp)["mapping"]["layers"]
    assert [(d["arrays"], d["copies"]) for d in layers] == [(s.arrays, s.copies) for s in comp.cim.stages]
    assert any(d["copies"] > 2 for d in layers)  # balance added copies beyond the replication
    rows = [line.split("|") for line in comparison_markdown(comp).splitlines() if line.startswith("| ")]
    table = [(int(r[4]), int(r[5])) for r in rows if r[1].strip().isdigit() and " x " in r[2]]  # the workload table
    assert table == [(d["arrays"], d["copies"]) for d in layers]
    ran = report_json.run_dict(comp.runs, comp.cim)["mapping"]["layers"]
    assert [(d["arrays"], d["copies"]) for d in ran] == [(d["arrays"], d["copies"]) for d in layers]
