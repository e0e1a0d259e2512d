"""Whether a workload fits the chip: its layers' arrays on whole tiles (``chip.tiles``), its activations in the global
buffer (``chip.global_buffer_kib``). The chip model is :mod:`cimsim.cost.chip`."""

from __future__ import annotations

import math
from collections.abc import Sequence

from ..argcheck import check_int, checked_types
from ..config.modes import Pipeline
from ..config.schema import Config
from ..errors import ConfigError
from ..mapping import Plan

__all__ = ["tiles_for_arrays", "check_fits", "global_buffer_need_bits", "check_global_buffer"]


def tiles_for_arrays(arrays: int, arrays_per_tile: int) -> int:
    """Whole tiles holding ``arrays`` arrays: ceil(arrays / arrays_per_tile)."""
    return -(-check_int("arrays", arrays) // check_int("arrays_per_tile", arrays_per_tile))


@checked_types
def check_fits(config: Config, plans: Sequence[Plan]) -> None:
    """A ConfigError naming chip.tiles when the layers' arrays need more tiles than the chip has (one layer per
    tile at least: layers do not share a tile), and mapping.replication where its copies are what overflow."""
    chip, arrays = config.chip, [p.n_arrays for p in plans]
    tiles = [tiles_for_arrays(a, chip.arrays_per_tile) for a in arrays]
    if sum(tiles) > chip.tiles:
        per_layer = ", ".join(f"layer {i}: {a} arrays -> {t}" for i, (a, t) in enumerate(zip(arrays, tiles)))
        per_layer = per_layer if len(per_layer) <= 300 else per_layer[:300] + ", ..."
        copies = config.mapping.replication
        once = sum(tiles_for_arrays(a // copies, chip.arrays_per_tile) for a in arrays)
        fix = (f"'mapping.replication' = {copies} copies of every layer's arrays: {once} "
               f"{'tiles hold' if once != 1 else 'tile holds'} one copy; lower it, or "
               if copies > 1 and once <= chip.tiles else "")
        raise ConfigError(config.source, [("chip.tiles", (
            f"'chip.tiles': the workload needs {sum(tiles)} tiles of {chip.arrays_per_tile} arrays ({per_layer}) but "
            f"the chip has {chip.tiles}; {fix}give the chip more tiles or arrays per tile, or price a network across "
            "chips with `cimsim price-model NETWORK_FILE --chips N`"))])


def global_buffer_need_bits(config: Config, boundaries: Sequence[int]) -> int:
    """Bits of global buffer the activations at ``boundaries`` (bits per item between two layers) need: every
    boundary double-buffered when pipelined (a layer writes one item's while the next reads another's), the largest
    otherwise."""
    return 2 * sum(boundaries) if config.chip.pipeline == Pipeline.LAYER else max(boundaries, default=0)


def check_global_buffer(config: Config, boundaries: Sequence[int], capacity_bytes: int) -> None:
    """A ConfigError naming chip.global_buffer_kib where the activations at ``boundaries``
    (:func:`global_buffer_need_bits`) do not fit ``capacity_bytes``, saying how much they need (and, pipelined, what
    the largest boundary alone needs without the pipeline)."""
    need_bits = global_buffer_need_bits(config, boundaries)
    if need_bits > 8 * capacity_bytes:
        pipelined = config.chip.pipeline == Pipeline.LAYER
        alone = (f', or set chip.pipeline = "none" (the largest boundary alone: {max(boundaries) / 8192:.4g} KiB)'
                 if pipelined else "")
        raise ConfigError(config.source, [("chip.global_buffer_kib", (
            f"activations between layers need {need_bits / 8192:.4g} KiB of global buffer "
            f"({'double-buffered, every layer boundary' if pipelined else 'largest boundary'}) but "
            f"chip.global_buffer_kib is {config.chip.global_buffer_kib:g}: raise it to at least "
            f"{math.ceil(need_bits / 8192)}{alone}"))])
