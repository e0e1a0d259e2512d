"""Smoke test of benchmarks/bench_mvm.py: the script runs and prints its table. Not a timing test."""

import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_mvm.py"


def _run(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, timeout=timeout,
                          cwd=BENCH.parents[1])


def test_bench_mvm_quick_runs_and_prints_a_row_per_case(tmp_path):
    pytest.importorskip("threadpoolctl")
    out_file = tmp_path / "bench.md"
    proc = _run(str(BENCH), "--quick", "--repeat", "1", "--sizes", "16", "24", "--batch", "50", "-o", str(out_file))
    assert proc.returncode == 0, proc.stderr
    rows = [line for line in proc.stdout.splitlines() if line.startswith("| 16x16 |") or line.startswith("| 24x24 |")]
    assert len(rows) == 4  # two sizes x (parallel, bit-serial)
    assert sum("parallel" in r for r in rows) == 2 and sum("bit_serial" in r for r in rows) == 2
    for row in rows:
        cells = [c.strip() for c in row.strip("|").split("|")]
        assert len(cells) == 9
        assert cells[2] == "50"
        assert float(cells[3]) > 0 and float(cells[5]) > 0
    assert "internal_api=" in proc.stdout
    assert "- int8 products: " in proc.stdout  # the products' path: it changes the ratio 2.6x (a probe)
    written = out_file.read_text()
    assert all(r in written for r in rows)


# ---- the benchmarks measure what they claim (each test imports one piece of a script; nothing is timed) ----------
BENCHMARKS = BENCH.parent


@pytest.fixture
def bench(monkeypatch):
    """the benchmarks' folder on the path, as when a script runs, and cimsim's worker threads restored after"""
    from cimsim.numerics import set_worker_threads
    from cimsim.numerics.threads import worker_threads

    monkeypatch.syspath_prepend(str(BENCHMARKS))
    workers = worker_threads()
    yield
    set_worker_threads(workers)


def test_bit_serial_target_runs_cimsim_on_the_threads_of_its_reference(bench, monkeypatch):
    import threading

    import bench_targets
    from cimsim.numerics import USABLE_CORES, threads

    seen, timing, pieces, race = [], [False], threads._pieces, bench_targets.race

    def spy(*args):
        if timing[0]:
            seen[-1].add(threading.current_thread().name)
        return pieces(*args)

    def timed(*args):  # the threads that run cimsim's row ranges during each race
        seen.append(set())
        timing[0] = True
        try:
            return race(*args)
        finally:
            timing[0] = False

    monkeypatch.setattr(threads, "_pieces", spy)
    monkeypatch.setattr(threads, "SPLIT_MIN_S", 0.0)  # a small batch is shared out too
    monkeypatch.setattr(bench_targets, "race", timed)
    w, x = bench_targets.data(256, 256, 1024)
    bench_targets.race({"mvm": lambda: bench_targets.programmed(bench_targets.design(256, 1024), w).mvm(x)}, 1)
    row = bench_targets.bit_serial_row(w, x, 1)
    assert len(seen[0]) == min(2, USABLE_CORES)  # the batch is large enough to be shared out
    assert seen[1] == {threading.current_thread().name}  # the timed calls: cimsim's row ranges on one thread
    assert "cimsim 1 worker thread(s) and BLAS 1; reference " in row and ", 1 thread(s))" in row
    assert "= fp32 path" in row  # the timed output is checked


def test_bench_mvm_blas_threads_limits_cimsim_workers_too(bench, monkeypatch, capsys):
    import bench_mvm
    from cimsim.numerics.threads import worker_threads

    used = []
    monkeypatch.setattr(bench_mvm, "run_case", lambda *a: used.append(worker_threads()) or {})
    monkeypatch.setattr(bench_mvm, "table_row", lambda r: "| row |")
    monkeypatch.setattr(bench_mvm, "cpu_busy_fraction", lambda: None)
    before = worker_threads()
    assert bench_mvm.main(["--blas-threads", "1", "--sizes", "16", "--dac", "parallel"]) == 0
    assert used == [1] and worker_threads() == before
    assert "limited to 1" in capsys.readouterr().out


