"""Pareto fronts of a results table: the points no other point beats on both objectives.

A point is on the front when no other point is at least as good on x and on y and better on one of them
(each of x and y minimised, or maximised when asked). Points with the same x and y are all kept.
An infinity is an ordered number (an exact simulation's ``snr_db`` is ``inf``): ``+inf`` is the best of a maximised
objective and the worst of a minimised one, and it may be on the front. Rows that failed (``status`` other than ok)
or lack a number in either column (empty, text, NaN) are left out, and the front's heading counts each kind. A
number is read as a program writes it: a cell ``float()`` would also take but no sweep writes (' 5 ', '1_000',
full-width digits: a hand edit) is no number.
As resuming a sweep does, a last row without its newline (a write cut short: a crash, a full disk, a truncated copy),
a row of another number of cells than the header and a row whose ``checksum`` (where the table has that column) does
not match its other cells are left out, and of rows with one point id the first is kept; each kind of row left out so
is told (``notice``). Rows of one model only are ranked (the ``cimsim`` column, :mod:`.fingerprint`, where the table
has it): this cimsim's, else those of the one cimsim that wrote every row (saying so); a table of several other
cimsims' rows is refused; rows of other cimsims left out are told.
"""

from __future__ import annotations

import codecs
import csv
import io
import math
import os
import re
import sys
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from ..argcheck import check_bool, check_int, check_path, checked_types, escaped, markdown_cell, shown as shown_value
from ..config.keys import did_you_mean
from ..config.toml_file import not_text, open_input, with_nul_bytes
from ..errors import ConfigError
from .fingerprint import COLUMN, describe, fingerprint
from .metrics import BETTER_HIGHER
from .csv_lines import CR_LINE_ENDS, cr_line_ends, record, rows_as_resumed
from .results import CHECKSUM, checksum

__all__ = ["Table", "Row", "read_table", "pareto_front", "front_markdown"]

Row = dict[str, str]
"""one record of a results table: column -> text"""

Notice = Callable[[str], None] | None
"""what gets each note on rows left out: a callable taking a str (default :func:`warn`), or None (quiet)"""

_NUMBER = re.compile(r"[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?|inf|infinity|nan)", re.ASCII | re.IGNORECASE)
"""a number as a program writes one (Python's repr, 'inf', 'nan'): ASCII digits, no spaces or '_'"""


def warn(note: str) -> None:
    """Print ``note`` on stderr as ``warning: NOTE`` (as the CLI prints a sweep's notes)."""
    print(f"warning: {note}", file=sys.stderr)


def _tell(notice: Notice, notes: list[str]) -> None:
    """pass each note to ``notice``; a TypeError if it is neither a callable nor None"""
    if notice is not None and not callable(notice):
        raise TypeError(f"notice must be a callable taking a str, or None; got {type(notice).__name__}")
    for note in notes if notice is not None else ():
        notice(note)


@dataclass(frozen=True)
class Table:
    """A results CSV: its columns and rows (as text)."""

    source: str
    columns: tuple[str, ...]
    rows: tuple[Row, ...]


