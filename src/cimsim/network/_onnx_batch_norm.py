"""ONNX BatchNormalization of an activation (inference: the given statistics), one handler (the handler signature
of :mod:`._onnx_ops`): folded into the ``Conv`` / ``Dense`` before it when nothing else reads that output, else an
``Affine``. Opsets 6 to 8's ``spatial`` = 0 normalises each activation on its own: a scale, bias, mean and variance
of shape (C, D1, ..., Dn), as onnxruntime computes it."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from .conv3d import Conv3d
from .layers import Conv2d, Dense
from .ops import Affine

__all__ = ["batch_norm"]

_PARTS = ("scale", "bias", "mean", "variance")


def _statistics(g, attrs: dict, names: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """(s, t) of y = x s + t, of shape (C,) per channel or, with ``spatial`` = 0 and positions, (C, D1, ..., Dn)
    per activation; a ValueError naming the parameter whose size does not fit"""
    full, spatial = g.full_shape(names[0]), attrs.get("spatial", 1)
    each = tuple(full[1:2]) if spatial or math.prod(full[2:]) == 1 else tuple(full[1:])
    values = [np.asarray(g.operand(names, k, f"BatchNormalization's {part}"), dtype=np.float64)
              for k, part in enumerate(_PARTS, 1)]
    for part, value in zip(_PARTS, values):
        if value.size != math.prod(each):
            what = "per activation (spatial = 0)" if len(each) > 1 else "per channel (axis 1)"
            raise ValueError(f"BatchNormalization's {part} of shape {list(value.shape)} does not hold one value "
                             f"{what} of an input of shape {list(full)}: {list(each)} expected")
    scale, bias, mean, var = (value.reshape(each) for value in values)
    s = scale / np.sqrt(var + attrs.get("epsilon", 1e-5))
    return s, bias - mean * s


def batch_norm(g, attrs: dict, names: list[str], out: str, name: str) -> None:
    """BatchNormalization (module doc)"""
    if attrs.get("training_mode", 0) and any(g.is_data(n) for n in names[3:5]):
        raise ValueError("BatchNormalization by the statistics of the batch (its mean and variance computed from the "
                         "activations) mixes the samples: a batch norm without running statistics (torch's "
                         "track_running_stats=False) normalises so even in eval mode. Give it running statistics "
                         "(track_running_stats=True, then trained), or use an InstanceNorm if each sample's own "
                         "statistics are meant")
    if attrs.get("training_mode", 0):
        said = f"; {attrs['training_by']}" if "training_by" in attrs else ""
        raise ValueError(f"BatchNormalization in training mode (the statistics of the batch{said}) is supported on "
                         "constants only; export the model in eval mode (a torch.jit.trace keeps the mode it was "
                         "traced in: trace it again after model.eval())")
    s, t = _statistics(g, attrs, names)
    x, full_ndim = names[0], g.full_ndim(names[0])
    found = g.sole_producer(x) if s.ndim == 1 else None
    # ONNX normalises axis 1: a Dense's outputs only when they are that axis (a (batch, features) tensor)
    if found and (isinstance(found[1], (Conv2d, Conv3d)) or (isinstance(found[1], Dense) and full_ndim == 2)):
        layer = found[1]
        w = layer.weight * s.reshape((-1,) + (1,) * (layer.weight.ndim - 1))
        b = (0.0 if layer.bias is None else layer.bias) * s + t
        g.replace(found[0], replace(layer, weight=w, bias=b))
        return g.alias(out, x)
    each = (1,) * (full_ndim - 1 - s.ndim)  # per channel: (1, C, 1, ..., 1); per activation: (1, C, D1, ..., Dn)
    g.append(Affine(scale=g.sample_constant(s.reshape((1,) + s.shape + each), x),
                    shift=g.sample_constant(t.reshape((1,) + t.shape + each), x)), [x], out, name)
