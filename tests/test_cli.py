"""The command line end to end: outputs, files, exit codes and error messages."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

import cimsim
from cimsim.cli import main
from cimsim.report import _fmt

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = str(ROOT / "configs" / "default.toml")
SMALL = ["--set", "workload.vectors=300"]


def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def write(tmp_path, text, name="c.toml"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_help_documents_every_command():
    result = invoke("--help")
    assert result.exit_code == 0
    for command in ("run", "compare", "validate", "presets", "sweep", "pareto", "price-model"):
        assert command in result.output
        sub = invoke(command, "--help")
        assert sub.exit_code == 0 and "Usage" in sub.output


def test_presets_lists_each_with_a_description():
    result = invoke("presets")
    assert result.exit_code == 0
    names = [line.split()[0] for line in result.output.strip().splitlines() if line.startswith("  ")]
    assert {"rram-default", "rram-isaac-like", "sram-cim", "ideal"} <= set(names)
    assert "[device] presets:" in result.output and "[baseline] presets:" in result.output


def test_presets_says_a_broken_preset_file_in_one_line(monkeypatch):
    """a preset file that is no TOML had printed a traceback"""
    import tomllib

    import cimsim.config

    def broken():
        raise tomllib.TOMLDecodeError("Invalid value (at line 1, column 1)")

    monkeypatch.setattr(cimsim.config, "list_presets", broken)
    result = invoke("presets")
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)
    assert result.output == "error: Invalid value (at line 1, column 1)\n"


@pytest.mark.parametrize("name", ["default.toml", "isaac-like.toml", "sram-cim.toml"])
def test_validate_shipped_configs(name):
    result = invoke("validate", ROOT / "configs" / name)
    assert result.exit_code == 0, result.output
    assert "valid" in result.output


def test_validate_checks_a_sweep_spec_point_by_point(tmp_path):
    """a sweep spec had been refused by validate ("run it with cimsim sweep"): no way to check one without running it
    (a sweeps probe); each point is built and checked as a run checks it"""
    spec = write(tmp_path, f'base = "{DEFAULT}"\nkind = "analytic"\n[axes]\n"adc.bits" = [4, 8]\n'
                           '"array.rows" = [64, 256]\n', "s.toml")
    result = invoke("validate", spec)
    assert result.exit_code == 1, result.output
    assert result.output.splitlines() == [
        f"{spec}: a valid sweep spec: 4 points (analytic, grid over adc.bits, array.rows); 2 of them would fail (a "
        "sweep runs the others and writes each failure's error in its row):",
        "  2 points: 'array.rows_per_read' (256) must not exceed 'array.rows' (64)"]
    good = write(tmp_path, spec.read_text().replace("[64, 256]", "[128, 256]") + '[set]\n"array.rows_per_read" = 128\n',
                 "g.toml")
    result = invoke("validate", good)
    assert result.exit_code == 0 and "4 points" in result.output, result.output
    assert "each valid and priced as the sweep prices it" in result.output
    big = write(tmp_path, f'base = "{DEFAULT}"\nkind = "analytic"\n[axes]\n"workload.out_features" = [4096, 65536]\n'
                          '[set]\n"workload.in_features" = 65536\n"simulation.memory_limit_gib" = 0.01\n'
                          '"chip.tiles" = 100000\n', "big.toml")
    assert invoke("validate", big).exit_code == 0  # priced, not held to a simulation's memory (a review)
    import subprocess
    import sys
    piped = subprocess.run([sys.executable, "-m", "cimsim", "validate", "/dev/stdin"], input=spec.read_text(),
                           capture_output=True, text=True, timeout=120)  # a pipe is read once (it had been refused)
    assert piped.returncode == 1 and "/dev/stdin: a valid sweep spec: 4 points" in piped.stdout, piped.stderr
    for text in (f'base = "{DEFAULT}"\nkind = "analytic"\naxes."adc.bits" = [4, 8]\n',  # a dotted key; a BOM
                 f'\ufeffaxes = {{ "adc.bits" = [4, 8] }}\nbase = "{DEFAULT}"\nkind = "analytic"\n'):  # (a review)
        result = invoke("validate", write(tmp_path, text, "d.toml"))
        assert result.exit_code == 0 and "a valid sweep spec: 2 points" in result.output, result.output
    piped = subprocess.run([sys.executable, "-m", "cimsim", "validate", "/dev/stdin"], input="# nothing yet\n",
                           capture_output=True, text=True, timeout=120)  # a config through a pipe: read once
    assert piped.returncode == 0 and "states nothing (comments only)" in piped.stderr, piped.stderr
    assert invoke("validate", good, "--set", "adc.bits=4").exit_code == 2
    bad = invoke("validate", write(tmp_path, spec.read_text().replace("adc.bits", "adc.bitz"), "b.toml"))
    assert bad.exit_code == 2 and "no config field 'adc.bitz'" in bad.output


def test_run_prints_accuracy_and_cost_and_writes_json(tmp_path):
    out = tmp_path / "run.json"
    result = invoke("run", DEFAULT, "-o", out, *SMALL)
    assert result.exit_code == 0, result.output
    assert "relative error" in result.output and "TOPS/W" in result.output
    data = json.loads(out.read_text())
    assert data["counts"]["mvms"] == 300
    assert 0 < data["accuracy"]["relative_error"] < 0.1
    assert data["cim"]["energy_pj"]["total"] == pytest.approx(sum(data["cim"]["energy_pj"]["breakdown"].values()))


def test_the_report_says_what_each_device_error_is_a_share_of():
    """stuck cells had read as "0.003 of g_max - g_min": a share of the cells (0.001 stuck high + 0.002 low), not of
    the conductance range"""
    result = invoke("run", DEFAULT, *SMALL, "--set", "device.preset=rram", "--set", "device.stuck_at_gmin_rate=0.002")
    assert result.exit_code == 0, result.output
    assert "read noise 0.01 of g_max - g_min, stuck cells 0.003 of the cells" in result.output


def test_compare_writes_report_with_required_fields(tmp_path):
    result = invoke("compare", DEFAULT, "-o", tmp_path / "rep", *SMALL)
    assert result.exit_code == 0, result.output
    data = json.loads((tmp_path / "rep" / "report.json").read_text())
    for side in ("cim", "baseline"):
        for key in ("latency_ns", "throughput_items_per_s", "area_mm2", "tops_per_w"):
            assert data[side][key] > 0
        assert data[side]["energy_pj"]["total"] > 0 and data[side]["energy_pj"]["breakdown"]
    cim, base = data["cim"], data["baseline"]
    assert data["gain"]["energy"] == pytest.approx(base["energy_pj"]["total"] / cim["energy_pj"]["total"])
    assert data["gain"]["latency"] == pytest.approx(base["latency_ns"] / cim["latency_ns"])
    assert data["gain"]["throughput"] == pytest.approx(cim["throughput_items_per_s"] / base["throughput_items_per_s"])
    assert data["gain"]["edp"] == pytest.approx(
        base["energy_pj"]["total"] * base["latency_ns"] / (cim["energy_pj"]["total"] * cim["latency_ns"]))
    assert set(data["accuracy"]) >= {"relative_error", "snr_db"}
    md = (tmp_path / "rep" / "report.md").read_text()
    assert "Assumptions" in md and "waiting on data movement" in md and "computing" in md


def test_seed_makes_runs_reproducible(tmp_path):
    outs = []
    for seed, name in ((3, "a"), (3, "b"), (4, "c")):
        path = tmp_path / f"{name}.json"
        assert invoke("run", DEFAULT, "-o", path, "--seed", seed, *SMALL).exit_code == 0
        data = json.loads(path.read_text())
        outs.append((data["accuracy"]["relative_error"], data["counts"]["array_gv2t_fj"]))
    assert outs[0] == outs[1] and outs[0] != outs[2]


def test_ideal_preset_is_exact(tmp_path):
    cfg = write(tmp_path, 'preset = "ideal"\n[workload]\nin_features = 40\nout_features = 9\nvectors = 50\n')
    out = tmp_path / "r.json"
    assert invoke("run", cfg, "-o", out).exit_code == 0
    acc = json.loads(out.read_text())["accuracy"]
    assert acc["vs_quantized_digital"]["relative_error"] == 0.0
    assert acc["vs_quantized_digital"]["snr_db"] == "inf"  # infinite SNR: the string "inf" (strict JSON)


def test_weights_and_inputs_from_npy_files(tmp_path):
    rng = np.random.default_rng(5)
    np.save(tmp_path / "w.npy", rng.uniform(-1, 1, (6, 12)))
    np.save(tmp_path / "x.npy", rng.uniform(-1, 1, (30, 12)))
    cfg = write(tmp_path, 'preset = "ideal"\n[workload]\nin_features = 12\nout_features = 6\nvectors = 30\n'
                          'weights = "file"\nweights_file = "w.npy"\ninputs = "file"\ninputs_file = "x.npy"\n')
    out = tmp_path / "r.json"
    result = invoke("run", cfg, "-o", out)
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text())["counts"]["mvms"] == 30


def test_npy_of_wrong_shape_is_a_config_error(tmp_path):
    np.save(tmp_path / "w.npy", np.zeros((5, 12)))
    cfg = write(tmp_path, '[workload]\nin_features = 12\nout_features = 6\nweights = "file"\nweights_file = "w.npy"\n')
    result = invoke("run", cfg)
    assert result.exit_code == 2
    assert "'workload.weights_file'" in result.output and "(6 x 12)" in result.output
    assert "Traceback" not in result.output


def test_bad_config_is_one_line_per_problem_and_exit_2(tmp_path):
    cfg = write(tmp_path, "[adc]\nbits = 0\n[array]\nrowz = 3\n")
    for command in ("validate", "run", "compare"):
        result = invoke(command, cfg)
        assert result.exit_code == 2, result.output
        lines = result.output.strip().splitlines()
        assert len(lines) == 2 and all(line.startswith("error: ") and str(cfg) in line for line in lines)
        assert "'adc.bits'" in result.output and "rowz" in result.output
        assert "Traceback" not in result.output


def test_bad_set_option_is_a_usage_error():
    assert invoke("run", DEFAULT, "--set", "adc.bits").exit_code == 2
    result = invoke("validate", DEFAULT, "--set", "adc.bits=99")
    assert result.exit_code == 2 and "'adc.bits'" in result.output


def test_missing_config_file_exit_2(tmp_path):
    result = invoke("validate", tmp_path / "nope.toml")
    assert result.exit_code == 2 and "nope.toml" in result.output and "Traceback" not in result.output


def test_results_identical_whatever_the_thread_counts(tmp_path):
    """Kernels are serial and float32 products of codes are exact, so thread counts cannot change a number."""
    import os
    import subprocess
    import sys

    results = []
    for threads in ("1", "2"):
        env = {**os.environ, "NUMBA_NUM_THREADS": threads, "OPENBLAS_NUM_THREADS": threads,
               "OMP_NUM_THREADS": threads, "MKL_NUM_THREADS": threads}
        out = tmp_path / f"t{threads}.json"
        proc = subprocess.run([sys.executable, "-m", "cimsim.cli", "run", DEFAULT, "-o", str(out), *SMALL],
                              env=env, capture_output=True, text=True)
        assert proc.returncode == 0, proc.stderr
        data = json.loads(out.read_text())
        results.append((data["accuracy"], data["counts"], data["cim"]["energy_pj"]))
    assert results[0] == results[1]


def test_compare_several_architectures_side_by_side_with_plots(tmp_path):
    out = tmp_path / "multi"
    configs = [ROOT / "configs" / n for n in ("default.toml", "sram-cim.toml", "isaac-like.toml")]
    result = invoke("compare", *configs, "-o", out, "--set", "workload.vectors=100")
    assert result.exit_code == 0, result.output
    md = (out / "report.md").read_text()
    assert "full report (breakdowns, assumptions) is in `<name>/report.md`" in md
    assert f"is in `{out / '<name>' / 'report.md'}`" in result.output
    for name in ("default", "sram-cim", "isaac-like"):
        assert f"| {name} (" in md and (out / name / "report.md").is_file()
        assert f"**{name}**: dominated by" in md
    data = json.loads((out / "report.json").read_text())
    assert [a["name"] for a in data["architectures"]] == ["default", "sram-cim", "isaac-like"]
    for path in (out / "energy_breakdown.png", out / "area_breakdown.png"):
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_compare_of_several_without_a_folder_points_to_no_report(tmp_path):
    """without -o it had said each full report 'is in <name>/report.md', writing none"""
    other = write(tmp_path, Path(DEFAULT).read_text().replace('name = "default"', 'name = "other"', 1))
    result = invoke("compare", DEFAULT, other, *SMALL)
    assert result.exit_code == 0, result.output
    assert "# cimsim comparison of 2 architectures" in result.output and "report.md" not in result.output
    assert "| latency of one item |" in result.output


def test_compare_without_matplotlib_skips_plots_only(tmp_path, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib now raises ImportError
    out = tmp_path / "rep"
    result = invoke("compare", DEFAULT, "-o", out, *SMALL)
    assert result.exit_code == 0, result.output
    assert "plots skipped" in result.output and (out / "report.md").is_file()
    assert not (out / "energy_breakdown.png").exists()


def test_dominant_component_explains_itself():
    import dataclasses

    from cimsim.config.schema import Config
    from cimsim.cost import cim_breakdown, cim_parameters, pricing_table
    from cimsim.report import dominant_component
    from cimsim.run import simulate

    config = Config(workload=dataclasses.replace(Config().workload, in_features=32, out_features=8, vectors=10))
    r = simulate(config)
    b = cim_breakdown(config, r.plan, r.counts)
    text = dominant_component(b, r, "MVM")
    name = max(b.energy_pj, key=b.energy_pj.get)
    component = {c.name: c for c in pricing_table(r.plan, cim_parameters(config, r.plan))}[name]
    action = max(component.actions, key=lambda a: a.count(r.counts) * a.energy_pj)
    share = 100 * b.energy_pj[name] / b.total_energy_pj
    assert text == (f"{name} ({share:.1f} % of the energy): {action.count(r.counts) / 10:.4g} {action.label} per MVM "
                    f"at {action.energy_pj:.3g} pJ each")
    assert dominant_component(b, None, "MVM") == f"{name} ({share:.1f} % of the energy)"


def test_compare_configs_need_distinct_names(tmp_path):
    copy = tmp_path / "copy.toml"
    copy.write_text(Path(DEFAULT).read_text())
    result = invoke("compare", DEFAULT, copy)  # two files of one name (one file twice: tests/test_messages_57.py)
    assert result.exit_code == 2 and "distinct names" in result.output


def test_the_command_caps_openblas_idle_spinning_unless_the_user_chose():
    """The CLI sets OPENBLAS_THREAD_TIMEOUT (read when numpy loads OpenBLAS) only where the user did not; a library
    import of cimsim sets nothing."""
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_THREAD_TIMEOUT"}
    code = "import cimsim, os; print(os.environ.get('OPENBLAS_THREAD_TIMEOUT', 'unset'))"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "unset"
    code = "import cimsim.cli, os; print(os.environ['OPENBLAS_THREAD_TIMEOUT'])"
    for given, expected in ((None, "20"), ("7", "7")):
        run_env = env if given is None else {**env, "OPENBLAS_THREAD_TIMEOUT": given}
        out = subprocess.run([sys.executable, "-c", code], env=run_env, capture_output=True, text=True, check=True)
        assert out.stdout.strip() == expected


def test_estimate_prints_and_writes_the_shapes_only_price(tmp_path):
    """`cimsim estimate`: the analytic price of the config with its settings, marked as such, its JSON what the
    API's Estimate gives; a bad setting exits 2 naming the field"""
    import cimsim

    out = tmp_path / "estimate.json"
    result = invoke("estimate", DEFAULT, "--set", "adc.bits=6", "-o", out)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("# cimsim estimate: default") and "without simulating" in result.output
    assert json.loads(out.read_text()) == json.loads(json.dumps(
        {"name": "default", "source": DEFAULT, **cimsim.estimate(DEFAULT, {"adc.bits": 6}).to_dict()}))
    bad = invoke("estimate", DEFAULT, "--set", "adc.bits=0")
    assert bad.exit_code == 2 and "'adc.bits' must be an integer in [1, 16]" in bad.output


