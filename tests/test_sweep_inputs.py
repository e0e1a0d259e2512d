"""What a sweep takes from its spec and its data: string values that fit one CSV cell, a field given once, [set]
fields on top of a preset axis, and point ids that change with the data files' contents."""

from __future__ import annotations

import csv
import os
import time
import warnings
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from cimsim.api import ESTIMATE_UNREAD
from cimsim.cli import main
from cimsim.config import config_to_dict, load_config, with_overrides
from cimsim.errors import ConfigError
from cimsim.sweep import expand, load_spec, point_id, run_sweep, spec_from_dict
from cimsim.sweep import data_files
from cimsim.sweep.points import RUN_SETTINGS, identity

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = (ROOT / "configs" / "default.toml").as_posix()


def refused(spec: dict, *fragments: str) -> None:
    with pytest.raises(ConfigError) as info:
        spec_from_dict({"base": DEFAULT, **spec})
    for fragment in fragments:
        assert fragment in str(info.value), str(info.value)


def test_a_control_character_in_a_string_value_is_refused():
    """a newline in an axis value had lost its point's row in the CSV (7 ok, 6 rows; every resume ran it again)"""
    refused({"axes": {"device.name": ["x\ny", "z"]}}, "axes.'device.name'", "no control character", "'x\\ny'")
    refused({"axes": {"adc.bits": [4]}, "set": {"device.name": "a\tb"}}, "[set] 'device.name'",
            "no control character")


def test_a_value_written_twice_in_two_forms_is_refused():
    """22 and 22.0 (or 0.0 and -0.0) are one point: they had run once and been counted as two values"""
    refused({"axes": {"technology.node_nm": [22, 22.0, 32]}}, "lists a value twice")
    refused({"axes": {"adc.offset_lsb": [0.0, -0.0]}}, "lists a value twice")
    assert len(expand(spec_from_dict({"base": DEFAULT, "axes": {"technology.node_nm": [22, 32]}}))) == 2


def test_a_field_given_twice_is_refused():
    """a dotted key and a sub-table naming one field had been resolved silently, one of them dropped"""
    refused({"axes": {"adc": {"bits": [5, 6]}, "adc.bits": [7]}}, "[axes] gives 'adc.bits' twice")
    refused({"axes": {"adc.bits": [7], "adc": {"bits": [5, 6]}}}, "[axes] gives 'adc.bits' twice")
    refused({"axes": {"adc.bits": [4]}, "set": {"array.rows_per_read": 64, "array": {"rows_per_read": 128}}},
            "[set] gives 'array.rows_per_read' twice")


def test_set_fields_apply_on_top_of_a_preset_axis_as_the_cli_does():
    """[set] device.read_noise_sigma had been dropped at every point whose axis set device.preset"""
    spec = spec_from_dict({"base": DEFAULT, "axes": {"device.preset": ["pcm", "ideal"]},
                           "set": {"device.read_noise_sigma": 0.2, "workload.vectors": 8}})
    points = expand(spec)
    assert [p.config.device.read_noise_sigma for p in points] == [0.2, 0.2]
    for p in points:  # the config --set device.read_noise_sigma=0.2 --set device.preset=... gives, and its id
        cli = with_overrides(load_config(DEFAULT), {"device.read_noise_sigma": 0.2, "device.preset": p.values[0],
                                                    "workload.vectors": 8})
        assert config_to_dict(p.config) == config_to_dict(cli) and p.id == point_id(identity(cli, "analytic"))


def test_a_changed_data_file_makes_new_points_and_its_old_rows_are_not_resumed(tmp_path):
    """ids had hashed the data file's path only: a resumed sweep kept the rows of the old contents"""
    weights = tmp_path / "w.npy"
    np.save(weights, np.random.default_rng(0).normal(size=(256, 256)))
    spec_path = tmp_path / "spec.toml"
    spec_path.write_text(f'base = "{DEFAULT}"\n[axes]\n"adc.bits" = [4, 6]\n'
                         '[set]\n"workload.weights" = "file"\n"workload.weights_file" = "w.npy"\n')
    out = tmp_path / "r.csv"
    assert run_sweep(spec_path, out, workers=1).ok == 2
    before = [p.id for p in expand(load_spec(spec_path))]
    assert "file_sha256" in identity(expand(load_spec(spec_path))[0].config)
    np.save(weights, np.random.default_rng(1).normal(size=(256, 256)))
    assert not {p.id for p in expand(load_spec(spec_path))} & set(before)
    text = out.read_text()
    result = CliRunner().invoke(main, ["sweep", str(spec_path), "-o", str(out)])
    assert result.exit_code == 2, result.output
    assert "2 ok rows hold the axis values of this sweep's points under other point ids (line 2: " in result.output
    assert out.read_text() == text


