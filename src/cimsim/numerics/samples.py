"""What the analytic path measures of sample data (:class:`cimsim.analytic.DataStats`, :func:`measured_data`): the
share of each input plane code, the mean stored level of the weights' cells, and how inputs pair with weights row
by row, each formed as the functional path forms its DAC planes and programs its cells."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from ..analytic import UNIFORM_DATA, DataStats, code_energy
from ..argcheck import check_int, checked_types
from ..config.modes import WeightScale
from ..config.schema import Config
from ..mapping import Plan
from .layout import level_step_us
from .encoding import _quantize_weights, _weight_levels, fixed_input_max, prepare_planes, with_normal_rows

__all__ = ["SAMPLE_VALUES", "SAMPLE_VALUES_MAX", "SAMPLE_VECTORS", "sample_vectors", "plane_code_shares",
           "weight_sample_rows", "weight_level_share", "row_coupling", "measured_data"]

SAMPLE_VALUES = 4096
"""values a measured sample of inputs or weights holds, at least, where the data allow: a code's share then has a
standard error of at most 0.8 % (one 224 x 224 image is enough for a CNN's convolutions)"""
SAMPLE_VECTORS = 256
"""input vectors a matrix's measured sample holds, where the data allow and they hold at most
:data:`SAMPLE_VALUES_MAX` values: with a per-vector input range each vector's codes follow its own peak, and 256
normal values' squared codes sum to amounts 21 % apart from vector to vector (standard deviation over the mean), so
16 vectors of a 256-wide layer (its 4096 values) had priced the default design's array 12 % below its simulation
at normal inputs (the simulation 1.134x the estimate), 256 vectors 1.0 % (0.990x; measured 2026-12-05): they leave
about 1.3 % of that spread"""
SAMPLE_VALUES_MAX = 1 << 18
"""values a sample of :data:`SAMPLE_VECTORS` vectors holds at most (2 MiB): a wider matrix's sample has fewer
vectors (a 4096-wide one 64), each peak over more values and so less spread"""


def sample_vectors(in_features: int, values: int = SAMPLE_VALUES) -> int:
    """input vectors (or weight rows) a measured sample of a matrix of ``in_features`` inputs holds (where the data
    have that many): :data:`SAMPLE_VECTORS`, fewer where they would hold over :data:`SAMPLE_VALUES_MAX` values, but
    never under ``values`` values"""
    width = max(1, in_features)
    return max(-(-check_int("values", values, 1) // width), min(SAMPLE_VECTORS, SAMPLE_VALUES_MAX // width))


def _plane_codes(plan: Plan, x: np.ndarray, input_max: float | None) -> np.ndarray:
    """|plane code| of every read of inputs ``x`` (n_planes x vectors x in), as the functional path forms its DAC
    planes (the codes, not a non-linear cell's currents)"""
    linear = replace(plan, iv_nonlinearity=2.0)  # an ohmic cell: the planes keep their codes
    planes, _ = with_normal_rows(lambda v: prepare_planes(linear, v, input_max)[0], x)
    return np.abs(planes).astype(np.int64)


def _checked(name: str, a, plan: Plan) -> np.ndarray:
    """``a`` as float64 rows x the plan's in_features, else a ValueError naming it"""
    if (a := np.asarray(a, dtype=np.float64)).ndim != 2 or a.shape[1] != plan.in_features:
        raise ValueError(f"{name} must be rows x the plan's in_features = {plan.in_features}; got shape {a.shape}")
    return a


def _code_shares(plan: Plan, k: np.ndarray) -> tuple[float, ...]:
    """the share of each plane-code magnitude 0..max_plane_code among the codes ``k``"""
    counts = np.bincount(k.ravel(), minlength=plan.max_plane_code + 1)
    return tuple(float(n) for n in counts / counts.sum())


@checked_types
def plane_code_shares(plan: Plan, x: np.ndarray, input_max: float | None) -> tuple[float, ...]:
    """The share of each plane-code magnitude 0..``plan.max_plane_code`` over the reads of inputs ``x`` (batch x
    in), formed as the functional path forms its DAC planes (the codes, not a non-linear cell's currents): what
    :class:`cimsim.analytic.DataStats` takes as measured ``input_codes``; x not batch x in: a ValueError."""
    return _code_shares(plan, _plane_codes(plan, _checked("x", x, plan), input_max))


def weight_sample_rows(w: np.ndarray, values: int = SAMPLE_VALUES) -> np.ndarray:
    """The rows of ``w`` (out x in) that :func:`weight_level_share` measures: :func:`sample_vectors` rows (at least
    ``values`` weights) of evenly spaced outputs, and the row holding the peak |w| (so a whole-tensor scale is the
    tensor's). (About ``values`` weights alone had been 4 rows of a 1024-wide layer: one whose last half of rows is
    0 came out 21 % above its run.)"""
    rows = np.linspace(0, len(w) - 1, min(len(w), sample_vectors(w.shape[1], values))).astype(np.int64)
    return np.union1d(rows, [int(np.abs(w).max(axis=1).argmax())])


def _sampled_levels(plan: Plan, w: np.ndarray, per_output: bool, values: int = SAMPLE_VALUES) -> np.ndarray:
    """the target level (0..max_level) of each cell of the sampled weights of ``w`` (out x in, float64;
    :func:`weight_sample_rows`), polarities x slices x sampled outputs x in"""
    codes, _ = _quantize_weights(w[weight_sample_rows(w, values)], plan.weight_bits, per_output)
    return _weight_levels(codes, plan)[0]


def _held(plan: Plan, levels: np.ndarray, stored: bool = False) -> np.ndarray:
    """what cells programmed to ``levels`` hold on average above g_min (the plan's
    :attr:`~cimsim.mapping.Plan.cell_levels`, held or ``stored``; the target where cells are ideal), float64"""
    cells = plan.cell_levels
    return np.asarray(np.arange(plan.max_level + 1.0) if cells is None else cells.stored if stored else cells.held)[
        levels]


def _share(plan: Plan, levels: np.ndarray, stored: bool = False) -> float:
    """the summed held (or ``stored``) level / max level of one weight's cells, averaged over the weights"""
    return float(_held(plan, levels, stored).sum()) / (plan.max_level * levels[0, 0].size)


@checked_types
def weight_level_share(plan: Plan, w: np.ndarray, per_output: bool, values: int = SAMPLE_VALUES,
                       stored: bool = False) -> float:
    """The summed level / max level of one weight's cells (its slices and polarities), averaged over the weights
    ``w`` (out x in) as :func:`~cimsim.numerics.encoding.quantize_weights` and
    :func:`~cimsim.numerics.encoding.weight_levels` store them, each level at what a cell programmed to it holds on
    average (:attr:`~cimsim.mapping.Plan.cell_levels`; ``stored``: none below g_min): over about ``values`` weights,
    of evenly spaced outputs and the one holding the peak (so a whole-tensor scale is the tensor's): what
    :class:`cimsim.analytic.DataStats` takes as measured ``weight_levels`` (``weight_stored_levels``)."""
    return _share(plan, _sampled_levels(plan, np.asarray(w, dtype=np.float64), per_output, values), stored)


@checked_types
def row_coupling(plan: Plan, x: np.ndarray, w: np.ndarray, input_max: float | None,
                 per_output: bool) -> tuple[float | None, float | None]:
    """How the inputs ``x`` (vectors x in) pair with the weights ``w`` (rows x in) on ``plan``'s crossbar rows, row
    r holding input r's weights (dimensionless): the mean over the vectors and rows of e_vr G_r over the product of
    their means, e_vr summed over input r's plane reads, G_r the mean over the weights :func:`weight_level_share`
    measures of row r's cells' conductance (in level steps: each cell's mean level as programmed + g_min) paired with
    a cell's V**2 t at its codes (``coupling``), then its cells' stored levels (none below g_min) paired with its
    squared codes (``activity_coupling``; the fields of :class:`cimsim.analytic.DataStats`). 1 for independent
    data; None where a sample is empty or drives or holds nothing. Columns not the plan's ``in_features``: a
    ValueError naming them."""
    x, w = _checked("x", x, plan), _checked("w", w, plan)
    if not x.size or not w.size:
        return None, None
    return _pairing(plan, _plane_codes(plan, x, input_max), _sampled_levels(plan, w, per_output))


def _pairing(plan: Plan, k: np.ndarray, levels: np.ndarray) -> tuple[float | None, float | None]:
    """:func:`row_coupling` of plane codes ``k`` (n_planes x vectors x in) and sampled target ``levels``"""
    floor = level_step_us(plan)[1]  # g_min in level steps
    pairs = []
    for energy, level in ((code_energy(plan)[k].sum(axis=0), _held(plan, levels) + floor),  # cells' conductances
                          ((k ** 2).sum(axis=0, dtype=np.float64), _held(plan, levels, stored=True))):
        per_row = level.sum(axis=(0, 1)).mean(axis=1)  # per row (input), over the sampled weights
        scale = float(energy.mean()) * float(per_row.mean())
        pairs.append(float((energy * per_row).mean()) / scale if scale > 0 else None)
    return pairs[0], pairs[1]


def measured_data(config: Config, plan: Plan, inputs, weights, zeros: DataStats = UNIFORM_DATA) -> DataStats:
    """The data as ``plan``'s arrays read it: the plane codes of sample ``inputs`` (vectors x in) and the stored
    levels of sample ``weights`` (rows x in), each quantised once as ``config`` quantises them, and their pairing by
    row (:func:`row_coupling`); where a sample is None or empty, the share of zeros ``zeros`` states."""
    top, per_output = fixed_input_max(config.dac), config.mapping.weight_scale == WeightScale.PER_OUTPUT
    k = None if inputs is None or not len(inputs) else _plane_codes(plan, _checked("x", inputs, plan), top)
    levels = None if weights is None else _sampled_levels(plan, _checked("w", weights, plan), per_output)
    held = None if levels is None else _share(plan, levels)
    stored = None if levels is None or plan.cell_levels is None else _share(plan, levels, stored=True)
    paired = (None, None) if k is None or levels is None else _pairing(plan, k, levels)
    return DataStats(0.0 if k is not None else zeros.input_zero_fraction,
                     0.0 if levels is not None else zeros.weight_zero_fraction,
                     None if k is None else _code_shares(plan, k), held, *paired, stored).on(plan)
