"""A published macro's operating point as a cimsim configuration, and cimsim's figures of it.

:func:`macro_config` builds a :class:`~cimsim.config.schema.Config` from ONLY what the entry states; where cimsim
needs a value the entry does not state, one global default is used, the same for every macro (:data:`DEFAULTS`).
One full macro is the workload (``in_features`` = rows, ``out_features`` = the outputs one array holds) and the
analytic counts of :data:`VECTORS` vectors are priced by :func:`cimsim.cost.cim_breakdown` (:func:`model_point`).
Macro-level figures leave out everything outside the macro (:data:`NON_MACRO_COMPONENTS`): energy and area are the
sums over the other components, time is ``compute_ns``."""

from __future__ import annotations

import contextlib
import math
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import numpy as np

from ..config.checks import stored_weight_bits
from ..config.conditional import CONDITIONAL_FIELDS
from ..config.load import config_from_dict
from ..config.schema import Config
from ..cost import cim_breakdown, cim_parameters, cim_timing
from ..cost.families import tree_passes
from ..errors import ConfigError
from ..analytic import DataStats, analytic_counts
from ..breakdown import Breakdown
from ..mapping import Plan, plan_layer
from ..numerics.samples import plane_code_shares, weight_level_share
from .macro_checks import DEVICE_FIELDS
from .macro_data import Macro, MacroPoint, Unusable, cached_per_file, file_name, find_macro
from .macro_defaults import DEFAULTS, unpriced_data
from .macro_uiuc import compared_uiuc, served_outputs
from .macro_tables import above_macros_converter, adc_table, dac_table, state_what_applies
from .macro_text import adc_type, floating_point
from .macro_timing import PULSE_TIMED, clocking, cycle_ns

__all__ = ["NON_MACRO_COMPONENTS", "VECTORS", "DEFAULTS", "config_data", "macro_config",
           "model_point", "point_config", "point_model", "cycle_ns", "priced_as", "same_config", "chip_of"]

NON_MACRO_COMPONENTS = frozenset({"buffers", "interconnect", "global_buffer", "noc", "dram", "programming", "leakage"})
"""breakdown components outside a macro; every other key (array, dac, sample_hold, adc, shift_add, accumulate and
any component the cost model adds, such as an adder tree) counts towards the macro's energy and area"""
VECTORS = 1000
"""input vectors priced per point (the fill of the pipeline is 1 / VECTORS of the time)"""

_FAMILY = {"rram": ("resistive", "rram"), "pcm": ("resistive", "pcm"), "mram": ("resistive", "mram"),
           "fefet": ("resistive", "fefet"), "sram-charge": ("charge", "sram"),
           "sram-current": ("current", "sram"), "digital": ("digital", "sram")}
"""an entry's family -> (cimsim array.family, the cell it names); its keys are macro_data.FAMILIES"""
_DEVICE_PRESETS = ("rram", "pcm", "sram")


def _weight_bits(f: Mapping[str, Any]) -> int:
    if "weight_levels" in f and int(f["weight_levels"]) == 1:  # log2(1 + 1): 1 bit, priced as a binary weight
        raise Unusable("weight_levels = 1: a weight of one level holds no information (a signed cimsim weight has "
                       "2**bits - 1 levels, 3 or more; a binary weight is weight_bits = 1)")
    if "weight_bits" in f:
        return int(f["weight_bits"])
    bits = math.log2((levels := int(f["weight_levels"])) + 1)
    if bits != int(bits):
        hint = ("; a binary weight is weight_bits = 1" if levels == 2 else
                f"; a cell of {levels} levels holds {levels.bit_length() - 1} bits: bits_per_cell = "
                f"{levels.bit_length() - 1}, with the weight's own weight_bits" if levels & (levels - 1) == 0 else "")
        raise Unusable(f"{levels} weight levels is no signed cimsim weight (2**bits - 1 levels){hint}")
    return int(bits)


