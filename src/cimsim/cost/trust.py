"""How far the cost model's figures agree with published silicon, for the family a design belongs to.

Reports quote the validation record of ``cimsim/validation/record.json``: per family of the published macros and
chips of docs/validation.md (rram, pcm, mram, sram-charge, sram-current, digital), the median |model / published - 1|
of their energy, density and throughput figures, how many fall within the tolerance, and how many trends (ratios
between two operating points of one chip) do. ``benchmarks/validate_published.py --write`` regenerates it from the
run, and a test holds it equal to one.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

from ..config.modes import ArrayFamily
from ..config.schema import Config
from .cells import cell_family

__all__ = ["RECORD_FILE", "validation_record", "record_family", "family_record", "record_line"]

RECORD_FILE = Path(__file__).resolve().parents[1] / "validation" / "record.json"
"""the shipped validation record"""

_FAMILIES = {ArrayFamily.CHARGE: "sram-charge", ArrayFamily.CURRENT: "sram-current", ArrayFamily.DIGITAL: "digital"}
_KINDS = (("energy", "energy"), ("density", "compute density"), ("throughput", "throughput"))


@functools.cache
def validation_record() -> dict:
    """The shipped record (:data:`RECORD_FILE`), read once."""
    return json.loads(RECORD_FILE.read_text())


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
            "source": "docs/validation.md"}


def _spread(kind_record: dict) -> str:
    """which way and how far the model errs on one kind of figure: silicon / model over the middle half of the
    published figures (of an energy figure, the energy per operation)"""
    low, median, high = kind_record["measured_over_model"]
    if low == high:
        return f"silicon {median:.2g}x the model"
    return f"silicon {low:.2g}-{high:.2g}x the model over the middle half, median {median:.2g}x"


def record_line(config: Config) -> str:
    """One sentence for a report: how the cost model fared against the published macros of ``config``'s family."""
    record = family_record(config)
    family, entry = record["family"], record["record"]
    if entry is None:
        return (f"Validation: no published {family} macro is in cimsim's validation record ({record['source']}); "
                "these cost figures are not checked against silicon.")
    tolerance = 100 * record["absolute_tolerance"]
    parts = [f"{label} median |error| {100 * entry[kind]['median_abs_error']:.0f} % ({entry[kind]['within']} of "
             f"{entry[kind]['cases']} figures within ±{tolerance:.0f} %, {_spread(entry[kind])})"
             for kind, label in _KINDS if kind in entry]
    trends = entry["trends"]
    if trends["cases"]:
        parts.append(f"{trends['within']} of {trends['cases']} trends within ±{100 * record['trend_tolerance']:.0f} %")
    macros = f"{entry['macros']} published {family} macro{'s' * (entry['macros'] > 1)}"
    return f"Validation against {macros} ({record['source']}): {'; '.join(parts)}."
