"""Several copies of a layer's weights on separate arrays, taking the input vectors in turn.

Vector b goes to copy b mod copies. Each copy is a :class:`~cimsim.numerics.Crossbar` with its own device
and read-noise draws (key (*key, copy)); with one copy the layer is that Crossbar itself, unchanged.
"""

from __future__ import annotations

import numpy as np

from ..argcheck import checked_types
from ..config.schema import Config
from ..counts import Counts
from .checks import vector_rows
from .converters import AdcSetting
from .crossbar import Crossbar

__all__ = ["ReplicatedCrossbar", "build_crossbar"]


@checked_types
def build_crossbar(config: Config, in_features: int | None = None, out_features: int | None = None,
                   *, key: tuple[int, ...] = (0,), read_key: tuple[int, ...] | None = None
                   ) -> "Crossbar | ReplicatedCrossbar":
    """The layer's crossbars: one Crossbar, or ``mapping.replication`` copies of it (keys as Crossbar's)."""
    if config.mapping.replication == 1:
        return Crossbar(config, in_features, out_features, key=key, read_key=read_key)
    return ReplicatedCrossbar(config, in_features, out_features, key=key, read_key=read_key)


class ReplicatedCrossbar:
    """The :class:`Crossbar` interface over ``config.mapping.replication`` copies."""

    def __init__(self, config: Config, in_features: int | None = None, out_features: int | None = None,
                 *, key: tuple[int, ...] = (0,), read_key: tuple[int, ...] | None = None):
        read_key = key if read_key is None else read_key
        self.copies = [Crossbar(config, in_features, out_features, key=(*key, c), read_key=(*read_key, c))
                       for c in range(config.mapping.replication)]
        self.config, self.plan = config, self.copies[0].plan

    def program(self, weights) -> None:
        for copy in self.copies:
            copy.program(weights)

    def calibrate(self, inputs, percentile: float | None = None) -> AdcSetting:
        """Calibrate every copy on the same inputs; returns the first copy's setting."""
        return [copy.calibrate(inputs, percentile) for copy in self.copies][0]

    @property
    def adc(self) -> AdcSetting | None:
        return self.copies[0].adc

    def mvm(self, inputs) -> np.ndarray:
        x, one = vector_rows("inputs", inputs)
        n = len(self.copies)
        first = self.copies[0].mvm(x[0::n])  # validates the inputs
        out = np.empty((x.shape[0], first.shape[1]))
        out[0::n] = first
        for c in range(1, n):
            if c < x.shape[0]:
                out[c::n] = self.copies[c].mvm(x[c::n])
        return out[0] if one else out

    def digital_reference(self, inputs) -> np.ndarray:
        return self.copies[0].digital_reference(inputs)

    def reset_counts(self) -> None:
        for copy in self.copies:
            copy.reset_counts()

    def seek(self, vector: int) -> None:
        """Only the start (vector 0): the copies share vectors round-robin per call, so where a later vector's
        noise comes from depends on every call before it (a run split over workers refuses replication)."""
        if vector != 0:
            raise ValueError("a replicated layer (mapping.replication > 1) cannot start at a later vector")
        for copy in self.copies:
            copy.seek(0)

    @property
    def counts(self) -> Counts:
        return Counts.total(c.counts for c in self.copies)

    @property
    def programming_counts(self) -> Counts:
        return Counts.total(c.programming_counts for c in self.copies)

    @property
    def adc_clipped(self) -> int:
        return sum(c.adc_clipped for c in self.copies)