def read_table(path: str | os.PathLike, notice: Notice = warn, model: str | None = None) -> Table:
    """Read a results CSV (UTF-8, a byte-order mark skipped), the rows resuming would leave out left out (a last row
    cut short, a row of another number of cells than the header, a bad checksum, a repeated point id: module doc),
    each kind told to ``notice``, and the rows of one cimsim only kept (:func:`_one_cimsim`: ``model``'s
    fingerprint, or by default this cimsim's); raises :class:`ConfigError` naming the file if it cannot be read,
    names a column twice, has rows but none left, no row of ``model`` or, by default, rows of several cimsims none of
    them this one."""
    try:
        check_path("the results table", path)
    except ValueError as exc:  # an empty path: a ConfigError, as every command's file (exit 2, not 1: a probe)
        raise ConfigError("''", [("", str(exc))]) from None
    try:
        with open_input(path) as file:  # a pipe with no writer refused, not waited on for ever
            raw = file.read().removeprefix(codecs.BOM_UTF8)  # past a byte-order mark (Excel's CSV UTF-8)
        checked = _checksummed(raw)
        if b"\0" in raw and not checked:  # UTF-16 or UTF-32 without a mark, binary data: no CSV of text holds a NUL
            raise ConfigError(str(path), [("", "cannot read the results table: "
                                               + with_nul_bytes(raw, "results table"))])
        text = raw.decode("utf-8", errors="replace" if checked else "strict")
        if checked:  # a sweep's file: a record a line, as a resume reads it
            header, read, unreadable = rows_as_resumed(text)
        else:
            reader = csv.DictReader(io.StringIO(text, newline=""))
            read = [(row, reader.line_num) for row in reader]  # the line each row ends on (a cell may span lines)
            header, unreadable = tuple(reader.fieldnames or ()), []
    except UnicodeDecodeError as exc:  # UTF-16 (PowerShell's >), Latin-1, a binary file: said as the TOML reader does
        raise ConfigError(str(path), [("", "cannot read the results table: "
                                           + not_text(raw, "results table", exc.start))]) from None
    except (OSError, csv.Error) as exc:
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
    if COLUMN in header and CHECKSUM not in header:  # checksums came first: rows whose checksums were cut away
        raise ConfigError(str(path), [("", f"the results table has the {COLUMN} column but no {CHECKSUM} column, "
                                           f"which no cimsim wrote (checksums came first): its rows cannot be "
                                           "verified, so they are not ranked (cimsim sweep refuses the file too)")])
    kept, notes = _sound_rows(header, read, cut=not text.endswith(("\n", "\r")))  # CR alone: classic Mac lines
    notes += [f"{_left_out([n for n, _ in unreadable])}: {why}, as resuming the sweep finds too" for why in
              [w for _, w in unreadable][:1]]
    if read and not kept:
        raise ConfigError(str(path), [("", f"no row is left to rank: {note}") for note in notes])
    if model is not None and not isinstance(model, str):
        raise TypeError(f"model must be a cimsim fingerprint (str) or None; got {type(model).__name__}")
    kept, more = _one_cimsim(str(path), header, kept, model)
    _tell(notice, [f"{path}: {note}" for note in notes + more])
    return Table(str(path), header, kept)


def _checksummed(raw: bytes) -> bool:
    """whether ``raw``'s first line is a UTF-8 header naming the ``checksum`` column (a sweep's file, read as a resume
    reads it: :func:`read_table`); a csv.Error for one of carriage-return line ends, which a resume refuses too"""
    first = raw.split(b"\n", 1)[0]
    if cr_line_ends(first) and CHECKSUM in record(first.split(b"\r", 1)[0].decode("utf-8", "replace")):
        raise csv.Error(CR_LINE_ENDS)
    try:
        return b"\0" not in first and CHECKSUM in next(csv.reader([first.decode("utf-8").rstrip("\r")]), [])
    except (UnicodeDecodeError, csv.Error):
        return False


def _sound_rows(header: tuple[str, ...], read: list[tuple[Row, int]],
                cut: bool) -> tuple[tuple[Row, ...], list[str]]:
    """(the rows to rank, a note per kind left out), as resuming a sweep leaves them out: the last row where ``cut``
    (the file does not end with a line break), a row of another number of cells than the header, a row whose checksum
    does not match its other cells in column order (:func:`.results.checksum`), or whose point id an earlier row of
    the same ``cimsim`` cell kept has (a side file holds a point's rows of two cimsims)"""
    kept, first, ragged, bad, repeated = [], {}, [], [], []
    for row, line in read[:len(read) - cut]:
        pid = (row.get("point_id"), row.get(COLUMN)) if row.get("point_id") else None
        if None in row or None in row.values():  # cells missing (None) or more than the header (under None)
            ragged.append((line, sum(v is not None for c, v in row.items() if c is not None)
                           + len(row.get(None) or ())))
        elif CHECKSUM in header and row[CHECKSUM] != checksum([v for c, v in row.items() if c != CHECKSUM]):
            bad.append(line)
        elif pid in first:
            repeated.append((line, first[pid]))
        else:
            kept.append(row)
            if pid:
                first[pid] = line
    notes = [f"{_left_out([read[-1][1]])}: cut short (no newline at the end of the file: a write stopped by a crash or "
             "a full disk, a truncated copy), as resuming the sweep finds too"] if cut and read else []
    if ragged:
        notes.append(f"{_left_out([k for k, _ in ragged])}: another number of cells than the header's {len(header)} ("
                     + ", ".join(f"line {k} has {n}" for k, n in ragged[:3]) + ", ..." * (len(ragged) > 3)
                     + "), as resuming the sweep finds too")
    if bad:
        notes.append(f"{_left_out(bad)}: a checksum that does not match the row's cells (changed after it was "
                     "written: a hand edit?), as resuming the sweep finds too (columns a spreadsheet moved? a resume, "
                     "cimsim sweep SPEC -o FILE, reads them in the sweep's order and writes the file back in it)")
    if repeated:
        shown = ", ".join(f"line {k} repeats line {j}'s" for k, j in repeated[:3]) + (", ..." * (len(repeated) > 3))
        notes.append(f"{_left_out([k for k, _ in repeated])}: the point id of an earlier row ({shown}); a point is "
                     "ranked once, as its first row (resuming a sweep keeps the first too)")
    return tuple(kept), notes


