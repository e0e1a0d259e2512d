"""The plot writers leave the caller's matplotlib state alone: a notebook's backend stays selected (its later
inline plots still show), its current figure stays current, and no figure of theirs is left open in pyplot."""

from __future__ import annotations

from pathlib import Path

import pytest

from cimsim.analytic import analytic_counts
from cimsim.config import load_config
from cimsim.cost import cim_breakdown
from cimsim.cost.baseline import baseline_breakdown
from cimsim.mapping import plan_layer

matplotlib = pytest.importorskip("matplotlib")
plt = pytest.importorskip("matplotlib.pyplot")

ROOT = Path(__file__).resolve().parents[1]
MAGIC = {"png": b"\x89PNG", "pdf": b"%PDF", "svg": b"<?xml"}
"""the first bytes of each format's files (PNG signature, PDF header, XML declaration of matplotlib's SVG)"""


@pytest.fixture
def user_figure():
    """A user's session: the non-Agg (headless) "svg" backend selected and one figure of theirs open and current;
    the backend in place before is restored afterwards."""
    before = matplotlib.get_backend()
    plt.close("all")
    plt.switch_backend("svg")
    fig = plt.figure()
    plt.plot([1, 2])
    yield fig
    plt.close("all")
    plt.switch_backend(before)


def assert_untouched(fig) -> None:
    assert matplotlib.get_backend().lower() == "svg"
    assert plt.gcf() is fig
    assert plt.get_fignums() == [fig.number], "a writer left a figure open in pyplot (or closed the user's)"


def test_breakdown_plots_keep_the_users_backend_and_figures(user_figure, tmp_path):
    from cimsim.plots import PLOT_FILES, write_breakdown_plots

    config = load_config(ROOT / "configs" / "default.toml")
    plan = plan_layer(config)
    sides = [("cim", cim_breakdown(config, plan, analytic_counts(plan, 10))),
             ("baseline", baseline_breakdown(config, 10, include_weight_load=False))]
    written = write_breakdown_plots(sides, tmp_path, "vector")
    assert_untouched(user_figure)
    assert [p.name for p in written] == list(PLOT_FILES)
    assert all(p.read_bytes().startswith(MAGIC["png"]) for p in written)


@pytest.mark.parametrize("fmt", sorted(MAGIC))
def test_pareto_plot_keeps_the_users_backend_and_figures(user_figure, tmp_path, fmt):
    from cimsim.sweep.plot import write_pareto_plot

    points = [{"adc.bits": str(b), "energy_pj": str(2.0 ** b), "error": str(1.0 / b)} for b in range(2, 9)]
    path = write_pareto_plot(points, points[::2], "energy_pj", "error", tmp_path / f"front.{fmt}")
    assert_untouched(user_figure)
    assert path.read_bytes().startswith(MAGIC[fmt])


def test_pareto_points_that_tie_share_one_readable_label(tmp_path, monkeypatch):
    """three tied front points had taken two label offsets in turn: the first and third labels overprinted"""
    from matplotlib.axes import Axes

    from cimsim.sweep.plot import write_pareto_plot

    drawn = []
    annotate = Axes.annotate
    monkeypatch.setattr(Axes, "annotate", lambda self, text, xy, **kw: drawn.append((text, xy)) or annotate(
        self, text, xy, **kw))
    front = [{"baseline.name": name, "energy_pj": "1.0", "area_mm2": "2.0"} for name in "abc"]
    front.append({"baseline.name": "d", "energy_pj": "0.5", "area_mm2": "3.0"})
    write_pareto_plot(front, front, "energy_pj", "area_mm2", tmp_path / "front.png")
    assert sorted({xy for _, xy in set(drawn)}) == [(0.5, 3.0), (1.0, 2.0)] and len(set(drawn)) == 2  # (a label
    # tried on the right and drawn on the left is one label)
    tied = next(text for text, xy in drawn if xy == (1.0, 2.0))
    assert tied.splitlines() == ["name=a", "name=b", "name=c"]


