"""The report of a workload priced from its shapes alone (:class:`cimsim.api.Estimate`, ``cimsim estimate``)."""

from __future__ import annotations

from .report import _share_table, _side_by_side, _time_split

__all__ = ["estimate_markdown"]


def estimate_markdown(est) -> str:
    """The two sides' figures, where their energy goes and the assumptions of both, marked as an estimate."""
    cim, base = est.cim, est.baseline
    dominant = [max(b.energy_pj.items(), key=lambda kv: kv[1]) for b in (cim, base)]
    lines = [
        f"# cimsim estimate: {cim.name}",
        "",
        f"Priced from the workload's shapes alone ({cim.mvms} {est.item}s, steady state with the weights resident), "
        "without simulating: no accuracy; the data-dependent counts estimated (`cimsim.analytic`): row drivers at "
        "their upper bound (the row of every input that is not 0 on every read, every pulse of the largest code), "
        "cells at codes uniform over their range, zeros in the stated or measured shares. `cimsim compare` "
        "simulates and prices what ran.",
        "",
        *_side_by_side(cim, base, est.gain, est.item),
        "",
        _time_split(cim),
        _time_split(base),
        "",
        f"CIM is dominated by **{dominant[0][0]}** ({100 * dominant[0][1] / cim.total_energy_pj:.1f} %); the "
        f"baseline by **{dominant[1][0]}** ({100 * dominant[1][1] / base.total_energy_pj:.1f} %).",
        "",
    ]
    for side, b in (("CIM", cim), ("Baseline", base)):
        lines += [f"## {side} ({b.name})", "", *_share_table(b.energy_pj, "energy (pJ)"), "",
                  *_share_table(b.area_um2, "area (mm²)", 1e-6), "", *(f"- {a}" for a in b.assumptions), ""]
    return "\n".join(lines)
