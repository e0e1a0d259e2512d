"""The configuration of one cimsim run, as frozen dataclasses; the defaults are the "rram-default" preset.

Every field carries a rule (what values it accepts) and a one-line doc with its unit; the loader (:mod:`.load`)
validates TOML against these rules and the cross-field checks of :mod:`.checks`. Units are in the field names.
"""

from __future__ import annotations

from dataclasses import MISSING, dataclass, field, fields

from .modes import (
    Accumulation, AdcRange, AdcType, ArrayFamily, Balance, CalibrationScope, CellAccess, DacMode, Dataflow, Dataset,
    DigitalAdders, DramTechnology, DriftCompensation, EnergyModel, InputEncoding, InputRange, InputSource, Int8Products,
    IrDropModel, MemoryTechnology, Pipeline, ProgramError, ReadNoisePath, SignedEncoding, SignedInputs, Subtraction,
    WeightScale, WeightSource, WorkloadKind,
)
from .rules import Choice, Float, Int, OptionalFloat, OptionalInt, Text, rule

__all__ = ["ArrayConfig", "DeviceConfig", "MappingConfig", "DacConfig", "AdcConfig", "TechnologyConfig",
           "WorkloadConfig", "BaselineConfig", "ChipConfig", "SimulationConfig", "Config", "SECTIONS"]


@dataclass(frozen=True)
class ArrayConfig:
    """Geometry of one crossbar array."""

    rows: int = field(default=256, metadata=rule(Int(1, 4096), "word lines (inputs) per array"))
    cols: int = field(default=256, metadata=rule(Int(1, 4096), "bit lines (physical columns) per array"))
    rows_per_read: int = field(default=256, metadata=rule(
        Int(1, 4096), "rows driven at once (partial activation); each row group is read and converted separately"))
    wire_resistance_ohm: float = field(default=0.0, metadata=rule(
        Float(0.0, 1e6), "resistance of one row or column wire segment between adjacent cells, ohms (0: no IR drop)"))
    family: ArrayFamily = field(default=ArrayFamily.RESISTIVE, metadata=rule(
        Choice(ArrayFamily), "how a cell computes"))
    cell_capacitance_ff: float = field(default=1.2, metadata=rule(
        Float(1e-3, 1e3), "compute capacitor of one cell, femtofarads (family = charge; default: Valavi et al., "
        "JSSC 2019, 1.2 fF metal-fringe capacitor; at least 1e-3, an attofarad, below any transistor's gate: a "
        "subnormal one overflowed the kT/C noise)"))
    ir_drop: IrDropModel = field(default=IrDropModel.EXACT, metadata=rule(
        Choice(IrDropModel), "IR-drop model when wire_resistance_ohm > 0"))
    digital_adders: DigitalAdders = field(default=DigitalAdders.TREE, metadata=rule(
        Choice(DigitalAdders), "how a digital array sums its products (family = digital)"))
    adder_trees: int = field(default=0, metadata=rule(Int(0, 4096), "adder trees of a digital array, each summing "
        "its share of the outputs in turn, a read pulse each, the energy unchanged (0: one per output; tree adders)"))
    chain_register_rows: int = field(default=0, metadata=rule(Int(0, 4096), "rows between a cell chain's pipeline "
        "registers (cell_chain adders; 0: none; at most array.rows; a read crosses ceil(rows_per_read/it) of them)"))
    cell_access: CellAccess = field(default=CellAccess.ONE_T_ONE_R, metadata=rule(
        Choice(CellAccess), "how a resistive cell is selected: its area and pitches (family resistive, no SRAM)"))


