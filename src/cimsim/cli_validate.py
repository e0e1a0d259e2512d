"""``cimsim validate`` of a sweep spec: the spec read as ``cimsim sweep`` reads it, then every point built and checked
as a run checks it before simulating (:func:`cimsim.sweep.dry_run.point_errors`), nothing run or written."""

from __future__ import annotations

import os
import re
import stat
import sys
from pathlib import Path

import click

from .config.toml_file import MAX_TOML_BYTES, is_descriptor

__all__ = ["sweep_spec_or_config", "validate_sweep"]

SHOWN_ERRORS = 3
"""distinct point errors printed (the rest counted)"""
_WHAT = "config file or sweep spec"
"""what a file read here is called in its errors"""

_KEY = rb"""(axes|"axes"|'axes')"""
_AXES = re.compile(rb"^(\xef\xbb\xbf)?[ \t]*(\[[ \t]*" + _KEY + rb"[ \t]*[\].]|" + _KEY + rb"[ \t]*[=.])", re.MULTILINE)
"""a line that opens a top-level ``axes`` table or sets ``axes`` (a dotted key too; after a UTF-8 byte-order mark on
the first line): what a sweep spec has and a config has not"""


def sweep_spec_or_config(path: str) -> dict | None:
    """The tables of ``path`` where it may be a sweep spec (a pipe, read once here; a regular file with a line that
    opens or sets ``axes``, found by a text scan), else None: a config file or a device, which the config loader reads
    and names (a parse to tell the two apart had raised RecursionError on TOML nested thousands deep; the full suite)"""
    from .config.toml_file import read_toml

    try:
        if Path(path).is_file():
            with open(path, "rb") as file:  # (no more than the loader reads)
                return None if _AXES.search(file.read(MAX_TOML_BYTES + 1)) is None else read_toml(path, _WHAT)
        if not (stat.S_ISFIFO(os.stat(path).st_mode) or is_descriptor(path)):
            return None
    except OSError:  # (a name too long, a missing file: the loader names it)
        return None
    return read_toml(path, _WHAT)


def validate_sweep(spec: str, data: dict, settings: tuple[str, ...]) -> None:
    """Print how many points the sweep ``spec`` (its parsed ``data``) holds and why any would fail; exit 1 where some
    would, 2 for a bad spec (a ConfigError, through the CLI's guard) or ``--set`` (a spec states its fields in
    ``[set]``)."""
    from .config.toml_file import relative_dir
    from .sweep import spec_from_dict
    from .sweep.dry_run import point_errors

    if settings:
        raise click.UsageError(f"{spec} is a sweep spec: --set overrides a config; a spec sets its fields in [set]")
    plan = spec_from_dict(data, spec, relative_dir(spec))
    total, errors = point_errors(plan)
    axes = ", ".join(a.field for a in plan.axes)
    said = f"{spec}: a valid sweep spec: {total} point{'s' * (total != 1)} ({plan.kind}, {plan.mode} over {axes})"
    failing = sum(errors.values())
    if not failing:
        click.echo(f"{said}, each valid and " + ("priced as the sweep prices it" if plan.kind == "analytic" else
                                                   "passing the checks a run makes before simulating"))
        return
    click.echo(f"{said}; " + ("all would fail:" if failing == total else f"{failing} of them would fail (a sweep "
                                 "runs the others and writes each failure's error in its row):"))
    for error, count in errors.most_common(SHOWN_ERRORS):
        click.echo(f"  {count} point{'s' * (count != 1)}: {error}")
    if len(errors) > SHOWN_ERRORS:
        click.echo(f"  ... and {len(errors) - SHOWN_ERRORS} other error(s)")
    sys.exit(1)
