"""Files users hand to cimsim and the files it writes: text encodings of configs, and where results may go."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import numpy as np
import pytest

from cimsim.atomic import write_atomic
from cimsim.config import load_config
from cimsim.errors import ConfigError
from cimsim.sweep import run_sweep

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = ROOT / "configs" / "default.toml"


def test_config_text_encodings(tmp_path):
    """A UTF-8 byte-order mark (Notepad's) is read past; UTF-16 (PowerShell's ``>``) and other bytes are refused,
    naming the file and what to do."""
    text = DEFAULT.read_text(encoding="utf-8")
    (tmp_path / "bom.toml").write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    assert load_config(tmp_path / "bom.toml").array == load_config(DEFAULT).array
    (tmp_path / "wide.toml").write_text(text, encoding="utf-16")
    with pytest.raises(ConfigError, match=r"wide.toml: invalid TOML: the file is UTF-16 text .*; save it as UTF-8"):
        load_config(tmp_path / "wide.toml")
    for encoding in ("utf-32", "utf-32-le", "utf-32-be"):  # with its mark, UTF-32 LE had been named UTF-16, BE
        (tmp_path / "wider.toml").write_text(text, encoding=encoding)  # without one a crash's NUL padding
        with pytest.raises(ConfigError, match=r"wider.toml: invalid TOML: the file is UTF-32 text; save it as UTF-8"):
            load_config(tmp_path / "wider.toml")
    (tmp_path / "latin.toml").write_bytes("# a comment\nname = 'caf\xe9'".encode("latin-1"))
    with pytest.raises(ConfigError, match=r"latin.toml: invalid TOML: the file is text in another encoding than "
                                          r"UTF-8 \(byte 0xE9 at line 2, column 12: Latin-1"):
        load_config(tmp_path / "latin.toml")
    (tmp_path / "bytes.toml").write_bytes(bytes(range(256)))
    with pytest.raises(ConfigError, match="bytes.toml: invalid TOML: the file is binary data, not UTF-8 text"):
        load_config(tmp_path / "bytes.toml")
    np.savez(tmp_path / "w.npz", w=np.ones(3))  # a network or weights file given as the config: where it goes
    with pytest.raises(ConfigError, match=r"w.npz: invalid TOML: the file is a zip archive \(a .npz\?\), not UTF-8 "
                                          r"text; a network, weights, .* is named in a config's \[workload\]"):
        load_config(tmp_path / "w.npz")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX's")
def test_results_to_links_pipes_and_full_devices(tmp_path):
    """A link is followed and kept; a pipe is written, not replaced by a file (as root, a rename had replaced
    /dev/full itself); a failed write names the path."""
    (tmp_path / "link.json").symlink_to("target.json")
    write_atomic(tmp_path / "link.json", "{}")
    assert (tmp_path / "link.json").is_symlink() and (tmp_path / "target.json").read_text() == "{}"

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_text()))
    reader.start()
    write_atomic(fifo, "through the pipe")
    reader.join(10)
    assert received == ["through the pipe"] and fifo.is_fifo()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.json", "pipe", "target.json"]  # no temporary left

    if Path("/dev/full").exists():
        with pytest.raises(OSError, match=r"No space left on device: '/dev/full'"):
            write_atomic("/dev/full", "x" * 100_000)
        assert Path("/dev/full").is_char_device()


def test_sweep_output_under_a_file_is_a_config_error(tmp_path):
    (tmp_path / "taken").write_text("")
    with pytest.raises(ConfigError, match="output.*its folder cannot be made: '.*taken' is a file"):
        run_sweep(ROOT / "configs" / "sweep-adc.toml", tmp_path / "taken" / "deeper" / "r.csv", workers=1)


def test_a_long_file_name_is_written_and_one_too_long_refused_up_front(tmp_path):
    """the temporary file beside the result carries at most 64 characters of its name, so a 250-character name
    (within the usual 255-byte limit) is written; a name beyond the file system's limit is refused before any work,
    as are folders where no file can be created"""
    from cimsim.atomic import check_writable

    long_name = tmp_path / ("r" * 245 + ".json")
    write_atomic(long_name, "{}")
    assert long_name.read_text() == "{}" and [p.name for p in tmp_path.iterdir()] == [long_name.name]
    check_writable(tmp_path / "new" / "deeper" / "r.json")  # folders to be made: nothing is created
    check_writable(tmp_path / "new", folder=True)
    assert [p.name for p in tmp_path.iterdir()] == [long_name.name]
    with pytest.raises(OSError, match="longer than the .* bytes the file system allows"):
        check_writable(tmp_path / ("x" * 300 + ".json"))
    with pytest.raises(OSError, match="File name too long|longer than the .* bytes the file system allows"):
        check_writable(tmp_path / ("d" * 300) / "r.json")
    with pytest.raises(NotADirectoryError):
        check_writable(long_name / "r.json")


@pytest.mark.skipif(not os.path.isfile("/proc/version"), reason="a Linux kernel file to write to")
def test_a_kernel_file_that_takes_no_write_is_refused_before_the_run(tmp_path):
    """`cimsim run -o /proc/version` had run, then failed writing its report (EINVAL); a pipe or terminal behind
    /proc/self/fd (no regular file) still passes"""
    from click.testing import CliRunner

    from cimsim.atomic import check_writable
    from cimsim.cli import main

    with pytest.raises(OSError):
        check_writable("/proc/version")
    read, write = os.pipe()
    try:
        check_writable(f"/proc/self/fd/{write}")
    finally:
        os.close(read), os.close(write)
    result = CliRunner().invoke(main, ["estimate", str(ROOT / "configs" / "default.toml"), "-o", "/proc/version"])
    assert result.exit_code == 2 and "/proc/version: cannot write there" in result.output, result.output


@pytest.mark.parametrize("mmap", [True, False])
def test_arrays_of_python_objects_are_named(tmp_path, mmap):
    """a .npy or .npz of Python objects (pickled) is named as such, whether memory-mapped or not (memory-mapped,
    numpy's words differ: it had been called a damaged file)"""
    from cimsim.npfiles import read_npy, read_npz

    objects = np.array([{"a": 1}], dtype=object)
    np.save(tmp_path / "o.npy", objects, allow_pickle=True)
    np.savez(tmp_path / "o.npz", a=objects)
    with pytest.raises(ValueError, match=r"o.npy' holds Python objects \(a pickled array\); expected numbers"):
        read_npy(tmp_path / "o.npy", mmap)
    with pytest.raises(ValueError, match=r"o.npz' holds Python objects"):
        read_npz(tmp_path / "o.npz")


def test_a_data_file_field_naming_a_folder_or_a_device_says_so(tmp_path):
    """a folder or /dev/zero had been reported as 'names no existing file'"""
    from cimsim.config import with_overrides

    dense = {"workload.weights": "file", "workload.in_features": 32, "workload.out_features": 16}
    config = load_config(DEFAULT)
    for path, what in ((tmp_path, "a directory"), (os.devnull, "a device, pipe or socket")):
        with pytest.raises(ConfigError, match=f"'workload.weights_file' names {what}, not a regular file: {path}"):
            with_overrides(config, {**dense, "workload.weights_file": str(path)})
    with pytest.raises(ConfigError, match="'workload.weights_file' names no existing file"):
        with_overrides(config, {**dense, "workload.weights_file": str(tmp_path / "none.npy")})


def test_a_config_of_nul_bytes_or_of_nothing_is_named(tmp_path):
    """UTF-16 without a byte-order mark and a NUL byte had been tomllib's "Expected '=' (line 1, column 2)"; an empty
    or comment-only config had run the default design without a word (a truncated write)"""
    (tmp_path / "bare16.toml").write_bytes('name = "x"\n'.encode("utf-16-le"))
    with pytest.raises(ConfigError, match=r"bare16.toml: invalid TOML: the file is UTF-16 text without a byte-order "
                                          "mark; save it as UTF-8"):
        load_config(tmp_path / "bare16.toml")
    (tmp_path / "wide_cn.toml").write_bytes("# 宏单元 设置\nname = \"x\"\n".encode("utf-16-le"))  # not all ASCII
    with pytest.raises(ConfigError, match="wide_cn.toml: invalid TOML: the file is UTF-16 text without a byte-order"):
        load_config(tmp_path / "wide_cn.toml")
    for name, data, said in (("nul.toml", b'name = "x"\n\0\nrows = 1\n', "the file's text holds NUL bytes from line 2"),
                             ("cut.toml", b'name = "x"\n' + bytes(8), "the file's text holds NUL bytes from line 2"),
                             ("zeroed.toml", bytes(512), "the file holds NUL bytes only")):  # a crash's padding
        (tmp_path / name).write_bytes(data)
        with pytest.raises(ConfigError, match=f"{name}: invalid TOML: {said}"):
            load_config(tmp_path / name)
    np.save(tmp_path / "zeros.npy", np.zeros((16, 16)))  # most of its bytes 0 at both parities: no UTF-16
    with pytest.raises(ConfigError, match=r"zeros.npy: invalid TOML: the file is binary data, not UTF-8 text; a "
                                          r"network, weights, inputs or dataset file is named in a config"):
        load_config(tmp_path / "zeros.npy")
    for name, text, said in (("empty.toml", "", "empty"), ("notes.toml", "# to do\n", "comments only")):
        (tmp_path / name).write_text(text)
        with pytest.warns(UserWarning, match=rf"{name}: the config file states nothing \({said}\): the schema's "
                                             "defaults run, under any settings given"):
            load_config(tmp_path / name)


def test_a_text_holding_a_path_of_undecodable_bytes_is_written_with_them_escaped(tmp_path):
    """compare's report.md had failed after the whole run ("'utf-8' codec can't encode characters ... surrogates not
    allowed") where the network file's name held non-UTF-8 bytes, as the OS hands them over (a network-files probe)"""
    name = os.fsdecode(b"bad\xff\xfename.npz")
    write_atomic(tmp_path / "report.md", f"network: {name}\n")
    assert (tmp_path / "report.md").read_text(encoding="utf-8") == "network: bad\\udcff\\udcfename.npz\n"
