"""Results files are never lost or clobbered: a file a sweep is writing is not replaced by another command, a sweep
whose file was replaced or removed under it stops without writing into another file, the ``.lock`` sidecar never
takes over a file of that name it did not make, and a loop of symbolic links is refused up front."""

from __future__ import annotations

import errno
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from cimsim.atomic import check_writable, write_atomic, write_atomic_with
from cimsim.cli import main
from cimsim.errors import ConfigError
from cimsim.sweep import OutputLocked, run_sweep, spec_from_dict
from cimsim.sweep import lock
from cimsim.sweep.lock import lock_path, output_lock
from cimsim.sweep.results import append_rows, columns, read_results

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = (ROOT / "configs" / "default.toml").as_posix()
SPEC = {"base": DEFAULT, "axes": {"adc.bits": [4, 6, 8], "device.bits_per_cell": [1, 2]}}
HOLD = """
import sys
from cimsim.sweep.lock import output_lock
with output_lock(sys.argv[1]):
    print("held", flush=True)
    sys.stdin.read()
"""


def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.fixture
def held(tmp_path):
    """a results file r.csv with one line, whose lock another process (a sweep) holds"""
    out = tmp_path / "r.csv"
    out.write_text("point_id,x\n")
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(out)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            text=True)
    try:
        assert proc.stdout.readline() == "held\n"
        yield out, proc.pid
    finally:
        proc.stdin.close()
        proc.wait(timeout=30)


@pytest.mark.parametrize("name", ["a.json/", "new/.", "new/.."])
def test_a_path_that_names_a_folder_is_not_written_as_a_file(tmp_path, name):
    """write_atomic('a.json/') had written the file a.json, 'new/.' the file new (pathlib drops the separator and
    the dot; the CLI's -o refuses them): every writer through it (plots, reports) refuses them (a review)"""
    with pytest.raises(IsADirectoryError, match="names a folder; give the path of a file"):
        write_atomic(f"{tmp_path}/{name}", "{}")
    with pytest.raises(IsADirectoryError, match="names a folder"):
        write_atomic_with(f"{tmp_path}/{name}", lambda fh: fh.write(b"png"))
    assert list(tmp_path.iterdir()) == []


def test_rows_are_not_moved_into_a_side_file_another_sweep_is_writing(tmp_path):
    """a sweep moving rows of points it no longer has to x.csv.removed.csv had appended them while a sweep run with
    -o x.csv.removed.csv held that file, whose own resume then refused them as stale (a sweeps probe)"""
    out, side = tmp_path / "x.csv", tmp_path / "x.csv.removed.csv"
    assert run_sweep(spec_from_dict(SPEC), out, workers=1).ok == 6
    before = out.read_bytes()
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(side)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            text=True)
    try:
        assert proc.stdout.readline() == "held\n"
        fewer = spec_from_dict({**SPEC, "axes": {"adc.bits": [4, 6], "device.bits_per_cell": [1, 2]}})
        with pytest.raises(OutputLocked, match=rf"another sweep \(PID {proc.pid}\) is writing"):
            run_sweep(fewer, out, workers=1)
        assert out.read_bytes() == before and not side.exists()
    finally:
        proc.stdin.close()
        proc.wait(timeout=30)
    assert run_sweep(fewer, out, workers=1).ok == 4 and side.exists()  # released: moved


def test_a_file_a_sweep_is_writing_is_not_replaced_by_another_command(held, tmp_path):
    """`cimsim estimate -o` (run, macros, ... : every output through write_atomic) onto a results CSV a sweep was
    writing had replaced it (its rows lost), and the sweep had appended on to the new file"""
    out, pid = held
    message = rf"{out}: a sweep \(PID {pid}\) is writing this results file \(it holds r.csv.lock\)"
    with pytest.raises(OutputLocked, match=message):
        write_atomic(out, "{}")
    with pytest.raises(OutputLocked, match=message):
        write_atomic_with(out, lambda fh: fh.write(b"png"))
    link = tmp_path / "link.json"
    link.symlink_to(out)
    with pytest.raises(OutputLocked, match="a sweep"):  # every path to the file takes its lock
        write_atomic(link, "{}")
    result = invoke("estimate", DEFAULT, "-o", link)  # a .json name: the suffix check lets it through to the lock
    assert result.exit_code == 2, result.output
    assert f"error: {link}: a sweep (PID {pid}) is writing this results file" in result.output
    assert out.read_text() == "point_id,x\n" and sorted(p.name for p in tmp_path.iterdir()) == [
        "link.json", "r.csv", "r.csv.lock"]
    write_atomic(tmp_path / "other.json", "{}")  # a file no sweep holds is written


