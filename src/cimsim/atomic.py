"""Writing result files atomically: a reader (or a killed run) never sees a half-written file."""

from __future__ import annotations

import contextlib
import errno
import io
import os
import select
import stat
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

__all__ = ["write_atomic", "write_atomic_with", "check_writable", "is_stream", "standard_stream",
           "OTHER_FORMATS"]


OTHER_FORMATS = {".json", ".md", ".png", ".pdf", ".svg", ".jpg", ".jpeg", ".npz", ".npy", ".onnx", ".pt", ".pth",
                 ".ckpt", ".mat", ".toml", ".yaml", ".yml", ".tsv", ".jsonl", ".parquet", ".pq", ".feather", ".arrow",
                 ".avro", ".xlsx", ".xlsm", ".xls", ".ods", ".h5", ".hdf5", ".pkl", ".pickle", ".safetensors", ".html",
                 ".htm", ".xml", ".py", ".ipynb", ".db", ".sqlite", ".gz", ".tgz", ".bz2", ".xz", ".zst", ".zip",
                 ".tar", ".7z"}
"""suffixes of formats other than CSV, which a sweep's results file refuses (``cimsim sweep -o`` and ``run_sweep``:
its rows had been written under .npz, .tsv and .parquet names, and by ``run_sweep`` under .json); any other name is
taken: a dated or versioned results.2026-12-05T10 or results.v2"""


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def is_stream(path: str | os.PathLike) -> bool:
    """whether ``path`` is a device, pipe or socket, or one of this process's open files (``/dev/stdout``)"""
    try:
        mode = os.stat(path).st_mode
    except OSError:  # not there yet (or unreadable: the write says why)
        return False
    return not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)) or os.path.realpath(path).startswith("/proc/")


