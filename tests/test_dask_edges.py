"""A Dask cluster that cannot run the work, and a missing extra: a clear refusal in seconds, never a silent wait; a
sweep point that failed for a missing package runs again once it is installed."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from dask import distributed  # the test extra installs it

import cimsim
from cimsim.cli import main
from cimsim.errors import ConfigError
from cimsim.sweep import cluster, run_sweep

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = (ROOT / "configs" / "default.toml").as_posix()
MLP = (ROOT / "configs" / "digits-mlp.toml").as_posix()
ANALYTIC = f'base = "{DEFAULT}"\n[axes]\n"adc.bits" = [4, 8]\n'
BLOCKER = """import os, sys
from importlib.machinery import ModuleSpec
_names = set(filter(None, os.environ.get("BLOCK", "").split(",")))
class _Loader:
    def create_module(self, spec):
        raise ModuleNotFoundError(f"No module named {spec.name!r}", name=spec.name)
    def exec_module(self, module): pass
class _Blocker:
    def find_spec(self, fullname, path=None, target=None):
        return ModuleSpec(fullname, _Loader()) if fullname.split(".")[0] in _names else None
sys.meta_path.insert(0, _Blocker())
"""


def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def bounded(call, *args, seconds=40, **kwargs):
    """``call(*args, **kwargs)``'s result (or its exception): a test failure, not a hung test, when it is still
    waiting after ``seconds``"""
    box = {}

    def run():
        try:
            box["value"] = call(*args, **kwargs)
        except BaseException as exc:  # noqa: BLE001 -- raised again in the test's thread
            box["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    if thread.is_alive():
        pytest.fail(f"{call.__name__} still waiting after {seconds} s")
    if "error" in box:
        raise box["error"]
    return box["value"]


@pytest.fixture
def no_workers(monkeypatch):
    """the address of a scheduler without workers, which a run waits 1 s for"""
    monkeypatch.setattr(cluster, "WORKER_WAIT_S", 1.0)
    with distributed.LocalCluster(n_workers=0, processes=False, protocol="tcp", host="127.0.0.1",
                                  dashboard_address=None) as local:
        yield local.scheduler_address


def test_sweep_on_a_scheduler_without_workers_is_refused_in_seconds(tmp_path, no_workers):
    """It had waited for ever, saying nothing; a refused run leaves no results file behind."""
    (spec := tmp_path / "spec.toml").write_text(ANALYTIC)
    start = time.monotonic()
    with pytest.raises(ConfigError, match=f"scheduler at {no_workers} has no workers after 1 s; start workers with "
                                          f"`dask worker {no_workers}`"):
        bounded(run_sweep, spec, tmp_path / "r.csv", scheduler=no_workers)
    assert time.monotonic() - start < 20 and not (tmp_path / "r.csv").exists()
    result = bounded(invoke, "sweep", spec, "-o", tmp_path / "r.csv", "--scheduler", no_workers)
    assert result.exit_code == 2 and "has no workers after 1 s" in result.output and "Traceback" not in result.output


def test_run_and_simulate_on_a_scheduler_without_workers_are_refused(no_workers):
    with pytest.raises(ConfigError, match="has no workers after 1 s"):
        bounded(cimsim.simulate, MLP, {"simulation.batch_size": 64}, scheduler=no_workers)
    result = bounded(invoke, "run", MLP, "--set", "simulation.batch_size=64", "--scheduler", no_workers)
    assert result.exit_code == 2 and "error: scheduler: the Dask scheduler at" in result.output


def test_workers_that_cannot_import_cimsim_are_named(tmp_path, monkeypatch):
    """Such a worker dies on its first task (it cannot unpickle it) and the run had waited for ever."""
    (tmp_path / "sitecustomize.py").write_text(BLOCKER)
    env = dict(os.environ, PYTHONPATH=str(tmp_path), BLOCK="cimsim")
    dask = Path(sys.executable).with_name("dask")
    with distributed.LocalCluster(n_workers=0, processes=False, protocol="tcp", host="127.0.0.1",
                                  dashboard_address=None) as local:
        address = local.scheduler_address
        worker = subprocess.Popen([dask, "worker", address, "--nthreads", "1", "--no-dashboard"], env=env, cwd=tmp_path,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            with pytest.raises(ConfigError, match=r"has 1 of 1 workers without cimsim \S+ \(tcp://[^:]+:\d+: cannot "
                                                  r"import cimsim \(.*No module named 'cimsim'"):
                bounded(run_sweep, ROOT / "configs" / "sweep-adc.toml", tmp_path / "r.csv", scheduler=address)
        finally:
            worker.terminate()
            worker.wait(30)


def test_workers_with_another_cimsim_are_named(tmp_path, monkeypatch):
    monkeypatch.setattr(cluster, "_version", lambda: "0.0.9")  # what such a worker answers
    (spec := tmp_path / "spec.toml").write_text(ANALYTIC)
    with distributed.LocalCluster(n_workers=2, processes=False, protocol="tcp", host="127.0.0.1",
                                  dashboard_address=None) as local:
        with pytest.raises(ConfigError, match=rf"has 2 of 2 workers without cimsim {cimsim.__version__} "
                                              r"\(tcp://[^:]+:\d+: cimsim 0\.0\.9; tcp://[^:]+:\d+: cimsim 0\.0\.9\)"):
            bounded(run_sweep, spec, tmp_path / "r.csv", scheduler=local.scheduler_address)


def test_run_and_compare_without_dask_say_which_extra_and_exit_2(monkeypatch):
    """They had ended in 'internal error, ImportError: ...' and exit 1 (sweep said it cleanly, with 2)."""
    monkeypatch.setitem(sys.modules, "dask.distributed", None)
    for command in ("run", "compare"):
        result = invoke(command, MLP, "--set", "simulation.batch_size=64", "--scheduler", "tcp://127.0.0.1:1")
        assert result.exit_code == 2, result.output
        assert result.output.splitlines()[-1] == ("error: a scheduler (--scheduler) needs Dask: install the dask "
                                                  "extra: pip install '.[dask]'")
        assert "internal error" not in result.output


def _needs_a_package(config):
    """a point's failure for want of a package, as a network file in ONNX without onnx gives"""
    try:
        importlib.import_module("cimsim_no_such_extra")
    except ImportError:
        raise ConfigError("x.toml", [("workload.network_file", "needs the x package: pip install '.[x]'")]) from None


