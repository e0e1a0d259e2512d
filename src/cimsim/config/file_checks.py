"""Rules on the data files a configuration names: each one the workload reads must be a regular file that exists,
and none may be set where the workload would not read it."""

from __future__ import annotations

import errno
import os
from pathlib import Path

from ..argcheck import escaped
from .modes import Dataset, WorkloadKind
from .schema import Config

__all__ = ["file_errors", "path_problems"]


def file_errors(config: Config) -> list[tuple[str, str]]:
    """The files the workload reads, each an existing regular file; none set that it would not read."""
    wl, errors = config.workload, []
    if wl.kind == WorkloadKind.NETWORK:
        if wl.network_file is not None:  # none: a script gives the network in memory (or a run refuses)
            errors.extend(path_problems(wl.network_file, "workload.network_file", ""))
        if wl.dataset == Dataset.FILE:
            errors.extend(path_problems(wl.dataset_file, "workload.dataset_file", "'workload.dataset' is \"file\""))
    else:
        for kind in ("weights", "inputs"):
            if getattr(wl, kind) == "file":
                errors.extend(path_problems(getattr(wl, f"{kind}_file"), f"workload.{kind}_file",
                                          f"'workload.{kind}' is \"file\""))
    return errors + _unread_files(config)


def _unread_files(config: Config) -> list[tuple[str, str]]:
    """A file field set where the workload would not read it (a user who set it meant it to be read)."""
    wl = config.workload
    kind = f"'workload.kind' is \"{wl.kind}\""
    if wl.kind == WorkloadKind.NETWORK:
        unread = {"weights_file": kind, "inputs_file": kind,
                  "dataset_file": None if wl.dataset == Dataset.FILE else f"'workload.dataset' is \"{wl.dataset}\""}
    else:
        unread = {"network_file": kind, "dataset_file": kind,
                  **{f"{data}_file": None if getattr(wl, data) == "file" else
                     f"'workload.{data}' is \"{getattr(wl, data)}\"" for data in ("weights", "inputs")}}
    return [(f"workload.{name}", f"'workload.{name}' is set, but {why}: the file would not be read; leave it out, "
                                 "or make the workload read it") for name, why in unread.items()
            if why and getattr(wl, name) is not None]


def path_problems(path: str | None, dotted: str, condition: str) -> list[tuple[str, str]]:
    """``dotted`` must name an existing regular file (it is required when ``condition``): (dotted, message) of each
    way it does not (a directory, a pipe, a link loop, no file, a path no file system takes)."""
    if path is None:
        return [(dotted, f"'{dotted}' is required when {condition}")]
    try:
        if "\0" in path:  # pathlib's tests answer False for it; os.stat raises
            raise ValueError("it holds a NUL byte")
        exists, folder, other = Path(path).is_file(), Path(path).is_dir(), Path(path).exists()
    except (OSError, ValueError) as exc:  # a name longer than the file system allows, a NUL byte
        return [(dotted, f"'{dotted}' is not a usable path ({exc.strerror if isinstance(exc, OSError) else exc}): "
                         f"{escaped(path)}")]
    if not exists:
        what = "a directory" if folder else "a device, pipe or socket" if other else _broken_link(path)
        tilde = " (a ~ is not expanded: give the home folder's path)" if f"{os.sep}~" in path else ""
        return [(dotted, f"'{dotted}' names {what}, not a regular file: {path}" if what else
                         f"'{dotted}' names no existing file: {path}{tilde}")]
    return []


def _broken_link(path: str) -> str | None:
    """what a symbolic link that leads to no file is (a loop, or a link to a missing file), None if not a link"""
    try:
        os.stat(path)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "a symbolic link loop (links that lead back to each other)"
        return f"a symbolic link to a missing file ({os.readlink(path)})" if os.path.islink(path) else None
    return None
