"""What one sweep point measures, and the function the workers run.

Each point's numbers depend only on its config (the seed included), so a sweep gives the same rows
whatever the worker count or scheduler. Costs are those of ``cimsim compare`` (weights resident): energy per workload
item (one vector, or one inference) is the whole workload's / items; latency is one item's and throughput the steady
state's; TOPS/mm² and the energy, latency and EDP gains are of the whole workload, pipeline fill included
(docs/sweeps.md); gains are baseline / CIM (throughput: CIM / baseline), > 1 means CIM wins.
"""

from __future__ import annotations

import dataclasses
import math
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from ..breakdown import Breakdown
from ..config.schema import Config
from ..errors import ConfigError, caller_stacklevel
from . import fingerprint as model

__all__ = ["COST_METRICS", "OUTPUT_METRICS", "CLIPPING_METRICS", "RANGE_METRICS", "BETTER_HIGHER", "available_metrics",
           "default_metrics", "Task", "Outcome", "evaluate", "error_text", "point_error", "analytic_metrics",
           "MISSING_PACKAGE", "OVER_MEMORY", "FILE_CHANGED", "RERUN_FAILURES", "rerun_why", "alike_axes",
           "unread_fields"]

COST_METRICS = ("energy_pj", "latency_ns", "throughput_per_s", "area_mm2", "tops_per_w", "tops_per_mm2",
                "energy_gain", "latency_gain", "throughput_gain", "edp_gain")
"""energy per item (pJ), latency of one item (ns), items per second (steady state), CIM area (mm²), TOPS/W, TOPS/mm²
(over the whole workload's latency), gains (energy, latency, EDP: whole workload; throughput: steady state)"""
RANGE_METRICS = ("energy_gain_low", "energy_gain_high", "area_mm2_low", "area_mm2_high")
"""the energy gain's and the CIM area's ranges from the validation record (:func:`cimsim.cost.trust.energy_gain_range`,
:func:`cimsim.cost.trust.area_range`; NaN where the design's family has too few published macros): recorded only
when the objectives name them"""
_ACCURACY = {
    "dense": ("relative_error", "snr_db"),          # analog result against float (mean over trials)
    "network": ("accuracy", "digital_accuracy"),    # analog classification accuracy (mean over trials); digital
}
OUTPUT_METRICS = ("outputs_relative_error", "outputs_snr_db")
"""a functional network sweep's analog outputs against the float network's (relative error, SNR in dB; mean over
trials; :meth:`cimsim.inference.NetworkResult.metrics`, NaN where it gives none): the error of a network without
classes, whose accuracies are NaN; recorded only when the objectives name them"""
CLIPPING_METRICS = ("input_clipped_fraction", "adc_clipped_fraction")
"""a functional sweep's share of the input values the arrays read that lay beyond a fixed 'dac.input_max' and
saturated at the DAC's full scale (0 to 1, mean over trials; ``RunResult``/``NetworkResult.input_clipped_fraction``;
0 with per-vector ranges), and of the ADC conversions that clipped at the ends of their code range (0 to 1, mean over
trials; :func:`cimsim.run.adc_clipped_fraction`); recorded only when the objectives name them"""
BETTER_HIGHER = frozenset({"snr_db", "outputs_snr_db", "accuracy", "digital_accuracy", "throughput_per_s",
                           "tops_per_w", "tops_per_mm2", "energy_gain", "latency_gain", "throughput_gain", "edp_gain",
                           "energy_gain_low", "energy_gain_high"})
