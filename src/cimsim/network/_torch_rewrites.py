"""Calls torch's ONNX exporter (TorchScript, opset 17) refuses or translates inexactly, as exportable equivalents
(:func:`._torch_export.export` puts them in place while it exports); each computes what PyTorch's documentation
of the call defines."""

from __future__ import annotations

import contextlib
import importlib
import math

from ._torch_lookups import embedding_call, embedding_bag_call
from ._torch_scatter import scatter_reduce_call

__all__ = ["tensor_calls", "functional_calls", "onnx_symbolics", "HYPERBOLIC"]

def tensor_calls(torch) -> dict:
    """``repeat_interleave``, ``diff``, ``expm1``, ``trunc``, ``fix``, ``frac``, ``exp2``, ``erfc``, ``sgn``,
    ``positive``, ``deg2rad``, ``rad2deg``, ``sinc``, ``xlogy``, ``heaviside``, ``median`` along an axis,
    ``diagonal``, ``bucketize``, ``floor_divide``, ``index_add``, ``cumprod`` and ``atan2`` (torch's functions and
    tensor methods; ``a // b`` calls ``torch.floor_divide``) as the plain operations they compute. torch's exporter
    refuses all but ``repeat_interleave``, ``diagonal``, ``bucketize``, ``floor_divide``, ``index_add`` and
    ``atan2`` (which it puts at y = +0, x < 0 on the -pi side: :func:`_atan2`) at opset 17
    (GLM's attention mask takes a ``diff``, Apertus's xIELU an ``expm1``); ``diagonal`` it exports as a gather in a
    branch, ``bucketize`` as comparisons that put the boundaries' axis before the batch, neither of which cimsim
    imports, ``floor_divide`` as a truncating division (-0.5 // 0.3 gave -1, not -2), where ``div`` with
    ``rounding_mode="floor"`` exports the floor, and ``index_add`` only where no index repeats (a mixture of
    experts sums its experts' outputs per token so): as ``scatter_add``, it exports whatever the indices. Its
    ``repeat_interleave`` rewrites the axis constant, which the tracer shares with other calls of the same value:
    Cohere's and Helium's rotary angles (``repeat_interleave(freqs, 2, dim=-1)``) turned the -1 of their query's
    ``view`` into the key heads' count (transformers 5.24, torch 2.14). A whole number of copies along one axis are
    the copies stacked after it and merged into it; other repeats (per element, or of the flattened tensor) go to
    torch's own."""
    repeat = torch.repeat_interleave

    def repeat_interleave(x, repeats=None, dim=None, **kwargs):
        if isinstance(repeats, bool) or not isinstance(repeats, int) or repeats < 1 or dim is None or x.dim() == 0:
            return repeat(x, *(() if repeats is None else (repeats,)), **({} if dim is None else {"dim": dim}),
                          **kwargs)
        axis = dim % x.dim()
        return torch.stack([x] * repeats, dim=axis + 1).flatten(axis, axis + 1)

    def diff(x, n=1, dim=-1, prepend=None, append=None):
        x = torch.cat([t for t in (prepend, x, append) if t is not None], dim=dim)
        for _ in range(n):
            later, earlier = x.narrow(dim, 1, x.shape[dim] - 1), x.narrow(dim, 0, x.shape[dim] - 1)
            x = later != earlier if x.dtype == torch.bool else later - earlier
        return x

    def trunc(x):
        return torch.sign(x) * torch.floor(torch.abs(x))

    def sinc(x):  # sin(pi x) / (pi x), 1 at 0
        zero = x == 0
        scaled = math.pi * torch.where(zero, torch.ones_like(x), x)
        return torch.where(zero, torch.ones_like(x), torch.sin(scaled) / scaled)

    def xlogy(x, y):  # 0 where x is 0, else x log y
        x, y = torch.as_tensor(x), torch.as_tensor(y)
        product = x * torch.log(y)
        return torch.where(x == 0, torch.zeros_like(product), product)

    def heaviside(x, values):  # 0 below 0, values at 0, 1 above
        return torch.where(x > 0, torch.ones_like(x), torch.where(x == 0, values.to(x.dtype), torch.zeros_like(x)))

    return {"repeat_interleave": repeat_interleave, "diff": diff, "expm1": lambda x: torch.exp(x) - 1,
            "trunc": trunc, "fix": trunc, "frac": lambda x: x - trunc(x),
            "exp2": lambda x: torch.exp(x * math.log(2.0)), "erfc": lambda x: 1 - torch.erf(x),
            "sgn": lambda x: torch.sign(x), "positive": lambda x: x, "deg2rad": lambda x: x * (math.pi / 180),
            "rad2deg": lambda x: x * (180 / math.pi), "sinc": sinc, "xlogy": xlogy, "heaviside": heaviside,
            "median": _median(torch), "diagonal": _diagonal(torch), "bucketize": _bucketize(torch),
            "floor_divide": lambda x, other, **kwargs: torch.div(x, other, rounding_mode="floor", **kwargs),
            "index_add": _index_add(torch), "cumprod": _cumprod(torch), "scatter_reduce": scatter_reduce_call(torch),
            **_atan2(torch)}


