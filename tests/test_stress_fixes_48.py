"""Fixes from a stress probe: pareto ranks one cimsim's rows, a side file name that is a folder is refused up front,
input_clipped_fraction as a sweep metric, the API's clipping warning, unsigned inputs checked by the estimate."""

from __future__ import annotations

import csv
import re
import warnings
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

import cimsim
from cimsim.cli import main
from cimsim.errors import ConfigError
from cimsim.network import Dense, Network, ReLU, save_network
from cimsim.sweep import available_metrics, expand, pareto_front, read_table, spec_from_dict
from cimsim.sweep.fingerprint import fingerprint
from cimsim.sweep.metrics import Task, evaluate
from cimsim.sweep.results import checksum

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = (ROOT / "configs" / "default.toml").as_posix()
OLD, OTHER = "0.0.9+src.aaaaaaaaaaaaaaaa", "0.0.8+src.bbbbbbbbbbbbbbbb"
HEADER = ["point_id", "adc.bits", "energy_pj", "area_mm2", "status", "error", "cimsim", "checksum"]


def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def _table(tmp_path, rows, name="r.csv", header=HEADER):
    """a results CSV of ``rows`` (point id, bits, energy, area, cimsim), each with its checksum"""
    lines = [",".join(header)]
    for pid, bits, energy, area, model in rows:
        cells = [pid, str(bits), str(energy), str(area), "ok", ""] + [model] * ("cimsim" in header)
        lines.append(",".join(cells + [checksum(cells)] * ("checksum" in header)))
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n")
    return path


def _ids(rows):
    return [row["point_id"] for row in rows]


def test_pareto_ranks_this_cimsims_rows_only_and_counts_the_rest(tmp_path):
    """the other cimsim's row 'o' beats both of this one's on energy: ranked together it had joined the front"""
    path = _table(tmp_path, [("a", 4, 10, 2.0, fingerprint()), ("b", 6, 20, 1.0, fingerprint()),
                             ("o", 8, 5, 1.5, OLD)])
    notes = []
    table = read_table(path, notes.append)
    assert _ids(table.rows) == ["a", "b"]
    assert _ids(pareto_front(table, "energy_pj", "area_mm2")[1]) == ["a", "b"]
    assert len(notes) == 1 and "1 row left out: written by another cimsim (1 row by cimsim 0.0.9 (source " \
                                f"aaaaaaaaaaaaaaaa), --cimsim {OLD})" in notes[0]  # the value that ranks them
    result = invoke("pareto", path, "--x", "energy_pj", "--y", "area_mm2")
    assert result.exit_code == 0 and "1 row left out: written by another cimsim" in result.stderr
    assert "| o |" not in result.stdout and "(2 of 2 points)" in result.stdout


def test_pareto_refuses_rows_of_several_other_cimsims_naming_each(tmp_path):
    path = _table(tmp_path, [("a", 4, 10, 2.0, OLD), ("b", 6, 20, 1.0, OLD), ("o", 8, 5, 1.5, OTHER)])
    with pytest.raises(ConfigError, match=r"written by 2 cimsims, none of them this .*\(2 rows by cimsim 0\.0\.9 "
                                          r"\(source aaaaaaaaaaaaaaaa\), --cimsim 0\.0\.9\S+; "
                                          r"1 row by cimsim 0\.0\.8") as caught:
        read_table(path, None)
    assert caught.value.errors[0][0] == "cimsim"
    result = invoke("pareto", path, "--x", "energy_pj", "--y", "area_mm2")
    assert result.exit_code == 2 and "none of them this" in result.stderr and "|" not in result.stdout
    assert f"--cimsim FINGERPRINT (their 'cimsim' cell, e.g. {OLD}" in result.stderr


def test_pareto_cimsim_picks_the_rows_of_one_fingerprint(tmp_path):
    path = _table(tmp_path, [("a", 4, 10, 2.0, OLD), ("b", 6, 20, 1.0, fingerprint()), ("o", 8, 5, 1.5, OTHER)])
    result = invoke("pareto", path, "--x", "energy_pj", "--y", "area_mm2", "--cimsim", OTHER)
    assert result.exit_code == 0, result.output
    assert "| o |" in result.stdout and "| a |" not in result.stdout and "| b |" not in result.stdout
    assert "the rows ranked were written by cimsim 0.0.8" in result.stderr
    assert "2 rows left out: written by another cimsim (1 row by cimsim" in result.stderr
    for model, why in (("0.0.7+src.cccccccccccccccc", "its rows: 1 row by"), ("", "its rows: 1 row by")):
        with pytest.raises(ConfigError, match=re.escape(f"no row was written by the cimsim {model!r} asked for; "
                                                        f"{why}")):
            read_table(path, None, model=model)
    bare = _table(tmp_path, [("a", 4, 10, 2.0, "")], name="old.csv", header=[c for c in HEADER if c != "cimsim"])
    with pytest.raises(ConfigError, match="it has no 'cimsim' column"):
        read_table(bare, None, model=OLD)


