"""A results row records the cimsim that computed it (its version and a hash of its files): resuming with another
cimsim moves the other's rows aside and runs every point again, saying why; the same cimsim resumes as before."""

from __future__ import annotations

import contextlib
import csv
import io
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import SimpleNamespace

import pytest

from cimsim import __version__
from cimsim.errors import ConfigError
from cimsim.sweep import fingerprint as model
from cimsim.sweep import run_sweep, spec_from_dict
from cimsim.sweep.results import CHECKSUM, checksum

DEFAULT = (Path(__file__).resolve().parents[1] / "configs" / "default.toml").as_posix()
NEXT = "9.9.9+src.00000000deadbeef"
"""the fingerprint of a simulated cimsim update"""


@pytest.fixture(autouse=True)
def _in_process(monkeypatch):
    """points run on a thread of this process (the resume logic is under test, not the worker processes)"""
    @contextlib.contextmanager
    def executor(workers, scheduler, *, checked=False):
        with ThreadPoolExecutor(1) as pool:
            yield pool

    monkeypatch.setattr("cimsim.sweep.execute.open_executor", executor)


def _spec(bits):
    return spec_from_dict({"base": DEFAULT, "axes": {"adc.bits": bits}, "objectives": ["energy_pj"],
                           "set": {"workload.vectors": 8}})


def _rows(path):
    return list(csv.DictReader(io.StringIO(Path(path).read_text())))


def test_the_fingerprint_is_the_version_and_a_hash_of_the_package_files():
    value = model.fingerprint()
    assert re.fullmatch(rf"{re.escape(__version__)}\+src\.[0-9a-f]{{16}}", value) and model.fingerprint() is value
    assert model.describe(value) == f"cimsim {__version__} (source {value[-16:]})"
    assert model.describe("") == "an earlier cimsim (the file records no version)"


def test_the_same_cimsim_resumes_and_records_itself_in_each_row(tmp_path):
    out = tmp_path / "r.csv"
    run_sweep(_spec([4, 6]), out, workers=1)
    before = out.read_text().splitlines()
    notes = []
    summary = run_sweep(_spec([4, 6, 8]), out, workers=1, notice=notes.append)
    assert (summary.ok, summary.skipped, notes) == (3, 2, [])
    assert out.read_text().splitlines()[:3] == before and not (tmp_path / "r.csv.removed.csv").exists()
    assert {row["cimsim"] for row in _rows(out)} == {model.fingerprint()}


def test_another_cimsim_reruns_every_point_and_says_why(tmp_path, monkeypatch):
    """rows of cimsim A had been resumed by cimsim B beside B's own rows, with nothing said"""
    out, side = tmp_path / "r.csv", tmp_path / "r.csv.removed.csv"
    run_sweep(_spec([4, 6]), out, workers=1)
    old, this = _rows(out), model.fingerprint()
    monkeypatch.setattr(model, "fingerprint", lambda: NEXT)
    notes = []
    summary = run_sweep(_spec([4, 6, 8]), out, workers=1, notice=notes.append)
    assert (summary.total, summary.ok, summary.skipped) == (3, 3, 0)
    assert notes == [f"{out}: 2 rows were written by cimsim {__version__} (source {this[-16:]}), not by this cimsim "
                     f"9.9.9 (source 00000000deadbeef): the model may have changed since; moved to {side}, and their "
                     "points run again"]
    assert [(row["adc.bits"], row["cimsim"]) for row in _rows(out)] == [("4", NEXT), ("6", NEXT), ("8", NEXT)]
    assert _rows(side) == old  # nothing lost
    again = run_sweep(_spec([4, 6, 8]), out, workers=1, notice=notes.append)
    assert (again.skipped, len(notes)) == (3, 1)  # B's own rows resume


def test_a_point_of_three_versions_keeps_a_row_of_each_in_the_side_file(tmp_path, monkeypatch):
    out, side = tmp_path / "r.csv", tmp_path / "r.csv.removed.csv"
    run_sweep(_spec([4]), out, workers=1)
    first = model.fingerprint()
    monkeypatch.setattr(model, "fingerprint", lambda: NEXT)
    run_sweep(_spec([4]), out, workers=1)
    monkeypatch.setattr(model, "fingerprint", lambda: "9.9.9+src.0123456789abcdef")  # NEXT edited
    notes = []
    assert run_sweep(_spec([4]), out, workers=1, notice=notes.append).skipped == 0
    assert "(the same version with other source files)" in notes[0]
    assert [row["cimsim"] for row in _rows(side)] == [first, NEXT]


def _old_file(path, header, cells):
    """a results file as an earlier cimsim wrote it: no cimsim column"""
    lines = [[*header, CHECKSUM], *([*c, checksum(c)] for c in cells)]
    path.write_text("".join(",".join(line) + "\n" for line in lines))


