"""The results file of a sweep: a CSV that only grows by whole lines, each line checked when it is read back.

Columns: ``point_id``, one per axis (the dotted field), one per objective, ``status`` (ok / failed), ``error``,
``cimsim`` (the fingerprint of the cimsim that computed the row: :mod:`.fingerprint`) and ``checksum``: the first 16
hex digits of the sha256 of the row's other cells, as written, in column order, encoded as a compact JSON array of
strings (:func:`checksum`). Every record is one physical line
(error text is flattened to one line). Rows are appended with one ``write`` per batch of complete lines,
then flushed to disk (``fsync``); the header is written once, when the file is created.

Reading back (:func:`read_results`) takes a line as finished only if it is whole and sound: it ends with a
newline, has every field, its checksum matches, its status is ok / failed, an ok row's metrics are numbers
(a failed row's are empty) and its axis cells are its point's values. Any other line is damaged: it is
reported by line number and left out, so its point runs again; so is a failed row of a point's axis values under
another id (its inputs changed since: a data file it missed now exists), or a failed row whose error says a package
was missing, its memory over the limit or its data file changed mid-run (:data:`.metrics.RERUN_FAILURES`), no
finished work (both where :func:`read_results` is given the sweep's points, as a resumed run does). A sound row
written by another cimsim (another fingerprint; a file written before rows recorded it: the same columns without
``cimsim``, and without ``checksum`` if written before checksums too, read with every check but the checksum) is no
finished work of this one: it is kept apart (:attr:`Contents.foreign`). No cimsim wrote the ``cimsim`` column
without checksums: such a file is refused. Rows of points the sweep no longer has, and rows of another
cimsim, are moved to a side file (:func:`set_aside`), so a finished file is a fresh run's.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import json
import math
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field as _field
from pathlib import Path
from typing import Any

from ..argcheck import checked_types, escaped
from ..config.toml_file import not_text, with_nul_bytes
from ..errors import ConfigError
from ..atomic import is_stream, write_atomic, write_atomic_with
from .lock import check_named, hold
from . import fingerprint as model
from .csv_lines import CR_LINE_ENDS, cr_line_ends, record
from .fingerprint import COLUMN
from .metrics import rerun_why
from .points import Point
from .spec import SweepSpec

__all__ = ["columns", "checksum", "format_row", "Contents", "read_results", "append_rows", "write_rows",
           "records"]

CHECKSUM = "checksum"


@checked_types
def columns(spec: SweepSpec) -> tuple[str, ...]:
    """The CSV header of a sweep."""
    return ("point_id", *(axis.field for axis in spec.axes), *spec.objectives, "status", "error", COLUMN, CHECKSUM)


def checksum(cells: Sequence[str]) -> str:
    """16 hex digits: sha256 of ``json.dumps(cells, ensure_ascii=False, separators=(",", ":"))`` in UTF-8."""
    text = json.dumps(list(cells), ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else ("inf" if value > 0 else "-inf" if value < 0 else "nan")
    return str(value)


@checked_types
def format_row(point: Point, objectives: Sequence[str], metrics: Mapping[str, float], error: str | None) -> list[str]:
    """One CSV record: the point's id and axis values, its metrics (empty when it failed), status, error, this
    cimsim's fingerprint, checksum."""
    values = [metrics.get(name) for name in objectives] if error is None else [None] * len(objectives)
    cells = [point.id, *map(_cell, point.values), *map(_cell, values), "ok" if error is None else "failed",
             " ".join((error or "").split()), model.fingerprint()]
    return [*cells, checksum(cells)]


