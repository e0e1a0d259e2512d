"""Published compute-in-memory macros and chips (``published_macros.toml``) run through cimsim's cost model.

Every measured operating point of every macro becomes a cimsim :class:`~cimsim.config.schema.Config` built from
ONLY what the entry states (:func:`macro_config`); one full macro is the workload (``in_features`` = rows,
``out_features`` = the outputs one array holds) and the analytic counts of 1000 vectors are priced by
:func:`cimsim.cost.cim_breakdown` (:func:`model_point`). Macro-level figures leave out everything outside the
macro (:data:`NON_MACRO_COMPONENTS`): energy and area are the sums over the other components, time is
``compute_ns``.

Where cimsim needs a value an entry does not state, one global default is used, the same for every macro
(:data:`DEFAULTS` lists them with the reason); nothing is chosen per chip. A point that cannot be priced
honestly is left out with its reason (:func:`excluded_points`). Every usable published figure is an absolute
case (tolerance 15 %); for every macro with two or more usable points, the ratio of each point's figure to the
macro's first (reference) point with that figure is a trend case (tolerance 10 %). ``expected`` of every case
is pinned in :mod:`.macro_expected` (regenerate with ``benchmarks/validate_published.py --write-expected``
after a cost-model change).
"""

from __future__ import annotations

import functools
import math
import re
import statistics
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from importlib import resources
from typing import Any

from ..config.load import config_from_dict
from ..config.schema import Config
from ..cost import cim_breakdown
from ..errors import ConfigError
from ..mapping import analytic_counts, plan_layer

__all__ = [
    "MACRO_FILE", "NON_MACRO_COMPONENTS", "ABSOLUTE_TOLERANCE", "TREND_TOLERANCE", "VECTORS", "DEFAULTS",
    "Macro", "MacroPoint", "Figure", "MacroCase", "Exclusion", "Summary", "Unusable",
    "load_macros", "find_macro", "config_data", "macro_config", "model_point", "published_figures",
    "excluded_points", "macro_cases", "summarize", "macro_tables_markdown", "expected_outcomes_source",
    "config_summary", "GENERATED_BEGIN", "GENERATED_END", "presets_markdown", "defaults_markdown", "validation_section",
    "readme_summary", "generated_block", "with_generated_block", "README_BEGIN", "README_END",
]

MACRO_FILE = "published_macros.toml"
"""the data file, shipped in this package"""

NON_MACRO_COMPONENTS = frozenset({"buffers", "interconnect", "global_buffer", "noc", "dram", "programming", "leakage"})
"""breakdown components outside a macro; every other key (array, dac, sample_hold, adc, shift_add, accumulate and
any component the cost model adds, such as an adder tree) counts towards the macro's energy and area"""

ABSOLUTE_TOLERANCE = 0.15
"""largest accepted |model / published - 1| of an absolute figure"""
TREND_TOLERANCE = 0.10
"""largest accepted |model ratio / published ratio - 1| between two operating points of one macro"""
VECTORS = 1000
"""input vectors priced per point (the fill of the pipeline is 1 / VECTORS of the time)"""

DEFAULTS: dict[str, str] = {
    "rows_per_read": "all rows at once (= rows) when the entry gives no rows_per_read",
    "bits_per_read": "all magnitude bits in one read (dac.mode = parallel) when not stated; 1 -> bit_serial, "
                     "k below the magnitude bits -> sliced",
    "input_signed": "inputs unsigned (dac.signed_inputs = unsigned) unless input_signed = true; signed inputs read "
                    "whole are bipolar, signed inputs read in slices are two's complement (sign plane last)",
    "input_encoding": "voltage when not stated; for pulse encodings the cycle is one read of 2**bits_per_read - 1 "
                      "unit pulses (device.read_pulse_ns = cycle / unit pulses)",
    "analog_accumulation": "none (every input plane converted) when not stated; true -> adc.accumulation = planes; "
                           "weight_accumulation = true (weight-bit columns summed before the ADC), or an SRAM macro "
                           "whose UIUC B_w (weight bits per analog dot product) is >= 2 -> slices (both: "
                           "planes_and_slices), and an ADC serves cols_per_adc / (columns per weight) summed columns",
    "weights": "signed weights in the offset encoding (one cell per stored bit, a reference column per slice, "
               "subtracted before the ADC), as SRAM macros store two's-complement bits; a 1-bit weight is a binary "
               "weight in {-1, +1} (one cell storing (q + 1) / 2, recombined as 2 x column - reference after the "
               "ADC: digital subtraction); weight_levels L -> weight_bits log2(L + 1)",
    "bits_per_cell": "1 bit per cell when not stated, at most the stored weight bits",
    "adc_type": "sar/flash/ramp/vco as stated; 'other' that names an oscillator (CCO/VCO) -> vco; any other or "
                "no type -> sar (the schema default); fractional adc_bits -> bits = ceil, adc.enob = the figure",
    "cols_per_adc": "cols_per_adc as stated, else ceil(cols / adcs); a digital macro has no ADC",
    "clock": "cycle_ns, else 1000 / clock_mhz (a point's own value first, a value equal to the macro's is no "
             "change): one read per cycle (device.read_pulse_ns = cycle); technology.clock_ghz = clock_mhz where "
             "stated with it, else 1 / cycle; with neither, throughput figures are left out and energy uses the "
             "device preset's read pulse",
    "device": "resistive families take the shipped device preset of their cell (rram, pcm; mram and fefet the "
              "schema's default device named after the cell, so the cell family is priced right); SRAM and "
              "digital macros take the 'sram' device preset with device.read_voltage_v = vdd",
    "ops_per_mac": "the entry's ops_per_mac, 2 (one multiply and one add) when not stated",
    "adc.range": "max (the ADC covers the largest possible sum; no calibration data)",
}
"""every value cimsim needs that an entry may leave out, with the one global rule used for it"""

_FAMILY = {"rram": ("resistive", "rram"), "pcm": ("resistive", "pcm"), "mram": ("resistive", "mram"),
           "fefet": ("resistive", "fefet"), "sram-charge": ("charge", "sram"),
           "sram-current": ("current", "sram"), "digital": ("digital", "sram")}
