"""A grouped matrix (a grouped or depthwise convolution) packed block-diagonally onto arrays.

A convolution of ``groups`` channel groups is ``groups`` independent products of in -> out (per group). A chip does
not program its whole block-diagonal matrix (every output would then sum every group's rows over many row tiles,
the other groups' zero cells with their error and noise): ``per_block`` groups, as many as one array's rows and
outputs take (3x3 depthwise on 256-row arrays of 32 outputs: 28 channels, 252 of 256 rows), share a packed block,
read whole with its zero cells, and the layer is ceil(groups / per_block) such blocks, placed as that many copies
of one packed block (the chip model's replication: each copy takes its share of the vectors). Both routes map a
grouped matrix so: the functional core's :class:`~cimsim.numerics.grouped.GroupedCrossbar` and price-model's
:mod:`cimsim.models.placement`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from .analytic import DataStats, analytic_counts
from .config.schema import Config
from .counts import Counts
from .mapping import Plan, plan_layer

__all__ = ["groups_per_block", "packed_layer", "block_spans", "packed_blocks", "packed_counts"]


def groups_per_block(config: Config, in_features: int, out_features: int, groups: int) -> int:
    """groups of (``in_features`` -> ``out_features``) one packed block holds: as many as an array's rows and
    outputs take, at least one, at most ``groups``"""
    per_array = plan_layer(config, in_features, out_features).outputs_per_array
    return max(1, min(config.array.rows // in_features, per_array // out_features, groups))


def packed_layer(config: Config, in_features: int, out_features: int, groups: int) -> tuple[Plan, int]:
    """(plan of one packed block, its replication times the blocks; blocks) of ``groups`` products of
    (``in_features`` -> ``out_features``) each (module doc); one group: the matrix's own plan"""
    spans = block_spans(config, in_features, out_features, groups)
    per_block = spans[0][1] - spans[0][0]
    plan = plan_layer(config, per_block * in_features, per_block * out_features)
    return replace(plan, replication=plan.replication * len(spans)), len(spans)


def block_spans(config: Config, in_features: int, out_features: int, groups: int) -> list[tuple[int, int]]:
    """the groups [first, stop) of each packed block of ``groups`` products of (``in_features`` ->
    ``out_features``) each: whole blocks of :func:`groups_per_block`, the last holding the groups left"""
    per_block = groups_per_block(config, in_features, out_features, groups) if groups > 1 else 1
    return [(g, min(groups, g + per_block)) for g in range(0, groups, per_block)]


def packed_blocks(plan: Plan, in_features: int, groups: int) -> int:
    """packed blocks of a grouped matrix of ``groups`` groups of ``in_features`` inputs whose packed block is
    ``plan`` (:func:`packed_layer`): each reads every vector of the matrix"""
    return -(-groups // (plan.in_features // in_features))


def packed_counts(config: Config, in_features: int, out_features: int, groups: int, vectors: int,
                  data_of: Callable[[Plan, slice, slice], DataStats]) -> tuple[Plan, Counts]:
    """(:func:`packed_layer`'s plan, the counts of ``vectors`` vectors through every packed block, each on its own
    plan (the last's may hold fewer groups) at the data ``data_of(plan, its rows, its columns)`` of the
    block-diagonal matrix gives it) of ``groups`` products of (``in_features`` -> ``out_features``) each, as the
    functional core's :class:`~cimsim.numerics.grouped.GroupedCrossbar` reads them; the MACs are the groups' own"""
    counts = []
    for a, b in block_spans(config, in_features, out_features, groups):
        plan = plan_layer(config, (b - a) * in_features, (b - a) * out_features)
        data = data_of(plan, slice(a * out_features, b * out_features), slice(a * in_features, b * in_features))
        counts.append(analytic_counts(plan, vectors, data))
    macs = vectors * groups * in_features * out_features
    return packed_layer(config, in_features, out_features, groups)[0], replace(Counts.total(counts), macs=macs)