def test_estimate_of_several_configs_is_a_table_side_by_side(tmp_path):
    out = tmp_path / "estimates.json"
    paths = [ROOT / "configs" / n for n in ("default.toml", "sram-cim.toml")]
    result = invoke("estimate", *paths, "-o", out)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("# cimsim estimate of 2 designs")
    rows = [line for line in result.output.splitlines() if line.startswith("| default (") or
            line.startswith("| sram-cim (")]
    assert len(rows) == 2 and all(re.search(r"\| [\d.]+x( \([\d.]+-[\d.]+\))? \|", r) for r in rows)
    # the energy gain's range: rram and sram-current each have enough published macros (>= MIN_RANGE_MACROS)
    assert all(re.search(r"x \([\d.]+-[\d.]+\) \|", r) for r in rows)
    for path, row in zip(paths, rows):  # latency of one item, as energy is per item (it had been the whole workload's)
        est = cimsim.estimate(path)
        assert f"| {_fmt(est.cim.item_latency_ns * 1e-9, 's')} per {est.item} |" in row
        assert est.cim.mvms > 1 and est.cim.item_latency_ns < est.cim.latency_ns
    data = json.loads(out.read_text())
    assert list(data) == ["cimsim_version", "architectures"]
    assert [a["source"] for a in data["architectures"]] == [str(p) for p in paths]


