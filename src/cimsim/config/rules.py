"""Constraints on config fields, written as data.

Each field of a config dataclass carries one rule in its metadata (``field(metadata=rule(...))``).
A rule checks a value and, when it fails, says what was expected in words a user can act on
("an int in [1, 16]"). The loader turns that into one message naming the file and the dotted field.
"""

from __future__ import annotations


from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any

from ..argcheck import finite_float, has_hidden_character, is_int
from .modes import Mode

__all__ = ["Rule", "Int", "Float", "Choice", "Text", "OptionalInt", "OptionalFloat", "rule"]


class Rule(ABC):
    """A check on one config value; ``expected`` describes the values it accepts."""

    expected: str

    @abstractmethod
    def accepts(self, value: Any) -> bool:
        """Whether ``value`` (as read from TOML) is allowed."""

    def convert(self, value: Any) -> Any:
        """The value as stored in the dataclass (e.g. an int given for a float field becomes a float)."""
        return value


def _in_interval(x: float, low: float | None, high: float | None, low_open: bool, high_open: bool) -> bool:
    if low is not None and (x < low or (low_open and x == low)):
        return False
    if high is not None and (x > high or (high_open and x == high)):
        return False
    return True


def _interval_text(low, high, low_open: bool, high_open: bool) -> str:
    if low is None and high is None:
        return ""
    if high is None:
        return f" {'>' if low_open else '>='} {low}"
    if low is None:
        return f" {'<' if high_open else '<='} {high}"
    return f" in {'(' if low_open else '['}{low}, {high}{')' if high_open else ']'}"


@dataclass(frozen=True)
class Int(Rule):
    """An integer (Python or numpy, not a bool) in [low, high] (either bound may be None), stored as an int."""

    low: int | None = None
    high: int | None = None

    @property
    def expected(self) -> str:
        return "an integer" + _interval_text(self.low, self.high, False, False)

    def accepts(self, value: Any) -> bool:
        return is_int(value) and _in_interval(int(value), self.low, self.high, False, False)

    def convert(self, value: Any) -> int:
        return int(value)


@dataclass(frozen=True)
class OptionalInt(Int):
    """Like :class:`Int`, but the field may be left out (stored as None)."""

    @property
    def expected(self) -> str:
        return super().expected + " (or left out)"

    def accepts(self, value: Any) -> bool:
        return value is None or super().accepts(value)

    def convert(self, value: Any) -> int | None:
        return None if value is None else int(value)


@dataclass(frozen=True)
class Float(Rule):
    """A finite real number within the given bounds; integers (numpy's too) are accepted and stored as floats."""

    low: float | None = None
    high: float | None = None
    low_open: bool = False
    high_open: bool = False

    @property
    def expected(self) -> str:
        return "a finite number" + _interval_text(self.low, self.high, self.low_open, self.high_open)

    def accepts(self, value: Any) -> bool:
        x = finite_float(value)
        return x is not None and _in_interval(x, self.low, self.high, self.low_open, self.high_open)

    def convert(self, value: Any) -> float:
        return float(value) + 0.0  # -0.0 stored as 0.0 (IEEE 754): a sweep had run it as a point of its own


@dataclass(frozen=True)
class OptionalFloat(Float):
    """Like :class:`Float`, but the field may be left out (stored as None)."""

    @property
    def expected(self) -> str:
        return super().expected + " (or left out)"

    def accepts(self, value: Any) -> bool:
        return value is None or super().accepts(value)

    def convert(self, value: Any) -> float | None:
        return None if value is None else float(value)


@dataclass(frozen=True)
class Choice(Rule):
    """One of a fixed set of names: the members of a :class:`~.modes.Mode` enum (stored as the member), or a tuple
    of plain strings (stored as given)."""

    options: type[Mode] | tuple[str, ...]

    @property
    def names(self) -> tuple[str, ...]:
        """The accepted names, in declaration order."""
        return tuple(str(option) for option in self.options)

    @property
    def expected(self) -> str:
        return "one of " + ", ".join(f'"{o}"' for o in self.names)

    def accepts(self, value: Any) -> bool:
        return isinstance(value, str) and value in self.names

    def convert(self, value: Any) -> Any:
        return self.options(value) if isinstance(self.options, type) else value


@dataclass(frozen=True)
class Text(Rule):
    """A non-empty string; with ``optional`` the field may be left out (stored as None); with ``one_line`` it holds
    no control character (a label printed in headings and captions: a newline had cut a report's heading)."""

    optional: bool = False
    one_line: bool = False

    @property
    def expected(self) -> str:
        one_line = (" without control characters (newlines, tabs, zero-width spaces, direction marks or bytes that "
                    "are no UTF-8; joiners are text)")
        return "a non-empty string" + (one_line if self.one_line else "") + (" (or left out)" if self.optional else "")

    def accepts(self, value: Any) -> bool:
        if value is None:
            return self.optional
        return (isinstance(value, str) and value.strip() != ""
                and not (self.one_line and has_hidden_character(value)))


def rule(check: Rule, doc: str) -> dict:
    """Field metadata: the rule that validates the field and its one-line documentation (with units)."""
    return {"rule": check, "doc": doc}
