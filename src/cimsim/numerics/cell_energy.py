"""The data-dependent energy sums of a programmed crossbar's reads, from its per-input sums: what
:attr:`Crossbar.counts <cimsim.numerics.Crossbar.counts>` reports, and what a network run split into chunks or
processes weighs once for the whole run (:mod:`cimsim.evaluation`), so the sums do not follow the split."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..config.modes import InputEncoding
from .programming import row_level_fractions

__all__ = ["CellEnergy"]


@dataclass(frozen=True, eq=False)
class CellEnergy:
    """A programmed crossbar's energy sums as :attr:`Crossbar.counts <cimsim.numerics.Crossbar.counts>` forms them
    from its per-input sums: the cells' activity (squared codes x row level fractions / max code**2) and G V**2 t
    (terms x row conductances, microsiemens, x the unit voltage**2 x t_read, V**2 ns: femtojoules)."""

    row_fractions: np.ndarray
    max_code_sq: int
    row_g_us: np.ndarray
    v2t: float

    @classmethod
    def of(cls, xbar) -> "CellEnergy":
        """the weights of one programmed :class:`~cimsim.numerics.Crossbar` (or anything with its plan and layer)"""
        p = xbar.plan
        v_unit = p.read_voltage_v / (p.max_plane_code if p.dac_encoding == InputEncoding.VOLTAGE else 1)
        return cls(row_level_fractions(xbar.layer, p), p.max_plane_code ** 2, xbar.layer.row_g_us,
                   v_unit ** 2 * p.read_pulse_ns)

    def sums(self, input_sums: np.ndarray) -> tuple[float, float]:
        """(array_gv2t_fj, cell_activity) of per-input sums ``input_sums`` (2 x in)"""
        return (float(input_sums[1] @ self.row_g_us) * self.v2t,
                float(input_sums[0] @ self.row_fractions) / self.max_code_sq)
