"""Reprogrammed crossbars' counts, copies of int8 crossbars, result equality and the rows' whole-workload columns."""

from __future__ import annotations

import copy
import csv
import pickle
from pathlib import Path

import numpy as np
import pytest

import cimsim
from cimsim.network import Dense, Network, ReLU
from cimsim.numerics import AdcSetting, Crossbar, int8

CONFIGS = Path(__file__).resolve().parents[1] / "configs"
DEFAULT = CONFIGS / "default.toml"


def _pickled(obj):
    return pickle.loads(pickle.dumps(obj))


def _crossbar(preset: str, **settings) -> Crossbar:
    return Crossbar(cimsim.as_config(DEFAULT, {"device.preset": preset, "workload.in_features": 200,
                                               "workload.out_features": 48, **settings}))


def test_reprogramming_starts_the_read_counts_afresh():
    """reads of W1 had been priced with W2's conductances after program(W2): the counts of 100 + 100 reads were
    2 x a fresh W2 crossbar's (array G V**2 t 21.7e6 fJ against 10.85e6 fJ)"""
    rng = np.random.default_rng(5)
    w1, w2 = rng.normal(0, .3, (48, 200)), np.abs(rng.normal(0, 1.0, (48, 200)))
    x = rng.uniform(-1, 1, (100, 200))
    reused, fresh = _crossbar("ideal"), _crossbar("ideal")
    for xbar, weights in ((reused, w1), (reused, w2), (fresh, w2)):
        xbar.program(weights)
        xbar.calibrate(x[:64])
        xbar.mvm(x)
    assert reused.counts.mvms == 100 and reused.counts == fresh.counts
    assert reused.adc_clipped == fresh.adc_clipped
    assert np.array_equal(reused.input_sums, fresh.input_sums)
    assert reused.programming_counts.cell_writes == 2 * fresh.programming_counts.cell_writes  # these add up


def test_reprogramming_keeps_numbering_the_read_noise_streams():
    """the vectors read before reprogramming still count: later reads draw fresh noise, as after seek(100)"""
    rng = np.random.default_rng(1)
    w, x = rng.normal(0, .3, (48, 200)), rng.uniform(-1, 1, (100, 200))
    outputs = []
    for first, seek in ((x, None), (None, 100), (None, 0)):
        xbar = _crossbar("rram", **{"device.read_noise_sigma": 0.05})
        xbar.program(w)
        xbar.calibrate(x[:64])
        if first is not None:
            xbar.mvm(first)
        xbar.program(w)  # the same device draws in each: every crossbar programs twice
        xbar.calibrate(x[:64])
        if seek is not None:
            xbar.seek(seek)
        outputs.append(xbar.mvm(x))
    assert np.array_equal(outputs[0], outputs[1]) and not np.array_equal(outputs[0], outputs[2])


def _int8_or_skip():
    pytest.importorskip("onnxruntime")
    if int8.weight_offset() is None:
        pytest.skip("this CPU's int8 units are exact in neither form")


@pytest.mark.parametrize("duplicate", [copy.deepcopy, _pickled], ids=["deepcopy", "pickle"])
def test_integer_products_copy_and_pickle_with_sessions_of_their_own(duplicate, monkeypatch):
    """TypeError: cannot pickle 'onnxruntime...InferenceSession' object. The copy opens sessions where this process
    uses the int8 units: said so here (the speed check, run once a process, had found them below 1.25x float32 on a
    loaded 2-core machine, and the copy, rightly, opened none)"""
    _int8_or_skip()
    monkeypatch.setattr(int8, "faster", lambda: True)
    cfg = cimsim.as_config(DEFAULT, {"device.preset": "ideal", "workload.in_features": 200,
                                     "workload.out_features": 48})
    plan = Crossbar(cfg).plan
    codes = np.random.default_rng(0).integers(-127, 128, (200, 96)).astype(np.int8)
    products = int8.IntegerProducts(codes, plan)
    twin = duplicate(products)
    assert twin._sessions.keys() == products._sessions.keys() and twin._sessions
    planes = np.random.default_rng(1).integers(0, 256, (4096, 200)).astype(np.uint8)
    for group in range(len(plan.conversion_groups())):
        ours, theirs = products.products(planes, group), twin.products(planes, group)
        assert (ours is None) == (theirs is None)
        if ours is not None:
            expected = ours.copy()  # (this thread's work array: the next product overwrites it)
            assert np.array_equal(expected, twin.products(planes, group))