def test_a_point_refused_over_the_memory_limit_runs_again_when_the_limit_is_raised(tmp_path):
    """the refusal advises raising simulation.memory_limit_gib: done in [set], every finished row had been stale
    (exit 2); the limit is no part of a point's id, so the ok rows are kept and the refused point runs again"""
    spec_path = tmp_path / "spec.toml"
    base = f'base = "{DEFAULT}"\nkind = "functional"\n[axes]\n"workload.out_features" = [16, 8192]\n[set]\n'
    spec_path.write_text(base + '"workload.vectors" = 8\n"simulation.memory_limit_gib" = 0.02\n')
    out = tmp_path / "r.csv"
    summary = run_sweep(spec_path, out, workers=1)
    assert (summary.ok, summary.failed) == (1, 1)
    (error, _), = summary.errors
    assert error.startswith("over the memory limit (the point runs again on a resume): ") and "GiB" in error
    spec_path.write_text(base + '"workload.vectors" = 8\n"simulation.memory_limit_gib" = 4.0\n')
    notes = []
    summary = run_sweep(spec_path, out, workers=1, notice=notes.append)
    assert (summary.ok, summary.failed, summary.skipped) == (2, 0, 1)
    assert len(notes) == 1 and "a point refused over the memory limit" in notes[0], notes


def test_a_data_file_replaced_or_removed_mid_sweep_fails_its_points_for_a_resume_to_run_again(tmp_path):
    """the files' sha256 is taken when the points are made, the workers read them later: weights replaced mid-run
    had filed the new file's numbers under the old file's ids (21 of 24 rows), and a file away for a second had
    left failed rows a resume kept; now a worker checks each file before and after its point, and such a failure
    runs again on a resume (a probe)"""
    from cimsim.sweep.metrics import FILE_CHANGED

    old, new = (np.random.default_rng(k).uniform(-1, 1, (16, 32)) for k in (0, 1))
    np.save(tmp_path / "w.npy", old)
    spec_path = tmp_path / "spec.toml"
    spec_path.write_text(f'base = "{DEFAULT}"\nkind = "functional"\n[axes]\n"adc.bits" = [3, 4, 5, 6, 7, 8]\n[set]\n'
                         '"workload.weights" = "file"\n"workload.weights_file" = "w.npy"\n"workload.in_features" = 32\n'
                         '"workload.out_features" = 16\n"workload.vectors" = 8\n')
    run_sweep(spec_path, tmp_path / "truth.csv", workers=1)
    truth = {r["point_id"]: r for r in _rows(tmp_path / "truth.csv")}
    for change in ("replaced", "removed"):
        out = tmp_path / f"{change}.csv"

        def progress(done, finished, total):  # its first call, once the points (and their ids) are made and before
            if done == 0 and (tmp_path / "w.npy").exists():  # any runs: the file replaced, or moved away
                if change == "replaced":
                    np.save(tmp_path / "w.npy", new)
                else:
                    (tmp_path / "w.npy").rename(tmp_path / "away.npy")

        summary = run_sweep(spec_path, out, workers=1, progress=progress)
        assert (summary.ok, summary.failed) == (0, 6)
        assert all(r["error"].startswith(FILE_CHANGED) for r in _rows(out))
        np.save(tmp_path / "w.npy", old)  # the sweep's file back: the failed points run again, as if never stopped
        notes = []
        summary = run_sweep(spec_path, out, workers=1, notice=notes.append)
        assert (summary.ok, summary.failed) == (6, 0) and notes
        assert sorted(tuple(r.values()) for r in _rows(out)) == sorted(tuple(r.values()) for r in truth.values())


