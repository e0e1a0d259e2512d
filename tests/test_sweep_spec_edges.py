"""Edges of a sweep spec and of its results file: preset axes holding a list, an empty axes sub-table, ranges whose
count overflows or whose float sums drift, a non-string description, the hard-link lock on a results file the sweep
makes or rewrites, and a results file with a UTF-8 byte-order mark."""

from __future__ import annotations

import decimal
import math
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from cimsim.cli import main
from cimsim.errors import ConfigError
from cimsim.sweep import OutputLocked, expand, run_sweep, spec_from_dict
from cimsim.sweep.lock import output_lock
from cimsim.sweep.results import append_rows, columns, write_rows

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = (ROOT / "configs" / "default.toml").as_posix()
AXES = {"adc.bits": [4, 8], "device.bits_per_cell": {"start": 1, "stop": 3, "step": 1}}


def refused(spec: dict, *fragments: str) -> str:
    with pytest.raises(ConfigError) as info:
        spec_from_dict({"base": DEFAULT, **spec})
    for fragment in fragments:
        assert fragment in str(info.value), str(info.value)
    return str(info.value)


def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def range_values(field: str, start, stop, step) -> tuple:
    axes = {field: {"start": start, "stop": stop, "step": step}}
    return spec_from_dict({"base": DEFAULT, "axes": axes}).axes[0].values


@pytest.mark.parametrize("field, value, toml", [("device.preset", ["rram"], '[["rram"]]'),
                                               ("baseline.preset", {"name": "a100"}, '[{name = "a100"}]')])
def test_a_preset_axis_holding_a_list_or_a_table_is_refused_by_name(tmp_path, field, value, toml):
    """a list or an inline table had been tested for membership in the preset names: TypeError, unhashable (exit 1)"""
    refused({"axes": {field: [value]}}, f"axes.'{field}': '{field}' must be one of", f"got {value!r}")
    spec = tmp_path / "spec.toml"
    spec.write_text(f'base = "{DEFAULT}"\n[axes]\n"{field}" = {toml}\n')
    result = invoke("sweep", spec, "-o", tmp_path / "r.csv")
    assert result.exit_code == 2 and "must be one of" in result.output and "internal error" not in result.output


@pytest.mark.parametrize("sampling", [{}, {"mode": "random", "samples": 3}])
def test_an_axes_table_of_empty_sub_tables_is_no_axis(sampling):
    """[axes.adc] alone had run the base once (grid) or failed in numpy's sampling (random)"""
    refused({"axes": {"adc": {}}, **sampling}, "[axes] must be a table of at least one dotted config field")
    refused({"axes": {"adc": {}, "dac": {}}, **sampling}, "[axes] must be a table of at least one")
    # beside a real axis, an empty sub-table had passed unsaid (the axis meant for it left out)
    refused({"axes": {"adc.bits": [4, 6], "dac": {}}, **sampling}, "[axes.dac] is empty: give it the fields to vary")
    refused({"axes": {"adc.bits": [4, 6]}, "set": {"dac": {}}, **sampling}, "[set.dac] is empty: give it the fields "
            "to set, or leave it out")  # it had passed, the field meant for it unset


@pytest.mark.parametrize("field, start, stop, step", [("technology.vdd_v", 0.5, 0.9, 1e-320),
                                                      ("adc.offset_lsb", -1.7e308, 1.7e308, 1.0)])
def test_a_range_whose_count_overflows_a_float_is_too_many_values(field, start, stop, step):
    """(stop - start) / step had been infinite: OverflowError, an internal error, not the spec's own message"""
    message = refused({"axes": {field: {"start": start, "stop": stop, "step": step}}},
                      f"axes.'{field}': the range has about ", "values, above the 1000000 points")
    count = (decimal.Decimal(repr(stop)) - decimal.Decimal(repr(start))) / decimal.Decimal(repr(step))
    assert f"{count:.3g}".split("e")[1] in message  # the order of magnitude said


