"""What the CLI checks before any long work: the folders ``compare`` names after configs, that every file a command
writes can be written and is none of its inputs, and a Dask scheduler address's form; and, once an output folder is
written, the record of what a run wrote there, so no earlier run's files pass as this run's."""

from __future__ import annotations

import json
import os
import stat
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import click

from .argcheck import has_hidden_character, look_alike_key, scheduler_problem, shown
from .atomic import check_writable, is_stream, standard_stream, write_atomic
from .config.modes import WorkloadKind

__all__ = ["MAX_NAME", "DATA_FIELDS", "compare_outputs", "check_outputs", "check_not_inputs", "config_inputs",
           "check_suffix", "check_report_folder", "sweep_inputs", "scheduler_address", "split_note", "MANIFEST",
           "record_outputs", "check_distinct_configs"]

MAX_NAME = 100
"""longest config name ``compare`` makes a report folder of, characters"""
REPORT_FILES = ("report.md", "report.json")
"""the report files ``compare`` writes in its folder (and in each config's folder)"""
DATA_FIELDS = ("network_file", "dataset_file", "weights_file", "inputs_file")
"""the workload fields that name a file a run reads"""
PACKAGE = os.path.realpath(Path(__file__).parent)
"""the cimsim package's folder: no output may be written in it"""
FILE_SUFFIXES = (".json", ".md", ".csv", ".txt", ".png", ".pdf", ".svg")
"""suffixes of the files cimsim writes: a ``compare -o`` ending in one names a file, not a report folder"""
MANIFEST = ".cimsim-outputs.json"
"""the file in an output folder that records what the last cimsim run wrote there: {"files": {path relative to the
folder: [size in bytes, modification time in ns]}}"""


def _name_problem(name: str, taken: Sequence[str]) -> str | None:
    """Why ``name`` cannot be one folder's name beside the files ``taken`` (None if it can)."""
    if not name.strip():
        return "it is empty"
    if name in (".", ".."):
        return f"'{name}' names a folder itself, not a new one"
    if "/" in name or "\\" in name:
        return "it holds a path separator ('/' or '\\')"
    if has_hidden_character(name):
        return "it holds a control character or an invisible one (a zero-width space, a direction mark)"
    if name != name.strip():
        return "it starts or ends with a space"
    if len(name) > MAX_NAME:
        return f"it is {len(name)} characters long, above the {MAX_NAME} a folder name may have here"
    if look_alike_key(name) in {look_alike_key(t) for t in taken}:
        return f"it is the name of a file compare writes beside the folders ({', '.join(taken)})"
    return None


def compare_outputs(outdir: str, configs: Sequence[str], names: Sequence[str]) -> list[Path]:
    """Every file ``compare -o outdir`` writes for configs of ``names`` (read from the files ``configs``): the
    reports, each config's own reports in ``outdir/<name>/`` when there are several, the plots and the record of
    them (:data:`MANIFEST`). A UsageError where a name cannot be a folder's, or two names give one folder (told apart
    ignoring case and Unicode form, as some file systems do)."""
    from .plots import PLOT_FILES

    out = Path(outdir)
    paths = [out / f for f in (*REPORT_FILES, *PLOT_FILES, MANIFEST)]
    if len(names) == 1:
        return paths
    folders: dict[str, str] = {}
    for path, name in zip(configs, names):
        why = _name_problem(name, (*REPORT_FILES, *PLOT_FILES, MANIFEST))
        if why:
            raise click.UsageError(f"{path}: name = {shown(name)} cannot name its report folder "
                                   f"({outdir}/<name>): {why}; give the config a name of one folder")
        key = look_alike_key(name)
        if key in folders:
            first = folders[key]
            if _same(first, path):  # one file twice (configs/a.toml, ./configs/a.toml): no second name to give
                both = f"{path} is" if str(first) == str(path) else f"{first} and {path} are one file,"
                raise click.UsageError(f"{both} given twice: compare it against another config")
            other = names[configs.index(first)]
            raise click.UsageError(f"{first} and {path} " + (
                f"both have name = {other!r}: one report folder; give one of them another name" if other == name else
                f"have names {other!r} and {name!r}: one report folder; give them names that differ in more than "
                "case or an invisible joiner"))
        folders[key] = path
        paths += [out / name / f for f in REPORT_FILES]
    return paths