def _check_stated(f: Mapping[str, Any], family: str) -> None:
    """Unusable when the point lacks a value the model needs."""
    missing = [name for name in ("node_nm", "vdd_v", "rows", "cols", "input_bits") if name not in f]
    if "weight_bits" not in f and "weight_levels" not in f:
        missing.append("weight_bits")
    if family != "digital":
        missing += [name for name, absent in (("adc_bits", "adc_bits" not in f), ("adcs / cols_per_adc",
                                                 "cols_per_adc" not in f and "adcs" not in f)) if absent]
    if missing:
        raise Unusable("not stated: " + ", ".join(missing))


def config_data(macro: Macro, point: MacroPoint) -> tuple[dict[str, Any], tuple[str, ...]]:
    """The cimsim config tables of one point (before validation) and the notes on the defaults it needed.

    Raises :class:`Unusable` when the entry lacks a value the model needs and no global default applies.
    """
    f = point.fields
    family, cell = _FAMILY[macro.family]
    _check_stated(f, family)
    notes = [f"a floating-point figure ('{fp}'): priced as integer MACs of the stated bits (exponent alignment and "
             "normalisation not priced)"] if (fp := floating_point(point.label, point.source)) else []
    if "input_bits" not in point.values and "input_bits" not in macro.values:
        notes.append(f"one array invocation priced (no operand precision stated): {f['input_bits']}b inputs, "
                     f"{f['weight_bits']}b weights, UIUC's B_x and B_w")
    if "bits_per_read" in f and "bits_per_read" not in point.values and "bits_per_read" not in macro.values:
        notes.append(f"bits per read not stated: UIUC's B_x, {f['bits_per_read']} (an invocation is one read)")
    rows, cols, vdd = int(f["rows"]), int(f["cols"]), float(f["vdd_v"])
    rows_per_read = int(f.get("rows_per_read", rows))
    dac, k = dac_table(f, family, notes)
    weight_bits = _weight_bits(f)
    bits_per_cell = _bits_per_cell(f, weight_bits, notes)
    if family == "resistive" and "bits_per_cell" not in f:
        notes.append("bits per cell not stated: 1")
    adc = adc_table(macro, f, family, weight_bits, bits_per_cell, notes)
    mapping = _mapping(f, family, weight_bits, bits_per_cell, adc)
    device: dict[str, Any] = {"preset": cell} if cell in _DEVICE_PRESETS else {"name": cell}
    device.update(bits_per_cell=bits_per_cell, **{k: float(f[k]) for k in DEVICE_FIELDS if k in f})
    _assumed_cell(cell, f, notes)
    technology: dict[str, Any] = {"node_nm": float(f["node_nm"]), "vdd_v": vdd}
    uneven = dac["mode"] == "sliced" and (dac["signed_inputs"] == "twos_complement" or dac["input_bits"] % k > 0)
    clocking(macro, point, device, technology, k, dac["encoding"], notes, family == "resistive", uneven)
    data = {
        "name": point.key,
        "array": {"family": family, "rows": rows, "cols": cols, "rows_per_read": rows_per_read,
                  **{k: f[k] for k in ("digital_adders", "chain_register_rows", "cell_access") if k in f}},
        "device": device, "mapping": mapping, "dac": dac, "adc": adc, "technology": technology,
        "workload": {"kind": "dense", "in_features": _peak_rows(rows, rows_per_read, notes), "out_features": 1,
                     "vectors": VECTORS,
                     **{k: f[k] for k in ("input_zero_fraction", "weight_zero_fraction") if k in f}},
    }
    state_what_applies(data, notes, f)
    return data, tuple(notes)


def _assumed_cell(cell: str, f: Mapping[str, Any], notes: list[str]) -> None:
    """notes where a resistive cell without a device preset of its own (mram, fefet) takes the schema's default
    conductances or read voltage (the RRAM cell's) for those the entry does not state"""
    assumed = [k for k in DEVICE_FIELDS[:3] if k not in f]
    if cell not in _DEVICE_PRESETS and assumed:
        defaults = Config().device
        notes.append(f"{cell} cell: no device preset of its own; " + ", ".join(
            f"{k} {getattr(defaults, k):.3g}" for k in assumed) + " (the schema's default, an RRAM cell's) where "
            "the entry states none")