def test_kill_sweeps_fails_on_temporary_files_left(bench):
    import argparse

    import kill_sweeps

    args = argparse.Namespace(seed=0, kills=0, kills_per_run=6, max_resumes=10)
    bench_ = kill_sweeps.Bench(args, BENCHMARKS, None)
    bench_.ids = {name: [] for name in kill_sweeps.SPECS}
    assert kill_sweeps.report(bench_, 1.0, [], (0.0, 0.0, 0.0))[1]
    bench_.stray_tmp = 1
    text, ok = kill_sweeps.report(bench_, 1.0, [], (0.0, 0.0, 0.0))
    assert not ok and "PROBLEMS" in text


def test_output_check_compares_the_timed_output_with_the_fp32_path(bench):
    import numpy as np

    import bench_targets

    w, x = bench_targets.data(64, 64, 200)
    cfg = bench_targets.design(64, 200)
    xbar = bench_targets.programmed(cfg, w)
    twin = bench_targets.fp32_twin(cfg, w, x)
    text, same = bench_targets.output_check(xbar.mvm(x), twin, True)
    assert same and "= fp32 path" in text
    changed = xbar.mvm(x) * (1 + 1e-12)
    text, same = bench_targets.output_check(changed, twin, True)
    assert not same and "DIFFERS" in text
    row = bench_targets.ratio_row("1", "case", 1.0, 10.0, "ref", 0.4, (text, same))
    assert "| FAIL |" in row  # fast but a changed answer: no pass
    assert bench_targets.output_check(changed, twin, False)[1]  # noisy designs: the error alone
    err = np.linalg.norm(changed - twin[1]) / np.linalg.norm(twin[1])  # against the float64 exact product
    assert float(text.split(",")[0]) == pytest.approx(err, rel=1e-3)


def test_bench_models_prints_the_first_call_beside_the_best(bench, monkeypatch):
    import time

    import bench_models

    calls = []

    def price(config, model):
        calls.append(model)
        time.sleep(0.05 if len(calls) == 1 else 0.0)

    monkeypatch.setattr(bench_models, "_price", price)
    first, best = bench_models.timed_ms(None, "m", 3)
    assert len(calls) == 4 and first >= 50 and best < 25


def test_startup_target_has_one_definition(bench, monkeypatch):
    import bench_cli
    import bench_targets

    assert bench_cli.startup is bench_targets.startup
    envs, times = [], iter([9.0, 5.0, 3.0, 1.0, 2.0, 2.5, 0.5])
    monkeypatch.setattr(bench_targets, "_cli_run", lambda env: envs.append(dict(env)) or next(times))
    first, warm = bench_targets.startup(5)
    assert first == 5.0 and warm == [0.5, 1.0, 2.0, 2.5, 3.0]  # the untimed run that fills the bytecode dropped
    assert envs[0]["NUMBA_CACHE_DIR"] != envs[1]["NUMBA_CACHE_DIR"] == envs[-1]["NUMBA_CACHE_DIR"]
    assert "median" in bench_targets.STARTUP_DEFINITION


def test_an_import_scripts_names_take_help_and_refuse_an_unknown_one(bench, capsys):
    """import_*.py had raised a KeyError on --help or an unknown name, or printed an empty table with exit 0"""
    from model_names import wanted_names

    known = {"resnet18", "hf llama"}
    assert wanted_names("the doc", known, ["hf llama"]) == ["hf llama"] and wanted_names("doc", known, []) == []
    with pytest.raises(SystemExit) as ended:
        wanted_names("the doc", known, ["--help"])
    assert ended.value.code == 0 and capsys.readouterr().out == "the doc\n"
    with pytest.raises(SystemExit) as ended:
        wanted_names("the doc", known, ["resnet19"])
    said = capsys.readouterr().err
    assert ended.value.code == 2 and "unknown model(s) 'resnet19'; known: 2, nearest: resnet18" in said
    with pytest.raises(SystemExit):
        wanted_names("the doc", known, ["vgg"])  # nothing near: the names known
    assert "unknown model(s) 'vgg'; known: 2, hf llama, resnet18" in capsys.readouterr().err


@pytest.mark.parametrize("script", ["bench_targets.py", "bench_networks.py"])
def test_a_benchmark_refuses_zero_rounds(script):
    """--repeat 0 had ended in a KeyError after the setup"""
    proc = _run(str(BENCHMARKS / script), "--repeat", "0", timeout=60)
    assert proc.returncode == 2 and "--repeat must be at least 1" in proc.stderr
