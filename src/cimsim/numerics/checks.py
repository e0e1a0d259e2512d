"""What the crossbar's public calls accept: a valid config, real, finite matrices of the right shape, non-negative
unsigned inputs."""

from __future__ import annotations

import dataclasses
import math
import numbers

import numpy as np

from ..argcheck import check_instance, check_int, cut_short
from ..config.checks import check_consistency, device_errors
from ..config.conditional import CONDITIONAL_FIELDS, unused_stated_fields
from ..config.load import field_errors, python_scalar, with_overrides
from ..config.presets_merge import (changed_since_loaded, is_template, preset_changed_in_code, preset_origins,
                                     stated_tables, warn_defaults_over_preset, without_stale_derived)
from ..config.modes import WorkloadKind
from ..config.schema import SECTIONS, Config
from ..errors import ConfigError
from ..npfiles import refuse_booleans

__all__ = ["as_array", "real_numbers", "vector_rows", "finite_matrix", "checked_inputs", "check_unsigned",
           "finite_outputs", "checked_config", "validated_config", "run_arguments"]

_CHECKED: dict[int, tuple[Config, Config]] = {}
"""the configs :func:`checked_config` passed last, by id, each with its stored form (the given one held, so an id
is not reused while it is here)"""


def checked_config(config) -> Config:
    """``config`` with each field as the loader stores it (:func:`_as_stored`) when each passes the loader's rule for
    it (type and range), else the loader's :class:`ConfigError` naming each field: a Config built with
    dataclasses.replace or directly is not validated (adc.bits = 0 had given all-zero outputs, "8" been accepted).
    A device's rules between its own fields too (:func:`~cimsim.config.checks.device_errors`: g_min below g_max, ...;
    they had been said only once it programmed, as "<device>"), unless a table's preset was changed in code (its
    fields are then the old preset's, judged once :func:`validated_config` applies it); the other rules between
    fields are the loader's
    alone: the numerics run combinations it refuses (a digital array with summed planes). Each config is checked
    once (up to 64 held, by identity)."""
    if not isinstance(config, Config):  # as plan_layer says it
        raise TypeError(f"a cimsim Config is needed (cimsim.config.load_config(path)); got {type(config).__name__}")
    held = _CHECKED.get(id(config))
    if held is not None and held[0] is config:
        return held[1]
    for name, cls in SECTIONS.items():
        check_instance(f"config.{name}", getattr(config, name), cls)
    device = [] if preset_changed_in_code(config) else device_errors(config.device)  # judged once the preset applies
    if device and (stated := stated_tables(config)) is not None:  # a loaded config's preset values said so
        device = preset_origins(device, stated, config)
    if errors := field_errors(config) or device:  # its file (if any) passed: the values were changed in memory
        raise ConfigError(f"{config.source} (a Config given in memory)", errors)
    if len(_CHECKED) >= 64:
        _CHECKED.clear()
    _CHECKED[id(config)] = (config, _as_stored(config))
    return _CHECKED[id(config)][1]


_VALIDATED: dict[int, tuple[Config, Config]] = {}
"""the configs :func:`validated_config` passed last, by id, each with its stored form (both held)"""


def validated_config(config) -> Config:
    """``config`` as the loader stores it when it passes all the loader's checks, as a public entry point takes it:
    each field's rule first (:func:`checked_config`), then the rules between fields
    (:func:`cimsim.config.check_consistency`) and a stated field it would ignore (:func:`_stated_fields`), else the
    loader's :class:`ConfigError` naming each field. A Config built in code had been priced with a negative board
    power or a 1e-9 KiB memory bank; a loaded one passes again. A template (``load_config(path, template=True)``, a
    file refused alone) is validated whole, as its file written out (it had run unvalidated). Each
    config is checked once (up to 64 held, by identity, its stored form too)."""
    held = _VALIDATED.get(id(config))
    if held is not None and held[0] is config:
        return held[1]
    whole = with_overrides(config, {}) if isinstance(config, Config) and is_template(config) else config
    stored = checked_config(whole)  # a TypeError for what is no Config; numpy scalars become Python numbers
    if preset_changed_in_code(stored):  # a table's preset changed in code: its values applied (as_loaded)
        stored = checked_config(with_overrides(stored, {}))
    else:  # (as_loaded warns on the way above, and drops a preset's stale derived values)
        warn_defaults_over_preset(stored)
        stored = without_stale_derived(stored)
    # its file (if any) passed: the values were changed in memory
    stated = stated_tables(stored)  # a loaded config's: its refused preset values said to be the preset's
    errors = check_consistency(stored) if stated is None else preset_origins(check_consistency(stored), stated, stored)
    if errors := errors + unused_stated_fields(stored, _stated_fields(stored)):
        raise ConfigError(f"{config.source} (a Config given in memory)", errors)
    if len(_VALIDATED) >= 64:
        _VALIDATED.clear()
    _VALIDATED[id(config)], _VALIDATED[id(stored)] = (config, stored), (stored, stored)
    return stored


_RUNNERS = {WorkloadKind.DENSE: "cimsim.run.simulate", WorkloadKind.NETWORK: "cimsim.inference.simulate_network"}


