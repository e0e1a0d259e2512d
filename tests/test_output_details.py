"""Small promises of the CLI's outputs: a rewritten file keeps its permission bits, and the "compiling kernels"
notice appears only while a kernel's numba index is missing (an inlined helper, which keeps none, had made every run
say it)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner

from cimsim.cli import main
from cimsim.numerics import _input_kernels, compile_cache

DEFAULT = Path(__file__).resolve().parents[1] / "configs" / "default.toml"


def test_a_rewritten_output_keeps_its_mode_and_a_new_one_gets_an_ordinary_files(tmp_path):
    private, fresh = tmp_path / "private.json", tmp_path / "fresh.json"
    private.write_text("{}")
    private.chmod(0o600)
    for out in (private, fresh):
        result = CliRunner().invoke(main, ["estimate", str(DEFAULT), "-o", str(out)])
        assert result.exit_code == 0, result.output
    assert stat.S_IMODE(private.stat().st_mode) == 0o600  # it had become 0644
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o666 & ~umask


def test_an_inlined_helper_does_not_count_as_an_uncompiled_kernel(monkeypatch):
    assert _input_kernels.ratio_up.targetoptions.get("inline") == "always"
    helper_index = _input_kernels.ratio_up._cache._cache_file._index_path
    monkeypatch.setattr(compile_cache.os.path, "exists", lambda path: path != helper_index)
    assert compile_cache.kernels_cached()


def test_where_numba_can_write_no_cache_the_kernels_compile_each_run_and_a_warning_says_so():
    # a read-only install whose user has no writable home (a cluster's container) had failed every command with
    # "internal error, RuntimeError: cannot cache function 'ratio_up': no locator available" (a probe); numba's
    # cache locators are emptied here, as neither place it writes to can be
    import subprocess
    import sys

    code = ("import numba.core.caching as c\nc.CacheImpl._locator_classes = []\n"
            "from click.testing import CliRunner\nfrom cimsim.cli import main\n"
            f"r = CliRunner().invoke(main, ['estimate', {str(DEFAULT)!r}])\nprint(r.exit_code)\nprint(r.output)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.startswith("0\n") and "internal error" not in out.stdout, out.stdout + out.stderr
    said = " ".join((out.stdout + out.stderr).split())
    assert "numba can write no kernel cache here" in said and "set NUMBA_CACHE_DIR to a writable folder" in said


@pytest.mark.parametrize("kind", ["file", "empty"])
def test_a_numba_cache_dir_that_names_no_folder_is_said(tmp_path, kind):
    """NUMBA_CACHE_DIR naming a file (or empty) is ignored by numba without a word, which then writes its kernels
    beside the modules (a probe): one warning says so"""
    import subprocess
    import sys

    where = ""
    if kind == "file":
        (tmp_path / "afile").write_text("")
        where = str(tmp_path / "afile")
    env = {**os.environ, "NUMBA_CACHE_DIR": where}
    out = subprocess.run([sys.executable, "-m", "cimsim", "validate", str(DEFAULT)], capture_output=True, text=True,
                         env=env)
    assert out.returncode == 0, out.stderr
    assert f"warning: NUMBA_CACHE_DIR={where!r} names no folder (empty, or a file)" in out.stderr, out.stderr


def test_a_working_directory_deleted_under_the_command_is_named():
    # any --set, a sweep and price-model had failed with a bare "[Errno 2] No such file or directory" (os.getcwd);
    # a run with no relative path to resolve does not need the directory at all
    import subprocess
    import sys

    code = ("import os, tempfile\nfrom click.testing import CliRunner\nfrom cimsim.cli import main\n"
            "gone = tempfile.mkdtemp()\nos.chdir(gone)\nos.rmdir(gone)\n"
            f"r = CliRunner().invoke(main, ['estimate', {str(DEFAULT)!r}, '--set', 'workload.vectors=10'])\n"
            "print(r.exit_code)\n"
            f"r = CliRunner().invoke(main, ['estimate', {str(DEFAULT)!r}, '--set', 'workload.weights=\"file\"', "
            "'--set', 'workload.weights_file=w.npy'])\nprint(r.exit_code, r.output)\n"
            f"spec = os.path.join(tempfile.mkdtemp(), 's.toml')\nopen(spec, 'w').write({SWEEP!r})\n"
            "r = CliRunner().invoke(main, ['sweep', spec, '-o', spec + '.csv', '--workers', '1'])\n"
            "print('sweep', r.exit_code, r.output)\n"
            f"r = CliRunner().invoke(main, ['run', {str(DEFAULT)!r}, '-o', 'out.json'])\nprint('run', r.exit_code, "
            "r.output)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    said = "the working directory no longer exists (deleted or moved since the shell entered it): cd to an existing " \
        "folder"
    assert out.startswith("0\n") and out.count(said) == 3 and "sweep 1" in out and "run 2" in out, out  # the
    # sweep's workers start there; a relative -o had said "cannot write there (No such file or directory)"


SWEEP = f'base = "{DEFAULT}"\nkind = "analytic"\nobjectives = ["energy_pj"]\n[axes]\n"adc.bits" = [4, 5]\n'


def test_a_full_stdout_and_a_file_name_the_locale_cannot_write_are_named(tmp_path):
    # both had been bare: "[Errno 28] No space left on device" (no stream named) and "'ascii' codec can't encode
    # character '\xe9'" (no path, exit 1), a probe's
    import subprocess
    import sys

    cli = [sys.executable, "-m", "cimsim.cli"]
    with open("/dev/full", "w") as full:
        run = subprocess.run([*cli, "estimate", str(DEFAULT)], stdout=full, stderr=subprocess.PIPE, text=True)
    assert run.returncode == 1 and run.stderr.strip().endswith("error: cannot write to standard output: No space "
                                                               "left on device"), run.stderr
    for eager in (["--help"], ["--version"], ["run", "--help"]):  # before any command's guard: had been tracebacks
        with open("/dev/full", "w") as full:
            run = subprocess.run([*cli, *eager], stdout=full, stderr=subprocess.PIPE, text=True)
        assert run.returncode == 1 and run.stderr == "error: cannot write to standard output: No space left on " \
            "device\n", run.stderr
    named = tmp_path / "named.toml"
    named.write_text('name = "d\u00e9 fault"\n', encoding="utf-8")
    env = {**os.environ, "PYTHONUTF8": "0", "LC_ALL": "C"}
    run = subprocess.run([*cli, "compare", str(named), str(DEFAULT), "-o", str(tmp_path / "out")], env=env,
                         capture_output=True, text=True, encoding="utf-8", errors="replace")
    assert run.returncode == 2 and "(in a path or name) cannot be written in this system's ascii file names (its " \
        "locale): run under a UTF-8 locale (LC_ALL=C.UTF-8) or with PYTHONUTF8=1" in run.stderr, run.stderr


def test_a_full_disk_under_the_sweep_s_lock_names_the_lock_not_stdout(tmp_path, monkeypatch):
    # a full disk writing the lock (or numba's cache) names no file: it had been called "cannot write to standard
    # output", which only a write inside click.echo is
    import errno

    from cimsim.sweep import lock

    spec = tmp_path / "s.toml"
    spec.write_text(SWEEP)

    def full(fd, data):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(lock.os, "write", full)
    result = CliRunner().invoke(main, ["sweep", str(spec), "-o", str(tmp_path / "r.csv"), "--workers", "1"])
    assert result.exit_code == 1 and "cannot write the lock" in result.output and "r.csv.lock" in result.output
    assert "standard output" not in result.output, result.output


def test_a_full_disk_under_numba_s_cache_names_the_cache(monkeypatch):
    # with no file named, it had been "cannot write to standard output", then a bare "[Errno 28]" (reviews)
    import errno

    import click

    from cimsim.cli_guard import guarded

    space = {}
    exec(compile("def save(): raise OSError(28, 'No space left on device')",
                 os.path.join(os.sep, "x", "numba", "core", "caching.py"), "exec"), space)

    @click.command()
    @guarded
    def cmd():
        space["save"]()

    monkeypatch.setenv("NUMBA_CACHE_DIR", "/cache")
    result = CliRunner().invoke(cmd, [])
    assert errno.ENOSPC == 28 and result.exit_code == 1
    assert result.output == ("error: numba cannot write its kernel cache (No space left on device; NUMBA_CACHE_DIR="
                             "/cache): set NUMBA_CACHE_DIR to a writable folder with room\n"), result.output

    import traceback

    save = space["save"]

    def from_a_worker():  # a worker's error comes back raised from its traceback's text
        try:
            save()
        except OSError as exc:
            raise OSError(28, "No space left on device") from RuntimeError("".join(traceback.format_exception(exc)))

    space["save"] = from_a_worker
    assert "numba cannot write its kernel cache" in CliRunner().invoke(cmd, []).output


def test_the_stream_a_failed_write_went_to_is_named_and_a_cyclic_chain_ends():
    # a chain that comes back to itself (as sweep/execute raises a progress failure's cause) had spun for ever;
    # echo(file=sys.stderr), as click's progress bar writes, had been called standard output (a review)
    import io
    import sys

    import click

    from cimsim.cli_guard import in_numba_cache, written_to

    class Full(io.StringIO):
        def write(self, text):
            raise OSError(5, "Input/output error")

    for kwargs, stream in ((lambda: {"err": True}, "standard error"), (lambda: {"file": sys.stderr}, "standard error"),
                           (lambda: {}, "standard output")):
        saved = sys.stdout, sys.stderr
        sys.stdout, sys.stderr = Full(), Full()
        try:
            click.echo("x", **kwargs())
        except OSError as exc:
            said = written_to(exc)  # while the streams are the ones echo wrote to, as in a command
        finally:
            sys.stdout, sys.stderr = saved
        assert said == stream
    a, b = OSError(5, "a"), OSError(5, "b")
    a.__cause__, b.__cause__ = b, a
    assert written_to(a) is None and not in_numba_cache(a)


def test_a_folder_that_refuses_the_sweep_s_lock_file_is_named_with_the_way_out(tmp_path, monkeypatch):
    """-o /proc/version: the lock file beside it cannot be made (ENOENT under O_CREAT); a raw "[Errno 2] No such
    file or directory: '/proc/version.lock'", exit 1, before"""
    import errno

    from cimsim.sweep import lock

    spec, real_open = tmp_path / "s.toml", lock.os.open
    spec.write_text(SWEEP)

    def refused(path, flags, *args):
        if str(path).endswith(".lock") and flags & os.O_CREAT:
            raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), str(path))
        return real_open(path, flags, *args)

    monkeypatch.setattr(lock.os, "open", refused)
    result = CliRunner().invoke(main, ["sweep", str(spec), "-o", str(tmp_path / "r.csv"), "--workers", "1"])
    assert result.exit_code == 2 and "cannot make the sweep's lock file" in result.output, result.output
    assert "r.csv.lock: its folder takes no new file (No such file or directory); write the results into another " \
        "folder (-o)" in result.output


def test_an_exact_ir_drop_solve_is_announced_before_the_first_item(monkeypatch, capsys):
    """an exact IR-drop solve takes seconds to minutes before any item is done: said on a terminal (it had sat
    silent 30 s: a performance probe); not for the approximate model or wires without resistance"""
    from cimsim import cli_progress
    from cimsim.config import load_config

    monkeypatch.setattr(cli_progress, "on_terminal", lambda: True)
    monkeypatch.setattr(cli_progress, "dumb_terminal", lambda: True)
    for settings, said in (({"array.wire_resistance_ohm": 1.0}, True), ({}, False),
                           ({"array.wire_resistance_ohm": 1.0, "array.ir_drop": "approximate"}, False)):
        with cli_progress.Progress(10, "vectors", load_config(DEFAULT, settings)):
            pass
        assert ("solving each array's IR drop exactly before the first item" in capsys.readouterr().err) == said
