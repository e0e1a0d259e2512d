"""Several architectures side by side in Markdown: ``cimsim compare`` of several configs."""

from __future__ import annotations

import os
from collections.abc import Iterable

from .breakdown import Breakdown
from .comparison import Comparison
from .cost import trust
from .argcheck import code_span, markdown_cell
from .report import _fmt, dominant_component, item_name, spread_text
from .report_estimate import distinct_baselines, macro_cell
from .trials import metric_label, spreads

__all__ = ["multi_markdown"]


def _row(label: str, b: Breakdown, item: str, accuracy: str, gain: str, dominant: str) -> str:
    """one row of the table: ``label`` (escaped as a cell) and the side's figures per ``item``"""
    return (f"| {markdown_cell(label)} | {accuracy} | {b.total_energy_pj / b.mvms:.4g} pJ/{item} | "
            f"{_fmt(b.item_latency_ns * 1e-9, 's')} per {item} | {_fmt(b.throughput_items_per_s, item + '/s')} | "
            f"{b.area_mm2:.4g} | "
            f"{b.tops_per_w:.4g} | {macro_cell(b)} | {b.tops_per_mm2:.4g} | {gain} | {dominant} |")


def _accuracy(comp: Comparison) -> str:
    """the accuracy cell: the run's headline, or over several Monte Carlo trials its headline metric (a network's
    analog accuracy, or its outputs' error without classes; a dense layer's relative error), the same in every row
    whatever varies: its mean, std and worst trial, or its one value where the trials agree"""
    over = spreads(comp.runs)
    if not over:
        return comp.run.headline
    name, spread = next(iter(over.items()))
    return (f"{metric_label(name, getattr(comp.run, 'labelled', True))} over {len(comp.runs)} trials: "
            f"{spread_text(name, spread)}")


def multi_markdown(comps: Iterable[Comparison], reports: str | None = None) -> str:
    """Several architectures side by side (each against its baseline), with what dominates each; ``reports``: the
    folder the architectures' own reports are written in, as the reader finds it ("": beside this report; None:
    not written, and not pointed to)."""
    comps = list(comps) if isinstance(comps, Iterable) and not isinstance(comps, (Comparison, str)) else [None]
    if not all(isinstance(c, Comparison) for c in comps):
        raise TypeError("comps must be a sequence of cimsim Comparisons (cimsim.compare(config))")
    if not (reports is None or isinstance(reports, (str, os.PathLike))):
        raise TypeError(f"reports must be a folder path or None; got {type(reports).__name__}")
    lines = [
        f"# cimsim comparison of {len(comps)} architectures",
        "",
        "Each architecture runs its own config's workload; gains are against that config's baseline, priced for "
        f"the same workload. Steady state (weights resident); TOPS count 2 operations per MAC (TOPS/W: the "
        "system's, DRAM included; macro TOPS/W: arrays and converters alone, as papers quote a macro; TOPS/mm² over "
        f"the whole workload's latency, pipeline fill included). {trust.RANGE_NOTE}",
        "",
        "| architecture | accuracy | energy | latency of one item | throughput | area (mm²) | TOPS/W | macro TOPS/W "
        "| TOPS/mm² | energy gain | dominant component |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for comp in comps:
        item = item_name(comp.run)
        gain = f"{comp.gain['energy']:.3g}x{trust.gain_range_cell(comp.energy_gain_range)}"
        lines.append(_row(f"{comp.cim.name} ({code_span(comp.run.config.source)})", comp.cim, item, _accuracy(comp),
                          gain, dominant_component(comp.cim, comp.run, item)))
    for base, item, label in distinct_baselines([(c.baseline, item_name(c.run), c.run.config.name) for c in comps]):
        top, energy = max(base.energy_pj.items(), key=lambda kv: kv[1])
        lines.append(_row(label, base, item, "exact", "1x",
                          f"{markdown_cell(top)} ({100 * energy / base.total_energy_pj:.1f} %)"))
    if any(len(comp.runs) > 1 for comp in comps):
        own = " (its own report gives every figure's spread)" if reports is not None else ""
        lines += ["", "Monte Carlo: where an architecture ran several trials, its accuracy is the mean over them, with "
                      f"the sample std and the worst trial (or the one value all of them gave){own}; its costs are "
                      "priced on the first trial."]
    lines += ["", "## Why each architecture spends what it spends", ""]
    for comp in comps:
        dominant = dominant_component(comp.cim, comp.run, item_name(comp.run))
        b = comp.cim
        adcs = (f"ADCs take {100 * b.area_um2['adc'] / sum(b.area_um2.values()):.1f} % of the area" if "adc" in
                b.area_um2 else "No ADC: its arrays sum digitally")
        lines += [f"- **{b.name}**: dominated by {dominant}; over the whole workload ({b.mvms} {item_name(comp.run)}"
                  f"{'s' if b.mvms != 1 else ''}), compute {_fmt(b.compute_ns * 1e-9, 's')}, waiting on data "
                  f"{_fmt(b.stall_ns * 1e-9, 's')}. {adcs}."]
    if reports is not None:
        lines += ["", "Each architecture's full report (breakdowns, assumptions) is in "
                      f"{code_span(os.path.join(reports, '<name>', 'report.md'))}."]
    return "\n".join(lines + [""])
