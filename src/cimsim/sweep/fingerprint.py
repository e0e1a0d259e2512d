"""The model fingerprint a sweep writes in each row: this cimsim's version and a hash of the package's own files.

A row is only as good as the code that computed it. The fingerprint is ``VERSION+src.HASH``: ``cimsim.__version__``
and the first 16 hex digits of the sha256 over the package's Python files and its data files (``.toml``, ``.json``,
``.npz``: presets, devices, baselines, the published macros and record the cost model quotes, the shipped
networks), each as its path relative to the package, a NUL, its size and its contents, in path order (bytecode and
numba caches are not hashed). It is computed once per process (a few ms). A resumed sweep keeps the rows of its own
fingerprint only (:mod:`.results`): rows of another cimsim version, or of the same version with other source files
(an edited checkout), are moved to the side file and their points run again, saying so (:func:`foreign_note`). A Dask
cluster's workers must compute with the same files (:func:`check_cluster`).
"""

from __future__ import annotations

import functools
import hashlib
import os
from collections import Counter
from collections.abc import Iterable, Mapping

from ..errors import ConfigError

__all__ = ["COLUMN", "fingerprint", "describe", "foreign_note", "check_cluster"]

COLUMN = "cimsim"
"""the results column holding the fingerprint of the cimsim that wrote the row"""
_SUFFIXES = (".py", ".toml", ".json", ".npz")
"""the package's files that are hashed: its source and the data files it ships"""
_SOURCE = "+src."


@functools.cache
def fingerprint() -> str:
    """``VERSION+src.HASH`` of this cimsim (module doc); cached for the process."""
    from .. import __version__

    package, names = os.path.dirname(os.path.dirname(os.path.abspath(__file__))), []
    for folder, subfolders, files in os.walk(package):
        subfolders[:] = [name for name in subfolders if name != "__pycache__"]
        inside = folder[len(package) + 1:].replace(os.sep, "/")
        names += [(f"{inside}/{name}" if inside else name, f"{folder}{os.sep}{name}") for name in files
                  if name.endswith(_SUFFIXES)]
    digest = hashlib.sha256()
    for name, path in sorted(names):
        with open(path, "rb") as fh:
            data = fh.read()
        digest.update(f"{name}\0{len(data)}\0".encode())
        digest.update(data)
    return f"{__version__}{_SOURCE}{digest.hexdigest()[:16]}"


def describe(value: str) -> str:
    """a fingerprint in words: ``cimsim 0.1.0 (source 3f2a9c1d4e5b6a7f)``; an empty one (a row written before rows
    recorded it) as ``an earlier cimsim (the file records no version)``"""
    if not value:
        return "an earlier cimsim (the file records no version)"
    version, _, source = value.rpartition(_SOURCE)
    return f"cimsim {version} (source {source})" if version else f"cimsim {value!r}"


def foreign_note(output: object, side: object, rows: Iterable[Mapping[str, str]]) -> str:
    """the warning for ``rows`` of ``output`` written by another cimsim than this one, moved to ``side``"""
    counts = Counter(row.get(COLUMN, "") for row in rows)
    total, this = sum(counts.values()), fingerprint()
    by = describe(next(iter(counts))) if len(counts) == 1 else "other cimsims (" + "; ".join(
        f"{n} by {describe(p)}" for p, n in sorted(counts.items(), key=lambda item: (-item[1], item[0]))) + ")"
    same = {p.rpartition(_SOURCE)[0] for p in counts} == {this.rpartition(_SOURCE)[0]}
    return (f"{output}: {total} row{'s' * (total != 1)} {'were' if total != 1 else 'was'} written by {by}, not by this "
            f"{describe(this)}{' (the same version with other source files)' * same}: the model may have changed "
            f"since; moved to {side}, and {'their points run' if total != 1 else 'its point runs'} again")


def _on_worker() -> str:
    """the fingerprint of a Dask worker's cimsim (unpickling this function there imports it)"""
    return fingerprint()


def check_cluster(address: str) -> None:
    """A ConfigError naming the scheduler unless every worker of the Dask cluster at ``address`` (each imports this
    cimsim version: :func:`.cluster.check_workers`) computes with this fingerprint: a row is written with the
    sweep's fingerprint, whichever worker computed it."""
    from dask.distributed import Client

    from .cluster import CONNECT_TIMEOUT_S

    with Client(address, timeout=CONNECT_TIMEOUT_S) as client:
        found = client.run(_on_worker, on_error="return")
    wrong = sorted((worker, what) for worker, what in found.items() if what != fingerprint())
    if wrong:
        said = "; ".join(f"{worker}: {describe(what) if isinstance(what, str) else repr(what)}"
                         for worker, what in wrong[:5]) + "; ..." * (len(wrong) > 5)
        raise ConfigError("scheduler", [("scheduler", (
            f"the Dask scheduler at {address} has {len(wrong)} of {len(found)} workers computing with other cimsim "
            f"source files than this {describe(fingerprint())} ({said}): their rows would be recorded as this "
            "version's; install the same cimsim there, or start workers where it is"))])
