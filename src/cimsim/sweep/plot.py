"""A plot of a Pareto front (PNG, PDF or SVG; the optional ``plot`` extra: matplotlib): every point, the front
highlighted; an infinite value (an exact simulation's ``snr_db``) drawn at the edge of its axis."""

from __future__ import annotations

import decimal
import math
import os
import textwrap
from collections.abc import Iterable, Mapping
from pathlib import Path

from ..argcheck import check_path, shown
from ..atomic import write_atomic_with
from ..plots import figure_class
from .pareto import Row

__all__ = ["write_pareto_plot", "plot_format", "placed", "point_label", "short_value", "PLOT_FORMATS"]

PLOT_FORMATS = ("png", "pdf", "svg")
"""the formats a Pareto plot is written in, named by the output's suffix"""


def point_label(row: Row) -> str:
    """A front point's axis values (its dotted config columns), short: ``bits=6, bits_per_cell=2``: each column by
    the shortest end of its name no other axis column shares (``technology.clock_ghz=1.0, baseline.clock_ghz=0.5``
    where both are axes), a random draw's value to 4 significant digits (:func:`short_value`)."""
    axes = [c.split(".") for c in row if "." in c]
    names = {".".join(parts): ".".join(parts[-_unshared(parts, axes):]) for parts in axes}
    return ", ".join(f"{names[c]}={short_value(v)}" for c, v in row.items() if c in names and v not in ("", None))


def _rows(name: str, rows) -> list[Row]:
    """``rows`` (any iterable of mappings: a list, tuple or generator of rows) as a list, else a TypeError naming
    ``name`` and what came"""
    if isinstance(rows, (str, bytes, Mapping)) or not isinstance(rows, Iterable):
        raise TypeError(f"{name} must be an iterable of rows (mappings of column to value); got "
                        f"{type(rows).__name__} {shown(rows)}")
    listed = list(rows)
    for row in listed:
        if not isinstance(row, Mapping):
            raise TypeError(f"each of {name} must be a row (a mapping of column to value); got "
                            f"{type(row).__name__} {shown(row)}")
    return listed


def _unshared(parts: list[str], columns: list[list[str]]) -> int:
    """how many last parts of a dotted name (``parts``) tell it from every other of ``columns`` (all: none do)"""
    others = [other for other in columns if other != parts]
    return next((k for k in range(1, len(parts)) if all(other[-k:] != parts[-k:] for other in others)), len(parts))


def short_value(cell: str) -> str:
    """A CSV cell as a label shows it: a float of more than 12 significant digits (a random draw, as
    ``0.37454011884736254``; no value a person writes) to 4 (``0.3745``), anything else (an integer) as written."""
    try:
        digits = decimal.Decimal(cell).as_tuple().digits
    except decimal.InvalidOperation:
        return cell
    return f"{float(cell):.4g}" if len(digits) > 12 and any(c in cell for c in ".eE") else cell


