"""one_blas_thread holds every BLAS library on one thread from any Python thread: threadpoolctl lets only its first
"controlling" thread set a pthreads OpenBLAS and ignores the others, so a simulate() run off the main thread had
multiplied on every core and rounded otherwise (relative error 0.21909427945777799 in the main thread,
0.2190942714779575 in another; probe, 2026-12-03)."""

from __future__ import annotations

import threading
from pathlib import Path

import cimsim
from cimsim.numerics.threads import _BLAS_LIBS, one_blas_thread

DEFAULT = Path(__file__).resolve().parents[1] / "configs" / "default.toml"


def _in_thread(call):
    out = []
    thread = threading.Thread(target=lambda: out.append(call()))
    thread.start()
    thread.join()
    return out[0]


def _limited_counts() -> list:
    with one_blas_thread():
        return [c.get_num_threads() for c in _BLAS_LIBS]


def test_one_blas_thread_holds_in_any_thread_and_restores():
    before = [c.get_num_threads() for c in _BLAS_LIBS]
    for c, n in zip(_BLAS_LIBS, before):
        c.set_num_threads(n)  # the main thread becomes threadpoolctl's controlling thread, as a first limit makes it
    assert _limited_counts() == [1] * len(_BLAS_LIBS)
    assert _in_thread(_limited_counts) == [1] * len(_BLAS_LIBS)
    with one_blas_thread():  # overlapping holders: the one leaving first restores nothing
        assert _in_thread(_limited_counts) == [1] * len(_BLAS_LIBS)
        assert [c.get_num_threads() for c in _BLAS_LIBS] == [1] * len(_BLAS_LIBS)
    assert [c.get_num_threads() for c in _BLAS_LIBS] == before


def test_a_simulation_gives_the_same_numbers_in_another_thread():
    def run():
        result = cimsim.simulate(DEFAULT, {"workload.vectors": 3000, "device.preset": "rram"}, seed=1).to_dict()
        return {k: v for k, v in result.items() if k != "wall_s"}  # the numbers, not the time they took

    assert _in_thread(run) == run()


def test_cimsims_own_limiters_share_one_count_and_a_fork_starts_clear():
    """int8.speedup() had used threadpoolctl's threadpool_limits, which, overlapping one_blas_thread in another thread,
    left the process on one BLAS thread; a child forked inside the block had kept one thread for good"""
    import inspect
    import os

    from cimsim.numerics import int8

    assert "threadpool_limits" not in inspect.getsource(int8.speedup)
    before = [c.get_num_threads() for c in _BLAS_LIBS]
    if not hasattr(os, "fork"):
        return
    read, write = os.pipe()
    with one_blas_thread():
        child = os.fork()
        if child == 0:  # the child: no holder of its parent's, the counts the parent found
            os.write(write, repr(([c.get_num_threads() for c in _BLAS_LIBS], _limited_counts())).encode())
            os._exit(0)
    os.waitpid(child, 0)
    counts, limited = eval(os.read(read, 4096).decode())
    assert counts == before and limited == [1] * len(_BLAS_LIBS)


def test_a_numba_thread_count_numba_cannot_take_is_named():
    """NUMBA_NUM_THREADS=0 had stopped the CLI with numba's 'Number of threads specified must be > 0.' (no variable
    named) and a script with numba's traceback; 'abc' had printed numba's parse traceback as a warning"""
    import os
    import subprocess
    import sys

    for value in ("0", "abc"):
        env = {**os.environ, "NUMBA_NUM_THREADS": value}
        run = subprocess.run([sys.executable, "-m", "cimsim", "estimate", str(DEFAULT)], env=env, capture_output=True,
                             text=True)
        assert run.returncode == 2 and "Traceback" not in run.stderr, run.stderr  # bad usage (it had been 1)
        assert f"NUMBA_NUM_THREADS={value!r} must be a whole number of at least 1" in run.stderr, run.stderr
    for value, first in (("+2", ""), ("abc", "import numba; ")):  # numba reads int('+2'); imported first, it warned
        code = f"{first}import cimsim; print(cimsim.estimate({str(DEFAULT)!r}).cim.macs > 0)"
        run = subprocess.run([sys.executable, "-c", code], env={**os.environ, "NUMBA_NUM_THREADS": value},
                             capture_output=True, text=True)
        assert run.returncode == 0 and run.stdout.strip() == "True", run.stderr
