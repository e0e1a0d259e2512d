"""One sweep per results file: an exclusive, non-blocking lock on a sidecar file ``<results>.lock`` beside the
resolved file (a symbolic link's target), so every path to one file takes one lock.

Where :mod:`fcntl` exists (Linux, macOS), the lock is ``flock`` on the sidecar: the kernel releases it
when the holding process ends in any way (kill -9 included), so a left-over sidecar never blocks a later
run. Elsewhere (Windows) the sidecar is created with ``O_EXCL`` and holds the owner's PID; a sidecar whose
PID is no longer running (or unreadable) is stale and taken over. The sidecar is removed on release and
holds the owner's PID either way, for the message a refused sweep prints. With ``flock``, the results file
itself is locked too, as found and each file made or rewritten under its name during the run (:func:`hold`, before
the file takes the name): a hard link to it (another name, another sidecar) is refused as well.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

from ..errors import ConfigError

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None

__all__ = ["OutputLocked", "output_lock", "lock_path", "hold", "LOCK_SUFFIX"]

LOCK_SUFFIX = ".lock"
_HELD: dict[str, list[int]] = {}
"""the results files whose lock this process holds (resolved path) -> open files whose flock holds its inodes"""


class OutputLocked(ConfigError):
    """Another sweep is writing the results file (the CLI exits with 2)."""


def lock_path(output: str | os.PathLike) -> Path:
    """The sidecar lock file of a results file, beside the file a symbolic link names: ``results.csv`` ->
    ``results.csv.lock``."""
    output = Path(os.path.realpath(output))
    return output.with_name(output.name + LOCK_SUFFIX)


@contextlib.contextmanager
def output_lock(output: str | os.PathLike) -> Iterator[None]:
    """Hold the lock of ``output`` for the block; raise :class:`OutputLocked` at once if another process has it."""
    path = lock_path(output)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = _flock(path, output) if fcntl is not None else _exclusive(path, output)
    key = os.path.realpath(output)
    _HELD[key] = []
    try:
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        with contextlib.suppress(OSError):  # not there yet (held once made), or unreadable (reading it says why)
            found = os.open(output, os.O_RDONLY)
            try:
                hold(output, found)
            finally:
                os.close(found)
        yield
    finally:
        path.unlink(missing_ok=True)  # still holding it: a waiting process re-checks the file it locked
        for each in _HELD.pop(key):
            os.close(each)
        os.close(fd)


def hold(output: str | os.PathLike, fd: int) -> None:
    """While this process holds the lock of ``output``, ``flock`` the file open at ``fd`` too (the results file as
    found, or one made or rewritten under its name: lock it before it takes the name) until the lock is released, so
    a sweep through a hard link (another name, so another sidecar) finds it held. Nothing without ``fcntl``, for
    another file, or one already held. :class:`OutputLocked` where another process holds it (through a hard link)."""
    held = _HELD.get(os.path.realpath(output))
    if held is None or fcntl is None:
        return
    inode = os.fstat(fd)
    if any(os.path.samestat(inode, os.fstat(each)) for each in held):
        return  # flock on a second open file of one inode would wait for our own
    each = os.dup(fd)  # the same open file: its lock outlives fd
    try:
        fcntl.flock(each, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(each)
        raise _locked(output, None, None) from None
    held.append(each)


def _flock(path: Path, output: str | os.PathLike) -> int:
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _pid(os.read(fd, 32))
            os.close(fd)
            raise _locked(output, path, holder) from None
        with contextlib.suppress(FileNotFoundError):
            if os.stat(path).st_ino == os.fstat(fd).st_ino:
                return fd
        os.close(fd)  # the holder removed this file between our open and flock: lock the current one


def _exclusive(path: Path, output: str | os.PathLike) -> int:
    while True:
        try:
            return os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            with contextlib.suppress(FileNotFoundError):
                holder = _pid(path.read_bytes())
                if holder is not None and _alive(holder):
                    raise _locked(output, path, holder) from None
                path.unlink()  # stale: its owner is gone


def _locked(output: str | os.PathLike, path: Path | None, holder: int | None) -> OutputLocked:
    who = f"another sweep (PID {holder})" if holder is not None else "another sweep"
    held = f"it holds {path.name}" if path is not None else "through another name: a hard link"
    return OutputLocked(str(output), [("", (
        f"{who} is writing this results file ({held}); wait for it to finish, or write to another file (-o)"))])


def _pid(data: bytes) -> int | None:
    try:
        return int(data.decode("ascii").strip())
    except ValueError:
        return None


def _alive(pid: int) -> bool:
    """Whether process ``pid`` is running (``os.kill(pid, 0)`` would end it on Windows, hence the API call)."""
    if os.name == "nt":
        import ctypes

        kernel32 = ctypes.windll.kernel32
        handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
        if not handle:
            return kernel32.GetLastError() == 5  # access denied: it exists, owned by someone else
        code = ctypes.c_ulong()
        try:
            return bool(kernel32.GetExitCodeProcess(handle, ctypes.byref(code))) and code.value == 259  # STILL_ACTIVE
        finally:
            kernel32.CloseHandle(handle)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
