"""The named modes of a config: one :class:`Mode` enum per choice field, a docstring per member.

A member is a ``str`` (``DacMode.SLICED == "sliced"``), so TOML and JSON hold the plain name, and the loader
stores the member. The config rule of a field (``Choice(DacMode)``) and the configuration reference are built
from the enum, so a new mode is one member here plus the code that implements it.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = [
    "Mode", "ArrayFamily", "DigitalAdders", "CellAccess", "IrDropModel", "ProgramError", "ReadNoisePath",
    "DriftCompensation", "WeightScale", "SignedEncoding", "Subtraction", "DacMode", "SignedInputs", "InputEncoding",
    "InputRange", "AdcType", "Accumulation", "AdcRange", "CalibrationScope", "WorkloadKind", "Dataset", "WeightSource",
    "InputSource", "Dataflow", "MemoryTechnology", "DramTechnology", "EnergyModel", "Pipeline", "Balance",
    "Int8Products",
]


class Mode(StrEnum):
    """A config mode: a string enum whose members each carry a one-line ``__doc__``.

    Members are declared as ``NAME = "value", "what it means"``.
    """

    def __new__(cls, value: str, doc: str = ""):
        member = str.__new__(cls, value)
        member._value_ = value
        member.__doc__ = doc
        return member

    def __repr__(self) -> str:
        return repr(self.value)


class ArrayFamily(Mode):
    """How a cell computes."""

    RESISTIVE = "resistive", "G x V current (RRAM, PCM, MRAM, FeFET)"
    CHARGE = "charge", "capacitive SRAM cells, charge sharing on the bit line (kT/C noise)"
    CURRENT = "current", "SRAM cells discharging a precharged bit line"
    DIGITAL = "digital", "bitwise AND and an adder tree per column: exact, no ADC"


class DigitalAdders(Mode):
    """How a digital array sums its 1-bit products (array.family = digital)."""

    TREE = "tree", ("adder trees beside the array (ZigZag-IMC's DIMC model), one per output or array.adder_trees "
                    "summing the outputs in turn")
    CELL_CHAIN = "cell_chain", ("a full adder in every bit cell: an output's running sum ripples down its column, "
                                "product bits + ceil(log2 rows) wide (Colonnade, Kim et al., JSSC 2021)")


class CellAccess(Mode):
    """How a resistive cell is selected (array.family = resistive): what its area and line pitches are."""

    ONE_T_ONE_R = "1t1r", "an access transistor per cell (NeuroSim 1T1R cell, 12F along the row x 4F)"
    CROSSPOINT = "crosspoint", "no access transistor (1R or 1S1R crosspoint; NeuroSim crossbar cell, 2F x 2F)"


class IrDropModel(Mode):
    """IR-drop model used when the wires have resistance."""

    EXACT = "exact", "nodal solve of the whole array (sparse LU)"
    APPROXIMATE = "approximate", "decoupled row and column ladders (fast; errors in docs/irdrop.md)"


class ProgramError(Mode):
    """How the programming error scales."""

    ABSOLUTE = "absolute", "std a fraction of g_max - g_min, the same for every level"
    PROPORTIONAL = "proportional", "std a fraction of the target conductance"


class ReadNoisePath(Mode):
    """Where read noise is drawn."""

    OUTPUT = "output", "column noise with the exact per-cell distribution (fast)"
    CELL = "cell", "every cell perturbed on every read (slow, for checks)"


class DriftCompensation(Mode):
    """Correction of conductance drift."""

    NONE = "none", "outputs left as read"
    GLOBAL = "global", "outputs rescaled by the mean drift of each array (measured)"


class WeightScale(Mode):
    """Granularity of the weight quantisation scale."""

    PER_TENSOR = "per_tensor", "one scale for the whole weight matrix (a grouped convolution's: one per packed block)"
    PER_OUTPUT = "per_output", "one scale per output (row of W)"


class SignedEncoding(Mode):
    """How a signed weight is stored in cells."""

    DIFFERENTIAL = "differential", "a G+ / G- column pair"
    OFFSET = "offset", "weight + 2**(bits-1) stored, a reference column subtracted"
    TWOS_COMPLEMENT = "twos_complement", ("the weight's two's-complement bits, one per cell; the sign bit's column "
                                          "recombined with weight -2**(bits-1) after the ADC")


class Subtraction(Mode):
    """Where the two polarities (or the reference) are subtracted."""

    ANALOG = "analog", "the ADC converts the difference (one signed sum)"
    DIGITAL = "digital", "each column converted, subtracted after the ADC"


class DacMode(Mode):
    """How many input magnitude bits one read applies."""

    PARALLEL = "parallel", "every magnitude bit in one read (multi-bit DAC)"
    BIT_SERIAL = "bit_serial", "one bit per read (1-bit DAC)"
    SLICED = "sliced", "bits_per_read bits per read (k-bit DAC)"


class SignedInputs(Mode):
    """How the sign of an input reaches the array."""

    TWO_PHASE = "two_phase", "positive and negative parts in separate reads"
    BIPOLAR = "bipolar", "+/- row voltages (a sign and a magnitude per read; with 1 input bit, binary +/-1 inputs)"
    TWOS_COMPLEMENT = "twos_complement", "sign bit read last with negative weight (not with mode = parallel)"
    UNSIGNED = "unsigned", "inputs >= 0 (e.g. after ReLU), every bit a magnitude bit"


class InputEncoding(Mode):
    """How a read's code reaches a row."""

    VOLTAGE = "voltage", "a DAC sets the row voltage"
    PULSE_WIDTH = "pulse_width", "one pulse of code unit times at the full read voltage"
    PULSE_COUNT = "pulse_count", "code unit pulses (a read lasts 2**bits_per_read - 1 unit pulses)"