def _bits_per_cell(f: Mapping[str, Any], weight_bits: int, notes: list[str]) -> int:
    """The bits one cell holds: the stated ones (1 where none are stated), at most the weight bits a column group
    stores, with a note where the stated ones exceed them."""
    stated, stored = int(f.get("bits_per_cell", 1)), stored_weight_bits(weight_bits, f.get("weight_encoding", ""))
    if stated > stored:
        notes.append(f"bits_per_cell = {stated} above the {stored} weight bits a column group stores: {stored} priced")
    return min(stated, stored)


def _mapping(f: Mapping[str, Any], family: str, weight_bits: int, bits_per_cell: int,
             adc: Mapping[str, Any]) -> dict[str, Any]:
    """The mapping table: the entry's weight_encoding where stated (a differential pair subtracted on its column
    pair before the ADC, one converted column per output), else two's complement for SRAM and digital macros with
    one bit per cell whose weight-bit columns are not summed before the ADC, else offset; the subtraction as stated
    (``subtraction``: "digital", the reference or negative column converted apart, as ISAAC's), else digital for two's
    complement and binary offset weights, else analog."""
    encoding = f.get("weight_encoding")
    if encoding is None:
        summed = "slices" in adc.get("accumulation", "")
        twos = family != "resistive" and bits_per_cell == 1 < weight_bits and not summed
        encoding = "twos_complement" if twos else "offset"
    digital = encoding == "twos_complement" or (encoding == "offset" and weight_bits == 1)
    return {"weight_bits": weight_bits, "signed_encoding": encoding,
            "subtraction": f.get("subtraction", "digital" if digital else "analog")}