def _one_cimsim(source: str, header: tuple[str, ...], rows: tuple[Row, ...],
                model: str | None) -> tuple[tuple[Row, ...], list[str]]:
    """(the rows of one model to rank, notes): of a table with a ``cimsim`` column, the rows of fingerprint ``model``
    (a ConfigError where none has it), by default of this cimsim's where there are any, else of the one fingerprint
    of every row; a note naming it where it is not this cimsim's, and one counting the rows of other fingerprints
    left out. By default, a ConfigError naming each fingerprint and its rows where several, none this cimsim's, wrote
    them: a front of two models' rows is neither model's. Without that column, every row (``model`` None)."""
    counts, this = Counter(row[COLUMN] for row in rows) if COLUMN in header else Counter(), fingerprint()
    if model is not None and model not in counts:
        raise ConfigError(source, [(COLUMN, f"no row was written by the cimsim {model!r} asked for; " + (
            f"its rows: {_by(counts) or 'none'}" if COLUMN in header else
            "it has no 'cimsim' column (written before rows had it)"))])
    if model is None and len(counts) > 1 and this not in counts:
        raise ConfigError(source, [(COLUMN, (
            f"its rows were written by {len(counts)} cimsims, none of them this {describe(this)} ({_by(counts)}): a "
            "front of several models' rows is none of theirs; rank one's rows: --cimsim FINGERPRINT (their 'cimsim' "
            f"cell, e.g. {counts.most_common(1)[0][0]}; read_table(path, model=FINGERPRINT))"))])
    if not counts:
        return rows, []
    chosen = model if model is not None else this if this in counts else next(iter(counts))
    notes = [] if chosen == this else [f"the rows ranked were written by {describe(chosen)}, not by this "
                                       f"{describe(this)}: the front is that model's (it may have changed since)"]
    others = Counter({value: n for value, n in counts.items() if value != chosen})
    left = sum(others.values())
    notes += [f"{left} row{'s' * (left != 1)} left out: written by another cimsim ({_by(others)}), not by "
              f"{'this ' * (chosen == this)}{describe(chosen)} whose rows are ranked; a front ranks one model's "
              "rows"] * bool(others)
    return tuple(row for row in rows if row[COLUMN] == chosen), notes


def _by(counts: Counter) -> str:
    """'2 rows by cimsim 0.1.0 (source ...), --cimsim 0.1.0+src...; 1 row by ...', most rows first: each with the
    value --cimsim takes to rank its rows"""
    return "; ".join(f"{n} row{'s' * (n != 1)} by {describe(value)}" + (f", --cimsim {escaped(value)}" if value else "")
                     for value, n in sorted(counts.items(), key=lambda item: (-item[1], item[0])))


def _left_out(lines: list[int]) -> str:
    """'2 rows left out (lines 3, 7)', at most 5 line numbers shown"""
    shown = ", ".join(map(str, lines[:5])) + (", ..." if len(lines) > 5 else "")
    return f"{len(lines)} row{'s' * (len(lines) > 1)} left out (line{'s' * (len(lines) > 1)} {shown})"


def _number(text: str | None) -> float | None:
    """the number ``text`` spells as a program writes one (:data:`_NUMBER`), an infinity too, else None (NaN too:
    it has no order)"""
    if text is None or not _NUMBER.fullmatch(text):
        return None
    value = float(text)
    return None if math.isnan(value) else value


