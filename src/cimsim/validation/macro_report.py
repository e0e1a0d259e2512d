"""The published-macro cases summed up and rendered: statistics, Markdown tables, the generated documents.

``benchmarks/validate_published.py --write`` rewrites the generated section of docs/validation.md
(:func:`validation_section`) and README's summary (:func:`readme_summary`); the tests hold both equal to a run.
"""

from __future__ import annotations

import json
import math
import statistics
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from ..argcheck import code_span, markdown_cell as _cell
from ..config.modes import Accumulation, ArrayFamily, DacMode, InputEncoding
from ..config.schema import Config
from ..mapping import plan_layer
from .macro_comparison import ABSOLUTE_TOLERANCE, TREND_TOLERANCE, MacroCase, excluded_points, macro_cases, survey
from .macro_configs import DEFAULTS, NON_MACRO_COMPONENTS, VECTORS, point_config, same_config
from .macro_data import file_name, load_macros
from .macro_trends import spread_repeats, unpaired
from .macro_record import (figure_kind, macro_medians_quartiles, measured_over_model_quartiles, records_by_family,
                           records_by_family_json)

__all__ = ["Summary", "summarize", "config_summary", "macro_tables_markdown", "expected_outcomes_json",
           "measured_over_model_quartiles", "macro_medians_quartiles", "records_by_family", "records_by_family_json",
           "GENERATED_BEGIN", "GENERATED_END", "README_BEGIN", "README_END", "presets_markdown", "defaults_markdown",
           "validation_section", "macro_section", "readme_summary", "generated_block", "with_generated_block"]

@dataclass(frozen=True)
class Summary:
    macros: int
    """macros in the file"""
    points: int
    """measured points in the file"""
    usable_macros: int
    usable_points: int
    families: tuple[str, ...]
    """families of the usable macros"""
    sweeps: int
    """usable macros with two or more usable points (measured sweeps of one chip)"""
    absolute: int
    trends: int
    median_abs_error: float
    """median |error| of the absolute cases"""
    median_of_macro_medians: float
    """median over macros of each macro's median |error| (so one long sweep does not dominate)"""
    within_absolute: float
    """share of absolute cases within 15 %"""
    within_trend: float
    """share of trend cases within 10 %"""
    excluded_points: int
    derived: int = 0
    """absolute cases derived from the stated cycle (bookkeeping), left out of every statistic above"""
    derived_trends: int = 0
    """trend cases between two such throughputs (of throughput, or of density), left out likewise"""
    derived_within: int = 0
    """of the derived absolute and trend cases, how many are within their tolerance"""

    def prediction_phrase(self) -> str:
        """'median |error| X % over n absolute predictions, Y % within ±15 %', or that there is none."""
        if not self.absolute:
            return "no absolute prediction (every figure compared is derived)"
        return (f"median |error| {100 * self.median_abs_error:.1f} % over {self.absolute} absolute prediction"
                f"{'s' * (self.absolute != 1)}, {100 * self.within_absolute:.0f} % within ±"
                f"{100 * ABSOLUTE_TOLERANCE:.0f} %")

    def trend_phrase(self) -> str:
        """'X % of n trends within ±10 %', or that there is no trend (prediction) to hold."""
        if not self.trends:
            return "no trend prediction" if self.derived_trends else "no trend (no two comparable points of one macro)"
        return (f"{100 * self.within_trend:.0f} % of {self.trends} trend{'s' * (self.trends != 1)} within "
                f"±{100 * TREND_TOLERANCE:.0f} %")

    def derived_phrase(self) -> str:
        """how many cases are derived (bookkeeping) and counted apart, and how many of them are within tolerance"""
        return (f"{self.derived} throughput figure{'s' * (self.derived != 1)} and {self.derived_trends} "
                f"trend{'s' * (self.derived_trends != 1)} (of such throughputs, or of density between two) derived "
                f"from the stated cycle counted apart (bookkeeping, not predictions; {self.derived_within} of them "
                "within tolerance)")


