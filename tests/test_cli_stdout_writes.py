"""An output that is this process's stdout (``-o -``, ``/dev/stdout``, ``/dev/fd/1``, the very file a shell redirected
stdout to) is written through stdout, never replaced by a temporary file's rename: ``>> log.json`` keeps what the log
held, ``{ cimsim ...; cimsim ...; } > both.json`` keeps both reports. Also: the CLI's usage errors without click 8.2's
NoArgsIsHelpError (click 8.1), and an option given twice with one value spelled two ways."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest
from click.testing import CliRunner

from cimsim.atomic import write_atomic
from cimsim.cli import main
from cli_results import CIMSIM, SMALL, refused



@pytest.fixture
def config(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text(SMALL)
    return path


def cimsim(tmp_path, args, stdout, stderr=subprocess.PIPE):
    """the CLI run in ``tmp_path`` with its stdout (and stderr) the open files given"""
    return subprocess.run([*CIMSIM, *map(str, args)], stdout=stdout, stderr=stderr, text=True, cwd=tmp_path,
                          timeout=300)


def json_documents(text: str) -> list:
    """the JSON documents written one after another in ``text``"""
    decoder, found, at = json.JSONDecoder(), [], 0
    while text[at:].strip():
        at += len(text[at:]) - len(text[at:].lstrip())
        value, at = decoder.raw_decode(text, at)
        found.append(value)
    return found


@pytest.mark.parametrize("spelling", ["-", "/dev/stdout", "/dev/fd/1", "/proc/self/fd/1", "log.json"])
@pytest.mark.parametrize("command", [["estimate", "c.toml"], ["run", "c.toml"], ["price-model", "resnet50"]])
def test_an_appended_log_keeps_what_it_held(tmp_path, config, command, spelling):
    """`cimsim estimate c.toml -o - >> log.json` had replaced log.json (a temporary file renamed over the file behind
    /dev/stdout): its earlier content was lost"""
    log = tmp_path / "log.json"
    log.write_text('{"earlier": 1}\n')
    inode = log.stat().st_ino
    with open(log, "a") as out:
        child = cimsim(tmp_path, [*command, "-o", spelling], out)
    assert child.returncode == 0, child.stderr
    earlier, written = json_documents(log.read_text())
    assert earlier == {"earlier": 1} and written["cimsim_version"]
    assert log.stat().st_ino == inode  # the file itself, never a new one renamed over it
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.toml", "log.json"]


def test_two_runs_into_one_redirect_keep_both_reports(tmp_path, config):
    """`{ cimsim estimate c.toml -o -; cimsim estimate c.toml -o -; } > both.json` had left one report and a stray file
    named 'both.json (deleted)'; output around the reports, through the same redirect, keeps its place"""
    both = tmp_path / "both.json"
    with open(both, "w") as out:  # one open file shared by every command of the group, as a shell's `{ ...; } >`
        out.write("[\n")
        out.flush()
        first = cimsim(tmp_path, ["estimate", "c.toml", "-o", "-"], out)
        out.write(",\n")
        out.flush()
        second = cimsim(tmp_path, ["run", "c.toml", "-o", "/dev/stdout"], out)
        out.write("]\n")
    assert first.returncode == 0 and second.returncode == 0, first.stderr + second.stderr
    estimate, run = json.loads(both.read_text())
    assert "cim" in estimate and "accuracy" in json.dumps(run)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["both.json", "c.toml"]


def test_macros_report_and_csv_to_a_redirect_keep_the_log(tmp_path):
    """`macros -o -` and `macros -o r.md --csv -` into `>> log` had replaced the log as `estimate` did"""
    log = tmp_path / "log"
    log.write_text("earlier\n")
    with open(log, "a") as out:
        report = cimsim(tmp_path, ["macros", "-o", "-"], out)
        table = cimsim(tmp_path, ["macros", "-o", "r.md", "--csv", "/dev/stdout"], out)
    assert report.returncode == 0 and table.returncode == 0, report.stderr + table.stderr
    text = log.read_text()
    assert text.startswith("earlier\n") and "| iscas2022" in text
    assert text.split("| iscas2022")[-1].split("\nkind,macro,point,")[1]  # the CSV after the report
    assert (tmp_path / "r.md").read_text() in text


def test_an_output_to_stderr_is_appended_to_its_redirect(tmp_path, config):
    """`-o /dev/stderr 2>> err.log` had replaced err.log as stdout's file was"""
    err = tmp_path / "err.log"
    err.write_text("earlier\n")
    with open(err, "a") as stderr:
        child = cimsim(tmp_path, ["estimate", "c.toml", "-o", "/dev/stderr"], subprocess.PIPE, stderr)
    assert child.returncode == 0
    text = err.read_text()
    assert text.startswith("earlier\n"), text[:80]
    assert json_documents(text.removeprefix("earlier\n"))[0]["cimsim_version"]
    assert "wrote /dev/stderr" in child.stdout