_DEVICE_PRESETS = ("rram", "pcm", "sram")
_CONFIG_FIELDS = ("node_nm", "vdd_v", "rows", "cols", "rows_per_read", "input_bits", "input_signed", "bits_per_read",
                  "input_encoding", "analog_accumulation", "weight_accumulation", "weight_bits", "weight_levels", "bits_per_cell", "adc_bits",
                  "adc_type", "adcs", "cols_per_adc", "cycle_ns", "clock_mhz")
"""entry fields that set the configuration (a point's value overrides the macro's)"""
_UNMODELLED = ("avg_output_value", "one_phase", "read_phases", "uiuc_alpha", "uiuc_b_x", "uiuc_b_w")
"""point conditions cimsim's analytic counts do not see: trends are only formed between points that agree on them"""

# quantity -> (unit, raw field, 1b-normalised field)
_QUANTITIES: dict[str, tuple[str, str | None, str | None]] = {
    "tops_per_w": ("TOPS/W", "tops_per_w", "tops_per_w_1b_norm"),
    "tops": ("TOPS", "tops", "tops_1b_norm"),
    "tops_per_mm2": ("TOPS/mm2", "tops_per_mm2", "tops_per_mm2_1b_norm"),
    "energy_fj_per_mac": ("fJ/MAC", "energy_fj_per_mac", None),
    "energy_pj_per_mvm": ("pJ/MVM", None, None),
    "adc_energy_pj": ("pJ/conv", None, None),
    "area_mm2": ("mm2", "area_mm2", None),
}
_THROUGHPUT = ("tops", "tops_per_mm2")


_ENTRY_LIMITS: dict[str, str] = {
    "kim-jssc2021-colonnade": "the entry's bit cells each carry a full adder (a B-bit weight spans B + 7 columns, "
                              "bit-pipelined); cimsim prices an adder tree per column",
    "wan-nature2022-neurram": "the entry's neurons integrate and convert by charge decrement (steps = output bits), "
                              "priced here as a SAR ADC",
    "wu-isscc2022-tdcim": "the entry computes and converts in the time domain (TDC), priced here as a SAR ADC",
    "zigzag-isscc2023-7p8": "the entry's figure assumes 37.5 % input toggle and 50 % weight sparsity (ZigZag); "
                            "cimsim prices uniform data",
    "iscas2022-7t-65nm": "the entry's 2 GHz clock may be the input-pulse clock; cimsim takes it as one read",
    "spetalnick-isscc2022-rram": "the UIUC area figure (0.004 1b-TOPS/mm2 at 0.009 1b-TOPS) implies ~2 mm2 for a "
                                 "64 kb macro whose title states 2.37 Mb/mm2",
}
"""what each of these entries' notes say the macro does that its cimsim configuration cannot express (appended to
the why of a case outside its tolerance)"""


class Unusable(ValueError):
    """A point (or one of its figures) that cannot be compared; the message is the reason."""


# ---- the data -------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class MacroPoint:
    """One measured operating point of a macro."""

    macro: str
    index: int
    """position in the macro's list (0 = first)"""
    label: str
    """the entry's label, with ' (2)', ' (3)' appended to a repeated one"""
    source: str
    values: Mapping[str, Any]
    """the point's own fields"""
    fields: Mapping[str, Any]
    """configuration fields: the macro's, overridden by the point's"""

    @property
    def key(self) -> str:
        return f"{self.macro} / {self.label}"


@dataclass(frozen=True)
class Macro:
    """One published macro or chip."""

    key: str
    title: str
    source: str
    read_via: str
    family: str
    notes: str
    values: Mapping[str, Any]
    """the macro-level fields"""
    points: tuple[MacroPoint, ...]

    def point(self, label: str) -> MacroPoint:
        for p in self.points:
            if p.label == label:
                return p
        raise KeyError(f"macro {self.key!r} has no point {label!r}; points: {[p.label for p in self.points]}")


def _read_table() -> dict[str, Any]:
    with (resources.files("cimsim.validation") / MACRO_FILE).open("rb") as file:
        return tomllib.load(file)


@functools.cache
def load_macros() -> tuple[Macro, ...]:
    """Every macro of ``published_macros.toml`` with its points, in file order."""
    macros = []
    for entry in _read_table()["macro"]:
        values = {k: v for k, v in entry.items() if k != "point"}
        base = {k: v for k, v in values.items() if k in _CONFIG_FIELDS}
        points, seen = [], {}
        for i, raw in enumerate(entry.get("point", [])):
            label = str(raw["label"])
            seen[label] = seen.get(label, 0) + 1
            if seen[label] > 1:
                label = f"{label} ({seen[label]})"
            merged = dict(base)
            merged.update({k: v for k, v in raw.items() if k in _CONFIG_FIELDS})
            points.append(MacroPoint(entry["key"], i, label, str(raw.get("source", "")), dict(raw), merged))
        macros.append(Macro(entry["key"], entry["title"], entry["source"], entry["read_via"], entry["family"],
                            entry.get("notes", ""), values, tuple(points)))
    keys = [m.key for m in macros]
    if len(keys) != len(set(keys)):
        raise ValueError(f"{MACRO_FILE}: repeated macro keys")
    return tuple(macros)


def find_macro(key: str) -> Macro:
    for m in load_macros():
        if m.key == key:
            return m
    raise KeyError(f"no macro {key!r} in {MACRO_FILE}")


# ---- entry -> cimsim configuration ------------------------------------------------------------------------------
def _own(macro: Macro, point: MacroPoint) -> dict[str, Any]:
    """the point's fields that differ from the macro's (a point restating the macro's value adds nothing)"""
    return {k: v for k, v in point.values.items() if macro.values.get(k) != v}


def _timing(macro: Macro, point: MacroPoint) -> float | None:
    """the read cycle, ns: cycle_ns, else 1000 / clock_mhz, the point's own value first; None when neither"""
    for values in (_own(macro, point), macro.values):
        if "cycle_ns" in values:
            return float(values["cycle_ns"])
        if "clock_mhz" in values:
            return 1000.0 / float(values["clock_mhz"])
    return None


