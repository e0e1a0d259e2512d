"""Checks of API arguments, one place for all: an integer (Python or numpy, never a bool) in a range, a finite real,
a file path, an object of a given type.

Each raises a ValueError (a TypeError for a path or an object of the wrong type) naming the argument and what was
expected; each returns the value as a plain Python number (or the path or object as it came).
"""

from __future__ import annotations

import collections.abc
import dataclasses
import functools
import inspect
import math
import numbers
import os
import re
import types
import typing
import unicodedata

import numpy as np

from .atomic import names_folder

__all__ = ["is_int", "finite_float", "check_int", "check_bool", "check_real", "check_path", "markdown_cell",
           "check_execution", "scheduler_problem", "check_instance", "checked_types", "described", "cut_short",
           "shown", "escaped"]


def is_int(value) -> bool:
    """Whether ``value`` is an integer: a Python or numpy int, never a bool."""
    return isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_))


def check_int(name: str, value, minimum: int | None = 1, maximum: int | None = None) -> int:
    """``value`` as an int in [minimum, maximum] (either bound None: open)."""
    ok = is_int(value) and (
        minimum is None or value >= minimum) and (maximum is None or value <= maximum)
    if not ok:
        bounds = " and ".join(part for part in (f">= {minimum}" if minimum is not None else "",
                                                 f"<= {maximum}" if maximum is not None else "") if part)
        raise ValueError(f"{name} must be an int{' ' + bounds if bounds else ''}; got {shown(value)}")
    return int(value)


def check_bool(name: str, value) -> bool:
    """``value`` as a bool: True / False (numpy's too), or a ValueError naming ``name`` (a string "False" or a 0 / 1
    had been taken by its truth value)."""
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{name} must be True or False; got {shown(value)}")
    return bool(value)


def check_real(name: str, value, low: float | None = None, high: float | None = None, low_open: bool = False) -> float:
    """``value`` as a finite float in [low, high] (``low_open``: above low)."""
    x = finite_float(value)
    ok = x is not None and (low is None or (x > low if low_open else x >= low)) and (high is None or x <= high)
    if not ok:
        lower = "" if low is None else f"{'>' if low_open else '>='} {low:g}"
        upper = "" if high is None else f"<= {high:g}"
        bounds = " and ".join(part for part in (lower, upper) if part)
        raise ValueError(f"{name} must be a finite number{' ' + bounds if bounds else ''}; got {shown(value)}")
    return x


def finite_float(value) -> float | None:
    """``value`` as a finite float, or None: not a real number (bools excluded), infinite, NaN or too large for a
    float (an integer of hundreds of digits)."""
    if not isinstance(value, numbers.Real) or isinstance(value, (bool, np.bool_)):
        return None
    try:
        x = float(value)
    except (OverflowError, ValueError, TypeError):
        return None
    return x if math.isfinite(x) else None


def number_sequence(value) -> np.ndarray:
    """``value``, a list, tuple, array or other ordered sequence of real numbers, as a float array; NaN in place of
    any element that is no finite real number (text, a bool, 10**400), and a single NaN for what is no ordered
    sequence (a number, text, bytes, a dict, whose keys iterating had been taken for its values, a set): the caller
    refuses NaN (DataStats' shares had taken all of those silently: a review)"""
    abc = collections.abc
    if isinstance(value, (str, bytes, abc.Mapping, abc.Set)) or not isinstance(value, abc.Iterable):
        return np.full(1, np.nan)
    return np.array([np.nan if (x := finite_float(v)) is None else x for v in value], dtype=float)


def cut_short(text: str, limit: int = 80) -> str:
    """``text``, cut to ``limit`` characters with its length said when longer."""
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text)} characters)"


