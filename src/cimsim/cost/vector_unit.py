"""The chip's digital vector unit: non-matrix operations and activation x activation products, technology-scaled.

Crossbars hold trained weights only; what has no trained weights runs here: softmax, norms, GELU / SiLU / ReLU,
residual adds, pooling, and the attention products Q K^T and A V whose both operands are activations.

Operations. Every element operation is a fixed sequence of integer multiplies and adds at
:data:`VECTOR_OPERAND_BITS` bits, as in I-BERT (S. Kim, A. Gholami, Z. Yao, M. W. Mahoney, K. Keutzer,
"I-BERT: Integer-only BERT Quantization", ICML 2021), which computes GELU, exp (softmax) and LayerNorm
with second-order integer polynomials on INT32 intermediates. Per element (:data:`VECTOR_KINDS`, multiplies,
adds; a compare is priced as an add, a comparator being a subtractor; shifts and constant scales folded into
the quantisation scales are free):

- ``add`` (residual, bias, folded batch norm) 0, 1; ``max`` (max pooling, one compare per window element) 0, 1;
  ``relu`` 0, 1; ``relu6`` 0, 2; ``mul`` (the gate of a gated MLP, an average's scale) 1, 0;
- ``exp`` (I-BERT i-exp: z = floor(-x / ln 2) as one multiply by a constant, p = x + z ln 2, then the
  polynomial (p + b)**2 + c) 3, 3; ``softmax`` (max compare, subtract, i-exp, running sum, normalise as one
  multiply by the row's reciprocal) 4, 6;
- ``gelu`` (I-BERT i-GELU: clip, (x + b)**2 + c, 1 + erf, times x) 2, 4; ``erf`` (its i-erf alone: clip,
  (x + b)**2 + c, the sign) 1, 3; ``silu`` (x sigma(x): i-exp of -x, 1 +,
  a reciprocal priced as one multiply (a lower bound: a divider costs more), times x) 5, 4; ``hardswish``
  (x clip(x / 6 + 1/2, 0, 1): the 1/6 folded into the scales, an add, two compares, times x) 1, 3; ``softplus``
  (log(1 + exp(x)): i-exp, an add, the log as a second polynomial of i-exp's cost: an estimate) 6, 7; ``tanh``
  (1 - 2 / (1 + exp(2x)): i-exp, an add, the reciprocal as a multiply, a subtract) 4, 5;
- ``layernorm`` (I-BERT i-LayerNorm: mean, subtract, square, sum, scale by 1 / std, gain and shift) 3, 4;
  ``rmsnorm`` (square, sum, scale by 1 / rms, gain) 3, 1; ``rotary`` (rotate pairs: 4 multiplies, 2 adds per
  pair) 2, 1.

Per-row work (a reciprocal, a square root) is neglected: it is one operation per row of hundreds or more.
Energies: Horowitz's 32-bit integer add and multiply through :mod:`cimsim.cost.digital` (45 nm, 0.9 V, scaled by
Stillmaker & Baas like every digital figure), plus one 32-bit result register clocked per multiply or add.
Activation products: one multiply-accumulate at ``input_bits`` x ``input_bits`` into an accumulator of
2 x input_bits + ceil(log2(inputs summed)) bits, clocking the two operand registers and the accumulator
(as the baseline's output-stationary MAC).

Throughput: ``lanes`` lanes at ``technology.clock_ghz``, each doing one multiply, add or multiply-accumulate per
cycle (an 8-bit product uses a whole 32-bit lane: no sub-word packing). Area per lane: a 32 x 32-bit multiplier
with a 32-bit accumulator (:func:`cimsim.cost.digital.mac_area_um2`, ZigZag-IMC gates) and three 32-bit
registers; leakage: that logic at the Aladdin density (:mod:`cimsim.cost.leakage`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from ..argcheck import check_int, checked_types
from ..config.modes import EnergyModel
from ..config.schema import BaselineConfig, Config, TechnologyConfig
from .digital import (add_energy_pj, mac_area_um2, mac_energy_pj, multiply_energy_pj, register_area_um2_per_bit,
                      register_file_energy_pj_per_bit)
from .gates import MAX_BITS
from .leakage import logic_leakage_uw

__all__ = ["VECTOR_KINDS", "VECTOR_OPERAND_BITS", "MAX_LANES", "VectorUnit", "vector_unit", "with_vector_area",
           "baseline_vector_unit", "with_vector_energy"]

MAX_LANES = 2 ** 31
"""the most lanes a vector unit may have (a bound on the argument, far past any chip: an H100 has 8 448)"""

VECTOR_OPERAND_BITS = 32
"""width of the vector unit's element operations: I-BERT's INT32 intermediates (Kim et al., ICML 2021)"""

VECTOR_KINDS: dict[str, tuple[int, int]] = {
    "add": (0, 1), "max": (0, 1), "relu": (0, 1), "relu6": (0, 2), "mul": (1, 0),
    "exp": (3, 3), "softmax": (4, 6), "gelu": (2, 4), "erf": (1, 3), "silu": (5, 4), "hardswish": (1, 3),
    "softplus": (6, 7), "tanh": (4, 5), "layernorm": (3, 4), "rmsnorm": (3, 1), "rotary": (2, 1),
}
"""kind -> (multiplies, adds) per element at VECTOR_OPERAND_BITS (module docstring: I-BERT's integer algorithms)"""

_REGISTERS_PER_LANE = 3  # two operands and a result / accumulator


@dataclass(frozen=True)
class VectorUnit:
    """Energy per operation, throughput and area of one chip's vector unit (pJ, GHz, um2, uW)."""

    lanes: int
    clock_ghz: float
    input_bits: int
    """activation precision of the attention products"""
    multiply_energy_pj: float
    """one VECTOR_OPERAND_BITS multiply with its result register"""
    add_energy_pj: float
    """one VECTOR_OPERAND_BITS add (or compare) with its result register"""
    register_energy_pj_per_bit: float
    area_um2: float
    leakage_uw: float

    def element_energy_pj(self, kind: str) -> float:
        """one element operation of ``kind``"""
        muls, adds = _kind(kind)
        return muls * self.multiply_energy_pj + adds * self.add_energy_pj

    @staticmethod
    def element_cycles(kind: str) -> int:
        """lane cycles of one element operation of ``kind``"""
        muls, adds = _kind(kind)
        return muls + adds

    def accumulator_bits(self, inputs_summed: int) -> int:
        return 2 * self.input_bits + math.ceil(math.log2(max(2, inputs_summed)))

    def mac_energy_pj(self, inputs_summed: int, tech: TechnologyConfig) -> float:
        """one activation x activation multiply-accumulate over ``inputs_summed`` products, with its registers"""
        acc = self.accumulator_bits(inputs_summed)
        registers = (2 * self.input_bits + acc) * self.register_energy_pj_per_bit
        return mac_energy_pj(self.input_bits, self.input_bits, tech, acc) + registers

    def work(self, vector_ops, activation_ops, tech: TechnologyConfig) -> tuple[float, float]:
        """(energy pJ, lane cycles) per item of element operations ``vector_ops`` (each with ``kind`` and
        ``elements_per_item``) and activation products ``activation_ops`` (``macs_per_item``, ``in_features``):
        each element operation at its kind's cost, each multiply-accumulate at :meth:`mac_energy_pj`, one lane
        cycle per multiply, add or multiply-accumulate."""
        vector_ops, activation_ops = list(vector_ops), list(activation_ops)
        energy = (sum(v.elements_per_item * self.element_energy_pj(v.kind) for v in vector_ops)
                  + sum(a.macs_per_item * self.mac_energy_pj(a.in_features, tech) for a in activation_ops))
        cycles = (sum(v.elements_per_item * self.element_cycles(v.kind) for v in vector_ops)
                  + sum(a.macs_per_item for a in activation_ops))
        return energy, cycles

    def time_ns(self, cycles: float) -> float:
        """time of ``cycles`` lane cycles spread over every lane, ns"""
        return cycles / self.lanes / self.clock_ghz


def with_vector_area(area_um2: dict[str, float], unit: VectorUnit | None) -> tuple[dict[str, float], tuple[str, ...]]:
    """A baseline's area (um2 per component) with the vector ``unit`` it holds (None: none, or one its published die
    holds), and the sentence saying so (none without one): the area line of the parts priced is written before the
    unit is added, so it had stated 0.86 of a network's 2.79 mm2 unsaid"""
    if unit is None:
        return dict(area_um2), ()
    total = sum(area_um2.values()) + unit.area_um2
    return {**area_um2, "vector_unit": unit.area_um2}, (
        f"With its vector unit ({unit.area_um2 / 1e6:.4g} mm2, {unit.lanes} lanes) the baseline's area is "
        f"{total / 1e6:.4g} mm2.",)


@checked_types
def with_vector_energy(energy_pj: dict[str, float], baseline: BaselineConfig, vector_pj: float,
                       vector_ns: float, run_ns: float, unit: VectorUnit | None) -> dict[str, float]:
    """A baseline's energy (pJ per component) of a run of ``run_ns`` with its vector work added, which lengthens
    the run by ``vector_ns``: for a ``board_power`` baseline (a GPU-class part) its board power over that time;
    else the unit's dynamic energy, and the leakage (its static power over ``run_ns``) over the longer run, with the
    static power of the ``unit`` it holds (None: none, or one a published die's leakage holds) over all of it."""
    energy = dict(energy_pj)
    if baseline.energy_model == EnergyModel.BOARD_POWER:
        energy["board_power"] = energy.get("board_power", 0.0) + baseline.board_power_w * vector_ns * 1e3  # W x ns = nJ
        return energy
    energy["vector_unit"] = energy.get("vector_unit", 0.0) + vector_pj
    if "leakage" in energy and run_ns > 0:  # uW x ns = fJ
        static_uw = energy["leakage"] / run_ns * 1e3
        energy["leakage"] = (static_uw + (unit.leakage_uw if unit is not None else 0.0)) * (run_ns + vector_ns) * 1e-3
    return energy


def _kind(kind: str) -> tuple[int, int]:
    try:
        return VECTOR_KINDS[kind]
    except KeyError:
        raise ValueError(f"unknown vector operation {kind!r}; expected one of {', '.join(VECTOR_KINDS)}") from None


@checked_types
def vector_unit(tech: TechnologyConfig, lanes: int, input_bits: int) -> VectorUnit:
    """The vector unit of ``lanes`` lanes at ``tech`` (node, supply, clock), attention products at ``input_bits``."""
    check_int("vector unit lanes", lanes, 1, MAX_LANES)
    check_int("attention input_bits", input_bits, 1, MAX_BITS)
    bits = VECTOR_OPERAND_BITS
    register_pj = register_file_energy_pj_per_bit(tech)
    lane_um2 = (mac_area_um2(bits, bits, tech, bits)
                + _REGISTERS_PER_LANE * bits * register_area_um2_per_bit(tech))
    return VectorUnit(
        lanes=lanes, clock_ghz=tech.clock_ghz, input_bits=input_bits,
        multiply_energy_pj=multiply_energy_pj(bits, bits, tech) + bits * register_pj,
        add_energy_pj=add_energy_pj(bits, tech) + bits * register_pj,
        register_energy_pj_per_bit=register_pj,
        area_um2=lanes * lane_um2,
        leakage_uw=logic_leakage_uw(lanes * lane_um2),
    )


@checked_types
def baseline_vector_unit(config: Config, chip_unit: VectorUnit) -> VectorUnit:
    """The unit the baseline runs element-wise work on: its own ``baseline.vector_lanes`` lanes at its clock (a GPU's
    INT32 cores), else ``chip_unit``, the CIM chip's, so both sides do that work alike."""
    lanes = config.baseline.vector_lanes
    if lanes is None:
        return chip_unit
    return vector_unit(replace(config.technology, clock_ghz=config.baseline.clock_ghz), lanes, chip_unit.input_bits)
