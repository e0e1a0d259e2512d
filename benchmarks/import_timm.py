"""Which timm model families import through ``from_torch``, and how close the network is to torch.

    python benchmarks/import_timm.py [NAME ...]

Needs torch, timm and onnx (``pip install torch timm '.[onnx]'``), none of them test dependencies: without them the
script says so and exits with status 2. One model per timm module (family): the first of its models by the size
words in their names (pico, nano, atto, femto, tiny, xxs, xs, small, mini, s, b0, 18, lite, a0), then the shortest
name; or the models named on the command line. Random weights (seed 0; a linear layer initialised to zero, as some
heads are, takes torch's default initialisation instead), 10 classes, a batch of two normal samples
of the model's own input size. A model whose input is above 256 x 256 or that has more than 60 M parameters is
listed as skipped (the run stays within about 10 minutes on 2 cores). Prints, per model, the import time, the layer
count and max |network - torch| / max |torch| (float64 network, float32 torch), or the error the import raised.
"""

from __future__ import annotations

import collections
import re
import sys
import warnings

import numpy as np

from model_names import wanted_names  # this script's folder is on the path

from import_torchvision import import_cells

SIZE_WORDS = ("pico", "nano", "atto", "femto", "tiny", "xxs", "xs", "small", "mini", "s", "b0", "18", "lite", "a0")
MAX_SIDE, MAX_PARAMETERS = 256, 60e6


def _smallest(names: list[str]) -> str:
    """the model of a family that the size words rank first (see the module docstring)"""
    def rank(name: str) -> tuple[int, int]:
        for k, word in enumerate(SIZE_WORDS):
            if re.search(rf"(^|_){word}(\d|_|$)", name) or (word in ("18", "b0", "a0") and word in name):
                return k, len(name)
        return len(SIZE_WORDS), len(name)
    return min(names, key=rank)


def main() -> int:
    try:
        import timm
        import torch
        from timm.models import _registry
        from cimsim.network.torch_import import from_torch
    except ImportError as exc:
        print(f"needs torch, timm and onnx ({exc}): pip install torch timm '.[onnx]'")
        return 2
    warnings.filterwarnings("ignore")
    families = collections.defaultdict(list)
    for name in timm.list_models():
        families[_registry._model_to_module.get(name, name)].append(name)
    given = wanted_names(__doc__, set(timm.list_models()) | set(timm.list_models(pretrained=True)))  # tagged too
    names = given or sorted(_smallest(members) for members in families.values())
    print(f"timm {timm.__version__}, torch {torch.__version__}: {len(families)} families")
    print("| model | import s | layers | max rel. error vs torch |")
    print("|---|---:|---:|---|")
    for name in names:
        torch.manual_seed(0)
        model = timm.create_model(name, pretrained=False, num_classes=10).eval()
        for layer in model.modules():  # a head that starts at zero: a zero output checks nothing
            if isinstance(layer, torch.nn.Linear) and not layer.weight.any():
                layer.reset_parameters()
        size = tuple(model.pretrained_cfg.get("input_size", (3, 224, 224)))
        parameters = sum(p.numel() for p in model.parameters())
        if not given and (size[-1] > MAX_SIDE or parameters > MAX_PARAMETERS):
            print(f"| {name} | | | skipped: input {size}, {parameters / 1e6:.0f} M parameters |", flush=True)
            continue
        x = np.random.default_rng(0).standard_normal((2,) + size).astype(np.float32)
        print(f"| {name} | {import_cells(torch, from_torch, model, x)} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
