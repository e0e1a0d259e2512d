"""A plot of a Pareto front (PNG, PDF or SVG; the optional ``plot`` extra: matplotlib): every point, the front
highlighted."""

from __future__ import annotations

import os
from pathlib import Path

from ..atomic import write_atomic_with
from .pareto import Row

__all__ = ["write_pareto_plot", "plot_format", "PLOT_FORMATS"]

PLOT_FORMATS = ("png", "pdf", "svg")
"""the formats a Pareto plot is written in, named by the output's suffix"""


def point_label(row: Row) -> str:
    """A front point's axis values (its dotted config columns), short: ``bits=6, bits_per_cell=2``."""
    return ", ".join(f"{c.rpartition('.')[2]}={v}" for c, v in row.items() if "." in c and v not in ("", None))


def write_pareto_plot(points: list[Row], front: list[Row], x: str, y: str, path: str | os.PathLike) -> Path:
    """Scatter of ``points`` in (x, y) with ``front`` drawn as a step line, each front point labelled with its
    axis values; written atomically, in the format ``path``'s suffix names (:func:`plot_format`).

    An axis whose values are all positive and span more than two decades is drawn on a log scale.
    Raises ImportError when matplotlib is missing (the caller reports ``cimsim.plots.PLOTS_MISSING``). The figure
    is built without pyplot, so the caller's backend and open figures are left as they were.
    """
    from matplotlib.figure import Figure

    xs, ys = [float(p[x]) for p in points], [float(p[y]) for p in points]
    fx, fy = [float(p[x]) for p in front], [float(p[y]) for p in front]
    fig = Figure(figsize=(6.0, 4.5), layout="constrained")
    ax = fig.add_subplot()
    ax.scatter(xs, ys, s=14, color="0.6", label=f"all points ({len(points)})")
    ax.step(fx, fy, where="post", color="tab:red", linewidth=1.2)
    ax.scatter(fx, fy, s=24, color="tab:red", label=f"Pareto front ({len(front)})", zorder=3)
    for k, (row, px, py) in enumerate(zip(front, fx, fy)):
        ax.annotate(point_label(row), (px, py), xytext=(6, 6 if k % 2 else -10), textcoords="offset points",
                    fontsize=6.5, color="tab:red", parse_math=False)  # a '$' in a name is drawn as written
    for values, set_scale in ((xs, ax.set_xscale), (ys, ax.set_yscale)):
        finite = [v for v in values if 0 < v < float("inf")]
        if finite and len(finite) == len(values) and max(finite) > 100 * min(finite):
            set_scale("log")
    ax.set_xlabel(x, parse_math=False)
    ax.set_ylabel(y, parse_math=False)
    ax.legend(fontsize=8)
    write_atomic_with(path, lambda fh: fig.savefig(fh, dpi=120, format=plot_format(path)))
    return Path(path)


def plot_format(path: str | os.PathLike) -> str:
    """The format a plot at ``path`` is written in, from its suffix (one of :data:`PLOT_FORMATS`); a ValueError
    naming the path for any other suffix."""
    suffix = Path(path).suffix.lower().lstrip(".")
    if suffix not in PLOT_FORMATS:
        raise ValueError(f"{os.fspath(path)}: a plot is written as {', '.join(f'.{f}' for f in PLOT_FORMATS)} (the "
                         f"suffix names the format); got {f'.{suffix}' if suffix else 'no suffix'}")
    return suffix
