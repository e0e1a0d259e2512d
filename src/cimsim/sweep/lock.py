"""One sweep per results file: an exclusive, non-blocking lock on a sidecar file ``<results>.lock`` beside the
resolved file (a symbolic link's target), so every path to one file takes one lock.

Where :mod:`fcntl` exists (Linux, macOS), the lock is ``flock`` on the sidecar: the kernel releases it
when the holding process ends in any way (kill -9 included), so a left-over sidecar never blocks a later
run. Elsewhere (Windows) the sidecar is created with ``O_EXCL`` and holds the owner's PID; a sidecar whose
PID is no longer running (or an empty one) is stale and taken over. The sidecar is removed on release and
holds the owner's PID either way, for the message a refused sweep prints. Only a regular file holding a PID (or
nothing) is taken as a sidecar: a symbolic link (never followed), a folder or a file of other text of that name is
refused (:class:`ConfigError`), never changed. With ``flock``, the results file
itself is locked too, as found and each file made or rewritten under its name during the run (:func:`hold`, before
the file takes the name): a hard link to it (another name, another sidecar) is refused as well, and a file that
replaces the results file during the run, or its removal, is found (:func:`check_named`).
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import stat
from collections.abc import Iterator
from pathlib import Path

from ..errors import ConfigError

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None

__all__ = ["OutputLocked", "output_lock", "lock_path", "hold", "check_free", "check_named", "LOCK_SUFFIX"]

LOCK_SUFFIX = ".lock"
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_HELD: dict[str, list[int]] = {}
"""the results files whose lock this process holds (resolved path) -> open files whose flock holds its inodes"""
_GIVEN: dict[str, str] = {}
"""the path each lock was taken through (absolute, unresolved) -> its resolved path then: a symbolic link pointed
elsewhere during the run still names the sweep's file"""


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
    key, given = os.path.realpath(output), os.path.abspath(output)
    _HELD[key], _GIVEN[given] = [], key
    try:
        try:
            os.ftruncate(fd, 0)
            os.write(fd, f"{os.getpid()}\n".encode())
        except OSError as exc:  # a full disk or quota: the lock named (its errno alone had named nothing)
            raise OSError(exc.errno, f"cannot write the lock {path}: {exc.strerror}") from None
        with contextlib.suppress(OSError):  # not there yet (held once made), or unreadable (reading it says why)
            found = os.open(output, os.O_RDONLY)
            try:
                hold(output, found)
            finally:
                os.close(found)
        yield
    finally:
        with contextlib.suppress(OSError):  # still holding it: a waiting process re-checks the file it locked
            if os.path.samestat(os.lstat(path), os.fstat(fd)):  # ours, not a file put in its place meanwhile
                path.unlink()
        _GIVEN.pop(given, None)
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
    if _among(os.fstat(fd), held):
        return  # flock on a second open file of one inode would wait for our own
    each = os.dup(fd)  # the same open file: its lock outlives fd
    try:
        fcntl.flock(each, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(each)
        raise _locked(output, None, None) from None
    held.append(each)


def check_free(output: str | os.PathLike) -> None:
    """:class:`OutputLocked` where a sweep of another process holds the lock of ``output``: a file about to be
    replaced there (``cimsim run -o`` onto a results file a sweep is writing) would lose its rows, and the sweep would
    write on into the new file. Nothing where this process holds it (the sweep's own rewrite) or no sidecar is
    there; a sidecar that is no lock file (:func:`output_lock` refuses it) holds nothing."""
    if os.path.realpath(output) in _HELD:
        return
    path = lock_path(output)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | _NOFOLLOW)
    except OSError:
        return
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return
        holder = _pid(os.read(fd, 32))
        if fcntl is None:
            held = holder is not None and _alive(holder)
        else:
            try:
                fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)  # released with fd below
                held = False
            except BlockingIOError:
                held = True
    finally:
        os.close(fd)
    if held:
        raise _locked(output, path, holder, "a sweep")


