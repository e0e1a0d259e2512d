"""What users read, fed odd but legal names and tables: a Pareto table keeps its columns, a ragged results table is
named, a '$' in a name is drawn as written, a name that would cut a report's heading is refused, an infinite error is
not written as the null of an exact figure."""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from cimsim.cli import main
from cimsim.config import config_from_dict
from cimsim.errors import ConfigError
from cimsim.report_json import json_safe, to_json
from cimsim.sweep import pareto_front, read_table
from cimsim.sweep.results import checksum

ROOT = Path(__file__).resolve().parents[1]


def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def test_a_pareto_cell_holding_a_pipe_keeps_the_tables_columns(tmp_path):
    # a legal file name 'r|g.onnx' as an axis value had split its cell: 6 cells under a 5-column header
    table = tmp_path / "r.csv"
    table.write_text("point_id,workload.network_file,energy_pj,area_mm2,status\n"
                     "a,r|g.onnx,1.0,2.0,ok\nb,plain.onnx,2.0,1.0,ok\n")
    result = invoke("pareto", table, "--x", "energy_pj", "--y", "area_mm2")
    assert result.exit_code == 0, result.output
    rows = [line for line in result.output.splitlines() if line.startswith("|")]
    assert len(rows) == 4 and "r\\|g.onnx" in result.output
    assert {len(line.replace("\\|", "").split("|")) for line in rows} == {6}  # 5 cells, 6 separators each


@pytest.mark.parametrize(("line", "cells"), [("a,1.0,2.0", 3), ("a,1.0,2.0,ok,extra", 5)])
def test_a_row_of_another_length_than_the_header_is_named(tmp_path, line, cells):
    # a short row had ended in "internal error, TypeError"; a long one had been read, its extras dropped; it is left
    # out, named, as resuming the sweep leaves it out (the whole table had been refused)
    table = tmp_path / "r.csv"
    table.write_text(f"point_id,energy_pj,area_mm2,status\nb,2.0,1.0,ok\n{line}\nc,1.0,2.0,ok\n")
    result = invoke("pareto", table, "--x", "energy_pj", "--y", "area_mm2")
    assert result.exit_code == 0 and "(2 of 2 points)" in result.stdout and "| a |" not in result.stdout
    assert result.stderr == (f"warning: {table}: 1 row left out (line 3): another number of cells than the header's "
                             f"4 (line 3 has {cells}), as resuming the sweep finds too\n")
    table.write_text(f"point_id,energy_pj,area_mm2,status\n{line}\n")
    result = invoke("pareto", table, "--x", "energy_pj", "--y", "area_mm2")  # no row left: refused, told why
    assert result.exit_code == 2 and "no row is left to rank: 1 row left out (line 2): another number" in result.output


@pytest.mark.parametrize("cut", [25, 1])
def test_a_last_row_cut_short_is_left_out_as_resuming_leaves_it(tmp_path, cut):
    # a results file whose last row a disk-full stop or a truncated copy cut short had been refused whole ("line 5
    # has 4 cells, the header 7"); resuming leaves that row out, whole cells or not, and so does pareto now
    rows = [["a", "4", "1.0", "3.0", "ok", ""], ["b", "6", "2.0", "2.0", "ok", ""], ["c", "8", "0.5", "0.5", "ok", ""]]
    table = _results_table(tmp_path / "r.csv", rows)
    table.write_bytes(table.read_bytes()[:-cut])  # cut: 25 bytes, inside the row; 1, its newline only
    result = invoke("pareto", table, "--x", "energy_pj", "--y", "area_mm2")
    assert result.exit_code == 0, result.output
    assert "(2 of 2 points)" in result.stdout and "| c |" not in result.stdout
    assert result.stderr == (f"warning: {table}: 1 row left out (line 4): cut short (no newline at the end of the "
                             "file: a write stopped by a crash or a full disk, a truncated copy), as resuming the "
                             "sweep finds too\n")


def test_a_table_of_classic_mac_line_endings_keeps_its_last_row(tmp_path):
    # a CSV whose lines end in CR alone (Excel's "CSV (Macintosh)") had lost its last row as "cut short"
    table = tmp_path / "r.csv"
    table.write_bytes(b"point_id,energy_pj,area_mm2,status\rb,2.0,1.0,ok\rc,1.0,2.0,ok\r")
    result = invoke("pareto", table, "--x", "energy_pj", "--y", "area_mm2")
    assert result.exit_code == 0 and "(2 of 2 points)" in result.stdout and result.stderr == ""


