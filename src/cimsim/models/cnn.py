"""ImageNet CNNs as shapes: ResNet-18, ResNet-50 and MobileNetV2 (one item = one image).

Convolutions are matrix products after im2col: ``vectors_per_item`` = output positions, ``in_features`` =
k x k x C_in, ``out_features`` = C_out; padding k // 2, so a stride-s conv maps H to floor((H - 1) / s) + 1.
Batch norms are folded into the conv's weights and a bias at inference (one add per output element on the vector
unit; their 2 x C trained parameters counted as in torchvision). A depthwise conv is ``groups`` = C products of
(k*k -> 1); :mod:`cimsim.models.pricing` packs them block-diagonally on crossbars.

Sources. ResNet: K. He, X. Zhang, S. Ren, J. Sun, "Deep Residual Learning for Image Recognition", CVPR 2016,
Table 1 (stages, widths, 1.8 GFLOPs for ResNet-18 counted as multiply-adds); ResNet-50 as torchvision builds it
("v1.5": stride 2 in the bottleneck's 3x3 conv, 4.09 GMACs, 25,557,032 parameters; the paper's v1 has the stride
in the first 1x1 conv, 3.8 GMACs). MobileNetV2: M. Sandler, A. Howard, M. Zhu, A. Zhmoginov, L.-C. Chen,
"MobileNetV2: Inverted Residuals and Linear Bottlenecks", CVPR 2018, Table 2 (blocks) and Table 3 (300 M
multiply-adds, 3.4 M parameters at width 1.0, 224 x 224); torchvision counts 3,504,872 parameters.
"""

from __future__ import annotations

from ..argcheck import check_int
from .ops import MatrixOp, Model, Op, VectorOp

__all__ = ["resnet18", "resnet50", "mobilenetv2", "MAX_IMAGE_SIDE"]

MAX_IMAGE_SIDE = 8192
"""largest CNN image side, pixels: an 8K UHD frame is 7680 wide (2**64 had priced 2.9e51 TJ an image, 10**400
overflowed)"""

_CLASSES = 1000  # ImageNet-1k


class _Builder:
    """Collects ops while tracking the feature map (side x side x channels)."""

    def __init__(self, side: int, channels: int):
        check_int("image_side", side, minimum=32, maximum=MAX_IMAGE_SIDE)
        self.side, self.channels = side, channels
        self.ops: list[Op] = []

    @property
    def elements(self) -> int:
        return self.side * self.side * self.channels

    def conv(self, name: str, out: int, k: int, stride: int = 1, *, depthwise: bool = False, act: str | None = "relu",
             skip: int = 0) -> None:
        side = (self.side - 1) // stride + 1
        positions = side * side
        if depthwise:
            op = MatrixOp(name, k * k, 1, positions, groups=self.channels, input_elements_per_item=self.elements,
                          skip_elements_per_item=skip)
        else:
            op = MatrixOp(name, k * k * self.channels, out, positions, input_elements_per_item=self.elements,
                          skip_elements_per_item=skip)
        self.ops.append(op)
        self.side, self.channels = side, out
        self.ops.append(VectorOp(f"{name}.bn", "add", self.elements, parameters=2 * out))
        if act:
            self.ops.append(VectorOp(f"{name}.{act}", act, self.elements))

    def residual(self, name: str, act: str | None = "relu") -> None:
        self.ops.append(VectorOp(f"{name}.add", "add", self.elements))
        if act:
            self.ops.append(VectorOp(f"{name}.{act}", act, self.elements))

    def head(self) -> None:
        """global average pool (adds; the 1 / (H W) scale folded into the classifier) and the classifier"""
        self.ops.append(VectorOp("avgpool", "add", self.elements))
        self.ops.append(MatrixOp("fc", self.channels, _CLASSES, 1))
        self.ops.append(VectorOp("fc.bias", "add", _CLASSES, parameters=_CLASSES))