def _fails_itself(config):
    raise ValueError("this point cannot work")


def test_a_point_failed_for_a_missing_package_runs_again_on_resume(tmp_path, monkeypatch):
    """Such a point had been kept as failed after the package was installed ('2 failed (2 from an earlier run)');
    one that failed for itself still is."""
    from cimsim.sweep import metrics

    (spec := tmp_path / "spec.toml").write_text(ANALYTIC)
    output = tmp_path / "r.csv"
    with distributed.LocalCluster(n_workers=1, processes=False, protocol="tcp", host="127.0.0.1",
                                  dashboard_address=None) as local:
        address = local.scheduler_address
        for failure, error, failed_again in ((_needs_a_package, "missing package (the point runs again once it is "
                                              "installed): needs the x package", 0),
                                             (_fails_itself, "ValueError: this point cannot work", 2)):
            output.unlink(missing_ok=True)
            with monkeypatch.context() as patch:
                patch.setattr(metrics, "analytic_metrics", failure)
                first = run_sweep(spec, output, scheduler=address)
            assert (first.ok, first.failed) == (0, 2) and output.read_text().count(f",failed,{error}") == 2
            notes = []
            again = run_sweep(spec, output, scheduler=address, notice=notes.append)
            assert (again.ok, again.failed, again.skipped) == (2 - failed_again, failed_again, failed_again)
            assert len(notes) == 2 - failed_again
            assert all("a point that failed for want of a package (installed since?); left out" in n for n in notes)
    assert output.read_text().count(",failed,ValueError: this point cannot work,") == 2


def test_a_sweeps_client_holds_dasks_client_log_to_critical_messages():
    """a scheduler lost mid-sweep had printed two tracebacks of the client's reconnection (distributed.client, ERROR)
    before the sweep's own line saying the cluster cancelled its tasks; the level is restored after"""
    import logging

    from cimsim.sweep.executors import open_executor

    log = logging.getLogger("distributed.client")
    before = log.level
    with distributed.LocalCluster(n_workers=1, processes=False, protocol="tcp", host="127.0.0.1",
                                  dashboard_address=None) as local:
        with open_executor(None, local.scheduler_address, checked=True) as executor:
            assert log.level == logging.CRITICAL and executor.submit(abs, -2).result(30) == 2
    assert log.level == before