def test_pareto_ranks_a_file_of_one_other_cimsim_saying_which(tmp_path):
    path = _table(tmp_path, [("a", 4, 10, 2.0, OLD), ("b", 6, 20, 1.0, OLD)])
    notes = []
    assert _ids(read_table(path, notes.append).rows) == ["a", "b"]
    assert notes == [f"{path}: the rows ranked were written by cimsim 0.0.9 (source aaaaaaaaaaaaaaaa), not by this "
                     f"cimsim {fingerprint().replace('+src.', ' (source ')}): the front is that model's (it may "
                     "have changed since)"]


def test_a_side_files_two_versions_of_a_point_rank_this_cimsims(tmp_path):
    """of one point's rows of two cimsims the first had been kept, whichever wrote it"""
    path = _table(tmp_path, [("a", 4, 99, 9.0, OLD), ("a", 4, 10, 2.0, fingerprint()),
                             ("b", 6, 20, 1.0, fingerprint())], name="r.csv.removed.csv")
    notes = []
    table = read_table(path, notes.append)
    assert [(row["point_id"], row["energy_pj"]) for row in table.rows] == [("a", "10"), ("b", "20")]
    assert len(notes) == 1 and "left out: written by another cimsim" in notes[0]  # not as a repeated point id


def test_pareto_ranks_a_file_without_the_cimsim_column_whole(tmp_path):
    path = _table(tmp_path, [("a", 4, 10, 2.0, ""), ("b", 6, 20, 1.0, "")],
                  header=[c for c in HEADER if c != "cimsim"])
    notes = []
    assert _ids(read_table(path, notes.append).rows) == ["a", "b"] and notes == []


SPEC = f"""
base = "{DEFAULT}"
objectives = ["energy_pj"]
[axes]
"adc.bits" = [4, 6]
"""


def test_a_side_file_name_that_is_a_folder_is_refused_before_any_point_runs(tmp_path):
    spec, out = tmp_path / "spec.toml", tmp_path / "r.csv"
    spec.write_text(SPEC)
    assert invoke("sweep", spec, "-o", out, "--workers", "1").exit_code == 0
    rows = list(csv.reader(out.read_text().splitlines()))
    for row in rows[1:]:  # rows of another cimsim: moved to the side file and run again
        row[-2] = OLD
        row[-1] = checksum(row[:-1])
    out.write_text("".join(",".join(row) + "\n" for row in rows))
    before = out.read_bytes()
    (tmp_path / "r.csv.removed.csv").mkdir()
    for _ in range(2):
        result = invoke("sweep", spec, "-o", out)
        assert result.exit_code == 2, result.output  # it had been 1, "writing ... failed (Is a directory)"
        assert "r.csv.removed.csv: it is a folder, not a side file; 2 rows of" in result.stderr
        assert out.read_bytes() == before  # nothing rewritten, no point run


def test_input_clipped_fraction_is_a_functional_sweep_metric():
    assert "input_clipped_fraction" in available_metrics("functional", "dense")
    assert "input_clipped_fraction" in available_metrics("functional", "network")
    assert "input_clipped_fraction" not in available_metrics("analytic", "dense")
    settings = {"dac.input_range": "fixed", "workload.vectors": 16, "workload.in_features": 32,
                "workload.out_features": 8, "simulation.trials": 2}
    spec = spec_from_dict({"base": DEFAULT, "kind": "functional", "axes": {"dac.input_max": [0.25, 4.0]},
                           "set": settings, "objectives": ["relative_error", "input_clipped_fraction"]})
    plain = spec_from_dict({"base": DEFAULT, "kind": "functional", "axes": {"dac.input_max": [0.25]},
                            "set": settings})
    assert "input_clipped_fraction" not in plain.objectives  # opt-in: a default spec's columns are unchanged
    points = expand(spec)
    outcomes = evaluate([Task(p.id, p.config, "functional", spec.objectives) for p in points])
    for point, outcome in zip(points, outcomes):
        assert outcome.error is None, outcome.error
        want = np.mean([run.input_clipped_fraction for run in cimsim.compare(point.config).runs])
        assert outcome.metrics["input_clipped_fraction"] == want
    assert outcomes[0].metrics["input_clipped_fraction"] > 0.5 and outcomes[1].metrics["input_clipped_fraction"] == 0
    with pytest.raises(ConfigError, match="input_clipped_fraction"):
        spec_from_dict({"base": DEFAULT, "kind": "analytic", "axes": {"adc.bits": [4]},
                        "objectives": ["input_clipped_fraction"]})