def _lines(rows: Iterable[Sequence[str]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue()


@dataclass(frozen=True)
class Contents:
    """What a results file holds."""

    rows: dict[str, dict[str, str]]
    """the sound rows of this cimsim by point id (the first one of an id), column -> text"""
    damaged: tuple[str, ...] = ()
    """one ``"line N: why"`` per line left out (N counts from 1, the header)"""
    lost: tuple[bytes, ...] = ()
    """each line left out as damaged (not a failed row that runs again, nor a header cut short), its bytes as the
    file held them (kept by a resume: :func:`.side_files.keep_damaged`)"""
    foreign: dict[tuple[str, str], dict[str, str]] = _field(default_factory=dict)
    """the sound rows written by another cimsim (:mod:`.fingerprint`; ``""`` where the file has no ``cimsim``
    column) by (point id, fingerprint), the first one of each"""
    outdated: bool = False
    """its header is not this sweep's columns but one written before (without ``checksum`` or ``cimsim``) or in
    another order (axes reordered): the file is rewritten before a row is appended"""


@checked_types
def read_results(path: str | os.PathLike, spec: SweepSpec, points: Sequence[Point] = ()) -> Contents:
    """The rows in ``path`` (none if there is no file yet), each checked as the module doc says.

    ``points`` are the sweep's points: a row of one of them must hold its axis values. Reads only; raises
    :class:`ConfigError` if the header is neither this sweep's columns nor those without ``checksum``, ``cimsim`` or
    both (written before), or where a sound ok row of this cimsim (a row of another: :attr:`Contents.foreign`)
    holds the axis values of one of ``points`` under another id (the error names its line and id): it was computed
    from other inputs (the kind, the base config, ``[set]`` or a data file changed since) and would
    stand beside the new row unnoticed. A failed row so is left out as damaged: its point runs again; so is a failed
    row of one of ``points`` whose error says a package was missing, its memory over the limit of other settings or
    a data file changed (the run's failure, :func:`.metrics.rerun_why`). Under the sweep's lock, an OSError where
    the file it holds there was replaced, moved or removed (:func:`.lock.check_named`).
    """
    path = Path(path)
    if (data := _file_bytes(path)) is None:
        return Contents({})
    text = data.decode("utf-8-sig", errors="replace")  # a byte-order mark (a spreadsheet's "CSV UTF-8") left out
    lines, raw = text.split("\n"), data.split(b"\n")  # one line each (a replaced byte is no newline); the last
    # item is "" after a final newline, else a line cut short
    if len(lines) == 1 and _cut_header(columns(spec), lines[0]):  # a crash's (a mark alone too): rewritten whole
        return Contents({}, ("line 1: the header cut short (no newline: a write interrupted by a crash)",) * bool(data))
    _check_text(path, data)
    names = _names(path, columns(spec), lines[0])  # any other first line: a header of this sweep, else refused
    legacy = CHECKSUM not in names  # written before checksums, and before the cimsim column: set aside, unverified
    order = next(h for h in _headers(columns(spec)) if sorted(h) == sorted(names))  # the columns as written
    values = {p.id: dict(zip((a.field for a in spec.axes), map(_cell, p.values))) for p in points}
    configs = {p.id: p.config for p in points}
    positions = {tuple(v.values()) for v in values.values()}
    rows, damaged, lost, stale, foreign, current = {}, [], [], [], {}, model.fingerprint()
    for number, line in enumerate(lines[1:-1], start=2):
        if not line.strip():  # an empty line (an editor's at the end) holds no point: dropped on a rewrite
            continue
        cells = record(line)  # its cells, or why csv cannot read it
        row = dict(zip(names, cells)) if isinstance(cells, list) else {}
        why = cells if isinstance(cells, str) else _fault(row, spec, values, legacy, order) if len(cells) == len(
            names) else f"{len(cells)} fields, expected {len(names)}"
        lost += [raw[number - 1]] * bool(why)  # a line no check passed, as held: kept by a resume (no failed row)
        if not why and row.setdefault(COLUMN, "") != current:  # no finished work of this cimsim: set aside
            foreign.setdefault((row["point_id"], row[COLUMN]), row)
            continue
        moved = not why and row["point_id"] not in values and tuple(row[a.field] for a in spec.axes) in positions
        if moved and row["status"] == "failed":  # no finished work: its point, now another id, runs again
            why = ("a failed row of axis values this sweep's point now has under another id (its inputs changed: "
                   "a data file made or changed, the base config, [set] or the kind)")
        if not why and row["point_id"] in values and row["status"] == "failed":  # the environment's failure
            why = rerun_why(row["error"], configs[row["point_id"]])
        if why:
            damaged.append(f"line {number}: {why}")
        else:
            rows.setdefault(row["point_id"], row)
            stale += [(number, row["point_id"])] * moved
    if lines[-1]:
        damaged.append(f"line {len(lines)}: cut short (no newline: a write interrupted by a crash)")
        lost.append(raw[-1])
    if stale:
        raise ConfigError(str(path), [("", _stale_note(stale))])
    return Contents(rows, tuple(damaged), tuple(lost), foreign, names != columns(spec))


def _file_bytes(path: Path) -> bytes | None:
    """the bytes of the results file ``path``, None where there is none; under the sweep's lock, an OSError where
    the file it holds there was replaced, moved or removed (:func:`.lock.check_named`)"""
    try:
        with open(path, "rb") as fh:
            check_named(path, fh.fileno())  # under the sweep's lock: the file it holds, not one put in its place
            return fh.read()
    except FileNotFoundError:
        check_named(path, None)
        return None


def _check_text(path: Path, data: bytes) -> None:
    """A ConfigError where the first line of ``data`` (a byte-order mark left out) is no UTF-8 text, saying what the
    file is instead as ``cimsim pareto`` does (UTF-16 from PowerShell, a gzip file: its header had been shown as 600
    characters of replacement marks, or the csv module's own words)"""
    mark = len(codecs.BOM_UTF8) * data.startswith(codecs.BOM_UTF8)
    head = data[mark:].split(b"\n", 1)[0]
    try:
        head.decode("utf-8")
        if cr_line_ends(head):  # its lines ended by a carriage return alone: said, not csv's words (a review)
            raise ConfigError(str(path), [("", f"it is no results file this sweep can read: {CR_LINE_ENDS}, or "
                                               "write to another file (-o)")])
        if head.count(0) * 4 <= len(head):  # UTF-8 (a NUL in a column's name: the columns shown, escaped)
            return
        why = with_nul_bytes(data, "results file")
    except UnicodeDecodeError as exc:
        why = (with_nul_bytes(data, "results file") if b"\0" in head
               else not_text(data, "results file", mark + exc.start))
    raise ConfigError(str(path), [("", f"it is no results file this sweep can read: {why}; write to another file "
                                       "(-o) or delete this one")])


def _cut_header(header: tuple[str, ...], line: str) -> bool:
    """``line`` begins this sweep's ``header`` or one written before (:func:`_names`): a header a crash cut short,
    not a file of someone else's (a one-line file without a newline had been taken for one and overwritten)"""
    return any(_lines([names]).startswith(line) for names in _headers(header))


def _headers(header: tuple[str, ...]) -> tuple[tuple[str, ...], ...]:
    """this sweep's ``header``, then as written before the ``cimsim`` column, and before checksums too (which came
    first: the column without them is an edit)"""
    return header, (*header[:-2], CHECKSUM), header[:-2]


def _names(path: Path, header: tuple[str, ...], line: str) -> tuple[str, ...]:
    """the columns of a results file whose first line is ``line``, one of :func:`_headers` in any order; else a
    ConfigError naming ``path`` (the columns it found shown escaped: :func:`.argcheck.escaped`)"""
    found = record(line)
    if isinstance(found, str):
        raise ConfigError(str(path), [("", f"its first line is {found}, no header; write to another file (-o) or "
                                           "delete this one")])
    found = tuple(found)  # its columns in another order (a spec's axes reordered) are read, and rewritten in order
    if sorted(found) not in [sorted(names) for names in _headers(header)]:  # (checksums taken away: not accepted)
        edited = " (no cimsim wrote its cimsim column without checksums)" * (sorted(found) == sorted(header[:-1]))
        raise ConfigError(str(path), [("", (
            f"the file's columns ({', '.join(map(escaped, found))}) are not this sweep's ({', '.join(header)})"
            f"{edited}; write to another file (-o) or delete this one"))])
    return found


def _stale_note(stale: Sequence[tuple[int, str]]) -> str:
    """why a file with ok rows of the sweep's axis values under other ids (line, id) is refused, the first 5 named"""
    shown = ", ".join(f"line {n}: {pid}" for n, pid in stale[:5]) + ", ..." * (len(stale) > 5)
    return (f"{len(stale)} ok row{'s' * (len(stale) > 1)} hold{'s' * (len(stale) == 1)} the axis values of this "
            f"sweep's points under other point ids ({shown}): computed from other inputs (the kind, the base config, "
            "[set] or a data file it names changed since; or an analytic sweep's file written before ids folded in "
            "the kind); delete those lines, write to another file (-o) or delete this one")


def _fault(row: dict[str, str], spec: SweepSpec, values: Mapping[str, Mapping[str, str]], legacy: bool,
           order: Sequence[str]) -> str | None:
    """Why a row with every field is not sound, or None. Its checksum is of its cells in the file's column order or
    in ``order``, the order a sweep writes them (columns a spreadsheet moved had failed every row's: a probe)."""
    if row["status"] not in ("ok", "failed"):
        return f"status {row['status']!r} is neither ok nor failed"
    for name in spec.objectives:
        if row["status"] == "failed" and row[name]:
            return f"{name} of a failed row is {row[name]!r}, not empty"
        if row["status"] == "ok" and not _is_number(row[name]):
            return f"{name} {row[name]!r} is not a number"
    for field, value in values.get(row["point_id"], {}).items():
        if row[field] != value and not _same_number(row[field], value):
            return f"{field} is {row[field]!r}, its point's value is {value!r}"
    if not legacy and row[CHECKSUM] not in (checksum([v for k, v in row.items() if k != CHECKSUM]),
                                            checksum([row[k] for k in order if k != CHECKSUM])):
        return "checksum mismatch (the row changed after it was written)"
    return None


def _same_number(cell: str, value: str) -> bool:
    """whether two cells spell one number: '0' (an int a float axis listed, as sweeps wrote it before axis values were
    stored by their field's rule) and '0.0'"""
    return _is_number(cell) and _is_number(value) and float(cell) == float(value)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def append_rows(path: str | os.PathLike, header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    """Append complete lines in one write and fsync; a new (or empty) file gets the header first. A write that fails
    part way (a full disk, a file size limit) is cut back to the file's size before it, so the file keeps whole lines
    only, those of earlier batches, and the OSError is raised. Under the sweep's lock, an OSError (nothing written)
    where the file it holds under that name was replaced, moved or removed (:func:`.lock.check_named`)."""
    target = Path(os.path.realpath(path))  # a symbolic link's target, whose folders may be missing
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(target, os.O_WRONLY | os.O_APPEND)
    except FileNotFoundError:
        check_named(path, None)  # gone during the run: not made afresh
        fd = os.open(target, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        check_named(path, fd)
        hold(path, fd)  # a results file made here is locked before its first line
        size = os.fstat(fd).st_size
        data = ((_lines([header]) if size == 0 else "") + _lines(rows)).encode("utf-8")
        try:
            while data:
                data = data[os.write(fd, data):]
            os.fsync(fd)
        except OSError:
            os.ftruncate(fd, size)  # this batch's lines out whole, none left cut short
            raise
    finally:
        os.close(fd)


def write_rows(path: str | os.PathLike, header: Sequence[str], rows: Mapping[str, Mapping[str, str]],
               order: Sequence[str] = ()) -> None:
    """Rewrite the file atomically with ``rows`` only, in ``order`` of point id (other ids last), checksums
    computed afresh (rows read from a file without them get theirs); the new file is locked (:func:`.lock.hold`)
    before it replaces the old one. A file that holds those bytes already is left as it is (a finished sweep run
    again had replaced its file, new inode and time, which a build tool reads as changed)."""
    rank = {pid: k for k, pid in enumerate(order)}
    ids = sorted(rows, key=lambda pid: rank.get(pid, len(rank)))
    text = _lines([header, *records(header, rows, ids)])
    if not is_stream(path) and os.path.isfile(path) and Path(path).read_bytes() == text.encode("utf-8"):
        return
    if is_stream(path):  # a device or pipe is written as it is
        write_atomic(path, text)
        return

    def write(fh) -> None:
        hold(path, fh.fileno())
        fh.write(text.encode("utf-8"))

    write_atomic_with(path, write)


def records(header: Sequence[str], rows: Mapping[str, Mapping[str, str]], ids: Iterable[str]) -> Iterator[list[str]]:
    """the cells of the rows of ``ids`` in column order, each with its checksum computed afresh"""
    for pid in ids:
        cells = [rows[pid][c] for c in header[:-1]]
        yield [*cells, checksum(cells)]
