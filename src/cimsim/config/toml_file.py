"""Reading a TOML file (a config, a sweep spec, a macro file) safely: bounded in size, UTF-8, and refused with the
file named and what it holds instead where it is not TOML text (UTF-16, a zip archive, binary data). Every input file
a user names is opened by :func:`open_input`, which never waits on a pipe that nothing writes to. A config's data
paths resolve against its folder (:func:`relative_dir`, :func:`resolve_data_paths`)."""

from __future__ import annotations

import codecs
import errno
import io
import json
import os
import re
import stat
import sys
import tomllib
import warnings
from pathlib import Path
from typing import Any, BinaryIO

from ..argcheck import check_path, cut_short
from ..errors import ConfigError, caller_stacklevel

__all__ = ["MAX_TOML_BYTES", "LONG_INTEGER", "read_toml", "open_input", "relative_dir", "is_descriptor", "not_text",
           "with_nul_bytes", "DATA_FILE_FIELDS", "resolve_data_paths", "working_dir"]

MAX_TOML_BYTES = 64 << 20
"""the most a TOML file may hold (configs, specs and macro files take kB; /dev/zero would be read for ever)"""

LONG_INTEGER = (f"an integer of more than {sys.get_int_max_str_digits()} digits, more than Python reads (no field "
                "takes a number that large)")
"""why TOML text holding an integer past Python's limit on reading them is refused (tomllib raises a bare
ValueError that says to raise the limit)"""


def _with_line(exc: Exception, text: str) -> str:
    """tomllib's message with the line it names ('Cannot overwrite a value (at line 20, column 17): line 20 is
    "tops = 5"': a key given twice had been named by its position alone, a chips probe)"""
    found = re.search(r"\(at line (\d+), column \d+\)$", str(exc))
    lines = text.split("\n")  # as tomllib counts lines (not at U+2028, U+0085: a review)
    line = lines[int(found.group(1)) - 1].strip(" \t\r") if found and 0 < int(found.group(1)) <= len(lines) else ""
    return f"{exc}: line {found.group(1)} is {cut_short(repr(line))}" if line else str(exc)


def read_toml(path: str | os.PathLike, what: str) -> dict[str, Any]:
    """The tables of a TOML file, or a :class:`ConfigError` naming the file (unreadable, larger than MAX_TOML_BYTES,
    not UTF-8 text, bad TOML with its line and column); ``what`` names the kind of file in the message."""
    try:
        check_path(f"the {what}", path)
    except ValueError as exc:  # an empty path: a bad input (exit 2 on the command line), as a missing file is
        raise ConfigError(repr(os.fspath(path)), [("", str(exc))]) from None
    try:
        with open_input(path) as file:
            raw = file.read(MAX_TOML_BYTES + 1)
    except OSError as exc:
        _refuse_text(path, what)
        stdin = (" ('-' is no file here: for the standard input give /dev/stdin)"
                 if os.fspath(path) == "-" and not os.path.exists(path) else "")
        raise ConfigError(str(path), [("", f"cannot read the {what}: {exc.strerror or exc}{stdin}")]) from None
    except ValueError as exc:  # e.g. a path with a NUL byte
        raise ConfigError(cut_short(str(path)), [("", f"cannot read the {what}: {exc}")]) from None
    if len(raw) > MAX_TOML_BYTES:
        size = f"{MAX_TOML_BYTES >> 20} MiB" if MAX_TOML_BYTES >= 1 << 20 else f"{MAX_TOML_BYTES} bytes"
        raise ConfigError(str(path), [("", f"the {what} holds more than {size} (a device, or not a file of TOML "
                                           "settings?); cimsim reads no further")])
    if b"\0" in raw:  # valid UTF-8, yet no TOML holds it (tomllib had said "Expected '='")
        raise ConfigError(str(path), [("", f"invalid TOML: {with_nul_bytes(raw, what)}")])
    try:
        text = raw.removeprefix(codecs.BOM_UTF8).decode("utf-8")  # a byte-order mark: Notepad's
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        instead = _json_instead(text, what, path) or (csv := _csv_instead(text, what)) and f"{csv} ({exc})"
        raise ConfigError(str(path), [("", f"invalid TOML: {instead or _with_line(exc, text)}")]) from None
    except UnicodeDecodeError as exc:
        raise ConfigError(str(path), [("", f"invalid TOML: {not_text(raw, what, exc.start)}")]) from None
    except RecursionError:
        raise ConfigError(str(path), [("", "invalid TOML: arrays or tables nested too deeply to read")]) from None
    except ValueError:  # tomllib's int() of an integer past Python's 4300 digits (sys.int_info)
        raise ConfigError(str(path), [("", f"invalid TOML: {LONG_INTEGER}")]) from None
    if kind := _other_kind(data, what):
        raise ConfigError(str(path), [("", kind)])
    if not data and what.startswith("config file"):  # a truncated or failed write had run the default design
        empty = not raw.removeprefix(codecs.BOM_UTF8).strip()
        warnings.warn(f"{path}: the config file states nothing ({'empty' if empty else 'comments only'}): the "
                      "schema's defaults run, under any settings given", UserWarning, stacklevel=caller_stacklevel())
    return data


