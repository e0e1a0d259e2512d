"""What one read of an array costs, by compute family (``array.family``).

- ``resistive`` (RRAM, PCM, MRAM crossbars): a row's word line is a wire of 0.2 fF/um across the array
  (NeuroSim, :mod:`.periphery`) charged to the device's read voltage; a column's bit line likewise; the
  cells dissipate sum G V**2 t, counted from the data (``Counts.array_gv2t_fj``).
- ``charge`` (capacitive SRAM cells: a compute capacitor per cell, charge shared on the column; Valavi et al.,
  JSSC 2019; Jia et al., JSSC 2020; C-2C ladders): lines as SRAM lines (below) swinging the supply; each
  cell read switches its capacitor C (``array.cell_capacitance_ff``) to V_DD (x / c_max) when its stored bit
  is set: E = C V_DD**2 (x / c_max)**2 (l / l_max), summed over the codes and levels the simulation read
  (``Counts.cell_activity``; the analytic path takes uniform codes and levels).
- ``current`` (SRAM cells discharging a precharged bit line): lines as SRAM lines swinging the supply; the
  bit line's swing is the cells' work, priced as a full-swing charge (an upper bound, as for resistive lines).
- ``digital`` (bitwise products and adder trees; ZigZag-IMC ``DimcArrayUnit``): SRAM lines; each
  cell read forms k x b 1-bit products (k input bits the read's plane carries, b bits per cell); each output's
  sum is a ripple adder tree of N(p + 1) - (p + ceil(log2 N) + 1) full adders over N rows of p-bit products of
  the input code and the whole stored weight (``DimcArrayUnit.get_peak_energy_single_cycle``), exact; no ADC; its
  energy counts the adders with a live input (rows past the layer feed it constant zeros: :func:`_switching`), its
  area all N.
  An array's
  ``array.adder_trees`` trees (default one per output) sum its outputs in turn, a read pulse each (each output's
  cells read once: the read lasts longer, its energy unchanged)
  (:func:`trees`, :func:`tree_passes`: yan-isscc2022's one tree serves its 8 outputs). Its full adders
  switch at the toggle rate 2 q (1 - q) of product bits that are 1 with probability q, measured from the data
  (:func:`tree_toggle_rate`: uniform unsigned data's q = 1/4, 0.375, which ZigZag-IMC's DIMC validation applies as
  its "37.5 % input toggle rate", scaled by the cells' measured activity). With
  ``array.digital_adders = "cell_chain"`` (Colonnade: Kim et al., JSSC 2021) every bit cell holds a full adder
  instead: each of the N rows adds its p-bit product into the output's running sum, w = p + ceil(log2 N) bits wide
  (the paper's "B + 7 columns" for B-bit weights and 128 rows), so an output sum takes N w full adders, switching
  at the toggle rate of a running sum's bits, 2 (1/2)(1/2) = 0.5, plus the pipeline registers (one every
  ``array.chain_register_rows`` rows, a flip-flop for each of the array's columns, shared by its outputs).

SRAM lines (every family but resistive): each bit cell a line crosses loads it with C_NAND2 / 2 = 0.35 fF at
28 nm (ZigZag-IMC ``wl_cap`` / ``bl_cap``, :mod:`.gates`), scaled with the node (a cell of b bits: b bit cells side
by side on its word line, each on a bit line of its own, the cell column's b lines counted as one;
:func:`.cells.array_cell`); the lines swing V_DD
(the SRAM's read voltage is its supply: ``device.read_voltage_v`` does not apply). A digital array has no DAC:
a read's input code reaches a row as bits, one wire per bit (``Plan.dac_bits`` wires, each driven by a 1-bit
driver and priced as a word line is, plus its driver's inverter chain: :func:`.periphery.driver_chain_energy_pj`);
a driven row's wires carrying a 1 are charged, uniform codes' mean (:func:`set_input_bits`), and a read's cells
form the products of the bits its plane carries (a sliced input's remainder slice fewer).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np

from ..analytic import nonzero_plane_share, plane_top_codes, stored_codes
from ..argcheck import check_int, checked_types
from ..config.modes import ArrayFamily, SignedEncoding, SignedInputs
from ..config.schema import Config
from ..counts import Counts
from ..mapping import Plan
from . import gates, periphery
from .cells import CellFamily, cell_pitch_um

__all__ = ["Lines", "line_model", "cell_compute_energy_pj", "set_input_bits", "uniform_product_bit_share",
           "PRODUCT_PAIRS", "ADDER_TREE_TOGGLE_RATE", "tree_toggle_rate", "CHAIN_TOGGLE_RATE", "adder_tree_full_adders",
           "reference_sum_full_adders", "chain_registers", "adder_tree_energy_pj", "reference_sum_energy_pj",
           "adder_tree_area_um2", "trees", "tree_passes"]

@dataclass(frozen=True)
class Lines:
    """The word and bit lines of one array."""

    voltage_v: float
    """swing of both lines"""
    row_cap_ff: float
    """one word line across the array's columns"""
    bitline_cap_ff: float
    """one column of cells' bit line across the array's rows (an SRAM cell of b bits: its b bit cells' b lines)"""


