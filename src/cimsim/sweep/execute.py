"""Running a sweep: the points not yet in the results file, on local worker processes or a Dask cluster.

Work goes to a :class:`concurrent.futures.Executor`: a ``ProcessPoolExecutor`` (spawned workers) by default, or the
executor of a ``dask.distributed.Client`` connected to a scheduler address. Each finished point is appended to the
results file at once (:mod:`.results`); a point that raises is recorded as failed and the sweep goes on. Re-running the
same sweep skips every point with a sound row in the file, so an interrupted sweep (Ctrl-C, a killed process, a crashed
worker) resumes where it stopped; damaged lines are reported and removed, and their points run again; rows of points the
sweep no longer has go to a side file, as do rows another cimsim wrote (another version or source: :mod:`.fingerprint`),
whose points run again. Ctrl-C stops taking new points and writes the points in progress as they finish. When every
point is in the file, it is rewritten in the sweep's point order, so the file does not depend on the worker count or the
scheduler. The whole run holds the file's lock (:mod:`.lock`).
"""

from __future__ import annotations

import contextlib
import itertools
import math
import os
import signal
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Executor, wait
from dataclasses import dataclass, replace
from pathlib import Path

from ..argcheck import check_execution, check_path, is_int
from ..atomic import OTHER_FORMATS, check_writable, names_folder
from ..config.schema import Config
from ..cores import usable_cores
from ..errors import ConfigError
from .executors import (DASK_MISSING, _LocalPool, _check_started, _dask_client, check_not_bootstrapping,
                        open_executor, sigint_blocked, signals_as, stop_workers)
from .metrics import Outcome, Task, alike_axes, available_metrics, evaluate
from .points import Point, expand
from .lock import LOCK_SUFFIX, output_lock
from .results import append_rows, columns, format_row, read_results, write_rows
from .side_files import (DAMAGED_SUFFIX, REMOVED_SUFFIX, check_damaged_side, damaged_path, keep_damaged, put_aside,
                         removed_path)
from .spec import KINDS, MODES, SweepSpec, load_spec
from . import fingerprint as model

__all__ = ["Summary", "run_sweep", "DASK_MISSING", "check_not_bootstrapping"]

_ANALYTIC_CHUNK = 64
"""analytic points per task at most (each takes about a millisecond; one task per point would be all overhead)"""
_POLL_S = 0.1
"""seconds between looks at the Ctrl-C flag while waiting for points"""


@dataclass(frozen=True)
class Summary:
    """What a sweep run did."""

    total: int
    """points of the sweep"""
    ok: int
    """points in the file that finished"""
    failed: int
    """points in the file that failed"""
    skipped: int
    """points that were already in the file when this run started"""
    stopped: str | None = None
    """why the run stopped before every point was done (interrupted, a worker lost), or None"""
    notes: tuple[str, ...] = ()
    """what was wrong with the file at the start: each damaged line left out (its point ran again), rows of points
    the sweep no longer has or written by another cimsim (:mod:`.fingerprint`; a file's without the cimsim column,
    checksums or not) moved to the side file (:func:`.results.removed_path`)"""
    errors: tuple[tuple[str, int], ...] = ()
    """the failed points' errors, each distinct one with its count, the commonest first"""
    alike: tuple[str, ...] = ()
    """the axis fields along which no objective moved, of a complete sweep (:func:`.metrics.alike_axes`)"""

    @property
    def complete(self) -> bool:
        return self.ok + self.failed == self.total


Progress = Callable[[int, int, int], None]
"""called at the start and after each batch of rows with (points done, of which failed, total points)"""