def test_estimate_of_several_configs_gives_each_distinct_baseline_a_row():
    """the table had held the designs alone (compare's gives the baselines too): every distinct baseline a row, its
    own figures and a gain of 1x; one config given twice, one baseline row"""
    import cimsim

    paths = [ROOT / "configs" / n for n in ("default.toml", "sram-cim.toml")]
    out = invoke("estimate", *paths).output
    rows = [line for line in out.splitlines() if line.startswith("| baseline ")]
    assert len(rows) == 2, out
    for path, row in zip(paths, rows):
        base = cimsim.estimate(path).baseline
        assert row.startswith(f"| baseline {base.name} on `{path}`'s workload |")
        assert f"| {base.total_energy_pj / base.mvms:.4g} pJ/MVM |" in row and "| 1x |" in row
    twice = invoke("estimate", DEFAULT, DEFAULT).output
    assert sum(line.startswith("| baseline ") for line in twice.splitlines()) == 1



def test_a_baseline_row_two_configs_share_names_both(tmp_path):
    """two configs with the same baseline and workload had one row labelled by the first alone"""
    paths = [tmp_path / name for name in ("a.toml", "b.toml")]
    for path in paths:
        path.write_text(Path(DEFAULT).read_text())
    rows = [line for line in invoke("estimate", *paths).output.splitlines() if line.startswith("| baseline ")]
    assert len(rows) == 1
    assert f"on the workloads of `{paths[0]}` and `{paths[1]}` (one row: the same figures) |" in rows[0]


