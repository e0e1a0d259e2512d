"""How far the cost model's figures agree with published silicon, for the family a design belongs to.

Reports quote the validation record of ``cimsim/validation/record.json``: per family of the published macros and
chips of docs/validation.md (rram, pcm, mram, sram-charge, sram-current, digital), the median |error| (a signed
factor, :func:`cimsim.validation.published.fold_error`) of their energy, density and throughput figures, how many
fall within the tolerance, and how many trends (ratios between two operating points of one chip) do.
``benchmarks/validate_published.py --write`` regenerates it from the run, and a test holds it equal to one.

The record also gives the energy gain a range (:func:`energy_gain_range`): the gain with the macro's energy (its
arrays and converters, :data:`~cimsim.cost.cim.MACRO_COMPONENTS`, what the published macros' figures cover) taken
at the lower quartile, median and upper quartile of silicon / model over the family's published macros, each macro
counted once (its median over its energy figures: a long sweep of one chip is one chip, and a new design is one
more). It says how far the headline gain moves if the macro errs as the model did on silicon; the rest of the
energy (buffers, DRAM, network) is taken as priced. The CIM area gets one from the macros' compute densities
(:func:`area_range`).
"""

from __future__ import annotations

import copy
import functools
import json
from collections.abc import Iterable
from pathlib import Path

from ..breakdown import Breakdown, ReadOnlyDict
from ..config.modes import ArrayFamily
from ..config.schema import Config
from .cells import cell_family
from .cim import MACRO_COMPONENTS

__all__ = ["RECORD_FILE", "RECORD_DOC", "MIN_RANGE_MACROS", "RANGE_NOTE", "validation_record", "record_family",
           "family_record", "record_line", "energy_gain_range", "area_range", "gain_range_line", "area_range_line",
           "gain_range_cell", "TREND_VARIABLES", "axis_trend_lines"]

RECORD_FILE = Path(__file__).resolve().parents[1] / "validation" / "record.json"
"""the shipped validation record"""

RECORD_DOC = "docs/validation.md"
"""where the record's cases are tabulated, as reports cite it"""
MIN_RANGE_MACROS = 4
"""published macros with figures of a kind (energy, density) a family needs for a range of that kind
(:func:`energy_gain_range`, :func:`area_range`) and for the record line's spread over macros: quartiles of fewer
chips say little"""
RANGE_NOTE = ("In brackets, an energy gain's range with the macro's energy at silicon / model over the middle half of "
              f"its family's published macros ({RECORD_DOC}).")
"""what the bracketed range after an energy gain in a table means"""
TREND_VARIABLES = {"technology.vdd_v": "vdd_v", "technology.node_nm": "node_nm", "technology.clock_ghz": "clock",
                   "dac.input_bits": "input_bits", "dac.bits_per_read": "bits_per_read",
                   "mapping.weight_bits": "weight_bits", "device.bits_per_cell": "bits_per_cell",
                   "adc.bits": "adc_bits", "adc.type": "adc_type", "array.rows": "rows", "array.cols": "cols",
                   "array.rows_per_read": "rows_per_read", "workload.input_zero_fraction": "input_zero_fraction",
                   "workload.weight_zero_fraction": "weight_zero_fraction"}
"""config field a sweep varies -> the operating variable of the published macros' trends that test the same law
(``validation.macro_trends.varied``'s names)"""
_FAMILIES = {ArrayFamily.CHARGE: "sram-charge", ArrayFamily.CURRENT: "sram-current", ArrayFamily.DIGITAL: "digital"}
_KINDS = (("energy", "energy"), ("density", "compute density"), ("throughput", "throughput"))


@functools.cache
def _shipped_record() -> dict:
    """the shipped record, read once (never handed out: a caller's edit would change every later report)"""
    return json.loads(RECORD_FILE.read_text())


def validation_record() -> dict:
    """The shipped record (:data:`RECORD_FILE`), a copy of its one reading (the caller's to change)."""
    return copy.deepcopy(_shipped_record())


def record_family(config: Config) -> str:
    """The family of published macros ``config``'s arrays belong to: a resistive array's cell (rram, pcm, mram),
    else sram-charge, sram-current or digital."""
    family = config.array.family
    return cell_family(config.device.name)[0].name if family == ArrayFamily.RESISTIVE else _FAMILIES[family]