@pytest.mark.parametrize("spread, rising", [(False, False), (True, False), (True, True)])
def test_the_labels_of_a_front_packed_into_a_narrow_span_do_not_overlap(tmp_path, monkeypatch, spread, rising):
    """sweep-adc's front (five points within 1 % of the energy span) had drawn the bits=5 and bits=6 labels over each
    other and the bits=7 label beside the bits=8 point (a sweeps probe): each label now sits beside its own point,
    moved down only as far as the labels above it need, and inside the figure (a front spread over the x axis had
    its rightmost labels cut off at the figure's edge, and a rising one, an objective maximised, its labels piled
    at the bottom: reviews)"""

    from matplotlib.axes import Axes
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from cimsim.sweep.plot import text_box, write_pareto_plot

    notes = []
    annotate = Axes.annotate
    monkeypatch.setattr(Axes, "annotate", lambda self, *args, **kw: notes.append(annotate(self, *args, **kw))
                        or notes[-1])
    points = [{"adc.bits": str(b), "rows": "256", "energy_pj": str(132500 + (5000 if spread else 100) * b),
               "error": str(b if rising else 0.5 / b ** 2)} for b in range(4, 9)]
    points.append({"adc.bits": "3", "rows": "8", "energy_pj": "160000", "error": "0.01"})
    write_pareto_plot(points, points[:5], "energy_pj", "error", tmp_path / "front.png")
    notes = [n for n in notes if n.axes is not None]  # (a label tried on the right and moved left: removed)
    renderer = FigureCanvasAgg(notes[0].figure).get_renderer()
    boxes, figure = [text_box(n, renderer) for n in notes], notes[0].figure.bbox  # (the text alone)
    assert len(boxes) == 5 and not any(a.overlaps(b) for k, a in enumerate(boxes) for b in boxes[k + 1:])
    assert all(figure.x0 <= box.x0 and box.x1 <= figure.x1 and figure.y0 <= box.y0 <= box.y1 <= figure.y1
               for box in boxes)
    tops = [n.axes.transData.transform(n.xy)[1] for n in notes]  # each label at or below its point's height + 1 line
    assert all(box.y0 <= top + box.height for box, top in zip(boxes, tops))


def test_front_labels_wider_than_the_axes_are_wrapped_within_the_figure(tmp_path, monkeypatch):
    """a sweep of eight axes had drawn each front point's label past the figure's right edge, cut mid-value (the
    vdd_v value lost) and above the axes (a probe): a label's line is wrapped after a comma, every value whole"""
    from matplotlib.axes import Axes
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from cimsim.sweep.plot import text_box, write_pareto_plot

    notes = []
    annotate = Axes.annotate
    monkeypatch.setattr(Axes, "annotate", lambda self, *args, **kw: notes.append(annotate(self, *args, **kw))
                        or notes[-1])
    axes = {"device.preset": "rram", "array.family": "resistive", "adc.type": "sar", "dac.mode": "sliced",
            "dac.bits_per_read": "7", "adc.accumulation": "planes_and_slices", "technology.node_nm": "180.0"}
    points = [{**axes, "technology.vdd_v": str(v), "energy_gain": str(v), "tops_per_mm2": str(2 - v)}
              for v in (0.4, 0.9, 1.8)]
    write_pareto_plot(points, points, "energy_gain", "tops_per_mm2", tmp_path / "front.png")
    notes = [n for n in notes if n.axes is not None]
    renderer = FigureCanvasAgg(notes[0].figure).get_renderer()
    figure = notes[0].figure.bbox
    for note in notes:
        box = text_box(note, renderer)
        assert figure.x0 <= box.x0 and box.x1 <= figure.x1 and figure.y0 <= box.y0 <= box.y1 <= figure.y1
        assert note.get_text().count("\n") >= 1 and "vdd_v=" in note.get_text()
        assert ", ".join(note.get_text().split("\n")).replace(",,", ",").count("=") == 8
