"""Messages of round 57: a sweep spec's misspelt field or kind gets the suggestion a config file's gets, pareto's
misspelt column too, pareto refuses one column as both objectives, and compare given one config twice says so."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from cimsim.cli import main

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = (ROOT / "configs" / "default.toml").as_posix()
RESULTS = "point_id,adc.bits,energy_pj,area_mm2,status\na,4,1.0,2.0,ok\nb,5,2.0,1.0,ok\n"


def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def sweep_spec(tmp_path, text):
    spec = tmp_path / "spec.toml"
    spec.write_text(f'base = "{DEFAULT}"\n{text}')
    return invoke("sweep", spec, "-o", tmp_path / "out.csv"), spec


@pytest.mark.parametrize("text, message", [
    ('[axes]\n"adc.bit" = [4, 5]', "axes.'adc.bit': no config field 'adc.bit'; did you mean 'adc.bits'?"),
    ('[axes]\n"ADC.bits" = [4, 5]', "no config field 'ADC.bits'; did you mean 'adc.bits'? (keys are lower case)"),
    ('[axes.adc]\nbit = [4, 5]', "no config field 'adc.bit'; did you mean 'adc.bits'?"),
    ('[axes]\n"adc.bits" = [4, 5]\n[set]\n"adc.bitz" = 4', "[set] unknown key 'adc.bitz'; did you mean 'adc.bits'?"),
    ('[axes]\n"adc.bits" = [4, 5]\n[set.dac]\nmod = "sliced"', "unknown key 'dac.mod'; did you mean 'dac.mode'?"),
])
def test_a_sweep_specs_misspelt_field_gets_the_nearest_field(tmp_path, text, message):
    """an axis had said "no config field 'adc.bit'" with no suggestion, where a config file and --set suggest one"""
    result, spec = sweep_spec(tmp_path, text)
    assert result.exit_code == 2, result.output
    assert f"{spec}: " in result.output and message in result.output, result.output


def test_a_sweep_axis_far_from_any_field_still_says_how_fields_are_written(tmp_path):
    result, spec = sweep_spec(tmp_path, '[axes]\n"zzzzzz" = [4, 5]')
    assert result.exit_code == 2, result.output
    assert "no config field 'zzzzzz' (fields are 'table.field', e.g. 'adc.bits')" in result.output
    assert "did you mean" not in result.output


@pytest.mark.parametrize("text, message", [
    ('kind = "Functional"', "'kind' must be one of analytic, functional; got \"Functional\"; did you mean "
                            "\"functional\"? (values are lower case)"),
    ('kind = "analytc"', "'kind' must be one of analytic, functional; got \"analytc\"; did you mean \"analytic\"?"),
    ('mode = "Grid"', "'mode' must be one of grid, random; got \"Grid\"; did you mean \"grid\"? (values are lower "
                      "case)"),
    ('kind = 3', "'kind' must be one of analytic, functional; got 3"),
])
def test_a_sweep_specs_kind_in_another_case_gets_the_lower_case_hint(tmp_path, text, message):
    """kind = "Functional" had said "got 'Functional'" with no hint, where a config's choice field gives one"""
    result, spec = sweep_spec(tmp_path, f'{text}\n[axes]\n"adc.bits" = [4, 5]')
    assert result.exit_code == 2, result.output
    assert f"{spec}: {message}" in result.output, result.output


@pytest.mark.parametrize("args, message", [
    (["--x", "energy_pjj", "--y", "area_mm2"], "no column 'energy_pjj' for x (--x); columns: point_id, adc.bits, "
                                               "energy_pj, area_mm2, status; did you mean \"energy_pj\"?"),
    (["--x", "energy_pj", "--y", "Area_mm2"], "no column 'Area_mm2' for y (--y); columns: point_id, adc.bits, "
                                              "energy_pj, area_mm2, status; did you mean \"area_mm2\"?"),
])
def test_pareto_suggests_the_nearest_column(tmp_path, args, message):
    """--x energy_pjj had listed the columns with no suggestion"""
    results = tmp_path / "r.csv"
    results.write_text(RESULTS)
    result = invoke("pareto", results, *args)
    assert result.exit_code == 2, result.output
    assert f"{results}: {message}" in result.output, result.output


@pytest.mark.parametrize("flags", [[], ["--maximize-y"]])
def test_pareto_refuses_one_column_as_both_objectives(tmp_path, flags):
    """--x energy_pj --y energy_pj had been accepted, printing a one-point front"""
    results = tmp_path / "r.csv"
    results.write_text(RESULTS)
    result = invoke("pareto", results, "--x", "energy_pj", "--y", "energy_pj", *flags)
    assert result.exit_code == 2, result.output
    assert "Pareto front" not in result.output
    assert "x and y (--x, --y) both name the column 'energy_pj'" in result.output, result.output
    assert "a front trades two different columns" in result.output


