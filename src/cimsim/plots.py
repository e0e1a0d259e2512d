"""PNG plots of energy and area breakdowns (the optional ``plot`` extra: matplotlib).

Each plot is a stacked bar per architecture (and per distinct baseline), one segment per component, so the
dominant component and the share of the converters are visible at a glance. A component has one colour in every
figure of every report (:func:`component_style`: ten Tableau hues, then the same hues hatched), and each
axis is in the unit that keeps its numbers readable (pJ to J, µm² to mm²).
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Sequence
from pathlib import Path

from .argcheck import check_instance, check_path
from .atomic import write_atomic_with
from .breakdown import Breakdown

__all__ = ["PLOTS_MISSING", "PLOT_FILES", "figure_class", "write_breakdown_plots", "component_style",
           "readable_unit"]

PLOTS_MISSING = "plots skipped: matplotlib is not installed (pip install '.[plot]')"
PLOT_FILES = ("energy_breakdown.png", "area_breakdown.png")
"""the files :func:`write_breakdown_plots` writes in its folder"""

PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22",
           "#17becf")
"""matplotlib's tab10 (Tableau 10): ten hues told apart at a glance"""
HATCHES = (None, "//", "..", "xx")
"""a second cue once the ten hues are used: a component is (hue, hatch)"""

COMPONENT_ORDER = (
    "adc", "array", "dac", "dram", "buffers", "global_buffer", "noc", "leakage", "sram_weights", "dram_weights",
    "sample_hold", "shift_add", "adder_tree", "accumulate", "vector_unit", "interconnect", "programming", "mac",
    "register_file", "dram_activations",
    "sram_activations", "sram_partial_sums", "link", "kv_cache", "array_rewrite", "weight_reload", "activation_spill",
    "edram", "board_power", "kv_cache_writes",
    "mac_units", "sram", "die")
"""every component a report can show, each with a fixed style: hue PALETTE[i % 10] with hatch HATCHES[i // 10], so
no two components look alike and a component looks the same in every figure (the usual large ones first: solid)"""