def _check_columns(table: Table, x: str, y: str, maximize_y: bool, maximize_x: bool = False) -> None:
    """a ConfigError naming a column ``table`` lacks, listing its columns (escaped: a header cell may hold a
    newline) and the one nearest to it, a sweep's bookkeeping column (point_id, status, error, cimsim, checksum), or
    one column given as both x and y; ``maximize_y``, ``maximize_x`` bools"""
    check_bool("maximize_y", maximize_y)
    check_bool("maximize_x", maximize_x)
    unknown = [(opt, c) for opt, c in (("x", x), ("y", y)) if c not in table.columns]
    if unknown:
        shown = [escaped(column) for column in table.columns]
        raise ConfigError(table.source, [(opt, f"no column '{escaped(c)}' for {opt} (--{opt}); columns: "
                                          f"{', '.join(shown)}"
                                          + did_you_mean(shown, c).replace(" (values are lower case)", ""))
                                         for opt, c in unknown])
    sweep = "point_id" in table.columns  # a sweep's results: 'status' and 'error' its bookkeeping too ('error' is a
    kept = [(opt, c) for opt, c in (("x", x), ("y", y))  # measure of another table's: reviews)
            if c in ("point_id", COLUMN, CHECKSUM) or (sweep and c in ("status", "error"))]
    if kept:  # (hex ids that parse as floats, '4e12ab...', had been ranked as numbers: a probe)
        raise ConfigError(table.source, [(opt, f"'{c}' (--{opt}) is a column of the results' bookkeeping, not a "
                                               "measure: give an objective or axis column") for opt, c in kept])
    if x == y:  # every point would tie with itself: a front of the one best value, no trade-off
        raise ConfigError(table.source, [("y", f"x and y (--x, --y) both name the column '{escaped(x)}': a front "
                                               "trades two different columns; give another column to y (or x)")])


def pareto_front(table: Table, x: str, y: str, maximize_y: bool = False,
                 notice: Notice = warn, maximize_x: bool = False) -> tuple[list[Row], list[Row]]:
    """(the rows with numbers in x and y, infinities included, the Pareto-optimal ones sorted by x, best first);
    ``notice`` is told of ok rows left out for a cell in x or y that is no number as a program writes one (text,
    ' 5 ', '1_000').

    Raises :class:`ConfigError` naming an unknown column and listing the columns, or one column given as x and y.
    """
    if not isinstance(table, Table):
        raise TypeError(f"table must be a results Table (read_table(path)); got {type(table).__name__}")
    _check_columns(table, x, y, maximize_y, maximize_x)
    _tell(notice, [f"minimising {column}, of which more is better: maximise it with maximize_{axis}=True "
                   f"(--maximize-{axis})" for axis, column, up in (("x", x, maximize_x), ("y", y, maximize_y))
                   if column in BETTER_HIGHER and not up])
    sign_x, sign_y = -1.0 if maximize_x else 1.0, -1.0 if maximize_y else 1.0
    points = [(sign_x * vx, sign_y * vy, row) for row in table.rows
              if row.get("status", "ok") == "ok"
              and (vx := _number(row[x])) is not None and (vy := _number(row[y])) is not None]
    _tell(notice, _not_numbers(table, x, y))
    points.sort(key=lambda p: (p[0], p[1]))
    front, best, k = [], None, 0
    while k < len(points):  # one group of equal x at a time; its smallest y must beat every smaller x
        group_x, group_y = points[k][0], points[k][1]
        while k < len(points) and points[k][0] == group_x:
            if points[k][1] == group_y and (best is None or group_y < best):  # +inf beats no point before it
                front.append(points[k][2])
            k += 1
        best = group_y if best is None else min(best, group_y)
    return [p[2] for p in points], front


def no_points_reason(table: Table, x: str, y: str) -> str:
    """why no row of ``table`` has numbers in ``x`` and ``y`` to rank (:func:`pareto_front`): no rows, every row
    failed, or no finished row with both, naming a column in which none has a number (a failed metric's)"""
    ok = [row for row in table.rows if row.get("status", "ok") == "ok"]
    if not ok:
        return (f"all {len(table.rows)} rows failed: no finished point to rank" if table.rows else
                "the results table has no rows (a header only)")
    empty = [f"'{escaped(c)}'" for c in (x, y) if not any(_number(row[c]) is not None for row in ok)]
    return (f"no finished point has numbers in both '{escaped(x)}' and '{escaped(y)}'"
            + (f" ({' and '.join(empty)} none at all)" if empty else ""))


