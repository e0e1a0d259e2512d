"""A network as shapes only: its matrix products, its other operations and its cache, per workload item.

A :class:`Model` is a sequence of operations in execution order, each sized per *item* (an image for a CNN, a
sequence for an encoder or a prefill, one generated token for a decode step):

- :class:`MatrixOp`: ``groups`` independent products of (``in_features`` -> ``out_features``) over
  ``vectors_per_item`` vectors. ``weights = "static"``: trained weights, which go on crossbars (a dense layer,
  a conv after im2col: vectors = output positions, in = k*k*C_in; a depthwise conv: groups = channels);
  ``"activation"``: both operands are activations (attention's Q K^T and A V), run on the chip's digital vector
  unit. MACs per item = vectors x groups x in x out (x ``routed_fraction``, x ``tap_fraction``: the products
  that meet input values, a transposed convolution's share). A matrix read at several places of the network (weight
  sharing, a recurrent matrix unrolled) is one op whose ``places`` hold its vectors per item at each place, in an
  item's order: a chain, each place reading the last one's output (:class:`cimsim.cost.chip.Stage`'s ``places``).
- :class:`VectorOp`: element-wise work on the vector unit (softmax, norms, activations, residual adds,
  pooling), ``elements_per_item`` elements of ``kind`` (:data:`cimsim.cost.vector_unit.VECTOR_KINDS`), and the
  trained parameters it holds digitally (biases, norm scales).
- :class:`CacheOp`: a decoder layer's KV cache: elements written and read per item, elements held.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np

from ..argcheck import check_instance, check_int, check_real
from ..cost.vector_unit import VECTOR_KINDS

__all__ = ["MatrixOp", "VectorOp", "CacheOp", "Op", "Model", "WEIGHT_KINDS", "PHASES"]

PHASES = ("prefill", "decode")
"""a decoder's phases: a prompt's tokens at once, or one token per sequence a step"""

WEIGHT_KINDS = ("static", "activation")


def _positive(owner: object, *names: str, minimum: int = 1) -> None:
    """each field ``names`` of ``owner`` checked an int >= ``minimum`` and stored as a Python int (a numpy integer
    kept had made a price's dict unwritable as JSON)"""
    for name in names:
        value = check_int(f"{type(owner).__name__} {getattr(owner, 'name', '')!r}: {name}", getattr(owner, name),
                          minimum)
        object.__setattr__(owner, name, value)


@dataclass(frozen=True)
class MatrixOp:
    """``groups`` products of an (out x in) matrix with ``vectors_per_item`` vectors each, per item."""

    name: str
    in_features: int
    """inputs of one product (per group)"""
    out_features: int
    """outputs of one product (per group)"""
    vectors_per_item: int
    """vectors per item and group (a conv: output positions; attention: queries per key/value head)"""
    weights: str = "static"
    """static: trained weights on crossbars; activation: both operands activations, on the vector unit"""
    groups: int = 1
    """independent blocks (a depthwise conv: its channels; attention: its key/value heads)"""
    input_elements_per_item: int = 0
    """distinct activations the op reads per item (a conv: its input map, not the im2col copies); 0: vectors x
    groups x in"""
    skip_elements_per_item: int = 0
    """activations that bypass this op and must reach the ops after it (the residual stream, a shortcut): they
    cross a chip boundary placed just before the op"""
    routed_fraction: float = 1.0
    """the mean fraction of the vectors the op multiplies, in (0, 1]: k / E for an expert of a mixture routing each
    token to k of its E experts (its weights always held)"""
    tap_fraction: float = 1.0
    """the share of its products that meet an input value, in (0, 1]: a transposed convolution's (lowered to the
    conv over its input with the stride's and padding's zeros inserted, ``Conv2d.tap_fraction``): MACs and the
    baseline's work count that share (:func:`cimsim.cost.routing.real_runs`), the arrays read every vector whole"""
    input_zero_fraction: float | None = None
    """the fraction of its input values that are 0 (after a ReLU: measured by
    :func:`cimsim.models.from_network.model_from_network` from sample inputs); None: the config's
    ``workload.input_zero_fraction``"""
    weight_zero_fraction: float | None = None
    """the fraction of its weights that are 0 (pruned); None: the config's ``workload.weight_zero_fraction``"""
    input_sample: np.ndarray | None = field(default=None, compare=False, repr=False)
    """input vectors (n x in_features) of a float forward pass: priced at their plane codes instead of the zero
    fraction (:func:`cimsim.models.from_network.model_from_network` with sample inputs)"""
    weight_sample: np.ndarray | None = field(default=None, compare=False, repr=False)
    """rows of its weights (n x in_features, the peak's among them): priced at their stored levels instead of the
    weight zero fraction"""
    places: tuple[int, ...] = ()
    """a shared matrix's vectors per item (and group) at each place it is read, in an item's order, summing to
    ``vectors_per_item``; (): one place (a single place is stored as ())"""

    def __post_init__(self) -> None:
        _positive(self, "in_features", "out_features", "vectors_per_item", "groups")
        _positive(self, "input_elements_per_item", "skip_elements_per_item", minimum=0)
        for name in ("routed_fraction", "tap_fraction"):
            object.__setattr__(self, name, check_real(f"MatrixOp {self.name!r}: {name}", getattr(self, name), 0, 1,
                                                      low_open=True))
        for name in ("input_zero_fraction", "weight_zero_fraction"):
            if getattr(self, name) is not None:
                object.__setattr__(self, name, check_real(f"MatrixOp {self.name!r}: {name}", getattr(self, name), 0, 1))
        for name in ("input_sample", "weight_sample"):
            if getattr(self, name) is not None:
                sample = np.asarray(getattr(self, name), dtype=np.float64)
                if sample.ndim != 2 or not len(sample) or sample.shape[1] != self.in_features or \
                        not np.isfinite(sample).all():
                    raise ValueError(f"MatrixOp {self.name!r}: {name} must be finite rows of in_features = "
                                     f"{self.in_features} values; got shape {sample.shape}")
                object.__setattr__(self, name, sample)
        if self.weights not in WEIGHT_KINDS:
            raise ValueError(f"MatrixOp {self.name!r}: weights must be one of {WEIGHT_KINDS}; got {self.weights!r}")
        if not self.input_elements_per_item:
            object.__setattr__(self, "input_elements_per_item", self.vectors_per_item * self.groups * self.in_features)
        places = check_instance(f"MatrixOp {self.name!r}: places", self.places, tuple)
        if sum(check_int(f"MatrixOp {self.name!r}: places", n, 1) for n in places) not in (0, self.vectors_per_item):
            raise ValueError(f"MatrixOp {self.name!r}: places must sum to vectors_per_item ({self.vectors_per_item}); "
                             f"got {places!r}")
        object.__setattr__(self, "places", tuple(map(int, places)) if len(places) > 1 else ())

    @property
    def static(self) -> bool:
        return self.weights == "static"

    @property
    def parameters(self) -> int:
        """trained weights (0 for an activation product)"""
        return self.groups * self.in_features * self.out_features if self.static else 0

    @property
    def macs_per_item(self) -> int:
        """multiply-accumulates per item: of the routed vectors only, the products that meet input values"""
        return self.macs(1)

    def macs(self, items: int) -> int:
        """multiply-accumulates of ``items`` items, rounded once (an item's share of a routed expert's vectors, a
        fraction, had been rounded per item before it was multiplied)"""
        return round(items * self.vectors_per_item * self.groups * self.in_features * self.out_features
                     * self.routed_fraction * self.tap_fraction)

    @property
    def routed_places(self) -> tuple[int, ...]:
        """vectors an item keeps the op busy at each place: the routed share of each place's, at least one; (): one
        place"""
        return tuple(max(1, math.ceil(n * self.routed_fraction)) for n in self.places)

    @property
    def routed_vectors_per_item(self) -> int:
        """vectors an item keeps the op busy: the routed share of them, at least one (at each place)"""
        return sum(self.routed_places) or max(1, math.ceil(self.vectors_per_item * self.routed_fraction))

    def routed_elements(self, per_vector: int) -> int:
        """values per item of ``per_vector`` each of the routed vectors (a bias add, an expert's activation): their
        mean over items, at least one"""
        return max(1, round(self.vectors_per_item * self.routed_fraction * per_vector))

    @property
    def output_elements_per_item(self) -> int:
        return self.vectors_per_item * self.groups * self.out_features


@dataclass(frozen=True)
class VectorOp:
    """``elements_per_item`` element operations of ``kind`` on the vector unit, per item."""

    name: str
    kind: str
    elements_per_item: int
    parameters: int = 0
    """trained parameters held digitally (bias, norm gain and shift; a batch norm folded into scale and bias)"""

    def __post_init__(self) -> None:
        _positive(self, "elements_per_item")
        _positive(self, "parameters", minimum=0)
        if self.kind not in VECTOR_KINDS:
            raise ValueError(f"VectorOp {self.name!r}: kind must be one of {', '.join(VECTOR_KINDS)}; "
                             f"got {self.kind!r}")


@dataclass(frozen=True)
class CacheOp:
    """A KV cache: ``write_elements_per_item`` stored and ``read_elements_per_item`` read back per item, out of
    ``held_elements`` kept between items (keys and values of every cached token)."""

    name: str
    write_elements_per_item: int
    read_elements_per_item: int
    held_elements: int

    def __post_init__(self) -> None:
        _positive(self, "write_elements_per_item", "read_elements_per_item", "held_elements", minimum=0)


Op = MatrixOp | VectorOp | CacheOp


@dataclass(frozen=True)
class Model:
    """A network's operations per item, in execution order, with what enters and leaves it per item."""

    name: str
    item: str
    """what one item is: image, sequence, token"""
    ops: tuple[Op, ...]
    input_elements_per_item: int
    """activations read from DRAM per item (an image; token embeddings)"""
    output_elements_per_item: int
    """results written to DRAM per item (class scores, logits)"""
    tokens_per_item: int = 1
    """tokens an item holds (a sequence: its length), for per-token figures"""
    dram_parameters: int = 0
    """trained parameters kept in DRAM and only looked up (embedding tables not shared with a matrix)"""
    source: str = ""
    """where the architecture and its published sizes come from"""
    phase: str = ""
    """prefill or decode for a decoder; empty otherwise"""

    def __post_init__(self) -> None:
        if not isinstance(self.name, str):
            raise TypeError(f"Model name must be a str; got {type(self.name).__name__}")
        object.__setattr__(self, "ops", tuple(self.ops))  # a list is taken as the tuple it stands for
        strays = [f"{k}: {type(op).__name__}" for k, op in enumerate(self.ops)
                  if not isinstance(op, (MatrixOp, VectorOp, CacheOp))]
        if strays:
            raise TypeError(f"model {self.name!r}: every op must be a MatrixOp, VectorOp or CacheOp; got "
                            f"{', '.join(strays[:3])}")
        if not any(isinstance(op, MatrixOp) and op.static for op in self.ops):
            raise ValueError(f"model {self.name!r} has no static-weight matrix to put on crossbars")
        if self.phase not in ("", *PHASES):
            raise ValueError(f"model {self.name!r}: phase must be {', '.join(map(repr, PHASES))} or '' (no "
                             f"phases); got {self.phase!r}")
        if not isinstance(self.item, str) or not self.item.strip():
            raise TypeError(f"model {self.name!r}: item must name what one item is (a str: image, sequence, token); "
                            f"got {self.item!r}")
        _positive(self, "input_elements_per_item", "output_elements_per_item", "tokens_per_item")
        _positive(self, "dram_parameters", minimum=0)

    def of_type(self, kind: type) -> Iterator:
        return (op for op in self.ops if isinstance(op, kind))

    @property
    def static_ops(self) -> tuple[MatrixOp, ...]:
        return tuple(op for op in self.of_type(MatrixOp) if op.static)

    @property
    def parameters(self) -> int:
        """trained parameters: static matrices, digital ones (biases, norms) and DRAM-only tables"""
        matrices = sum(op.parameters for op in self.of_type(MatrixOp))
        vectors = sum(op.parameters for op in self.of_type(VectorOp))
        return matrices + vectors + self.dram_parameters

    @property
    def crossbar_parameters(self) -> int:
        return sum(op.parameters for op in self.static_ops)

    @property
    def macs_per_item(self) -> int:
        """every multiply-accumulate of the matrix products (static and activation)"""
        return self.macs(1)

    def macs(self, items: int) -> int:
        """every multiply-accumulate of ``items`` items (:meth:`MatrixOp.macs`)"""
        return sum(op.macs(items) for op in self.of_type(MatrixOp))

    @property
    def static_macs_per_item(self) -> int:
        return sum(op.macs_per_item for op in self.static_ops)

    @property
    def vector_elements_per_item(self) -> int:
        return sum(op.elements_per_item for op in self.of_type(VectorOp))

    @property
    def keeps_cache(self) -> bool:
        """whether it keeps a KV cache between items (a CNN, a network file: none)"""
        return any(self.of_type(CacheOp))

    @property
    def cache_elements(self) -> int:
        """KV-cache elements held between items"""
        return sum(op.held_elements for op in self.of_type(CacheOp))

    def summary(self) -> str:
        """A few lines: parameters, MACs per item (static / activation), vector and cache work."""
        label = f"{self.name} ({self.phase})" if self.phase else self.name
        act = self.macs_per_item - self.static_macs_per_item
        lines = [
            f"{label}: {_count(self.parameters)} parameters ({_count(self.crossbar_parameters)} on crossbars), "
            f"{len(self.static_ops)} weight matri{'x' if len(self.static_ops) == 1 else 'ces'}",
            f"  per {self.item}: {self.macs_per_item / 1e9:,.4g} GMACs ({self.static_macs_per_item / 1e9:,.4g} "
            f"static, {act / 1e9:,.4g} activation x activation), {self.vector_elements_per_item / 1e6:,.4g} M "
            f"vector-unit elements" + (f", {self.tokens_per_item} tokens" if self.tokens_per_item > 1 else ""),
        ]
        if self.cache_elements:
            lines.append(f"  KV cache: {self.cache_elements / 1e6:,.4g} M elements held per sequence")
        if self.source:
            lines.append(f"  source: {self.source}")
        return "\n".join(lines)


def _count(n: int) -> str:
    """a parameter count to read: millions to two decimals from 100 k on (124.44 M), the whole count below
    (4,810, where "0.00 M" had been printed)"""
    return f"{n / 1e6:,.2f} M" if n >= 100_000 else f"{n:,}"