def _peak_rows(rows: int, rows_per_read: int, notes: list[str]) -> int:
    """The workload's in_features: the rows of whole reads of ``rows_per_read`` (a peak figure counts every read
    full; a last read of the rows left over would add a read with fewer MACs), with a note where rows are left."""
    whole = rows_per_read * max(1, rows // rows_per_read)
    if whole != rows:
        reads = whole // rows_per_read
        notes.append(f"workload of {whole} rows ({reads} full read{'s' * (reads != 1)} of {rows_per_read}; "
                     f"{rows - whole} of {rows} rows idle)")
    return whole


def _validated(data: Mapping[str, Any], source: str) -> Config:
    """``data`` as a Config, else Unusable with the refusal (a field idle only beside another refused one: unsaid)"""
    try:
        return config_from_dict(data, source)
    except ConfigError as exc:
        idle = [(f, m) for f, m in exc.errors if f in CONDITIONAL_FIELDS and "here it would be ignored" in m]
        said = [error for error in exc.errors if error not in idle] or exc.errors
        raise Unusable("cimsim refuses the configuration: " + "; ".join(m for _, m in said)) from None


@cached_per_file
def point_config(macro_key: str, index: int, file: str | None = None) -> tuple[Config, tuple[str, ...]]:
    """(validated config, notes on its defaults) of point ``index`` of a macro of ``file`` (None: the shipped
    file), cached; raises :class:`Unusable`"""
    m = find_macro(macro_key, file)
    point = m.points[index]
    data, notes = config_data(m, point)
    source = f"{file_name(file)}: {point.key}"
    config = _validated(data, source)
    try:
        plan = plan_layer(config)
    except ValueError as exc:
        raise Unusable(f"cimsim cannot map the macro: {exc}") from None
    uiuc_b_w = point.values.get("uiuc_b_w") if compared_uiuc(point.values) else None
    notes = [*notes, *unpriced_data(plan, point.fields)]
    data["workload"]["out_features"] = served_outputs(plan, config, point.fields, uiuc_b_w, notes)
    trees = int(point.fields.get("adcs", plan.outputs_per_array))  # a digital macro's adcs: its adder trees
    if plan.cell_chain and "adcs" in point.fields:  # (ignored unsaid for a day: a review)
        notes.append(f"adcs = {trees} not read: a cell chain sums in its cells, every output a read")
    if not (plan.has_adc or plan.cell_chain) and trees != plan.outputs_per_array:
        if trees < plan.outputs_per_array:
            data["array"]["adder_trees"] = trees  # the trees it states, not one per output
            notes.append(f"its {trees} adder trees sum the {plan.outputs_per_array} outputs its {plan.cols} columns "
                         "hold in turn (array.adder_trees)")
        else:
            notes.append(f"{trees} adder trees for the {plan.outputs_per_array} outputs its {plan.cols} columns "
                         "hold: one per output priced")
    return _validated(data, source), tuple(notes)


def macro_config(macro: Macro | str, point: MacroPoint | str) -> Config:
    """The cimsim configuration of one operating point: one full macro as the workload (in_features = rows,
    out_features = the outputs one array holds). Raises :class:`Unusable` with the reason when it cannot be built."""
    m = find_macro(macro) if isinstance(macro, str) else macro
    p = m.point(point) if isinstance(point, str) else point
    return point_config(m.key, p.index, m.file)[0]


def _data(config: Config, plan: Plan, condition: str | None) -> DataStats:
    """the stated statistics, or every input and weight at its largest positive code (``full_scale``)"""
    peak = np.ones((1, plan.in_features))
    return DataStats.of(config) if condition != "full_scale" else DataStats(
        input_codes=plane_code_shares(plan, peak, None), weight_levels=weight_level_share(plan, peak, False))


def priced_as(macro_key: str, file: str | None, point: MacroPoint) -> tuple[Config, Any]:
    """what a point of a macro of ``file`` is priced as: its config (its name and source aside) and its data condition
    (which the pricing reads apart); two points priced alike are one operating point (a repeat, not a trend)"""
    return replace(point_config(macro_key, point.index, file)[0], name="", source=""), point.fields.get("data")


def same_config(macro_key: str, file: str | None, p: MacroPoint, q: MacroPoint) -> bool:
    """whether two points are priced alike (:func:`priced_as`)"""
    return priced_as(macro_key, file, p) == priced_as(macro_key, file, q)


@cached_per_file
def _priced(macro_key: str, index: int, file: str | None) -> tuple[Config, Plan, Any, Breakdown]:
    """(config, plan, counts, breakdown) of point ``index`` alone, cached"""
    config, point = point_config(macro_key, index, file)[0], find_macro(macro_key, file).points[index]
    plan = plan_layer(config)
    counts = analytic_counts(plan, config.workload.vectors, _data(config, plan, point.fields.get("data")))
    return config, plan, counts, cim_breakdown(config, plan, counts)


def chip_of(macro_key: str, index: int, file: str | None) -> tuple[Any, ...]:
    """the silicon point ``index`` of a macro of ``file`` runs on (:func:`_chip_area_um2`): two points of equal ones
    are one chip. A digital macro's converters are its stated adder trees (array.adder_trees follows the precision:
    0 where a tree serves each output) or cell chains; the ADC type is the one stated (a 1-bit point's config has
    none); a converter above the macro's adc_bits is one of its own (7-bit ones had sized a 5-bit chip)."""
    macro, c = find_macro(macro_key, file), _priced(macro_key, index, file)[0]
    point, a = macro.points[index], c.array
    return (c.technology.node_nm, a.rows, a.cols, a.family, a.cell_access, c.device.name,
            adc_type(point.fields.get("adc_type")), c.adc.cols_per_adc, point.fields.get("adcs"), a.digital_adders,
            a.chain_register_rows, above_macros_converter(macro, c.adc.bits) and c.adc.bits)


def _chip_area_um2(macro_key: str, index: int, file: str | None) -> dict[str, float]:
    """the macro area of point ``index``'s chip by component, um2: each the largest among the usable points of one
    silicon (node, array, cell and converters' type and sharing alike; supply, clock, precision, rows a read and data
    are how it runs: a converter clocked alike at a lower supply is nearer its fastest rate, priced alone larger);
    a point whose converter is above the macro's adc_bits, priced as one of its own, is a chip of its own"""
    points, own, area = (macro := find_macro(macro_key, file)).points, chip_of(macro_key, index, file), {}
    for j in range(len(points)):
        with contextlib.suppress(Unusable):
            timed = any(note in PULSE_TIMED for note in point_config(macro_key, j, file)[1])
            sized = cycle_ns(macro, points[j]) is not None and not timed
            if (j == index or sized) and chip_of(macro_key, j, file) == own:  # (converters sized for an assumed
                # clock or a short pulse's rate had grown the area of the chip's other points)
                other = _priced(macro_key, j, file)
                for k, v in other[3].area_um2.items():
                    area[k] = max(area.get(k, 0.0), v)
    return {k: v for k, v in area.items() if k not in NON_MACRO_COMPONENTS}


@cached_per_file
def point_model(macro_key: str, index: int, file: str | None = None) -> dict[str, Any]:
    """cimsim's figures of point ``index`` of a macro of ``file``, cached (:func:`model_point`; area: its chip's)"""
    m = find_macro(macro_key, file)
    point = m.points[index]
    config, plan, counts, b = _priced(macro_key, index, file)
    energy = {k: v for k, v in b.energy_pj.items() if k not in NON_MACRO_COMPONENTS}
    area = _chip_area_um2(macro_key, index, file)
    energy_pj, area_mm2, seconds = sum(energy.values()), sum(area.values()) * 1e-6, b.compute_ns * 1e-9
    ops = float(point.values.get("ops_per_mac", 2)) * b.macs
    tops = ops / seconds / 1e12 if seconds > 0 else math.inf
    params, cycle = cim_parameters(config, plan), cycle_ns(m, point)
    timing = cim_timing(plan, params)
    return {
        "tops_per_w": ops / energy_pj if energy_pj > 0 else math.inf,
        "tops": tops,
        "tops_per_mm2": tops / area_mm2 if area_mm2 > 0 else math.inf,
        "energy_fj_per_mac": energy_pj * 1e3 / b.macs,
        "energy_pj_per_mvm": energy_pj / b.mvms,
        "adc_energy_pj": b.energy_pj.get("adc", 0.0) / counts.adc_conversions if counts.adc_conversions else math.nan,
        "conversions_per_mac": counts.adc_conversions / b.macs,
        "area_mm2": area_mm2,
        "energy_share": {k: v / energy_pj for k, v in energy.items()} if energy_pj > 0 else {},
        "area_share": {k: v * 1e-6 / area_mm2 for k, v in area.items()} if area_mm2 > 0 else {},
        "macs_per_vector": b.macs // b.mvms,
        "outputs": plan.out_features,
        "reads_per_vector": plan.reads_per_vector,
        "tree_passes": tree_passes(plan),
        "columns_converted": _columns_converted(plan),
        "ns_per_vector": b.compute_ns / b.mvms,
        "at_stated_cycle": cycle is not None and math.isclose(  # a tree's passes (outputs it sums in turn) the
            # entry's arithmetic too: its trees, columns and weight bits (they had counted as a model's, a review)
            timing.vector_ns / timing.replicas, plan.reads_per_vector * tree_passes(plan) * cycle, rel_tol=1e-9),
        "adc_pace": (cycle, timing.conversions_per_adc, params.adc_conversion_ns),  # (cycle, per ADC, each ns)
    }


def _columns_converted(plan: Plan) -> tuple[int, int]:
    """(columns the fullest array converts a read, of which the offset encoding's reference columns)"""
    converted = plan.converted_cols(outputs := plan.outputs_of_col_tile(0))
    return converted, converted - outputs * plan.converted_cols_per_output


def model_point(macro: Macro | str, point: MacroPoint | str) -> dict[str, Any]:
    """cimsim's figures of one operating point: tops_per_w, tops, tops_per_mm2 (the entry's ops per MAC),
    energy_fj_per_mac, energy_pj_per_mvm, adc_energy_pj, conversions_per_mac, area_mm2 (macro components only;
    time = compute_ns), plus energy_share (fraction per macro component), macs_per_vector, outputs, and
    at_stated_cycle: whether the model's steady time per vector is its reads at the stated cycle each, unscaled, a
    pass each for the outputs an adder tree sums in turn (its throughput then the entry's own figure: the reads its
    stated rows, rows per read and input bits per read make, the passes its trees, columns and weight bits make, no
    converter speed or delay law of the model's in it)."""
    m = find_macro(macro) if isinstance(macro, str) else macro
    p = m.point(point) if isinstance(point, str) else point
    point_config(m.key, p.index, m.file)  # raises Unusable first
    return point_model(m.key, p.index, m.file)