def _atan2(torch) -> dict:
    """``atan2(y, x)`` (``arctan2``) in radians, as torch's at signed zeros and infinities too: atan(y / x) (of y
    where both are 0, of their signs' product where both are infinite) moved by pi into the left half plane (x < 0,
    or -0): up where y's sign bit is clear (y = +0 too: +pi, as torch; the exporter's Greater(y, 0) gave -pi), else
    down; the in-place ``Tensor.atan2_`` (``arctan2_``) as y's values replaced by it (a y of integers: torch's own)"""
    original, in_place = torch.atan2, torch.Tensor.atan2_

    def atan2(y, x, **kwargs):
        if kwargs or not (isinstance(y, torch.Tensor) and isinstance(x, torch.Tensor)):  # an out= tensor
            return original(y, x, **kwargs)
        if not torch.result_type(y, x).is_floating_point:  # integers: in the default float type, as torch's, +0
            y, x = y.to(torch.get_default_dtype()) + 0.0, x.to(torch.get_default_dtype()) + 0.0
        infinite = torch.isinf(y) & torch.isinf(x)
        ratio = torch.where(infinite, torch.sign(y) * torch.sign(x), y / x)
        angle = torch.atan(torch.where((y == 0) & (x == 0), y, ratio))
        up = (y > 0) | ((y == 0) & (1 / y > 0))  # 1 / +0 is +inf, 1 / -0 -inf
        left = (x < 0) | ((x == 0) & (1 / x < 0))
        return torch.where(left, torch.where(up, angle + math.pi, angle - math.pi), angle)

    def atan2_(y, x):
        return y.copy_(atan2(y, x)) if isinstance(x, torch.Tensor) and y.is_floating_point() else in_place(y, x)
    return {"atan2": atan2, "arctan2": atan2, "atan2_": atan2_, "arctan2_": atan2_}


def _cumprod(torch):
    """``cumprod`` along ``dim`` as a scan of products: each value times the one ``shift`` before it (1 before the
    start), for shift 1, 2, 4, ... (ceil(log2 n) rounds; ONNX has a CumSum but no CumProd)"""
    original = torch.cumprod

    def cumprod(x, dim, *, dtype=None, **kwargs):
        if kwargs or x.dim() == 0:  # an out= tensor, or a scalar: torch's own
            return original(x, dim, dtype=dtype, **kwargs)
        y, n, shift = (x if dtype is None else x.to(dtype)), x.shape[dim], 1
        while shift < n:
            y = y * torch.cat([torch.ones_like(y.narrow(dim, 0, shift)), y.narrow(dim, 0, n - shift)], dim)
            shift *= 2
        return y

    return cumprod


def _index_add(torch):
    """``index_add`` along ``dim``: ``scatter_add`` of the source at its index, spread over the other axes"""
    original = torch.index_add

    def index_add(x, dim, index, source, *, alpha=1, **kwargs):
        if source.dim() == 0 or kwargs:  # a scalar source, or an out= tensor: torch's own
            return original(x, dim, index, source, alpha=alpha, **kwargs)
        axis = dim % source.dim()
        spread = index.view([-1 if k == axis else 1 for k in range(source.dim())]).expand_as(source)
        return x.scatter_add(axis, spread, source if alpha == 1 else source * alpha)

    return index_add


