"""Reports: the JSON and Markdown forms of a run and of a CIM-versus-baseline comparison.

JSON carries no NaN/Infinity: an infinite figure (e.g. the SNR of an exact result) is written as null.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from pathlib import Path

from .breakdown import Breakdown
from .compare import MACRO_COMPONENTS, Comparison
from .config.load import config_to_dict
from .run import RunResult

__all__ = ["run_dict", "comparison_dict", "comparison_markdown", "comparison_summary", "run_text", "write_atomic", "to_json"]


def _finite(value):
    """JSON-safe copy: non-finite floats become None."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value


def to_json(data: dict) -> str:
    return json.dumps(_finite(data), indent=2, allow_nan=False) + "\n"


def write_atomic(path: str | os.PathLike, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file and a rename: never a half-written file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _accuracy(result: RunResult) -> dict:
    return {
        **result.vs_float.as_dict(),
        "vs_quantized_digital": result.vs_digital.as_dict(),
        "quantized_digital_vs_float": result.digital_vs_float.as_dict(),
        "adc_clipped_fraction": result.clipped_fraction,
        "adc_full_scale": {"min": float(result.adc.full_scale.min()), "max": float(result.adc.full_scale.max())},
        "adc_lsb": {"min": float(result.adc.lsb.min()), "max": float(result.adc.lsb.max())},
    }


def _plan(result: RunResult) -> dict:
    p = result.plan
    return {"arrays": p.n_arrays, "row_tiles": p.row_tiles, "col_tiles": p.col_tiles, "slices": p.n_slices,
            "outputs_per_array": p.outputs_per_array, "input_planes": p.n_planes,
            "reads_per_vector_per_array": p.reads_per_vector, "adcs_per_array": p.adcs_per_array}


def run_dict(result: RunResult, cim: Breakdown) -> dict:
    """What ``cimsim run -o`` writes."""
    return {
        "config": config_to_dict(result.config),
        "source": result.config.source,
        "mapping": _plan(result),
        "accuracy": _accuracy(result),
        "counts": result.counts.as_dict(),
        "programming_counts": result.programming_counts.as_dict(),
        "cim": cim.as_dict(),
        "wall_s": result.wall_s,
    }


def comparison_dict(comp: Comparison) -> dict:
    """What ``cimsim compare`` writes to report.json."""
    return {
        "name": comp.run.config.name,
        "source": comp.run.config.source,
        "config": config_to_dict(comp.run.config),
        "mapping": _plan(comp.run),
        "accuracy": _accuracy(comp.run),
        "cim": comp.cim.as_dict(),
        "baseline": comp.baseline.as_dict(),
        "gain": comp.gain,
        "macro": {"energy_pj": comp.macro_energy_pj, "components": list(MACRO_COMPONENTS),
                  "tops_per_w": 2.0 * comp.cim.macs / comp.macro_energy_pj if comp.macro_energy_pj else None},
        "including_weight_load": {"cim": comp.cim_with_load.as_dict(), "baseline": comp.baseline_with_load.as_dict(),
                                  "gain": comp.gain_with_load},
        "counts": comp.run.counts.as_dict(),
        "programming_counts": comp.run.programming_counts.as_dict(),
    }


def _fmt(x: float, unit: str) -> str:
    """x (in the base unit) with an SI prefix, 3 significant digits"""
    if not math.isfinite(x):
        return "inf"
    if x == 0:
        return f"0 {unit}"
    for scale, prefix in ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k"), (1.0, ""), (1e-3, "m"), (1e-6, "µ"),
                          (1e-9, "n")):
        if abs(x) >= scale:
            return f"{x / scale:.3g} {prefix}{unit}"
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


def _side_by_side(cim: Breakdown, base: Breakdown, gain: dict[str, float]) -> list[str]:
    per_mvm = lambda b: b.total_energy_pj / b.mvms  # noqa: E731
    return [
        f"| figure | CIM ({cim.name}) | baseline ({base.name}) | gain (> 1: CIM wins) |",
        "|---|---:|---:|---:|",
        f"| energy | {_fmt(cim.total_energy_pj * 1e-12, 'J')} | {_fmt(base.total_energy_pj * 1e-12, 'J')} "
        f"| {gain['energy']:.3g}x |",
        f"| energy per MVM | {per_mvm(cim):.4g} pJ | {per_mvm(base):.4g} pJ | |",
        f"| latency | {_fmt(cim.latency_ns * 1e-9, 's')} | {_fmt(base.latency_ns * 1e-9, 's')} | {gain['latency']:.3g}x |",
        f"| throughput | {_fmt(cim.throughput_mvm_per_s, 'MVM/s')} | {_fmt(base.throughput_mvm_per_s, 'MVM/s')} "
        f"| {gain['throughput']:.3g}x |",
        f"| EDP | {cim.edp_pj_ns:.4g} pJ·ns | {base.edp_pj_ns:.4g} pJ·ns | {gain['edp']:.3g}x |",
        f"| TOPS/W | {cim.tops_per_w:.4g} | {base.tops_per_w:.4g} | |",
        f"| area | {cim.area_mm2:.4g} mm² | {base.area_mm2:.4g} mm² | |",
        f"| TOPS/mm² | {cim.tops_per_mm2:.4g} | {base.tops_per_mm2:.4g} | |",
    ]


def _time_split(b: Breakdown) -> str:
    share = 100 * b.stall_ns / b.latency_ns if b.latency_ns else 0.0
    return (f"- **{b.name}**: {_fmt(b.latency_ns * 1e-9, 's')} in all: computing {_fmt(b.compute_ns * 1e-9, 's')}, "
            f"waiting on data movement {_fmt(b.stall_ns * 1e-9, 's')} ({share:.1f} % of the time; data movement "
            f"alone needs {_fmt(b.memory_ns * 1e-9, 's')})")