def test_a_file_written_before_rows_recorded_their_cimsim_is_run_again(tmp_path):
    out, side = tmp_path / "r.csv", tmp_path / "r.csv.removed.csv"
    run_sweep(_spec([4, 6]), out, workers=1)
    header = ["point_id", "adc.bits", "energy_pj", "status", "error"]
    cells = [[row[c] for c in header] for row in _rows(out)]
    _old_file(out, header, cells)
    _old_file(side, header, [["0123456789abcdef", "5", "1.0", "ok", ""]])  # a point removed before, its columns too
    notes = []
    summary = run_sweep(_spec([4, 6]), out, workers=1, notice=notes.append)
    assert (summary.ok, summary.skipped) == (2, 0)
    assert notes == [f"{out}: 2 rows were written by an earlier cimsim (the file records no version), not by this "
                     f"{model.describe(model.fingerprint())}: the model may have changed since; moved to {side}, and "
                     "their points run again"]
    assert out.read_text().splitlines()[0] == "point_id,adc.bits,energy_pj,status,error,cimsim,checksum"
    kept = _rows(side)  # the side file rewritten with the cimsim column: its own row and the moved ones
    assert [[row[c] for c in header] + [row["cimsim"]] for row in kept] == [
        ["0123456789abcdef", "5", "1.0", "ok", "", ""], *([*c, ""] for c in cells)]
    assert all(row[CHECKSUM] == checksum([v for k, v in row.items() if k != CHECKSUM]) for row in kept)


def _other_worker() -> str:
    """a Dask worker's fingerprint, where its cimsim has other files"""
    return NEXT


def test_a_cluster_whose_workers_run_other_cimsim_files_is_refused(tmp_path, monkeypatch):
    distributed = pytest.importorskip("distributed")
    monkeypatch.setattr(model, "_on_worker", _other_worker)
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False, protocol="tcp", host="127.0.0.1",
                                  dashboard_address=None) as cluster:
        with pytest.raises(ConfigError, match=rf"has 1 of 1 workers computing with other cimsim source files "
                                              rf"than this cimsim {re.escape(__version__)} .*cimsim 9\.9\.9"):
            run_sweep(_spec([4]), tmp_path / "r.csv", scheduler=cluster.scheduler_address)
    assert not (tmp_path / "r.csv").exists()


def test_rows_a_worker_computed_with_other_source_files_are_not_written(tmp_path, monkeypatch):
    """a Dask worker restarted after the source files changed computes with other code, which the check at connect
    cannot see: each outcome carries its worker's fingerprint, and rows of another stop the run unwritten (they had
    been recorded as the sweep's; a probe doubled a gain in the files and killed the workers)"""
    out = tmp_path / "r.csv"
    run_sweep(_spec([4]), out, workers=1)
    monkeypatch.setattr("cimsim.sweep.metrics.model", SimpleNamespace(fingerprint=lambda: NEXT))  # the worker alone
    summary = run_sweep(_spec([4, 6, 8]), out, workers=1)
    this = model.describe(model.fingerprint())  # local workers: this process loaded cimsim before the files changed
    assert summary.stopped == (f"a worker computed with cimsim 9.9.9 (source 00000000deadbeef), not this {this} (the "
                               "source files changed since this process first read them): its rows are not written; "
                               "run the sweep from a new process (a script: restart it)")
    assert [row["adc.bits"] for row in _rows(out)] == ["4"] and summary.ok == 1
    # a worker of a cimsim from before outcomes said which (its Outcome unpickled without one) is no exception
    monkeypatch.setattr("cimsim.sweep.metrics.model", SimpleNamespace(fingerprint=lambda: ""))
    assert run_sweep(_spec([4, 6, 8]), out, workers=1).stopped.startswith(
        f"a worker computed with a cimsim that does not say which, not this {this}")
    monkeypatch.undo()
    assert run_sweep(_spec([4, 6, 8]), out, workers=1).ok == 3  # the same command resumes


def test_a_dask_worker_of_other_source_files_is_told_to_get_this_cimsim():
    from cimsim.sweep.execute import _check_sources, _WriteFailed
    from cimsim.sweep.metrics import Outcome

    with pytest.raises(_WriteFailed, match=r"not this .* \(restarted after the source files changed\?\): its rows "
                                           r"are not written; give the workers this cimsim$"):
        _check_sources([(None, Outcome("p", {}, source=NEXT))], "tcp://127.0.0.1:8786")
    _check_sources([(None, Outcome("p", {}, source=model.fingerprint())), (None, None)], "tcp://127.0.0.1:8786")
