"""A results file a spreadsheet saved again (a damaged-files probe): columns moved keep their rows, and the lines a
resume leaves out as damaged are kept in ``r.csv.damaged.txt``, never lost with their points run again."""

from __future__ import annotations

import csv
import gzip
import os

import pytest
from test_sweep import ANALYTIC, write

from cimsim.errors import ConfigError
from cimsim.sweep import read_table, run_sweep

_POINTS = 6  # ANALYTIC: 2 ADC widths x 3 cell widths


@pytest.fixture
def finished(tmp_path):
    """(spec, results file) of a finished analytic sweep, and its text"""
    spec, out = write(tmp_path, ANALYTIC), tmp_path / "r.csv"
    assert run_sweep(spec, out, workers=1).ok == _POINTS
    return spec, out, out.read_text()


def _rewrite(path, edit):
    """``path`` read as CSV, each row (the header first) passed through ``edit``, written back"""
    with open(path, newline="") as fh:
        rows = [edit(row) for row in csv.reader(fh)]
    with open(path, "w", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)


def _swap_columns(path) -> None:
    """the energy_pj and latency_ns columns of ``path`` swapped, header and rows, no cell changed"""
    with open(path, newline="") as fh:
        header = next(csv.reader(fh))
    i, j = header.index("energy_pj"), header.index("latency_ns")
    _rewrite(path, lambda row: [*row[:i], row[j], *row[i + 1:j], row[i], *row[j + 1:]])


def test_columns_a_spreadsheet_moved_keep_their_rows(finished):
    """two metric columns swapped, no cell changed: every row had failed its checksum and run again"""
    spec, out, _ = finished
    _swap_columns(out)
    notes = []
    summary = run_sweep(spec, out, workers=1, notice=notes.append)
    assert (summary.skipped, notes) == (_POINTS, [])
    assert not os.path.exists(f"{out}.damaged.txt")


def test_a_damaged_line_is_kept_beside_the_file_and_its_point_runs_again(finished):
    """a number re-saved with fewer digits fails its checksum: the point runs again, and the line as the file held
    it is appended to r.csv.damaged.txt (it had been dropped with no copy); a resume of a sound file adds nothing"""
    spec, out, text = finished
    lines = text.splitlines()
    cells = next(csv.reader([lines[2]]))
    energy = next(csv.reader([lines[0]])).index("energy_pj")
    cells[energy] = f"{float(cells[energy]):.3g}"
    _rewrite(out, lambda row: cells if row[0] == cells[0] else row)
    edited = out.read_text().splitlines()[2]
    notes = []
    summary = run_sweep(spec, out, workers=1, notice=notes.append)
    assert (summary.ok, summary.skipped) == (_POINTS, _POINTS - 1)
    side = f"{out}.damaged.txt"
    assert open(side).read() == edited + "\n"
    assert notes[-1] == f"{out}: the 1 damaged line(s) kept in {side}"
    assert out.read_text() == text  # the point's row written again as before
    run_sweep(spec, out, workers=1)
    assert open(side).read() == edited + "\n"


def test_a_damaged_lines_file_that_cannot_be_written_is_refused_before_any_point(finished, tmp_path):
    spec, out, text = finished
    (tmp_path / "r.csv.damaged.txt").mkdir()  # no file to append to
    out.write_text(text[:-5])  # the last line cut short
    with pytest.raises(ConfigError, match=r"r.csv.damaged.txt: it is a folder, not the side file of .*r.csv's "
                                          r"damaged lines"):
        run_sweep(spec, out, workers=1)
    assert out.read_text() == text[:-5]


