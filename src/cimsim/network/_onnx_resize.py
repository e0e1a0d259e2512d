"""ONNX operators that map one axis linearly, one handler each (the handler signature of :mod:`._onnx_ops`):
Resize (nearest: an Upsample where every value repeats a whole number of times, else one-hot Interpolate layers;
linear and cubic: Interpolate layers; of a constant: folded), the deprecated Upsample, CumSum of an activation
(a triangle of ones), GridSample (at a computed grid: a GridSample layer; at a constant grid: the linear map it
is; per sample, also of a stack of maps) and Col2Im (F.fold: a scatter-add of the block values into the image)."""

from __future__ import annotations

import numpy as np

from ._onnx_checks import MAX_SAMPLE_VALUES, bounded, check_declared, prod
from ._onnx_fold import text_attr
from ._onnx_movement import BatchAxisError
from .movement import Constant, Reshape, Upsample
from .sampling import GRID_MODES, GridSample
from .tables import Interpolate

__all__ = ["AXIS_MAP_HANDLERS", "CONSTANT_INPUT_OPS", "linear_weights", "cubic_weights"]


def _source_coordinates(attrs: dict, size: int, out: int, scale: float, dtype=np.float64) -> np.ndarray:
    """The input coordinate each output index of one axis maps to in ONNX's Resize (its
    coordinate_transformation_mode; ``scale`` the node's scale of the axis, out / size where it gives sizes;
    half_pixel_symmetric (opset 19): half_pixel shifted so that the centres of input and output coincide where
    out is not size x scale), computed in ``dtype`` (float32: as onnxruntime, whose half_pixel_symmetric adds its
    float32 offset in float64)"""
    i, s, n, m = np.arange(out, dtype=dtype), dtype(scale), dtype(size), dtype(out)
    mode = text_attr(attrs, "coordinate_transformation_mode", "half_pixel")
    offset = np.float64(n / 2 * (1 - m / (s * n)))
    x = {"asymmetric": i / s, "half_pixel": (i + 0.5) / s - 0.5, "tf_half_pixel_for_nn": (i + 0.5) / s,
         "half_pixel_symmetric": (offset + (i + 0.5) / np.float64(s) - 0.5).astype(dtype),
         "pytorch_half_pixel": (i + 0.5) / s - 0.5 if out > 1 else 0 * i,
         "align_corners": i * (n - 1) / max(m - 1, 1)}.get(mode)
    if x is None:
        raise ValueError(f"Resize coordinate_transformation_mode {mode!r} is not supported")
    return x


NEAREST_TIE = np.float32(1e-6)
"""how near a coordinate's fraction must be to 1/2 for the round_prefer modes to take it as a tie (onnxruntime
1.32's, measured: 13.499999 is a tie, 28.500002 is not)"""


def _nearest_sources(attrs: dict, size: int, out: int, scale: float) -> np.ndarray:
    """The input index each output index of one axis reads in a nearest Resize (the node's nearest_mode), its
    coordinate computed in float32 as onnxruntime and torch do (3 / 0.6 is 5 there, 4.9999998 in float64: another
    input once floored), a round_prefer mode taking a coordinate within NEAREST_TIE of a half as that half; an axis
    at scale 1 kept as it is (onnxruntime's: tf_half_pixel_for_nn would shift it)"""
    if np.float32(scale) == 1:
        return np.arange(size)
    x = _source_coordinates(attrs, size, out, scale, np.float32).astype(np.float64)
    rounding = text_attr(attrs, "nearest_mode", "round_prefer_floor")
    tie, nearest = np.abs(x - np.floor(x) - 0.5) <= NEAREST_TIE, np.floor(x + 0.5)
    index = {"floor": np.floor(x), "ceil": np.ceil(x), "round_prefer_floor": np.where(tie, np.floor(x), nearest),
             "round_prefer_ceil": np.where(tie, np.ceil(x), nearest)}.get(rounding)
    if index is None:
        raise ValueError(f"Resize nearest_mode {rounding!r} is not supported")
    return np.clip(index, 0, size - 1).astype(np.int64)


