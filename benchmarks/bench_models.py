"""Pricing standard networks from their shapes: how long it takes, and what it says.

    python benchmarks/bench_models.py [--config configs/default.toml] [--repeat 5]

Times :func:`cimsim.models.price_model` (best of --repeat calls, a fresh call each time: nothing is cached
between calls) against the targets: a 7B-class decoder <= 100 ms, ResNet-50 <= 50 ms. Then prints one table of
every model: CIM energy per item and per token, items and tokens per second, chips, energy and throughput gain
against the config's baseline. Decoders: prefill of their trained context, and decode of one token against a KV
cache of that context; weights spanning as many chips as they need.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from cimsim.config import load_config
from cimsim.models import DECODERS, MODEL_NAMES, chips_needed, get_model, price_model, price_table

ROOT = Path(__file__).resolve().parents[1]
TARGETS_MS = {("llama-7b", "decode"): 100.0, ("llama-7b", "prefill"): 100.0, ("resnet50", None): 50.0}
"""targets: a 7B-class decoder within 100 ms, ResNet-50 within 50 ms, on a 2-core machine"""


def _price(config, model):
    """price_model with as many chips as the weights need"""
    return price_model(config, model, chips=chips_needed(config, model))


def best_ms(config, model, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        _price(config, model)
        best = min(best, time.perf_counter() - start)
    return best * 1e3


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default=str(ROOT / "configs" / "default.toml"))
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    config = load_config(args.config)
    print(f"- machine: {len(os.sched_getaffinity(0))} usable cores, load average {os.getloadavg()[0]:.2f}; "
          f"config {args.config}; best of {args.repeat}\n")

    print("| model | phase | pricing time | target | pass |\n|---|---|---:|---:|---|")
    failed = False
    for (name, phase), target in TARGETS_MS.items():
        ms = best_ms(config, get_model(name, phase=phase), args.repeat)
        failed |= ms > target
        print(f"| {name} | {phase or '-'} | {ms:.1f} ms | {target:g} ms | {'yes' if ms <= target else 'NO'} |")

    prices = []
    for name in MODEL_NAMES:
        for phase in ("prefill", "decode") if name in DECODERS else (None,):
            prices.append(_price(config, get_model(name, phase=phase)))
    print("\n" + price_table(prices))
    print("\nchips: arrays needed / arrays per chip, whole tiles per matrix; rates: steady state (decode: one "
          "sequence); gains: baseline / CIM (throughput CIM / baseline)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