@pytest.mark.parametrize("damage", ["nul_end", "nul_row", "cp1252"])
def test_pareto_leaves_out_the_rows_a_resume_leaves_out_not_the_file(finished, damage):
    """a NUL or a byte of another encoding in one row of a sweep's file had refused the whole table (a resume kept
    the other rows, as docs/sweeps.md says pareto does); a table without the checksum column is still refused"""
    spec, out, text = finished
    data = text.encode()
    lines = data.split(b"\n")
    if damage == "nul_end":
        data += b"\0"
    elif damage == "nul_row":
        data = b"\n".join([*lines[:3], lines[3][:10] + b"\0" * 64 + lines[3][10:], *lines[4:]])
    else:
        data = b"\n".join([*lines[:3], lines[3].replace(b",ok,,", b",ok,caf\xe9,"), *lines[4:]])
    out.write_bytes(data)
    notes = []
    table = read_table(out, notice=notes.append)
    assert len(table.rows) == (_POINTS if damage == "nul_end" else _POINTS - 1)
    assert [n for n in notes if "line 4" in n] == ([] if damage == "nul_end" else [
        f"{out}: 1 row left out (line 4): a checksum that does not match the row's cells (changed after it was "
        "written: a hand edit?), as resuming the sweep finds too (columns a spreadsheet moved? a resume, cimsim "
        "sweep SPEC -o FILE, reads them in the sweep's order and writes the file back in it)"])
    plain = out.with_name("plain.csv")
    plain.write_bytes(b"x,y\n1,caf\xe9\n")
    with pytest.raises(ConfigError, match="cannot read the results table: .*another encoding than UTF-8"):
        read_table(plain)


@pytest.mark.parametrize("damage", ["long_line", "cr_join", "cut_long"])
def test_pareto_reads_a_sweeps_file_a_line_a_record_as_a_resume_does(finished, damage):
    """a line past csv's 128 KB field limit had refused the whole table, and two rows joined by a lone carriage return
    had both been ranked, where a resume leaves that line out and keeps the rest (a review)"""
    spec, out, text = finished
    lines = text.encode().split(b"\n")
    if damage == "long_line":
        lines.insert(3, lines[2][:20] + b"x" * 200_000)
    elif damage == "cr_join":
        lines[2:4] = [lines[2] + b"\r" + lines[3]]
    else:  # the last line cut short, past the limit
        lines[-1] = lines[2][:20] + b"x" * 200_000
    out.write_bytes(b"\n".join(lines))
    notes = []
    table = read_table(out, notice=notes.append)
    assert len(table.rows) == {"long_line": _POINTS, "cr_join": _POINTS - 2, "cut_long": _POINTS}[damage]
    said = {"long_line": "1 row left out (line 4): no CSV record (field larger than field limit (131072))",
            "cr_join": "1 row left out (line 3): no CSV record (new-line character seen in unquoted field",
            "cut_long": f"1 row left out (line {len(lines)}): cut short (no newline at the end of the file"}[damage]
    assert any(n.startswith(f"{out}: {said}") for n in notes), notes


def test_a_results_file_of_carriage_return_line_ends_is_named_as_such(finished):
    """a resume had refused it in the csv module's words, telling to delete the file of finished rows, and pareto had
    ranked its rows (reviews)"""
    spec, out, text = finished
    out.write_bytes(text.replace("\n", "\r").encode())
    with pytest.raises(ConfigError, match=r"its lines end with a carriage return alone .*tr '\\r' '\\n'"):
        run_sweep(spec, out, workers=1)
    assert out.read_bytes() == text.replace("\n", "\r").encode()
    with pytest.raises(ConfigError, match="its lines end with a carriage return alone"):  # pareto as a resume
        read_table(out)
    quoted = out.with_name("quoted.csv")  # its header's cells quoted: still a sweep's file
    header, rest = text.split("\n", 1)
    quoted.write_bytes((",".join(f'"{c}"' for c in header.split(",")) + "\n" + rest).replace("\n", "\r").encode())
    with pytest.raises(ConfigError, match="its lines end with a carriage return alone"):
        read_table(quoted)
    plain = out.with_name("plain.csv")  # a table of no sweep's: csv's universal newlines read it
    plain.write_bytes(b"x,y\r1,2\r3,1\r")
    assert len(read_table(plain).rows) == 2


@pytest.mark.parametrize("encode, said", [
    (lambda t: t.encode("utf-16"), "the file is UTF-16 text"),
    (lambda t: gzip.compress(t.encode()), "the file is binary data"),
    (lambda t: t.encode("utf-16-le"), "the file is UTF-16 text without a byte-order mark")])