def _diagonal(torch):
    """``diagonal``: the matrices' entries (i, i + offset) picked by a 0/1 mask and summed"""

    def diagonal(x, offset=0, dim1=0, dim2=1):
        moved = x.movedim((dim1 % x.dim(), dim2 % x.dim()), (-2, -1))
        rows, cols = moved.shape[-2:]
        mask = (torch.arange(cols)[None, :] - torch.arange(rows)[:, None] == offset).to(x.dtype)
        return (moved * mask).sum(-1)[..., max(0, -offset):max(0, min(rows, cols - offset))]

    return diagonal


def _bucketize(torch):
    """``bucketize`` of a tensor: the count of boundaries below each value (at or below, ``right``)"""
    original_bucketize = torch.bucketize

    def bucketize(x, boundaries, *, out_int32=False, right=False, **kwargs):
        if kwargs or not isinstance(x, torch.Tensor):
            return original_bucketize(x, boundaries, out_int32=out_int32, right=right, **kwargs)
        spread = x.unsqueeze(-1).expand(*x.shape, boundaries.shape[-1])
        below = spread >= boundaries if right else spread > boundaries
        return below.sum(-1, dtype=torch.int32 if out_int32 else torch.int64)

    return bucketize


def _median(torch):
    """``median`` along an axis as the middle of the sorted values (the lower of the two middles of an even count,
    as torch's), with its index; of every element (which mixes a batch's samples), torch's own"""
    original = torch.median

    def median(x, *args, **kwargs):
        dim = args[0] if args else kwargs.get("dim")
        keepdim = args[1] if len(args) > 1 else kwargs.get("keepdim", False)
        if dim is None or len(args) > 2 or set(kwargs) - {"dim", "keepdim"}:
            return original(x, *args, **kwargs)
        values, indices = torch.sort(x, dim=dim)
        middle = (x.shape[dim] - 1) // 2
        values, indices = values.narrow(dim, middle, 1), indices.narrow(dim, middle, 1)
        if not keepdim:
            values, indices = values.squeeze(dim), indices.squeeze(dim)
        return torch.return_types.median((values, indices))

    return median