def _refuse_text(path: str | os.PathLike, what: str) -> None:
    """A :class:`ConfigError` where ``path``, no file, is TOML text (a line break in it, or settings that parse: a
    path seldom does), saying how to give it: it had been reported as a missing file named by the whole text"""
    if not isinstance(path, str) or "=" not in path or os.path.exists(path):  # a Path object names a file
        return
    text = path
    try:
        parsed = bool(tomllib.loads(text))
    except (tomllib.TOMLDecodeError, RecursionError, ValueError):  # nested too deep, an integer past 4300 digits
        parsed = False
    if parsed or "\n" in text:
        ways = (" (the Python API takes a config's tables as a dict too, tomllib.loads(text); the command line takes "
                "--set FIELD=VALUE)" if what == "config file" else "")
        raise ConfigError(cut_short(repr(text)), [("", f"no file of that name: this is TOML text, not the path of a "
                                                       f"{what}: write it to a file and give its path{ways}")])


_DESCRIPTOR = re.compile(r"/dev/stdin|/dev/fd/[^/]+|/proc/[^/]+/fd/[^/]+")
"""paths that name an open file descriptor, not a file in a folder of the user's"""


def working_dir() -> Path:
    """the working directory, or a FileNotFoundError saying it is gone (deleted or moved since the shell entered it:
    os.getcwd's bare "[Errno 2] No such file or directory" had named nothing)"""
    try:
        return Path.cwd()
    except FileNotFoundError:
        raise FileNotFoundError("the working directory no longer exists (deleted or moved since the shell entered "
                                "it): cd to an existing folder") from None


def relative_dir(path: str | os.PathLike) -> Path:
    """The folder a file's relative paths resolve against: its own for a regular file, the working directory for a
    pipe, another file that is not regular, or a descriptor: /dev/stdin, /dev/fd/N, /proc/PID/fd/N however it stats
    (``<(cat cfg.toml)`` is /dev/fd/63, a folder of no file of the user's; ``/dev/stdin < cfg.toml`` is a regular
    file, whose folder had been /dev)."""
    try:
        if is_descriptor(path):
            return working_dir()
        regular = stat.S_ISREG(os.stat(path).st_mode)
    except (OSError, ValueError, TypeError):  # no such file, a NUL byte, no path: read_toml refuses it, named
        regular = True
    return Path(path).parent if regular else working_dir()


def is_descriptor(path: str | os.PathLike) -> bool:
    """whether ``path`` names an open file descriptor (:data:`_DESCRIPTOR`), not a file in a folder of the user's"""
    return bool(_DESCRIPTOR.fullmatch(os.path.abspath(os.fsdecode(path))))


NO_WRITER = "a pipe (FIFO) that nothing writes to: reading it would wait for ever; give a file"
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
"""POSIX's flag to open a FIFO without waiting for a writer (Windows has no FIFOs in its file system to wait on)"""