def test_write_atomic_to_stdout_writes_at_its_place(tmp_path):
    """write_atomic('/dev/stdout') with stdout a file written before and after: each write in its order"""
    log = tmp_path / "log"
    saved = os.dup(1)
    try:
        with open(log, "w") as fh:
            os.dup2(fh.fileno(), 1)
            os.write(1, b"before\n")
            write_atomic("/dev/stdout", "report\n")
            os.write(1, b"after\n")
    finally:
        os.dup2(saved, 1)
        os.close(saved)
    assert log.read_text() == "before\nreport\nafter\n"


WITHOUT_NO_ARGS_IS_HELP = """
import sys, click.exceptions
del click.exceptions.NoArgsIsHelpError  # click 8.1 has none (pyproject: click>=8.1)
from cimsim.cli import main
main()
"""


@pytest.mark.parametrize("args, fragment", [
    (["run", "c.toml", "--bogus"], "--bogus"),
    (["run", "c.toml", "--seed", "1", "--seed", "2"], "'--seed' given twice with different values (1, then 2)"),
    (["nosuch"], "No such command 'nosuch'"),
    (["run"], "Missing argument 'CONFIG'")])
def test_usage_errors_without_click_no_args_is_help_error(tmp_path, config, args, fragment):
    """on click 8.1 every usage error had been an AttributeError traceback: the guard named
    click.exceptions.NoArgsIsHelpError, new in click 8.2"""
    child = subprocess.run([sys.executable, "-c", WITHOUT_NO_ARGS_IS_HELP, *args], capture_output=True, text=True,
                           cwd=tmp_path, timeout=300)
    assert child.returncode == 2, child.stderr
    assert child.stderr.startswith("error: ") and fragment in child.stderr, child.stderr
    assert "Traceback" not in child.stderr


@pytest.mark.parametrize("repeated", [
    ["--seed", "1", "--seed", "01"], ["--trials", "2", "--trials", "+2"], ["-o", "r.json", "-o", "./r.json"],
    ["-o", "-", "-o", "/dev/stdout"], ["--seed", "3", "--seed", "3"]])
def test_one_value_spelled_twice_passes(tmp_path, config, monkeypatch, repeated):
    """`--seed 1 --seed 01` had been refused as two different values: the texts were compared, not the values"""
    import cimsim.trials

    def reached(*args, **kwargs):
        raise RuntimeError("reached the run")

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(cimsim.trials, "run_trials", reached)
    result = CliRunner().invoke(main, ["run", str(config), *repeated])
    assert "given twice" not in result.output
    assert "reached the run" in result.output, result.output


@pytest.mark.parametrize("repeated, shown", [
    (["--seed", "1", "--seed", "02"], "(1, then 02)"), (["-o", "r.json", "-o", "./s.json"], "(r.json, then ./s.json)"),
    (["--seed", "x", "--seed", "1"], "(x, then 1)")])
def test_different_values_are_still_refused_with_the_text_given(tmp_path, config, monkeypatch, repeated, shown):
    monkeypatch.chdir(tmp_path)
    refused(CliRunner().invoke(main, ["run", str(config), *repeated]), "given twice with different values", shown)


def test_compare_refuses_a_report_file_that_is_its_stdout(tmp_path, config):
    """`compare -o out > out/report.json` had printed the Markdown report into report.json (exit 0, no JSON)"""
    (tmp_path / "out").mkdir()
    with open(tmp_path / "out" / "report.json", "w") as out:
        child = cimsim(tmp_path, ["compare", "c.toml", "-o", "out"], out)
    assert child.returncode == 2 and "is this command's stdout or stderr" in child.stderr, child.stderr
    assert (tmp_path / "out" / "report.json").read_text() == ""


def test_a_non_blocking_stdout_its_reader_is_slow_to_empty_gets_the_whole_report(tmp_path, config):
    """a pipe left non-blocking (as Node's child_process leaves it) had ended the write with EAGAIN: 4 KiB of the JSON
    and exit 1"""
    fcntl = pytest.importorskip("fcntl")  # (POSIX)
    read_end, write_end = os.pipe()
    fcntl.fcntl(write_end, getattr(fcntl, "F_SETPIPE_SZ", 1031), 4096)  # smaller than the report: the pipe fills
    os.set_blocking(write_end, False)
    child = subprocess.Popen([*CIMSIM, "estimate", "c.toml", "-o", "-"], stdout=write_end, stderr=subprocess.PIPE,
                             cwd=tmp_path, text=True)
    os.close(write_end)
    time.sleep(3.0)  # the reader is slow: the child meets a full pipe
    with os.fdopen(read_end) as reader:
        text = reader.read()
    assert child.wait(timeout=300) == 0, child.stderr.read()
    assert json.loads(text)["cimsim_version"]
