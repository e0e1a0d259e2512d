"""compare's report folder: each architecture's reports, the table of all, the breakdown plots, and the record of
them (:func:`.cli_checks.record_outputs`)."""

from __future__ import annotations

from pathlib import Path

import click

from .cli_checks import record_outputs

__all__ = ["write_comparison"]


def write_comparison(comps, out: Path, outputs: list[Path]) -> list[str]:
    """Write compare's reports and plots in ``out`` and record them (an earlier run's files removed, not left
    beside); the 'wrote' lines to print. Stopped partway (Ctrl-C), it says on stderr that ``out`` mixes two runs."""
    from .atomic import write_atomic
    from .report import comparison_markdown
    from .report_json import comparison_dict, multi_dict, to_json
    from .report_multi import multi_markdown

    folders = [(out, comps[0])] if len(comps) == 1 else [(out / c.run.config.name, c) for c in comps]
    reports = {folder / name: text for folder, comp in folders for name, text in (
        ("report.json", to_json(comparison_dict(comp))), ("report.md", comparison_markdown(comp)))}
    if len(comps) > 1:  # each config's own reports in its folder, then the table of all
        reports.update({out / "report.json": to_json(multi_dict(comps)), out / "report.md": multi_markdown(comps, "")})
    try:
        for path, text in reports.items():
            write_atomic(path, text)
        plots, lines = _plots(comps, out)
        record_outputs(out, [*reports, *plots], outputs)
    except BaseException:
        click.echo(f"stopped while writing {out}: it may hold files of this run beside the last one's; run again",
                   err=True)
        raise
    return [f"wrote {out / 'report.md'} and {out / 'report.json'}", *lines]


def _plots(comps, out: Path) -> tuple[list[Path], list[str]]:
    """(the breakdown plots written in ``out``, the line that says so: none where matplotlib is missing, said)"""
    from .plots import PLOTS_MISSING, write_breakdown_plots
    from .report import item_name

    sides = [(label, b) for comp in comps for label, b in (
        (comp.run.config.name, comp.cim), (f"{comp.baseline.name}\n({comp.run.config.name})", comp.baseline))]
    items = {item_name(comp.run) for comp in comps}
    try:
        paths = write_breakdown_plots(sides, out, " or ".join(sorted(items)))
    except ImportError:
        return [], [PLOTS_MISSING]
    return paths, ["wrote " + " and ".join(str(p) for p in paths)]
