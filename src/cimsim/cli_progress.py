"""The CLI's progress on stderr: a bar of the items simulated, and a sweep's points done; shown only on a terminal
(quiet in CI and when piped)."""

from __future__ import annotations

import os
import sys

import click

from .config.modes import IrDropModel, WorkloadKind

__all__ = ["Progress", "SweepProgress", "items_word"]


def on_terminal() -> bool:
    """whether stderr is a terminal (a closed one, ``2>&-``, is None: none, so no progress; it had failed the
    command with an internal error, a probe)"""
    return sys.stderr is not None and sys.stderr.isatty()


def dumb_terminal() -> bool:
    """whether TERM names a terminal without cursor codes (click's dumb ones: dumb, emacs)"""
    return os.environ.get("TERM") in ("dumb", "emacs")


class Progress:
    """Items done as a click progress bar on stderr, only on a terminal (quiet in CI and when piped); says when
    the first run compiles the kernels, and when ``config``'s arrays solve their IR drop exactly, which take seconds
    to minutes before any item is done (an exact solve had sat silent 30 s: a performance probe)."""

    def __init__(self, total: int, item: str, config=None):
        self.enabled = on_terminal()
        self.bar = None
        if self.enabled:
            from .numerics.compile_cache import kernels_cached

            if not kernels_cached():
                click.echo("compiling cimsim's kernels (first run only: numba caches them) ...", err=True)
            array = None if config is None else config.array
            if array is not None and array.wire_resistance_ohm > 0 and array.ir_drop == IrDropModel.EXACT:
                click.echo("solving each array's IR drop exactly before the first item (array.ir_drop = \"exact\": "
                           "seconds an array at 256 x 256, about 30 s at 512; \"approximate\" is 100-2000x "
                           "faster) ...", err=True)
        if self.enabled and not dumb_terminal():  # a bar rewrites its line: none on a terminal without cursor codes
            self.bar = click.progressbar(length=total, label=f"simulating {item}", file=sys.stderr, show_eta=True,
                                         show_pos=True)

    def __enter__(self) -> "Progress":
        if self.bar is not None:
            self.bar.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        if self.bar is not None:
            self.bar.__exit__(*exc)

    def __call__(self, n: int) -> None:
        if self.bar is not None:
            self.bar.update(n)


def items_word(cfg) -> str:
    return "samples" if cfg.workload.kind == WorkloadKind.NETWORK else "vectors"


class SweepProgress:
    """Points done / failed and the time left, on stderr, only on a terminal (quiet in CI and when piped)."""

    def __init__(self):
        import time

        self.enabled = on_terminal()
        self.clock, self.start, self.first = time.monotonic, time.monotonic(), None
        self.dumb = dumb_terminal()  # no cursor codes: one line per update, nothing rewritten

    def __call__(self, done: int, failed: int, total: int) -> None:
        if not self.enabled:
            return
        if self.first is None:  # the first call gives the points already in the file: not in the rate
            self.first = done
        ran, left = done - self.first, total - done
        eta = f", about {(self.clock() - self.start) / ran * left:.0f} s left" if ran and left else ""
        line = f"{done}/{total} points done, {failed} failed{eta}"
        click.echo(line if self.dumb else f"\r{line}\033[K", err=True, nl=self.dumb or done >= total)
