"""Errors a user can act on: what was wrong, where, and what was expected."""

from __future__ import annotations

import contextlib
import sys
import unicodedata
from pathlib import Path

__all__ = ["ConfigError", "CallOrderError", "SHOWN_ERRORS", "caller_stacklevel"]

_PACKAGE = Path(__file__).resolve().parent


SHOWN_ERRORS = 20
"""problems a ConfigError's message lists one by one; the rest are counted (all of them stay in ``errors``)"""


class ConfigError(ValueError):
    """A configuration that cannot be used, with every problem found in it.

    ``source`` is the file (or other origin) of the configuration; ``errors`` lists
    ``(dotted_field, message)`` pairs, the field being ``""`` for problems of the file as a whole
    (unreadable, TOML syntax). ``str()`` gives one line per error, ``"FILE: message"``, for the first
    ``SHOWN_ERRORS`` of them, then a count of the rest.
    """

    def __init__(self, source: str, errors: list[tuple[str, str]]):
        if not errors:
            raise ValueError("ConfigError needs at least one (field, message) pair")
        self.source = source
        self.errors = list(errors)
        super().__init__(str(self))

    def __str__(self) -> str:
        """one line a problem: the file name's line breaks escaped (a newline had split one over two lines: a probe),
        its other characters as given (a CJK space: a review)"""
        source = "".join(repr(ch)[1:-1] if unicodedata.category(ch) in ("Cc", "Zl", "Zp") else ch
                         for ch in str(self.source))
        lines = [f"{source}: {message}" for _, message in self.errors[:SHOWN_ERRORS]]
        if len(self.errors) > SHOWN_ERRORS:
            lines.append(f"{source}: ... and {len(self.errors) - SHOWN_ERRORS} more problems")
        return "\n".join(lines)

    def __reduce__(self):
        """pickle by source and errors (the error crosses process boundaries, e.g. in sweeps)"""
        return (type(self), (self.source, self.errors))

    @property
    def fields(self) -> list[str]:
        """the dotted fields named by the errors, in order"""
        return [name for name, _ in self.errors]


class CallOrderError(RuntimeError):
    """An API call made before the one it needs (``mvm`` before ``program``, or before ``calibrate`` with a
    calibrated ADC); the message says which call comes first."""


def caller_stacklevel() -> int:
    """The ``stacklevel`` for ``warnings.warn`` called by the caller of this function that names the first frame
    outside cimsim: the user's line (a script's call, or the CLI's), not the cimsim line that found the problem,
    whatever the route's depth; a context manager's entry (contextlib's frames between a ``with`` and cimsim's
    generator) is passed over too."""
    frame, level = sys._getframe(1), 1
    while frame is not None and (_in_package(frame.f_code.co_filename)
                                 or frame.f_code.co_filename == contextlib.__file__):
        frame, level = frame.f_back, level + 1
    return level


def _in_package(filename: str) -> bool:
    """whether code of ``filename`` is cimsim's (a pseudo-file, ``<stdin>`` or ``<frozen runpy>``, is not, wherever
    the working directory is)"""
    return not filename.startswith("<") and Path(filename).resolve().is_relative_to(_PACKAGE)