@dataclass(frozen=True)
class DeviceConfig:
    """The memory cell: conductance levels and read conditions."""

    name: str = field(default="rram", metadata=rule(Text(one_line=True), "the device technology; on a "
                      "resistive array its first word naming a cell prices it (rram, pcm, mram, sram...; else RRAM's)"))
    g_min_us: float = field(default=10.0 / 17.0, metadata=rule(
        Float(0.0, 1e6), "conductance of the lowest level, microsiemens (> 0 means a finite on/off ratio)"))
    g_max_us: float = field(default=10.0, metadata=rule(
        Float(1e-6, 1e6), "conductance of the highest level, microsiemens (1e-6 to 1e6, a picosiemens to a siemens: "
        "beyond any cell's on-state either way; a subnormal one left no step between levels, 1e300 overflowed)"))
    bits_per_cell: int = field(default=2, metadata=rule(Int(1, 8), "bits stored per cell (2**bits levels)"))
    read_voltage_v: float = field(default=0.51, metadata=rule(
        Float(1e-3, 2.0), "row voltage of the full-scale DAC code of a resistive array, volts (an SRAM family's lines "
        "swing technology.vdd_v; at least 1e-3, a millivolt, 26x below the thermal voltage kT/q)"))
    read_pulse_ns: float = field(default=10.0, metadata=rule(
        Float(1e-3, 1e9), "one read pulse (array settling), ns (a picosecond, below any gate, to a second)"))
    preset: str | None = field(default=None, metadata=rule(
        Text(optional=True), "device preset this table starts from (`cimsim presets` lists them)"))
    program_sigma: float = field(default=0.0, metadata=rule(
        Float(0.0, 1.0), "programming error std, fixed per cell: fraction of g_max - g_min (absolute) or of "
                         "the target conductance (proportional)"))
    program_error: ProgramError = field(default=ProgramError.ABSOLUTE, metadata=rule(
        Choice(ProgramError), "how the programming error scales with the target"))
    program_verify_tolerance: float | None = field(default=None, metadata=rule(
        OptionalFloat(0.0, 1.0, low_open=True),
        "program-and-verify: rewrite a cell until |error| <= this fraction of g_max - g_min (left out: one write)"))
    program_verify_max_writes: int = field(default=20, metadata=rule(
        Int(1, 1000), "writes per cell at most in program-and-verify"))
    read_noise_sigma: float = field(default=0.0, metadata=rule(
        Float(0.0, 1.0), "read noise std, drawn afresh on every read of every cell: fraction of g_max - g_min"))
    read_noise_path: ReadNoisePath = field(default=ReadNoisePath.OUTPUT, metadata=rule(
        Choice(ReadNoisePath), "where read noise is drawn"))
    drift_nu: float = field(default=0.0, metadata=rule(
        Float(0.0, 1.0), "drift exponent nu of G(t) = G0 (t / t0)**-nu, its normal's mean (drift_time_s after t0)"))
    drift_nu_sigma: float = field(default=0.0, metadata=rule(
        Float(0.0, 1.0), "std of nu's normal across devices (a cell's draw is clipped at 0)"))
    drift_t0_s: float = field(default=20.0, metadata=rule(
        Float(1e-9, None), "drift reference time after programming, seconds (at least 1e-9, a nanosecond, shorter "
        "than any programming pulse: drift_time_s / drift_t0_s had overflowed float64)"))
    drift_time_s: float = field(default=20.0, metadata=rule(
        Float(1e-9, 1e13), "time of the reads after programming, seconds (> drift_t0_s where cells drift; at most "
        "1e13, 300 000 years, beyond any retention specification: 10 years is 3.2e8 s)"))
    drift_compensation: DriftCompensation = field(default=DriftCompensation.NONE, metadata=rule(
        Choice(DriftCompensation), "correction of conductance drift"))
    stuck_at_gmin_rate: float = field(default=0.0, metadata=rule(
        Float(0.0, 1.0), "fraction of cells stuck at g_min"))
    stuck_at_gmax_rate: float = field(default=0.0, metadata=rule(
        Float(0.0, 1.0), "fraction of cells stuck at g_max"))
    iv_nonlinearity: float = field(default=2.0, metadata=rule(
        Float(2.0, 1000.0), "a cell's current at the full read voltage over its current at half of it (2: ohmic; "
                            "above: I = G V_read sinh(a v) / sinh(a), v = V / V_read, 2 cosh(a / 2) = this ratio; "
                            "bends multi-level voltage reads only, docs/devices.md)"))


@dataclass(frozen=True)
class MappingConfig:
    """How real weights become cell levels."""

    weight_bits: int = field(default=8, metadata=rule(
        Int(1, 16), "signed weight precision, bits (incl. sign); 1: binary weights in {-1, +1} (XNOR / BNN)"))
    weight_scale: WeightScale = field(default=WeightScale.PER_TENSOR, metadata=rule(
        Choice(WeightScale), "granularity of the weight quantisation scale"))
    signed_encoding: SignedEncoding = field(default=SignedEncoding.DIFFERENTIAL, metadata=rule(
        Choice(SignedEncoding), "how a signed weight is stored in cells"))
    subtraction: Subtraction = field(default=Subtraction.ANALOG, metadata=rule(
        Choice(Subtraction), "where the two polarities (or reference) are subtracted (digital array: as weights need)"))
    replication: int = field(default=1, metadata=rule(
        Int(1, 1024), "copies of the weights on separate arrays, input vectors dealt to them in turn by their "
                      "number (v to copy v mod copies, whatever the calls or workers; area x copies, a stage's compute "
                      "interval / copies: unpipelined, a one-vector item gains nothing; own device draws)"))


