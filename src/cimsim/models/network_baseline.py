"""A network's matrix layers on the von Neumann baseline (:func:`cimsim.comparison.price_network`): each layer by
its own rule (:func:`cimsim.models.baseline.product_runs`), one after the other on the one processor."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..breakdown import Breakdown, repeated
from ..config.modes import Dataflow
from ..config.schema import Config
from ..mapping import Plan, plan_layer
from ..network import MatrixShape
from .baseline import baseline_blocks, conv_map_bits, fetch_span, items_per_fetch, product_runs


@dataclass(frozen=True)
class NetworkMatrix:
    """One matrix layer of a network run: its plan, its shape, the vectors it reads over all the run's samples and
    the input values a sample's places read (a conv's input map; None: its vectors')."""

    plan: Plan
    shape: MatrixShape
    vectors: int
    map_values: int | None


@dataclass(frozen=True)
class NetworkRun:
    """A network's matrix layers run for ``samples`` items on ``config``'s baseline; each sample reads
    ``input_elements`` inputs from DRAM (at the first layer's input_bits) and writes ``output_elements`` outputs to it
    (at the last's accumulator_bits). ``load``: the weight load is priced; ``too_big``: the static weights together
    exceed the on-chip memory (fetched once per run, :data:`cimsim.models.baseline.RUN_FETCH`)."""

    config: Config
    matrices: list[NetworkMatrix]
    samples: int
    input_elements: int
    output_elements: int
    load: bool
    too_big: bool
    _cache: dict[tuple, list[Breakdown]] = field(default_factory=dict, compare=False, repr=False)

    def products(self, items: int) -> tuple[list[Breakdown], tuple[float | None, float] | None]:
        """The layers' breakdowns for ``items`` of the samples (each layer's vectors its share), and the fewest items
        a streamed fetch serves and the most one layer holds together (:func:`fetch_span`)."""
        parts, served, loaded, last = [], [], [], len(self.matrices) - 1
        stationary = self.config.baseline.dataflow == Dataflow.WEIGHT_STATIONARY
        for index, m in enumerate(self.matrices):
            p, shape = m.plan, m.shape
            in_bits = items * self.input_elements * p.input_bits if index == 0 else 0
            vectors = m.vectors if items == self.samples else max(1, round(m.vectors * items / self.samples))
            per_item = max(1, round(vectors / items)) if items else 1  # a sample's vectors share a fetch
            block, fits, runs = product_runs(self.config, shape.in_features // shape.groups,
                                             shape.out_features // shape.groups, per_item, vectors,
                                             shape.routed_fraction, shape.tap_fraction, self.load)
            # the output at a group's sum width, as the shapes route's (a packed plan's is its whole block's rows')
            out_bits = items * self.output_elements * plan_layer(block).accumulator_bits if index == last else 0
            held = (m.map_values * shape.routed_fraction / shape.groups / per_item * p.input_bits
                    if m.map_values is not None else None)
            written = conv_map_bits(held, shape.routed_fraction, shape.tap_fraction)
            if stationary or not fits:  # a fetch, or a resident layer's register load
                (loaded if fits else served).append(items_per_fetch(block, vectors, per_item, self.load, held))
            for n, weight in runs:
                key = (shape.in_features, shape.out_features, shape.groups, n, block.baseline.batch,
                       in_bits + out_bits, held, written)
                if key not in self._cache:
                    self._cache[key] = baseline_blocks(block, n, shape.groups, include_weight_load=self.load,
                                                       held_input_bits=held, map_input_bits=written,
                                                       io_bits=in_bits + out_bits,
                                                       one_off_load=not self.too_big)
                parts += [repeated(b, weight) for b in self._cache[key]]
        return parts, fetch_span(served, loaded, items)
