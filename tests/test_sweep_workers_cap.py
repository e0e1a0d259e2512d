"""A sweep starts no more local processes than it has tasks, so any worker count runs (2**31 - 1 and more had ended
in an OverflowError: a process pool's call queue is a semaphore of workers + 1); open_executor refuses, naming
workers, a count no pool can hold."""

from __future__ import annotations

import contextlib
import csv
from concurrent.futures import ThreadPoolExecutor
from multiprocessing.synchronize import SEM_VALUE_MAX
from pathlib import Path

import pytest
from click.testing import CliRunner

from cimsim.cli import main
from cimsim.sweep import run_sweep, spec_from_dict
from cimsim.sweep.execute import open_executor

DEFAULT = (Path(__file__).resolve().parents[1] / "configs" / "default.toml").as_posix()


def _spec(bits):
    return spec_from_dict({"base": DEFAULT, "kind": "analytic", "objectives": ["energy_pj"],
                           "axes": {"adc.bits": bits}})


@pytest.fixture
def asked(monkeypatch):
    """the local worker count each sweep asks open_executor for; its points run on a thread of this process"""
    counts = []

    @contextlib.contextmanager
    def executor(workers, scheduler, *, checked=False):
        counts.append(workers)
        with ThreadPoolExecutor(1) as pool:
            yield pool

    monkeypatch.setattr("cimsim.sweep.execute.open_executor", executor)
    return counts


@pytest.mark.parametrize("workers, expected", [(1, 1), (2, 2), (3, 3), (64, 3), (2**31 - 1, 3), (2**31, 3),
                                               (10**30, 3)])
def test_local_processes_are_capped_at_the_tasks(tmp_path, asked, workers, expected):
    """3 analytic points: one task each for 3 or more workers (the chunk is len(points) / (4 * workers))"""
    summary = run_sweep(_spec([4, 5, 6]), tmp_path / "out.csv", workers=workers)
    assert (summary.ok, summary.failed) == (3, 0)
    assert asked == [expected]


def test_the_cli_runs_a_sweep_with_the_largest_worker_counts(tmp_path, asked):
    spec = tmp_path / "small.toml"
    spec.write_text(f'base = "{DEFAULT}"\nkind = "analytic"\n[axes]\n"adc.bits" = [5, 6]\n')
    for k, workers in enumerate(("2147483647", "99999999999999999999")):
        run = CliRunner().invoke(main, ["sweep", str(spec), "-o", str(tmp_path / f"out{k}.csv"), "--workers", workers])
        assert run.exit_code == 0, run.output
        assert "2 points, 2 ok, 0 failed" in run.output and "internal error" not in run.output
    assert asked == [2, 2]


def test_a_huge_worker_count_runs_on_real_processes(tmp_path):
    """the pool itself: 2 points, 2 spawned processes, whatever the count asked"""
    out = tmp_path / "out.csv"
    summary = run_sweep(_spec([5, 6]), out, workers=2**31)
    assert (summary.total, summary.ok, summary.failed, summary.stopped) == (2, 2, 0, None)
    rows = list(csv.DictReader(out.open()))
    assert [r["status"] for r in rows] == ["ok", "ok"] and all(float(r["energy_pj"]) > 0 for r in rows)


def test_a_numpy_worker_count_runs_on_real_processes(tmp_path):
    """np.int64(1) had passed the check and reached threadpoolctl in each worker, which refuses a numpy int: every
    worker failed to start, blamed on a missing main guard (a probe)"""
    import numpy as np

    summary = run_sweep(_spec([5, 6]), tmp_path / "out.csv", workers=np.int64(1))
    assert (summary.total, summary.ok, summary.failed, summary.stopped) == (2, 2, 0, None)


@pytest.mark.parametrize("workers", [SEM_VALUE_MAX, SEM_VALUE_MAX + 1, 10**30])  # 2**31 - 1 on Linux
def test_open_executor_refuses_more_processes_than_a_pool_can_count(workers):
    """no task count to cap it (a caller such as simulate_network's split): one clear error, no process started"""
    with pytest.raises(ValueError, match=rf"^workers={workers}: more local processes than a process pool can count "
                                         rf"here; at most {SEM_VALUE_MAX - 1}$"):
        with open_executor(workers, None):
            pass


def test_a_network_run_starts_no_more_processes_than_its_sample_ranges(asked):
    """simulate_network had passed the worker count itself: workers=2**31 ended in the pool's OverflowError"""
    from cimsim.config import load_config, with_overrides
    from cimsim.inference import simulate_network

    mlp = (Path(__file__).resolve().parents[1] / "configs" / "digits-mlp.toml").as_posix()
    config = with_overrides(load_config(mlp), {"workload.vectors": 48, "simulation.batch_size": 16})
    result = simulate_network(config, workers=2**31)
    assert asked == [3] and result.samples == 48


def test_more_workers_than_cores_are_warned_of(tmp_path):
    """--workers 500 on 2 cores ran 18x slower than 2, with nothing said (a probe): more processes than cores that
    start (no more than the tasks) are warned of, on the command line and in a script; the sweep still runs"""
    from click.testing import CliRunner

    from cimsim.cli import main
    from cimsim.cores import usable_cores

    spec = tmp_path / "s.toml"
    spec.write_text(f'base = "{(Path(__file__).resolve().parents[1] / "configs" / "default.toml").as_posix()}"\n'
                    '[axes]\n"adc.bits" = [4]\n')
    result = CliRunner().invoke(main, ["sweep", str(spec), "-o", str(tmp_path / "r.csv"), "--workers",
                                       str(usable_cores() + 1)])
    assert result.exit_code == 0, result.output
    assert "warning: " not in result.output  # one point: one process starts, on its core
    vectors = list(range(1, 2 * usable_cores() + 3))  # more tasks than workers (an axis any core count takes)
    spec.write_text(spec.read_text().replace('"adc.bits" = [4]', f'"workload.vectors" = {vectors}'))
    result = CliRunner().invoke(main, ["sweep", str(spec), "-o", str(tmp_path / "r2.csv"), "--workers",
                                       str(usable_cores() + 1)])
    assert result.exit_code == 0, result.output
    assert (f"warning: {usable_cores() + 1} worker processes on {usable_cores()} usable cores: they share the cores"
            in result.output)
    with pytest.warns(RuntimeWarning, match="worker processes on .* usable cores: they share the cores"):
        run_sweep(spec, tmp_path / "r3.csv", workers=usable_cores() + 1)


def test_a_run_with_more_workers_than_cores_is_warned_of_too():
    """cimsim run --workers / simulate(workers=) started as many processes with nothing said (a review)"""
    import cimsim
    from cimsim.cores import usable_cores

    mlp = Path(__file__).resolve().parents[1] / "configs" / "digits-mlp.toml"
    chunk = max(1, 540 // (usable_cores() + 2))  # 540 samples in more chunks than workers (below 539 cores)
    with pytest.warns(RuntimeWarning, match=f"{usable_cores() + 1} worker processes on {usable_cores()} usable "
                                            "cores") as said:
        cimsim.simulate(mlp, {"workload.vectors": 540, "simulation.batch_size": chunk}, workers=usable_cores() + 1)
    assert [w.filename for w in said if "worker processes" in str(w.message)] == [__file__]  # the caller's line