"""the metrics of which more is better (a Pareto front minimising one is told so: :func:`.pareto.pareto_front`)"""
_SOURCE = {"accuracy": "analog_accuracy"}
"""a sweep metric's name in the results' ``metrics()`` where it differs"""
MISSING_PACKAGE = "missing package (the point runs again once it is installed): "
"""how the error of a point that failed for want of a package starts (an ImportError raised or led to it): the
environment's failure, not the point's, so a resumed sweep runs it again (:func:`.results.read_results`)"""
OVER_MEMORY = "over the memory limit (the point runs again on a resume): "
"""how the error of a point refused for its estimated memory starts (:class:`cimsim.footprint.MemoryLimitError`):
the run's settings' failure (simulation.memory_limit_gib, batch_size), which are no part of its id, so a resumed
sweep runs it again"""
FILE_CHANGED = "a data file changed or unreadable during the sweep (the point runs again on a resume): "
"""how the error of a point starts whose data file (``workload.*_file``) the worker found other than the sweep's
start hashed into the point's id, or could not read (:func:`.data_files.file_digests`, checked before and after the
point's run), or that was written, touched or replaced while the point ran (:func:`.data_files.file_version`: a
file swapped and put back within one point's run had left numbers of both files under the id, unseen: a probe):
its numbers would be another file's under this one's id, so a resume, which hashes the files again, runs it
again"""
RERUN_FAILURES = {MISSING_PACKAGE: "a point that failed for want of a package (installed since?)",
                  OVER_MEMORY: "a point refused over the memory limit (its limit or batch size set since?)",
                  FILE_CHANGED: "a point whose data file changed or could not be read while it ran"}
"""the starts of the errors of failed rows a resumed sweep runs again -> why, as the resume says it"""


def default_metrics(kind: str, workload_kind: str) -> tuple[str, ...]:
    """The metrics a sweep of ``kind`` ("analytic" or "functional") records for a workload of that kind when its
    spec names none."""
    if kind not in ("analytic", "functional") or workload_kind not in _ACCURACY:
        raise ValueError(f"kind must be analytic or functional and workload_kind one of {', '.join(_ACCURACY)}; got "
                         f"{kind!r}, {workload_kind!r}")
    return COST_METRICS if kind == "analytic" else (*_ACCURACY[workload_kind], *COST_METRICS)


def available_metrics(kind: str, workload_kind: str) -> tuple[str, ...]:
    """The metrics a sweep of ``kind`` can record: the defaults, :data:`OUTPUT_METRICS` (a functional network sweep),
    :data:`CLIPPING_METRICS` (a functional sweep) and :data:`RANGE_METRICS`."""
    outputs = OUTPUT_METRICS if (kind, workload_kind) == ("functional", "network") else ()
    clipping = CLIPPING_METRICS if kind == "functional" else ()
    return (*default_metrics(kind, workload_kind), *outputs, *clipping, *RANGE_METRICS)


@dataclass(frozen=True)
class Task:
    """One point for a worker: its id, its validated config and what to record."""

    point_id: str
    config: Config
    kind: str
    metrics: tuple[str, ...]
    file_sha256: Mapping[str, str] = dataclasses.field(default_factory=dict)
    """the sha256 of each data file the point's id holds (dotted field -> hex), checked around its run"""


@dataclass(frozen=True)
class Outcome:
    """What a worker returns for one point: the metrics, or the error that stopped it, and the fingerprint of the
    cimsim that computed it (a Dask worker restarted after its source changed computes with other code)."""

    point_id: str
    metrics: dict[str, float]
    error: str | None = None
    source: str = ""


def error_text(exc: Exception) -> str:
    """An exception as one line: a config error's messages (without the file), else type and message."""
    if isinstance(exc, ConfigError):
        text = "; ".join(message for _, message in exc.errors)
    else:
        text = f"{type(exc).__name__}: {exc}"
    return " ".join(text.split())


def evaluate(tasks: Sequence[Task]) -> list[Outcome]:
    """Run each task; a point that raises is returned with its error and the others go on. A broken installation
    (an ImportError: the worker cannot load cimsim's code) is not a point's result: it stops the run, so that a
    resume after the repair runs those points instead of keeping them as failed; nor is a point that failed for want
    of a package (its error starts with :data:`MISSING_PACKAGE`: a resume runs it again), nor one refused for its
    memory (:data:`OVER_MEMORY`)."""
    outcomes = []
    for task in tasks:
        try:
            versions = _same_files(task)
            try:
                values = analytic_metrics(task.config) if task.kind == "analytic" else _functional(task.config)
            finally:  # a file replaced while the point ran (some reads another file's), or gone (its error that)
                _same_files(task, versions)
            outcomes.append(Outcome(task.point_id, {m: values[m] for m in task.metrics}))
        except ImportError:
            raise
        except Exception as exc:  # noqa: BLE001 -- any other error of one point is that point's result
            outcomes.append(Outcome(task.point_id, {}, point_error(exc)))
    return [replace(o, source=model.fingerprint()) for o in outcomes]