def run_sweep(spec: SweepSpec | str | os.PathLike, output: str | os.PathLike, *, workers: int | None = None,
              scheduler: str | None = None, progress: Progress | None = None,
              notice: Callable[[str], None] | None = None) -> Summary:
    """Run the points of ``spec`` (a SweepSpec, or the path of a spec file) not yet in ``output`` (a results CSV:
    a regular file, made if missing) and append their rows; see the module doc.

    ``workers`` local processes (default: the cores this process may use), or the Dask cluster at
    ``scheduler``. ``notice`` gets each of :attr:`Summary.notes` when it is known: before any point runs, or (a
    line changed during the run) at the end. Raises
    :class:`~.lock.OutputLocked` when another sweep holds ``output``, ImportError (:data:`DASK_MISSING`) when a
    scheduler is given and Dask is not installed, :class:`~.cluster.SchedulerUnreachable` when no Dask scheduler
    answers there.
    """
    workers = check_execution(progress, workers, scheduler, called_with="the points done, failed and in all")
    check_not_bootstrapping("run_sweep")  # before the lock: each worker would otherwise start the sweep over
    if notice is not None and not callable(notice):
        raise TypeError(f"notice must be a callable taking a str, or None; got {type(notice).__name__}")
    spec = load_spec(spec) if isinstance(spec, (str, os.PathLike)) else spec
    if not isinstance(spec, SweepSpec):
        raise TypeError(f"spec must be a SweepSpec (load_spec(path), spec_from_dict(...)) or a spec file's path; "
                        f"got {type(spec).__name__}")
    _check_spec(spec)
    check_path("output (the results CSV)", output)
    if "\x00" in os.fspath(output) or (os.path.exists(output) and not os.path.isfile(output)) or names_folder(
            output):  # (a trailing separator names a folder: pathlib drops it)
        raise ConfigError(repr(os.fspath(output)), [("output", "the output must name a results CSV: a regular file, "
                                                               "or one to make (it is appended to and rewritten)")])
    if Path(output).suffix.lower() in OTHER_FORMATS:  # (the CLI's -o refuses it too)
        raise ConfigError(repr(os.fspath(output)), [("output", f"the sweep writes CSV rows there; give a file ending "
                                                               f"in .csv, not {Path(output).suffix}")])
    blocking = next((p for p in Path(os.path.realpath(output)).parents if p.exists()), None)
    if blocking is not None and not blocking.is_dir():
        raise ConfigError(repr(os.fspath(output)), [("output", f"its folder cannot be made: '{blocking}' is a file")])
    try:
        check_writable(output, appended=True, sidecars=(LOCK_SUFFIX, REMOVED_SUFFIX, DAMAGED_SUFFIX,
                                                        REMOVED_SUFFIX + DAMAGED_SUFFIX),
                       appended_sidecars=(DAMAGED_SUFFIX,))
    except OSError as exc:
        side = str(exc.filename or "").endswith((LOCK_SUFFIX, REMOVED_SUFFIX, DAMAGED_SUFFIX))  # a file beside it
        what = f"its side file {Path(exc.filename).name}" if side else "this results file"
        raise ConfigError(str(output), [("output", f"cannot write {what} ({exc.strerror or exc})")]) from None
    check_damaged_side(output)
    if scheduler is not None:  # asked before the results file is made: a refused run leaves nothing behind
        _dask_client(scheduler)
    points = expand(spec)  # before the lock: a long expansion that a signal ends leaves none behind
    with output_lock(output):
        try:
            return _run(spec, points, output, workers, scheduler, progress, notice)
        except _ProgressFailed as exc:  # the points in progress were cancelled; the finished ones are in the file
            raise exc.__cause__ from None


def _run(spec: SweepSpec, points: list[Point], output: str | os.PathLike, workers: int | None, scheduler: str | None,
         progress: Progress | None, notice: Callable[[str], None] | None) -> Summary:
    header = columns(spec)
    kept, notes, stopped = _start(spec, output, points, notice)
    status = {pid: None if row["status"] == "ok" else row.get("error", "") for pid, row in kept.items()}  # ok: None
    todo = [p for p in points if p.id not in status] if stopped is None else []  # a failed start runs nothing
    skipped = len(status)
    if progress is not None:
        progress(skipped, sum(s is not None for s in status.values()), len(points))

    def record(rows: list[tuple[Point, Outcome | None]]) -> None:
        _check_sources(rows, scheduler)
        with _writing(output):
            append_rows(output, header, [format_row(p, spec.objectives, o.metrics if o else {},
                                                    o.error if o else p.error) for p, o in rows])
        for p, o in rows:
            status[p.id] = None if o is not None and o.error is None else (o.error if o else p.error) or ""
        if progress is not None and rows:  # the rows are written first: an error of the callback loses none
            try:
                progress(len(status), sum(s is not None for s in status.values()), len(points))
            except Exception as exc:  # the caller's own error, not a lost worker: raised to it once the run stops
                raise _ProgressFailed from exc

    invalid = [p for p in todo if p.config is None]
    if stopped is None and (invalid or not Path(output).exists()):
        try:
            record([(p, None) for p in invalid])  # also creates the file with its header
        except _WriteFailed as exc:
            stopped = str(exc)
    runnable = [p for p in todo if p.config is not None and stopped is None]
    if runnable:
        tasks = _tasks(spec, runnable, workers)
        local = None if scheduler else min(workers or usable_cores(), len(tasks))  # no more processes than tasks
        with open_executor(local, scheduler, checked=True) as executor:
            stopped = _collect(executor, tasks, {p.id: p for p in runnable}, record)
    done = sum(s is None for s in status.values()), sum(s is not None for s in status.values())
    signalled = stopped in ("interrupted", "terminated (SIGTERM)")  # a failed write or a lost worker stays said
    # a signal that came once every point was written stopped nothing (a Ctrl-C had said to resume, exit 130)
    summary = Summary(len(points), *done, skipped, None if signalled and sum(done) == len(points) else stopped, notes,
                      tuple(Counter(s for s in status.values() if s is not None).most_common()))
    if summary.complete:
        found = read_results(output, spec)
        rows = found.rows
        try:
            kept = _keep_damaged(output, found)  # a line changed during the run (its point runs again on a resume)
            with _writing(output):  # a full disk: the file keeps every row, unordered; the same command resumes
                write_rows(output, header, rows, [p.id for p in points])
        except _WriteFailed as exc:
            return replace(summary, stopped=str(exc))
        late = tuple(f"{output}: {line}; left out (changed during the run)" for line in found.damaged) + kept
        for note in late if notice is not None else ():  # said as the notes at the start are
            notice(note)
        summary = replace(summary, notes=notes + late)
        summary = replace(summary, alike=alike_axes([a.field for a in spec.axes], spec.objectives, rows.values()))
    return summary