@checked_types
def line_model(plan: Plan, config: Config, cell: CellFamily) -> Lines:
    """Word- and bit-line capacitance and swing of ``plan``'s arrays for its family (module docstring); a
    digital row's word line is its ``plan.dac_bits`` input-bit wires together."""
    tech, array = config.technology, config.array
    if plan.family == ArrayFamily.RESISTIVE:
        row_pitch_um, col_pitch_um = cell_pitch_um(cell, tech.node_nm)
        return Lines(config.device.read_voltage_v, periphery.line_capacitance_ff(array.cols, row_pitch_um),
                     periphery.line_capacitance_ff(array.rows, col_pitch_um))
    per_cell_ff = gates.capacitance_ff(gates.SRAM_LINE_CAP_FF_PER_CELL, tech)  # per bit cell a line crosses
    wires_per_row, bits = plan.dac_bits if plan.family == ArrayFamily.DIGITAL else 1, plan.bits_per_cell
    return Lines(tech.vdd_v, wires_per_row * array.cols * bits * per_cell_ff, bits * array.rows * per_cell_ff)


@checked_types
def cell_compute_energy_pj(plan: Plan, config: Config) -> float:
    """Energy of one cell read beyond its lines, pJ: a charge cell's capacitor at full activity, C V_DD**2 (scaled by
    ``Counts.cell_activity``), a digital cell's k x b 1-bit products; 0 for resistive (counted from the data) and
    current cells (the bit line)."""
    tech = config.technology
    if plan.family == ArrayFamily.CHARGE:  # b bit cells' capacitors, b C binary-weighted: l / l_max of it switches
        return plan.bits_per_cell * gates.switch_energy_pj(config.array.cell_capacitance_ff, tech.vdd_v)
    if plan.family == ArrayFamily.DIGITAL:
        return _mean_plane_bits(plan) * plan.bits_per_cell * gates.product_bit_energy_pj(tech)
    return 0.0


def _mean_plane_bits(plan: Plan) -> float:
    """input bits a read of a digital array carries, the mean over its planes (a sliced input's remainder slice or a
    two's-complement sign plane fewer than bits_per_read: its other wires and product gates idle)"""
    return float(np.mean([int(top).bit_length() for top in plane_top_codes(plan)]))


@checked_types
def set_input_bits(plan: Plan) -> float:
    """Input-bit wires a driven row of a digital array charges on one read: the 1 bits of its non-zero code, the mean
    over uniform codes 1..c_j of each plane (a wire carrying 0 does not swing; bit-serial reads: 1; a digital array
    takes no bipolar inputs, so no sign wire); 1 for the other families (one word line a row)."""
    if plan.family != ArrayFamily.DIGITAL:
        return 1.0
    return float(np.mean([_mean_ones(int(top)) for top in plane_top_codes(plan)]))


