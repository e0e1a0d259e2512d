"""Speed of a whole network on crossbars: ResNet-18 on 32x32 images, against numpy's float64 forward of the same graph.

    python benchmarks/bench_networks.py [--images 10000] [--chunk 250] [--repeat 3] [--sharded 2000]

The network is torchvision's ResNet-18 graph (7x7 stem, max pool, 8 basic blocks, 64-512 channels, global pool,
10 classes) with random weights (He-scaled, default_rng(0)), built directly as a cimsim graph (no torch needed).
The reference is ``Network.forward(x)``: float64 ``rows @ matrix.T`` on the same im2col rows, everything else
identical. cimsim runs every matrix layer on its own crossbars with the bench_targets design (8-bit weights in one
differential 7-bit slice, bipolar 8-bit parallel DAC, 8-bit ADC at range max, 256 x 256 arrays read at once,
ideal devices). Both take turns on the same chunk (best of --repeat); then every image streams through the
crossbars in chunks, and the peak resident memory of the process is printed. Last, ``simulate_network`` runs
--sharded images (float, digital and analog passes, noisy reads, calibrated ADC) in this process and split over
2 local worker processes: the speed-up, and whether every figure is identical.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

import cimsim.openblas  # noqa: F401  (first: caps OpenBLAS's idle spinning before numpy loads it)
import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from bench_targets import design, machine, race  # noqa: E402

from cimsim.config import with_overrides  # noqa: E402
from cimsim.inference import simulate_network  # noqa: E402
from cimsim.network import Conv2d, Dense, Elementwise, Flatten, GlobalAvgPool2d, MaxPool2d, Network, ReLU  # noqa: E402
from cimsim.numerics import build_crossbar  # noqa: E402


def resnet18(classes: int = 10, seed: int = 0) -> Network:
    """torchvision's ResNet-18 as a cimsim graph, batch norm folded into conv biases, random He-scaled weights."""
    rng = np.random.default_rng(seed)
    layers, inputs = [], []

    def add(layer, *reads) -> int:
        layers.append(layer)
        inputs.append(tuple(reads))
        return len(layers)  # the value number of its output

    def conv(cin, cout, k, stride, pad):
        w = rng.standard_normal((cout, cin, k, k)) * np.sqrt(2.0 / (cin * k * k))
        return Conv2d(w, rng.standard_normal(cout) * 0.1, stride, pad)

    v = add(conv(3, 64, 7, 2, 3), 0)
    v = add(MaxPool2d(3, 2, 1), add(ReLU(), v))
    cin = 64
    for cout, stride in ((64, 1), (128, 2), (256, 2), (512, 2)):
        for block in range(2):
            s = stride if block == 0 else 1
            h = add(ReLU(), add(conv(cin, cout, 3, s, 1), v))
            h = add(conv(cout, cout, 3, 1, 1), h)
            skip = v if s == 1 and cin == cout else add(conv(cin, cout, 1, s, 0), v)
            v = add(ReLU(), add(Elementwise("add"), h, skip))
            cin = cout
    v = add(Flatten(), add(GlobalAvgPool2d(), v))
    add(Dense(rng.standard_normal((classes, 512)) / np.sqrt(512)), v)
    return Network(tuple(layers), (3, 32, 32), tuple(inputs))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=10_000)
    parser.add_argument("--chunk", type=int, default=250)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--sharded", type=int, default=2000, help="images of the sharded run (0: skip it)")
    args = parser.parse_args()
    for name in ("images", "chunk", "repeat"):
        if getattr(args, name) < 1:
            parser.error(f"--{name} must be at least 1")
    if args.sharded < 0 or 0 < args.sharded <= args.chunk:  # (no more than a chunk runs in this process alone)
        parser.error(f"--sharded must be 0 (skip it) or more images than --chunk ({args.chunk}), which 2 workers "
                     f"share whole chunks of; got {args.sharded}")
    if args.chunk > 2 ** 24:
        parser.error(f"--chunk must be at most 2**24 (simulation.batch_size); got {args.chunk}")
    print("\n".join(machine()))
    net = resnet18()
    shapes = net.matrix_shapes()
    macs = sum(s.in_features * s.out_features * s.rows_per_sample for s in shapes)
    print(f"- ResNet-18 on 3x32x32: {len(shapes)} matrix layers, {macs / 1e6:.1f} M MACs per image")
    config = design(256, args.chunk)
    start = time.perf_counter()
    xbars = []
    for shape, layer in zip(shapes, net.matrix_layers()):
        xbar = build_crossbar(config, shape.in_features, shape.out_features, key=(0, shape.index))
        xbar.program(layer.matrix)
        xbars.append(xbar)
    print(f"- programming every layer: {time.perf_counter() - start:.2f} s")

    def analog(index, layer, rows):
        return xbars[index].mvm(rows)

    x = np.random.default_rng(1).uniform(0, 1, (args.chunk, 3, 32, 32))
    best, out = race({"numpy float64 forward": lambda: net.forward(x),
                      "cimsim crossbars": lambda: net.forward(x, analog)}, args.repeat)
    ref, sim = best["numpy float64 forward"], best["cimsim crossbars"]
    agree = float(np.mean(out["cimsim crossbars"].argmax(1) == out["numpy float64 forward"].argmax(1)))
    print(f"\n| case | numpy float64 | cimsim | ratio | limit |\n|---|---:|---:|---:|---:|\n"
          f"| ResNet-18, {args.chunk} images of 3x32x32 | {ref:.3f} s | {sim:.3f} s | {sim / ref:.2f}x | 1.5x |")
    print(f"\ntop-1 agreement with float on that chunk: {agree:.3f} (the bench_targets design's 8-bit ADC at range "
          "max over 256-row reads is coarse; with lossless converters the pipeline is exact: tests/test_graphs.py)")
    start, done = time.perf_counter(), 0
    rng = np.random.default_rng(2)
    while done < args.images:
        n = min(args.chunk, args.images - done)
        net.forward(rng.uniform(0, 1, (n, 3, 32, 32)), analog)
        done += n
    wall = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{args.images} images streamed in chunks of {args.chunk}: {wall:.1f} s ({args.images / wall:.0f} "
          f"images/s), peak RSS {peak_mb:.0f} MB (limit 2048 MB)")
    if args.sharded:
        sharded(net, with_overrides(config, {"workload.kind": "network", "adc.range": "calibrated",
                                             "device.read_noise_sigma": 0.02}), args.sharded)


def sharded(net: Network, config, images: int) -> None:
    x = np.random.default_rng(3).uniform(0, 1, (images, 3, 32, 32))
    times, results = {}, {}
    for workers in (None, 2):
        start = time.perf_counter()
        results[workers] = simulate_network(config, network=net, inputs=x, workers=workers)
        times[workers] = time.perf_counter() - start
    one, two = results[None], results[2]
    identical = ((one.analog_accuracy, one.digital_accuracy, one.vs_float) ==
                 (two.analog_accuracy, two.digital_accuracy, two.vs_float)
                 and all(a.counts == b.counts and a.vs_digital == b.vs_digital for a, b in zip(one.layers, two.layers)))
    print(f"\nsimulate_network, {images} images (float, digital, analog passes): one process {times[None]:.1f} s, "
          f"2 local workers {times[2]:.1f} s (speed-up {times[None] / times[2]:.2f}x, worker start-up included); "
          f"results identical: {identical}")


if __name__ == "__main__":
    main()
