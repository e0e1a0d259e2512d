"""What a cell programmed to a level holds on average: the expected conductance of each target level under the
device models of :mod:`cimsim.numerics.devices` (programming error with or without program-and-verify, stuck
cells, drift), in closed form.

The functional path reads the conductances programming drew; the analytic path (:mod:`cimsim.analytic`) prices
each cell at its level's expected conductance instead of its nominal one, so both count the same G V**2 t on
average (a drifted PCM array conducts less, a clipped programming error near g_min more), and the same charge-cell
activity (the level above g_min, 0 for a cell at or below it).

Level units as :mod:`cimsim.numerics.devices`: G / step, step = (g_max - g_min) / max_level, a cell at level L
ideally holding L + r, r = g_min / step. For target L (mu = L + r, sigma = program_sigma x max_level, or x mu when
proportional), a programmed value P = max(Y, 0), Y ~ N(mu, sigma**2); program-and-verify keeps the first of up to
w writes whose |P - mu| <= tolerance x max_level (the w-th whatever it holds); a cell is stuck at r or at
max_level + r with the stuck rates (no drift), else it holds P x F, F = (t / t0) ** -nu, nu = max(0, N(nu0,
nu_sigma**2)) drawn independently of P. E[max(P - c, 0)] from the normal's partial moments, E[F] = Phi(-nu0 / s) +
exp(-a nu0 + a**2 s**2 / 2) Phi((nu0 - a s**2) / s), a = ln(t / t0), s = nu_sigma; E[max(P F - r, 0)] for a spread
nu (and r > 0) integrated over nu numerically (Gauss-Legendre).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np

from .config.modes import ProgramError
from .config.schema import DeviceConfig

__all__ = ["CellLevels", "expected_levels", "ideal_cells", "reads_drift"]


def ideal_cells(device: DeviceConfig) -> bool:
    """whether ``device``'s cells hold their targets exactly: no programming error, stuck cells or drift"""
    return not (device.program_sigma or device.stuck_at_gmin_rate or device.stuck_at_gmax_rate or device.drift_nu
                or device.drift_nu_sigma)


def reads_drift(device: DeviceConfig) -> bool:
    """whether ``device``'s reads see drift: a drift exponent, and reads after the drift reference time (at it, F =
    (t / t0)**-nu = 1 for every nu)"""
    return bool(device.drift_nu or device.drift_nu_sigma) and device.drift_time_s != device.drift_t0_s


@dataclass(frozen=True)
class CellLevels:
    """What a cell programmed to each level 0..max_level holds on average, in level steps."""

    held: tuple[float, ...]
    """E[G] / step - r: its mean conductance above g_min (negative where drift takes it below g_min on average)"""
    stored: tuple[float, ...]
    """E[max(G / step - r, 0)]: its mean level above g_min, a cell at or below g_min storing none (a charge cell's
    activity)"""


@functools.lru_cache(maxsize=256)
def expected_levels(device: DeviceConfig, off_exact: bool = False) -> CellLevels | None:
    """What a ``device`` cell programmed to each level 0..max_level holds on average (max_level =
    2**bits_per_cell - 1), or None where its cells hold their targets exactly (held per device: 0.1-10 ms);
    ``off_exact``: a cell at level 0 holds nothing but where stuck high (an SRAM cell storing 0, as the simulation
    programs it: :func:`cimsim.numerics.devices.program_cells`)."""
    if ideal_cells(device) or device.g_max_us <= device.g_min_us:  # the loader refuses the second: no level step
        return None
    stuck_low, stuck_high = device.stuck_at_gmin_rate, device.stuck_at_gmax_rate
    top = 2 ** device.bits_per_cell - 1
    r = device.g_min_us / ((device.g_max_us - device.g_min_us) / top)
    mu, free = np.arange(top + 1, dtype=np.float64) + r, 1.0 - stuck_low - stuck_high
    held = stuck_low * r + stuck_high * (top + r) + free * _above(device, mu, top, 0.0) * _mean_drift_factor(device)
    stored = stuck_high * top + free * _stored_drifted(device, mu, top, r)
    held = held - r
    if off_exact:
        held[0] = stored[0] = stuck_high * top
    return CellLevels(tuple(float(v) for v in held), tuple(float(v) for v in stored))


