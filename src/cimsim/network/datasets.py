"""Inputs and labels for a network workload: the shipped digits test split, or a user's .npz.

``dataset = "digits"``: the held-out 30 % of scikit-learn's 8x8 digits (540 samples, split by
``examples/train_digits.py`` with a fixed seed), shipped as ``cimsim/data/digits_test.npz`` (arrays
``pixels`` (540, 64) uint8 in 0..16 and ``labels`` (540,)), so scikit-learn is not needed at run time.
Inputs are scaled as in training: x = pixels / 16, in [0, 1].

``dataset = "file"``: an .npz with ``x`` (samples, ...) real and ``y`` (samples, ...) integer labels, used as given;
booleans and any other member are refused, named (the others never decompressed).

Either way x is reshaped to (samples, *input_shape) of the network: samples flat (the digits' (64,) into (1, 8,
8)) or of the network's input shape, axes of one aside; another shape of as many values (an NHWC image for an NCHW
network) is refused, naming the file, not scrambled.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

import numpy as np

from ..config.modes import Dataset
from ..config.schema import Config
from ..errors import ConfigError
from ..npfiles import npz_names, read_npz, refuse_booleans
from ..numerics.checks import real_numbers
from .arguments import positive_shape

__all__ = ["DIGITS_SCALE", "digits_test_path", "load_dataset", "shaped_samples"]

DIGITS_SCALE = 16.0
"""largest digits pixel value; inputs are pixels / DIGITS_SCALE"""


def digits_test_path() -> Path:
    """Path of the shipped digits test split."""
    return Path(str(files("cimsim") / "data" / "digits_test.npz"))


def load_dataset(config: Config, input_shape: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray | None]:
    """The first ``config.workload.vectors`` samples (all of them if there are fewer) of the workload's dataset.

    Returns x (n, *input_shape) float64 and y (n,) int64, or None for a dataset file without labels (accuracy
    is then top-1 agreement with the float network). A dataset file that cannot be used raises a ConfigError
    naming ``workload.dataset_file``.
    """
    if not isinstance(config, Config):
        raise TypeError(f"load_dataset needs a cimsim Config (cimsim.config.load_config(path)); got "
                        f"{type(config).__name__}")
    input_shape = positive_shape("input_shape", input_shape, " (the network's, e.g. (64,) or (1, 8, 8))")
    wl = config.workload
    if wl.dataset == Dataset.DIGITS:
        with np.load(digits_test_path(), allow_pickle=False) as data:
            x, y = data["pixels"] / DIGITS_SCALE, data["labels"]
        field = "workload.dataset"
    else:
        field = "workload.dataset_file"
        x, y = _read_file(config, field, wl.dataset_file)
    n = min(wl.vectors, x.shape[0])
    try:
        x = shaped_samples(x[:n], input_shape, "" if wl.dataset == Dataset.DIGITS else f" in {wl.dataset_file!r}")
    except ValueError as exc:
        fix = "" if wl.dataset != Dataset.DIGITS else (
            ": \"digits\" (the default) is the shipped 8x8 digits; give the network's own samples: in a script "
            "as inputs= (cimsim.estimate, cimsim.simulate, cimsim.compare; the last two also take labels=), or "
            "workload.dataset = \"file\" with workload.dataset_file (an .npz of x, and y for labels: the way on "
            "the command line)")
        raise _error(config, field, f"{exc}{fix}") from None
    if y is not None and n and (y[:n].min() < 0 or y[:n].max() > np.iinfo(np.int64).max):  # as given: no cast wraps
        raise _error(config, field, f"labels must be class numbers (0 or more, below 2**63); got {y[:n].min()} to "
                                    f"{y[:n].max()}")
    return np.asarray(x, dtype=np.float64), None if y is None else np.asarray(y[:n], dtype=np.int64)


def shaped_samples(x: np.ndarray, input_shape: tuple[int, ...], where: str = "") -> np.ndarray:
    """Samples ``x`` (samples, ...) as (samples, *input_shape): flat or of the network's input shape, axes of one
    aside (module doc); a ValueError for another shape, naming the samples' file as ``where`` (" in 'x.npz'")."""
    sample, input_shape = x.shape[1:], tuple(input_shape)
    if int(np.prod(sample)) != int(np.prod(input_shape)):
        raise ValueError(f"samples of shape {sample}{where} do not fit the network's input shape {input_shape}")
    if not _fits(sample, input_shape):
        raise ValueError(f"samples of shape {sample}{where} hold as many values as the network's input shape "
                         f"{input_shape} but not in its layout: store them as (samples, "
                         f"{', '.join(map(str, input_shape))}), or flat in that order{_permuted(sample, input_shape)}")
    return x.reshape((len(x), *input_shape))