def open_input(path: str | os.PathLike) -> BinaryIO:
    """``path`` opened for reading, in binary. A pipe (a FIFO, bash's ``<(command)``) is read where a writer holds it
    or it holds data; a named FIFO with neither is an OSError saying so (:data:`NO_WRITER`), where open() had waited
    for a writer for ever. A pipe the process was handed (/dev/stdin, /dev/fd/N: :func:`is_descriptor`) that holds
    nothing had a writer, which has closed it: an empty input (``cat empty.toml | cimsim validate /dev/stdin`` had
    been refused as a pipe that would wait for ever where cat ended first). OSError and ValueError (a NUL byte in the
    path) as open() raises them."""
    fd = os.open(path, os.O_RDONLY | _NONBLOCK | getattr(os, "O_BINARY", 0))  # a FIFO opens at once, writer or not
    try:
        first = b""
        if stat.S_ISFIFO(os.fstat(fd).st_mode):
            try:
                first = os.read(fd, 1 << 16)
            except BlockingIOError:  # a writer holds it and has written nothing yet: wait for it
                pass
            else:
                if not first and not is_descriptor(path):  # end of file at once: no writer (nor data left by one)
                    raise OSError(errno.EPIPE, NO_WRITER, os.fspath(path))
        if _NONBLOCK:
            os.set_blocking(fd, True)
        return io.BufferedReader(_Read(fd, first)) if first else os.fdopen(fd, "rb")  # a folder: IsADirectoryError
    except BaseException:
        os.close(fd)
        raise


class _Read(io.RawIOBase):
    """a file descriptor whose first bytes were read already (a pipe cannot be rewound)"""

    def __init__(self, fd: int, first: bytes):
        super().__init__()
        self._fd, self._first = fd, first

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self._first[:len(buffer)] if self._first else os.read(self._fd, len(buffer))
        self._first = self._first[len(data):]
        buffer[:len(data)] = data
        return len(data)

    def close(self) -> None:
        if not self.closed:
            os.close(self._fd)
        super().close()


def with_nul_bytes(raw: bytes, what: str) -> str:
    """What a file holding NUL bytes is: UTF-16 text without a byte-order mark (half or more of one parity of its
    bytes zero, the text it decodes to printable), NULs only or text holding some (a crash's padding), else what
    :func:`not_text` says (a .npy or .npz, binary data: most binary data holds zeros at every other byte too)"""
    if raw.startswith((b"\x93NUMPY", b"PK\x03\x04", codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF32_BE)):
        return not_text(raw, what, 0)
    if any(_decodes(raw, encoding) for encoding in ("utf-32-le", "utf-32-be")):  # 3 zeros in every 4 bytes of ASCII
        return "the file is UTF-32 text; save it as UTF-8"
    even = raw[: len(raw) // 2 * 2]  # a last byte cut off
    for encoding, zeros in (("utf-16-le", even[1::2]), ("utf-16-be", even[0::2])):
        try:
            text = even.decode(encoding) if zeros.count(0) >= 0.5 * len(zeros) else ""
        except UnicodeDecodeError:
            continue
        if text.strip("\0") and _printable(text):
            return "the file is UTF-16 text without a byte-order mark; save it as UTF-8"
    first, newline, kept = raw.index(b"\0"), b"\n", raw.replace(b"\0", b"")
    if not kept.strip():
        return "the file holds NUL bytes only (a write a crash cut short?); write it again"
    if _printable(kept.decode("utf-8", "replace")):
        return (f"the file's text holds NUL bytes from line {raw.count(newline, 0, first) + 1} on (a damaged file, or "
                "a write a crash cut short); write it again")
    return not_text(raw, what, first)


def _printable(text: str) -> bool:
    """whether at least 95 % of ``text`` is printable characters or white space"""
    return sum(c.isprintable() or c.isspace() for c in text) >= 0.95 * len(text)


def not_text(raw: bytes, what: str, at: int) -> str:
    """What a file that is not UTF-8 text holds instead, as far as its bytes ``raw`` say (``at``: the first byte
    UTF-8 cannot read; ``what``: the kind of file, a config file's hint naming the fields that name data files)."""
    if raw.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):  # before UTF-16's: FF FE starts both LE marks
        return "the file is UTF-32 text; save it as UTF-8"
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):  # PowerShell's > writes UTF-16
        return "the file is UTF-16 text (as Windows PowerShell writes it); save it as UTF-8"
    if _single_byte_text(raw):
        line = raw.count(b"\n", 0, at) + 1
        column = at - (raw.rfind(b"\n", 0, at) + 1) + 1
        return (f"the file is text in another encoding than UTF-8 (byte 0x{raw[at]:02X} at line {line}, column "
                f"{column}: Latin-1 or a Windows code page?); save it as UTF-8")
    held = "a zip archive (a .npz?)" if raw.startswith(b"PK\x03\x04") else "binary data"
    hint = ("; a network, weights, inputs or dataset file is named in a config's [workload] (network_file, "
            "weights_file, inputs_file, dataset_file)" if what == "config file" else "")
    return f"the file is {held}, not UTF-8 text{hint}"