def _data(scale):
    rng = np.random.default_rng(0)
    return rng.uniform(-1, 1, (16, 32)), rng.uniform(-1, 1, (40, 32)) * scale


@pytest.mark.parametrize("call", [cimsim.simulate, cimsim.compare])
def test_the_api_warns_where_inputs_clip_at_a_fixed_input_max(call):
    w, x = _data(5.0)
    with pytest.warns(RuntimeWarning, match=r"default: 8\d\.?\d* % of the input values the arrays read lie beyond "
                                            r"'dac.input_max' = 1 and saturate") as caught:
        call(DEFAULT, {"dac.input_range": "fixed", "dac.input_max": 1.0}, weights=w, inputs=x)
    assert [Path(c.filename).name for c in caught] == [Path(__file__).name]  # the caller's line
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # within input_max, or per-vector ranges: no warning
        call(DEFAULT, {"dac.input_range": "fixed", "dac.input_max": 8.0}, weights=w, inputs=x)
        call(DEFAULT, weights=w, inputs=x)


def test_the_cli_prints_the_same_clipping_warning(tmp_path):
    w, x = _data(5.0)
    np.save(tmp_path / "w.npy", w)
    np.save(tmp_path / "x.npy", x)
    result = invoke("run", DEFAULT, "--set", "dac.input_range=fixed", "--set", "dac.input_max=1",
                    "--set", "workload.weights=file", "--set", f"workload.weights_file={tmp_path / 'w.npy'}",
                    "--set", "workload.inputs=file", "--set", f"workload.inputs_file={tmp_path / 'x.npy'}",
                    "--set", "workload.vectors=40", "--set", "workload.in_features=32",
                    "--set", "workload.out_features=16")
    assert result.exit_code == 0, result.output
    with pytest.warns(RuntimeWarning) as caught:
        cimsim.simulate(DEFAULT, {"dac.input_range": "fixed", "dac.input_max": 1.0}, weights=w, inputs=x)
    assert f"warning: {caught[0].message}" in result.stderr


def _network(tmp_path, relu):
    rng = np.random.default_rng(3)
    layers = (Dense(rng.standard_normal((8, 16))), *(ReLU(),) * relu, Dense(rng.standard_normal((2, 8))))
    save_network(Network(layers, (16,)), tmp_path / "net.npz")
    np.savez(tmp_path / "x.npz", x=rng.uniform(0, 1, (20, 16)))  # non-negative: the first layer takes them
    return {"workload.kind": "network", "workload.network_file": (tmp_path / "net.npz").as_posix(),
            "workload.dataset": "file", "workload.dataset_file": (tmp_path / "x.npz").as_posix(),
            "workload.vectors": 20, "dac.signed_inputs": "unsigned"}


def test_the_estimate_refuses_unsigned_inputs_a_layer_gets_negative_as_a_run_does(tmp_path):
    settings = _network(tmp_path, relu=False)
    with pytest.raises(ConfigError, match=r"layer 1 \(dense, .*\) gets negative inputs") as estimated:
        cimsim.estimate(DEFAULT, settings)  # it had priced them as magnitudes
    with pytest.raises(ConfigError) as run:
        cimsim.simulate(DEFAULT, settings)
    assert estimated.value.errors[0][0] == run.value.errors[0][0] == "dac.signed_inputs"
    assert str(estimated.value).split(" (the smallest")[0] == str(run.value).split(" (the smallest")[0]
    assert cimsim.estimate(DEFAULT, {**settings, "dac.signed_inputs": "two_phase"}).cim.total_energy_pj > 0
    assert cimsim.estimate(DEFAULT, _network(tmp_path, relu=True)).cim.total_energy_pj > 0  # a ReLU before it
