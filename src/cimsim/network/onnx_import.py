"""ONNX models -> :class:`~cimsim.network.Network` (needs the onnx package: ``pip install '.[onnx]'``).

The graph must be a chain: one data input of shape (batch, ...), each node taking the previous node's output
(plus constant initializers), one output. Supported operators and the restrictions checked:

- ``Gemm`` (transA = 0; alpha, beta, transB folded into the weight and bias), ``MatMul`` with a constant
  right operand, and ``Add`` of a constant right after one of them (folded into the bias) -> ``Dense``;
- ``Conv`` (2-d, group = 1, dilations = 1, symmetric pads, auto_pad NOTSET) -> ``Conv2d``;
- ``Relu`` -> ``ReLU``;
- ``MaxPool`` / ``AveragePool`` (2-d, no padding, ceil_mode = 0, dilations = 1) -> ``MaxPool2d`` / ``AvgPool2d``;
- ``Flatten`` (axis = 1) and ``Reshape`` to (batch, features) -> ``Flatten``.

Anything else raises a ValueError naming the operator and the node.
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import numpy as np

from .layers import AvgPool2d, Conv2d, Dense, Flatten, Layer, MaxPool2d, ReLU
from .model import Network

__all__ = ["load_onnx", "SUPPORTED_OPS"]

SUPPORTED_OPS = ("Gemm", "MatMul", "Add", "Conv", "Relu", "MaxPool", "AveragePool", "Flatten", "Reshape")
"""ONNX operators the importer understands"""


def load_onnx(path: str | os.PathLike) -> Network:
    """The network of the ONNX model in ``path``."""
    try:
        import onnx
        from onnx import numpy_helper
    except ImportError:
        raise ImportError("reading .onnx networks needs the onnx package: install the onnx extra: "
                          "pip install '.[onnx]'") from None
    path = Path(path)
    try:
        model = onnx.load(str(path))
    except Exception as exc:  # onnx raises protobuf DecodeError and others for a bad file
        raise ValueError(f"{path}: cannot read as an ONNX model ({exc})") from None
    graph = model.graph
    consts = {t.name: numpy_helper.to_array(t) for t in graph.initializer}
    for node in graph.node:
        if node.op_type == "Constant":
            consts[node.output[0]] = numpy_helper.to_array(onnx.helper.get_attribute_value(node.attribute[0]))
    data_inputs = [i for i in graph.input if i.name not in consts]
    if len(data_inputs) != 1 or len(graph.output) != 1:
        raise ValueError(f"{path}: expected one data input and one output; got {len(data_inputs)} and "
                         f"{len(graph.output)}")
    current, input_shape = data_inputs[0].name, _input_shape(path, data_inputs[0])
    builder = _Chain(input_shape)
    for node in graph.node:
        if node.op_type == "Constant":
            continue
        attrs = {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}
        where = f"{path}: node {node.name or '(unnamed)'!r} ({node.op_type})"
        data = [name for name in node.input if name and name not in consts]
        if data != [current] or node.input[0] != current:
            raise ValueError(f"{where} must take the previous node's output {current!r} as its first and only "
                             f"non-constant input; got inputs {list(node.input)}")
        operands = [consts[name] if name else None for name in node.input[1:]]
        builder.add(node.op_type, attrs, operands, where)
        current = node.output[0]
    if graph.output[0].name != current:
        raise ValueError(f"{path}: the graph output {graph.output[0].name!r} is not the last node's output")
    try:
        return Network(tuple(builder.layers), input_shape)
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from None


def _input_shape(path: Path, value_info) -> tuple[int, ...]:
    dims = value_info.type.tensor_type.shape.dim
    shape = tuple(d.dim_value if d.HasField("dim_value") else None for d in dims[1:])
    if len(dims) < 2 or not all(shape):
        raise ValueError(f"{path}: input {value_info.name!r} needs a known shape (batch, ...); got "
                         f"{[d.dim_param or d.dim_value for d in dims]}")
    return shape


class _Chain:
    """The layers built so far and the per-sample shape of the current tensor."""

    def __init__(self, input_shape: tuple[int, ...]):
        self.layers: list[Layer] = []
        self.shape = input_shape

    def _append(self, layer: Layer, where: str) -> None:
        try:
            self.shape = layer.output_shape(self.shape)
        except ValueError as exc:
            raise ValueError(f"{where}: {exc}") from None
        self.layers.append(layer)

    def add(self, op: str, attrs: dict, operands: list, where: str) -> None:
        try:
            layer = self._layer(op, attrs, operands)
        except ValueError as exc:
            raise ValueError(f"{where}: {exc}") from None
        if layer is not None:
            self._append(layer, where)

    def _layer(self, op: str, attrs: dict, operands: list) -> Layer | None:
        if op == "Gemm":
            if attrs.get("transA", 0):
                raise ValueError("transA = 1 is not supported")
            b = np.asarray(operands[0], dtype=np.float64) * attrs.get("alpha", 1.0)
            w = b if attrs.get("transB", 0) else b.T
            c = operands[1] if len(operands) > 1 else None
            return Dense(w, None if c is None else _vector(np.asarray(c) * attrs.get("beta", 1.0), w.shape[0]))
        if op == "MatMul":
            return Dense(np.asarray(operands[0]).T)
        if op == "Add":
            last = self.layers[-1] if self.layers else None
            if not isinstance(last, Dense) or last.bias is not None:
                raise ValueError("Add is supported only as the bias of the MatMul (or bias-less Gemm) before it")
            self.layers[-1] = replace(last, bias=_vector(operands[0], last.weight.shape[0]))
            return None
        if op == "Conv":
            _check_attrs(attrs, group=1, auto_pad=b"NOTSET")
            _no_dilation(attrs)
            w = operands[0]
            pads = attrs.get("pads", [0, 0, 0, 0])
            if np.ndim(w) != 4 or len(pads) != 4 or pads[:2] != pads[2:]:
                raise ValueError(f"only 2-d convolutions with symmetric pads are supported; got weight shape "
                                 f"{np.shape(w)}, pads {pads}")
            return Conv2d(w, operands[1] if len(operands) > 1 else None, attrs.get("strides", 1), pads[:2])
        if op == "Relu":
            return ReLU()
        if op in ("MaxPool", "AveragePool"):
            _check_attrs(attrs, ceil_mode=0, auto_pad=b"NOTSET", storage_order=0)
            _no_dilation(attrs)
            if any(attrs.get("pads", [0])):
                raise ValueError(f"padded pooling is not supported; got pads {attrs['pads']}")
            if len(attrs["kernel_shape"]) != 2:
                raise ValueError(f"only 2-d pooling is supported; got kernel_shape {attrs['kernel_shape']}")
            cls = MaxPool2d if op == "MaxPool" else AvgPool2d
            return cls(attrs["kernel_shape"], attrs.get("strides", 1))
        if op == "Flatten":
            if attrs.get("axis", 1) != 1:
                raise ValueError(f"only axis = 1 is supported; got {attrs['axis']}")
            return Flatten()
        if op == "Reshape":
            target = [int(s) for s in np.asarray(operands[0]).ravel()]
            features = int(np.prod(self.shape))
            if len(target) != 2 or target[1] not in (-1, features) or target[0] not in (-1, 0, 1) or target == [-1, -1]:
                raise ValueError(f"only a reshape to (batch, {features}) is supported; got target shape {target}")
            return Flatten()
        raise ValueError(f"unsupported ONNX operator {op!r}; supported: {', '.join(SUPPORTED_OPS)}")


def _vector(value, n: int) -> np.ndarray:
    """A bias operand of shape (), (n,) or (1, n) as a vector (n,)."""
    arr = np.asarray(value, dtype=np.float64)
    if arr.size not in (1, n) or arr.squeeze().ndim > 1:
        raise ValueError(f"a bias of {n} values is expected; got shape {arr.shape}")
    return np.broadcast_to(arr.reshape(-1), (n,))


def _check_attrs(attrs: dict, **allowed) -> None:
    """Each attribute in ``allowed``, when present, must have the allowed value."""
    for name, value in allowed.items():
        if name in attrs and attrs[name] != value:
            raise ValueError(f"attribute {name} = {attrs[name]!r} is not supported (only {value!r})")


def _no_dilation(attrs: dict) -> None:
    if any(d != 1 for d in attrs.get("dilations", [])):
        raise ValueError(f"dilations {attrs['dilations']} are not supported (only 1)")
