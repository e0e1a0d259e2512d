"""Per-image layers (convolution, pooling) over a stack of images per sample: windows or patches that a model
moved into its batch axis (EfficientViT's windowed attention, TNT's pixel patches, MViT's pooled heads), imported
with the batch axis kept as a per-sample axis."""

from __future__ import annotations

from ._onnx_sharing import derived
from .conv3d import Conv3d
from .layers import Conv2d
from .movement import Concat, Reshape, Slice, Transpose
from .pooling import AvgPool2d, GlobalAvgPool2d, MaxPool2d

__all__ = ["per_stacked_image"]


def per_stacked_image(g, layer, x: str, out: str, name: str) -> None:
    """``layer`` over a stack of n > 1 images per sample, (n, C, H, W): windows or patches that the model moved
    into its batch axis (EfficientViT, TNT). A convolution becomes a 3-d one with a kernel of depth 1 over
    (C, n, H, W), so its weights are programmed once and it reads n x H' x W' vectors; a pooling (per channel)
    runs over the n x C maps."""
    shape = g.shape[x]
    if len(shape) == 4 and isinstance(layer, Conv2d):
        top, left, bottom, right = layer.padding
        weight = derived(g, layer.weight, "Conv3d of depth 1", lambda w: w[:, :, None])  # one per matrix
        conv = Conv3d(weight, layer.bias, (1,) + layer.stride, (0, top, left, 0, bottom, right), (1,) + layer.dilation,
                      layer.groups, layer.tap_fraction)  # a transposed conv's share of taps: the same per image
        g.append(Transpose((1, 0, 2, 3)), [x], f"{out}#channels_first", name)
        g.append(conv, [f"{out}#channels_first"], f"{out}#conv", name)
        return g.append(Transpose((1, 0, 2, 3)), [f"{out}#conv"], out, name)
    if len(shape) == 4 and isinstance(layer, (MaxPool2d, AvgPool2d, GlobalAvgPool2d)):
        g.append(Reshape((shape[0] * shape[1],) + shape[2:]), [x], f"{out}#maps", name)
        g.append(layer, [f"{out}#maps"], f"{out}#pooled", name)
        return g.append(Reshape(shape[:2] + g.shape[f"{out}#pooled"][1:]), [f"{out}#pooled"], out, name)
    return _image_by_image(g, layer, x, out, name)


def _image_by_image(g, layer, x: str, out: str, name: str) -> None:
    """``layer`` on each image of the stack in turn (one layer: a convolution's weights programmed once, read per
    image), the results stacked again (a 3-d convolution over MViT's pooled heads)"""
    shape = g.shape[x]
    for i in range(shape[0]):
        g.append(Slice(0, i, i + 1), [x], f"{out}#image{i}", name)
        g.append(Reshape(shape[1:]), [f"{out}#image{i}"], f"{out}#alone{i}", name)
        g.append(layer, [f"{out}#alone{i}"], f"{out}#done{i}", name)
        g.append(Reshape((1,) + g.shape[f"{out}#done{i}"]), [f"{out}#done{i}"], f"{out}#back{i}", name)
    g.append(Concat(0), [f"{out}#back{i}" for i in range(shape[0])], out, name)
