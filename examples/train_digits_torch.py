"""Train the two graph networks shipped with cimsim (a residual CNN and a tiny vision transformer) in PyTorch and
write them into the package.

Needs torch, onnx and scikit-learn (``pip install torch '.[onnx,examples]'``). Run from the repository root:

    python examples/train_digits_torch.py

The data are those of ``examples/train_digits.py``: scikit-learn's 8x8 digits split 70 / 30 with
``train_test_split(test_size=0.3, random_state=0, stratify=y)``, inputs = pixels / 16; the test split is checked
against the shipped ``digits_test.npz``. Training is seeded, deterministic and single-process (2 threads), with
Adam on softmax cross-entropy:

- digits_resnet: conv 1->16 3x3 + BN + ReLU; a basic block 16->16 (conv-BN-ReLU-conv-BN + identity, ReLU); a
  basic block 16->32 with stride 2 and a 1x1 stride-2 projection (conv + BN) on the skip; global average pool;
  dense 32->10. Batch norms are folded into the convolutions by the export (eval mode).
- digits_vit: the image cut into 16 patches of 2x2 by reshape / permute, each embedded to d = 32 by one dense
  layer, a learned position embedding (a constant added), two pre-norm ``TransformerEncoderLayer`` (4 heads,
  feed-forward 64, GELU, no dropout), a final LayerNorm, the mean over tokens and dense 32->10.

Each model is converted by ``cimsim.network.from_torch``, its cimsim forward pass is checked against torch's
(within 1e-4), and its float test accuracy, computed by cimsim's own forward pass on the saved file, is stored in
it as ``float_accuracy`` and printed. Outputs: src/cimsim/data/digits_{resnet,vit}.npz.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

try:
    import torch
    __import__("onnx")  # from_torch exports through it
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split
    from torch import nn
except ImportError as exc:
    sys.exit(f"examples/train_digits_torch.py needs PyTorch, onnx and scikit-learn ({exc.name or exc} is missing): "
             "pip install torch '.[onnx,examples]'")

from cimsim.network import DIGITS_SCALE, digits_test_path, from_torch, load_network, save_network

DATA = Path(__file__).resolve().parent.parent / "src" / "cimsim" / "data"
SEED = 0
TOLERANCE = 1e-4
"""largest allowed difference between torch's and cimsim's outputs of a converted model"""


def split() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """x_train, x_test (n, 1, 8, 8) float32 in [0, 1] and y_train, y_test int64: the split of train_digits.py."""
    digits = load_digits()
    pixels_train, pixels_test, y_train, y_test = train_test_split(
        digits.data.astype(np.uint8), digits.target.astype(np.uint8), test_size=0.3, random_state=SEED,
        stratify=digits.target)
    with np.load(digits_test_path(), allow_pickle=False) as shipped:
        if not (np.array_equal(shipped["pixels"], pixels_test) and np.array_equal(shipped["labels"], y_test)):
            raise RuntimeError("the test split differs from the shipped digits_test.npz")
    x_train, x_test = (p.reshape(-1, 1, 8, 8).astype(np.float32) / np.float32(DIGITS_SCALE)
                       for p in (pixels_train, pixels_test))
    return x_train, x_test, y_train.astype(np.int64), y_test.astype(np.int64)


class BasicBlock(nn.Module):
    """conv-BN-ReLU-conv-BN plus the input (through a 1x1 conv + BN when the shape changes), then ReLU."""

    def __init__(self, cin: int, cout: int, stride: int = 1):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.skip = (nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))
                     if stride != 1 or cin != cout else nn.Identity())

    def forward(self, x):
        y = torch.relu(self.bn1(self.conv1(x)))
        return torch.relu(self.bn2(self.conv2(y)) + self.skip(x))


class ResNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(1, 16, 3, 1, 1, bias=False), nn.BatchNorm2d(16), nn.ReLU())
        self.blocks = nn.Sequential(BasicBlock(16, 16), BasicBlock(16, 32, stride=2))
        self.head = nn.Linear(32, 10)

    def forward(self, x):
        return self.head(self.blocks(self.stem(x)).mean(dim=(2, 3)))


class ViT(nn.Module):
    def __init__(self, d: int = 32, patch: int = 2, layers: int = 2):
        super().__init__()
        self.patch, tokens = patch, (8 // patch) ** 2
        self.embed = nn.Linear(patch * patch, d)
        self.position = nn.Parameter(0.02 * torch.randn(1, tokens, d))
        self.layers = nn.ModuleList(
            nn.TransformerEncoderLayer(d_model=d, nhead=4, dim_feedforward=64, dropout=0.0, batch_first=True,
                                       activation="gelu", norm_first=True) for _ in range(layers))
        self.norm = nn.LayerNorm(d)
        self.head = nn.Linear(d, 10)

    def forward(self, x):
        p, n = self.patch, 8 // self.patch  # (batch, 1, 8, 8) -> (batch, n * n patches, p * p pixels)
        patches = x.reshape(-1, n, p, n, p).permute(0, 1, 3, 2, 4).reshape(-1, n * n, p * p)
        t = self.embed(patches) + self.position  # (batch, tokens, d)
        for layer in self.layers:
            t = layer(t)
        return self.head(self.norm(t).mean(dim=1))


def train(model: nn.Module, x: np.ndarray, y: np.ndarray, epochs: int, lr: float, batch: int = 32,
          weight_decay: float = 0.0) -> nn.Module:
    """Mini-batch Adam with a cosine learning-rate schedule (fixed seed)."""
    generator = torch.Generator().manual_seed(SEED)
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    steps = epochs * -(-len(x) // batch)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=weight_decay)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, lr, total_steps=steps, pct_start=0.1)
    model.train()
    for _ in range(epochs):
        order = torch.randperm(len(x), generator=generator)
        for start in range(0, len(x), batch):
            idx = order[start:start + batch]
            optimizer.zero_grad()
            nn.functional.cross_entropy(model(xt[idx]), yt[idx]).backward()
            optimizer.step()
            schedule.step()
    return model.eval()


def export(model: nn.Module, name: str, x_test: np.ndarray, y_test: np.ndarray) -> tuple[float, float, int]:
    """Convert, check against torch, save with its float accuracy; returns (accuracy, torch accuracy, params)."""
    net = from_torch(model, torch.from_numpy(x_test[:1]))
    with torch.no_grad():
        want = model(torch.from_numpy(x_test)).double().numpy()
    got = net.forward(x_test.reshape(-1, *net.input_shape)).reshape(want.shape)
    error = float(np.max(np.abs(got - want)))
    if error > TOLERANCE:
        raise RuntimeError(f"{name}: cimsim's forward differs from torch's by {error:.3g} (> {TOLERANCE})")
    path = DATA / f"{name}.npz"
    save_network(net, path)
    saved = load_network(path)
    accuracy = float(np.mean(saved.predict(x_test.reshape(-1, *saved.input_shape)) == y_test))
    save_network(saved, path, extras={"float_accuracy": np.float64(accuracy)})
    params = sum(p.numel() for p in model.parameters())
    print(f"{name}: {params} parameters, {len(saved.layers)} layers ({len(saved.matrix_layers())} on crossbars), "
          f"max |cimsim - torch| = {error:.2e}, {path.stat().st_size / 1000:.1f} kB")
    return accuracy, float(np.mean(want.argmax(axis=1) == y_test)), params


def main() -> None:
    torch.manual_seed(SEED)
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(2)
    x_train, x_test, y_train, y_test = split()
    results = {}
    for name, build, kwargs in (("digits_resnet", ResNet, dict(epochs=30, lr=3e-3)),
                                ("digits_vit", ViT, dict(epochs=100, lr=2e-3, weight_decay=1e-4))):
        torch.manual_seed(SEED)
        start = time.perf_counter()
        model = train(build(), x_train, y_train, **kwargs)
        seconds = time.perf_counter() - start
        results[name] = export(model, name, x_test, y_test)
        print(f"{name}: trained in {seconds:.1f} s")
    print(f"test samples: {len(y_test)}")
    for name, (accuracy, _, _) in results.items():
        print(f"{name} float test accuracy: {accuracy:.4f}")


if __name__ == "__main__":
    main()
