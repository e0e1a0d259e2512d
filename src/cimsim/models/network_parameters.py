"""Which arrays of an imported network count as its parameters (``Model.parameters``, ``Model.dram_parameters``;
:mod:`cimsim.models.from_network`'s module doc says what counts): each array once, each embedding table's content
once, masks along a position axis of the example and index grids not at all."""

from __future__ import annotations

import hashlib
import math

import numpy as np

from ..network import Dense, Network

__all__ = ["MASK_FILL", "counted", "positional", "memory_parameters"]


def counted(array: np.ndarray | None, seen: set[int], vectors_only: bool = False) -> int:
    """the parameters ``array`` adds (module doc): 0 for None or an array counted before (``seen``: the ids of
    those, updated); ``vectors_only``: 0 too unless exactly one axis is longer than 1. Arrays of equal values count
    apart (distinct layers may hold equal values: a deep copy, a deterministic init such as Mamba's A_log), so the
    copies a loop over the tokens unrolled by the export makes of its constants count once a step (docs/models.md)"""
    if array is None or id(array) in seen:
        return 0
    seen.add(id(array))
    return 0 if vectors_only and (sum(n > 1 for n in array.shape) != 1 or _index_grid(array)) else int(array.size)


def _index_grid(array: np.ndarray) -> bool:
    """whether ``array`` holds evenly spaced integers, two different at least (one_hot's classes, position ids):
    positions the network computes against, not trained values"""
    values = np.ravel(array)
    steps = np.diff(values)
    return bool(np.all(np.isfinite(values)) and np.all(values == np.round(values)) and steps[0] != 0
                and np.all(steps == steps[0]))


MASK_FILL = -1e4
"""a constant's value at or below this (or -inf), beside zeros, is a mask's fill: the attention scores it removes"""


def positional(array: np.ndarray | None, operand: tuple[int, ...], positions: set[int]) -> bool:
    """whether an affine layer's constant, read with a value of shape ``operand``, is one the export computed from
    the example's shape, not a trained value: a mask (values 0 and 1, or 0 and a fill, :data:`MASK_FILL`; all ones
    or all zeros too) of one axis longer than 1, of a length in ``positions`` (the example's position axes), unless
    along the operand's features (its last axis, broadcast over its other axes; an image's first of three, whatever
    its map: a batch norm's untrained zero shift on a 1 x 1 map of as many channels as the image's side had been
    taken for a mask, the count moving with the image's size, a probe), as a norm's gains, all ones untrained, are"""
    long = [k for k, n in enumerate(np.shape(array)) if n > 1]
    if array is None or len(long) != 1 or array.shape[long[0]] not in positions:
        return False
    values = np.unique(array)
    mask = set(values.tolist()) <= {0.0, 1.0} or (len(values) == 2 and values[1] == 0 and values[0] <= MASK_FILL)
    axis = len(operand) - array.ndim + long[0]  # the operand's axis it runs along
    features = (axis == len(operand) - 1 and array.size < math.prod(operand)) or (axis == 0 and len(operand) == 3)
    return mask and not features


def _tied(table, network: Network) -> bool:
    """whether an embedding table is also a matrix layer's weight (a language model's head tied to its token
    embeddings, as GPT-2's): it is then counted once, on the crossbars"""
    return any(isinstance(layer, Dense) and layer.weight.shape == table.shape and np.array_equal(layer.weight, table)
               for layer in network.layers)


def memory_parameters(network: Network, seen: set[int]) -> int:
    """trained values only read from memory (``Model.dram_parameters``): the embedding tables no matrix layer holds
    (:func:`_tied`), each content once (an import gives each lookup of one table its own copy), and the joined
    constants of one axis longer than 1 (a class token) that hold a non-zero value (zeros joined on are padding: the
    exporter's at a conv's 1 x 1 maps, MobileViT-v2's)"""
    tables = {(t.shape, hashlib.sha256(np.ascontiguousarray(t)).hexdigest()): t.size for t in
              (layer.table for layer in network.layers if layer.kind == "embedding") if not _tied(t, network)}
    return sum(tables.values()) + sum(counted(layer.constant, seen, vectors_only=True) for layer in network.layers
                                      if layer.kind == "join_constant" and np.any(layer.constant))
