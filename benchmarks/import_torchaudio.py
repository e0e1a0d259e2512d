"""Which torchaudio models import through ``from_torch``, and how close the network is to torch.

    python benchmarks/import_torchaudio.py [NAME ...]

Needs torch, torchaudio and onnx (``pip install torch torchaudio '.[onnx]'``), none of them test dependencies:
without them the script says so and exits with status 2. Small configurations of torchaudio's speech models with
random weights (seed 0), a batch of two normal samples: Wav2Letter (13 MFCC features x 50 frames), DeepSpeech (a
bidirectional RNN with relu; 20 frames of 13 features), Conformer (12 frames of 16 features, every frame valid)
and ConvTasNet (160 audio samples). Prints, per model, the import time, the layer count and max |network - torch|
/ max |torch|, or the error the import raised.
"""

from __future__ import annotations

import sys
import warnings

import numpy as np

from import_torchvision import import_cells
from model_names import wanted_names  # this script's folder is on the path


def main() -> int:
    try:
        import torch
        import torchaudio
        from torchaudio import models
        from cimsim.network.torch_import import from_torch
    except ImportError as exc:
        print(f"needs torch, torchaudio and onnx ({exc}): pip install torch torchaudio '.[onnx]'")
        return 2
    warnings.filterwarnings("ignore")

    class Output(torch.nn.Module):
        """the model's output tensor for one input tensor"""

        def __init__(self, model, call):
            super().__init__()
            self.model, self.call = model, call

        def forward(self, x):
            return self.call(self.model, x)

    cases = {
        "Wav2Letter": (lambda: models.Wav2Letter(num_classes=10, input_type="mfcc", num_features=13),
                       lambda m, x: m(x), (2, 13, 50)),
        "DeepSpeech": (lambda: models.DeepSpeech(n_feature=13, n_hidden=16, n_class=10), lambda m, x: m(x),
                       (2, 1, 20, 13)),
        "Conformer": (lambda: models.Conformer(input_dim=16, num_heads=2, ffn_dim=32, num_layers=2,
                                               depthwise_conv_kernel_size=5),
                      lambda m, x: m(x, torch.full((x.shape[0],), x.shape[1]))[0], (2, 12, 16)),
        "ConvTasNet": (lambda: models.ConvTasNet(num_sources=2, enc_kernel_size=8, enc_num_feats=16,
                                                 msk_kernel_size=3, msk_num_feats=8, msk_num_hidden_feats=16,
                                                 msk_num_layers=2, msk_num_stacks=1), lambda m, x: m(x), (2, 1, 160)),
    }
    wanted = set(wanted_names(__doc__, cases)) or set(cases)
    print(f"torchaudio {torchaudio.__version__}, torch {torch.__version__}")
    print("| model | import s | layers | max rel. error vs torch |")
    print("|---|---:|---:|---|")
    for name, (make, call, shape) in cases.items():
        if name not in wanted:
            continue
        torch.manual_seed(0)
        model = Output(make().eval(), call).eval()
        x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
        print(f"| {name} | {import_cells(torch, from_torch, model, x)} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
