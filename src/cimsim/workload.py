"""The workload's data: the weight matrix and the stream of input vectors, from generators or .npy files.

Generated data are reproducible from the config's seed and independent of the simulation's chunk size:
weights come from ``default_rng([seed, 0])`` and input block k (of ``INPUT_BLOCK`` vectors) from
``default_rng([seed, 1, k])``; the values set to 0 (``workload.weight_zero_fraction``, ``input_zero_fraction``)
are drawn from ``default_rng([seed, 4])`` and ``default_rng([seed, 5, k])``, so the other values stay: streams of
their own (tags 0, 1, 4, 5 here; 2, 3 and 6 the crossbars' device and read-noise streams, :mod:`.numerics.crossbar`:
a zero mask on 2 or 3 had drawn the very numbers of trial 0's programming or read noise). Files are
memory-mapped and read block by block, so a long input file never has to fit in memory.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterator, Mapping

import numpy as np

from .argcheck import checked_types
from .config.modes import InputSource, SignedInputs, WeightSource
from .config.schema import Config
from .errors import ConfigError
from .npfiles import read_npy, refuse_booleans
from .numerics.checks import real_numbers

__all__ = ["INPUT_BLOCK", "PEAK_FLOOR_PROBABILITY", "load_weights", "file_peaks", "generated_peaks", "row_peaks",
           "sampled_weights", "input_blocks", "spread_inputs", "spread_picks"]

INPUT_BLOCK = 4096
"""input vectors generated or read at a time"""


def _generate(kind: str, rng: np.random.Generator, shape: tuple[int, int], unsigned: bool) -> np.ndarray:
    """N(0, 1) or U(-1, 1) inputs; their magnitudes (|N(0, 1)|, U(0, 1)) for unsigned inputs"""
    if kind == InputSource.NORMAL:
        x = rng.standard_normal(shape)
        return np.abs(x) if unsigned else x
    return rng.uniform(0.0 if unsigned else -1.0, 1.0, shape)


def _zeroed(values: np.ndarray, fraction: float, rng: np.random.Generator) -> np.ndarray:
    """``values`` with each one set to 0 with probability ``fraction`` (in place)"""
    if fraction > 0:
        values[rng.random(values.shape) < fraction] = 0.0
    return values


def _error(config: Config, field: str, message: str) -> ConfigError:
    return ConfigError(config.source, [(field, f"'{field}': {message}")])


def _open_npy(config: Config, field: str, path: str, shape: tuple[int | None, int]) -> np.ndarray:
    """A memory-mapped .npy of the expected shape and a real dtype (not bool), or a ConfigError naming the field."""
    try:
        arr = read_npy(path)
        refuse_booleans(repr(path), arr)
        real_numbers(repr(path), arr)  # a longdouble beyond float64's range named (it had read "NaN or infinite")
    except ValueError as exc:
        raise _error(config, field, str(exc)) from None
    want = " x ".join("vectors" if s is None else str(s) for s in shape)
    got = " x ".join(str(s) for s in arr.shape)
    if arr.ndim != 2:
        raise _error(config, field, f"{path!r} must be a 2-D array of shape ({want}); got a {arr.ndim}-D array"
                                    + (f" of shape ({got})" if arr.ndim else " (one value)"))
    if any(s is not None and s != n for s, n in zip(shape, arr.shape)):
        raise _error(config, field, f"{path!r} must have shape ({want}); got ({got})")
    if arr.size == 0:  # the required shape fixes every size but the inputs' number of vectors
        raise _error(config, field, f"{path!r} must hold at least one vector; got shape ({got})")
    if arr.dtype.kind not in "iuf":
        raise _error(config, field, f"{path!r} must hold real numbers; got dtype {arr.dtype}")
    return arr


@checked_types
def load_weights(config: Config, rows: int | None = None) -> np.ndarray:
    """The weight matrix W (out_features x in_features, float64), or its first ``rows`` rows (the same values)."""
    wl = config.workload
    shape = (wl.out_features if rows is None else min(rows, wl.out_features), wl.in_features)
    if wl.weights == WeightSource.FILE:
        w = np.array(_weights_file(config)[:shape[0]], dtype=np.float64)
    elif wl.weights == WeightSource.NORMAL:
        w = np.clip(np.random.default_rng([config.simulation.seed, 0]).standard_normal(shape), -3.0, 3.0) / 3.0
    else:
        w = np.random.default_rng([config.simulation.seed, 0]).uniform(-1.0, 1.0, shape)
    if wl.weights != WeightSource.FILE:
        w = _zeroed(w, wl.weight_zero_fraction, np.random.default_rng([config.simulation.seed, 4]))
    if not np.isfinite(w).all():
        raise _error(config, "workload.weights_file", "the weight matrix holds NaN or infinite values")
    return w


@checked_types
def file_peaks(config: Config, weights: bool = True, inputs: bool = True) -> tuple[np.ndarray | None, ...]:
    """(max |w| of every row of the workload's weights file, max |x| of every vector of its inputs file), each None
    where that side is generated or not asked for (``weights``, ``inputs``): the files read a block at a time, every
    row checked as a run checks it (:func:`load_weights`, :func:`input_blocks`; all of a file before any sample of
    it, as ``cimsim validate`` does: a run, which reads a block at a time, names the first fault in file order)"""
    wl = config.workload
    return (_weight_peaks(config) if weights and wl.weights == WeightSource.FILE else None,
            np.concatenate([row_peaks(block) for block in input_blocks(config)])
            if inputs and wl.inputs == InputSource.FILE else None)


PEAK_FLOOR_PROBABILITY = 1e-20
"""chance, at most, that a generated vector's (weight row's) peak falls below the floor :func:`generated_peaks` gives"""
HALF_NORMAL_DENSITY = math.sqrt(2 / math.pi)
"""density of |N(0, 1)| at 0, 2 phi(0) = 0.7979: P(|x| < t) ~ 0.7979 t for small t (clip(N, -3, 3) / 3: 3 x that)"""


def generated_peaks(config: Config, weights: bool = False) -> np.ndarray:
    """[smallest, largest] peak |value| a nonzero generated input vector (``weights``: weight row) of the workload
    may have, for the magnitude checks of validate and an estimate, which draw none or a sample of them (a run checks
    its own draws); empty where every value is 0. Largest: 1 (U(-1, 1); clip(N(0, 1), -3, 3) / 3) or, for N(0, 1)
    inputs, 10 (exceeded with probability 1.5e-23 a value). Smallest: the peak that the side's vectors (rows) fall
    below with probability at most :data:`PEAK_FLOOR_PROBABILITY` (:func:`_peak_floor`). A config they pass runs;
    one within those bounds' margin of float64's may be refused that a run's own draws take."""
    wl = config.workload
    normal = (wl.weights if weights else wl.inputs) == (WeightSource.NORMAL if weights else InputSource.NORMAL)
    zeros = wl.weight_zero_fraction if weights else wl.input_zero_fraction
    if zeros >= 1.0:
        return np.zeros(0)
    density = (3 * HALF_NORMAL_DENSITY if weights else HALF_NORMAL_DENSITY) if normal else 1.0  # of |value| near 0
    floor = _peak_floor(wl.in_features, zeros, wl.out_features if weights else wl.vectors, density)
    return np.array([floor, 10.0 if normal and not weights else 1.0])