@pytest.mark.parametrize("preset", ["ideal", "sram"])
@pytest.mark.parametrize("duplicate", [copy.deepcopy, _pickled], ids=["deepcopy", "pickle"])
def test_a_crossbar_on_the_int8_path_copies_and_reads_alike(preset, duplicate, monkeypatch):
    _int8_or_skip()
    monkeypatch.setattr(int8, "faster", lambda: True)  # the path taken whatever this machine's timing says
    rng = np.random.default_rng(0)
    w, x = rng.normal(0, .3, (48, 200)), rng.uniform(-1, 1, (300, 200))
    xbar = _crossbar(preset, **{"simulation.int8_products": "auto"})
    xbar.program(w)
    xbar.calibrate(x[:64])
    assert xbar._integer is not None and xbar._integer.uses_integer(xbar.plan.n_planes * len(x))
    twin = duplicate(xbar)
    assert np.array_equal(xbar.mvm(x), twin.mvm(x)) and xbar.counts == twin.counts


@pytest.mark.parametrize("where", ["no fast kernel", "no onnxruntime"])
def test_a_crossbar_pickled_on_the_int8_path_loads_where_the_units_are_not_used(where, monkeypatch):
    """a crossbar moved to a machine that does not use the int8 units (another CPU, no onnxruntime: a Dask worker)
    multiplies on float32 BLAS from its int8 matrix, with the same numbers (unpickling had raised a TypeError or
    a ModuleNotFoundError there)"""
    _int8_or_skip()
    monkeypatch.setattr(int8, "faster", lambda: True)
    rng = np.random.default_rng(0)
    w, x = rng.normal(0, .3, (48, 200)), rng.uniform(-1, 1, (300, 200))
    xbar = _crossbar("ideal", **{"simulation.int8_products": "auto"})
    xbar.program(w)
    xbar.calibrate(x[:64])
    assert xbar._integer is not None and xbar._integer.uses_integer(xbar.plan.n_planes * len(x))
    saved, expected = pickle.dumps(xbar), xbar.mvm(x)
    monkeypatch.setattr(int8, "faster", lambda: False)
    if where == "no onnxruntime":
        monkeypatch.setattr(int8, "available", lambda: False)
        monkeypatch.setattr(int8, "form", lambda *a: 1 / 0)  # never asked: no session is opened
    moved = pickle.loads(saved)
    assert not moved._integer._sessions and not moved._integer.uses_integer(moved.plan.n_planes * len(x))
    assert np.array_equal(moved.mvm(x), expected)


def test_adc_settings_compare_by_value():
    a = AdcSetting(np.full((2, 3), 0.5), -31.0, 31.0)
    assert a == AdcSetting(np.full((2, 3), 0.5), -31, 31) and hash(a) == hash(copy.deepcopy(a))
    assert a != AdcSetting(np.full((2, 3), 0.25), -31.0, 31.0) and a != AdcSetting(np.full((2, 3), 0.5), -15.0, 15.0)
    assert a != AdcSetting(np.full((1, 3), 0.5), -31.0, 31.0) and a != "a setting"


def _equal_to_its_copies(result) -> None:
    assert result == copy.deepcopy(result) and result == _pickled(result)


def test_a_dense_simulation_equals_its_copies_and_a_rerun_but_not_another_trial():
    """sim == deepcopy(sim) had been False: AdcSetting compared by identity and wall_s was compared"""
    rng = np.random.default_rng(0)
    w, x = rng.uniform(-1, 1, (32, 64)), rng.uniform(-1, 1, (50, 64))
    sim = cimsim.simulate(DEFAULT, {"device.preset": "rram"}, weights=w, inputs=x, trials=2)
    _equal_to_its_copies(sim)
    _equal_to_its_copies(sim.trials[0])
    assert hash(sim.trials[0]) == hash(_pickled(sim.trials[0]))
    assert sim == cimsim.simulate(DEFAULT, {"device.preset": "rram"}, weights=w, inputs=x, trials=2)
    assert sim.trials[0] != sim.trials[1]  # other device and read-noise draws
    _equal_to_its_copies(cimsim.compare(DEFAULT, weights=w, inputs=x))
    _equal_to_its_copies(cimsim.estimate(DEFAULT))


def test_network_results_equal_their_copies():
    """a NetworkResult holds its Network, which compares by identity, and (without classes) NaN accuracies"""
    settings = {"workload.vectors": 24}
    _equal_to_its_copies(cimsim.simulate(CONFIGS / "digits-mlp.toml", settings))
    _equal_to_its_copies(cimsim.compare(CONFIGS / "digits-mlp.toml", settings))
    _equal_to_its_copies(cimsim.estimate(CONFIGS / "digits-mlp.toml", settings))
    rng = np.random.default_rng(0)
    net = Network((Dense(rng.standard_normal((12, 8)), rng.standard_normal(12)), ReLU(),
                   Dense(rng.standard_normal((1, 12)))), (8,))  # one output: no classes, NaN accuracies
    x = rng.standard_normal((24, 8))
    sim = cimsim.simulate(CONFIGS / "digits-mlp.toml", network=net, inputs=x)
    assert np.isnan(sim.analog_accuracy)
    _equal_to_its_copies(sim)
    assert hash(sim.trials[0]) == hash(_pickled(sim.trials[0]))
    assert sim == cimsim.simulate(CONFIGS / "digits-mlp.toml", network=net, inputs=x)
    assert sim != cimsim.simulate(CONFIGS / "digits-mlp.toml", network=net, inputs=x[:20])


