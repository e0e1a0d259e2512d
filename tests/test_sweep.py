"""Design-space sweeps: spec validation, points and ids, local and Dask execution, resume after a kill, Pareto."""

from __future__ import annotations

import csv
import hashlib
import json
import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

import cimsim.errors
from cimsim.cli import main
from cimsim.comparison import compare, price_from_shapes
from cimsim.config import config_to_dict, load_config, with_overrides
from cimsim.sweep import COST_METRICS, OutputLocked, expand, load_spec, pareto_front, read_table, spec_from_dict
from cimsim.sweep.points import identity, point_id
from cimsim.sweep import lock
from cimsim.sweep.lock import lock_path, output_lock

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = (ROOT / "configs" / "default.toml").as_posix()

FUNCTIONAL = f"""
base = "{DEFAULT}"
kind = "functional"
objectives = ["relative_error", "energy_pj", "area_mm2"]
[axes]
"adc.bits" = [4, 6, 8]
"array.rows_per_read" = [128, 256]
[set]
"workload.vectors" = 200
"""

ANALYTIC = f"""
base = "{DEFAULT}"
[axes]
"adc.bits" = [4, 8]
"device.bits_per_cell" = {{ start = 1, stop = 3, step = 1 }}
"""


def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def write(tmp_path, text, name="spec.toml"):
    path = tmp_path / name
    path.write_text(text)
    return path


@pytest.fixture(scope="module")
def analytic_file(tmp_path_factory) -> bytes:
    """the finished results file of ANALYTIC (two workers), swept once for the tests that start from it"""
    folder = tmp_path_factory.mktemp("analytic")
    result = invoke("sweep", write(folder, ANALYTIC), "-o", folder / "r.csv", "--workers", 2)
    assert result.exit_code == 0, result.output
    return (folder / "r.csv").read_bytes()


def read_rows(path):
    text = Path(path).read_text()
    assert text.endswith("\n")
    rows = list(csv.DictReader(text.splitlines()))
    assert len({r["point_id"] for r in rows}) == len(rows), "duplicate point ids"
    return rows


def test_local_sweep_gives_one_row_per_point_with_the_direct_numbers(tmp_path, analytic_file):
    spec = write(tmp_path, ANALYTIC)
    out = tmp_path / "r.csv"
    out.write_bytes(analytic_file)  # the file the sweep made with two workers
    rows = read_rows(out)
    points = expand(load_spec(spec))
    assert [r["point_id"] for r in rows] == [p.id for p in points]  # finished file in point order
    assert [(r["adc.bits"], r["device.bits_per_cell"]) for r in rows] == [
        (a, b) for a in ("4", "8") for b in ("1", "2", "3")]
    assert {r["status"] for r in rows} == {"ok"} and {r["error"] for r in rows} == {""}
    # the id is the sha256 of the point's identity (its config's tables less how it is run, and its kind) as
    # canonical JSON; the numbers are the cost models'
    cfg = with_overrides(load_config(DEFAULT), {"adc.bits": 8, "device.bits_per_cell": 3})
    canonical = json.dumps(identity(cfg, "analytic"), sort_keys=True, separators=(",", ":"))
    assert "batch_size" in config_to_dict(cfg)["simulation"] and "batch_size" not in identity(cfg)["simulation"]
    cell = with_overrides(cfg, {"device.read_noise_path": "cell", "device.read_noise_sigma": 0.01})  # its noise
    assert "batch_size" not in identity(cell)["simulation"]  # keyed by vector, as the output path's: not the chunking
    row = rows[-1]
    assert row["point_id"] == hashlib.sha256(canonical.encode()).hexdigest()[:16]
    cim, base = price_from_shapes(cfg)
    assert float(row["energy_pj"]) == cim.total_energy_pj / cim.mvms
    assert float(row["area_mm2"]) == cim.area_mm2
    assert float(row["energy_gain"]) == base.total_energy_pj / cim.total_energy_pj
    # ADC bits change the energy; a re-run finds every point done and runs nothing
    assert float(rows[0]["energy_pj"]) != float(rows[3]["energy_pj"])
    again = invoke("sweep", spec, "-o", out)
    assert again.exit_code == 0 and "; 6 of them from an earlier run" in again.output
    assert read_rows(out) == rows


@pytest.mark.parametrize("name", ["digits-mlp.toml", "digits-cnn.toml", "default.toml"])
def test_costs_from_shapes_equal_the_simulated_ones_where_the_data_do_not_matter(name):
    """Analytic pricing of a network (or a layer) against pricing what was simulated: latency, throughput, area
    and the baseline agree exactly; the CIM energy only by the estimated row activations and array energy."""
    cfg = with_overrides(load_config(ROOT / "configs" / name), {"workload.vectors": 60})
    simulated = compare(cfg)
    cim, base = price_from_shapes(cfg)
    assert cim.mvms == simulated.cim.mvms
    assert (cim.latency_ns, cim.interval_ns, cim.area_mm2) == (
        simulated.cim.latency_ns, simulated.cim.interval_ns, simulated.cim.area_mm2)
    assert (base.total_energy_pj, base.latency_ns) == (simulated.baseline.total_energy_pj,
                                                       simulated.baseline.latency_ns)
    assert cim.total_energy_pj == pytest.approx(simulated.cim.total_energy_pj, rel=0.05)
    assert cim.energy_pj["adc"] == simulated.cim.energy_pj["adc"]  # conversions do not depend on the data


def test_analytic_sweep_of_a_network_prices_every_point_from_shapes(tmp_path):
    spec = write(tmp_path, f"""
base = "{(ROOT / 'configs' / 'digits-cnn.toml').as_posix()}"
kind = "analytic"
[axes]
"adc.bits" = [4, 8]
[set]
"workload.vectors" = 100
""")
    out = tmp_path / "r.csv"
    result = invoke("sweep", spec, "-o", out, "--workers", 1)
    assert result.exit_code == 0, result.output
    rows = read_rows(out)
    assert [r["status"] for r in rows] == ["ok", "ok"] and "accuracy" not in rows[0]
    cfg = with_overrides(load_config(ROOT / "configs" / "digits-cnn.toml"), {"workload.vectors": 100, "adc.bits": 8})
    cim, _ = price_from_shapes(cfg)
    assert float(rows[1]["energy_pj"]) == cim.total_energy_pj / cim.mvms
    assert float(rows[0]["energy_pj"]) < float(rows[1]["energy_pj"])  # a 4-bit ADC costs less than an 8-bit one
    # the summary says how far the published chips' ADC-resolution trends back this axis
    from cimsim.cost import trust
    assert trust.axis_trend_lines(["adc.bits"])[0] in result.output.splitlines()


def test_dask_cluster_gives_the_same_file_as_local_processes(tmp_path):
    from dask import distributed  # the test extra installs it
    spec = write(tmp_path, FUNCTIONAL)
    local, remote = tmp_path / "local.csv", tmp_path / "dask.csv"
    assert invoke("sweep", spec, "-o", local, "--workers", 2).exit_code == 0
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False, protocol="tcp", host="127.0.0.1",
                                  dashboard_address=None) as cluster:
        result = invoke("sweep", spec, "-o", remote, "--scheduler", cluster.scheduler_address)
    assert result.exit_code == 0, result.output
    assert remote.read_bytes() == local.read_bytes()
    rows = read_rows(local)
    assert len(rows) == 6 and all(0 < float(r["relative_error"]) < 1 for r in rows)
    errors = {r["adc.bits"]: float(r["relative_error"]) for r in rows if r["array.rows_per_read"] == "256"}
    assert errors["4"] > errors["6"] > errors["8"]


def test_scheduler_without_dask_says_which_extra(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "dask.distributed", None)
    result = invoke("sweep", write(tmp_path, ANALYTIC), "-o", tmp_path / "r.csv", "--scheduler", "tcp://127.0.0.1:1")
    assert result.exit_code == 2
    assert "install the dask extra: pip install '.[dask]'" in result.output


def test_tasks_cancelled_by_the_cluster_stop_the_run_with_exit_1(tmp_path, monkeypatch):
    """A lost Dask scheduler cancels the tasks not yet finished: that is a stop, not a finished run."""
    from concurrent.futures import Executor, Future
    import contextlib

    class Dropping(Executor):
        def submit(self, fn, *args):
            future = Future()
            future.cancel()
            future.set_running_or_notify_cancel()  # as an executor does with a cancelled task
            return future

    monkeypatch.setattr("cimsim.sweep.execute.open_executor", lambda *a, **k: contextlib.nullcontext(Dropping()))
    out = tmp_path / "r.csv"
    result = invoke("sweep", write(tmp_path, ANALYTIC), "-o", out, "--workers", 1)
    assert result.exit_code == 1, result.output
    assert "stopped: the cluster cancelled 3 of 3 tasks (the scheduler was lost?); 6 points not run" in result.output
    assert read_rows(out) == []


