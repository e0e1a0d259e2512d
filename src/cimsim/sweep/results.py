"""The results file of a sweep: a CSV that only grows by whole lines, so finished work survives any stop.

Columns: ``point_id``, one per axis (the dotted field), one per objective, ``status`` (ok / failed) and
``error``. Every record is one physical line (error text is flattened to one line). Rows are appended with
one ``write`` per batch of complete lines, then flushed to disk (``fsync``); the header is written once,
when the file is created. A last line without its newline (a write cut short by a crash) is dropped on the
next read by rewriting the file without it, atomically.
"""

from __future__ import annotations

import csv
import io
import math
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from ..report_json import write_atomic
from .points import Point
from .spec import SweepSpec

__all__ = ["columns", "format_row", "read_results", "append_rows", "rewrite_in_order"]


def columns(spec: SweepSpec) -> tuple[str, ...]:
    """The CSV header of a sweep."""
    return ("point_id", *(axis.field for axis in spec.axes), *spec.objectives, "status", "error")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else ("inf" if value > 0 else "-inf" if value < 0 else "nan")
    return str(value)


def format_row(point: Point, objectives: Sequence[str], metrics: Mapping[str, float], error: str | None) -> list[str]:
    """One CSV record: the point's id and axis values, its metrics (empty when it failed), status and error."""
    values = [metrics.get(name) for name in objectives] if error is None else [None] * len(objectives)
    return [point.id, *map(_cell, point.values), *map(_cell, values), "ok" if error is None else "failed",
            " ".join((error or "").split())]


def _lines(rows: Iterable[Sequence[str]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue()


def read_results(path: str | os.PathLike, header: Sequence[str]) -> dict[str, dict[str, str]]:
    """The rows already in ``path`` by point id (empty if there is no file yet).

    A truncated last line is removed from the file first. Raises :class:`ConfigError` if the file's
    header is not ``header`` (written by another sweep) or a complete line is not a valid record.
    """
    path = Path(path)
    if not path.exists():
        return {}
    data = path.read_bytes()
    if data and not data.endswith(b"\n"):
        data = data[: data.rfind(b"\n") + 1]
        write_atomic(path, data.decode("utf-8"))
    lines = data.decode("utf-8").splitlines()
    if not lines:
        return {}
    records = list(csv.reader(lines))
    if tuple(records[0]) != tuple(header):
        raise ConfigError(str(path), [("", (
            f"the file's columns ({', '.join(records[0])}) are not this sweep's ({', '.join(header)}); "
            "write to another file (-o) or delete this one"))])
    rows = {}
    for number, record in enumerate(records[1:], start=2):
        if len(record) != len(header):
            raise ConfigError(str(path), [("", f"line {number} has {len(record)} fields, expected {len(header)}")])
        rows.setdefault(record[0], dict(zip(header, record)))
    return rows


def append_rows(path: str | os.PathLike, header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    """Append complete lines in one write and fsync; a new (or empty) file gets the header first."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        text = (_lines([header]) if os.fstat(fd).st_size == 0 else "") + _lines(rows)
        data = text.encode("utf-8")
        while data:
            data = data[os.write(fd, data):]
        os.fsync(fd)
    finally:
        os.close(fd)


def rewrite_in_order(path: str | os.PathLike, header: Sequence[str], order: Sequence[str]) -> None:
    """Rewrite the file atomically with its rows in ``order`` of point id (rows of other ids last)."""
    rows = read_results(path, header)
    rank = {pid: k for k, pid in enumerate(order)}
    ids = sorted(rows, key=lambda pid: rank.get(pid, len(rank)))
    write_atomic(path, _lines([header, *([rows[pid][c] for c in header] for pid in ids)]))