def _resnet_stem(b: _Builder) -> None:
    b.conv("conv1", 64, 7, 2)
    b.side = (b.side - 1) // 2 + 1  # 3x3 max pool, stride 2, padding 1
    b.ops.append(VectorOp("maxpool", "max", 9 * b.elements))


def _resnet(name: str, blocks: tuple[int, ...], bottleneck: bool, image_side: int, source: str) -> Model:
    b = _Builder(image_side, 3)
    image = b.elements
    _resnet_stem(b)
    expansion = 4 if bottleneck else 1
    for stage, (count, width) in enumerate(zip(blocks, (64, 128, 256, 512)), start=1):
        for index in range(count):
            stride = 2 if stage > 1 and index == 0 else 1
            prefix = f"layer{stage}.{index}"
            x_side, x_channels, x = b.side, b.channels, b.elements
            if bottleneck:
                b.conv(f"{prefix}.conv1", width, 1, skip=x)
                b.conv(f"{prefix}.conv2", width, 3, stride, skip=x)
                b.conv(f"{prefix}.conv3", width * expansion, 1, act=None, skip=x)
            else:
                b.conv(f"{prefix}.conv1", width, 3, stride, skip=x)
                b.conv(f"{prefix}.conv2", width, 3, act=None, skip=x)
            if stride != 1 or x_channels != width * expansion:
                out_side, out_channels = b.side, b.channels
                b.side, b.channels = x_side, x_channels
                b.conv(f"{prefix}.downsample", width * expansion, 1, stride, act=None)
                b.side, b.channels = out_side, out_channels
            b.residual(prefix)
    b.head()
    return Model(name, "image", tuple(b.ops), image, _CLASSES, source=source)


def resnet18(image_side: int = 224) -> Model:
    """ResNet-18 on a 3 x image_side x image_side image (He et al. 2016: 11.7 M parameters, 1.8 GMACs at 224)."""
    return _resnet("resnet18", (2, 2, 2, 2), False, image_side,
                   "He et al., CVPR 2016, Table 1 (11.7 M parameters, 1.8 GMACs at 224 x 224)")


def resnet50(image_side: int = 224) -> Model:
    """ResNet-50 v1.5 (torchvision) on a 3 x image_side x image_side image (25.6 M parameters, 4.1 GMACs at 224)."""
    return _resnet("resnet50", (3, 4, 6, 3), True, image_side,
                   "He et al., CVPR 2016, Table 1; torchvision v1.5 (25.6 M parameters, 4.09 GMACs at 224 x 224)")


# (expansion t, output channels c, repeats n, first stride s): Sandler et al. 2018, Table 2
_MOBILENETV2_BLOCKS = ((1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2),
                       (6, 320, 1, 1))


def mobilenetv2(image_side: int = 224) -> Model:
    """MobileNetV2 (width 1.0) on a 3 x image_side x image_side image (Sandler et al. 2018: 3.4 M parameters,
    300 M multiply-adds at 224)."""
    b = _Builder(image_side, 3)
    image = b.elements
    b.conv("features.0", 32, 3, 2, act="relu6")
    index = 1
    for t, c, n, s in _MOBILENETV2_BLOCKS:
        for repeat in range(n):
            prefix = f"features.{index}"
            stride = s if repeat == 0 else 1
            x_channels, x = b.channels, b.elements
            residual = stride == 1 and x_channels == c
            skip = x if residual else 0
            if t != 1:
                b.conv(f"{prefix}.expand", x_channels * t, 1, act="relu6", skip=skip)
            b.conv(f"{prefix}.depthwise", b.channels, 3, stride, depthwise=True, act="relu6", skip=skip)
            b.conv(f"{prefix}.project", c, 1, act=None, skip=skip)
            if residual:
                b.residual(prefix, act=None)
            index += 1
    b.conv(f"features.{index}", 1280, 1, act="relu6")
    b.head()
    return Model("mobilenetv2", "image", tuple(b.ops), image, _CLASSES,
                 source="Sandler et al., CVPR 2018, Tables 2-3 (3.4 M parameters, 300 M MACs at 224 x 224); "
                        "torchvision 3,504,872 parameters")