def check_outputs(option: str, paths: Iterable[Path]) -> None:
    """A UsageError naming ``option`` and the path where a file the command writes cannot be written: a folder is
    there, a file stands where a folder must be made, a name is too long, the folder refuses a new file, or it is the
    process's stdout or stderr (which the command prints to)."""
    for path in paths:
        if path.is_dir():
            raise click.UsageError(f"{option}: {path} is a directory; the command writes a file of that name")
        blocking = next((p for p in path.parents if os.path.lexists(p)), None)
        if blocking is not None and not blocking.is_dir():
            if blocking.is_symlink() and not blocking.exists():  # a dangling link (through links: the last target)
                raise click.UsageError(f"{option}: {blocking} links to {os.path.realpath(blocking)}, which does not "
                                       f"exist: make that folder, or give another path, for {path}")
            raise click.UsageError(f"{option}: {blocking} is a file; the command makes a folder there for {path}")
        if standard_stream(path) is not None:  # the report printed into report.json had made it no JSON
            raise click.UsageError(f"{option}: {path} is this command's stdout or stderr (a shell redirect), where it "
                                   "prints its report; redirect them to another file")
        try:
            check_writable(path)
        except OSError as exc:
            raise click.UsageError(f"{option}: cannot write {path} ({exc.strerror or exc})") from None


def check_suffix(output: str | None, suffixes: Sequence[str], what: str, option: str = "'-o' / '--output'",
                 stdout: bool = True) -> None:
    """A usage error (exit 2, before any work) where an ``option`` file that gets ``what`` ('JSON') ends in none of
    ``suffixes`` (a results.csv had held JSON); a stream (``-o -``, /dev/stdout, /dev/null, a pipe) takes it as it
    is (``stdout``: the message offers ``-``)."""
    if output is None or Path(output).suffix.lower() in suffixes or is_stream(output) or standard_stream(output):
        return
    ends = " or ".join(suffixes)
    raise click.BadParameter(f"{output}: the command writes {what} there; give a file ending in {ends}"
                             + (" (or - for stdout)" if stdout else ""), param_hint=option)


def check_report_folder(outdir: str | None) -> None:
    """A usage error (exit 2, before any work) where ``compare -o DIR`` names a file of a format cimsim writes
    (``-o report.json``: a folder of that name had been made) rather than a folder; an existing folder is one."""
    suffix = Path(outdir).suffix.lower() if outdir else ""
    if suffix in FILE_SUFFIXES and not Path(outdir).is_dir():
        raise click.BadParameter(f"{outdir} names a {suffix} file; compare writes a folder there "
                                 f"({', '.join(REPORT_FILES)} and plots): give a folder's path",
                                 param_hint="'-o' / '--output'")


def _key(rel: str) -> str:
    """a path as file systems that ignore case and Unicode form compare it"""
    return unicodedata.normalize("NFC", rel).casefold()


def _stamp(path: Path) -> list[int] | None:
    """[size in bytes, modification time in ns] of the regular file ``path`` (a link is none), or None"""
    try:
        st = os.lstat(path)
    except OSError:
        return None
    return [st.st_size, st.st_mtime_ns] if stat.S_ISREG(st.st_mode) else None


def _recorded(out: Path) -> dict[str, list]:
    """The files the manifest in ``out`` records (path relative to ``out`` -> stamp), those in ``out`` or in a folder
    of it only; none, said in one line, where it cannot be read."""
    path = out / MANIFEST
    if _stamp(path) is None:
        return {}
    try:
        files = json.loads(path.read_text(encoding="utf-8"))["files"]
        return {rel: list(stamp) for rel, stamp in files.items()
                if 0 < len(rel.split("/")) <= 2 and not {"", ".", ".."} & set(rel.split("/")) and rel != MANIFEST}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        click.echo(f"warning: {path} is not a record of files cimsim can read; the files an earlier run wrote in "
                   f"{out} are left", err=True)
        return {}


def _identity(path: Path) -> tuple[int, int] | None:
    """(device, inode) of ``path``, or None: the same file whatever case or Unicode form names it"""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_dev, st.st_ino