def test_estimate_of_one_config_gives_the_pipeline_stage_table():
    """the single-design estimate's text had no stage table (its JSON had the stages; compare's report has both)"""
    import cimsim

    cim = cimsim.estimate(ROOT / "configs" / "digits-cnn.toml").cim
    out = invoke("estimate", ROOT / "configs" / "digits-cnn.toml").output
    assert "### Pipeline stages" in out and len(cim.stages) == 3
    table = out[out.index("### Pipeline stages"):].split("\n\n")[1].splitlines()[2:]
    assert [row.split(" | ")[0] for row in table] == [f"| {s.index}" for s in cim.stages]
    assert all(f"| {_fmt(s.interval_ns * 1e-9, 's')} |" in row for s, row in zip(cim.stages, table))


def test_estimate_of_one_config_twice_keeps_both_as_compare_shapes_its_json(tmp_path):
    """the JSON had been keyed by path, so a config given twice kept one estimate, and its shape was compare's in
    neither case: now one estimate (name, source, figures), or {"architectures": [...]} in the order given"""
    out = tmp_path / "twice.json"
    assert invoke("estimate", DEFAULT, DEFAULT, "-o", out).exit_code == 0
    data = json.loads(out.read_text())
    assert [(a["name"], a["source"]) for a in data["architectures"]] == [("default", DEFAULT)] * 2
    assert data["architectures"][0]["cim"] == data["architectures"][1]["cim"]


def test_compare_of_several_with_trials_gives_each_accuracys_mean_std_and_worst(tmp_path):
    """with --trials the table had shown trial 0's relative error, unlabelled, while the JSON (and a functional
    sweep) give the mean: the cell is now the Monte Carlo mean, std and worst trial of the JSON's spread"""
    other = write(tmp_path, Path(DEFAULT).read_text().replace('name = "default"', 'name = "other"', 1))
    out = tmp_path / "mc"
    result = invoke("compare", DEFAULT, other, "-o", out, "--trials", 3, "--set", "device.preset=rram",
                    "--set", "workload.vectors=64")
    assert result.exit_code == 0, result.output
    md = (out / "report.md").read_text()
    assert "Monte Carlo: where an architecture ran several trials" in md
    data = json.loads((out / "report.json").read_text())
    for name, arch in zip(("default", "other"), data["architectures"]):
        spread = arch["accuracy"]["monte_carlo"]["relative_error"]
        assert len(set(spread["trials"])) == 3  # the trials differ: trial 0 is not the mean
        row = next(line for line in md.splitlines() if line.startswith(f"| {name} ("))
        cell = row.split(" | ")[1]
        assert cell == (f"relative error over 3 trials: mean {spread['mean']:.4g}, std {spread['std']:.3g}, "
                        f"worst {spread['worst']:.4g}")
    single = invoke("compare", DEFAULT, other, *SMALL)  # one trial: the headline, and no Monte Carlo note
    assert single.exit_code == 0 and "| rel. error " in single.output and "Monte Carlo" not in single.output


@pytest.mark.parametrize("value, unit, text", [
    (999.4, "/s", "999 /s"), (999.8, "/s", "1 k/s"), (0.9997, "J", "1 J"), (9.9996e-4, "J", "1 mJ"),
    (2.5e-6, "J", "2.5 µJ"), (9.999e-13, "J", "1 pJ"), (5e-13, "J", "0.5 pJ")])