def test_a_results_file_of_another_encoding_is_named_as_such(finished, encode, said):
    """a UTF-16 results file's header had been shown as 600 characters of replacement marks, a gzip file's refusal
    had been the csv module's words; the file is left as it was"""
    spec, out, text = finished
    out.write_bytes(encode(text))
    before = out.read_bytes()
    with pytest.raises(ConfigError, match=f"it is no results file this sweep can read: {said}"):
        run_sweep(spec, out, workers=1)
    assert out.read_bytes() == before


def test_damaged_lines_are_kept_as_bytes_once_and_the_side_files_own_too(finished, tmp_path):
    """a byte of another encoding had been kept as U+FFFD; a resume stopped between keeping the lines and rewriting
    the file had kept them twice on the next; a damaged line of r.csv.removed.csv had been dropped for good when
    that file was rewritten (a review)"""
    from cimsim.sweep.side_files import keep_damaged

    spec, out, text = finished
    lines = text.encode().split(b"\n")
    bad = lines[2].replace(b",ok,", b",ok,caf\xe9,", 1)
    out.write_bytes(b"\n".join([*lines[:2], bad, *lines[3:]]))
    keep_damaged(out, [bad])  # as a resume stopped before its rewrite had kept it
    run_sweep(spec, out, workers=1)
    assert open(f"{out}.damaged.txt", "rb").read() == bad + b"\n"
    small = write(tmp_path, ANALYTIC.replace('"adc.bits" = [4, 8]', '"adc.bits" = [4]'), "small.toml")
    run_sweep(small, out, workers=1)  # the 8-bit rows moved to r.csv.removed.csv
    side = tmp_path / "r.csv.removed.csv"
    held = side.read_bytes().split(b"\n")
    held[1] = held[1].replace(b",ok,", b",ok,x,", 1)
    side.write_bytes(b"\n".join(held))
    notes = []
    run_sweep(write(tmp_path, ANALYTIC, "again.toml"), out, workers=1, notice=notes.append)
    run_sweep(small, out, workers=1, notice=notes.append)  # rewrites the side file: its damaged line kept
    assert open(f"{side}.damaged.txt", "rb").read() == held[1] + b"\n"
    assert f"{side}: the 1 damaged line(s) kept in {side}.damaged.txt" in notes


def test_pareto_says_a_resume_reads_columns_a_spreadsheet_moved(finished):
    spec, out, _ = finished
    _swap_columns(out)
    with pytest.raises(ConfigError, match=r"columns a spreadsheet moved\? a resume, cimsim sweep SPEC -o FILE, reads "
                                          r"them in the sweep's order"):
        read_table(out)
    run_sweep(spec, out, workers=1)
    assert len(read_table(out).rows) == _POINTS


def test_a_damaged_lines_file_ending_without_a_newline_gets_one_before_the_lines(finished):
    """a note typed into r.csv.damaged.txt without its newline had been joined to the first kept line (a review)"""
    spec, out, text = finished
    lines = text.encode().split(b"\n")
    bad = lines[2].replace(b",ok,", b",ok,x,", 1)
    out.write_bytes(b"\n".join([*lines[:2], bad, *lines[3:]]))
    side = out.with_name("r.csv.damaged.txt")
    side.write_bytes(b"checked 2026-12-01")
    run_sweep(spec, out, workers=1)
    assert side.read_bytes() == b"checked 2026-12-01\n" + bad + b"\n"


def test_a_line_changed_while_the_sweep_runs_is_kept_and_said(tmp_path):
    """a row changed in place during the run had been dropped by the final rewrite, unsaid (a review)"""
    spec, out = write(tmp_path, ANALYTIC), tmp_path / "r.csv"
    changed = []

    def edit(done, failed, total):  # once rows are in: the first one's error cell changed, its length kept
        if done and not changed and out.exists() and len(text := out.read_bytes().split(b"\n")) > 2:
            changed.append(text[1].replace(b",ok,,", b",ok,x,", 1)[:len(text[1])])
            out.write_bytes(b"\n".join([text[0], changed[0], *text[2:]]))

    notes = []
    summary = run_sweep(spec, out, workers=1, progress=edit, notice=notes.append)
    assert changed and any("left out (changed during the run)" in n for n in summary.notes)
    assert f"{out}: the 1 damaged line(s) kept in {out}.damaged.txt" in notes
    assert open(f"{out}.damaged.txt", "rb").read() == changed[0] + b"\n"