def _clock_ghz(macro: Macro, point: MacroPoint, cycle: float) -> float:
    """the digital clock: clock_mhz where stated next to the cycle in use, else one clock per read cycle"""
    for values in (_own(macro, point), macro.values):
        if "cycle_ns" in values or "clock_mhz" in values:
            return float(values["clock_mhz"]) / 1000.0 if "clock_mhz" in values else 1.0 / cycle
    return 1.0 / cycle


def _adc_type(stated: str | None) -> str:
    if stated in ("sar", "flash", "ramp", "vco"):
        return stated
    if stated and re.search(r"\b(CCO|VCO)\b|oscillator", stated):
        return "vco"
    return "sar"


def _weight_bits(f: Mapping[str, Any]) -> int:
    if "weight_bits" in f:
        return int(f["weight_bits"])
    levels = int(f["weight_levels"])
    bits = math.log2(levels + 1)
    if bits != int(bits):
        raise Unusable(f"{levels} weight levels is no signed cimsim weight (2**bits - 1 levels)")
    return int(bits)


def _uiuc_weight_group(macro: Macro) -> bool:
    """Whether the UIUC database gives the macro a group of >= 2 weight bits per analog dot product (B_w): in a
    1-bit-per-cell SRAM array those bits' columns are summed in the analog domain before one conversion."""
    return any(float(p.values.get("uiuc_b_w", 1)) >= 2 for p in macro.points)