def test_a_float_range_holds_its_stop_and_no_float_noise_at_any_magnitude():
    """float sums had dropped the stop (65536.1 to 65536.12 by 0.01: two values) and written 12345.800000000001"""
    for start, stop, step, count in [(65536.1, 65536.12, 0.01, 3), (999999.1, 999999.2, 0.01, 11),
                                     (12345.6, 12346.6, 0.1, 11), (1e-13, 1e-12, 1e-13, 10), (0.5, 0.9, 0.1, 5)]:
        values = range_values("baseline.sram_kib" if start > 1 else "adc.offset_lsb", start, stop, step)
        exact = [decimal.Decimal(repr(start)) + k * decimal.Decimal(repr(step)) for k in range(count)]
        assert values == tuple(float(v) for v in exact), (start, stop, step)
        assert values[-1] == stop
    computed = range_values("adc.offset_lsb", 0.1 * 3, 0.9, 0.1)  # an end computed in floats: 0.30000000000000004
    assert len(computed) == 7 and computed[-1] == 0.9


def test_a_range_of_one_value_with_a_step_below_its_ulps_holds_that_value():
    """the float slack (8 ulps of the larger end) had been counted in steps however small the step: 22 to 22 by
    1e-20 had 2 842 171 values, 9.99 to 9.99 by 1.2e-14 two, the second past the stop (a bad-config probe)"""
    assert range_values("technology.node_nm", 22.0, 22.0, 1e-20) == (22.0,)
    assert range_values("technology.vdd_v", 0.99, 0.99, 1.2e-14) == (0.99,)
    assert range_values("adc.offset_lsb", 9.99, 9.99, 1.2e-14) == (9.99,)


def test_clean_float_ranges_keep_the_values_they_had():
    """resume compares a results file's axis cells: the values the old sums rounded to 12 places gave stay as they
    were wherever those were the decimals as written"""
    for start in (-2.5, 0.0, 0.05, 1.25, 7.0, 123.4):
        for step in (0.001, 0.01, 0.05, 0.1, 0.25, 0.3, 1.5):
            stop = start + 40 * step
            old = tuple(round(start + k * step, 12) for k in range(int((stop - start) / step + 1e-9) + 1))
            assert range_values("adc.offset_lsb", start, stop, step) == old, (start, step)


@pytest.mark.parametrize("table, key", [({"start": 4, "stop": 8, "step": 2.0}, "'step' (2.0)"),
                                        ({"start": 4.0, "stop": 8, "step": 2}, "'start' (4.0)")])
def test_an_integer_field_says_a_float_in_its_range_made_every_value_a_float(table, key):
    """'adc.bits' = {start = 4, stop = 8, step = 2.0} had said only that the range reaches 4.0, an integer"""
    text = refused({"axes": {"adc.bits": table}}, f"the range reaches 4.0 and 8.0, a float: {key} written as a float "
                   "makes every value of the range one; write integers")
    assert text.count("the range reaches") == 1  # one problem, one line (each end had had its own)
    text = refused({"axes": {"adc.bits": {**table, "stop": 20}}}, "reaches 4.0, a float")
    assert text.endswith("the range reaches 20.0")  # out of range as an integer too: no word on floats
    refused({"axes": {"adc.bits": {"start": 4, "stop": 20, "step": 2}}}, "the range reaches 20")


def test_an_integer_field_says_a_fractional_step_makes_values_that_are_no_whole_numbers():
    """a step of 0.5 had been told by the range's (whole) ends alone (a probe)"""
    text = refused({"axes": {"adc.bits": {"start": 4, "stop": 6, "step": 0.5}}},
                   "the range reaches 4.0 and 6.0; with 'step' (0.5) the values between the ends are no whole numbers "
                   "either: an integer field takes an integer start, stop and step")
    assert text.count("the range reaches") == 1
    for one_value in ({"start": 4, "stop": 5, "step": 1.5}, {"start": 4, "stop": 4, "step": 0.5}):  # no values between
        refused({"axes": {"adc.bits": one_value}}, "the range reaches 4.0, a float: 'step' (")