def _peak_floor(n: int, zeros: float, count: int, density: float) -> float:
    """the t below which ``count`` vectors of ``n`` values each (0 with probability ``zeros``, else of |value|
    density ``density`` near 0) have a nonzero vector's peak with probability at most :data:`PEAK_FLOOR_PROBABILITY`,
    by bisection over
    log t: P(peak < t, not all 0) = (z + (1 - z) min(1, d t))**n - z**n"""
    def below(t: float) -> float:
        small = (1 - zeros) * min(1.0, density * t)  # P(a value is nonzero and below t)
        if zeros <= 0.0:
            return count * math.exp(n * math.log(small)) if small > 0 else 0.0
        grow = n * math.log1p(small / zeros)  # log of (z + small)**n / z**n, exact for small << z
        return count * math.exp(n * math.log(zeros) + grow) * -math.expm1(-grow)

    lo, hi = 1e-300, 1.0
    for _ in range(64):
        mid = math.sqrt(lo * hi)
        lo, hi = (lo, mid) if below(mid) > PEAK_FLOOR_PROBABILITY else (mid, hi)
    return lo


def row_peaks(rows: np.ndarray) -> np.ndarray:
    """max |value| of each row of ``rows`` (2-D), 0 for an empty row (no |rows| copy: 512 MiB a block of a 16384-wide
    file)"""
    return np.maximum(rows.max(axis=1, initial=0.0), -rows.min(axis=1, initial=0.0))