def _fits(sample: tuple[int, ...], input_shape: tuple[int, ...]) -> bool:
    """whether samples of shape ``sample`` are the network's inputs in order: flat, or its shape once axes of one
    are dropped (a reshape then moves no value)"""
    return len(sample) == 1 or [n for n in sample if n != 1] == [n for n in input_shape if n != 1]


def _permuted(sample: tuple[int, ...], input_shape: tuple[int, ...]) -> str:
    """a hint when the sample's axes are the network's in another order (channels last for channels first)"""
    if sorted(sample) != sorted(input_shape):
        return ""
    if sample == (*input_shape[1:], input_shape[0]):
        order = ", ".join(map(str, (0, len(sample), *range(1, len(sample)))))
        return f"; they look channels last (NHWC) for a channels-first (NCHW) network: store x.transpose({order})"
    return "; their axes are the network's in another order: transpose x to the network's layout"


def _error(config: Config, field: str, message: str) -> ConfigError:
    return ConfigError(config.source, [(field, f"'{field}': {message}")])


def _read_file(config: Config, field: str, path: str | None) -> tuple[np.ndarray, np.ndarray | None]:
    """x and y of the dataset file: other members are refused, named, never decompressed (a misnamed labels array
    had been dropped without a word, a gigabyte of zeros decompressed)"""
    if path is None:
        raise _error(config, field, "is required when 'workload.dataset' is \"file\"")
    try:
        held = npz_names(path)
        if "x" not in held:
            raise ValueError(f"{path!r} must hold an array 'x' (and 'y', labels, when there are any); it holds "
                             f"{sorted(held) or 'no array'}")
        if others := sorted(set(held) - {"x", "y"}):
            raise ValueError(f"{path!r} holds {others} besides 'x' and 'y', which a dataset does not use: save "
                             "only x (inputs) and y (labels), np.savez(path, x=x, y=y)")
        arrays = read_npz(path, ("x", "y"))
        for name, value in arrays.items():
            refuse_booleans(f"{name!r} in {path!r}", value)
    except ValueError as exc:
        raise _error(config, field, str(exc)) from None
    x, y = arrays["x"], arrays.get("y")
    if x.dtype.kind == "f" and x.dtype.itemsize > 8:  # a longdouble beyond float64's range (it had read "NaN or inf")
        try:
            real_numbers(f"'x' in {path!r}", x)
        except ValueError as exc:
            raise _error(config, field, str(exc)) from None
    if x.dtype.kind not in "iuf" or x.ndim < 2 or x.shape[0] == 0:
        raise _error(config, field, f"'x' in {path!r} must be real numbers of shape (samples, ...); got "
                                    f"{x.dtype} {x.shape}")
    if y is not None and (y.dtype.kind not in "iu" or y.ndim < 1 or y.shape[0] != x.shape[0]):
        raise _error(config, field, f"'y' in {path!r} must be integer labels of shape ({x.shape[0]},) (or "
                                    f"({x.shape[0]}, positions...) for a label per output position); got "
                                    f"{y.dtype} {y.shape}")
    if not np.isfinite(x).all():
        raise _error(config, field, f"'x' in {path!r} holds NaN or infinite values")
    return x, y
