"""The human forms of a run and of a CIM-versus-baseline comparison: terminal text and Markdown reports."""

from __future__ import annotations

import math

from .argcheck import checked_types, code_span, markdown_cell
from .breakdown import Breakdown, StageTime
from .comparison import MACRO_COMPONENTS, Comparison
from .config.checks import binary_inputs
from .config.modes import ArrayFamily, InputRange
from .cost import cim_parameters, pricing_table, trust
from .packing import packed_blocks
from .report_design import design_line
from .report_json import clipped_fraction, macro_components
from .run import RunResult
from .trials import Result, Spread, metric_label, spreads

__all__ = ["comparison_markdown", "comparison_summary", "item_name", "dominant_component", "run_text", "spread_text"]


def _fmt(x: float, unit: str) -> str:
    """x (in the base unit) with an SI prefix, 3 significant digits. A physical unit (J, s, W) takes any prefix, but
    seconds none above 1 (4480 s, not 4.48 ks); a count's rate (MVM/s, inference/s) none below 1 (0.223 MVM/s, not
    223 mMVM/s) and a spaced one above (31.2 k inference/s)."""
    if not math.isfinite(x):
        return "inf"
    if x == 0:
        return f"0 {unit}"
    physical, near_one = unit in ("J", "s", "W"), abs(x) >= 1 - 5e-4  # (values that round up take the prefix)
    if unit == "s" and near_one:
        return f"{x:.3g} s" if abs(x) < 999.5 else f"{x:.0f} s"
    if not (physical or near_one):
        return f"{x:.3g} {unit}"
    for scale, prefix in ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k"), (1.0, ""), (1e-3, "m"), (1e-6, "µ"),
                          (1e-9, "n")):
        if abs(x) >= scale * (1 - 5e-4):
            spaced = " " if prefix and not physical and unit[:1].isalpha() else ""
            return f"{x / scale:.3g} {prefix}{spaced}{unit}"
    return f"{x / 1e-12:.3g} p{unit}"


def _span(values) -> str:
    """'a' when every value is a, else 'min to max'"""
    low, high = float(values.min()), float(values.max())
    return f"{low:.6g}" if low == high else f"{low:.6g} to {high:.6g}"


def _share_table(values: dict[str, float], header: str, scale: float = 1.0) -> list[str]:
    """Markdown rows of each component's value (times ``scale``) and share of the total, largest first."""
    total = sum(values.values())
    rows = [f"| component | {header} | share |", "|---|---:|---:|"]
    for name, v in sorted(values.items(), key=lambda kv: -kv[1]):
        rows.append(f"| {name} | {v * scale:.4g} | {100 * v / total if total else 0:.1f} % |")
    return rows


def _side_by_side(cim: Breakdown, base: Breakdown, gain: dict[str, float], item: str) -> list[str]:
    """the two sides' figures; ``item`` names one workload item (MVM, inference)"""
    per_mvm = lambda b: b.total_energy_pj / b.mvms  # noqa: E731
    return [
        f"| figure | CIM ({markdown_cell(cim.name)}) | baseline ({markdown_cell(base.name)}) | gain (> 1: CIM wins) |",
        "|---|---:|---:|---:|",
        f"| energy (whole workload) | {_fmt(cim.total_energy_pj * 1e-12, 'J')} | "
        f"{_fmt(base.total_energy_pj * 1e-12, 'J')} | {gain['energy']:.3g}x |",
        f"| energy per {item} | {per_mvm(cim):.4g} pJ | {per_mvm(base):.4g} pJ | |",
        f"| latency (whole workload) | {_fmt(cim.latency_ns * 1e-9, 's')} | {_fmt(base.latency_ns * 1e-9, 's')} "
        f"| {gain['latency']:.3g}x |",
        f"| latency of one {item} | {_fmt(cim.item_latency_ns * 1e-9, 's')} | {_fmt(base.item_latency_ns * 1e-9, 's')} "
        "| |",
        f"| interval between {item}s (steady state) | {_fmt(cim.interval_ns * 1e-9, 's')} | "
        f"{_fmt(base.interval_ns * 1e-9, 's')} | |",
        f"| throughput (steady state) | {_fmt(cim.throughput_items_per_s, item + '/s')} | "
        f"{_fmt(base.throughput_items_per_s, item + '/s')} "
        f"| {gain['throughput']:.3g}x |",
        f"| EDP (whole workload) | {cim.edp_pj_ns:.4g} pJ·ns | {base.edp_pj_ns:.4g} pJ·ns | {gain['edp']:.3g}x |",
        f"| TOPS/W, system (2 ops per MAC) | {cim.tops_per_w:.4g} | {base.tops_per_w:.4g} | |",
        f"| TOPS/W, macro alone (arrays and converters) | {_macro_tops_per_w(cim):.4g} | - | |",
        f"| area | {cim.area_mm2:.4g} mm² | {base.area_mm2:.4g} mm² | |",
        f"| TOPS/mm² (2 ops per MAC, over the whole workload's latency) | {cim.tops_per_mm2:.4g} | "
        f"{base.tops_per_mm2:.4g} | |",
    ]