def family_record(config: Config) -> dict:
    """The record of ``config``'s family as report.json holds it: the family, the record's tolerances and its
    entry (macros; energy, density and throughput: cases, median_abs_error, within; trends: cases, within), or
    no entry (None) when no published macro of the family is in the record."""
    record = validation_record()
    family = record_family(config)
    return {"family": family, "absolute_tolerance": record["absolute_tolerance"],
            "trend_tolerance": record["trend_tolerance"], "record": record["families"].get(family),
            "source": RECORD_DOC}


def _spread(kind_record: dict) -> str:
    """which way and how far the model errs on one kind of figure: silicon / model over the middle half of the
    published figures (of an energy figure, the energy per operation), and over the macros' medians where
    :data:`MIN_RANGE_MACROS` or more macros have such figures"""
    low, median, high = kind_record["measured_over_model"]
    if low == high:
        return f"silicon {median:.2g}x the model"
    span, mid = _quartiles(low, median, high)
    text = f"silicon {span} the model over the middle half, median {mid}"
    if kind_record["macros"] < MIN_RANGE_MACROS:
        return text
    span, mid = _quartiles(*kind_record["macro_medians_over_model"])
    return f"{text}; over its {kind_record['macros']} macros' medians {span}, median {mid}"


def _quartiles(low: float, median: float, high: float) -> tuple[str, str]:
    """("a-bx", "cx") at two significant digits, more where two would show a range as a point (quartiles of 1.07
    and 1.15 had read "1.1-1.1x")"""
    d = next((d for d in range(2, 7) if f"{low:.{d}g}" != f"{high:.{d}g}"), 2)
    return f"{low:.{d}g}-{high:.{d}g}x", f"{median:.{d}g}x"


def record_line(config: Config) -> str:
    """One sentence for a report: how the cost model fared against the published macros of ``config``'s family."""
    record = family_record(config)
    family, entry = record["family"], record["record"]
    if entry is None:
        read = (" read as a resistive array (its SRAM macros are sram-charge, sram-current and digital arrays)"
                if family == "sram" else "")  # an SRAM device on a resistive array
        return (f"Validation: no published {family} macro{read} is in cimsim's validation record ({record['source']}); "
                "these cost figures are not checked against silicon.")
    tolerance = 100 * record["absolute_tolerance"]
    parts = [f"{label} median |error| {100 * entry[kind]['median_abs_error']:.0f} % ({entry[kind]['within']} of "
             f"{entry[kind]['cases']} figure{'s' * (entry[kind]['cases'] != 1)} within ±{tolerance:.0f} %, "
             f"{_spread(entry[kind])})"
             for kind, label in _KINDS if kind in entry]
    trends = entry["trends"]
    if trends["cases"]:
        parts.append(f"{trends['within']} of {trends['cases']} trends within ±{100 * record['trend_tolerance']:.0f} %")
    low, high = entry.get("nodes_nm", (0, 0))  # the nodes the figures come from: beyond them, an extrapolation
    node = config.technology.node_nm
    nodes = (f"{low:g} nm" if low == high else f"{low:g}-{high:g} nm") + (
        f", not this design's {node:g} nm" if not low <= node <= high else "")
    macros = f"{entry['macros']} published {family} macro{'s' * (entry['macros'] > 1)} at {nodes}"
    return f"Validation against {macros} ({record['source']}): {'; '.join(parts)}."


def _by_macro(config: Config, kind: str) -> tuple[dict, dict] | None:
    """``config``'s family record and its entry for ``kind`` (energy, density), or None where fewer than
    :data:`MIN_RANGE_MACROS` of its macros have such figures"""
    record = family_record(config)
    entry = (record["record"] or {}).get(kind)
    return None if entry is None or entry["macros"] < MIN_RANGE_MACROS else (record, entry)


def _range(record: dict, entry: dict, share: float, values: list[float]) -> dict:
    """a range as :func:`energy_gain_range` returns it: ``values`` the figure at silicon / model's lower quartile,
    median and upper quartile over the macros (``entry``), ``share`` the macro's share of the CIM figure"""
    low, median, high = entry["macro_medians_over_model"]
    return ReadOnlyDict(family=record["family"], macros=entry["macros"], cases=entry["cases"],
                        silicon_over_model=(low, median, high), macro_share=share, low=min(values), median=values[1],
                        high=max(values), source=record["source"])


