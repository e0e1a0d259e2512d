"""What the CLI checks before any long work: the folders ``compare`` names after configs, that every file a command
writes can be written and is none of its inputs, and a Dask scheduler address's form."""

from __future__ import annotations

import os
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import click

from .argcheck import has_control_character, scheduler_problem, shown
from .atomic import check_writable, is_stream
from .config.modes import WorkloadKind

__all__ = ["MAX_NAME", "DATA_FIELDS", "compare_outputs", "check_outputs", "check_not_inputs", "config_inputs",
           "sweep_inputs", "scheduler_address", "split_note"]

MAX_NAME = 100
"""longest config name ``compare`` makes a report folder of, characters"""
REPORT_FILES = ("report.md", "report.json")
"""the report files ``compare`` writes in its folder (and in each config's folder)"""
DATA_FIELDS = ("network_file", "dataset_file", "weights_file", "inputs_file")
"""the workload fields that name a file a run reads"""
PACKAGE = os.path.realpath(Path(__file__).parent)
"""the cimsim package's folder: no output may be written in it"""


def _name_problem(name: str, taken: Sequence[str]) -> str | None:
    """Why ``name`` cannot be one folder's name beside the files ``taken`` (None if it can)."""
    if not name.strip():
        return "it is empty"
    if name in (".", ".."):
        return f"'{name}' names a folder itself, not a new one"
    if "/" in name or "\\" in name:
        return "it holds a path separator ('/' or '\\')"
    if has_control_character(name):
        return "it holds a control character"
    if name != name.strip():
        return "it starts or ends with a space"
    if len(name) > MAX_NAME:
        return f"it is {len(name)} characters long, above the {MAX_NAME} a folder name may have here"
    if name.casefold() in {t.casefold() for t in taken}:
        return f"it is the name of a file compare writes beside the folders ({', '.join(taken)})"
    return None


def compare_outputs(outdir: str, configs: Sequence[str], names: Sequence[str]) -> list[Path]:
    """Every file ``compare -o outdir`` writes for configs of ``names`` (read from the files ``configs``): the
    reports, each config's own reports in ``outdir/<name>/`` when there are several, and the plots. A UsageError
    where a name cannot be a folder's, or two names give one folder (told apart ignoring case and Unicode form,
    as some file systems do)."""
    from .plots import PLOT_FILES

    out = Path(outdir)
    paths = [out / f for f in (*REPORT_FILES, *PLOT_FILES)]
    if len(names) == 1:
        return paths
    folders: dict[str, str] = {}
    for path, name in zip(configs, names):
        why = _name_problem(name, (*REPORT_FILES, *PLOT_FILES))
        if why:
            raise click.UsageError(f"{path}: name = {shown(name)} cannot name its report folder "
                                   f"({outdir}/<name>): {why}; give the config a name of one folder")
        key = unicodedata.normalize("NFC", name).casefold()
        if key in folders:
            raise click.UsageError(f"{folders[key]} and {path} have names {names[configs.index(folders[key])]!r} "
                                   f"and {name!r}: one report folder; give them names that differ in more than case")
        folders[key] = path
        paths += [out / name / f for f in REPORT_FILES]
    return paths


def check_outputs(option: str, paths: Iterable[Path]) -> None:
    """A UsageError naming ``option`` and the path where a file the command writes cannot be written: a folder is
    there, a file stands where a folder must be made, a name is too long or the folder refuses a new file."""
    for path in paths:
        if path.is_dir():
            raise click.UsageError(f"{option}: {path} is a directory; the command writes a file of that name")
        blocking = next((p for p in path.parents if os.path.lexists(p)), None)
        if blocking is not None and not blocking.is_dir():
            raise click.UsageError(f"{option}: {blocking} is a file; the command makes a folder there for {path}")
        try:
            check_writable(path)
        except OSError as exc:
            raise click.UsageError(f"{option}: cannot write {path} ({exc.strerror or exc})") from None


def _same(a: str | os.PathLike, b: str | os.PathLike) -> bool:
    if os.path.realpath(a) == os.path.realpath(b):
        return True
    try:
        return os.path.samefile(a, b)  # a hard link
    except OSError:
        return False