def test_a_step_below_the_values_digits_is_refused_rather_than_repeating_values():
    refused({"axes": {"adc.offset_lsb": {"start": 1.0, "stop": 1.000000000000001, "step": 1e-17}}},
            "axes.'adc.offset_lsb': the step is below the 15 significant digits of its values")


@pytest.mark.parametrize("description", [5, ["a", "b"], {"text": "x"}])
def test_a_description_that_is_not_text_is_refused(description):
    refused({"axes": AXES, "description": description}, "description", "'description' must be a string")
    assert spec_from_dict({"base": DEFAULT, "axes": AXES, "description": "free text"}).axes


def test_a_sweep_writing_to_anothers_lock_file_is_told_so(tmp_path):
    """-o naming a running sweep's lock file is refused saying so (it had blamed a hard link that was not there)"""
    out = tmp_path / "r.csv"
    with output_lock(out):
        with pytest.raises(OutputLocked, match=r"holds this file as the lock file of its results file \(r\.csv\); "
                                               r"write to another file \(-o\)"):
            with output_lock(tmp_path / "r.csv.lock"):
                pass


def test_a_results_file_made_or_rewritten_under_the_lock_is_held_against_a_hard_link(tmp_path):
    """the file itself had been locked only where it existed when the lock was taken: a file the sweep made, or
    replaced (atomically: a new inode), was open to a second sweep through a hard link"""
    spec = spec_from_dict({"base": DEFAULT, "axes": AXES})
    out, header = tmp_path / "r.csv", columns(spec)
    with output_lock(out):
        append_rows(out, header, [])  # made under the lock
        os.link(out, tmp_path / "made.csv")
        with pytest.raises(OutputLocked, match="through another name: a hard link"):
            with output_lock(tmp_path / "made.csv"):
                pass
        write_rows(out, header, {})  # replaced by a new file
        os.link(out, tmp_path / "rewritten.csv")
        with pytest.raises(OutputLocked, match="through another name: a hard link"):
            with output_lock(tmp_path / "rewritten.csv"):
                pass
    with output_lock(tmp_path / "rewritten.csv"):  # released with the lock
        pass
    write_rows(tmp_path / "other.csv", header, {})  # no lock held: written as before
    assert (tmp_path / "other.csv").read_text() == out.read_text()


@pytest.mark.parametrize("start", ["", "torn"])
def test_a_sweep_holds_the_file_it_makes_or_rewrites_against_a_hard_link(tmp_path, start):
    """a whole run: a hard link made while it runs, after it made the file or rewrote a torn one"""
    spec = spec_from_dict({"base": DEFAULT, "axes": AXES})
    out, tries = tmp_path / "r.csv", []
    if start:
        out.write_text(",".join(columns(spec)) + "\nabc,4")

    def progress(done: int, failed: int, total: int) -> None:
        if tries or not out.exists():
            return
        link = tmp_path / f"link{len(tries)}.csv"
        os.link(out, link)
        try:
            with output_lock(link):
                tries.append("taken")
        except OutputLocked as exc:
            tries.append(str(exc))

    summary = run_sweep(spec, out, workers=1, progress=progress)
    assert summary.complete and len(tries) == 1 and "through another name: a hard link" in tries[0], tries
    assert len(out.read_text().splitlines()) == 1 + len(expand(spec))