def write_pareto_plot(points: list[Row], front: list[Row], x: str, y: str, path: str | os.PathLike) -> Path:
    """Scatter of ``points`` in (x, y) with ``front`` drawn as a step line, each front point labelled with its
    axis values (points that tie: one label, a line each); written atomically, in the format ``path``'s suffix
    names (:func:`plot_format`).

    An axis whose values are all positive and finite and span more than two decades is drawn on a log scale. An
    infinite value is drawn at its axis's edge (:func:`placed`), circled, the legend counting those points and a
    front point's label saying ``y=inf``.
    Raises ImportError naming the ``plot`` extra when matplotlib is missing (:func:`cimsim.plots.figure_class`).
    The figure is built without pyplot, so the caller's backend and open figures are left as they were. A column
    the rows lack is a ValueError naming it (it had been a bare KeyError), a path that is none a TypeError; so are
    points or a front that are no iterable of mappings (tuples and generators of rows are taken).
    """
    check_path("plot path", path)
    points, front = _rows("points", points), _rows("front", front)
    missing = sorted({c for c in (x, y) for p in points + front if c not in p})
    if missing:
        raise ValueError(f"no column {', '.join(map(repr, missing))} in the points; they have "
                         f"{', '.join(sorted({c for p in points + front for c in p}))}")
    Figure = figure_class()

    n, rows = len(points), points + front
    xs, ys = placed([float(p[x]) for p in rows]), placed([float(p[y]) for p in rows])
    edge = [k for k, p in enumerate(points) if not all(math.isfinite(float(p[c])) for c in (x, y))]
    fig = Figure(figsize=(6.0, 4.5), dpi=120, layout="constrained")  # (the labels measured as saved: text widths
    # round to whole pixels, unevenly from one resolution to another)
    ax = fig.add_subplot()
    ax.scatter(xs[:n], ys[:n], s=14, color="0.6", label=f"all points ({n})")
    if edge:
        ax.scatter([xs[k] for k in edge], [ys[k] for k in edge], s=60, facecolors="none", edgecolors="k",
                   label=f"infinite {x} or {y}, drawn at the edge ({len(edge)})")
    ax.step(xs[n:], ys[n:], where="post", color="tab:red", linewidth=1.2)
    ax.scatter(xs[n:], ys[n:], s=24, color="tab:red", label=f"Pareto front ({len(front)})", zorder=3)
    labels: dict[tuple[float, float], list[str]] = {}  # front points that tie share one label, a line each
    for row, px, py in zip(front, xs[n:], ys[n:]):
        labels.setdefault((px, py), []).append(", ".join(filter(None, [point_label(row), *(
            f"{c}={row[c]}" for c in (x, y) if not math.isfinite(float(row[c])))])))
    ax.margins(0.05, 0.12)  # room for the labels of the lowest and highest front points
    _mark_edges(ax, [float(p[x]) for p in rows], xs, vertical=True)
    _mark_edges(ax, [float(p[y]) for p in rows], ys, vertical=False)
    for column, set_scale in ((x, ax.set_xscale), (y, ax.set_yscale)):
        values = [float(p[column]) for p in points]
        if values and 0 < min(values) and max(values) < math.inf and max(values) > 100 * min(values):
            set_scale("log")
    ax.set_xlabel(x, parse_math=False)
    ax.set_ylabel(y, parse_math=False)
    ax.legend(fontsize=8)
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(fig)
    canvas.draw()  # the layout the labels are measured in (they stay out of it: it holds)
    parted(ax, _front_labels(ax, labels, canvas.get_renderer()), canvas.get_renderer())
    write_atomic_with(path, lambda fh: fig.savefig(fh, dpi=120, format=plot_format(path)))
    return Path(path)


_LABEL_PT = 6.5
"""font size of a front point's label (points)"""
_CHAR_WIDTH = 0.6
"""a label character's mean width, in font sizes (DejaVu Sans: digits 0.64, lower case 0.5-0.6)"""


def _front_labels(ax, labels: dict[tuple[float, float], list[str]], renderer) -> list:
    """an annotation of each front point's ``labels`` (by its (x, y)), each line wrapped after a comma to fit
    within four fifths of the axes' width (a sweep of eight axes had drawn labels wider than the figure, cut off
    mid-value: a probe), where its text stays within the axes, else
    where it passes their edges least: on a falling front up right of it (above the step line that leaves it to the
    right), else down left, the corner no front point or step line reaches; on a rising one (one objective
    maximised) up left first, its step line rising to the right (a label past the figure's edge had been cut off,
    one on a rising front struck through: reviews); each with a leader from its near corner. Out of the layout from
    the start, so that what is measured (``renderer``: the figure drawn) is what is drawn."""
    ends = list(labels)
    rises = len(ends) > 1 and (ends[-1][1] - ends[0][1]) * (ends[-1][0] - ends[0][0]) > 0
    frame, notes = ax.bbox, []
    fits = max(20, int(0.8 * frame.width * 72 / ax.figure.dpi / (_CHAR_WIDTH * _LABEL_PT)))  # characters across
    for (px, py), lines in labels.items():
        tried = []
        text = "\n".join(textwrap.fill(line, fits, break_long_words=False, break_on_hyphens=False) for line in lines)
        for left in (rises, not rises):  # a rising front's free corner first: its step line rises to the right
            up = not left or rises
            note = ax.annotate(
                text, (px, py), xytext=(-10 if left else 10, 4 if up else -4), textcoords="offset points",
                ha="right" if left else "left", va="bottom" if up else "top", fontsize=_LABEL_PT, color="tab:red",
                parse_math=False,  # a '$' in a name is drawn as written
                arrowprops={"arrowstyle": "-", "color": "tab:red", "linewidth": 0.5, "shrinkA": 0, "shrinkB": 3,
                            "relpos": (float(left), 0.0 if up else 1.0)})
            note.set_in_layout(False)  # (the axes had shrunk to make room for labels pushed far)
            box = text_box(note, renderer)  # how far it passes the axes' edges
            tried.append((max(box.x1 - frame.x1, frame.x0 - box.x0, frame.y0 - box.y0, box.y1 - frame.y1, 0.0), note))
            if tried[-1][0] == 0:
                break
        keep = min(tried, key=lambda t: t[0])[1]
        for _, note in tried:
            if note is not keep:
                note.remove()
        notes.append(keep)
    return notes