def linear_weights(x: np.ndarray, size: int) -> np.ndarray:
    """The (len(x), size) matrix of a linear Resize along one axis: output i mixes the two inputs around its
    coordinate x[i], clamped to [0, size - 1] (ONNX's edge padding; torch's bilinear upsampling)"""
    x = np.clip(x, 0.0, size - 1.0)
    low = np.floor(x).astype(np.int64)
    high = np.minimum(low + 1, size - 1)
    weight = np.zeros((len(x), size))
    rows = np.arange(len(x))
    np.add.at(weight, (rows, low), 1.0 - (x - low))
    np.add.at(weight, (rows, high), x - low)
    return weight


def cubic_weights(x: np.ndarray, size: int, a: float = -0.75, exclude_outside: bool = False) -> np.ndarray:
    """The (len(x), size) matrix of a cubic Resize along one axis: the cubic convolution kernel (coefficient ``a``;
    -0.75 is ONNX's default and torch's bicubic) on the four inputs around each coordinate, indices past the edges
    clamped to it (ONNX's edge padding); ``exclude_outside``: those taps dropped and the rest renormalised"""
    low = np.floor(x).astype(np.int64)
    t = x - low
    weight = np.zeros((len(x), size))
    rows = np.arange(len(x))
    for offset, d in ((-1, t + 1.0), (0, t), (1, 1.0 - t), (2, 2.0 - t)):
        near = (a + 2.0) * d ** 3 - (a + 3.0) * d ** 2 + 1.0
        far = a * d ** 3 - 5.0 * a * d ** 2 + 8.0 * a * d - 4.0 * a
        taps = np.where(d <= 1.0, near, np.where(d < 2.0, far, 0.0))
        index = low + offset
        if exclude_outside:
            taps = np.where((index >= 0) & (index < size), taps, 0.0)
        np.add.at(weight, (rows, np.clip(index, 0, size - 1)), taps)
    return weight / weight.sum(axis=1, keepdims=True) if exclude_outside else weight


