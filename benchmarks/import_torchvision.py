"""Which torchvision models import through ``from_torch``, and how close the network is to torch.

    python benchmarks/import_torchvision.py [NAME ...]

Needs torch, torchvision and onnx (``pip install torch torchvision '.[onnx]'``), none of them test dependencies:
without them the script says so and exits with status 2. Every model of torchvision's classification,
segmentation (``out`` head), video and quantization modules (optical flow takes two images: left out), random
weights (seed 0; a linear layer initialised to zero, as the vision transformers' heads, takes torch's default
initialisation instead), fed a batch of two normal samples: 3 x 64 x 64 images (299 x 299 for Inception v3, 224 x 224
for the vision transformers and MaxViT), 3 x 4 x 32 x 32 clips (3 x 16 x 224 x 224 for MViT and S3D, 3 x 8 x 64 x
64 for Swin3D). Prints, per model, the import time, the layer count and max |network - torch| / max |torch|
(float64 network, float32 torch), or the error the import raised.
"""

from __future__ import annotations

import sys
import time
import warnings

import numpy as np

from model_names import wanted_names  # this script's folder is on the path


def _shape(group: str, name: str) -> tuple[int, ...]:
    """the example batch of a model (see the module docstring)"""
    if group == "video":
        if name.startswith("mvit") or name == "s3d":
            return 2, 3, 16, 224, 224
        return (2, 3, 8, 64, 64) if name.startswith("swin3d") else (2, 3, 4, 32, 32)
    side = 299 if "inception" in name else 224 if name.startswith(("vit", "swin", "maxvit")) else 64
    return 2, 3, side, side


def main() -> int:
    try:
        import torch
        import torchvision
        from torchvision import models
        from cimsim.network.torch_import import from_torch
    except ImportError as exc:
        print(f"needs torch, torchvision and onnx ({exc}): pip install torch torchvision '.[onnx]'")
        return 2
    warnings.filterwarnings("ignore")

    class Output(torch.nn.Module):
        """the model's output tensor (a segmentation model's ``out`` entry)"""

        def __init__(self, model):
            super().__init__()
            self.model = model

        def forward(self, x):
            y = self.model(x)
            return y["out"] if isinstance(y, dict) else y

    groups = {"classification": models, "segmentation": models.segmentation, "video": models.video,
              "quantization": models.quantization}
    wanted = set(wanted_names(__doc__, {n for m in groups.values() for n in models.list_models(module=m)}))
    print(f"torchvision {torchvision.__version__}, torch {torch.__version__}")
    print("| group | model | import s | layers | max rel. error vs torch |")
    print("|---|---|---:|---:|---|")
    for group, module in groups.items():
        for name in models.list_models(module=module):
            if wanted and name not in wanted:
                continue
            torch.manual_seed(0)
            extra = {"weights_backbone": None} if group == "segmentation" else {}
            model = Output(models.get_model(name, weights=None, **extra)).eval()
            for layer in model.modules():  # the vision transformers' heads start at zero: a zero output checks nothing
                if isinstance(layer, torch.nn.Linear) and not layer.weight.any():
                    layer.reset_parameters()
            x = np.random.default_rng(0).standard_normal(_shape(group, name)).astype(np.float32)
            print(f"| {group} | {name} | {import_cells(torch, from_torch, model, x)} |", flush=True)
    return 0


def import_cells(torch, from_torch, model, x: np.ndarray) -> str:
    """The table cells of importing ``model`` on ``x``: import seconds | layers | max |network - torch| / max
    |torch|, or the error from_torch raised"""
    start = time.perf_counter()
    try:
        net = from_torch(model, x)
    except ValueError as exc:
        return f" | | refused: {str(exc)[:200]}"
    seconds = time.perf_counter() - start
    with torch.no_grad():
        want = model(torch.as_tensor(x)).numpy().astype(np.float64)
    error = np.abs(net.forward(x.astype(np.float64)) - want).max() / max(np.abs(want).max(), 1e-300)
    return f"{seconds:.1f} | {len(net.layers)} | {error:.1e}"


if __name__ == "__main__":
    sys.exit(main())
