"""The price of a model: CIM and baseline breakdowns with the per-item and per-token figures, as text and JSON."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from ..argcheck import check_instance, markdown_cell
from ..breakdown import Breakdown
from ..config.schema import Config

__all__ = ["ModelPrice", "price_table"]


@dataclass(frozen=True)
class ModelPrice:
    """One model (one phase of a decoder) priced on a CIM design and on its baseline."""

    model: str
    phase: str
    """prefill or decode for a decoder; empty otherwise"""
    item: str
    """what one item is: image, sequence, token"""
    tokens_per_item: int
    items: int
    cim: Breakdown
    baseline: Breakdown
    chips: int
    """chips built (1 when reloading)"""
    chips_needed: int
    """chips that hold every weight at once"""
    weight_parts: int
    """parts the weights are loaded in, one after another (1 unless reloading)"""
    arrays: int
    """crossbar arrays holding the weights"""
    arrays_per_chip: int
    kv_cache: str | None
    """where the KV cache lives ('sram', 'dram'); None for a model that keeps none"""
    global_buffer_kib: tuple[float, ...]
    """global buffer of each chip (part), KiB: chip.global_buffer_kib or what its layer boundaries need"""
    cell_utilisation: float
    """cells holding a weight / cells of the arrays used"""
    parameters: int
    macs_per_item: int
    cell_lifetime_s: float | None = None
    """activation products on arrays or reloaded parts: seconds until their cells reach their write endurance (at
    least); None otherwise"""
    tiles: int | None = None
    """tiles the arrays take, each matrix on whole tiles (why the chips needed may exceed arrays / arrays_per_chip);
    None where not counted"""
    config: Config | None = field(default=None, repr=False, compare=False)
    """the design it was priced on (for its gain's range; not part of the price's repr or equality)"""

    @property
    def label(self) -> str:
        return f"{self.model} {self.phase}".strip()

    @property
    def gain(self) -> dict[str, float]:
        """baseline / CIM (throughput: CIM / baseline): > 1 means CIM wins"""
        from ..comparison import gains

        return gains(self.cim, self.baseline)

    @property
    def energy_gain_range(self) -> dict | None:
        """the energy gain with the macro's energy at silicon / model of the published macros of the design's family
        (:func:`cimsim.cost.trust.energy_gain_range`, as every comparison and estimate gives it; price-model had given
        none); None without a config or where the record has too few"""
        from ..cost import trust

        return None if self.config is None else trust.energy_gain_range(self.config, self.cim, self.baseline)

    @property
    def has_tokens(self) -> bool:
        """an item is a token or a sequence of them (a prompt of one token too), or holds several (a model of images
        has none: its per-token figures are None)"""
        return self.item in ("token", "sequence") or self.tokens_per_item > 1

    def energy_per_item_pj(self, side: Breakdown) -> float:
        return side.total_energy_pj / self.items

    def energy_per_token_pj(self, side: Breakdown) -> float | None:
        """pJ per token; None for a model without tokens"""
        return side.total_energy_pj / (self.items * self.tokens_per_item) if self.has_tokens else None

    def tokens_per_s(self, side: Breakdown) -> float | None:
        """tokens per second; None for a model without tokens"""
        return side.throughput_items_per_s * self.tokens_per_item if self.has_tokens else None

    def as_dict(self) -> dict:
        sides = {}
        for name, side in (("cim", self.cim), ("baseline", self.baseline)):
            sides[name] = side.as_dict() | {
                "energy_per_item_pj": self.energy_per_item_pj(side),
                "energy_per_token_pj": self.energy_per_token_pj(side),
                "items_per_s": side.throughput_items_per_s,
                "tokens_per_s": self.tokens_per_s(side),
            }
        return {
            "model": self.model, "phase": self.phase, "item": self.item,
            "tokens_per_item": self.tokens_per_item if self.has_tokens else None,  # (an image: no tokens)
            "items": self.items, "parameters": self.parameters, "macs_per_item": self.macs_per_item,
            "chips": self.chips, "chips_needed": self.chips_needed, "weight_parts": self.weight_parts,
            "tiles": self.tiles, "arrays": self.arrays, "arrays_per_chip": self.arrays_per_chip,
            "kv_cache": self.kv_cache,
            "global_buffer_kib": list(self.global_buffer_kib), "cell_utilisation": self.cell_utilisation,
            "cell_lifetime_s": self.cell_lifetime_s, **sides, "gain": self.gain,
            "energy_gain_range": self.energy_gain_range,
        }


def price_table(prices: Sequence[ModelPrice]) -> str:
    """A Markdown table: per item and per token energy, items and tokens per second, chips, gains (``prices``:
    ModelPrice objects, as :func:`~cimsim.models.price_model` returns them); figures with the SI prefixes of the
    other reports (:func:`cimsim.report._fmt`)."""
    from ..cost.trust import gain_range_cell
    from ..report import _fmt  # here: cimsim.report imports cimsim.models through cimsim.comparison

    if isinstance(prices, (str, bytes)) or not isinstance(prices, Iterable):
        raise TypeError(f"prices must be a sequence of ModelPrice (price_model(config, model)); got "
                        f"{type(prices).__name__}")
    prices = [check_instance(f"prices[{k}]", p, ModelPrice, "a ModelPrice (price_model(config, model))")
              for k, p in enumerate(prices)]
    rows = ["| model | per | CIM energy | CIM energy / token | CIM rate | CIM tokens/s | chips | baseline energy | "
            "baseline rate | energy gain | throughput gain |",
            "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for p in prices:
        chips = f"1 ({p.weight_parts} parts reloaded)" if p.weight_parts > 1 else str(p.chips)
        g = p.gain
        rows.append(
            f"| {markdown_cell(p.label)} | {markdown_cell(p.item)} | "
            f"{_fmt(p.energy_per_item_pj(p.cim) * 1e-12, 'J')} | "
            f"{_fmt(p.energy_per_token_pj(p.cim) * 1e-12, 'J') if p.has_tokens else '-'} | "
            f"{_rate(p.cim.throughput_items_per_s)} | "
            f"{_fmt(p.tokens_per_s(p.cim), '').rstrip() if p.has_tokens else '-'} | {chips} | "
            f"{_fmt(p.energy_per_item_pj(p.baseline) * 1e-12, 'J')} | "
            f"{_rate(p.baseline.throughput_items_per_s)} | {g['energy']:.3g}x{gain_range_cell(p.energy_gain_range)} | "
            f"{g['throughput']:.3g}x |")
    return "\n".join(rows)


def _rate(per_s: float) -> str:
    """items per second: with an SI prefix from 1 /s up (1.2 k/s), as a plain number below (0.0174 /s: a milli-
    prefix had read '17.4 m/s', metres per second)"""
    from ..report import _fmt  # here: cimsim.report imports cimsim.models through cimsim.comparison

    return _fmt(per_s, "/s") if not 0 < per_s < 1 else f"{per_s:.3g} /s"