def test_price_models_table_writes_figures_with_the_reports_si_prefixes(value, unit, text):
    """price-model's own formatter had printed 999.8 /s as '1e+03 /s', 0.9997 J as '1e+03 mJ', 5e-13 J as
    '5e-13 J' (no pico) and micro as 'u': the table now uses the reports' one formatter, which takes the next
    prefix where a value rounds up to it"""
    from cimsim.breakdown import Breakdown
    from cimsim.models import ModelPrice, price_table
    from cimsim.report import _fmt

    assert _fmt(value, unit) == text
    # one item of one token: every figure of the row is `value` in its unit
    per_s = {"interval_ns": 1e9 / value} if unit == "/s" else {}
    side = Breakdown("side", {"mac": value * 1e12 if unit == "J" else 1.0}, {"mac": 1.0}, 1.0, 1.0, 0.0, 1, 1,
                     **per_s)
    price = ModelPrice("m", "", "token", 1, 1, side, side, 1, 1, 1, 1, 1, "", (1.0,), 1.0, 1, 1)
    cells = price_table([price]).splitlines()[-1].split(" | ")
    column = (2, 3, 7) if unit == "J" else (4, 8)
    assert [cells[k] for k in column] == [text] * len(column)
    if unit == "/s":
        assert cells[5] == _fmt(value, "").rstrip()  # tokens per second: the same prefix, no unit nor space


@pytest.mark.parametrize("value, unit, text", [
    (0.223, "MVM/s", "0.223 MVM/s"), (31_200.0, "inference/s", "31.2 k inference/s"), (4480.0, "s", "4480 s"),
    (999.7, "s", "1000 s"), (12.5, "s", "12.5 s"), (2.5e-3, "s", "2.5 ms"), (0.223, "W", "223 mW")])
def test_a_rate_of_items_takes_no_sub_unit_prefix_and_seconds_no_kilo(value, unit, text):
    """reports wrote 0.223 MVM/s as '223 mMVM/s' (read as mega), 31 200 inferences/s as '31.2 kinference/s' and
    4480 s as '4.48 ks' (a probe); physical units below 1 keep their prefixes"""
    assert _fmt(value, unit) == text


@pytest.mark.parametrize("chained", [False, True])
@pytest.mark.parametrize("command", [["run", DEFAULT], ["compare", DEFAULT], ["estimate", DEFAULT],
                                     ["price-model", "resnet18"], ["sweep", ROOT / "configs" / "sweep-adc.toml"]])
def test_ctrl_c_in_any_command_exits_130_saying_so(monkeypatch, tmp_path, command, chained):
    """run and compare had ended a Ctrl-C with click's 'Aborted!' and 1, a failed run's code; an error a Ctrl-C
    caused (a C extension it stopped loading: numpy's ImportError "multiarray failed to import", raised from the
    KeyboardInterrupt) had been "error: internal error ... please report it", exit 1 (a review)"""
    def interrupted(*args, **kwargs):
        try:
            raise KeyboardInterrupt
        except KeyboardInterrupt as exc:
            if chained:
                raise ImportError("numpy._core.multiarray failed to import") from exc
            raise

    monkeypatch.setattr("cimsim.config.load.read_toml", interrupted)
    monkeypatch.setattr("cimsim.models.get_model", interrupted)
    result = invoke(*command, *(["-o", tmp_path / "r.csv"] if command[0] == "sweep" else []))
    assert result.exit_code == 130, result.output
    assert "stopped: interrupted." in result.output and "Aborted" not in result.output


def test_debug_shows_the_traceback_of_an_error_a_ctrl_c_caused(monkeypatch):
    """--debug had hidden the traceback of an error raised while a Ctrl-C was handled (a review): shown, then 130"""
    def interrupted(*args, **kwargs):
        try:
            raise KeyboardInterrupt
        except KeyboardInterrupt:
            raise KeyError("raised in a handler")

    monkeypatch.setattr("cimsim.config.load.read_toml", interrupted)
    result = invoke("--debug", "run", DEFAULT)
    assert result.exit_code == 130 and "Traceback" in result.output and "KeyError" in result.output, result.output
    assert "stopped: interrupted." in result.output


def test_workers_a_run_cannot_use_are_refused_as_bad_input():
    """--workers with --scheduler had started no local process without a word (sweep refuses it)"""
    mlp = str(ROOT / "configs" / "digits-mlp.toml")
    both = invoke("run", mlp, "--workers", "2", "--scheduler", "tcp://127.0.0.1:8786")
    assert both.exit_code == 2 and "--workers sets local processes; a Dask cluster (--scheduler)" in both.output


@pytest.mark.parametrize("args", [
    ("run", "configs/default.toml", "--trials", "0"), ("bogus",), ("run",), ("macros", "--bogus"),
    ("sweep", "configs/sweep-adc.toml", "--workers", "0"), ("compare", "configs/default.toml", "--trails", "2"),
])
def test_click_usage_errors_are_one_error_line(args):
    """docs/robustness.md: exit 2 with one ``error:`` line per problem; click's own checks of arguments and
    options, and an unknown command, had printed three lines of usage and 'Error: ...'"""
    result = CliRunner().invoke(main, [*args])
    assert result.exit_code == 2, result.output
    assert len(result.output.splitlines()) == 1 and result.output.startswith("error: "), result.output


def test_the_group_alone_still_shows_its_help():
    result = CliRunner().invoke(main, [])
    assert result.output.startswith("Usage: ") and "Commands:" in result.output


def test_an_empty_set_value_leaves_an_optional_field_out(tmp_path):
    """--set dac.input_max= had been the string "" ("must be a finite number ... (or left out); got \"\""): nothing
    after '=' is None, as the Python API's; a required field left out is named; --set x=none stays the word"""
    path = write(tmp_path, '[dac]\ninput_range = "fixed"\ninput_max = 2.0\n[baseline]\npreset = "a100"\n'
                           'energy_model = "components"\n')
    fixed = invoke("validate", path, "--set", "dac.input_range=per_vector", "--set", "dac.input_max=",
                   "--set", "baseline.die_area_mm2=")
    assert fixed.exit_code == 0, fixed.output
    required = invoke("validate", path, "--set", "dac.input_max=")  # a fixed range needs it
    assert required.exit_code == 2 and "'dac.input_max' is required when 'dac.input_range' is \"fixed\"" in (
        required.output)
    bits = invoke("validate", path, "--set", "adc.bits=")
    assert bits.exit_code == 2 and "--set adc.bits= leaves 'adc.bits' out" in bits.output
    assert "must be an integer in [1, 16]" in bits.output
    assert invoke("validate", path, "--set", "device.drift_compensation=none").exit_code == 0
    assert "(--set dac.input_max=) leaves an optional field out" in " ".join(invoke("run", "--help").output.split())


