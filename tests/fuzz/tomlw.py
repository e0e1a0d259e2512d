"""A small TOML writer that can also write what the schema must reject (huge ints, NaN, nested arrays, dates).

``dumps(tables)`` writes top-level scalars first, then one ``[table]`` per dict value. A :class:`Raw` value is
written verbatim (a TOML token such as ``0x10``, ``1_000`` or a deliberately broken one).
"""

from __future__ import annotations

import datetime
import math
from typing import Any

__all__ = ["Raw", "dumps", "value", "key"]


class Raw(str):
    """A value written into the TOML text exactly as given."""


_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}


def _string(s: str) -> str:
    out = []
    for ch in s:
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04x}")
        elif 0xD800 <= ord(ch) <= 0xDFFF:  # a lone surrogate cannot be encoded; TOML cannot hold it either
            out.append("\\ufffd")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def key(k: str) -> str:
    """A key, bare when it can be, quoted otherwise."""
    if k and all(c.isascii() and (c.isalnum() or c in "-_") for c in k):
        return k
    return _string(k)


def value(v: Any) -> str:
    if isinstance(v, Raw):
        return str(v)
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        return repr(v)
    if isinstance(v, str):
        return _string(v)
    if isinstance(v, (datetime.datetime, datetime.date, datetime.time)):
        return v.isoformat()
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{key(str(k))} = {value(x)}" for k, x in v.items()) + "}"
    raise TypeError(f"no TOML form for {type(v).__name__}")


def dumps(tables: dict[str, Any]) -> str:
    lines = [f"{key(k)} = {value(v)}" for k, v in tables.items() if not isinstance(v, dict)]
    for name, table in tables.items():
        if isinstance(table, dict):
            lines.append(f"\n[{key(name)}]")
            lines.extend(f"{key(str(k))} = {value(v)}" for k, v in table.items())
    return "\n".join(lines) + "\n"