def energy_gain_range(config: Config, cim: Breakdown, baseline: Breakdown) -> dict | None:
    """The energy gain of ``cim`` over ``baseline`` with the macro's energy (:data:`MACRO_COMPONENTS`) scaled by
    silicon / model over the published macros of ``config``'s family (module doc): ``low`` at the upper quartile,
    ``median``, ``high`` at the lower quartile, with the family, its macros and energy figures (``macros``,
    ``cases``), the quartiles (``silicon_over_model``) and the macro's share of the CIM energy; None where fewer than
    :data:`MIN_RANGE_MACROS` macros of the family have published energy figures."""
    found = _by_macro(config, "energy")
    if found is None:
        return None
    macro = sum(cim.energy_pj.get(k, 0.0) for k in MACRO_COMPONENTS)
    rest = cim.total_energy_pj - macro
    gains = [baseline.total_energy_pj / (rest + q * macro) for q in found[1]["macro_medians_over_model"]]
    return _range(*found, macro / cim.total_energy_pj, gains)


def area_range(config: Config, cim: Breakdown) -> dict | None:
    """The CIM area, mm2, with the macro's area (:data:`MACRO_COMPONENTS`) at the compute density of the published
    macros of ``config``'s family: a chip of silicon / model density q packs q times the model's throughput per
    area, so at the model's throughput its macro takes 1 / q of the model's area. ``low``, ``median``, ``high`` and
    the rest as :func:`energy_gain_range`'s (``macro_share``: of the CIM area); None where fewer than
    :data:`MIN_RANGE_MACROS` macros of the family have published density figures."""
    found = _by_macro(config, "density")
    if found is None:
        return None
    macro = sum(cim.area_um2.get(k, 0.0) for k in MACRO_COMPONENTS) * 1e-6
    rest = cim.area_mm2 - macro
    return _range(*found, macro / cim.area_mm2, [rest + macro / q for q in found[1]["macro_medians_over_model"]])


def gain_range_cell(r: dict | None, *, said: bool = False) -> str:
    """an energy gain's range (:func:`energy_gain_range`) as a table cell's suffix: ' (low-high)', or nothing
    without one; ``said``: saying what the range is (a repr, which has no table note to explain it, where a range
    wholly above or below the gain as modelled reads as a slip: '3.85x (3.87-3.98)')"""
    if r is None:
        return ""
    low, high = (f"{r[k]:.3g}" for k in ("low", "high"))
    if low == high:  # a macro of a small share moves the gain little: at the gain's own three digits, one value
        return f" ({low}{'x' * said} at every quartile{' of silicon / model of published macros' * said})"
    return f" ({low}-{high}{'x at silicon / model of published macros' * said})"


def _range_sentence(head: str, r: dict | None, figures: str, values: str, what: str) -> str:
    """'``head`` as modelled; ``values`` with ``what`` of the family's macros ...', or that there is no range ``r``
    (too few macros with ``figures``)"""
    if r is None:
        return (f"{head} as modelled; no range: fewer than {MIN_RANGE_MACROS} published macros of the design's family "
                f"have {figures} in the validation record ({RECORD_DOC}).")
    low, median, high = r["silicon_over_model"]
    return (f"{head} as modelled; {values} with {what} of the {r['macros']} published {r['family']} macros "
            f"({low:.3g}-{high:.3g}x over the middle half, median {median:.3g}x, each macro's median over its "
            f"{figures}; {r['source']}), the rest as priced.")


def gain_range_line(gain: float, r: dict | None) -> str:
    """One sentence for a report: the energy gain ``gain`` and its range ``r`` (:func:`energy_gain_range`), or that
    there is none."""
    shown = {k: f"{r[k]:.3g}" for k in ("low", "median", "high")} if r else {}
    values = "" if r is None else (f"{shown['low']}x at every quartile" if shown["low"] == shown["high"] else
                                   f"{shown['low']}-{shown['high']}x (median {shown['median']}x)")
    what = "" if r is None else (f"the macro's energy ({100 * r['macro_share']:.3g} % of the CIM energy: arrays and "
                                 "converters) at silicon / model")
    low, high, modelled = (float(shown["low"]), float(shown["high"]), float(f"{gain:.3g}")) if r else (0.0,) * 3
    side = "" if r is None or low <= modelled <= high else (  # at the printed digits: '3.12x; 3.12-3.38x' is not above
        f" The range lies {'above' if low > modelled else 'below'} the modelled gain: the model "
        f"{'overstates' if low > modelled else 'understates'} these macros' energy over the middle half of them.")
    return _range_sentence(f"Energy gain {gain:.3g}x", r, "energy figures", values, what) + side