def test_the_public_plot_functions_name_the_extra_without_matplotlib(tmp_path, monkeypatch):
    """cimsim.plots.write_breakdown_plots and cimsim.sweep.plot.write_pareto_plot had raised a bare
    ModuleNotFoundError naming no extra"""
    import sys

    from cimsim.plots import write_breakdown_plots
    from cimsim.sweep.plot import write_pareto_plot

    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    for call in (lambda: write_breakdown_plots([], tmp_path, "vector"),
                 lambda: write_pareto_plot([], [], "x", "y", tmp_path / "p.png")):
        with pytest.raises(ImportError, match=r"pip install '\.\[plot\]'"):
            call()


@pytest.mark.parametrize("command, output, written", [
    ("run", "r.json", ["r.json"]), ("estimate", "e.json", ["e.json"]),
    ("compare", "c", ["c/report.json", "c/report.md", "c/.cimsim-outputs.json"])])
def test_outputs_are_written_when_stdouts_reader_leaves_early(tmp_path, command, output, written):
    """`cimsim run cfg -o r.json | head -1`: the report had been printed before the file was written, so a reader of
    stdout that left early (its pipe closed) ended the command with the results computed and none saved (compare:
    new reports beside the last run's plots and record); the files come first now, then the quiet exit 141"""
    import subprocess
    import sys

    proc = subprocess.Popen([sys.executable, "-m", "cimsim.cli", command, DEFAULT, "-o", str(tmp_path / output),
                             *SMALL], stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=tmp_path)
    proc.stdout.close()  # the reader leaves before a line is printed
    stderr = proc.communicate()[1].decode()
    assert proc.returncode == 141 and "Traceback" not in stderr, stderr
    for name in written:
        assert (tmp_path / name).stat().st_size > 0, name
    json.loads((tmp_path / written[0]).read_text())


def test_sweep_refuses_an_output_of_another_format_and_a_dash_config_points_to_dev_stdin(tmp_path):
    """`sweep spec -o s.json` had written CSV rows into a .json file, exit 0 (run and estimate refuse another
    suffix); `run -` had said only 'No such file or directory'"""
    for name in ("s.json", "s.npz", "s.onnx", "s.tsv", "s.parquet", "s.csv.gz"):  # (a name with letters past .csv)
        result = invoke("sweep", ROOT / "configs" / "sweep-adc.toml", "-o", tmp_path / name)
        assert result.exit_code == 2 and "give a file ending in .csv" in result.output and "stdout" not in result.output
        assert not (tmp_path / name).exists()
    spec = tmp_path / "spec.toml"  # a dated or versioned name is taken
    spec.write_text(f'base = "{ROOT / "configs" / "default.toml"}"\nkind = "analytic"\n[axes]\n"adc.bits" = [4, 6]\n')
    for name in ("results.2026-12-05T10", "results.v2"):
        assert invoke("sweep", spec, "-o", tmp_path / name).exit_code == 0
        assert (tmp_path / name).read_text().startswith("point_id,")
    result = invoke("validate", "-")
    assert result.exit_code == 2 and "for the standard input give /dev/stdin" in result.output


def test_a_sweeps_default_workers_are_the_cores_this_process_may_use(monkeypatch):
    """os.cpu_count counts the machine's cores, whatever taskset or a container allows"""
    import os

    from cimsim.cores import usable_cores
    from cimsim.sweep import execute
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {3})  # one core allowed
    monkeypatch.setattr(os, "cpu_count", lambda: 64)
    assert usable_cores() == 1 and execute.usable_cores is usable_cores


def test_ctrl_c_while_cimsim_loads_exits_as_ctrl_c_later_does(tmp_path):
    """Ctrl-C in the first tenth of a second, while the CLI's modules loaded, had printed a 14-line traceback: the
    command's entry point (cimsim.__main__) catches it as the CLI does, one line and exit 130. The delays count from
    the time this machine takes to start Python and import the cimsim package (a Ctrl-C before cimsim.__main__ runs
    is the interpreter's own: at a fixed 0.05 s a loaded machine had not reached it)"""
    import signal
    import subprocess
    import sys
    import time

    starts = []
    for _ in range(3):
        begun = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import cimsim"], check=True, cwd=tmp_path)
        starts.append(time.perf_counter() - begun)
    for delay in (0.01, 0.1, 0.25):
        delay += sorted(starts)[1]
        for _ in range(3):  # a Ctrl-C that lands before cimsim's code runs (every frame the interpreter's own,
            proc = subprocess.Popen([sys.executable, "-m", "cimsim", "estimate", DEFAULT],  # a loaded machine's
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path)
            time.sleep(delay)  # slower start) is tried again: it tells nothing of cimsim
            proc.send_signal(signal.SIGINT)
            _, stderr = proc.communicate(timeout=60)
            frames = [line for line in stderr.splitlines() if line.strip().startswith("File ")]
            if not ("Traceback" in stderr and frames and all("<frozen " in line for line in frames)):
                break
        assert "Traceback" not in stderr, (delay, stderr)
        assert proc.returncode in (130, -signal.SIGINT, 0), (delay, proc.returncode)  # 0: it had finished


