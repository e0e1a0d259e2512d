"""Which models exported by torch's dynamo exporter (``torch.onnx.export(..., dynamo=True, opset_version=23)``) load
through ``load_network``, and how close the network is to torch.

    python benchmarks/import_dynamo.py [NAME ...]

Needs torch, torchvision, timm, transformers, onnx and onnxscript (none of them test dependencies): without them
the script says so and exits with status 2. Random weights (seed 0), one sample: torchvision classifiers at
224 x 224 (Inception v3 at 299; MViT v2-S: 16 frames), timm models at 224 x 224, small HF transformers (2 layers,
hidden size 32, 8 token ids or a 32 x 32 image). Prints, per model, the export + import time, the layer count and
max |network - torch| / max |torch| (nan where torch's output is all zero), or the error.
"""

from __future__ import annotations

import logging
import os
import sys
import tempfile
import time
import warnings

import numpy as np

from model_names import wanted_names  # this script's folder is on the path

H = 32
TORCHVISION = ("resnet18", "mobilenet_v3_small", "convnext_tiny", "efficientnet_b0", "alexnet", "vgg11", "densenet121",
               "googlenet", "inception_v3", "shufflenet_v2_x0_5", "regnet_y_400mf", "resnext50_32x4d", "swin_t",
               "swin_v2_t", "maxvit_t", "vit_b_16")
TIMM = ("vit_tiny_patch16_224", "deit_tiny_patch16_224", "swin_tiny_patch4_window7_224", "mobilevitv2_050",
        "efficientformer_l1", "levit_128s")


def _hf(T) -> dict:
    small = {"num_hidden_layers": 2, "num_attention_heads": 4, "intermediate_size": 64, "vocab_size": 100}
    decoder = {**small, "num_key_value_heads": 2, "max_position_embeddings": 40}
    return {
        "bert": lambda: T.BertModel(T.BertConfig(hidden_size=H, max_position_embeddings=40, **small)),
        "gpt2": lambda: T.GPT2Model(T.GPT2Config(n_embd=H, n_layer=2, n_head=4, vocab_size=100, n_positions=40)),
        "llama": lambda: T.LlamaModel(T.LlamaConfig(hidden_size=H, **decoder)),
        "mistral": lambda: T.MistralModel(T.MistralConfig(hidden_size=H, **decoder)),
        "gemma2": lambda: T.Gemma2Model(T.Gemma2Config(hidden_size=H, head_dim=8, sliding_window=4, **decoder)),
        "qwen3": lambda: T.Qwen3Model(T.Qwen3Config(hidden_size=H, head_dim=8, **decoder)),
    }


def _wrapped(torch, model, keyword: str | None):
    """the model as a module of one tensor to one tensor (HF: its ids or pixels -> last_hidden_state)"""
    if keyword is None:
        return model.eval()

    class Output(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.model = model.eval()

        def forward(self, v):
            return self.model(**{keyword: v.long() if keyword == "input_ids" else v}).last_hidden_state

    return Output().eval()


def _row(torch, load_network, name: str, model, x) -> str:
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "model.onnx")
        try:
            torch.onnx.export(model, (x,), dynamo=True, opset_version=23).save(path)
            net = load_network(path)
        except Exception as exc:  # noqa: BLE001  (a probe: every failure is a row)
            return f"| {name} | | | {type(exc).__name__}: {' '.join(str(exc).split())[:160]} |"
        seconds = time.perf_counter() - start
        with torch.no_grad():
            ref = model(x).numpy()
        with np.errstate(invalid="ignore", divide="ignore"):
            error = float(np.abs(net.forward(x.numpy()) - ref).max() / np.abs(ref).max())
        return f"| {name} | {seconds:.1f} | {len(net.layers)} | {error:.1e} |"


def main() -> int:
    try:
        import onnxscript  # noqa: F401  (the dynamo exporter's dependency)
        import timm
        import torch
        import torchvision
        import transformers

        from cimsim.network import load_network
    except ImportError as exc:
        print(f"needs torch, torchvision, timm, transformers, onnx and onnxscript ({exc})")
        return 2
    warnings.filterwarnings("ignore")
    logging.disable(logging.CRITICAL)
    torch.manual_seed(0)
    cases = {name: (lambda n=name: torchvision.models.get_model(n, num_classes=10), None,
                    (1, 3, 299, 299) if name == "inception_v3" else (1, 3, 224, 224)) for name in TORCHVISION}
    cases["mvit_v2_s"] = (lambda: torchvision.models.video.mvit_v2_s(num_classes=10), None, (1, 3, 16, 224, 224))
    cases.update({name: (lambda n=name: timm.create_model(n, num_classes=10), None, (1, 3, 224, 224))
                  for name in TIMM})
    cases.update({f"hf {name}": (make, "input_ids", (1, 8)) for name, make in _hf(transformers).items()})
    wanted = set(wanted_names(__doc__, cases)) or set(cases)
    print(f"torch {torch.__version__}, torchvision {torchvision.__version__}, timm {timm.__version__}, transformers "
          f"{transformers.__version__}\n")
    print("| model | export + import s | layers | max rel. error vs torch |\n|---|---:|---:|---|")
    for name, (make, keyword, shape) in cases.items():
        if name in wanted:
            x = torch.randint(1, 100, shape).float() if keyword == "input_ids" else torch.randn(shape)
            print(_row(torch, load_network, name, _wrapped(torch, make(), keyword), x), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