@dataclass(frozen=True)
class DacConfig:
    """How inputs are applied to the rows."""

    mode: DacMode = field(default=DacMode.PARALLEL, metadata=rule(
        Choice(DacMode), "input magnitude bits applied per read"))
    bits_per_read: int | None = field(default=None, metadata=rule(
        OptionalInt(1, 16), "input magnitude bits applied per read (needed for mode = sliced; with the other modes "
                            "left out or equal to what they imply: all magnitude bits, or 1)"))
    input_bits: int = field(default=8, metadata=rule(
        Int(1, 16), "input precision, bits (incl. the sign unless signed_inputs = unsigned; at least 2 when signed, "
                    "but 1 with bipolar: binary inputs, sign(x) in {-1, +1})"))
    signed_inputs: SignedInputs = field(default=SignedInputs.TWO_PHASE, metadata=rule(
        Choice(SignedInputs), "how an input's sign reaches the array"))
    encoding: InputEncoding = field(default=InputEncoding.VOLTAGE, metadata=rule(
        Choice(InputEncoding), "how a read's code reaches a row (pulses: time-domain inputs, reads of 2+ levels)"))
    input_range: InputRange = field(default=InputRange.PER_VECTOR, metadata=rule(
        Choice(InputRange), "input value mapped to the DAC's full scale"))
    input_max: float | None = field(default=None, metadata=rule(
        OptionalFloat(1e-30, None), "input value mapped to full scale (needed for input_range = fixed); inputs half a "
                                    "step or more beyond +/- input_max saturate at the top code, and reports give "
                                    "their share (input_clipped_fraction; a warning above 1 %; binary inputs, "
                                    "read as sign(x) x input_max, none)"))


@dataclass(frozen=True)
class AdcConfig:
    """The column analog-to-digital converters."""

    bits: int = field(default=8, metadata=rule(Int(1, 16), "ADC resolution, bits (1 on a signed sum: a sign "
                                                             "comparator reading +/- full scale, 0 for a sum of 0)"))
    type: AdcType = field(default=AdcType.SAR, metadata=rule(
        Choice(AdcType), "converter architecture: its energy, time and area law (docs/adc.md); at 1 bit sar only"))
    enob: float | None = field(default=None, metadata=rule(
        OptionalFloat(0.5, 16.0), "effective bits a paper states (left out: the model's default; docs/adc.md). "
                                  "Prices only (the numerics convert at bits): a sar, or a flash above its rate "
                                  "corner, of 2+ bits (ramp, vco, 1 bit: refused)"))
    built_bits: int | None = field(default=None, metadata=rule(
        OptionalInt(1, 16), "resolution of the converter built, when more than bits: a reconfigurable SAR run at "
                            "bits stops after bits bit-cycles (never cheaper or smaller than the bits-bit SAR; "
                            "docs/adc.md); left out: bits. Prices only"))
    accumulation: Accumulation = field(default=Accumulation.NONE, metadata=rule(
        Choice(Accumulation), "what is summed in the analog domain (binary-weighted charge) before one conversion"
                              " (of planes or slices there are two or more of); the ADC range covers that sum"))
    groups_per_conversion: int = field(default=1, metadata=rule(
        Int(1, 1 << 20), "consecutive row groups of an array (reads of rows_per_read rows) whose analog sums are "
                         "added on the column before one conversion; the ADC range covers that sum"))
    range: AdcRange = field(default=AdcRange.CALIBRATED, metadata=rule(Choice(AdcRange), "the ADC's full scale"))
    percentile: float = field(default=99.99, metadata=rule(
        Float(50.0, 100.0, low_open=True), "percentile of |column sum| used by range = calibrated, %"))
    calibration_vectors: int = field(default=256, metadata=rule(
        Int(1, None), "input vectors used to calibrate the range (range = calibrated)"))
    full_scale_fraction: float = field(default=1.0, metadata=rule(
        Float(1e-12, 1.0), "full scale as a fraction of the largest possible sum (range = fixed; at least 1e-12, 40 "
        "bits below it, beyond any converter: a subnormal one left no float64 step and converted as step 1)"))
    cols_per_adc: int = field(default=8, metadata=rule(
        Int(1, 4096), "converted columns sharing one ADC, in turn on each read (costs time, not accuracy): a "
                      "differential pair subtracted in analog is one, one subtracted digitally two"))
    calibration_scope: CalibrationScope = field(default=CalibrationScope.LAYER, metadata=rule(
        Choice(CalibrationScope), "full scales set by range = calibrated"))
    offset_lsb: float = field(default=0.0, metadata=rule(
        Float(-1e6, 1e6), "offset of every ADC, LSB, added after its gain: a' = a (1 + gain_error) + offset"))
    gain_error: float = field(default=0.0, metadata=rule(
        Float(-0.5, 0.5), "relative gain error of every ADC (0.01 = 1 % too large)"))
    inl_lsb: float = field(default=0.0, metadata=rule(
        Float(0.0, 1e6), "peak integral non-linearity, LSB (a parabolic bow away from zero, zero at 0 and the top "
        "code: + sign(a) 4 inl u (1 - u), u = min(|a| / (step x top code), 1); docs/adc.md)"))