def test_a_file_whose_lock_this_process_holds_or_whose_sweep_is_gone_is_written(tmp_path):
    out = tmp_path / "r.csv"
    with output_lock(out):  # the sweep's own rewrite
        write_atomic(out, "a\n")
    lock_path(out).write_text("999999999\n")  # left by a killed sweep: nothing holds it
    write_atomic(out, "b\n")
    assert out.read_text() == "b\n"


def _rows(n):
    spec = spec_from_dict(SPEC)
    return spec, columns(spec), [[f"p{k}", "4", "1", *["1.0"] * len(spec.objectives), "ok", "", "x"] for k in range(n)]


@pytest.mark.parametrize("how", ["replaced", "removed", "moved away"])
def test_a_sweep_writes_nothing_into_a_file_put_in_place_of_its_results_file(tmp_path, how):
    """the sweep had reopened its results file by path for each batch: into a file that replaced it"""
    out, other = tmp_path / "r.csv", tmp_path / "other.csv"
    spec, header, rows = _rows(3)
    with output_lock(out):
        append_rows(out, header, rows[:1])
        if how == "replaced":
            other.write_text("{}\n")
            os.replace(other, out)
        elif how == "removed":
            out.unlink()
        else:
            os.rename(out, other)
        with pytest.raises(OSError, match=f"another program {how} {out} while this sweep was writing it") as err:
            append_rows(out, header, rows[1:])
        assert err.value.errno == errno.ESTALE
        with pytest.raises(OSError, match=f"another program {how}"):
            read_results(out, spec)
    assert out.read_text() == "{}\n" if how == "replaced" else not out.exists()
    if how == "moved away":
        assert "rows written so far are in the file moved away" in str(err.value)
        assert len(other.read_text().splitlines()) == 2


def test_a_sweep_whose_results_file_is_replaced_stops_saying_so(tmp_path):
    out = tmp_path / "r.csv"
    done = []

    def progress(count, failed, total):
        if count and not done:  # after the first batch: another program writes its own file there
            done.append(count)
            (tmp_path / "new.json").write_text("{}\n")
            os.replace(tmp_path / "new.json", out)

    summary = run_sweep(spec_from_dict(SPEC), out, workers=1, progress=progress)
    assert summary.stopped.startswith(f"writing {out} failed (another program replaced {out} while this sweep")
    assert out.read_text() == "{}\n" and not lock_path(out).exists()


def test_a_lock_sidecar_name_taken_by_something_else_is_refused_and_left_as_it_is(tmp_path):
    """the sweep had deleted a user's file r.csv.lock, written its PID into a symbolic link's target and failed with
    a raw '[Errno 21] Is a directory', exit 1"""
    spec = tmp_path / "spec.toml"
    spec.write_text(f'base = "{DEFAULT}"\n[axes]\n"adc.bits" = [4, 8]\n')
    (tmp_path / "a.csv.lock").write_text("my notes\n")
    (tmp_path / "target.txt").write_text("target data\n")
    (tmp_path / "b.csv.lock").symlink_to("target.txt")
    (tmp_path / "c.csv.lock").mkdir()
    os.mkfifo(tmp_path / "d.csv.lock")
    for name, why in [("a", "it holds other text than a sweep's PID"), ("b", "a symbolic link"), ("c", "a folder"),
                      ("d", "not a regular file")]:
        result = invoke("sweep", spec, "-o", tmp_path / f"{name}.csv")
        assert result.exit_code == 2, result.output
        assert (f"{name}.csv.lock is not a sweep's lock file ({why}); a sweep locks its results file through a file "
                "of that name: move it away, or write to another file (-o)") in result.output
        assert not (tmp_path / f"{name}.csv").exists()
    assert (tmp_path / "a.csv.lock").read_text() == "my notes\n"
    assert (tmp_path / "target.txt").read_text() == "target data\n" and (tmp_path / "b.csv.lock").is_symlink()
    assert (tmp_path / "c.csv.lock").is_dir()


def test_a_stale_or_empty_lock_file_is_taken_over_and_one_put_in_its_place_is_kept(tmp_path):
    out = tmp_path / "r.csv"
    for stale in ("999999999\n", ""):  # a killed sweep's, or one killed before it wrote its PID
        lock_path(out).write_text(stale)
        with output_lock(out):
            assert lock_path(out).read_text() == f"{os.getpid()}\n"
        assert not lock_path(out).exists()
    with output_lock(out):
        lock_path(out).unlink()
        lock_path(out).write_text("mine\n")  # another program's file, made meanwhile: not removed at the end
    assert lock_path(out).read_text() == "mine\n"


