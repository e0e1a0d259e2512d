"""Reading .npy arrays and .npz archives named by users, with messages that say what the file is.

Both readers look at the file's first bytes before numpy does, so a text file, an archive given for an array (or
the reverse), an empty file, a directory or a bad path each get one sentence naming the path and what was expected,
as a ValueError (callers add the config field); so does an archive holding one member twice. Pickled (object)
arrays are never loaded, an .npz member the caller does not ask for is never decompressed, and
:func:`refuse_booleans` is the one message for a bool array where numbers are expected.
"""

from __future__ import annotations

import math
import os
import re
import stat
from collections import Counter
from collections.abc import Callable, Collection

import numpy as np

from .argcheck import cut_short

__all__ = ["npz_names", "npz_shape", "read_npy", "read_npz", "refuse_booleans"]

_NPY_MAGIC = b"\x93NUMPY"
_ZIP_MAGIC = b"PK"


def _head(path: str | os.PathLike) -> bytes:
    """The first bytes of the file, or a ValueError saying why it cannot be opened: a device, pipe or socket too
    (numpy reads a regular file: a FIFO nothing writes to had blocked for ever)."""
    try:
        mode = os.stat(path).st_mode
        if stat.S_ISREG(mode) or stat.S_ISDIR(mode):  # a folder: open() says so
            with open(path, "rb") as file:
                return file.read(8)
    except ValueError as exc:  # a NUL byte in the path
        raise ValueError(f"{str(path)[:80]!r} is not a usable path ({exc})") from None
    except OSError as exc:
        raise ValueError(f"cannot open {_name(path)}: {exc.strerror or exc}") from None
    raise ValueError(f"{_name(path)} names a device, pipe or socket, not a regular file")


def _name(path: str | os.PathLike) -> str:
    text = str(path)
    return repr(text) if len(text) <= 120 else f"{text[:80]!r}... ({len(text)} characters)"


def _what(head: bytes, path: str | os.PathLike = "") -> str:
    if not head:
        return "is empty"
    if head.startswith(_NPY_MAGIC):
        return "is a .npy array"
    if head.startswith(_ZIP_MAGIC):
        return "is a zip archive (.npz)"
    protobuf = len(head) > 2 and head[0] == 8 and head[1] < 128 and (head[2] & 7) in (0, 2)  # ir_version, a field
    onnx = ("; an ONNX network, where data is expected? give it as a network (workload.network_file, or "
            "price-model's MODEL)" if str(path).lower().endswith(".onnx") else
            "; an ONNX model? give it the .onnx suffix") * protobuf
    return f"is not a numpy file (it starts with {head[:8]!r}{onnx})"


def _refused(path: str | os.PathLike, exc: Exception, kind: str) -> ValueError:
    """the error for a file numpy would not load: a header past numpy's safe size (its message names allow_pickle
    too: checked first), an array of Python objects (numpy's words differ by version and by mmap_mode), or damage"""
    text = str(exc)
    if "max_header_size" in text:
        size = re.search(r"length \((\d+)\)", text)
        held = f"of {size[1]} bytes" if size else "too large"
        return ValueError(f"{_name(path)} has a .npy header {held}, more than numpy loads safely (numpy.save writes "
                          "a few hundred bytes: a damaged or hand-made file); expected numbers")
    if any(words in text for words in ("pickle", "Python objects")):
        return ValueError(f"{_name(path)} holds Python objects (a pickled array); expected numbers")
    if isinstance(exc, MemoryError):  # an intact file too large for this machine is no damage
        return ValueError(f"{_name(path)} is too large to load into this machine's memory (MemoryError)")
    return ValueError(f"{_name(path)} is a damaged {kind} ({type(exc).__name__}: {text[:200] or 'it ends early'})")


def _mismatch(file, size: int) -> str | None:
    """what a .npy stream of ``size`` bytes holds besides the array its header declares (two arrays saved into one
    file, bytes appended, a member whose header belies it), else None (also where the header cannot be read: numpy
    says why when it loads)"""
    try:
        major, _ = np.lib.format.read_magic(file)
        header = np.lib.format.read_array_header_1_0 if major == 1 else np.lib.format.read_array_header_2_0
        shape, _, dtype = header(file)
    except Exception:  # noqa: BLE001  (a damaged header: the load that follows names it)
        return None
    if dtype.hasobject:
        return None
    declared = file.tell() + math.prod(shape) * dtype.itemsize
    return None if declared == size else f"holds {size} bytes where its header declares {declared} (an array of " \
        f"shape {tuple(shape)}, {dtype}): two arrays saved into one file, bytes appended, or a damaged file"


def read_npy(path: str | os.PathLike, mmap: bool = True) -> np.ndarray:
    """The array in the .npy file ``path`` (memory-mapped by default); a file of other bytes than its header
    declares is refused (numpy had loaded the first of two arrays saved into one file, unsaid)."""
    head = _head(path)
    if not head.startswith(_NPY_MAGIC):
        raise ValueError(f"{_name(path)} {_what(head, path)}; expected a .npy array (numpy.save)")
    with open(path, "rb") as file:
        if wrong := _mismatch(file, os.fstat(file.fileno()).st_size):
            raise ValueError(f"{_name(path)} {wrong}")
    try:
        return np.load(path, mmap_mode="r" if mmap else None, allow_pickle=False)
    except Exception as exc:  # noqa: BLE001  (numpy raises ValueError, OSError, EOFError, SyntaxError, TokenError...)
        raise _refused(path, exc, ".npy file") from None