@dataclass(frozen=True)
class TechnologyConfig:
    """CMOS technology of the periphery (and of the baseline processor)."""

    node_nm: float = field(default=32.0, metadata=rule(Float(7.0, 180.0), "technology node, nanometres"))
    vdd_v: float = field(default=0.9, metadata=rule(Float(0.4, 1.8), "supply voltage, volts"))
    clock_ghz: float = field(default=1.0, metadata=rule(
        Float(1e-6, 10.0), "clock of the digital periphery, GHz (at least 1e-6, a kilohertz)"))


@dataclass(frozen=True)
class WorkloadConfig:
    """One dense layer y = W x over a set of input vectors, or a trained network on a dataset."""

    kind: WorkloadKind = field(default=WorkloadKind.DENSE, metadata=rule(Choice(WorkloadKind), "what is simulated"))
    network_file: str | None = field(default=None, metadata=rule(
        Text(optional=True), "trained network (.npz; .onnx with the onnx extra), relative to the config file; a "
        "network workload needs one unless a script gives the network (cimsim.simulate(config, network=...))"))
    dataset: Dataset = field(default=Dataset.DIGITS, metadata=rule(Choice(Dataset), "network inputs and labels"))
    dataset_file: str | None = field(default=None, metadata=rule(
        Text(optional=True), ".npz with arrays x (samples x input shape) and y (integer labels)"))
    in_features: int = field(default=256, metadata=rule(Int(1, 1 << 20), "dense: inputs per vector (columns of W)"))
    out_features: int = field(default=256, metadata=rule(Int(1, 1 << 20), "dense: outputs per vector (rows of W)"))
    vectors: int = field(default=1000, metadata=rule(
        Int(1, 1 << 40), "input vectors to process (network: test samples used, at most the dataset's)"))
    weights: WeightSource = field(default=WeightSource.NORMAL, metadata=rule(
        Choice(WeightSource), "weights of a dense workload"))
    weights_file: str | None = field(default=None, metadata=rule(
        Text(optional=True), "path of the .npy weight matrix, relative to the config file"))
    inputs: InputSource = field(default=InputSource.UNIFORM, metadata=rule(
        Choice(InputSource), "input vectors of a dense workload (their magnitudes for unsigned inputs)"))
    inputs_file: str | None = field(default=None, metadata=rule(
        Text(optional=True), "path of the .npy input matrix, relative to the config file"))
    input_zero_fraction: float = field(default=0.0, metadata=rule(Float(0.0, 1.0), (
        "generated inputs: the fraction set to 0 (a ReLU's outputs: about 0.5); the analytic path prices it")))
    weight_zero_fraction: float = field(default=0.0, metadata=rule(Float(0.0, 1.0), (
        "generated weights: the fraction set to 0 (pruning); the analytic path prices it")))