def test_killed_sweep_resumes_to_exactly_the_full_result(tmp_path):
    spec = write(tmp_path, FUNCTIONAL.replace('"workload.vectors" = 200', '"workload.vectors" = 6000')
                 .replace("[4, 6, 8]", "[4, 5, 6, 7, 8]"))
    out = tmp_path / "r.csv"
    command = [sys.executable, "-m", "cimsim.cli", "sweep", str(spec), "-o", str(out), "--workers", "2"]
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline, second = time.monotonic() + 60, None
    while proc.poll() is None and time.monotonic() < deadline:
        if out.exists() and out.read_text().count("\n") >= 2:  # header and at least one row
            second = invoke("sweep", spec, "-o", out, "--workers", 2)  # a second sweep on the same file, meanwhile
            os.killpg(proc.pid, signal.SIGKILL)  # the sweep and its workers, mid-sweep
            break
        time.sleep(0.01)
    assert proc.wait(timeout=30) == -signal.SIGKILL, "the sweep finished before it could be killed"
    assert second.exit_code == 2, second.output
    assert f"{out}: another sweep (PID {proc.pid}) is writing this results file" in second.output
    before = read_rows(out)
    assert 1 <= len(before) < 10
    assert lock_path(out).exists()  # left by the killed sweep: it must not block the next one
    result = invoke("sweep", spec, "-o", out, "--workers", 2)
    assert result.exit_code == 0, result.output
    assert f"; {len(before)} of them from an earlier run" in result.output
    assert not lock_path(out).exists()
    rows = read_rows(out)
    assert [r["point_id"] for r in rows] == [p.id for p in expand(load_spec(spec))]
    assert all(r["status"] == "ok" for r in rows)
    for row in before:  # finished work was kept, not recomputed differently
        assert row in rows
    clean = tmp_path / "clean.csv"
    assert invoke("sweep", spec, "-o", clean, "--workers", 2).exit_code == 0
    assert out.read_bytes() == clean.read_bytes()


def test_truncated_last_line_is_repaired_and_its_point_run_again(tmp_path, analytic_file):
    spec = write(tmp_path, ANALYTIC)
    out = tmp_path / "r.csv"
    full = analytic_file
    out.write_bytes(full[:-25])  # a write cut short inside the last row
    result = invoke("sweep", spec, "-o", out, "--workers", 1)
    assert result.exit_code == 0, result.output
    assert "; 5 of them from an earlier run" in result.output
    assert out.read_bytes() == full