def _resize(g, op, attrs, names, outs, name):
    """Resize by constant scales or sizes, of an activation or of a constant (a position table interpolated to the
    input's size: folded). Nearest mode where every axis repeats each value a whole number of times
    (nn.Upsample(scale_factor=k)): an Upsample layer; other nearest mappings: one-hot Interpolate layers; linear
    (bilinear) and cubic (bicubic) modes, antialiased too: an Interpolate layer per resized axis. Opset 10's Resize
    (scales as input 1) is Upsample's (:func:`_upsample`)."""
    if g.opset < 11 and len(names) == 2:  # (X, scales)
        return _upsample(g, op, attrs, names, outs, name)
    mode = text_attr(attrs, "mode", "nearest")
    if mode not in ("nearest", "linear", "cubic"):
        raise ValueError(f"Resize mode {mode!r} is not supported (nearest, linear, cubic)")
    x, operands = names[0], [g.consts.get(n) if n else None for n in names]
    if any(n and n not in g.consts for n in names[1:]):
        raise ValueError("Resize needs constant scales or sizes")
    full = np.shape(g.consts[x]) if x in g.consts else g.full_shape(x)
    given = operands[2] if len(operands) > 2 and operands[2] is not None and np.size(operands[2]) else None
    sizes = operands[3] if len(operands) > 3 and operands[3] is not None else None
    if given is not None and sizes is not None:  # (ONNX allows one; the sizes had been taken silently: a probe)
        raise ValueError("Resize takes scales or sizes, not both")
    scales, sizes = _scales_and_sizes(attrs, full, given, sizes)
    named = [int(a) % len(full) for a in attrs.get("axes", range(len(full)))]  # the axes its scales or sizes give
    if (len(operands) > 3 and operands[3] is not None and 0 in named and x not in g.consts and g.batch_size.symbolic
            and not g.batch_as_axis and names[3] not in g.batch_size.masks):  # (not the batch read by a Shape: its
        # placeholder batch of 1 had passed, where onnxruntime resamples N samples to that size, a probe)
        raise ValueError(f"Resize sizes {[int(v) for v in np.ravel(operands[3])]} fix the batch axis of a graph whose "
                         f"batch {g.batch_size.symbolic} is symbolic: a resize of the batch axis is not supported")
    check_declared(g, outs[0], sizes)
    coordinates = [_source_coordinates(attrs, n, m, s) for n, m, s in zip(full, sizes, scales)]
    if mode != "nearest" and attrs.get("antialias", 0):
        weights = {a: _antialiased(mode, attrs, n, m, s) for a, (n, m, s) in enumerate(zip(full, sizes, scales))
                   if n != m}
    elif mode == "linear":
        weights = {a: linear_weights(c, n) for a, (c, n, m) in enumerate(zip(coordinates, full, sizes)) if n != m}
    elif mode == "cubic":
        coefficient, exclude = float(attrs.get("cubic_coeff_a", -0.75)), bool(attrs.get("exclude_outside", 0))
        weights = {a: cubic_weights(c, n, coefficient, exclude) for a, (c, n, m) in enumerate(zip(coordinates, full,
                                                                                              sizes)) if n != m}
    else:
        same = list(sizes) == list(full)  # onnxruntime copies a resize that keeps every size (torch too)
        sources = [np.arange(n) if same else _nearest_sources(attrs, n, m, s) for n, m, s in zip(full, sizes, scales)]
        weights = {a: np.eye(n)[src] for a, (n, src) in enumerate(zip(full, sources))
                   if not np.array_equal(src, np.arange(n))}
        if x not in g.consts and all(m % n == 0 and np.array_equal(src, np.repeat(np.arange(n), m // n))
                                     for n, m, src in zip(full, sizes, sources)):
            factors = tuple(m // n for n, m in zip(full, sizes))
            if not g.batch_as_axis and factors[0] != 1:
                raise BatchAxisError("a resize of the batch axis is not supported")
            return g.append(Upsample(factors[0 if g.batch_as_axis else 1:]), [x], outs[0], name)
    if x in g.consts:  # fold: each axis's matrix applied to the constant
        value = np.asarray(g.consts[x], dtype=np.float64)
        for a, w in sorted(weights.items()):
            value = np.moveaxis(np.tensordot(value, w, axes=([a], [1])), -1, a)
        g.consts[outs[0]] = value
        return None
    if not g.batch_as_axis and 0 in weights:
        raise BatchAxisError("a resize of the batch axis is not supported")
    _interpolations(g, x, weights, outs[0], name)


def _scales_and_sizes(attrs: dict, full: tuple[int, ...], given, sizes) -> tuple[list[float], list[int]]:
    """(scale, output size) of every axis of a Resize of a tensor of shape ``full``, from its constant scales (each
    size the float32 product size x scale truncated, as onnxruntime and torch: 10 x 0.7 gives 7, not the spec's
    floor of the exact product, 6) or sizes for the axes it names (opset 18's ``axes``: the others kept) and, with
    sizes, its ``keep_aspect_ratio_policy`` (not_larger / not_smaller: one scale for those axes, the least or the
    greatest, each size rounded half up, as ONNX's reference)"""
    axes = [int(a) % len(full) if -len(full) <= int(a) < len(full) else -1 for a in attrs.get("axes", range(len(full)))]
    values = np.ravel(given if sizes is None else sizes)
    if len(values) != len(axes) or -1 in axes or len(set(axes)) != len(axes):
        raise ValueError(f"Resize {'scales' if sizes is None else 'sizes'} {list(values)} do not fit the axes {axes} "
                         f"of a tensor of shape {list(full)}")
    picked = dict(zip(axes, values))
    if sizes is None:
        scales = [float(picked.get(a, 1.0)) for a in range(len(full))]
        sizes = [int(np.float32(n) * np.float32(f)) for n, f in zip(full, scales)]  # onnxruntime's float32 product
    else:
        sizes = [int(picked.get(a, n)) for a, n in enumerate(full)]
        scales = [m / n for n, m in zip(full, sizes)]
        policy = text_attr(attrs, "keep_aspect_ratio_policy", "stretch")
        if policy not in ("stretch", "not_larger", "not_smaller"):
            raise ValueError(f"Resize keep_aspect_ratio_policy {policy!r} is not supported")
        if policy != "stretch":
            scale = (min if policy == "not_larger" else max)(scales[a] for a in axes)
            scales = [scale if a in axes else 1.0 for a in range(len(full))]
            sizes = [int(scale * n + 0.5) if a in axes else n for a, n in enumerate(full)]
    if min(sizes, default=1) < 1:
        raise ValueError(f"Resize to sizes {sizes} does not fit a tensor of shape {list(full)}")
    bounded(prod(sizes), f"Resize to sizes {sizes}", MAX_SAMPLE_VALUES)
    return scales, sizes


def _antialiased(mode: str, attrs: dict, size: int, out: int, scale: float) -> np.ndarray:
    """The (out, size) matrix of an antialiased (opset 18) linear or cubic Resize along one axis: onnx's reference
    Resize of the identity, each input's unit response (the spec's filter, stretched by 1 / scale where it shrinks
    the axis, renormalised at the edges), by the scale, or by the size where the scale in float32 gives fewer
    outputs (9 / 5 x 5 rounds below 9)."""
    import onnx
    from onnx.reference import ReferenceEvaluator

    kept = {k: v for k, v in attrs.items() if k in ("antialias", "coordinate_transformation_mode", "cubic_coeff_a",
                                                     "exclude_outside")}
    by_scale = int(float(np.float32(scale)) * size) == out
    node = onnx.helper.make_node("Resize", ["x", "", "scales"] if by_scale else ["x", "", "", "sizes"], ["y"],
                                 mode=mode, **kept)
    given = np.array([1.0, scale], np.float32) if by_scale else np.array([size, out], np.int64)
    graph = onnx.helper.make_graph(
        [node], "axis", [onnx.helper.make_tensor_value_info("x", onnx.TensorProto.DOUBLE, [size, size])],
        [onnx.helper.make_tensor_value_info("y", onnx.TensorProto.DOUBLE, None)],
        [onnx.numpy_helper.from_array(given, "scales" if by_scale else "sizes")])
    model = onnx.helper.make_model(graph, opset_imports=[onnx.helper.make_opsetid("", 19)])
    return ReferenceEvaluator(model).run(None, {"x": np.eye(size)})[0].T


def _upsample(g, op, attrs, names, outs, name):
    """Upsample (deprecated since opset 10), and Resize at opset 10: a Resize by its scales (an attribute before
    opset 9, an input from it) with the asymmetric coordinates and floor rounding Upsample defines"""
    if "scales" not in attrs and not (len(names) > 1 and names[1] in g.consts):
        raise ValueError(f"{op} needs constant scales")
    scales = f"{outs[0]}#scales"
    g.consts[scales] = np.asarray(attrs["scales"] if "scales" in attrs else g.consts[names[1]], dtype=np.float32)
    down = np.asarray(g.consts[scales]) < 1  # onnxruntime's nearest rounds up there (ONNX says nothing)
    if down.any() and np.any(g.consts[scales] > 1) and text_attr(attrs, "mode", "nearest") == "nearest":
        raise ValueError(f"{op} in nearest mode by scales {g.consts[scales].tolist()} that enlarge some axes and "
                         "shrink others is not supported")
    resize = {"mode": text_attr(attrs, "mode", "nearest"), "coordinate_transformation_mode": "asymmetric",
              "nearest_mode": "ceil" if down.any() else "floor"}
    _resize(g, "Resize", resize, [names[0], "", scales], outs, name)


def _interpolations(g, x: str, weights: dict[int, np.ndarray], out: str, name: str) -> None:
    """An Interpolate layer per ONNX axis in ``weights`` (axis -> (out, in) matrix), in axis order"""
    if not weights:
        return g.alias(out, x)
    for k, a in enumerate(sorted(weights)):
        step = out if k == len(weights) - 1 else f"{out}#axis{a}"
        g.append(Interpolate(weights[a], a if g.batch_as_axis else a - 1), [x], step, name)
        x = step


def _cumsum(g, op, attrs, names, outs, name):
    """CumSum of an activation along a constant axis (RoBERTa's positions counted along its padding mask): an
    Interpolate whose matrix is a triangle of ones (exclusive: without the diagonal; reverse: the upper triangle),
    priced as its products (more than a running sum's one add per value)"""
    if names[1] not in g.consts:
        raise ValueError("CumSum needs a constant axis")
    full = g.full_shape(names[0])
    axis = g.onnx_axis(int(np.ravel(g.consts[names[1]])[0]), names[0])
    if not g.batch_as_axis and axis == 0:
        raise BatchAxisError("a running sum over the batch axis is not supported")
    weight = np.tril(np.ones((full[axis], full[axis])), -1 if attrs.get("exclusive", 0) else 0)
    g.append(Interpolate(weight.T if attrs.get("reverse", 0) else weight, axis if g.batch_as_axis else axis - 1),
             names[:1], outs[0], name)


MAX_GRID_MAP_WEIGHTS = 1 << 24
"""largest (map pixels x grid points) of a GridSample at a constant grid built as one linear map (128 MiB)"""


def _grid_sample(g, op, attrs, names, outs, name):
    """GridSample (opset 16; opset 20's "linear" as bilinear) of a (batch, C, H, W) activation; in a graph imported
    with its batch as an axis, of the (n, C, H, W) stack of maps each sample holds there (torch merges batch and
    heads: deformable attention), each at its own grid. At a grid computed from the activations: a GridSample
    layer. At a constant grid, the same for every map (a fixed warp): the linear map from the H x W pixels to the
    grid points, an Interpolate between reshapes; a constant grid that differs between the maps of a sample: read
    as a Constant layer, then a GridSample layer."""
    stated = text_attr(attrs, "mode", "bilinear")
    mode = {"linear": "bilinear"}.get(stated, stated)
    if mode not in GRID_MODES:
        raise ValueError(f"GridSample mode {mode!r} is not supported ({', '.join(GRID_MODES)})")
    x, grid = names[0], names[1]
    if not g.is_data(x):
        raise ValueError(f"GridSample samples a map computed from the activations; its input 0 is a constant of shape "
                         f"{list(np.shape(g.consts[x]))}")
    full, points = g.full_shape(x), np.shape(g.consts[grid]) if grid in g.consts else g.full_shape(grid)
    if len(full) != 4 or len(points) != 4 or points[-1] != 2 or points[0] != full[0]:
        raise ValueError(f"GridSample samples a (batch, channels, height, width) map at a (batch, height, width, 2) "
                         f"grid (not opset 20's volumetric sampling); got shapes {list(full)} and {list(points)}")
    layer = GridSample(mode, text_attr(attrs, "padding_mode", "zeros"), bool(attrs.get("align_corners", 0)))
    if grid in g.consts:
        values = np.asarray(g.consts[grid], dtype=np.float64)
        if (values == values[:1]).all():
            return _fixed_warp(g, layer, x, values[0], outs[0], name)
        g.append(Constant(g.sample_constant(values, x)), [x], f"{outs[0]}#grid", name)
        grid = f"{outs[0]}#grid"
    g.append(layer, [x, grid], outs[0], name)


def _fixed_warp(g, layer: GridSample, x: str, points: np.ndarray, out: str, name: str) -> None:
    """GridSample of each map of ``x`` at one constant (Ho, Wo, 2) grid: the linear map from a map's pixels to the
    grid's points"""
    *lead, c, h, w = g.shape[x]
    bounded(h * w * points.shape[0] * points.shape[1], "its map from pixels to grid points", MAX_GRID_MAP_WEIGHTS)
    g.append(Reshape(tuple(lead) + (c, h * w)), [x], f"{out}#pixels", name)
    g.append(Interpolate(layer.matrix(points, h, w), len(lead) + 1), [f"{out}#pixels"], f"{out}#points", name)
    g.append(Reshape(tuple(lead) + (c,) + points.shape[:2]), [f"{out}#points"], out, name)


def _col2im(g, op, attrs, names, outs, name):
    """Col2Im (opset 18; torch's F.fold): the blocks (C x kh x kw, L) of a sample summed into a (C, H, W) image, a
    fixed scatter-add: per channel, the 0/1 map from its kh x kw x L block values to the H x W pixels (a value at
    (block row x stride - pad + tap row x dilation, ...), those outside the image dropped), an Interpolate between
    reshapes"""
    image = [int(v) for v in np.ravel(g.operand(names, 1, "Col2Im's image_shape"))]
    block = [int(v) for v in np.ravel(g.operand(names, 2, "Col2Im's block_shape"))]
    spatial = [image, block, *(list(attrs.get(k, [d] * n)) for k, d, n in (("dilations", 1, 2), ("strides", 1, 2),
                                                                            ("pads", 0, 4)))]
    if [len(v) for v in spatial] != [2, 2, 2, 2, 4]:
        raise ValueError(f"Col2Im is supported on 2-d images (image_shape, block_shape, dilations, strides of 2 "
                         f"values, pads of 4); got {spatial}")
    (h, w), (kh, kw), (dh, dw), (sh, sw), (top, left, bottom, right) = spatial
    oh, ow = (h + top + bottom - dh * (kh - 1) - 1) // sh + 1, (w + left + right - dw * (kw - 1) - 1) // sw + 1
    *lead, rows, blocks = g.shape[names[0]]
    if min(h, w, kh, kw, oh, ow) < 1 or rows % (kh * kw) or blocks != oh * ow:
        raise ValueError(f"Col2Im of blocks of shape {[rows, blocks]} into an image {image} by blocks {block} needs "
                         f"channels x {kh * kw} rows and {max(oh, 0) * max(ow, 0)} blocks")
    bounded(h * w * kh * kw * blocks, "its map from block values to pixels", MAX_GRID_MAP_WEIGHTS)
    tap_row, tap_col, block_row, block_col = np.meshgrid(np.arange(kh), np.arange(kw), np.arange(oh), np.arange(ow),
                                                         indexing="ij")
    r, c = block_row * sh - top + tap_row * dh, block_col * sw - left + tap_col * dw
    inside = ((r >= 0) & (r < h) & (c >= 0) & (c < w)).ravel()
    weight = np.zeros((h * w, kh * kw * blocks))
    weight[(r * w + c).ravel()[inside], np.arange(kh * kw * blocks)[inside]] = 1.0
    channels = rows // (kh * kw)
    g.append(Reshape(tuple(lead) + (channels, kh * kw * blocks)), names[:1], f"{outs[0]}#values", name)
    g.append(Interpolate(weight, len(lead) + 1), [f"{outs[0]}#values"], f"{outs[0]}#pixels", name)
    g.append(Reshape(tuple(lead) + (channels, h, w)), [f"{outs[0]}#pixels"], outs[0], name)


AXIS_MAP_HANDLERS = {"Resize": _resize, "Upsample": _upsample, "CumSum": _cumsum, "GridSample": _grid_sample,
                     "Col2Im": _col2im}
"""ONNX operator -> handler, for the operators that map one axis linearly"""

CONSTANT_INPUT_OPS = frozenset({"Resize", "Upsample"})
"""operators whose handler also folds a constant input (the importer hands such a node to it)"""
