"""The data files a sweep point's config reads (``workload.*_file``) and the sha256 of their contents: part of the
point's id (:func:`.points.identity`), and checked again by the worker around the point's run
(:func:`.metrics.evaluate`), so that a file replaced or removed while the sweep runs fails the points it reached for
a resume to run again, instead of filing another file's numbers under the old one's id (a probe: 21 of 24 rows)."""

from __future__ import annotations

import functools
import hashlib
import os
import time
from collections.abc import Mapping
from typing import Any

__all__ = ["file_digests", "file_version"]

_RECENT_NS = 2_000_000_000
"""a data file changed less than this long ago (ns; 2 s, the tick of the coarsest file-system clock, FAT's) is hashed
again at each use"""


def file_digests(workload: Mapping[str, Any]) -> dict[str, str]:
    """dotted field -> sha256 (hex) of the file each ``*_file`` field of a config's ``workload`` table names; an
    OSError where one cannot be read"""
    return {f"workload.{key}": _digest(path) for key, path in workload.items() if key.endswith("_file")}


def _digest(path: str) -> str:
    """sha256 of a file's contents, hex, computed once per version of the file: its device, inode, size, modification
    and change times (the change time moves on any write or ``utime`` and cannot be set back, so new contents of the
    same size with the modification time kept, as ``cp -p`` or ``rsync -t`` leave them, are hashed again). A file
    changed within ``_RECENT_NS`` of now is hashed every time: a second change within one tick of the file system's
    clock can keep every one of those."""
    version = file_version(path)
    if abs(time.time_ns() - version[4]) < _RECENT_NS:  # its change time
        return _file_digest.__wrapped__(path, version)
    return _file_digest(path, version)


def file_version(path: str) -> tuple[int, ...]:
    """a file's device, inode, size, modification and change times (ns), and the inode and change time of the name
    itself (a symbolic link pointed elsewhere and back): any write, replacement (a rename onto the name: another
    inode; renamed back, the same inode's change time moved), ``touch`` or change of its metadata alone (``chmod``,
    another hard link) gives another"""
    stat, name = os.stat(path), os.lstat(path)
    return stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, name.st_ino, name.st_ctime_ns


@functools.lru_cache(maxsize=256)
def _file_digest(path: str, version: tuple[int, ...]) -> str:
    """sha256 of the file at ``path``, hex; ``version`` (its stat) keys the cache only"""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
