"""Whether a Dask scheduler answers at an address, asked with a deadline before a ``Client`` connects there.

``distributed`` bounds the TCP connect but not its handshake: a listener that accepts and never speaks (another
service's port) hangs a ``Client`` for ever, and one that sends a banner has it read as a message length ("Unable
to allocate 2.82 EiB"). :func:`check_scheduler` asks the address who it is (distributed's ``identity``) on a thread
of its own, with a deadline, and turns every failure into one :class:`SchedulerUnreachable`. A scheduler without
workers, or whose workers cannot import this cimsim (each dies on its first task), would leave a run waiting for ever:
:func:`check_workers` refuses it.
"""

from __future__ import annotations

import asyncio
import threading

from ..argcheck import cut_short, shown
from ..errors import ConfigError

__all__ = ["SchedulerUnreachable", "check_scheduler", "check_workers", "CONNECT_TIMEOUT_S", "WORKER_WAIT_S"]

CONNECT_TIMEOUT_S = 10.0
"""seconds to connect; the answer may take half as long again"""
WORKER_WAIT_S = 30.0
"""seconds the scheduler has to show a worker (one that is starting joins within a few) before a run is refused"""


class SchedulerUnreachable(ConfigError):
    """No Dask scheduler answered at the address (the CLI exits with 2)."""

    def __init__(self, address: str, why: str):
        super().__init__("scheduler", [("scheduler", f"could not connect to a Dask scheduler at {address} ({why})")])
        self.address, self.why = address, why

    def __reduce__(self):
        return (type(self), (self.address, self.why))


def check_scheduler(address: str) -> None:
    """Raise :class:`SchedulerUnreachable` unless a Dask scheduler answers at ``address`` within the deadline.
    The question runs on a daemon thread with its own event loop (the caller's thread may run one, a notebook's),
    so Ctrl-C is not held up by it."""
    answer: dict[str, object] = {}

    def ask() -> None:
        try:
            answer["type"] = asyncio.run(_identity(address))
        except BaseException as exc:  # noqa: BLE001 -- any failure of the question is the answer "not a scheduler"
            answer["error"] = exc

    thread = threading.Thread(target=ask, name="cimsim-scheduler-check", daemon=True)
    thread.start()
    thread.join()
    error = answer.get("error")
    if isinstance(error, TimeoutError):
        raise SchedulerUnreachable(address, f"no answer within {CONNECT_TIMEOUT_S * 1.5:g} s: is another service "
                                            "listening there?")
    if isinstance(error, OSError):
        raise SchedulerUnreachable(address, cut_short(f"{type(error).__name__}: {error}", 200))
    if error is not None:
        raise SchedulerUnreachable(address, "what answered does not speak Dask's protocol: "
                                            + cut_short(f"{type(error).__name__}: {error}", 120))
    if answer["type"] != "Scheduler":
        raise SchedulerUnreachable(address, f"a Dask {cut_short(str(answer['type']), 40)} answered, not a scheduler")


async def _identity(address: str) -> object:
    """the ``type`` of the Dask server at ``address`` (``"Scheduler"``, ``"Worker"``)"""
    from distributed.comm import connect

    async def ask() -> object:
        comm = await connect(address, timeout=CONNECT_TIMEOUT_S)
        try:
            await comm.write({"op": "identity", "reply": True})
            reply = await comm.read()
        finally:
            comm.abort()
        if not isinstance(reply, dict):
            raise ValueError(f"it answered {shown(reply)}")
        return reply.get("type")

    return await asyncio.wait_for(ask(), CONNECT_TIMEOUT_S * 1.5)


def check_workers(address: str) -> None:
    """A ConfigError naming ``address`` unless its cluster has a worker within :data:`WORKER_WAIT_S` s and each of its
    workers imports cimsim of this version (the others named, with what they have)."""
    from dask.distributed import Client

    from .. import __version__

    with Client(address, timeout=CONNECT_TIMEOUT_S) as client:
        try:
            client.wait_for_workers(1, timeout=WORKER_WAIT_S)
        except TimeoutError:
            raise _not_ready(address, f"has no workers after {WORKER_WAIT_S:g} s; start workers with `dask worker "
                                      f"{address}` where cimsim {__version__} is installed") from None
        found = client.run(_version, on_error="return")
    wrong = sorted((worker, what) for worker, what in found.items() if what != __version__)
    if wrong:
        said = "; ".join(f"{worker}: " + (f"cimsim {what}" if isinstance(what, str) else cut_short(
            f"cannot import cimsim ({what})", 160)) for worker, what in wrong[:5]) + "; ..." * (len(wrong) > 5)
        raise _not_ready(address, f"has {len(wrong)} of {len(found)} workers without cimsim {__version__} ({said}); "
                                  f"install it there, or start workers with `dask worker {address}` where it is")


def _not_ready(address: str, why: str) -> ConfigError:
    """the error refusing the cluster at ``address`` (the CLI exits with 2)"""
    return ConfigError("scheduler", [("scheduler", f"the Dask scheduler at {address} {why}")])


def _version() -> str:
    """cimsim's version, on a worker (unpickling this function there imports cimsim)"""
    from .. import __version__

    return __version__
