"""The report of a workload priced from its shapes alone (:class:`cimsim.api.Estimate`, ``cimsim estimate``)."""

from __future__ import annotations

import os

from .breakdown import Breakdown
from .cost.trust import RANGE_NOTE, area_range_line, gain_range_cell, gain_range_line
from .argcheck import code_span, markdown_cell
from .models.from_network import SAMPLE_ITEMS, SAMPLE_VALUES, SAMPLE_VECTORS
from .numerics.samples import SAMPLE_VALUES_MAX
from .report import _fmt, _macro_tops_per_w, _share_table, _side_by_side, _stage_table, _time_split
from .report_json import to_json

__all__ = ["estimate_markdown", "estimates_markdown"]


def estimate_markdown(est) -> str:
    """The two sides' figures, where their energy goes and the assumptions of both, marked as an estimate."""
    cim, base = est.cim, est.baseline
    dominant = [max(b.energy_pj.items(), key=lambda kv: kv[1]) for b in (cim, base)]
    data = (f"each matrix layer's input codes measured in a float forward pass of samples evenly spaced over the "
            f"workload's (until each layer saw {SAMPLE_VECTORS} vectors and {SAMPLE_VALUES} values, {SAMPLE_ITEMS} "
            "samples at most), and its weight levels over evenly spaced outputs" if est.item == "inference" else
            f"at the input codes of a sample of the workload's vectors and the weight levels of a sample of its "
            f"weight rows ({SAMPLE_VECTORS} of each, fewer where they would hold over {SAMPLE_VALUES_MAX} values, more "
            f"where under {SAMPLE_VALUES}: an inputs or weights file's evenly spaced over it, the largest weight's row "
            "among them, generated data's first)")
    lines = [
        f"# cimsim estimate: {cim.name}",
        "",
        f"Priced from the workload's shapes alone ({cim.mvms} {est.item}s, steady state with the weights resident), "
        f"without simulating: no accuracy; the data-dependent counts estimated (`cimsim.analytic`): {data}. "
        "`cimsim compare` simulates and prices what ran."
        + (f" Priced from data given in memory ({', '.join(est.given_in_memory)}), not as the config's workload "
           "describes it." if est.given_in_memory else ""),
        "",
        *_side_by_side(cim, base, est.gain, est.item),
        "",
        gain_range_line(est.gain["energy"], est.energy_gain_range),
        area_range_line(cim.area_mm2, cim.tops_per_mm2, est.area_range),
        "",
        _time_split(cim),
        _time_split(base),
        "",
        f"CIM is dominated by **{dominant[0][0]}** ({100 * dominant[0][1] / cim.total_energy_pj:.1f} %); the "
        f"baseline by **{dominant[1][0]}** ({100 * dominant[1][1] / base.total_energy_pj:.1f} %).",
        "",
        *_stage_table(cim),
    ]
    for side, b in (("CIM", cim), ("Baseline", base)):
        lines += [f"## {side} ({b.name})", "", *_share_table(b.energy_pj, "energy (pJ)"), "",
                  *_share_table(b.area_um2, "area (mm²)", 1e-6), "", *(f"- {a}" for a in b.assumptions), ""]
    return "\n".join(lines)


def estimates_markdown(ests, sources) -> str:
    """Several designs priced from shapes side by side, each against its own baseline (``sources``: their files,
    one each: a ValueError else, where a design had been left out)."""
    ests = list(ests)  # a generator read once
    sources = [os.fspath(s) for s in ([sources] if isinstance(sources, (str, os.PathLike)) else sources)]
    if len(sources) != len(ests):
        raise ValueError(f"sources must name the file of each of the {len(ests)} designs; got {len(sources)}")
    lines = [f"# cimsim estimate of {len(ests)} designs", "",
             "Each priced from its own config's workload shapes alone, without simulating (no accuracy; "
             "`cimsim estimate CONFIG` gives one design's assumptions); gains against that config's baseline (each "
             "distinct baseline a row of its own); TOPS "
             "count 2 operations per MAC (TOPS/W: the system's, DRAM included; macro TOPS/W: arrays and converters "
             "alone, as papers quote a macro; TOPS/mm² over the whole workload's latency, pipeline fill included). "
             + RANGE_NOTE, "",
             "| design | energy | latency of one item | throughput | area (mm²) | TOPS/W | macro TOPS/W | TOPS/mm² "
             "| energy gain | dominant |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    for est, source in zip(ests, sources):
        lines.append(_row(f"{est.cim.name} ({code_span(source)})", est.cim, est.item,
                          f"{est.gain['energy']:.3g}x{gain_range_cell(est.energy_gain_range)}"))
    # by file: estimate, unlike compare, takes two configs of one name
    lines += [_row(label, base, item, "1x") for base, item, label in
              distinct_baselines([(est.baseline, est.item, code_span(source)) for est, source in zip(ests, sources)])]
    return "\n".join(lines + [""])


def distinct_baselines(sides: list[tuple[Breakdown, str, str]]) -> list[tuple[Breakdown, str, str]]:
    """(baseline, item, row label) once per distinct baseline of ``sides`` ((baseline, item, workload), ...): the
    same processor on the same workload is one row, its label naming every workload it stands for"""
    rows: dict[str, tuple[Breakdown, str, list[str]]] = {}
    for base, item, workload in sides:
        names = rows.setdefault(to_json(base.as_dict()), (base, item, []))[2]
        names += [workload] * (workload not in names)
    return [(base, item, f"baseline {base.name} on {names[0]}'s workload" if len(names) == 1 else
             f"baseline {base.name} on the workloads of {', '.join(names[:-1])} and {names[-1]} (one row: the "
             "same figures)") for base, item, names in rows.values()]


def macro_cell(b: Breakdown) -> str:
    """a table's cell of the macro-alone TOPS/W of ``b`` (arrays and converters), '-' for a side without arrays (a
    baseline); the system's alone had been shown where several designs stand side by side (a chips probe)"""
    return f"{_macro_tops_per_w(b):.4g}" if _macro_tops_per_w(b) else "-"


def _row(label: str, b, item: str, gain: str) -> str:
    """one row of the table: ``label`` (escaped as a cell) and the side's figures per ``item``"""
    top, energy = max(b.energy_pj.items(), key=lambda kv: kv[1])
    return (f"| {markdown_cell(label)} | {b.total_energy_pj / b.mvms:.4g} pJ/{item} | "
            f"{_fmt(b.item_latency_ns * 1e-9, 's')} per {item} | {_fmt(b.throughput_items_per_s, item + '/s')} | "
            f"{b.area_mm2:.4g} | {b.tops_per_w:.4g} | {macro_cell(b)} | {b.tops_per_mm2:.4g} | {gain} | "
            f"{markdown_cell(top)} ({100 * energy / b.total_energy_pj:.1f} %) |")