@dataclass(frozen=True)
class BaselineConfig:
    """The von Neumann processor that runs the same workload digitally."""

    name: str = field(default="digital-accelerator", metadata=rule(Text(one_line=True), "the baseline's label"))
    preset: str | None = field(default=None, metadata=rule(
        Text(optional=True), "baseline preset this table starts from (`cimsim presets` lists them)"))
    dataflow: Dataflow = field(default=Dataflow.OUTPUT_STATIONARY, metadata=rule(
        Choice(Dataflow), "how the baseline moves weights and partial sums"))
    macs_per_cycle: int = field(default=256, metadata=rule(
        Int(1, 1 << 24), "parallel MAC units (at operands of up to 8 bits)"))
    wide_macs_per_cycle: int = field(default=0, metadata=rule(
        Int(0, 1 << 24), "parallel MAC units when weights or inputs have more than 8 bits, e.g. a GPU's FP16/BF16 "
                         "tensor rate (0: macs_per_cycle at every precision)"))
    narrow_macs_per_cycle: int = field(default=0, metadata=rule(Int(0, 1 << 26), "parallel MAC units when weights "
        "and inputs have at most 4 bits, e.g. the A100's INT4 tensor rate (0: macs_per_cycle)"))
    array_rows: int | None = field(default=None, metadata=rule(
        OptionalInt(1, 1 << 24), "inputs (rows) of the weight_stationary / weight_streaming MAC array, its columns the "
                                 "MAC units over them, e.g. TPU v1's 256 x 256 (left out: each layer's tiling of least "
                                 "on-chip traffic, as a compiler picks one)"))
    clock_ghz: float = field(default=1.0, metadata=rule(
        Float(1e-6, 10.0), "MAC clock, GHz (at least 1e-6, a kilohertz)"))
    sram_kib: float = field(default=512.0, metadata=rule(Float(1.0, 1e9), "on-chip memory capacity, "
        "KiB (SRAM or eDRAM, see onchip_memory; at most 1e9, about a terabyte; each of its onchip_banks banks at least "
        "1 KiB: the memory laws are anchored at 8 KB and 64 KB)"))
    sram_bandwidth_gbps: float = field(default=512.0, metadata=rule(
        Float(1e-6, 1e8), "on-chip memory bandwidth, GB/s (1e-6, a kilobyte a second, to 1e8, past a wafer's 2e7)"))
    onchip_memory: MemoryTechnology = field(default=MemoryTechnology.SRAM, metadata=rule(
        Choice(MemoryTechnology), "technology of the on-chip memory"))
    onchip_banks: int = field(default=1, metadata=rule(
        Int(1, 1 << 20), "banks the on-chip memory is split into; every access reads or writes one bank of "
                         "sram_kib / onchip_banks (DaDianNao: 64 eDRAM banks beside the multipliers)"))
    dram: DramTechnology = field(default=DramTechnology.LPDDR4, metadata=rule(
        Choice(DramTechnology), "off-chip memory technology (energy per bit and bandwidth)"))
    dram_bandwidth_gbps: float | None = field(default=None, metadata=rule(
        OptionalFloat(1e-6, 1e6), "DRAM bandwidth, GB/s (1e-6, a kilobyte a second, to 1e6, past any GPU's 8e3; "
                                  "left out: the technology's default)"))
    dram_gb: float | None = field(default=None, metadata=rule(
        OptionalFloat(0.0, 1e6, low_open=True), "DRAM capacity, GB (1e9 bytes, at most 1e6; left out: not checked): "
                                                "weights (and a DRAM KV cache) above it are refused"))
    batch: int = field(default=16, metadata=rule(
        Int(1, 1 << 20), "vectors sharing one weight fetch (a model or network: items, whose vectors all share it)"))
    energy_model: EnergyModel = field(default=EnergyModel.COMPONENTS, metadata=rule(
        Choice(EnergyModel), "how the baseline's energy is priced"))
    board_power_w: float | None = field(default=None, metadata=rule(
        OptionalFloat(1e-6, 1e6), "board power, watts (the datasheet's TDP; needed for energy_model = board_power; "
        "1e-6 to 1e6: a microwatt to a megawatt, past any processor either way)"))
    vector_lanes: int | None = field(default=None, metadata=rule(
        OptionalInt(1, 1 << 24), "lanes of the baseline's own unit for element-wise work, at clock_ghz (a GPU: its "
                                 "INT32 cores; left out: the CIM chip's vector unit, the same on both sides)"))
    die_area_mm2: float | None = field(default=None, metadata=rule(
        OptionalFloat(1e-6, 1e6), "published die area, mm2 (1e-6 to 1e6), reported as the baseline's area (left "
                                  "out: MAC units + registers + on-chip memory cells)"))