def _decodes(raw: bytes, encoding: str) -> bool:
    """whether ``raw`` (a whole number of 4-byte units) reads as printable text in ``encoding``, NULs aside"""
    try:
        text = raw.decode(encoding) if len(raw) % 4 == 0 else ""
    except UnicodeDecodeError:
        return False
    return bool(text.strip("\0\ufeff")) and _printable(text.lstrip("\ufeff"))


def _json_instead(text: str, what: str, path: str | os.PathLike) -> str | None:
    """what to say of a file that is not TOML but JSON (a report's report.json given as a config), how to use the
    config a report holds; None where ``text`` is no JSON object or array"""
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        return None
    if not isinstance(data, (dict, list)):
        return None
    said = f"the file is JSON; a {what} is TOML"
    if what == "config file" and isinstance(data, dict) and isinstance(data.get("config"), dict):
        return (f'{said}; this one is a cimsim report, its "config" the config it ran as a dict of tables: '
                f'cimsim.simulate(json.load(open({os.fspath(path)!r}))["config"]) runs it in Python, and its tables '
                "written as TOML ([table] field = value) make a config file")
    return said


def _csv_instead(text: str, what: str) -> str | None:
    """what to say of a file that is not TOML but a CSV table (a sweep's results given as a config), else None"""
    first = text.lstrip().partition("\n")[0]
    if first.count(",") < 2 or "=" in first or first.lstrip().startswith(("[", "#")):
        return None
    results = " (a sweep's results: cimsim pareto reads them)" * first.startswith("point_id,")
    return f"the file looks like a CSV table{results}; a {what} is TOML"


_KINDS = {"macro file": "a macro file ([[macro]] tables of published macros: cimsim macros checks and prices it)",
          "sweep spec": "a sweep spec ([axes]: cimsim sweep runs it)",
          "config file": "a config ([adc], [array], ...: cimsim run, estimate or compare run it)"}
"""each kind of cimsim's TOML files, as a refusal names it"""


def _other_kind(data: dict[str, Any], what: str) -> str | None:
    """why ``data`` is refused as a ``what`` when it is another kind of cimsim's TOML files (a macro file given as a
    config had been refused for its unknown key 'macro', a config given to ``cimsim macros`` for lacking [[macro]]
    tables: a probe), else None; a config and a spec given for each other are told apart where they are read"""
    from .schema import SECTIONS

    kind = ("macro file" if "macro" in data else "sweep spec" if "axes" in data else
            "config file" if any(key in SECTIONS for key in data) else None)
    if kind is None or kind in what or {kind, what} == {"config file", "sweep spec"}:  # (validate: either)
        return None
    return f"{_KINDS[kind]}, where a {what} is asked for"


def _single_byte_text(raw: bytes) -> bool:
    """whether ``raw`` reads as text in a single-byte encoding: no control characters but tab, line ends and form
    feed"""
    return not any(b < 32 and b not in b"\t\n\r\x0c" for b in raw[:65536])


DATA_FILE_FIELDS = ("weights_file", "inputs_file", "network_file", "dataset_file")
"""the [workload] fields that name a data file"""


def resolve_data_paths(workload: dict[str, Any], base_dir: Path | None) -> None:
    """Make the data file paths absolute, relative to ``base_dir`` (None: the working directory), as ``open`` resolves
    them: links followed in the folders (``lnk/../w.npy`` is the file beside lnk's target), the file named as given (a
    link to it stays one)."""
    for key in DATA_FILE_FIELDS:
        if isinstance(workload.get(key), str):
            path = Path(os.path.realpath(working_dir() if base_dir is None else base_dir)) / workload[key]
            named = path.name not in ("", ".", "..")
            workload[key] = os.path.join(os.path.realpath(path.parent), path.name) if named else os.path.realpath(path)
