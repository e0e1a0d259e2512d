"""The research-script API: what each command does, as one call, for every workload kind, data in memory or in files.

>>> import cimsim
>>> sim = cimsim.simulate("configs/digits-mlp.toml", trials=10)     # `cimsim run`: accuracy, CIM cost
>>> sim.analog_accuracy, sim.spreads["analog_accuracy"].std
>>> comp = cimsim.compare("configs/default.toml", weights=W, inputs=X)   # `cimsim compare`: CIM vs baseline
>>> comp.gain["energy"], comp.to_dict(), comp.to_frame()
>>> est = cimsim.estimate("configs/default.toml", {"adc.bits": 6})    # `kind = "analytic"`: from shapes, no run
>>> est.gain["energy"], est.cim.tops_per_w

``config`` is a path to a TOML file, a :class:`~cimsim.config.Config` or a dict of tables; ``settings`` overrides
fields (``{"adc.bits": 6}``, or a table's as a dict: ``{"adc": {"bits": 6}}``). A dense workload takes ``weights``
(out x in) and ``inputs`` (vectors x in), its shape then set from them; a network workload takes ``network`` (a
:class:`~cimsim.network.Network`, e.g. from :func:`~cimsim.network.from_torch`), ``inputs`` (samples, ...) and
``labels`` (samples,) (or (samples, *positions): a label per output position, an LM head's per token) or none
(accuracy is then top-1 agreement with float). ``progress(n)`` is called as items
finish. ``workers`` (processes) or ``scheduler`` (a Dask address) split a network's samples, results unchanged; a
dense workload refuses them (ValueError). Results: :class:`Simulation` and :class:`~cimsim.comparison.Comparison`,
each with ``to_dict()`` (the JSON the CLI writes), ``rows()`` / ``to_frame()`` (a tidy table) and a short repr (a
Markdown report in notebooks); :class:`Estimate` has the same, without accuracy.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from .api_arguments import as_config, prepared
from .argcheck import check_execution
from .breakdown import Breakdown
from .comparison import Comparison, gains, price, price_from_shapes
from .comparison import compare as _compare
from .config.load import config_to_dict
from .config.presets_merge import warn_unread_settings
from .config.modes import WorkloadKind
from .config.schema import Config
from .cost import trust
from .inference import NetworkResult
from .run import RunResult, result_notes
from .trials import Spread, run_trials, spreads

__all__ = ["simulate", "compare", "estimate", "Simulation", "Estimate", "Comparison", "as_config", "rows_frame"]


@dataclass(frozen=True, repr=False)
class Simulation:
    """Every Monte Carlo trial of one simulation and the CIM cost of the first (what ``cimsim run`` prints).

    A field the first trial has (``analog_accuracy``, ``vs_float``, ``counts``, ``layers``, ...) is read straight
    from the simulation: ``sim.analog_accuracy`` is ``sim.trials[0].analog_accuracy``."""

    trials: tuple[RunResult | NetworkResult, ...]
    cost: Breakdown
    """CIM energy, latency and area of the first trial's workload (weights resident)"""

    @property
    def spreads(self) -> dict[str, Spread]:
        """the accuracy metrics over two trials or more (one trial: {}): mean, std, worst, every value, and
        ``varies`` (False: every trial gave the same)"""
        return spreads(self.trials)

    def __getattr__(self, name: str):
        if name.startswith("_") or name in ("trials", "cost"):
            raise AttributeError(name)
        first = self.trials[0]
        if hasattr(first, name):
            return getattr(first, name)
        metrics = first.metrics()  # the names rows(), spreads and to_dict() use, not all of them fields
        where = f": the first trial's outputs against float are sim.vs_float.{name}" * hasattr(first.vs_float, name)
        if name in metrics:
            where += f"; trial k's metric is sim.trials[k].metrics()[{name!r}], every trial's in sim.rows()"
        raise AttributeError(f"'Simulation' object has no attribute {name!r}{where} (accuracy metrics: "
                             f"{', '.join(metrics)})")

    def __dir__(self) -> list[str]:  # the first trial's fields too, as attribute access reads them
        return sorted(set(super().__dir__()) | {n for n in dir(self.trials[0]) if not n.startswith("_")})

    def to_dict(self) -> dict:
        """The JSON ``cimsim run -o`` writes (a non-finite figure, e.g. an exact result's SNR, as "inf")."""
        from .report_json import json_safe, run_dict

        return json_safe(run_dict(self.trials, self.cost))

    def rows(self) -> list[dict]:
        """One row per trial: its accuracy metrics, then the CIM cost of the whole workload (``items`` items):
        total_energy_pj, total_latency_ns, item_latency_ns (one item's), interval_ns (between items) and area_mm2
        (a sweep's CSV gives energy_pj and latency_ns per item)."""
        c = self.cost
        return [{"trial": k, **r.metrics(), "items": c.mvms, "total_energy_pj": c.total_energy_pj,
                 "total_latency_ns": c.latency_ns, "item_latency_ns": c.item_latency_ns, "interval_ns": c.interval_ns,
                 "area_mm2": c.area_mm2} for k, r in enumerate(self.trials)]

    def to_frame(self):
        """:meth:`rows` as a pandas DataFrame (needs pandas)."""
        return rows_frame(self.rows())

    def __repr__(self) -> str:
        r, n = self.trials[0], len(self.trials)
        return (f"Simulation({r.config.name!r}: {r.config.workload.kind}, {r.headline}, {n} trial{'s' * (n > 1)}, CIM "
                f"{self.cost.total_energy_pj / 1e6:.4g} uJ)")

    def _repr_markdown_(self) -> str:
        from .report import run_text

        return run_text(self.trials, self.cost)