def test_a_name_with_a_control_character_is_refused_by_name():
    # a newline had cut the report's heading and bold lines in two
    with pytest.raises(ConfigError, match=r"'name' must be a non-empty string without control characters"):
        config_from_dict({"name": "a\nb"}, "x.toml")
    assert config_from_dict({"name": "a | b `x` $5 é"}, "x.toml").name == "a | b `x` $5 é"
    for hidden in ("a\u200bb", "\u202eevil", "a\ufeffb"):  # look-alike folders, a terminal's text reversed
        with pytest.raises(ConfigError, match="direction marks or bytes that are no UTF-8; joiners are text"):
            config_from_dict({"name": hidden}, "x.toml")
    for word in ("\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645", "fam\u200dily"):  # the joiners are text
        assert config_from_dict({"name": word}, "x.toml").name == word
    for table in ("device", "baseline"):  # their names print in reports too
        with pytest.raises(ConfigError, match=f"'{table}.name' must be a non-empty string without control"):
            config_from_dict({table: {"name": "gp\nu"}}, "x.toml")


def test_two_names_a_joiner_apart_are_one_report_folder(tmp_path):
    """'family' and 'fam<ZWJ>ily' look alike: compare had written two folders that both show as family"""
    for stem, name in (("a", "family"), ("b", "fam\u200dily")):
        (tmp_path / f"{stem}.toml").write_text(f'preset = "rram-default"\nname = "{name}"\n')
    result = invoke("compare", tmp_path / "a.toml", tmp_path / "b.toml", "-o", tmp_path / "out")
    assert result.exit_code == 2 and "differ in more than case or an invisible joiner" in result.output
    (tmp_path / "c.toml").write_text('preset = "rram-default"\nname = "repo\u200drt.md"\n')  # looks like report.md
    result = invoke("compare", tmp_path / "a.toml", tmp_path / "c.toml", "-o", tmp_path / "out")
    assert result.exit_code == 2 and "it is the name of a file compare writes" in result.output


def test_a_data_path_with_a_joiner_is_taken_from_set_as_from_a_file(tmp_path):
    """a zero-width non-joiner (Persian, Arabic) is part of a file name: --set and sweep axes take it as a file's
    TOML does (they refuse control characters alone)"""
    from cimsim.cli_settings import settings_overrides

    path = f"{tmp_path}/a\u200cb.npy"
    assert settings_overrides((f"workload.weights_file={path}",)) == {"workload.weights_file": path}


