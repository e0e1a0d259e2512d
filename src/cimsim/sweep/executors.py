"""Where a sweep's (or a split network run's) tasks run: spawned local worker processes sharing the cores, or the
executor of a Dask cluster; the checks that make a script without a main guard, a daemonic process or a cluster
running another cimsim one clear error, not a hang or multiprocessing's own traceback."""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import signal
import sys
import threading
import time
import warnings
from collections.abc import Iterator
from concurrent.futures import Executor, ProcessPoolExecutor
from concurrent.futures.process import EXTRA_QUEUED_CALLS, BrokenProcessPool

from ..config.toml_file import working_dir
from ..cores import usable_cores
from ..errors import caller_stacklevel
from .cluster import check_scheduler, check_workers
from .fingerprint import check_cluster

__all__ = ["DASK_MISSING", "open_executor", "check_not_bootstrapping", "signals_as", "sigint_blocked",
           "stop_workers"]

DASK_MISSING = "a scheduler (--scheduler) needs Dask: install the dask extra: pip install '.[dask]'"


def _dask_client(scheduler: str):
    """dask.distributed's Client class once ``scheduler`` answers as a Dask scheduler whose workers run this cimsim
    (:mod:`.cluster`: else a Client or its tasks wait for ever); an ImportError saying how to install Dask without it"""
    try:
        from dask.distributed import Client
    except ImportError:
        raise ImportError(DASK_MISSING) from None
    check_scheduler(scheduler)
    check_workers(scheduler)
    check_cluster(scheduler)  # and with this cimsim's files: a row records the sweep's fingerprint
    return Client


def check_not_bootstrapping(call: str) -> None:
    """A ValueError naming ``call`` in a spawned process still importing its parent's main module (a script without
    a main guard, run again in each worker), which must not start processes or a sweep: multiprocessing's own check
    (``spawn._check_not_importing_main``) would end it in a RuntimeError, and its parent in a BrokenProcessPool."""
    if getattr(multiprocessing.current_process(), "_inheriting", False):  # multiprocessing's own test of that
        raise ValueError(f"{call}: this process is a worker still starting: it imports {_main_module()} of the "
                         "process that started it, which made this call again; a script that starts worker processes "
                         "must make its cimsim calls under `if __name__ == \"__main__\":` (the Python docs: "
                         "multiprocessing, 'Safe importing of main module')")


class _LocalPool(ProcessPoolExecutor):
    """``workers`` spawned local processes sharing the cores (:func:`_worker_init`); ``started``: set once one is up"""

    def __init__(self, workers: int):
        working_dir()  # a spawned worker starts there: a deleted one said, not a bare "[Errno 2]" at the first point
        context = multiprocessing.get_context("spawn")
        self.workers, self.started = workers, context.Event()
        super().__init__(workers, mp_context=context, initializer=_worker_init,
                         initargs=(os.getpid(), workers, self.started))


def _check_started(executor: Executor, exc: BaseException) -> None:
    """A ValueError naming ``workers`` when ``exc`` broke local workers none of which had started (each ended
    while importing the main module: a script without a main guard, most likely); else nothing."""
    if isinstance(exc, BrokenProcessPool) and isinstance(executor, _LocalPool) and not executor.started.is_set():
        main = sys.modules.get("__mp_main__", sys.modules.get("__main__"))
        path, spec = getattr(main, "__file__", None), getattr(getattr(main, "__spec__", None), "name", "")
        if spec == "cimsim" or spec.startswith("cimsim.") or (path and os.path.basename(path) == "cimsim"):  # CLI
            raise ValueError(f"workers={executor.workers}: the worker processes could not start (their errors, "
                             "where they wrote any, are above)") from None
        raise ValueError(f"workers={executor.workers}: the worker processes could not start (each ended before it "
                         f"was ready, most likely while importing {_main_module()} as a spawned worker does first; "
                         "their errors are above). A script that starts worker processes must make its cimsim calls "
                         "under `if __name__ == \"__main__\":`, or its top-level code runs again in every worker"
                         ) from None


def _check_main_importable(workers: int | None) -> None:
    """A ValueError naming ``workers`` where a spawned worker would import the main module from a path that is no
    file (a script piped on stdin, '<stdin>'): it ends, so none could start (the workers' tracebacks had come first,
    then advice to leave workers out, which a sweep cannot: it always starts them). A main module without a path
    (python -c, a notebook, the REPL) or run by its module name (python -m, a zipapp: its ``__spec__`` names it,
    as spawn imports it) is fine."""
    main = sys.modules.get("__main__")
    path = getattr(main, "__file__", None)
    if getattr(getattr(main, "__spec__", None), "name", None) is None and path and not os.path.isfile(path):
        raise ValueError(f"workers={workers}: worker processes cannot start from this script: the main module "
                         f"({path}) is no file a spawned worker can import (a script piped on stdin); run the "
                         "script from a file (simulate and compare without workers run in this process; a sweep's "
                         "points always run in workers)")


def _main_module() -> str:
    """the main module and its file, which a spawned worker imports first (as "__mp_main__", an alias of "__main__")"""
    path = getattr(sys.modules.get("__mp_main__", sys.modules.get("__main__")), "__file__", None)
    return f"the main module, {path}," if path else "the main module"