def _start(spec: SweepSpec, output: str | os.PathLike, points: list[Point], notice: Callable[[str], None] | None
           ) -> tuple[dict[str, dict[str, str]], tuple[str, ...], str | None]:
    """The sound rows of the sweep's points in ``output`` (by id), the notes on the rest of the file (damaged lines
    left out, rows of points the sweep no longer has or of another cimsim moved to the side file) and why the run
    stops (a write that failed: a full disk), or None. Where there are notes or the file has an older header, it is
    rewritten with those rows only."""
    found = read_results(output, spec, points)
    notes = tuple(f"{output}: {line}; " + ("rewritten whole" if line.startswith("line 1:") else
                                             "left out, its point runs again") for line in found.damaged)
    wanted, stopped = {p.id for p in points}, None
    rows = {pid: row for pid, row in found.rows.items() if pid in wanted}
    try:
        if len(rows) < len(found.rows) or found.foreign:  # rows of points gone, or of another cimsim: set aside,
            with output_lock(removed_path(output)), _writing(removed_path(output)):  # no sweep writing that file
                notes += put_aside(output, spec, [r for p, r in found.rows.items() if p not in wanted], found.foreign)
        if notes or found.outdated:
            notes += _keep_damaged(output, found)  # first: a failure stops the run with the file as it was
            with _writing(output):  # sound rows of this sweep's points only, each with its checksum
                write_rows(output, columns(spec), rows)
    except _WriteFailed as exc:  # the file as it was: the same command resumes
        stopped = str(exc)
    for note in notes if notice is not None else ():
        notice(note)
    return rows, notes, stopped


def _keep_damaged(output: str | os.PathLike, found) -> tuple[str, ...]:
    """keep the damaged lines of ``found`` (:class:`.results.Contents` of ``output``) beside it
    (:func:`.side_files.keep_damaged`); the note saying so, counting each distinct line once"""
    if not found.lost:
        return ()
    with _writing(damaged_path(output)):
        keep_damaged(output, found.lost)
    return (f"{output}: the {len(set(found.lost))} damaged line(s) kept in {damaged_path(output)}",)


class _WriteFailed(OSError):
    """writing the results file (or its side file) failed: the run stops (no worker was lost)"""


def _check_sources(rows: list[tuple[Point, Outcome | None]], scheduler: str | None) -> None:
    """a :class:`_WriteFailed` (the run stops, these rows unwritten) where a worker computed with other cimsim source
    files than the sweep's (a Dask worker restarted after they changed; a local one spawned after they changed under
    a long-lived process; none said: a worker of a cimsim from before outcomes carried it): its rows would be
    recorded as this one's"""
    this = model.fingerprint()
    other = sorted({o.source for _, o in rows if o is not None and o.source != this})
    if not other:
        return
    what = model.describe(other[0]) if other[0] else "a cimsim that does not say which"
    fix = ("restarted after the source files changed?): its rows are not written; give the workers this cimsim" if
           scheduler else "the source files changed since this process first read them): its rows are not written; "
           "run the sweep from a new process (a script: restart it)")
    raise _WriteFailed(f"a worker computed with {what}, not this {model.describe(this)} ({fix}")


class _ProgressFailed(Exception):
    """the caller's progress callback raised (its error the cause): the run stops and re-raises it"""


@contextlib.contextmanager
def _writing(path: str | os.PathLike) -> Iterator[None]:
    """an OSError meanwhile as a :class:`_WriteFailed` saying ``writing PATH failed (why)``"""
    try:
        yield
    except OSError as exc:
        raise _WriteFailed(f"writing {path} failed ({exc.strerror or exc})") from exc