_ESCAPES = {"\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}
"""the characters a name is shown with a short escape, as JSON writes them"""


def escaped(text: str, limit: int = 80) -> str:
    """A name the user wrote (a key, a column), as a message quotes it: cut to ``limit`` characters
    (:func:`cut_short`, the length counted before escaping), a backslash and each character that is not printable (a
    newline, a NUL: Unicode category Cc, and the others ``str.isprintable`` refuses) escaped as JSON writes them
    (``\\n``, ``\\u0000``), as a refused string value is shown: one problem stays one line of plain text."""
    short = cut_short(str(text), limit)
    return "".join(_ESCAPES.get(ch) or (ch if ch.isprintable() else _code(ch)) for ch in short)


def _code(ch: str) -> str:
    """``ch`` as ``\\uXXXX`` (``\\UXXXXXXXX`` beyond the 16-bit plane)"""
    return f"\\u{ord(ch):04x}" if ord(ch) < 0x10000 else f"\\U{ord(ch):08x}"


def has_control_character(text: str) -> bool:
    """whether ``text`` holds a control character (a newline, a tab, a NUL: Unicode category Cc)"""
    return any(unicodedata.category(ch) == "Cc" for ch in text)


JOINERS = frozenset("\u200c\u200d")
"""the zero-width non-joiner and joiner: format characters that Persian, Arabic and Indic words and emoji sequences
hold as part of their text"""


def look_alike_key(name: str, fold=str.casefold) -> str:
    """what two names that look alike share: ``name`` in Unicode's NFC form, case folded (``fold``: casefold, as a
    file system compares names, ß as ss; lower, where only case is to go), its joiners dropped"""
    return "".join(c for c in fold(unicodedata.normalize("NFC", name)) if c not in JOINERS)


def has_hidden_character(text: str) -> bool:
    """whether a name ``text`` holds a control character or an invisible format character (a zero-width space, a
    right-to-left override: Unicode category Cf but the joiners, :data:`JOINERS`), which would make two names look
    alike or reverse the terminal text printed after it, or a lone surrogate (category Cs: a byte of the command
    line that is no UTF-8, which no report or plot can encode: compare had failed in matplotlib, a probe)"""
    return any(unicodedata.category(ch) in ("Cc", "Cs") or unicodedata.category(ch) == "Cf" and ch not in JOINERS
               for ch in text)


def visible(text: str) -> str:
    """``text`` with its hidden characters (:func:`has_hidden_character`) shown without a backslash: a lone surrogate
    (a byte of a file name that is no UTF-8) as U+FFFD, the others as ``U+200B``; a config's name from its file's
    (Python's escapes had read as a path separator to compare: a probe)"""
    return "".join("\ufffd" if unicodedata.category(c) == "Cs" else f"U+{ord(c):04X}" if has_hidden_character(c)
                   else c for c in text)


def markdown_cell(text) -> str:
    """``text`` as one cell of a Markdown table: its whitespace runs (line breaks too) as single spaces, '|'
    escaped"""
    return " ".join(str(text).split()).replace("|", "\\|")


def code_span(text: str) -> str:
    """``text`` as a Markdown code span: fenced by one backtick more than its longest run of them, a space inside the
    fence where it starts or ends with one (a path holding a backtick had closed a one-backtick span early)"""
    fence = "`" * (max((len(run) for run in re.findall("`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def shown(value, limit: int = 60) -> str:
    """repr of ``value``, cut to ``limit`` characters"""
    return cut_short(repr(value), limit)


def check_path(name: str, value) -> str | os.PathLike:
    """``value`` when it is a file path (str or os.PathLike): an int would open that file descriptor, and closing
    it would close whatever the process had there; an empty path names no file."""
    if isinstance(value, (str, os.PathLike)):
        if not os.fspath(value):
            raise ValueError(f"{name} must name a file; got an empty path")
        return value
    raise TypeError(f"{name} must be a file path (str or os.PathLike); got {type(value).__name__} {shown(value)}")


def check_file_path(name: str, value) -> str | os.PathLike:
    """``value`` when it can name a file to write (:func:`check_path`): one ending in a path separator names a folder
    (pathlib drops the separator: 'out.npz/' had been written as the file out.npz, which the CLI's -o refuses), and
    so does an existing folder's path (it had failed as IsADirectoryError after the work was done)"""
    if names_folder(check_path(name, value)) or os.path.isdir(value):
        raise ValueError(f"{name} {os.fspath(value)!r} names a folder; give the path of a file")
    return value


def check_execution(progress, workers, scheduler,
                    called_with: str = "the number of items just finished") -> int | None:
    """How a run is carried out, as a script passes it: ``progress`` a callable or None, ``workers`` an int >= 1 or
    None, ``scheduler`` a Dask scheduler address (str) or None; not both (as the CLI refuses them: ``workers`` had
    capped the pieces a whole cluster was sent). Returns ``workers`` as a plain int (a numpy integer had reached
    threadpoolctl in each worker, which refuses one: every worker failed to start) or None."""
    if progress is not None and not callable(progress):
        raise TypeError(f"progress must be a callable (called with {called_with}) or None; got "
                        f"{type(progress).__name__} {shown(progress)}")
    if workers is not None:
        workers = check_int("workers", workers, 1)
    if scheduler is not None and not isinstance(scheduler, str):
        raise TypeError(f"scheduler must be a Dask scheduler address (a str such as 'tcp://host:8786') or None; got "
                        f"{type(scheduler).__name__} {shown(scheduler)}")
    if scheduler is not None and (problem := scheduler_problem(scheduler)):
        raise ValueError(f"scheduler: {problem}")
    if workers is not None and scheduler is not None:
        raise ValueError("workers sets local processes; a Dask cluster (scheduler) has its own workers: give one of "
                         "them")
    return workers


_SCHEMES = ("tcp", "ws")
"""the schemes a Client reaches with an address alone"""
_UNSUPPORTED = {"tls": "a security context (certificates)", "wss": "a security context (certificates)",
                "ucx": "the ucx package", "inproc": "a scheduler in the same process"}
"""Dask's other schemes, and what a Client would need to use them"""
_ADDRESS = re.compile(r"(?:(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*)://)?(?P<host>\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.-]+)"
                      r":(?P<port>[0-9]{1,5})/?")


def scheduler_problem(address: str) -> str | None:
    """Why ``address`` is no Dask scheduler address a run can use ([tcp:// or ws://]host:port), or None"""
    scheme = address.partition("://")[0].lower()
    if "://" in address and scheme in _UNSUPPORTED:
        return (f"{cut_short(repr(address))}: the {scheme}:// scheme is not supported (it needs "
                f"{_UNSUPPORTED[scheme]}); give tcp://host:port, ws://host:port or a bare host:port")
    match = _ADDRESS.fullmatch(address)
    if (match is None or (match["scheme"] is not None and match["scheme"] not in _SCHEMES)
            or not 0 < int(match["port"]) < 65536):
        return (f"{address!r} is not a Dask scheduler address: [({'|'.join(_SCHEMES)})://]host:port, e.g. "
                "tcp://10.0.0.5:8786")
    return None


_HOW = {
    "Config": "cimsim.config.load_config(path)", "TechnologyConfig": "config.technology, or TechnologyConfig(...)",
    "BaselineConfig": "config.baseline", "Plan": "cimsim.mapping.plan_layer(config)",
    "Counts": "cimsim.analytic.analytic_counts(plan, vectors)", "Stage": "cimsim.cost.dense_stage(plan, counts)",
    "CimParameters": "cimsim.cost.cim_parameters(config, plan)", "CellFamily": "cimsim.cost.cells.cell_family(name)",
    "Network": "cimsim.network.load_network(path), or from_torch(model, x)", "Model": "cimsim.models.get_model(name)",
    "Comparison": "cimsim.comparison.compare(config)", "RunResult": "cimsim.run.simulate(config)",
    "Breakdown": "e.g. cimsim.cost.cim_breakdown(config, plan, counts)", "Table": "cimsim.sweep.read_table(path)",
    "SweepSpec": "cimsim.sweep.load_spec(path)",
}
"""how a script gets an object of each cimsim class the checks name"""


def described(cls: type) -> str:
    """'a cimsim Plan (cimsim.mapping.plan_layer(config))': a class as an error message names what was expected"""
    how = _HOW.get(cls.__name__)
    article = "" if cls.__name__.endswith("s") else "a "  # Counts, CimParameters
    return f"{article}cimsim {cls.__name__}" + (f" ({how})" if how else "")


def check_instance(name: str, value, cls: type, expected: str | None = None):
    """``value`` when it is a ``cls``; else a TypeError naming the argument, what was expected (default:
    :func:`described`) and what came."""
    if not isinstance(value, cls):
        raise TypeError(f"{name} must be {expected or described(cls)}; got {type(value).__name__} {shown(value)}")
    return value


def checked_types(func):
    """Decorator: every argument of ``func`` annotated with a cimsim dataclass (a Config, a Plan, a TechnologyConfig;
    or such a class or None) must be one, else :func:`check_instance`'s TypeError naming it; one annotated as a
    Callable (or None) must be callable, else a TypeError naming it (a progress=3 had failed as "'int' object is not
    callable" after the first block had run). The annotations are read at the first call. Before, a wrong object
    failed deep inside ("'float' object has no attribute 'node_nm'"). Numbers are checked by each function,
    against its own bounds (:func:`check_int`, :func:`check_real`)."""
    checks: list[tuple[int, str, tuple[type, ...] | CallableParameter]] | None = None

    @functools.wraps(func)
    def checked(*args, **kwargs):
        nonlocal checks
        if checks is None:
            checks = _typed_parameters(func)
        for index, name, accepted in checks:
            if index < len(args) or name in kwargs:  # left out: the default
                value = args[index] if index < len(args) else kwargs[name]
                if isinstance(accepted, CallableParameter):
                    if not (callable(value) or (accepted.optional and value is None)):
                        raise TypeError(f"{name} must be a callable (called with {accepted.called_with})"
                                        f"{' or None' * accepted.optional}; got {type(value).__name__} {shown(value)}")
                elif not isinstance(value, accepted):
                    check_instance(name, value, accepted[0])
        return func(*args, **kwargs)

    return checked


class CallableParameter(typing.NamedTuple):
    """what a parameter annotated as a Callable accepts: whether None too, and what the callable is called with (its
    annotation's argument types, "int, int, int")"""

    optional: bool
    called_with: str


def _typed_parameters(func) -> list[tuple[int, str, tuple[type, ...] | CallableParameter]]:
    """(position, name, accepted) of each parameter of ``func`` annotated with a cimsim dataclass (alone or in a
    union; accepted: the types) or a Callable (:class:`CallableParameter`); one that is optional, or whose default
    is None, also accepts None"""
    hints = typing.get_type_hints(func)
    checks: list[tuple[int, str, tuple[type, ...] | CallableParameter]] = []
    for index, (name, parameter) in enumerate(inspect.signature(func).parameters.items()):
        hint = hints.get(name)
        options = typing.get_args(hint) if typing.get_origin(hint) in (typing.Union, types.UnionType) else (hint,)
        classes = tuple(t for t in options if dataclasses.is_dataclass(t) and t.__module__.startswith("cimsim."))
        optional = type(None) in options or parameter.default is None
        if classes:
            checks.append((index, name, classes + (type(None),) * optional))
        elif called := [t for t in options if typing.get_origin(t) is collections.abc.Callable]:
            arguments = typing.get_args(called[0])[0]
            described = "anything" if arguments is Ellipsis else ", ".join(
                getattr(a, "__name__", str(a)) for a in arguments) or "nothing"
            checks.append((index, name, CallableParameter(optional, described)))
    return checks
