"""The area of a baseline processor (:func:`cimsim.cost.baseline.baseline_breakdown`): its published die (the parts
a config changes re-priced), or its MAC units, their registers and its on-chip memory; and their leakage."""

from __future__ import annotations

from dataclasses import replace

from ..config.presets_merge import section_tables
from ..config.schema import BaselineConfig, Config
from ..mapping import Plan
from .digital import mac_area_um2, register_area_um2_per_bit
from .leakage import ALADDIN_LOGIC_LEAKAGE_UW_PER_UM2, buffer_leakage_uw, logic_leakage_uw
from .onchip import OnChipMemory, onchip_memory

__all__ = ["NATIVE_OPERAND_BITS", "NATIVE_ACCUMULATOR_BITS", "built_unit_bits", "baseline_area_um2", "published_die",
           "has_die", "baseline_leakage_uw", "leakage_sentence"]

NATIVE_OPERAND_BITS, NATIVE_ACCUMULATOR_BITS = 8, 32
"""a preset's MAC unit, bits: operands as ``macs_per_cycle`` is stated ("up to 8 bits"), accumulator as TPU v1's
(Jouppi et al., ISCA 2017, Sec. 2: 32-bit accumulators; int8 AVX2 and tensor cores also accumulate in int32)"""


def built_unit_bits(b: BaselineConfig, plan: Plan) -> tuple[int, int, int]:
    """(weight, input, accumulator) bits one MAC unit is built for. A preset is fixed hardware: 8 x 8-bit units
    with 32-bit accumulators, which run wider operands at ``wide_macs_per_cycle``, or, without that rate, are as
    wide as the work they run at full rate in each width and never narrower (16 x 4-bit work had been priced below
    8 x 8-bit work, 33-bit sums on 32-bit accumulators); a baseline of fields only (no preset) is sized to the
    workload."""
    used = plan.weight_bits, plan.input_bits, plan.accumulator_bits
    native = NATIVE_OPERAND_BITS, NATIVE_OPERAND_BITS, NATIVE_ACCUMULATOR_BITS
    if b.preset is None:
        return used
    return native if b.wide_macs_per_cycle > 0 else tuple(max(u, n) for u, n in zip(used, native))


def baseline_area_um2(config: Config, plan: Plan, mem: OnChipMemory) -> dict[str, float]:
    """Area, um2: the published die; a preset's die whose parts the config changed (``sram_kib``, ``macs_per_cycle``
    ...: the loader drops the die then, :data:`cimsim.config.presets_merge.DERIVED_FIELDS`), that die with the change
    in its parts priced (a GPU's doubled L2 had been priced as its parts alone, 294 against 826 mm2, its area falling
    as its memory grew: a baseline probe), the change scaled by die / parts where the preset's parts priced at this
    node exceed its die (an older node than its own: they are the die there), so the area grows with every part and
    is the die where none changes; else the MAC units (as :func:`built_unit_bits` builds them), registers, memory."""
    b = config.baseline
    if b.die_area_mm2 is not None:
        return {"die": b.die_area_mm2 * 1e6}
    parts, preset = _parts_um2(config, plan, mem), published_die(b)
    if preset is None:
        return parts
    die_um2, then = preset[0] * 1e6, replace(config, baseline=preset[1])
    published_parts = sum(_parts_um2(then, plan, onchip_memory(then)).values())
    return {"die": die_um2 + (sum(parts.values()) - published_parts) * min(1.0, die_um2 / published_parts)}


_PRICED = ("macs_per_cycle", "sram_kib", "onchip_memory")
"""the fields of a die's parts its re-pricing prices: its MAC units' count (at the widths it is built for), its
on-chip memory's size and kind"""


def published_die(b: BaselineConfig) -> tuple[float, BaselineConfig] | None:
    """(the published die area of ``b``'s preset, mm2, and ``b`` with the parts its area prices as the preset states
    them, :data:`_PRICED`; its units' widths as ``b``'s: a die holds its published units, so a wide rate the loader
    dropped with the MAC count prices no wider units onto it, a review), or None where ``b`` states its own die,
    starts from no preset or from one without a die; a die either way holds its own units (no vector unit is added)"""
    if b.die_area_mm2 is not None or b.preset is None:
        return None
    table = section_tables("baseline").get(b.preset, {})
    if "die_area_mm2" not in table:
        return None
    return float(table["die_area_mm2"]), replace(b, **{f: table[f] for f in _PRICED if f in table})