@dataclass(frozen=True, repr=False)
class Estimate:
    """A workload priced from its shapes alone, as an analytic sweep prices a point: CIM next to the baseline,
    steady state (weights resident), no accuracy; the data-dependent counts estimated (:mod:`cimsim.analytic`)."""

    cim: Breakdown
    baseline: Breakdown
    item: str = "MVM"
    """what one workload item is: an MVM of a dense layer, or an inference of a network"""
    energy_gain_range: dict | None = None
    """the energy gain with the macro's energy at silicon / model of its family's published figures
    (:func:`cimsim.cost.trust.energy_gain_range`; None where the record has too few)"""
    area_range: dict | None = None
    """the CIM area, mm2, with the macro's area at its family's published compute density
    (:func:`cimsim.cost.trust.area_range`; None where the record has too few)"""
    name: str = ""
    """the config's name"""
    source: str = ""
    """where the config came from (its file)"""
    config: Config | None = None
    """the config priced (its tables in :meth:`to_dict`, as compare's report.json has them)"""
    given_in_memory: tuple[str, ...] = ()
    """what was priced from memory, not from the config ("network", "weights", "inputs"): the config's workload
    fields do not describe those data"""

    @property
    def gain(self) -> dict[str, float]:
        """baseline / CIM for energy, latency and EDP; CIM / baseline for throughput"""
        return gains(self.cim, self.baseline)

    def to_dict(self) -> dict:
        """the cimsim version, the config's name, source and tables, what an item is, the priced sides, gains, ranges,
        the macro alone and the validation record of its family (as compare's report.json; the record had been left
        out: a reports probe) as JSON-safe values (a non-finite figure as "inf", "-inf" or "nan"): what ``cimsim
        estimate -o`` writes"""
        from .report_json import cimsim_version, json_safe, macro_dict

        return json_safe({"cimsim_version": cimsim_version(), "name": self.name, "source": self.source,
                          "config": None if self.config is None else config_to_dict(self.config),
                          "given_in_memory": list(self.given_in_memory), "item": self.item,
                          "cim": self.cim.as_dict(), "baseline": self.baseline.as_dict(), "gain": self.gain,
                          "energy_gain_range": self.energy_gain_range, "area_range": self.area_range,
                          "macro": macro_dict(self.cim),
                          "validation": None if self.config is None else trust.family_record(self.config)})

    def rows(self) -> list[dict]:
        """One row per (side, component): its energy_pj and area_um2, the side's total_latency_ns and items (whole
        workload: :meth:`Breakdown.component_rows`)."""
        return [{"side": side, **row} for side, b in (("cim", self.cim), ("baseline", self.baseline))
                for row in b.component_rows()]

    def to_frame(self):
        """:meth:`rows` as a pandas DataFrame (needs pandas)."""
        return rows_frame(self.rows())

    def __repr__(self) -> str:
        g = self.gain
        span = trust.gain_range_cell(self.energy_gain_range, said=True)
        return (f"Estimate({self.cim.name!r} vs {self.baseline.name!r}, from shapes: energy gain {g['energy']:.3g}x"
                f"{span}, throughput gain {g['throughput']:.3g}x, CIM {self.cim.tops_per_w:.4g} TOPS/W)")

    def _repr_markdown_(self) -> str:
        from .report_estimate import estimate_markdown

        return estimate_markdown(self)


def rows_frame(rows: list[dict]):
    """``rows`` (plain dicts) as a pandas DataFrame; an ImportError saying so when pandas is missing."""
    try:
        import pandas
    except ImportError:
        raise ImportError("to_frame needs pandas (pip install pandas); rows() gives the same table as dicts") from None
    return pandas.DataFrame(rows)


def _warn_notes(cfg: Config, workers: int | None, scheduler: str | None, result) -> None:
    """RuntimeWarnings, as the CLI's notes: where the first trial's ``result`` calls for one
    (:func:`cimsim.run.result_notes`: inputs saturated at 'dac.input_max' or read as 0, ADC conversions clipped,
    outputs no better than zeros or chance), and where workers / scheduler will not split a network's samples (they
    had gone unused without a word, a cluster address unreachable or mistyped included)"""
    from .cli_checks import split_note, unstated_dataset_note

    notes = result_notes(result)
    if cfg.workload.kind == WorkloadKind.NETWORK:
        notes += [split_note(cfg, cfg.workload.vectors, workers, scheduler, ("workers", "scheduler=")),
                  unstated_dataset_note(cfg, result)]
    for note in filter(None, notes):
        warnings.warn(note, RuntimeWarning, stacklevel=3)


