"""Network workloads: layers, a feed-forward graph model, loaders for networks (.npz, ONNX, PyTorch) and datasets.

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
from .conv3d import Conv3d
from .indexing import PutAlong, TakeAlong
from .layers import Conv2d, Dense, DigitalLayer, Layer, MatrixLayer
from .model import MatMul, MatrixShape, Network
from .movement import Concat, Constant, Dilate, Flatten, JoinConstant, Pad, Reshape, Slice, Transpose, Upsample
from .ops import ActivationMatMul, Affine, ArgMax, Clip, Elementwise, Max, Mean, ReLU, Softmax, Unary
from .norms import LayerNorm, RMSNorm
from .pooling import AvgPool2d, GlobalAvgPool2d, MaxPool2d
from .sampling import GridSample
from .selection import Select, TopK
from .tables import Embedding, Interpolate, Scatter

__all__ = [
    "Layer", "MatrixLayer", "DigitalLayer", "Dense", "Conv2d", "Conv3d", "ReLU", "Unary", "Clip", "Affine",
    "Elementwise",
    "Concat", "JoinConstant", "Slice", "Reshape", "Transpose", "Flatten", "Pad", "Upsample", "Dilate", "Softmax",
    "LayerNorm", "RMSNorm", "Mean", "Max", "ActivationMatMul", "Interpolate", "Embedding", "Scatter", "ArgMax",
    "MaxPool2d",
    "AvgPool2d", "GlobalAvgPool2d", "GridSample", "TopK", "Select", "TakeAlong", "PutAlong", "Constant",
    "Network", "MatrixShape", "MatMul",
    "FORMAT", "LAYER_KINDS", "load_network", "save_network", "from_torch",
    "DIGITS_SCALE", "digits_test_path", "load_dataset",
]


def __getattr__(name: str):
    """``from_torch``, imported on first use: it brings the ONNX importer (about 0.1 s), which a run of a dense
    layer or a .npz network never needs."""
    if name == "from_torch":
        from .torch_import import from_torch

        return from_torch
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
