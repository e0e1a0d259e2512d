"""Root-mean-square normalisation (ONNX RMSNormalization, opset 23; LLaMA-style models' RMSNorm): the layer norm
without its mean (:class:`~cimsim.network.ops.LayerNorm` is the one with it)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from .ops import LayerNorm, per_sample_axis

__all__ = ["RMSNorm"]


@dataclass(frozen=True, eq=False)
class RMSNorm(LayerNorm):
    """x / sqrt(mean(x**2) + epsilon) * weight (+ bias) over the per-sample axes from ``axis`` to the last (Zhang
    & Sennrich, "Root Mean Square Layer Normalization", NeurIPS 2019; ONNX RMSNormalization)."""

    kind: ClassVar[str] = "rmsnorm"

    def __call__(self, x: np.ndarray) -> np.ndarray:
        axes = tuple(range(per_sample_axis(self.axis, x.ndim - 1, "RMSNorm") + 1, x.ndim))
        y = x / np.sqrt((x ** 2).mean(axis=axes, keepdims=True) + self.epsilon)
        y = y if self.weight is None else y * self.weight
        return y if self.bias is None else y + self.bias