def _checked_execution(progress, workers: int | None, scheduler: str | None) -> int | None:
    """``workers`` (a plain int or None) once ``progress``, ``workers`` and ``scheduler`` are checked
    (:func:`cimsim.argcheck.check_execution`) before the config, network and data are loaded, and local workers
    asked for in a worker still importing its parent's script (no main guard) refused before they are loaded there for
    nothing (:func:`cimsim.sweep.execute.check_not_bootstrapping`)"""
    workers = check_execution(progress, workers, scheduler)
    if workers is not None and scheduler is None:
        from .sweep.execute import check_not_bootstrapping  # here: the sweep package takes ~0.14 s to import

        check_not_bootstrapping(f"workers={workers}")
    return workers


def simulate(config, settings: Mapping[str, Any] | None = None, *, weights=None, inputs=None, network=None,
             labels=None, trials: int | None = None, seed: int | None = None,
             progress: Callable[[int], None] | None = None, workers: int | None = None,
             scheduler: str | None = None) -> Simulation:
    """What ``cimsim run`` does: simulate the workload (every trial) and price its CIM cost.

    ``config``: a TOML path, a :class:`~cimsim.config.Config` or a dict of tables; ``settings``: fields over it
    (``{"adc.bits": 6}``). Data in memory: a dense layer's ``weights`` (out x in) and ``inputs`` (vectors x in), or a
    network workload's ``network`` (:func:`~cimsim.network.from_torch`, :func:`~cimsim.network.load_network`),
    ``inputs`` (samples, ...) and ``labels`` (samples, ...); left out, the config's. ``trials``: independent device
    draws (``simulation.trials``); ``seed``: ``simulation.seed``. ``progress(n)``: called as n more items finish.
    ``workers`` (local processes) or ``scheduler`` (a Dask address) split a network's samples, results unchanged.
    Returns a :class:`Simulation`."""
    workers = _checked_execution(progress, workers, scheduler)
    cfg, data = prepared(config, settings, trials, seed, weights, inputs, network, labels)
    results = run_trials(cfg, progress, workers=workers, scheduler=scheduler, **data)
    _warn_notes(cfg, workers, scheduler, results[0])  # after the run: refused arguments raise before any warning
    return Simulation(results, price(cfg, results[0], include_weight_load=False)[0])


def estimate(config, settings: Mapping[str, Any] | None = None, *, weights=None, inputs=None,
             network=None) -> Estimate:
    """What a ``kind = "analytic"`` sweep does for one point: the workload priced from its shapes, without
    simulating (milliseconds; the data-dependent counts at the codes of a sample of its own inputs and weights); a
    dense layer's ``weights`` and ``inputs``, a network workload's ``network``, given in memory (as
    :func:`simulate` takes them) or as the config says."""
    warn_unread_by_estimate(settings or {})
    cfg, data = prepared(config, settings, None, None, weights, inputs, network, None)
    cim, baseline = price_from_shapes(cfg, network=data.get("network"), weights=data.get("weights"),
                                      inputs=data.get("inputs"))
    return Estimate(cim, baseline, "inference" if cfg.workload.kind == WorkloadKind.NETWORK else "MVM",
                    trust.energy_gain_range(cfg, cim, baseline), trust.area_range(cfg, cim), cfg.name, cfg.source, cfg,
                    tuple(name for name in ("network", "weights", "inputs") if name in data))


ESTIMATE_UNREAD = ("simulation.trials", "simulation.int8_products", "simulation.memory_limit_gib")
"""the settings an estimate does not read: it runs no trials and no crossbar products, and holds no work arrays
(simulation.batch_size chunks a network's float pass, its range check: read, though it changes no figure)"""


def warn_unread_by_estimate(settings: Mapping[str, Any], prefix: str = "") -> None:
    """A warning naming each of the ``settings`` (dotted or as tables; ``prefix``: the CLI's "--set ") that an
    estimate does not read (:data:`ESTIMATE_UNREAD`): set, they had changed nothing, unsaid."""
    warn_unread_settings(settings, ESTIMATE_UNREAD.__contains__, "an estimate", "it prices the shapes once, running no "
                         "trials and no crossbar products and holding no work arrays; simulate and compare do",
                         prefix)


def compare(config, settings: Mapping[str, Any] | None = None, *, weights=None, inputs=None, network=None,
            labels=None, trials: int | None = None, seed: int | None = None,
            progress: Callable[[int], None] | None = None, workers: int | None = None,
            scheduler: str | None = None) -> Comparison:
    """What ``cimsim compare`` does: the workload on CIM next to the config's von Neumann baseline; arguments as
    :func:`simulate`'s. Returns a :class:`~cimsim.comparison.Comparison`."""
    workers = _checked_execution(progress, workers, scheduler)
    cfg, data = prepared(config, settings, trials, seed, weights, inputs, network, labels)
    comparison = _compare(cfg, progress, workers=workers, scheduler=scheduler, **data)
    _warn_notes(cfg, workers, scheduler, comparison.run)
    return comparison