def _per_side(comp: Comparison, lines) -> list[str]:
    """``lines(breakdown)`` for the CIM side, then the baseline, each under its name"""
    return [out for side, b in (("CIM", comp.cim), ("Baseline", comp.baseline))
            for out in (f"{side} ({b.name}):", "", *lines(b), "")]


def _stage_table(b: Breakdown) -> list[str]:
    """the CIM pipeline: one row per stage (layer)"""
    if not b.stages:
        return []
    return ["### Pipeline stages", "",
            "| stage | arrays | tiles | copies of the weights | interval | set by | latency of one item |",
            "|---:|---:|---:|---:|---:|---|---:|",
            *(f"| {s.index} | {s.arrays} | {s.tiles} | {s.copies} | {_fmt(s.interval_ns * 1e-9, 's')} | "
              f"{_interval_bound(s)} | {_fmt(s.latency_ns * 1e-9, 's')} |" for s in b.stages), ""]


def _interval_bound(s: StageTime) -> str:
    """what sets a stage's interval: its compute or its transfers, with the other's time"""
    compute, moves = s.compute_interval_ns, s.transfer_interval_ns
    if compute >= moves:
        return f"compute (transfers {_fmt(moves * 1e-9, 's')})"
    return f"transfers (compute {_fmt(compute * 1e-9, 's')})"


def _time_split(b: Breakdown) -> str:
    share = 100 * b.stall_ns / b.latency_ns if b.latency_ns else 0.0
    return (f"- **{b.name}**: {_fmt(b.latency_ns * 1e-9, 's')} in all: computing {_fmt(b.compute_ns * 1e-9, 's')}, "
            f"waiting on data movement {_fmt(b.stall_ns * 1e-9, 's')} ({share:.1f} % of the time; data movement "
            f"alone needs {_fmt(b.memory_ns * 1e-9, 's')})")


@checked_types
def comparison_markdown(comp: Comparison) -> str:
    """report.md: the result with the breakdowns and the assumptions of both sides beside it."""
    head, tail = _comparison_parts(comp)
    return "\n".join(head + tail)


@checked_types
def comparison_summary(comp: Comparison) -> str:
    """What ``cimsim compare`` prints: the report up to the dominant components (no tables of parts)."""
    return "\n".join(_comparison_parts(comp)[0])


def item_name(result: Result) -> str:
    """what one workload item is: an MVM of a dense layer, or an inference of a network"""
    return result.item


