"""What the cells really hold: programming error, program-and-verify, stuck cells and conductance drift.

Conductances are handled in *level units*, G / step with step = (g_max - g_min) / max_level, so a cell
programmed to level L ideally holds L + r with r = g_min / step. The functions here return what every cell
holds above g_min (level units, float64): its target for an ideal device, so ideal results stay exact.

Models (each drawn once per programming, in a fixed order from the generator given):

- programming error: Gaussian, sigma = program_sigma x (g_max - g_min) ("absolute") or x the target
  conductance ("proportional"), clipped where the cell would fall below 0 S (a conductance cannot go negative);
  with program-and-verify a cell is rewritten (a fresh draw) while the error it holds (clipped) exceeds
  tolerance x (g_max - g_min) in magnitude, at most program_verify_max_writes writes;
- stuck cells: a fraction stuck at g_min, another at g_max, whatever was programmed (drawn after the programming
  error); with program-and-verify a stuck cell takes one write when its stuck level is within tolerance of its
  target, else program_verify_max_writes (it never verifies);
- drift: G(t) = G_programmed x (t / t0) ** -nu, nu ~ N(drift_nu, drift_nu_sigma) per cell, clipped at 0; a stuck
  cell keeps its stuck conductance (nu is drawn for every cell all the same, so the draws do not depend on it).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..argcheck import checked_types
from ..cell_levels import ideal_cells
from ..config.checks import device_errors
from ..config.load import field_errors
from ..config.modes import ProgramError
from ..config.schema import Config, DeviceConfig
from ..errors import ConfigError
from ..mapping import Plan

__all__ = ["ProgrammedCells", "ideal_cells", "program_cells", "drift_gains"]


@dataclass(frozen=True)
class ProgrammedCells:
    """The outcome of programming a block of cells (level units)."""

    held: np.ndarray
    """conductance above g_min at the time of the reads, level units (same shape as the targets; the targets
    themselves where ``at_target``), computed from what was programmed: at g_min = 0 a drift to any fraction keeps its
    digits, else to about eps x g_min (as the target plus a deviation it had lost them sooner: a devices probe,
    global compensation 4.5 % off at a drift factor of 1e-15)"""
    target: np.ndarray
    """the integer target levels"""
    drift_factor: np.ndarray
    """(t / t0) ** -nu of each cell (without drift: 1, as a 0-d array that broadcasts)"""
    writes: int
    """write pulses spent (one per cell, more with program-and-verify)"""
    at_target: bool = False
    """every cell holds its target exactly (ideal cells: never computed)"""

    @property
    def deviation(self) -> np.ndarray:
        """actual minus ideal conductance at the time of the reads, level units"""
        return self.held - self.target


def _programming_error(target: np.ndarray, r: float, max_level: int, device: DeviceConfig,
                       rng: np.random.Generator, off_exact: bool) -> tuple[np.ndarray, np.ndarray | None]:
    """Error each programmed cell holds (level units, clipped at conductance 0: what a verify read sees) and the
    writes each took (None: one each, no verify); none at level 0 where ``off_exact`` (an SRAM cell storing 0:
    its capacitor uncharged, its read transistor off, whatever their mismatch)."""
    if device.program_sigma == 0:
        return np.zeros(target.shape), None
    sigma = device.program_sigma * (max_level if device.program_error == ProgramError.ABSOLUTE else target + r)
    error = np.maximum(sigma * rng.standard_normal(target.shape), -(target + r))
    if off_exact:  # a clipped draw at 0 had biased every stored 0 upward (two's complement kept the bias)
        error[target == 0] = 0.0
    if device.program_verify_tolerance is None:
        return error, None
    tolerance = device.program_verify_tolerance * max_level
    writes = np.ones(target.shape, dtype=np.int16)  # at most program_verify_max_writes <= 1000 (the loader's bound)
    for _ in range(device.program_verify_max_writes - 1):
        retry = np.abs(error) > tolerance
        n = int(retry.sum())
        if n == 0:
            break
        writes[retry] += 1
        sig = sigma if np.isscalar(sigma) else sigma[retry]
        error[retry] = np.maximum(sig * rng.standard_normal(n), -(target[retry] + r))
    return error, writes


def _stuck(target: np.ndarray, r: float, max_level: int, device: DeviceConfig, programmed: np.ndarray,
           writes: np.ndarray | None, rng: np.random.Generator) -> tuple[np.ndarray, int, np.ndarray]:
    """``programmed`` with the stuck cells at g_min or g_max (level units), the writes spent on all cells and
    which cells are stuck.

    With program-and-verify a stuck cell verifies at once when its stuck level is within tolerance of its target,
    else it takes program_verify_max_writes writes (it never verifies)."""
    u = rng.random(target.shape)
    low = u < device.stuck_at_gmin_rate
    high = (u >= device.stuck_at_gmin_rate) & (u < device.stuck_at_gmin_rate + device.stuck_at_gmax_rate)
    programmed = np.where(high, max_level + r, np.where(low, r, programmed))
    stuck = low | high
    if device.program_verify_tolerance is None:
        return programmed, target.size, stuck
    held = np.where(high, max_level, 0)[stuck]  # the stuck level above g_min
    missed = np.abs(held - target[stuck]) > device.program_verify_tolerance * max_level
    free = int((~stuck).sum()) if writes is None else int(writes[~stuck].sum(dtype=np.int64))
    return programmed, free + int(np.where(missed, device.program_verify_max_writes, 1).sum(dtype=np.int64)), stuck


@checked_types
def program_cells(target: np.ndarray, r: float, max_level: int, device: DeviceConfig,
                  rng: np.random.Generator, off_exact: bool = False) -> ProgrammedCells:
    """Program cells to integer ``target`` levels; returns what they hold at read time (``off_exact``: cells at level
    0 hold no error, :func:`_programming_error`).

    ``device`` must pass the loader's rules (:func:`_checked_device`), else a :class:`ConfigError` names each field."""
    _checked_device(device)
    if ideal_cells(device):  # ideal cells hold their targets: no draws, no arithmetic over every cell
        return ProgrammedCells(target, target, np.ones(()), target.size, at_target=True)  # no copy: not read
    error, cell_writes = _programming_error(target, r, max_level, device, rng, off_exact)
    programmed = target + r + error  # at or above 0: the error is clipped where the conductance would be negative
    writes = target.size if cell_writes is None else int(cell_writes.sum(dtype=np.int64))
    stuck = None
    if device.stuck_at_gmin_rate or device.stuck_at_gmax_rate:
        programmed, writes, stuck = _stuck(target, r, max_level, device, programmed, cell_writes, rng)
    factor = np.ones(())
    if device.drift_nu or device.drift_nu_sigma:
        nu = np.maximum(0.0, device.drift_nu + device.drift_nu_sigma * rng.standard_normal(target.shape))
        factor = (device.drift_time_s / device.drift_t0_s) ** -nu
        if stuck is not None:  # a stuck cell holds its stuck conductance: it does not drift
            factor = np.where(stuck, 1.0, factor)
    return ProgrammedCells(programmed * factor - r, target, factor, writes)