def test_api_rows_name_their_whole_workload_figures_apart_from_the_sweep_csv(tmp_path):
    """Simulation.rows() had given the whole workload's energy and latency as energy_pj / latency_ns, the sweep
    CSV's names for one item's (27.5e6 pJ against 137 737 pJ for 200 vectors)"""
    from cimsim.sweep import run_sweep, spec_from_dict

    settings = {"adc.bits": 6, "workload.vectors": 200}
    out = tmp_path / "sweep.csv"
    run_sweep(spec_from_dict({"base": str(DEFAULT), "kind": "analytic", "objectives": ["energy_pj", "latency_ns"],
                              "axes": {"adc.bits": [6]}, "set": {"workload.vectors": 200}}), out, workers=1)
    per_item = float(next(csv.DictReader(out.open()))["energy_pj"])
    est = cimsim.estimate(DEFAULT, settings)
    assert per_item * est.cim.mvms == pytest.approx(est.cim.total_energy_pj)
    sim = cimsim.simulate(DEFAULT, settings)
    row = sim.rows()[0]
    assert "energy_pj" not in row and "latency_ns" not in row
    assert row["total_energy_pj"] == sim.cost.total_energy_pj and row["total_latency_ns"] == sim.cost.latency_ns
    # the README says every table has each item's latency and the interval: a simulation's had not (a probe)
    assert (row["item_latency_ns"], row["interval_ns"]) == (sim.cost.item_latency_ns, sim.cost.interval_ns)
    assert row["items"] == 200 and row["total_energy_pj"] / row["items"] == pytest.approx(per_item, rel=0.02)
    comp = cimsim.compare(DEFAULT, settings)
    for rows, cim, base in ((est.rows(), est.cim, est.baseline), (comp.rows(), comp.cim, comp.baseline)):
        steady = [r for r in rows if r["side"] == "cim" and r.get("scenario", "steady") == "steady"]
        assert all("latency_ns" not in r for r in rows)
        assert {r["total_latency_ns"] for r in steady} == {cim.latency_ns}
        assert sum(r["energy_pj"] for r in steady) == pytest.approx(cim.total_energy_pj)
        # each side's latency of one item and interval, which reports and JSON give (the rows had lacked them)
        for side, b in (("cim", cim), ("baseline", base)):
            mine = [r for r in rows if r["side"] == side and r.get("scenario", "steady") == "steady"]
            assert {(r["item_latency_ns"], r["interval_ns"]) for r in mine} == {(b.item_latency_ns, b.interval_ns)}


def test_report_json_says_what_its_counts_hold_beside_the_costs_macs():
    """counts.macs (array slots: a grouped conv's zero blocks in, vector-unit products out) and cim.macs (the
    workload's products) differ for a grouped conv, which a reader had taken for a mismatch: the JSON says which"""
    from cimsim.report_json import COUNTS_NOTE

    config = Path(__file__).resolve().parents[1] / "configs" / "default.toml"
    assert "cim.macs" in COUNTS_NOTE and "zeros" in COUNTS_NOTE
    for report in (cimsim.compare(config, {"workload.vectors": 8}).to_dict(),
                   cimsim.simulate(config, {"workload.vectors": 8}).to_dict()):
        assert report["counts_note"] == COUNTS_NOTE and "macs" in report["counts"]


def test_a_copied_results_and_networks_arrays_stay_read_only():
    """pickle and deepcopy had given writable arrays where the originals are read-only: an in-place edit of an
    unpickled result's ADC steps changed its report, of a network's matrix what it computes"""
    import copy
    import pickle

    from cimsim.network import load_network

    comp = cimsim.compare(DEFAULT, {"workload.vectors": 20})
    net = load_network(Path(cimsim.__file__).parent / "data" / "digits_mlp.npz")
    for clone in (lambda x: pickle.loads(pickle.dumps(x)), copy.deepcopy):
        assert not clone(comp).run.adc.lsb.flags.writeable and clone(comp) == comp
        copied = clone(net)
        assert all(not layer.matrix.flags.writeable for layer in copied.layers if hasattr(layer, "matrix"))
