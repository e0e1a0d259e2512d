"""``scatter_reduce`` (a graph network's aggregation of messages per node) in the forms torch's ONNX exporter takes:
its TorchScript exporter refuses a mean and any reduction with ``include_self=False`` at opset 17, and its dynamo
exporter writes a mean as a plain ScatterElements, which drops it. Each computes what torch documents: positions
no index names keep ``x``; with ``include_self`` the mean counts ``x``'s value as one more element."""

from __future__ import annotations

__all__ = ["scatter_reduce_call"]

_START = {"amax": -1, "amin": 1, "prod": 0}
"""where a reduction leaving ``x`` out starts: the lowest (-1) or highest (1) finite value of the type (a constant
cimsim imports; only a position whose elements are all -inf, for amax, differs from torch: the lowest finite
value for -inf), or 1 (0)"""


def scatter_reduce_call(torch):
    """``scatter_reduce(x, dim, index, src, reduce, include_self=True)`` of floating tensors: "sum" and "mean" as
    ``scatter_add`` calls (the sums, and the counts of each position's elements); "amax", "amin" and "prod" without
    ``x`` as torch's own reduction into a tensor of its start value, kept where some index names the position; src
    cut to the index's shape. Integer tensors, an out= tensor and other reductions go to torch's own."""
    original = torch.scatter_reduce

    def scatter_reduce(x, dim, index, src, reduce, *, include_self=True, **kwargs):
        if kwargs or reduce not in ("sum", "mean", *_START) or not (x.is_floating_point() and src.is_floating_point()):
            return original(x, dim, index, src, reduce, include_self=include_self, **kwargs)
        if src.shape != index.shape:  # only the part of src the index covers is scattered (torch's exporter
            src = src[tuple(slice(0, n) for n in index.shape)]  # scatters all of src, which ONNX refuses)
        src = src.to(x.dtype)
        if include_self and reduce in _START:
            return original(x, dim, index, src, reduce)
        count = torch.zeros_like(x).scatter_add(dim, index, torch.ones_like(src))
        hit = count > 0
        if reduce in _START:
            start = _START[reduce] * torch.finfo(x.dtype).max if _START[reduce] else 1.0
            return torch.where(hit, original(torch.full_like(x, start), dim, index, src, reduce), x)
        total = torch.zeros_like(x).scatter_add(dim, index, src)
        if reduce == "sum":
            return x + total if include_self else torch.where(hit, total, x)
        if include_self:
            return (x + total) / (count + 1)
        return torch.where(hit, total / torch.where(hit, count, torch.ones_like(count)), x)

    return scatter_reduce