class DataFileChanged(Exception):
    """a data file of a point other than its id says, or unreadable (:data:`FILE_CHANGED`)"""


def _same_files(task: Task, before: dict[str, tuple[int, ...]] | None = None) -> dict[str, tuple[int, ...]]:
    """:class:`DataFileChanged` where a data file of ``task`` is not the one its id hashed, or (``before``: their
    versions as the point started, :func:`.data_files.file_version`) was changed since, even if back as it was;
    returns the files' versions now"""
    from .data_files import file_digests, file_version

    paths = {(key := name.partition(".")[2]): getattr(task.config.workload, key) for name in task.file_sha256}
    try:
        now = file_digests(paths)  # the files the id hashed, only (no table of the config rebuilt for each point)
        versions = {name: file_version(paths[name.partition(".")[2]]) for name in task.file_sha256}
    except OSError as exc:
        raise DataFileChanged(f"{exc.strerror or exc}: {exc.filename}") from None
    for name, digest in task.file_sha256.items():
        path = paths[name.partition(".")[2]]
        if now[name] != digest:
            raise DataFileChanged(f"{name} {path!r} holds other contents (sha256 {now[name][:16]}) than at the "
                                  f"sweep's start ({digest[:16]})")
        if before is not None and versions[name] != before[name]:
            raise DataFileChanged(f"{name} {path!r} was written, touched or replaced, or its metadata changed "
                                  "(chmod, a hard link), while the point ran (its reads may mix two files' contents)")
    return versions


def point_error(exc: Exception) -> str:
    """a point's error as its results row holds it: :func:`error_text`, after why a resume runs it again (a missing
    package, the memory limit, a data file changed) where that is the cause; a memory refusal's settings follow in
    brackets (:func:`rerun_why`)"""
    start, cause = _environment(exc)
    settings = getattr(cause, "settings", "") if start == OVER_MEMORY else ""
    return start + f"[{settings}] " * bool(settings) + error_text(exc)


def rerun_why(error: str, config: Config | None) -> str:
    """Why a resumed sweep runs a failed point of ``config`` (None: an invalid combination) again, whose row's error
    is ``error`` (:data:`RERUN_FAILURES`), else '': one refused over the memory limit only where its settings
    (:func:`cimsim.footprint.memory_settings`) are not those its error holds (rows written before it held them run
    again); one whose refusal would repeat, its limit an axis, had run again and its file been rewritten on every
    run of the finished sweep (a probe)."""
    from ..footprint import memory_settings

    if error.startswith(OVER_MEMORY) and config is not None and error[len(OVER_MEMORY):].startswith(
            f"[{memory_settings(config)}] "):
        return ""
    return next((why for start, why in RERUN_FAILURES.items() if error.startswith(start)), "")


def _environment(exc: BaseException | None) -> tuple[str, BaseException | None]:
    """(:data:`MISSING_PACKAGE` where an ImportError is ``exc`` or its cause or context (at any depth),
    :data:`OVER_MEMORY` where a memory refusal is, :data:`FILE_CHANGED` where a data file changed, else ''; that
    exception)"""
    from ..footprint import MemoryLimitError

    seen = set()
    while exc is not None and id(exc) not in seen:
        for kind, start in ((ImportError, MISSING_PACKAGE), (MemoryLimitError, OVER_MEMORY),
                            (DataFileChanged, FILE_CHANGED)):
            if isinstance(exc, kind):
                return start, exc
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return "", None


def _costs(config: Config, cim: Breakdown, baseline: Breakdown) -> dict[str, float]:
    from ..comparison import gains
    from ..cost.trust import area_range, energy_gain_range

    gain = gains(cim, baseline)
    none = {"low": math.nan, "high": math.nan}
    span, area = energy_gain_range(config, cim, baseline) or none, area_range(config, cim) or none
    return {
        "energy_pj": cim.total_energy_pj / cim.mvms,
        "latency_ns": cim.item_latency_ns,
        "throughput_per_s": cim.throughput_items_per_s,
        "area_mm2": cim.area_mm2,
        "tops_per_w": cim.tops_per_w,
        "tops_per_mm2": cim.tops_per_mm2,
        **{f"{name}_gain": value for name, value in gain.items()},
        "energy_gain_low": span["low"],
        "energy_gain_high": span["high"],
        "area_mm2_low": area["low"],
        "area_mm2_high": area["high"],
    }