def test_a_results_file_with_a_byte_order_mark_resumes(tmp_path):
    """a file saved as "CSV UTF-8" (a BOM first) had been refused: its columns looked the same as the sweep's"""
    spec = tmp_path / "spec.toml"
    spec.write_text(f'base = "{DEFAULT}"\n[axes]\n"adc.bits" = [4, 6, 8]\n')
    fresh = tmp_path / "fresh.csv"
    assert invoke("sweep", spec, "-o", fresh, "--workers", 1).exit_code == 0
    text = fresh.read_text(encoding="utf-8")
    part = "".join(text.splitlines(keepends=True)[:2])  # the header and one row
    for name, kept in (("whole.csv", text), ("part.csv", part), ("mark.csv", "")):
        out = tmp_path / name
        out.write_bytes(b"\xef\xbb\xbf" + kept.encode("utf-8"))
        result = invoke("sweep", spec, "-o", out, "--workers", 1)
        assert result.exit_code == 0, (name, result.output)
        assert out.read_bytes() == fresh.read_bytes(), name  # the mark dropped by the rewrite, the rows the same


def test_minus_zero_is_the_point_of_zero():
    """'[0, 0.0, -0.0]' had run two points: -0.0 hashed apart from 0.0 for one and the same config; the three are one
    value listed three times, refused as [6, 6, 8] is; -0.0 alone runs as 0.0"""
    with pytest.raises(ConfigError, match="lists a value twice"):
        spec_from_dict({"base": DEFAULT, "axes": {"device.read_noise_sigma": [0, 0.0, -0.0, 0.1]}})
    points = expand(spec_from_dict({"base": DEFAULT, "axes": {"device.read_noise_sigma": [-0.0, 0.1]}}))
    assert len(points) == 2 and all(math.copysign(1.0, p.values[0]) == 1.0 for p in points)


def test_one_file_spelled_two_ways_on_an_axis_is_refused_as_a_value_twice(tmp_path):
    """data/w.npy, ./data/w.npy and its absolute path had been merged into one point without a word (22 and 22.0
    are refused as one value twice)"""
    import numpy as np

    (tmp_path / "data").mkdir()
    np.save(tmp_path / "data" / "w.npy", np.ones((8, 16)))
    np.save(tmp_path / "data" / "v.npy", np.ones((8, 16)))
    base = {"base": DEFAULT, "kind": "analytic", "set": {"workload.weights": "file", "workload.in_features": 16,
                                                          "workload.out_features": 8}}
    same = ["data/w.npy", "./data/w.npy", str(tmp_path / "data" / "w.npy")]
    with pytest.raises(ConfigError, match="lists a value twice"):
        spec_from_dict({**base, "axes": {"workload.weights_file": same}}, base_dir=tmp_path)
    spec = spec_from_dict({**base, "axes": {"workload.weights_file": ["data/w.npy", "data/v.npy"]}}, base_dir=tmp_path)
    assert len(expand(spec)) == 2


def test_no_grid_is_counted_without_a_refused_axis():
    """probe of 2026-12-04: a random sweep of 5 samples over adc.bits {4..8 step 2.0} x 2 rows_per_read was told that
    5 samples exceed 'the 2 points of the grid' (the refused axis not counted: the grid is 3 x 2)"""
    message = refused({"mode": "random", "samples": 5, "axes": {
        "adc.bits": {"start": 4, "stop": 8, "step": 2.0}, "array.rows_per_read": [64, 128]}}, "write integers")
    assert "samples" not in message


def test_a_network_sweep_without_its_network_file_is_refused_before_it_runs(tmp_path):
    """[set] workload.kind = "network" with no network_file had run every point to a failed row, exit 0"""
    base = str(Path(__file__).resolve().parents[1] / "configs" / "default.toml")
    with pytest.raises(ConfigError, match=r"a network workload needs 'workload.network_file' \(a sweep has no network "
                                          r"in memory\)"):
        spec_from_dict({"base": base, "set": {"workload.kind": "network"}, "axes": {"adc.bits": [4, 6]}})


def test_an_empty_network_file_axis_is_refused_once(tmp_path):
    """the empty axis named, not also the network file no point has (its axis was refused, not missing)"""
    base = tmp_path / "net.toml"
    base.write_text('[workload]\nkind = "network"\n')
    with pytest.raises(ConfigError) as refused:
        spec_from_dict({"base": str(base), "axes": {"workload.network_file": []}})
    assert [key for key, _ in refused.value.errors] == ["axes.'workload.network_file'"]