@pytest.mark.parametrize("change", ["rewritten", "renamed", "relinked"])
def test_a_data_file_changed_and_put_back_while_a_point_runs_fails_the_point(tmp_path, monkeypatch, change):
    """a file swapped and put back within one point's run (an editor's save and revert, a checkout there and back)
    passed the checks before and after it: its row held numbers of both files under the id, and a resume kept it
    (a probe); the file's version (inode, size, times) is compared too"""
    from cimsim.sweep import metrics

    w = tmp_path / "w.npy"
    np.save(tmp_path / "held.npy", np.random.default_rng(0).uniform(-1, 1, (16, 32)))
    np.save(tmp_path / "other.npy", np.zeros((16, 32)))
    if change == "relinked":  # the data file a symbolic link, pointed elsewhere and back
        w.symlink_to(tmp_path / "held.npy")
    else:
        (tmp_path / "held.npy").rename(w)
    spec_path = tmp_path / "spec.toml"
    spec_path.write_text(f'base = "{DEFAULT}"\nkind = "functional"\n[axes]\n"adc.bits" = [4]\n[set]\n'
                         '"workload.weights" = "file"\n"workload.weights_file" = "w.npy"\n"workload.in_features" = 32\n'
                         '"workload.out_features" = 16\n"workload.vectors" = 8\n')
    point, = expand(load_spec(spec_path))
    task = metrics.Task(point.id, point.config, "functional", ("relative_error",), point.file_sha256)
    time.sleep(0.05)  # past the file system clock's tick of the file's writing
    run = metrics._functional

    def swapped_and_back(config):
        held = w.read_bytes()
        if change == "rewritten":
            np.save(w, np.zeros((16, 32)))
            w.write_bytes(held)
        elif change == "renamed":
            w.rename(tmp_path / "away.npy")
            (tmp_path / "other.npy").rename(w)
            w.rename(tmp_path / "other.npy")
            (tmp_path / "away.npy").rename(w)
        else:
            w.unlink()
            w.symlink_to(tmp_path / "other.npy")
            w.unlink()
            w.symlink_to(tmp_path / "held.npy")
        assert w.read_bytes() == held
        return run(config)

    monkeypatch.setattr(metrics, "_functional", swapped_and_back)
    outcome, = metrics.evaluate([task])
    assert outcome.error.startswith(metrics.FILE_CHANGED), outcome
    assert "w.npy' was written, touched or replaced, or its metadata changed" in outcome.error
    monkeypatch.setattr(metrics, "_functional", run)
    outcome, = metrics.evaluate([task])  # left alone, the same file passes
    assert outcome.error is None and outcome.metrics["relative_error"] > 0


def test_a_point_whose_memory_refusal_would_repeat_is_not_run_again_and_its_file_is_left_as_it_is(tmp_path):
    """a limit along an axis (part of the point's id) refuses its point the same way every time: a re-run of the
    finished sweep had run it again, said 'its limit or batch size set since?' and rewritten the file (a new inode)
    each time (a probe); the refusal's settings are kept in its error, and only other settings run it again (a row
    written before they were kept too)"""
    from cimsim.sweep.results import columns, write_rows

    spec_path = tmp_path / "spec.toml"
    spec_path.write_text(f'base = "{DEFAULT}"\nkind = "functional"\n[axes]\n"simulation.memory_limit_gib" = '
                         '[0.00001, 4.0]\n[set]\n"workload.vectors" = 8\n')
    out = tmp_path / "r.csv"
    assert (run_sweep(spec_path, out, workers=1).failed, len(_rows(out))) == (1, 2)
    failed, = [r for r in _rows(out) if r["status"] == "failed"]
    assert failed["error"].startswith("over the memory limit (the point runs again on a resume): [limit 10737 B, "
                                      "batch size 2048] 'workload."), failed["error"]
    before, text, notes = os.stat(out).st_ino, out.read_text(), []
    summary = run_sweep(spec_path, out, workers=1, notice=notes.append)
    assert (summary.skipped, notes, os.stat(out).st_ino, out.read_text()) == (2, [], before, text)
    rows = {r["point_id"]: {**r, "error": r["error"].replace("[limit 10737 B, batch size 2048] ", "")}
            for r in _rows(out)}
    write_rows(out, columns(load_spec(spec_path)), rows)  # as rows written before
    summary = run_sweep(spec_path, out, workers=1, notice=notes.append)
    assert summary.skipped == 1 and len(notes) == 1 and "a point refused over the memory limit" in notes[0], notes
    assert [r["error"] for r in _rows(out) if r["status"] == "failed"] == [failed["error"]]