def check_named(output: str | os.PathLike, fd: int | None) -> None:
    """An OSError where this process holds the lock of ``output`` and a file under its name (:func:`hold`: as found,
    made or rewritten), but ``fd`` (the file now open under that name; None: no file is there) is none of them:
    another program replaced, moved or removed the results file during the run, and writing on would write into its
    file. Nothing for a file not locked here, or before the sweep has made its file."""
    key = _GIVEN.get(os.path.abspath(output), os.path.realpath(output))
    held = _HELD.get(key, [])
    if not held or (fd is not None and _among(os.fstat(fd), held)):
        return
    kept = any(os.fstat(each).st_nlink for each in held)  # a file moved (renamed) still has a name
    what = "replaced" if fd is not None else "moved away" if kept else "removed"
    done = "are in the file moved away, under its new name" if kept else "were lost with it"
    with contextlib.suppress(OSError):
        if _among(os.stat(key), held):  # a symbolic link pointed elsewhere: the file it named is there still
            done = f"are in {key}"
    raise OSError(errno.ESTALE, f"another program {what} {output} while this sweep was writing it: the rows written "
                  f"so far {done}; this sweep writes nothing into {'the new file' if fd is not None else 'its place'}",
                  str(output))


def _among(found: os.stat_result, held: list[int]) -> bool:
    """whether ``found`` is one of the files open at ``held``"""
    return any(os.path.samestat(found, os.fstat(each)) for each in held)


def _flock(path: Path, output: str | os.PathLike) -> int:
    while True:
        fd = _open(path, output, os.O_CREAT)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _pid(os.read(fd, 32))
            os.close(fd)
            raise _locked(output, path, holder) from None
        with contextlib.suppress(FileNotFoundError):
            if os.path.samestat(os.lstat(path), os.fstat(fd)):
                try:
                    _check_ours(fd, path, output)  # its holder is gone: a stale sidecar, or a file of another program
                except ConfigError:
                    os.close(fd)
                    raise
                return fd
        os.close(fd)  # the holder removed this file between our open and flock: lock the current one


def _exclusive(path: Path, output: str | os.PathLike) -> int:
    while True:
        try:
            return os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            with contextlib.suppress(FileNotFoundError):
                fd = _open(path, output, 0)
                try:
                    _check_ours(fd, path, output)
                    holder = _pid(os.read(fd, 32))
                finally:
                    os.close(fd)
                if holder is not None and _alive(holder):
                    raise _locked(output, path, holder) from None
                path.unlink()  # stale: its owner is gone


def _open(path: Path, output: str | os.PathLike, flags: int) -> int:
    """the sidecar opened for reading and writing (``flags``: os.O_CREAT to make it), never through a symbolic link; a
    :class:`ConfigError` where it cannot be (a link, a folder, no permission) or is no regular file"""
    try:
        fd = os.open(path, os.O_RDWR | getattr(os, "O_NONBLOCK", 0) | _NOFOLLOW | flags, 0o644)
    except FileNotFoundError as exc:
        if not flags & os.O_CREAT:
            raise  # it went between a look and the open: the callers look again
        raise ConfigError(str(output), [("output", (  # no folder to make it in: /proc/version's, a file system's
            f"cannot make the sweep's lock file {path}: its folder takes no new file ({exc.strerror}); write the "
            "results into another folder (-o)"))]) from None
    except OSError as exc:
        why = "a symbolic link" if exc.errno == errno.ELOOP or os.path.islink(path) else (
            "a folder" if exc.errno == errno.EISDIR else exc.strerror or str(exc))
        raise _foreign(output, path, why) from None
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise _foreign(output, path, "not a regular file")
    return fd


def _check_ours(fd: int, path: Path, output: str | os.PathLike) -> None:
    """a :class:`ConfigError` unless the sidecar open at ``fd`` is a lock file: empty, or a PID and a newline (a
    stale one, left by a killed sweep, is taken over); the file is left as it is"""
    os.lseek(fd, 0, os.SEEK_SET)
    if not re.fullmatch(rb"(\d{1,19}\r?\n?)?", os.read(fd, 64)):
        raise _foreign(output, path, "it holds other text than a sweep's PID")
    os.lseek(fd, 0, os.SEEK_SET)


def _foreign(output: str | os.PathLike, path: Path, why: str) -> ConfigError:
    return ConfigError(str(output), [("output", (
        f"{path} is not a sweep's lock file ({why}); a sweep locks its results file through a file of that name: "
        "move it away, or write to another file (-o)"))])


def _locked(output: str | os.PathLike, path: Path | None, holder: int | None, who: str = "another sweep"
            ) -> OutputLocked:
    who = f"{who} (PID {holder})" if holder is not None else who
    if path is None and Path(output).name.endswith(LOCK_SUFFIX):  # flocked as a sidecar, not as results
        results = Path(output).name[:-len(LOCK_SUFFIX)]
        return OutputLocked(str(output), [("", f"{who} holds this file as the lock file of its results file "
                                               f"({results}); write to another file (-o)")])
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
