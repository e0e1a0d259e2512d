"""The side files beside a sweep's results file ``r.csv``: ``r.csv.removed.csv``, the rows of points the sweep no
longer has and of another cimsim (:func:`set_aside`), read as a results file is; and ``r.csv.damaged.txt``, each
line a resume left out as damaged, as the file held it (:func:`keep_damaged`): appended, never read back, so a
line a spreadsheet changed (a number re-saved with fewer digits) is not lost with its point run again."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from .fingerprint import COLUMN, foreign_note
from .results import append_rows, columns, read_results, records, write_rows
from .spec import SweepSpec

__all__ = ["REMOVED_SUFFIX", "DAMAGED_SUFFIX", "removed_path", "set_aside", "put_aside", "damaged_path",
           "check_damaged_side", "keep_damaged"]

REMOVED_SUFFIX = ".removed.csv"
"""the side file of rows of points a sweep no longer has (an axis value removed since): ``r.csv.removed.csv``"""
DAMAGED_SUFFIX = ".damaged.txt"
"""the side file of the lines a resume left out as damaged: ``r.csv.damaged.txt``"""


def _beside(path: str | os.PathLike, suffix: str) -> Path:
    """``path`` with ``suffix`` added to its name, beside the file a symbolic link names"""
    path = Path(os.path.realpath(path)) if os.path.islink(path) else Path(path)
    return path.with_name(path.name + suffix)


def _no_file(side: Path) -> str:
    """what a side file's name holds that is no regular file"""
    return "a folder" if os.path.isdir(side) else "no regular file"


def removed_path(path: str | os.PathLike) -> Path:
    """The side file of a results file's rows of points its sweep no longer has: ``r.csv`` -> ``r.csv.removed.csv``
    (beside the file a symbolic link names)."""
    return _beside(path, REMOVED_SUFFIX)


def set_aside(path: str | os.PathLike, spec: SweepSpec,
              rows: Iterable[Mapping[str, str]]) -> tuple[Path, tuple[str, ...], int]:
    """Add ``rows`` (of points the sweep no longer has, or written by another cimsim) to :func:`removed_path`, those
    not there yet (by point id and ``cimsim``: one point's rows of two versions are both kept); return its path, its
    lines left out (``"line N: why"``) and how many of them were kept beside it (:func:`keep_damaged`). That file is
    read as the results file is: where a line of it is left out (a last line cut short, which an appended row would
    be glued to) or its header is an older one (no checksums, no ``cimsim``), it is rewritten with its sound rows and
    ``rows``, else ``rows`` are appended. A ConfigError, before anything is written, where that file holds other
    columns or that name is no regular file (a folder)."""
    side, header, rows = removed_path(path), columns(spec), list(rows)
    if os.path.lexists(side) and not os.path.isfile(side):  # a folder, a pipe, a broken link: nothing to append to
        raise ConfigError(str(side), [("", (
            f"it is {_no_file(side)}, not a side file; {len(rows)} rows of "
            f"{path} (of points this sweep no longer has, or of another cimsim) are to be moved there: move it away "
            "(or delete it) first"))])
    try:
        found = read_results(side, spec)
    except ConfigError:
        raise ConfigError(str(side), [("", (
            f"it holds other columns than this sweep's; {len(rows)} rows of {path} (of points this sweep no longer "
            "has, or of another cimsim) are to be moved there: move it away (or delete it) first"))]) from None
    held = {**{(pid, row[COLUMN]): row for pid, row in found.rows.items()}, **found.foreign}
    new = {key: row for row in rows if (key := (row["point_id"], row.get(COLUMN, ""))) not in held}
    if found.damaged or found.outdated:
        if found.lost:  # its own damaged lines kept beside it first (its rewrite had dropped them for good)
            keep_damaged(side, found.lost)
        write_rows(side, header, {**held, **new})
    elif new:
        append_rows(side, header, list(records(header, new, new)))
    return side, found.damaged, len(set(found.lost))


def put_aside(path: str | os.PathLike, spec: SweepSpec, gone: Sequence[Mapping[str, str]],
              foreign: Mapping[Any, Mapping[str, str]]) -> tuple[str, ...]:
    """Move ``gone`` (rows of points the sweep no longer has) and ``foreign`` (rows of another cimsim:
    :attr:`Contents.foreign`) to the side file (:func:`set_aside`); the warnings saying so, after the side file's
    lines left out."""
    side, damaged, kept = set_aside(path, spec, [*gone, *foreign.values()])
    notes = tuple(f"{side}: {line}; left out" for line in damaged)
    notes += (f"{side}: the {kept} damaged line(s) kept in {damaged_path(side)}",) * bool(kept)
    if gone:
        notes += (f"{path}: {len(gone)} rows are of points this sweep no longer has (an axis value or a random sample "
                  f"changed since); moved to {side}, so the file holds this sweep's points only",)
    return notes + (foreign_note(path, side, foreign.values()),) * bool(foreign)


def damaged_path(path: str | os.PathLike) -> Path:
    """The side file of a results file's damaged lines: ``r.csv`` -> ``r.csv.damaged.txt`` (beside the file a
    symbolic link names)."""
    return _beside(path, DAMAGED_SUFFIX)


def check_damaged_side(path: str | os.PathLike) -> None:
    """A ConfigError where :func:`damaged_path` exists as another thing than a regular file (a folder, a pipe, a
    broken link): damaged lines would stop the run there, and its rerun the same way (said before any point)"""
    for of in (path, removed_path(path)):  # the removed rows' file keeps its own damaged lines too
        side = damaged_path(of)
        if os.path.lexists(side) and not os.path.isfile(side):
            raise ConfigError(str(side), [("", (
                f"it is {_no_file(side)}, not the side file of {of}'s "
                "damaged lines (each kept there when a resume leaves it out): move it away (or delete it) first"))])


def keep_damaged(path: str | os.PathLike, lines: Sequence[bytes]) -> None:
    """Append ``lines`` (a results file's damaged lines, their bytes as it held them) to :func:`damaged_path`, those
    not there yet (a resume stopped between keeping them and rewriting the results file keeps them again), in one
    write and an fsync; a write that fails part way is cut back to the file's size before it (a later line had been
    joined to the half one). An OSError where it cannot be written (the run stops before the results file is
    rewritten: nothing lost)."""
    side = damaged_path(path)
    text = side.read_bytes() if side.is_file() else b""
    held = set(text.split(b"\n"))  # (once: it had been split again for every line)
    data = b"".join(line + b"\n" for line in dict.fromkeys(lines) if line not in held)
    data = b"\n" + data if data and text and not text.endswith(b"\n") else data  # after a note without its newline
    fd = os.open(side, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        size = os.fstat(fd).st_size
        try:
            while data:
                data = data[os.write(fd, data):]
            os.fsync(fd)
        except OSError:
            with contextlib.suppress(OSError):  # (an append-only file refuses it: the write's error is said)
                os.ftruncate(fd, size)
            raise
    finally:
        os.close(fd)