def summarize(cases: Iterable[MacroCase] | None = None, file: str | None = None) -> Summary:
    """The statistics of ``cases`` (default: every case of the macro file ``file``; None: the shipped file): of the
    predictions, the derived (bookkeeping) cases counted apart."""
    cases = tuple(macro_cases(file) if cases is None else cases)
    derived, cases = [c for c in cases if c.bookkeeping], tuple(c for c in cases if not c.bookkeeping)
    usable, excluded = survey(file)
    absolute, trends = [c for c in cases if c.kind == "absolute"], [c for c in cases if c.kind == "trend"]
    points_by_macro: dict[str, set[int]] = {}
    for u in usable:
        points_by_macro.setdefault(u.macro.key, set()).add(u.point.index)
    per_macro: dict[str, list[float]] = {}
    for c in absolute:
        per_macro.setdefault(c.macro, []).append(abs(c.error))
    macros = load_macros(file)
    return Summary(
        macros=len(macros), points=sum(len(m.points) for m in macros),
        usable_macros=len(points_by_macro), usable_points=sum(len(s) for s in points_by_macro.values()),
        families=tuple(sorted({u.macro.family for u in usable})),
        sweeps=sum(len(s) >= 2 for s in points_by_macro.values()),
        absolute=len(absolute), trends=len(trends),
        median_abs_error=statistics.median(abs(c.error) for c in absolute) if absolute else math.nan,
        median_of_macro_medians=(statistics.median(statistics.median(v) for v in per_macro.values())
                                 if per_macro else math.nan),
        within_absolute=sum(c.passed for c in absolute) / len(absolute) if absolute else math.nan,
        within_trend=sum(c.passed for c in trends) / len(trends) if trends else math.nan,
        excluded_points=len({(e.macro, e.label) for e in excluded if e.what == "point"}),
        derived=sum(c.kind == "absolute" for c in derived), derived_trends=sum(c.kind == "trend" for c in derived),
        derived_within=sum(c.passed for c in derived))


def _verdict(c: MacroCase) -> str:
    verdict = "pass" if c.passed else "MISS"
    return verdict + " (known gap)" * (c.expected == "gap") + " (derived)" * bool(c.bookkeeping)


def config_summary(config: Config) -> str:
    """One line of what a point's cimsim configuration says."""
    a, d, m, c, t, dv = config.array, config.dac, config.mapping, config.adc, config.technology, config.device
    plan, summed = plan_layer(config), {Accumulation.PLANES: "planes", Accumulation.SLICES: "weight slices",
                                        Accumulation.PLANES_AND_SLICES: "planes and weight slices"}.get(c.accumulation)
    read = {DacMode.PARALLEL: "all bits per read", DacMode.BIT_SERIAL: "bit-serial"}.get(
        d.mode, f"{d.bits_per_read}b per read")
    kind = c.type if c.bits > 1 or (c.built_bits or 1) > 1 else "comparator"  # 1 bit: one, whatever the type
    adc = "no ADC" if a.family == ArrayFamily.DIGITAL else (
        f"ADC {c.bits}b {kind}{f' (ENOB {c.enob:.3g})' if c.enob else ''}, {c.cols_per_adc} cols/ADC"
        + (f", {summed} summed" if summed else "") + (f", {c.groups_per_conversion} row groups per conversion"
                                                      if c.groups_per_conversion > 1 else ""))
    used = plan.out_features  # fewer where the stated ADCs or adder trees bound the outputs per read
    outputs = f"{plan.outputs_per_array} outputs" + f" ({used} in the workload)" * (used < plan.outputs_per_array)
    pulse, subtracted = ("read" if d.encoding == InputEncoding.VOLTAGE else "unit pulse",  # (a pulse input: many)
                         "" if a.family == ArrayFamily.DIGITAL else f" ({m.subtraction} subtraction)")  # adders: none
    return (f"{a.family} ({dv.name}), {a.rows}x{a.cols}, {plan.rows_per_read} rows/read; in {d.input_bits}b "
            f"{d.signed_inputs}, {read}, {d.encoding}; w {m.weight_bits}b {m.signed_encoding}{subtracted}, "
            f"{dv.bits_per_cell}b/cell, {outputs}; {adc}; {t.node_nm:g} nm {t.vdd_v:g} V; {pulse} "
            f"{dv.read_pulse_ns:.3g} ns, clock {t.clock_ghz:.3g} GHz")


def _error(error: float) -> str:
    """A relative error as a signed percentage: one decimal, or three digits past 99 999 % (a figure a file gave
    absurdly small had printed 300 digits)."""
    return f"{100 * error:+.1f} %" if abs(error) < 1e3 else f"{100 * error:+.3g} %"


def _percent(share: float, spec: str) -> str:
    """A share as a percentage, '-' where there is none (NaN)."""
    return f"{100 * share:{spec}} %" if math.isfinite(share) else "-"


def _table(head: list[str], rows: list[str], none: str) -> list[str]:
    """A Markdown table, or the sentence ``none`` where it has no row."""
    return [*head, *rows] if rows else [none]


