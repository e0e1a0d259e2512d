"""Where a model's weights go: its static matrices on crossbars, the crossbars on chips.

Mapping. A dense matrix (a conv after im2col) is :func:`cimsim.mapping.plan_layer` of its shape. A grouped one
(a depthwise conv: C blocks of k*k -> 1) is packed block-diagonally: ``b`` = min(rows // in, outputs per array //
out) blocks share an array (3x3 depthwise on 256-row arrays of 32 outputs: 28 channels, 252 of 256 rows, 28 of
32 outputs), and the layer is ceil(groups / b) such packed arrays, placed as that many copies of one packed
(b in x b out) block (the chip model's replication: each copy takes its share of the vectors). The packed block
is read as a dense one, its zero weights included (they conduct at the lowest level), so a depthwise layer
uses only 1 / b of the cells it reads: ``cell_utilisation`` reports the share of cells holding a weight. A last
block that the groups leave part-filled (32 channels: 28 + 4) takes a full block's arrays and time, but its reads
and activations are its own groups' rows and columns (:attr:`Placed.last`); it is programmed as a full one.

Chips. Matrices are placed in execution order on whole tiles (a matrix never shares a tile, as in
:mod:`cimsim.cost.chip`); a chip is full when the next matrix would take it past ``chip.tiles``, and that matrix
starts the next chip. A matrix larger than a whole chip is cut into pieces of at most one chip each: a dense one
by output columns (every piece reads the whole input; the outputs of earlier pieces travel on to be gathered), a
grouped one by whole packed blocks of groups (each piece reads its groups' share of the input; the inputs of later
pieces and the outputs of earlier ones travel on beside it). Non-matrix ops
run on the chip of the matrix before them. What crosses from one chip to the next, per item: the input and the
skip activations (``MatrixOp.skip_elements_per_item``) of the next chip's first matrix (the model's outputs among them,
a cut last matrix's, at the accumulator's width: :meth:`ChipPart.inbound_bits`).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from ..argcheck import check_instance, checked_types
from ..config.schema import Config
from ..cost.chip_capacity import tiles_for_arrays
from ..cost.cim import stored_cells
from ..mapping import Plan, plan_layer
from ..packing import packed_layer
from .ops import CacheOp, MatrixOp, Model, VectorOp
from .transformer import Decoder

__all__ = ["Placed", "ChipPart", "check_arguments", "place_model", "packed_plan", "last_block"]


@dataclass(frozen=True)
class Placed:
    """A static matrix (or a piece of one) on its arrays."""

    op: MatrixOp
    plan: Plan
    """the packed block's plan; ``plan.replication`` includes the packed blocks (copies of it)"""
    blocks: int
    """packed blocks (1 for a dense matrix)"""
    rewritten: bool = False
    """an activation product on arrays, its operand written every item (not a weight fetched and programmed)"""
    last: Plan | None = None
    """the plan of one copy of a part-filled last packed block (its own groups only); None: every block full"""
    final: bool = False
    """a piece of the model's last matrix: its outputs leave the model, at the accumulator's width"""
    carried: int = 0
    """of its skip activations per item, the model's outputs earlier pieces of its last matrix made (cut by columns
    or by groups): carried at the accumulator's width (at the inputs' they had made a cut head cheaper; a probe)"""

    @property
    def vectors_per_item(self) -> int:
        """vectors one copy of the packed plan sees per item, summed over the copies"""
        return self.op.vectors_per_item * self.blocks

    @property
    def busy_vectors_per_item(self) -> int:
        """vector times an item keeps the arrays busy: :attr:`vectors_per_item`, or a routed expert's share of them
        (``MatrixOp.routed_vectors_per_item``)"""
        return self.op.routed_vectors_per_item * self.blocks

    @property
    def busy_places(self) -> tuple[int, ...]:
        """a shared matrix's :attr:`busy_vectors_per_item` at each of its places (``MatrixOp.places``, a chain
        through every copy); (): one place"""
        return tuple(n * self.blocks for n in self.op.routed_places)

    @property
    def cells(self) -> int:
        """cells holding the matrix (every slice, both columns of a pair, reference columns; every copy, a
        part-filled last block as a full one: its arrays are written row by row as the others)"""
        return stored_cells(self.plan)

    @property
    def weight_cells(self) -> int:
        """cells holding a weight of the model (block-diagonal zeros left out)"""
        p = self.plan
        return self.op.parameters * p.n_slices * p.polarities * self.plan.replication // self.blocks


@dataclass
class ChipPart:
    """What one chip holds: its matrices and the other ops that run on it, in order."""

    placed: list[Placed] = field(default_factory=list)
    vector_ops: list[VectorOp] = field(default_factory=list)
    activation_ops: list[MatrixOp] = field(default_factory=list)
    cache_ops: list[CacheOp] = field(default_factory=list)
    tiles: int = 0

    @property
    def arrays(self) -> int:
        return sum(p.plan.n_arrays for p in self.placed)

    @property
    def inbound_elements_per_item(self) -> int:
        """activations it receives from the chip before, per item"""
        first = self.placed[0].op
        return first.input_elements_per_item + first.skip_elements_per_item

    def inbound_bits(self, bits: int) -> int:
        """bits it receives from the chip before, per item: activations at ``bits``, the model's outputs it carries
        (:attr:`Placed.carried`) at their accumulator's width"""
        carried = self.placed[0].carried
        return (self.inbound_elements_per_item - carried) * bits + carried * self.placed[0].plan.accumulator_bits


