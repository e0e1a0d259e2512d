"""A feed-forward network: a chain of layers, run in float or with every matrix product handed to a callback.

The callback is how the simulator puts the network on crossbars: ``forward(x, matmul)`` calls
``matmul(index, layer, rows)`` for each matrix layer (``index`` counts matrix layers only, from 0) with
``rows`` = ``layer.to_rows(activation)`` of shape (n_vectors, in_flat), and expects the products
(n_vectors, out) back; everything else (bias, ReLU, pooling, reshapes) stays digital and exact.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .layers import DigitalLayer, Layer, MatrixLayer

__all__ = ["Network", "MatrixShape", "MatMul"]

MatMul = Callable[[int, MatrixLayer, np.ndarray], np.ndarray]
"""``matmul(index, layer, rows (n, in_flat)) -> (n, out)``: one matrix layer's products"""


@dataclass(frozen=True)
class MatrixShape:
    """What one matrix layer asks of the crossbars."""

    index: int
    """position among the matrix layers"""
    in_features: int
    """columns of the weight matrix (crossbar rows used)"""
    out_features: int
    """rows of the weight matrix (outputs)"""
    rows_per_sample: int
    """matrix-vector products per inference (1 for Dense, output positions for Conv2d)"""


@dataclass(frozen=True, eq=False)
class Network:
    """Layers applied in order to inputs of per-sample shape ``input_shape`` (the batch dimension comes first)."""

    layers: tuple[Layer, ...]
    input_shape: tuple[int, ...]
    """per-sample input shape, e.g. (64,) for an MLP or (1, 8, 8) for a CNN"""

    def __post_init__(self):
        layers = tuple(self.layers)
        if not layers:
            raise ValueError("a Network needs at least one layer")
        for k, layer in enumerate(layers):
            if not isinstance(layer, (MatrixLayer, DigitalLayer)):
                raise ValueError(f"layer {k} is not a cimsim layer: {type(layer).__name__}")
        shape = tuple(self.input_shape)
        if not shape or not all(isinstance(s, (int, np.integer)) and s > 0 for s in shape):
            raise ValueError(f"input_shape must be positive ints; got {self.input_shape!r}")
        object.__setattr__(self, "layers", layers)
        object.__setattr__(self, "input_shape", tuple(int(s) for s in shape))
        self.shapes()  # every layer must accept the shape before it

    def shapes(self) -> list[tuple[int, ...]]:
        """Per-sample activation shapes: the input, then the output of each layer."""
        shapes = [self.input_shape]
        for k, layer in enumerate(self.layers):
            try:
                shapes.append(layer.output_shape(shapes[-1]))
            except ValueError as exc:
                raise ValueError(f"layer {k} ({layer.kind}): {exc}") from None
        return shapes

    @property
    def output_shape(self) -> tuple[int, ...]:
        """per-sample output shape"""
        return self.shapes()[-1]

    def matrix_layers(self) -> list[MatrixLayer]:
        """The layers that run on crossbars, in order (their position is the ``index`` given to matmul)."""
        return [layer for layer in self.layers if isinstance(layer, MatrixLayer)]

    def matrix_shapes(self) -> list[MatrixShape]:
        """Shape and products per inference of each matrix layer, without running anything."""
        shapes = self.shapes()
        found = []
        for k, layer in enumerate(self.layers):
            if isinstance(layer, MatrixLayer):
                out, inp = layer.matrix.shape
                found.append(MatrixShape(len(found), inp, out, layer.rows_per_sample(shapes[k])))
        return found

    def _checked_input(self, x) -> np.ndarray:
        arr = np.asarray(x)
        if arr.dtype.kind not in "biuf":
            raise ValueError(f"network input must hold real numbers; got dtype {arr.dtype}")
        if arr.shape[1:] != self.input_shape or arr.ndim < 2:
            raise ValueError(f"network input must have shape (batch, {', '.join(map(str, self.input_shape))}); "
                             f"got {arr.shape}")
        arr = np.asarray(arr, dtype=np.float64)
        if not np.isfinite(arr).all():
            raise ValueError("network input holds NaN or infinite values")
        return arr

    def forward(self, x, matmul: MatMul | None = None) -> np.ndarray:
        """Outputs (batch, *output_shape) for inputs ``x`` (batch, *input_shape).

        ``matmul(index, layer, rows)`` computes every matrix product (module doc); None: the float
        product ``rows @ layer.matrix.T``.
        """
        a = self._checked_input(x)
        index = 0
        for layer in self.layers:
            if isinstance(layer, DigitalLayer):
                a = layer(a)
                continue
            rows = layer.to_rows(a)
            if matmul is None:
                y = rows @ layer.matrix.T
            else:
                y = np.asarray(matmul(index, layer, rows))
                want = (rows.shape[0], layer.matrix.shape[0])
                if y.shape != want:
                    raise ValueError(f"matmul for matrix layer {index} returned shape {y.shape}; expected {want}")
            a = layer.from_rows(y, a)
            index += 1
        return a

    def predict(self, x, matmul: MatMul | None = None) -> np.ndarray:
        """Class labels (batch,) int64: argmax of the outputs (which must be (batch, classes))."""
        if len(self.output_shape) != 1:
            raise ValueError(f"predict needs (classes,) outputs per sample; the network gives {self.output_shape}")
        return np.argmax(self.forward(x, matmul), axis=1)