def _spread(quartiles: list[float]) -> str:
    low, mid, high = quartiles
    return f"{mid:.2g}x" if low == high else f"{low:.2g}-{high:.2g}x ({mid:.2g}x)"


def _group_rows(cases: tuple[MacroCase, ...], groups: Mapping[str, str], group_of: Callable[[MacroCase], str],
                first: str, second: str, by_macro: bool = False) -> list[str]:
    """A table of ``cases`` by group (``groups``: name -> its second cell, in order; ``group_of``: a case's group):
    absolute cases, median |error|, how many within tolerance, which way the model errs on energy (silicon / model,
    :func:`measured_over_model_quartiles`; ``by_macro``: also over the group's macros, each once,
    :func:`macro_medians_quartiles`) and the trends."""
    extra = " silicon / model energy, each macro once |" if by_macro else ""
    out = [f"| {first} | {second} | absolute cases | median \\|error\\| | absolute within "
           f"±{100 * ABSOLUTE_TOLERANCE:.0f} % | silicon / model energy (middle half, median) |{extra} trends | "
           f"trends within ±{100 * TREND_TOLERANCE:.0f} % |",
           f"|---|---|---:|---:|---:|---:|{'---:|' * by_macro}---:|---:|"]
    for name, cell in groups.items():
        a = [c for c in cases if c.kind == "absolute" and group_of(c) == name]
        t = [c for c in cases if c.kind == "trend" and group_of(c) == name]
        med = f"{100 * statistics.median(abs(c.error) for c in a):.1f} %" if a else "-"
        energy = [c for c in a if figure_kind(c.quantity) == "energy"]
        spread = _spread(measured_over_model_quartiles(energy)) if energy else "-"
        if by_macro:
            spread += f" | {_spread(macro_medians_quartiles(energy)) if energy else '-'}"
        out.append(f"| {_cell(name)} | {cell} | {len(a)} | {med} | {sum(c.passed for c in a)} | {spread} | {len(t)} | "
                   f"{sum(c.passed for c in t)} |")
    return out


