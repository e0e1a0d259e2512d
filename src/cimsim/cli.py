"""The ``cimsim`` command line: run, compare, validate, presets, sweep, pareto, price-model, macros.

Exit codes: 0 success, 1 the run failed, 2 bad usage or a bad config (one clear line per problem on
stderr, never a traceback). The science lives in the library; this module only parses and prints.
"""

from __future__ import annotations

from . import openblas  # noqa: F401, I001  (first: before anything loads numpy)
import dataclasses  # noqa: E402
import sys  # noqa: E402
from pathlib import Path

import click

from .atomic import OTHER_FORMATS
from .cli_checks import (check_distinct_configs, check_not_inputs, check_outputs, check_report_folder,
                         check_suffix, compare_outputs, config_inputs, scheduler_address)
from .cli_guard import OneLineGroup, OutputPath, fail, guarded, interruptible, is_stdout
from .cli_macros import macros_command
from .cli_models import price_model_command
from .cli_progress import Progress, SweepProgress, items_word
from .cli_reports import write_comparison
from .cli_settings import Integers, load_all, load_with_options, settings_overrides
from .config.modes import WorkloadKind
from .config.schema import SimulationConfig
from .errors import ConfigError

__all__ = ["main"]


def _rule_bounds(field: str) -> tuple[int, int]:
    """(low, high) of a [simulation] field's integer rule: the option's range, as the config's"""
    rule = next(f for f in dataclasses.fields(SimulationConfig) if f.name == field).metadata["rule"]
    return rule.low, rule.high


config_argument = click.argument("config", type=click.Path(dir_okay=False))
seed_option = click.option("--seed", type=Integers(0, _rule_bounds("seed")[1]), default=None,
                           help="Override simulation.seed (same config + seed = same numbers).")
trials_option = click.option("--trials", type=Integers(1, _rule_bounds("trials")[1]), default=None,
                             help="Override simulation.trials: Monte Carlo trials over device draws.")
set_option = click.option("--set", "settings", multiple=True, metavar="FIELD=VALUE",
                          help="Override a config field, e.g. --set adc.bits=6 (repeatable); an empty value "
                               "(--set dac.input_max=) leaves an optional field out.")


@click.group(cls=OneLineGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="cimsim-emulator")
@click.option("--debug", is_flag=True, help="Also print the Python traceback of an error (same message and exit code).")
def main(debug):
    """cimsim: simulate compute-in-memory crossbars, price them, and compare with a von Neumann baseline.

    CONFIG is a TOML file (see configs/ and `cimsim presets`).
    """


SWEEP_FILE = "a sweep appends its rows to a file and reads it back to resume"
PLOT_FILE = "a plot goes to a file whose suffix names its format (.png, .pdf, .svg)"
workers_option = click.option(
    "--workers", type=Integers(1), default=None,
    help="A network's samples split over this many local processes (results identical to one process).")
scheduler_option = click.option(
    "--scheduler", default=None, metavar="ADDRESS", callback=scheduler_address,
    help="A network's samples split over the Dask cluster at this scheduler address (the dask extra).")


def _check_runs(cfgs, workers, scheduler) -> None:
    """Whether --workers / --scheduler can split each config's samples: a UsageError for a dense layer, said once
    where they will not be used (the samples asked for make one chunk, or one worker would take them all)."""
    from .cli_checks import split_note

    if workers and scheduler:  # as sweep refuses them: no local process would start
        raise click.UsageError("--workers sets local processes; a Dask cluster (--scheduler) has its own workers")
    notes = []
    for cfg in cfgs:  # every refusal before any note (a warning on --workers had come before its refusal)
        if cfg.workload.kind != WorkloadKind.NETWORK and (workers or scheduler):
            option = "--workers" if workers else "--scheduler"
            raise click.UsageError(f"{option} splits a network's samples; {cfg.source}'s workload is "
                                   f"{cfg.workload.kind.value!r}")
    for cfg in (cfg for cfg in cfgs if cfg.workload.kind == WorkloadKind.NETWORK):
        note = split_note(cfg, cfg.workload.vectors, workers, scheduler)
        if note and note not in notes:
            notes.append(note)
            click.echo(f"warning: {note}", err=True)


