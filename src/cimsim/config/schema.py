"""The configuration of one cimsim run, as frozen dataclasses; the defaults are the "rram-default" preset.

Every field carries a rule (what values it accepts) and a one-line doc with its unit; the loader (:mod:`.load`)
validates TOML against these rules and the cross-field checks of :mod:`.checks`. Units are in the field names.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .rules import Choice, Float, Int, OptionalFloat, OptionalInt, Text, rule

__all__ = [
    "ArrayConfig", "DeviceConfig", "MappingConfig", "DacConfig", "AdcConfig", "TechnologyConfig",
    "WorkloadConfig", "BaselineConfig", "ChipConfig", "SimulationConfig", "Config", "SECTIONS",
]


@dataclass(frozen=True)
class ArrayConfig:
    """Geometry of one crossbar array."""

    rows: int = field(default=256, metadata=rule(Int(1, 4096), "word lines (inputs) per array"))
    cols: int = field(default=256, metadata=rule(Int(1, 4096), "bit lines (physical columns) per array"))
    rows_per_read: int = field(default=256, metadata=rule(
        Int(1, 4096), "rows driven at once (partial activation); each row group is read and converted separately"))
    wire_resistance_ohm: float = field(default=0.0, metadata=rule(
        Float(0.0, 1e6), "resistance of one row or column wire segment between adjacent cells, ohms (0: no IR drop)"))
    family: str = field(default="resistive", metadata=rule(
        Choice(("resistive", "charge", "current", "digital")),
        "how a cell computes: resistive (G x V current, RRAM/PCM/MRAM); charge (capacitive SRAM cells, charge "
        "sharing on the bit line); current (SRAM cells discharging a precharged bit line); digital (bitwise AND and "
        "an adder tree per column: exact, no ADC)"))
    cell_capacitance_ff: float = field(default=1.2, metadata=rule(
        Float(0.0, 1e3, low_open=True), "compute capacitor of one cell, femtofarads (family = charge; default: "
                                        "Valavi et al., JSSC 2019, 1.2 fF metal-fringe capacitor)"))
    ir_drop: str = field(default="exact", metadata=rule(
        Choice(("exact", "approximate")), "IR-drop model when wire_resistance_ohm > 0: nodal solve (sparse LU), "
                                          "or decoupled row/column ladders (fast; errors in docs/irdrop.md)"))


@dataclass(frozen=True)
class DeviceConfig:
    """The memory cell: conductance levels and read conditions."""

    name: str = field(default="rram", metadata=rule(Text(), "label of the device technology"))
    g_min_us: float = field(default=10.0 / 17.0, metadata=rule(
        Float(0.0, None), "conductance of the lowest level, microsiemens (> 0 means a finite on/off ratio)"))
    g_max_us: float = field(default=10.0, metadata=rule(
        Float(0.0, None, low_open=True), "conductance of the highest level, microsiemens"))
    bits_per_cell: int = field(default=2, metadata=rule(Int(1, 8), "bits stored per cell (2**bits levels)"))
    read_voltage_v: float = field(default=0.51, metadata=rule(
        Float(0.0, 2.0, low_open=True), "row voltage of the full-scale DAC code, volts"))
    read_pulse_ns: float = field(default=10.0, metadata=rule(
        Float(0.0, None, low_open=True), "duration of one read pulse (array settling), nanoseconds"))
    preset: str | None = field(default=None, metadata=rule(
        Text(optional=True), "device preset this table starts from (`cimsim presets` lists them)"))
    program_sigma: float = field(default=0.0, metadata=rule(
        Float(0.0, 1.0), "programming error std, fixed per cell: fraction of g_max - g_min (absolute) or of "
                         "the target conductance (proportional)"))
    program_error: str = field(default="absolute", metadata=rule(
        Choice(("absolute", "proportional")), "programming error independent of, or proportional to, the target"))
    program_verify_tolerance: float | None = field(default=None, metadata=rule(
        OptionalFloat(0.0, 1.0, low_open=True),
        "program-and-verify: rewrite a cell until |error| <= this fraction of g_max - g_min (left out: one write)"))
    program_verify_max_writes: int = field(default=20, metadata=rule(
        Int(1, 1000), "writes per cell at most in program-and-verify"))
    read_noise_sigma: float = field(default=0.0, metadata=rule(
        Float(0.0, 1.0), "read noise std, drawn afresh on every read of every cell: fraction of g_max - g_min"))
    read_noise_path: str = field(default="output", metadata=rule(
        Choice(("output", "cell")), "output: column noise with the exact per-cell distribution (fast); "
                                    "cell: perturb every cell on every read (slow, for checks)"))
    drift_nu: float = field(default=0.0, metadata=rule(
        Float(0.0, 1.0), "mean drift exponent nu of G(t) = G0 (t / t0)**-nu"))
    drift_nu_sigma: float = field(default=0.0, metadata=rule(
        Float(0.0, 1.0), "std of nu across devices"))
    drift_t0_s: float = field(default=20.0, metadata=rule(
        Float(0.0, None, low_open=True), "drift reference time after programming, seconds"))
    drift_time_s: float = field(default=20.0, metadata=rule(
        Float(0.0, None, low_open=True), "time of the reads after programming, seconds (>= drift_t0_s)"))
    drift_compensation: str = field(default="none", metadata=rule(
        Choice(("none", "global")), "global: outputs rescaled by the mean drift of each array (measured)"))
    stuck_at_gmin_rate: float = field(default=0.0, metadata=rule(
        Float(0.0, 1.0), "fraction of cells stuck at g_min"))
    stuck_at_gmax_rate: float = field(default=0.0, metadata=rule(
        Float(0.0, 1.0), "fraction of cells stuck at g_max"))


@dataclass(frozen=True)
class MappingConfig:
    """How real weights become cell levels."""

    weight_bits: int = field(default=8, metadata=rule(
        Int(1, 16), "signed weight precision, bits (incl. sign); 1: binary weights in {-1, +1} (XNOR / BNN)"))
    weight_scale: str = field(default="per_tensor", metadata=rule(
        Choice(("per_tensor", "per_output")), "one quantisation scale for W, or one per output"))
    signed_encoding: str = field(default="differential", metadata=rule(
        Choice(("differential", "offset")),
        "differential: G+/G- column pair; offset: weight + 2**(bits-1) stored, reference column subtracted"))
    subtraction: str = field(default="analog", metadata=rule(
        Choice(("analog", "digital")),
        "analog: the ADC converts the difference current (one signed sum); digital: each column converted"))
    replication: int = field(default=1, metadata=rule(
        Int(1, 1024), "copies of the weights on separate arrays, input vectors dealt to them in turn "
                      "(throughput and area x copies; each copy has its own device draws)"))


@dataclass(frozen=True)
class DacConfig:
    """How inputs are applied to the rows."""

    mode: str = field(default="parallel", metadata=rule(
        Choice(("parallel", "bit_serial", "sliced")),
        "parallel: every magnitude bit in one read (multi-bit DAC); bit_serial: one bit per read (1-bit DAC); "
        "sliced: bits_per_read bits per read (k-bit DAC)"))
    bits_per_read: int | None = field(default=None, metadata=rule(
        OptionalInt(1, 16), "input magnitude bits applied per read (needed for mode = sliced; with the other modes "
                            "left out or equal to what they imply: all magnitude bits, or 1)"))
    input_bits: int = field(default=8, metadata=rule(
        Int(1, 16), "input precision, bits (incl. the sign unless signed_inputs = unsigned; at least 2 when signed)"))
    signed_inputs: str = field(default="two_phase", metadata=rule(
        Choice(("two_phase", "bipolar", "twos_complement", "unsigned")),
        "two_phase: positive and negative parts in separate reads; bipolar: +/- row voltages (sign and magnitude "
        "per read); twos_complement: sign bit read last with negative weight (not with mode = parallel); "
        "unsigned: inputs >= 0 (e.g. after ReLU), every bit a magnitude bit"))
    encoding: str = field(default="voltage", metadata=rule(
        Choice(("voltage", "pulse_width", "pulse_count")),
        "how a read's code reaches a row: voltage: a DAC sets the row voltage; pulse_width: one pulse of code unit "
        "times at the full read voltage; pulse_count: code unit pulses (time-domain inputs: a read lasts "
        "2**bits_per_read - 1 unit pulses)"))
    input_range: str = field(default="per_vector", metadata=rule(
        Choice(("per_vector", "fixed")), "input scale: max |x| of each vector, or the fixed input_max"))
    input_max: float | None = field(default=None, metadata=rule(
        OptionalFloat(1e-30, None), "input value mapped to full scale (needed for input_range = fixed)"))


@dataclass(frozen=True)
class AdcConfig:
    """The column analog-to-digital converters."""

    bits: int = field(default=8, metadata=rule(Int(1, 16), "ADC resolution, bits"))
    type: str = field(default="sar", metadata=rule(
        Choice(("sar", "flash", "ramp", "vco")),
        "converter architecture (its energy, time and area law, docs/adc.md): successive approximation, flash, "
        "ramp / integrating (single slope), or voltage/current-controlled oscillator"))
    enob: float | None = field(default=None, metadata=rule(
        OptionalFloat(0.5, 16.0), "effective number of bits where a paper states it (left out: the model's "
                                  "default for the nominal bits); prices the converter, the numerics use bits"))
    accumulation: str = field(default="none", metadata=rule(
        Choice(("none", "planes", "slices", "planes_and_slices")),
        "what is summed in the analog domain (binary-weighted charge) before one conversion: nothing (every input "
        "plane and weight-slice column converted), the input planes of a row group, the weight-slice columns of an "
        "output (C-2C ladders, weighted column capacitors), or both; the ADC range covers that sum"))
    range: str = field(default="calibrated", metadata=rule(
        Choice(("max", "calibrated", "fixed")),
        "max: largest possible column sum (never clips); calibrated: a percentile of observed sums; "
        "fixed: full_scale_fraction of the largest possible sum"))
    percentile: float = field(default=99.99, metadata=rule(
        Float(50.0, 100.0, low_open=True), "percentile of |column sum| used by range = calibrated, %"))
    calibration_vectors: int = field(default=256, metadata=rule(
        Int(1, None), "input vectors used to calibrate the range (range = calibrated)"))
    full_scale_fraction: float = field(default=1.0, metadata=rule(
        Float(0.0, 1.0, low_open=True), "full scale as a fraction of the largest possible sum (range = fixed)"))
    cols_per_adc: int = field(default=8, metadata=rule(
        Int(1, 4096), "columns multiplexed onto one ADC (costs time, not accuracy)"))
    calibration_scope: str = field(default="layer", metadata=rule(
        Choice(("layer", "array", "column")), "range = calibrated: one full scale per layer, per array or per column"))
    offset_lsb: float = field(default=0.0, metadata=rule(
        Float(-1e6, 1e6), "input-referred offset of every ADC, LSB"))
    gain_error: float = field(default=0.0, metadata=rule(
        Float(-0.5, 0.5), "relative gain error of every ADC (0.01 = 1 % too large)"))
    inl_lsb: float = field(default=0.0, metadata=rule(
        Float(0.0, 1e6), "peak integral non-linearity, LSB (a parabolic bow, zero at zero and full scale)"))


@dataclass(frozen=True)
class TechnologyConfig:
    """CMOS technology of the periphery (and of the baseline processor)."""

    node_nm: float = field(default=32.0, metadata=rule(Float(7.0, 180.0), "technology node, nanometres"))
    vdd_v: float = field(default=0.9, metadata=rule(Float(0.4, 1.8), "supply voltage, volts"))
    clock_ghz: float = field(default=1.0, metadata=rule(
        Float(0.0, 10.0, low_open=True), "clock of the digital periphery, GHz"))


@dataclass(frozen=True)
class WorkloadConfig:
    """One dense layer y = W x over a set of input vectors, or a trained network on a dataset."""

    kind: str = field(default="dense", metadata=rule(
        Choice(("dense", "network")), "dense: one layer (fields below); network: network_file on dataset"))
    network_file: str | None = field(default=None, metadata=rule(
        Text(optional=True), "trained network (.npz; .onnx with the onnx extra), relative to the config file"))
    dataset: str = field(default="digits", metadata=rule(
        Choice(("digits", "file")), "network inputs and labels: the test split of scikit-learn's digits, or "
                                    "dataset_file"))
    dataset_file: str | None = field(default=None, metadata=rule(
        Text(optional=True), ".npz with arrays x (samples x input shape) and y (integer labels)"))
    in_features: int = field(default=256, metadata=rule(Int(1, 1 << 20), "inputs per vector (columns of W)"))
    out_features: int = field(default=256, metadata=rule(Int(1, 1 << 20), "outputs per vector (rows of W)"))
    vectors: int = field(default=1000, metadata=rule(
        Int(1, 1 << 40), "input vectors to process (network: test samples used, at most the dataset's)"))
    weights: str = field(default="normal", metadata=rule(
        Choice(("normal", "uniform", "file")),
        "normal: clip(N(0,1),-3,3)/3; uniform: U(-1,1); file: weights_file (.npy, shape out x in)"))
    weights_file: str | None = field(default=None, metadata=rule(
        Text(optional=True), "path of the .npy weight matrix, relative to the config file"))
    inputs: str = field(default="uniform", metadata=rule(
        Choice(("uniform", "normal", "file")),
        "uniform: U(-1,1); normal: N(0,1) (their magnitudes for unsigned inputs); file: inputs_file (.npy, shape "
        "vectors x in)"))
    inputs_file: str | None = field(default=None, metadata=rule(
        Text(optional=True), "path of the .npy input matrix, relative to the config file"))


@dataclass(frozen=True)
class BaselineConfig:
    """The von Neumann processor that runs the same workload digitally."""

    name: str = field(default="digital-accelerator", metadata=rule(Text(), "label of the baseline processor"))
    preset: str | None = field(default=None, metadata=rule(
        Text(optional=True), "baseline preset this table starts from (`cimsim presets` lists them)"))
    dataflow: str = field(default="output_stationary", metadata=rule(
        Choice(("output_stationary", "weight_stationary", "weight_streaming")),
        "output_stationary: partial sums stay in the MAC units; weight_stationary: weights stay, one batch of "
        "vectors streams past each loaded weight; weight_streaming: weights are never kept on chip, each batch "
        "fetches them from DRAM straight into the MAC units (no on-chip weight traffic)"))
    macs_per_cycle: int = field(default=256, metadata=rule(
        Int(1, 1 << 24), "parallel MAC units (at operands of up to 8 bits)"))
    wide_macs_per_cycle: int = field(default=0, metadata=rule(
        Int(0, 1 << 24), "parallel MAC units when weights or inputs have more than 8 bits, e.g. a GPU's FP16/BF16 "
                         "tensor rate (0: macs_per_cycle at every precision)"))
    clock_ghz: float = field(default=1.0, metadata=rule(Float(0.0, 10.0, low_open=True), "MAC clock, GHz"))
    sram_kib: float = field(default=512.0, metadata=rule(
        Float(0.0, None, low_open=True), "on-chip memory capacity, KiB (SRAM or eDRAM, see onchip_memory)"))
    sram_bandwidth_gbps: float = field(default=512.0, metadata=rule(
        Float(0.0, None, low_open=True), "on-chip memory bandwidth, GB/s"))
    onchip_memory: str = field(default="sram", metadata=rule(
        Choice(("sram", "edram")), "technology of the on-chip memory: sram (Horowitz ISSCC 2014) or edram "
                                   "(ISAAC's eDRAM, cimsim.cost.edram)"))
    onchip_banks: int = field(default=1, metadata=rule(
        Int(1, 1 << 20), "banks the on-chip memory is split into; every access reads or writes one bank of "
                         "sram_kib / onchip_banks (DaDianNao: 64 eDRAM banks beside the multipliers)"))
    dram: str = field(default="lpddr4", metadata=rule(
        Choice(("ddr4", "lpddr4", "hbm2")), "off-chip memory technology (energy per bit and bandwidth)"))
    dram_bandwidth_gbps: float | None = field(default=None, metadata=rule(
        OptionalFloat(0.0, None, low_open=True), "DRAM bandwidth, GB/s (left out: the technology's default)"))
    dram_gb: float | None = field(default=None, metadata=rule(
        OptionalFloat(0.0, None, low_open=True), "DRAM capacity, GB (1e9 bytes; left out: not checked); a layer "
                                                 "whose weights exceed it cannot run"))
    batch: int = field(default=16, metadata=rule(
        Int(1, 1 << 20), "input vectors that share one fetch of the weights (reuse)"))
    energy_model: str = field(default="components", metadata=rule(
        Choice(("components", "board_power")), "components: MACs, registers, on-chip memory and DRAM priced per "
                                               "event (dynamic energy); board_power: board_power_w x roofline time "
                                               "(a datasheet-level model for GPUs)"))
    board_power_w: float | None = field(default=None, metadata=rule(
        OptionalFloat(0.0, None, low_open=True), "board power, watts (the datasheet's TDP; needed for "
                                                 "energy_model = board_power)"))
    die_area_mm2: float | None = field(default=None, metadata=rule(
        OptionalFloat(0.0, None, low_open=True), "published die area, mm2, reported as the baseline's area "
                                                 "(left out: MAC units + registers + on-chip memory cells)"))

    def consistency_errors(self) -> list[tuple[str, str]]:
        """Rules between the fields of this table, as ``(dotted_field, message)`` (see check_consistency)."""
        errors: list[tuple[str, str]] = []
        if self.energy_model == "board_power" and self.board_power_w is None:
            errors.append(("baseline.board_power_w", "'baseline.board_power_w' is required when "
                                                     "'baseline.energy_model' is \"board_power\""))
        if self.wide_macs_per_cycle > self.macs_per_cycle:
            errors.append(("baseline.wide_macs_per_cycle", (
                f"'baseline.wide_macs_per_cycle' ({self.wide_macs_per_cycle}) must not exceed "
                f"'baseline.macs_per_cycle' ({self.macs_per_cycle}): wider operands do not run faster")))
        if self.onchip_banks > 1 and self.sram_kib / self.onchip_banks < 1.0:
            errors.append(("baseline.onchip_banks", (
                f"'baseline.onchip_banks' ({self.onchip_banks}) leaves banks of {self.sram_kib / self.onchip_banks:g} "
                f"KiB of the {self.sram_kib:g} KiB ('baseline.sram_kib'); a bank must hold at least 1 KiB (the "
                "memory laws are anchored at 8 KB and 64 KB)")))
        return errors


@dataclass(frozen=True)
class ChipConfig:
    """How arrays are organised into tiles and a chip, and how a network's layers share it."""

    arrays_per_tile: int = field(default=96, metadata=rule(
        Int(1, 4096), "arrays sharing one tile's buffer, bus and router (ISAAC: 12 IMAs x 8 crossbars)"))
    tiles: int = field(default=168, metadata=rule(
        Int(1, 1 << 20), "tiles on the chip (ISAAC: 168); a workload needing more arrays does not fit"))
    tile_buffer_kib: float = field(default=64.0, metadata=rule(
        Float(0.0, None, low_open=True), "input/output buffer of each tile, KiB (ISAAC: 64 KB eDRAM)"))
    buffer_memory: str = field(default="sram", metadata=rule(
        Choice(("sram", "edram")), "technology of the tile and global buffers"))
    global_buffer_kib: float = field(default=256.0, metadata=rule(
        Float(0.0, None, low_open=True), "chip buffer holding activations between layers, KiB"))
    pipeline: str = field(default="layer", metadata=rule(
        Choice(("layer", "none")), "layer: the layers of a network work on successive inferences at once "
                                   "(throughput set by the slowest layer); none: one inference at a time"))
    balance: str = field(default="none", metadata=rule(
        Choice(("none", "replicate")), "replicate: copy the slowest layers' weights onto free arrays to balance "
                                       "the layer pipeline"))