def macro_tables_markdown(cases: Iterable[MacroCase] | None = None, file: str | None = None) -> str:
    """The macro tables of the macro file ``file`` (None: the shipped one) as Markdown: absolute and trend cases, the
    summary and the tables by family, macro and variable (of the predictions, the derived cases apart), exclusions"""
    cases = tuple(macro_cases(file) if cases is None else cases)
    s = summarize(cases, file)
    predictions = tuple(c for c in cases if not c.bookkeeping)
    out = ["| macro | point | quantity | model | published | unit | error | tol. | result | why | source |",
           "|---|---|---|---:|---:|---|---:|---:|---|---|---|"]
    for c in cases:
        if c.kind == "absolute":
            out.append(f"| {_cell(c.macro)} | {_cell(c.point)} | {c.quantity} | {c.model:.4g} | {c.published:.4g} "
                       f"| {c.unit} | {_error(c.error)} | ±{100 * c.tolerance:.0f} % | {_verdict(c)} "
                       f"| {_cell(c.why)} | {_cell(c.source)} |")
    trend_rows = [f"| {_cell(c.macro)} | {_cell(c.point)} | {c.quantity} | {c.model:.4g} | {c.published:.4g} "
                  f"| {_error(c.error)} | ±{100 * c.tolerance:.0f} % | {_verdict(c)} | {_cell(c.why)} |"
                  for c in cases if c.kind == "trend"]
    out += ["", *_table(["| macro | point vs reference | quantity | model ratio | published ratio | error | tol. "
                         "| result | why |", "|---|---|---|---:|---:|---:|---:|---|---|"], trend_rows,
                        "No trend: no two comparable points of one macro."), *unpaired(survey(file)[0], cases),
            *spread_repeats(survey(file)[0], lambda key, p, q: same_config(key, file, p, q), TREND_TOLERANCE)]
    out += ["", "| summary | value |", "|---|---:|",
            f"| macros / points in {_cell(file_name(file))} | {s.macros} / {s.points} |",
            f"| usable macros / points | {s.usable_macros} / {s.usable_points} |",
            f"| families of the usable macros | {', '.join(s.families)} |",
            f"| measured sweeps (usable macros with >= 2 usable points) | {s.sweeps} |",
            f"| points left out | {s.excluded_points} |",
            f"| absolute predictions / trend predictions | {s.absolute} / {s.trends} |",
            f"| derived absolute / trend cases counted apart (bookkeeping); within tolerance | {s.derived} / "
            f"{s.derived_trends}; {s.derived_within} |",
            f"| median \\|error\\| of the absolute cases | {_percent(s.median_abs_error, '.1f')} |",
            f"| median over macros of each macro's median \\|error\\| | {_percent(s.median_of_macro_medians, '.1f')} |",
            f"| absolute cases within ±{100 * ABSOLUTE_TOLERANCE:.0f} % | {_percent(s.within_absolute, '.0f')} |",
            f"| trend cases within ±{100 * TREND_TOLERANCE:.0f} % | {_percent(s.within_trend, '.0f')} |"]
    family = {m.key: m.family for m in load_macros(file)}
    compared = {c.macro for c in predictions if c.kind == "absolute"}
    macros = {fam: str(len({k for k in compared if family[k] == fam})) for fam in s.families}
    out += ["", *_group_rows(predictions, macros, lambda c: family[c.macro], "family", "macros", by_macro=True)]
    out += ["", *_group_rows(predictions, {k: family[k] for k in family if k in compared}, lambda c: c.macro, "macro",
                             "family")]
    by_variables: dict[str, list[MacroCase]] = {}
    for c in (c for c in predictions if c.kind == "trend"):
        by_variables.setdefault(c.varied, []).append(c)
    variable_rows = [f"| {names} | {len({c.macro for c in t})} | {len(t)} | {sum(c.passed for c in t)} | "
                     f"{100 * statistics.median(c.error for c in t):+.1f} % |"
                     for names, t in sorted(by_variables.items(), key=lambda kv: (-len(kv[1]), kv[0]))]
    if variable_rows:
        out += ["", f"| operating variables a trend's two points differ in | macros | trends | within "
                    f"±{100 * TREND_TOLERANCE:.0f} % | median error |", "|---|---:|---:|---:|---:|", *variable_rows]
    left_out = [f"| {_cell(e.macro)} | {_cell(e.label)} | {e.what} | {_cell(e.reason)} |"
                for e in excluded_points(file)]
    out += ["", *_table(["| macro | point | left out | reason |", "|---|---|---|---|"], left_out,
                        "No point or figure left out.")]
    out += ["", "| macro | point | cimsim configuration (from the entry and the global defaults) |", "|---|---|---|"]
    for u in survey(file)[0]:
        config = point_config(u.macro.key, u.point.index, file)[0]
        out.append(f"| {_cell(u.macro.key)} | {_cell(u.point.label)} | {_cell(config_summary(config))} |")
    out += ["", "| macro | family | node | paper | read via |", "|---|---|---:|---|---|"]
    out += [f"| {_cell(m.key)} | {m.family} | {m.nodes_nm()} nm | {_cell(m.title)}; "
            f"{_cell(m.source)} | {_cell(m.read_via)} |" for m in load_macros(file)]
    return "\n".join(out)


def expected_outcomes_json(cases: Iterable[MacroCase] | None = None) -> str:
    """The text of ``macro_expected.json`` pinning today's outcome of every case ('pass' / 'gap'); a case that
    changes outcome after a cost-model change fails tests/test_validation_macros.py until it is regenerated"""
    cases = tuple(macro_cases() if cases is None else cases)
    return json.dumps({c.key: "pass" if c.passed else "gap" for c in cases}, indent=1) + "\n"


# ---- the generated section of docs/validation.md -------------------------------------------------------------
GENERATED_BEGIN = "<!-- generated: validate_published -->"
GENERATED_END = "<!-- end generated -->"
README_BEGIN = "<!-- generated: validation-summary -->"
README_END = "<!-- end generated: validation-summary -->"
"""markers of README's validation summary (:func:`readme_summary`), where README has them"""


def presets_markdown() -> str:
    """The preset cases (:mod:`.published`), their count and the ISAAC / DaDianNao gains, as Markdown."""
    from .compare import markdown_table, summary_line, validate
    from .gains import PAPER_GAINS, isaac_vs_dadiannao

    results = validate()
    gains = isaac_vs_dadiannao()
    lines = [markdown_table(results), "", summary_line(results), "",
             "| ISAAC / DaDianNao | cimsim | ISAAC paper |", "|---|---:|---:|"]
    lines += [f"| {name} | {getattr(gains, name):.2f}x | {paper:.1f}x |" for name, paper in PAPER_GAINS.items()]
    return "\n".join(lines)