def _workload_lines(result: Result, stages: tuple = ()) -> list[str]:
    """the config and workload; a layer's arrays count every copy of its weights (mapping.replication x those
    chip.balance adds, from the CIM side's ``stages`` where it has them), its tiles one copy's"""
    cfg = result.config
    lines = [f"Config {code_span(cfg.source)}, seed {cfg.simulation.seed}, {cfg.simulation.trials} trial(s). "
             f"Design: {design_line(cfg)}", ""]
    if isinstance(result, RunResult):
        (p, stage), given = (result.plan, _per_layer(stages, 1)[0]), " and ".join(result.given)
        given, copies = f" ({given} given in memory)" if given else "", stage.copies if stage else p.replication
        return lines + [
            f"Workload: a {p.out_features} x {p.in_features} dense layer, {cfg.workload.vectors} input vectors{given}, "
            f"on {stage.arrays if stage else p.n_arrays} arrays ({f'{copies} copies of ' if copies > 1 else ''}"
            f"{p.row_tiles} row x {p.col_tiles} column tiles, "
            f"{p.n_slices} slices per weight, {p.n_planes} input planes).", ""]
    source = "a network given in memory" if result.network_given else code_span(cfg.workload.network_file)
    data = "given in memory" if result.inputs_given else f"of the {cfg.workload.dataset} dataset"
    return lines + [
        f"Workload: {source} ({len(result.layers)} matrix layers), {result.samples} samples {data}.", "",
        "| layer | matrix (out x in) | products per sample | arrays | copies of the weights | row x column tiles "
        "of a copy |",
        "|---:|---|---:|---:|---:|---|",
        *(_layer_row(layer, s, shape, result.samples) for layer, s, shape in zip(
            result.layers, _per_layer(stages, len(result.layers)),
            result.network.matrix_shapes() if result.network is not None else (None,) * len(result.layers))), ""]