def comparison_markdown(comp: Comparison) -> str:
    """report.md: the result with the breakdowns and the assumptions of both sides beside it."""
    head, tail = _comparison_parts(comp)
    return "\n".join(head + tail)


def comparison_summary(comp: Comparison) -> str:
    """What ``cimsim compare`` prints: the report up to the dominant components (no tables of parts)."""
    return "\n".join(_comparison_parts(comp)[0])


def _comparison_parts(comp: Comparison) -> tuple[list[str], list[str]]:
    r, cfg = comp.run, comp.run.config
    p = r.plan
    top = max(comp.cim.energy_pj.items(), key=lambda kv: kv[1])
    base_top = max(comp.baseline.energy_pj.items(), key=lambda kv: kv[1])
    head = [
        f"# cimsim report: {cfg.name}",
        "",
        f"Config `{cfg.source}`, seed {cfg.simulation.seed}. Workload: a {cfg.workload.out_features} x "
        f"{cfg.workload.in_features} dense layer, {cfg.workload.vectors} input vectors, "
        f"{cfg.mapping.weight_bits}-bit weights, {cfg.dac.input_bits}-bit inputs.",
        "",
        f"Mapping: {p.n_arrays} arrays of {p.rows} x {p.cols} ({p.row_tiles} row x {p.col_tiles} column tiles), "
        f"{p.n_slices} slices of {p.bits_per_cell} bits per weight, {cfg.mapping.signed_encoding} encoding with "
        f"{cfg.mapping.subtraction} subtraction, {p.n_planes} input planes ({cfg.dac.mode}, {cfg.dac.signed_inputs}), "
        f"{p.rows_per_read} rows per read, {p.adc_bits}-bit ADC (range {cfg.adc.range}, {p.cols_per_adc} columns "
        f"per ADC).",
        "",
        "## Accuracy",
        "",
        "| compared | relative error | SNR (dB) |",
        "|---|---:|---:|",
        f"| analog vs float | {r.vs_float.relative_error:.4g} | {r.vs_float.snr_db:.2f} |",
        f"| analog vs quantised digital (analog error alone) | {r.vs_digital.relative_error:.4g} | "
        f"{r.vs_digital.snr_db:.2f} |",
        f"| quantised digital vs float (quantisation alone) | {r.digital_vs_float.relative_error:.4g} | "
        f"{r.digital_vs_float.snr_db:.2f} |",
        "",
        f"ADC: full scale {_span(r.adc.full_scale)} units, LSB {_span(r.adc.lsb)} units (one unit = one input code x one "
        f"conductance level); {100 * r.clipped_fraction:.3f} % of conversions clipped.",
        "",
        "## Cost, steady state (weights resident)",
        "",
        *_side_by_side(comp.cim, comp.baseline, comp.gain),
        "",
        f"The CIM macro alone (arrays and converters: {', '.join(MACRO_COMPONENTS)}) spends "
        f"{comp.macro_energy_pj:.4g} pJ ({2.0 * comp.cim.macs / comp.macro_energy_pj:.4g} TOPS/W).",
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
        f"CIM ({comp.cim.name}):",
        "",
        *_share_table(comp.cim.energy_pj, "energy (pJ)"),
        "",
        f"Baseline ({comp.baseline.name}):",
        "",
        *_share_table(comp.baseline.energy_pj, "energy (pJ)"),
        "",
        "### Area",
        "",
        "CIM:",
        "",
        *_share_table(comp.cim.area_um2, "area (mm²)", 1e-6),
        "",
        "Baseline:",
        "",
        *_share_table(comp.baseline.area_um2, "area (mm²)", 1e-6),
        "",
        "## Including loading the weights once",
        "",
        *_side_by_side(comp.cim_with_load, comp.baseline_with_load, comp.gain_with_load),
        "",
        "## Assumptions",
        "",
        "CIM:",
        "",
        *[f"- {a}" for a in comp.cim.assumptions],
        "",
        "Baseline:",
        "",
        *[f"- {a}" for a in comp.baseline.assumptions],
        "",
    ]
    return head, tail


def run_text(result: RunResult, cim: Breakdown) -> str:
    """The human summary ``cimsim run`` prints."""
    a = result.vs_float
    lines = [
        f"{result.config.name}: {result.config.workload.vectors} MVMs of {result.config.workload.out_features} x "
        f"{result.config.workload.in_features} on {result.plan.n_arrays} arrays ({result.wall_s:.2f} s)",
        f"accuracy vs float: relative error {a.relative_error:.4g}, SNR {a.snr_db:.2f} dB "
        f"(analog alone: {result.vs_digital.relative_error:.4g}; quantisation alone: "
        f"{result.digital_vs_float.relative_error:.4g}); ADC clipped {100 * result.clipped_fraction:.3f} %",
        f"energy {_fmt(cim.total_energy_pj * 1e-12, 'J')} ({cim.total_energy_pj / cim.mvms:.4g} pJ/MVM, "
        f"{cim.tops_per_w:.4g} TOPS/W), latency {_fmt(cim.latency_ns * 1e-9, 's')}, "
        f"throughput {_fmt(cim.throughput_mvm_per_s, 'MVM/s')}, area {cim.area_mm2:.4g} mm²",
        "",
        *_share_table(cim.energy_pj, "energy (pJ)"),
    ]
    return "\n".join(lines)