def area_range_line(area_mm2: float, tops_per_mm2: float, r: dict | None) -> str:
    """One sentence for a report: the CIM area and its range ``r`` (:func:`area_range`) with the compute density
    it gives, or that there is none."""
    ops = tops_per_mm2 * area_mm2  # TOPS
    low, high = (f"{r[k]:.3g}" for k in ("low", "high")) if r else ("", "")
    values = "" if r is None else (f"{low} mm² ({ops / r['low']:.3g} TOPS/mm²) at every quartile" if low == high else
                                   f"{low}-{high} mm² (median {r['median']:.3g} mm²; "
                                   f"{ops / r['high']:.3g}-{ops / r['low']:.3g} TOPS/mm²)")
    what = "" if r is None else (f"the macro's area ({100 * r['macro_share']:.3g} % of the CIM area: arrays and "
                                 "converters) at silicon / model compute density")
    modelled = float(f"{area_mm2:.4g}")  # at the printed digits (4 for the area, 3 for its range: a review)
    side = "" if r is None or float(low) <= modelled <= float(high) else (  # (it had been unsaid: a reports probe)
        f" The range lies {'above' if float(low) > modelled else 'below'} the modelled area: the model "
        f"{'understates' if float(low) > modelled else 'overstates'} these macros' area over the middle half of them.")
    return _range_sentence(f"Area {area_mm2:.4g} mm²", r, "compute-density figures", values, what) + side


SHARED_DRAM_FIELDS = ("baseline.preset", "baseline.dram", "baseline.dram_bandwidth_gbps")
"""baseline fields that set the DRAM both sides price (a sweep along one changes the CIM design's figures too)"""


def axis_trend_lines(fields: Iterable[str], alike: Iterable[str] = ()) -> list[str]:
    """For a sweep along ``fields`` (config fields): one line per field whose operating variable has published
    trends in the record, saying how many of them the model held within tolerance, one line naming the fields
    no published trend checks (their trends in cost are the model's alone; not those ``alike``, along which no
    figure of the sweep moved: they have no trend), and one naming the baseline fields that move the CIM side too
    (:data:`SHARED_DRAM_FIELDS`)."""
    fields, record, alike = list(fields), validation_record(), set(alike)
    trends, lines, unchecked = record["trends_by_variable"], [], []
    tolerance = 100 * record["trend_tolerance"]
    for field in fields:
        entry = trends.get(TREND_VARIABLES.get(field, ""))
        if entry is None:
            unchecked += [] if field.startswith("simulation.") or field in alike else [field]  # no cost trend
            continue
        alone, others = entry["alone"], entry["cases"] - entry["alone"]["cases"]
        mixed = f"; {others} more vary it with another operating variable" if others else ""
        lines.append(f"{field}: the model's trends in {TREND_VARIABLES[field]} held within ±{tolerance:.0f} % in "
                     f"{alone['within']} of {alone['cases']} published cases that vary it alone, on {alone['macros']} "
                     f"chip{'s' * (alone['macros'] != 1)} (median |error| {100 * alone['median_abs_error']:.0f} %"
                     f"{mixed}; {RECORD_DOC})." if alone["cases"] else
                     f"{field}: no published trend varies {TREND_VARIABLES[field]} alone; the {others} that vary it "
                     f"with another operating variable are no evidence on it ({RECORD_DOC}).")
    if unchecked:
        lines.append(f"Not checked against published trends: {', '.join(unchecked)} (the cost's trend along "
                     f"{'them' if len(unchecked) > 1 else 'it'} is the model's alone).")
    if shared := [f for f in fields if f in SHARED_DRAM_FIELDS]:
        lines.append(f"{', '.join(shared)}: the CIM chip's DRAM is the baseline's (its technology and bandwidth, "
                     "docs/cost_cim.md), so the CIM side's energy and latency move along this axis too, not the "
                     "baseline's alone.")
    return lines