@pytest.mark.parametrize("by_ctrl_c", [True, False])
def test_an_import_error_a_ctrl_c_caused_while_cimsim_loads_exits_as_ctrl_c(monkeypatch, capsys, by_ctrl_c):
    """a Ctrl-C that stops numpy's C extension loading surfaces as ImportError "numpy._core.multiarray failed to
    import", raised from the KeyboardInterrupt: it had printed a 40-line traceback (CI, on a loaded machine); any
    other ImportError is raised as it was"""
    import sys
    import types

    from cimsim.__main__ import main as entry

    def stopped(name):
        try:
            raise KeyboardInterrupt if by_ctrl_c else OSError("no such file")
        except BaseException as exc:
            raise ImportError("numpy._core.multiarray failed to import") from exc

    cli = types.ModuleType("cimsim.cli")
    cli.__getattr__ = stopped
    monkeypatch.setitem(sys.modules, "cimsim.cli", cli)
    if by_ctrl_c:
        with pytest.raises(SystemExit) as stop:
            entry()
        assert stop.value.code == 130 and capsys.readouterr().err == "stopped: interrupted.\n"
    else:
        with pytest.raises(ImportError, match="multiarray"):
            entry()
    assert sys.unraisablehook is sys.__unraisablehook__


def test_a_ctrl_c_dropped_in_a_callback_while_a_command_runs_is_sent_again():
    """a Ctrl-C that lands in a callback (a module lock's, while a sweep imports what it needs before its handler is
    in place) is dropped by the interpreter ("Exception ignored"): the sweep had then run every point, exit 0; the
    entry point's hook sends it again, to the handler in place (here: one that notes it)"""
    import signal
    import types

    from cimsim.__main__ import _interrupt_again

    got, inside = [], [False]
    old = signal.signal(signal.SIGINT, lambda signum, frame: got.append((signum, inside[0])))
    try:
        inside[0] = True
        _interrupt_again(types.SimpleNamespace(exc_type=KeyboardInterrupt))
        inside[0] = False
        deadline = time.monotonic() + 10
        while not got and time.monotonic() < deadline:  # sent from another thread a millisecond on
            time.sleep(1e-3)
    finally:
        signal.signal(signal.SIGINT, old)
    assert got == [(signal.SIGINT, False)]  # handled after the hook: raised in it, it had been dropped again


def test_a_ctrl_c_dropped_in_a_finalizer_stops_the_command(tmp_path):
    """a Ctrl-C that lands in a finalizer while a command runs: the re-sent one had been raised in the hook itself
    and dropped again (a traceback 'Exception ignored in sys.unraisablehook', the report written, exit 0: a probe)"""
    script = tmp_path / "ctrl_c.py"
    script.write_text("import signal, sys\n"
                      "import cimsim.api as api\n"
                      "real = api.estimate\n"
                      "class Finalizer:\n"
                      "    def __del__(self): signal.raise_signal(signal.SIGINT)\n"
                      "def estimate(*a, **k):\n"
                      "    Finalizer()\n"
                      "    return real(*a, **k)\n"
                      "api.estimate = estimate\n"
                      "sys.argv = ['cimsim', *sys.argv[1:]]\n"
                      "from cimsim.__main__ import main\n"
                      "main()\n")
    out = tmp_path / "e.json"
    child = subprocess.run([sys.executable, str(script), "estimate", str(ROOT / "configs" / "default.toml"), "-o",
                            str(out)], capture_output=True, text=True, timeout=300, cwd=tmp_path,
                           preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))  # (a job started in
    # the background, as CI may be, ignores SIGINT, and so would this child: Python then sets no Ctrl-C handler)
    assert (child.returncode, child.stderr) == (130, "stopped: interrupted.\n"), child.stderr
    assert not out.exists()


@pytest.mark.parametrize("command, field, said", [
    (["price-model", "resnet18"], "workload.in_features=7", "warning: --set workload.in_features: price-model does "
                                                            "not read it"),
    (["price-model", "resnet18"], "workload={in_features = 7}", "warning: --set workload.in_features: price-model"),
    (["price-model", "resnet18"], "simulation.trials=4", "warning: --set simulation.trials: price-model does not"),
    (["estimate", str(Path(__file__).resolve().parents[1] / "configs" / "default.toml")], "simulation={trials = 5}",
     "warning: --set simulation.trials: an estimate does not read it"),
])
def test_a_setting_a_command_does_not_read_is_said(command, field, said):
    """price-model had taken --set workload.in_features=7 (named in its header) and estimate --set
    simulation.trials=5, each changing nothing, unsaid; warned, not refused (a config may need a workload field to
    load: a workload.weights_file)"""
    result = CliRunner().invoke(main, [*command, "--set", field])
    assert result.exit_code == 0 and said in result.output, result.output


def test_price_models_json_records_the_options_it_ran_with(tmp_path):
    """two decodes differing in --sequences or --seq-len alone had written JSON telling them apart in prose alone"""
    out = tmp_path / "p.json"
    result = CliRunner().invoke(main, ["price-model", "gpt2-small", "--phase", "decode", "--sequences", "4",
                                       "--seq-len", "64", "--chips", "8", "-o", str(out)])
    assert result.exit_code == 0, result.output
    options = json.loads(out.read_text())["options"]
    assert (options["sequences"], options["seq_len"], options["chips"], options["phase"]) == (4, 64, 8, "decode")
    assert options["vector_lanes"] is None and options["items"] == 1


def test_an_unknown_setting_is_refused_and_not_said_to_go_unread():
    # price-model had warned that it does not read --set workload.batch, then refused the field as unknown
    result = CliRunner().invoke(main, ["price-model", "resnet18", "--set", "workload.batch=3"])
    assert result.exit_code == 2 and "unknown key 'workload.batch'" in result.output
    assert "does not read" not in result.output, result.output
    bad = CliRunner().invoke(main, ["price-model", "resnet18", "--set", "simulation.batch_size=0"])  # known, unread
    assert bad.exit_code == 2 and "warning: --set simulation.batch_size: price-model does not read it" in bad.output