def config_data(macro: Macro, point: MacroPoint) -> tuple[dict[str, Any], tuple[str, ...]]:
    """The cimsim config tables of one point (before validation) and the notes on the defaults it needed.

    Raises :class:`Unusable` when the entry lacks a value the model needs and no global default applies.
    """
    f = point.fields
    family, cell = _FAMILY.get(macro.family, (None, None))
    if family is None:
        raise Unusable(f"family {macro.family!r} has no cimsim counterpart")
    missing = [name for name in ("node_nm", "vdd_v", "rows", "cols", "input_bits") if name not in f]
    if "weight_bits" not in f and "weight_levels" not in f:
        missing.append("weight_bits")
    if family != "digital":
        missing += [n for n in ("adc_bits",) if n not in f]
        if "cols_per_adc" not in f and "adcs" not in f:
            missing.append("adcs / cols_per_adc")
    if missing:
        raise Unusable("not stated: " + ", ".join(missing))
    notes: list[str] = []
    rows, cols, vdd = int(f["rows"]), int(f["cols"]), float(f["vdd_v"])
    rows_per_read = int(f.get("rows_per_read", rows))
    input_bits = int(f["input_bits"])
    signed = bool(f.get("input_signed", False))
    magnitude = input_bits - 1 if signed else input_bits
    k = f.get("bits_per_read")
    if k is None or int(k) >= magnitude:
        dac: dict[str, Any] = {"mode": "parallel"}
        k = magnitude
    elif int(k) == 1:
        dac = {"mode": "bit_serial"}
        k = 1
    else:
        dac = {"mode": "sliced", "bits_per_read": int(k)}
        k = int(k)
    if signed:
        dac["signed_inputs"] = "bipolar" if dac["mode"] == "parallel" else "twos_complement"
    else:
        dac["signed_inputs"] = "unsigned"
    dac["input_bits"] = input_bits
    encoding = str(f.get("input_encoding", "voltage"))
    dac["encoding"] = encoding
    weight_bits = _weight_bits(f)
    bits_per_cell = min(int(f.get("bits_per_cell", 1)), weight_bits)
    if family == "resistive" and "bits_per_cell" not in f:
        notes.append("bits per cell not stated: 1")
    mapping = {"weight_bits": weight_bits, "signed_encoding": "offset",
               "subtraction": "digital" if weight_bits == 1 else "analog"}
    cycle = _timing(macro, point)
    device: dict[str, Any] = {"preset": cell} if cell in _DEVICE_PRESETS else {"name": cell}
    device["bits_per_cell"] = bits_per_cell
    if family != "resistive":
        device["read_voltage_v"] = vdd
    technology: dict[str, Any] = {"node_nm": float(f["node_nm"]), "vdd_v": vdd}
    if cycle is not None:
        pulses = 2 ** k - 1 if encoding != "voltage" else 1
        device["read_pulse_ns"] = cycle / pulses
        if pulses > 1:
            notes.append(f"{encoding} input: one read of {pulses} unit pulses per {cycle:.3g} ns cycle")
        technology["clock_ghz"] = _clock_ghz(macro, point, cycle)
        own = _own(macro, point)
        if "cycle_ns" not in own and "clock_mhz" not in own and "vdd_v" in own:
            notes.append(f"cycle of the macro's {macro.values.get('vdd_v')} V figure (none stated at {vdd:g} V)")
    else:
        notes.append("no clock stated: the device preset's read pulse and a 1 GHz clock")
    adc: dict[str, Any] = {"range": "max"}
    if family != "digital":
        stated_bits = float(f["adc_bits"])
        adc["bits"] = math.ceil(stated_bits)
        if stated_bits != adc["bits"]:
            adc["enob"] = stated_bits
        adc["type"] = _adc_type(f.get("adc_type"))
        if f.get("adc_type") and adc["type"] != f.get("adc_type"):
            notes.append(f"ADC '{f['adc_type']}' priced as {adc['type']}")
        adc["cols_per_adc"] = int(f["cols_per_adc"]) if "cols_per_adc" in f else math.ceil(cols / int(f["adcs"]))
        planes = bool(f.get("analog_accumulation"))
        weights = bool(f.get("weight_accumulation")) or (family in ("charge", "current") and _uiuc_weight_group(macro))
        if planes or weights:
            adc["accumulation"] = {(True, False): "planes", (False, True): "slices",
                                   (True, True): "planes_and_slices"}[(planes, weights)]
        if weights:  # an ADC serves summed columns: the entry's physical columns per ADC over a weight's columns
            adc["cols_per_adc"] = max(1, adc["cols_per_adc"] // math.ceil(weight_bits / bits_per_cell))
    data = {
        "name": point.key,
        "array": {"family": family, "rows": rows, "cols": cols, "rows_per_read": rows_per_read},
        "device": device, "mapping": mapping, "dac": dac, "adc": adc, "technology": technology,
        "workload": {"kind": "dense", "in_features": rows, "out_features": 1, "vectors": VECTORS},
    }
    return data, tuple(notes)


def _validated(data: Mapping[str, Any], source: str) -> Config:
    try:
        return config_from_dict(data, source)
    except ConfigError as exc:
        raise Unusable("cimsim refuses the configuration: " + "; ".join(m for _, m in exc.errors)) from None


@functools.cache
def _config(macro_key: str, index: int) -> tuple[Config, tuple[str, ...]]:
    m = find_macro(macro_key)
    point = m.points[index]
    data, notes = config_data(m, point)
    source = f"{MACRO_FILE}: {point.key}"
    config = _validated(data, source)
    try:
        outputs = plan_layer(config).outputs_per_array
    except ValueError as exc:
        raise Unusable(f"cimsim cannot map the macro: {exc}") from None
    data["workload"]["out_features"] = outputs
    return _validated(data, source), notes


def macro_config(macro: Macro | str, point: MacroPoint | str) -> Config:
    """The cimsim configuration of one operating point: one full macro as the workload (in_features = rows,
    out_features = the outputs one array holds). Raises :class:`Unusable` with the reason when it cannot be built."""
    m = find_macro(macro) if isinstance(macro, str) else macro
    p = m.point(point) if isinstance(point, str) else point
    return _config(m.key, p.index)[0]


def _ops_per_mac(point: MacroPoint) -> float:
    return float(point.values.get("ops_per_mac", 2))


@functools.cache
def _model(macro_key: str, index: int) -> dict[str, Any]:
    m = find_macro(macro_key)
    point = m.points[index]
    config = _config(macro_key, index)[0]
    plan = plan_layer(config)
    counts = analytic_counts(plan, config.workload.vectors)
    b = cim_breakdown(config, plan, counts)
    energy = {k: v for k, v in b.energy_pj.items() if k not in NON_MACRO_COMPONENTS}
    area = {k: v for k, v in b.area_um2.items() if k not in NON_MACRO_COMPONENTS}
    energy_pj, area_mm2, seconds = sum(energy.values()), sum(area.values()) * 1e-6, b.compute_ns * 1e-9
    ops = _ops_per_mac(point) * b.macs
    tops = ops / seconds / 1e12 if seconds > 0 else math.inf
    return {
        "tops_per_w": ops / energy_pj if energy_pj > 0 else math.inf,
        "tops": tops,
        "tops_per_mm2": tops / area_mm2 if area_mm2 > 0 else math.inf,
        "energy_fj_per_mac": energy_pj * 1e3 / b.macs,
        "energy_pj_per_mvm": energy_pj / b.mvms,
        "adc_energy_pj": b.energy_pj.get("adc", 0.0) / counts.adc_conversions if counts.adc_conversions else math.nan,
        "area_mm2": area_mm2,
        "energy_share": {k: v / energy_pj for k, v in energy.items()} if energy_pj > 0 else {},
        "area_share": {k: v * 1e-6 / area_mm2 for k, v in area.items()} if area_mm2 > 0 else {},
        "macs_per_vector": b.macs // b.mvms,
        "outputs": plan.out_features,
        "reads_per_vector": plan.reads_per_vector,
        "ns_per_vector": b.compute_ns / b.mvms,
    }


def model_point(macro: Macro | str, point: MacroPoint | str) -> dict[str, Any]:
    """cimsim's figures of one operating point: tops_per_w, tops, tops_per_mm2 (the entry's ops per MAC),
    energy_fj_per_mac, energy_pj_per_mvm, adc_energy_pj, area_mm2 (macro components only; time = compute_ns),
    plus energy_share (fraction per macro component), macs_per_vector and outputs."""
    m = find_macro(macro) if isinstance(macro, str) else macro
    p = m.point(point) if isinstance(point, str) else point
    _config(m.key, p.index)  # raises Unusable first
    return _model(m.key, p.index)


# ---- published figures and the usability filter ------------------------------------------------------------
@dataclass(frozen=True)
class Figure:
    """One published figure of a point (raw, or derived from a 1b-normalised one)."""

    quantity: str
    unit: str
    value: float
    derived: str = ""
    """how the value was derived from the entry ('' = as published)"""
    macs: int | None = None
    """MACs of the published MVM (energy per MVM): the model's energy per MAC is priced at this count"""


@dataclass(frozen=True)
class Exclusion:
    """A point, or one figure of it, left out of the comparison, and why."""

    macro: str
    label: str
    what: str
    """'point' or the quantity"""
    reason: str


def _digitized(point: MacroPoint) -> bool:
    return "digitized" in point.source


def _precision(point: MacroPoint) -> tuple[int, int] | None:
    f = point.fields
    if "input_bits" in f and "weight_bits" in f:
        return int(f["input_bits"]), int(f["weight_bits"])
    return None


def published_figures(macro: Macro, point: MacroPoint) -> tuple[list[Figure], list[Exclusion]]:
    """The figures of one point that can be compared, and the ones that cannot with the reason."""
    v = point.values
    figures: list[Figure] = []
    out: list[Exclusion] = []

    def skip(what: str, reason: str) -> None:
        out.append(Exclusion(macro.key, point.label, what, reason))

    for quantity, (unit, raw, norm) in _QUANTITIES.items():
        if quantity in ("tops", "area_mm2") and (raw in v or (norm and norm in v)) and (_n_core(macro) or 1) > 1:
            skip(quantity, f"{quantity} of a design of {_n_core(macro)} cores or banks (entry notes): whether the "
                           "figure is one core's is not stated")
        elif raw and raw in v:
            figures.append(Figure(quantity, unit, float(v[raw])))
        elif norm and norm in v:
            precision = _precision(point)
            b_w = v.get("uiuc_b_w")
            if precision is None:
                skip(quantity, "only a 1b-normalised UIUC figure, and the entry states no input and weight precision "
                               "to undo the normalisation")
            elif b_w is not None and float(b_w) != int(float(b_w)):
                skip(quantity, f"only a 1b-normalised UIUC figure, normalised with fractional weight bits (B_w "
                               f"{b_w}): the raw figure cannot be recovered from the stated precision")
            else:
                bx, bw = precision
                figures.append(Figure(quantity, unit, float(v[norm]) / (bx * bw),
                                      f"UIUC 1b-normalised {v[norm]:g} / ({bx} x {bw}) bits"))
    if "energy_pj" in v:
        per = str(v.get("energy_per", ""))
        if per.startswith("one ADC conversion"):
            figures.append(Figure("adc_energy_pj", "pJ/conv", float(v["energy_pj"])))
        elif per.startswith("one full-array"):
            macs = re.search(r"\((\d+) MACs\)", per)
            figures.append(Figure("energy_pj_per_mvm", "pJ/MVM", float(v["energy_pj"]),
                                  macs=int(macs.group(1)) if macs else None))
        else:
            skip("energy_pj", f"energy per '{per}': the MVM the UIUC database prices (rows, columns, precision, "
                              "cores) is not stated")
    for name in ("wl_switching_fj_per_mac", "neuron_fj_per_mac", "input_pulse_fj_per_mac"):
        if name in v:
            skip(name, "component of a measured energy breakdown with no cimsim component of the same extent")
    if "latency_ns" in v:
        skip("latency_ns", "latency of one MVM including the output pipeline; not compared")
    return figures, out


def _n_core(macro: Macro) -> int | None:
    """cores (UIUC 'N_core') or banks the entry's notes give the design, None when they give neither"""
    match = re.search(r"N_core (\d+)|(\d+) banks", macro.notes)
    return int(match.group(1) or match.group(2)) if match else None


def _point_exclusion(macro: Macro, point: MacroPoint) -> str | None:
    """why a whole point is left out (before building its config), or None"""
    if "treat with caution" in macro.notes:
        return "the entry flags the figure as unreliable ('" + re.search(
            r"[^.]*treat with caution[^.]*", macro.notes).group(0).strip() + "')"
    if "system-level" in point.source or "system level" in point.label:
        return "system-level figure (includes energy outside the macro)"
    if point.values.get("one_phase") is False:
        return ("two-phase input (MSB/LSB phases): the phase split is described in the notes only, not as a "
                "configuration field")
    if "read_phases" in point.values:
        return "read mode (read_phases) of a whole chip, with no cimsim counterpart"
    return None


def _explained(point: MacroPoint, reason: str) -> str:
    """the reason a point's config cannot be built, said in the entry's terms where they explain it"""
    raw = [f for f in ("tops_per_w", "tops", "tops_per_mm2", "energy_fj_per_mac") if f in point.values]
    if reason.startswith("not stated:") and "input_bits" in reason and not raw and any(
            k.endswith("_1b_norm") for k in point.values):
        return ("only 1b-normalised UIUC figures and no input or weight precision to undo the normalisation (UIUC's "
                "B_x and B_w are bits per invocation and per cell group, not the operand precisions); " + reason)
    return reason


@dataclass(frozen=True)
class _Usable:
    macro: Macro
    point: MacroPoint
    figures: tuple[Figure, ...]
    notes: tuple[str, ...]


@functools.cache
def _survey() -> tuple[tuple[_Usable, ...], tuple[Exclusion, ...]]:
    usable: list[_Usable] = []
    excluded: list[Exclusion] = []
    for m in load_macros():
        for p in m.points:
            reason = _point_exclusion(m, p)
            if reason is None:
                try:
                    _, notes = _config(m.key, p.index)
                except Unusable as exc:
                    reason = _explained(p, str(exc))
            if reason is not None:
                excluded.append(Exclusion(m.key, p.label, "point", reason))
                continue
            figures, skipped = published_figures(m, p)
            if _timing(m, p) is None:
                for fig in [f for f in figures if f.quantity in _THROUGHPUT]:
                    skipped.append(Exclusion(m.key, p.label, fig.quantity,
                                             "no clock or cycle time stated: throughput not predictable"))
                figures = [f for f in figures if f.quantity not in _THROUGHPUT]
            excluded.extend(skipped)
            if figures:
                usable.append(_Usable(m, p, tuple(figures), notes))
            elif not skipped:
                excluded.append(Exclusion(m.key, p.label, "point", "no published figure cimsim computes"))
    return tuple(usable), tuple(excluded)


def excluded_points() -> tuple[Exclusion, ...]:
    """Every point or figure left out of the comparison, with its reason."""
    return _survey()[1]


# ---- cases --------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class MacroCase:
    """A published figure (absolute) or a ratio of two operating points of one macro (trend) next to cimsim's."""

    key: str
    macro: str
    point: str
    """label of the point (trend: 'point vs reference')"""
    quantity: str
    unit: str
    published: float
    model: float
    tolerance: float
    kind: str
    """'absolute' or 'trend'"""
    source: str
    why: str
    expected: str = ""
    """'pass' or 'gap' as pinned in macro_expected ('' when not pinned)"""

    @property
    def error(self) -> float:
        """model / published - 1"""
        return self.model / self.published - 1.0

    @property
    def passed(self) -> bool:
        return math.isfinite(self.error) and abs(self.error) <= self.tolerance


def _top(shares: Mapping[str, float]) -> str:
    top = sorted(shares.items(), key=lambda kv: -kv[1])[:3]
    return ", ".join(f"{k} {100 * v:.0f} %" for k, v in top)


def _diagnosis(quantity: str, model: Mapping[str, Any]) -> str:
    """what the model's figure is made of, for a case outside its tolerance"""
    energy = f"model energy {_top(model['energy_share'])}"
    time = (f"model {model['reads_per_vector']} reads x {model['ns_per_vector'] / model['reads_per_vector']:.3g} ns "
            f"per vector of {model['macs_per_vector']} MACs")
    area = f"model area {model['area_mm2']:.3g} mm2 ({_top(model['area_share'])})"
    return {"tops": time, "tops_per_mm2": f"{time}; {area}", "area_mm2": area,
            "adc_energy_pj": "model ADC energy per conversion at the macro's sampling rate"}.get(quantity, energy)


def _why(u: _Usable, fig: Figure, model: Mapping[str, Any], error: float) -> str:
    parts = []
    if fig.derived:
        parts.append(fig.derived)
    if fig.macs is not None:
        parts.append(f"model energy per MAC x the stated {fig.macs} MACs")
    if _digitized(u.point):
        parts.append("digitized from a plot")
    if "ops_per_mac" not in u.point.values and fig.quantity in ("tops_per_w", "tops", "tops_per_mm2"):
        parts.append("ops per MAC not stated: 2")
    if "avg_output_value" in u.point.values:
        parts.append(f"data-dependent (average output {u.point.values['avg_output_value']}); cimsim prices "
                     "uniform random data")
    parts.extend(u.notes)
    if not (math.isfinite(error) and abs(error) <= ABSOLUTE_TOLERANCE):
        parts.append(f"model {'high' if error > 0 else 'low'}: {_diagnosis(fig.quantity, model)}")
        if u.macro.key in _ENTRY_LIMITS:
            parts.append(_ENTRY_LIMITS[u.macro.key])
    return "; ".join(parts) if parts else "independent prediction"


def _expected() -> Mapping[str, str]:
    try:
        from .macro_expected import EXPECTED
    except ImportError:  # pragma: no cover - before the first generation
        return {}
    return EXPECTED


@functools.cache
def _cases() -> tuple[MacroCase, ...]:
    usable, _ = _survey()
    expected = _expected()
    cases: list[MacroCase] = []
    by_macro: dict[str, list[tuple[_Usable, Figure, float]]] = {}
    for u in usable:
        model = _model(u.macro.key, u.point.index)
        for fig in u.figures:
            value = float(model[fig.quantity])
            if fig.macs is not None:
                value = model["energy_fj_per_mac"] * fig.macs * 1e-3
            key = f"{u.point.key} / {fig.quantity}"
            error = value / fig.value - 1.0
            cases.append(MacroCase(key, u.macro.key, u.point.label, fig.quantity, fig.unit, fig.value, value,
                                   ABSOLUTE_TOLERANCE, "absolute", u.point.source, _why(u, fig, model, error),
                                   expected.get(key, "")))
            by_macro.setdefault(u.macro.key, []).append((u, fig, value))
    for macro_key, entries in by_macro.items():
        if len({u.point.index for u, _, _ in entries}) < 2:
            continue
        refs: dict[str, tuple[_Usable, Figure, float]] = {}
        for u, fig, value in entries:
            ref = refs.setdefault(fig.quantity, (u, fig, value))
            ref_u, ref_fig, ref_value = ref
            if ref_u is u:
                continue
            if any(u.point.values.get(c) != ref_u.point.values.get(c) for c in _UNMODELLED):
                continue  # differs in a condition the model does not see
            if _same_config(macro_key, u.point.index, ref_u.point.index):
                continue  # same configuration: a repeat of the reference, not a trend
            published = fig.value / ref_fig.value
            model_ratio = value / ref_value
            key = f"{macro_key} / {u.point.label} vs {ref_u.point.label} / {fig.quantity}"
            changed = _changed_fields(u.point, ref_u.point)
            why = f"ratio to '{ref_u.point.label}' ({changed})"
            if fig.derived or ref_fig.derived:
                why += "; from UIUC 1b-normalised figures"
            if not abs(model_ratio / published - 1.0) <= TREND_TOLERANCE:
                why += f"; model ratio {model_ratio:.3g} vs published {published:.3g}"
                if macro_key in _ENTRY_LIMITS:
                    why += f"; {_ENTRY_LIMITS[macro_key]}"
            cases.append(MacroCase(key, macro_key, f"{u.point.label} vs {ref_u.point.label}", fig.quantity,
                                   "ratio", published, model_ratio, TREND_TOLERANCE, "trend", u.point.source, why,
                                   expected.get(key, "")))
    return tuple(cases)


def _same_config(macro_key: str, i: int, j: int) -> bool:
    a, b = _config(macro_key, i)[0], _config(macro_key, j)[0]
    return replace(a, name="", source="") == replace(b, name="", source="")


def _changed_fields(p: MacroPoint, ref: MacroPoint) -> str:
    names = [k for k in _CONFIG_FIELDS if p.fields.get(k) != ref.fields.get(k)]
    return ", ".join(f"{k} {ref.fields.get(k)} -> {p.fields.get(k)}" for k in names) or "same stated fields"


def macro_cases() -> tuple[MacroCase, ...]:
    """Every absolute and trend case, in file order (absolute first)."""
    return _cases()


# ---- summary and rendering --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Summary:
    macros: int
    """macros in the file"""
    points: int
    """measured points in the file"""
    usable_macros: int
    usable_points: int
    families: tuple[str, ...]
    """families of the usable macros"""
    sweeps: int
    """usable macros with two or more usable points (measured sweeps of one chip)"""
    absolute: int
    trends: int
    median_abs_error: float
    """median |error| of the absolute cases"""
    median_of_macro_medians: float
    """median over macros of each macro's median |error| (so one long sweep does not dominate)"""
    within_absolute: float
    """share of absolute cases within 15 %"""
    within_trend: float
    """share of trend cases within 10 %"""
    excluded_points: int


def summarize(cases: Iterable[MacroCase] | None = None) -> Summary:
    cases = tuple(macro_cases() if cases is None else cases)
    usable, excluded = _survey()
    absolute = [c for c in cases if c.kind == "absolute"]
    trends = [c for c in cases if c.kind == "trend"]
    points_by_macro: dict[str, set[int]] = {}
    for u in usable:
        points_by_macro.setdefault(u.macro.key, set()).add(u.point.index)
    per_macro: dict[str, list[float]] = {}
    for c in absolute:
        per_macro.setdefault(c.macro, []).append(abs(c.error))
    families = sorted({u.macro.family for u in usable})
    macros = load_macros()
    return Summary(
        macros=len(macros), points=sum(len(m.points) for m in macros),
        usable_macros=len(points_by_macro), usable_points=sum(len(s) for s in points_by_macro.values()),
        families=tuple(families), sweeps=sum(len(s) >= 2 for s in points_by_macro.values()),
        absolute=len(absolute), trends=len(trends),
        median_abs_error=statistics.median(abs(c.error) for c in absolute) if absolute else math.nan,
        median_of_macro_medians=(statistics.median(statistics.median(v) for v in per_macro.values())
                                 if per_macro else math.nan),
        within_absolute=sum(c.passed for c in absolute) / len(absolute) if absolute else math.nan,
        within_trend=sum(c.passed for c in trends) / len(trends) if trends else math.nan,
        excluded_points=len({(e.macro, e.label) for e in excluded if e.what == "point"}),
    )


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _verdict(c: MacroCase) -> str:
    v = "pass" if c.passed else "MISS"
    if c.expected == "gap":
        v += " (known gap)"
    return v


def config_summary(config: Config) -> str:
    """One line of what a point's cimsim configuration says."""
    a, d, m, c, t, dv = config.array, config.dac, config.mapping, config.adc, config.technology, config.device
    plan = plan_layer(config)
    read = {"parallel": "all bits per read", "bit_serial": "bit-serial"}.get(d.mode, f"{d.bits_per_read}b per read")
    adc = "no ADC" if a.family == "digital" else (
        f"ADC {c.bits}b {c.type}{f' (ENOB {c.enob:g})' if c.enob else ''}, {c.cols_per_adc} cols/ADC"
        + (", planes summed" if c.accumulation == "planes" else ""))
    return (f"{a.family} ({dv.name}), {a.rows}x{a.cols}, {plan.rows_per_read} rows/read; in {d.input_bits}b "
            f"{d.signed_inputs}, {read}, {d.encoding}; w {m.weight_bits}b {m.signed_encoding}, "
            f"{dv.bits_per_cell}b/cell, {plan.outputs_per_array} outputs; {adc}; {t.node_nm:g} nm {t.vdd_v:g} V; "
            f"read {dv.read_pulse_ns:.3g} ns, clock {t.clock_ghz:.3g} GHz")


def macro_tables_markdown(cases: Iterable[MacroCase] | None = None) -> str:
    """The macro tables: absolute cases, trend cases, the summary and the exclusions, as Markdown."""
    cases = tuple(macro_cases() if cases is None else cases)
    s = summarize(cases)
    out = ["| macro | point | quantity | model | published | unit | error | tol. | result | why | source |",
           "|---|---|---|---:|---:|---|---:|---:|---|---|---|"]
    for c in cases:
        if c.kind == "absolute":
            out.append(f"| {c.macro} | {_cell(c.point)} | {c.quantity} | {c.model:.4g} | {c.published:.4g} | {c.unit} "
                       f"| {100 * c.error:+.1f} % | ±{100 * c.tolerance:.0f} % | {_verdict(c)} | {_cell(c.why)} "
                       f"| {_cell(c.source)} |")
    out += ["", "| macro | point vs reference | quantity | model ratio | published ratio | error | tol. | result "
                "| why |", "|---|---|---|---:|---:|---:|---:|---|---|"]
    for c in cases:
        if c.kind == "trend":
            out.append(f"| {c.macro} | {_cell(c.point)} | {c.quantity} | {c.model:.4g} | {c.published:.4g} "
                       f"| {100 * c.error:+.1f} % | ±{100 * c.tolerance:.0f} % | {_verdict(c)} | {_cell(c.why)} |")
    out += ["", "| summary | value |", "|---|---:|",
            f"| macros / points in {MACRO_FILE} | {s.macros} / {s.points} |",
            f"| usable macros / points | {s.usable_macros} / {s.usable_points} |",
            f"| families of the usable macros | {', '.join(s.families)} |",
            f"| measured sweeps (usable macros with >= 2 usable points) | {s.sweeps} |",
            f"| points left out | {s.excluded_points} |",
            f"| absolute cases / trend cases | {s.absolute} / {s.trends} |",
            f"| median \\|error\\| of the absolute cases | {100 * s.median_abs_error:.1f} % |",
            f"| median over macros of each macro's median \\|error\\| | {100 * s.median_of_macro_medians:.1f} % |",
            f"| absolute cases within ±{100 * ABSOLUTE_TOLERANCE:.0f} % | {100 * s.within_absolute:.0f} % |",
            f"| trend cases within ±{100 * TREND_TOLERANCE:.0f} % | {100 * s.within_trend:.0f} % |"]
    out += ["", "| family | macros | absolute cases | median \\|error\\| | absolute within ±15 % | trends | trends within ±10 % |",
            "|---|---:|---:|---:|---:|---:|---:|"]
    family = {m.key: m.family for m in load_macros()}
    for fam in s.families:
        a = [c for c in cases if c.kind == "absolute" and family[c.macro] == fam]
        t = [c for c in cases if c.kind == "trend" and family[c.macro] == fam]
        med = f"{100 * statistics.median(abs(c.error) for c in a):.1f} %" if a else "-"
        out.append(f"| {fam} | {len({c.macro for c in a})} | {len(a)} | {med} | "
                   f"{sum(c.passed for c in a)} | {len(t)} | {sum(c.passed for c in t)} |")
    out += ["", "| macro | point | left out | reason |", "|---|---|---|---|"]
    for e in excluded_points():
        out.append(f"| {e.macro} | {_cell(e.label)} | {e.what} | {_cell(e.reason)} |")
    out += ["", "| macro | point | cimsim configuration (from the entry and the global defaults) |", "|---|---|---|"]
    for u in _survey()[0]:
        out.append(f"| {u.macro.key} | {_cell(u.point.label)} | {_cell(config_summary(_config(u.macro.key, u.point.index)[0]))} |")
    out += ["", "| macro | family | node | paper | read via |", "|---|---|---:|---|---|"]
    for m in load_macros():
        out.append(f"| {m.key} | {m.family} | {m.values.get('node_nm', '')} nm | {_cell(m.title)}; {_cell(m.source)} "
                   f"| {_cell(m.read_via)} |")
    return "\n".join(out)


def expected_outcomes_source(cases: Iterable[MacroCase] | None = None) -> str:
    """The text of :mod:`.macro_expected` pinning today's outcome of every case ('pass' / 'gap')."""
    cases = tuple(macro_cases() if cases is None else cases)
    lines = ['"""Expected outcome of every published-macro case (cimsim.validation.macros), pinned from a run.',
             "",
             "Generated by ``benchmarks/validate_published.py --write-expected``; do not edit by hand. A case that",
             "changes outcome after a cost-model change fails tests/test_validation_macros.py until this file is",
             'regenerated (and docs/validation.md with ``--write``)."""',
             "",
             "EXPECTED: dict[str, str] = {"]
    for c in cases:
        lines.append(f"    {c.key!r}: {'pass' if c.passed else 'gap'!r},")
    lines.append("}")
    return "\n".join(lines) + "\n"


# ---- the generated section of docs/validation.md -------------------------------------------------------------
GENERATED_BEGIN = "<!-- generated: validate_published -->"
GENERATED_END = "<!-- end generated -->"
README_BEGIN = "<!-- generated: validation-summary -->"
README_END = "<!-- end generated: validation-summary -->"
"""markers of README's validation summary (:func:`readme_summary`), where README has them"""


def presets_markdown() -> str:
    """The preset cases (:mod:`.published`), their count and the ISAAC / DaDianNao gains, as Markdown."""
    from .compare import markdown_table, validate
    from .gains import PAPER_GAINS, isaac_vs_dadiannao

    results = validate()
    gains = isaac_vs_dadiannao()
    lines = [markdown_table(results), "",
             f"{sum(r.passed for r in results)} of {len(results)} cases within their tolerance.", "",
             "| ISAAC / DaDianNao | cimsim | ISAAC paper |", "|---|---:|---:|"]
    lines += [f"| {name} | {getattr(gains, name):.2f}x | {paper:.1f}x |" for name, paper in PAPER_GAINS.items()]
    return "\n".join(lines)


def defaults_markdown() -> str:
    """The global defaults of :data:`DEFAULTS` as a Markdown list."""
    return "\n".join(f"- `{name}`: {rule}" for name, rule in DEFAULTS.items())


def validation_section() -> str:
    """The generated text of docs/validation.md (between :data:`GENERATED_BEGIN` and :data:`GENERATED_END`):
    the preset tables, then the published-macro tables (absolute, trend, summary, exclusions) and the defaults."""
    s = summarize()
    return "\n".join([
        presets_markdown(), "",
        "## Published macros and chips",
        "",
        f"`cimsim.validation.macros` runs every usable operating point of `{MACRO_FILE}` through the cost model "
        f"(one full macro, {VECTORS} vectors, analytic counts, `cim_breakdown`; macro components only: everything "
        f"but {', '.join(sorted(NON_MACRO_COMPONENTS))}). Absolute figures are held to "
        f"±{100 * ABSOLUTE_TOLERANCE:.0f} %, ratios between two operating points of one macro (trends) to "
        f"±{100 * TREND_TOLERANCE:.0f} %; 'known gap' marks a case pinned as outside its tolerance "
        "(`cimsim.validation.macro_expected`).",
        "",
        f"Summary: {s.usable_macros} of {s.macros} macros and {s.usable_points} of {s.points} points usable "
        f"({', '.join(s.families)}; {s.sweeps} measured sweeps); median |error| {100 * s.median_abs_error:.1f} % "
        f"over {s.absolute} absolute cases, {100 * s.within_absolute:.0f} % within ±"
        f"{100 * ABSOLUTE_TOLERANCE:.0f} %; {100 * s.within_trend:.0f} % of {s.trends} trends within ±"
        f"{100 * TREND_TOLERANCE:.0f} %.",
        "",
        "Values an entry does not state take one global default each, the same for every macro:",
        "",
        defaults_markdown(), "",
        macro_tables_markdown(),
    ])


def readme_summary() -> str:
    """One paragraph for README's validation summary, from the same run."""
    s = summarize()
    return (f"Validation against {s.usable_macros} published CIM macros and chips ({s.usable_points} measured "
            f"points, {', '.join(s.families)}; {s.sweeps} sweeps of one chip): median |error| "
            f"{100 * s.median_abs_error:.1f} % over the cases ({100 * s.median_of_macro_medians:.1f} % over the macros' "
            f"medians), {100 * s.within_absolute:.0f} % of {s.absolute} absolute figures "
            f"within ±{100 * ABSOLUTE_TOLERANCE:.0f} %, {100 * s.within_trend:.0f} % of {s.trends} trends within ±"
            f"{100 * TREND_TOLERANCE:.0f} % (docs/validation.md).")


def generated_block(text: str, begin: str = GENERATED_BEGIN, end: str = GENERATED_END) -> str:
    """The generated section of a document's ``text`` (between the markers), or a ValueError."""
    try:
        start = text.index(begin) + len(begin)
        stop = text.index(end, start)
    except ValueError:
        raise ValueError(f"the document has no '{begin}' ... '{end}' section") from None
    return text[start:stop].strip("\n")


def with_generated_block(text: str, section: str | None = None, begin: str = GENERATED_BEGIN,
                         end: str = GENERATED_END) -> str:
    """``text`` with its generated section replaced by ``section`` (default: :func:`validation_section`)."""
    generated_block(text, begin, end)  # both markers present
    section = validation_section() if section is None else section
    start = text.index(begin) + len(begin)
    stop = text.index(end, start)
    return text[:start] + "\n" + section + "\n" + text[stop:]