def _remove_stale(out: Path, recorded: Mapping[str, list], written: set) -> tuple[list[str], list[str]]:
    """Remove the ``recorded`` files (path relative to ``out`` -> stamp) this run did not write (``written``: the
    :func:`_identity` of its files and their folders: a name another case gives is another file where the file
    system tells cases apart) that are still as an earlier run wrote them (a regular file of the same size and
    time, in no linked folder), then the folders that leaves empty. Returns (what was removed: the folders as
    'name/', the files left in kept folders; what was left, each with why)."""
    gone, left, folders = [], [], set()
    for rel, stamp in sorted(recorded.items()):
        folder = rel.partition("/")[0] if "/" in rel else None
        if not os.path.lexists(out / rel) or _identity(out / rel) in written:
            continue
        if (folder and (out / folder).is_symlink()) or _stamp(out / rel) != stamp:
            left.append(f"{rel} (changed since an earlier run wrote it)")
            continue
        try:
            (out / rel).unlink()
        except OSError as exc:
            left.append(f"{rel} (cannot be removed: {exc.strerror or exc})")
            continue
        gone.append(rel)
        folders.update([folder] if folder and _identity(out / folder) not in written else [])
    for folder in sorted(folders):
        try:
            (out / folder).rmdir()
        except OSError:  # it holds other files: left, with the files that were ours removed
            if not any(why.startswith(f"{folder}/") for why in left):
                left.append(f"{folder}/ (holds files this run did not write)")
        else:
            gone = [g for g in gone if not g.startswith(f"{folder}/")] + [f"{folder}/"]
    return gone, left


def record_outputs(outdir: str | os.PathLike, written: Sequence[Path], possible: Sequence[Path]) -> None:
    """Once a command has ``written`` its files in the folder ``outdir``: remove those the earlier run recorded there
    (:data:`MANIFEST`) that this one did not write, where still as written, and say so in one line; warn of what is
    left there that this run did not write although it could have (``possible``: a plot, when plots are skipped) or
    that an earlier run wrote and was changed since; record ``written`` in the manifest. Nothing else is touched."""
    out = Path(outdir)
    mine = sorted(p.relative_to(out).as_posix() for p in written)
    keys = {_key(rel) for rel in mine}
    gone, left = _remove_stale(out, _recorded(out), {_identity(p) for p in (*written, *(p.parent for p in written))})
    if gone:
        counts = [f"{n} {word}{'s' * (n > 1)}" for n, word in (
            (sum(g.endswith("/") for g in gone), "folder"), (sum(not g.endswith("/") for g in gone), "file")) if n]
        click.echo(f"removed {' and '.join(counts)} of an earlier run in {out} that this run did not write: "
                   + ", ".join(gone), err=True)  # a notice: stdout holds the report alone
    named = {why.partition(" (")[0] for why in left}
    others = (p.relative_to(out).as_posix() for p in possible if p.name != MANIFEST and os.path.lexists(p))
    left += [f"{rel} (no record of which run wrote it)" for rel in others if _key(rel) not in keys and rel not in named]
    if left:
        click.echo(f"warning: left in {out}, not written by this run: {', '.join(left)}", err=True)
    stamps = {rel: _stamp(out / rel) for rel in mine}
    write_atomic(out / MANIFEST, json.dumps({
        "about": "the files cimsim last wrote in this folder; the next run removes those it does not write again",
        "files": {rel: stamp for rel, stamp in stamps.items() if stamp is not None}}, indent=1) + "\n")


def check_distinct_configs(configs: Sequence[str], names: Sequence[str]) -> None:
    """A UsageError where one config file is given twice (also by two paths), else where two configs share a name
    (their report folders)."""
    for k, path in enumerate(configs):
        twin = next((c for c in configs[:k] if _same(c, path)), None)
        if twin is not None:
            both = f"{path} is" if str(twin) == str(path) else f"{twin} and {path} are one file,"
            raise click.UsageError(f"{both} given twice: compare it against another config")
    if len(set(names)) < len(names):
        raise click.UsageError(f"configs must have distinct names (they head the comparison's columns and name its "
                               f"report folders); got {list(names)}")


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


def unstated_dataset_note(config, result) -> str | None:
    """The warning where a network given in memory ran on no inputs of its own (a NetworkResult's ``network_given``
    without ``inputs_given``) and no setting states the dataset it ran on: the default's, which may have nothing to do
    with it (a 64-in, 10-out network would run on the digits and report their accuracy); None otherwise."""
    if not getattr(result, "network_given", False) or result.inputs_given or config.workload.dataset_file:
        return None
    if ("workload", "dataset") in getattr(config.stated, "fields", ()):
        return None
    return (f"{config.name}: the network given ran on the default dataset {config.workload.dataset.value!r}, which no "
            "setting states: give inputs=... (and labels=...), or state 'workload.dataset'")