def analytic_metrics(config: Config) -> dict[str, float]:
    """Cost from shapes alone (:func:`cimsim.comparison.price_from_shapes`: a dense layer or a network's layers)."""
    from ..comparison import price_from_shapes

    return _costs(config, *price_from_shapes(config))


def _functional(config: Config) -> dict[str, float]:
    """Simulate (every Monte Carlo trial) and price what ran, as ``cimsim compare`` does; each accuracy metric is
    its mean over the trials (within their range: identical trials give their value, as run reports it): NaN where
    a result has no such figure (a network without classes has no top-1 accuracy; a dataset without labels none
    either: its top-1 agreement with the float network, which run reports, had been recorded as an accuracy, and a
    Pareto front had ranked it with the labelled points'), inf where a trial is exact (an infinite SNR); so are the
    shares of inputs and conversions clipped."""
    from ..comparison import compare
    from ..run import adc_clipped_fraction
    from ..trials import trial_mean

    comp = compare(config)
    kind = config.workload.kind
    accuracy = {name: trial_mean([math.nan if name in _ACCURACY["network"] and not r.labelled else  # (agreement)
                                  r.metrics().get(_SOURCE.get(name, name), math.nan) for r in comp.runs])
                for name in (*_ACCURACY[kind], *(OUTPUT_METRICS if kind == "network" else ()))}
    clipped = {"input_clipped_fraction": trial_mean([r.input_clipped_fraction for r in comp.runs]),
               "adc_clipped_fraction": trial_mean([adc_clipped_fraction(r) for r in comp.runs])}
    return {**accuracy, **clipped, **_costs(config, comp.cim, comp.baseline)}


def unread_fields(kind: str) -> tuple[str, ...]:
    """the settings a sweep of ``kind`` never reads (an analytic one: ``api.ESTIMATE_UNREAD``), said before it runs
    (:func:`warn_unread_axes`)"""
    from ..api import ESTIMATE_UNREAD

    return ESTIMATE_UNREAD if kind == "analytic" else ()


def warn_unread_axes(kind: str, fixed: Sequence[str], axes: Sequence[str]) -> None:
    """A warning naming each field of ``[set]`` (``fixed``) and each of the ``axes`` an analytic sweep does not read
    (``api.ESTIMATE_UNREAD``: the simulation's trials, products and memory limit), and an axis over its batch size,
    which it reads but which changes no figure (it chunks a network's range check alone): points all alike along
    such an axis had been, unsaid."""
    from ..config.presets_merge import warn_unread_settings

    if kind == "analytic":
        warn_unread_settings({field: 0 for field in [*fixed, *axes]}, unread_fields(kind).__contains__,
                             "an analytic sweep",
                             "its points are estimates, priced from the shapes: every point alike; kind = "
                             "\"functional\" simulates them")
        if "simulation.batch_size" in axes:
            warnings.warn("simulation.batch_size: an analytic sweep's points are alike along it (it chunks a "
                          "network's range check alone, which changes no figure); kind = \"functional\" simulates "
                          "them", UserWarning, stacklevel=caller_stacklevel())


def alike_axes(axes: Sequence[str], objectives: Sequence[str], rows: Iterable[Mapping[str, str]]) -> tuple[str, ...]:
    """The axis fields along which no objective moved: every set of ok ``rows`` (results cells) that differ in that
    axis alone, over two of its values at least, has each objective's cell the same in all its rows (a field the
    objectives do not follow: an analytic sweep's device read noise, or a field only other metrics follow); none
    where no two rows differ in that axis alone (a random sample)."""
    ok = [row for row in rows if row["status"] == "ok"]
    alike = []
    for i, field in enumerate(axes):
        groups: dict[tuple[str, ...], list[Mapping[str, str]]] = {}
        for row in ok:
            groups.setdefault(tuple(row[a] for j, a in enumerate(axes) if j != i), []).append(row)
        compared = [g for g in groups.values() if len({row[field] for row in g}) > 1]
        if compared and all(len({tuple(row[m] for m in objectives) for row in g}) == 1 for g in compared):
            alike.append(field)
    return tuple(alike)
