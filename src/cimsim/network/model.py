"""A feed-forward network: a graph of layers (a chain by default), run in float or with every matrix product
handed to a callback.

Layers are listed in an order where every layer comes after the layers it reads (topological). Values are
numbered: value 0 is the network input, value k + 1 the output of layer k; ``inputs[k]`` lists the values layer
k reads (a chain: ``(k,)``), so a residual connection is an ``Elementwise("add")`` layer reading two values.
The network's output is the last layer's.

The callback is how the simulator puts the network on crossbars: ``forward(x, matmul)`` calls
``matmul(index, layer, rows)`` for each matrix layer (``index`` counts matrix layers only, from 0) with
``rows`` = ``layer.to_rows(activation)`` of shape (n_vectors, in_flat), and expects the products
(n_vectors, out) back; everything else (bias, ReLU, pooling, reshapes) stays digital and exact.

Weight sharing: the matrix layers that hold one weight array object (``layer.weight``, the same object, not equal
values) with the same ``groups`` are one matrix, programmed once and read at each place; it has one ``index``, and
``matmul`` is called once per place. They are one layer object listed at several places (ALBERT's repeated
blocks), or layers made with that array that differ in bias or geometry (a bias per branch, TridentNet's dilations:
the bias is added digitally, the geometry only decides which input vectors are read).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from ..argcheck import checked_types, cut_short, is_int, shown
from ..numerics.checks import as_array, real_numbers
from ._onnx_checks import MAX_SAMPLE_VALUES, bounded, prod
from .layers import DigitalLayer, Layer, MatrixLayer
from .arguments import positive_shape

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
    """matrix-vector products per inference (1 for Dense, output positions for Conv2d; a shared matrix: all its
    places')"""
    rows_per_use: tuple[int, ...] = field(default=(), compare=False)
    """matrix-vector products per inference at each place the matrix is read, in graph order (one entry unless the
    matrix is shared)"""
    routed_fraction: float = 1.0
    """the mean fraction of those products a chip computes (``Dense.routed_fraction``: k / E for a mixture's
    expert); the cost counts that fraction"""
    groups: int = 1
    """channel groups of a grouped conv: its matrix is block-diagonal, groups blocks of in_features / groups x
    out_features / groups (the products of the other blocks are zero); 1 for every other layer"""
    tap_fraction: float = 1.0
    """the share of those products that meet an input value, not a zero an import inserted (``Conv2d.tap_fraction``:
    a transposed convolution's; over a shared matrix's places, weighted by their products): MACs and the baseline's
    work count that share, the arrays read all"""


@dataclass(frozen=True, eq=False)
class Network:
    """Layers applied to inputs of per-sample shape ``input_shape`` (the batch dimension comes first); each value (the
    input, each layer's output) holds at most ``MAX_SAMPLE_VALUES`` per sample, the ONNX importer's limit (16 GiB of
    float64): a larger one is refused, naming it, before anything is allocated."""

    layers: tuple[Layer, ...]
    input_shape: tuple[int, ...]
    """per-sample input shape, e.g. (64,) for an MLP or (1, 8, 8) for a CNN"""
    inputs: tuple[tuple[int, ...], ...] | None = None
    """values each layer reads (module doc); None: a chain, layer k reads value k"""
    names: tuple[str, ...] | None = None
    """a name per layer (e.g. the ONNX node's), for messages and reports; None: 'layer{k}'"""

    def __post_init__(self):
        layers = tuple(self.layers) if isinstance(self.layers, (tuple, list)) else None
        if not layers:
            raise ValueError(f"layers must be a tuple of at least one layer; got {shown(self.layers)}")
        for k, layer in enumerate(layers):
            if not isinstance(layer, (MatrixLayer, DigitalLayer)):
                raise ValueError(f"layer {k} is not a cimsim layer: {type(layer).__name__}")
        object.__setattr__(self, "layers", layers)
        object.__setattr__(self, "input_shape", positive_shape("input_shape", self.input_shape))
        bounded(prod(self.input_shape), f"input_shape {self.input_shape}", MAX_SAMPLE_VALUES)
        object.__setattr__(self, "inputs", self._checked_inputs())
        names = tuple(f"layer{k}" for k in range(len(layers))) if self.names is None else tuple(self.names)
        if len(names) != len(layers) or not all(isinstance(n, str) for n in names):
            raise ValueError(f"names must hold one string per layer ({len(layers)}); got {self.names!r}")
        object.__setattr__(self, "names", names)
        self.shapes()  # every layer must accept the shapes it reads, and give an output within MAX_SAMPLE_VALUES

    def __repr__(self) -> str:
        """a summary: layers by kind, the input shape, the matrices and their weights (the default repr printed every
        weight: 186 KB for ResNet-18)"""
        kinds = Counter(layer.kind for layer in self.layers)
        matrices = self.matrix_layers()
        weights = sum(layer.weight.size for layer in matrices)
        listed = ", ".join(f"{n} {kind}" for kind, n in kinds.most_common(6)) + (", ..." if len(kinds) > 6 else "")
        return (f"Network({len(self.layers)} layers: {listed}; input {self.input_shape} per sample; "
                f"{len(matrices)} matrices, {weights} weights)")

    def matrix_input_values(self) -> list[int]:
        """Per matrix (``matrix_shapes`` order), the values per sample its places read, all of them: a conv's input
        map (its positions share them; a map padded, dilated or upsampled by layers of their own, as its stored
        values: :meth:`held_value`), a dense layer's every vector's inputs."""
        shapes, read = self.shapes(), {}
        for k, index in enumerate(self.matrix_indices()):
            if index is not None:
                read[index] = read.get(index, 0) + math.prod(shapes[self.held_value(self.inputs[k][0])])
        return [read[index] for index in sorted(read)]

    def held_value(self, value: int) -> int:
        """The value whose numbers ``value`` (0: the input, j + 1: layer j's output) holds: through Pad, Dilate and
        nearest Upsample layers, their input (the values they insert, zeros, a constant or copies, are formed where
        the map is read, not stored: a transposed conv, imported as Dilate + Pad + conv, reads its input map, not the
        dilated one), and through Reshape and Flatten (the same values)."""
        while value > 0 and self.layers[value - 1].kind in ("pad", "dilate", "upsample", "reshape", "flatten"):
            value = self.inputs[value - 1][0]
        return value

    def _checked_inputs(self) -> tuple[tuple[int, ...], ...]:
        """``inputs`` as tuples of ints (None: a chain), or a ValueError naming the layer that reads the wrong
        values or the wrong number of them (its ``arity``)"""
        chain = self.inputs is None
        try:
            inputs = tuple((k,) for k in range(len(self.layers))) if chain else tuple(tuple(v) for v in self.inputs)
        except TypeError:
            raise ValueError(f"inputs must hold a tuple of value numbers per layer; got "
                             f"{cut_short(repr(self.inputs))}") from None
        if len(inputs) != len(self.layers):
            raise ValueError(f"inputs must list the values read by each of the {len(self.layers)} layers; got "
                             f"{len(inputs)} entries")
        for k, (layer, values) in enumerate(zip(self.layers, inputs)):
            if not values or not all(is_int(v) and 0 <= v <= k for v in values):
                raise ValueError(f"layer {k} ({layer.kind}) must read values in 0..{k} (0: the network input, j + 1: "
                                 f"layer j's output); got {values}")
            if layer.arity is not None and len(values) != layer.arity:
                raise ValueError(f"layer {k} ({layer.kind}) takes {layer.arity} input(s); got {len(values)}"
                                 + (" (a chain gives each layer the one before it: give inputs)" if chain else ""))
        return tuple(tuple(int(v) for v in values) for values in inputs)

    def shapes(self) -> list[tuple[int, ...]]:
        """Per-sample shapes of the values: the input, then the output of each layer."""
        shapes = [self.input_shape]
        for k, (layer, values) in enumerate(zip(self.layers, self.inputs)):
            try:
                shapes.append(tuple(layer.output_shape(*(shapes[v] for v in values))))
                bounded(prod(shapes[-1]), f"its output, shape {shapes[-1]} per sample,", MAX_SAMPLE_VALUES)
            except ValueError as exc:
                raise ValueError(f"layer {k} ({layer.kind}, {self.names[k]!r}): {exc}") from None
        return shapes

    @property
    def output_shape(self) -> tuple[int, ...]:
        """per-sample output shape"""
        return self.shapes()[-1]

    def matrix_indices(self) -> list[int | None]:
        """Per layer, the ``index`` of the matrix it reads (module doc: weight sharing; in order of first use), None
        for a digital layer."""
        first: dict[tuple[int, int], int] = {}
        return [first.setdefault(layer.matrix_key, len(first)) if isinstance(layer, MatrixLayer) else None
                for layer in self.layers]

    def matrix_layers(self) -> list[MatrixLayer]:
        """The matrices on crossbars, in order of first use, each once (module doc: weight sharing) as the layer of
        its first place; a matrix's position here is the ``index`` given to matmul."""
        distinct: dict[int, MatrixLayer] = {}
        for layer, index in zip(self.layers, self.matrix_indices()):
            if index is not None:
                distinct.setdefault(index, layer)
        return list(distinct.values())

    def matrix_shapes(self) -> list[MatrixShape]:
        """Shape and products per inference of each matrix (:meth:`matrix_layers`), without running anything."""
        shapes, uses, taps = self.shapes(), {}, {}
        for layer, values, index in zip(self.layers, self.inputs, self.matrix_indices()):
            if index is not None:
                uses.setdefault(index, []).append(layer.rows_per_sample(shapes[values[0]]))
                taps.setdefault(index, []).append(layer.tap_fraction)
        return [MatrixShape(k, layer.matrix_shape[1], layer.matrix_shape[0], sum(uses[k]), tuple(uses[k]),
                            layer.routed_fraction, getattr(layer, "groups", 1),
                            taps[k][0] if len(set(taps[k])) == 1 else
                            sum(n * f for n, f in zip(uses[k], taps[k])) / sum(uses[k]))
                for k, layer in enumerate(self.matrix_layers())]

    def pass_values(self) -> tuple[int, int]:
        """(its values' sizes summed, the most input-row values a matrix reads: rows x inputs over all its places)
        per sample: what one sample's forward pass holds at most, float64, for the memory estimates
        (:mod:`cimsim.footprint`)"""
        rows = max((s.rows_per_sample * s.in_features for s in self.matrix_shapes()), default=0)
        return sum(math.prod(v) for v in self.shapes()), rows

    def digital_work(self) -> dict[str, int]:
        """Digital operations per inference by layer kind (``DigitalLayer.work``): what the vector unit's cost counts
        (:mod:`cimsim.models.from_network`), but for data moves (reshape, flatten, slice, pad ...), counted here by
        their values and priced at 0 there."""
        shapes, work = self.shapes(), {}
        for layer, values in zip(self.layers, self.inputs):
            if isinstance(layer, DigitalLayer):
                work[layer.kind] = work.get(layer.kind, 0) + layer.work(*(shapes[v] for v in values))
        return work

    def _checked_input(self, x, name: str = "network input") -> np.ndarray:
        """``x`` as C-contiguous float64 (batch, *input_shape), or a ValueError naming it ``name`` (the caller's
        argument): results do not hang on the memory layout of the array given"""
        arr = real_numbers(name, as_array(name, x))  # booleans refused as a file of them is
        if arr.shape[1:] != self.input_shape or arr.ndim < 2:
            raise ValueError(f"{name} must have shape (batch, {', '.join(map(str, self.input_shape))}); "
                             f"got {arr.shape}")
        arr = np.ascontiguousarray(arr, dtype=np.float64)  # a Fortran-order array's sums had run in another order
        if not np.isfinite(arr).all():
            raise ValueError(f"{name} holds NaN or infinite values")
        return arr

    @checked_types
    def forward(self, x, matmul: MatMul | None = None) -> np.ndarray:
        """Outputs (batch, *output_shape) for inputs ``x`` (batch, *input_shape).

        ``matmul(index, layer, rows)`` computes every matrix product (module doc); None: the float product
        ``layer.product(rows)`` (= ``rows @ layer.matrix.T``); ``rows`` is read-only (it may be a view of ``x`` or of
        a value other layers read too: a callback that clipped it in place had changed the caller's array). A value
        is dropped once the last layer reading it has run. The outputs never share memory with ``x``. The float path
        computes as torch does: a NaN made inside (sqrt of a negative) or an overflow past 1.8e308 comes out as NaN or
        inf, with numpy's warning; the simulations (:func:`cimsim.simulate`, ...) refuse such data, naming the
        layer.
        """
        x = self._checked_input(x)
        values: dict[int, np.ndarray] = {0: x}
        last_read = {v: k for k, vs in enumerate(self.inputs) for v in vs}
        indices = self.matrix_indices()
        for k, (layer, reads) in enumerate(zip(self.layers, self.inputs)):
            args = [values[v] for v in reads]
            if isinstance(layer, DigitalLayer):
                try:
                    out = layer(*args)
                except ValueError as exc:  # e.g. token ids outside an Embedding's vocabulary: name the layer
                    raise ValueError(f"layer {k} ({self.names[k]}): {exc}") from None
            else:
                rows = layer.to_rows(args[0])
                if matmul is None:
                    y = layer.product(rows)
                else:
                    index = indices[k]
                    if not np.isfinite(rows.sum()) and not np.isfinite(rows).all():
                        raise ValueError(f"layer {k} ({self.names[k]}): its input holds NaN or infinite values, made "
                                         "by the layers before it from finite network inputs (e.g. sqrt or log of "
                                         "a negative value, or an overflow)")
                    rows = rows.view()
                    rows.flags.writeable = False  # the network's values (the caller's x too): for reading only
                    y = real_numbers(f"matmul for matrix layer {index}", as_array(  # not complex, bool, text
                        f"matmul for matrix layer {index}", matmul(index, layer, rows)))
                    want = (rows.shape[0], layer.matrix_shape[0])
                    if y.shape != want:
                        raise ValueError(f"matmul for matrix layer {index} returned shape {y.shape}; expected {want}")
                    if not np.isfinite(y.sum()) and not np.isfinite(y).all():  # a sum first: half the scan's cost
                        raise ValueError(f"matmul for matrix layer {index} returned NaN or infinite values")
                out = layer.from_rows(y, args[0])
            for v in reads:
                if last_read[v] == k:
                    values.pop(v, None)
            values[k + 1] = out
        out = values[len(self.layers)]
        return out.copy() if np.may_share_memory(out, x) else out  # a view of x (Reshape, Slice): not the caller's

    def predict(self, x, matmul: MatMul | None = None) -> np.ndarray:
        """Class labels (batch,) int64: argmax of the outputs (which must be (batch, classes))."""
        if len(self.output_shape) != 1:
            raise ValueError(f"predict needs (classes,) outputs per sample; the network gives {self.output_shape}")
        return np.argmax(self.forward(x, matmul), axis=1)
