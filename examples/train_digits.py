"""Train the two digits networks shipped with cimsim and write them, with the test split, into the package.

Needs scikit-learn (``pip install '.[examples]'``). Run from the repository root:

    python examples/train_digits.py

scikit-learn's 8x8 digits (1797 samples) are split 70 / 30 with ``train_test_split(test_size=0.3,
random_state=0, stratify=y)``; inputs are pixels / 16. Two networks are trained with fixed seeds:

- MLP 64-64-10 (ReLU): scikit-learn's ``MLPClassifier`` (Adam), weights copied into a cimsim network;
- CNN: conv 1->8 3x3 pad 1, ReLU, maxpool 2, conv 8->16 3x3 pad 1, ReLU, maxpool 2, flatten, dense 64->10,
  trained here in plain numpy (mini-batch Adam on softmax cross-entropy).

Each network's float test accuracy, computed by cimsim's own forward pass on the saved file, is stored in it
as ``float_accuracy`` and printed. Outputs: src/cimsim/data/digits_{mlp,cnn,test}.npz.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

try:
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split
    from sklearn.neural_network import MLPClassifier
except ImportError:
    sys.exit("examples/train_digits.py needs scikit-learn: pip install '.[examples]'")

from cimsim.network import (
    DIGITS_SCALE, Conv2d, Dense, Flatten, MaxPool2d, Network, ReLU, load_network, save_network,
)

DATA = Path(__file__).resolve().parent.parent / "src" / "cimsim" / "data"
SEED = 0


def train_mlp(x: np.ndarray, y: np.ndarray) -> Network:
    """64-64-10 ReLU MLP trained by scikit-learn (x: (n, 64) in [0, 1])."""
    clf = MLPClassifier(hidden_layer_sizes=(64,), activation="relu", solver="adam", alpha=1e-4,
                        max_iter=1000, random_state=SEED).fit(x, y)
    (w1, w2), (b1, b2) = clf.coefs_, clf.intercepts_
    return Network((Dense(w1.T, b1), ReLU(), Dense(w2.T, b2)), (64,))


def _col2im(d_rows: np.ndarray, shape: tuple[int, ...], k: int, pad: int) -> np.ndarray:
    """Gradient of stride-1 im2col: patch gradients (n*h*w, c*k*k) summed back onto (n, c, h, w)."""
    n, c, h, w = shape
    d = d_rows.reshape(n, h, w, c, k, k)
    dx = np.zeros((n, c, h + 2 * pad, w + 2 * pad))
    for i in range(k):
        for j in range(k):
            dx[:, :, i:i + h, j:j + w] += d[..., i, j].transpose(0, 3, 1, 2)
    return dx[:, :, pad:pad + h, pad:pad + w]


def _pool2(h: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """2x2 max pooling of (n, c, H, W) and the one-hot mask of the first maximum of each window."""
    n, c, hh, ww = h.shape
    win = h.reshape(n, c, hh // 2, 2, ww // 2, 2).transpose(0, 1, 2, 4, 3, 5).reshape(n, c, hh // 2, ww // 2, 4)
    mask = np.eye(4)[win.argmax(axis=-1)]
    return win.max(axis=-1), mask


def _unpool2(dp: np.ndarray, mask: np.ndarray) -> np.ndarray:
    n, c, h, w = dp.shape
    d = (mask * dp[..., None]).reshape(n, c, h, w, 2, 2).transpose(0, 1, 2, 4, 3, 5)
    return d.reshape(n, c, 2 * h, 2 * w)


def train_cnn(x: np.ndarray, y: np.ndarray, epochs: int = 60, batch: int = 32, lr: float = 3e-3) -> Network:
    """The small CNN of the module doc, trained by mini-batch Adam (x: (n, 1, 8, 8) in [0, 1])."""
    rng = np.random.default_rng(SEED)
    shapes = {"w1": (8, 1, 3, 3), "b1": (8,), "w2": (16, 8, 3, 3), "b2": (16,), "w3": (10, 64), "b3": (10,)}
    fan_in = {"w1": 9, "w2": 72, "w3": 64}
    p = {k: rng.standard_normal(s) * np.sqrt(2.0 / fan_in[k]) if k in fan_in else np.zeros(s)
         for k, s in shapes.items()}
    m = {k: np.zeros_like(v) for k, v in p.items()}
    v = {k: np.zeros_like(a) for k, a in p.items()}
    step = 0
    for _ in range(epochs):
        order = rng.permutation(len(x))
        for start in range(0, len(x), batch):
            idx = order[start:start + batch]
            grads = _gradients(p, x[idx], y[idx])
            step += 1
            for k in p:  # Adam, beta1 = 0.9, beta2 = 0.999
                m[k] = 0.9 * m[k] + 0.1 * grads[k]
                v[k] = 0.999 * v[k] + 0.001 * grads[k] ** 2
                p[k] -= lr * (m[k] / (1 - 0.9 ** step)) / (np.sqrt(v[k] / (1 - 0.999 ** step)) + 1e-8)
    return _cnn(p)


def _cnn(p: dict) -> Network:
    return Network((Conv2d(p["w1"], p["b1"], 1, 1), ReLU(), MaxPool2d(2), Conv2d(p["w2"], p["b2"], 1, 1), ReLU(),
                    MaxPool2d(2), Flatten(), Dense(p["w3"], p["b3"])), (1, 8, 8))


def _gradients(p: dict, x: np.ndarray, y: np.ndarray) -> dict:
    """Gradients of the mean softmax cross-entropy of the CNN with parameters ``p`` on a batch."""
    n = len(x)
    conv1, conv2 = Conv2d(p["w1"], None, 1, 1), Conv2d(p["w2"], None, 1, 1)
    r1 = conv1.to_rows(x)
    z1 = conv1.from_rows(r1 @ conv1.matrix.T, x) + p["b1"][:, None, None]
    a1, mask1 = _pool2(np.maximum(z1, 0))
    r2 = conv2.to_rows(a1)
    z2 = conv2.from_rows(r2 @ conv2.matrix.T, a1) + p["b2"][:, None, None]
    a2, mask2 = _pool2(np.maximum(z2, 0))
    f = a2.reshape(n, -1)
    logits = f @ p["w3"].T + p["b3"]
    prob = np.exp(logits - logits.max(axis=1, keepdims=True))
    prob /= prob.sum(axis=1, keepdims=True)
    d = (prob - np.eye(10)[y]) / n
    g = {"w3": d.T @ f, "b3": d.sum(axis=0)}
    dz2 = _unpool2((d @ p["w3"]).reshape(a2.shape), mask2) * (z2 > 0)
    dz2_rows = dz2.transpose(0, 2, 3, 1).reshape(-1, 16)
    g["w2"], g["b2"] = (dz2_rows.T @ r2).reshape(p["w2"].shape), dz2_rows.sum(axis=0)
    dz1 = _unpool2(_col2im(dz2_rows @ conv2.matrix, a1.shape, 3, 1), mask1) * (z1 > 0)
    dz1_rows = dz1.transpose(0, 2, 3, 1).reshape(-1, 8)
    g["w1"], g["b1"] = (dz1_rows.T @ r1).reshape(p["w1"].shape), dz1_rows.sum(axis=0)
    return g


def save_with_accuracy(net: Network, path: Path, x_test: np.ndarray, y_test: np.ndarray) -> float:
    """Save ``net``, then store the float accuracy of the saved network on the test split in the file."""
    save_network(net, path)
    saved = load_network(path)
    accuracy = float(np.mean(saved.predict(x_test.reshape(-1, *saved.input_shape)) == y_test))
    save_network(saved, path, extras={"float_accuracy": np.float64(accuracy)})
    return accuracy


def main() -> None:
    digits = load_digits()
    pixels_train, pixels_test, y_train, y_test = train_test_split(
        digits.data.astype(np.uint8), digits.target.astype(np.uint8), test_size=0.3, random_state=SEED,
        stratify=digits.target)
    x_train, x_test = pixels_train / DIGITS_SCALE, pixels_test / DIGITS_SCALE
    DATA.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(DATA / "digits_test.npz", pixels=pixels_test, labels=y_test)
    mlp = save_with_accuracy(train_mlp(x_train, y_train), DATA / "digits_mlp.npz", x_test, y_test)
    cnn = save_with_accuracy(train_cnn(x_train.reshape(-1, 1, 8, 8), y_train.astype(np.int64)),
                             DATA / "digits_cnn.npz", x_test, y_test)
    print(f"test samples: {len(y_test)}")
    print(f"MLP 64-64-10 float test accuracy: {mlp:.4f}")
    print(f"CNN float test accuracy:          {cnn:.4f}")


if __name__ == "__main__":
    main()