def _warn_result_notes(result) -> None:
    """:func:`cimsim.run.result_notes` on stderr: where a (first-trial) result's inputs saturated or read as 0, its
    ADC conversions clipped, or its outputs are no better than zeros (a classifier's: than chance)."""
    from .run import result_notes

    for note in result_notes(result):
        click.echo(f"warning: {note}", err=True)


@main.command()
@config_argument
@click.option("-o", "--output", type=OutputPath(dir_okay=False), help="Write the full result as JSON here.")
@seed_option
@set_option
@trials_option
@workers_option
@scheduler_option
@guarded
def run(config, output, seed, settings, trials, workers, scheduler):
    """Simulate CONFIG's workload: accuracy (versus float; for a network, classification accuracy) and CIM cost."""
    from .comparison import price
    from .report import run_text
    from .atomic import write_atomic
    from .report_json import run_dict, to_json
    from .trials import run_trials

    cfg = load_with_options(config, seed, settings, trials)
    check_not_inputs([("-o", output)], config_inputs([config], [cfg]))
    check_suffix(output, [".json"], "JSON")
    _check_runs([cfg], workers, scheduler)
    with Progress(cfg.workload.vectors * cfg.simulation.trials, items_word(cfg), cfg) as progress:
        results = run_trials(cfg, progress, workers=workers, scheduler=scheduler)
    cim, _ = price(cfg, results[0], include_weight_load=False)
    if output:  # written before the report is printed: a reader of stdout that leaves early (| head) loses nothing
        write_atomic(output, to_json(run_dict(results, cim)))
    click.echo(run_text(results, cim), err=(to_err := is_stdout(output)))  # -o /dev/stdout: stdout holds the JSON
    _warn_result_notes(results[0])
    if output:
        click.echo(f"\nwrote {output}", err=to_err)