@checked_types
def packed_plan(config: Config, op: MatrixOp) -> tuple[Plan, int]:
    """(plan of one packed block with replication x blocks, blocks) of a static matrix
    (:func:`cimsim.packing.packed_layer`)."""
    return packed_layer(config, op.in_features, op.out_features, op.groups)


@checked_types
def last_block(config: Config, op: MatrixOp, plan: Plan, blocks: int) -> Plan | None:
    """the plan of one copy of ``op``'s last packed block (of ``blocks`` of ``plan``, :func:`packed_plan`) where its
    groups fill it only in part (32 groups of 28 a block: the 4 left), else None"""
    left = op.groups - (blocks - 1) * (plan.in_features // op.in_features)
    return None if left * op.in_features == plan.in_features else plan_layer(
        config, left * op.in_features, left * op.out_features)


def _pieces(config: Config, op: MatrixOp, plan: Plan, blocks: int) -> list[MatrixOp]:
    """``op`` cut so that each piece fits one chip: by output columns, or (grouped) by whole packed blocks"""
    chip = config.chip
    tiles = tiles_for_arrays(plan.n_arrays, chip.arrays_per_tile)
    if tiles <= chip.tiles:
        return [op]
    grouped = op.groups > 1  # a unit: a packed block's arrays, or one column tile's
    unit = plan.n_arrays // blocks if grouped else plan.row_tiles * plan.replication
    fit = chip.tiles * chip.arrays_per_tile // unit
    if fit < 1:
        what = (f"one packed block of {plan.in_features // op.in_features} group(s) ({unit} arrays)" if grouped else
                f"one column of arrays ({unit} arrays: {plan.row_tiles} row tiles x {plan.replication} copies)")
        raise ValueError(f"{op.name}: {what} does not fit one chip ({chip.tiles} tiles of {chip.arrays_per_tile}); "
                         "enlarge chip.tiles or chip.arrays_per_tile")
    if grouped:
        return _group_pieces(op, fit * (plan.in_features // op.in_features))
    width = fit * plan.outputs_per_array
    pieces, done = [], 0
    while done < op.out_features:
        out = min(width, op.out_features - done)
        pieces.append(replace(op, name=f"{op.name}[{done}:{done + out}]", out_features=out,
                              input_elements_per_item=op.input_elements_per_item,
                              skip_elements_per_item=op.skip_elements_per_item + op.vectors_per_item * done))
        done += out
    return pieces


def _group_pieces(op: MatrixOp, per_piece: int) -> list[MatrixOp]:
    """``op`` cut into pieces of ``per_piece`` groups: each reads its groups' share of the input; the inputs of the
    later pieces and the outputs of the earlier ones pass it by (its skip activations)"""
    pieces, share = [], lambda g: op.input_elements_per_item * g // op.groups
    for start in range(0, op.groups, per_piece):
        stop = min(start + per_piece, op.groups)
        skip = op.vectors_per_item * op.out_features * start + share(op.groups) - share(stop)
        pieces.append(replace(op, name=f"{op.name}[groups {start}:{stop}]", groups=stop - start,
                              input_elements_per_item=max(1, share(stop) - share(start)),
                              skip_elements_per_item=op.skip_elements_per_item + skip))
    return pieces


def check_arguments(config, model) -> None:
    """A TypeError unless ``config`` is a Config and ``model`` a Model (a Decoder is told to pick its phase)."""
    check_instance("config", config, Config)
    if isinstance(model, Decoder):
        raise TypeError(f"model must be a cimsim.models Model; a Decoder ({model.name}) has two phases: give "
                        "decoder.prefill(seq_len) or decoder.decode(context), or get_model(name, phase=...)")
    check_instance("model", model, Model,
                   "a cimsim.models Model (get_model(name), or Decoder(...).prefill(seq_len) / .decode(context))")


def place_model(config: Config, model: Model, rewritten: frozenset[str] = frozenset()) -> list[ChipPart]:
    """The model's ops on as few chips as the placement rule allows (module docstring), in execution order; the
    static matrices named in ``rewritten`` (activation products put on arrays) are marked :attr:`Placed.rewritten`."""
    check_arguments(config, model)
    plans: dict[tuple[int, int, int], tuple[Plan, int, Plan | None]] = {}

    def plan_of(op: MatrixOp) -> tuple[Plan, int, Plan | None]:
        key = (op.in_features, op.out_features, op.groups)
        if key not in plans:
            plan, blocks = packed_plan(config, op)
            plans[key] = plan, blocks, last_block(config, op, plan, blocks)
        return plans[key]

    limit, per_tile = config.chip.tiles, config.chip.arrays_per_tile
    parts = [ChipPart()]
    final = max((i for i, op in enumerate(model.ops) if isinstance(op, MatrixOp) and op.static), default=-1)
    for index, op in enumerate(model.ops):
        part = parts[-1]
        if isinstance(op, VectorOp):
            part.vector_ops.append(op)
        elif isinstance(op, CacheOp):
            part.cache_ops.append(op)
        elif not op.static:
            part.activation_ops.append(op)
        else:
            made = 0  # the outputs per item the op's earlier pieces made
            for piece in _pieces(config, op, *plan_of(op)[:2]):
                plan, blocks, last = plan_of(piece)
                tiles = tiles_for_arrays(plan.n_arrays, per_tile)
                if parts[-1].placed and parts[-1].tiles + tiles > limit:
                    parts.append(ChipPart())
                parts[-1].placed.append(Placed(piece, plan, blocks, op.name in rewritten, last, index == final,
                                               made if index == final else 0))
                parts[-1].tiles += tiles
                made += piece.vectors_per_item * piece.out_features * piece.groups
    return parts