def test_price_model_needs_no_data_file_of_the_workload_it_does_not_read(tmp_path):
    """a network config away from its data (its network_file missing) had been refused, after the warning that
    price-model does not read the field (probe, 2026-12-07); a value no field takes is still refused, named"""
    missing = tmp_path / "net.toml"
    missing.write_text('[workload]\nkind = "network"\nnetwork_file = "gone.npz"\ninput_zero_fraction = 0.5\n')
    result = CliRunner().invoke(main, ["price-model", "resnet18", "--config", str(missing), "--set",
                                       "workload.dataset_file=gone.npz", "-o", str(tmp_path / "p.json")])
    assert result.exit_code == 0, result.output
    assert "warning: --set workload.dataset_file: price-model does not read it" in result.output
    plain = CliRunner().invoke(main, ["price-model", "resnet18", "-o", str(tmp_path / "q.json")])
    assert plain.exit_code == 0 and "does not read" not in plain.output
    energy = [json.loads((tmp_path / f"{n}.json").read_text())["prices"][0]["cim"] for n in ("p", "q")]
    assert energy[0] != energy[1]  # the file's input_zero_fraction is read
    missing.write_text('[workload]\nkind = "network"\nin_features = -1\n')
    bad = CliRunner().invoke(main, ["price-model", "resnet18", "--config", str(missing)])
    assert bad.exit_code == 2 and f"error: {missing}: 'workload.in_features' must be an integer in" in bad.output
    typo = CliRunner().invoke(main, ["price-model", "resnet18", "--set", "workload.in_features=0"])
    assert typo.exit_code == 2 and "--set workload.in_features: 'workload.in_features' must be" in typo.output
    table = CliRunner().invoke(main, ["price-model", "resnet18", "--set", 'workload={kind="network", network_file='
                                      '"gone.npz"}', "--set", "adc.bits=6"])  # as the dotted form (a review)
    assert table.exit_code == 0 and "on rram-default with adc.bits=6:" in table.output, table.output


@pytest.mark.parametrize("field, value", [("memory_limit_gib", 1e-6)])
def test_an_estimate_is_unchanged_by_the_work_array_settings_it_says_it_does_not_read(field, value):
    """estimate --set simulation.memory_limit_gib to 1 KiB had changed nothing, unsaid"""
    default = str(Path(__file__).resolve().parents[1] / "configs" / "default.toml")
    with pytest.warns(UserWarning, match=f"^simulation.{field}: an estimate does not read it"):
        changed = cimsim.estimate(default, {"simulation": {field: value}})
    figures = {k: v for k, v in changed.to_dict().items() if k != "config"}
    assert figures == {k: v for k, v in cimsim.estimate(default).to_dict().items() if k != "config"}


def test_the_api_estimate_says_a_trials_setting_is_unread():
    default = str(Path(__file__).resolve().parents[1] / "configs" / "default.toml")
    with pytest.warns(UserWarning, match="^simulation.trials: an estimate does not read it"):
        cimsim.estimate(default, {"simulation": {"trials": 3}})
    with pytest.raises(cimsim.config.ConfigError, match=r"default.toml: .adc. is a table"):  # the file named
        cimsim.estimate(default, {"adc": 5})


def test_a_closed_stdout_is_no_internal_error():
    """`cimsim presets >&-` had said 'internal error, AttributeError: 'NoneType' object has no attribute 'flush''"""
    import subprocess
    import sys

    run = subprocess.run(f"{sys.executable} -m cimsim presets >&-", shell=True, capture_output=True, text=True)
    assert run.returncode == 0 and "internal error" not in run.stderr, run.stderr


def test_price_model_reads_the_workloads_zero_fractions():
    plain, sparse = (CliRunner().invoke(main, ["price-model", "resnet18", *extra])
                     for extra in ([], ["--set", "workload.input_zero_fraction=0.5"]))
    assert plain.exit_code == sparse.exit_code == 0 and plain.output != sparse.output


def test_seed_and_trials_options_show_the_configs_bounds():
    """their help had shown [x>=0] and [x>=1] while 2**64 and 1e11 were refused"""
    text = CliRunner().invoke(main, ["run", "--help"]).output
    assert "0<=x<=4294967295" in text and "1<=x<=100000" in text


@pytest.mark.parametrize("args", [["run", DEFAULT, "--seed", "1e3"], ["run", DEFAULT, "--trials", "1.5"],
                                  ["price-model", "resnet18", "--chips", "1.5"],
                                  ["price-model", "resnet18", "--items", "nan"]])
def test_an_integer_option_given_no_integer_says_an_integer_is_wanted(args):
    """click's range type had said "'1e3' is not a valid integer range", as if a range had been asked for"""
    result = invoke(*args)
    assert result.exit_code == 2 and f"'{args[-1]}' is not a valid integer." in result.output
    assert "integer range" not in result.output


def test_a_value_given_with_set_is_marked_so_in_checks_after_loading():
    """a layer's weights beyond baseline.dram_gb (checked after loading) named the config file, and price-model's
    its package preset, neither of which holds the value; price-model had turned it into a usage error: a baseline
    probe"""
    estimate = invoke("estimate", DEFAULT, "--set", "baseline.dram_gb=1e-5")
    assert estimate.exit_code == 2
    assert "do not fit in 'baseline.dram_gb' (1e-05 GB) (given as an override)" in estimate.output
    table = invoke("estimate", DEFAULT, "--set", "baseline={dram_gb=1e-5}")  # a table given whole
    assert table.exit_code == 2 and "(1e-05 GB) (given as an override)" in table.output
    priced = invoke("price-model", "resnet18", "--set", "baseline.dram_gb = 1e-5")
    assert priced.exit_code == 2 and "Usage:" not in priced.output
    assert re.search(r"error: .*rram-default\.toml: model 'resnet18': its [\d,]+ parameters at 8 bits .* do not fit in "
                     r"'baseline.dram_gb' \(1e-05 GB\) \(given as an override\)$", priced.output.strip())