@main.command()
@click.argument("configs", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("-o", "--output", "outdir", type=OutputPath(file_okay=False), default=None,
              help="Directory for report.md, report.json and (with matplotlib) breakdown plots.")
@seed_option
@set_option
@trials_option
@workers_option
@scheduler_option
@guarded
def compare(configs, outdir, seed, settings, trials, workers, scheduler):
    """CIM versus the von Neumann baseline on each CONFIG's workload.

    One CONFIG: its report in DIR/report.md and DIR/report.json. Several: a side-by-side table of all of them (each
    against its baseline) there, and each architecture's own report in DIR/<name>/. Either way PNG plots of the
    energy and area breakdowns (needs the `plot` extra; without it the plots are skipped and the rest is written).
    DIR/.cimsim-outputs.json records them: the files an earlier run recorded there that this one does not write are
    removed (where unchanged), so DIR never mixes two runs; other files are left.
    """
    from .comparison import compare as run_compare
    from .report import comparison_summary
    from .report_multi import multi_markdown

    if outdir and Path(outdir).exists() and not Path(outdir).is_dir():  # said before the run, not after it
        raise click.UsageError(f"-o {outdir} exists and is not a directory")
    check_report_folder(outdir)
    cfgs = load_all(configs, seed, settings, trials)
    names = [c.name for c in cfgs]
    if outdir:  # every file it writes, checked before the run
        outputs = compare_outputs(outdir, configs, names)
        check_outputs("-o", outputs)
        check_not_inputs([("-o", p) for p in outputs], config_inputs(configs, cfgs))
    check_distinct_configs(configs, names)
    _check_runs(cfgs, workers, scheduler)
    comps = []
    for c in cfgs:
        with Progress(c.workload.vectors * c.simulation.trials, items_word(c), c) as progress:
            comps.append(run_compare(c, progress, workers=workers, scheduler=scheduler))
    wrote = write_comparison(comps, Path(outdir), outputs) if outdir else []  # before the summary: | head loses none
    click.echo(comparison_summary(comps[0]) if len(comps) == 1 else multi_markdown(comps, outdir))
    for comp in comps:
        _warn_result_notes(comp.run)
    for line in wrote:  # what was written; a notice (plots skipped) on stderr
        click.echo(line, err=not line.startswith("wrote "))


@main.command()
@click.argument("configs", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("-o", "--output", type=OutputPath(dir_okay=False), help="Write the estimates as JSON here.")
@set_option
@guarded
def estimate(configs, output, settings):
    """Price each CONFIG's workload from its shapes alone, without simulating (milliseconds; no accuracy): CIM next
    to the baseline, as a `kind = "analytic"` sweep prices a point. Several CONFIGs: a table side by side.

    The JSON, as compare's report.json: one config's estimate (name, source, config and the figures), or for several
    {"cimsim_version": ..., "architectures": [one such estimate per CONFIG, in order]}."""
    from .api import estimate as price_shapes
    from .atomic import write_atomic
    from .report_json import cimsim_version, to_json
    from .report_estimate import estimate_markdown, estimates_markdown

    from .api import warn_unread_by_estimate

    warn_unread_by_estimate(settings_overrides(settings), "--set ")
    cfgs = load_all(configs, None, settings, None)
    check_not_inputs([("-o", output)], config_inputs(configs, cfgs))
    check_suffix(output, [".json"], "JSON")
    ests = [price_shapes(c) for c in cfgs]
    to_err = is_stdout(output)  # -o /dev/stdout: stdout holds the JSON alone
    if output:  # written before the table is printed: a reader of stdout that leaves early (| head) loses nothing
        dicts = [e.to_dict() for e in ests]
        write_atomic(output, to_json(dicts[0] if len(dicts) == 1 else {"cimsim_version": cimsim_version(),
                                                                        "architectures": dicts}))
    click.echo(estimate_markdown(ests[0]) if len(ests) == 1 else estimates_markdown(ests, configs), err=to_err)
    if output:
        click.echo(f"wrote {output}", err=to_err)


@main.command()
@config_argument
@set_option
@guarded
def validate(config, settings):
    """Check CONFIG as a run would, short of simulating: every field and cross-field rule, every file it reads
    (loaded, shapes, values), chip capacity and estimated memory. Exit 0 if valid, 2 if not. A sweep spec
    ([axes]) is checked point by point: exit 1 where some points would fail (their errors said)."""
    from .cli_validate import sweep_spec_or_config, validate_sweep
    from .preflight import preflight

    if (data := sweep_spec_or_config(config)) is not None and "axes" in data:
        return validate_sweep(config, data, settings)
    cfg = load_with_options(config, None, settings, None, data)  # (a pipe's tables as read: it is read once)
    click.echo(f"{config}: valid ({cfg.name}: {preflight(cfg)})")


@main.command()
@guarded
def presets():
    """List the built-in presets: whole designs (`preset = "NAME"`) and tables ([device] preset = "NAME")."""
    from .config import SECTION_PRESETS, list_presets, list_section_presets

    groups = [("presets", list_presets())] + [(f"[{s}] presets", list_section_presets(s)) for s in SECTION_PRESETS]
    for title, items in groups:
        click.echo(f"{title}:")
        width = max(map(len, items))
        for name, description in sorted(items.items()):
            click.echo(f"  {name:<{width}}  {description}")


@main.command()
@click.argument("spec", type=click.Path(dir_okay=False))
@click.option("-o", "--output", required=True, type=OutputPath(dir_okay=False, no_stdout=SWEEP_FILE, appended=True),
              help="Results CSV: one row per finished point, appended as points finish; re-run to resume.")
@click.option("--workers", type=Integers(1), default=None,
              help="Local worker processes (default: the cores this process may use).")
@click.option("--scheduler", metavar="ADDRESS", default=None, callback=scheduler_address,
              help="Run on the Dask cluster at ADDRESS (e.g. tcp://10.0.0.5:8786) instead; needs the dask extra.")
@guarded
@interruptible
def sweep(spec, output, workers, scheduler):
    """Run every point of the sweep SPEC (TOML; see docs/sweeps.md) and stream one CSV row per point.

    Points already in OUTPUT (same point id, written by this cimsim) are skipped, so re-running after an
    interruption runs only the rest; a damaged line is reported, kept in OUTPUT.damaged.txt and its point runs
    again, and rows another cimsim wrote are moved to OUTPUT.removed.csv and their points run again. Exit 1 if any
    point failed (its row holds the error), 2 for a bad spec or an OUTPUT this sweep cannot use (another sweep
    writing it; docs/sweeps.md).
    """
    from .cli_checks import sweep_inputs
    from .cost.trust import axis_trend_lines
    from .sweep import DASK_MISSING, load_spec, run_sweep
    from .sweep.metrics import unread_fields

    if workers is not None and scheduler is not None:
        raise click.UsageError("--workers sets local processes; a Dask cluster (--scheduler) has its own workers")
    plan = load_spec(spec)
    check_not_inputs([("-o", output)], sweep_inputs(spec, plan))  # (first: the spec named as itself)
    if Path(output).suffix.lower() in OTHER_FORMATS:  # another format's name, not a dated or versioned one
        check_suffix(output, [".csv"], "CSV rows", stdout=False)
    try:
        summary = run_sweep(plan, output, workers=workers, scheduler=scheduler, progress=SweepProgress(),
                            notice=lambda note: click.echo(f"warning: {note}", err=True))
    except ImportError as exc:
        if str(exc) != DASK_MISSING:
            raise
        fail(exc, 2)
    points = f"{summary.total} point{'s' * (summary.total != 1)}"
    click.echo(f"{spec}: {points}, {summary.ok} ok, {summary.failed} failed; {summary.skipped} of them from an earlier "
               f"run; results in {output}")
    if plan.mode == "random" and summary.total < plan.samples:
        click.echo(f"{plan.samples} samples drew {summary.total} distinct {points.split()[1]}: a draw that repeats one "
                   "(a range of few values drawn with replacement) or gives the same config runs once")
    for field in (f for f in summary.alike if f not in unread_fields(plan.kind)):  # (those said before it ran)
        click.echo(f"warning: {field}: no objective ({', '.join(plan.objectives)}) moved along it: every point alike "
                   "along it", err=True)  # an analytic sweep along a device's read noise
    for line in axis_trend_lines((a.field for a in plan.axes), summary.alike):  # how far published trends back each
        click.echo(line)
    if summary.stopped:
        click.echo(f"stopped: {summary.stopped}; {summary.total - summary.ok - summary.failed} points not run. "
                   "Run the same command again to resume.", err=True)
        sys.exit({"interrupted": 130, "terminated (SIGTERM)": 143}.get(summary.stopped, 1))
    if summary.failed:
        for error, count in summary.errors[:3]:  # what failed, said (it had been in the CSV's error column alone)
            click.echo(f"failed ({count} point{'s' * (count != 1)}): {error}", err=True)
        if len(summary.errors) > 3:
            others = len(summary.errors) - 3
            click.echo(f"... and {others} other error{'s' * (others != 1)}: the 'error' column of {output}", err=True)
        sys.exit(1)


@main.command()
@click.argument("results", type=click.Path(dir_okay=False))
@click.option("--x", "x", required=True, metavar="COLUMN", help="Column to minimise (e.g. energy_pj).")
@click.option("--y", "y", required=True, metavar="COLUMN", help="Column to minimise (e.g. relative_error).")
@click.option("--maximize-y", is_flag=True, help="Maximise the y column instead (e.g. accuracy).")
@click.option("--maximize-x", is_flag=True, help="Maximise the x column instead (e.g. throughput_per_s).")
@click.option("-o", "--output", type=OutputPath(dir_okay=False, no_stdout=PLOT_FILE), default=None,
              help="Also draw the points and the front to this .png, .pdf or .svg (needs the plot extra).")
@click.option("--cimsim", "model", metavar="FINGERPRINT", default=None,
              help="Rank the rows of this cimsim (their 'cimsim' cell); default: this one's, else the one of all.")
@guarded
def pareto(results, x, y, maximize_y, maximize_x, output, model):
    """The Pareto-optimal rows of a sweep's RESULTS CSV, as a Markdown table (failed rows left out)."""
    from .plots import figure_class
    from .sweep import front_markdown, pareto_front, read_table
    from .sweep.pareto import no_points_reason
    from .sweep.plot import plot_format, write_pareto_plot

    if output:
        check_not_inputs([("-o", output)], {f"the results {results}": results})
        try:
            plot_format(output)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="'-o' / '--output'") from None
        figure_class()  # -o asks for the plot alone: without matplotlib an error (exit 2), not a note and exit 0
    table = read_table(results, model=model)
    points, front = pareto_front(table, x, y, maximize_y, maximize_x=maximize_x)
    if not points:
        raise ConfigError(results, [("", no_points_reason(table, x, y))])
    click.echo(front_markdown(table, front, len(points), x, y, maximize_y, maximize_x), nl=False)
    if output:
        click.echo(f"\nwrote {write_pareto_plot(points, front, x, y, output)}")


main.add_command(price_model_command)
main.add_command(macros_command)


if __name__ == "__main__":  # python -m cimsim.cli: as the cimsim command runs it (cimsim.__main__)
    from .__main__ import main as command

    command()