def _weight_peaks(config: Config) -> np.ndarray:
    """max |w| of every row of the workload's weights file, read a block at a time, every row checked as
    :func:`load_weights` checks it"""
    wl, arr = config.workload, _weights_file(config)
    step, peaks = max(1, (1 << 20) // wl.in_features), np.empty(wl.out_features)
    for start in range(0, wl.out_features, step):
        block = np.asarray(arr[start:start + step], dtype=np.float64)
        if not np.isfinite(block).all():
            raise _error(config, "workload.weights_file", "the weight matrix holds NaN or infinite values")
        peaks[start:start + step] = row_peaks(block)
    return peaks


@checked_types
def sampled_weights(config: Config, rows: int, peaks: np.ndarray | None = None,
                    weights: np.ndarray | None = None) -> np.ndarray:
    """About ``rows`` of the workload's weight rows (float64) to measure its levels on: a weights file's, or
    ``weights`` given in memory (sampled as a file is: a script and the CLI price one matrix alike), evenly spaced
    over all of them and the row holding the largest |w| (the tensor's scale; ``peaks``: :func:`file_peaks`'s, or the
    given rows', read here when None) (a file's first rows had stood for it all: a layer pruned at the front came out
    58 % below its run); generated weights' first rows (independent draws)."""
    if weights is None and config.workload.weights != WeightSource.FILE:
        return load_weights(config, rows)
    matrix = _weights_file(config) if weights is None else weights
    if peaks is None:
        peaks = _weight_peaks(config) if weights is None else row_peaks(weights)
    picks = np.round(np.linspace(0, len(matrix) - 1, min(rows, len(matrix)))).astype(np.int64)
    return np.array(matrix[np.union1d(picks, [int(peaks.argmax())])], dtype=np.float64)


@checked_types
def input_blocks(config: Config, blocks: Collection[int] | None = None,
                 rows: Mapping[int, int] | None = None) -> Iterator[np.ndarray]:
    """The workload's input vectors, ``INPUT_BLOCK`` at a time (float64, block x in_features); ``blocks``: only the
    blocks of these indices, in order (each the same values as in the whole stream; an index past the last block
    gives nothing); ``rows``: block index -> how many of its first vectors to give (the same values: the generators
    fill a block row by row), so a sample of a few vectors never holds whole blocks of a wide layer."""
    wl = config.workload
    unsigned = config.dac.signed_inputs == SignedInputs.UNSIGNED
    arr = _inputs_file(config) if wl.inputs == InputSource.FILE else None
    count = -(-wl.vectors // INPUT_BLOCK)  # only the blocks asked for are visited: 2**40 vectors are 2**28 blocks
    for k in range(count) if blocks is None else sorted(k for k in set(blocks) if 0 <= k < count):
        start = k * INPUT_BLOCK
        n = min(INPUT_BLOCK, wl.vectors - start, INPUT_BLOCK if rows is None else rows.get(k, INPUT_BLOCK))
        if wl.inputs == InputSource.FILE:
            block = _file_rows(config, arr, np.arange(start, start + n))
        else:
            block = _zeroed(_generate(wl.inputs, np.random.default_rng([config.simulation.seed, 1, k]),
                                      (n, wl.in_features), unsigned),
                            wl.input_zero_fraction, np.random.default_rng([config.simulation.seed, 5, k]))
        yield block


def _weights_file(config: Config) -> np.ndarray:
    """the weights file's array (memory-mapped), refused where it is not out_features x in_features real numbers"""
    wl = config.workload
    return _open_npy(config, "workload.weights_file", wl.weights_file, (wl.out_features, wl.in_features))


def _inputs_file(config: Config) -> np.ndarray:
    """the inputs file's array (memory-mapped), refused where it holds fewer vectors than the workload reads"""
    wl = config.workload
    arr = _open_npy(config, "workload.inputs_file", wl.inputs_file, (None, wl.in_features))
    if arr.shape[0] < wl.vectors:
        raise _error(config, "workload.vectors", f"{wl.vectors} vectors requested but {wl.inputs_file!r} holds "
                                                 f"{arr.shape[0]}")
    return arr


def _file_rows(config: Config, arr: np.ndarray, vectors: np.ndarray) -> np.ndarray:
    """Rows ``vectors`` (ascending) of the inputs file's array ``arr`` as float64, refused (naming the first bad
    vector) where one holds NaN or inf, or a negative value for unsigned inputs"""
    rows = np.array(arr[vectors] if not len(vectors) or vectors[-1] - vectors[0] + 1 != len(vectors) else
                    arr[vectors[0]:vectors[-1] + 1], dtype=np.float64)  # (a run of them: one slice)
    if not (finite := np.isfinite(rows).all(axis=1)).all():
        raise _error(config, "workload.inputs_file", _first_of(~finite, vectors, "NaN or infinite values"))
    if config.dac.signed_inputs == SignedInputs.UNSIGNED and (negative := (rows < 0).any(axis=1)).any():
        raise _error(config, "workload.inputs_file", f"{_first_of(negative, vectors, 'negative values')}, but "
                                                     "'dac.signed_inputs' is \"unsigned\" (inputs >= 0)")
    return rows


def _first_of(bad: np.ndarray, vectors: np.ndarray, what: str) -> str:
    """The words 'vector K holds ``what``' for the first of the vectors numbered ``vectors`` flagged in ``bad``, with
    how many more of them do."""
    more = int(bad.sum()) - 1
    others = f" (and {more} more of vectors {vectors[0]}..{vectors[-1]})" if more else ""
    return f"vector {vectors[int(np.argmax(bad))]} holds {what}{others}"


SPREAD_RUNS = 16
"""runs of consecutive vectors a sample of data in a given order (an inputs file, inputs given in memory) is taken
in (:func:`spread_picks`): spread over the data, so a file whose first vectors differ from the rest is sampled like
the whole, and read as few stretches"""


def spread_picks(vectors: int, count: int) -> np.ndarray:
    """indices (sorted, int64) of about ``count`` of ``vectors`` vectors (all, where there are fewer): ``SPREAD_RUNS``
    runs of ceil(count / runs) consecutive vectors (runs = min(SPREAD_RUNS, count)), their first vectors evenly spaced
    from vector 0 to the last run ending on the last vector (round(linspace)); runs that meet merge"""
    if count >= vectors or count <= 0:
        return np.arange(vectors if count > 0 else 0, dtype=np.int64)
    runs = min(SPREAD_RUNS, count)
    length = -(-count // runs)
    starts = np.round(np.linspace(0, vectors - length, runs)).astype(np.int64)
    return np.unique(starts[:, None] + np.arange(length))


@checked_types
def spread_inputs(config: Config, count: int) -> np.ndarray:
    """about ``count`` of a dense workload's input vectors (all, where it has fewer), as ``input_blocks`` gives them:
    an inputs file's in runs spread over them (:func:`spread_picks`; only those checked here: :func:`file_peaks`
    checks them all), generated inputs' first ones (independent draws: any vectors are a sample like the others,
    and the first cost only themselves)"""
    wl = config.workload
    if wl.inputs == InputSource.FILE:
        return _file_rows(config, _inputs_file(config), spread_picks(wl.vectors, count))
    first = min(count, wl.vectors)
    blocks = range(-(-first // INPUT_BLOCK))
    return np.concatenate(list(input_blocks(config, blocks, {k: first - k * INPUT_BLOCK for k in blocks})))
