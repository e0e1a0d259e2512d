"""One 256 x 256 layer on SRAM arrays of three compute families, priced from shapes: each energy gain as modelled
and its range if the macro erred as the model did on the family's published chips, and the area likewise
(docs/validation.md). Where two families' ranges overlap, the model alone does not settle which one wins; a range
above the modelled gain says silicon of that family spent less than the model on most published chips.

Run from the repository root (it reads ``configs/``): ``python examples/family_ranges.py``
"""
import cimsim

for family in ("charge", "current", "digital"):
    est = cimsim.estimate("configs/sram-cim.toml", {"array.family": family})
    r, area = est.energy_gain_range, est.area_range
    span = f"{r['low']:.2f}-{r['high']:.2f}x over {r['macros']} {r['family']} macros" if r else "no range"
    print(f"{family:8s} energy gain {est.gain['energy']:.2f}x ({span}); area {est.cim.area_mm2:.2f} mm2"
          + (f" ({area['low']:.2f}-{area['high']:.2f})" if area else ""))
