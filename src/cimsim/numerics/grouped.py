"""A grouped convolution's crossbars: its groups packed block-diagonally, one crossbar per packed block.

As :mod:`cimsim.packing` maps a grouped matrix (``groups`` products of in -> out each): ``per_block`` groups share
a packed block, a crossbar of (per_block x in) -> (per_block x out) holding their block-diagonal matrix (the zero
cells read with their error and noise), which reads only its groups' inputs; the last block holds the groups left.
Block k has its own device and read-noise draws (key (*key, k); a single block is the layer's crossbar, its key
unchanged); every block reads every vector, numbering them as the layer does, so results do not depend on how the
vectors are split into calls, chunks or ranges. Each block quantises its own inputs and weights (its own scales,
as arrays programmed and driven apart), and its ADCs are calibrated on its own sums.
"""

from __future__ import annotations

import threading
from dataclasses import replace

import numpy as np

from ..argcheck import check_int
from ..config.modes import SignedInputs
from ..config.schema import Config
from ..counts import Counts
from ..packing import block_spans
from .checks import as_array, check_unsigned, finite_matrix, vector_rows
from .converters import AdcSetting
from .replicated import build_crossbar, counts_kept, spanning_adc

__all__ = ["GroupedCrossbar"]


class GroupedCrossbar:
    """The :class:`~cimsim.numerics.Crossbar` interface over a grouped matrix's packed blocks (module doc):
    ``in_features`` and ``out_features`` are the whole block-diagonal matrix's, ``groups`` divides both. ``plan`` is
    the first block's, its replication times the blocks (the chip model's copies, :mod:`cimsim.packing`)."""

    def __init__(self, config: Config, in_features: int, out_features: int, groups: int,
                 *, key: tuple[int, ...] = (0,), read_key: tuple[int, ...] | None = None):
        groups = check_int("groups", groups, 1)
        if in_features % groups or out_features % groups:
            raise ValueError(f"{groups} groups must divide in_features {in_features} and out_features {out_features}")
        read_key = key if read_key is None else read_key
        self.in_features, self.out_features, self.groups = in_features, out_features, groups
        self._in, self._out = in_features // groups, out_features // groups  # one group's
        self.spans = block_spans(config, self._in, self._out, groups)
        """the groups [first, stop) of each packed block"""
        keys = ([(key, read_key)] if len(self.spans) == 1 else
                [((*key, k), (*read_key, k)) for k in range(len(self.spans))])
        self.blocks = [build_crossbar(config, (b - a) * self._in, (b - a) * self._out, key=k, read_key=r)
                       for (a, b), (k, r) in zip(self.spans, keys)]
        self.config, first = config, self.blocks[0].plan
        self.plan = replace(first, replication=first.replication * len(self.blocks))
        self._reading, self._vectors_read = threading.Lock(), 0

    def __getstate__(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if k != "_reading"}  # a lock is no state to copy (a pickle or
        # deepcopy had failed on it: a probe)

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state, _reading=threading.Lock())

    def _cuts(self, per_group: int) -> list[slice]:
        """each block's columns of a row of ``per_group`` values a group"""
        return [slice(a * per_group, b * per_group) for a, b in self.spans]

    def program(self, weights) -> None:
        """Program each block with its groups' blocks of ``weights``, the whole block-diagonal matrix (out x in); a
        weight outside the groups' blocks, which no array holds, is refused (it had been dropped)."""
        w = as_array("weights", weights)
        if w.shape != (self.out_features, self.in_features):
            raise ValueError(f"weights must be the grouped matrix, shape {(self.out_features, self.in_features)}; "
                             f"got {w.shape}")
        outside = np.arange(self.out_features)[:, None] // self._out != np.arange(self.in_features) // self._in
        if (stray := np.argwhere(outside & (w != 0))).size:
            raise ValueError(f"weights must be block-diagonal ({self.groups} groups of {self._out} x {self._in}); "
                             f"weights[{stray[0][0]}, {stray[0][1]}] = {w[tuple(stray[0])].item()!r} lies outside them")
        for block, rows, cols in zip(self.blocks, self._cuts(self._out), self._cuts(self._in)):
            block.program(w[rows, cols])

    def _rows(self, inputs) -> tuple[np.ndarray, bool]:
        """(``inputs`` as a float64 batch, finite and of the matrix's width; whether one vector was given), checked
        whole before any block reads (a row refused at a later block would leave earlier ones advanced)"""
        x, one = vector_rows("inputs", inputs, self.in_features)
        x = finite_matrix("inputs", x, (None, self.in_features))
        if self.plan.signed_inputs == SignedInputs.UNSIGNED:
            check_unsigned(x)
        return x, one

    def _each(self, method: str, inputs) -> np.ndarray:
        """``method`` of every block on its columns of ``inputs``, the outputs side by side"""
        x, one = self._rows(inputs)
        out = np.empty((x.shape[0], self.out_features))
        for block, cols, outs in zip(self.blocks, self._cuts(self._in), self._cuts(self._out)):
            out[:, outs] = getattr(block, method)(x[:, cols])
        return out[0] if one else out

    def mvm(self, inputs) -> np.ndarray:
        """:meth:`Crossbar.mvm` of every block on its groups' inputs -> (batch x out) float64; calls from several
        threads read one after another (every block numbers a vector alike), and a refused read leaves every
        block's numbers as they were"""
        with self._reading:
            first = self._vectors_read
            try:
                with counts_kept(self.blocks):  # a block refusing its read: the others' counts as they were
                    out = self._each("mvm", inputs)
            except BaseException:
                self.seek(first)
                raise
            self._vectors_read += out.shape[0] if out.ndim == 2 else 1
            return out

    def digital_reference(self, inputs) -> np.ndarray:
        """every block's exact product of its quantised operands, side by side"""
        return self._each("digital_reference", inputs)

    def calibrate(self, inputs, percentile: float | None = None) -> AdcSetting:
        """Calibrate each block's converters on its columns of ``inputs``; returns their settings (:attr:`adc`)."""
        x, _ = self._rows(inputs)
        for block, cols in zip(self.blocks, self._cuts(self._in)):
            block.calibrate(x[:, cols], percentile)
        return self.adc

    @property
    def adc(self) -> AdcSetting | None:
        """every block's converters (:func:`.replicated.spanning_adc`)"""
        return spanning_adc(self.blocks)

    def seek(self, vector: int) -> None:
        """Number the next vector read ``vector`` in every block (:meth:`Crossbar.seek`)."""
        self._vectors_read = check_int("vector", vector, minimum=0, maximum=2**62)
        for block in self.blocks:
            block.seek(vector)

    def reset_counts(self) -> None:
        for block in self.blocks:
            block.reset_counts()

    @property
    def counts(self) -> Counts:
        """every block's events; the MACs the groups' own (not the zero cells' of a packed block)"""
        total = Counts.total(block.counts for block in self.blocks)
        return replace(total, macs=self.blocks[0].counts.mvms * self.groups * self._in * self._out)

    @property
    def programming_counts(self) -> Counts:
        """every block's cells written (the zero cells of its packed matrix too); the weights fetched from DRAM
        are the groups' own, not the zeros"""
        total = Counts.total(block.programming_counts for block in self.blocks)
        return replace(total, dram_read_bits=self.groups * self._in * self._out * self.plan.weight_bits)

    @property
    def adc_clipped(self) -> int:
        return sum(block.adc_clipped for block in self.blocks)