def test_pareto_api_refuses_one_column_as_both_objectives(tmp_path):
    from cimsim.errors import ConfigError
    from cimsim.sweep import pareto_front, read_table

    results = tmp_path / "r.csv"
    results.write_text(RESULTS)
    with pytest.raises(ConfigError, match=r"x and y \(--x, --y\) both name the column 'area_mm2'"):
        pareto_front(read_table(results), "area_mm2", "area_mm2")


@pytest.mark.parametrize("output", [True, False])
@pytest.mark.parametrize("second", ["same", "dotted"])
def test_compare_of_one_config_twice_says_it_is_given_twice(tmp_path, monkeypatch, second, output):
    """it had said "give them names that differ in more than case" of two identical names of one file (with -o),
    "configs must have distinct names" (without)"""
    monkeypatch.chdir(tmp_path)
    Path("configs").mkdir()
    shutil.copy(DEFAULT, "configs/a.toml")
    other = "configs/a.toml" if second == "same" else "./configs/../configs/a.toml"
    result = invoke("compare", "configs/a.toml", other, *(["-o", "d"] if output else []))
    assert result.exit_code == 2, result.output
    said = ("configs/a.toml is given twice" if second == "same" else
            f"configs/a.toml and {other} are one file, given twice")
    assert f"{said}: compare it against another config" in result.output, result.output
    assert "differ in more than case" not in result.output
    assert not Path("d").exists()


def test_compare_of_two_configs_of_one_name_says_to_rename_one(tmp_path):
    a, b = tmp_path / "a.toml", tmp_path / "b.toml"
    shutil.copy(DEFAULT, a)
    shutil.copy(DEFAULT, b)
    result = invoke("compare", a, b, "-o", tmp_path / "d")
    assert result.exit_code == 2, result.output
    assert (f"{a} and {b} both have name = 'default': one report folder; give one of them another name"
            in result.output), result.output
    assert "differ in more than case" not in result.output


def test_compare_of_names_differing_in_case_only_still_says_so(tmp_path):
    a, b = tmp_path / "a.toml", tmp_path / "b.toml"
    shutil.copy(DEFAULT, a)
    b.write_text(Path(DEFAULT).read_text().replace('name = "default"', 'name = "Default"', 1))
    result = invoke("compare", a, b, "-o", tmp_path / "d")
    assert result.exit_code == 2, result.output
    assert "have names 'default' and 'Default': one report folder; give them names that differ in more than case" \
        in result.output


@pytest.mark.parametrize("x, y", [("point_id", "energy_pj"), ("energy_pj", "status")])
def test_pareto_refuses_a_bookkeeping_column_as_an_objective(tmp_path, x, y):
    """--x point_id had ranked the hex ids that parse as floats ('4030380000000000', '1e5...') as numbers, a 'front'
    whose ids showed as inf and 4.03038e+15 (a probe)"""
    results = tmp_path / "r.csv"
    results.write_text(RESULTS)
    result = invoke("pareto", results, "--x", x, "--y", y)
    assert result.exit_code == 2, result.output
    opt, column = ("x", x) if x == "point_id" else ("y", y)
    assert (f"{results}: '{column}' (--{opt}) is a column of the results' bookkeeping, not a measure: give an "
            "objective or axis column") in result.output, result.output


def test_pareto_ranks_a_column_named_error_of_a_table_that_is_no_sweeps(tmp_path):
    """'error' is a natural measure's name in a table of one's own: refused as bookkeeping there too (a review)"""
    mine = tmp_path / "mine.csv"
    mine.write_text("design,energy_pj,error\nA,1.0,0.30\nB,2.0,0.10\nC,3.0,0.20\n")
    result = invoke("pareto", mine, "--x", "energy_pj", "--y", "error")
    assert result.exit_code == 0, result.output
    assert "| 1 | 0.3 |" in result.output and "| 2 | 0.1 |" in result.output and "| 3 |" not in result.output


def test_pareto_refuses_point_id_of_a_sweep_table_that_lost_its_status_column(tmp_path):
    """a sweep table trimmed of its status column had its hex ids ranked as numbers again (a review)"""
    trimmed = tmp_path / "t.csv"
    trimmed.write_text("point_id,latency_ns\n2e10,5\nabc,3\n4e1f,2\n")
    result = invoke("pareto", trimmed, "--x", "point_id", "--y", "latency_ns")
    assert result.exit_code == 2 and "'point_id' (--x) is a column of the results' bookkeeping" in result.output