@dataclass(frozen=True)
class SimulationConfig:
    """How the functional simulation is run."""

    seed: int = field(default=0, metadata=rule(Int(0, 2**63 - 1), "seed of every random draw of the run"))
    batch_size: int = field(default=2048, metadata=rule(Int(1, 1 << 24), "input vectors per chunk (bounds memory)"))
    trials: int = field(default=1, metadata=rule(
        Int(1, 100_000), "Monte Carlo trials, each with its own device draws (seeds spawned from seed)"))
    memory_limit_gib: float | None = field(default=None, metadata=rule(
        OptionalFloat(0.0, None, low_open=True), "largest estimated peak memory of a simulation, GiB, refused before "
                                                 "allocating (left out: this machine's memory)"))
    int8_products: str = field(default="auto", metadata=rule(Choice(("auto", "off")), "auto: integer products on "
                               "the CPU's int8 units when onnxruntime is installed (exact, faster)"))


SECTIONS: dict[str, type] = {
    "array": ArrayConfig,
    "device": DeviceConfig,
    "mapping": MappingConfig,
    "dac": DacConfig,
    "adc": AdcConfig,
    "technology": TechnologyConfig,
    "workload": WorkloadConfig,
    "baseline": BaselineConfig,
    "chip": ChipConfig,
    "simulation": SimulationConfig,
}
"""TOML table name -> dataclass of that section."""


@dataclass(frozen=True)
class Config:
    """A whole run: one section per concern. ``source`` is the file it came from (for messages)."""

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
