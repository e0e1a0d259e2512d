"""Several copies of a layer's weights on separate arrays, taking the input vectors in turn.

Vector v (numbered from the first read, over every call: :meth:`ReplicatedCrossbar.seek`) goes to copy v mod copies,
so results do not depend on how the vectors are split into calls, chunks or worker ranges. Each copy is a
:class:`~cimsim.numerics.Crossbar` with its own device and read-noise draws (key (*key, copy)), numbering its own
vectors (copies of ideal cells share one programming: they draw nothing); with one copy the layer is that Crossbar
itself, unchanged.
"""

from __future__ import annotations

import contextlib
import threading
from dataclasses import replace

import numpy as np

from ..argcheck import check_int, checked_types
from ..cell_levels import ideal_cells
from ..config.schema import Config
from ..counts import Counts
from .converters import AdcSetting
from .crossbar import Crossbar

__all__ = ["ReplicatedCrossbar", "build_crossbar", "spanning_adc", "counts_kept"]

_NUMBERS = threading.Lock()  # guards every replicated layer's vector numbers
_PROGRAMMED = ("layer", "_integer", "adc", "_vector_events", "programming_counts")
"""what :meth:`Crossbar.program` sets: shared by copies of ideal cells (:meth:`ReplicatedCrossbar.program`)"""


@contextlib.contextmanager
def counts_kept(crossbars):
    """The read counts of ``crossbars`` put back as they were if the block raises: a read a later crossbar refuses
    (its products overflow) leaves the earlier ones uncounted, as one crossbar's refused read is. Each Crossbar's
    attributes are restored whole (a read replaces its counts, never changes them in place), so a count added later
    needs no list kept here. The caller holds a lock that keeps other reads of them out meanwhile."""
    crossbars = list(_leaves(crossbars))
    saved = [dict(vars(x)) for x in crossbars]
    try:
        yield
    except BaseException:
        for x, state in zip(crossbars, saved):
            vars(x).update(state)
        raise


def _leaves(crossbars):
    """the Crossbars of ``crossbars``, a wrapper's (replicated copies, a grouped matrix's blocks) in its place"""
    for x in crossbars:
        yield from [x] if isinstance(x, Crossbar) else _leaves(getattr(x, "copies", None) or x.blocks)


def spanning_adc(crossbars) -> AdcSetting | None:
    """The converters of a layer's crossbars (a shared matrix's places, replicated copies, a grouped matrix's packed
    blocks: each calibrated apart): one crossbar's setting, or for several their ``lsb`` (input code x level)
    stacked, (crossbar, row tile, column), or side by side in one row where their shapes differ (a grouped matrix's
    last block); None while any is uncalibrated."""
    settings = [xb.adc for xb in crossbars]
    if any(s is None for s in settings):
        return None
    if len({s.lsb.shape for s in settings}) > 1:
        return replace(settings[0], lsb=np.concatenate([s.lsb.ravel() for s in settings]))
    return settings[0] if len(settings) == 1 else replace(settings[0], lsb=np.stack([s.lsb for s in settings]))


@checked_types
def build_crossbar(config: Config, in_features: int | None = None, out_features: int | None = None,
                   *, key: tuple[int, ...] = (0,), read_key: tuple[int, ...] | None = None
                   ) -> "Crossbar | ReplicatedCrossbar":
    """The layer's crossbars: one Crossbar, or ``mapping.replication`` copies of it (keys as Crossbar's)."""
    if config.mapping.replication == 1:
        return Crossbar(config, in_features, out_features, key=key, read_key=read_key)
    return ReplicatedCrossbar(config, in_features, out_features, key=key, read_key=read_key)


