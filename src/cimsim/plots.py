"""PNG plots of energy and area breakdowns (the optional ``plot`` extra: matplotlib).

Each plot is a stacked bar per architecture (and per distinct baseline), one segment per component, so the
dominant component and the share of the converters are visible at a glance.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from .breakdown import Breakdown

__all__ = ["PLOTS_MISSING", "write_breakdown_plots"]

PLOTS_MISSING = "plots skipped: matplotlib is not installed (pip install '.[plot]')"


def _stacked(ax, bars: Sequence[tuple[str, dict[str, float]]], ylabel: str) -> None:
    import matplotlib

    components = list(dict.fromkeys(k for _, values in bars for k in values))
    cmap = matplotlib.colormaps["tab20"]
    bottoms = [0.0] * len(bars)
    for k, component in enumerate(components):
        heights = [values.get(component, 0.0) for _, values in bars]
        ax.bar(range(len(bars)), heights, bottom=bottoms, label=component, color=cmap(k % 20))
        bottoms = [b + h for b, h in zip(bottoms, heights)]
    ax.set_xticks(range(len(bars)), [name for name, _ in bars], rotation=20, ha="right")
    ax.set_ylabel(ylabel)
    ax.legend(fontsize=7, ncols=2)


def write_breakdown_plots(sides: Sequence[tuple[str, Breakdown]], outdir: str | Path, item: str) -> list[Path]:
    """Write energy_breakdown.png (pJ per ``item``) and area_breakdown.png (mm²) of the labelled ``sides``.

    Raises ImportError when matplotlib is missing (the caller reports :data:`PLOTS_MISSING`).
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    written = []
    plots = (
        ("energy_breakdown.png", f"energy per {item} (pJ)",
         [(label, {k: v / b.mvms for k, v in b.energy_pj.items()}) for label, b in sides]),
        ("area_breakdown.png", "area (mm²)",
         [(label, {k: v * 1e-6 for k, v in b.area_um2.items()}) for label, b in sides]),
    )
    for filename, ylabel, bars in plots:
        fig, ax = plt.subplots(figsize=(max(5.0, 1.6 * len(bars) + 2.5), 4.5), layout="constrained")
        _stacked(ax, bars, ylabel)
        path = outdir / filename
        tmp = path.with_name(f".{path.name}.tmp")
        fig.savefig(tmp, dpi=120, format="png")
        plt.close(fig)
        tmp.replace(path)
        written.append(path)
    return written