@pytest.mark.parametrize("first", [b'{"my": "minified json"}', b"my notes", b"\x89PNG\r\x1a\x00\x00"])
def test_a_one_line_file_that_is_no_cut_header_is_refused_untouched(tmp_path, analytic_file, first):
    """a file of one line without a newline had been taken for a header a crash cut short and overwritten with the
    sweep's results (a user's JSON, notes or image lost); only the start of a header of this sweep is such a line"""
    spec, out = write(tmp_path, ANALYTIC), tmp_path / "theirs.csv"
    out.write_bytes(first)
    result = invoke("sweep", spec, "-o", out, "--workers", 1)
    assert result.exit_code == 2 and "write to another file (-o)" in result.output and out.read_bytes() == first
    out.write_bytes(analytic_file[:analytic_file.index(b"\n") // 2])  # a header cut short: rewritten whole
    assert invoke("sweep", spec, "-o", out, "--workers", 1).exit_code == 0 and out.read_bytes() == analytic_file


def _edit(path, line, column, value):
    """Set one cell of a results CSV (``line`` counts from 1, the header), keeping every other byte."""
    lines = Path(path).read_text().splitlines()
    header, record = lines[0].split(","), next(csv.reader([lines[line - 1]]))
    record[header.index(column)] = value
    lines[line - 1] = ",".join(record)
    Path(path).write_text("\n".join(lines) + "\n")


def test_damaged_rows_are_named_left_out_and_run_again(tmp_path, analytic_file):
    spec = write(tmp_path, ANALYTIC)
    out = tmp_path / "r.csv"
    full = analytic_file
    out.write_bytes(full)
    rows = read_rows(out)
    # the checksum: sha256 of the row's other cells as a compact JSON array, first 16 hex digits
    cells = [v for k, v in rows[0].items() if k != "checksum"]
    text = json.dumps(cells, ensure_ascii=False, separators=(",", ":"))
    assert rows[0]["checksum"] == hashlib.sha256(text.encode()).hexdigest()[:16]
    damage = [(2, "adc.bits", "8", "adc.bits is '8', its point's value is '4'"),  # lines 2-4: adc.bits 4
              (3, "energy_pj", "abc", "energy_pj 'abc' is not a number"),
              (4, "energy_pj", rows[2]["energy_pj"][:6], "checksum mismatch"),  # a number cut short still parses
              (5, "status", "ko", "status 'ko' is neither ok nor failed")]
    for line, column, value, _ in damage:  # one damaged row of each kind, all in one resumed sweep
        _edit(out, line, column, value)
    result = invoke("sweep", spec, "-o", out, "--workers", 1)
    assert result.exit_code == 0, result.output
    for line, _, _, why in damage:
        assert f"warning: {out}: line {line}: {why}" in result.output, result.output
    assert result.output.count("left out, its point runs again") == len(damage), result.output
    assert "; 2 of them from an earlier run" in result.output
    assert out.read_bytes() == full  # only sound rows, the damaged ones run again


def test_file_without_checksums_is_set_aside_as_another_cimsims_and_run_again(tmp_path, analytic_file):
    """written before checksums, and so before the cimsim column: its numbers are still checked, its sound rows are
    another cimsim's (set aside, their points run again) and the file ends as a fresh run's"""
    spec = write(tmp_path, ANALYTIC)
    out = tmp_path / "r.csv"
    full = analytic_file
    old = [line.rsplit(",", 2)[0] for line in full.decode().splitlines()]  # no cimsim column, no checksum
    out.write_text("\n".join(old) + "\n")
    _edit(out, 4, "area_mm2", "1.2e")  # numbers are still checked
    result = invoke("sweep", spec, "-o", out, "--workers", 1)
    assert result.exit_code == 0, result.output
    assert f"{out}: line 4: area_mm2 '1.2e' is not a number" in result.output
    assert "accepted unverified" not in result.output and "0 of them from an earlier run" in result.output
    assert "5 rows were written by an earlier cimsim (the file records no version)" in result.output
    assert out.read_bytes() == full


def test_a_second_sweep_on_a_locked_file_stops_at_once_with_exit_2(tmp_path):
    spec = write(tmp_path, ANALYTIC)
    out = tmp_path / "r.csv"
    with output_lock(out):
        result = invoke("sweep", spec, "-o", out)
        assert lock_path(out).read_text() == f"{os.getpid()}\n"
    assert result.exit_code == 2
    assert f"error: {out}: another sweep (PID {os.getpid()}) is writing this results file (it holds r.csv.lock)" \
        in result.output
    assert not out.exists() and not lock_path(out).exists()  # released
    assert invoke("sweep", spec, "-o", out, "--workers", 1).exit_code == 0
    assert not lock_path(out).exists()


def test_run_sweep_takes_a_spec_path_and_names_an_output_that_is_no_results_file(tmp_path):
    """A spec given as its path had failed with AttributeError; an output of /dev/null had run, lost its workers and
    asked to be run again; a non-path output had failed inside os."""
    from cimsim.errors import ConfigError
    from cimsim.sweep import run_sweep

    spec = write(tmp_path, ANALYTIC)
    assert run_sweep(str(spec), tmp_path / "r.csv", workers=1).ok == len(expand(load_spec(spec)))
    with pytest.raises(TypeError, match="spec must be a SweepSpec .* got int"):
        run_sweep(5, tmp_path / "r.csv")
    for output in (os.devnull, tmp_path, str(tmp_path / "a\x00.csv"), f"{tmp_path / 'new'}/", f"{tmp_path / 'n'}/."):
        with pytest.raises(ConfigError, match="the output must name a results CSV: a regular file"):
            run_sweep(spec, output)
    with pytest.raises(TypeError, match=r"output \(the results CSV\) must be a file path"):
        run_sweep(spec, None)
    result = invoke("sweep", spec, "-o", os.devnull)
    assert result.exit_code == 2 and "the output must name a results CSV" in result.output
    with pytest.raises(TypeError, match=r"table must be a results Table \(read_table\(path\)\); got str"):
        pareto_front("r.csv", "energy_pj", "relative_error")


def test_lock_without_fcntl_is_a_pid_file_taken_over_when_its_process_is_gone(tmp_path, monkeypatch):
    monkeypatch.setattr(lock, "fcntl", None)
    out, path = tmp_path / "r.csv", lock_path(tmp_path / "r.csv")
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    path.write_text(f"{gone.pid}\n")  # stale: left by a killed sweep
    with output_lock(out):
        assert path.read_text() == f"{os.getpid()}\n"
        with pytest.raises(OutputLocked, match=rf"another sweep \(PID {os.getpid()}\) is writing"):
            with output_lock(out):
                pass
    assert not path.exists()


def test_file_of_another_sweep_is_refused(tmp_path):
    out = write(tmp_path, "point_id,x,status,error\n", "r.csv")
    result = invoke("sweep", write(tmp_path, ANALYTIC), "-o", out)
    assert result.exit_code == 2 and "r.csv" in result.output and "write to another file" in result.output
    assert out.read_text() == "point_id,x,status,error\n"


def test_invalid_points_fail_alone_with_their_message_and_exit_1(tmp_path):
    spec = write(tmp_path, f"""
base = "{DEFAULT}"
objectives = ["energy_pj"]
[axes]
"mapping.weight_bits" = [4, 8]
"device.bits_per_cell" = [2, 4]
"chip.tiles" = [1, 168]
[set]
"chip.arrays_per_tile" = 1
""")
    out = tmp_path / "r.csv"
    result = invoke("sweep", spec, "-o", out, "--workers", 2)
    assert result.exit_code == 1, result.output
    assert "8 points, 3 ok, 5 failed" in result.output
    said = [line for line in result.output.splitlines() if line.startswith("failed (")]  # each error, counted
    assert sorted(int(line.split()[1][1:]) for line in said) == [1, 2, 2]  # 5 points, 3 distinct errors
    assert sum("must not exceed the 3 stored weight bits" in line for line in said) == 1
    rows = {(r["mapping.weight_bits"], r["device.bits_per_cell"], r["chip.tiles"]): r for r in read_rows(out)}
    for tiles in ("1", "168"):  # an invalid combination: a config error, found before running
        row = rows["4", "4", tiles]
        assert row["status"] == "failed" and row["energy_pj"] == ""
        assert "'device.bits_per_cell' (4) must not exceed the 3 stored weight bits" in row["error"]
    for bits in (("4", "2"), ("8", "2"), ("8", "4")):  # the layer needs more tiles than the chip has
        assert rows[(*bits, "1")]["status"] == "failed"
        assert rows[(*bits, "1")]["error"].startswith("'chip.tiles': the workload needs")
        assert rows[(*bits, "168")]["status"] == "ok" and float(rows[(*bits, "168")]["energy_pj"]) > 0


def test_random_mode_is_a_seeded_sample(tmp_path):
    text = f"""
base = "{DEFAULT}"
mode = "random"
samples = 5
seed = 3
[axes]
"adc.bits" = [4, 5, 6, 7, 8]
"array.rows_per_read" = {{ start = 32, stop = 256, step = 32 }}
"""
    points = expand(load_spec(write(tmp_path, text)))
    again = expand(load_spec(write(tmp_path, text, "again.toml")))
    assert [p.id for p in points] == [p.id for p in again] and len({p.id for p in points}) == 5
    assert all(p.values[0] in range(4, 9) and p.values[1] in range(32, 257, 32) for p in points)
    other = expand(load_spec(write(tmp_path, text.replace("seed = 3", "seed = 4"), "other.toml")))
    assert [p.id for p in other] != [p.id for p in points]
    continuous = expand(load_spec(write(tmp_path, text.replace(", step = 32", "").replace(
        '"adc.bits" = [4, 5, 6, 7, 8]', '"device.read_voltage_v" = { start = 0.2, stop = 0.5 }'), "c.toml")))
    assert len(continuous) == 5
    assert all(0.2 <= v <= 0.5 and isinstance(v, float) and 32 <= r <= 256 and isinstance(r, int)
               for v, r in (p.values for p in continuous))


def test_a_design_space_too_large_to_hold_is_refused_before_it_is_made(tmp_path):
    """A range of 10**9 values had been made in memory before its ends were checked (the process was killed);
    a random sample of a grid past 2**63 points had failed with OverflowError."""
    from cimsim.errors import ConfigError
    from cimsim.sweep.spec import MAX_POINTS

    head = f'base = "{DEFAULT}"\nobjectives = ["energy_pj"]\n'
    started = time.perf_counter()
    with pytest.raises(ConfigError, match=r"the range has 1000000000 values, above the 1000000 points"):
        load_spec(write(tmp_path, head + '[axes]\n"adc.bits" = { start = 1, stop = 1000000000, step = 1 }\n'))
    assert time.perf_counter() - started < 5
    with pytest.raises(ConfigError, match=r"the grid has 4500015 points \(15 x 300001\), above the 1000000"):
        load_spec(write(tmp_path, head + '[axes]\n"dac.input_bits" = { start = 2, stop = 16, step = 1 }\n'
                        '"device.read_voltage_v" = { start = 0.1, stop = 0.4, step = 0.000001 }\n', "g.toml"))
    with pytest.raises(ConfigError, match=rf"'samples' \({MAX_POINTS + 1}\) is above the {MAX_POINTS} points"):
        load_spec(write(tmp_path, head + f'mode = "random"\nsamples = {MAX_POINTS + 1}\n[axes]\n'
                        '"device.read_voltage_v" = { start = 0.1, stop = 0.4 }\n', "r.toml"))
    axes = "".join(f'"{field}" = {{ start = 1, stop = {stop}, step = 1 }}\n' for field, stop in (
        ("adc.bits", 16), ("dac.input_bits", 16), ("array.rows", 4096), ("array.cols", 4096),
        ("array.rows_per_read", 4096), ("chip.tiles", 100000)))  # over 2**63 combinations
    text = head + 'mode = "random"\nsamples = 6\nseed = 2\n[axes]\n' + axes
    points = expand(load_spec(write(tmp_path, text, "huge.toml")))
    again = expand(load_spec(write(tmp_path, text, "huge2.toml")))
    assert len({p.values for p in points}) == 6 and [p.id for p in points] == [p.id for p in again]
    assert [p.values for p in points] == sorted(p.values for p in points)  # grid order


def test_axes_as_sub_tables_and_stepped_float_ranges():
    spec = spec_from_dict({"base": DEFAULT, "axes": {
        "adc": {"bits": [4, 6]}, "device.read_voltage_v": {"start": 0.1, "stop": 0.3, "step": 0.1}}})
    assert [(a.field, a.values) for a in spec.axes] == [("adc.bits", (4, 6)),
                                                         ("device.read_voltage_v", (0.1, 0.2, 0.3))]
    assert spec.objectives == COST_METRICS and len(expand(spec)) == 6


def test_axes_from_a_script_take_any_sequence_and_numpy_numbers():
    """a spec built in Python may list an axis as a tuple, a range or a numpy array, its ends as numpy scalars:
    the values are stored as Python numbers (so results serialise), a 2-d array is refused"""
    import numpy as np

    spec = spec_from_dict({"base": DEFAULT, "axes": {
        "adc.bits": np.arange(4, 7), "dac.input_bits": (6, 8), "array.rows_per_read": range(64, 129, 64),
        "technology.vdd_v": {"start": np.float64(0.8), "stop": np.float64(0.9), "step": np.float64(0.1)}}})
    values = {a.field: a.values for a in spec.axes}
    assert values == {"adc.bits": (4, 5, 6), "dac.input_bits": (6, 8), "array.rows_per_read": (64, 128),
                      "technology.vdd_v": (0.8, 0.9)}
    assert all(type(v) in (int, float) for vs in values.values() for v in vs)
    with pytest.raises(ValueError, match=r"axes.'adc.bits' must be a list of values or a range"):
        spec_from_dict({"base": DEFAULT, "axes": {"adc.bits": np.array([[4, 5]])}})


def test_the_energy_gain_range_is_recorded_when_the_objectives_name_it():
    """energy_gain_low / high: opt-in (a default spec records COST_METRICS alone), equal to the record's range of
    the point's design, NaN for a family with too few published macros"""
    import math

    from cimsim.cost import trust
    from cimsim.sweep import RANGE_METRICS
    from cimsim.sweep.metrics import Task, evaluate

    spec = spec_from_dict({"base": (ROOT / "configs" / "sram-cim.toml").as_posix(), "axes": {"adc.bits": [6]},
                           "objectives": ["energy_gain", *RANGE_METRICS]})
    assert spec.objectives == ("energy_gain", *RANGE_METRICS)
    current = expand(spec)[0].config
    other = expand(spec_from_dict({"base": DEFAULT, "axes": {"adc.bits": [6], "device.preset": ["pcm"]}}))[0].config
    ok, no_range = evaluate([Task(k, c, "analytic", spec.objectives) for k, c in (("a", current), ("b", other))])
    expected = trust.energy_gain_range(current, *price_from_shapes(current))
    assert ok.metrics["energy_gain_low"] == expected["low"] and ok.metrics["energy_gain_high"] == expected["high"]
    assert expected["low"] < expected["high"]
    area = trust.area_range(current, price_from_shapes(current)[0])
    assert ok.metrics["area_mm2_low"] == area["low"] and ok.metrics["area_mm2_high"] == area["high"]
    # pcm: 1 published macro with energy figures, too few for a range
    assert all(math.isnan(no_range.metrics[m]) for m in RANGE_METRICS)
    bad = pytest.raises(Exception, spec_from_dict, {"base": DEFAULT, "axes": {"adc.bits": [6]},
                                                    "objectives": ["energy_gain_mid"]})
    assert "energy_gain_low, energy_gain_high, area_mm2_low, area_mm2_high" in str(bad.value)


def test_progress_only_on_a_terminal(monkeypatch, capsys):
    from cimsim.cli_progress import SweepProgress

    quiet = SweepProgress()
    quiet(0, 0, 4)
    quiet(4, 0, 4)
    assert capsys.readouterr().err == ""
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    progress = SweepProgress()
    progress(1, 0, 4)  # one point already in the file
    progress(2, 1, 4)
    progress(4, 1, 4)
    err = capsys.readouterr().err
    assert "2/4 points done, 1 failed, about" in err and "s left" in err
    assert err.endswith("4/4 points done, 1 failed\033[K\n")
    monkeypatch.setenv("TERM", "dumb")  # no cursor codes there: a line per update (a probe saw garbled lines)
    dumb = SweepProgress()
    dumb(0, 0, 2)
    dumb(2, 0, 2)
    assert capsys.readouterr().err == "0/2 points done, 0 failed\n2/2 points done, 0 failed\n"


@pytest.mark.parametrize("text, key, message", [
    ('colour = "red"', "colour", "unknown key 'colour'"),
    ('[axes]\n"adc.bitz" = [4]', "adc.bitz", "no config field 'adc.bitz'"),
    ('[axes]\n"adc.bits" = [0, 4]', "adc.bits", "'adc.bits' must be an integer in [1, 16]; got 0"),
    ('[axes]\n"adc.bits" = { start = 4, stop = 8 }', "adc.bits", "'step' is required"),
    ('[axes]\n"adc.bits" = { start = 8, stop = 4, step = 1 }', "adc.bits", "must not be below 'start'"),
    ('[axes]\n"adc.bits" = { start = 4, stop = 20, step = 4 }', "adc.bits", "the range reaches 20"),
    ('[axes]\n"adc.bits" = 4', "adc.bits", "must be a list of values or a range"),
    ('[axes]\n"device.preset" = ["rram", "flash"]', "device.preset", "must be one of ideal, pcm, rram, sram"),
    ('[axes]\n"workload.kind" = ["dense"]', "workload.kind", "cannot be an axis"),
    ('samples = 3', "samples", "applies to mode = \"random\" only"),
    ('mode = "random"\nsamples = 7', "samples", "exceeds the 3 points of the grid"),
    ('kind = "fast"', "kind", "'kind' must be one of analytic, functional"),
    ('objectives = ["accuracy"]', "objectives", "this sweep can record: energy_pj"),
    ('[set]\n"adc.bitz" = 4', "[set]", "did you mean 'adc.bits'"),
    ('[set]\n"adc.bits" = 4', "adc.bits", "is both an axis and in [set]"),
    ('[set]\n"dac.mode" = "sliced"', "dac.bits_per_read", "is required when 'dac.mode' is \"sliced\""),
    ('preset = "isaac"', "base", "exactly one of 'base'"),
])
def test_spec_errors_name_the_file_and_key_exit_2(tmp_path, text, key, message):
    axes = "" if "[axes]" in text else '[axes]\n"adc.bits" = [4, 6, 8]\n'
    top, tables = ("", text) if text.startswith("[") else (text, "")
    spec = write(tmp_path, f'base = "{DEFAULT}"\n{top}\n{axes}{tables}\n', "bad.toml")
    result = invoke("sweep", spec, "-o", tmp_path / "r.csv")
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    line = next(line for line in result.output.splitlines() if message in line)
    assert "bad.toml" in line and key in line
    assert not (tmp_path / "r.csv").exists()


def test_a_field_set_needs_may_come_from_an_axis(tmp_path):
    """dac.mode = "sliced" in [set] needs dac.bits_per_read, which an axis gives every point (had been refused:
    [set] was validated without the axes)."""
    spec = load_spec(write(tmp_path, f'base = "{DEFAULT}"\n[axes]\n"dac.bits_per_read" = [2, 4]\n'
                                     '[set]\n"dac.mode" = "sliced"\n'))
    points = expand(spec)
    assert [p.values for p in points] == [(2,), (4,)]
    assert [(p.config.dac.mode, p.config.dac.bits_per_read) for p in points] == [("sliced", 2), ("sliced", 4)]



@pytest.mark.parametrize("modes", [["parallel", "sliced"], ["sliced", "parallel"]])
def test_set_is_checked_against_the_points_not_the_axes_first_values(modes):
    """[set] dac.bits_per_read needs dac.mode = "sliced", which one point of the axis has: it had been checked at
    the axes' first values only, so the spec was refused when "parallel" came first and accepted the other way."""
    points = expand(spec_from_dict({"base": DEFAULT, "axes": {"dac.mode": modes}, "set": {"dac.bits_per_read": 2}}))
    by_mode = {p.values[0]: p for p in points}
    assert by_mode["sliced"].config.dac.bits_per_read == 2
    assert by_mode["parallel"].config is None and "contradicts 'dac.mode' = \"parallel\"" in by_mode["parallel"].error
    with pytest.raises(cimsim.errors.ConfigError) as info:  # valid at no point: refused, naming a point's values
        spec_from_dict({"base": DEFAULT, "axes": {"dac.mode": ["parallel", "bit_serial"], "adc.bits": [6, 8]},
                        "set": {"dac.bits_per_read": 2}})
    assert "valid at no point of the sweep (its first: dac.mode = 'parallel', adc.bits = 6)" in str(info.value)


def test_an_invalid_points_id_is_its_own_whatever_the_axes_order():
    """an invalid point's id had hashed a base holding the axes' first values (where [set] needed them): the same
    point got another id when an axis's values, or the axes, were listed in another order"""
    def ids(axes):
        spec = spec_from_dict({"base": DEFAULT, "axes": axes, "set": {"dac.bits_per_read": 2}})
        return {frozenset(zip((a.field for a in spec.axes), p.values)): (p.id, p.config is None) for p in expand(spec)}

    first = ids({"dac.mode": ["sliced", "parallel"], "adc.bits": [6, 8]})
    assert sum(invalid for _, invalid in first.values()) == 2
    assert ids({"dac.mode": ["sliced", "parallel"], "adc.bits": [8, 6]}) == first
    assert ids({"adc.bits": [8, 6], "dac.mode": ["sliced", "parallel"]}) == first


def test_set_fields_are_stated_at_every_point():
    """[set] adc.full_scale_fraction applies only to a fixed ADC range: the "calibrated" point had run with it silently
    ignored, where the same field as an axis, or --set, makes that point invalid"""
    spec = spec_from_dict({"base": DEFAULT, "axes": {"adc.range": ["fixed", "calibrated"]},
                           "set": {"adc.full_scale_fraction": 0.5}})
    fixed, calibrated = expand(spec)
    assert fixed.config.adc.full_scale_fraction == 0.5
    assert calibrated.config is None and "'adc.full_scale_fraction' applies only when" in calibrated.error
    as_axis = expand(spec_from_dict({"base": DEFAULT, "axes": {"adc.range": ["fixed", "calibrated"],
                                                                "adc.full_scale_fraction": [0.5]}}))
    assert [p.id for p in as_axis] == [fixed.id, calibrated.id]

def test_shipped_sweeps_are_valid():
    adc = load_spec(ROOT / "configs" / "sweep-adc.toml")
    assert adc.kind == "functional" and len(expand(adc)) == 60 and "relative_error" in adc.objectives
    devices = load_spec(ROOT / "configs" / "sweep-digits-devices.toml")
    assert devices.kind == "functional" and devices.base.workload.vectors <= 200
    assert {p.values[0] for p in expand(devices)} == {"ideal", "rram", "pcm", "sram"}
    cnn = load_spec(ROOT / "configs" / "sweep-cnn-arrays.toml")
    assert cnn.kind == "analytic" and cnn.base.workload.kind == "network" and len(expand(cnn)) == 24
    iv = load_spec(ROOT / "configs" / "sweep-iv-dac.toml")
    assert iv.kind == "functional" and len(expand(iv)) == 20 and {p.config.dac.mode for p in expand(iv)} == {"sliced"}


PARETO = """point_id,adc.bits,energy_pj,relative_error,accuracy,status,error
a,4,1.0,0.30,0.70,ok,
b,5,2.0,0.10,0.90,ok,
c,6,2.0,0.20,0.95,ok,
d,7,3.0,0.10,0.99,ok,
e,8,4.0,0.05,0.99,ok,
f,8,4.0,0.05,0.80,ok,
g,9,0.5,0.01,0.99,failed,boom
h,9,5.0,,,failed,boom
i,6,1.5,0.30,0.60,ok,
"""


def test_pareto_front_of_a_hand_made_table(tmp_path):
    table = read_table(write(tmp_path, PARETO, "t.csv"))
    points, front = pareto_front(table, "energy_pj", "relative_error")
    assert len(points) == 7  # failed rows left out
    assert [r["point_id"] for r in front] == ["a", "b", "e", "f"]  # c, d, i dominated; ties e, f both kept
    _, front = pareto_front(table, "energy_pj", "accuracy", maximize_y=True)
    assert [r["point_id"] for r in front] == ["a", "c", "d"]  # b: c has the same energy, higher accuracy


INFINITE = "j,4,0.6,0.001,inf,ok,\nk,4,inf,0.0,0.9,ok,\nl,4,nan,0.1,0.9,ok,\nm,4,2.0,,0.9,ok,\nn,4,0.1,inf,0.9,ok,\n"


def test_pareto_ranks_infinities_and_leaves_out_nan_and_empty_cells(tmp_path):
    """an exact simulation's snr_db = inf had been left out as no number (and called failed): the front of a
    maximised column then held a point every exact one beats. +inf is the best of a maximised column, the worst of
    a minimised one; NaN and empty cells are no numbers"""
    path = write(tmp_path, PARETO + INFINITE, "t.csv")
    table = read_table(path)
    points, front = pareto_front(table, "energy_pj", "accuracy", maximize_y=True)
    assert len(points) == 11 and [r["point_id"] for r in front] == ["n", "j"]  # j's inf beats every costlier row
    points, front = pareto_front(table, "energy_pj", "relative_error")
    assert len(points) == 10 and [r["point_id"] for r in front] == ["n", "j", "k"]  # n: the cheapest; k: no error
    result = invoke("pareto", path, "--x", "energy_pj", "--y", "relative_error", "-o", tmp_path / "f.png")
    assert result.exit_code == 0, result.output
    assert ("(3 of 10 points; 4 rows left out: 2 failed, 2 without a number in energy_pj or relative_error (empty, "
            "NaN or text))") in result.output and "| k | 4 | inf | 0 |" in result.output
    assert (tmp_path / "f.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    result = invoke("pareto", write(tmp_path, PARETO.replace("h,9,5.0,,,failed,boom\n", ""), "u.csv"), "--x",
                    "energy_pj", "--y", "accuracy")
    assert "(2 of 7 points; 1 row left out: 1 failed)" in result.output
    from cimsim.sweep.plot import placed
    assert placed([1.0, math.inf, 3.0, -math.inf]) == [1.0, 3.2, 3.0, 0.8] and placed([math.inf]) == [1.0]


def test_pareto_command_prints_the_front_and_draws_it(tmp_path, monkeypatch):
    path = write(tmp_path, PARETO, "t.csv")
    result = invoke("pareto", path, "--x", "energy_pj", "--y", "accuracy", "--maximize-y", "-o", tmp_path / "f.png")
    assert result.exit_code == 0, result.output
    told = "(3 of 7 points; 2 rows left out: 2 failed)"
    assert f"maximise accuracy {told}" in result.output  # the rows left out had not been told
    assert "| point_id | adc.bits | energy_pj | accuracy |" in result.output
    assert "| d | 7 | 3 | 0.99 |" in result.output and "| e |" not in result.output
    assert (tmp_path / "f.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    for module in ("matplotlib", "matplotlib.figure"):  # (the plot above imported them)
        monkeypatch.setitem(sys.modules, module, None)
    result = invoke("pareto", path, "--x", "energy_pj", "--y", "accuracy", "-o", tmp_path / "g.png")
    # -o asks for the plot alone: without matplotlib an error naming the extra (it had exited 0, the plot skipped)
    assert result.exit_code == 2 and "pip install '.[plot]'" in result.output and not (tmp_path / "g.png").exists()
    assert "| d |" not in result.output  # said before the front is ranked


def test_pareto_maximizes_x_when_asked(tmp_path):
    """--maximize-x had not existed: a throughput (more is better) could not be the x of a front"""
    path = write(tmp_path, PARETO, "t.csv")
    table = read_table(path)
    _, front = pareto_front(table, "accuracy", "energy_pj", maximize_x=True)
    assert [r["point_id"] for r in front] == ["d", "c", "a"]  # best x first: 0.99 at 3 pJ, 0.95 at 2, 0.70 at 1
    _, front = pareto_front(table, "accuracy", "relative_error", maximize_y=True, maximize_x=True)
    assert [r["point_id"] for r in front] == ["d", "c", "a"]  # both maximised: i has a's error at less accuracy
    with pytest.raises(ValueError, match="maximize_x must be True or False"):
        pareto_front(table, "accuracy", "energy_pj", maximize_x="yes")
    result = invoke("pareto", path, "--x", "accuracy", "--maximize-x", "--y", "energy_pj", "-o", tmp_path / "f.svg")
    assert result.exit_code == 0, result.output
    assert "maximise accuracy, minimise energy_pj (3 of 7 points" in result.output
    assert result.output.index("| d |") < result.output.index("| c |") < result.output.index("| a |")


def test_array_rows_under_an_output_stationary_baseline_is_refused_not_ignored():
    """baseline.array_rows had been ignored under dataflow = output_stationary: a sweep over it wrote identical rows
    under different ids"""
    spec = spec_from_dict({"base": DEFAULT, "axes": {"baseline.dataflow": ["output_stationary", "weight_stationary"],
                                                     "baseline.array_rows": [1, 128]}})
    points = expand(spec)
    assert [p.config is None for p in points] == [True, True, False, False]
    assert "'baseline.array_rows' applies only when 'baseline.dataflow' is \"weight_stationary\"" in points[0].error
    base = load_config(DEFAULT)
    ids = {p.values: p.id for p in points}  # a weight-stationary point's id is what it was: its tables as before
    assert ids[("weight_stationary", 128)] == point_id(identity(with_overrides(base, {
        "baseline.dataflow": "weight_stationary", "baseline.array_rows": 128}), "analytic"))
    tpu = with_overrides(base, {"baseline.preset": "tpu-v1", "baseline.dataflow": "output_stationary"})
    assert tpu.baseline.array_rows == 256 and "array_rows" not in config_to_dict(tpu)["baseline"]  # the preset's
    # value, not stated, is left in the config but out of its tables (the id): one design, one id
    assert "array_rows" in config_to_dict(with_overrides(base, {"baseline.preset": "tpu-v1"}))["baseline"]


def test_pareto_unknown_column_lists_the_columns(tmp_path):
    result = invoke("pareto", write(tmp_path, PARETO, "t.csv"), "--x", "energy", "--y", "relative_error")
    assert result.exit_code == 2
    assert "no column 'energy' for x (--x); columns: point_id, adc.bits, energy_pj" in result.output


@pytest.mark.parametrize("given", [DEFAULT, (ROOT / "configs" / "sweep-adc.toml").as_posix(), "one column"])
def test_pareto_of_a_file_that_is_no_results_table_says_so(tmp_path, given):
    """a config or sweep spec (TOML: a comment for a first line) or a one-column text: one error saying what pareto
    reads, not an unknown-column error listing the file's first line as columns"""
    path = given if given.endswith(".toml") else write(tmp_path, "just text\nmore\n", "t.csv")
    result = invoke("pareto", path, "--x", "energy_pj", "--y", "relative_error")
    assert result.exit_code == 2 and result.output.count("error:") == 1
    assert "not a results table (its first line: " in result.output
    assert "cimsim sweep SPEC -o results.csv" in result.output


@pytest.mark.parametrize(("kwargs", "error", "message"), [
    ({"workers": 0}, ValueError, "workers must be an int >= 1"), ({"progress": "yes"}, TypeError, "progress must be"),
    ({"scheduler": 8786}, TypeError, "scheduler must be"), ({"notice": 1}, TypeError, "notice must be a callable"),
    ({"scheduler": "bogus"}, ValueError, "scheduler: 'bogus' is not a Dask scheduler address")])
def test_run_sweep_checks_how_it_runs_before_it_takes_the_output(kwargs, error, message, tmp_path):
    from cimsim.sweep import run_sweep

    spec = spec_from_dict({"base": DEFAULT, "axes": {"adc.bits": [4, 6]}})
    with pytest.raises(error, match=message):
        run_sweep(spec, tmp_path / "out.csv", **kwargs)
    assert not any(tmp_path.iterdir())  # nothing written, no lock left


def test_a_spec_that_is_not_a_table_is_named():
    with pytest.raises(TypeError, match="a sweep spec must be a dict of its keys .* got str"):
        spec_from_dict("adc.bits = [4, 6]")


def test_a_config_and_a_spec_given_for_each_other_get_one_clear_error(tmp_path):
    """a config handed to `cimsim sweep`, or a sweep spec to `run`, is named for what it is, with the command that
    takes it (one line, not an unknown-key error per table)"""
    result = invoke("sweep", DEFAULT, "-o", tmp_path / "x.csv")
    assert result.exit_code == 2 and "a config ([array], [device]" in result.output
    assert "not a sweep spec" in result.output and result.output.count("error:") == 1
    for command in ("run", "estimate", "compare"):
        result = invoke(command, ROOT / "configs" / "sweep-adc.toml")
        assert result.exit_code == 2, command
        assert "a sweep spec ([axes]) where a config is asked for: run it with cimsim sweep" in result.output
        assert result.output.count("error:") == 1
    with pytest.raises(cimsim.errors.ConfigError, match="not a sweep spec"):
        spec_from_dict({"adc": {"bits": 6}})
    spec = tmp_path / "spec.toml"  # a spec whose base is a spec: the base is named, and what it is
    spec.write_text('base = "spec.toml"\n[axes]\n"adc.bits" = [4]\n')
    result = invoke("sweep", spec, "-o", tmp_path / "x.csv")
    assert result.exit_code == 2 and f"{spec}: a sweep spec ([axes]) where a config is asked for" in result.output
    assert "(a spec's 'base' names a config)" in result.output  # (it had said only: run it with cimsim sweep)


def test_a_link_to_a_results_file_takes_the_files_lock(tmp_path):
    """the lock had been keyed on the path as typed: a second sweep through a symbolic or hard link wrote at once"""
    out = tmp_path / "r.csv"
    out.write_text("")
    (tmp_path / "soft.csv").symlink_to(out)
    os.link(out, tmp_path / "hard.csv")
    assert lock_path(tmp_path / "soft.csv") == lock_path(out)
    with output_lock(out):
        soft = invoke("sweep", write(tmp_path, ANALYTIC), "-o", tmp_path / "soft.csv", "--workers", 1)
        hard = invoke("sweep", write(tmp_path, ANALYTIC), "-o", tmp_path / "hard.csv", "--workers", 1)
    assert soft.exit_code == 2 and "another sweep (PID" in soft.output and "it holds r.csv.lock" in soft.output
    assert hard.exit_code == 2 and "is writing this results file (through another name: a hard link)" in hard.output
    assert out.read_text() == "" and not lock_path(out).exists()


def test_another_kind_makes_new_points_and_the_other_kinds_rows_are_refused(tmp_path):
    """the id had not folded in the kind: an analytic sweep on a functional sweep's file took its rows as its own"""
    analytic = spec_from_dict({"base": DEFAULT, "axes": {"adc.bits": [4, 6]}, "objectives": ["energy_pj"]})
    functional = spec_from_dict({"base": DEFAULT, "axes": {"adc.bits": [4, 6]}, "objectives": ["energy_pj"],
                                 "kind": "functional"})
    assert not {p.id for p in expand(analytic)} & {p.id for p in expand(functional)}
    out = tmp_path / "r.csv"
    from cimsim.sweep import run_sweep

    assert run_sweep(analytic, out, workers=1).ok == 2
    text = out.read_text()
    with pytest.raises(cimsim.errors.ConfigError,
                       match=r"2 ok rows hold the axis values .* under other point ids \(line 2: "):
        run_sweep(functional, out, workers=1)
    assert out.read_text() == text


def test_rows_of_points_no_longer_in_the_sweep_are_moved_to_a_side_file(tmp_path, analytic_file):
    """an axis value removed had left its rows in the finished file (and on a Pareto front): the file now is a
    fresh run's, and the rows are kept in r.csv.removed.csv, said on stderr"""
    spec, out, fresh = write(tmp_path, ANALYTIC), tmp_path / "r.csv", tmp_path / "fresh.csv"
    out.write_bytes(analytic_file)
    removed = [r for r in read_rows(out) if r["adc.bits"] == "8"]
    spec.write_text(ANALYTIC.replace("[4, 8]", "[4]"))
    result = invoke("sweep", spec, "-o", out, "--workers", 1)
    assert result.exit_code == 0, result.output
    side = tmp_path / "r.csv.removed.csv"
    assert f"warning: {out}: 3 rows are of points this sweep no longer has" in result.stderr
    assert f"moved to {side}" in result.stderr and "; 3 of them from an earlier run" in result.output
    assert invoke("sweep", spec, "-o", fresh, "--workers", 1).exit_code == 0
    assert out.read_bytes() == fresh.read_bytes()
    assert read_rows(side) == removed
    again = invoke("sweep", spec, "-o", out, "--workers", 1)
    assert again.exit_code == 0 and "warning" not in again.stderr and read_rows(side) == removed


def test_rows_moved_to_a_side_file_cut_short_are_not_glued_to_its_last_line(tmp_path, analytic_file):
    """rows moved to r.csv.removed.csv had been appended straight after its last line cut short (a crash), the first
    of them glued to it and lost; that line is now left out as the results file's is, with a warning"""
    spec, out, side = write(tmp_path, ANALYTIC), tmp_path / "r.csv", tmp_path / "r.csv.removed.csv"
    out.write_bytes(analytic_file)
    rows = read_rows(out)
    spec.write_text(ANALYTIC.replace("[4, 8]", "[4]"))
    assert invoke("sweep", spec, "-o", out, "--workers", 1).exit_code == 0
    side.write_bytes(side.read_bytes()[:-25])  # its last row cut short
    spec.write_text(ANALYTIC.replace("[4, 8]", "[4]").replace("stop = 3", "stop = 2"))
    result = invoke("sweep", spec, "-o", out, "--workers", 1)
    assert result.exit_code == 0, result.output
    moved = [r for r in rows if r["adc.bits"] == "4" and r["device.bits_per_cell"] == "3"]
    assert read_rows(side) == [r for r in rows if r["adc.bits"] == "8"][:2] + moved
    assert f"warning: {side}: line 4: cut short (no newline: a write interrupted by a crash); left out" in result.stderr


def test_a_results_file_that_cannot_be_appended_to_is_refused_before_any_work(tmp_path):
    """a read-only (immutable) results file had been found after the first points ran, blamed on a lost worker"""
    out = tmp_path / "r.csv"
    out.write_text("")
    if os.geteuid() != 0:
        out.chmod(0o444)
    elif subprocess.run(["chattr", "+i", str(out)], capture_output=True).returncode != 0:
        pytest.skip("root, and no chattr +i here")
    try:
        result = invoke("sweep", write(tmp_path, ANALYTIC), "-o", out, "--workers", 1)
    finally:
        if os.geteuid() == 0:
            subprocess.run(["chattr", "-i", str(out)], check=True)
    assert result.exit_code == 2, result.output
    assert f"error: Invalid value for '-o' / '--output': {out}: cannot write there (" in result.output
    assert out.read_text() == "" and not lock_path(out).exists()


def test_a_failed_write_stops_the_run_naming_the_file_not_a_worker(tmp_path, monkeypatch):
    """a results file that could not be written had been reported as: a worker was lost (PermissionError ...)"""
    from cimsim.sweep import execute
    from cimsim.sweep.results import append_rows

    def full(path, header, rows):
        if rows:
            raise OSError(28, "No space left on device")
        append_rows(path, header, rows)  # the header, when the file is made

    monkeypatch.setattr(execute, "append_rows", full)
    out = tmp_path / "r.csv"
    result = invoke("sweep", write(tmp_path, ANALYTIC), "-o", out, "--workers", 1)
    assert result.exit_code == 1, result.output
    assert f"stopped: writing {out} failed (No space left on device); 6 points not run" in result.output
    assert "worker was lost" not in result.output


def test_a_failed_rewrite_of_the_results_file_stops_the_run_with_the_summary(tmp_path, monkeypatch, analytic_file):
    """a full disk at the rewrite when every point was in (or at the start, leaving damaged lines out) had ended in a
    bare 'error: [Errno 28] No space left on device', exit 1, without the summary or how to resume"""
    from cimsim.sweep import execute

    def full(path, header, rows, order=()):
        raise OSError(28, "No space left on device")

    spec, out = write(tmp_path, ANALYTIC), tmp_path / "r.csv"
    monkeypatch.setattr(execute, "write_rows", full)
    result = invoke("sweep", spec, "-o", out, "--workers", 1)
    assert result.exit_code == 1, result.output
    assert "6 points, 6 ok, 0 failed; 0 of them from an earlier run" in result.stdout
    assert result.stderr.endswith(f"stopped: writing {out} failed (No space left on device); 0 points not run. "
                                  "Run the same command again to resume.\n")
    out.write_bytes(out.read_bytes()[:-25])  # a line cut short: the start rewrites the file, and cannot
    result = invoke("sweep", spec, "-o", out, "--workers", 1)
    assert result.exit_code == 1, result.output
    assert f"stopped: writing {out} failed (No space left on device); 1 points not run. Run the" in result.stderr
    monkeypatch.undo()
    assert invoke("sweep", spec, "-o", out, "--workers", 1).exit_code == 0
    assert out.read_bytes() == analytic_file


def test_a_name_whose_lock_sidecar_would_be_too_long_is_refused_before_any_work(tmp_path):
    """a 254-byte name passed the -o check, then failed making name.lock (File name too long) with exit 1"""
    out = tmp_path / ("a" * 250 + ".csv")
    result = invoke("sweep", write(tmp_path, ANALYTIC), "-o", out, "--workers", 1)
    assert result.exit_code == 2, result.output
    assert "allows: the name with .lock, a file written beside it" in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["spec.toml"]


def test_ctrl_c_before_the_points_run_exits_130(tmp_path, monkeypatch):
    """Ctrl-C while a spec was expanded or a cluster connected had exited 1 with click's 'Aborted!'"""
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("cimsim.sweep.execute.expand", interrupted)
    result = invoke("sweep", write(tmp_path, ANALYTIC), "-o", tmp_path / "r.csv", "--workers", 1)
    assert result.exit_code == 130, result.output
    assert "stopped: interrupted" in result.stderr and "Aborted" not in result.output
    assert not lock_path(tmp_path / "r.csv").exists()


def test_a_link_to_a_file_in_missing_folders_is_written_through(tmp_path):
    """-o link.csv -> out/sub/r.csv had passed the check, then failed to append naming the link (exit 1)"""
    link = tmp_path / "link.csv"
    link.symlink_to(tmp_path / "out" / "sub" / "r.csv")
    result = invoke("sweep", write(tmp_path, ANALYTIC), "-o", link, "--workers", 1)
    assert result.exit_code == 0, result.output
    assert link.is_symlink() and len(read_rows(tmp_path / "out" / "sub" / "r.csv")) == 6


def _listener(banner: bytes):
    """a local TCP port where something that is not Dask listens: it accepts, sends ``banner`` and keeps quiet"""
    import socket
    import threading

    server = socket.create_server(("127.0.0.1", 0))
    held = []

    def serve():
        while True:
            try:
                conn, _ = server.accept()
            except OSError:  # closed
                return
            conn.sendall(banner)
            held.append(conn)

    threading.Thread(target=serve, daemon=True).start()
    return server, f"tcp://127.0.0.1:{server.getsockname()[1]}"


@pytest.mark.parametrize(("banner", "why"), [(b"", "no answer within 1.5 s"), (
    b"SSH-2.0-OpenSSH_8.9p1 Ubuntu-3ubuntu0.6\r\n", "what answered does not speak Dask's protocol: MemoryError")])
def test_a_scheduler_address_where_something_else_listens_is_an_error_not_a_hang(tmp_path, monkeypatch, banner,
                                                                                  why):
    """a listener that never spoke had hung the sweep in Client(); one sending a banner had failed with
    'Unable to allocate 2.82 EiB'"""
    import threading

    pytest.importorskip("distributed")
    monkeypatch.setattr("cimsim.sweep.cluster.CONNECT_TIMEOUT_S", 1.0)
    server, address = _listener(banner)
    results = []
    thread = threading.Thread(target=lambda: results.append(
        invoke("sweep", write(tmp_path, ANALYTIC), "-o", tmp_path / "r.csv", "--scheduler", address)), daemon=True)
    try:
        thread.start()
        thread.join(30)
    finally:
        server.close()
    assert results, "the sweep hung"
    assert results[0].exit_code == 2, results[0].output
    assert f"error: scheduler: could not connect to a Dask scheduler at {address} ({why}" in results[0].output
    assert not (tmp_path / "r.csv").exists()  # asked before the results file is made (a header-only file was left)


def test_a_functional_sweep_records_no_accuracy_where_the_dataset_has_no_labels(tmp_path):
    """a classifier over a dataset without labels: its top-1 agreement with the float network (which run reports as
    such) had been recorded as its accuracy, beside labelled points' accuracies, and a Pareto front had ranked it
    best (a configs probe); now NaN there, the outputs' error against float recorded when asked"""
    import math

    import numpy as np

    from cimsim.network import Dense, Network, ReLU, save_network
    from cimsim.sweep.metrics import Task, evaluate

    rng = np.random.default_rng(3)
    save_network(Network((Dense(rng.standard_normal((8, 16)) * 0.3), ReLU(), Dense(rng.standard_normal((4, 8)))),
                         (16,)), tmp_path / "net.npz")
    x = rng.uniform(0, 1, (20, 16))
    np.savez(tmp_path / "x.npz", x=x)
    np.savez(tmp_path / "xy.npz", x=x, y=rng.integers(0, 4, 20))
    objectives = ["accuracy", "digital_accuracy", "outputs_relative_error", "energy_pj"]
    outcomes = {}
    for name in ("x", "xy"):
        settings = {"workload.kind": "network", "workload.network_file": (tmp_path / "net.npz").as_posix(),
                    "workload.dataset": "file", "workload.dataset_file": (tmp_path / f"{name}.npz").as_posix(),
                    "workload.vectors": 20}
        spec = spec_from_dict({"base": DEFAULT, "kind": "functional", "axes": {"adc.bits": [8]}, "set": settings,
                               "objectives": objectives})
        outcomes[name] = evaluate([Task(name, expand(spec)[0].config, "functional", spec.objectives)])[0]
        assert outcomes[name].error is None, outcomes[name].error
    assert math.isnan(outcomes["x"].metrics["accuracy"]) and math.isnan(outcomes["x"].metrics["digital_accuracy"])
    assert 0 <= outcomes["xy"].metrics["accuracy"] <= 1 and 0 <= outcomes["xy"].metrics["digital_accuracy"] <= 1
    assert outcomes["x"].metrics["outputs_relative_error"] == outcomes["xy"].metrics["outputs_relative_error"]


def test_a_functional_sweep_of_a_network_without_classes_records_nan_accuracy_and_its_outputs_error(tmp_path):
    """a regression network (one output value per sample) has no top-1: every point had failed with KeyError:
    'analog_accuracy', whatever the objectives; its accuracies are NaN (docs/networks.md), its costs are those of
    compare, and its outputs' error against float (mean over the trials) is recorded when the objectives name it"""
    import math

    import numpy as np

    from cimsim.network import Dense, Network, ReLU, save_network
    from cimsim.sweep.metrics import OUTPUT_METRICS, Task, evaluate

    rng = np.random.default_rng(3)
    save_network(Network((Dense(rng.standard_normal((8, 16)) * 0.3), ReLU(), Dense(rng.standard_normal((1, 8)))),
                         (16,)), tmp_path / "net.npz")
    np.savez(tmp_path / "x.npz", x=rng.uniform(0, 1, (20, 16)))
    settings = {"workload.kind": "network", "workload.network_file": (tmp_path / "net.npz").as_posix(),
                "workload.dataset": "file", "workload.dataset_file": (tmp_path / "x.npz").as_posix(),
                "workload.vectors": 20, "device.preset": "rram", "simulation.trials": 2}
    default = spec_from_dict({"base": DEFAULT, "kind": "functional", "axes": {"adc.bits": [6]}, "set": settings})
    asked = spec_from_dict({"base": DEFAULT, "kind": "functional", "axes": {"adc.bits": [6]}, "set": settings,
                            "objectives": ["accuracy", *OUTPUT_METRICS, "energy_pj", "latency_ns"]})
    assert not set(OUTPUT_METRICS) & set(default.objectives)  # opt-in: a default spec's columns are unchanged
    cfg = expand(asked)[0].config
    plain, named = evaluate([Task("a", cfg, "functional", default.objectives),
                             Task("b", cfg, "functional", asked.objectives)])
    assert plain.error is None and named.error is None, (plain.error, named.error)
    comp = compare(cfg)
    for outcome in (plain, named):
        assert math.isnan(outcome.metrics["accuracy"])
        assert outcome.metrics["energy_pj"] == comp.cim.total_energy_pj / comp.cim.mvms
    assert math.isnan(plain.metrics["digital_accuracy"]) and plain.metrics["latency_ns"] == comp.cim.item_latency_ns
    errors = [run.vs_float.relative_error for run in comp.runs]
    assert errors[0] != errors[1]  # the trials differ, so the mean is not one trial's
    assert named.metrics["outputs_relative_error"] == pytest.approx(sum(errors) / 2, rel=1e-12)
    assert named.metrics["outputs_snr_db"] == pytest.approx(sum(r.vs_float.snr_db for r in comp.runs) / 2, rel=1e-12)


def test_a_finished_sweep_run_again_leaves_its_file_as_it_is(tmp_path):
    """a re-run of a finished sweep had rewritten its file (the same bytes, a new inode and time: a build tool read
    it as changed and ran what follows it again)"""
    spec, out = write(tmp_path, ANALYTIC), tmp_path / "r.csv"
    assert invoke("sweep", spec, "-o", out, "--workers", 1).exit_code == 0
    before = os.stat(out)
    assert invoke("sweep", spec, "-o", out, "--workers", 1).exit_code == 0
    after = os.stat(out)
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)


def test_a_spec_with_its_axes_reordered_reuses_every_row(tmp_path, analytic_file):
    """swapping two axes (the same points, the same ids) had been refused as another sweep's file: the rows are read
    by column name and the file rewritten in the spec's order, no point run again"""
    axes = '[axes]\n"device.bits_per_cell" = [1, 2, 3]\n"adc.bits" = [4, 8]\n'
    reordered = write(tmp_path, f'base = "{DEFAULT}"\n{axes}')
    out = tmp_path / "r.csv"
    out.write_bytes(analytic_file)
    result = invoke("sweep", reordered, "-o", out, "--workers", 1)
    assert result.exit_code == 0, result.output
    assert "6 of them from an earlier run" in result.output
    header = out.read_text().splitlines()[0].split(",")
    assert header.index("device.bits_per_cell") < header.index("adc.bits")
    def cells(rows):  # every cell but the checksum, which is taken over the cells in the file's order
        return {r["point_id"]: {k: v for k, v in r.items() if k != "checksum"} for r in rows}

    assert cells(read_rows(out)) == cells(csv.DictReader(analytic_file.decode().splitlines()))


def test_a_spec_changed_in_code_is_checked_before_it_runs(tmp_path):
    """dataclasses.replace(spec, kind="bogus") had run as analytic, objectives="energy_gain" written one-letter
    columns, mode="random" with samples=-3 run no point as a complete sweep"""
    import dataclasses

    import numpy as np

    from cimsim.errors import ConfigError
    from cimsim.sweep import load_spec, run_sweep

    spec = load_spec(ROOT / "configs" / "sweep-adc.toml")
    for change, field in (({"kind": "bogus"}, "'kind' must be one of"), ({"mode": "bogus"}, "'mode' must be one of"),
                          ({"objectives": "energy_gain"}, "'objectives' must be a tuple"),
                          ({"mode": "random", "samples": -3}, "'samples' must be an integer >= 1"),
                          ({"objectives": ()}, "'objectives' must be a tuple of distinct metrics"),
                          ({"objectives": ("energy_gain", "energy_gain")}, "'objectives' must be a tuple")):
        with pytest.raises(ConfigError, match=field):
            run_sweep(dataclasses.replace(spec, **change), tmp_path / "r.csv")
        assert not (tmp_path / "r.csv").exists()
    with pytest.raises(TypeError, match="a SweepSpec's base must be a cimsim Config"):
        run_sweep(dataclasses.replace(spec, base=None), tmp_path / "r.csv")
    drawn = dataclasses.replace(spec, mode="random", samples=np.int64(2))  # an integer as spec_from_dict takes it
    assert run_sweep(drawn, tmp_path / "d.csv", workers=1).failed == 0


def test_a_file_with_the_cimsim_column_but_no_checksums_is_refused_not_accepted_unverified(tmp_path, analytic_file):
    """checksums came before the cimsim column, so no cimsim wrote one without the other: such a file (its checksums
    cut away, a metric changed) had been accepted unverified and its forged value written back with a checksum"""
    spec = write(tmp_path, ANALYTIC)
    out = tmp_path / "r.csv"
    out.write_text("\n".join(line.rsplit(",", 1)[0] for line in analytic_file.decode().splitlines()) + "\n")
    before = out.read_bytes()
    result = invoke("sweep", spec, "-o", out, "--workers", 1)
    assert result.exit_code == 2, result.output
    assert "are not this sweep's" in result.output and "no cimsim wrote its cimsim column without checksums" in \
        result.output and "Traceback" not in result.output
    assert out.read_bytes() == before
    ranked = invoke("pareto", out, "--x", "energy_pj", "--y", "area_mm2")
    assert ranked.exit_code == 2 and "has the cimsim column but no checksum column" in ranked.output, ranked.output


def test_a_pareto_with_no_point_names_the_column_without_numbers(tmp_path):
    """'no finished point has numbers in both x and y' had not said which column was empty (the docs say it names
    it); columns with numbers in different rows are named as before"""
    from click.testing import CliRunner

    from cimsim.cli import main

    path = tmp_path / "r.csv"
    path.write_text("point_id,x,y,z,status\na,1,,2,ok\nb,,3,4,ok\n")
    empty = CliRunner().invoke(main, ["pareto", str(path), "--x", "x", "--y", "w"])
    assert empty.exit_code == 2  # no such column: named with the columns
    path.write_text("point_id,x,y,w,status\na,1,,,ok\nb,,3,,ok\n")
    one = CliRunner().invoke(main, ["pareto", str(path), "--x", "x", "--y", "w"])
    assert one.exit_code == 2 and "no finished point has numbers in both 'x' and 'w' ('w' none at all)" in one.output
    apart = CliRunner().invoke(main, ["pareto", str(path), "--x", "x", "--y", "y"])
    assert apart.exit_code == 2 and apart.output.rstrip().endswith("numbers in both 'x' and 'y'")


def test_a_pareto_of_failed_rows_only_says_so(tmp_path):
    """every row failed: said so (it had said both columns held no number, one of which held some)"""
    from click.testing import CliRunner

    from cimsim.cli import main

    path = tmp_path / "f.csv"
    path.write_text("point_id,x,y,status,error\na,1,,failed,boom\nb,2,,failed,boom\n")
    result = CliRunner().invoke(main, ["pareto", str(path), "--x", "x", "--y", "y"])
    assert result.exit_code == 2 and "all 2 rows failed: no finished point to rank" in result.output


def test_a_front_minimising_a_metric_of_which_more_is_better_says_so(tmp_path):
    """`cimsim pareto --y snr_db` had minimised the SNR (the worst designs as 'the front'), said only as 'minimise'
    in the header: a metric of which more is better, minimised, is warned of with the flag that maximises it"""
    path = write(tmp_path, PARETO, "t.csv")
    told = []
    pareto_front(read_table(path), "energy_pj", "accuracy", notice=told.append)
    assert told == ["minimising accuracy, of which more is better: maximise it with maximize_y=True (--maximize-y)"]
    told.clear()
    pareto_front(read_table(path), "energy_pj", "accuracy", maximize_y=True, notice=told.append)
    pareto_front(read_table(path), "energy_pj", "relative_error", notice=told.append)
    assert told == []
    result = invoke("pareto", path, "--x", "accuracy", "--y", "energy_pj")
    assert result.exit_code == 0 and "minimising accuracy, of which more is better" in result.output
    assert "(--maximize-x)" in result.output