def run_arguments(config, trial, kind: WorkloadKind) -> tuple[Config, int]:
    """(:func:`validated_config` of ``config``, ``trial`` as an int) for a run of a ``kind`` workload: a trial is
    the first int of the random streams' key, in [0, 2**32) (a bad one had been reported as a bad ``key``); a
    config of the other kind is refused naming the function that runs it (a dense one had run as a network, its
    result labelled dense)."""
    config = validated_config(config)
    trial = check_int("trial", trial, 0, 2 ** 32 - 1)
    if config.workload.kind != kind:
        hint = "; a network given in memory runs with 'workload.kind' = 'network' (no network_file needed)"
        raise ValueError(f"{config.source}: a {config.workload.kind.value!r} workload is simulated by cimsim.simulate "
                         f"(or {_RUNNERS[config.workload.kind]}), not by {_RUNNERS[kind]}"
                         f"{hint if kind == WorkloadKind.NETWORK else ''}")
    return config, trial


def _stated_fields(config: Config) -> set[str]:
    """The dotted fields stated since the loader last checked ``config``: of a loaded one, those changed in code
    since (the loader checked its file's and overrides' own, and lets a file's field outlive an override that makes
    it idle, as sweeps cross settings); of a Config built in code, each (those at their defaults state nothing:
    :func:`cimsim.config.conditional.unused_stated_fields`; adc.bits on a digital array had been ignored)."""
    changed = changed_since_loaded(config)
    return set(CONDITIONAL_FIELDS) if changed is None else changed


def _as_stored(config: Config) -> Config:
    """``config`` with each field converted by its rule, as the loader stores it (a numpy integer or float as the
    Python number, an int for a float field as a float, a mode's name as its member); ``config`` itself when every
    field already is. A numpy scalar kept had overflowed its own type in products between fields (uint8 input_bits x
    rows) and was not JSON-serialisable."""
    tables = {}
    for section in SECTIONS:
        table = getattr(config, section)
        stored = {f.name: f.metadata["rule"].convert(python_scalar(getattr(table, f.name)))
                  for f in dataclasses.fields(table)}
        changed = {name: value for name, value in stored.items() if type(value) is not type(getattr(table, name))}
        if changed:
            tables[section] = dataclasses.replace(table, **changed)
    return dataclasses.replace(config, **tables) if tables else config


def as_array(name: str, a) -> np.ndarray:
    """``a`` as a numpy array (a torch tensor: :func:`_torch_numpy`), or a ValueError naming it: a masked array (its
    mask would be dropped), a scipy sparse matrix (numpy reads it as one object: "got shape ()"), or what numpy
    cannot read as one array (ragged nested lists)"""
    if isinstance(a, np.ma.MaskedArray):
        raise ValueError(f"{name} is a masked array; fill or drop the masked values first (np.ma.filled)")
    if not isinstance(a, np.ndarray) and callable(getattr(a, "toarray", None)):
        raise ValueError(f"{name} is a sparse matrix ({type(a).__name__}), which numpy cannot read as an array; "
                         "pass a dense one: a.toarray()")
    if all(hasattr(a, method) for method in ("detach", "cpu", "numpy", "is_floating_point")):  # a torch tensor
        return _torch_numpy(name, a)
    try:
        return np.asarray(a)
    except (ValueError, TypeError) as err:  # ragged nested lists, objects numpy cannot read as an array
        raise ValueError(f"{name} must be a rectangular array of real numbers; numpy could not read it "
                         f"({err})") from None


def _torch_numpy(name: str, t) -> np.ndarray:
    """torch tensor ``t`` detached and copied to the CPU, its lazy conjugation or negation applied, float16 /
    bfloat16 as float32 (numpy has no bfloat16), as a numpy array; or a ValueError naming ``name`` for a tensor numpy
    cannot hold (meta, sparse, quantised; torch's own TypeError, RuntimeError or NotImplementedError had escaped)"""
    if getattr(t, "is_meta", False):
        raise ValueError(f"{name} is a torch tensor on the 'meta' device, which holds no values; pass one with data")
    if str(getattr(t, "layout", "torch.strided")) != "torch.strided":
        raise ValueError(f"{name} is a torch tensor of layout {t.layout}, not a dense one; pass a dense tensor "
                         "(a.to_dense() for a sparse one)")
    if getattr(t, "is_quantized", False):
        raise ValueError(f"{name} is a quantised torch tensor ({t.dtype}); pass its values: a.dequantize()")
    try:
        t = t.detach().cpu().resolve_conj().resolve_neg()
        return (t.float() if t.is_floating_point() and t.element_size() < 4 else t).numpy()
    except (TypeError, RuntimeError, NotImplementedError) as err:
        raise ValueError(f"{name} is a torch tensor numpy cannot read ({type(err).__name__}: {str(err)[:200]}); "
                         "pass a dense tensor of real numbers (a.float())") from None