def _check_spec(spec: SweepSpec) -> None:
    """A ConfigError where a spec changed in code (dataclasses.replace) holds what spec_from_dict refuses: a kind or
    mode it does not know (run as analytic / grid), objectives that are no tuple of metrics of its kind (a str had
    been split into one-letter columns), a random mode without a draw count of at least 1"""
    if not isinstance(spec.base, Config):
        raise TypeError(f"a SweepSpec's base must be a cimsim Config; got {type(spec.base).__name__}")
    errors = [(key, f"'{key}' must be one of {', '.join(options)}; got {value!r}") for key, value, options in
              (("kind", spec.kind, KINDS), ("mode", spec.mode, MODES)) if value not in options]
    known = available_metrics(spec.kind, spec.base.workload.kind) if not errors else ()
    if (not isinstance(spec.objectives, tuple) or not spec.objectives or len(set(spec.objectives)) < len(
            spec.objectives) or not all(o in known for o in spec.objectives)):
        errors.append(("objectives", f"'objectives' must be a tuple of distinct metrics of a {spec.kind!r} sweep "
                                     f"({', '.join(known)}); got {spec.objectives!r}"))
    if spec.mode == "random" and not (is_int(spec.samples) and spec.samples >= 1):
        errors.append(("samples", f"'samples' must be an integer >= 1 in random mode; got {spec.samples!r}"))
    if errors:
        raise ConfigError(spec.source, errors)


def _tasks(spec: SweepSpec, points: list[Point], workers: int | None) -> list[list[Task]]:
    """Tasks of one point (functional), or of up to 64 analytic points with a few tasks per worker."""
    size = (min(_ANALYTIC_CHUNK, max(1, math.ceil(len(points) / (4 * (workers or usable_cores())))))
            if spec.kind == "analytic" else 1)
    tasks = [Task(p.id, p.config, spec.kind, spec.objectives, p.file_sha256) for p in points]
    return [tasks[k:k + size] for k in range(0, len(tasks), size)]


def _collect(executor: Executor, tasks: list[list[Task]], by_id: dict[str, Point],
             record: Callable[[list[tuple[Point, Outcome | None]]], None]) -> str | None:
    """Submit the tasks and record each as it finishes; the reason the run stopped early, or None. Local workers hold
    no more tasks than they run (one Ctrl-C had run two queued points more), a cluster all. Ctrl-C only sets a flag,
    read between waits (:func:`.executors.signals_as`): local workers' points in progress then finish and are written
    (a cluster's are cancelled, Dask's cancel ending them) unless a 2nd Ctrl-C ends them at once, as SIGTERM does."""
    stops: list[int] = []  # the signals received
    pending, futures, queued = set(), [], iter(tasks)
    window = executor.workers if isinstance(executor, _LocalPool) else len(tasks)

    def flagged():  # Ctrl-C and SIGTERM only noted meanwhile
        return signals_as(lambda signum, frame: stops.append(signum), (signal.SIGINT, signal.SIGTERM))

    def submit(count: int) -> None:  # the next ``count`` tasks; workers spawned meanwhile start with Ctrl-C blocked
        with sigint_blocked():
            new = [executor.submit(evaluate, task) for task in itertools.islice(queued, count)]
        futures.extend(new)
        pending.update(new)

    def drain(until: int, refill: bool) -> None:  # record what finishes until nothing is pending or ``until`` signals
        while pending and len(stops) < until and signal.SIGTERM not in stops:
            done, _ = wait(pending, timeout=_POLL_S, return_when=FIRST_COMPLETED)
            pending.difference_update(done)
            if refill and not stops:  # before the rows are written: no worker waits on the disk or a callback
                submit(len(done))
            for future in done:
                if not future.cancelled():  # an error here is the machinery's (a lost worker), not a point's
                    record([(by_id[o.point_id], o) for o in future.result()])

    with flagged():
        submit(window)
    try:
        with flagged():
            drain(1, refill=True)
        if stops:
            raise KeyboardInterrupt
        dropped = sum(future.cancelled() for future in futures)  # not by us: by the cluster
        if dropped:
            return f"the cluster cancelled {dropped} of {len(futures)} tasks (the scheduler was lost?)"
    except KeyboardInterrupt:
        for future in pending:
            future.cancel()
        with flagged(), contextlib.suppress(Exception):
            drain(2, refill=False)  # the points in progress finish and are written, until a 2nd Ctrl-C or SIGTERM
        if len(stops) > 1 or signal.SIGTERM in stops:
            stop_workers(executor)
        return "terminated (SIGTERM)" if signal.SIGTERM in stops else "interrupted"
    except _WriteFailed as exc:  # what finished before is in the file; this batch could not be written
        return str(exc)
    except _ProgressFailed:
        raise
    except Exception as exc:  # noqa: BLE001 -- a worker or the cluster was lost: stop, keep what finished
        if signal.SIGTERM in stops:  # the workers took it too (sent to the process group)
            return "terminated (SIGTERM)"
        _check_started(executor, exc)
        return f"a worker was lost ({type(exc).__name__}{f': {exc}' if str(exc) else ''})"
    finally:  # every way out: what has not started never will
        for future in pending:
            future.cancel()
    return None