@functools.cache
def _mean_ones(top: int) -> float:
    """the mean number of 1 bits of the codes 1..top"""
    return sum(bin(code).count("1") for code in range(1, top + 1)) / top


def _product_bits(plan: Plan) -> int:
    """bits of the largest product of one read's input code and one stored weight code (all its slices)"""
    return (plan.max_plane_code * (2 ** plan.stored_bits - 1)).bit_length()


def _tree_full_adders(n: int, p: int) -> int:
    """full adders of a ripple adder tree over n p-bit operands: n (p + 1) - (p + ceil(log2 n) + 1), at least n - 1
    one-bit adds (ZigZag-IMC DimcArrayUnit)"""
    return 0 if n == 1 else max(n - 1, n * (p + 1) - (p + math.ceil(math.log2(n)) + 1))


@checked_types
def trees(plan: Plan) -> int:
    """Adder trees (or cell chains) of one array: ``plan.adder_trees`` (0: one per output it holds); 0 with ADCs"""
    return 0 if plan.has_adc else plan.adder_trees or plan.outputs_per_array


@checked_types
def tree_passes(plan: Plan) -> int:
    """Reads of one row group an input plane takes so the fullest array's adder trees sum each of its outputs in
    turn: ceil(outputs / trees); 1 with ADCs"""
    return 1 if plan.has_adc else math.ceil(plan.outputs_of_col_tile(0) / trees(plan))


@checked_types
def adder_tree_full_adders(plan: Plan, rows: int | None = None) -> float:
    """Full adders of one output's sum over a row group of N rows of p-bit products of a read's input code and the
    whole stored weight: a ripple adder tree's (ZigZag-IMC DimcArrayUnit: the tree adds weight_precision-bit
    products); a cell chain's N (p + ceil(log2 N)), or its share of every column of the N rows where some hold no
    output (every bit cell of a driven row adds, used or not: the array's columns / its outputs per column); N =
    ``rows`` (default: a read's row group; a chain's area: every row's bit cells carry their adders)."""
    n, p = plan.rows_per_read if rows is None else check_int("rows", rows, 1, plan.rows), _product_bits(plan)
    if plan.cell_chain:
        return n * max(p + plan.chain_cols, plan.cols / plan.outputs_per_array)
    return _tree_full_adders(n, p)


@checked_types
def reference_sum_full_adders(plan: Plan) -> int:
    """Full adders of one reference sum of a digital array in the offset encoding: an adder tree over the row
    group's N input codes (the read's input sum, which the offset multiplies); 0 without one"""
    return _tree_full_adders(plan.rows_per_read, plan.max_plane_code.bit_length()) if plan.reference_sums else 0