def _layer_row(layer, stage, shape, samples: int) -> str:
    """a network layer's row of the workload table; a grouped matrix's (``shape``: its MatrixShape) is its packed
    blocks' (:mod:`.packing`): the layer's matrix, its products, the copies of its weights, a block's tiles"""
    p, groups = layer.plan, shape.groups if shape is not None else 1
    blocks = packed_blocks(p, shape.in_features // groups, groups) if groups > 1 else 1
    matrix = (f"{shape.out_features} x {shape.in_features} ({groups} groups in {blocks} packed blocks of "
              f"{p.out_features} x {p.in_features})" if blocks > 1 else f"{p.out_features} x {p.in_features}")
    copies = stage.copies if stage else p.replication // blocks
    return (f"| {layer.index} | {matrix} | {layer.counts.mvms // samples // blocks} | "
            f"{stage.arrays if stage else p.n_arrays} | {copies} | {p.row_tiles} x {p.col_tiles} |")


def _per_layer(stages: tuple, layers: int) -> tuple:
    """the chip's stages, one a layer, or Nones where it has not one a layer"""
    return stages if len(stages) == layers else (None,) * layers


def _accuracy_lines(results: tuple[Result, ...]) -> list[str]:
    r = results[0]
    cim = "digital CIM" if (exact := r.config.array.family == ArrayFamily.DIGITAL) else "analog"
    if isinstance(r, RunResult):
        lines = [
            "| compared | relative error | SNR (dB) |",
            "|---|---:|---:|",
            f"| {cim} vs float | {r.vs_float.relative_error:.4g} | {r.vs_float.snr_db:.2f} |",
            f"| {cim} vs quantised digital ({'no error: the same sums' if exact else 'analog error alone'}) | "
            f"{r.vs_digital.relative_error:.4g} | {r.vs_digital.snr_db:.2f} |",
            f"| quantised digital vs float (quantisation alone) | {r.digital_vs_float.relative_error:.4g} | "
            f"{r.digital_vs_float.snr_db:.2f} |",
            "",
            "No ADC: the adder trees sum the products exactly." if exact else
            f"ADC: full scale {_span(r.adc.full_scale)} units, LSB {_span(r.adc.lsb)} units (one unit = one input "
            f"code x one conductance level); {100 * r.clipped_fraction:.3f} % of conversions clipped.",
            _dac_text(r, "input values"),
        ]
    else:
        metric = "accuracy" if r.labelled else "top-1 agreement with float (no labels)"
        lines = [
            f"| network | {metric} |",
            "|---|---:|",
            f"| float (as trained) | {100 * r.float_accuracy:.2f} % |",
            f"| quantised digital ({r.config.mapping.weight_bits}-bit weights, {r.config.dac.input_bits}-bit inputs) "
            f"| {100 * r.digital_accuracy:.2f} % |",
            f"| {cim} (these arrays{', exact sums' * exact}) | {100 * r.analog_accuracy:.2f} % |",
        ] if math.isfinite(r.float_accuracy) else [
            "The network gives one value per output position (no classes): top-1 accuracy does not apply; its "
            "outputs are compared below."]
        lines += [
            "",
            f"Network outputs against the float network's: {cim} {r.vs_float.relative_error:.4g} relative error "
            f"({r.vs_float.snr_db:.2f} dB SNR), quantised digital {r.digital_vs_float.relative_error:.4g} "
            f"({r.digital_vs_float.snr_db:.2f} dB).",
            "",
            _dac_text(r, f"the matrix layers' input values ({'the arrays' if exact else 'analog'} pass)"),
            "",
            f"| layer | relative error of its {'exact' if exact else 'analog'} products | SNR (dB) | ADC clipped | "
            "inputs clipped |",
            "|---:|---:|---:|---:|---:|",
            *(f"| {layer.index} | {layer.vs_digital.relative_error:.4g} | {layer.vs_digital.snr_db:.2f} | "
              f"{'no ADC' if exact else f'{100 * clipped_fraction(layer):.3f} %'} | "
              f"{100 * layer.input_clipped_fraction:.3f} % |"
              for layer in r.layers),
        ]
    if len(results) > 1:
        lines = [f"The first of {len(results)} trials (the spread over all of them below):", "", *lines, ""]
        lines += [f"Monte Carlo over {len(results)} trials, {metric_label(name, getattr(results[0], 'labelled', True))}"
                  f": {spread_text(name, spread)}." for name, spread in spreads(results).items()]
    return lines


def _dac_text(r: Result, values: str) -> str:
    """the DAC's full scale, and the share of ``values`` beyond it (saturated at its top code; binary inputs: none)"""
    d = r.config.dac
    if d.input_range != InputRange.FIXED:
        return "DAC: each input vector at its own full scale (no input clips)."
    if binary_inputs(d.input_bits, d.signed_inputs):
        return f"DAC: binary inputs: each value read as sign(x) x dac.input_max = {d.input_max:g} (none saturates)."
    return (f"DAC: full scale dac.input_max = {d.input_max:g}; {100 * r.input_clipped_fraction:.3f} % of "
            f"{values} beyond it clipped (saturated at the top code).")


def spread_text(name: str, spread: Spread) -> str:
    """metric ``name``'s spread over the Monte Carlo trials in words: mean, std and worst trial, or the one value of
    identical trials (an accuracy in percent)"""
    if not spread.varies:
        value = f"{100 * spread.values[0]:.2f} %" if name.endswith("accuracy") else f"{spread.values[0]:.4g}"
        return f"{value}, identical in all {len(spread.values)} trials"
    if name.endswith("accuracy"):
        return f"mean {100 * spread.mean:.2f} %, std {100 * spread.std:.2f} points, worst {100 * spread.worst:.2f} %"
    return f"mean {spread.mean:.4g}, std {spread.std:.3g}, worst {spread.worst:.4g}"


def _comparison_parts(comp: Comparison) -> tuple[list[str], list[str]]:
    cfg = comp.run.config
    top = max(comp.cim.energy_pj.items(), key=lambda kv: kv[1])
    base_top = max(comp.baseline.energy_pj.items(), key=lambda kv: kv[1])
    head = [
        f"# cimsim report: {cfg.name}",
        "",
        *_workload_lines(comp.run, comp.cim.stages),
        "## Accuracy",
        "",
        *_accuracy_lines(comp.runs),
        "",
        "## Cost, steady state (weights resident)",
        "",
        *_side_by_side(comp.cim, comp.baseline, comp.gain, item_name(comp.run)),
        "",
        trust.gain_range_line(comp.gain["energy"], comp.energy_gain_range),
        trust.area_range_line(comp.cim.area_mm2, comp.cim.tops_per_mm2, comp.area_range),
        "",
        f"The CIM macro alone (arrays and converters: {', '.join(macro_components(comp.cim))}) spends "
        f"{comp.macro_energy_pj:.4g} pJ ({_macro_tops_per_w(comp.cim):.4g} TOPS/W).",
        "",
        "### Where the time goes",
        "",
        _time_split(comp.cim),
        _time_split(comp.baseline),
        "",
        "### Where the energy goes",
        "",
        f"CIM is dominated by **{top[0]}** ({100 * top[1] / comp.cim.total_energy_pj:.1f} %); the baseline by "
        f"**{base_top[0]}** ({100 * base_top[1] / comp.baseline.total_energy_pj:.1f} %).",
        "",
    ]
    tail = [
        *_stage_table(comp.cim),
        *_per_side(comp, lambda b: _share_table(b.energy_pj, "energy (pJ)")),
        "### Area",
        "",
        *_per_side(comp, lambda b: _share_table(b.area_um2, "area (mm²)", 1e-6)),
        "## Including loading the weights once",
        "",
        *_side_by_side(comp.cim_with_load, comp.baseline_with_load, comp.gain_with_load, item_name(comp.run)),
        "",  # what the load adds to (or changes in) each side's assumptions below (the JSON's had been alone)
        *[f"- {side}: {a}" for side, steady, loaded in (("CIM", comp.cim, comp.cim_with_load),
                                                         ("Baseline", comp.baseline, comp.baseline_with_load))
          for a in loaded.assumptions if a not in steady.assumptions], "",
        "## Assumptions",
        "",
        *_per_side(comp, lambda b: [f"- {a}" for a in b.assumptions]),
    ]
    return head, tail


def run_text(results: tuple[Result, ...], cim: Breakdown) -> str:
    """The human summary ``cimsim run`` prints."""
    r = results[0]
    lines = [
        f"{r.config.name} ({sum(x.wall_s for x in results):.2f} s)",
        "",
        *_workload_lines(r, cim.stages),
        *_accuracy_lines(results),
        "",
        f"CIM cost (first trial; whole workload of {cim.mvms} {item_name(r)}s unless per {item_name(r)}): energy "
        f"{_fmt(cim.total_energy_pj * 1e-12, 'J')} ({cim.total_energy_pj / cim.mvms:.4g} pJ per {item_name(r)}), "
        f"{cim.tops_per_w:.4g} TOPS/W system, {_macro_tops_per_w(cim):.4g} TOPS/W macro (arrays and converters), "
        f"latency {_fmt(cim.latency_ns * 1e-9, 's')}, "
        f"throughput {_fmt(cim.throughput_items_per_s, item_name(r) + '/s')}, "
        f"area {cim.area_mm2:.4g} mm²",
        "",
        *_share_table(cim.energy_pj, "energy (pJ)"),
    ]
    return "\n".join(lines)


def _macro_tops_per_w(b: Breakdown) -> float:
    """TOPS/W of the macro alone (the figure papers quote): arrays and converters, no buffers, DRAM, NoC, and the
    MACs the arrays did (not a vector unit's activation products)."""
    macro_pj = sum(v for k, v in b.energy_pj.items() if k in MACRO_COMPONENTS)
    return 2 * b.array_macs / macro_pj if macro_pj else 0.0


def dominant_component(b: Breakdown, result: Result | None, item: str) -> str:
    """Which component of ``b`` spends most, and why: its actions per ``item`` times the energy of one, read from
    the pricing table of ``result``'s layer (:func:`cimsim.cost.pricing_table`); ``result`` None or a network: the
    share alone (a network's data movement is priced per stage)."""
    name, energy = max(b.energy_pj.items(), key=lambda kv: kv[1])
    share = 100 * energy / b.total_energy_pj if b.total_energy_pj else 0.0
    text = f"{name} ({share:.1f} % of the energy)"
    if not isinstance(result, RunResult) or not b.mvms:
        return text
    table = {c.name: c for c in pricing_table(result.plan, cim_parameters(result.config, result.plan))}
    if name in table:
        action = max(table[name].actions, key=lambda a: a.count(result.counts) * a.energy_pj)
        n = action.count(result.counts)
        if n:
            text += f": {n / b.mvms:.4g} {action.label} per {item} at {action.energy_pj:.3g} pJ each"
    return text