def _stored_drifted(device: DeviceConfig, mu: np.ndarray, top: int, r: float) -> np.ndarray:
    """E[max(P F - r, 0)] at each target mu (level units): P and F independent"""
    nu, s = device.drift_nu, device.drift_nu_sigma
    if not (nu or s):
        return _above(device, mu, top, r)  # F = 1
    if r == 0:
        return _above(device, mu, top, 0.0) * _mean_drift_factor(device)  # P F >= 0: E[P] E[F]
    from scipy.special import ndtr, ndtri

    a = math.log(device.drift_time_s / device.drift_t0_s)
    if not s:
        f = np.array([[math.exp(-a * max(nu, 0.0))]])
        return _drifted_at(device, mu, top, r, f)[0]
    # nu = nu0 + s z, z ~ N(0, 1), drifts where z > z0 (nu > 0): over u = Phi(z) in [Phi(z0), 1], a smooth
    # integrand but where no programming error smooths the kink of max(P f - r, 0), by Gauss-Legendre (64 nodes:
    # within 2e-4 level steps of adaptive quadrature split at that kink)
    u0 = float(ndtr(-nu / s))
    x, w = np.polynomial.legendre.leggauss(QUADRATURE_NODES)
    u = u0 + (1.0 - u0) * (x + 1.0) / 2.0
    f = np.exp(-a * (nu + s * ndtri(u)))[:, None]
    return u0 * _above(device, mu, top, r) + (1.0 - u0) / 2.0 * (w @ _drifted_at(device, mu, top, r, f))


QUADRATURE_NODES = 64
"""Gauss-Legendre nodes over the drift exponent's distribution (the stored levels of spread drift above a floor)"""


def _drifted_at(device: DeviceConfig, mu: np.ndarray, top: int, r: float, f: np.ndarray) -> np.ndarray:
    """E[max(P f - r, 0)] at each target mu (columns) for each drift factor f (rows: an n x 1 array; 0 where f
    underflowed)"""
    with np.errstate(divide="ignore"):
        c = np.minimum(r / f, 1e300)  # a vanishing f: nothing above the floor
    return f * _above(device, mu, top, c)


def _above(device: DeviceConfig, mu: np.ndarray, top: int, c: float | np.ndarray) -> np.ndarray:
    """E[max(P - c, 0)] of the programmed value P at each target mu (level units; c >= 0, or an n x 1 array of
    them: n x len(mu)), program-and-verify included"""
    from scipy.special import ndtr  # scipy.special takes ~0.1 s to import: only for non-ideal cells

    exact = np.maximum(mu - c, 0.0)
    if not device.program_sigma:
        return exact
    sigma = device.program_sigma * (np.full_like(mu, top) if device.program_error == ProgramError.ABSOLUTE
                                    else mu)  # 0 where a proportional error's target is 0: P = mu exactly
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):  # sigma 0 or subnormal: P = mu
        every = _partial(mu, sigma, np.broadcast_to(c, exact.shape), np.inf, c)
        if device.program_verify_tolerance is None:
            return np.where(sigma > 0, every, exact)
        tol = device.program_verify_tolerance * top
        lo = np.where(mu > tol, mu - tol, -np.inf)  # at or below tol a clipped draw (P = 0) verifies too
        hi = mu + tol
        accepted = ndtr((hi - mu) / sigma) - ndtr((lo - mu) / sigma)
        kept = _partial(mu, sigma, np.minimum(np.maximum(lo, c), hi), hi, c) / accepted  # E[... | it verifies]
        last = (1.0 - accepted) ** (device.program_verify_max_writes - 1)  # no write of the first w - 1 verified
        verified = (1.0 - last) * kept + last * every
    return np.where(sigma > 0, np.where(accepted > 0, verified, every), exact)  # no write verifies: the last draw


def _partial(mu: np.ndarray, sigma: np.ndarray, a: np.ndarray, b: np.ndarray, c: float) -> np.ndarray:
    """E[(Y - c); a <= Y <= b] for Y ~ N(mu, sigma**2), 0 <= c <= a <= b (P = max(Y, 0) = Y there)"""
    from scipy.special import ndtr

    alpha, beta = (a - mu) / sigma, (b - mu) / sigma
    return (mu - c) * (ndtr(beta) - ndtr(alpha)) + sigma * (_pdf(alpha) - _pdf(beta))


def _pdf(z):
    """the standard normal density, 0 at +/- inf"""
    return np.exp(-0.5 * np.square(z)) / math.sqrt(2.0 * math.pi)


def _mean_drift_factor(device: DeviceConfig) -> float:
    """E[(t / t0) ** -nu] for nu = max(0, N(drift_nu, drift_nu_sigma**2))"""
    from scipy.special import log_ndtr, ndtr

    a, nu, s = math.log(device.drift_time_s / device.drift_t0_s), device.drift_nu, device.drift_nu_sigma
    if not s:
        return math.exp(-a * max(nu, 0.0))
    return float(ndtr(-nu / s) + math.exp(-a * nu + 0.5 * (a * s) ** 2 + log_ndtr((nu - a * s * s) / s)))  # no overflow