def has_die(b: BaselineConfig) -> bool:
    """whether the baseline's area is a die, stated or its preset's (:func:`published_die`): its units inside it"""
    return b.die_area_mm2 is not None or published_die(b) is not None


def _parts_um2(config: Config, plan: Plan, mem: OnChipMemory) -> dict[str, float]:
    """the MAC units (as :func:`built_unit_bits` builds them), their registers and the on-chip memory, um2"""
    b, tech = config.baseline, config.technology
    w_bits, x_bits, acc_bits = built_unit_bits(b, plan)
    return {
        "mac_units": b.macs_per_cycle * mac_area_um2(w_bits, x_bits, tech, acc_bits),
        "register_file": b.macs_per_cycle * (w_bits + x_bits + acc_bits) * register_area_um2_per_bit(tech),
        "sram": mem.area_um2,
    }


def area_sentence(config: Config, area_um2: dict[str, float]) -> str:
    """the assumption line of the baseline's area: a published die (its changed parts re-priced), or the parts
    priced (what they leave out)"""
    preset = published_die(config.baseline) if "die" in area_um2 else None
    if preset is not None:
        changed = [f"{f} {_shown(getattr(preset[1], f))} -> {_shown(getattr(config.baseline, f))}" for f in _PRICED
                   if getattr(config.baseline, f) != getattr(preset[1], f)]
        if not changed:
            return (f"Area is the published die area of {config.baseline.preset}, {preset[0]:g} mm2 (this config "
                    "changes none of the parts its area prices).")
        return (f"Area is the published die area of {config.baseline.preset}, {preset[0]:g} mm2, with the change in "
                f"the parts this config changes ({', '.join(changed)}) priced at cimsim's laws (its units inside "
                f"it): {area_um2['die'] / 1e6:.4g} mm2.")
    if "die" in area_um2:
        return f"Area is the published die area, {area_um2['die'] / 1e6:g} mm2."
    return (f"Area is the parts priced, {sum(area_um2.values()) / 1e6:.4g} mm2: the MAC units, their registers and "
            "the on-chip memory's arrays; control, I/O, interconnect and caches or memories not modelled are left "
            "out (a whole die is larger: state baseline.die_area_mm2 to compare with one).")


def _shown(value) -> str:
    """a field's value for the area line (40960, not 40960.0)"""
    return f"{value:g}" if isinstance(value, float) else str(value)


def baseline_leakage_uw(config: Config, area_um2: dict[str, float]) -> float:
    """Static power of the baseline, uW, at the CIM chip's densities (:mod:`.leakage`): its MAC units and registers as
    logic, its on-chip memory as the chip's buffers of that memory leak; a published die as logic throughout (its
    SRAM leaks like logic of its area under the same assumption)."""
    b = config.baseline
    if "die" in area_um2:
        return logic_leakage_uw(area_um2["die"])
    return (logic_leakage_uw(area_um2["mac_units"] + area_um2["register_file"])
            + buffer_leakage_uw(b.onchip_memory, float(b.sram_kib) * 1024, config.technology))


def leakage_sentence(area_um2: dict[str, float], leakage_uw: float, memory: str) -> str:
    """the assumption line of the baseline's leakage (``memory``: its on-chip memory, sram or edram)"""
    logic = f"Aladdin's logic density, {1e3 * ALADDIN_LOGIC_LEAKAGE_UW_PER_UM2:.3g} nW/um2"
    parts = (f"its die (as logic of its area, {logic})" if "die" in area_um2 else
             f"its MAC units and registers ({logic}) and its on-chip " + (
                 "eDRAM (retention power per bit, Giterman 2020)" if memory == "edram" else
                 "SRAM (cimsim's assumption: bitcells leak like logic of their area)"))
    return (f"Leakage: {leakage_uw:.4g} uW static power of {parts} over the run time, as the chip's; the densities "
            "are applied at every node and supply as published.")