def _checked_device(device: DeviceConfig) -> DeviceConfig:
    """``device`` when it passes the loader's rules for each field and between its fields
    (:func:`cimsim.config.checks.device_errors`); else the loader's :class:`ConfigError` (source "<device>"): a
    DeviceConfig built in Python is not validated (a NaN sigma gave NaN cells, drift_t0_s = 0 a ZeroDivisionError)."""
    errors = field_errors(Config(device=device)) or device_errors(device)  # the other sections are defaults, valid
    if errors:
        raise ConfigError("<device>", errors)
    return device


@checked_types
def drift_gains(now: np.ndarray, programmed: np.ndarray, phys_tile: np.ndarray, col_tile: np.ndarray,
                plan: Plan) -> np.ndarray:
    """Global drift compensation: the digital gain of each row tile and converted column, 1 / the measured drift
    of its array.

    The drift of array (row tile, column tile) is the ratio of its total conductance now to that just after
    programming (what an all-ones calibration read returns; Joshi et al., Nat. Commun. 2020): ``now`` and
    ``programmed`` are the conductances the sense amplifiers see (with IR drop, the effective ones); ``phys_tile``
    and ``col_tile`` give the column tile of each physical and each converted column.
    """
    starts = np.arange(0, plan.in_features, plan.rows)

    def per_array(g: np.ndarray) -> np.ndarray:  # total conductance of each (row tile, column tile)
        rows = np.add.reduceat(g, starts, axis=0)
        return np.array([np.bincount(phys_tile, weights=row, minlength=plan.col_tiles) for row in rows])

    now_sum, then_sum = per_array(now), per_array(programmed)
    ratio = np.divide(then_sum, now_sum, out=np.ones_like(now_sum), where=now_sum > 0)
    return ratio[:, col_tile]