def test_a_range_end_problem_names_no_float_where_the_step_is_fractional_nor_one_value_twice():
    """a step of 0.5 on an integer field had been told to write its numbers as integers, which it cannot, and a range
    of one value had said it reached it twice (a review, 2026-12-06)"""
    half = refused({"axes": {"adc.bits": {"start": 4, "stop": 8, "step": 0.5}}}, "'adc.bits' must be an integer")
    assert "write integers" not in half
    one = refused({"axes": {"adc.bits": {"start": 40, "stop": 40, "step": 1}}}, "the range reaches 40")
    assert "40 and 40" not in one


def test_axes_valid_at_no_point_are_refused_as_their_values_in_set_would_be(tmp_path):
    """a one-value axis breaking a rule between fields at every point (dac.input_max with per-vector ranges) had
    run, every row failed (exit 1, a results file of failures), where the same value in [set] is refused (exit 2,
    no file; a bad-configs probe): the sweep is refused naming the first point; an axis with one valid value runs"""
    per_vector = {"dac.input_range": "per_vector"}
    refused({"set": per_vector, "axes": {"dac.input_max": [1.0], "adc.bits": [4, 5]}},
            "axes are valid at no point of the sweep (its first: dac.input_max = 1.0, adc.bits = 4)",
            "'dac.input_max' applies only when 'dac.input_range' is \"fixed\"")
    refused({"set": {"baseline.sram_kib": 2.0}, "axes": {"baseline.onchip_banks": [4, 8]}}, "valid at no point",
            "baseline.onchip_banks = 4")  # banks of 0.5 and 0.25 KiB
    spec = spec_from_dict({"base": DEFAULT, "set": {"baseline.sram_kib": 2.0},
                           "axes": {"baseline.onchip_banks": [4, 2]}})  # the second point runs
    assert spec.axes[0].values == (4, 2)
    # each point is checked as it runs: a preset axis replaces its table, the [set] fields of it stated again on top
    # (the first check had left them out and refused this valid sweep; a review)
    valid = spec_from_dict({"preset": "neurram", "set": {"device.bits_per_cell": 3},
                            "axes": {"device.preset": ["rram", "pcm"]}})
    assert len(expand(valid)) == 2 and all(p.config is not None for p in expand(valid))
    with pytest.raises(ConfigError) as info:  # a rule failing on a [set] field: named as such
        spec_from_dict({"base": DEFAULT, "set": {"device.bits_per_cell": 3}, "axes": {"mapping.weight_bits": [2]}})
    assert [f for f, _ in info.value.errors] == ["set.'device.bits_per_cell'"], info.value.errors
    file = tmp_path / "spec.toml"
    file.write_text(f'base = "{DEFAULT}"\n[set]\n"dac.input_range" = "per_vector"\n[axes]\n"dac.input_max" = [1.0]\n')
    result = invoke("sweep", file, "-o", tmp_path / "r.csv")
    assert result.exit_code == 2 and "valid at no point" in result.output and not (tmp_path / "r.csv").exists()


def test_a_random_sweep_without_samples_says_they_are_missing():
    """a spec that states no 'samples' had been told "got None", a value it never wrote (a bad-configs probe)"""
    message = refused({"mode": "random", "axes": {"adc.bits": [4, 5, 6]}},
                      "'samples' must be an integer >= 1 with mode = \"random\"; it is missing")
    assert "None" not in message


def test_a_scripts_spec_takes_its_base_as_a_path():
    """spec_from_dict refused a pathlib.Path base ('must be a non-empty string'), which every other API call taking
    a file takes (probe, 2026-12-07)"""
    spec = spec_from_dict({"base": Path(DEFAULT), "axes": {"adc.bits": [4, 6]}})
    assert spec == spec_from_dict({"base": str(DEFAULT), "axes": {"adc.bits": [4, 6]}})