def defaults_markdown() -> str:
    """The global defaults of :data:`DEFAULTS` as a Markdown list."""
    return "\n".join(f"- `{name}`: {rule}" for name, rule in DEFAULTS.items())


def validation_section() -> str:
    """The generated text of docs/validation.md (between :data:`GENERATED_BEGIN` and :data:`GENERATED_END`):
    the preset tables, then the published-macro tables (absolute, trend, summary, exclusions) and the defaults."""
    return "\n".join([presets_markdown(), "", "## Published macros and chips", "", macro_section()])


def macro_section(file: str | None = None) -> str:
    """What the harness does, the summary, the global defaults and the tables of the macro file ``file`` (None:
    the shipped one), as Markdown: the report of ``cimsim macros``."""
    s = summarize(file=file)
    pinned = ("; 'known gap' marks a case pinned as outside its tolerance (`macro_expected.json`)" if file is None
              else "")
    return "\n".join([
        f"`cimsim.validation.macro_comparison` runs every usable operating point of {code_span(file_name(file))} "
        f"through the cost model (one full macro, {VECTORS} vectors, analytic counts, `cim_breakdown`; macro "
        f"components only: everything but {', '.join(sorted(NON_MACRO_COMPONENTS))}). Absolute figures are held to "
        f"±{100 * ABSOLUTE_TOLERANCE:.0f} %, ratios between two operating points of one macro (trends) to "
        f"±{100 * TREND_TOLERANCE:.0f} %{pinned}. An error is a signed factor, model / published - 1 or 1 - published "
        "/ model, whichever is larger in size (a 2x miss is ±100 %, whether a paper gave an energy or an efficiency).",
        "",
        f"Summary: {s.usable_macros} of {s.macros} macros and {s.usable_points} of {s.points} points usable "
        f"({', '.join(s.families)}; {s.sweeps} measured sweeps); {s.prediction_phrase()}; {s.trend_phrase()}; "
        f"{s.derived_phrase()}.",
        "",
        "Values an entry does not state take one global default each, the same for every macro:",
        "",
        defaults_markdown(), "",
        macro_tables_markdown(file=file),
    ])


def readme_summary() -> str:
    """One paragraph for README's validation summary, from the same run: the statistics, then which way the model
    errs on energy in each family of three or more macros, over its figures and over its macros."""
    s = summarize()
    spreads, chips = [], []
    for family, entry in records_by_family()["families"].items():
        if entry["macros"] >= 3 and "energy" in entry:
            low, _, high = entry["energy"]["measured_over_model"]
            spreads.append(f"{family} {low:.2g}-{high:.2g}x")
            low, _, high = entry["energy"]["macro_medians_over_model"]
            chips.append(f"{family} {low:.2g}-{high:.2g}x")
    return (f"Validation against {s.usable_macros} published CIM macros and chips ({s.usable_points} measured "
            f"points, {', '.join(s.families)}; {s.sweeps} sweeps of one chip): median |error| "
            f"{100 * s.median_abs_error:.1f} % over the predictions ({100 * s.median_of_macro_medians:.1f} % over "
            f"the macros' medians), {100 * s.within_absolute:.0f} % of {s.absolute} absolute predictions "
            f"within ±{100 * ABSOLUTE_TOLERANCE:.0f} %, {100 * s.within_trend:.0f} % of {s.trends} trends within ±"
            f"{100 * TREND_TOLERANCE:.0f} %; {s.derived_phrase()} (docs/validation.md). Silicon's energy per "
            f"operation over the model's, middle half of each family's figures: {', '.join(spreads)}; of its macros, "
            f"each counted once (its median): {', '.join(chips)}.")


def generated_block(text: str, begin: str = GENERATED_BEGIN, end: str = GENERATED_END) -> str:
    """The generated section of a document's ``text`` (between the markers), or a ValueError."""
    try:
        start = text.index(begin) + len(begin)
        stop = text.index(end, start)
    except ValueError:
        raise ValueError(f"the document has no '{begin}' ... '{end}' section") from None
    return text[start:stop].strip("\n")


def with_generated_block(text: str, section: str | None = None, begin: str = GENERATED_BEGIN,
                         end: str = GENERATED_END) -> str:
    """``text`` with its generated section replaced by ``section`` (default: :func:`validation_section`)."""
    generated_block(text, begin, end)  # both markers present
    section = validation_section() if section is None else section
    start = text.index(begin) + len(begin)
    stop = text.index(end, start)
    return text[:start] + "\n" + section + "\n" + text[stop:]
