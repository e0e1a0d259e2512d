"""A sweep's progress callback, as a script passes it: called once per batch of finished rows after they are written,
its own error raised to the caller (not reported as a lost worker), and refused by name when it is no callable."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from cimsim.sweep import run_sweep

DEFAULT = Path(__file__).resolve().parents[1] / "configs" / "default.toml"


def _spec(tmp_path: Path) -> Path:
    spec = tmp_path / "spec.toml"
    spec.write_text(f'base = "{DEFAULT.as_posix()}"\nkind = "analytic"\n[axes]\n"adc.bits" = [4, 5, 6, 7, 8]\n')
    return spec


def test_an_error_of_the_progress_callback_reaches_the_caller_and_the_rows_stay(tmp_path):
    """RuntimeError('bug in my progress bar') had been caught as 'a worker was lost' and the run ended quietly"""
    calls = []

    def progress(done, failed, total):
        calls.append((done, failed, total))
        if done:
            raise RuntimeError("bug in my progress bar")

    out = tmp_path / "r.csv"
    with pytest.raises(RuntimeError, match="bug in my progress bar"):
        run_sweep(_spec(tmp_path), out, workers=1, progress=progress)
    assert calls[0] == (0, 0, 5) and len(calls) == 2 and calls[1][0] > 0  # the start once (it had been twice)
    with open(out, newline="") as f:
        written = len(list(csv.DictReader(f)))
    assert written >= calls[1][0]  # the rows are written before the callback runs: a re-run resumes them
    summary = run_sweep(_spec(tmp_path), out, workers=1)
    assert summary.skipped == written and summary.ok == 5 and summary.complete


def test_a_progress_that_is_no_callable_is_refused_by_name(tmp_path):
    with pytest.raises(TypeError, match=r"progress must be a callable \(called with the points done, failed and in "
                                        r"all\) or None; got int 3"):
        run_sweep(_spec(tmp_path), tmp_path / "r.csv", progress=3)


def test_an_empty_line_in_the_results_is_no_damaged_point(tmp_path):
    """an empty line an editor left at the end had been warned of as 'line 8: 0 fields, expected 9; left out, its
    point runs again', though no point was involved"""
    out, notes = tmp_path / "r.csv", []
    run_sweep(_spec(tmp_path), out, workers=1)
    out.write_text(out.read_text() + "\n\n")
    summary = run_sweep(_spec(tmp_path), out, workers=1, notice=notes.append)
    assert summary.skipped == 5 and not any("fields, expected" in n for n in notes + list(summary.notes)), notes


def test_an_error_of_the_progress_callback_at_an_invalid_point_reaches_the_caller(tmp_path):
    """the rows of invalid points are recorded before any point runs: the callback's error there had surfaced as
    the private _ProgressFailed"""
    spec = tmp_path / "spec.toml"
    spec.write_text(f'base = "{DEFAULT.as_posix()}"\nkind = "analytic"\n[axes]\n"array.rows_per_read" = [64, 512]\n')

    def progress(done, failed, total):
        if done:
            raise RuntimeError("bug in my progress bar")

    with pytest.raises(RuntimeError, match="bug in my progress bar"):
        run_sweep(spec, tmp_path / "r.csv", workers=1, progress=progress)
