"""Whether a Dask scheduler answers at an address, asked with a deadline before a ``Client`` connects there.

``distributed`` bounds the TCP connect but not its handshake: a listener that accepts and never speaks (another
service's port) hangs a ``Client`` for ever, and one that sends a banner has it read as a message length ("Unable
to allocate 2.82 EiB"). :func:`check_scheduler` asks the address who it is (distributed's ``identity``) on a thread
of its own, with a deadline, and turns every failure into one :class:`SchedulerUnreachable`.
"""

from __future__ import annotations

import asyncio
import threading

from ..argcheck import cut_short, shown
from ..errors import ConfigError

__all__ = ["SchedulerUnreachable", "check_scheduler", "CONNECT_TIMEOUT_S"]

CONNECT_TIMEOUT_S = 10.0
"""seconds to connect; the answer may take half as long again"""


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