def _rows(path) -> list[dict[str, str]]:
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


def test_a_failed_row_of_a_missing_data_file_runs_again_once_the_file_exists(tmp_path):
    """a point failed for a missing weights file hashed the path; once the file existed its id hashed the contents,
    and the whole results file had been refused as holding stale rows: a failed row is no finished work, so it is
    left out (the file rewritten without it) and its point runs; a stale ok row is still refused, named by line"""
    np.save(tmp_path / "w1.npy", np.random.default_rng(0).uniform(-1, 1, (16, 32)))
    spec_path = tmp_path / "spec.toml"
    spec_path.write_text(f'base = "{DEFAULT}"\n[axes]\n"workload.weights_file" = ["w1.npy", "w2.npy"]\n'
                         '"adc.bits" = [4, 6]\n[set]\n"workload.weights" = "file"\n"workload.in_features" = 32\n'
                         '"workload.out_features" = 16\n')
    out = tmp_path / "r.csv"
    summary = run_sweep(spec_path, out, workers=1)
    assert (summary.ok, summary.failed) == (2, 2)
    (error, count), = summary.errors  # the two failed points' error, once, with its count
    assert count == 2 and "w2.npy" in error
    np.save(tmp_path / "w2.npy", np.random.default_rng(1).uniform(-1, 1, (16, 32)))
    notes = []
    summary = run_sweep(spec_path, out, workers=1, notice=notes.append)
    assert (summary.ok, summary.failed, summary.skipped) == (4, 0, 2)
    assert len(notes) == 2 and all("a failed row of axis values this sweep's point now has under another id" in n
                                   and n.endswith("left out, its point runs again") for n in notes)
    lines = out.read_text().splitlines()
    assert len(lines) == 5 and ",failed," not in out.read_text()
    np.save(tmp_path / "w2.npy", np.random.default_rng(2).uniform(-1, 1, (16, 32)))
    result = CliRunner().invoke(main, ["sweep", str(spec_path), "-o", str(out)])
    assert result.exit_code == 2 and out.read_text().splitlines() == lines
    named = ", ".join(f"line {k}: {lines[k - 1].split(',')[0]}" for k in (4, 5))
    assert f"2 ok rows hold the axis values of this sweep's points under other point ids ({named})" in result.output


def _design(config, unread=()) -> dict:
    """a config's tables less its name, the settings of how it is run and ``unread`` (what a point's id hashes)"""
    tables = {k: v for k, v in config_to_dict(config).items() if k != "name"}
    return {**tables, "simulation": {k: v for k, v in tables["simulation"].items()
                                     if k not in RUN_SETTINGS and f"simulation.{k}" not in unread}}


def test_a_sweep_without_data_files_keeps_the_ids_of_its_configs():
    """a functional point's id is its config's tables less how it is run; an analytic point's folds in its kind"""
    spec = spec_from_dict({"base": DEFAULT, "axes": {"adc.bits": [4, 6]}, "kind": "functional"})
    assert [p.id for p in expand(spec)] == [point_id(_design(p.config)) for p in expand(spec)]
    spec = spec_from_dict({"base": DEFAULT, "axes": {"adc.bits": [4, 6]}})
    assert [p.id for p in expand(spec)] == [point_id({**_design(p.config, ESTIMATE_UNREAD), "kind": "analytic"})
                                            for p in expand(spec)]


