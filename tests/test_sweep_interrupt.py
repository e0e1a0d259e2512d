"""Ctrl-C at a terminal (SIGINT to the whole process group) during a sweep: the sweep says it stopped and exits 130,
keeping every finished row, with no traceback (not from the workers while they start either); a second Ctrl-C ends
the workers without waiting for their points; the lock is gone and a re-run completes the file. Ctrl-C only sets
a flag read between waits: one landing inside the futures' bookkeeping had left the sweep hung for good."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from cimsim.sweep import expand, load_spec
from cimsim.sweep.lock import lock_path

ROOT = Path(__file__).resolve().parents[1]
SPEC = f"""
base = "{(ROOT / "configs" / "default.toml").as_posix()}"
kind = "functional"
[axes]
"adc.bits" = [4, 5, 6, 7, 8, 9, 10, 11]
[set]
"workload.vectors" = 4000
"""


def _started(tmp_path: Path, workers: int = 2) -> tuple[subprocess.Popen, Path, Path]:
    spec, out = tmp_path / "spec.toml", tmp_path / "r.csv"
    spec.write_text(SPEC)
    command = [sys.executable, "-m", "cimsim.cli", "sweep", str(spec), "-o", str(out), "--workers", str(workers)]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True, preexec_fn=_default_signals)
    return proc, spec, out


def _default_signals() -> None:
    """the sweep starts with Ctrl-C and SIGTERM at their defaults, as from a shell: a test runner's worker may
    ignore SIGINT, and an ignored SIGINT stays ignored in its children (the sweep then ran to its end)"""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _rows(out: Path) -> int:
    return out.read_text().count("\n") - 1 if out.exists() else 0


def _wait_for_a_row(proc: subprocess.Popen, out: Path) -> None:
    """until the sweep has written its first row (or ended, or two minutes passed)"""
    deadline = time.monotonic() + 120
    while proc.poll() is None and time.monotonic() < deadline and _rows(out) < 1:
        time.sleep(0.01)


def test_ctrl_c_while_the_workers_start_stops_without_a_traceback(tmp_path):
    proc, _, out = _started(tmp_path)
    children = Path(f"/proc/{proc.pid}/task/{proc.pid}/children")
    deadline = time.monotonic() + 60
    while proc.poll() is None and time.monotonic() < deadline and len(children.read_text().split()) < 3:
        time.sleep(0.01)  # multiprocessing's resource tracker and the two workers
    time.sleep(0.3)  # the workers are importing numpy and cimsim
    os.killpg(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert "stopped: interrupted" in err and "Traceback" not in err and "KeyboardInterrupt" not in err
    assert not lock_path(out).exists()


def test_a_second_ctrl_c_ends_the_points_in_progress_and_a_re_run_completes(tmp_path):
    proc, spec, out = _started(tmp_path)
    _wait_for_a_row(proc, out)
    os.killpg(proc.pid, signal.SIGINT)
    time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "stopped: interrupted" in err and "Traceback" not in err
    kept = _rows(out)
    assert 1 <= kept < 8 and not lock_path(out).exists()
    rerun = subprocess.run([sys.executable, "-m", "cimsim.cli", "sweep", str(spec), "-o", str(out), "--workers", "2"],
                           capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    assert f"; {kept} of them from an earlier run" in rerun.stdout + rerun.stderr
    assert _rows(out) == len(expand(load_spec(spec)))


def test_sigterm_to_the_group_stops_at_once_with_143_and_leaves_no_lock(tmp_path):
    """a batch scheduler's SIGTERM (to the sweep and its workers): the rows written stay, the lock goes, exit 143
    (it had left the lock behind and a multiprocessing warning, saying nothing)"""
    proc, _, out = _started(tmp_path)
    _wait_for_a_row(proc, out)
    os.killpg(proc.pid, signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 143, err
    assert "stopped: terminated (SIGTERM)" in err and "Traceback" not in err and "leaked" not in err
    assert _rows(out) >= 1 and not lock_path(out).exists()


def test_a_ctrl_c_while_the_points_are_submitted_is_kept_not_lost():
    """Ctrl-C while the workers spawn is held back (blocked: the workers start with it blocked) and delivered to the
    sweep's flag after: the run stops as interrupted. Ignored instead, it had been lost and the sweep ran to its end."""
    from concurrent.futures import ThreadPoolExecutor

    from cimsim.sweep.execute import _collect

    class Interrupting(ThreadPoolExecutor):
        def submit(self, fn, *args, **kwargs):  # Ctrl-C pressed while the first point is submitted
            if not getattr(self, "pressed", False):
                self.pressed = True
                os.kill(os.getpid(), signal.SIGINT)
            return super().submit(lambda task: [], *args, **kwargs)

    previous = signal.signal(signal.SIGINT, signal.default_int_handler)  # as in a program run from a shell
    try:
        with Interrupting(1) as executor:
            assert _collect(executor, [["a"], ["b"]], {}, lambda rows: None) == "interrupted"
    finally:
        signal.signal(signal.SIGINT, previous)


def test_one_ctrl_c_lets_only_the_points_in_progress_finish(tmp_path):
    """one worker, Ctrl-C once the first row is written: the point in progress finishes, no queued one starts (the
    pool had taken two more into its call queue, and ran them)"""
    proc, _, out = _started(tmp_path, workers=1)
    _wait_for_a_row(proc, out)
    os.killpg(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert 1 <= _rows(out) <= 2, (_rows(out), err)


def test_a_ctrl_c_once_every_point_is_written_stops_nothing(tmp_path):
    """(a Ctrl-C during the last point's write had said 'stopped: interrupted; 0 points not run', exit 130)"""
    from cimsim.sweep import run_sweep

    spec = tmp_path / "spec.toml"
    spec.write_text(SPEC.replace('kind = "functional"', 'kind = "analytic"'))

    def press_at_the_end(done: int, failed: int, total: int) -> None:
        if done == total:
            os.kill(os.getpid(), signal.SIGINT)

    previous = signal.signal(signal.SIGINT, signal.default_int_handler)  # as in a program run from a shell
    try:
        summary = run_sweep(spec, tmp_path / "r.csv", workers=1, progress=press_at_the_end)
    finally:
        signal.signal(signal.SIGINT, previous)
    assert summary.complete and summary.stopped is None and summary.ok == 8


def test_a_failed_start_is_still_said_when_every_point_is_in_the_file(tmp_path, monkeypatch):
    """a point removed from the spec whose row cannot be set aside (a full disk): the run says so and stops, though
    every point it has is in the file (the completion rule for a late Ctrl-C had dropped every stop reason)"""
    import errno

    from cimsim.sweep import execute, run_sweep

    spec, out = tmp_path / "spec.toml", tmp_path / "r.csv"
    spec.write_text(SPEC.replace('kind = "functional"', 'kind = "analytic"'))
    assert run_sweep(spec, out, workers=1).complete
    spec.write_text(SPEC.replace('kind = "functional"', 'kind = "analytic"').replace(", 11]", "]"))

    def full_disk(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(execute, "put_aside", full_disk)
    summary = run_sweep(spec, out, workers=1)
    assert summary.complete and summary.stopped and "No space left on device" in summary.stopped
