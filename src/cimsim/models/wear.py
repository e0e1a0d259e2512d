"""How long the cells a model writes while it runs last: activation products written to arrays every item, and
weights reloaded part by part (write endurance of the array's cell family, :mod:`cimsim.cost.cells`)."""

from __future__ import annotations

from dataclasses import replace

from ..breakdown import Breakdown
from ..config.schema import Config
from ..cost.cells import array_cell

__all__ = ["with_wear"]


def with_wear(config: Config, cim: Breakdown, rewritten: frozenset[str], reload_runs: float,
              parts: int) -> tuple[Breakdown, float | None]:
    """(``cim`` with a line per kind of writing it does, seconds until its most written cells reach their write
    endurance; None where it writes no cell while running). ``rewritten``: the activation products on arrays, their
    whole operand written every item; ``reload_runs`` loads of ``parts`` parts (more than one) on one chip, each
    part's writing a cell at most once a load (a lower bound on the lifetime: a part may leave some cells
    unwritten). Reloading PCM every decode step had worn its cells out unreported."""
    family, _ = array_cell(config.device.name, config.array.family, config.device.bits_per_cell)
    endurance, lines, lifetimes = family.endurance_cycles, [], []
    if rewritten:
        lifetimes.append(endurance / cim.throughput_items_per_s)  # one write per cell per item
        lines.append(f"Activation products on arrays: {len(rewritten)} product(s) written with their whole operand "
                     f"every item ({family.name} cells, {family.write_energy_pj:.3g} pJ and {family.write_ns:.3g} ns "
                     f"a pulse, one pulse per cell, writes before reads); endurance {endurance:.0e} writes lasts "
                     f"{lifetimes[-1]:.3g} s at this rate ({family.source}).")
    if reload_runs and parts > 1:
        seconds = cim.latency_ns * 1e-9
        lifetimes.append(endurance * seconds / (reload_runs * parts))
        lines.append(f"Weights reloaded: a cell is written at most once by each of the {parts} parts every load, "
                     f"{reload_runs:g} load(s) in {seconds:.3g} s; endurance {endurance:.0e} writes ({family.name} "
                     f"cells) lasts at least {lifetimes[-1]:.3g} s at this rate ({family.source}).")
    return replace(cim, assumptions=cim.assumptions + tuple(lines)), min(lifetimes, default=None)