@contextlib.contextmanager
def open_executor(workers: int | None, scheduler: str | None, *, checked: bool = False) -> Iterator[Executor]:
    """``workers`` spawned local processes (default: the cores this process may use; started as tasks come) or the Dask
    cluster at ``scheduler`` (``checked``: already asked by :func:`_dask_client`). A ValueError naming ``workers`` in a
    daemonic process (a multiprocessing.Pool worker), in a worker still importing its parent's main module, when the
    workers end before any has started, and past a pool's limit (SEM_VALUE_MAX - 1 processes: 2**31 - 2 on Linux).
    More local processes than usable cores are warned of (a RuntimeWarning at the caller's line): they share them."""
    if scheduler is None:
        check_not_bootstrapping(f"workers={workers}")
        _check_main_importable(workers)
        if multiprocessing.current_process().daemon:  # else multiprocessing's bare AssertionError at the first task
            raise ValueError(f"workers={workers}: local worker processes cannot be started from a daemonic process "
                             "(a multiprocessing.Pool worker); run this from a main process or a "
                             "concurrent.futures.ProcessPoolExecutor worker, or give a Dask scheduler")
        from multiprocessing.synchronize import SEM_VALUE_MAX  # not at the top: lacking sem_open, Dask still runs
        local = workers or usable_cores()
        if local + EXTRA_QUEUED_CALLS > SEM_VALUE_MAX:  # the pool's call queue, a semaphore: else an OverflowError
            raise ValueError(f"workers={workers}: more local processes than a process pool can count here; at most "
                             f"{SEM_VALUE_MAX - EXTRA_QUEUED_CALLS}")
        if local > (cores := usable_cores()):  # they run, sharing the cores: slower than one a core
            warnings.warn(f"{local} worker processes on {cores} usable cores: they share the cores, which takes "
                          "longer than one a core (fewer: --workers, workers=)", RuntimeWarning,
                          stacklevel=caller_stacklevel())
        pool = _LocalPool(local)
        try:
            yield pool
        except BrokenProcessPool as exc:
            _check_started(pool, exc)
            raise
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
        return
    if checked:
        from dask.distributed import Client
    else:
        Client = _dask_client(scheduler)
    with _quiet_client_log(), Client(scheduler, timeout="10s") as client:
        executor = client.get_executor(pure=False)
        try:
            yield executor
        finally:
            executor.shutdown(wait=False)


@contextlib.contextmanager
def _quiet_client_log() -> Iterator[None]:
    """dask's client logger held to its critical messages: a scheduler lost mid-sweep had printed two tracebacks of
    its reconnection before the sweep's own line (the cluster cancelled its tasks), which says what happened"""
    log = logging.getLogger("distributed.client")
    level = log.level
    log.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        log.setLevel(level)


def _worker_init(parent_pid: int, workers: int, started) -> None:
    """Workers share the cores (numerics and BLAS threads per process), leave Ctrl-C to the sweep process, exit
    when it is gone (killed), and set ``started`` (a multiprocessing Event) once ready."""
    from ..numerics import USABLE_CORES, set_worker_threads
    from ..numerics.threads import BLAS

    share = max(1, USABLE_CORES // workers)
    set_worker_threads(share)
    BLAS.limit(limits=share, user_api="blas")  # numpy's own products too (e.g. a network's float pass)
    signal.signal(signal.SIGINT, signal.SIG_IGN)

    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(1.0)
        os._exit(1)

    threading.Thread(target=watch, daemon=True).start()
    started.set()


@contextlib.contextmanager
def signals_as(handler, signums: tuple[int, ...] = (signal.SIGINT,)) -> Iterator[None]:
    """Ctrl-C (SIGINT), or the other ``signums`` (SIGTERM), handled by ``handler`` (a function, or
    ``signal.SIG_IGN``) meanwhile, where Python's default would act in this, the main, thread; elsewhere (another
    thread, a program's own handler) as it was. A KeyboardInterrupt raised inside the futures' bookkeeping
    (``as_completed`` holding a future's lock) left a pool's manager thread waiting for ever: the sweep hung, and a
    second Ctrl-C did not end it."""
    defaults = {signal.SIGINT: signal.default_int_handler, signal.SIGTERM: signal.SIG_DFL}
    taken = [s for s in signums if signal.getsignal(s) is defaults.get(s)]
    if threading.current_thread() is not threading.main_thread():
        taken = []
    previous = {s: signal.signal(s, handler) for s in taken}
    try:
        yield
    finally:
        for s, old in previous.items():
            signal.signal(s, old)


@contextlib.contextmanager
def sigint_blocked() -> Iterator[None]:
    """Ctrl-C held back meanwhile in this, the main, thread and delivered when it ends (to the handler then set):
    worker processes started meanwhile begin with it blocked (a process inherits its signal mask), so a Ctrl-C while
    they import prints no traceback of theirs (they ignore it once started); ignoring it instead had lost a Ctrl-C
    pressed meanwhile, and the sweep ran to its end."""
    if not hasattr(signal, "pthread_sigmask") or threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def stop_workers(executor: Executor) -> None:
    """End a local pool's worker processes now (a second Ctrl-C, or SIGTERM: the points in progress are not waited
    for; their rows are not written, and a re-run runs them); a Dask cluster's workers are left to it."""
    if isinstance(executor, _LocalPool):
        for process in list((executor._processes or {}).values()):  # ProcessPoolExecutor's own (3.8 on)
            process.terminate()