class InputRange(Mode):
    """The input value mapped to the DAC's full scale."""

    PER_VECTOR = "per_vector", "max |x| of each vector (binary inputs: their mean |x|)"
    FIXED = "fixed", "the fixed input_max"


class AdcType(Mode):
    """Converter architecture: its energy, time and area law (docs/adc.md)."""

    SAR = "sar", "successive approximation"
    FLASH = "flash", "2**B - 1 comparators at once"
    RAMP = "ramp", "ramp / integrating (single slope), the ramp shared by the array"
    VCO = "vco", "voltage- or current-controlled oscillator, counted"


class Accumulation(Mode):
    """What is summed in the analog domain (binary-weighted charge) before one conversion."""

    NONE = "none", "nothing: every input plane and weight-slice column converted"
    PLANES = "planes", "the input planes of a row group"
    SLICES = "slices", "the weight-slice columns of an output (C-2C ladders, weighted column capacitors)"
    PLANES_AND_SLICES = "planes_and_slices", "both"


class AdcRange(Mode):
    """The ADC's full scale."""

    MAX = "max", ("the largest column sum a conversion of the array's rows can take, whatever rows the layer fills "
                  "(never clips a noise-free sum)")
    CALIBRATED = "calibrated", "a percentile of observed sums"
    FIXED = "fixed", "full_scale_fraction of the largest possible sum"


class CalibrationScope(Mode):
    """How many full scales range = calibrated sets."""

    LAYER = "layer", "one per layer (a grouped convolution: one per packed block)"
    ARRAY = "array", "one per array"
    COLUMN = "column", "one per column"


class WorkloadKind(Mode):
    """What is simulated."""

    DENSE = "dense", "one layer (the dense fields of [workload])"
    NETWORK = "network", "network_file on dataset"


class Dataset(Mode):
    """Network inputs and labels."""

    DIGITS = "digits", "the test split of scikit-learn's digits"
    FILE = "file", "dataset_file"


class WeightSource(Mode):
    """Weights of a dense workload."""

    NORMAL = "normal", "clip(N(0,1), -3, 3) / 3"
    UNIFORM = "uniform", "U(-1, 1)"
    FILE = "file", "weights_file (.npy, shape out x in)"


class InputSource(Mode):
    """Input vectors of a dense workload (their magnitudes for unsigned inputs)."""

    UNIFORM = "uniform", "U(-1, 1)"
    NORMAL = "normal", "N(0, 1)"
    FILE = "file", "inputs_file (.npy, shape vectors x in)"


class Dataflow(Mode):
    """How the von Neumann baseline moves weights and partial sums."""

    OUTPUT_STATIONARY = "output_stationary", "partial sums stay in the MAC units"
    WEIGHT_STATIONARY = "weight_stationary", "weights stay, one batch of vectors streams past each loaded weight"
    WEIGHT_STREAMING = "weight_streaming", ("weights are never kept on chip: each batch fetches them from DRAM "
                                            "straight into the MAC units")


class MemoryTechnology(Mode):
    """Technology of an on-chip memory."""

    SRAM = "sram", "SRAM (Horowitz, ISSCC 2014)"
    EDRAM = "edram", "eDRAM (ISAAC's, cimsim.cost.edram)"


class DramTechnology(Mode):
    """Off-chip memory technology (energy per bit and bandwidth)."""

    DDR4 = "ddr4", "DDR4"
    LPDDR4 = "lpddr4", "LPDDR4"
    HBM2 = "hbm2", "HBM2"


class EnergyModel(Mode):
    """How the baseline's energy is priced."""

    COMPONENTS = "components", "MACs, registers, on-chip memory and DRAM priced per event, and their leakage"
    BOARD_POWER = "board_power", "board_power_w x roofline time (a datasheet-level model for GPUs)"


class Pipeline(Mode):
    """How a network's layers share time."""

    LAYER = "layer", ("layers work on successive inferences at once (throughput set by the slowest layer, the "
                      "global buffer's ports or DRAM)")
    NONE = "none", "one inference at a time"


class Balance(Mode):
    """Balancing of the layer pipeline."""

    NONE = "none", "each layer on its own arrays once"
    REPLICATE = "replicate", "the slowest layers' weights copied onto free arrays"


class Int8Products(Mode):
    """Whether exact integer products may run on the CPU's int8 units."""

    AUTO = "auto", "when onnxruntime is installed, its int8 units are exact here and the operands fit (faster)"
    OFF = "off", "always the float32 product"