def refuse_booleans(what: str, arr: np.ndarray, given: bool = False) -> None:
    """A ValueError naming ``what`` (a file, a member of one; an argument where ``given`` in memory) when ``arr``
    holds booleans where numbers are expected (read as 0 and 1 they had changed results without a word), saying how
    to convert them."""
    if arr.dtype.kind == "b":
        raise ValueError(f"{what} holds booleans (dtype bool), not numbers; {'pass' if given else 'save'} them as "
                         "numbers: a.astype(np.float64), or a.astype(np.uint8) for 0/1 codes and labels")


def _open_npz(path: str | os.PathLike):
    """the open archive ``path``, or a ValueError when it is none or names one member twice"""
    head = _head(path)
    if not head.startswith(_ZIP_MAGIC):
        raise ValueError(f"{_name(path)} {_what(head, path)}; expected an .npz archive (numpy.savez)")
    try:
        data = np.load(path, allow_pickle=False)
    except Exception as exc:  # noqa: BLE001  (zipfile and numpy raise many types for a damaged archive)
        raise _refused(path, exc, ".npz archive") from None
    repeated = [(name, n) for name, n in Counter(data.files).items() if n > 1]
    if repeated:  # numpy had read one copy of it (the last appended) without a word
        name, n = repeated[0]
        entries = [entry for entry in data.zip.namelist() if entry in (name, f"{name}.npy")]
        data.close()
        shown = ", ".join(repr(cut_short(entry)) for entry in entries[:4]) + ", ..." * (n > 4)
        raise ValueError(f"{_name(path)} holds the member {cut_short(name)!r} {'twice' if n == 2 else f'{n} times'} "
                         f"(zip entries {shown}; numpy reads one only); save each array once with numpy.savez "
                         "(zipfile mode 'a' adds a copy beside the old one)")
    return data


def npz_names(path: str | os.PathLike) -> list[str]:
    """The names of the members of the .npz archive ``path`` (as numpy.savez gave them), none decompressed."""
    with _open_npz(path) as data:
        return list(data.files)


def npz_shape(path: str | os.PathLike, name: str) -> tuple[int, ...] | None:
    """The shape of member ``name`` of the .npz archive ``path`` from its .npy header (nothing decompressed past
    it); None where the archive has no such .npy member or it cannot be read."""
    try:
        with _open_npz(path) as data, data.zip.open(f"{name}.npy") as member:
            major, _ = np.lib.format.read_magic(member)
            header = np.lib.format.read_array_header_1_0 if major == 1 else np.lib.format.read_array_header_2_0
            return tuple(header(member)[0])
    except (ValueError, KeyError, OSError):
        return None


def _member(path: str | os.PathLike, data, name: str) -> np.ndarray:
    """member ``name`` of the open archive ``data``, loaded: a MemoryError names it and its size, not damage; one
    whose size belies its header is refused before it is decompressed"""
    info = None
    for entry in (name, f"{name}.npy"):  # the entry numpy loads: the name as given first
        try:
            info = data.zip.getinfo(entry)
            break
        except KeyError:
            continue
    try:
        wrong = None
        if info is not None:
            with data.zip.open(info) as member:
                wrong = _mismatch(member, info.file_size)
        value = None if wrong else data[name]
    except MemoryError:
        size = next(i.file_size for i in data.zip.infolist() if i.filename in (name, f"{name}.npy"))
        raise ValueError(f"{_name(path)}: its member {cut_short(name)!r} holds {size / 2**20:.4g} MiB uncompressed, "
                         "more than this machine's memory could load (MemoryError)") from None
    except Exception as exc:  # noqa: BLE001  (zipfile and numpy raise many types for a damaged member)
        raise _refused(path, exc, ".npz archive") from None
    if wrong:
        raise ValueError(f"{_name(path)}: its member {cut_short(name)!r} {wrong}")
    if not isinstance(value, np.ndarray):
        raise ValueError(f"{_name(path)}: its member {cut_short(name)!r} is not .npy data (it starts with "
                         f"{bytes(value[:8])!r}); expected arrays saved by numpy.savez")
    return value


def read_npz(path: str | os.PathLike,
             names: Collection[str] | Callable[[str], bool] | None = None) -> dict[str, np.ndarray]:
    """The arrays of the .npz archive ``path`` named in ``names`` (a collection, or a function of the name; None:
    every one), loaded; those it holds of them only, the others never decompressed. A member that is not .npy data
    (numpy returns its raw bytes) is refused, named."""
    wanted = (lambda name: True) if names is None else names if callable(names) else names.__contains__
    with _open_npz(path) as data:
        return {name: _member(path, data, name) for name in data.files if wanted(name)}
