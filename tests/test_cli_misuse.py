"""What a hurried user gives the command line: a file of another kind, a closed stderr, an output file that does not
open for writing, an empty path, a name with a byte that is no UTF-8, a --seq-len past its limit, and a Ctrl-C
while onnxruntime loads (each found by a probe of the CLI)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from cimsim.cli import main

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = str(ROOT / "configs" / "default.toml")
MACROS = str(ROOT / "src" / "cimsim" / "validation" / "published_macros.toml")


@pytest.mark.parametrize("command, said", [
    (["run", MACROS], "a macro file ([[macro]] tables of published macros: cimsim macros checks and prices it), "
                      "where a config file is asked for"),
    (["sweep", MACROS], "a macro file ([[macro]] tables of published macros: cimsim macros checks and prices it), "
                        "where a sweep spec is asked for"),
    (["macros", DEFAULT], "a config ([adc], [array], ...: cimsim run, estimate or compare run it), where a macro "
                          "file is asked for"),
    (["validate", MACROS], "a macro file ([[macro]] tables of published macros: cimsim macros checks and prices it), "
                           "where a config file"),
])
def test_a_file_of_another_kind_is_named_as_such(command, said, tmp_path):
    """a macro file given as a config had been refused for its unknown key 'macro', a config given to macros for
    lacking [[macro]] tables"""
    result = CliRunner().invoke(main, [*command, *(["-o", str(tmp_path / "r.csv")] if command[0] == "sweep" else [])])
    assert result.exit_code == 2 and said in result.output, result.output


def test_validate_still_takes_a_config_and_a_spec(tmp_path):
    spec = tmp_path / "s.toml"
    spec.write_text(f'base = "{DEFAULT}"\n[axes]\n"adc.bits" = [4, 6]\n')
    for given in (DEFAULT, str(spec)):
        result = CliRunner().invoke(main, ["validate", given])
        assert result.exit_code == 0, result.output


def test_a_results_table_given_as_a_config_is_named_as_one(tmp_path):
    table = tmp_path / "r.csv"
    table.write_text("point_id,adc.bits,energy_pj,status,error\n0123456789abcdef,8,1.5,ok,\n")
    result = CliRunner().invoke(main, ["run", str(table)])
    assert result.exit_code == 2, result.output
    assert ("the file looks like a CSV table (a sweep's results: cimsim pareto reads them); a config file is TOML "
            "(Expected '=' after a key") in result.output


@pytest.mark.parametrize("command", [["run", DEFAULT, "--set", "workload.vectors=8"],
                                     ["compare", DEFAULT, "--set", "workload.vectors=8"]])
def test_a_closed_stderr_runs_the_command_without_progress(command, tmp_path):
    """`2>&-` (sys.stderr None): run, compare and sweep had failed with an internal error asking stderr isatty()"""
    out = tmp_path / ("r.json" if command[0] == "run" else "cmp")
    child = subprocess.run([sys.executable, "-m", "cimsim", *command, "-o", str(out)], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, cwd=ROOT, timeout=300, preexec_fn=lambda: os.close(2))
    assert child.returncode == 0 and out.exists()


def test_an_output_file_that_does_not_open_for_writing_is_refused_before_the_run(tmp_path, monkeypatch):
    """a read-only (or immutable, append-only) file given to -o had been replaced through a rename, which its
    permissions do not stop (as root here, whom no permission stops, the open is made to fail as it does for another
    user; access() had passed an append-only file, whose replace then failed after the run: a review)"""
    import cimsim.atomic as atomic

    kept = tmp_path / "kept.json"
    kept.write_text("{}")
    real = os.open

    def refused(path, flags, *args):
        if Path(path) == kept and flags & os.O_WRONLY:
            raise PermissionError(1, "Operation not permitted", str(path))
        return real(path, flags, *args)

    monkeypatch.setattr(atomic.os, "open", refused)
    result = CliRunner().invoke(main, ["estimate", DEFAULT, "-o", str(kept)])
    assert result.exit_code == 2, result.output
    assert f"{kept}: cannot write there (Operation not permitted)" in result.output
    assert kept.read_text() == "{}"


def test_a_sweeps_side_file_that_does_not_open_for_writing_is_refused_before_the_run(tmp_path, monkeypatch):
    """an immutable r.csv.removed.csv had stopped the sweep after it ran (exit 1), and a re-run the same way"""
    import cimsim.atomic as atomic

    spec = tmp_path / "s.toml"
    spec.write_text(f'base = "{DEFAULT}"\n[axes]\n"adc.bits" = [4, 6]\n')
    side = tmp_path / "r.csv.removed.csv"
    side.write_text("")
    real = os.open
    monkeypatch.setattr(atomic.os, "open", lambda path, flags, *args: (_ for _ in ()).throw(
        PermissionError(1, "Operation not permitted", str(path))) if Path(path) == side else real(path, flags, *args))
    result = CliRunner().invoke(main, ["sweep", str(spec), "-o", str(tmp_path / "r.csv")])
    assert result.exit_code == 2, result.output
    assert "cannot write its side file r.csv.removed.csv (Operation not permitted)" in result.output
    assert not (tmp_path / "r.csv").exists()


def test_pareto_of_an_empty_path_is_bad_usage():
    result = CliRunner().invoke(main, ["pareto", "", "--x", "a", "--y", "b"])
    assert result.exit_code == 2 and "the results table must name a file; got an empty path" in result.output


def test_a_name_with_a_byte_that_is_no_utf8_is_refused_naming_the_field(tmp_path):
    """`--set name=$'x\\xffy'` reaches Python as a lone surrogate: compare had failed in matplotlib after writing
    half of its folder"""
    result = CliRunner().invoke(main, ["compare", DEFAULT, "--set", "name=x\udcffy", "-o", str(tmp_path / "c")])
    assert result.exit_code == 2, result.output
    assert "'name' must be a non-empty string without control characters" in result.output
    assert "bytes that are no UTF-8" in result.output and not (tmp_path / "c").exists()


@pytest.mark.parametrize("seq_len, said", [
    ("2000", "error: --seq-len 2000 exceeds the model's 1024 learned positions"),
    (str((1 << 30) + 1), "1073741825 is not in the range 1<=x<=1073741824"),
])
def test_seq_len_refusals_name_the_option(seq_len, said):
    result = CliRunner().invoke(main, ["price-model", "gpt2-small", "--seq-len", seq_len])
    assert result.exit_code == 2 and said in result.output, result.output


def test_a_ctrl_c_that_stops_onnxruntimes_import_is_a_ctrl_c(monkeypatch):
    """the ImportError a Ctrl-C leaves in onnxruntime's import had been taken for a broken install: the command went
    on without the int8 units and exited 0; nothing is cached, so a later call imports it again"""
    import builtins

    from cimsim.numerics import int8

    real = builtins.__import__

    def stopped(name, *args, **kwargs):
        if name == "onnxruntime":
            try:
                raise KeyboardInterrupt
            except KeyboardInterrupt:
                raise ImportError("initialization failed") from None  # its context the Ctrl-C, as CPython's
        return real(name, *args, **kwargs)

    int8.available.cache_clear()
    monkeypatch.setattr(builtins, "__import__", stopped)
    try:
        with pytest.raises(KeyboardInterrupt):
            int8.available()
    finally:
        monkeypatch.setattr(builtins, "__import__", real)
        int8.available.cache_clear()


@pytest.mark.parametrize("stem, name", [(os.fsdecode(b"x\xffy"), "x\ufffdy"), ("a\u200bb", "aU+200Bb")])
def test_a_config_named_by_a_file_name_with_hidden_characters_compares(tmp_path, stem, name):
    """a file name with a byte that is no UTF-8 (or a zero-width space) had made a default name of Python's escapes,
    whose backslash compare refused as a path separator (after it had failed in matplotlib)"""
    config = tmp_path / f"{stem}.toml"
    config.write_text('preset = "rram-default"\n[workload]\nvectors = 8\n')
    child = subprocess.run([sys.executable, "-m", "cimsim", "compare", config.name, "-o", "c"], cwd=tmp_path,
                           capture_output=True, timeout=300)
    assert child.returncode == 0, child.stderr
    assert f"# cimsim report: {name}\n" in (tmp_path / "c" / "report.md").read_text(encoding="utf-8")


def test_a_sweep_resumes_into_an_append_only_results_file(tmp_path, monkeypatch):
    """the command line's -o check opened an existing results file for writing, which an append-only one refuses
    (chattr +a; made so here, as root, by refusing such an open): a sweep into it had been refused where run_sweep,
    which opens it for appending, resumed it (a review)"""
    import cimsim.atomic as atomic

    spec = tmp_path / "s.toml"
    spec.write_text(f'base = "{DEFAULT}"\n[axes]\n"adc.bits" = [4, 6]\n[set]\n"workload.vectors" = 8\n')
    out = tmp_path / "r.csv"
    assert CliRunner().invoke(main, ["sweep", str(spec), "-o", str(out), "--workers", "1"]).exit_code == 0
    full = out.read_text()
    out.write_text("".join(full.splitlines(keepends=True)[:2]))  # the first point's row kept: the second runs
    real = os.open

    def append_only(path, flags, *args):
        if Path(path) == out and flags & os.O_WRONLY and not flags & os.O_APPEND:
            raise PermissionError(1, "Operation not permitted", str(path))
        return real(path, flags, *args)

    monkeypatch.setattr(atomic.os, "open", append_only)
    result = CliRunner().invoke(main, ["sweep", str(spec), "-o", str(out), "--workers", "1"])
    assert result.exit_code == 0, result.output
    assert out.read_text() == full
