"""``cimsim validate`` of a sweep spec: the spec read as ``cimsim sweep`` reads it, then every point built and checked
as a run checks it before simulating (:func:`cimsim.sweep.dry_run.point_errors`), nothing run or written."""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path

import click

__all__ = ["is_sweep_spec", "validate_sweep"]

SHOWN_ERRORS = 3
"""distinct point errors printed (the rest counted)"""


def is_sweep_spec(path: str) -> bool:
    """whether ``path`` is a regular file of TOML with an ``axes`` table (a pipe or a file that does not parse goes to
    the config loader, which reads it once and names its problems)"""
    try:
        return Path(path).is_file() and "axes" in tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return False


def validate_sweep(spec: str, settings: tuple[str, ...]) -> None:
    """Print how many points the sweep ``spec`` holds and why any would fail; exit 1 where some would, 2 for a bad
    spec (a ConfigError, through the CLI's guard) or ``--set`` (a spec states its fields in ``[set]``)."""
    from .sweep import load_spec
    from .sweep.dry_run import point_errors

    if settings:
        raise click.UsageError(f"{spec} is a sweep spec: --set overrides a config; a spec sets its fields in [set]")
    plan = load_spec(spec)
    total, errors = point_errors(plan)
    axes = ", ".join(a.field for a in plan.axes)
    said = f"{spec}: a valid sweep spec: {total} point{'s' * (total != 1)} ({plan.kind}, {plan.mode} over {axes})"
    failing = sum(errors.values())
    if not failing:
        click.echo(f"{said}, each valid and passing the checks a run makes before simulating")
        return
    click.echo(f"{said}; {failing} of them would fail (a sweep runs the others and writes each failure's error in "
               "its row):")
    for error, count in errors.most_common(SHOWN_ERRORS):
        click.echo(f"  {count} point{'s' * (count != 1)}: {error}")
    if len(errors) > SHOWN_ERRORS:
        click.echo(f"  ... and {len(errors) - SHOWN_ERRORS} other error(s)")
    sys.exit(1)