def real_numbers(name: str, arr: np.ndarray) -> np.ndarray:
    """``arr`` (from :func:`as_array`) when it holds integers or floats, Python integers beyond int64 (numpy holds
    them as objects) as float64; or a ValueError naming ``name``: booleans (the message a .npy file of them gets:
    read as 0 and 1 they had changed results without a word), complex, strings or other objects, or values beyond
    float64's range (a longdouble's 1e400, which had been called infinite)"""
    refuse_booleans(name, arr, given=True)
    if arr.dtype.hasobject and arr.size and all(isinstance(v, numbers.Real) and not isinstance(v, (bool, np.bool_))
                                                for v in arr.flat):
        try:
            with np.errstate(over="ignore"):  # a longdouble past float64's range is refused just below
                out = arr.astype(np.float64)
        except OverflowError:  # an integer (or fraction) past 1.8e308
            raise _beyond_float64(name, math.log10(max(abs(int(v)) for v in arr.flat
                                                       if isinstance(v, numbers.Rational)))) from None
        big = [abs(v) for v, o in zip(arr.flat, out.flat) if np.isinf(o) and np.isfinite(v)]  # a longdouble's 1e400
        if big:
            raise _beyond_float64(name, float(np.log10(max(big))))
        return out
    if arr.dtype.kind not in "iuf":
        raise ValueError(f"{name} must hold real numbers; got dtype {arr.dtype}{_first_odd(arr)}")
    if arr.dtype.itemsize > 8 and arr.size:  # longdouble
        finite = np.abs(arr[np.isfinite(arr)])
        if finite.size and finite.max() > np.finfo(np.float64).max:
            raise _beyond_float64(name, float(np.log10(finite.max())))
    return arr


def _first_odd(arr: np.ndarray) -> str:
    """where an object array first holds no real number, and what (a missing value: None, pandas' NA or NaT, a
    Decimal, a string ...), as a message's tail; '' for other arrays"""
    odd = next(((i, v) for i, v in np.ndenumerate(arr) if not isinstance(v, numbers.Real)
                or isinstance(v, (bool, np.bool_))), None) if arr.dtype.hasobject else None
    if odd is None:
        return ""
    index, value = odd
    missing = " (a missing value)" if value is None or type(value).__name__ in ("NAType", "NaTType") else ""
    return f", at {list(index)} {cut_short(repr(value))} of type {type(value).__name__}{missing}"


def _beyond_float64(name: str, exponent: float) -> ValueError:
    """The ValueError naming ``name`` for finite values float64 cannot hold, the largest of about 10**``exponent``"""
    return ValueError(f"{name} holds values beyond float64's range (finite, but the largest is about "
                      f"1e{int(exponent)}, past 1.8e308), which the simulation cannot hold; scale them down")


def vector_rows(name: str, a, length: int) -> tuple[np.ndarray, bool]:
    """(``a`` as an array of one vector per row, whether ``a`` was one vector: a 1-d array, taken as a batch of one);
    a ValueError for one vector whose length is not ``length`` (a batch's shape is checked by its reader)"""
    arr = as_array(name, a)
    if arr.ndim == 1 and arr.shape[0] != length:
        raise ValueError(f"{name} must be a vector of {length} inputs (or a batch, any x {length}); got a vector of "
                         f"{arr.shape[0]}")
    return (arr[None], True) if arr.ndim == 1 else (arr, False)


def finite_matrix(name: str, a, shape: tuple[int | None, int]) -> np.ndarray:
    """``a`` as a float64 C-contiguous matrix of the given shape (None: any), or a clear ValueError."""
    arr = real_numbers(name, as_array(name, a))
    if arr.ndim != 2 or any(want is not None and got != want for got, want in zip(arr.shape, shape)):
        want = " x ".join("any" if s is None else str(s) for s in shape)
        raise ValueError(f"{name} must have shape ({want}); got {arr.shape}")
    arr = np.ascontiguousarray(arr, dtype=np.float64)
    if not np.isfinite(arr).all():
        raise ValueError(f"{name} holds NaN or infinite values")
    return arr


def checked_inputs(a, n_in: int) -> np.ndarray:
    """inputs as a float64 C-contiguous (batch x n_in) matrix; finiteness is checked by the kernel that reads them"""
    arr = real_numbers("inputs", as_array("inputs", a))
    if arr.ndim != 2 or arr.shape[1] != n_in:
        raise ValueError(f"inputs must have shape (any x {n_in}); got {arr.shape}")
    return np.ascontiguousarray(arr, dtype=np.float64)


def check_unsigned(x: np.ndarray) -> None:
    """ValueError unless every input is >= 0 (dac.signed_inputs = unsigned)."""
    if (x < 0).any():
        raise ValueError(f"inputs must be >= 0 with dac.signed_inputs = 'unsigned' (e.g. ReLU outputs); the smallest "
                         f"is {x.min():.6g}")


def finite_outputs(y: np.ndarray) -> np.ndarray:
    """``y``, or a ValueError when products of finite operands overflowed float64 (operands near 1e308)."""
    if not np.isfinite(y).all():
        raise ValueError("the products overflow float64 on their way back to the operands' scale (each sum of codes "
                         "is multiplied by its vector's input scale, then by its column's weight scale): the weights "
                         "or inputs are too large; scale them down (only ratios matter to the quantised crossbars)")
    return y