class ReplicatedCrossbar:
    """The :class:`Crossbar` interface over ``config.mapping.replication`` copies: program, calibrate, mvm,
    digital_reference, seek, reset_counts, adc, counts, programming_counts, adc_clipped and max_sum (the copies'
    alike); what each copy holds of its own (its programmed ``layer``, ``conductances_us``, ``input_sums``) is read
    from ``copies[k]`` (copies of ideal cells hold one programmed layer, read-only: :meth:`program`)."""

    def __init__(self, config: Config, in_features: int | None = None, out_features: int | None = None,
                 *, key: tuple[int, ...] = (0,), read_key: tuple[int, ...] | None = None):
        read_key = key if read_key is None else read_key
        self.copies = [Crossbar(config, in_features, out_features, key=(*key, c), read_key=(*read_key, c))
                       for c in range(config.mapping.replication)]
        self.config, self.plan = config, self.copies[0].plan
        self._vectors_read = 0  # the number of the next vector: it goes to copy (number mod copies)
        self._reading = threading.Lock()  # one read of this layer at a time: a refused one puts back no other's counts

    def __getstate__(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if k != "_reading"}  # a lock is no state to copy

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state, _reading=threading.Lock())

    def program(self, weights) -> None:
        """Program every copy, each with its own device draws; where the cells take none (ideal cells: every copy's
        cells alike, an IR drop solved alike), the first copy is programmed and the others share what it holds (its
        programmed layer, products and converters, read-only; each counts its own writes): 1024 copies of a 256 x
        256 layer had taken 22 s and 1 GB programming identical arrays (a performance probe)."""
        first, *rest = self.copies
        first.program(weights)
        shared = ideal_cells(self.config.device)
        for array in vars(first.layer).values() if shared and rest else ():  # one copy's edit had changed all
            if isinstance(array, np.ndarray):
                array.setflags(write=False)
        for copy in rest:
            if shared:
                vars(copy).update({name: vars(first)[name] for name in _PROGRAMMED})
                copy.reset_counts()
            else:
                copy.program(weights)

    def calibrate(self, inputs, percentile: float | None = None) -> AdcSetting:
        """Calibrate every copy on the same inputs; returns their settings (:attr:`adc`). Copies that share their
        cells (:meth:`program`) and read no noise see the same sums: they share the first's converters."""
        first, *rest = self.copies
        first.calibrate(inputs, percentile)
        quiet = not (first._output_noise or first._cell_noise_path)  # no read noise, no kT/C noise
        for copy in rest:
            if quiet and copy.layer is first.layer:
                copy.adc = first.adc
            else:
                copy.calibrate(inputs, percentile)
        return self.adc

    def __getattr__(self, name: str):
        if name in ("layer", "conductances_us", "input_sums"):  # (only names the copies hold reach here)
            raise AttributeError(f"'ReplicatedCrossbar' object has no attribute {name!r}: each of its "
                                 f"{len(self.copies)} copies holds its own, copies[k].{name}")
        raise AttributeError(f"'ReplicatedCrossbar' object has no attribute {name!r}")

    @property
    def max_sum(self) -> float:
        """largest |analog sum| an ideal read can produce (:attr:`Crossbar.max_sum`: the copies share their plan)"""
        return self.copies[0].max_sum

    @property
    def adc(self) -> AdcSetting | None:
        """every copy's converters (:func:`spanning_adc`), so a result's range covers them all"""
        return spanning_adc(self.copies)

    def mvm(self, inputs) -> np.ndarray:
        """:meth:`Crossbar.mvm` over the copies; the call's vector numbers are taken as it starts, and calls from
        several threads take turns (a refused read puts back its copies' counts, no other call's)."""
        # every row checked before any copy reads: a row refused at a later copy would leave earlier ones advanced
        x, one = self.copies[0]._inputs(inputs)
        n, rows, out = len(self.copies), x.shape[0], None
        with _NUMBERS:
            first, self._vectors_read = self._vectors_read, self._vectors_read + rows
        try:  # copy c takes rows start, start + n, ... (start = (c - first) mod n); the copy taking row 0 first
            # (an empty batch too); vector first + start is copy c's number (first + start) // n
            with self._reading, counts_kept(self.copies):
                for start, c in sorted(((c - first) % n, c) for c in range(n)):
                    if start == 0 or start < rows:
                        y = self.copies[c]._mvm(x[start::n], (first + start) // n)
                        out = np.empty((rows, y.shape[1])) if out is None else out
                        out[start::n] = y
        except BaseException:
            with _NUMBERS:  # a refused read leaves the numbers as they were (unless a later call has taken some)
                self._vectors_read = first if self._vectors_read == first + rows else self._vectors_read
            raise
        return out[0] if one else out

    def digital_reference(self, inputs) -> np.ndarray:
        return self.copies[0].digital_reference(inputs)

    def reset_counts(self) -> None:
        for copy in self.copies:
            copy.reset_counts()

    def seek(self, vector: int) -> None:
        """Number the next vector read ``vector``: it goes to copy (vector mod copies), and each copy numbers its own
        vectors as if every earlier one had been read (copy c has read those of the numbers below ``vector``
        that are c mod copies)."""
        self._vectors_read = check_int("vector", vector, minimum=0, maximum=2**62)  # vector numbers are int64
        n = len(self.copies)
        for c, copy in enumerate(self.copies):
            copy.seek(max(0, -(-(vector - c) // n)))

    @property
    def counts(self) -> Counts:
        return Counts.total(c.counts for c in self.copies)

    @property
    def programming_counts(self) -> Counts:
        """every copy's cells written, the weights fetched from DRAM once (each copy holds the same matrix)"""
        total = Counts.total(c.programming_counts for c in self.copies)
        return replace(total, dram_read_bits=self.copies[0].programming_counts.dram_read_bits)

    @property
    def adc_clipped(self) -> int:
        return sum(c.adc_clipped for c in self.copies)