def functional_calls(torch) -> dict:
    """torch.nn.functional's ``channel_shuffle``, ``threshold``, ``bilinear``, ``embedding_bag`` (bags of one size,
    which it exports as a Loop), ``affine_grid`` (2-d), ``softplus``, ``avg_pool2d`` / ``3d`` with a
    ``divisor_override`` and ``interpolate`` in mode nearest-exact as the plain tensor operations they compute
    (``nn.ChannelShuffle``, ``nn.Threshold``, ``nn.Bilinear``, ``nn.EmbeddingBag``, ``nn.Softplus``,
    ``nn.AvgPool2d``, ``nn.Upsample``). The exporter writes a softplus without its threshold (x where
    beta x > threshold; off by up to exp(-threshold) / beta, 3.4e-3 at beta 2, threshold 5) and an average pool
    without its divisor_override."""
    functional = torch.nn.functional
    original_softplus = functional.softplus

    def channel_shuffle(x, groups: int):
        n, c = x.shape[:2]
        return x.reshape(n, groups, c // groups, *x.shape[2:]).transpose(1, 2).reshape(x.shape)

    def threshold(x, threshold: float, value: float, inplace: bool = False):
        return torch.where(x > threshold, x, torch.tensor(value, dtype=x.dtype))

    def bilinear(x1, x2, weight, bias=None):  # y_o = x1 W_o x2 + b_o: x1's products with every W_o, then with x2
        out, n1, n2 = weight.shape
        y = ((x1 @ weight.permute(1, 0, 2).reshape(n1, out * n2)).reshape(*x1.shape[:-1], out, n2)
             * x2.unsqueeze(-2)).sum(-1)
        return y if bias is None else y + bias

    original_interpolate = functional.interpolate

    def interpolate(x, size=None, scale_factor=None, mode="nearest", align_corners=None, recompute_scale_factor=None,
                    antialias=False):
        if mode != "nearest-exact":  # which the exporter refuses: each output position picks its source
            return original_interpolate(x, size, scale_factor, mode, align_corners, recompute_scale_factor, antialias)
        return _nearest_exact(torch, x, size, scale_factor, recompute_scale_factor)

    def softplus(x, beta=1.0, threshold=20.0):
        z = x * beta
        return torch.where(z > threshold, x, original_softplus(z) / beta)

    return {"channel_shuffle": channel_shuffle, "threshold": threshold, "bilinear": bilinear,
            "embedding": embedding_call(torch), "embedding_bag": embedding_bag_call(torch),
            "affine_grid": _affine_grid(torch), "softplus": softplus, "interpolate": interpolate,
            "avg_pool2d": _average_pool(functional.avg_pool2d, functional.pad, 2),
            "avg_pool3d": _average_pool(functional.avg_pool3d, functional.pad, 3)}


def _nearest_exact(torch, x, size, scale_factor, recompute_scale_factor):
    """``interpolate(x, ..., mode="nearest-exact")``: along each spatial axis, output position i takes input position
    min(floor((i + 0.5) s), n - 1), s = 1 / scale_factor where that is given and not recomputed, else n_in / n_out
    (ATen's nearest_neighbor_exact_compute_source_index, in float32 as there), one constant gather per axis"""
    spatial = x.shape[2:]
    count = len(spatial)
    factors = None if scale_factor is None else (
        [float(scale_factor)] * count if isinstance(scale_factor, (int, float)) else [float(f) for f in scale_factor])
    if size is not None:
        sizes = [int(size)] * count if isinstance(size, int) else [int(n) for n in size]
    else:
        sizes = [int(math.floor(n * f)) for n, f in zip(spatial, factors)]
    given = factors is not None and not recompute_scale_factor
    for axis, (n_in, n_out) in enumerate(zip(spatial, sizes)):
        step = 1.0 / factors[axis] if given else n_in / n_out
        source = torch.floor((torch.arange(n_out, dtype=torch.float32) + 0.5) * step).long().clamp(max=n_in - 1)
        x = torch.index_select(x, 2 + axis, source)
    return x


def _affine_grid(torch):
    """``affine_grid`` of a 2-d grid as its points; any other, torch's own"""
    original_grid = torch.nn.functional.affine_grid

    def affine_grid(theta, size, align_corners=None):
        # the grid's points (x, y) = theta (X, Y, 1) at the normalised pixel centres X, Y (torch's
        # linspace_from_neg_one: corner centres at +/-1 with align_corners, else shrunk by (n - 1) / n)
        if len(size) != 4:
            return original_grid(theta, size, align_corners)

        def steps(n):
            ends = torch.linspace(-1.0, 1.0, n) if n > 1 else torch.zeros(1)
            return ends if align_corners or n <= 1 else ends * (n - 1) / n

        h, w = int(size[2]), int(size[3])
        xs, ys = steps(w).view(1, 1, w).expand(1, h, w), steps(h).view(1, h, 1).expand(1, h, w)
        return torch.stack([theta[:, k, 0, None, None] * xs + theta[:, k, 1, None, None] * ys
                            + theta[:, k, 2, None, None] for k in (0, 1)], dim=-1)

    return affine_grid


def _average_pool(original, pad, dims: int):
    """``avg_pool2d`` / ``3d`` (``dims`` spatial axes) with a ``divisor_override`` (which the exporter drops: a window's
    sum over that divisor) as the mean over the kernel's taps of the input zero-padded (``pad``), rescaled; with
    ceil_mode, the input padded on the far side too, to the end of the last window (:func:`_ceil_padding`): exact
    for every window, a window's taps past the input adding zeros to its sum. A padding past half the kernel, which
    torch refuses: torch's own"""

    def pool(x, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
             divisor_override=None):
        if divisor_override is None:
            return original(x, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override)
        kernel, strides, pads = (_per_axis(v, dims) for v in (kernel_size, stride or kernel_size, padding))
        if any(2 * p > k for p, k in zip(pads, kernel)):
            return original(x, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override)
        far = [_ceil_padding(n, k, s, p) if ceil_mode else p for n, k, s, p in zip(x.shape[-dims:], kernel, strides,
                                                                                   pads)]
        padded = pad(x, [n for near, after in zip(pads[::-1], far[::-1]) for n in (near, after)])  # last axis first
        return original(padded, kernel, strides, 0, False, True) * (math.prod(kernel) / divisor_override)
    return pool


def _per_axis(value, dims: int) -> list[int]:
    """a pooling argument (an int, or one per spatial axis) as one int per spatial axis"""
    return [int(value)] * dims if isinstance(value, int) else [int(v) for v in value]


def _ceil_padding(n: int, kernel: int, stride: int, pad: int) -> int:
    """the zeros after an axis of ``n`` values that an average pool in ceil_mode reads (PyTorch's output size: the
    windows that start within the input or its near padding)"""
    count = -(-(n + 2 * pad - kernel) // stride) + 1
    if (count - 1) * stride >= n + pad:
        count -= 1
    return max((count - 1) * stride + kernel - n - pad, 0)


HYPERBOLIC = {"sinh": "Sinh", "cosh": "Cosh", "asinh": "Asinh", "acosh": "Acosh", "atanh": "Atanh"}
"""torch's hyperbolic functions and ONNX's operators of the same function (opset 9), for which torch's exporter has
no translation at opset 17"""
_SINCE = 9


@contextlib.contextmanager
def onnx_symbolics(torch):
    """During an export, each of :data:`HYPERBOLIC` exported as its ONNX operator, and ``rms_norm`` as the operations
    it computes (:func:`_rms_norm`); a translation the user registered stays in place, theirs."""
    symbolics = {f"aten::{name}": _symbolic(op) for name, op in HYPERBOLIC.items()}
    symbolics["aten::rms_norm"] = _rms_norm(torch)
    added = [name for name in symbolics if not _registered(name)]
    for name in added:
        torch.onnx.register_custom_op_symbolic(name, symbolics[name], _SINCE)
    try:
        yield
    finally:
        for name in added:
            torch.onnx.unregister_custom_op_symbolic(name, _SINCE)


def _rms_norm(torch):
    """``aten::rms_norm`` (``nn.RMSNorm``; ``F.rms_norm`` however the model's code binds it: timm's ``from
    torch.nn.functional import rms_norm``) as x / sqrt(mean(x ** 2) + eps) over the normalised axes, times the
    weight; eps the input type's machine epsilon where not given (PyTorch's documentation of nn.RMSNorm)"""
    helper = torch.onnx.symbolic_helper

    @helper.parse_args("v", "is", "v", "v")
    def rms_norm(g, x, normalized_shape, weight, eps):
        dtype = torch.onnx.JitScalarType.from_value(x, torch.onnx.JitScalarType.FLOAT).dtype()
        eps = torch.finfo(dtype).eps if helper._is_none(eps) else helper._get_const(eps, "f", "eps")
        square = g.op("Pow", x, g.op("Constant", value_t=torch.tensor(2.0, dtype=dtype)))
        mean = g.op("ReduceMean", square, axes_i=list(range(-len(normalized_shape), 0)), keepdims_i=1)
        shifted = g.op("Add", mean, g.op("Constant", value_t=torch.tensor(eps, dtype=dtype)))
        y = g.op("Div", x, g.op("Sqrt", shifted))
        return y if helper._is_none(weight) else g.op("Mul", y, weight)

    return rms_norm


def _symbolic(op: str):
    return lambda g, x: g.op(op, x)


def _registered(name: str) -> bool:
    """whether torch's exporter has a translation of ``name`` at opset 17 (its registry, where this torch has it
    there; else taken as none)"""
    for path in ("torch.onnx._internal.torchscript_exporter.registration", "torch.onnx._internal.registration"):
        try:
            return importlib.import_module(path).registry.is_registered_op(name, 17)
        except (ImportError, AttributeError):
            continue
    return False