def text_box(note, renderer):
    """the window extent of an annotation's text alone (its leader line left out: a label moved away from its point
    had measured up to it, pushing every lower label below it; a review)"""
    from matplotlib.text import Text

    note.update_positions(renderer)  # (the text's place follows its offset only once updated)
    return Text.get_window_extent(note, renderer)


def parted(ax, notes: list, renderer) -> None:
    """The labels of ``notes`` (annotations in offset points, beside their points on ``ax``, measured by
    ``renderer``), from the highest point down, each moved down until its text overlaps none above it, then kept
    within the axes, where at an edge it may overlap another (a front packed into a narrow span had drawn its
    neighbours' labels over each other, unreadable, and a label beside another's point: a sweeps probe)"""
    boxes, frame, points_per_pixel = [], ax.bbox, 72 / ax.figure.dpi
    for note in sorted(notes, key=lambda n: -ax.transData.transform(n.xy)[1]):
        for _ in range(len(boxes) + 1):
            box = text_box(note, renderer)
            hit = next((b for b in boxes if box.overlaps(b)), None)
            if hit is None:
                break
            note.xyann = (note.xyann[0], note.xyann[1] + (hit.y0 - box.y1 - 2) * points_per_pixel)
        box = text_box(note, renderer)  # within the axes, off the ticks (a tall label of ties had run past the
        # figure's bottom edge); at an edge a label may overlap another
        dx = max(frame.x0 + 2 - box.x0, 0.0) or min(frame.x1 - 2 - box.x1, 0.0)
        dy = max(frame.y0 + 2 - box.y0, 0.0) or min(frame.y1 - 2 - box.y1, 0.0)
        note.xyann = (note.xyann[0] + dx * points_per_pixel, note.xyann[1] + dy * points_per_pixel)
        boxes.append(text_box(note, renderer))


def placed(values: list[float]) -> list[float]:
    """``values`` with each infinity at its axis's edge: a tenth of the finite values' span (1 where they span
    nothing) above the largest (``+inf``) or below the smallest (``-inf``); 0 +- 1 where none is finite"""
    finite = [v for v in values if math.isfinite(v)] or [0.0]
    low, high = min(finite), max(finite)
    margin = 0.1 * (high - low) or 1.0
    return [v if math.isfinite(v) else high + margin if v > 0 else low - margin for v in values]


def _mark_edges(ax, values: list[float], positions: list[float], vertical: bool) -> None:
    """a dotted line at each edge where ``values`` holds an infinity (its ``positions`` from :func:`placed`), labelled
    ``inf`` or ``-inf`` outside the axes"""
    for edge, name in sorted({(p, repr(v)) for v, p in zip(values, positions) if math.isinf(v)}):
        line, where = (ax.axvline, (edge, 1.0)) if vertical else (ax.axhline, (1.0, edge))
        line(edge, linestyle=":", linewidth=0.8, color="0.5")
        ax.text(*where, f" {name}", transform=ax.get_xaxis_transform() if vertical else ax.get_yaxis_transform(),
                ha="center" if vertical else "left", va="bottom" if vertical else "center", fontsize=7, color="0.3")


def plot_format(path: str | os.PathLike) -> str:
    """The format a plot at ``path`` is written in, from its suffix (one of :data:`PLOT_FORMATS`); a ValueError
    naming the path for any other suffix."""
    suffix = Path(path).suffix.lower().lstrip(".")
    if suffix not in PLOT_FORMATS:
        raise ValueError(f"{os.fspath(path)}: a plot is written as {', '.join(f'.{f}' for f in PLOT_FORMATS)} (the "
                         f"suffix names the format); got {f'.{suffix}' if suffix else 'no suffix'}")
    return suffix
