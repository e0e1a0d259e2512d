"""``cimsim macros``: published (or a user's own) CIM macros held against the cost model (:mod:`cimsim.validation`)."""

from __future__ import annotations

import csv
import io

import click

from .cli_checks import check_not_inputs, check_suffix
from .cli_guard import OneLineErrors, OutputPath, fail, guarded, is_stdout

__all__ = ["macros_command", "cases_csv"]

CSV_FIELDS = ("kind", "macro", "point", "quantity", "unit", "model", "published", "error", "tolerance", "passed",
              "derived", "varied", "why", "source")
"""columns of ``--csv``: a trend's unit is 'ratio', its point 'point vs reference'; error = model / published - 1
where the model is the larger, 1 - published / model where it is the smaller (a 2x miss +-100 % either way);
derived: why a case is bookkeeping, counted apart from the predictions ('' for a prediction)"""


def cases_csv(cases) -> str:
    """The cases as CSV text, one row per case, columns :data:`CSV_FIELDS`."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_FIELDS)
    for c in cases:
        writer.writerow([c.kind, c.macro, c.point, c.quantity, c.unit, repr(c.model), repr(c.published),
                         repr(c.error), c.tolerance, c.passed, c.bookkeeping, c.varied, c.why, c.source])
    return out.getvalue()


@click.command("macros", cls=OneLineErrors)
@click.argument("file", required=False, type=click.Path(dir_okay=False))
@click.option("-o", "--output", type=OutputPath(dir_okay=False), help="Write the Markdown report here, not stdout.")
@click.option("--csv", "csv_path", type=OutputPath(dir_okay=False), help="Also write every case as CSV here.")
@guarded
def macros_command(file, output, csv_path):
    """Hold the measured macros and chips of FILE (TOML in the format of cimsim's own published_macros.toml:
    [[macro]] tables with [[macro.point]] operating points; default: that shipped file) against the cost model:
    every absolute figure and every trend between two points of one chip, model versus published, with the
    configuration each point became and every point left out with its reason. Exit 2 when FILE is malformed
    (file, entry and field named) or has no point cimsim can compare (each reason said: bad input, as a config
    no run can take; it had exited 1, a failed run's code)."""
    from .atomic import write_atomic
    from .validation import macro_comparison, macro_report

    check_not_inputs([("-o", output), ("--csv", csv_path)], {f"the macro file {file}": file})
    check_suffix(output, [".md", ".markdown", ".txt"], "a Markdown report")
    check_suffix(csv_path, [".csv"], "CSV", "'--csv'")
    if is_stdout(csv_path) and (not output or is_stdout(output)):  # the CSV's rows had been mixed into the report
        fail(click.UsageError("--csv and the report would both go to stdout; give -o a file for the report"), 2)
    try:
        cases = macro_comparison.macro_cases(file)
    except ValueError as exc:  # the file's own fault: unreadable, not TOML, an entry's field
        fail(exc, 2)
    if not cases:
        reasons = [f"{e.macro} / {e.label}: {e.reason}" for e in macro_comparison.excluded_points(file)]
        fail(ValueError(f"{file}: no point cimsim can compare" + "".join(f"\n  {r}" for r in reasons[:20])), 2)
    report = macro_report.macro_section(file) + "\n"
    to_err = not output or is_stdout(output) or is_stdout(csv_path)  # stdout holds the report or CSV alone
    for path, text in ((output, report), (csv_path, cases_csv(cases) if csv_path else "")):
        if path:  # both files before the report is printed: a reader of stdout that leaves early loses neither
            write_atomic(path, text)
    if not output:
        click.echo(report, nl=False)
    for path in (output, csv_path):
        if path:
            click.echo(f"wrote {path}", err=to_err)
    s = macro_report.summarize(cases, file)
    left = (f" ({s.points - s.usable_points} of {s.points} points left out, {s.macros - s.usable_macros} of "
            f"{s.macros} macros wholly; the reasons in the report)") if s.usable_points < s.points else ""
    click.echo(f"{s.usable_points} points usable{left}; {s.prediction_phrase()}; {s.trend_phrase()}; "
               f"{s.derived_phrase()}", err=to_err)
