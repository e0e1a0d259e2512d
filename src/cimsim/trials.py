"""Monte Carlo over device draws: the same workload simulated in several trials, and the spread of results.

Trial k draws its devices and read noise from its own streams (``Crossbar`` key (k, ...)); the data are
the same in every trial. A spread needs two trials or more: it reports the mean, the sample standard deviation and
the worst trial of a metric that varies between them, and the one value of a metric identical in all of them.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .argcheck import check_execution, checked_types
from .config.modes import WorkloadKind
from .config.schema import Config
from .inference import NetworkResult, simulate_network
from .preflight import check_pricing
from .run import RunResult, simulate

__all__ = ["Result", "Spread", "Spreads", "run_trials", "spreads", "metric_label", "trial_mean"]

Result = RunResult | NetworkResult


def trial_mean(values) -> float:
    """The mean of trials' ``values``, within their [min, max] (identical trials: their value, not 0.97 read back as
    0.9700000000000001)"""
    return float(np.clip(np.mean(values), np.min(values), np.max(values)))


@dataclass(frozen=True)
class Spread:
    """One metric over two or more trials."""

    values: tuple[float, ...]
    higher_is_better: bool

    def __post_init__(self) -> None:
        if len(self.values) < 2:
            raise ValueError(f"Spread.values: a spread needs at least 2 trials; got {len(self.values)}")

    @property
    def varies(self) -> bool:
        """whether the trials differ (identical trials: reports state their one value, not a mean, std or worst)"""
        return len(set(self.values)) > 1

    @property
    def mean(self) -> float:
        """the mean, within [min, max] of the trials (identical trials: their value, no rounding residue)"""
        return trial_mean(self.values)

    @property
    def std(self) -> float:
        """sample standard deviation (0 for identical trials: no rounding residue; inf where the trials differ and one
        is infinite)"""
        if not self.varies:
            return 0.0
        return math.inf if any(map(math.isinf, self.values)) else float(np.std(self.values, ddof=1))

    @property
    def worst(self) -> float:
        return min(self.values) if self.higher_is_better else max(self.values)

    def as_dict(self) -> dict:
        """JSON form: "identical" (whether every trial gave the same), then the mean, std and worst trial of one that
        varies, or the "value" of one that does not, and every trial's"""
        if not self.varies:
            return {"identical": True, "value": self.values[0], "trials": list(self.values)}
        return {"identical": False, "mean": self.mean, "std": self.std, "worst": self.worst,
                "trials": list(self.values)}


@checked_types
def run_trials(config: Config, progress: Callable[[int], None] | None = None, *, workers: int | None = None,
               scheduler: str | None = None, **data) -> tuple[Result, ...]:
    """``config.simulation.trials`` simulations of the config's workload (dense layer or network); a network's
    samples split over ``workers`` processes or the Dask cluster at ``scheduler`` (None: this process). ``data``:
    in-memory arrays (dense: weights, inputs; network: network, inputs, labels). The cost models' limits are checked
    first, before any crossbar is built (:func:`cimsim.preflight.check_pricing`): a design the run could not price is
    a ConfigError, as ``cimsim validate`` finds it, not one after every sample has run."""
    workers = check_execution(progress, workers, scheduler)
    if config.workload.kind == WorkloadKind.NETWORK:
        check_pricing(config, data.get("network"))
        return tuple(simulate_network(config, progress, trial, workers=workers, scheduler=scheduler, **data)
                     for trial in range(config.simulation.trials))
    if workers is not None or scheduler is not None:
        raise ValueError("workers and scheduler split a network's samples; this workload is a dense layer")
    check_pricing(config)
    return tuple(simulate(config, progress, trial, **data) for trial in range(config.simulation.trials))


class Spreads(dict):
    """:func:`spreads`' mapping: a metric it lacks is a KeyError saying why (one trial; a metric that is not
    finite in every trial, or does not vary by its nature) and what the mapping holds"""

    def __init__(self, values: dict, trials: int):
        super().__init__(values)
        self.trials = trials

    def __missing__(self, name):
        why = ("one trial has no spread: run with trials >= 2 (simulation.trials, or trials=)" if self.trials < 2
               else f"it is not a metric that varies and is finite in every one of the {self.trials} trials")
        raise KeyError(f"no spread of {name!r}: {why}; spreads of: {', '.join(self) or 'none'}")


def spreads(results: tuple[Result, ...]) -> dict[str, Spread]:
    """The accuracy metrics that may vary between trials, over two or more trials (one trial: none, no spread), each
    finite in every trial (an infinite SNR, an exact result, is left out); ``Spread.varies``: whether it did. A
    missing metric is a KeyError saying why (:class:`Spreads`)."""
    out = Spreads({}, len(results))
    if len(results) < 2:
        return out
    for name, higher_is_better in results[0].varying().items():
        values = tuple(r.metrics()[name] for r in results)
        if all(map(math.isfinite, values)):
            out[name] = Spread(values, higher_is_better)
    return out


def metric_label(name: str, labelled: bool = True) -> str:
    """an accuracy metric's name in words: 'outputs_snr_db' -> 'outputs SNR (dB)'; without labels (``labelled``
    False) a network's accuracy is its top-1 agreement with the float network: 'analog agreement' (it had been
    labelled an accuracy over several trials)"""
    return name.replace("accuracy", "accuracy" if labelled else "agreement").replace(
        "snr_db", "SNR (dB)").replace("_", " ")