def check_not_inputs(outputs: Sequence[tuple[str, str | os.PathLike | None]],
                     inputs: Mapping[str, str | os.PathLike | None]) -> None:
    """A UsageError where an output file ((option, path); path None: not written) is one of the ``inputs`` (what
    it is, path included -> path), another option's output, or in the cimsim package (its presets, datasets and
    code: read by every run), by resolved path: writing it would lose that file. A device or pipe passes."""
    given = [(option, path) for option, path in outputs if path is not None and not is_stream(path)]
    for k, (option, path) in enumerate(given):
        others = [*((i, p) for i, p in inputs.items() if p is not None),
                  *((f"{o} {p}", p) for o, p in given[:k] if o != option)]
        for other, other_path in others:
            if _same(path, other_path):
                raise click.UsageError(f"{option} {path} is {other}: writing it would overwrite that file; write "
                                       "to another path")
        if os.path.realpath(path).startswith(os.path.join(PACKAGE, "")):
            raise click.UsageError(f"{option} {path} is in the cimsim package ({PACKAGE}), whose files runs read "
                                   "(presets, datasets, networks, the code): write to another path")


def config_inputs(paths: Sequence[str], configs: Sequence) -> dict[str, str]:
    """The files the runs of ``configs`` (read from ``paths``) read: each config file, its workload's data files and
    the shipped digits dataset a network reads with ``dataset = "digits"`` (label -> path). The presets a config
    starts from are files of the package, which :func:`check_not_inputs` keeps every output out of."""
    from .config.modes import Dataset
    from .network.datasets import digits_test_path

    files = {}
    for path, config in zip(paths, configs):
        wl = config.workload
        files.update({f"the config {path}": path, **{f"workload.{f} of {path} ({getattr(wl, f)})": getattr(wl, f)
                                                     for f in DATA_FIELDS if getattr(wl, f) is not None}})
        if wl.kind == WorkloadKind.NETWORK and wl.dataset == Dataset.DIGITS:
            files[f"the digits dataset that workload.dataset of {path} reads"] = digits_test_path()
    return files


def sweep_inputs(path: str, spec) -> dict[str, str]:
    """The files a sweep reads: its spec, its base config and the data files of the base and of the axes."""
    wl = spec.base.workload
    files = {f"the spec {path}": path, f"its base config {spec.base.source}": spec.base.source}
    files.update({f"its base's workload.{f} ({getattr(wl, f)})": getattr(wl, f) for f in DATA_FIELDS
                  if getattr(wl, f) is not None})
    for axis in spec.axes:
        if axis.field.partition(".")[2] in DATA_FIELDS:
            files.update({f"a value of the axis {axis.field} ({v})": Path(spec.base_dir) / v for v in axis.values
                          if isinstance(v, str)})
    return files


def scheduler_address(ctx, param, value: str | None) -> str | None:
    """A click callback: ``value`` if it is a Dask scheduler address a run can use ([tcp:// or ws://]host:port); a
    BadParameter (exit 2) otherwise, said before any work."""
    if value is not None and (problem := scheduler_problem(value)):
        raise click.BadParameter(problem)
    return value


def split_note(config, samples: int, workers: int | None, scheduler: str | None,
               options: tuple[str, str] = ("--workers", "--scheduler ")) -> str | None:
    """Why ``--workers`` / ``--scheduler`` will not split a network's ``samples`` (one chunk of
    ``simulation.batch_size``, or one core to split over), or None where they will (or were not given);
    ``options``: how the two are named (the API's arguments: ``("workers", "scheduler=")``)."""
    from .numerics import USABLE_CORES

    if workers is None and scheduler is None:
        return None
    chunks = -(-samples // config.simulation.batch_size)
    given = [o for o, v in ((options[0], workers), (f"{options[1]}{scheduler}", scheduler)) if v is not None]
    option = " and ".join(given)  # both named where both were given (the second had gone unmentioned)
    verb = "are" if len(given) > 1 else "is"
    if chunks == 1:
        return (f"{option} {verb} not used: the {samples} samples make one chunk "
                f"(simulation.batch_size = {config.simulation.batch_size}), simulated here")
    if min(chunks, workers or USABLE_CORES) == 1:
        return (f"{option} {verb} not used: one worker would take every chunk, so they "
                "are simulated here")
    return None