def test_without_fcntl_a_lock_file_of_other_text_is_not_taken_over(tmp_path, monkeypatch):
    monkeypatch.setattr(lock, "fcntl", None)
    out = tmp_path / "r.csv"
    lock_path(out).write_text("my notes\n")
    with pytest.raises(ConfigError, match="r.csv.lock is not a sweep's lock file"):
        with output_lock(out):
            pass
    assert lock_path(out).read_text() == "my notes\n"


def test_a_loop_of_symbolic_links_is_refused_up_front_and_never_replaced(tmp_path):
    """a sweep had run its points, failed writing (exit 1) and asked to be run again; write_atomic had replaced the
    link by a file"""
    (tmp_path / "l1.csv").symlink_to("l2.csv")
    (tmp_path / "l2.csv").symlink_to("l1.csv")
    loop = tmp_path / "l1.csv"
    with pytest.raises(OSError, match="a loop of symbolic links: it names no file"):
        check_writable(loop)
    with pytest.raises(ConfigError, match="cannot write this results file \\(a loop of symbolic links"):
        run_sweep(spec_from_dict(SPEC), loop, workers=1)
    for write in (lambda: write_atomic(loop, "{}"), lambda: write_atomic_with(loop, lambda fh: fh.write(b"x"))):
        with pytest.raises(OSError, match=f"a loop of symbolic links: it names no file: '{loop}'"):
            write()
        assert loop.is_symlink()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["l1.csv", "l2.csv"]


def test_a_sweep_through_a_link_pointed_elsewhere_during_the_run_writes_nothing_there(tmp_path):
    out, other = tmp_path / "link.csv", tmp_path / "other.csv"
    out.symlink_to("r.csv")
    other.write_text("theirs\n")
    _, header, rows = _rows(2)
    with output_lock(out):
        append_rows(out, header, rows[:1])
        out.unlink()
        out.symlink_to("other.csv")
        with pytest.raises(OSError, match=f"another program replaced {out} .* rows written so far are in "
                                          f"{tmp_path / 'r.csv'}; this sweep writes nothing into the new file"):
            append_rows(out, header, rows[1:])
    assert other.read_text() == "theirs\n" and len((tmp_path / "r.csv").read_text().splitlines()) == 2


def test_a_binary_write_to_a_pipe_writes_through_it_and_a_failure_names_the_path_given(tmp_path):
    """write_atomic_with (a network's .npz, a plot) writes into a pipe or device as write_atomic does (it had put a
    regular file in the pipe's place: a link to /dev/null would have lost the device), and an OSError names the path
    the caller gave, not the hidden temporary file beside it"""
    import threading

    pipe = tmp_path / "p.npz"
    os.mkfifo(pipe)
    got = []
    reader = threading.Thread(target=lambda: got.append(pipe.read_bytes()))
    reader.start()
    write_atomic_with(pipe, lambda fh: fh.write(b"through the pipe"))
    reader.join(10)
    assert got == [b"through the pipe"] and stat.S_ISFIFO(os.stat(pipe).st_mode)
    (tmp_path / "folder.npz").mkdir()
    with pytest.raises(IsADirectoryError) as failed:
        write_atomic_with(tmp_path / "folder.npz", lambda fh: fh.write(b"x"))
    assert failed.value.filename == str(tmp_path / "folder.npz") and ".tmp" not in str(failed.value)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["folder.npz", "p.npz"]  # no temporary file left


def test_an_error_of_the_writers_own_file_keeps_its_name_and_a_message_alone_reads_as_one(tmp_path):
    """only the temporary file's name is replaced by the caller's path: a font the writer could not open is named
    (it had been relabelled with the output's path), and an OSError of a message alone names the output with it
    (it had read '[Errno None] None')"""
    def missing_font(fh):
        open(tmp_path / "nowhere" / "font.ttf", "rb")

    with pytest.raises(FileNotFoundError) as failed:
        write_atomic_with(tmp_path / "out.png", missing_font)
    assert failed.value.filename == str(tmp_path / "nowhere" / "font.ttf")

    def encoder(fh):
        raise OSError("encoder error -2 when writing image file")

    with pytest.raises(OSError, match=r"out\.png: encoder error -2 when writing image file$"):
        write_atomic_with(tmp_path / "out.png", encoder)
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_an_error_of_a_file_named_by_bytes_or_a_descriptor_stays_as_it_is(tmp_path):
    """an OSError whose file name is bytes or an int (not the temporary file) had ended in a TypeError"""
    with pytest.raises(FileNotFoundError):
        write_atomic_with(tmp_path / "o.png", lambda fh: open(bytes(tmp_path / "nowhere"), "rb"))
    with pytest.raises(OSError):
        write_atomic_with(tmp_path / "o.png", lambda fh: os.stat(987654))
    assert not list(tmp_path.iterdir())
