"""The lines of a sweep's results file as a resume reads them: one record a line, cut at each line feed, a line csv
cannot read (a field past its 128 KB limit, a carriage return alone inside a row) left out on its own. ``cimsim
pareto`` reads a sweep's file so too (it had refused the whole file for one such line, or read two rows joined by a
lone carriage return where a resume left both out: a review)."""

from __future__ import annotations

import csv

__all__ = ["CR_LINE_ENDS", "record", "rows_as_resumed", "cr_line_ends"]

CR_LINE_ENDS = ("its lines end with a carriage return alone (classic Mac OS line ends, a spreadsheet's 'CSV "
                "(Macintosh)'), so none of them is read as a line: convert them to line feeds (tr '\\r' '\\n' < FILE "
                "> NEW) and use that file")
"""what a results file of carriage-return line ends is told"""


def cr_line_ends(head: bytes) -> bool:
    """whether the first line of a file (``head``: up to its first line feed) holds a carriage return before its
    end that csv cannot read there (not one in a quoted cell): lines ended by a carriage return alone (a CRLF file's
    CR is its last byte)"""
    return b"\r" in head.rstrip(b"\r") and isinstance(record(head.decode("utf-8", "replace")), str)


def record(line: str) -> list[str] | str:
    """the cells of one line of a results file, or why csv cannot read it (a field past its 128 KB limit, a carriage
    return alone in an unquoted field)"""
    try:
        return next(csv.reader([line]), [])
    except csv.Error as exc:
        return f"no CSV record ({exc})"


Row = dict[str | None, str | list[str] | None]


def rows_as_resumed(text: str) -> tuple[tuple[str, ...], list[tuple[Row, int]], list[tuple[int, str]]]:
    """(the header, each other line's row with its line number, each unreadable line's number and why) of a
    results file's ``text``, read as a resume reads it (module doc); a row is keyed as csv.DictReader keys it (cells
    past the header under None, missing ones None), empty lines skipped, a last line cut short a row of no cells"""
    lines = text.split("\n")
    header = record(lines[0])
    if isinstance(header, str):
        raise csv.Error(header.removeprefix("no CSV record (").removesuffix(")"))
    read, unreadable = [], []
    for number, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        cells = record(line)
        if isinstance(cells, str) and number < len(lines):
            unreadable.append((number, cells))
            continue
        cells = [] if isinstance(cells, str) else cells  # the last line, cut short: left out as such
        row: Row = dict(zip(header, cells + [None] * (len(header) - len(cells))))
        if len(cells) > len(header):
            row[None] = cells[len(header):]
        read.append((row, number))
    return tuple(header), read, unreadable
