"""Normalisations over a sample's trailing axes: the layer norm (ONNX LayerNormalization) and the root-mean-square
norm (ONNX RMSNormalization, opset 23; LLaMA-style models' RMSNorm), the layer norm without its mean."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from ..argcheck import check_real
from .arguments import constant_array
from .ops import _SameShape, per_sample_axis

__all__ = ["LayerNorm", "RMSNorm"]


@dataclass(frozen=True, eq=False)
class LayerNorm(_SameShape):
    """(x - mean) / sqrt(var + epsilon) * weight + bias over the per-sample axes from ``axis`` to the last; the
    weight and bias broadcast to the per-sample shape (ONNX's (1,), (H, 1), (W,) ...)."""

    kind: ClassVar[str] = "layernorm"
    weight: np.ndarray | None = None
    bias: np.ndarray | None = None
    epsilon: float = 1e-5
    axis: int = -1

    def __post_init__(self):
        name = type(self).__name__
        object.__setattr__(self, "epsilon", check_real(f"{name} epsilon", self.epsilon, 0.0, low_open=True))
        super().__post_init__()  # after its own, stricter check
        object.__setattr__(self, "weight", constant_array(f"{name} weight", self.weight))
        object.__setattr__(self, "bias", constant_array(f"{name} bias", self.bias))

    def output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        """the input's; an axis outside it, or a weight or bias that does not broadcast to it (with a batch axis of
        size 1 ahead, as an ONNX scale of the input's full rank has), is refused (it had been taken, to fail in the
        first forward pass with numpy's broadcast error)"""
        name, shape = type(self).__name__, tuple(input_shape)
        per_sample_axis(self.axis, len(shape), name)
        for what, a in (("weight", self.weight), ("bias", self.bias)):
            dims = () if a is None else a.shape[1:] if a.ndim == len(shape) + 1 and a.shape[0] == 1 else a.shape
            if len(dims) > len(shape) or any(n not in (1, m) for n, m in zip(dims[::-1], shape[::-1])):
                raise ValueError(f"{name} {what} of shape {a.shape} does not broadcast to the per-sample shape {shape}")
        return shape

    def __call__(self, x: np.ndarray) -> np.ndarray:
        axes = tuple(range(per_sample_axis(self.axis, x.ndim - 1, type(self).__name__) + 1, x.ndim))
        centred = x - x.mean(axis=axes, keepdims=True)
        y = centred / np.sqrt((centred ** 2).mean(axis=axes, keepdims=True) + self.epsilon)
        y = y if self.weight is None else y * self.weight
        return y if self.bias is None else y + self.bias


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