def test_a_dollar_in_a_name_is_drawn_as_written(tmp_path):
    # '$^$' in a config's name had failed the plots (matplotlib math), '$5 or $6' been drawn as math italics
    if not os.environ.get("CI"):
        pytest.importorskip("matplotlib", reason="the plots need matplotlib (the plot extra; CI installs it)")
    config = tmp_path / "c.toml"
    config.write_text('name = "price $^$ design, $5 or $6"\n[workload]\nin_features = 16\nout_features = 8\n'
                      "vectors = 4\n")
    result = invoke("compare", config, "-o", tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out" / "energy_breakdown.png").stat().st_size > 0


def test_an_infinite_error_is_not_written_as_an_exact_result(tmp_path):
    # outputs whose float reference is all zero (w = [1, 1, -2] / 256 on inputs of ones) came out of the 8-bit
    # weights non-zero: relative error inf, SNR -inf; both had been written as null, as an exact result's SNR is
    np.save(tmp_path / "w.npy", np.array([[1.0, 1.0, -2.0]] * 2) / 256)
    np.save(tmp_path / "x.npy", np.ones((4, 3)))
    config = tmp_path / "c.toml"
    config.write_text('preset = "ideal"\n[workload]\nin_features = 3\nout_features = 2\nvectors = 4\n'
                      'weights = "file"\nweights_file = "w.npy"\ninputs = "file"\ninputs_file = "x.npy"\n')
    out = tmp_path / "r.json"
    result = invoke("run", config, "-o", out)
    assert result.exit_code == 0, result.output
    text = out.read_text()
    accuracy = json.loads(text)["accuracy"]  # strict JSON: no Infinity or NaN tokens
    assert (accuracy["relative_error"], accuracy["snr_db"]) == ("inf", "-inf")
    assert (accuracy["vs_quantized_digital"]["relative_error"], accuracy["vs_quantized_digital"]["snr_db"]) == (
        0.0, "inf")  # the ideal preset is exact against the quantised product
    assert float(accuracy["relative_error"]) == math.inf and "Infinity" not in text and "NaN" not in text


def test_json_safe_spells_every_non_finite_float():
    assert json_safe({"a": [math.inf, -math.inf, math.nan, np.float32("nan"), 1.5], "b": None}) == {
        "a": ["inf", "-inf", "nan", "nan", 1.5], "b": None}
    assert json.loads(to_json({"x": np.float64("-inf")})) == {"x": "-inf"}


def _results_table(path, rows, sums=True):
    """a results CSV as a sweep writes it: each row's checksum over its other cells (``sums=False``: no column)"""
    header = ["point_id", "adc.bits", "energy_pj", "area_mm2", "status", "error"]
    lines = [",".join(header + ["checksum"] * sums)]
    lines += [",".join(cells + [checksum(cells)] * sums) for cells in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_pareto_ranks_only_the_rows_a_resumed_sweep_would_take(tmp_path):
    # a row with a bad checksum had been ranked (here the best of all), a repeated point id ranked twice
    good = [["a", "4", "1.0", "3.0", "ok", ""], ["b", "6", "2.0", "2.0", "ok", ""], ["c", "8", "3.0", "1.0", "ok", ""]]
    table = _results_table(tmp_path / "r.csv", good + [["a", "4", "1.0", "3.0", "ok", ""]])
    lines = table.read_text().splitlines()
    lines[2] = lines[2].replace("2.0,2.0", "0.5,0.5")  # a hand edit of b: its checksum no longer matches
    table.write_text("\n".join(lines + ["c,8,3.0,1.0,ok,," + checksum(good[2])]) + "\n")
    result = invoke("pareto", table, "--x", "energy_pj", "--y", "area_mm2")
    assert result.exit_code == 0, result.output
    assert "(2 of 2 points)" in result.stdout and "| b |" not in result.stdout
    assert result.stdout.count("| a |") == result.stdout.count("| c |") == 1
    warned = result.stderr.splitlines()
    assert len(warned) == 2 and warned[0].startswith(f"warning: {table}: 1 row left out (line 3): a checksum that does")
    assert "2 rows left out (lines 5, 6): the point id of an earlier row (line 5 repeats line 2's" in warned[1]
    notes = []
    assert [r["point_id"] for r in read_table(table, notice=notes.append).rows] == ["a", "c"] and len(notes) == 2
    table.write_text("\n".join(lines[:1] + [line[:-2] + "00" for line in lines[1:]]) + "\n")
    result = invoke("pareto", table, "--x", "energy_pj", "--y", "area_mm2")  # no row left: refused, told why
    assert result.exit_code == 2 and "no row is left to rank: 4 rows left out (lines 2, 3, 4, 5)" in result.output


@pytest.mark.parametrize("cell", [" 0.5 ", "0_5", "\uff10.\uff15", "0.5\u00a0", "abc"])
def test_pareto_reads_numbers_as_a_sweep_writes_them(tmp_path, cell):
    # float() takes ' 5 ', '1_000' and full-width digits: a hand edit had been ranked (here at the front)
    rows = [["a", "4", "1.0", "3.0", "ok", ""], ["b", "6", cell, "0.5", "ok", ""], ["c", "8", "1e-1", "-inf", "ok", ""]]
    table = _results_table(tmp_path / "r.csv", rows, sums=False)
    result = invoke("pareto", table, "--x", "energy_pj", "--y", "area_mm2")
    assert result.exit_code == 0, result.output
    assert "(1 of 2 points; 1 row left out: 1 without a number" in result.stdout and "| b |" not in result.stdout
    assert result.stderr == (f"warning: {table}: 1 row left out: energy_pj is no number as a program "
                             f"writes one (e.g. {cell!r}; spaces, '_' and non-ASCII digits are not read)\n")
    notes = []
    points, _ = pareto_front(read_table(table), "energy_pj", "area_mm2", notice=notes.append)
    assert [r["point_id"] for r in points] == ["c", "a"] and len(notes) == 1  # -inf area: the smallest
    with pytest.raises(TypeError, match="notice must be a callable taking a str, or None; got str"):
        pareto_front(read_table(table), "energy_pj", "area_mm2", notice="quiet")


def test_the_report_names_drift_from_its_spread_alone():
    """the ideal preset with drift_nu_sigma 0.2 had read "no device error: ideal levels" (drift was named only
    with a mean drift_nu)"""
    from cimsim.report_design import _device

    ideal = config_from_dict({"device": {"preset": "ideal", "drift_nu_sigma": 0.2, "drift_time_s": 1e6}}).device
    assert _device(ideal) == 'device preset "ideal" (drift nu 0 +/- 0.2 after 1e+06 s, uncompensated)'
    pcm = config_from_dict({"device": {"preset": "pcm"}}).device
    assert "drift nu 0.049 +/- 0.008 after 3600 s" in _device(pcm)
    assert "no device error" in _device(config_from_dict({"device": {"preset": "ideal"}}).device)


def test_the_design_line_names_every_setting_that_moves_the_error():
    """a proportional or verified programming error had read "of g_max - g_min" as an absolute one (relative error
    0.048 and 0.072 against 0.155); IR drop, ADC gain / offset / INL and drift compensation had gone unnamed"""
    from cimsim.report_design import design_line

    def line(**sections):
        return design_line(config_from_dict(sections))

    assert "programming error 0.0506 of the target conductance," in line(
        device={"preset": "rram", "program_error": "proportional"})
    assert ("programming error 0.0506 of g_max - g_min, verified to within 0.005 of g_max - g_min (at most 20 "
            "writes)") in line(device={"preset": "rram", "program_verify_tolerance": 0.005})
    assert "after 3600 s, outputs rescaled by each array's mean drift)" in line(device={"preset": "pcm"})
    assert "after 3600 s, uncompensated)" in line(device={"preset": "pcm", "drift_compensation": "none"})
    errors = line(array={"wire_resistance_ohm": 2.0, "ir_drop": "approximate"},
                  adc={"gain_error": -0.05, "offset_lsb": 1.5, "inl_lsb": 2.0})
    assert "256 rows at a time (IR drop: 2-ohm wire segments, approximate solve)," in errors
    assert "8 columns each, gain error -0.05, offset +1.5 LSB, INL 2 LSB)" in errors
    plain = line()
    assert "IR drop" not in plain and "gain error" not in plain and "LSB" not in plain


def test_the_macros_tops_per_w_counts_only_the_arrays_products_in_every_report():
    """a vector unit's activation products are in the system's MACs but not the macro's: report.json's and the
    table's macro TOPS/W had counted them (digits-vit: 6.99 TOPS/W for its arrays' 6.22)"""
    from dataclasses import replace
    from pathlib import Path

    import cimsim
    from cimsim.report import comparison_markdown
    from cimsim.report_json import comparison_dict

    comp = cimsim.compare(Path(__file__).parents[1] / "configs" / "default.toml", {"workload.vectors": 32})
    arrays_macs = comp.cim.macs
    cim = replace(comp.cim, vector_unit_macs=arrays_macs, macs=2 * arrays_macs)
    want = 2.0 * arrays_macs / comp.macro_energy_pj
    with_unit = replace(comp, cim=cim)
    assert comparison_dict(with_unit)["macro"]["tops_per_w"] == pytest.approx(want)
    text = comparison_markdown(with_unit)
    assert f"| TOPS/W, macro alone (arrays and converters) | {want:.4g} |" in text
    assert f"pJ ({want:.4g} TOPS/W)." in text  # the sentence under the table says the same


def test_a_reports_accuracy_tables_say_they_are_the_first_trials():
    """with several trials the accuracy table (and report.json's figures) are trial 0's; the report had not said so
    beside a Monte Carlo mean that differs"""
    from pathlib import Path

    import cimsim

    sim = cimsim.simulate(Path(__file__).parents[1] / "configs" / "default.toml",
                          {"simulation.trials": 2, "device.program_sigma": 0.05, "workload.vectors": 16,
                           "workload.in_features": 16, "workload.out_features": 8})
    assert "The first of 2 trials (the spread over all of them below):" in sim._repr_markdown_()
    accuracy = sim.to_dict()["accuracy"]
    assert (accuracy["of_trial"], accuracy["trials"]) == (0, 2)
    assert accuracy["relative_error"] == sim.trials[0].vs_float.relative_error


def test_the_readme_states_each_gain_and_accuracy_figure_as_computed():
    """throughput's gain is CIM / baseline (comparison.gains); a network's relative_error is its layers' analog
    error against their quantised products, outputs_vs_float the error against float"""
    from pathlib import Path

    readme = " ".join((Path(__file__).resolve().parents[1] / "README.md").read_text().split())
    assert "`throughput` as CIM / baseline" in readme and "`throughput`, `edp`, baseline / CIM" not in readme
    assert "`outputs_vs_float` is the outputs' error against float" in readme


def _compare(tmp_path, name, *sets):
    out = tmp_path / name
    args = ["compare", "configs/default.toml", *[a for s in sets for a in ("--set", s)], "-o", str(out)]
    cwd = os.getcwd()
    os.chdir(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    try:
        result = CliRunner().invoke(main, args)
    finally:
        os.chdir(cwd)
    assert result.exit_code == 0, result.output
    return out


def test_the_workload_line_counts_copies_and_the_multi_report_labels_whole_workload_times(tmp_path):
    """mapping.replication = 4: 32 arrays are 4 copies of 1 x 8 tiles; a network's layer table counts chip.balance's
    copies as the stage table does; the several-config report's compute and waiting times are the whole workload's"""
    md = (_compare(tmp_path, "rep", "mapping.replication=4", "workload.vectors=64") / "report.md").read_text()
    assert "on 32 arrays (4 copies of 1 row x 8 column tiles" in md
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    args = ["compare", f"{root}/configs/digits-cnn.toml", "--set", 'chip.balance="replicate"', "--set",
            "workload.vectors=20", "-o", str(tmp_path / "cnn")]
    assert CliRunner().invoke(main, args).exit_code == 0
    rows = [line for line in (tmp_path / "cnn" / "report.md").read_text().splitlines() if line.startswith("| 0 |")]
    # (52 copies: the first conv reads its map, not its windows, and the global buffer's ports bound the interval,
    # both since 2026-12-05; it had been 36)
    assert rows[0].split(" | ")[3:5] == ["52", "52"] and rows[-1].split(" | ")[1] == "52"  # layer and stage tables
    args = ["compare", f"{root}/configs/default.toml", f"{root}/configs/digits-cnn.toml", "--set",
            "workload.vectors=20", "-o", str(tmp_path / "multi")]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    multi = (tmp_path / "multi" / "report.md").read_text()
    assert "over the whole workload (20 MVMs), compute" in multi and "over the whole workload (20 inferences)" in multi


def test_the_report_says_how_many_operations_a_tops_counts(tmp_path):
    """TOPS/W and TOPS/mm² count 2 operations per MAC, and the report says so beside them (a reader comparing
    with a paper that counts 1 had no way to tell): its TOPS/W is 2 x MACs / energy in pJ"""
    out = _compare(tmp_path, "ops", "workload.vectors=16")
    md, data = (out / "report.md").read_text(), json.loads((out / "report.json").read_text())
    row = next(line for line in md.splitlines() if line.startswith("| TOPS/W, system (2 ops per MAC) |"))
    cim = data["cim"]
    assert float(row.split(" | ")[1]) == pytest.approx(2 * cim["macs"] / cim["energy_pj"]["total"], rel=1e-3)
    assert "| TOPS/mm² (2 ops per MAC, over the whole workload's latency) |" in md  # pipeline fill included: a
    # figure in the steady-state table that is none had read half the steady-state one at one vector (a probe)


def test_the_markdown_says_what_the_weight_load_adds_to_each_sides_assumptions(tmp_path):
    """report.md's "Including loading the weights once" table had stated none of what it assumed (the baseline's
    one-off load in series with the run: only report.json said so; probe, 2026-12-07)"""
    out = _compare(tmp_path, "load", "workload.vectors=200")
    md, data = (out / "report.md").read_text(), json.loads((out / "report.json").read_text())
    section = md[md.index("## Including loading the weights once"):md.index("## Assumptions")]
    steady, loaded = data["baseline"]["assumptions"], data["including_weight_load"]["baseline"]["assumptions"]
    added = [a for a in loaded if a not in steady]
    assert any("one-off weight load" in a for a in added)
    for a in added:
        assert f"- Baseline: {a}" in section
    assert "- CIM: Programming:" in section
    assert all(f"- Baseline: {a}" not in section for a in steady)


def test_a_digital_array_report_names_no_adc_and_no_analog_error():
    """a digital array's report had printed an ADC's full scale and clipping and called its exact sums "analog"
    (probe, 2026-12-05)"""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    result = CliRunner().invoke(main, ["run", f"{root}/configs/sram-cim.toml", "--set", 'array.family="digital"',
                                       "--set", "workload.vectors=8"])
    assert result.exit_code == 0, result.output
    text = result.output
    assert "No ADC: the adder trees sum the products exactly." in text and "conversions clipped" not in text
    assert "| digital CIM vs quantised digital (no error: the same sums) | 0 | inf |" in text
    assert "analog" not in text.split("Design:")[1].split("\n", 1)[1]
    estimate = CliRunner().invoke(main, ["estimate", f"{root}/configs/sram-cim.toml", "--set",
                                         'array.family="digital"'])
    assert "no DAC either: its 'dac' row prices the input-bit wires along each row, their charge and their drivers" \
        in estimate.output  # its row


def test_the_design_line_says_what_is_summed_before_a_conversion_and_the_charge_cells():
    """the design line had named only "planes" accumulation and never groups_per_conversion nor a charge array's
    capacitance and kT/C noise, so reports of different hardware (and accuracy) read the same (probe, 2026-12-05);
    a digital network's layer table had headed analog products and ADC clipping"""
    import cimsim
    from cimsim.report_design import design_line

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    mlp = f"{root}/configs/digits-mlp.toml"
    both = cimsim.as_config(mlp, {"adc.accumulation": "planes_and_slices", "adc.groups_per_conversion": 2,
                                  "array.rows_per_read": 32, "device.preset": "ideal"})
    assert "planes and slices summed before a conversion, 2 row groups a conversion)" in design_line(both)
    charge = cimsim.as_config(mlp, {"array.family": "charge", "array.cell_capacitance_ff": 0.2})
    assert "; charge cells of 0.2 fF, kT/C noise at 0.9 V)" in design_line(charge)
    plain = design_line(cimsim.as_config(mlp))
    assert "summed" not in plain and "charge cells" not in plain
    result = CliRunner().invoke(main, ["run", mlp, "--set", 'array.family="digital"', "--set", "workload.vectors=8"])
    assert result.exit_code == 0, result.output
    assert "| layer | relative error of its exact products | SNR (dB) | ADC clipped | inputs clipped |" in result.output
    assert "| 0 | 0 | inf | no ADC |" in result.output and "signed in the adders" in result.output


def test_the_tables_of_several_designs_say_what_their_tops_per_mm2_is_over():
    # the multi-design tables, headed "Steady state", had shown a whole-workload TOPS/mm² unlabelled (a review)
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    configs = [str(root / "configs" / "default.toml"), str(root / "configs" / "sram-cim.toml")]
    out = CliRunner().invoke(main, ["estimate", *configs, "--set", "workload.vectors=2"])
    assert out.exit_code == 0, out.output
    assert "TOPS/mm² over the whole workload's latency, pipeline fill included" in " ".join(out.output.split())


def test_a_multi_config_report_says_a_digital_design_has_no_adc():
    """the 'why each architecture spends' line of a digital design says it has no ADC (it had said 'ADCs take
    0.0 % of the area'); an analog design's gives its ADCs' share of the area"""
    import cimsim
    from cimsim.report_multi import multi_markdown

    analog = cimsim.compare(ROOT / "configs" / "default.toml", {"workload.vectors": 4})
    digital = cimsim.compare(ROOT / "configs" / "default.toml",
                             {"workload.vectors": 4, "array.family": "digital", "name": "dig"})
    lines = [line for line in multi_markdown([analog, digital]).splitlines() if line.startswith("- **")]
    share = 100 * analog.cim.area_um2["adc"] / sum(analog.cim.area_um2.values())
    assert lines[0].endswith(f"ADCs take {share:.1f} % of the area.") and share > 0
    assert lines[1].endswith("No ADC: its arrays sum digitally.")


def test_a_pulse_encoding_of_one_level_reads_is_a_voltage_read():
    """the neurram preset's pulse_count inputs read bit-serially (one level a read): the design line had said
    "pulse count inputs", the timing "pulse-count reads" and the products had left the int8 units for "pulse inputs",
    where the run is identical to voltage reads (a configs probe)"""
    from cimsim.mapping import plan_layer
    from cimsim.numerics.products import off_the_units
    from cimsim.report_design import design_line

    serial = config_from_dict({"preset": "neurram", "dac": {"mode": "bit_serial"}})
    assert serial.dac.encoding == "pulse_count" and plan_layer(serial).dac_encoding == "voltage"
    assert "pulse" not in design_line(serial) and off_the_units(plan_layer(serial), False) is None
    parallel = config_from_dict({"preset": "neurram"})
    assert plan_layer(parallel).dac_encoding == "pulse_count" and "pulse count inputs" in design_line(parallel)
    assert "pulse inputs" in off_the_units(plan_layer(parallel), False)


def test_the_design_line_says_a_preset_read_at_its_drift_reference_time_has_not_drifted_and_enob_only_prices():
    """the pcm preset read at drift_t0_s had been listed as drifting and compensated (every gain 1: nothing drifts),
    and a stated ENOB, which prices the converter only, went unsaid beside the simulated converter (a numerics probe)"""
    from cimsim.report_design import design_line

    at_t0 = design_line(config_from_dict({"device": {"preset": "pcm", "drift_time_s": 20.0}}))
    assert "no drift yet (read at drift_t0_s, 20 s)" in at_t0 and "drift nu" not in at_t0
    later = design_line(config_from_dict({"device": {"preset": "pcm", "drift_time_s": 3600.0}}))
    assert "drift nu 0.049 +/- 0.008 after 3600 s" in later
    enob = design_line(config_from_dict({"adc": {"enob": 4.0}}))
    assert "ENOB 4 for the cost model alone, the numerics converting at 8 bits" in enob


def test_a_source_path_holding_a_backtick_keeps_its_code_span(tmp_path):
    """a path with a backtick had closed the table's one-backtick code span early (a reports probe, 2026-12-07)"""
    from cimsim.argcheck import code_span

    assert code_span("a`b") == "``a`b``" and code_span("`a") == "`` `a ``" and code_span("ab") == "`ab`"
    odd = tmp_path / "x`y.toml"
    odd.write_text((Path(__file__).resolve().parents[1] / "configs" / "default.toml").read_text())
    plain = tmp_path / "plain.toml"
    plain.write_text(odd.read_text())
    result = CliRunner().invoke(main, ["estimate", str(odd), str(plain)])
    assert result.exit_code == 0, result.output
    assert f"(``{odd}``)" in result.output and f"(`{plain}`)" in result.output
    single = CliRunner().invoke(main, ["compare", str(odd), "--set", "workload.vectors=20", "-o", str(tmp_path / "o")])
    assert single.exit_code == 0 and f"Config ``{odd}``, seed" in (tmp_path / "o" / "report.md").read_text()


def test_designs_side_by_side_show_the_macro_alone_tops_per_w_beside_the_systems():
    """the table of several designs had shown only the system's TOPS/W (DRAM 70-96 % of its energy) under 'TOPS/W',
    where each design's own report gives the macro's too, the figure papers quote (a chips probe)"""
    import cimsim
    from cimsim.report import _macro_tops_per_w
    from cimsim.report_multi import multi_markdown

    comps = [cimsim.compare(ROOT / "configs" / "default.toml", {"workload.vectors": 4}),
             cimsim.compare(ROOT / "configs" / "sram-cim.toml", {"workload.vectors": 4})]
    text = multi_markdown(comps)
    assert "| TOPS/W | macro TOPS/W | TOPS/mm² |" in text and "macro TOPS/W: arrays and converters alone" in text
    for comp in comps:
        row = next(line for line in text.splitlines() if line.startswith(f"| {comp.cim.name} ("))
        cells = [c.strip() for c in row.split("|")]
        assert cells[7:9] == [f"{comp.cim.tops_per_w:.4g}", f"{_macro_tops_per_w(comp.cim):.4g}"]
    baseline = next(line for line in text.splitlines() if line.startswith("| baseline"))
    assert [c.strip() for c in baseline.split("|")][8] == "-"
    out = CliRunner().invoke(main, ["estimate", str(ROOT / "configs" / "default.toml"),
                                    str(ROOT / "configs" / "sram-cim.toml"), "--set", "workload.vectors=2"])
    assert out.exit_code == 0 and "| TOPS/W | macro TOPS/W | TOPS/mm² |" in out.output
