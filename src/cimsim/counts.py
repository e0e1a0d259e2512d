"""What the hardware did: one additive record of action counts per component.

Numerics (functional path) and shape arithmetic (analytic path) produce :class:`Counts`; the cost
models consume them (energy = sum of counts x energy per action). Counts never hold energies of the
periphery, only events; the physical sums, which the data decide, are ``array_gv2t_fj`` (sum of G * V**2 * t over
every cell read, in femtojoules: microsiemens x volts**2 x nanoseconds = 1e-15 J) and ``cell_activity`` (the
charge cells' switched fraction of C V_DD**2).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields

from .argcheck import check_instance, check_int, check_real

__all__ = ["Counts", "INPUT_TALLIES"]

_RESOLUTIONS = ("dac_bits", "adc_bits")


@dataclass(frozen=True)
class Counts:
    """Action counts of a CIM run (all totals over the vectors processed).

    Their values are checked (:meth:`check`) where counts are priced, shared, scaled or totalled, not at
    construction or in ``+``: the numerics build them in their loops, and a check per construction cost 70 %.
    """

    mvms: int = 0
    """input vectors processed (one matrix-vector product each)"""
    macs: int = 0
    """multiply-accumulates of the workload (out x in per vector)"""
    array_reads: int = 0
    """row-group reads of one array (one input plane applied to one row group)"""
    dac_conversions: int = 0
    """row-driver / DAC conversions (one per row of a row group per read)"""
    dac_bits: int = 1
    """resolution of each DAC conversion, bits"""
    row_activations: int | float = 0
    """rows driven with a non-zero voltage (data-dependent); with pulse-count inputs, every unit pulse (the analytic
    path's expectation, fractional where a share of the inputs is 0)"""
    cells_read: int = 0
    """cells on a driven row group of a used column, summed over reads (a cell chain's carry columns are adders:
    :meth:`~cimsim.mapping.Plan.read_cols`)"""
    array_gv2t_fj: float = 0.0
    """sum over cells read of G * V**2 * t_read, femtojoules (data-dependent)"""
    cell_activity: float = 0.0
    """sum over cells read of (x / c_max)**2 (l / l_max), input code x and stored level l: a charge cell's
    capacitor energy in units of C V_DD**2 (data-dependent)"""
    adc_conversions: int = 0
    """column conversions"""
    adc_bits: int = 8
    """resolution of each ADC conversion, bits"""
    adder_tree_sums: int = 0
    """output sums added exactly by a digital adder tree (digital CIM, no ADC), each over one row group"""
    reference_sums: int = 0
    """input sums a digital array adds for the offset encoding's reference (the offset x the read's input sum: no
    column of cells), one per array read"""
    shift_adds: int = 0
    """shift-and-add operations recombining column sums (one per conversion or adder-tree sum)"""
    accumulator_adds: int = 0
    """digital additions of partial sums across row tiles"""
    buffer_read_bits: int = 0
    """bits read from the tile buffers: inputs (once per column tile) and outputs (on their way out)"""
    buffer_write_bits: int = 0
    """bits written to the tile buffers: inputs (as they arrive) and outputs"""
    interconnect_bit_hops: int = 0
    """bits moved one hop between arrays / tiles (input broadcast, partial sums)"""
    dram_read_bits: int = 0
    """bits read from DRAM (inputs; weights when programming)"""
    dram_write_bits: int = 0
    """bits written to DRAM (outputs)"""
    cell_writes: int = 0
    """cells programmed"""
    inputs_clipped: int = 0
    """input values beyond 'dac.input_max' (a fixed input range), which the DAC saturates at its full scale
    (data-dependent; not priced: a result's ``input_clipped_fraction``)"""
    inputs_zero_coded: int = 0
    """nonzero input values below half a step of a fixed 'dac.input_max', which the DAC reads as code 0, counted in
    reads whose range lies at least twice above their largest magnitude (the range to blame, not the input bits)"""
    inputs_nonzero: int = 0
    """nonzero input values read against a fixed 'dac.input_max' (0 with per-vector ranges: not counted)"""

    def __add__(self, other: "Counts") -> "Counts":
        if not isinstance(other, Counts):
            return NotImplemented
        if (self.dac_bits, self.adc_bits) != (other.dac_bits, other.adc_bits):
            raise ValueError("cannot add counts of converters with different resolutions")
        values = {}
        for f in fields(self):
            a, b = getattr(self, f.name), getattr(other, f.name)
            values[f.name] = a if f.name in _RESOLUTIONS else a + b
        return Counts(**values)

    def check(self) -> "Counts":
        """These counts when every one is a finite real >= 0 and each resolution an int >= 1; else a ValueError
        naming the field."""
        for name in _RESOLUTIONS:
            if not (type(value := getattr(self, name)) is int and value >= 1):  # a plain int: no call (fast)
                check_int(f"Counts.{name}", value, 1)
        for name in _EVENTS:
            value = getattr(self, name)
            if not (type(value) is int and value >= 0 or type(value) is float and 0.0 <= value < math.inf):
                check_real(f"Counts.{name}", value, 0.0)
        return self

    def scaled(self, k: int) -> "Counts":
        """The counts of ``k`` (an int >= 0) repetitions of this record (resolutions kept)."""
        k = check_int("k", k, 0)
        return Counts(**{f.name: getattr(self, f.name) if f.name in _RESOLUTIONS else
                         getattr(self, f.name) * k for f in fields(self.check())})

    def share(self, fraction: float) -> "Counts":
        """The counts of ``fraction`` (in (0, 1]) of this work: each event count times it, rounded to an integer
        where it counts events; resolutions and cell writes kept (a routed mixture's expert does ``fraction`` of
        its products, but every expert's weights are programmed); itself at 1."""
        if check_real("fraction", fraction, 0.0, 1.0, low_open=True) == 1.0:
            return self.check()
        return Counts(**{f.name: getattr(self, f.name) if f.name in (*_RESOLUTIONS, "cell_writes") else
                         round(getattr(self, f.name) * fraction) if isinstance(getattr(self, f.name), int) else
                         getattr(self, f.name) * fraction for f in fields(self.check())})

    @staticmethod
    def total(records) -> "Counts":
        """The sum of a non-empty sequence of records (of converters of one resolution each)."""
        records = [check_instance(f"records[{k}]", r, Counts).check() for k, r in enumerate(records)]
        if not records:
            raise ValueError("records must hold one Counts at least; got none")
        return sum(records[1:], records[0])

    def as_dict(self) -> dict:
        """Plain dict (for JSON)."""
        return asdict(self)


INPUT_TALLIES = ("inputs_clipped", "inputs_zero_coded", "inputs_nonzero")
"""the input tallies of a fixed range, in the order :func:`cimsim.numerics.encoding.fixed_range_tally` gives them"""
_EVENTS = tuple(f.name for f in fields(Counts) if f.name not in _RESOLUTIONS)
"""the fields that count events or sum energies (all but the resolutions)"""