@pytest.mark.parametrize("kind", ["functional", "analytic"])
def test_settings_of_how_a_point_is_run_leave_its_id(kind):
    """simulation.batch_size, memory_limit_gib and int8_products change no number: set in [set] (as the memory
    refusal advises), they had made every finished row of a sweep stale; the seed and trials still count"""
    axes = {"adc.bits": [4, 6]}
    ids = [p.id for p in expand(spec_from_dict({"base": DEFAULT, "axes": axes, "kind": kind}))]
    for fixed in ({"simulation.batch_size": 7}, {"simulation.memory_limit_gib": 0.5},
                  {"simulation.int8_products": "off"}):
        with warnings.catch_warnings(record=True) as said:
            warnings.simplefilter("always")
            assert [p.id for p in expand(spec_from_dict({"base": DEFAULT, "axes": axes, "kind": kind, "set": fixed}))
                    ] == ids, fixed
        # an estimate reads a batch size (it chunks a network's range check): not said to go unread (a review)
        unread = kind == "analytic" and "simulation.batch_size" not in fixed
        assert bool(said) == unread, [str(w.message) for w in said]
    for fixed in ({"simulation.seed": 3}, {"simulation.trials": 2}):
        if kind == "analytic" and "simulation.trials" in fixed:  # an estimate runs no trials: said, and no new ids
            with pytest.warns(UserWarning, match="^simulation.trials: an analytic sweep does not read it"):
                spec = spec_from_dict({"base": DEFAULT, "axes": axes, "kind": kind, "set": fixed})
            assert [p.id for p in expand(spec)] == ids  # (they had all changed: a probe)
            continue
        assert not set(ids) & {p.id for p in expand(spec_from_dict({"base": DEFAULT, "axes": axes, "kind": kind,
                                                                    "set": fixed}))}, fixed

    # an axis of them is the sweep's own: each value a point (a review: all but the first had been dropped, unsaid)
    for field, values in (("simulation.batch_size", [8, 32]), ("simulation.memory_limit_gib", [0.0001, 4.0]),
                          ("simulation.int8_products", ["auto", "off"])):
        points = expand(spec_from_dict({"base": DEFAULT, "axes": {field: values, **axes}, "kind": kind}))
        assert len({p.id for p in points}) == len(points) == 4, field
    invalid = [p.id for fixed in ({}, {"simulation.memory_limit_gib": 4.0}) for p in expand(spec_from_dict(
        {"base": DEFAULT, "axes": {"device.bits_per_cell": [1, 8]}, "set": {"mapping.weight_bits": 2, **fixed}}))
        if p.config is None]
    assert len(invalid) == 2 and invalid[0] == invalid[1]  # nor of an invalid point's


@pytest.mark.parametrize("recent_ns", [2_000_000_000, 0])
def test_new_contents_of_a_data_file_with_its_size_and_time_kept_make_new_points(tmp_path, monkeypatch, recent_ns):
    """file digests had been cached by (path, modification time, size) for the process's life: new weights of the
    same size with the time kept (cp -p, rsync -t, tar) resumed the old rows in the same process"""
    monkeypatch.setattr(data_files, "_RECENT_NS", recent_ns)  # 0: every digest cached by its stat
    weights = tmp_path / "w.npy"
    np.save(weights, np.random.default_rng(0).uniform(-1, 1, (64, 64)))
    spec = spec_from_dict({"base": DEFAULT, "axes": {"adc.bits": [4, 6]}, "set": {
        "workload.in_features": 64, "workload.out_features": 64, "workload.weights": "file",
        "workload.weights_file": weights.as_posix()}})
    before = {p.id for p in expand(spec)}
    assert before == {p.id for p in expand(spec)}
    stat = os.stat(weights)
    time.sleep(0.05)  # past a tick of the file system's clock
    np.save(weights, np.random.default_rng(1).uniform(-1, 1, (64, 64)))
    os.utime(weights, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert os.stat(weights).st_size == stat.st_size
    assert not {p.id for p in expand(spec)} & before

def test_a_renamed_copy_of_the_base_keeps_the_ids(tmp_path):
    """a config's name (its file's, where it states none) is a label: a renamed copy had made every row stale"""
    copy = tmp_path / "renamed.toml"
    copy.write_text(Path(DEFAULT).read_text())
    ids = [[p.id for p in expand(spec_from_dict({"base": str(base), "axes": {"adc.bits": [4, 6]}}))]
           for base in (DEFAULT, copy)]
    assert ids[0] == ids[1]