def _switching(plan: Plan, bits: int) -> float:
    """Full adders that switch in one sum of a tree over a read's row group of N rows of ``bits``-bit operands, the
    mean over the layer's row groups: a full group all the tree's (:func:`_tree_full_adders`); a group of r < N rows
    (rows past the layer feed constant zeros, which do not toggle) the adders with a live input, ceil(r / 2**l) of
    bits + l - 1 at each level l of the tree, those that carry the sum to the root too, at most a full group's (a
    16-row layer read 256 rows at a time had been priced as a 256-row tree: 17x the energy of one read 16 rows at a
    time; then as a 16-row tree, which left out the carry adders and made 17 rows cheaper than 16)"""
    n, levels = plan.rows_per_read, math.ceil(math.log2(plan.rows_per_read))
    full = _tree_full_adders(n, bits)

    def live(rows: int) -> float:
        return full if rows >= n else min(full, sum(-(-rows // 2 ** level) * (bits + level - 1)
                                                    for level in range(1, levels + 1)))

    groups = plan.row_groups()
    return sum(live(stop - start) for start, stop in groups) / len(groups)


@checked_types
def chain_registers(plan: Plan, register_rows: int, rows: int | None = None) -> float:
    """Flip-flops of a cell chain's pipeline registers per output over ``rows`` rows (default: a read's row group,
    the registers its chain crosses, one at least; the array's rows: all it holds): a register every
    ``register_rows`` rows (0: none) spans the array, a flip-flop for each of its columns (CiMLoop's Colonnade
    model: "a flip flop, one for each column in the array"), clocked whether or not its column holds a used
    output; its outputs share them."""
    rows = plan.rows_per_read if rows is None else check_int("rows", rows, 1, plan.rows)
    if check_int("register_rows", register_rows, 0) == 0 or not plan.cell_chain:
        return 0.0
    return math.ceil(rows / register_rows) * plan.cols / plan.outputs_per_array


PRODUCT_BIT_ONE_PROBABILITY = 0.25
"""probability that a 1-bit product of uniform, independent input and weight bits is 1: 1/2 x 1/2"""
ADDER_TREE_TOGGLE_RATE = 2 * PRODUCT_BIT_ONE_PROBABILITY * (1 - PRODUCT_BIT_ONE_PROBABILITY)
"""toggle rate of an adder tree's input bits between evaluations, 2 q (1 - q) = 0.375 for independent bits that are
1 with probability q (uncorrelated-signal switching activity); the rate ZigZag-IMC's DIMC validation scales its
fully-active full-adder energy by (its "37.5 % input toggle rate")"""
@checked_types
def tree_toggle_rate(plan: Plan, counts: Counts) -> float:
    """The toggle rate of an adder tree's input bits, 2 q (1 - q), q the share of its operands' bits that are 1. For
    bit-serial inputs on 1-bit cells q is measured: the share of 1-bit products that are 1 (``Counts.cell_activity``
    / ``cells_read``). Wider reads and cells take uniform data's share for the plan's encodings
    (:func:`uniform_product_bit_share`: a differential pair's idle side and a two-phase input's idle
    phase make zero products) times the measured share of non-zero plane codes over uniform data's, at most 1 (a
    zero input makes a zero product; the analytic path counts a digital array's non-zero plane codes too). A fixed
    0.375 had priced 2-bit reads at 2.7x the adder-tree energy of 1-bit reads on the default encodings; a squared
    code measure then underpriced skewed data. ADDER_TREE_TOGGLE_RATE where nothing was read and for a cell chain
    (its running sums toggle at CHAIN_TOGGLE_RATE, whatever the products)."""
    if plan.cell_chain or not counts.cells_read:
        return ADDER_TREE_TOGGLE_RATE
    if plan.bits_per_read == 1 and plan.bits_per_cell == 1:
        q = counts.cell_activity / counts.cells_read
    else:
        live = counts.row_activations / counts.dac_conversions if counts.dac_conversions else 1.0
        q = uniform_product_bit_share(plan) * min(1.0, live / _uniform_live_share(plan))
    return 2.0 * q * (1.0 - q)


@checked_types
def uniform_product_bit_share(plan: Plan) -> float:
    """The share of 1 bits in a digital array's adder-tree operands over uniform data: the p-bit products (p the
    largest one's bits) of a read's plane code, uniform on 0..c_j (binary inputs: 1), and a stored weight code, the
    weight codes uniform on [-m, m] in the plan's encoding (a differential pair's idle side 0), a two-phase input 0
    in its idle phase; the mean over planes and polarities. For bit-serial inputs on 1-bit cells it is the share of
    1-bit products that are 1, as :func:`~cimsim.analytic.uniform_cell_activity` has it."""
    p = (plan.max_plane_code * (2 ** plan.stored_bits - 1)).bit_length()
    tops = tuple(int(t) for t in plane_top_codes(plan))
    share = _product_bit_share(tops, plan.signed_encoding, plan.weight_bits, p, plan.binary_inputs)
    return share / 2 if plan.signed_inputs == SignedInputs.TWO_PHASE else share


PRODUCT_PAIRS = 1 << 20
"""most (plane code, weight code) pairs :func:`uniform_product_bit_share` enumerates a plane and polarity; wider
operands (16-bit inputs and weights: 2**32 pairs, 32 GiB) take this many uniform draws of a fixed seed instead (the
share's standard error below 0.001)"""


@functools.cache
def _product_bit_share(tops: tuple[int, ...], encoding: SignedEncoding, bits: int, p: int, binary: bool) -> float:
    shares = []
    for top in tops:
        x = np.ones(1, np.uint64) if binary else np.arange(top + 1, dtype=np.uint64)
        for stored in stored_codes(encoding, bits):
            stored = stored.astype(np.uint64)
            if x.size * stored.size <= PRODUCT_PAIRS:
                products = np.multiply.outer(x, stored).astype("<u8")
            else:
                draws = np.random.default_rng(0)
                products = (x[draws.integers(0, x.size, PRODUCT_PAIRS)]
                            * stored[draws.integers(0, stored.size, PRODUCT_PAIRS)]).astype("<u8")
            shares.append(np.unpackbits(products.view(np.uint8)).sum() / (products.size * p))
    return float(np.mean(shares))


def _uniform_live_share(plan: Plan) -> float:
    """the share of a digital array's row reads whose plane code is not 0 under uniform data: c_j / (c_j + 1) a
    plane, the mean over planes, halved for a two-phase input (0 in its idle phase)"""
    share = nonzero_plane_share(plan)
    return share / 2 if plan.signed_inputs == SignedInputs.TWO_PHASE else share


CHAIN_TOGGLE_RATE = 2 * 0.5 * (1 - 0.5)
"""toggle rate of a cell chain's adder inputs: the running sum's bits, 1 with probability 1/2 for uniform data"""


@checked_types
def adder_tree_energy_pj(plan: Plan, config: Config) -> float:
    """One output sum of a digital array's adders, pJ: its full adders (a tree's that switch, :func:`_switching`; a
    chain's over all the rows a read drives, each passing the running sum on) x 4.2 fF x
    V_DD**2 (28 nm, scaled) x the toggle rate of uniform data (0.375 for a tree, 0.5 for a cell chain), plus a
    chain's pipeline flip-flops, each clocked once; 0 when the family has ADCs."""
    if plan.has_adc:
        return 0.0
    tech = config.technology
    rate = CHAIN_TOGGLE_RATE if plan.cell_chain else ADDER_TREE_TOGGLE_RATE
    registers = chain_registers(plan, config.array.chain_register_rows) * gates.register_bit_energy_pj(tech)
    adders = adder_tree_full_adders(plan) if plan.cell_chain else _switching(plan, _product_bits(plan))
    return adders * gates.full_adder_energy_pj(tech) * rate + registers


@checked_types
def reference_sum_energy_pj(plan: Plan, config: Config) -> float:
    """One reference sum of a digital array, pJ: its adder tree's full adders that switch (:func:`_switching`) x
    4.2 fF x V_DD**2 x 0.375 (input bits of uniform data); 0 without one"""
    if not plan.reference_sums:
        return 0.0
    adders = _switching(plan, plan.max_plane_code.bit_length())
    return adders * gates.full_adder_energy_pj(config.technology) * ADDER_TREE_TOGGLE_RATE


@checked_types
def adder_tree_area_um2(plan: Plan, config: Config) -> float:
    """One adder tree's adders and pipeline flip-flops plus the product gates of the cells of the outputs it sums
    (rows x their columns x k x b NAND2, each cell its own), um2; 0 with ADCs."""
    if plan.has_adc:
        return 0.0
    tech = config.technology
    n = trees(plan)
    products = plan.rows * plan.n_slices * plan.polarities * plan.bits_per_read * plan.bits_per_cell
    held = plan.rows if plan.cell_chain else None  # a chain's adders and registers are in every row, read or not
    registers = chain_registers(plan, config.array.chain_register_rows, held) * gates.register_bit_area_um2(tech)
    reference = reference_sum_full_adders(plan) / n  # an array's one tree, shared
    return ((adder_tree_full_adders(plan, held) + reference) * gates.full_adder_area_um2(tech) + registers
            + products * plan.outputs_per_array / n * gates.product_bit_area_um2(tech))