def _not_numbers(table: Table, x: str, y: str) -> list[str]:
    """a note on the ok rows with a cell in x or y that is neither empty nor a number as a program writes one"""
    odd = [(name, cell) for row in table.rows if row.get("status", "ok") == "ok" for name, cell in
           [next(((n, row[n]) for n in (x, y) if row[n] and not _NUMBER.fullmatch(row[n])), (None, None))] if name]
    names = " or ".join(dict.fromkeys(escaped(name) for name, _ in odd))  # the columns that hold them, as they come
    return [f"{table.source}: {len(odd)} row{'s' * (len(odd) > 1)} left out: {names} is no number as a program "
            f"writes one (e.g. {odd[0][1]!r}; spaces, '_' and non-ASCII digits are not read)"] if odd else []


@checked_types
def front_markdown(table: Table, front: list[Row], candidates: int, x: str, y: str,
                   maximize_y: bool = False, maximize_x: bool = False) -> str:
    """The front as a Markdown table: point id, the axis columns (dotted config fields), x and y (an unknown
    column: :func:`pareto_front`'s ConfigError); its heading counts the rows left out, failed and without a
    number. ``front`` and ``candidates``: :func:`pareto_front`'s front on this table, x, y and aims, and how many rows
    it chose among (the length of its first list), else a TypeError or ValueError naming the argument (the list
    itself had failed in arithmetic, NaN and -1 had been printed as counts, another table's rows had raised KeyError,
    other rows had been headed as the front: probes)."""
    if not isinstance(table, Table):
        raise TypeError(f"table must be a results Table (read_table(path)); got {type(table).__name__}")
    points, real = pareto_front(table, x, y, maximize_y, None, maximize_x)  # what the front is, and among what
    if not isinstance(front, list) or not all(isinstance(r, Mapping) for r in front) or Counter(
            map(_row_key, front)) != Counter(map(_row_key, real)):
        raise TypeError(f"front must be the list of rows pareto_front(table, x, y) returns as the front (with the "
                        f"same maximize_x and maximize_y); got {type(front).__name__} {shown_value(front)}")
    if check_int("candidates", candidates, 0) != len(points):
        raise ValueError(f"candidates must be the number of rows pareto_front chose among (its first list's "
                         f"length), {len(points)} here; got {candidates}")
    shown = list(dict.fromkeys([c for c in table.columns if c == "point_id" or "." in c and c not in (x, y)] + [x, y]))
    aims = (f"{'maximise' if up else 'minimise'} {c}" for c, up in ((x, maximize_x), (y, maximize_y)))
    lines = [f"Pareto front of {table.source}: {', '.join(aims)} ({len(front)} of {candidates} points"
             f"{_left_out_note(table, candidates, x, y)})", "",
             "| " + " | ".join(map(markdown_cell, shown)) + " |",
             "|" + "|".join("---:" if c in (x, y) else "---" for c in shown) + "|"]
    for row in front:
        lines.append("| " + " | ".join(f"{float(row[c]):.6g}" if c in (x, y) else markdown_cell(row[c])
                                       for c in shown) + " |")
    return "\n".join(lines) + "\n"


def _row_key(row: Mapping) -> tuple:
    """a row as a hashable value (its cells in order), so that rows compare by value in linear time"""
    return tuple((k, str(v)) for k, v in row.items())


def _left_out_note(table: Table, candidates: int, x: str, y: str) -> str:
    """'; 3 rows left out: 1 failed, 2 without a number in x or y (empty, NaN or text)', or '' when none is"""
    failed = sum(row.get("status", "ok") != "ok" for row in table.rows)
    bare = max(0, len(table.rows) - candidates - failed)
    kinds = [f"{failed} failed"] * (failed > 0) + [f"{bare} without a number in {x} or {y} (empty, NaN or text)"] * (
        bare > 0)
    return f"; {failed + bare} row{'s' * (failed + bare > 1)} left out: {', '.join(kinds)}" if kinds else ""