def write_atomic(path: str | os.PathLike, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file and a rename: never a half-written file. A symbolic link
    is followed (its target is replaced, the link kept); a device or pipe is written as it is, never replaced by a
    file; this process's stdout or stderr (``/dev/stdout``, ``/dev/fd/1``, the very file a shell redirected it to) is
    written through it, at its place (a redirect's ``>>`` appends, each command of ``{ ...; } >`` in turn).
    An OSError names ``path`` (a loop of symbolic links is one);
    :class:`~.sweep.OutputLocked` (a ConfigError), nothing written, where a sweep of another process is writing the
    file (it holds the file's lock, :func:`.sweep.lock.check_free`). Written as UTF-8; a name of undecodable bytes
    in ``text`` (a path's, as the OS handed it over) is written with its bytes escaped (``\\udcff``)."""
    with _naming(path):
        _write(path, lambda fh: fh.write(text.encode("utf-8", "backslashreplace")))


@contextlib.contextmanager
def _naming(path: str | os.PathLike):
    """an OSError raised meanwhile without a file name, with ``path`` as its file name"""
    try:
        yield
    except OSError as err:
        if err.filename is not None:
            raise
        if err.errno is None:  # a message alone (PIL's "encoder error"): it had read "[Errno None] None"
            raise OSError(f"{os.fspath(path)}: {err}") from None
        raise OSError(err.errno, err.strerror, os.fspath(path)) from None


def names_folder(path: str | os.PathLike) -> bool:
    """whether ``path`` can name a folder only: it ends in a path separator, '.' or '..' (pathlib drops a trailing
    separator: 'out.json/' had been written as the file out.json)"""
    text = os.fspath(path)
    return text.endswith(("/", os.sep)) or os.path.basename(text) in (".", "..")


def _write(path: str | os.PathLike, write: Callable[[BinaryIO], None]) -> Path:
    """``path`` written by ``write`` (:func:`write_atomic`); returns the path written (a link's target)"""
    if names_folder(path):
        raise IsADirectoryError(errno.EISDIR, "names a folder; give the path of a file", os.fspath(path))
    fd = standard_stream(path)
    if fd is not None:  # a rename had replaced the file behind it: `-o - >> log.json` lost the log
        data = io.BytesIO()
        write(data)
        _write_fd(fd, data.getvalue())
        return Path(path)
    if is_stream(path):  # a pipe or a device: written as it is, never replaced by a file
        with open(path, "ab") as fh:
            write(fh)
        return Path(path)
    target = _target(path)
    _replace(target, write)
    return target


def standard_stream(path: str | os.PathLike) -> int | None:
    """1 or 2 where ``path`` is the file this process's stdout or stderr writes to (the same device and inode:
    ``/dev/stdout``, ``/proc/self/fd/2``, the file a shell redirected it to), else None"""
    try:
        there = os.stat(path)
    except OSError:
        return None
    for fd in (1, 2):
        try:
            here = os.fstat(fd)
        except OSError:  # closed
            continue
        if (here.st_dev, here.st_ino) == (there.st_dev, there.st_ino):
            return fd
    return None


def _write_fd(fd: int, data: bytes) -> None:
    """``data`` written to this process's file descriptor ``fd`` at its offset, after what Python's stdout and
    stderr hold: what the shell's other commands write to the same redirect keeps its place"""
    for stream in (sys.stdout, sys.stderr):
        if stream is not None:
            stream.flush()
    view = memoryview(data)
    while view:
        try:
            view = view[os.write(fd, view):]
        except BlockingIOError:  # a non-blocking pipe its reader has not emptied yet: wait until it takes more
            select.select([], [fd], [])


def _target(path: str | os.PathLike) -> Path:
    """the file a write to ``path`` replaces: a symbolic link's target (its folders may be missing); an OSError for a
    loop of symbolic links (it names no file: the loop is never replaced by a file), :class:`~.sweep.OutputLocked`
    where a sweep of another process holds the file's lock"""
    _check_loop(path)
    from .sweep.lock import check_free  # here: the sweep package imports this module

    check_free(path)
    return Path(os.path.realpath(path))


def _check_loop(path: str | os.PathLike) -> None:
    """an OSError where ``path`` is (or passes through) a loop of symbolic links: it names no file"""
    try:
        os.stat(path)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise OSError(errno.ELOOP, "a loop of symbolic links: it names no file", os.fspath(path)) from None


def write_atomic_with(path: str | os.PathLike, write: Callable[[BinaryIO], None]) -> Path:
    """Write a file through ``write`` (called with a binary file open for writing: a plot's ``savefig``), through a
    temporary file and a rename as :func:`write_atomic` does (a pipe or device written as it is: it had been replaced
    by a file); on any failure no temporary file is left behind. Returns the path written; an OSError names
    ``path``; refused as :func:`write_atomic` says."""
    with _naming(path):
        return _write(path, write)


def _mode(path: Path) -> int:
    """the permission bits a replaced ``path`` keeps (a private 0600 file stays private), or an ordinary new file's
    (mkstemp makes its file 0600)"""
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except OSError:
        return 0o666 & ~_umask()


def _replace(path: Path, write: Callable[[BinaryIO], None]) -> None:
    """``path`` replaced by what ``write`` writes to a temporary file beside it (removed on any failure); an OSError
    of the temporary file names no file (:func:`_naming` names the caller's path: it had named the hidden file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    prefix = f".{path.name[:64]}."  # fits a long name
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=prefix, suffix=".tmp")
    except OSError as err:
        raise _untemporary(err, prefix) from None
    try:
        os.chmod(tmp, _mode(path))
        with os.fdopen(fd, "wb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException as err:
        with contextlib.suppress(OSError):  # (an append-only folder keeps it: the error said is the replace's, not
            Path(tmp).unlink(missing_ok=True)  # this unlink's naming the hidden file, a review)
        if isinstance(err, OSError) and (plain := _untemporary(err, prefix)) is not err:
            raise plain from None
        raise


def _untemporary(err: OSError, prefix: str) -> OSError:
    """``err`` without its file name where that is the temporary file (named ``prefix``...): the caller's path is
    named instead (:func:`_naming`); an error of another file (one ``write`` opened) as it is"""
    if isinstance(err.filename, str) and Path(err.filename).name.startswith(prefix):  # (a bytes or fd one: not it)
        return OSError(err.errno, err.strerror)
    return err


def _check_kernel_file(path: str | os.PathLike) -> None:
    """An OSError where ``path`` is a kernel file under /proc (a regular file to stat) that takes no write:
    /proc/version took a run's report only after the run, then failed (EIO at a write of nothing, EINVAL at one of
    text); a pipe or a terminal behind /proc/self/fd is no regular file and passes untouched"""
    real = os.path.realpath(path)
    if real.startswith("/proc/") and os.path.isfile(real):
        fd = os.open(real, os.O_WRONLY | os.O_NONBLOCK)
        try:
            os.write(fd, b"")
        finally:
            os.close(fd)


def check_writable(path: str | os.PathLike, folder: bool = False, appended: bool = False,
                   sidecars: tuple[str, ...] = (), appended_sidecars: tuple[str, ...] = ()) -> None:
    """An OSError where no file can be written at ``path`` (``folder``: inside the folder ``path``): the nearest
    existing folder refuses a new file (said before a long run, not after it), ``path`` is a loop of symbolic
    links, or an existing file there (or beside it, ``sidecars``) does not open for writing (read-only, immutable:
    a file made read-only to keep it had been replaced through a rename, which its permissions do not stop, and a
    sweep's side file had stopped the run after it ran: probes); a device or pipe passes, as do this process's
    stdout and stderr (written through, never replaced). ``appended``: an existing file must open for appending;
    ``sidecars``: the suffixes of files written beside it (``.lock``), whose names must fit the file system too;
    ``appended_sidecars``: those of them only ever appended to (opened for appending: an append-only one passes)."""
    if is_stream(path) or standard_stream(path) is not None:
        _check_kernel_file(path)
        return
    _check_loop(path)
    target = Path(os.path.realpath(path))
    where = target if folder else target.parent
    while not where.exists():
        where = where.parent
    with tempfile.TemporaryFile(dir=where):
        pass
    longest = os.pathconf(where, "PC_NAME_MAX") if hasattr(os, "pathconf") else 255
    names = [(name, "") for name in target.relative_to(where).parts]  # the folders to make and the file's name
    names += [(target.name + suffix, f": the name with {suffix}, a file written beside it") for suffix in sidecars]
    for name, which in names:
        if len(os.fsencode(name)) > longest:
            raise OSError(errno.ENAMETOOLONG, f"a name longer than the {longest} bytes the file system allows{which}",
                          str(path))
    for name in [target, *(target.with_name(target.name + suffix) for suffix in sidecars)]:
        if name.is_file():  # opened, nothing written: the one check an append-only file fails (access() passes it,
            # and the replace after the run had failed); a file watcher sees a write closed
            append = (appended and name == target) or name.name.endswith(tuple(appended_sidecars))
            os.close(os.open(name, os.O_WRONLY | (os.O_APPEND if append else 0)))
