"""Pricing standard networks from their shapes: how long it takes, and what it says.

    python benchmarks/bench_models.py [--config configs/default.toml] [--repeat 5]

Times :func:`cimsim.models.price_model` against the targets: a 7B-class decoder <= 100 ms, ResNet-50 <= 50 ms,
judged on the best of --repeat calls after the first (a fresh call each time: nothing is cached between calls).
Each model's first call is timed apart and printed beside it: the process's first one also loads what pricing
needs once (measured for llama-7b decode: 190 ms against 26 ms in a process that had not imported numba; here the
header's imports load numba first, which leaves 32 ms against 27 ms). Then prints one table of
every model: CIM energy per item and per token, items and tokens per second, chips, energy and throughput gain
against the config's baseline. Decoders: prefill of their trained context, and decode of one token against a KV
cache of that context; weights spanning as many chips as they need.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from bench_targets import platform_lines  # this script's folder is on the path

from cimsim.config import load_config
from cimsim.cost.trust import RANGE_NOTE
from cimsim.errors import ConfigError
from cimsim.models import DECODERS, MODEL_NAMES, chips_needed, get_model, price_model, price_table

ROOT = Path(__file__).resolve().parents[1]
TARGETS_MS = {("llama-7b", "decode"): 100.0, ("llama-7b", "prefill"): 100.0, ("resnet50", None): 50.0}
"""targets: a 7B-class decoder within 100 ms, ResNet-50 within 50 ms, on a 2-core machine"""


def _price(config, model):
    """price_model with as many chips as the weights need"""
    return price_model(config, model, chips=chips_needed(config, model))


def timed_ms(config, model, repeat: int) -> tuple[float, float]:
    """(the first call's time, the best of ``repeat`` calls after it), in ms: the best excludes the first call, which
    also pays what a process loads once (imports, numba's kernels)"""
    times = []
    for _ in range(repeat + 1):
        start = time.perf_counter()
        _price(config, model)
        times.append(time.perf_counter() - start)
    return times[0] * 1e3, min(times[1:]) * 1e3


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default=str(ROOT / "configs" / "default.toml"))
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    try:
        config = load_config(args.config)
    except ConfigError as exc:  # (a missing or bad file had ended in a traceback)
        parser.error(str(exc))
    print("\n".join(platform_lines()))
    print(f"- config {args.config}; pricing time: best of {args.repeat} calls after the first (which is shown apart: "
          "it also loads what the process needs once)\n")

    print("| model | phase | first call | pricing time (best after the first) | target | pass |\n"
          "|---|---|---:|---:|---:|---|")
    failed = False
    for (name, phase), target in TARGETS_MS.items():
        first, ms = timed_ms(config, get_model(name, phase=phase), args.repeat)
        failed |= ms > target
        print(f"| {name} | {phase or '-'} | {first:.1f} ms | {ms:.1f} ms | {target:g} ms | "
              f"{'yes' if ms <= target else 'NO'} |")

    prices = []
    for name in MODEL_NAMES:
        for phase in ("prefill", "decode") if name in DECODERS else (None,):
            prices.append(_price(config, get_model(name, phase=phase)))
    print("\n" + price_table(prices))
    print("\nchips: arrays needed / arrays per chip, whole tiles per matrix; rates: steady state (decode: one "
          f"sequence); gains: baseline / CIM (throughput CIM / baseline). {RANGE_NOTE}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
