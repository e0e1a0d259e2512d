"""Pareto fronts of a results table: the points no other point beats on both objectives.

A point is on the front when no other point is at least as good on x and on y and better on one of them
(x is minimised; y is minimised, or maximised when asked). Points with the same x and y are all kept.
Rows that failed (``status`` other than ok) or lack a finite number in either column (empty, text, NaN, inf) are
left out: an infinite energy or error is no point of a trade-off.
"""

from __future__ import annotations

import csv
import io
import math
import os
from dataclasses import dataclass

from ..argcheck import check_bool, check_path, checked_types, markdown_cell
from ..config.toml_file import open_input
from ..errors import ConfigError

__all__ = ["Table", "Row", "read_table", "pareto_front", "front_markdown"]

Row = dict[str, str]
"""one record of a results table: column -> text"""


@dataclass(frozen=True)
class Table:
    """A results CSV: its columns and rows (as text)."""

    source: str
    columns: tuple[str, ...]
    rows: tuple[Row, ...]


def read_table(path: str | os.PathLike) -> Table:
    """Read a results CSV (UTF-8, a byte-order mark skipped); raises :class:`ConfigError` naming the file if it
    cannot be read or names a column twice."""
    check_path("the results table", path)
    try:
        with io.TextIOWrapper(open_input(path), encoding="utf-8-sig", newline="") as file:  # past a byte-order
            # mark (Excel's CSV UTF-8); a pipe with no writer refused, not waited on for ever
            reader = csv.DictReader(file)
            read = [(row, reader.line_num) for row in reader]  # the line each row ends on (a cell may span lines)
            rows = tuple(row for row, _ in read)
            header = tuple(reader.fieldnames or ())
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise ConfigError(str(path), [("", f"cannot read the results table: {getattr(exc, 'strerror', None) or exc}")]
                          ) from None
    if not header:
        raise ConfigError(str(path), [("", "the results table is empty (no header)")])
    if len(header) == 1 or header[0].lstrip().startswith(("#", "[")):  # TOML or text, its first line the header
        raise ConfigError(str(path), [("", f"not a results table (its first line: {', '.join(header)[:60]!r}); "
                                           "'cimsim sweep SPEC -o results.csv' writes one, a column per axis and "
                                           "metric")])
    repeated = sorted({c for c in header if c.strip() and header.count(c) > 1})
    if repeated:  # a row would keep the last of them only
        raise ConfigError(str(path), [("", f"the column {c!r} is given {header.count(c)} times in the header; give "
                                           "each column once") for c in repeated])
    ragged = [(k, sum(v is not None for c, v in row.items() if c is not None) + len(row.get(None) or ()))
              for row, k in read if None in row or None in row.values()]
    if ragged:  # a row cut short (None cells) or longer than the header (its extras under None)
        k, cells = ragged[0]
        raise ConfigError(str(path), [("", f"line {k} has {cells} cells, the header {len(header)}; every row "
                                           "holds a cell per column")])
    return Table(str(path), header, rows)


def _number(text: str | None) -> float | None:
    try:
        value = float(text)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def _check_columns(table: Table, x: str, y: str, maximize_y: bool) -> None:
    """a ConfigError naming a column ``table`` lacks and listing its columns; ``maximize_y`` a bool"""
    check_bool("maximize_y", maximize_y)
    unknown = [(opt, c) for opt, c in (("x", x), ("y", y)) if c not in table.columns]
    if unknown:
        raise ConfigError(table.source, [(opt, f"no column '{c}' for --{opt}; columns: {', '.join(table.columns)}")
                                         for opt, c in unknown])


def pareto_front(table: Table, x: str, y: str, maximize_y: bool = False) -> tuple[list[Row], list[Row]]:
    """(the rows with numbers in x and y, the Pareto-optimal ones sorted by x).

    Raises :class:`ConfigError` naming an unknown column and listing the columns.
    """
    if not isinstance(table, Table):
        raise TypeError(f"table must be a results Table (read_table(path)); got {type(table).__name__}")
    _check_columns(table, x, y, maximize_y)
    sign = -1.0 if maximize_y else 1.0
    points = [(vx, sign * vy, row) for row in table.rows
              if row.get("status", "ok") == "ok"
              and (vx := _number(row[x])) is not None and (vy := _number(row[y])) is not None]
    points.sort(key=lambda p: (p[0], p[1]))
    front, best, k = [], math.inf, 0
    while k < len(points):  # one group of equal x at a time; its smallest y must beat every smaller x
        group_x, group_y = points[k][0], points[k][1]
        while k < len(points) and points[k][0] == group_x:
            if points[k][1] == group_y and group_y < best:
                front.append(points[k][2])
            k += 1
        best = min(best, group_y)
    return [p[2] for p in points], front


@checked_types
def front_markdown(table: Table, front: list[Row], candidates: int, x: str, y: str,
                   maximize_y: bool) -> str:
    """The front as a Markdown table: point id, the axis columns (dotted config fields), x and y (an unknown
    column: :func:`pareto_front`'s ConfigError)."""
    _check_columns(table, x, y, maximize_y)
    shown = [c for c in table.columns if c == "point_id" or "." in c]
    shown += [c for c in (x, y) if c not in shown]
    left = len(table.rows) - candidates
    left_out = f"; {left} rows left out: failed, or without a finite number in {x} and {y}" if left > 0 else ""
    lines = [f"Pareto front of {table.source}: minimise {x}, {'maximise' if maximize_y else 'minimise'} {y} "
             f"({len(front)} of {candidates} points{left_out})", "",
             "| " + " | ".join(map(markdown_cell, shown)) + " |",
             "|" + "|".join("---:" if c in (x, y) else "---" for c in shown) + "|"]
    for row in front:
        lines.append("| " + " | ".join(f"{float(row[c]):.6g}" if c in (x, y) else markdown_cell(row[c])
                                       for c in shown) + " |")
    return "\n".join(lines) + "\n"