@dataclass(frozen=True)
class ChipConfig:
    """How arrays are organised into tiles and a chip, and how a network's layers share it."""

    arrays_per_tile: int = field(default=96, metadata=rule(
        Int(1, 4096), "arrays sharing one tile's buffer, bus and router (ISAAC: 12 IMAs x 8 crossbars)"))
    tiles: int = field(default=168, metadata=rule(
        Int(1, 1 << 20), "tiles on the chip (ISAAC: 168); a workload needing more arrays does not fit"))
    tile_buffer_kib: float = field(default=64.0, metadata=rule(
        Float(1.0, 1e9), "input/output buffer of each tile, KiB (ISAAC: 64 KB eDRAM; 1 to 1e9, about a terabyte: "
        "the memory laws are anchored at 8 KB and 64 KB and price a bit of a smaller buffer near zero)"))
    buffer_memory: MemoryTechnology = field(default=MemoryTechnology.SRAM, metadata=rule(
        Choice(MemoryTechnology), "technology of the tile and global buffers"))
    global_buffer_kib: float = field(default=256.0, metadata=rule(
        Float(1.0, 1e9), "chip buffer holding activations between layers (the workload's input and output stream "
        "through it), KiB (1 to 1e9, about a terabyte: the memory laws are anchored at 8 KB and 64 KB)"))
    pipeline: Pipeline = field(default=Pipeline.LAYER, metadata=rule(
        Choice(Pipeline), "how a network's layers share time"))
    balance: Balance = field(default=Balance.NONE, metadata=rule(Choice(Balance), "balancing of the layer pipeline"))


@dataclass(frozen=True)
class SimulationConfig:
    """How the functional simulation is run."""

    seed: int = field(default=0, metadata=rule(Int(0, 2**32 - 1), (
        "seed of every random draw of the run (below 2**32: numpy splits a larger seed into 32-bit words, and seed "
        "2**33 + 5 had drawn seed 5's devices of another trial)")))
    batch_size: int = field(default=2048, metadata=rule(Int(1, 1 << 24), "vectors read at once (bounds work arrays)"))
    trials: int = field(default=1, metadata=rule(
        Int(1, 100_000), "Monte Carlo trials, each with its own device draws (seeds spawned from seed)"))
    memory_limit_gib: float | None = field(default=None, metadata=rule(
        OptionalFloat(0.0, None, low_open=True), "largest estimated peak memory of a simulation, GiB, refused before "
                                                 "allocating (left out: this machine's memory)"))
    int8_products: Int8Products = field(default=Int8Products.AUTO, metadata=rule(
        Choice(Int8Products), "integer products on the CPU's int8 units"))


@dataclass(frozen=True)
class Config:
    """A whole run: one section per concern. ``source`` is the file it came from (for messages); ``stated``, the
    loader's record of what its file stated beside a preset (``presets_merge.remember_stated``: no value of the run,
    left out of ``==``, hashes, repr and ``config_to_dict``; kept by dataclasses.replace, so equal copies agree under
    ``with_overrides``). A table built in code naming a preset (``DeviceConfig(preset="pcm", read_noise_sigma=0.05)``)
    takes its preset's values under the fields it sets off their defaults, as ``with_overrides(config,
    {"device.preset": "pcm", "device.read_noise_sigma": 0.05})`` gives them, when a public entry point takes it."""

    name: str = "default"
    array: ArrayConfig = field(default_factory=ArrayConfig)
    device: DeviceConfig = field(default_factory=DeviceConfig)
    mapping: MappingConfig = field(default_factory=MappingConfig)
    dac: DacConfig = field(default_factory=DacConfig)
    adc: AdcConfig = field(default_factory=AdcConfig)
    technology: TechnologyConfig = field(default_factory=TechnologyConfig)
    workload: WorkloadConfig = field(default_factory=WorkloadConfig)
    baseline: BaselineConfig = field(default_factory=BaselineConfig)
    chip: ChipConfig = field(default_factory=ChipConfig)
    simulation: SimulationConfig = field(default_factory=SimulationConfig)
    source: str = "<defaults>"
    stated: tuple | None = field(default=None, compare=False, repr=False)


SECTIONS: dict[str, type] = {f.name: f.default_factory for f in fields(Config) if f.default_factory is not MISSING}
"""TOML table name -> dataclass of that section (the tables of :class:`Config`, in order)."""