def component_style(name: str) -> tuple[str, str | None]:
    """(colour, hatch) of a component, the same in every figure; a name not in COMPONENT_ORDER takes a style from
    a hash of its name, cross-hatched."""
    check_instance("name", name, str, "a component name (str)")
    i = COMPONENT_ORDER.index(name) if name in COMPONENT_ORDER else len(COMPONENT_ORDER) + zlib.crc32(name.encode())
    return PALETTE[i % len(PALETTE)], HATCHES[(i // len(PALETTE)) % len(HATCHES)]


def readable_unit(largest: float, units: Sequence[tuple[float, str]]) -> tuple[float, str]:
    """(factor, unit) from ``units`` (factor to multiply by, name; smallest unit first) that puts ``largest``
    between 1 and 1000 where it can."""
    chosen = units[0]
    for factor, name in units:
        if largest * factor >= 1.0:
            chosen = (factor, name)
    return chosen


_ENERGY_UNITS = ((1.0, "pJ"), (1e-3, "nJ"), (1e-6, "µJ"), (1e-9, "mJ"), (1e-12, "J"))
_AREA_UNITS = ((1.0, "µm²"), (1e-6, "mm²"), (1e-8, "cm²"))


def _stacked(ax, bars: Sequence[tuple[str, dict[str, float]]], ylabel: str) -> None:
    """Stacked ``bars`` (label, {component: height}) on ``ax``; a component 0 in every bar is left out of the legend
    (a "programming" entry in a weights-resident plot had read as counted)."""
    components = list(dict.fromkeys(k for _, values in bars for k, v in values.items() if v != 0.0))
    bottoms = [0.0] * len(bars)
    for component in components:
        heights = [values.get(component, 0.0) for _, values in bars]
        color, hatch = component_style(component)
        ax.bar(range(len(bars)), heights, bottom=bottoms, label=component, color=color, hatch=hatch,
               edgecolor="white" if hatch else None, linewidth=0.4)
        bottoms = [b + h for b, h in zip(bottoms, heights)]
    ax.set_xticks(range(len(bars)), [name for name, _ in bars], rotation=20, ha="right",
                  parse_math=False)  # a config's name as written: "$5 or $6" had been set as math
    ax.set_ylabel(ylabel, parse_math=False)
    if components:  # all zero: no legend (matplotlib warns on one without entries)
        ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)


def _checked_sides(sides) -> list[tuple[str, Breakdown]]:
    """``sides`` as a list of one (label, Breakdown) pair or more, each of one item (MVM) or more; else a
    ValueError / TypeError naming the side"""
    if isinstance(sides, (str, bytes)) or not isinstance(sides, Iterable):
        raise TypeError(f"sides must be a sequence of (label, Breakdown) pairs; got {type(sides).__name__}")
    sides = list(sides)
    if not sides:
        raise ValueError("sides must hold one (label, Breakdown) pair at least; got none")
    for k, side in enumerate(sides):
        if not (isinstance(side, (tuple, list)) and len(side) == 2 and isinstance(side[0], str)):
            raise TypeError(f"sides[{k}] must be a (label, Breakdown) pair; got {type(side).__name__}")
        check_instance(f"sides[{k}][1]", side[1], Breakdown)
        if side[1].mvms < 1:
            raise ValueError(f"sides[{k}] ({side[0]!r}) has {side[1].mvms} MVMs: no energy per item to plot")
    return sides


def figure_class():
    """matplotlib's Figure (no pyplot: a caller's backend and open figures untouched); an ImportError naming the
    ``plot`` extra to install where matplotlib is missing (a bare ModuleNotFoundError had named no extra)"""
    try:
        from matplotlib.figure import Figure
    except ModuleNotFoundError as exc:  # a matplotlib that fails inside (another numpy's ABI) says so itself
        if not str(exc.name or "").startswith("matplotlib"):
            raise
        raise ImportError("cimsim's plots need matplotlib, which is not installed: pip install '.[plot]' (from "
                          "the cimsim checkout)", name="matplotlib") from exc
    return Figure


def write_breakdown_plots(sides: Sequence[tuple[str, Breakdown]], outdir: str | Path, item: str) -> list[Path]:
    """Write energy_breakdown.png (pJ per ``item``) and area_breakdown.png (mm²), :data:`PLOT_FILES`, of the
    labelled ``sides``.

    Raises ImportError naming the ``plot`` extra when matplotlib is missing (:func:`figure_class`). The figures
    are built without pyplot, so the caller's backend and open figures are left as they were.
    """
    Figure = figure_class()

    sides = _checked_sides(sides)
    check_instance("item", item, str, "what one item is (str: 'vector', 'image')")
    outdir = Path(check_path("outdir", outdir))
    outdir.mkdir(parents=True, exist_ok=True)
    written = []
    e_factor, e_unit = readable_unit(max(b.total_energy_pj / b.mvms for _, b in sides), _ENERGY_UNITS)
    a_factor, a_unit = readable_unit(max(sum(b.area_um2.values()) for _, b in sides), _AREA_UNITS)
    plots = (
        (PLOT_FILES[0], f"energy per {item} ({e_unit})",
         [(label, {k: e_factor * v / b.mvms for k, v in b.energy_pj.items()}) for label, b in sides]),
        (PLOT_FILES[1], f"area ({a_unit})",
         [(label, {k: a_factor * v for k, v in b.area_um2.items()}) for label, b in sides]),
    )
    for filename, ylabel, bars in plots:
        fig = Figure(figsize=(max(6.0, 1.6 * len(bars) + 4.0), 4.5), layout="constrained")
        _stacked(fig.add_subplot(), bars, ylabel)
        write_atomic_with(outdir / filename, lambda fh: fig.savefig(fh, dpi=120, format="png"))
        written.append(outdir / filename)
    return written
