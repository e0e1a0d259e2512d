"""Reading .npy arrays and .npz archives named by users, with messages that say what the file is.

Both readers look at the file's first bytes before numpy does, so a text file, an archive given for an array (or
the reverse), an empty file, a directory or a bad path each get one sentence naming the path and what was expected,
as a ValueError (callers add the config field). Pickled (object) arrays are never loaded.
"""

from __future__ import annotations

import os

import numpy as np

__all__ = ["read_npy", "read_npz"]

_NPY_MAGIC = b"\x93NUMPY"
_ZIP_MAGIC = b"PK"


def _head(path: str | os.PathLike) -> bytes:
    """The first bytes of the file, or a ValueError saying why it cannot be opened."""
    try:
        with open(path, "rb") as file:
            return file.read(8)
    except ValueError as exc:  # a NUL byte in the path
        raise ValueError(f"{str(path)[:80]!r} is not a usable path ({exc})") from None
    except OSError as exc:
        raise ValueError(f"cannot open {_name(path)}: {exc.strerror or exc}") from None


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


def _objects(exc: Exception) -> bool:
    """whether numpy refused to load an array of Python objects (its words differ by version and by mmap_mode)"""
    return any(words in str(exc) for words in ("pickle", "Python objects"))


def read_npy(path: str | os.PathLike, mmap: bool = True) -> np.ndarray:
    """The array in the .npy file ``path`` (memory-mapped by default)."""
    head = _head(path)
    if not head.startswith(_NPY_MAGIC):
        raise ValueError(f"{_name(path)} {_what(head)}; expected a .npy array (numpy.save)")
    try:
        return np.load(path, mmap_mode="r" if mmap else None, allow_pickle=False)
    except Exception as exc:  # noqa: BLE001  (numpy raises ValueError, OSError, EOFError, SyntaxError, TokenError...)
        if _objects(exc):
            raise ValueError(f"{_name(path)} holds Python objects (a pickled array); expected numbers") from None
        raise ValueError(f"{_name(path)} is a damaged .npy file ({type(exc).__name__}: "
                         f"{str(exc)[:200] or 'it ends early'})") from None


def read_npz(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """Every array of the .npz archive ``path``, loaded."""
    head = _head(path)
    if not head.startswith(_ZIP_MAGIC):
        raise ValueError(f"{_name(path)} {_what(head)}; expected an .npz archive (numpy.savez)")
    try:
        with np.load(path, allow_pickle=False) as data:
            return {name: data[name] for name in data.files}
    except Exception as exc:  # noqa: BLE001  (zipfile and numpy raise many types for a damaged archive)
        if _objects(exc):
            raise ValueError(f"{_name(path)} holds Python objects (a pickled array); expected numbers") from None
        raise ValueError(f"{_name(path)} is a damaged .npz archive ({type(exc).__name__}: "
                         f"{str(exc)[:200] or 'it ends early'})") from None
