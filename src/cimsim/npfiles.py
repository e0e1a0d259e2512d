"""Reading .npy arrays and .npz archives named by users, with messages that say what the file is.

Both readers look at the file's first bytes before numpy does, so a text file, an archive given for an array (or
the reverse), an empty file, a directory or a bad path each get one sentence naming the path and what was expected,
as a ValueError (callers add the config field). Pickled (object) arrays are never loaded.
"""

from __future__ import annotations

import os
import re
import stat

import numpy as np

from .argcheck import cut_short

__all__ = ["read_npy", "read_npz"]

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


def _what(head: bytes) -> str:
    if not head:
        return "is empty"
    if head.startswith(_NPY_MAGIC):
        return "is a .npy array"
    if head.startswith(_ZIP_MAGIC):
        return "is a zip archive (.npz)"
    return f"is not a numpy file (it starts with {head[:8]!r})"


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
    return ValueError(f"{_name(path)} is a damaged {kind} ({type(exc).__name__}: {text[:200] or 'it ends early'})")


def read_npy(path: str | os.PathLike, mmap: bool = True) -> np.ndarray:
    """The array in the .npy file ``path`` (memory-mapped by default)."""
    head = _head(path)
    if not head.startswith(_NPY_MAGIC):
        raise ValueError(f"{_name(path)} {_what(head)}; expected a .npy array (numpy.save)")
    try:
        return np.load(path, mmap_mode="r" if mmap else None, allow_pickle=False)
    except Exception as exc:  # noqa: BLE001  (numpy raises ValueError, OSError, EOFError, SyntaxError, TokenError...)
        raise _refused(path, exc, ".npy file") from None


def read_npz(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """Every array of the .npz archive ``path``, loaded; a member that is not .npy data (numpy returns its raw
    bytes) is refused, named."""
    head = _head(path)
    if not head.startswith(_ZIP_MAGIC):
        raise ValueError(f"{_name(path)} {_what(head)}; expected an .npz archive (numpy.savez)")
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {name: data[name] for name in data.files}
    except Exception as exc:  # noqa: BLE001  (zipfile and numpy raise many types for a damaged archive)
        raise _refused(path, exc, ".npz archive") from None
    for name, value in arrays.items():
        if not isinstance(value, np.ndarray):
            raise ValueError(f"{_name(path)}: its member {cut_short(name)!r} is not .npy data (it starts with "
                             f"{bytes(value[:8])!r}); expected arrays saved by numpy.savez")
    return arrays
