"""Network workloads: layers, a feed-forward model, loaders for networks (.npz, ONNX) and datasets.

This package does no crossbar numerics. ``Network.forward(x, matmul)`` hands every matrix product to
``matmul(index, layer, rows)``; the simulator passes one that runs the rows through that layer's crossbars.
The format of network files and the supported ONNX operators are in docs/networks.md.

>>> net = load_network("digits_mlp.npz")
>>> net.matrix_shapes()                       # what each matrix layer needs from the crossbars
>>> labels = net.predict(x)                   # float reference
>>> labels = net.predict(x, matmul=lambda i, layer, rows: xbars[i].mvm(rows))
"""

from .datasets import DIGITS_SCALE, digits_test_path, load_dataset
from .io import FORMAT, LAYER_KINDS, load_network, save_network
from .layers import AvgPool2d, Conv2d, Dense, DigitalLayer, Flatten, Layer, MatrixLayer, MaxPool2d, ReLU
from .model import MatMul, MatrixShape, Network

__all__ = [
    "Layer", "MatrixLayer", "DigitalLayer", "Dense", "Conv2d", "ReLU", "MaxPool2d", "AvgPool2d", "Flatten",
    "Network", "MatrixShape", "MatMul",
    "FORMAT", "LAYER_KINDS", "load_network", "save_network",
    "DIGITS_SCALE", "digits_test_path", "load_dataset",
]
